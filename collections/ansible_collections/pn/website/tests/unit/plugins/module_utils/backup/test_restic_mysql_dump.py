# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified database dumps: a dump counts only with exit 0 AND the '-- Dump completed' trailer, and
credentials travel in a 0600 option file, never on the command line.

The client programs are small shell stand-ins that behave like mysqldump/mysql at their edges (exit
status, partial output, error text); the real MariaDB is exercised by the fleet tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump

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


# -- dumps from snapshots are untrusted ---------------------------------------------------------------
# What MariaDB 10.11's mysqldump writes for a court database (a table, a trigger, a view), shortened.
REAL_DUMP = r"""/*M!999999\- enable the sandbox mode */
-- MariaDB dump 10.19  Distrib 10.11.18-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: court
/*!40101 SET NAMES utf8mb4 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;

--
-- Current Database: `court`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ `court` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;

USE `court`;
DROP TABLE IF EXISTS `news`;
CREATE TABLE `news` (
  `id` int(11) DEFAULT NULL,
  `status` text DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES `news` WRITE;
INSERT INTO `news` VALUES
(1,'a\\b\'c; \\! id'),
(2,'x;y\\!z -- \\. /etc/passwd');
UNLOCK TABLES;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`court`@`localhost`*/ /*!50003 TRIGGER news_id BEFORE INSERT ON news
FOR EACH ROW SET NEW.id = NEW.id + 1 */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`court`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `v` AS select `news`.`id` AS `id` from `news` */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;

-- Dump completed on 2026-12-02  6:04:21
"""


USE, UNLOCK = "USE `court`;", "UNLOCK TABLES;"


def mysql_client(tmp_path: Path, sandbox: bool) -> str:
    r"""A stand-in mysql client: --help tells whether it has --sandbox; otherwise it logs the call (argv,
    login user, stdin) and, without --sandbox, runs `\!` lines as the real client does."""
    help_text = "  --sandbox           Disallow commands that access the file system" if sandbox else ""
    return client(
        tmp_path,
        "mysql",
        f'case "$*" in *--help*) echo "{help_text}"; exit 0;; esac\n'
        "n=$(ls " + str(tmp_path) + "/stdin-* 2>/dev/null | wc -l)\n"
        f"cat > {tmp_path}/stdin-$n\n"
        'case "$*" in *--sandbox*) exit 0;; esac\n'
        f"grep '^\\\\\\\\!' {tmp_path}/stdin-$n | cut -c3- | sh\n",
    )


def calls(tmp_path: Path) -> list:
    """(argv, login user, stdin) of each call but --help."""
    argv = [line for line in (tmp_path / "argv.log").read_text().splitlines() if "--help" not in line]
    options = tmp_path / "options.log"
    users = iter(re.findall(r'user="([^"]*)"', options.read_text() if options.exists() else ""))
    logins = [next(users) if "--defaults-extra-file" in line else "root (unix socket)" for line in argv]
    stdin = [(tmp_path / f"stdin-{i}").read_text() for i in range(len(argv))]
    return list(zip(argv, logins, stdin, strict=True))


def attack(tmp_path: Path, line: str, after: str = "USE `court`;") -> Path:
    dump = tmp_path / "database.sql"
    dump.write_text(REAL_DUMP.replace(after, after + "\n" + line, 1))
    return dump


@pytest.mark.parametrize("sandbox", [True, False])
def test_a_dump_with_a_shell_command_is_refused_before_the_client_reads_it(tmp_path, sandbox):
    r"""A court that controls its snapshot adds `\! command` to its dump: the drill host's mysql client
    would run it as root."""
    pwned = tmp_path / "pwned"
    dump = attack(tmp_path, f"\\! touch {pwned}")
    binary = mysql_client(tmp_path, sandbox)
    with pytest.raises(mysql_dump.DumpError) as error:
        mysql_dump.import_dump({"name": "court"}, str(dump), binary=binary)
    assert error.value.kind == "import-refused" and "client command" in str(error.value)
    assert not pwned.exists()
    assert not list(tmp_path.glob("stdin-*"))  # the client never saw the dump


def test_the_dump_goes_to_the_sandbox_as_an_account_of_the_court_database_only(tmp_path):
    dump = tmp_path / "database.sql"
    dump.write_text(REAL_DUMP.replace("DEFINER=`court`@`localhost`", "DEFINER=CURRENT_USER"))
    binary = mysql_client(tmp_path, sandbox=True)
    result = mysql_dump.import_dump({"name": "court"}, str(dump), binary=binary)
    create, imported, drop = calls(tmp_path)
    (
        (create_argv, _create_user, create_sql),
        (import_argv, importer, stdin),
        (drop_argv, _drop_user, drop_sql),
    ) = (
        create,
        imported,
        drop,
    )
    assert result["sandbox"] is True and result["account"] == "temporary"
    assert "--sandbox" in import_argv.split() and import_argv.split()[-1] == "court"
    assert importer.startswith("pn_restore_") and stdin == dump.read_text()
    account = f"'{importer}'@'localhost'"
    assert create_sql.splitlines() == [
        "CREATE DATABASE IF NOT EXISTS `court`;",
        f"DROP USER IF EXISTS {account};",
        create_sql.splitlines()[2],
        f"GRANT ALL PRIVILEGES ON `court`.* TO {account};",
    ]
    assert create_sql.splitlines()[2].startswith(f"CREATE USER {account} IDENTIFIED BY 'Pn1-")
    assert drop_sql == f"DROP USER IF EXISTS {account};\n"
    # the administrator's connection only creates and drops the account, never reads the dump
    assert "--sandbox" not in create_argv + drop_argv and "INSERT" not in create_sql + drop_sql


def test_views_and_triggers_of_the_court_account_are_imported_as_that_account(tmp_path):
    dump = tmp_path / "database.sql"
    dump.write_text(REAL_DUMP)
    binary = mysql_client(tmp_path, sandbox=True)
    court = {"user": "court", "host": "localhost", "auth": ("password", "*" + "A" * 40)}
    court["privileges"] = ["SELECT"]
    result = mysql_dump.import_dump({"name": "court"}, str(dump), binary=binary, accounts=[court])
    create, imported, restore = calls(tmp_path)
    create_sql, importer, restore_sql = create[2], imported[1], restore[2]
    assert result["account"] == "court@localhost" and importer == "court"
    assert "GRANT ALL PRIVILEGES ON `court`.* TO 'court'@'localhost';" in create_sql
    assert restore_sql.splitlines() == [
        "DROP USER IF EXISTS 'court'@'localhost';",
        f"CREATE USER 'court'@'localhost' IDENTIFIED BY PASSWORD '*{'A' * 40}';",
        "GRANT SELECT ON `court`.* TO 'court'@'localhost';",
    ]
    # objects in another account's name (root's) are never imported
    dump.write_text(REAL_DUMP.replace("DEFINER=`court`@`localhost`*/", "DEFINER=`root`@`localhost`*/"))
    with pytest.raises(mysql_dump.DumpError, match="root@localhost"):
        mysql_dump.import_dump({"name": "court"}, str(dump), binary=binary, accounts=[court])


@pytest.mark.parametrize(
    "line, after, problem",
    [
        ("system touch /tmp/x", USE, "client command 'system touch /tmp/x'"),
        ("SELECT 1; source /etc/shadow;", USE, "client command 'source /etc/shadow;'"),
        ("/* komentar */ SYSTEM id;", USE, "client command 'SYSTEM id;'"),
        ("SELECT 1 \\T /var/www/court/x.php\n;", USE, "client command '\\\\T /var/www/court/x.php'"),
        ("INSERT INTO t VALUES ('a\\\\'); \\. /etc/passwd", USE, "client command '\\\\. /etc/passwd'"),
        ("/*!40000 \\! id */;", UNLOCK, "client command '\\\\! id */;'"),
        ("SELECT 1 delimiter //", UNLOCK, "DELIMITER inside a statement"),
        ("\\C gbk", UNLOCK, "client command '\\\\C gbk'"),
        ("connect other-host", UNLOCK, "client command 'connect other-host'"),
    ],
)
def test_client_commands_outside_strings_are_found(tmp_path, line, after, problem):
    dump = attack(tmp_path, line, after)
    for chunk in (3, 64, 1 << 20):
        scan = mysql_dump.scan_dump(str(dump), chunk_size=chunk)
        assert [text.split(": ", 1)[1] for text in scan["commands"]] == [problem], chunk


@pytest.mark.parametrize(
    "line",
    [
        "SELECT '\\! id';",  # in a string
        'SELECT "it\'s \\" \\! id";',
        "SELECT `a\\` \\! id`;",  # the client reads a backslash in back quotes as an escape too
        "SELECT 1; -- \\! id",  # in a comment
        "SELECT 1 /* \\! id */;",
        "# \\! id",
    ],
)
def test_what_the_client_does_not_run_is_not_a_command(tmp_path, line):
    dump = attack(tmp_path, line, "UNLOCK TABLES;")
    assert mysql_dump.scan_dump(str(dump))["commands"] == []


def test_a_real_dump_is_read_like_the_client_reads_it(tmp_path):
    dump = tmp_path / "database.sql"
    dump.write_text(REAL_DUMP + "INSERT INTO t VALUES ('" + "x" * 3_000_000 + "');\n-- Dump completed\n")
    expected = {"commands": [], "databases": ["court"], "definers": ["court@localhost"], "statements": 15}
    for chunk in (1, 7, 4096, 1 << 20):
        assert mysql_dump.scan_dump(str(dump), chunk_size=chunk) == expected, chunk


@pytest.mark.parametrize(
    "line, accepted_with_sandbox",
    [
        ("USE `mysql`;", False),
        ("CREATE DATABASE IF NOT EXISTS lain;", False),
        ("SET sql_mode='NO_BACKSLASH_ESCAPES';", True),
        ("SET @@session.sql_mode = 2097152;", True),
        ("SELECT 2097152 INTO @saved_sql_mode;", True),
    ],
)
def test_another_database_or_a_changed_reading_of_strings_is_refused(tmp_path, line, accepted_with_sandbox):
    dump = attack(tmp_path, line, "UNLOCK TABLES;")
    with pytest.raises(mysql_dump.DumpError) as error:
        mysql_dump.check_dump(str(dump), "court", sandbox=False)
    assert error.value.kind == "import-refused"
    if accepted_with_sandbox:
        assert mysql_dump.check_dump(str(dump), "court", sandbox=True)["commands"] == []
    else:
        with pytest.raises(mysql_dump.DumpError, match="not the court's court"):
            mysql_dump.check_dump(str(dump), "court", sandbox=True)
    clean = tmp_path / "clean.sql"
    clean.write_text(REAL_DUMP)
    assert mysql_dump.check_dump(str(clean), "court", sandbox=False)["databases"] == ["court"]


def test_only_the_court_account_is_restored_from_grants(tmp_path):
    grants = tmp_path / "grants.sql"
    hash_ = "*" + "B6" * 20
    grants.write_text(
        "DROP USER IF EXISTS 'court'@'localhost';\n"
        f"CREATE USER `court`@`localhost` IDENTIFIED BY PASSWORD '{hash_}';\n"
        f"GRANT USAGE ON *.* TO `court`@`localhost` IDENTIFIED BY PASSWORD '{hash_}';\n"
        "GRANT ALL PRIVILEGES ON `court`.* TO `court`@`localhost`;\n"
        "GRANT SELECT ON `mysql`.* TO `court`@`localhost`;\n"
        "GRANT FILE ON *.* TO `court`@`localhost`;\n"
        f"CREATE USER `root`@`%` IDENTIFIED BY PASSWORD '{hash_}';\n"
        "GRANT ALL PRIVILEGES ON *.* TO `root`@`%` WITH GRANT OPTION;\n"
        "CREATE USER `court`@`%` IDENTIFIED VIA unix_socket;\n"
        "GRANT ALL PRIVILEGES ON `court`.* TO `court`@`%`; DROP DATABASE lain;\n"
    )
    parsed = mysql_dump.parse_accounts(str(grants), "court", ["court"])
    assert parsed["accounts"] == [
        {"user": "court", "host": "localhost", "auth": ("password", hash_), "privileges": ["ALL PRIVILEGES"]}
    ]
    skipped = "\n".join(parsed["skipped"])
    for reason in (
        "court@localhost: privileges on another database `mysql`",
        "court@localhost: global privileges FILE",
        "root@%: not the court's account",
        "not understood: CREATE USER `court`@`%` IDENTIFIED VIA unix_socket",
        "not understood: GRANT ALL PRIVILEGES ON `court`.* TO `court`@`%`; DROP DATABASE lain",
    ):
        assert reason in skipped
    assert mysql_dump.parse_accounts(str(grants), "court", [])["accounts"] == []


def test_a_dump_made_elsewhere_is_checked_before_it_is_taken_over(tmp_path):
    good = tmp_path / "endpoint.sql"
    good.write_text(
        "CREATE DATABASE `court`;\nUSE `court`;\nCREATE TABLE t (id int);\n-- Dump completed on x\n"
    )
    out = tmp_path / "staging" / "database.sql"
    out.parent.mkdir()
    result = mysql_dump.adopt(str(good), str(out), "court")
    assert result["verified"] and result["adopted"] and not good.exists()
    assert oct(out.stat().st_mode & 0o777) == "0o600" and result["bytes"] == out.stat().st_size
    for body in (
        "USE `court`;\nCREATE TABLE t (id int);\n",  # cut short: no trailer
        "USE `court`;\n\\! rm -rf /\n-- Dump completed on x\n",  # a client command
        "USE `mysql`;\nCREATE TABLE t (id int);\n-- Dump completed on x\n",  # another database
    ):
        bad = tmp_path / "bad.sql"
        bad.write_text(body)
        with pytest.raises(mysql_dump.DumpError):
            mysql_dump.adopt(str(bad), str(out), "court")
        assert not out.exists()
