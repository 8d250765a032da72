"""Hardening over real SSH on a court container: keep access, refuse lockouts, ban brute force, audit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
    yield running
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def playbook(fleet, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
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


def test_full_hardening_then_audit_reports_full_compliance(court_fleet):
    proc = playbook(court_fleet, "playbooks/sop_hardening.yml")
    assert proc.returncode == 0, proc.stdout[-3000:]
    audit = subprocess.run(
        [str(BIN / "sopansible"), "--lang", "en", "audit", "-i", str(court_fleet.inventory), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
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


def test_audit_finds_drift_with_the_control_id(court_fleet):
    court = court_fleet.courts[0].name
    court_fleet.exec(court, "chmod 0644 /var/www/court/config.php")
    try:
        audit = subprocess.run(
            [
                str(BIN / "sopansible"),
                "audit",
                "-i",
                str(court_fleet.inventory),
                "--areas",
                "cms,php",
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    finally:
        court_fleet.exec(court, "chmod 0640 /var/www/court/config.php")
    assert audit.returncode == 2  # critical: a high-severity control failed
    (row,) = json.loads(audit.stdout)["courts"]
    assert [c["id"] for c in row["failed"]] == ["cms-config-perms"]
    assert [f["rule"] for f in row["findings"]] == ["cms-config-perms"]
    assert row["findings"][0]["message"].startswith("Berkas konfigurasi CMS")
