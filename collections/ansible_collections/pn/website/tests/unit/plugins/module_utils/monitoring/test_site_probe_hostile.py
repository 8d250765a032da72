# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile website gets no further: every read from a probed site is bounded.

Each test starts a loopback server that answers like an attacker-controlled court site (a chunk
that announces 1.5 GB, endless header fields, a compression bomb, a charset that takes quadratic
time to decode) next to an honest site, and checks that the probe reports the hostile site, keeps
its memory small and still probes the honest one.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe as sp
from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs
from ansible_collections.pn.website.tests.unit.plugins.module_utils.hostile_servers import (
    RawServer,
    read_until,
)

KEYWORD = "Pengadilan Negeri Uji"
HONEST = (
    "<html><head><title>%s</title></head><body><p>%s, jadwal sidang dan berita.</p></body></html>"
    % (KEYWORD, KEYWORD)
).encode()


def _site(server, name):
    scheme = "https" if server.tls is not None else "http"
    return {"name": name, "url": "%s://127.0.0.1:%d/" % (scheme, server.port), "keyword": KEYWORD}


def _honest(server, conn):
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(HONEST), HONEST),
    )


@pytest.fixture
def servers():
    started = []

    def start(respond, tls=None, **kwargs):
        server = RawServer(respond, tls, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


OPTIONS = {
    "cloaking": False,
    "freshness": False,
    "baselines": False,
    "read_timeout": 60,
    "total_timeout": 120,
}

# Runs in a child process so that its peak resident memory (ru_maxrss) is the probe's alone.
_MEASURE = r"""
import json, resource, sys
from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe as sp
sites, options = json.loads(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
results = sp.probe(sites, options)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kib": after - before, "results": results}))
"""

HUGE_CHUNK_BYTES = 256 * 1024 * 1024


def _huge_chunk(server, conn):
    """A chunk announced as 1.5 GB, then data as fast as the probe takes it (256 MB at most)."""
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"%x\r\n" % (1536 * 1024 * 1024) + b"<html><title>" + KEYWORD.encode() + b"</title><p>",
    )
    piece = b"x" * (1024 * 1024)
    while server.sent < HUGE_CHUNK_BYTES:
        server.send(conn, piece)


def test_a_huge_chunk_is_cut_at_the_body_cap_and_memory_stays_small(servers):
    hostile = servers(_huge_chunk)
    honest = servers(_honest)
    sites = [_site(hostile, "hostile"), _site(honest, "honest")]
    env = dict(os.environ, PYTHONPATH=str(Path(sp.__file__).resolve().parents[sp.__name__.count(".")]))
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps([sites, OPTIONS])],
        capture_output=True,
        check=True,
        env=env,
    )
    measured = json.loads(proc.stdout)
    bad, good = measured["results"]
    # the process never held more than a few times the 2 MB cap, not the hundreds of MB on offer
    assert measured["grew_kib"] < 64 * 1024, "peak memory grew by %d KiB" % measured["grew_kib"]
    # the hostile page was read up to the cap, reported as cut, and the connection dropped
    assert bad["reachable"] and bad["content"]["truncated"] is True
    assert bad["keyword"]["found"] is True
    assert hostile.sent < HUGE_CHUNK_BYTES
    assert good["reachable"] and good["keyword"]["found"] and not good["content"]["truncated"]


def _endless_headers(server, conn):
    server.send(conn, b"HTTP/1.1 200 OK\r\n")
    line = b"X-Padding: " + b"a" * 4000 + b"\r\n"
    for _unused in range(5000):  # 20 MB of header fields
        server.send(conn, line)


def _endless_line(server, conn):
    server.send(conn, b"HTTP/1.1 200 OK\r\nX-Padding: ")
    piece = b"a" * 65536
    for _unused in range(300):  # one 20 MB header line
        server.send(conn, piece)


def _endless_status_line(server, conn):
    server.send(conn, b"HTTP/1.1 200 ")
    piece = b"a" * 65536
    for _unused in range(300):
        server.send(conn, piece)


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (_endless_headers, "more than 100 header fields"),
        (_endless_line, "header line longer than"),
        (_endless_status_line, "status line longer than"),
    ],
)
def test_header_floods_are_refused(servers, respond, message):
    hostile = servers(respond)
    honest = servers(_honest)
    bad, good = sp.probe([_site(hostile, "hostile"), _site(honest, "honest")], OPTIONS)
    assert bad["reachable"] is False and bad["reason"] == "http"
    assert message in bad["error"]
    assert good["reachable"] and good["keyword"]["found"]


def _bad_chunk_size(server, conn):
    server.send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n<html>\r\n0\r\n\r\n")


def test_a_negative_chunk_size_is_a_malformed_body(servers):
    bad = sp.probe([_site(servers(_bad_chunk_size), "hostile")], OPTIONS)[0]
    assert bad["reason"] == "http" and bad["error"] == "malformed chunked body"


def _gzip_bomb(server, conn):
    # 64 MB of zeros behind a keyword page, about 64 KB on the wire
    page = b"<html><title>" + KEYWORD.encode() + b"</title><p>" + b"\0" * (64 * 1024 * 1024)
    body = gzip.compress(page, 9)
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
    )


def test_a_compression_bomb_stops_at_the_cap_and_says_so(servers):
    bad = sp.probe([_site(servers(_gzip_bomb), "bomb")], OPTIONS)[0]
    assert bad["reachable"] and bad["keyword"]["found"]
    assert bad["content"]["truncated"] is True


def _punycode_page(server, conn):
    # A valid UTF-8 (ASCII) page that claims a charset whose decoder takes quadratic time (and
    # turns the page into other characters): 2 MB of it would stall the event loop for an hour.
    body = HONEST + b"-" + b"b" * 60000
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=punycode\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(body), body),
    )


def test_a_charset_that_is_no_web_charset_is_read_as_utf8(servers):
    result = sp.probe([_site(servers(_punycode_page), "puny")], OPTIONS)[0]
    assert result["reachable"] and result["content"]["title"] == KEYWORD
    assert result["keyword"]["found"] is True


def test_certificate_names_are_capped(servers, tmp_path):
    """A self-signed certificate with 2,000 names: the result keeps the first 100 and the count."""
    names = ["pn-uji.go.id"] + ["slot%d.gacor.example" % i for i in range(1999)]
    key, cert = certs.make_cert(None, names, self_signed=True)
    cert_path, key_path = certs.write_pem(tmp_path, "many", key, cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    result = sp.probe([_site(servers(_honest, tls=context), "many-names")], OPTIONS)[0]
    tls = result["tls"]
    assert tls["verified"] is False and tls["reason"] == "self-signed"
    assert tls["san_count"] == 2000 and tls["san"] == names[: sp.MAX_CERT_NAMES]


# Markup that made the old page parser take time quadratic (or worse) in the page's size: start tags
# that never close, with and without quotes, script and style blocks that never open, a feed date
# followed by white space. Each part is a few hundred KB; the parser ran on the controller's event
# loop, where no timeout can stop it, for hours.
STALLING = (
    b"<a x " * 60000
    + b'<a x="' * 50000
    + b"<script " * 30000
    + b"<style>a{" * 30000
    + b"<title>" * 40000
    + b"<pubDate>"
    + b" " * 300000
)
CPU_SECONDS = 120  # far above what the page needs (a few seconds), far below what it took


# A feed whose date is followed by white space and no closing tag (cubic time in the old pattern).
STALLING_FEED = b'<?xml version="1.0"?><rss><channel><item><pubDate>' + b" " * 300000 + b"x"


def _stalling_page(server, conn):
    request_line = read_until(conn, b"\r\n\r\n").split(b"\r\n", 1)[0]
    body = STALLING_FEED if b" /rss.xml " in request_line else HONEST + STALLING
    server.send(
        conn,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(body), body),
    )


def _cpu_limit():
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def test_a_page_built_to_stall_the_parser_is_read_in_linear_time(servers):
    """The probe runs in a child process with a CPU-time cap (not a clock): a parser that needs
    quadratic time is stopped by the kernel instead of holding the test for hours."""
    site = _site(servers(_stalling_page, until=None), "stalling")
    env = dict(os.environ, PYTHONPATH=str(Path(sp.__file__).resolve().parents[sp.__name__.count(".")]))
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps([[site], dict(OPTIONS, freshness=True)])],
        capture_output=True,
        env=env,
        preexec_fn=_cpu_limit,
        check=False,
    )
    assert proc.returncode == 0, "the page analysis used more than %d CPU seconds" % CPU_SECONDS
    result = json.loads(proc.stdout)["results"][0]
    assert result["reachable"] and result["keyword"]["found"] and result["content"]["title"] == KEYWORD
    assert result["freshness"]["feed_url"].endswith("/rss.xml")  # the stalling feed was read too
