"""An outside judge of the hardening: Debian's lynis audits a court before and after `sop_hardening.yml`.

lynis is installed in the court container at test time (never part of the court image or of the
hardening). The court runs with CAP_DAC_READ_SEARCH, as a virtual machine's root has it, so that the
hardening's AIDE database is built there too. One court and one hardening run serve every test here.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests import fleet as fleet_lib
from tests.integration.test_hardening import audit_fleet, playbook, ssh

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
SECTION = "## Hardening index of an outside audit (lynis)"
REPORT = "/var/log/lynis-report.dat"
MIN_INDEX = 80


def lynis(fleet, court: str) -> dict:
    """One quick lynis audit: the hardening index and the test ids of its warnings and suggestions."""
    fleet.exec(court, "lynis audit system --quick --no-colors > /root/lynis.out 2>&1")
    report = fleet.exec(court, f"cat {REPORT}").stdout
    index = re.search(r"^hardening_index=(\d+)$", report, re.M)
    assert index, report[-2000:]
    found = re.findall(r"^(?:warning|suggestion)\[\]=([A-Z0-9-]+)\|", report, re.M)
    return {"index": int(index.group(1)), "ids": sorted(set(found) - {"LYNIS"}), "report": report}


@pytest.fixture(scope="module")
def judged_court(tmp_path_factory):
    name = f"ly{os.getpid()}"
    try:
        running = fleet_lib.start(
            name, count=1, webservers=["nginx"], podman_args=["--cap-add=DAC_READ_SEARCH"]
        )
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    (running.directory / "group_vars").mkdir(exist_ok=True)
    (running.directory / "group_vars" / "court_servers.yml").write_text(
        "pn_audit_health_thresholds: {load_per_cpu: 1000000, memory_available_pct: 0}\n"
    )
    court = running.courts[0].name
    try:
        running.exec(
            court,
            "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq"
            " && apt-get install -y -qq --no-install-recommends lynis > /dev/null",
        )
        before = lynis(running, court)
        started = time.monotonic()
        hardening = playbook(running, "playbooks/sop_hardening.yml")
        seconds = time.monotonic() - started
        after = lynis(running, court) if hardening.returncode == 0 else None
        yield {
            "fleet": running,
            "court": court,
            "before": before,
            "after": after,
            "hardening": hardening,
            "seconds": seconds,
            "data": tmp_path_factory.mktemp("lynis-data"),
        }
    finally:
        fleet_lib.remove(name)
        shutil.rmtree(running.directory, ignore_errors=True)


def documented() -> dict[str, str]:
    """The test ids of the docs' table of remaining lynis suggestions, with their reasons."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9-]+)` \| [^|]+ \| ([^|]+) \|$", section, re.M)
    return {test_id: reason.strip() for test_id, reason in rows}


def test_hardening_raises_the_lynis_hardening_index_to_at_least_80(judged_court):
    hardening = judged_court["hardening"]
    assert hardening.returncode == 0, hardening.stdout[-4000:] + hardening.stderr[-2000:]
    before, after = judged_court["before"], judged_court["after"]
    print(f"lynis hardening index {before['index']} -> {after['index']} ({judged_court['seconds']:.0f} s)")
    assert after["index"] >= MIN_INDEX, after["ids"]
    assert after["index"] > before["index"]
    # what the hardening answered is gone: security repository, integrity tool, banners, core dumps
    for test_id in ("PKGS-7388", "FINT-4350", "BANN-7126", "BANN-7130", "KRNL-5820", "USB-1000"):
        assert test_id in before["ids"] and test_id not in after["ids"], test_id
    assert "aide" in judged_court["fleet"].exec(judged_court["court"], "ls /var/lib/aide").stdout


def test_the_website_and_the_sop_activities_still_work_after_the_hardening(judged_court):
    """The site answers over HTTP and HTTPS, the PHP admin login works, Ansible still logs in with sudo,
    the audit finds full compliance and a backup runs."""
    assert judged_court["hardening"].returncode == 0
    fleet, court_name = judged_court["fleet"], judged_court["court"]
    court = fleet.court(court_name)
    request = urllib.request.Request(f"http://{court.address}/", headers={"Host": court.domain})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        assert court.court_name in response.read().decode()
    https = fleet.exec(
        court_name,
        f"curl -s -o /dev/null -w '%{{http_code}}' --resolve {court.domain}:443:127.0.0.1 -k "
        f"https://{court.domain}/",
    )
    assert https.stdout == "200"
    password = fleet.exec(court_name, "cat /root/.pn-court/admin-password").stdout.strip()
    login = fleet.exec(
        court_name,
        "curl -s -o /dev/null -w '%{http_code}' --data-urlencode username=admin "
        f"--data-urlencode password={password} http://127.0.0.1/admin/login.php",
    )
    assert login.stdout == "302"
    assert ssh(fleet, "sudo -n true").returncode == 0
    audit = audit_fleet(fleet, judged_court["data"], lang="en")
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]
    backup = playbook(fleet, "playbooks/sop_backup.yml")
    assert backup.returncode == 0, backup.stdout[-3000:]
    # the hardening run left nothing to do
    assert "failed=0" in judged_court["hardening"].stdout


def test_every_remaining_lynis_suggestion_is_documented_with_its_reason(judged_court):
    assert judged_court["hardening"].returncode == 0
    table = documented()
    assert all(len(reason) > 20 for reason in table.values()), table
    remaining = judged_court["after"]["ids"]
    assert [test_id for test_id in remaining if test_id not in table] == []


def test_compilers_are_root_only_and_aide_keeps_a_database(judged_court):
    """A web shell running as www-data cannot assemble an exploit. needrestart depends on binutils, so the
    hardening itself brings Debian's assembler: it is root-only after the run, and again after a package
    upgrade put the package's mode back. AIDE's database was built with SHA-512."""
    assert judged_court["hardening"].returncode == 0
    fleet, court = judged_court["fleet"], judged_court["court"]
    checksums = fleet.exec(court, "grep -E '^Checksums = sha512$' /etc/aide/aide.conf", check=False)
    assert checksums.returncode == 0
    assert fleet.exec(court, "test -s /var/lib/aide/aide.db", check=False).returncode == 0
    real = fleet.exec(court, "readlink -f /usr/bin/as").stdout.strip()
    assert real.startswith("/usr/bin/")

    def root_only() -> bool:
        mode = fleet.exec(court, f"stat -c '%a %U %G' {real}").stdout.split()
        denied = fleet.exec(court, "runuser -u www-data -- as --version", check=False)
        assert fleet.exec(court, "as --version", check=False).returncode == 0
        refused = denied.returncode != 0 and "Permission denied" in denied.stderr
        return mode == ["750", "root", "root"] and refused

    assert root_only()
    fleet.exec(court, f"chmod 0755 {real}")  # what an upgrade of binutils does
    assert fleet.exec(court, "runuser -u www-data -- as --version", check=False).returncode == 0
    proc = playbook(fleet, "playbooks/sop_hardening.yml", "--tags", "os_compilers")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert root_only()
