# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrent website probes for a fleet of court sites (SOP activity W1).

One process, one event loop, a bounded number of sites in flight. Per site: availability and
the reason when unavailable, HTTP status, redirect chain, response time, TLS validity and
expiry (judged as W4 judges it: by the share of the certificate's lifetime left, the renewals
engine's ``tls_check.classify``), expected keyword, content freshness (feed, sitemap,
Last-Modified or a content fingerprint), gambling spam, defacement, hidden links, cloaking
(browser vs Googlebot vs a visitor arriving from Google search), new outbound link domains and
sitemap / robots.txt changes.

Two depths (option ``depth``, or a site's own ``depth``): ``full`` (the default) runs every check
above; ``light`` makes one request per served name and measures only what that request shows
(:data:`LIGHT_RULES`: availability, HTTP status, response time, the certificate it was served with,
the keyword), for a watch that looks every minute. A light result lists the rules it measured
(``checked_rules``): a problem of any other rule was not looked for, so it is neither found nor gone.

Standard library only (asyncio streams + ssl). ``cryptography`` is used, when installed, to read
certificates that failed verification.

Entry points: :func:`probe` (sync) and :func:`probe_sites` (async). Each site is a dict::

    {"name": "pn-bangil", "url": "https://pn-bangil.go.id/", "keyword": "Pengadilan Negeri Bangil",
     "max_age_days": 14, "resolve": ["pn-bangil.go.id:443:127.0.0.5"], "state": {...}}

and each result a JSON-able dict that carries the updated ``state`` to store for the next run.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import socket
import ssl
import tempfile
import time
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from ansible_collections.pn.website.plugins.module_utils.monitoring import content_checks as cc
from ansible_collections.pn.website.plugins.module_utils.renewals import tls_check
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as sr

try:  # controller-side extra: details of certificates that fail verification
    from cryptography import x509 as _x509
except ImportError:  # pragma: no cover - exercised only without cryptography
    _x509 = None

USER_AGENTS = {
    "browser": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0 Safari/537.36"
    ),
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}
VARIANT_HEADERS = {
    "browser": {"User-Agent": USER_AGENTS["browser"], "Accept-Language": "id-ID,id;q=0.9,en;q=0.5"},
    "googlebot": {"User-Agent": USER_AGENTS["googlebot"]},
    "google_referer": {
        "User-Agent": USER_AGENTS["browser"],
        "Referer": "https://www.google.com/search?q=slot+gacor",
        "Accept-Language": "id-ID,id;q=0.9",
    },
}

DEFAULTS = {
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "total_timeout": 30.0,
    "concurrency": 100,
    "max_redirects": 5,
    "max_body_bytes": 2 * 1024 * 1024,
    "max_age_days": 14,
    "cloaking": True,
    "freshness": True,
    "baselines": True,
    "ca_file": None,
    "history_size": 30,
    "depth": "full",
}
DEPTHS = ("full", "light")
#: The rules a light probe measures (its one request per served name shows them); every other rule
#: needs a full probe.
LIGHT_RULES = ("unavailable", "tls-invalid", "tls-expiring", "keyword-missing")

REDIRECTS = (301, 302, 303, 307, 308)
# tls-expiring severity of each level of the renewals engine's rule (as W4 reports it).
TLS_SEVERITY = {"warning": "medium", "critical": "critical", "expired": "critical"}
MAX_PUBLIC_LIFETIME_DAYS = 398

# What one response may hold besides its body (capped by ``max_body_bytes``): every read from a
# probed site is bounded, so a hostile site costs the controller a few megabytes at most.
MAX_LINE_BYTES = 8192  # status line, one header field, one chunk-size line
MAX_HEADER_BYTES = 64 * 1024  # all header (and trailer) fields of one response
MAX_HEADER_FIELDS = 100
MAX_CHUNK_DIGITS = 16  # hex digits of a chunk size (2**64)
READ_PIECE = 65536
# Certificate details kept in results and history (a certificate may list thousands of names).
MAX_CERT_NAMES = 100
MAX_CERT_TEXT = 512
# Codecs that are not web charsets: punycode decoding takes quadratic time, which a page could use
# to stall the event loop (and every other site with it), beyond the reach of any timeout.
_NOT_CHARSETS = frozenset(("punycode", "idna", "unicode-escape", "raw-unicode-escape", "utf-7"))

#: Why a site is unavailable, in Bahasa Indonesia and English.
REASONS = {
    "dns": ("nama domain tidak ditemukan", "domain name does not resolve"),
    "connect": ("koneksi gagal", "connection failed"),
    "timeout": ("batas waktu habis", "timed out"),
    "tls": ("sertifikat TLS tidak valid", "invalid TLS certificate"),
    "http": ("server menjawab dengan kesalahan HTTP", "the server answered with an HTTP error"),
    "url": ("alamat tidak valid", "invalid address"),
    "config": ("data inventaris tidak valid", "invalid inventory data"),
    "error": ("kesalahan tak terduga", "unexpected error"),
}
CLOAKING_SIMILARITY = 0.5
MAX_BASELINE_URLS = 5000
# Child sitemaps read from a sitemap index (WordPress's wp-sitemap.xml lists one per content type).
MAX_CHILD_SITEMAPS = 20


class _StaleConnection(Exception):
    """A kept-alive connection that the server closed before the next request."""


class ProbeError(Exception):
    """A request that did not produce an HTTP response; ``kind`` is the reason category."""

    def __init__(self, kind, message, **extra):
        Exception.__init__(self, message)
        self.kind = kind
        self.message = message
        self.extra = extra


def parse_resolve(entries) -> dict:
    """curl-style ``HOST:PORT:ADDR`` entries to {(host, port): addr}. Raises ValueError."""
    mapping = {}
    for entry in entries or ():
        if not isinstance(entry, str):
            raise ValueError("resolve entry must be a string HOST:PORT:ADDR, got %r" % (entry,))
        parts = entry.split(":", 2)
        if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2]:
            raise ValueError("invalid resolve entry %r (expected HOST:PORT:ADDR)" % entry)
        addr = parts[2].strip("[]")
        mapping[(parts[0].lower(), int(parts[1]))] = addr
    return mapping


def _now():
    return datetime.now(timezone.utc)


def _iso(value):
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat() if value else None


# --------------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------------


def _name_str(name_tuples):
    parts = []
    for rdn in name_tuples or ():
        for key, value in rdn:
            if key in ("commonName", "organizationName"):
                parts.append("%s=%s" % ("CN" if key == "commonName" else "O", value))
    return ", ".join(parts)


def _bounded_cert_info(subject, issuer, san, not_after, not_before=None) -> dict:
    """Certificate details with the names capped (the site chooses them)."""
    return {
        "subject": subject[:MAX_CERT_TEXT],
        "issuer": issuer[:MAX_CERT_TEXT],
        "san": [name[:MAX_CERT_TEXT] for name in san[:MAX_CERT_NAMES]],
        "san_count": len(san),
        "not_after": not_after,
        "not_before": not_before,
    }


def cert_info_from_dict(cert: dict) -> dict:
    not_after = not_before = None
    if cert.get("notAfter"):
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), timezone.utc)
    if cert.get("notBefore"):
        not_before = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notBefore"]), timezone.utc)
    return _bounded_cert_info(
        _name_str(cert.get("subject")),
        _name_str(cert.get("issuer")),
        [v for k, v in cert.get("subjectAltName", ()) if k in ("DNS", "IP Address")],
        not_after,
        not_before,
    )


def cert_info_from_der(der: bytes) -> dict:
    """Subject, issuer, SAN and expiry of a DER certificate that was not verified."""
    if _x509 is not None:
        try:
            cert = _x509.load_der_x509_certificate(der)
        except ValueError:
            return {}
        try:
            not_after, not_before = cert.not_valid_after_utc, cert.not_valid_before_utc
        except AttributeError:  # cryptography < 42
            not_after = cert.not_valid_after.replace(tzinfo=timezone.utc)
            not_before = cert.not_valid_before.replace(tzinfo=timezone.utc)
        san = []
        try:
            ext = cert.extensions.get_extension_for_class(_x509.SubjectAlternativeName).value
            san = [str(v) for v in ext.get_values_for_type(_x509.DNSName)]
            san += [str(v) for v in ext.get_values_for_type(_x509.IPAddress)]
        except _x509.ExtensionNotFound:
            pass
        return _bounded_cert_info(
            cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), san, not_after, not_before
        )
    # Fallback: the ssl module's own decoder reads a PEM file.
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
        decoder = getattr(ssl, "_ssl", None)
        if decoder is None:
            return {}
        return cert_info_from_dict(decoder._test_decode_cert(path))
    except Exception:  # noqa: BLE001 - best effort only
        return {}
    finally:
        os.unlink(path)


def _verify_reason(exc) -> str:
    message = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
    low = str(message).lower()
    if "expired" in low:
        return "expired"
    if "hostname" in low or "ip address mismatch" in low:
        return "hostname-mismatch"
    if "self-signed" in low or "self signed" in low:
        return "self-signed"
    if "unable to get local issuer" in low or "unknown ca" in low:
        return "untrusted-chain"
    if "not yet valid" in low:
        return "not-yet-valid"
    return "verify-failed"


# --------------------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------------------


def tls_contexts(ca_file=None):
    """(verifying, non-verifying) client contexts; built once per run (loading CAs is slow)."""
    verify = ssl.create_default_context(cafile=ca_file or None)
    insecure = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    return verify, insecure


async def _read_line(reader, what):
    """One line of at most MAX_LINE_BYTES (asyncio's own buffer limit stops a longer one early)."""
    try:
        line = await reader.readline()
    except ValueError as exc:  # the line outgrew the stream buffer's limit
        raise ProbeError("http", "%s line longer than %d bytes" % (what, MAX_LINE_BYTES)) from exc
    if len(line) > MAX_LINE_BYTES:
        raise ProbeError("http", "%s line longer than %d bytes" % (what, MAX_LINE_BYTES))
    return line


async def _read_fields(reader, what):
    """Header (or trailer) fields up to the empty line, within MAX_HEADER_FIELDS / MAX_HEADER_BYTES."""
    fields, count, total = {}, 0, 0
    while True:
        line = await _read_line(reader, what)
        if line in (b"\r\n", b"\n", b""):
            return fields
        count += 1
        total += len(line)
        if count > MAX_HEADER_FIELDS or total > MAX_HEADER_BYTES:
            raise ProbeError(
                "http", "more than %d %s fields or %d bytes" % (MAX_HEADER_FIELDS, what, MAX_HEADER_BYTES)
            )
        if b":" in line:
            name, value = line.decode("latin-1").split(":", 1)
            name = name.strip().lower()
            value = value.strip()
            fields[name] = fields[name] + ", " + value if name in fields else value


class Fetcher:
    """HTTP/1.1 client for one site: timeouts, --resolve overrides, TLS details, redirects."""

    def __init__(self, options, resolve_map, resolver=None):
        self.opts = options
        self.resolve_map = resolve_map
        self.resolver = resolver
        if "_contexts" not in options:
            options["_contexts"] = tls_contexts(options.get("ca_file"))
        self.verify_ctx, self.insecure_ctx = options["_contexts"]
        self.tls_failure = {}  # (host, port) -> failure details once verification failed
        self.idle = {}  # (scheme, host, port) -> kept-alive (reader, writer, tls)
        self.requests = 0
        self.connections = 0

    async def _address(self, host, port):
        addr = self.resolve_map.get((host.lower(), port))
        if addr:
            return addr
        if self.resolver is not None:
            result = self.resolver(host, port)
            if asyncio.iscoroutine(result):
                result = await result
            if not result:
                raise ProbeError("dns", "cannot resolve %s" % host)
            return result
        loop = asyncio.get_event_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.opts["connect_timeout"]
            )
        except asyncio.TimeoutError as exc:
            raise ProbeError("dns", "DNS lookup of %s timed out" % host) from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise ProbeError("dns", "cannot resolve %s: %s" % (host, exc)) from exc
        if not infos:
            raise ProbeError("dns", "cannot resolve %s" % host)
        return infos[0][4][0]

    async def _connect(self, host, port, addr, ctx):
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(
                    addr,
                    port,
                    ssl=ctx,
                    server_hostname=host if ctx else None,
                    ssl_handshake_timeout=self.opts["connect_timeout"] if ctx else None,
                ),
                self.opts["connect_timeout"],
            )
        except asyncio.TimeoutError as exc:
            raise ProbeError(
                "timeout", "connection to %s:%s timed out" % (host, port), phase="connect"
            ) from exc
        except ssl.SSLCertVerificationError:
            raise
        except ssl.SSLError as exc:
            raise ProbeError("tls", "TLS handshake with %s failed: %s" % (host, exc.reason or exc)) from exc
        except ConnectionRefusedError as exc:
            raise ProbeError("connect", "connection to %s:%s refused" % (host, port)) from exc
        except OSError as exc:
            raise ProbeError("connect", "cannot connect to %s:%s: %s" % (host, port, exc)) from exc

    async def _open(self, scheme, host, port):
        addr = await self._address(host, port)
        tls = None
        if scheme != "https":
            reader, writer = await self._connect(host, port, addr, None)
            return reader, writer, tls
        failure = self.tls_failure.get((host, port))
        if failure is None:
            try:
                reader, writer = await self._connect(host, port, addr, self.verify_ctx)
            except ssl.SSLCertVerificationError as exc:
                failure = {"reason": _verify_reason(exc), "error": str(getattr(exc, "verify_message", exc))}
                self.tls_failure[(host, port)] = failure
            else:
                sslobj = writer.get_extra_info("ssl_object")
                tls = {"verified": True, "error": None, "reason": None}
                tls.update(cert_info_from_dict(sslobj.getpeercert() or {}))
        if failure is not None:
            reader, writer = await self._connect(host, port, addr, self.insecure_ctx)
            sslobj = writer.get_extra_info("ssl_object")
            tls = {"verified": False, "error": failure["error"], "reason": failure["reason"]}
            der = sslobj.getpeercert(binary_form=True) if sslobj else None
            tls.update(cert_info_from_der(der) if der else {})
        if tls is not None:
            sslobj = writer.get_extra_info("ssl_object")
            tls["protocol"] = sslobj.version() if sslobj else None
            cipher = sslobj.cipher() if sslobj else None
            tls["cipher"] = cipher[0] if cipher else None
        return reader, writer, tls

    async def _timed(self, coro):
        """Run one request/response exchange within read_timeout (one timer per request)."""
        try:
            return await asyncio.wait_for(coro, self.opts["read_timeout"])
        except asyncio.TimeoutError as exc:
            raise ProbeError(
                "timeout", "no complete response within %ss" % self.opts["read_timeout"], phase="read"
            ) from exc

    async def _read_body(self, reader, headers):
        """The body, at most ``max_body_bytes`` of it: a longer one is cut (``truncated``) and the
        connection dropped, whatever size the site announces (a chunk is read piece by piece)."""
        limit = self.opts["max_body_bytes"]
        chunks, size, truncated, framed = [], 0, False, True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while not truncated:
                line = await _read_line(reader, "chunk size")
                if not line:
                    break
                digits = line.split(b";", 1)[0].strip()
                if not re.match(rb"[0-9A-Fa-f]{1,%d}\Z" % MAX_CHUNK_DIGITS, digits):
                    raise ProbeError("http", "malformed chunked body")
                length = int(digits, 16)
                if length == 0:
                    await _read_fields(reader, "trailer")
                    break
                while length > 0:
                    data = await reader.read(min(READ_PIECE, length))
                    if not data:
                        raise asyncio.IncompleteReadError(b"", length)
                    length -= len(data)
                    if size <= limit:
                        chunks.append(data[: limit + 1 - size])
                    size += len(data)
                    if size > limit:
                        truncated = True
                        break
                if not truncated:
                    await _read_line(reader, "chunk end")
        elif re.match(r"[0-9]{1,19}\Z", headers.get("content-length", "").strip()):
            remaining = int(headers["content-length"].strip())
            while remaining > 0 and size <= limit:
                data = await reader.read(min(READ_PIECE, remaining))
                if not data:
                    break
                chunks.append(data)
                size += len(data)
                remaining -= len(data)
            truncated = remaining > 0 and size > limit
        else:
            framed = False  # the body ends when the server closes the connection
            while size <= limit:
                data = await reader.read(READ_PIECE)
                if not data:
                    break
                chunks.append(data)
                size += len(data)
            truncated = size > limit
        body = b"".join(chunks)[:limit]
        encoding = headers.get("content-encoding", "").lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            try:
                wbits = 16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS
                inflater = zlib.decompressobj(wbits)
                body = inflater.decompress(body, limit)  # a compression bomb stops at the cap
            except zlib.error as exc:
                raise ProbeError("http", "cannot decode %s body: %s" % (encoding, exc)) from exc
            truncated = truncated or bool(inflater.unconsumed_tail)
        return body, truncated, framed

    async def request(self, url, headers=None):
        """One GET request without following redirects. Returns a response dict.

        Connections are kept alive and reused for the next request to the same host and port
        (one TLS handshake per site instead of one per request); a reused connection that the
        server has closed meanwhile is replaced transparently.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ProbeError("url", "unsupported URL %r" % url)
        host = parts.hostname
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise ProbeError("url", "invalid port in %r" % url) from exc
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        key = (scheme, host, port)
        started = time.monotonic()
        conn = self.idle.pop(key, None)
        if conn is not None:
            try:
                return await self._timed(self._exchange(conn, key, url, path, headers, started, reused=True))
            except _StaleConnection:
                started = time.monotonic()
        conn = await self._open(scheme, host, port)
        self.connections += 1
        self.requests += 1
        return await self._timed(self._exchange(conn, key, url, path, headers, started, reused=False))

    async def _exchange(self, conn, key, url, path, headers, started, reused):
        reader, writer, tls = conn
        scheme, host, port = key
        keep = False
        try:
            default_port = 443 if scheme == "https" else 80
            host_header = host if port == default_port else "%s:%d" % (host, port)
            if ":" in host and not host.startswith("["):
                host_header = "[%s]" % host_header if port == default_port else "[%s]:%d" % (host, port)
            lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host_header]
            merged = {
                "User-Agent": USER_AGENTS["browser"],
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": "gzip",
            }
            merged.update(headers or {})
            merged["Connection"] = "keep-alive"
            lines += ["%s: %s" % (k, v) for k, v in merged.items()]
            try:
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
                await writer.drain()
                status_line = await _read_line(reader, "status")
            except (ConnectionError, ssl.SSLError, OSError) as exc:
                if reused:
                    raise _StaleConnection() from exc
                raise
            if not status_line and reused:
                raise _StaleConnection()
            if reused:
                self.requests += 1
            ttfb = time.monotonic() - started
            if len(status_line) > MAX_LINE_BYTES:
                raise ProbeError("http", "status line from %s longer than %d bytes" % (host, MAX_LINE_BYTES))
            match = re.match(rb"HTTP/(\d(?:\.\d)?)\s+(\d{3})", status_line)
            if not match:
                raise ProbeError("http", "not an HTTP response from %s" % host)
            version, status = match.group(1).decode(), int(match.group(2))
            resp_headers = await _read_fields(reader, "header")
            if status in (204, 304) or 100 <= status < 200:
                body, truncated, framed = b"", False, True
            else:
                body, truncated, framed = await self._read_body(reader, resp_headers)
            connection = resp_headers.get("connection", "").lower()
            keep = framed and not truncated and version == "1.1" and "close" not in connection
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
            raise ProbeError("connect", "connection to %s lost: %s" % (host, exc)) from exc
        finally:
            if keep:
                self.idle[key] = conn
            else:
                writer.close()
        return {
            "url": url,
            "status": status,
            "http_version": version,
            "headers": resp_headers,
            "body": body,
            "truncated": truncated,
            "tls": tls,
            "ttfb_ms": round(ttfb * 1000, 1),
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        }

    def close(self):
        """Close the idle kept-alive connections."""
        for _reader, writer, _tls in self.idle.values():
            writer.close()
        self.idle.clear()

    async def get(self, url, headers=None):
        """GET following redirects. The response carries ``redirects`` and the last TLS details."""
        chain, tls = [], None
        started = time.monotonic()
        current = url
        for _unused in range(self.opts["max_redirects"] + 1):
            resp = await self.request(current, headers)
            if resp["tls"] is not None:
                tls = resp["tls"]
            location = resp["headers"].get("location")
            if resp["status"] in REDIRECTS and location:
                target = urljoin(current, location.strip())
                chain.append({"url": current, "status": resp["status"], "location": target})
                current = target
                continue
            resp["redirects"] = chain
            resp["final_url"] = current
            resp["tls"] = tls
            resp["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
            return resp
        raise ProbeError("http", "more than %d redirects" % self.opts["max_redirects"], redirects=chain)


def decode_body(resp) -> str:
    body = resp["body"]
    charset = None
    match = re.search(r"charset=([\w.-]+)", resp["headers"].get("content-type", ""), re.I)
    if match:
        charset = match.group(1)
    else:
        meta = re.search(rb"<meta[^>]+charset=[\"']?([\w.-]+)", body[:4096], re.I)
        if meta:
            charset = meta.group(1).decode("ascii", "replace")
    try:
        if charset and codecs.lookup(charset).name in _NOT_CHARSETS:
            charset = None
        return body.decode(charset or "utf-8", "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------------
# Per-site probe
# --------------------------------------------------------------------------------------------------


def _reason(kind, lang):
    texts = REASONS.get(kind or "error", (kind, kind))
    return texts[1] if lang == "en" else texts[0]


def _days_between(newer, older) -> float:
    return round((newer - older).total_seconds() / 86400.0, 1)


class _SiteProbe:
    def __init__(self, site, options, resolver):
        self.site = site
        self.opts = options
        self.resolve_map = parse_resolve(site.get("resolve"))
        self.fetcher = Fetcher(options, self.resolve_map, resolver)
        self.state = dict(site.get("state") or {})
        self.now = _now()
        self.depth = site.get("depth") if site.get("depth") in DEPTHS else options["depth"]
        url = site.get("url") or ""
        self.result = {
            "name": site.get("name") or url,
            "url": url,
            "checked_at": _iso(self.now),
            "reachable": False,
            "reason": None,
            "error": None,
            "status": None,
            "final_url": None,
            "redirects": [],
            "response_ms": None,
            "http_version": None,
            "tls": None,
            "keyword": {"expected": site.get("keyword") or "", "found": None},
            "freshness": None,
            "content": None,
            "cloaking": None,
            "baseline": None,
            "hostnames": [],
            "findings": [],
            "complete": False,
            "depth": self.depth,
            "checked_rules": list(LIGHT_RULES) if self.depth == "light" else None,
        }
        self.pages = {}

    # -- steps ---------------------------------------------------------------------------------

    async def run(self):
        homepage_read = await self._homepage()
        await self._other_hostnames()
        self.result["complete"] = homepage_read

    async def _homepage(self):
        res = self.result
        try:
            home = await self.fetcher.get(res["url"], VARIANT_HEADERS["browser"])
        except ProbeError as exc:
            res["reason"], res["error"] = exc.kind, exc.message
            res["redirects"] = exc.extra.get("redirects", [])
            return False
        self._record_home(home)
        html = decode_body(home)
        keyword = self.site.get("keyword") or ""
        if self.depth == "light":
            # What the one request shows, no content check. A keyword in the title is in the page: the
            # whole page is parsed (most of a light probe's cost) only when the title lacks it.
            if cc.keyword_present(cc.page_title(html), keyword):
                res["keyword"]["found"] = True
                return True
            page = cc.parse_html(html, home["final_url"])
            res["keyword"]["found"] = cc.keyword_present(page["title"] + " " + page["text"], keyword)
            if not res["keyword"]["found"] and home["status"] < 400:  # an error page is unavailable
                self._add(cc.keyword_missing(page, keyword))
            return True
        page = cc.parse_html(html, home["final_url"])
        self.pages["browser"] = (home, page)
        res["keyword"]["found"] = cc.keyword_present(page["title"] + " " + page["text"], keyword)
        res["content"] = {
            "title": page["title"],
            "fingerprint": cc.fingerprint(page["text"]),
            "text_chars": len(page["text"]),
            "links": len(page["links"]),
            "truncated": home["truncated"],
            "outbound_domains": cc.outbound_domains(page, home["final_url"]),
        }
        # An error page is reported as unavailable, not as a missing keyword.
        page_keyword = keyword if home["status"] < 400 else ""
        for item in cc.check_page(page, home["final_url"], page_keyword, "browser"):
            self._add(item)
        # One after the other, on the kept-alive connection: one TLS handshake per site.
        if self.opts["cloaking"]:
            await self._variant("googlebot")
            await self._variant("google_referer")
            self._compare_variants()
        robots = await self._robots(home["final_url"])
        if self.opts["freshness"] or self.opts["baselines"]:
            await self._freshness(home, page, robots)
        return True

    async def _other_hostnames(self):
        """Every other name the court serves (www., sipp., ...) answers, with a valid certificate."""
        main = urlsplit(self.result["url"])
        seen = {(main.hostname or "").lower()}
        for host in self.site.get("hostnames") or []:
            host = str(host).strip().lower().rstrip(".")
            if not host or host in seen:
                continue
            seen.add(host)
            url = "%s://%s%s/" % (main.scheme, host, ":%d" % main.port if main.port else "")
            entry = {"host": host, "url": url, "reachable": False, "status": None, "error": None}
            entry["tls"] = None
            try:
                resp = await self.fetcher.get(url, VARIANT_HEADERS["browser"])
            except ProbeError as exc:
                entry["reason"], entry["error"] = exc.kind, exc.message
            else:
                entry["status"], entry["final_url"] = resp["status"], resp["final_url"]
                entry["response_ms"] = resp["elapsed_ms"]
                entry["tls"] = self._tls_details(resp["tls"])
                if entry["tls"] is not None and not entry["tls"]["verified"]:
                    entry["reason"], entry["error"] = "tls", entry["tls"]["error"]
                elif resp["status"] >= 400:
                    entry["reason"], entry["error"] = "http", "HTTP status %d" % resp["status"]
                else:
                    entry["reachable"] = True
            self.result["hostnames"].append(entry)

    def _record_home(self, home):
        res = self.result
        res["status"] = home["status"]
        res["final_url"] = home["final_url"]
        res["redirects"] = home["redirects"]
        res["response_ms"] = home["elapsed_ms"]
        res["ttfb_ms"] = home["ttfb_ms"]
        res["http_version"] = home["http_version"]
        tls = self._tls_details(home["tls"])
        res["tls"] = tls
        if home["status"] >= 400:
            res["reason"] = "http"
            res["error"] = "HTTP status %d" % home["status"]
        elif tls is not None and not tls["verified"]:
            res["reason"] = "tls"
            res["error"] = tls["error"]
        else:
            res["reachable"] = True

    def _tls_details(self, tls):
        if tls is None:
            return None
        tls = dict(tls)
        not_after = tls.pop("not_after", None)
        not_before = tls.pop("not_before", None)
        tls["not_after"] = _iso(not_after)
        tls["not_before"] = _iso(not_before)
        tls["days_left"] = _days_between(not_after, self.now) if not_after else None
        tls["level"] = None
        if not_after is not None:
            # W4's rule (renewals engine): the share of the certificate's lifetime left. Without its
            # start, the longest public lifetime (398 days) gives W4's fixed caps (30 and 14 days).
            start = not_before or (not_after - timedelta(days=MAX_PUBLIC_LIFETIME_DAYS))
            judged = tls_check.classify(start, not_after, self.now)
            tls["level"] = judged["level"]
            tls["lifetime_days"] = judged["lifetime_days"] if not_before else None
            tls["warning_at_days"] = judged["warning_at_days"]
            tls["critical_at_days"] = judged["critical_at_days"]
        return tls

    def _add(self, item):
        key = (item["rule"], item["evidence"].get("variant"), item["evidence"].get("host"))
        for existing in self.result["findings"]:
            if (
                existing["rule"],
                existing["evidence"].get("variant"),
                existing["evidence"].get("host"),
            ) == key:
                return
        self.result["findings"].append(item)

    async def _fetch_quiet(self, url, headers=None):
        try:
            return await self.fetcher.get(url, headers or VARIANT_HEADERS["browser"])
        except ProbeError:
            return None

    async def _variant(self, name):
        resp = await self._fetch_quiet(self.result["url"], VARIANT_HEADERS[name])
        if resp is None:
            self.pages[name] = (None, None)
            return
        home, home_page = self.pages["browser"]
        if resp["body"] == home["body"] and resp["final_url"] == home["final_url"]:
            page = home_page  # same bytes: same page, no second parse
        else:
            page = cc.parse_html(decode_body(resp), resp["final_url"])
        self.pages[name] = (resp, page)

    async def _robots(self, base):
        resp = await self._fetch_quiet(urljoin(base, "/robots.txt"))
        if resp is None or resp["status"] != 200:
            return None
        return cc.parse_robots(decode_body(resp))

    async def _freshness(self, home, page, robots):
        max_age = float(self.site.get("max_age_days") or self.opts["max_age_days"])
        base = home["final_url"]
        fresh = {"source": None, "newest": None, "age_days": None, "max_age_days": max_age, "stale": None}
        newest, source = None, None
        # 1. RSS / Atom feed
        feed_urls = [u for u in page["feeds"] if urlsplit(u).hostname == urlsplit(base).hostname][:1]
        feed_urls = feed_urls or [urljoin(base, "/rss.xml"), urljoin(base, "/feed/")]
        if self.opts["freshness"]:
            for feed_url in feed_urls:
                resp = await self._fetch_quiet(feed_url)
                if resp is None or resp["status"] != 200:
                    continue
                body = decode_body(resp)
                if not cc.is_feed(body):
                    continue
                fresh["feed_url"] = feed_url
                newest = cc.newest_date(body, self.now)
                if newest:
                    source = "feed"
                self._feed_spam(body, feed_url)
                break
        # 2. sitemap (also the baseline of published URLs)
        sitemap_urls = (robots or {}).get("sitemaps") or [urljoin(base, "/sitemap.xml")]
        sitemap = await self._sitemap(sitemap_urls[0])
        if sitemap is not None:
            fresh["sitemap_url"] = sitemap["url"]
            fresh["sitemap_entries"] = len(sitemap["urls"])
            if newest is None and sitemap["newest"] and self.opts["freshness"]:
                newest, source = sitemap["newest"], "sitemap"
        # 3. Last-Modified header
        if newest is None:
            newest = cc.parse_date(home["headers"].get("last-modified", ""))
            source = "last-modified" if newest else None
        # 4. content fingerprint kept in the state
        fp = self.result["content"]["fingerprint"]
        fp_state = self.state.get("fingerprint") or {}
        if fp_state.get("value") != fp:
            fp_state = {"value": fp, "since": _iso(self.now)}
        self.state["fingerprint"] = fp_state
        if newest is None:
            newest, source = cc.parse_date(fp_state["since"]), "fingerprint"
        fresh["source"] = source
        fresh["newest"] = _iso(newest)
        if newest is not None:
            fresh["age_days"] = max(0.0, _days_between(self.now, newest))
            # A fingerprint first seen now says nothing yet about staleness.
            fresh["stale"] = fresh["age_days"] > max_age
        self.result["freshness"] = fresh if self.opts["freshness"] else None
        if self.opts["freshness"] and fresh["stale"]:
            age = int(fresh["age_days"])
            self._add(
                cc.finding(
                    "content-stale",
                    "medium",
                    "Tidak ada konten baru selama %d hari (batas %d hari; sumber: %s)."
                    % (age, max_age, source),
                    "No new content for %d days (limit %d days; source: %s)." % (age, max_age, source),
                    {"newest": fresh["newest"], "source": source, "age_days": fresh["age_days"]},
                )
            )
        if self.opts["baselines"]:
            self._baselines(robots, sitemap)

    def _feed_spam(self, body, feed_url):
        """Gambling spam in the posts the feed carries whole: spam injected into a post's content is seen
        there, with the post's address, even when the front page shows only an excerpt or not that post."""
        spammed = []
        for entry in cc.feed_entries(body):
            if not entry["html"]:
                continue
            link = urljoin(feed_url, entry["link"]) if entry["link"] else ""
            page = cc.parse_html(entry["html"], link or feed_url)
            gamble = cc.gambling_in_text(entry["title"] + " " + page["text"] + " " + page["hidden_text"])
            links = cc.gambling_links(page)
            if gamble["hit"] or links:
                spammed.append(
                    {
                        "link": link,
                        "title": entry["title"],
                        "terms": gamble["terms"][:20],
                        "excerpt": gamble["excerpt"],
                        "links": links[:20],
                    }
                )
        if spammed:
            terms = sorted({term for entry in spammed for term in entry["terms"]})
            self._add(
                cc.finding(
                    "gambling-spam",
                    "critical",
                    "Konten judi online di %d tulisan pada feed: %s."
                    % (len(spammed), ", ".join(terms[:5]) or "tautan judi"),
                    "Online-gambling content in %d posts of the feed: %s."
                    % (len(spammed), ", ".join(terms[:5]) or "gambling links"),
                    {
                        # the keys of the page's gambling-spam evidence too (notifications, diagnosis)
                        "variant": "feed",
                        "terms": terms[:20],
                        "excerpt": spammed[0]["excerpt"],
                        "links": [link for entry in spammed for link in entry["links"]][:20],
                        "feed": feed_url,
                        "entries": spammed[:10],
                    },
                )
            )

    async def _sitemap(self, url):
        resp = await self._fetch_quiet(url)
        if resp is None or resp["status"] != 200:
            return None
        parsed = cc.parse_sitemap(decode_body(resp))
        if not parsed["valid"]:
            return None
        parsed["url"] = url
        if parsed["index"] and parsed["children"]:
            # The index's child sitemaps on its own host only (a sitemap naming other hosts sends
            # the probe nowhere), the newest first, at most MAX_CHILD_SITEMAPS of them; an index
            # inside an index is not followed.
            index = urlsplit(url)
            epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
            children = []
            for loc, lastmod in parsed["children"]:
                child_url = urljoin(url, loc)
                parts = urlsplit(child_url)
                if parts.scheme == index.scheme and parts.netloc.lower() == index.netloc.lower():
                    children.append((child_url, lastmod))
            children.sort(key=lambda c: c[1] or epoch, reverse=True)
            urls, dates, read = [], [parsed["newest"]], 0
            for child_url, _lastmod in children[:MAX_CHILD_SITEMAPS]:
                if len(urls) >= MAX_BASELINE_URLS:
                    break
                child = await self._fetch_quiet(child_url)
                if child is None or child["status"] != 200:
                    continue
                sub = cc.parse_sitemap(decode_body(child))
                if not sub["valid"] or sub["index"]:
                    continue
                read += 1
                urls.extend(sub["urls"][: MAX_BASELINE_URLS - len(urls)])
                dates.append(sub["newest"])
            parsed["urls"] = urls
            parsed["children_read"] = read
            parsed["newest"] = max((d for d in dates if d), default=None)
        return parsed

    def _baselines(self, robots, sitemap):
        res = self.result
        first_run = "outbound_domains" not in self.state
        base = {"first_run": first_run}
        domains = res["content"]["outbound_domains"]
        known = set(self.state.get("outbound_domains") or [])
        accept = bool(self.site.get("accept_baseline"))
        if first_run or accept:
            self.state["outbound_domains"] = sorted(known | set(domains))
        else:
            new = [d for d in domains if d not in known]
            base["new_outbound_domains"] = new
            if new:
                self._add(
                    cc.finding(
                        "unknown-links",
                        "low",
                        "Tautan ke %d domain luar baru: %s." % (len(new), ", ".join(new[:5])),
                        "Links to %d new outside domains: %s." % (len(new), ", ".join(new[:5])),
                        {"domains": new[:50], "baseline_size": len(known)},
                    )
                )
        if sitemap is not None:
            urls = sitemap["urls"][:MAX_BASELINE_URLS]
            seen = set(self.state.get("sitemap_urls") or [])
            gamble = [u for u in urls if cc.gambling_in_url(u)]
            if gamble:
                self._add(
                    cc.finding(
                        "gambling-spam",
                        "high",
                        "Sitemap memuat %d URL berisi istilah judi." % len(gamble),
                        "The sitemap lists %d URLs with gambling terms." % len(gamble),
                        {"variant": "sitemap", "sitemap": sitemap["url"], "urls": gamble[:20]},
                    )
                )
            if "sitemap_urls" in self.state:
                new = [u for u in urls if u not in seen]
                base["new_sitemap_urls"] = len(new)
                if new:
                    self._add(
                        cc.finding(
                            "sitemap-new-entries",
                            "high" if any(u in gamble for u in new) else "info",
                            "%d URL baru di sitemap sejak pemeriksaan sebelumnya." % len(new),
                            "%d new URLs in the sitemap since the previous check." % len(new),
                            {"sitemap": sitemap["url"], "urls": new[:20]},
                        )
                    )
            self.state["sitemap_urls"] = urls
        if robots is not None:
            old = self.state.get("robots")
            if old is not None:
                added = [line for line in robots["lines"] if line not in old]
                removed = [line for line in old if line not in robots["lines"]]
                base["robots_changed"] = bool(added or removed)
                if added or removed:
                    foreign = [
                        line
                        for line in added
                        if line.startswith("sitemap:")
                        and cc.registrable_domain(urlsplit(line.split(":", 1)[1].strip()).hostname or "")
                        != cc.registrable_domain(urlsplit(res["final_url"]).hostname or "")
                    ]
                    self._add(
                        cc.finding(
                            "robots-changed",
                            "high" if foreign else "low",
                            "robots.txt berubah: %d baris baru, %d baris hilang."
                            % (len(added), len(removed)),
                            "robots.txt changed: %d lines added, %d removed." % (len(added), len(removed)),
                            {"added": added[:20], "removed": removed[:20], "foreign_sitemaps": foreign},
                        )
                    )
            self.state["robots"] = robots["lines"]
        res["baseline"] = base

    def _compare_variants(self):
        home, page = self.pages["browser"]
        summary, differences = {}, []
        base_gamble = cc.gambling_in_text(page["title"] + " " + page["text"] + " " + page["hidden_text"])
        base_words = base_links = None
        summary["browser"] = {
            "status": home["status"],
            "final_url": home["final_url"],
            "chars": len(page["text"]),
            "gambling_terms": base_gamble["terms"] if base_gamble["hit"] else [],
        }
        for name in ("googlebot", "google_referer"):
            resp, other = self.pages.get(name, (None, None))
            if resp is None:
                summary[name] = {"status": None, "error": "fetch failed"}
                continue
            if other is page:
                gamble, sim = base_gamble, 1.0
            else:
                gamble = cc.gambling_in_text(
                    other["title"] + " " + other["text"] + " " + other["hidden_text"]
                )
                if base_words is None:
                    base_words = cc.word_set(page["title"] + " " + page["text"])
                sim = round(cc.similarity(base_words, other["title"] + " " + other["text"]), 3)
            summary[name] = {
                "status": resp["status"],
                "final_url": resp["final_url"],
                "chars": len(other["text"]),
                "similarity": sim,
                "gambling_terms": gamble["terms"] if gamble["hit"] else [],
            }
            reasons = []
            extra_terms, extra_links = [], []
            if gamble["hit"] and other is not page:
                # What only this visitor is shown: a site that already shows spam to everyone (injected
                # into its database) may show more to Googlebot (a cloaking plugin) besides.
                if base_links is None:
                    base_links = {link["href"] for link in page["links"]}
                extra_terms = [t for t in gamble["terms"] if t not in base_gamble["terms"]]
                extra_links = [lk for lk in cc.gambling_links(other) if lk["href"] not in base_links]
            extra_strong = any(term in cc.GAMBLING_STRONG for term in extra_terms)
            if gamble["hit"] and (not base_gamble["hit"] or extra_links or extra_strong):
                reasons.append("gambling")
                for item in cc.check_page(other, resp["final_url"], "", name):
                    if item["rule"] in ("gambling-spam", "hidden-links", "defacement"):
                        if item["rule"] == "gambling-spam" and base_gamble["hit"]:
                            item["evidence"]["only_for_variant"] = {
                                "terms": extra_terms[:20],
                                "links": extra_links[:20],
                            }
                        self._add(item)
            if resp["final_url"] != home["final_url"]:
                reasons.append("redirect")
            if sim < CLOAKING_SIMILARITY and max(len(other["text"]), len(page["text"])) > 200:
                reasons.append("text")
            if resp["status"] != home["status"]:
                reasons.append("status")
            if reasons:
                differences.append(
                    {
                        "variant": name,
                        "reasons": reasons,
                        "similarity": sim,
                        "final_url": resp["final_url"],
                        "excerpt": gamble["excerpt"] or other["text"][: cc.EXCERPT_WIDTH],
                        "extra_terms": extra_terms[:20],
                        "extra_links": [lk["href"] for lk in extra_links[:20]],
                    }
                )
        self.result["cloaking"] = summary
        if differences:
            gambling = any("gambling" in d["reasons"] for d in differences)
            redirect = any("redirect" in d["reasons"] for d in differences)
            severity = "critical" if gambling else ("high" if redirect else "medium")
            names = ", ".join(d["variant"] for d in differences)
            self._add(
                cc.finding(
                    "cloaking",
                    severity,
                    "Halaman berbeda untuk %s dibanding pengunjung biasa (%s)."
                    % (names, ", ".join(sorted({r for d in differences for r in d["reasons"]}))),
                    "The page differs for %s compared with a normal visitor (%s)."
                    % (names, ", ".join(sorted({r for d in differences for r in d["reasons"]}))),
                    {"differences": differences},
                )
            )

    def _tls_findings(self, tls, host=None):
        """tls-invalid or tls-expiring for the homepage's certificate, or for another served HOST."""
        where = {"host": host} if host else {}
        on_id = " (%s)" % host if host else ""
        if tls is not None and not tls["verified"]:
            self._add(
                cc.finding(
                    "tls-invalid",
                    "critical",
                    "Sertifikat TLS%s tidak valid (%s): %s." % (on_id, tls["reason"], tls["error"]),
                    "The TLS certificate%s is invalid (%s): %s." % (on_id, tls["reason"], tls["error"]),
                    dict(
                        where,
                        reason=tls["reason"],
                        subject=tls.get("subject"),
                        not_after=tls.get("not_after"),
                    ),
                )
            )
        elif tls is not None and tls.get("days_left") is not None:
            days = tls["days_left"]
            severity = TLS_SEVERITY.get(tls.get("level"))
            lifetime = ("", "")
            if tls.get("lifetime_days"):
                total = int(round(tls["lifetime_days"]))
                lifetime = ("; masa berlaku %d hari" % total, "; a %d-day lifetime" % total)
            if severity:
                self._add(
                    cc.finding(
                        "tls-expiring",
                        severity,
                        "Sertifikat TLS%s berakhir dalam %d hari (%s%s)."
                        % (on_id, int(days), tls["not_after"], lifetime[0]),
                        "The TLS certificate%s expires in %d days (%s%s)."
                        % (on_id, int(days), tls["not_after"], lifetime[1]),
                        dict(
                            where,
                            days_left=days,
                            not_after=tls["not_after"],
                            not_before=tls.get("not_before"),
                            lifetime_days=tls.get("lifetime_days"),
                            level=tls.get("level"),
                            subject=tls.get("subject"),
                        ),
                    )
                )

    def _unavailable(self, res, host=None):
        """``res`` is the homepage result, or the entry of another served HOST."""
        severity = "high" if res["reason"] == "http" and (res["status"] or 0) < 500 else "critical"
        what_id = "Website (%s)" % host if host else "Website"
        self._add(
            cc.finding(
                "unavailable",
                severity,
                "%s tidak dapat diakses, %s: %s." % (what_id, _reason(res["reason"], "id"), res["error"]),
                "The website%s is unavailable, %s: %s."
                % (" (%s)" % host if host else "", _reason(res["reason"], "en"), res["error"]),
                dict(
                    {"host": host} if host else {},
                    reason=res["reason"],
                    error=res["error"],
                    status=res["status"],
                    url=res["url"],
                ),
            )
        )

    # -- final result --------------------------------------------------------------------------

    def finish(self, duration):
        self.fetcher.close()
        res = self.result
        res["duration_ms"] = round(duration * 1000, 1)
        res["requests"] = self.fetcher.requests
        res["connections"] = self.fetcher.connections
        self._tls_findings(res["tls"])
        if not res["reachable"] and res["reason"] != "tls":
            self._unavailable(res)
        for entry in res["hostnames"]:
            self._tls_findings(entry["tls"], entry["host"])
            if not entry["reachable"] and entry.get("reason") != "tls":
                self._unavailable(entry, entry["host"])
        res["findings"].sort(key=lambda f: -sr.SEVERITY_RANK[f["severity"]])
        history = list(self.state.get("history") or [])
        history.append(
            {
                "at": res["checked_at"],
                "reachable": res["reachable"],
                "status": res["status"],
                "ms": res["response_ms"],
                "reason": res["reason"],
            }
        )
        self.state["history"] = history[-int(self.opts["history_size"]) :]
        if res["reachable"]:
            self.state["last_ok"] = res["checked_at"]
        res["severity"] = sr.worst_severity(res["findings"])
        res["state"] = self.state
        return res


async def _probe_one(site, options, semaphore, resolver):
    async with semaphore:
        started = time.monotonic()
        problem = validate_site(site)
        if problem is not None:
            entry = site if isinstance(site, dict) else {"name": str(site)}
            fake = _SiteProbe(dict(entry, resolve=[], url=str(entry.get("url") or "")), options, resolver)
            fake.result.update(reason="config", error=problem)
            return fake.finish(0.0)
        probe = _SiteProbe(site, options, resolver)
        try:
            await asyncio.wait_for(probe.run(), options["total_timeout"])
        except asyncio.CancelledError:  # the caller's deadline: leave no connection open
            probe.fetcher.close()
            raise
        except asyncio.TimeoutError:
            if probe.result["status"] is None:
                probe.result["reason"] = "timeout"
                probe.result["error"] = "no complete response within %ss" % options["total_timeout"]
            else:
                probe.result["error"] = "some checks did not finish within %ss" % options["total_timeout"]
        except Exception as exc:  # noqa: BLE001 - one broken site never stops the fleet
            probe.result["reason"] = probe.result["reason"] or "error"
            probe.result["error"] = "%s: %s" % (type(exc).__name__, exc)
        return probe.finish(time.monotonic() - started)


def normalize_options(options=None) -> dict:
    opts = dict(DEFAULTS)
    for key, value in (options or {}).items():
        if value is not None:
            opts[key] = value
    for key in ("connect_timeout", "read_timeout", "total_timeout"):
        opts[key] = float(opts[key])
        if opts[key] <= 0:
            raise ValueError("%s must be positive" % key)
    opts["concurrency"] = max(1, int(opts["concurrency"]))
    if opts["depth"] not in DEPTHS:
        raise ValueError("depth must be one of %s, not %r" % (", ".join(DEPTHS), opts["depth"]))
    if opts.get("ca_file") and not os.path.isfile(opts["ca_file"]):
        raise ValueError("CA file %s not found" % opts["ca_file"])
    return opts


def validate_site(site) -> str | None:
    """An error message for a malformed site entry, or None."""
    if not isinstance(site, dict):
        return "site must be a mapping, got %s" % type(site).__name__
    url = site.get("url")
    if not url or not isinstance(url, str):
        return "site %r has no url" % (site.get("name") or "?")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "site %r: url %r is not an http(s) URL" % (site.get("name") or url, url)
    try:
        parse_resolve(site.get("resolve"))
    except ValueError as exc:
        return "site %r: %s" % (site.get("name") or url, exc)
    if site.get("depth") is not None and site["depth"] not in DEPTHS:
        return "site %r: depth must be one of %s" % (site.get("name") or url, ", ".join(DEPTHS))
    return None


async def probe_sites(sites, options=None, resolver=None, deadline=None) -> list:
    """Probe ``sites`` concurrently; results in the same order as ``sites``.

    ``resolver`` (optional) is ``f(host, port) -> address`` (may be a coroutine function) used
    for host names without a ``resolve`` override instead of the system resolver.

    ``deadline`` (optional, seconds) bounds the whole call, whatever the number of sites: a site
    whose probe has not finished by then (still running, or still waiting for a free place among
    the ``concurrency`` sites in flight) is stopped and its place in the list holds None: it was
    not measured, which says nothing about the site.
    """
    opts = normalize_options(options)
    opts["_contexts"] = tls_contexts(opts["ca_file"])
    semaphore = asyncio.Semaphore(opts["concurrency"])
    tasks = [asyncio.ensure_future(_probe_one(site, opts, semaphore, resolver)) for site in sites]
    if not tasks:
        return []
    if deadline is None:
        return list(await asyncio.gather(*tasks))
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, float(deadline)))
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)  # let them close their connections
    return [task.result() if task in done else None for task in tasks]


def probe(sites, options=None, resolver=None, deadline=None) -> list:
    """Synchronous wrapper around :func:`probe_sites` (runs its own event loop)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(probe_sites(sites, options, resolver, deadline))
    finally:
        loop.close()


# --------------------------------------------------------------------------------------------------
# SOP result
# --------------------------------------------------------------------------------------------------


def sop_result(result, lang="id") -> dict:
    """The ``pn_sop_result`` (activity W1) of one site result."""
    findings = result.get("findings") or []
    # A site that cannot be reached is critical whatever else was found.
    status = sr.status_for(findings) if result.get("reachable") else "critical"
    en = lang == "en"
    fresh = result.get("freshness") or {}
    if result.get("reachable"):
        parts = [
            "Website accessible (HTTP %s, %s ms)" % (result["status"], int(result["response_ms"] or 0))
            if en
            else "Website dapat diakses (HTTP %s, %s ms)"
            % (result["status"], int(result["response_ms"] or 0))
        ]
    else:
        parts = [
            ("Website unavailable (%s): %s" if en else "Website tidak dapat diakses (%s): %s")
            % (_reason(result.get("reason"), lang), result.get("error") or "-")
        ]
    if fresh.get("age_days") is not None and fresh.get("source") == "fingerprint":
        parts.append(
            ("content unchanged for %d days" if en else "konten tidak berubah selama %d hari")
            % int(fresh["age_days"])
        )
    elif fresh.get("age_days") is not None:
        parts.append(
            ("newest content %d days old" if en else "konten terbaru %d hari lalu") % int(fresh["age_days"])
        )
    serious = [f for f in findings if sr.SEVERITY_RANK[f["severity"]] >= sr.SEVERITY_RANK["medium"]]
    if serious:
        parts.append(
            ("%d problem(s): %s" if en else "%d masalah: %s")
            % (len(serious), ", ".join(sorted({f["rule"] for f in serious})))
        )
    out_findings = []
    for item in findings:
        copy = dict(item)
        copy["message"] = item["message_en"] if en else item["message"]
        out_findings.append(copy)
    tls = result.get("tls") or {}
    return sr.result(
        "W1",
        status=status,
        findings=out_findings,
        summary="; ".join(parts) + ".",
        outputs={
            "url": result.get("url"),
            "final_url": result.get("final_url"),
            "reachable": result.get("reachable"),
            "reason": result.get("reason"),
            "status": result.get("status"),
            "response_ms": result.get("response_ms"),
            "tls_valid": tls.get("verified") if tls else None,
            "tls_days_left": tls.get("days_left") if tls else None,
            "tls_protocol": tls.get("protocol") if tls else None,
            "keyword_found": (result.get("keyword") or {}).get("found"),
            "content_newest": fresh.get("newest"),
            "content_age_days": fresh.get("age_days"),
            "content_source": fresh.get("source"),
            "feed_url": fresh.get("feed_url"),
            "sitemap_url": fresh.get("sitemap_url"),
            # the pages the sitemap lists (over the child sitemaps of an index)
            "sitemap_entries": fresh.get("sitemap_entries"),
            "checked_at": result.get("checked_at"),
            "depth": result.get("depth") or "full",
            # a light probe's rules; any other rule's problem was not looked for (None: every rule)
            "checked_rules": result.get("checked_rules"),
            "hostnames": [
                {
                    "host": entry["host"],
                    "reachable": entry["reachable"],
                    "status": entry["status"],
                    "tls_valid": (entry["tls"] or {}).get("verified"),
                    "tls_days_left": (entry["tls"] or {}).get("days_left"),
                }
                for entry in result.get("hostnames") or []
            ],
        },
    )
