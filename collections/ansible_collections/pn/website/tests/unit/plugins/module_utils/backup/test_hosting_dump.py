# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of the one-shot dump endpoint against hostile answers from a real HTTP(S) server on
loopback: only a framed dump of this run is kept (0600, trailer cut off); an oversized, truncated, fake,
redirected or slow answer leaves no file."""

from __future__ import annotations

import hashlib
import http.server
import ssl
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup import hosting_dump
from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs

TOKEN, NONCE = "tok-" + "a" * 40, "0123456789abcdef0123456789abcdef"
BODY = b"CREATE DATABASE `court`;\nUSE `court`;\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-12-03\n"


def framed(
    body: bytes = BODY, nonce: str = NONCE, size: int | None = None, digest: str | None = None
) -> bytes:
    trailer = "-- pn-hosting-dump end nonce=%s bytes=%d sha256=%s tables=1 rows=1\n" % (
        nonce,
        len(body) if size is None else size,
        digest or hashlib.sha256(body).hexdigest(),
    )
    return (hosting_dump.HEADER % nonce).encode() + body + trailer.encode()


class Server:
    """A loopback HTTP(S) server answering every POST with ANSWER(handler)."""

    def __init__(self, answer, tls: tuple | None = None):
        outer = self
        self.tokens = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                outer.tokens.append(self.headers.get("X-PN-Dump-Token"))
                answer(self)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, scheme: str = "http"):
        return hosting_dump.endpoint_url("%s://127.0.0.1:%d/" % (scheme, self.port), "x.php", allow_http=True)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def send(payload: bytes, status: int = 200, headers: dict | None = None, delay: float = 0):
    def answer(handler):
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        for start in range(0, len(payload), 64):
            handler.wfile.write(payload[start : start + 64])
            handler.wfile.flush()
            time.sleep(delay)

    return answer


@pytest.fixture
def serve():
    servers = []

    def start(answer, tls=None):
        servers.append(Server(answer, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_framed_dump_of_this_run_is_kept_private_without_its_trailer(serve, tmp_path):
    server = serve(send(framed()))
    out = tmp_path / "database.sql"
    result = hosting_dump.fetch(server.url(), TOKEN, NONCE, str(out), timeout=30)
    assert server.tokens == [TOKEN]
    assert out.read_bytes() == BODY and oct(out.stat().st_mode & 0o777) == "0o600"
    assert result["bytes"] == len(BODY) and result["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert result["tables"] == 1 and result["rows"] == 1 and list(tmp_path.iterdir()) == [out]


def test_https_with_the_courts_ca_file(serve, tmp_path):
    ca = certs.make_ca()
    key, cert = certs.make_cert(ca, ["localhost"], ips=["127.0.0.1"])
    certs.write_pem(tmp_path, "server", key, cert)
    (tmp_path / "ca.pem").write_bytes(certs.cert_pem(ca[1]))
    server = serve(send(framed()), tls=(str(tmp_path / "server.crt"), str(tmp_path / "server.key")))
    out = tmp_path / "out" / "database.sql"
    out.parent.mkdir()
    with pytest.raises(hosting_dump.EndpointError) as error:  # the system's CAs do not know it
        hosting_dump.fetch(server.url("https"), TOKEN, NONCE, str(out), timeout=30)
    assert error.value.kind == "tls" and not list(out.parent.iterdir())
    hosting_dump.fetch(
        server.url("https"), TOKEN, NONCE, str(out), cacert=str(tmp_path / "ca.pem"), timeout=30
    )
    assert out.read_bytes() == BODY


@pytest.mark.parametrize(
    "answer, kind, options",
    [
        (send(framed(BODY * 200)), "too-large", {"max_bytes": 4096}),
        (send(framed()[:-40]), "truncated", {}),  # cut inside the trailer
        (send((hosting_dump.HEADER % NONCE).encode() + BODY), "truncated", {}),  # no trailer at all
        (send(framed(nonce="f" * 32)), "fake", {}),  # another run's (or a cached) dump
        (send(framed(size=len(BODY) - 1)), "fake", {}),
        (send(framed(digest="0" * 64)), "fake", {}),
        (send(b"<html>Welcome</html>\n"), "fake", {}),
        (send(b"", status=302, headers={"Location": "http://127.0.0.1:1/x"}), "redirect", {}),
        (send(b"forbidden\n", status=403), "refused", {}),
        (send(framed(BODY * 20), delay=0.05), "timeout", {"timeout": 1}),  # slow: every byte, but too late
    ],
)
def test_hostile_answers_leave_no_file(serve, tmp_path, answer, kind, options):
    server = serve(answer)
    out = tmp_path / "staging" / "database.sql"
    out.parent.mkdir()
    with pytest.raises(hosting_dump.EndpointError) as error:
        hosting_dump.fetch(server.url(), TOKEN, NONCE, str(out), **{"timeout": 30, **options})
    assert error.value.kind == kind, error.value
    assert list(out.parent.iterdir()) == []


def test_plain_http_only_when_allowed_and_the_script_holds_only_the_tokens_hash():
    with pytest.raises(hosting_dump.EndpointError):
        hosting_dump.endpoint_url("http://127.0.0.1/", "x.php")
    for bad in ("ftp://host/", "https://user:pw@host/", "https://host/?a=1", "host/path"):
        with pytest.raises(hosting_dump.EndpointError):
            hosting_dump.endpoint_url(bad, "x.php", allow_http=True)
    assert hosting_dump.endpoint_url("https://pn.go.id/sub", "x.php").geturl() == "https://pn.go.id/sub/x.php"
    template = (Path(__file__).parents[5] / "roles/backup/files/pn-hosting-dump.php").read_text()
    run = hosting_dump.prepare(
        template, {"host": "localhost", "port": 3306, "user": "u", "password": "p", "name": "court"}
    )
    assert hosting_dump.SCRIPT_NAME.fullmatch(run["name"])
    assert run["token"].encode() not in run["script"] and b"@@PN_CONFIG@@" not in run["script"]
    other = hosting_dump.prepare(template, {"name": "court"})
    assert other["name"] != run["name"] and other["token"] != run["token"] and other["nonce"] != run["nonce"]
