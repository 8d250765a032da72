# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MariaDB/MySQL dumps that are staged to a file and verified before anyone relies on them.

A dump counts only when mysqldump exited 0 AND the file ends with the "-- Dump completed" trailer:
a dump that stopped half way (wrong credentials, an unreadable table, a broken view, a full disk)
must fail the backup instead of ending up in a snapshot that looks good.

Credentials go to the client through a temporary defaults file (mode 0600), never on the command
line, so they never show in `ps` or in error messages. The mysql client always runs with
--local-infile=0 (after every option file, so no ~/.my.cnf can turn it on): a server, such as a shared
host's remote MySQL, must never be able to ask it for a file of this machine (LOAD DATA LOCAL).
mysqldump has no such option and never answers such a request. Standard library only (runs on court
servers).
"""

from __future__ import annotations

import hashlib
import os
import re
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


def _client_args(binary: str, database: dict, defaults: str | None, client: bool = True) -> list:
    """The client's first arguments; CLIENT: the mysql client (not mysqldump), which gets --local-infile=0."""
    args = [binary]
    # --defaults-extra-file must come first; a configured file (e.g. /root/.my.cnf) is read as well.
    if defaults:
        args.append("--defaults-extra-file=" + defaults)
    elif database.get("defaults_file"):
        args.append("--defaults-extra-file=" + str(database["defaults_file"]))
    if client:
        # the command line wins over every option file: no server can read a local file through us
        args.append("--local-infile=0")
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
        args = (
            _client_args(binary, database, defaults, client=False)
            + list(DUMP_OPTIONS)
            + ["--databases", str(name)]
        )
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


def adopt(source: str, out_path: str, name: str) -> dict:
    """Take over a dump made elsewhere (a shared host's one-shot dump endpoint) as if dump() had written
    it: it must end with the "-- Dump completed" trailer and pass check_dump (no client command, no
    other database than NAME); it is then moved to OUT_PATH. Same answer as dump(); DumpError (and no
    file at OUT_PATH) otherwise."""
    started = time.monotonic()
    if os.path.lexists(out_path):
        os.unlink(out_path)
    if not os.path.isfile(source) or os.path.islink(source):
        raise DumpError("no dump to take over at %s" % source, kind="dump-failed")
    try:
        check_dump(source, name, sandbox=True)
    except DumpError as error:
        raise DumpError(str(error).replace("import", "back up"), kind="dump-failed") from None
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    os.chmod(source, 0o600)
    os.replace(source, out_path)
    return {
        "path": out_path,
        "bytes": os.path.getsize(out_path),
        "sha256": digest.hexdigest(),
        "exit_code": 0,
        "trailer": True,
        "verified": True,
        "adopted": True,
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


def client_supports_sandbox(binary: str = "mysql") -> bool:
    """Whether the mysql client has --sandbox (MariaDB 10.5.25, 10.6.18, 10.11.8, 11.x and later):
    then it refuses the client commands that reach the file system or a shell."""
    if binary not in _SANDBOX_CACHE:
        try:
            proc = subprocess.run(
                [binary, "--no-defaults", "--help"], capture_output=True, timeout=30, check=False
            )
            _SANDBOX_CACHE[binary] = b"--sandbox" in proc.stdout
        except (OSError, subprocess.TimeoutExpired):
            _SANDBOX_CACHE[binary] = False
    return _SANDBOX_CACHE[binary]


_SANDBOX_CACHE: dict = {}

# -- reading a dump as the mysql client reads it -----------------------------------------------------
# A dump from a snapshot is the court's word, not mysqldump's. Before the client sees it, it is read
# the way the client reads it (quotes with backslash escapes, comments, the delimiter, a command as
# the first word of a statement) and refused when it holds a client command: `\!` or `system` would
# run a shell, `\.`/`source` read and `\T`/`tee` write files. `\-` (turn the sandbox on) is what
# mariadb-dump writes on its first line, `\N` is NULL; USE and DELIMITER (at the start of a
# statement) are the only named commands a dump needs.
NAMED_COMMANDS = frozenset(
    (
        "?", "charset", "clear", "connect", "delimiter", "edit", "ego", "exit", "go", "help",
        "nopager", "notee", "nowarning", "pager", "print", "prompt", "quit", "rehash", "source",
        "status", "system", "tee", "use", "warnings",
    )
)  # fmt: skip
_SPACE = " \t\r\n\x0b\x0c"
_HEAD_WORD = re.compile(r"[^\s;]*")
_CREATE_DATABASE = re.compile(
    r"CREATE\s+(?:DATABASE|SCHEMA)\s+(?:/\*!\d+\s*IF\s+NOT\s+EXISTS\s*\*/\s*|IF\s+NOT\s+EXISTS\s+)?"
    r"(`(?:[^`]|``)+`|[\w$]+)",
    re.IGNORECASE,
)
_DEFINER_VALUE = re.compile(
    r"\s*=\s*(CURRENT_USER(?:\s*\(\s*\))?|(`(?:[^`]|``)*`|'(?:[^'\\]|'')*'|[\w.$-]+)"
    r"(?:\s*@\s*(`(?:[^`]|``)*`|'(?:[^'\\]|'')*'|[\w.%$-]+))?)",
    re.IGNORECASE,
)
_QUOTE_END = {"'": re.compile(r"[\\']"), '"': re.compile(r'[\\"]'), "`": re.compile(r"[\\`]")}
# Without the client's sandbox, its reading of strings must not change half way (the client follows
# the server's NO_BACKSLASH_ESCAPES): sql_mode may only be saved, set to a literal without it, and
# restored, as mysqldump does.
_SQL_MODE = re.compile(
    r"NO_BACKSLASH_ESCAPES|@@sql_mode\b|@old_sql_mode\b|@saved_sql_mode\b|(?<![\w@])sql_mode\b", re.I
)
_SAVE_MODE = re.compile(r"@(?:old|saved)_sql_mode\s*:?=\s*$", re.I)
_SET_MODE = re.compile(r"(?<![\w@])sql_mode\s*:?=\s*$", re.I)
_MODE_VALUE = re.compile(r"\s*:?=\s*(?:'[^'\\]*'|@old_sql_mode\b|@saved_sql_mode\b)", re.I)
_SAVED_FROM = re.compile(r"\s*:?=\s*@@sql_mode\b", re.I)
SCAN_LIMIT = 50  # problems listed at most
_LOOKAHEAD = 512  # characters a token needs to be recognised (DEFINER=`user`@`host`)


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "`'\"":
        return name[1:-1].replace(name[0] * 2, name[0])
    return name


def _special(delimiter: str):
    # the client's order of precedence: backslash, delimiter, comments, quotes (a whole quoted string
    # at once when it ends in the buffer: most of a dump is strings)
    strings = "|".join(r"%s[^%s\\]*(?:\\[\s\S][^%s\\]*)*%s" % (q, q, q, q) for q in "'\"`")
    return re.compile(
        r"\\|"
        + re.escape(delimiter)
        + r"|#|--|/\*|"
        + strings
        + r"""|['"`]|(?i:delimiter )|(?i:\bDEFINER\b)"""
    )


def scan_dump(path: str, chunk_size: int = 1 << 20) -> dict:
    """What a dump asks of the mysql client and the server: {commands: [problems], databases: [names
    it creates or uses], definers: [user@host of DEFINER clauses], statements: n}.

    Reads in chunks, so memory stays bounded whatever the line lengths; bytes are kept 1:1 (latin-1):
    the client reads the dump as utf8mb4, whose multi-byte characters never hold an ASCII byte."""
    commands, databases, definers = [], set(), set()
    state, delimiter, head = "sql", ";", True
    special = _special(delimiter)
    lines_before, buf, eof, statements = 0, "", False, 0

    def problem(at: int, text: str) -> None:
        if len(commands) < SCAN_LIMIT:
            commands.append("line %d: %s" % (lines_before + buf.count("\n", 0, at) + 1, text))

    with open(path, "rb") as handle:
        while True:
            data = handle.read(chunk_size)
            eof = not data
            buf += data.decode("latin-1")
            n, pos = len(buf), 0
            while pos < n:
                if state == "sql" and head:
                    while pos < n and buf[pos] in _SPACE:
                        pos += 1
                    if pos >= n:
                        break
                    eol = buf.find("\n", pos)
                    if eol < 0:
                        if not eof and n - pos < 65536:
                            break  # the rest of this line comes with the next chunk
                        eol = n
                    if buf.startswith(("#", "--"), pos):
                        pos = eol  # a comment where a statement starts: the client skips the line
                        continue
                    if buf.startswith("/*", pos) and not buf.startswith(("/*!", "/*M!"), pos):
                        state, pos = "block", pos + 2
                        continue
                    line = buf[pos:eol]
                    word = _HEAD_WORD.match(line).group(0).lower()
                    if word in NAMED_COMMANDS:
                        argument = line[len(word) :].split()
                        if word == "delimiter" and argument and "\\" not in argument[0]:
                            delimiter = argument[0]
                            special = _special(delimiter)
                        elif word == "use" and argument:
                            databases.add(_unquote(argument[0].rstrip(";").rstrip(delimiter)))
                        else:
                            problem(pos, "client command %r" % line.strip()[:60])
                        pos = eol
                        continue
                    match = _CREATE_DATABASE.match(line)
                    if match:
                        databases.add(_unquote(match.group(1)))
                    head = False
                    continue
                if state == "sql":
                    match = special.search(buf, pos)
                    if not match:
                        pos = n if eof else max(pos, n - max(16, len(delimiter)))
                        break
                    at = match.start()
                    if at + _LOOKAHEAD > n and not eof:
                        pos = at
                        break
                    token = match.group(0)
                    if token == "\\":
                        if buf[at + 1 : at + 2] not in ("-", "N"):
                            problem(at, "client command %r" % buf[at : at + 30].split("\n")[0])
                        pos = at + 2
                    elif token == delimiter:
                        pos, head = at + len(token), True
                        statements += 1
                    elif token == "#" or (token == "--" and (at + 2 >= n or buf[at + 2] in _SPACE)):
                        state, pos = "line", at + len(token)
                    elif token == "--":
                        pos = at + 2
                    elif token == "/*":
                        if buf.startswith(("/*!", "/*M!"), at):
                            pos = at + 2  # executable comment: the client reads it as SQL
                        else:
                            state, pos = "block", at + 2
                    elif token in ("'", '"', "`"):
                        state, pos = token, at + 1  # a string that goes on in the next chunk
                    elif token[0] in "'\"`":
                        pos = match.end()  # a whole quoted string
                    elif token.lower() == "delimiter ":
                        problem(at, "DELIMITER inside a statement")
                        pos = at + len(token)
                    else:  # DEFINER=: whose name views, triggers and routines run in
                        value = _DEFINER_VALUE.match(buf, match.end())
                        if value and value.group(1).upper().startswith("CURRENT_USER"):
                            definers.add("CURRENT_USER")
                        elif value:
                            user, host = _unquote(value.group(2)), _unquote(value.group(3) or "%")
                            definers.add("%s@%s" % (user, host))
                        pos = match.end()
                elif state in _QUOTE_END:
                    match = _QUOTE_END[state].search(buf, pos)
                    if not match:
                        pos = n
                        break
                    if match.group(0) == "\\":
                        if match.start() + 1 >= n and not eof:
                            pos = match.start()
                            break
                        pos = match.start() + 2  # the client skips the escaped character
                    else:
                        state, pos = "sql", match.end()
                elif state == "line":
                    end = buf.find("\n", pos)
                    if end < 0:
                        pos = n
                        break
                    state, pos = "sql", end + 1
                else:  # a /* comment */: the client ignores what is inside
                    end = buf.find("*/", pos)
                    if end < 0:
                        pos = n if eof else max(pos, n - 1)
                        break
                    state, pos = "sql", end + 2
            lines_before += buf.count("\n", 0, pos)
            buf = buf[pos:]
            if eof:
                break
    return {
        "commands": commands,
        "databases": sorted(databases),
        "definers": sorted(definers),
        "statements": statements,
    }


def _changes_sql_mode(path: str) -> int:
    """The first line that changes sql_mode otherwise than mysqldump does (0: none)."""
    tail, number = "", 0
    with open(path, "rb") as handle:
        for raw in iter(lambda: handle.readline(1 << 20), b""):
            text = raw.decode("latin-1")
            window = tail + text
            for match in _SQL_MODE.finditer(window):
                token, before = match.group(0).lower(), window[: match.start()][-64:]
                after = window[match.end() : match.end() + 300]
                if token == "@@sql_mode":
                    ok = bool(_SAVE_MODE.search(before))
                elif token in ("@old_sql_mode", "@saved_sql_mode"):
                    ok = bool(_SAVED_FROM.match(after) or _SET_MODE.search(before))
                elif token == "sql_mode":
                    ok = bool(_MODE_VALUE.match(after))
                else:  # NO_BACKSLASH_ESCAPES
                    ok = False
                if not ok:
                    return number + 1
            if text.endswith("\n"):
                number += 1
                tail = ""
            else:
                tail = text[-256:]
    return 0


def check_dump(path: str, name: str, sandbox: bool) -> dict:
    """Refuse a dump that holds client commands, creates or uses another database than `name` (the
    court's, from the inventory), or (without the client's sandbox) changes how strings are read."""
    if not tail_has_trailer(path):
        raise DumpError("%s is not a complete dump (no trailer); refusing to import" % path, "import-refused")
    scan = scan_dump(path)
    problems = list(scan["commands"])
    others = [db for db in scan["databases"] if db != name]
    if others:
        problems.append("uses database(s) %s, not the court's %s" % (", ".join(others[:5]), name))
    if not sandbox:
        line = _changes_sql_mode(path)
        if line:
            problems.append("line %d: changes sql_mode (how the client reads strings)" % line)
    if problems:
        raise DumpError(
            "the dump %s is refused (%s)" % (os.path.basename(path), "; ".join(problems[:10])),
            kind="import-refused",
        )
    return scan


def _random_password() -> str:
    return "Pn1-" + os.urandom(18).hex()


def _quote_identifier(name: str) -> str:
    return "`%s`" % name.replace("`", "``")


def _quote_string(text: str) -> str:
    return "'%s'" % text.replace("\\", "\\\\").replace("'", "''")


def execute(
    database: dict,
    sql: str,
    binary: str = "mysql",
    timeout: float | None = 300,
    sandbox: bool = False,
    stdin_path: str | None = None,
) -> None:
    """Run SQL (or the file stdin_path) with the mysql client, SQL through stdin (never argv: it may
    hold a password)."""
    defaults = _defaults_file(database)
    try:
        args = _client_args(binary, database, defaults) + ["--batch", "--default-character-set=utf8mb4"]
        if sandbox:
            args.append("--sandbox")
        if database.get("name"):
            args.append(str(database["name"]))
        try:
            if stdin_path:
                with open(stdin_path, "rb") as handle:
                    proc = subprocess.run(
                        args, stdin=handle, capture_output=True, timeout=timeout, check=False
                    )
            else:
                proc = subprocess.run(
                    args, input=sql.encode("utf-8"), capture_output=True, timeout=timeout, check=False
                )
        except FileNotFoundError:
            raise DumpError("%s is not installed" % binary, kind="db-failed") from None
        except subprocess.TimeoutExpired:
            message = "%s did not finish within %ss" % (binary, timeout)
            raise DumpError(message, kind="import-failed") from None
    finally:
        if defaults:
            os.unlink(defaults)
    if proc.returncode != 0:
        message = _scrub(proc.stderr.decode("utf-8", "replace"), database)
        for secret in re.findall(r"IDENTIFIED BY '([^']+)'", sql or ""):
            message = message.replace(secret, "********")
        raise DumpError(message[-1000:] or "exit %s" % proc.returncode, kind="import-failed")


def import_dump(
    database: dict,
    dump_path: str,
    binary: str = "mysql",
    timeout: float | None = None,
    accounts: list | None = None,
    scan: dict | None = None,
) -> dict:
    """Load a dump from a snapshot into the court's database (database['name'], from the inventory).

    The dump is checked first (check_dump), then fed to the client in sandbox mode where the client
    has it, logged in as an account whose privileges end at that database: a temporary account,
    removed afterwards, or, when the dump defines views, triggers or routines in the name of the
    court's own account, that account (one of `accounts`, from parse_accounts), whose password is
    put back afterwards. `database` holds the administrator's connection (root over the unix socket
    when it has no credentials) that creates these accounts; it never reads the dump. `scan` is
    check_dump's answer when the caller checked the dump already."""
    name = str(database.get("name") or "")
    if not name:
        raise DumpError("no database name (court_db.name) to restore into", kind="bad-input")
    sandbox = client_supports_sandbox(binary)
    scan = scan or check_dump(dump_path, name, sandbox)
    definers = sorted(set(scan["definers"]) - {"CURRENT_USER"})
    known = {"%s@%s" % (a["user"], a["host"]): a for a in accounts or []}
    importer = None
    if definers:
        if len(definers) > 1 or definers[0] not in known:
            raise DumpError(
                "the dump defines views, triggers or routines as %s; only the court's own account"
                " (court_db.user, restored from grants.sql) can own them" % ", ".join(definers[:5]),
                kind="import-refused",
            )
        importer = known[definers[0]]
    started = time.monotonic()
    admin = {key: value for key, value in database.items() if key != "name"}
    local = str(database.get("host") or "localhost") in ("localhost", "127.0.0.1", "::1")
    if importer:
        user, host = importer["user"], importer["host"]
    else:
        user, host = "pn_restore_%s" % os.urandom(4).hex(), "localhost" if local else "%"
    account = "%s@%s" % (_quote_string(user), _quote_string(host))
    password = _random_password()
    execute(
        admin,
        "CREATE DATABASE IF NOT EXISTS %s;\n" % _quote_identifier(name)
        + "DROP USER IF EXISTS %s;\n" % account
        + "CREATE USER %s IDENTIFIED BY %s;\n" % (account, _quote_string(password))
        + "GRANT ALL PRIVILEGES ON %s.* TO %s;\n" % (_quote_identifier(name), account),
        binary,
    )
    client = {"user": user, "password": password, "name": name}
    for key in ("host", "port", "socket"):
        if database.get(key) not in (None, ""):
            client[key] = database[key]
    try:
        execute(client, "", binary, timeout=timeout, sandbox=sandbox, stdin_path=dump_path)
    except DumpError as error:
        message = "importing %s failed: %s" % (os.path.basename(dump_path), error)
        raise DumpError(message, error.kind) from None
    finally:
        if importer:
            _create_account(admin, importer, name, binary)  # its own password and privileges again
        else:
            execute(admin, "DROP USER IF EXISTS %s;\n" % account, binary)
    return {
        "imported": dump_path,
        "database": name,
        "account": "%s@%s" % (user, host) if importer else "temporary",
        "sandbox": sandbox,
        "statements": scan["statements"],
        "duration": round(time.monotonic() - started, 3),
    }


# -- database accounts from a snapshot (grants.sql) --------------------------------------------------
_ACCOUNT = (
    r"(?:`(?P<{0}u>[A-Za-z0-9_.-]{{1,80}})`|'(?P<{0}q>[A-Za-z0-9_.-]{{1,80}})')@"
    r"(?:`(?P<{0}h>[A-Za-z0-9_.%:-]{{1,255}})`|'(?P<{0}p>[A-Za-z0-9_.%:-]{{1,255}})')"
)
_AUTH = (
    r"(?:\s+IDENTIFIED\s+(?:BY\s+PASSWORD\s+'(?P<hash>\*[0-9A-F]{40})'"
    r"|VIA\s+(?P<plugin>mysql_native_password|ed25519)\s+USING\s+'(?P<using>[A-Za-z0-9*+/=.$-]{1,200})'))?"
)
_DROP_USER = re.compile(r"^DROP USER IF EXISTS " + _ACCOUNT.format("a") + r"$")
_CREATE_USER = re.compile(r"^CREATE USER " + _ACCOUNT.format("a") + _AUTH + r"$")
_GRANT = re.compile(
    r"^GRANT (?P<privileges>[A-Z ,]+?) ON (?P<on>\*|`(?:[^`]|``)+`)\.\* TO "
    + _ACCOUNT.format("a")
    + r"(?:\s+IDENTIFIED\s+BY\s+PASSWORD\s+'\*[0-9A-F]{40}'|\s+IDENTIFIED\s+VIA\s+\w+\s+USING\s+'[^'\\]*')?$"
)
DATABASE_PRIVILEGES = frozenset(
    (
        "ALL PRIVILEGES", "ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE", "CREATE TEMPORARY TABLES",
        "CREATE VIEW", "DELETE", "DELETE HISTORY", "DROP", "EVENT", "EXECUTE", "INDEX", "INSERT",
        "LOCK TABLES", "REFERENCES", "SELECT", "SHOW CREATE ROUTINE", "SHOW VIEW", "TRIGGER", "UPDATE",
    )
)  # fmt: skip
GRANTS_LIMIT = 1 << 20


def _who(match) -> tuple:
    return (match.group("au") or match.group("aq"), match.group("ah") or match.group("ap"))


def parse_accounts(path: str, name: str, users: list) -> dict:
    """The accounts of grants.sql (written by user_grants at backup time) that may be restored: only
    users the inventory names (court_db.user), with privileges on the court's database `name` only and
    a password hash; everything else is skipped and said. {accounts: [{user, host, auth, privileges}],
    skipped: [reasons]}."""
    accounts, skipped = {}, []
    if os.path.getsize(path) > GRANTS_LIMIT:
        return {"accounts": [], "skipped": ["grants.sql is larger than %d bytes" % GRANTS_LIMIT]}
    with open(path, encoding="utf-8", errors="replace") as handle:
        statements = [line.strip().rstrip(";") for line in handle if line.strip()]
    for statement in statements:
        drop, create, grant = (p.match(statement) for p in (_DROP_USER, _CREATE_USER, _GRANT))
        match = drop or create or grant
        if not match:
            skipped.append("not understood: %s" % statement[:80])
            continue
        user, host = _who(match)
        if user not in users:
            skipped.append("%s@%s: not the court's account (court_db.user)" % (user, host))
            continue
        entry = accounts.setdefault(
            (user, host), {"user": user, "host": host, "auth": None, "privileges": []}
        )
        if create:
            if create.group("hash"):
                entry["auth"] = ("password", create.group("hash"))
            elif create.group("plugin"):
                entry["auth"] = (create.group("plugin"), create.group("using"))
        elif grant:
            on = grant.group("on")
            privileges = [p.strip() for p in grant.group("privileges").split(",")]
            if on == "*":
                if privileges != ["USAGE"]:
                    skipped.append("%s@%s: global privileges %s" % (user, host, ", ".join(privileges)))
                continue
            if _unquote(on).replace("\\_", "_").replace("\\%", "%") != name:
                skipped.append("%s@%s: privileges on another database %s" % (user, host, on))
                continue
            if not set(privileges) <= DATABASE_PRIVILEGES:
                skipped.append("%s@%s: privileges %s" % (user, host, ", ".join(privileges)))
                continue
            entry["privileges"] += [p for p in privileges if p not in entry["privileges"]]
    usable = []
    for (user, host), entry in sorted(accounts.items()):
        if entry["auth"] is None:
            skipped.append("%s@%s: no password hash" % (user, host))
        else:
            usable.append(entry)
    return {"accounts": usable, "skipped": skipped}


def _create_account(admin: dict, account: dict, name: str, binary: str = "mysql") -> None:
    who = "%s@%s" % (_quote_string(account["user"]), _quote_string(account["host"]))
    kind, value = account["auth"]
    if kind == "password":
        auth = "IDENTIFIED BY PASSWORD %s" % _quote_string(value)
    else:
        auth = "IDENTIFIED VIA %s USING %s" % (kind, _quote_string(value))
    sql = "DROP USER IF EXISTS %s;\nCREATE USER %s %s;\n" % (who, who, auth)
    if account["privileges"]:
        sql += "GRANT %s ON %s.* TO %s;\n" % (", ".join(account["privileges"]), _quote_identifier(name), who)
    execute(admin, sql, binary)


def restore_accounts(admin: dict, accounts: list, name: str, binary: str = "mysql") -> list:
    """Recreate the accounts parse_accounts accepted (statements written here, never the file's)."""
    for account in accounts:
        _create_account(admin, account, name, binary)
    return ["%s@%s" % (a["user"], a["host"]) for a in accounts]


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
