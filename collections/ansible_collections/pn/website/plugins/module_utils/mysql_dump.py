# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MariaDB/MySQL dumps that are staged to a file and verified before anyone relies on them.

A dump counts only when mysqldump exited 0 AND the file ends with the "-- Dump completed" trailer:
a dump that stopped half way (wrong credentials, an unreadable table, a broken view, a full disk)
must fail the backup instead of ending up in a snapshot that looks good.

Credentials go to the client through a temporary defaults file (mode 0600), never on the command
line, so they never show in `ps` or in error messages. Standard library only (runs on court servers).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time

DUMP_OPTIONS = (
    "--single-transaction",
    "--routines",
    "--events",
    "--triggers",
    "--hex-blob",
    "--default-character-set=utf8mb4",
)
TRAILER = b"-- Dump completed"


class DumpError(Exception):
    """A dump or import that did not complete; `kind` is a stable machine-readable reason."""

    def __init__(self, message: str, kind: str = "dump-failed", exit_code: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code


def _defaults_file(database: dict, directory: str | None = None) -> str | None:
    """A temporary [client] option file holding the credentials (0600), or None to use the caller's."""
    lines = []
    for key in ("user", "password", "host", "port", "socket"):
        value = database.get(key)
        if value not in (None, ""):
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append('%s="%s"' % (key, text))
    if not lines:
        return None
    fd, path = tempfile.mkstemp(prefix=".pn-db-", suffix=".cnf", dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write("[client]\n" + "\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def _client_args(binary: str, database: dict, defaults: str | None) -> list:
    args = [binary]
    # --defaults-extra-file must come first; a configured file (e.g. /root/.my.cnf) is read as well.
    if defaults:
        args.append("--defaults-extra-file=" + defaults)
    elif database.get("defaults_file"):
        args.append("--defaults-extra-file=" + str(database["defaults_file"]))
    return args


def _scrub(text: str, database: dict) -> str:
    secret = database.get("password")
    if secret:
        text = text.replace(str(secret), "********")
    return text.strip()


def tail_has_trailer(path: str) -> bool:
    """Whether the last lines of a dump file carry mysqldump's completion trailer."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return bool(lines) and lines[-1].startswith(TRAILER)


def dump(database: dict, out_path: str, binary: str = "mysqldump", timeout: float | None = None) -> dict:
    """Dump database['name'] to out_path (through out_path + '.partial'), verified.

    Returns {path, bytes, sha256, exit_code, trailer, verified, duration}. Raises DumpError when the
    dump did not complete; no file is left at out_path then (a stale one from an earlier run is
    removed too, so it can never be backed up by mistake).
    """
    name = database.get("name")
    if not name:
        raise DumpError("database name is missing", kind="bad-input")
    directory = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    partial = out_path + ".partial"
    for stale in (out_path, partial):
        if os.path.exists(stale):
            os.unlink(stale)
    started = time.monotonic()
    defaults = _defaults_file(database, directory)
    try:
        args = _client_args(binary, database, defaults) + list(DUMP_OPTIONS) + ["--databases", str(name)]
        old_umask = os.umask(0o077)
        try:
            with open(partial, "wb") as handle:
                try:
                    proc = subprocess.run(
                        args, stdout=handle, stderr=subprocess.PIPE, timeout=timeout, check=False
                    )
                except FileNotFoundError:
                    raise DumpError("%s is not installed" % binary, kind="dump-failed") from None
                except subprocess.TimeoutExpired:
                    raise DumpError(
                        "%s did not finish within %ss" % (binary, timeout), kind="dump-failed"
                    ) from None
        finally:
            os.umask(old_umask)
    finally:
        if defaults:
            os.unlink(defaults)
    stderr = _scrub(proc.stderr.decode("utf-8", "replace"), database)
    trailer = tail_has_trailer(partial)
    if proc.returncode != 0 or not trailer:
        os.unlink(partial)
        reason = stderr.splitlines()[-1] if stderr else "no error message"
        if proc.returncode == 0:
            reason = "the dump ended without the '-- Dump completed' trailer"
        kind = "dump-failed"
        if "Access denied" in stderr:
            kind = "db-access-denied"
        elif "No space left" in stderr or "Errcode: 28" in stderr:
            kind = "no-space"
        raise DumpError(
            "mysqldump of '%s' failed (exit %s): %s" % (name, proc.returncode, reason),
            kind=kind,
            exit_code=proc.returncode,
        )
    digest = hashlib.sha256()
    with open(partial, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    os.replace(partial, out_path)
    return {
        "path": out_path,
        "bytes": os.path.getsize(out_path),
        "sha256": digest.hexdigest(),
        "exit_code": proc.returncode,
        "trailer": True,
        "verified": True,
        "duration": round(time.monotonic() - started, 3),
    }


def query(database: dict, sql: str, binary: str = "mysql", timeout: float | None = 300) -> list:
    """Rows (lists of strings) of a query run with the mysql client in batch mode."""
    defaults = _defaults_file(database)
    try:
        args = _client_args(binary, database, defaults) + ["-N", "-B", "-e", sql]
        if database.get("name"):
            args.append(str(database["name"]))
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except FileNotFoundError:
            raise DumpError("%s is not installed" % binary, kind="db-failed") from None
    finally:
        if defaults:
            os.unlink(defaults)
    if proc.returncode != 0:
        message = _scrub(proc.stderr.decode("utf-8", "replace"), database)
        kind = "db-access-denied" if "Access denied" in message else "db-failed"
        raise DumpError("mysql query failed: %s" % message, kind=kind, exit_code=proc.returncode)
    text = proc.stdout.decode("utf-8", "replace")
    return [line.split("\t") for line in text.splitlines() if line]


def table_checksums(database: dict, binary: str = "mysql") -> dict:
    """{table: {"rows": n, "checksum": "..."}} for every base table of the database."""
    name = str(database.get("name"))
    quoted_schema = name.replace("'", "''")
    tables = [
        row[0]
        for row in query(
            database,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = '%s' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name" % quoted_schema,
            binary,
        )
    ]
    if not tables:
        return {}
    statements = []
    for table in tables:
        ident = "`%s`" % table.replace("`", "``")
        statements.append("SELECT '%s', COUNT(*) FROM %s" % (table.replace("'", "''"), ident))
    counts = {row[0]: int(row[1]) for row in query(database, "; ".join(statements), binary)}
    idents = ", ".join("`%s`" % t.replace("`", "``") for t in tables)
    checksums = {}
    for row in query(database, "CHECKSUM TABLE %s EXTENDED" % idents, binary):
        table = row[0].split(".", 1)[-1]
        checksums[table] = row[1] if len(row) > 1 else ""
    return {t: {"rows": counts.get(t, 0), "checksum": checksums.get(t, "")} for t in tables}


def import_dump(database: dict, dump_path: str, binary: str = "mysql", timeout: float | None = None) -> dict:
    """Load a verified dump (it names its database with CREATE DATABASE/USE) into the server."""
    if not tail_has_trailer(dump_path):
        raise DumpError("%s is not a complete dump (no trailer); refusing to import" % dump_path)
    started = time.monotonic()
    admin = dict(database)
    admin.pop("name", None)
    defaults = _defaults_file(admin)
    try:
        args = _client_args(binary, admin, defaults)
        with open(dump_path, "rb") as handle:
            try:
                proc = subprocess.run(args, stdin=handle, capture_output=True, timeout=timeout, check=False)
            except FileNotFoundError:
                raise DumpError("%s is not installed" % binary, kind="db-failed") from None
    finally:
        if defaults:
            os.unlink(defaults)
    if proc.returncode != 0:
        message = _scrub(proc.stderr.decode("utf-8", "replace"), database)
        raise DumpError("importing %s failed: %s" % (dump_path, message), kind="import-failed")
    return {"imported": dump_path, "duration": round(time.monotonic() - started, 3)}


def _account(user: str, host: str) -> str:
    return "'%s'@'%s'" % (user.replace("'", "''"), host.replace("'", "''"))


def user_grants(database: dict, binary: str = "mysql") -> str:
    """SQL that recreates the accounts holding privileges on the database (with their password
    hashes), so that a restore onto another server lets the site log in with its own configuration.
    Needs read access to mysql.db (root over the unix socket on a court server)."""
    admin = dict(database)
    name = str(admin.pop("name", ""))
    rows = query(admin, "SELECT User, Host FROM mysql.db WHERE Db = '%s'" % name.replace("'", "''"), binary)
    statements = []
    for user, host in sorted({(row[0], row[1]) for row in rows if len(row) >= 2 and row[0]}):
        account = _account(user, host)
        create = query(admin, "SHOW CREATE USER %s" % account, binary)
        grants = query(admin, "SHOW GRANTS FOR %s" % account, binary)
        statements.append("DROP USER IF EXISTS %s;" % account)
        statements.extend(row[0] + ";" for row in create)
        statements.extend(row[0] + ";" for row in grants)
    return "".join(line + "\n" for line in statements)


def run_sql_file(database: dict, path: str, binary: str = "mysql", timeout: float | None = None) -> None:
    admin = dict(database)
    admin.pop("name", None)
    defaults = _defaults_file(admin)
    try:
        with open(path, "rb") as handle:
            proc = subprocess.run(
                _client_args(binary, admin, defaults),
                stdin=handle,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
    finally:
        if defaults:
            os.unlink(defaults)
    if proc.returncode != 0:
        message = _scrub(proc.stderr.decode("utf-8", "replace"), database)
        raise DumpError("running %s failed: %s" % (path, message), kind="import-failed")
