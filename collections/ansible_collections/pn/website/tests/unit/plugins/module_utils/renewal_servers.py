# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loopback servers for the renewal tests: RDAP over HTTP, WHOIS on TCP, TLS with a test CA.

They speak the real protocols (RFC 9083 JSON over HTTP, RFC 3912 WHOIS, TLS with certificates
signed by a CA made with ``cryptography``) and listen only on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import http.server
import json
import socketserver
import ssl
import threading

from ansible_collections.pn.website.tests.unit.plugins.module_utils.certs import (
    cert_pem,
    key_pem,
    make_ca,
    make_cert,
)

LOOPBACK = "127.0.0.1"
UTC = datetime.timezone.utc


# --------------------------------------------------------------------------- RDAP


def rdap_domain(
    name,
    expires=None,
    registered="2010-03-15T07:00:00Z",
    last_changed="2025-03-01T02:11:45Z",
    registrar="PT Registrar Domain Indonesia",
    status=("active",),
    nameservers=("ns1.mahkamahagung.go.id", "ns2.mahkamahagung.go.id"),
):
    """An RFC 9083 domain object as the .id registry publishes it."""
    events = []
    if registered:
        events.append({"eventAction": "registration", "eventDate": registered})
    if expires:
        events.append({"eventAction": "expiration", "eventDate": expires})
    if last_changed:
        events.append({"eventAction": "last changed", "eventDate": last_changed})
    events.append({"eventAction": "last update of RDAP database", "eventDate": "2026-11-23T00:00:00Z"})
    entities = []
    if registrar:
        entities.append(
            {
                "objectClassName": "entity",
                "handle": "REG-1001",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]]],
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": [
                            "vcard",
                            [
                                ["version", {}, "text", "4.0"],
                                ["email", {}, "text", "abuse@registrar.example"],
                            ],
                        ],
                    }
                ],
            }
        )
    entities.append(
        {
            "objectClassName": "entity",
            "handle": "MA-REG",
            "roles": ["registrant"],
            "vcardArray": [
                "vcard",
                [["version", {}, "text", "4.0"], ["fn", {}, "text", "REDACTED FOR PRIVACY"]],
            ],
        }
    )
    return {
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_0"],
        "objectClassName": "domain",
        "handle": "PANDI-DO-" + name.upper().replace(".", "-"),
        "ldhName": name.upper(),
        "status": list(status),
        "events": events,
        "entities": entities,
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns.upper()} for ns in nameservers],
        "secureDNS": {"delegationSigned": False},
        "notices": [{"title": "Terms of Use", "description": ["Data PANDI."]}],
    }


class _RDAPHandler(http.server.BaseHTTPRequestHandler):
    server_version = "TestRDAP/1.0"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            body = json.dumps({"errorCode": 404, "title": "Not Found", "description": ["Object not found"]})
            return self._send(404, body.encode(), {"Content-Type": "application/rdap+json"})
        status, headers, body = route
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = dict({"Content-Type": "application/rdap+json"}, **(headers or {}))
        return self._send(status, body, headers)

    def _send(self, status, body, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RDAPServer:
    """A threaded HTTP server; ``route(path, status, body, headers)`` sets an answer."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer((LOOPBACK, 0), _RDAPHandler)
        self.httpd.daemon_threads = True
        self.httpd.routes = {}
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self):
        return f"http://{LOOPBACK}:{self.httpd.server_address[1]}/rdap/"

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, path):
        return f"http://{LOOPBACK}:{self.httpd.server_address[1]}{path}"

    def route(self, path, status=200, body=None, headers=None):
        self.httpd.routes[path] = (status, headers, body if body is not None else {})

    def domain(self, name, body, status=200, headers=None):
        self.route("/rdap/domain/" + name, status, body, headers)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------- WHOIS


def whois_text(name, expires="2027-01-31T23:59:59Z", registrar="Example Registrar, Inc.", status=("ok",)):
    """A WHOIS answer in the ICANN layout."""
    lines = [
        f"Domain Name: {name.upper()}",
        "Registry Domain ID: 2336799_DOMAIN_COM-VRSN",
        "Updated Date: 2025-01-15T10:01:11Z",
        "Creation Date: 2001-01-31T05:00:00Z",
    ]
    if expires:
        lines.append(f"Registry Expiry Date: {expires}")
    lines.append(f"Registrar: {registrar}")
    lines.append("Registrar IANA ID: 9999")
    for code in status:
        lines.append(f"Domain Status: {code} https://icann.org/epp#{code}")
    lines += ["Name Server: NS1.EXAMPLE.NET", "Name Server: NS2.EXAMPLE.NET", "DNSSEC: unsigned"]
    lines += [">>> Last update of whois database: 2026-11-23T00:00:00Z <<<", "", "% Terms of use apply."]
    return "\r\n".join(lines) + "\r\n"


class _WhoisHandler(socketserver.StreamRequestHandler):
    def handle(self):
        query = self.rfile.readline(1024).decode("utf-8", "replace").strip()
        self.server.queries.append(query)
        answer = self.server.answers.get(query.lower(), 'No match for "%s".\r\n' % query.upper())
        self.wfile.write(answer.encode("utf-8"))


class WhoisServer:
    def __init__(self, answers=None):
        self.server = socketserver.ThreadingTCPServer((LOOPBACK, 0), _WhoisHandler)
        self.server.daemon_threads = True
        self.server.answers = dict(answers or {})
        self.server.queries = []
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def address(self):
        return f"{LOOPBACK}:{self.server.server_address[1]}"

    @property
    def queries(self):
        return self.server.queries

    def answer(self, query, text):
        self.server.answers[query.lower()] = text

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- TLS


class TestCA:
    """A throw-away CA issuing leaf certificates with chosen validity windows."""

    __test__ = False  # not a pytest class

    def __init__(self, directory, name="PN Website Test CA"):
        self.directory = directory
        self.key, self.cert = make_ca(name, days_valid=400, days_before=400)
        self.ca_file = str(directory / "ca.pem")
        with open(self.ca_file, "wb") as handle:
            handle.write(cert_pem(self.cert))
        self._count = 0

    def issue(self, names, days_left, lifetime_days=90, now=None):
        """Write a cert/key pair valid for ``names``; return (cert_path, key_path, certificate)."""
        key, cert = make_cert(
            (self.key, self.cert), names, days_valid=days_left, days_before=lifetime_days - days_left, now=now
        )
        self._count += 1
        cert_path = self.directory / f"leaf{self._count}.pem"
        key_path = self.directory / f"leaf{self._count}.key"
        cert_path.write_bytes(cert_pem(cert))
        key_path.write_bytes(key_pem(key))
        return str(cert_path), str(key_path), cert


class _TLSHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            with self.server.context.wrap_socket(self.request, server_side=True) as tls:
                tls.settimeout(2)
                try:
                    tls.recv(1024)
                except (OSError, ssl.SSLError):
                    pass
        except (OSError, ssl.SSLError):
            pass  # the client may reject the certificate and hang up


class TLSServer:
    """A TLS listener on 127.0.0.1 serving one certificate; finishes handshakes and hangs up."""

    def __init__(self, cert_path, key_path):
        self.server = socketserver.ThreadingTCPServer((LOOPBACK, 0), _TLSHandler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.server.context = context
        self.server_names = []  # SNI values clients sent

        def _record_sni(sock, server_name, ctx):
            self.server_names.append(server_name)

        context.sni_callback = _record_sni
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self):
        return self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
