"""Backup faults on a real court container: the backup disk runs full, or is not mounted at all.

One court whose local backup target (/var/backups/pn-website, its mount point in the inventory) is a
4 MiB tmpfs, and a web root holding more incompressible data than that. The SOP W2 run goes through
sopansible (ansible-runner, history store) as operators run it: the court's W2 result is failed with
the reason in Indonesian, the status file on the server says failed, and no snapshot is left that
looks good. After space is freed the nightly timer's run succeeds, and a W2 run without a new backup
reports that run (status, age, trigger) from the server's status file. An external disk that is not
mounted fails W2 with the reason and gets nothing written in its place. Unreachable targets, wrong
passwords and a killed backup are covered by test_backup.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from sopansible.cli import main
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "sop_backup.yml"
PASSWORD = "Uji-Disk-Penuh-Rahasia-5120"
REPO = "/var/backups/pn-website"
STATUS = "/var/lib/pn-website/backup-status.json"
RESTIC_ENV = "RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass RESTIC_CACHE_DIR=/tmp/restic-cache-faults"


@pytest.fixture(scope="module")
def bf(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    name = f"bf{os.getpid()}"
    try:
        running = fleet_lib.start(
            name,
            count=1,
            webservers=["nginx"],
            podman_args=["--mount", f"type=tmpfs,destination={REPO},tmpfs-size=4m"],
        )
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    court = running.courts[0]
    work = tmp_path_factory.mktemp("bf")
    inventory = yaml.safe_load(running.inventory.read_text())
    inventory["all"].setdefault("vars", {})["pn_backup_password"] = PASSWORD
    hosts = inventory["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    hosts[court.name]["court_backup_targets"] = [
        {"name": "disk-lokal", "type": "local", "location": REPO, "mount_point": REPO}
    ]
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    # 8 MiB of incompressible court documents: more than the backup disk holds
    running.exec(
        court.name, "head -c 8M /dev/urandom > /var/www/court/uploads/dokumen/arsip-putusan-2025.pdf"
    )
    yield {"fleet": running, "court": court.name, "work": work, "inventory": work / "inventory.yml"}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def data_dir(bf):
    path = bf["work"] / "data"
    saved = os.environ.get("SOPANSIBLE_DATA")
    os.environ["SOPANSIBLE_DATA"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("SOPANSIBLE_DATA", None)
    else:
        os.environ["SOPANSIBLE_DATA"] = saved


def sh(bf, command: str, check: bool = True):
    return bf["fleet"].exec(bf["court"], command, check=check)


def w2_results(data_dir: Path, court: str) -> list[dict]:
    return HistoryStore(data_dir / "history.sqlite").court_results(court, activity="W2")


def run_w2(bf, *extra: str) -> int:
    args = ["run", str(PLAYBOOK), "-i", str(bf["inventory"]), "--limit", bf["court"], "--no-report"]
    for item in extra:
        args += ["-e", item]
    return main(args)


@pytest.fixture(scope="module")
def full_disk_run(bf, data_dir):
    code = run_w2(bf)
    return code, w2_results(data_dir, bf["court"])


def test_a_full_backup_disk_fails_w2_clearly(bf, full_disk_run):
    code, results = full_disk_run
    assert code != 0
    recorded = [r for r in results if r["outputs"].get("run_id")]
    assert recorded, results
    result = recorded[-1]
    assert result["status"] == "failed"
    assert "GAGAL" in result["summary"] and "tidak ada snapshot" in result["summary"]
    (finding,) = [f for f in result["findings"] if f["rule"] == "backup-target-failed"]
    assert finding["evidence"]["kind"] == "no-space"
    assert "media backup penuh (ruang disk habis)" in finding["message"]
    assert result["outputs"]["snapshot_id"] == ""
    assert PASSWORD not in json.dumps(results)


def test_the_status_file_says_failed_and_no_snapshot_looks_good(bf, full_disk_run):
    status = json.loads(sh(bf, f"cat {STATUS}").stdout)
    assert status["status"] == "failed" and status["exit_code"] == 1
    assert status["trigger"] == "ansible"
    (target,) = status["targets"]
    assert target["status"] == "failed" and target["error"]["kind"] == "no-space"
    assert not target.get("snapshot_id")
    assert status["dump"]["verified"] is True  # the dump was fine; the medium was not
    # the repository holds no snapshot at all
    listing = sh(bf, f"{RESTIC_ENV} restic -r {REPO}/{bf['court']} snapshots --json", check=False)
    assert listing.returncode != 0 or json.loads(listing.stdout or "[]") == []
    assert PASSWORD not in json.dumps(status)


def test_the_timer_run_is_reported_with_its_age_when_there_is_space_again(bf, data_dir, full_disk_run):
    court = bf["court"]
    sh(bf, "rm -f /var/www/court/uploads/dokumen/arsip-putusan-2025.pdf")
    sh(bf, f"rm -rf {REPO}/{court}")
    # the nightly job, as systemd starts it
    sh(bf, "systemctl start pn-website-backup.service")
    status = json.loads(sh(bf, f"cat {STATUS}").stdout)
    assert status["status"] == "ok" and status["trigger"] == "timer", status
    code = run_w2(bf, "pn_backup_run_now=false")
    assert code == 0
    result = w2_results(data_dir, court)[-1]
    assert result["status"] == "ok", result
    outputs = result["outputs"]
    assert outputs["last_job_status"] == "ok" and outputs["last_job_trigger"] == "timer"
    assert outputs["run_id"] == status["run_id"] and outputs["snapshot_id"]
    assert 0 <= outputs["last_job_age_hours"] < 1
    assert outputs["last_job"]["dump_verified"] is True
    assert {"dump", "backup", "total"} <= set(outputs["last_job"]["durations"])
    assert "Backup terjadwal terakhir berhasil" in result["summary"]
    # a backup run now carries the previous (timer) run alongside its own
    assert run_w2(bf) == 0
    latest = w2_results(data_dir, court)[-1]
    assert latest["status"] == "ok" and latest["outputs"]["run_id"] != status["run_id"]
    assert latest["outputs"]["last_job"]["run_id"] == status["run_id"]
    assert latest["outputs"]["last_job_trigger"] == "timer"


def test_an_unmounted_external_disk_fails_w2_and_nothing_lands_on_the_root_disk(bf, data_dir, full_disk_run):
    """The external disk is unplugged: its mount folder is an empty folder on the root disk. W2 fails
    and says why, the nightly timer's run fails the same way, and no repository appears there. (A
    mounted disk is the tmpfs of the other tests here, named as mount point in the inventory.)"""
    court, disk = bf["court"], "/media/backup-pengadilan"
    sh(bf, f"mkdir -p {disk}")
    inventory = yaml.safe_load(bf["inventory"].read_text())
    hosts = inventory["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    hosts[court]["court_backup_targets"] = [
        {"name": "hdd-eksternal", "type": "local", "location": disk, "mount_point": disk}
    ]
    unplugged = bf["work"] / "inventory-unplugged.yml"
    unplugged.write_text(yaml.safe_dump(inventory))
    args = ["run", str(PLAYBOOK), "-i", str(unplugged), "--limit", court, "--no-report"]
    assert main(args) != 0
    result = w2_results(data_dir, court)[-1]
    assert result["status"] == "failed" and "tidak ada snapshot" in result["summary"], result
    (finding,) = [f for f in result["findings"] if f["rule"] == "backup-target-failed"]
    assert finding["evidence"]["kind"] == "not-mounted"
    assert "tidak terpasang" in finding["message"] and disk in finding["message"]
    assert sh(bf, f"ls -A {disk}").stdout.strip() == ""
    # the nightly timer's run refuses the same way
    run = sh(bf, "systemctl start pn-website-backup.service", check=False)
    assert run.returncode != 0
    status = json.loads(sh(bf, f"cat {STATUS}").stdout)
    assert status["status"] == "failed" and status["targets"][0]["error"]["kind"] == "not-mounted"
    assert sh(bf, f"ls -A {disk}").stdout.strip() == ""
