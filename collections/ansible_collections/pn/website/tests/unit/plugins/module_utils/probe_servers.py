# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real HTTP/HTTPS test servers on loopback for the site probe tests.

A test CA (made with ``cryptography``) issues valid, expired and wrong-host certificates; one
more is self-signed. Court sites are told apart by the Host header; the probe reaches them
with ``--resolve``-style overrides, so no DNS is ever used.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ansible_collections.pn.website.tests.unit.plugins.module_utils.certs import (  # noqa: F401 (re-exported)
    make_ca,
    make_cert,
    write_pem,
)

KEYWORD = "Pengadilan Negeri Contoh"
DOMAIN = "pn-test.go.id"
SLOW_SECONDS = 3.0


# --------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------


def rfc822(days_ago):
    stamp = time.time() - days_ago * 86400
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(stamp))


def w3c(days_ago):
    stamp = time.time() - days_ago * 86400
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(stamp))


def court_page(extra="", title=KEYWORD, feed="/feed.xml", links=""):
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>%s</title>"
        "<link rel='alternate' type='application/rss+xml' href='%s'>"
        "<style>.mobile-menu{display:none}</style></head><body>"
        "<nav class='mobile-menu'><a href='/profil'>Profil</a><a href='/berita'>Berita</a>"
        "<a href='https://sipp.mahkamahagung.go.id/'>SIPP</a></nav>"
        "<h1>Selamat datang di website %s</h1>"
        "<p>Informasi layanan publik, jadwal sidang, dan berita terkini pengadilan. "
        "Pelayanan terpadu satu pintu melayani pendaftaran perkara, informasi perkara dan pengaduan "
        "masyarakat setiap hari kerja. Kunjungi juga e-Court untuk pendaftaran perkara secara elektronik.</p>"
        "<a href='https://www.mahkamahagung.go.id/'>Mahkamah Agung</a> %s %s"
        "</body></html>" % (title, feed, KEYWORD, links, extra)
    )


GAMBLING_PAGE = (
    "<html><head><title>SLOT GACOR MAXWIN hari ini</title></head><body>"
    "<h1>Situs slot gacor gampang maxwin</h1><p>Daftar sekarang di situs judi online terpercaya, "
    "deposit pulsa tanpa potongan, RTP live tertinggi, scatter hitam zeus.</p>"
    "<a href='https://gacor88.example/daftar'>Daftar</a></body></html>"
)

DEFACED_PAGE = (
    "<html><head><title>Hacked by Anonymous Cyber Team</title></head><body bgcolor=black>"
    "<center><h1>HACKED BY ANONYMOUS CYBER TEAM</h1><p>Your security is an illusion. "
    "Greetz: all members</p></center></body></html>"
)

HIDDEN_LINKS = (
    "<div style='position:absolute; left:-9999px; top:-9999px'>"
    "<a href='https://slot-gacor-maxwin.example/'>slot gacor</a> "
    "<a href='https://togel88.example/login'>bandar togel</a></div>"
)


def rss(days_ago_list):
    items = "".join(
        "<item><title>Berita %d</title><link>/berita/%d</link><pubDate>%s</pubDate></item>"
        % (i, i, rfc822(d))
        for i, d in enumerate(days_ago_list)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Berita</title>"
        "<lastBuildDate>%s</lastBuildDate>%s</channel></rss>" % (rfc822(0), items)
    )


def spammed_feed():
    """A CMS feed whose second post carries hidden gambling links in its whole content."""
    clean = "<p>Sidang keliling di kecamatan.</p>"
    spam = (
        "<p>Pakta integritas.</p><div style='display:none'>"
        "<a href='https://slot-gacor-maxwin.example/'>slot gacor maxwin</a></div>"
    )
    items = "".join(
        "<item><title>Berita %d</title><link>/berita/%d/</link><pubDate>%s</pubDate>"
        "<description><![CDATA[%s]]></description><content:encoded><![CDATA[%s]]></content:encoded></item>"
        % (i, i, rfc822(i + 1), "Ringkasan berita.", content)
        for i, content in enumerate((clean, spam))
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Berita</title>"
        "%s</channel></rss>" % items
    )


def sitemap(base, paths, days_ago=1):
    entries = "".join(
        "<url><loc>%s%s</loc><lastmod>%s</lastmod></url>" % (base, p, w3c(days_ago)) for p in paths
    )
    return (
        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>%s</urlset>"
        % entries
    )


def sitemap_index(locs):
    """A sitemap index without lastmod dates, as WordPress's wp-sitemap.xml."""
    entries = "".join("<sitemap><loc>%s</loc></sitemap>" % loc for loc in locs)
    return (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>%s"
        "</sitemapindex>" % entries
    )


def wordpress_sitemaps(base, foreign):
    """WordPress's sitemap routes: an index naming a child on FOREIGN (another host), a nested index,
    posts, pages and 23 more children (more than the probe reads)."""
    extra = ["/wp-sitemap-extra-%d.xml" % n for n in range(23)]
    routes = {
        "/robots.txt": _static("User-agent: *\nSitemap: %s/wp-sitemap.xml\n" % base, ctype="text/plain"),
        "/wp-sitemap.xml": _static(
            sitemap_index(
                [foreign + "/sitemap.xml", base + "/wp-sitemap-nested.xml"]
                + [base + "/wp-sitemap-posts-post-1.xml"]
                + ["/wp-sitemap-posts-page-1.xml"]  # a relative location: the index's own host
                + [base + path for path in extra]
            ),
            ctype="application/xml",
        ),
        "/wp-sitemap-nested.xml": _static(sitemap_index([base + "/wp-sitemap-posts-post-1.xml"])),
        "/wp-sitemap-posts-post-1.xml": _static(
            sitemap(base, ["/2026/11/sidang-keliling/", "/2026/11/laporan-tahunan/"], days_ago=2),
            ctype="application/xml",
        ),
        "/wp-sitemap-posts-page-1.xml": _static(sitemap(base, ["/layanan-ptsp/"]), ctype="application/xml"),
    }
    for n, path in enumerate(extra):
        routes[path] = _static(sitemap(base, ["/extra-%d/" % n]), ctype="application/xml")
    return routes


class Site:
    """Routes of one court site: path -> callable(handler) -> (status, headers, body)."""

    def __init__(self, routes):
        self.routes = routes


def _static(body, status=200, ctype="text/html; charset=utf-8", headers=None):
    def route(_handler):
        hdrs = {"Content-Type": ctype}
        hdrs.update(headers or {})
        return status, hdrs, body

    return route


def _redirect(location, status=301):
    def route(_handler):
        return status, {"Location": location}, ""

    return route


def build_sites(urls):
    """Site definitions keyed by host name; ``urls`` maps host -> base URL (scheme://host:port)."""

    def cloaked_home(handler):
        ua = handler.headers.get("User-Agent", "")
        ref = handler.headers.get("Referer", "")
        if "Googlebot" in ua:
            return 200, {"Content-Type": "text/html"}, GAMBLING_PAGE
        if "google." in ref:
            return 302, {"Location": "/amp/slot-gacor/"}, ""
        return 200, {"Content-Type": "text/html"}, court_page()

    def spammed_cloaked_home(handler):
        # gambling links in a widget for everyone (injected into the database), more for Googlebot only
        extra = "<aside><a href='https://slot-gacor-maxwin.example/'>slot gacor</a></aside>"
        if "Googlebot" in handler.headers.get("User-Agent", ""):
            extra += "<div><a href='https://togel88.example/daftar'>bandar togel terpercaya</a></div>"
        return 200, {"Content-Type": "text/html"}, court_page(extra=extra)

    def slow_home(_handler):
        time.sleep(SLOW_SECONDS)
        return 200, {"Content-Type": "text/html"}, court_page()

    def gzip_page(_handler):
        body = gzip.compress(court_page(extra="<p>terkompresi</p>").encode("utf-8"))
        return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body

    def chunked_page(_handler):
        text = court_page(extra="<p>bertahap</p>").encode("utf-8")
        pieces = [text[i : i + 100] for i in range(0, len(text), 100)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        return 200, {"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"}, body

    def closing_page(handler):
        handler.close_connection = True  # closes after the response without saying so
        return 200, {"Content-Type": "text/html; charset=utf-8"}, court_page()

    good = urls["good"]
    common = {
        "/feed.xml": _static(rss([1, 3, 10]), ctype="application/rss+xml"),
        "/robots.txt": _static("User-agent: *\nDisallow: /admin/\n", ctype="text/plain"),
    }
    sites = {
        "good": dict(
            common,
            **{
                "/": _static(court_page(), headers={"Last-Modified": rfc822(100)}),
                "/sitemap.xml": _static(
                    sitemap(good, ["/", "/berita/1", "/berita/2"]), ctype="application/xml"
                ),
                "/gzip": gzip_page,
                "/chunked": chunked_page,
                "/closing": closing_page,
            },
        ),
        "stale": {
            "/": _static(court_page()),
            "/feed.xml": _static(rss([40, 60, 90]), ctype="application/rss+xml"),
            "/sitemap.xml": _static(sitemap(urls["stale"], ["/"], days_ago=40), ctype="application/xml"),
        },
        "nofeed": {"/": _static(court_page(feed="/none.xml"), headers={"Last-Modified": rfc822(30)})},
        "cloaked": dict(
            common,
            **{"/": cloaked_home, "/amp/slot-gacor/": _static(GAMBLING_PAGE)},
        ),
        "spamcloaked": dict(common, **{"/": spammed_cloaked_home}),
        "postspam": {
            "/": _static(court_page()),
            "/feed.xml": _static(spammed_feed(), ctype="application/rss+xml"),
        },
        "defaced": {"/": _static(DEFACED_PAGE)},
        "hidden": dict(common, **{"/": _static(court_page(extra=HIDDEN_LINKS))}),
        "spam": dict(
            common,
            **{
                "/": _static(court_page()),
                "/sitemap.xml": _static(
                    sitemap(urls["spam"], ["/", "/berita/1", "/slot-gacor-maxwin-hari-ini/"]),
                    ctype="application/xml",
                ),
            },
        ),
        "wordpress": dict(
            common,
            **wordpress_sitemaps(urls["wordpress"], urls["spam"]),
            **{"/": _static(court_page())},
        ),
        "slow": {"/": slow_home},
        "error": {"/": _static("<h1>Internal error</h1>", status=500)},
        "expired": dict(common, **{"/": _static(court_page())}),
        "wronghost": dict(common, **{"/": _static(court_page())}),
        "selfsigned": dict(common, **{"/": _static(court_page())}),
    }
    return sites


# --------------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server_version = "TestCourt/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as most court web servers

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        label = host.split(".", 1)[0]
        site = self.server.sites.get(label)
        path = self.path.split("?", 1)[0]
        if self.server.redirect_to is not None:
            target = self.server.redirect_to.get(label)
            if target:
                return self._send(301, {"Location": target + self.path}, "")
        route = (site or {}).get(path)
        if route is None:
            return self._send(404, {"Content-Type": "text/html"}, "<h1>Not found</h1>")
        status, headers, body = route(self)
        return self._send(status, headers, body)

    def _send(self, status, headers, body):
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if "Transfer-Encoding" not in headers:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, ssl_ctx=None, sites=None, redirect_to=None):
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), Handler)
        self.ssl_ctx = ssl_ctx
        self.sites = sites or {}
        self.redirect_to = redirect_to

    def finish_request(self, request, client_address):
        if self.ssl_ctx is not None:
            try:
                request.settimeout(5)
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)

    @property
    def port(self):
        return self.server_address[1]


def _server_ctx(cert_path, key_path):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


class ProbeFleet:
    """Starts the test servers; ``site(label)`` gives a probe site dict for a court site."""

    VALID = (
        "good",
        "stale",
        "nofeed",
        "cloaked",
        "spamcloaked",
        "postspam",
        "defaced",
        "hidden",
        "spam",
        "slow",
        "error",
        "wordpress",
    )

    def __init__(self, directory):
        self.dir = directory
        self.servers = []

    def start(self):
        ca = make_ca()
        self.ca_file, _unused = write_pem(self.dir, "ca", None, ca[1])
        names = ["%s.%s" % (label, DOMAIN) for label in self.VALID]
        valid = write_pem(self.dir, "valid", *make_cert(ca, names))
        expired = write_pem(
            self.dir, "expired", *make_cert(ca, ["expired." + DOMAIN], days_valid=-2, days_before=90)
        )
        wrong = write_pem(self.dir, "wrong", *make_cert(ca, ["other.example.go.id"]))
        selfsigned = write_pem(self.dir, "self", *make_cert(None, ["selfsigned." + DOMAIN], self_signed=True))
        # 5 days left of a 90-day certificate: under a tenth of its lifetime (the W4 rule)
        expiring = write_pem(
            self.dir, "expiring", *make_cert(ca, ["expiring." + DOMAIN], days_valid=5, days_before=85)
        )
        self.https = {
            "valid": Server(_server_ctx(*valid)),
            "expired": Server(_server_ctx(*expired)),
            "wronghost": Server(_server_ctx(*wrong)),
            "selfsigned": Server(_server_ctx(*selfsigned)),
            "expiring": Server(_server_ctx(*expiring)),
        }
        self.http = Server()
        self.urls = {
            label: "https://%s.%s:%d" % (label, DOMAIN, self.https["valid"].port) for label in self.VALID
        }
        for label in ("expired", "wronghost", "selfsigned", "expiring"):
            self.urls[label] = "https://%s.%s:%d" % (label, DOMAIN, self.https[label].port)
        sites = build_sites(self.urls)
        sites["expiring"] = sites["good"]
        for server in self.https.values():
            server.sites = sites
        self.http.sites = sites
        self.http.redirect_to = {"good": self.urls["good"]}
        self.urls["plain"] = "http://good.%s:%d" % (DOMAIN, self.http.port)
        self.dead_port = _closed_port()
        self.urls["dead"] = "https://dead.%s:%d" % (DOMAIN, self.dead_port)
        for server in [*self.https.values(), self.http]:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self.servers.append(server)
        return self

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def resolve(self, label):
        url = self.urls[label]
        host_port = url.split("://", 1)[1]
        return ["%s:127.0.0.1" % host_port]

    def site(self, label, **extra):
        site = {
            "name": label,
            "url": self.urls[label] + "/",
            "keyword": KEYWORD,
            "max_age_days": 14,
            "resolve": self.resolve(label),
        }
        if label == "plain":
            site["resolve"] = self.resolve("plain") + self.resolve("good")
        site.update(extra)
        return site


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def no_dns(host, port):
    """Resolver for tests: names without a resolve override do not resolve (no DNS is used)."""
    return None
