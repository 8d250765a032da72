# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull a shared-hosting court's web root and visitor logs to the controller (SOP W2, W3 without SSH).

A court on commercial shared hosting gives no shell, only file transfer: SFTP or FTP over TLS (FTPS).
The controller copies the web root and the visitor logs the host offers into a staging folder of its
own, which the backup engine (backup_run) then backs up with restic like a court server's web root.

The hosting server is untrusted: it chooses the names, types and sizes it lists and the bytes it sends.
So every name is checked before use (one path component: no '/', '.', '..', NUL or control
characters), nothing but plain files and folders is copied (a symbolic link is refused, never
followed), files are created with O_EXCL | O_NOFOLLOW below a folder this engine made empty, and the
count of entries, the folder depth, the bytes of one file and the bytes of the whole pull are capped
while the data arrives (a listed size is never trusted). Any of these ends the pull with a PullError
whose kind says what the host did; the staging folder then holds only what was checked.

Controller-only: SFTP uses asyncssh (imported when used), FTPS the standard library's ftplib.
"""

from __future__ import annotations

import ftplib
import io
import os
import posixpath
import re
import shutil
import socket
import ssl
import stat
import time

from ansible_collections.pn.website.plugins.module_utils.backup import hosting_dump

DEFAULT_MAX_FILES = 200000
DEFAULT_MAX_BYTES = 20 * 1024**3
DEFAULT_MAX_FILE_BYTES = 2 * 1024**3
DEFAULT_MAX_DEPTH = 32
DEFAULT_TIMEOUT = 60
CHUNK = 256 * 1024

_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_REMOTE_PATH = re.compile(r"/?[A-Za-z0-9._+@~-]+(?:/[A-Za-z0-9._+@~-]+)*|/")


class PullError(Exception):
    """A pull that stopped; `kind` is a stable reason (hostile-name, symlink, too-large, too-many-files,
    too-deep, unreachable, auth-failed, host-key, tls, not-found, timeout, bad-input, not-installed)."""

    def __init__(self, message: str, kind: str = "failed"):
        super().__init__(message)
        self.kind = kind

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": str(self)}


def check_name(name: object, where: str) -> str:
    """NAME as listed by the host, when it is one plain path component; PullError otherwise."""
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or _CONTROL.search(name):
        raise PullError(
            "the hosting server listed the name %r in %s: not a plain file name (a path, '..' or a control "
            "character); nothing is written outside the staging folder, the pull is stopped" % (name, where),
            "hostile-name",
        )
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        raise PullError(
            "the hosting server listed a name longer than 255 bytes in %s" % where, "hostile-name"
        )
    return name


def check_remote_path(path: object, label: str) -> str:
    """A remote path from the inventory: absolute or relative to the account, plain characters, normalised."""
    if (
        not isinstance(path, str)
        or not _REMOTE_PATH.fullmatch(path)
        or (path != "/" and posixpath.normpath(path) != path)
        or ".." in path.split("/")
    ):
        raise PullError("%s %r is not a plain, normalised path" % (label, path), "bad-input")
    return path


class Staging:
    """The local side of a pull: a fresh folder and the caps, counted as data arrives."""

    def __init__(self, root: str, max_files: int, max_bytes: int, max_file_bytes: int, max_depth: int):
        self.root = os.path.realpath(root)
        self.max_files, self.max_bytes = max_files, max_bytes
        self.max_file_bytes, self.max_depth = max_file_bytes, max_depth
        self.files = self.folders = self.bytes = 0

    def reset(self, name: str) -> str:
        """An empty folder NAME below the root (a previous pull's copy is removed; links are not followed)."""
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        path = os.path.join(self.root, name)
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        elif os.path.isdir(path):
            shutil.rmtree(path)
        os.mkdir(path, 0o700)
        return path

    def _inside(self, path: str) -> str:
        real = os.path.realpath(path)
        if not real.startswith(self.root + os.sep):
            raise PullError("%s would lie outside the staging folder" % path, "hostile-name")
        return path

    def entry(self, depth: int, where: str) -> None:
        if self.files + self.folders >= self.max_files:
            raise PullError(
                "more than %d files and folders in %s (the cap of one pull)" % (self.max_files, where),
                "too-many-files",
            )
        if depth > self.max_depth:
            raise PullError("folders nested deeper than %d at %s" % (self.max_depth, where), "too-deep")

    def folder(self, parent: str, name: str) -> str:
        path = self._inside(os.path.join(parent, name))
        os.mkdir(path, 0o700)
        self.folders += 1
        return path

    def open(self, parent: str, name: str):
        """A new file NAME in PARENT for writing; never an existing file or a link."""
        path = self._inside(os.path.join(parent, name))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self.files += 1
        return path, os.fdopen(fd, "wb")

    def count(self, path: str, written: int, chunk: int) -> None:
        """Account for CHUNK more bytes of the file at PATH (WRITTEN before it); PullError over a cap."""
        if written + chunk > self.max_file_bytes:
            raise PullError(
                "%s is larger than %d bytes (the cap of one file); the pull is stopped"
                % (os.path.relpath(path, self.root), self.max_file_bytes),
                "too-large",
            )
        if self.bytes + chunk > self.max_bytes:
            raise PullError("the pull exceeds %d bytes (the cap of one pull)" % self.max_bytes, "too-large")
        self.bytes += chunk


def _symlink(where: str, name: str) -> PullError:
    return PullError(
        "the hosting server lists %s as a symbolic link; links are not followed or copied, the pull is "
        "stopped" % posixpath.join(where, name),
        "symlink",
    )


# -- FTPS ---------------------------------------------------------------------------------------------


class _FTPS:
    def __init__(self, host, port, user, password, cacert, timeout):
        context = ssl.create_default_context(cafile=cacert or None)
        self.ftp = ftplib.FTP_TLS(context=context, timeout=timeout)
        # the data connection goes to the control connection's address, whatever PASV names
        self.ftp.trust_server_pasv_ipv4_address = False
        try:
            self.ftp.connect(host, port)
            self.ftp.auth()
            self.ftp.login(user, password)
            self.ftp.prot_p()
        except ssl.SSLError as error:
            self.close()
            raise PullError(
                "TLS with %s:%s failed: %s" % (host, port, error.reason or error), "tls"
            ) from None
        except ftplib.error_perm as error:
            self.close()
            raise PullError(
                "the FTPS server refused the login: %s" % str(error)[:200], "auth-failed"
            ) from None

    def walk(self, staging: Staging, remote: str, local: str, depth: int) -> None:
        try:
            listing = self.ftp.mlsd(remote, facts=["type", "size"])
            entries = []
            for name, facts in listing:
                kind = facts.get("type", "").lower()
                if kind in ("cdir", "pdir") or hosting_dump.SCRIPT_NAME.fullmatch(name):
                    continue  # a dump script that could not be removed is never copied
                staging.entry(depth, remote)
                entries.append((check_name(name, remote), kind))
        except ftplib.error_perm as error:
            raise PullError("cannot list %s: %s" % (remote, str(error)[:200]), "not-found") from None
        for name, kind in entries:
            path = posixpath.join(remote, name)
            if kind == "dir":
                self.walk(staging, path, staging.folder(local, name), depth + 1)
            elif kind == "file":
                self.download(staging, path, local, name)
            else:
                raise _symlink(remote, name)

    def download(self, staging: Staging, remote: str, local: str, name: str) -> str:
        path, handle = staging.open(local, name)
        written = [0]

        def chunk(data: bytes) -> None:
            staging.count(path, written[0], len(data))
            handle.write(data)
            written[0] += len(data)

        with handle:
            try:
                self.ftp.retrbinary("RETR " + remote, chunk, blocksize=CHUNK)
            except ftplib.error_perm as error:
                raise PullError("cannot fetch %s: %s" % (remote, str(error)[:200]), "not-found") from None
        return path

    def change(self, folder: str, put: tuple | None) -> list:
        """Like _sftp_change: remove left dump scripts in FOLDER, then upload PUT (mode 0600 where the
        server has SITE CHMOD)."""
        removed = []
        try:
            for name, _facts in self.ftp.mlsd(folder, facts=["type"]):
                if hosting_dump.SCRIPT_NAME.fullmatch(name):
                    self.ftp.delete(posixpath.join(folder, name))
                    removed.append(name)
            if put:
                path = posixpath.join(folder, put[0])
                self.ftp.storbinary("STOR " + path, io.BytesIO(put[1]))
                try:
                    self.ftp.sendcmd("SITE CHMOD 600 " + path)
                except ftplib.error_perm:
                    pass
        except ftplib.error_perm as error:
            raise PullError("cannot change %s: %s" % (folder, str(error)[:200]), "not-found") from None
        return removed

    def close(self) -> None:
        try:
            self.ftp.quit()
        except (OSError, EOFError, ftplib.Error):
            self.ftp.close()


# -- SFTP ---------------------------------------------------------------------------------------------


async def _sftp_connect(options: dict):
    import asyncssh

    try:
        host_key = asyncssh.import_public_key(options["host_key"])
    except (asyncssh.KeyImportError, ValueError, TypeError):
        raise PullError(
            "host_key is not an SSH public key (e.g. 'ssh-ed25519 AAAA...')", "bad-input"
        ) from None
    try:
        return await asyncssh.connect(
            options["host"],
            port=int(options["port"]),
            username=options["user"],
            password=options["password"],
            known_hosts=([host_key], [], []),
            client_keys=None,
            agent_path=None,
            config=None,
            preferred_auth="password,keyboard-interactive",
            connect_timeout=options["timeout"],
        )
    except asyncssh.HostKeyNotVerifiable:
        raise PullError(
            "the SFTP server's host key is not the one in host_key: refusing to send the password",
            "host-key",
        ) from None
    except asyncssh.PermissionDenied:
        raise PullError("the SFTP server refused the login", "auth-failed") from None
    except (OSError, asyncssh.Error) as error:
        raise PullError(
            "cannot connect to %s:%s: %s" % (options["host"], options["port"], error), "unreachable"
        ) from None


async def _sftp_pull(options: dict, jobs: list, staging: Staging) -> None:
    connection = await _sftp_connect(options)
    async with connection, connection.start_sftp_client() as sftp:
        for kind, remote, local in jobs:
            if kind == "tree":
                await _sftp_walk(sftp, staging, remote, local, 1)
            else:
                await _sftp_file(sftp, staging, remote, local[0], local[1])


async def _sftp_change(options: dict, folder: str, put: tuple | None) -> list:
    """Remove every dump script left in FOLDER, then (PUT: (name, bytes)) upload one, mode 0600; the
    names removed."""
    import asyncssh

    removed = []
    connection = await _sftp_connect(options)
    async with connection, connection.start_sftp_client() as sftp:
        try:
            for name in await sftp.listdir(folder):
                if hosting_dump.SCRIPT_NAME.fullmatch(name):
                    await sftp.remove(posixpath.join(folder, name))
                    removed.append(name)
            if put:
                async with sftp.open(
                    posixpath.join(folder, put[0]), "wb", asyncssh.SFTPAttrs(permissions=0o600)
                ) as f:
                    await f.write(put[1])
                await sftp.chmod(posixpath.join(folder, put[0]), 0o600)
        except asyncssh.SFTPError as error:
            raise PullError("cannot change %s: %s" % (folder, error.reason), "not-found") from None
    return removed


def _sftp_kind(attrs) -> str:
    mode = attrs.permissions
    if mode is not None:
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISDIR(mode):
            return "dir"
        if stat.S_ISREG(mode):
            return "file"
        return "other"
    return {1: "file", 2: "dir", 3: "link"}.get(attrs.type, "other")


async def _sftp_walk(sftp, staging: Staging, remote: str, local: str, depth: int) -> None:
    import asyncssh

    entries = []
    try:
        async for item in sftp.scandir(remote):
            name = item.filename
            if name in (".", "..") or hosting_dump.SCRIPT_NAME.fullmatch(name):
                continue  # a dump script that could not be removed is never copied
            staging.entry(depth, remote)
            entries.append((check_name(name, remote), _sftp_kind(item.attrs)))
    except asyncssh.SFTPError as error:
        raise PullError("cannot list %s: %s" % (remote, error.reason), "not-found") from None
    for name, kind in entries:
        path = posixpath.join(remote, name)
        if kind == "dir":
            await _sftp_walk(sftp, staging, path, staging.folder(local, name), depth + 1)
        elif kind == "file":
            await _sftp_file(sftp, staging, path, local, name)
        else:
            raise _symlink(remote, name)


async def _sftp_file(sftp, staging: Staging, remote: str, local: str, name: str) -> str:
    import asyncssh

    try:
        # lstat: a log path that is a link on the host is refused like any link
        if _sftp_kind(await sftp.lstat(remote)) != "file":
            raise _symlink(posixpath.dirname(remote), posixpath.basename(remote))
        source = await sftp.open(remote, "rb")
    except asyncssh.SFTPError as error:
        raise PullError("cannot fetch %s: %s" % (remote, error.reason), "not-found") from None
    path, handle = staging.open(local, name)
    written = 0
    async with source:
        with handle:
            while True:
                data = await source.read(CHUNK)
                if not data:
                    break
                staging.count(path, written, len(data))
                handle.write(data)
                written += len(data)
    return path


# -- one pull -----------------------------------------------------------------------------------------


def pull(options: dict) -> dict:
    """Copy the web root and the logs of a shared-hosting court into options['staging'].

    options: transfer (sftp | ftps), host, port, user, password, host_key (sftp), cacert (ftps, optional),
    webroot (remote folder, or '' for none), log_paths (remote files), staging (local folder, made and
    owned by the controller), max_files, max_bytes, max_file_bytes, max_depth, timeout.
    Returns {webroot: local folder or None, logs: [local files], files, folders, bytes, duration};
    raises PullError.
    """
    started = time.monotonic()
    transfer = options.get("transfer")
    if transfer not in ("sftp", "ftps"):
        raise PullError("transfer must be sftp or ftps, not %r" % (transfer,), "bad-input")
    webroot = options.get("webroot") or ""
    if webroot:
        check_remote_path(webroot, "webroot")
    log_paths = list(options.get("log_paths") or [])
    for remote in log_paths:
        check_remote_path(remote, "log path")
        if remote.endswith("/") or remote == "/":
            raise PullError("log path %r must name a file" % remote, "bad-input")
    staging = Staging(
        options["staging"],
        int(options.get("max_files") or DEFAULT_MAX_FILES),
        int(options.get("max_bytes") or DEFAULT_MAX_BYTES),
        int(options.get("max_file_bytes") or DEFAULT_MAX_FILE_BYTES),
        int(options.get("max_depth") or DEFAULT_MAX_DEPTH),
    )
    local_webroot = staging.reset("webroot")
    local_logs = staging.reset("logs")
    jobs = []
    if webroot:
        jobs.append(("tree", webroot, local_webroot))
    logs = []
    for index, remote in enumerate(log_paths):
        # one local name per log: its position, then the host's base name (checked like any listed name)
        name = "%02d-%s" % (index, check_name(posixpath.basename(remote), "log_paths"))
        jobs.append(("file", remote, (local_logs, name)))
        logs.append(os.path.join(local_logs, name))
    timeout = float(options.get("timeout") or DEFAULT_TIMEOUT)
    options = dict(options, timeout=timeout)
    # the database first, so that the copy of the web root never holds this run's dump script
    dumped = _dump(options, webroot, staging.root) if options.get("dump") else None
    _transfer(options, "run", jobs, staging)
    result = {
        "webroot": local_webroot if webroot else None,
        "logs": logs,
        "files": staging.files,
        "folders": staging.folders,
        "bytes": staging.bytes,
        "duration": round(time.monotonic() - started, 3),
    }
    if dumped is not None:
        result["dump"] = dumped
        result["script_removed"] = dumped["script_removed"]
    return result


def _transfer(options: dict, what: str, *args):
    """One session with the hosting server: run the copy jobs (what=run) or change a folder (change)."""
    try:
        if options["transfer"] == "sftp":
            return _run_sftp(options, what, *args)
        return _run_ftps(options, what, *args)
    except socket.timeout:
        raise PullError(
            "the hosting server did not answer within %s s" % options["timeout"], "timeout"
        ) from None
    except (ConnectionError, EOFError) as error:
        raise PullError("the connection to the hosting server broke: %s" % error, "unreachable") from None


def _dump(options: dict, webroot: str, staging: str) -> dict:
    """The database through a one-shot dump endpoint (hosting_dump): upload the script into the web
    root, call it once, and remove it again whatever happened. Never raises: {status (ok | failed),
    path, bytes, sha256, tables, rows, error, script_removed, leftovers_removed}."""
    dump = options["dump"]
    out = {"status": "failed", "script_removed": False, "leftovers_removed": 0}
    try:
        if not webroot:
            raise PullError(
                "the dump endpoint needs court_hosting.webroot (where the script goes)", "bad-input"
            )
        with open(dump["script"], encoding="utf-8") as handle:
            run = hosting_dump.prepare(
                handle.read(), dump["database"], int(dump.get("ttl") or hosting_dump.DEFAULT_TTL)
            )
        url = hosting_dump.endpoint_url(dump.get("url"), run["name"], bool(dump.get("allow_http")))
    except (PullError, hosting_dump.EndpointError, OSError, KeyError) as error:
        out["error"] = {"kind": getattr(error, "kind", "bad-input"), "message": str(error)}
        out["script_removed"] = True  # nothing was uploaded
        return out
    remote = posixpath.join(webroot, run["name"])
    try:
        out["leftovers_removed"] = len(_transfer(options, "change", webroot, (run["name"], run["script"])))
        out.update(
            hosting_dump.fetch(
                url,
                run["token"],
                run["nonce"],
                os.path.join(staging, "database.sql"),
                cacert=dump.get("cacert"),
                max_bytes=int(dump.get("max_bytes") or hosting_dump.DEFAULT_MAX_BYTES),
                timeout=float(dump.get("timeout") or hosting_dump.DEFAULT_TIMEOUT),
            ),
            status="ok",
        )
    except Exception as error:  # noqa: BLE001  (whatever happened, the script is removed below)
        out["error"] = {"kind": getattr(error, "kind", "failed"), "message": str(error)}
    finally:
        # twice at most: a second session when the first one broke
        for _attempt in range(2):
            try:
                _transfer(options, "change", webroot, None)
                out["script_removed"] = True
                break
            except Exception as error:  # noqa: BLE001
                out["remove_error"] = "cannot remove %s: %s" % (remote, error)
    return out


def _run_sftp(options: dict, what: str, *args):
    try:
        import asyncssh  # noqa: F401  (only to say clearly when it is missing)
    except ImportError:
        raise PullError("SFTP needs the Python package asyncssh on the controller", "not-installed") from None
    import asyncio

    if not options.get("host_key"):
        raise PullError("host_key (the SFTP server's public host key) is required for sftp", "bad-input")
    if what == "change":
        return asyncio.run(_sftp_change(options, *args))
    return asyncio.run(_sftp_pull(options, *args))


def _run_ftps(options: dict, what: str, *args):
    try:
        client = _FTPS(
            options["host"],
            int(options["port"]),
            options["user"],
            options["password"],
            options.get("cacert"),
            options["timeout"],
        )
    except (OSError, EOFError) as error:
        if isinstance(error, PullError):
            raise
        raise PullError(
            "cannot connect to %s:%s: %s" % (options["host"], options["port"], error), "unreachable"
        ) from None
    try:
        if what == "change":
            return client.change(*args)
        jobs, staging = args
        for kind, remote, local in jobs:
            if kind == "tree":
                client.walk(staging, remote, local, 1)
            else:
                client.download(staging, remote, local[0], local[1])
        return None
    finally:
        client.close()
