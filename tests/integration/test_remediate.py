"""Remediation (W7) must not restore the compromise: real court container, real restic snapshots.

One court (pn-tais, nginx). Its site is compromised for real (a web shell in the web root, gambling spam in
the CMS database), and the nightly backup then backs the compromised site up: the latest snapshot holds the
compromise. `sopansible remediate` must restore the newest snapshot taken while the history saw the site
whole, files and database, probe the result from the controller, and refuse when there is no history to
tell which snapshot is clean. A configuration restore that nginx refuses must be undone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from sopansible import store
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COURT = "pn-tais"
WEBSHELL = "/var/www/court/sys-cache.php"
SPAM_TITLE = "Slot gacor maxwin hari ini, daftar togel online terpercaya"


@pytest.fixture(scope="module")
def rm(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    name = f"rm{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=1, webservers=["nginx"])
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    data = tmp_path_factory.mktemp("rm-data")
    env = dict(os.environ, SOPANSIBLE_DATA=str(data), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    running.exec(COURT, "cp -a /etc/nginx/sites-available/court /root/court.nginx.orig")
    proc = playbook({"fleet": running, "env": env}, "playbooks/sop_backup.yml")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    yield {"fleet": running, "env": env, "data": data, "tmp": tmp_path_factory}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def playbook(rm, *args: str, inventory: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory or rm["fleet"].inventory), *args],
        capture_output=True,
        text=True,
        env=rm["env"],
        cwd=ROOT,
        check=False,
    )


def sopansible(rm, *args: str, data: Path | None = None) -> tuple[int, dict, str]:
    env = dict(rm["env"], SOPANSIBLE_DATA=str(data or rm["data"]))
    proc = subprocess.run(
        [str(BIN / "sopansible"), "--lang", "en", *args, "--json", "--no-report"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(
            f"sopansible {' '.join(args)} printed no JSON (rc {proc.returncode}): {proc.stderr[-3000:]}"
        )
    return proc.returncode, out, proc.stderr


def run_w1(rm) -> None:
    proc = subprocess.run(
        [
            str(BIN / "sopansible"),
            "run",
            "W1",
            "-i",
            str(rm["fleet"].inventory),
            "--no-report",
            "--no-notify",
        ],
        capture_output=True,
        text=True,
        env=rm["env"],
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode in (0, 1, 2), proc.stdout[-2000:] + proc.stderr[-2000:]


def homepage(rm) -> str:
    court = rm["fleet"].court(COURT)
    request = urllib.request.Request(f"http://{court.address}/", headers={"Host": court.domain})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.read().decode("utf-8", "replace")


def snapshots(rm) -> list[dict]:
    """The court's snapshots, oldest first, listed with restic itself on the court."""
    config = json.loads(rm["fleet"].exec(COURT, "cat /etc/pn-website/backup.json").stdout)
    out = rm["fleet"].exec(
        COURT,
        f"RESTIC_PASSWORD_FILE={config['password_file']} restic -r {config['targets'][0]['repository']} "
        "snapshots --json",
    )
    return sorted(json.loads(out.stdout), key=lambda s: s["time"])


def nightly_backup(rm) -> dict:
    """What the backup timer does at night: back up the site as it is now."""
    rm["fleet"].exec(COURT, "systemctl start pn-website-backup.service")
    return snapshots(rm)[-1]


def compromise(rm) -> None:
    f = rm["fleet"]
    f.exec(COURT, f"printf '%s\\n' '<?php system($_GET[\"c\"]);' > {WEBSHELL}")
    f.exec(
        COURT,
        'mysql court -e "INSERT INTO news (title, body, published_at) VALUES '
        f"('{SPAM_TITLE}', 'Bandar judi online resmi.', NOW() + INTERVAL 1 HOUR)\"",
    )
    assert SPAM_TITLE in homepage(rm)


def spam_rows(rm) -> int:
    out = rm["fleet"].exec(
        COURT, "mysql -N court -e \"SELECT COUNT(*) FROM news WHERE title LIKE 'Slot gacor%'\""
    )
    return int(out.stdout.strip())


def restore_action(out: dict) -> dict:
    actions = [a for a in out["courts"][COURT]["actions"] if a["action"] == "restore-site"]
    assert len(actions) == 1, out["courts"][COURT]
    return actions[0]


def records(rm, run_id: str) -> dict:
    with store.HistoryStore(rm["data"] / "history.sqlite") as history:
        return {t["finding_rule"]: t for t in history.troubleshooting(COURT) if t["run_id"] == run_id}


def test_compromised_site_is_restored_from_before_the_compromise_with_its_database(rm):
    f = rm["fleet"]
    clean = snapshots(rm)[-1]
    run_w1(rm)  # the daily check sees the site whole
    compromise(rm)
    compromised = nightly_backup(rm)
    assert compromised["id"] != clean["id"]

    # Without a history nothing tells which snapshot is clean: the site restore is refused, nothing changes.
    fresh = rm["tmp"].mktemp("no-history")
    code, out, err = sopansible(
        rm, "remediate", "-i", str(f.inventory), "--limit", COURT, "--yes", data=fresh
    )
    refused = restore_action(out)
    assert refused["ok"] is False, refused
    assert "refused" in refused["text"] and "pn_remediate_known_good_before" in refused["text"], refused
    assert f.exec(COURT, f"test -e {WEBSHELL}", check=False).returncode == 0
    assert spam_rows(rm) == 1
    assert [s["id"] for s in snapshots(rm)][-1] == compromised["id"]  # not even a safety snapshot

    # With the history (W1 saw the site whole after the clean snapshot and before the compromised one).
    run_w1(rm)  # the next daily check sees the spam
    code, out, err = sopansible(rm, "remediate", "-i", str(f.inventory), "--limit", COURT, "--yes")
    action = restore_action(out)
    assert action["ok"] is True, action
    details = action["details"]
    assert details["snapshot"] == clean["short_id"], (details, clean["short_id"], compromised["short_id"])
    assert details["basis"] == "history" and details["database"] is True
    assert details["restore"]["tables_verified"] > 0
    # Checked from the controller, as the diagnosis probes it.
    assert details["verification"]["checked"] and details["verification"]["whole"], details["verification"]
    assert details["verification"]["status"] == 200
    assert f.exec(COURT, f"test -e {WEBSHELL}", check=False).returncode != 0
    assert spam_rows(rm) == 0
    assert SPAM_TITLE not in homepage(rm) and f.court(COURT).court_name in homepage(rm)
    w7 = records(rm, out["run_id"])
    assert w7["gambling-spam"]["outcome"] == "resolved"
    assert "last known good" in w7["gambling-spam"]["actions"][0]


def test_a_restored_site_that_is_not_whole_is_reported(rm):
    """The operator names a compromised snapshot: the controller's probe of the restored site sees it."""
    f = rm["fleet"]
    compromise(rm)
    compromised = nightly_backup(rm)
    try:
        code, out, err = sopansible(
            rm,
            "remediate",
            "-i",
            str(f.inventory),
            "--limit",
            COURT,
            "--yes",
            "-e",
            f"pn_remediate_snapshot={compromised['id']}",
            "-e",
            "pn_remediate_backup=false",
        )
        action = restore_action(out)
        assert action["ok"] is False, action
        assert "NOT whole (gambling-spam)" in action["text"]
        assert action["details"]["snapshot"] == compromised["short_id"]
        assert action["details"]["basis"] == "operator-snapshot"
        verification = action["details"]["verification"]
        assert verification["checked"] and not verification["whole"], verification
        assert "gambling-spam" in verification["problems"]
        assert "gambling-spam" in [p["id"] for p in out["courts"][COURT]["remaining"]]
    finally:
        f.exec(COURT, f"rm -f {WEBSHELL}; mysql court -e \"DELETE FROM news WHERE title LIKE 'Slot gacor%'\"")
        nightly_backup(rm)


def nginx_state(rm) -> str:
    return (
        rm["fleet"]
        .exec(
            COURT,
            "cd /etc/nginx && find . -printf '%p %y %l\\n' | sort"
            " && find . -type f -exec sha256sum {} + | sort",
        )
        .stdout
    )


def test_restored_configuration_that_nginx_refuses_is_rolled_back(rm):
    f = rm["fleet"]
    # The latest backup holds a configuration nginx refuses (taken while someone was editing it).
    f.exec(COURT, "printf 'this_is_no_directive on;\\n' > /etc/nginx/conf.d/zz-edit.conf")
    nightly_backup(rm)
    f.exec(COURT, "rm /etc/nginx/conf.d/zz-edit.conf")
    # Now the live configuration is broken in another way (nginx keeps serving the old one).
    f.exec(COURT, "echo 'server_tokens_broken on;' >> /etc/nginx/sites-available/court")
    assert f.exec(COURT, "nginx -t", check=False).returncode != 0
    before = nginx_state(rm)
    try:
        code, out, err = sopansible(
            rm,
            "remediate",
            "-i",
            str(f.inventory),
            "--limit",
            COURT,
            "--yes",
            "-e",
            "pn_remediate_backup=false",
        )
        entry = out["courts"][COURT]
        actions = [a for a in entry["actions"] if a["action"] == "restore-config"]
        assert len(actions) == 1, entry
        action = actions[0]
        # Exactly the configuration the operator had: nothing of the restored one is left.
        assert f.exec(COURT, "test ! -e /etc/nginx/conf.d/zz-edit.conf", check=False).returncode == 0
        assert nginx_state(rm) == before
        assert action["ok"] is False
        assert "previous one was put back" in action["text"], action
        assert action["details"]["rolled_back"] is True
        assert "webserver-config-invalid" in [p["id"] for p in entry["remaining"]]
    finally:
        f.exec(
            COURT,
            "cp -a /root/court.nginx.orig /etc/nginx/sites-available/court; rm -f /etc/nginx/conf.d/zz-*",
        )
        f.exec(COURT, "systemctl restart nginx")
        nightly_backup(rm)


def test_playbook_refuses_several_courts_without_a_limit(rm, tmp_path):
    """ansible-playbook (or AWX) without --limit: every court of the play would be remediated."""
    inventory = yaml.safe_load(rm["fleet"].inventory.read_text())
    servers = inventory["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    servers["pn-tais-kedua"] = dict(servers[COURT])  # the same container under a second name
    path = tmp_path / "two.yml"
    path.write_text(yaml.safe_dump(inventory))
    base = ["playbooks/sop_remediate.yml", "-e", "pn_remediate_confirm=true", "--check"]
    proc = playbook(rm, *base, inventory=path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "would remediate all 2 courts" in output and "pn_remediate_all=true" in output
    assert "Diagnose before acting" not in output
    confirmed = playbook(rm, *base, "-e", "pn_remediate_all=true", inventory=path)
    assert "would remediate all" not in confirmed.stdout
    assert "Diagnose before acting" in confirmed.stdout
