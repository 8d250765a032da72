"""A small restic REST server (protocol v1/v2) for tests, on loopback only.

It speaks the REST backend protocol restic uses against restic's rest-server:

- ``POST {repo}/?create=true`` creates the repository directories;
- ``HEAD|GET|POST|DELETE {repo}/config``;
- ``GET {repo}/{type}/`` lists the blobs of a type: a JSON array of names (v1), or of
  ``{"name", "size"}`` objects when the client sends ``Accept: application/vnd.x.restic.rest.v2``;
- ``HEAD|GET|POST|DELETE {repo}/{type}/{name}`` with ``Range`` reads (206), uploads checked
  against their SHA-256 name and never overwritten (403), 404 for what does not exist;

with HTTP basic authentication, optional private repositories (a user reaches only
``/{user}/...``), optional TLS, an optional quota (413 like rest-server's ``--max-size``) and an
append-only mode in which any DELETE except of a lock is refused with 403, like
``rest-server --append-only``. Two servers on the same directory, one append-only for the
courts and one without for the administrator, are the usual deployment.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIME_V1 = "application/vnd.x.restic.rest.v1"
MIME_V2 = "application/vnd.x.restic.rest.v2"
OBJECT_TYPES = ("data", "index", "keys", "locks", "snapshots")
SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME_RE = re.compile(r"^[0-9a-f]{64}$")


def parse_path(path: str):
    """(repository path, object type or "config" or None, name or None), or None when invalid."""
    parts = [part for part in path.split("/") if part]
    kind = name = None
    if parts and parts[-1] == "config":
        kind, parts = "config", parts[:-1]
    elif len(parts) >= 2 and parts[-2] in OBJECT_TYPES and NAME_RE.match(parts[-1]):
        kind, name, parts = parts[-2], parts[-1], parts[:-2]
    elif parts and parts[-1] in OBJECT_TYPES:
        kind, parts = parts[-1], parts[:-1]
    if not all(SEGMENT_RE.match(part) for part in parts):
        return None
    return "/".join(parts), kind, name


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client hanging up (restic cancelling uploads, a TLS probe) is not an error of the server
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


class ResticRestServer:
    """``with ResticRestServer(root, users={"court": "pw"}, append_only=True) as server: server.url``"""

    def __init__(
        self,
        root: str,
        users: dict | None = None,
        append_only: bool = False,
        private_repos: bool = False,
        certfile: str | None = None,
        keyfile: str | None = None,
        max_size: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise ValueError(f"the test REST server listens on loopback only, not {host!r}")
        self.root = os.path.abspath(root)
        self.users = dict(users or {})
        self.append_only = append_only
        self.private_repos = private_repos
        self.max_size = max_size
        self.log: list = []  # (method, path, status, user)
        self._lock = threading.Lock()
        os.makedirs(self.root, exist_ok=True)
        self.httpd = _Server((host, port), self._handler_class())
        self.tls = bool(certfile)
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.host, self.port = self.httpd.server_address[:2]
        self._thread = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> ResticRestServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="restic-rest", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join()

    def __enter__(self) -> ResticRestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def used_bytes(self) -> int:
        total = 0
        for directory, _dirs, files in os.walk(self.root):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(os.path.join(directory, name))
        return total

    def refused(self, method: str | None = None) -> list:
        """Requests answered 403, optionally of one method."""
        return [e for e in self.log if e[2] == 403 and (method is None or e[0] == method)]

    # -- request handling ---------------------------------------------------------------------------
    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
                pass

            # one entry point for every method
            def do_HEAD(self):
                self._dispatch()

            def do_GET(self):
                self._dispatch()

            def do_POST(self):
                self._dispatch()

            def do_DELETE(self):
                self._dispatch()

            def _dispatch(self):
                path, _sep, query = self.path.partition("?")
                user = self._authenticate()
                if server.users and user is None:
                    self._drain()
                    return self._reply(401, headers={"WWW-Authenticate": 'Basic realm="restic"'}, user="")
                parsed = parse_path(path)
                if parsed is None:
                    self._drain()
                    return self._reply(404, user=user)
                repo, kind, name = parsed
                if server.private_repos and server.users and repo.split("/")[0] != user:
                    self._drain()
                    return self._reply(401, user=user)
                base = os.path.join(server.root, repo)
                if kind == "config":
                    return self._config(base, user)
                if kind:
                    if not name:
                        if self.command != "GET":
                            self._drain()
                            return self._reply(405, headers={"Allow": "GET"}, user=user)
                        return self._list(base, kind, user)
                    return self._blob(base, kind, name, user)
                # the repository itself
                if self.command == "POST":
                    self._drain()
                    if "create=true" not in query.split("&"):
                        return self._reply(400, user=user)
                    for kind in OBJECT_TYPES:
                        os.makedirs(os.path.join(base, kind), mode=0o700, exist_ok=True)
                    for index in range(256):
                        os.makedirs(os.path.join(base, "data", f"{index:02x}"), mode=0o700, exist_ok=True)
                    return self._reply(200, user=user)
                self._drain()
                return self._reply(405, headers={"Allow": "POST"}, user=user)

            # -- helpers ----------------------------------------------------------------------------
            def _authenticate(self):
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return None
                try:
                    name, _sep, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
                except (ValueError, UnicodeDecodeError):
                    return None
                expected = server.users.get(name)
                if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
                    return None
                return name

            def _reply(self, status, body=b"", headers=None, user=None, content_type=None):
                with server._lock:
                    server.log.append((self.command, self.path, status, user))
                if status >= 400 and not body:
                    body = f"{status} {self.responses.get(status, ('',))[0]}\n".encode()
                    content_type = content_type or "text/plain; charset=utf-8"
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if "Content-Length" not in (headers or {}):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD" and body:
                    self.wfile.write(body)

            def _read_body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _drain(self):
                if self.command in ("POST", "PUT"):
                    self._read_body()

            def _path_of(self, base, kind, name):
                if kind == "data":
                    return os.path.join(base, kind, name[:2], name)
                return os.path.join(base, kind, name)

            def _config(self, base, user):
                path = os.path.join(base, "config")
                if self.command in ("HEAD", "GET"):
                    try:
                        with open(path, "rb") as handle:
                            data = handle.read()
                    except OSError:
                        return self._reply(404, user=user)
                    return self._reply(
                        200,
                        data,
                        headers={"Content-Length": str(len(data))},
                        user=user,
                        content_type="application/octet-stream",
                    )
                if self.command == "POST":
                    data = self._read_body()
                    if os.path.exists(path):
                        return self._reply(403, user=user)
                    return self._store(path, data, user)
                if self.command == "DELETE":
                    if server.append_only:
                        return self._reply(403, user=user)
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        return self._reply(404, user=user)
                    return self._reply(200, user=user)
                return self._reply(405, headers={"Allow": "HEAD, GET, POST, DELETE"}, user=user)

            def _list(self, base, kind, user):
                directory = os.path.join(base, kind)
                if not os.path.isdir(directory):
                    return self._reply(404, user=user)
                entries = []
                for entry in sorted(os.listdir(directory)):
                    full = os.path.join(directory, entry)
                    if kind == "data" and os.path.isdir(full):
                        for name in sorted(os.listdir(full)):
                            if not name.startswith("."):
                                entries.append((name, os.path.getsize(os.path.join(full, name))))
                    elif os.path.isfile(full) and not entry.startswith("."):
                        entries.append((entry, os.path.getsize(full)))
                if self.headers.get("Accept") == MIME_V2:
                    body = json.dumps([{"name": n, "size": s} for n, s in entries]).encode()
                    return self._reply(200, body, user=user, content_type=MIME_V2)
                body = json.dumps([n for n, _s in entries]).encode()
                return self._reply(200, body, user=user, content_type=MIME_V1)

            def _blob(self, base, kind, name, user):
                path = self._path_of(base, kind, name)
                if self.command in ("HEAD", "GET"):
                    try:
                        size = os.path.getsize(path)
                    except OSError:
                        return self._reply(404, user=user)
                    if self.command == "HEAD":
                        return self._reply(200, headers={"Content-Length": str(size)}, user=user)
                    start, end = 0, size - 1
                    status, headers = 200, {}
                    wanted = re.match(r"^bytes=(\d*)-(\d*)$", self.headers.get("Range", ""))
                    if wanted and (wanted.group(1) or wanted.group(2)):
                        if wanted.group(1):
                            start = int(wanted.group(1))
                            end = min(int(wanted.group(2)), size - 1) if wanted.group(2) else size - 1
                        else:  # suffix range: the last N bytes
                            start = max(0, size - int(wanted.group(2)))
                        if start >= size or start > end:
                            return self._reply(416, headers={"Content-Range": f"bytes */{size}"}, user=user)
                        status = 206
                        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
                    with open(path, "rb") as handle:
                        handle.seek(start)
                        data = handle.read(end - start + 1)
                    headers["Content-Length"] = str(len(data))
                    return self._reply(
                        status, data, headers=headers, user=user, content_type="application/octet-stream"
                    )
                if self.command == "POST":
                    data = self._read_body()
                    if os.path.exists(path):
                        return self._reply(403, user=user)
                    if hashlib.sha256(data).hexdigest() != name:
                        return self._reply(400, user=user)
                    return self._store(path, data, user)
                if self.command == "DELETE":
                    if server.append_only and kind != "locks":
                        return self._reply(403, user=user)
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        return self._reply(404, user=user)
                    return self._reply(200, user=user)
                return self._reply(405, headers={"Allow": "HEAD, GET, POST, DELETE"}, user=user)

            def _store(self, path, data, user):
                if server.max_size is not None and server.used_bytes() + len(data) > server.max_size:
                    return self._reply(413, user=user)
                directory = os.path.dirname(path)
                os.makedirs(directory, mode=0o700, exist_ok=True)
                fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=directory)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
                return self._reply(200, user=user)

        return Handler
