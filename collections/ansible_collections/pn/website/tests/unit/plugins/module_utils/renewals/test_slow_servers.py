# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDAP, WHOIS and TLS servers are untrusted: ``timeout`` bounds a whole lookup, not each read.

Each server drips its (otherwise valid) answer one byte at a time, fast enough that no single read
waits ``timeout`` seconds and slow enough that the answer takes several times ``timeout`` in all.
A lookup that only had per-read timeouts would wait for the whole answer and report success.
"""

from __future__ import annotations

import json
import ssl

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import domain_expiry, tls_check
from ansible_collections.pn.website.tests.unit.plugins.module_utils.hostile_servers import RawServer
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import TestCA

HOST = "pn-lambat.go.id"
TIMEOUT = 0.5  # each lookup's limit; every answer below takes several times that to drip out
INTERVAL = 0.02  # seconds between two bytes: far below TIMEOUT, so no single read times out
RDAP = {
    "objectClassName": "domain",
    "ldhName": HOST,
    "events": [{"eventAction": "expiration", "eventDate": "2027-01-31T00:00:00Z"}],
}
WHOIS = "Domain Name: %s\r\nRegistry Expiry Date: 2027-01-31T23:59:59Z\r\n" % HOST


@pytest.fixture
def servers():
    started = []

    def start(respond, **kwargs):
        server = RawServer(respond, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _dripping_rdap(server, conn):
    body = json.dumps(RDAP).encode()  # 3 s of dripping
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body),
    )
    server.drip(conn, body, INTERVAL)


def test_a_dripping_rdap_server_is_cut_off(servers):
    server = servers(_dripping_rdap)
    base = "http://127.0.0.1:%d/" % server.port
    result = domain_expiry.rdap_lookup(HOST, base, timeout=TIMEOUT)
    assert result["ok"] is False and result["error"] == "timeout"
    assert "within 0.5s" in result["detail"]


def _dripping_whois(server, conn):
    server.drip(conn, WHOIS.encode(), INTERVAL)  # 1.5 s of dripping


def test_a_dripping_whois_server_is_cut_off(servers):
    server = servers(_dripping_whois, until=b"\n")
    result = domain_expiry.whois_lookup(HOST, "127.0.0.1:%d" % server.port, timeout=TIMEOUT)
    assert result["ok"] is False and result["error"] == "timeout"


class _DrippingTLS:
    """A real TLS server whose handshake messages leave one byte at a time."""

    def __init__(self, context):
        self.context = context

    def __call__(self, server, conn):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing, server_side=True)
        while True:
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            server.drip(conn, outgoing.read(), INTERVAL / 4)  # about 1 KB: 5 s of dripping
            if done:
                return
            data = conn.recv(65536)
            if not data:
                return
            incoming.write(data)


def test_a_tls_server_dripping_its_handshake_is_cut_off(servers, tmp_path):
    """Guard: Python already bounds one handshake by the socket timeout; the check as a whole
    (two handshakes when the chain does not verify) stays within ``timeout`` too."""
    ca = TestCA(tmp_path)
    cert_path, key_path, _cert = ca.issue([HOST], 60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = servers(_DrippingTLS(context), until=None)
    result = tls_check.check_host(
        HOST, server.port, {(HOST, server.port): "127.0.0.1"}, ca.ca_file, timeout=TIMEOUT
    )
    assert result["ok"] is False and result["error"] == "timeout"
