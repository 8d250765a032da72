# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified database dumps: a dump counts only with exit 0 AND the '-- Dump completed' trailer, and
credentials travel in a 0600 option file, never on the command line.

The client programs are small shell stand-ins that behave like mysqldump/mysql at their edges (exit
status, partial output, error text); the real MariaDB is exercised by the fleet tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils import mysql_dump

PASSWORD = "Db-Pass-91c2"


def client(tmp_path: Path, name: str, body: str) -> str:
    """A stand-in client that records its argv and a copy of its option file."""
    script = tmp_path / name
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {tmp_path}/argv.log\n'
        'for a in "$@"; do case "$a" in --defaults-extra-file=*) '
        f'f="${{a#*=}}"; cat "$f" >> {tmp_path}/options.log; '
        f'stat -c %a "$f" >> {tmp_path}/options.log;; esac; done\n' + body
    )
    script.chmod(0o755)
    return str(script)


COMPLETE = (
    "echo '-- MariaDB dump 10.19'\necho 'CREATE TABLE `news` (id int);'\n"
    "echo '-- Dump completed on 2026-11-23'\n"
)


def test_complete_dump_is_verified_and_credentials_stay_off_argv(tmp_path):
    binary = client(tmp_path, "mysqldump", COMPLETE)
    out = tmp_path / "staging" / "database.sql"
    result = mysql_dump.dump(
        {"name": "court", "user": "court", "password": PASSWORD}, str(out), binary=binary
    )
    assert result["verified"] is True and result["exit_code"] == 0 and result["bytes"] == out.stat().st_size
    assert len(result["sha256"]) == 64
    argv = (tmp_path / "argv.log").read_text()
    assert PASSWORD not in argv
    for option in ("--single-transaction", "--routines", "--events", "--triggers", "--hex-blob", "court"):
        assert option in argv
    options = (tmp_path / "options.log").read_text()
    assert f'password="{PASSWORD}"' in options and options.strip().endswith("600")
    assert not list((tmp_path / "staging").glob(".pn-db-*"))  # option file removed
    assert oct(out.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    "body, kind, exit_code",
    [
        (
            "echo '-- MariaDB dump'\necho 'CREATE TABLE a (id int);'\n"
            "echo \"mysqldump: Couldn't execute 'show create table `broken`': View 'court.broken' "
            'references invalid table(s)" >&2\nexit 2\n',
            "dump-failed",
            2,
        ),
        (
            f"echo \"mysqldump: Got error: 1045: Access denied for user 'court'@'localhost' "
            f'(using password: YES) {PASSWORD}" >&2\nexit 2\n',
            "db-access-denied",
            2,
        ),
        # exit 0 but cut short: no trailer (what restic --stdin would have stored as a good snapshot)
        ("echo '-- MariaDB dump'\necho 'INSERT INTO news VALUES (1'\n", "dump-failed", 0),
    ],
)
def test_incomplete_dumps_fail_and_leave_no_file(tmp_path, body, kind, exit_code):
    out = tmp_path / "database.sql"
    out.write_text("-- an old dump from yesterday\n-- Dump completed on 2026-11-22\n")
    binary = client(tmp_path, "mysqldump", body)
    with pytest.raises(mysql_dump.DumpError) as error:
        mysql_dump.dump({"name": "court", "user": "court", "password": PASSWORD}, str(out), binary=binary)
    assert error.value.kind == kind and error.value.exit_code == exit_code
    assert PASSWORD not in str(error.value)
    assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_missing_client_and_missing_name_are_clear(tmp_path):
    with pytest.raises(mysql_dump.DumpError, match="not installed"):
        mysql_dump.dump({"name": "court"}, str(tmp_path / "d.sql"), binary=str(tmp_path / "nope"))
    with pytest.raises(mysql_dump.DumpError, match="database name"):
        mysql_dump.dump({}, str(tmp_path / "d.sql"))


def test_table_checksums_and_grants_from_the_client(tmp_path):
    body = (
        'case "$*" in\n'
        "  *information_schema.tables*) printf 'news\\nsettings\\n';;\n"
        "  *COUNT*) printf 'news\\t12\\nsettings\\t2\\n';;\n"
        "  *CHECKSUM*) printf 'court.news\\t1234\\ncourt.settings\\t99\\n';;\n"
        "  *mysql.db*) printf 'court\\tlocalhost\\n';;\n"
        "  *'SHOW CREATE USER'*) "
        "printf \"CREATE USER \\`court\\`@\\`localhost\\` IDENTIFIED BY PASSWORD '*AB'\\n\";;\n"
        "  *'SHOW GRANTS'*) printf 'GRANT ALL PRIVILEGES ON `court`.* TO `court`@`localhost`\\n';;\n"
        "esac\n"
    )
    binary = client(tmp_path, "mysql", body)
    tables = mysql_dump.table_checksums({"name": "court"}, binary=binary)
    assert tables == {"news": {"rows": 12, "checksum": "1234"}, "settings": {"rows": 2, "checksum": "99"}}
    grants = mysql_dump.user_grants({"name": "court"}, binary=binary)
    assert grants.splitlines()[0] == "DROP USER IF EXISTS 'court'@'localhost';"
    assert "IDENTIFIED BY PASSWORD" in grants and grants.rstrip().endswith("`court`@`localhost`;")


def test_import_refuses_an_incomplete_dump(tmp_path):
    dump = tmp_path / "database.sql"
    dump.write_text("CREATE TABLE a (id int);\n")
    with pytest.raises(mysql_dump.DumpError, match="not a complete dump"):
        mysql_dump.import_dump({"name": "court"}, str(dump))
    dump.write_text("CREATE TABLE a (id int);\n-- Dump completed on 2026-11-23\n")
    binary = client(tmp_path, "mysql", "cat > /dev/null\necho 'ERROR 1064 near x' >&2\nexit 1\n")
    with pytest.raises(mysql_dump.DumpError) as error:
        mysql_dump.import_dump({"name": "court"}, str(dump), binary=binary)
    assert error.value.kind == "import-failed"
    assert os.path.exists(dump)
