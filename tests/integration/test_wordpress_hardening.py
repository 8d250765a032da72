"""Hardening WordPress courts (Debian's package) on nginx and on Apache keeps the site working for its
editors: the seeded administrator logs in, uploads a document through the REST API, pretty permalinks
and WP-Cron answer; while PHP in wp-content/uploads never runs and guessing passwords through
/xmlrpc.php is throttled (nginx) and banned (fail2ban). W3 then finds the guessing in the court's
access log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sopansible.cli import main
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ATTACKER = "127.0.0.3"
XMLRPC_GUESS = (
    "<?xml version='1.0'?><methodCall><methodName>wp.getUsersBlogs</methodName><params>"
    "<param><value><string>admin</string></value></param>"
    "<param><value><string>salah{i}</string></value></param></params></methodCall>"
)


@pytest.fixture(scope="module")
def hw():
    """Two WordPress courts, pn-tais on nginx and pn-bangil on Apache, hardened once."""
    name = f"wh{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=2, webservers=["nginx", "apache"], cms="wordpress")
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the WordPress fleet did not start: {error}")
    (running.directory / "group_vars").mkdir(exist_ok=True)
    # the security source and its upgrade are shown by tests/integration/test_lynis.py; loopback
    # addresses are not exempt from fail2ban here, so that the guessing from 127.0.0.3 is banned
    (running.directory / "group_vars" / "court_servers.yml").write_text(
        "pn_audit_health_thresholds: {load_per_cpu: 1000000, memory_available_pct: 0}\n"
        "pn_os_hardening_security_source: false\npn_os_hardening_security_upgrade: false\n"
        "pn_firewall_fail2ban_ignoreip: []\npn_firewall_fail2ban_ignoreself: false\n"
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    started = time.monotonic()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(running.inventory), "playbooks/sop_hardening.yml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    print(f"\nhardening of 2 WordPress courts: {time.monotonic() - started:.1f}s")
    try:
        assert proc.returncode == 0, proc.stdout[-4000:]
        yield running
    finally:
        fleet_lib.remove(name)
        shutil.rmtree(running.directory, ignore_errors=True)


def curl(fleet, court, args: str, check: bool = True) -> str:
    """curl on the court itself, over HTTPS to its loopback with the court's name (-k: the check is the
    site's behaviour, not TLS)."""
    resolve = f"--resolve {court.domain}:443:127.0.0.1"
    return fleet.exec(court.name, f"curl -sk {resolve} {args}", check=check).stdout


def test_the_administrator_logs_in_and_uploads_media_after_hardening(hw):
    for court in hw.courts:
        base = f"https://{court.domain}"
        password = hw.exec(court.name, "cat /root/.pn-court/admin-password").stdout.strip()
        jar = f"/tmp/wp-jar-{court.name}"
        hw.exec(court.name, f"rm -f {jar}")
        login = curl(
            hw,
            court,
            f"-c {jar} -b 'wordpress_test_cookie=WP%20Cookie%20check' -o /dev/null -w '%{{http_code}}' "
            f"--data-urlencode log=admin --data-urlencode pwd={password} -d testcookie=1 "
            f"{base}/wp-login.php",
        )
        assert login == "302", login
        assert "wordpress_logged_in_" in hw.exec(court.name, f"cat {jar}").stdout
        nonce = curl(hw, court, f"-b {jar} '{base}/wp-admin/admin-ajax.php?action=rest-nonce'").strip()
        assert len(nonce) == 10 and nonce.isalnum(), nonce
        hw.exec(court.name, "printf '%%PDF-1.4\\n%% putusan uji\\n%%%%EOF\\n' > /tmp/putusan-uji.pdf")
        answer = curl(
            hw,
            court,
            f"-b {jar} -H 'X-WP-Nonce: {nonce}' -H 'Content-Type: application/pdf' "
            "-H 'Content-Disposition: attachment; filename=putusan-uji.pdf' "
            f"--data-binary @/tmp/putusan-uji.pdf {base}/wp-json/wp/v2/media",
        )
        media = json.loads(answer)
        assert media.get("source_url", "").startswith(f"{base}/wp-content/uploads/"), answer[:500]
        path = media["source_url"].removeprefix(base)
        assert curl(hw, court, f"{base}{path}").startswith("%PDF-1.4")


def test_permalinks_cron_and_the_login_page_answer_after_hardening(hw):
    for court in hw.courts:
        base = f"https://{court.domain}"
        code = curl(hw, court, f"-o /dev/null -w '%{{http_code}}' {base}/layanan-ptsp/")
        assert code == "200"  # a pretty permalink
        assert "Pelayanan Terpadu Satu Pintu" in curl(hw, court, f"{base}/layanan-ptsp/")
        assert curl(hw, court, f"-o /dev/null -w '%{{http_code}}' {base}/wp-cron.php") == "200"
        assert curl(hw, court, f"-o /dev/null -w '%{{http_code}}' {base}/wp-json/") == "200"
        assert 'name="log"' in curl(hw, court, f"{base}/wp-login.php")


def test_php_in_uploads_never_runs_after_hardening(hw):
    for court in hw.courts:
        hw.exec(
            court.name,
            "echo '<?php echo 6*7;' > /var/lib/wordpress/wp-content/uploads/shell.php && "
            "chown www-data: /var/lib/wordpress/wp-content/uploads/shell.php",
        )
        out = curl(hw, court, f"-w ' %{{http_code}}' https://{court.domain}/wp-content/uploads/shell.php")
        assert "42" not in out.split()[:-1] and out.split()[-1] in ("403", "404"), out


def xmlrpc_guesses(fleet, court, count: int) -> list[str]:
    statuses = []
    for i in range(count):
        body = XMLRPC_GUESS.format(i=i)
        statuses.append(
            curl(
                fleet,
                court,
                f"--interface {ATTACKER} -o /dev/null -w '%{{http_code}}' -H 'Content-Type: text/xml' "
                f'--data-binary "{body}" https://{court.domain}/xmlrpc.php',
                check=False,
            ).strip()
        )
    return statuses


def test_xmlrpc_password_guessing_is_throttled_and_banned(hw):
    for court in hw.courts:
        statuses = xmlrpc_guesses(hw, court, 16)
        assert statuses[0] == "200", statuses  # WordPress answers a wrong password with a fault
        if court.webserver == "nginx":
            # nginx limits POSTs to the login paths per address: the burst, then 503
            assert "503" in statuses or "429" in statuses, statuses
        status = ""
        for _attempt in range(30):
            status = hw.exec(court.name, "sleep 0.5; fail2ban-client status pn-web-login").stdout
            if ATTACKER in status:
                break
        assert ATTACKER in status.split("Banned IP list:")[1], status
        # the administrator from another address still logs in
        page = curl(hw, court, f"-o /dev/null -w '%{{http_code}}' https://{court.domain}/wp-login.php")
        assert page == "200"


def test_w3_finds_the_wordpress_password_guessing(hw, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    for court in hw.courts:
        for i in range(12):
            curl(
                hw,
                court,
                f"--interface 127.0.0.4 -o /dev/null -d log=admin -d pwd=tebak{i} "
                f"https://{court.domain}/wp-login.php",
                check=False,
            )
    started = time.monotonic()
    assert main(["run", "sop_logs", "-i", str(hw.inventory)]) in (0, 1, 2)
    print(f"\nW3 on 2 WordPress courts: {time.monotonic() - started:.1f}s")
    store = HistoryStore(data / "history.sqlite")
    try:
        results = {court: found["W3"] for court, found in store.latest_all().items()}
    finally:
        store.close()
    for court in hw.courts:
        result = results[court.name]
        findings = {finding["rule"]: finding for finding in result.get("findings", [])}
        # the xmlrpc.php guessing of the test before (16 POSTs from 127.0.0.3) and 12 wp-login.php guesses
        assert {"wordpress-xmlrpc-abuse", "admin-bruteforce"} <= set(findings), result
        assert ATTACKER in json.dumps(findings["wordpress-xmlrpc-abuse"]), findings["wordpress-xmlrpc-abuse"]
        assert "127.0.0.4" in json.dumps(findings["admin-bruteforce"]), findings["admin-bruteforce"]
