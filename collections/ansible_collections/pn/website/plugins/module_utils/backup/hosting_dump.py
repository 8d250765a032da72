# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A one-shot dump endpoint for a shared-hosting court without remote MySQL (SOP W2, controller side).

The backup role's pn-hosting-dump.php is filled in here for one run (prepare): the SHA-256 of a fresh
token, an expiry time, a run nonce and the court's database account. hosting_pull uploads it under a
random name, fetch() calls it once and hosting_pull removes it again, whatever happened.

The answer is untrusted (the hosting server may be in an attacker's hands, or answer from a cache or a
stale copy): HTTPS only (plain HTTP only when allowed, for loopback tests), no redirect followed, a
byte cap and an overall deadline while data arrives, and the frame checked at both ends: the first
line carries this run's nonce, the last one the byte count and SHA-256 of the dump between them. The
dump goes to a 0600 file created anew (never an existing file or a link); on any failure no file is
left. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import ssl
import time
import urllib.parse

DEFAULT_TTL = 300
DEFAULT_MAX_BYTES = 4 * 1024**3
DEFAULT_TIMEOUT = 1800
CHUNK = 256 * 1024
HEADER = "-- pn-hosting-dump 1 nonce=%s\n"
_TRAILER = re.compile(
    rb"-- pn-hosting-dump end nonce=(?P<nonce>[0-9a-f]{32}) bytes=(?P<bytes>[0-9]{1,20}) "
    rb"sha256=(?P<sha256>[0-9a-f]{64}) tables=(?P<tables>[0-9]{1,9}) rows=(?P<rows>[0-9]{1,20})\n"
)
SCRIPT_NAME = re.compile(r"pn-hosting-dump-[0-9a-f]{32}\.php")


class EndpointError(Exception):
    """A dump through the endpoint that did not happen; `kind` is a stable reason (bad-input, http,
    redirect, refused, too-large, timeout, truncated, fake, tls, unreachable)."""

    def __init__(self, message: str, kind: str = "failed"):
        super().__init__(message)
        self.kind = kind

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": str(self)}


def prepare(template: str, database: dict, ttl: int = DEFAULT_TTL) -> dict:
    """One run's script: {name, token, nonce, expires, script (bytes)}. The token leaves this function
    only towards fetch(); the script holds its SHA-256."""
    token, nonce = secrets.token_urlsafe(32), secrets.token_hex(16)
    expires = int(time.time()) + int(ttl)
    config = {
        "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
        "expires": expires,
        "nonce": nonce,
        "db": {key: database.get(key) for key in ("host", "port", "user", "password", "name")},
    }
    encoded = base64.b64encode(json.dumps(config).encode()).decode("ascii")
    if template.count("@@PN_CONFIG@@") != 1:
        raise EndpointError("the dump script template has no single @@PN_CONFIG@@ place", "bad-input")
    return {
        "name": "pn-hosting-dump-%s.php" % secrets.token_hex(16),
        "token": token,
        "nonce": nonce,
        "expires": expires,
        "script": template.replace("@@PN_CONFIG@@", encoded).encode("utf-8"),
    }


def endpoint_url(base: str, name: str, allow_http: bool = False) -> urllib.parse.SplitResult:
    """The script's URL below BASE (the web root's URL); EndpointError for anything but https (or http
    when allowed) to a plain host without credentials, query or fragment."""
    parts = urllib.parse.urlsplit(base or "")
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.query or parts.fragment:
        raise EndpointError(
            "dump_endpoint.url must be an https:// URL of the web root%s"
            % (" (or http://)" if allow_http else ""),
            "bad-input",
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts._replace(path=path + name)


def fetch(
    url: urllib.parse.SplitResult,
    token: str,
    nonce: str,
    out_path: str,
    cacert: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Call the endpoint once and write its dump to OUT_PATH (0600, without the frame's trailer line).
    Returns {path, bytes, sha256, tables, rows, duration}; EndpointError leaves no file."""
    started = time.monotonic()
    deadline = started + float(timeout)
    partial = out_path + ".partial"
    for stale in (out_path, partial):
        if os.path.lexists(stale):
            os.unlink(stale)
    try:
        request = _Request(url, token, cacert, deadline)
        with request as response:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                received = _receive(response, handle, nonce, max_bytes, deadline, request.sock)
        result = _check_frame(partial, received, nonce)
        os.replace(partial, out_path)
    except BaseException:
        if os.path.lexists(partial):
            os.unlink(partial)
        raise
    result.update(path=out_path, duration=round(time.monotonic() - started, 3))
    return result


class _Request:
    """POST to the script with the token; the open response when the answer is 200, else EndpointError."""

    def __init__(self, url, token, cacert, deadline):
        self.url, self.token, self.cacert, self.deadline = url, token, cacert, deadline
        self.connection = self.sock = None

    def __enter__(self):
        url = self.url
        remaining = max(0.1, self.deadline - time.monotonic())
        if url.scheme == "https":
            context = ssl.create_default_context(cafile=self.cacert or None)
            self.connection = http.client.HTTPSConnection(
                url.hostname, url.port, timeout=remaining, context=context
            )
        else:
            self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=remaining)
        try:
            self.connection.request(
                "POST",
                url.path,
                body=b"",
                headers={"X-PN-Dump-Token": self.token, "User-Agent": "pn.website-hosting-dump/1"},
            )
            self.sock = self.connection.sock  # kept: each read gets the time left before the deadline
            response = self.connection.getresponse()
        except ssl.SSLError as error:
            raise EndpointError(
                "TLS with %s failed: %s" % (url.hostname, error.reason or error), "tls"
            ) from None
        except socket.timeout:
            raise EndpointError("the dump endpoint did not answer in time", "timeout") from None
        except OSError as error:
            raise EndpointError("cannot reach the dump endpoint: %s" % error, "unreachable") from None
        if 300 <= response.status < 400:
            raise EndpointError(
                "the dump endpoint answered with a redirect (HTTP %d); redirects are not followed"
                % response.status,
                "redirect",
            )
        if response.status != 200:
            text = response.read(200).decode("utf-8", "replace").strip()
            raise EndpointError(
                "the dump endpoint refused (HTTP %d: %s)"
                % (response.status, re.sub(r"[^\w .,:()-]", " ", text)),
                "refused",
            )
        return response

    def __exit__(self, *exc):
        self.connection.close()


def _receive(response, handle, nonce: str, max_bytes: int, deadline: float, sock) -> int:
    """Check the header line, then copy the rest of the answer into HANDLE within the cap and the
    deadline; the bytes copied."""
    try:
        header = response.readline(len(HEADER % nonce) + 1)
    except (socket.timeout, http.client.IncompleteRead, OSError):
        header = b""
    if header != (HEADER % nonce).encode():
        raise EndpointError(
            "the answer does not start with this run's dump header; not a dump of this run", "fake"
        )
    received = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise EndpointError("the dump did not arrive within the deadline", "timeout")
        try:
            sock.settimeout(remaining)
            data = response.read1(CHUNK)
        except socket.timeout:
            raise EndpointError("the dump did not arrive within the deadline", "timeout") from None
        except (http.client.IncompleteRead, OSError) as error:
            raise EndpointError("the dump stopped half way: %s" % error, "truncated") from None
        if not data:
            break
        received += len(data)
        if received > max_bytes:
            raise EndpointError(
                "the dump is larger than %d bytes (max_bytes); refused" % max_bytes, "too-large"
            )
        handle.write(data)
    return received


def _check_frame(path: str, received: int, nonce: str) -> dict:
    """Check the trailer line against what arrived, then cut it off (the file ends as mysqldump's)."""
    with open(path, "rb+") as handle:
        handle.seek(max(0, received - 512))
        tail = handle.read()
        start = tail.rfind(b"\n", 0, len(tail) - 1) + 1
        match = _TRAILER.fullmatch(tail[start:])
        if not match:
            raise EndpointError(
                "the dump has no trailer line: it was cut short or is not a dump", "truncated"
            )
        body = received - (len(tail) - start)
        if match.group("nonce").decode() != nonce or int(match.group("bytes")) != body:
            raise EndpointError("the dump's trailer does not match what arrived", "fake")
        digest = hashlib.sha256()
        handle.seek(0)
        left = body
        while left:
            block = handle.read(min(CHUNK, left))
            if not block:
                break
            digest.update(block)
            left -= len(block)
        if digest.hexdigest() != match.group("sha256").decode():
            raise EndpointError("the dump's checksum does not match its trailer", "fake")
        handle.truncate(body)
    return {
        "bytes": body,
        "sha256": digest.hexdigest(),
        "tables": int(match.group("tables")),
        "rows": int(match.group("rows")),
    }
