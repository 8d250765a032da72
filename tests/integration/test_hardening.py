"""Hardening over real SSH on a court container: keep access, refuse lockouts, ban brute force, audit."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import eol_data
from ansible_collections.pn.website.plugins.module_utils.hardening.hardening_audit_data import CONTROLS
from sopansible.commands.audit import APPSEC_RULES
from sopansible.report import render_reports
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DROPIN = "/etc/ssh/sshd_config.d/00-pn-website-hardening.conf"


@pytest.fixture(scope="module")
def court_fleet():
    name = f"hd{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=1, webservers=["nginx"])
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    # A container reads the machine's own load and memory (/proc/loadavg, /proc/meminfo), driven by whatever
    # else runs here: the audit's health rules for those two would judge this machine, not the court.
    (running.directory / "group_vars").mkdir(exist_ok=True)
    # The security source and its pending updates (minutes of upgrades) are shown once, by
    # tests/integration/test_lynis.py; with the source and without the upgrade the audit here would rightly
    # report the pending security updates.
    (running.directory / "group_vars" / "court_servers.yml").write_text(
        "pn_audit_health_thresholds: {load_per_cpu: 1000000, memory_available_pct: 0}\n"
        "pn_os_hardening_security_source: false\npn_os_hardening_security_upgrade: false\n"
    )
    yield running
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def playbook(fleet, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", **(env or {}))
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def ssh(fleet, command: str) -> subprocess.CompletedProcess:
    """A fresh SSH connection (no connection sharing) as the operator account."""
    court = fleet.courts[0]
    return subprocess.run(
        [
            "ssh",
            "-F",
            str(fleet.ssh_config),
            "-o",
            "ControlMaster=no",
            "-o",
            "BatchMode=yes",
            court.name,
            command,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sshd_state(fleet) -> str:
    court = fleet.courts[0].name
    return fleet.exec(court, "sha256sum /etc/ssh/sshd_config; ls -l /etc/ssh/sshd_config.d/").stdout


def audit_fleet(fleet, data: Path, *args: str, lang: str = "id") -> subprocess.CompletedProcess:
    """`sopansible audit` of the fleet with ARGS, as JSON on stdout; the history and runs go to DATA."""
    return subprocess.run(
        [str(BIN / "sopansible"), "--lang", lang, "audit", "-i", str(fleet.inventory), *args, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, SOPANSIBLE_DATA=str(data)),
        check=False,
    )


def test_lockout_configuration_is_refused_and_nothing_changes(court_fleet):
    before = sshd_state(court_fleet)
    proc = playbook(
        court_fleet,
        "playbooks/sop_hardening.yml",
        "--tags",
        "ssh_hardening",
        "-e",
        json.dumps({"pn_ssh_hardening_allow_users": ["someoneelse"]}),
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "DITOLAK / REFUSED" in output
    assert "would lock out sopadmin" in output
    assert "AllowUsers (someoneelse)" in output
    assert sshd_state(court_fleet) == before
    assert court_fleet.exec(court_fleet.courts[0].name, f"test ! -e {DROPIN}", check=False).returncode == 0
    assert ssh(court_fleet, "true").returncode == 0


@contextlib.contextmanager
def sshd_put_back(fleet):
    """Whatever a test does to sshd (an old guard may really lock the controller out), the court's SSH
    configuration and the operator's keys are put back afterwards, from inside the container."""
    court = fleet.courts[0].name
    fleet.exec(court, "tar -C / -cf /root/ssh-before.tar etc/ssh home/sopadmin/.ssh")
    try:
        yield
    finally:
        fleet.exec(
            court,
            "systemctl stop pn-ssh-hardening-rollback.timer 2>/dev/null; rm -rf /etc/ssh/sshd_config.d/* "
            "/home/sopadmin/.ssh; tar -C / -xpf /root/ssh-before.tar && systemctl reload ssh",
        )


def fingerprint(public_key: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", str(public_key)], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


def on_court(fleet, command: str) -> str:
    """Output of a root shell command inside the court container (works whatever sshd does)."""
    return fleet.exec(fleet.courts[0].name, command).stdout


def effective(fleet, keyword: str) -> str:
    out = on_court(fleet, "sshd -T")
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)[keyword]


def test_guard_refuses_when_the_ansible_key_itself_would_no_longer_be_authorized(court_fleet, tmp_path):
    """The key Ansible uses sits in authorized_keys2, another key in authorized_keys. A configuration that
    reads authorized_keys only keeps "an authorized key" but locks Ansible out: refused, nothing changes."""
    court = court_fleet.courts[0]
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    with sshd_put_back(court_fleet):
        court_fleet.exec(
            court.name,
            "cd /home/sopadmin/.ssh && mv authorized_keys authorized_keys2 && "
            f"echo '{(tmp_path / 'other.pub').read_text().strip()}' > authorized_keys && "
            "chown sopadmin: authorized_keys && chmod 600 authorized_keys",
        )
        assert ssh(court_fleet, "true").returncode == 0  # authorized_keys2 is read today
        before = sshd_state(court_fleet)
        proc = playbook(
            court_fleet,
            "playbooks/sop_hardening.yml",
            "--tags",
            "ssh_hardening",
            "-e",
            json.dumps({"pn_ssh_hardening_extra_options": {"AuthorizedKeysFile": ".ssh/authorized_keys"}}),
        )
        output = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode != 0
        assert "DITOLAK / REFUSED" in output and "would lock out sopadmin" in output
        assert fingerprint(court.key.with_suffix(".key.pub")) in output
        assert "is not in the authorized keys of sopadmin" in output
        assert sshd_state(court_fleet) == before
        assert ssh(court_fleet, "true").returncode == 0


def test_configuration_that_a_fresh_login_cannot_use_is_rolled_back(court_fleet):
    """sshd -t accepts a cipher the controller does not offer: the fresh login after the reload fails and
    the previous configuration is put back at once."""
    with sshd_put_back(court_fleet):
        before = sshd_state(court_fleet)
        ciphers = effective(court_fleet, "ciphers")
        proc = playbook(
            court_fleet,
            "playbooks/sop_hardening.yml",
            "--tags",
            "ssh_hardening",
            "-e",
            json.dumps(
                {"pn_ssh_hardening_ciphers": ["aes256-cbc"], "pn_ssh_hardening_login_check_timeout": 15}
            ),
        )
        output = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode != 0
        assert "ROLLED BACK" in output and "no matching cipher" in output
        assert "the previous sshd configuration was put back" in output
        assert sshd_state(court_fleet) == before
        assert effective(court_fleet, "ciphers") == ciphers
        assert ssh(court_fleet, "true").returncode == 0
        assert "pn-ssh-hardening-rollback" not in on_court(court_fleet, "systemctl list-timers --all")


def test_the_server_puts_the_configuration_back_when_the_controller_cannot_log_in_at_all(court_fleet):
    """Without connection sharing there is no open session left to roll back with: the timer armed on the
    server before the change puts the previous configuration back by itself."""
    with sshd_put_back(court_fleet):
        before = sshd_state(court_fleet)
        ciphers = effective(court_fleet, "ciphers")
        proc = playbook(
            court_fleet,
            "playbooks/sop_hardening.yml",
            "--tags",
            "ssh_hardening",
            "-e",
            json.dumps(
                {
                    "pn_ssh_hardening_ciphers": ["aes256-cbc"],
                    "pn_ssh_hardening_login_check_timeout": 5,
                    "pn_ssh_hardening_rollback_seconds": 30,
                }
            ),
            env={"ANSIBLE_SSH_ARGS": "-o ControlMaster=no"},
        )
        output = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode != 0
        assert "the server puts the previous configuration back within 30 seconds" in output
        for _attempt in range(90):
            if effective(court_fleet, "ciphers") == ciphers:
                break
            on_court(court_fleet, "sleep 1")
        assert effective(court_fleet, "ciphers") == ciphers
        assert sshd_state(court_fleet) == before
        assert ssh(court_fleet, "true").returncode == 0


def test_ssh_hardening_over_the_same_connection_keeps_access(court_fleet):
    proc = playbook(court_fleet, "playbooks/sop_hardening.yml", "--tags", "ssh_hardening")
    assert proc.returncode == 0, proc.stdout[-3000:]
    after = ssh(court_fleet, "sudo sshd -T")
    assert after.returncode == 0, after.stderr
    settings = dict(line.split(" ", 1) for line in after.stdout.splitlines() if " " in line)
    assert settings["passwordauthentication"] == "no"
    assert settings["permitrootlogin"] == "no"
    # Running it again changes nothing and still connects.
    again = playbook(court_fleet, "playbooks/sop_hardening.yml", "--tags", "ssh_hardening")
    assert again.returncode == 0
    assert "changed=0" in again.stdout


def test_fail2ban_bans_a_login_brute_force_from_a_loopback_address(court_fleet):
    court = court_fleet.courts[0].name
    proc = playbook(
        court_fleet,
        "playbooks/sop_hardening.yml",
        "--tags",
        "firewall",
        "-e",
        json.dumps({"pn_firewall_fail2ban_ignoreip": [], "pn_firewall_fail2ban_ignoreself": False}),
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    attack = court_fleet.exec(
        court,
        "for i in $(seq 8); do curl -s -o /dev/null -w '%{http_code} ' --interface 127.0.0.3 "
        "-d username=admin -d password=salah$i http://127.0.0.1/admin/login.php; done",
    )
    assert attack.stdout.split() == ["401"] * 8
    status = ""
    for _attempt in range(20):
        status = court_fleet.exec(court, "sleep 0.5; fail2ban-client status pn-web-login").stdout
        if "127.0.0.3" in status:
            break
    assert "Banned IP list:\t127.0.0.3" in status
    # A correct login from another address is not affected.
    password = court_fleet.exec(court, "cat /root/.pn-court/admin-password").stdout.strip()
    ok = court_fleet.exec(
        court,
        "curl -s -o /dev/null -w '%{http_code}' --data-urlencode username=admin "
        f"--data-urlencode password={password} http://127.0.0.1/admin/login.php",
    )
    assert ok.stdout == "302"
    assert "127.0.0.1" not in status.split("Banned IP list:")[1]


def test_full_hardening_then_audit_reports_full_compliance(court_fleet, tmp_path):
    proc = playbook(court_fleet, "playbooks/sop_hardening.yml")
    assert proc.returncode == 0, proc.stdout[-3000:]
    audit = audit_fleet(court_fleet, tmp_path / "data", lang="en")
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]
    report = json.loads(audit.stdout)
    (row,) = report["courts"]
    assert row["court"] == court_fleet.courts[0].name
    assert row["status"] == "ok"
    assert row["score"] == 100.0
    ids = {c["id"]: c["status"] for c in row["controls"]}
    for cid in ("ssh-root-login", "web-server-tokens", "web-php-in-uploads", "php-expose", "db-local-infile"):
        assert ids[cid] == "pass", cid
    assert ids["fw-nftables"] == "skip"  # rootful podman without CAP_NET_ADMIN
    assert ids["os-sysctl-network"] == "skip"


def test_audit_finds_drift_with_the_control_id(court_fleet, tmp_path):
    court = court_fleet.courts[0].name
    court_fleet.exec(court, "chmod 0644 /var/www/court/config.php")
    try:
        audit = audit_fleet(court_fleet, tmp_path / "data", "--areas", "cms,php")
    finally:
        court_fleet.exec(court, "chmod 0640 /var/www/court/config.php")
    assert audit.returncode == 2  # critical: a high-severity control failed
    (row,) = json.loads(audit.stdout)["courts"]
    assert [c["id"] for c in row["failed"]] == ["cms-config-perms"]
    assert [f["rule"] for f in row["findings"]] == ["cms-config-perms"]
    assert row["findings"][0]["message"].startswith("Berkas konfigurasi CMS")


def test_audit_records_its_results_in_the_history(court_fleet, tmp_path):
    """The audit is recorded like `sopansible run`: the score, every control and the failed ones as findings
    are in the history that the reports and notifications read."""
    court = court_fleet.courts[0].name
    data = tmp_path / "data"
    court_fleet.exec(court, "chmod 0644 /var/www/court/config.php")
    try:
        audit = audit_fleet(court_fleet, data, "--areas", "cms")
    finally:
        court_fleet.exec(court, "chmod 0640 /var/www/court/config.php")
    out = json.loads(audit.stdout)
    (row,) = out["courts"]
    with HistoryStore(data / "history.sqlite") as history:
        run = history.run(out["run_id"])
        latest = history.latest(court)["IT-AUDIT"]
    assert run["name"] == "audit" and run["status"] == row["status"] == "critical"
    assert latest["outputs"]["score"] == row["score"] < 100
    assert {c["id"]: c["status"] for c in latest["outputs"]["controls"]}["cms-config-perms"] == "fail"
    assert {f["rule"] for f in latest["findings"]} == {c["id"] for c in row["failed"]} >= {"cms-config-perms"}


def test_audit_of_a_medium_control_that_fails_is_a_warning(court_fleet, tmp_path):
    """PHP error messages shown to visitors fail a medium control: the audit's exit code is 1 (warning).
    The other PHP controls are skipped, so that the result does not depend on the tests before; the setting
    comes in a file read after the hardening role's own."""
    court = court_fleet.courts[0].name
    others = [cid for cid, spec in CONTROLS.items() if spec[0] == "php" and cid != "php-display-errors"]
    court_fleet.exec(
        court, 'for d in /etc/php/*/fpm/conf.d; do echo "display_errors = On" > "$d/zz-pn-test.ini"; done'
    )
    try:
        audit = audit_fleet(
            court_fleet, tmp_path / "data", "--areas", "php", *[f"--skip-control={c}" for c in others]
        )
    finally:
        court_fleet.exec(court, "rm -f /etc/php/*/fpm/conf.d/zz-pn-test.ini")
    assert audit.returncode == 1, audit.stdout[-2000:] + audit.stderr[-2000:]
    (row,) = json.loads(audit.stdout)["courts"]
    assert row["status"] == "warning" and [c["id"] for c in row["failed"]] == ["php-display-errors"]


def health_findings(result: dict) -> list[dict]:
    """The findings of an IT-AUDIT result that are neither failed controls nor application security
    problems."""
    return [f for f in result["findings"] if f["rule"] not in CONTROLS and f["rule"] not in APPSEC_RULES]


def test_audit_reports_the_servers_health_with_a_failed_unit_as_a_finding(court_fleet, tmp_path):
    """The weekly audit reads the server's health: a healthy court has no health finding; a systemd unit in
    the failed state is a finding with the unit as evidence, next to the controls and outside the score, and
    the report shows the health table."""
    court = court_fleet.courts[0].name
    data = tmp_path / "data"
    healthy = audit_fleet(court_fleet, data, "--areas", "cms")
    assert healthy.returncode in (0, 1, 2), healthy.stdout[-2000:] + healthy.stderr[-2000:]
    (row,) = json.loads(healthy.stdout)["courts"]
    assert health_findings(row) == []
    with HistoryStore(data / "history.sqlite") as history:
        health = history.latest(court)["IT-AUDIT"]["outputs"]["health"]
    assert health["failed_units"] == [] and health["failed_units_count"] == 0
    assert health["security_updates"] == 0
    assert "/" in [d["mount"] for d in health["disks"]]

    court_fleet.exec(court, "systemd-run --unit pn-test-fail false")
    try:
        failing = audit_fleet(court_fleet, data, "--areas", "cms")
    finally:
        court_fleet.exec(court, "systemctl reset-failed pn-test-fail.service", check=False)
    assert failing.returncode in (1, 2), failing.stdout[-2000:] + failing.stderr[-2000:]
    out = json.loads(failing.stdout)
    (row,) = out["courts"]
    (found,) = health_findings(row)
    assert found["rule"] == "units-failed" and found["severity"] == "medium"
    assert found["message"].startswith(
        "Layanan sistem gagal: 1 unit systemd dalam keadaan gagal: pn-test-fail"
    )
    assert found["evidence"] == {"units": ["pn-test-fail.service"], "count": 1}
    assert row["health_findings"] == [found] and row["health"]["failed_units"] == ["pn-test-fail.service"]
    # the score stays about the controls
    assert row["score"] == json.loads(healthy.stdout)["courts"][0]["score"]
    assert row["status"] in ("warning", "critical") and "units-failed" in row["summary"]
    with HistoryStore(data / "history.sqlite") as history:
        latest = history.latest(court)["IT-AUDIT"]
        assert latest["outputs"]["health"]["failed_units"] == ["pn-test-fail.service"]
        assert "units-failed" in {f["rule"] for f in latest["findings"]}
        render_reports(history, tmp_path / "out")
    report = json.loads((tmp_path / "out" / court / "laporan.json").read_text(encoding="utf-8"))
    view = next(a for a in report["activities"] if a["id"] == "IT-AUDIT")
    assert view["table"]["title"] == "Kesehatan server"
    assert ["Unit systemd gagal", "pn-test-fail.service"] in view["table"]["rows"]
    assert any(f["rule"] == "units-failed" for f in view["findings"])


WEBSHELL = '<?php @eval(base64_decode($_POST["k"])); ?>'


def test_audit_judges_debian_packaged_software_by_the_release_and_reports_a_webshell_and_changed_files(
    court_fleet, tmp_path
):
    """Application security in the weekly audit, on the court's real PHP, MariaDB and web root, with the
    shipped end-of-life table: PHP and MariaDB come from Debian 12's packages, which Debian patches until the
    release's LTS ends, so they are judged by that date (no finding, both ends shown); the first scan records
    the web root as its baseline; a webshell dropped in the uploads folder and a page changed after it are
    found with their paths and markers, and the report shows the evidence (names escaped)."""
    court = court_fleet.courts[0].name
    data = tmp_path / "data"
    debian = dict((item["cycle"], item["eol"]) for item in eol_data.DATA["distributions"]["debian"])["12"]
    baseline = "/var/lib/pn-website/audit-webroot-baseline.json"
    had_uploads = court_fleet.exec(court, "test -d /var/www/court/uploads", check=False).returncode == 0
    court_fleet.exec(court, f"rm -f {baseline}; cp -p /var/www/court/berita.php /root/berita.php.orig")
    try:
        first = audit_fleet(court_fleet, data, "--areas", "cms")
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
        (row,) = json.loads(first.stdout)["courts"]
        assert row["appsec_findings"] == []
        software = {item["product"]: item for item in row["appsec"]["software"]}
        assert sorted(software) == ["mariadb", "php"]
        for item in software.values():
            assert re.search(r"[+~]deb12u\d+", item["package"]), item
            assert item["basis"] == "distribution" and item["distribution"] == "debian 12"
            assert item["eol"] == item["distribution_eol"] == debian and item["status"] == "supported"
            upstream = dict((c["cycle"], c["eol"]) for c in eol_data.DATA["products"][item["product"]])
            assert item["upstream_eol"] == upstream[item["cycle"]]
            assert item["data_compiled"] == eol_data.DATA["compiled"]
        assert row["appsec"]["scan"]["reference"]["made"] is True and row["appsec"]["scan"]["complete"]
        assert court_fleet.exec(court, f"stat -c %a {baseline}").stdout.strip() == "600"

        # an attacker's webshell in the uploads folder (its name made to break a page) and an injected link
        court_fleet.exec(
            court,
            f"mkdir -p /var/www/court/uploads && printf '%s' '{WEBSHELL}'"
            " > '/var/www/court/uploads/<i>thumb.php'"
            " && echo '<a href=\"https://slot.example/\">slot</a>' >> /var/www/court/berita.php",
        )
        second = audit_fleet(court_fleet, data, "--areas", "cms")
        assert second.returncode == 2, second.stdout[-2000:] + second.stderr[-2000:]
        out = json.loads(second.stdout)
        (row,) = out["courts"]
        found = {f["rule"]: f for f in row["appsec_findings"]}
        assert sorted(found) == [
            "upload-php-file",
            "webroot-changed",
            "webroot-webshell",
        ]
        assert found["webroot-webshell"]["severity"] == "critical"
        assert found["webroot-webshell"]["evidence"]["files"] == [
            {"path": "uploads/<i>thumb.php", "markers": ["eval-decoded"], "size_bytes": len(WEBSHELL)}
        ]
        assert found["upload-php-file"]["evidence"]["files"] == ["uploads/<i>thumb.php"]
        changed = found["webroot-changed"]["evidence"]
        assert changed["kind"] == "baseline" and changed["changed"] == ["berita.php"]
        assert changed["added"] == ["uploads/<i>thumb.php"]
        assert row["health_findings"] == [] and "webroot-webshell" in row["summary"]
        # the audit changed nothing it found
        assert court_fleet.exec(court, "cat '/var/www/court/uploads/<i>thumb.php'").stdout.startswith("<?php")

        with HistoryStore(data / "history.sqlite") as history:
            latest = history.latest(court)["IT-AUDIT"]
            assert latest["outputs"]["appsec"]["scan"]["webshells_count"] == 1
            render_reports(history, tmp_path / "out")
        report = json.loads((tmp_path / "out" / court / "laporan.json").read_text(encoding="utf-8"))
        view = next(a for a in report["activities"] if a["id"] == "IT-AUDIT")
        (appsec,) = view["tables"]
        rows = dict((part, value) for part, value in appsec["rows"])
        assert appsec["title"] == "Keamanan aplikasi"
        assert rows["Tanda webshell"] == "uploads/<i>thumb.php (eval-decoded)"
        assert rows["PHP di folder unggahan"] == "uploads/<i>thumb.php"
        assert rows[f"MariaDB {software['mariadb']['version']}"] == (
            f"akhir dukungan {debian} (dukungan rilis debian 12) (masih didukung); "
            f"data per {eol_data.DATA['compiled']}"
        )
        assert rows["Perubahan sejak acuan"].startswith("baseline ")
        assert {"webroot-webshell", "upload-php-file", "webroot-changed"} <= {
            f["rule"] for f in view["findings"]
        }
        html = (tmp_path / "out" / court / "laporan.html").read_text(encoding="utf-8")
        assert "uploads/&lt;i&gt;thumb.php" in html and "<i>thumb.php" not in html
    finally:
        court_fleet.exec(
            court,
            "rm -f '/var/www/court/uploads/<i>thumb.php' "
            + ("" if had_uploads else "&& rmdir /var/www/court/uploads ")
            + f"; cp -p /root/berita.php.orig /var/www/court/berita.php; rm -f {baseline}",
            check=False,
        )
