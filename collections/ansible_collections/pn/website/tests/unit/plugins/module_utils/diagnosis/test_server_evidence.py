# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server evidence engine against a fake server (commands and unit files) over a real directory
tree, the module around it, and free_log_space on real files."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.diagnosis import server_evidence as se
from ansible_collections.pn.website.plugins.modules import free_log_space as free_module
from ansible_collections.pn.website.plugins.modules import server_evidence as module
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

NGINX_BAD = (
    '2026/11/23 12:23:27 [emerg] 1099#1099: unknown directive "server_tokens_broken" in '
    "/etc/nginx/sites-enabled/court:26\nnginx: configuration file /etc/nginx/nginx.conf test failed\n"
)
APT_SIM = """Reading package lists...
Inst libssl3 [3.0.11-1~deb12u1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst openssl [3.0.11-1~deb12u1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])
Conf libssl3 (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
"""

# `systemctl list-units --state=failed --all --plain --no-legend --no-pager --full` on a court container
# (systemd 252) after `systemd-run --unit pn-test-fail false`, and a line written the way older systemctl
# prints a failed unit, with its bullet.
FAILED_UNITS = "pn-test-fail.service loaded failed failed /usr/bin/false\n"
FAILED_UNITS_OLD = "\u25cf logrotate.service loaded failed failed Rotate log files\n"


class FakeSystem(se.System):
    """Commands answered from a table; files from a real temporary root (paths mapped under it)."""

    def __init__(self, root, commands, units):
        self.root = str(root)
        self.commands = commands
        self.units = units
        self.calls = []

    def _p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def run(self, argv, timeout=30, env=None):
        self.calls.append(argv)
        key = " ".join([os.path.basename(argv[0])] + list(argv[1:]))
        for prefix, answer in self.commands.items():
            if key.startswith(prefix):
                return answer
        return 127, "", "%s: not found" % argv[0]

    def which(self, name):
        return "/usr/bin/" + name if any(k.startswith(name) for k in self.commands) else None

    def read(self, path, limit=1024 * 1024):
        return super().read(self._p(path), limit)

    def tail(self, path, lines=20, block=65536):
        return super().tail(self._p(path), lines, block)

    def exists(self, path):
        if path.endswith(".service"):
            return os.path.basename(path)[: -len(".service")] in self.units and path.startswith("/lib/")
        return os.path.exists(self._p(path))

    def glob(self, pattern):
        if pattern.endswith("php*-fpm.service"):
            return ["/lib/systemd/system/%s.service" % u for u in self.units if u.startswith("php")]
        return [p[len(self.root) :] for p in super().glob(self._p(pattern))]

    def statvfs(self, path):
        return os.statvfs(self._p(path))

    def realpath(self, path):
        return getattr(self, "links", {}).get(path, path)

    def stat(self, path):
        return os.stat(self._p(path) if not path.startswith(self.root) else path)

    def walk(self, top):
        for dirpath, dirnames, filenames in os.walk(self._p(top)):
            yield "/" + os.path.relpath(dirpath, self.root).lstrip("."), dirnames, filenames

    def mounts(self):
        return "rootfs / ext4 rw 0 0\n"

    def http_get(self, host, port, path, headers, timeout):
        return 200, "<html><title>Pengadilan Negeri Tais</title></html>"


def show(unit, active):
    sub = "running" if active == "active" else "dead"
    return (
        0,
        "LoadState=loaded\nActiveState=%s\nSubState=%s\nResult=success\nNRestarts=0\n"
        "ActiveEnterTimestamp=Mon 2026-11-23 10:00:00 UTC\n" % (active, sub),
        "",
    )


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "root"
    (root / "var/log/nginx").mkdir(parents=True)
    (root / "var/log/nginx/error.log").write_text("old line\n2026/11/23 connect() to unix:/run/php failed\n")
    (root / "var/log/nginx/access.log").write_text("x" * 5000)
    (root / "var/www/court/wp-includes").mkdir(parents=True)
    (root / "var/www/court/wp-includes/version.php").write_text("<?php\n$wp_version = '6.4.3';\n")
    (root / "var/lib/pn-website").mkdir(parents=True)
    finished = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 30 * 3600))
    (root / "var/lib/pn-website/backup-status.json").write_text(
        json.dumps(
            {"status": "ok", "finished": finished, "targets": [{"status": "ok", "snapshot_id": "ab12"}]}
        )
    )
    (root / "proc").mkdir()
    commands = {
        "systemctl show nginx": show("nginx", "failed"),
        "systemctl show php8.2-fpm": show("php8.2-fpm", "inactive"),
        "systemctl show mariadb": show("mariadb", "active"),
        "journalctl -u nginx": (0, "2026-11-23 nginx[1]: emerg unknown directive\n", ""),
        "journalctl -u php8.2-fpm": (0, "-- No entries --\n2026-11-23 Stopped php8.2-fpm\n", ""),
        "nginx -t": (1, "", NGINX_BAD),
        "php-fpm8.2 -t": (0, "", "configuration file test is successful"),
        "apt-get -s": (0, APT_SIM, ""),
        "php -v": (0, "PHP 8.2.20 (cli) (built: Jun 2024)\n", ""),
        "timedatectl show": (0, "NTP=yes\nNTPSynchronized=no\nTimezone=Asia/Jakarta\n", ""),
    }
    return FakeSystem(root, commands, ["nginx", "php8.2-fpm", "mariadb"])


def test_gather_reports_services_config_versions_and_backup(server):
    ev = se.gather(
        {"webroot": "/var/www/court", "domain": "pn-tais.go.id", "keyword": "Pengadilan Negeri Tais"}, server
    )
    assert ev["webserver"] == "nginx"
    assert ev["services"]["nginx"]["running"] is False
    assert ev["services"]["nginx"]["journal"] == ["2026-11-23 nginx[1]: emerg unknown directive"]
    assert ev["services"]["php8.2-fpm"]["role"] == "php-fpm"
    assert ev["services"]["php8.2-fpm"]["journal"] == ["2026-11-23 Stopped php8.2-fpm"]
    assert ev["services"]["mariadb"]["running"] is True and "journal" not in ev["services"]["mariadb"]
    assert ev["config_test"]["ok"] is False
    assert ev["config_test"]["file"] == "/etc/nginx/sites-enabled/court" and ev["config_test"]["line"] == 26
    assert ev["php_fpm_config_test"]["php8.2-fpm"]["ok"] is True
    assert ev["updates"] == {
        "checked": True,
        "total": 3,
        "security": 2,
        "security_packages": ["libssl3", "openssl"],
    }
    assert ev["php_version"] == "8.2.20"
    assert ev["cms"]["cms"] == "wordpress" and ev["cms"]["version"] == "6.4.3"
    assert ev["time"] == {"checked": True, "ntp": True, "synchronized": False, "timezone": "Asia/Jakarta"}
    assert ev["backup"]["found"] and ev["backup"]["snapshot_id"] == "ab12"
    assert 29.5 < ev["backup"]["age_hours"] < 30.5
    assert ev["error_logs"]["/var/log/nginx/error.log"][-1].startswith("2026/11/23 connect()")
    assert ev["biggest_logs"][0]["path"] == "/var/log/nginx/access.log"
    assert ev["biggest_logs"][0]["size_bytes"] == 5000
    assert ev["recent_webroot_changes"]["count"] == 1
    assert ev["local_http"] == {"ok": True, "status": 200, "keyword_found": True, "bytes": 50}
    assert ev["disk"] and ev["disk"][0]["mount"] == "/" and 0 <= ev["disk"][0]["used_pct"] <= 100
    json.dumps(ev)  # JSON-able as a module result


def test_failed_units_are_listed_from_real_systemctl_output(server):
    server.commands["systemctl list-units --state=failed"] = (0, FAILED_UNITS + FAILED_UNITS_OLD, "")
    ev = se.gather({}, server)
    assert ev["failed_units"] == {
        "checked": True,
        "count": 2,
        "units": [
            {"unit": "pn-test-fail.service", "load": "loaded", "sub": "failed"},
            {"unit": "logrotate.service", "load": "loaded", "sub": "failed"},
        ],
    }
    server.commands["systemctl list-units --state=failed"] = (0, "", "")
    assert se.gather({}, server)["failed_units"] == {"checked": True, "count": 0, "units": []}
    server.commands["systemctl list-units --state=failed"] = (1, "", "Failed to connect to bus\n")
    assert se.gather({}, server)["failed_units"] == {"checked": False, "error": "Failed to connect to bus"}


def test_failed_units_keep_only_unit_names_and_a_bounded_list(server):
    """Output that is not a unit name (a description line, shell text, a path) is dropped; a server with
    hundreds of failed units gives a bounded list and the full count."""
    many = "".join("job-%03d.service loaded failed failed Job %d\n" % (i, i) for i in range(300))
    hostile = "$(reboot).service loaded failed failed x\n/etc/passwd loaded failed failed x\n"
    server.commands["systemctl list-units --state=failed"] = (0, hostile + many, "")
    units = se.gather({}, server)["failed_units"]
    assert units["count"] == 300
    assert len(units["units"]) == se.FAILED_UNITS_LIMIT
    assert [u["unit"] for u in units["units"]][:2] == ["job-000.service", "job-001.service"]


def test_sections_gather_only_the_parts_asked_for(server):
    """The weekly audit reads the server's health only: no error logs, services, web root walk or local
    homepage."""
    server.commands["systemctl list-units --state=failed"] = (0, FAILED_UNITS, "")
    ev = se.gather({"sections": ["disk", "memory", "load", "failed_units", "updates"]}, server)
    assert sorted(ev) == ["collected_at", "disk", "failed_units", "load", "memory", "updates", "webserver"]
    assert ev["failed_units"]["count"] == 1 and ev["updates"]["security"] == 2
    assert not any(call[0] in ("journalctl", "nginx") or call[1:2] == ["show"] for call in server.calls)
    with pytest.raises(ValueError, match="unknown evidence sections logs"):
        se.gather({"sections": ["disk", "logs"]}, server)


def test_gather_without_updates_or_http_and_missing_tools(server):
    server.commands = {}
    ev = se.gather({"updates": False, "http": False, "webserver": "apache"}, server)
    assert ev["updates"] is None and ev["local_http"] is None
    assert ev["config_test"]["ok"] is None  # apachectl not installed
    assert ev["time"]["checked"] is False
    assert ev["php_version"] is None


def test_bad_webserver_option_is_a_clear_error():
    with pytest.raises(ValueError, match="webserver must be nginx or apache"):
        se.normalize_options({"webserver": "lighttpd"})


def test_mount_point_picks_the_longest_prefix():
    mounts = "/dev/sda1 / ext4 rw 0 0\ntmpfs /var/log/nginx tmpfs rw 0 0\n/dev/sdb1 /var ext4 rw 0 0\n"
    assert se.mount_point("/var/log/nginx", mounts) == "/var/log/nginx"
    assert se.mount_point("/var/log", mounts) == "/var"
    assert se.mount_point("/var/lognot", mounts) == "/var"
    assert se.mount_point("/srv", mounts) == "/"


def test_local_http_against_a_real_loopback_server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = ("<h1>%s</h1>" % self.headers["Host"]).encode()
            self.send_response(503 if self.headers["Host"] == "down.example" else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        ok = se.local_http(se.System(), "pn-tais.go.id", "PN-TAIS.GO.ID", port, 5)
        assert ok == {
            "ok": True,
            "status": 200,
            "keyword_found": True,
            "bytes": len("<h1>pn-tais.go.id</h1>"),
        }
        down = se.local_http(se.System(), "down.example", "", port, 5)
        assert down["ok"] is False and down["status"] == 503
    finally:
        httpd.shutdown()
        httpd.server_close()
    closed = se.local_http(se.System(), "x", "", port, 2)
    assert closed["ok"] is False and closed["status"] is None and "Error" in closed["error"]


def test_free_log_space_shrinks_keeps_tail_and_archives(tmp_path):
    logs = tmp_path / "log"
    logs.mkdir()
    big = logs / "access.log"
    big.write_bytes(b"".join(b"line %06d\n" % i for i in range(100000)))  # 1.2 MB
    small = logs / "error.log"
    small.write_bytes(b"e" * 1000)
    (logs / "old.log.2.gz").write_bytes(b"\x1f\x8b" + b"z" * 900000)
    size = big.stat().st_size

    planned = se.free_log_space([str(logs)], 500000, 100000, check_mode=True)
    assert [f["path"] for f in planned["files"]] == [str(big)]
    assert big.stat().st_size == size  # check mode changes nothing

    done = se.free_log_space([str(logs)], 500000, 100000)
    assert done["freed_bytes"] == size - 100000
    assert big.stat().st_size == 100000
    assert big.read_bytes().endswith(b"line 099999\n")
    archive = done["files"][0]["archive"]
    assert archive and archive.endswith(".cut.gz")
    with gzip.open(archive) as handle:
        cut = handle.read()
    assert cut.startswith(b"line 000000\n") and len(cut) == size - 100000
    assert small.read_bytes() == b"e" * 1000
    assert (logs / "old.log.2.gz").stat().st_size == 900002


def test_free_log_space_by_target_usage(tmp_path, monkeypatch):
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "a.log").write_bytes(b"a" * 600000)
    (logs / "b.log").write_bytes(b"b" * 300000)
    (logs / "c.log").write_bytes(b"c" * 1000)

    class Vfs:
        f_frsize = 1
        f_blocks = 1000000

        @property
        def f_bavail(self):
            used = sum(p.stat().st_size for p in logs.iterdir() if not p.name.endswith(".gz"))
            return self.f_blocks - used

    system = se.System()
    monkeypatch.setattr(system, "statvfs", lambda path: Vfs())
    result = se.free_log_space([str(logs)], 10**9, 10000, system=system, target_used_pct=50.0)
    # 90.1% used: a.log (the biggest) is enough to go below 50%; b.log stays.
    assert [f["path"] for f in result["files"]] == [str(logs / "a.log")]
    assert (logs / "b.log").stat().st_size == 300000
    assert result["filesystems"][0]["used_pct_before"] == 90.1
    assert result["filesystems"][0]["used_pct_after"] < 50.0


def run_module(mod, args, check_mode=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        mod.main()
    return exc.value.result


def test_server_evidence_module_is_read_only(monkeypatch, server):
    monkeypatch.setattr(se, "System", lambda: server)
    monkeypatch.setattr(module, "gather", lambda options: se.gather(options, server))
    result = run_module(module, {"webroot": "/var/www/court", "domain": "pn-tais.go.id"}, check_mode=True)
    assert result["changed"] is False
    assert result["evidence"]["config_test"]["ok"] is False


def test_server_evidence_module_rejects_bad_numbers():
    result = run_module(module, {"error_lines": 0})
    assert result["failed"] and "error_lines must be greater than 0" in result["msg"]


def test_free_log_space_module(tmp_path):
    log = tmp_path / "x.log"
    log.write_bytes(b"z" * (3 * 1024 * 1024))
    planned = run_module(free_module, {"paths": [str(tmp_path)], "max_size_mb": 2}, check_mode=True)
    assert planned["changed"] is True and log.stat().st_size == 3 * 1024 * 1024
    done = run_module(free_module, {"paths": [str(tmp_path)], "max_size_mb": 2})
    assert done["changed"] is True and log.stat().st_size == 1024 * 1024
    again = run_module(free_module, {"paths": [str(tmp_path)], "max_size_mb": 2})
    assert again["changed"] is False
    bad = run_module(free_module, {"paths": [str(tmp_path)], "max_size_mb": 1, "keep_size_mb": 1})
    assert bad["failed"] and "keep_size_mb" in bad["msg"]


def test_server_evidence_module_gathers_the_sections_asked_for(monkeypatch, server):
    server.commands["systemctl list-units --state=failed"] = (0, FAILED_UNITS, "")
    monkeypatch.setattr(module, "gather", lambda options: se.gather(options, server))
    result = run_module(module, {"sections": ["failed_units"]}, check_mode=True)
    assert result["changed"] is False
    assert sorted(result["evidence"]) == ["collected_at", "failed_units", "webserver"]
    assert result["evidence"]["failed_units"]["units"][0]["unit"] == "pn-test-fail.service"
    bad = run_module(module, {"sections": ["logs"]})
    assert bad["failed"] and "sections" in bad["msg"]


def test_package_of_a_binary_and_the_os_release(server):
    """The Debian package that installed the PHP binary (through the alternatives link) and its version,
    as dpkg-query prints them; a binary no package owns (built from source) has none."""
    server.links = {"/usr/bin/php": "/usr/bin/php8.2"}
    server.commands.update(
        {
            "dpkg-query -S /usr/bin/php8.2": (0, "php8.2-cli: /usr/bin/php8.2\n", ""),
            "dpkg-query -W -f=${Status}\t${Version} php8.2-cli": (
                0,
                "install ok installed\t8.2.29-1~deb12u1",
                "",
            ),
            "dpkg-query -S /usr/local/bin/php": (1, "", "dpkg-query: no path found matching pattern\n"),
            "dpkg-query -S /usr/sbin/mariadbd": (0, "mariadb-server: /usr/sbin/mariadbd\n", ""),
            "dpkg-query -W -f=${Status}\t${Version} mariadb-server": (
                0,
                "deinstall ok config-files\t1:10.11.6-0+deb12u1",
                "",
            ),
        }
    )
    assert se.package_of(server, se.php_binary(server)) == {
        "name": "php8.2-cli",
        "version": "8.2.29-1~deb12u1",
    }
    assert se.package_of(server, "/usr/local/bin/php") is None
    assert se.package_of(server, "/usr/sbin/mariadbd") is None  # removed, only its configuration left
    assert se.package_of(server, None) is None
    (Path(server.root) / "etc").mkdir()
    (Path(server.root) / "etc/os-release").write_text(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
    )
    assert se.os_release(server) == {"id": "debian", "version_id": "12"}


def test_wordpress_core_of_debians_package_is_found_from_its_wp_content_web_root(tmp_path):
    """The web root of a court on Debian's package is /var/lib/wordpress/wp-content; the core (its version
    file) is in /usr/share/wordpress; a version that is no version is not taken."""
    root = tmp_path / "root"
    (root / "var/lib/wordpress/wp-content/uploads").mkdir(parents=True)
    (root / "usr/share/wordpress/wp-includes").mkdir(parents=True)
    (root / "usr/share/wordpress/wp-includes/version.php").write_text("<?php\n$wp_version = '6.1.9';\n")
    system = FakeSystem(root, {}, [])
    found = se.cms_version(system, "/var/lib/wordpress/wp-content", "wordpress")
    assert found == {
        "cms": "wordpress",
        "version": "6.1.9",
        "file": "/usr/share/wordpress/wp-includes/version.php",
        "root": "/usr/share/wordpress",
    }
    # a custom court does not look in Debian's folder
    assert se.cms_version(system, "/var/www/court", "custom")["version"] is None
    assert se.cms_roots("/srv/site/wp-content", "custom") == ["/srv/site/wp-content", "/srv/site"]
    (root / "usr/share/wordpress/wp-includes/version.php").write_text("<?php\n$wp_version = '<script>';\n")
    assert se.cms_version(system, "/var/lib/wordpress/wp-content", "wordpress")["version"] is None
