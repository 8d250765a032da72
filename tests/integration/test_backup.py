"""Backups, restores and restore drills on real court containers.

One module-scoped fleet of three courts: pn-tais (the court being backed up, nginx), pn-bangil (the
backup host, reached by pn-tais over podman's bridge network: the role sets up there an append-only
REST server, rclone serve restic, and a chrooted SFTP-only account for pn-tais) and pt-bengkulu (a
scratch server for restore drills). The playbooks run over real SSH; faults are made for real (a broken
view that makes mysqldump fail half way, a wrong database password, restic killed mid-run, an
unreachable server, a wrong repository password).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from ansible_collections.pn.website.plugins.module_utils.backup.repository import rotating_subset
from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet

PASSWORD = "Uji-Repo-Rahasia-4417"
REST_SECRET = "Uji-Rest-Pengadilan-Rahasia-8093"
COURT, SERVER, SCRATCH = "pn-tais", "pn-bangil", "pt-bengkulu"
ACCOUNT = "pnb-pn-tais"  # the court's own SFTP-only account on the backup host
SFTP_REPO = "/srv/pn-backup/courts/pn-tais/restic"
REST_REPO = "/srv/pn-backup/rest/pn-tais"
RESTIC_ENV = (
    f"RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass RESTIC_CACHE_DIR=/tmp/restic-cache-{os.getpid()}"
)


@pytest.fixture(scope="module")
def bk(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    name = f"bk{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=3, webservers=["nginx", "apache", "nginx"])
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    server_ip = fleet_lib.podman(
        "inspect", "-f", "{{.NetworkSettings.IPAddress}}", running.court(SERVER).container
    ).stdout.strip()
    work = tmp_path_factory.mktemp("bk")
    extra = {
        "all": {
            "vars": {"pn_backup_password": PASSWORD},
            "children": {
                "courts": {
                    "children": {
                        "court_servers": {
                            "hosts": {
                                COURT: {
                                    "court_backup_targets": [
                                        {
                                            "name": "disk-lokal",
                                            "type": "local",
                                            "location": "/var/backups/pn-website",
                                        },
                                        {
                                            "name": "server-cadangan",
                                            "type": "sftp",
                                            "inventory_host": SERVER,
                                            "location": f"{server_ip}:/srv/pn-backup/courts",
                                        },
                                        {
                                            "name": "server-rest",
                                            "type": "rest",
                                            "inventory_host": SERVER,
                                            "location": f"https://{server_ip}:8000/",
                                            "password": REST_SECRET,
                                        },
                                    ]
                                },
                                SERVER: {"pn_backup_enabled": False, "pn_restore_enabled": False},
                                SCRATCH: {"pn_backup_enabled": False, "pn_restore_scratch": True},
                            }
                        }
                    }
                }
            },
        }
    }
    (work / "extra.yml").write_text(yaml.safe_dump(extra))
    yield {"fleet": running, "work": work, "server_ip": server_ip}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def playbook(bk, name: str, *args: str, limit: str = f"{COURT},{SCRATCH}") -> tuple[int, str, dict]:
    """Run a project playbook; returns (exit code, output, {host: pn_sop_result})."""
    inventories = ("-i", str(bk["fleet"].inventory), "-i", str(bk["work"] / "extra.yml"))
    return run_sop_playbook(name, bk["work"], *inventories, "--limit", limit, *args)


def sh(bk, court: str, command: str, check: bool = True) -> subprocess.CompletedProcess:
    return bk["fleet"].exec(court, command, check=check)


def snapshots(bk, repo: str = "/var/backups/pn-website/pn-tais") -> list:
    out = sh(bk, COURT, f"{RESTIC_ENV} restic -r {repo} snapshots --json").stdout
    return json.loads(out)


def server_snapshots(bk, user: str = ACCOUNT, repo: str = SFTP_REPO) -> list:
    command = (
        f"cd /tmp && sudo -u {user} env RESTIC_PASSWORD='{PASSWORD}' RESTIC_CACHE_DIR=/tmp/c-{user} "
        f"restic -r {repo} snapshots --json"
    )
    return json.loads(sh(bk, SERVER, command).stdout)


def homepage(bk, court: str, domain: str = "pn-tais.go.id") -> tuple[int, str]:
    address = bk["fleet"].court(court).address
    request = urllib.request.Request(f"http://{address}/", headers={"Host": domain})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture(scope="module")
def backed_up(bk):
    code, output, results = playbook(bk, "sop_backup.yml", limit=f"{COURT},{SERVER}")
    assert code == 0, output[-3000:]
    assert PASSWORD not in output
    return results[COURT]


def test_backup_snapshots_every_target_with_a_verified_dump(bk, backed_up):
    result = backed_up
    assert result["activity"] == "W2" and result["status"] == "ok", result
    outputs = result["outputs"]
    assert outputs["dump_verified"] is True and outputs["snapshot_id"]
    assert outputs["repository"] == "/var/backups/pn-website/pn-tais"
    assert outputs["size_bytes"] > 0 and outputs["files"] > 10 and outputs["duration"] > 0
    assert [t["name"] for t in outputs["targets"]] == ["disk-lokal", "server-cadangan", "server-rest"]
    assert outputs["targets"][1]["repository"] == f"sftp:{ACCOUNT}@{bk['server_ip']}:/restic"
    assert outputs["targets"][2]["repository"] == f"rest:https://{bk['server_ip']}:8000/pn-tais"
    assert all(t["status"] == "ok" for t in outputs["targets"])

    local = snapshots(bk)
    assert len(local) == 1 and f"run:{outputs['run_id']}" in local[0]["tags"]
    assert "court:pn-tais" in local[0]["tags"] and local[0]["hostname"] == COURT
    paths = set(local[0]["paths"])
    assert {
        "/var/www/court",
        "/etc/nginx",
        "/etc/php",
        "/etc/ssl",
        "/var/lib/pn-website/backup-staging",
    } <= paths
    assert len(server_snapshots(bk)) == 1
    assert len(server_snapshots(bk, "pn-rest", REST_REPO)) == 1

    listing = sh(
        bk,
        COURT,
        f"{RESTIC_ENV} restic -r /var/backups/pn-website/pn-tais ls latest "
        "/var/lib/pn-website/backup-staging",
    ).stdout
    for name in ("database.sql", "manifest.json", "packages.txt", "grants.sql"):
        assert f"/var/lib/pn-website/backup-staging/{name}" in listing
    dump = sh(
        bk,
        COURT,
        f"{RESTIC_ENV} restic -r /var/backups/pn-website/pn-tais dump latest "
        "/var/lib/pn-website/backup-staging/database.sql | tail -n 1",
    ).stdout
    assert dump.startswith("-- Dump completed")
    status = json.loads(sh(bk, COURT, "cat /var/lib/pn-website/backup-status.json").stdout)
    assert status["status"] == "ok" and status["exit_code"] == 0 and status["dump"]["verified"]
    assert {"dump", "manifest", "backup", "total"} <= set(status["durations"])
    # the password is only in root's 0600 files, never in the status or the configuration
    assert PASSWORD not in json.dumps(status)
    assert PASSWORD not in sh(bk, COURT, "cat /etc/pn-website/backup.json").stdout
    assert REST_SECRET not in json.dumps(status) + json.dumps(result)
    assert sh(bk, COURT, "stat -c %a /etc/pn-website/backup.pass").stdout.strip() == "600"


def test_backup_timer_is_spread_over_the_night(bk, backed_up):
    timer = sh(bk, COURT, "systemctl cat pn-website-backup.timer").stdout
    assert "RandomizedDelaySec=10800" in timer and "Persistent=true" in timer
    assert sh(bk, COURT, "systemctl is-enabled pn-website-backup.timer").stdout.strip() == "enabled"
    # the timer's job is the same engine: run it once through systemd
    run = sh(bk, COURT, "systemctl start pn-website-backup.service", check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(sh(bk, COURT, "cat /var/lib/pn-website/backup-status.json").stdout)["status"] == "ok"


def test_the_daily_cycle_backs_up_and_sets_up_only_when_needed(bk, backed_up):
    status_file = "/var/lib/pn-website/backup-status.json"
    timer = "/etc/systemd/system/pn-website-backup.timer"
    sh(bk, COURT, "systemctl start pn-website-backup.service")  # the nightly timer's run
    nightly = json.loads(sh(bk, COURT, f"cat {status_file}").stdout)
    before = len(snapshots(bk))
    # a local edit the setup would undo: it stays while nothing in the setup changed
    sh(bk, COURT, f"sed -i 's/^RandomizedDelaySec=.*/RandomizedDelaySec=5/' {timer}")

    due = ("-e", "pn_backup_only_when_due=true")
    code, output, results = playbook(bk, "sop_backup.yml", *due, limit=f"{COURT},{SERVER}")
    assert code == 0, output[-3000:]
    assert results[COURT]["status"] == "ok" and results[COURT]["outputs"]["run_id"] == nightly["run_id"]
    assert results[COURT]["outputs"]["last_job_trigger"] == nightly["trigger"]
    assert len(snapshots(bk)) == before
    assert "RandomizedDelaySec=5\n" in sh(bk, COURT, f"cat {timer}").stdout

    # a changed setting changes the setup's fingerprint: the setup runs, still no backup
    code, output, results = playbook(
        bk, "sop_backup.yml", *due, "-e", "pn_backup_randomized_delay_sec=7200", limit=f"{COURT},{SERVER}"
    )
    assert code == 0, output[-3000:]
    assert "RandomizedDelaySec=7200\n" in sh(bk, COURT, f"cat {timer}").stdout
    assert len(snapshots(bk)) == before

    # the nightly run is two days old: the timer stopped, so the cycle backs up itself
    sh(
        bk,
        COURT,
        f"python3 -c \"import json; s=json.load(open('{status_file}')); "
        "s['finished']='2026-01-01T01:30:00+00:00'; "
        f"json.dump(s, open('{status_file}','w'))\"",
    )
    code, output, results = playbook(bk, "sop_backup.yml", *due, limit=f"{COURT},{SERVER}")
    assert code == 0, output[-3000:]
    outputs = results[COURT]["outputs"]
    assert results[COURT]["status"] == "ok" and outputs["run_id"] != nightly["run_id"]
    assert outputs["last_job_finished"] == "2026-01-01T01:30:00+00:00"
    assert len(snapshots(bk)) == before + 1
    assert "RandomizedDelaySec=10800\n" in sh(bk, COURT, f"cat {timer}").stdout


def test_a_broken_dump_fails_the_backup_and_makes_no_snapshot(bk, backed_up):
    before_local, before_server = len(snapshots(bk)), len(server_snapshots(bk))
    # a view over a dropped table: mysqldump stops half way with exit 2
    sh(
        bk,
        COURT,
        "mysql court -e 'CREATE TABLE tmp_t (id int); CREATE VIEW broken AS SELECT * FROM tmp_t; "
        "DROP TABLE tmp_t'",
    )
    try:
        run = sh(bk, COURT, "/usr/local/sbin/pn-website-backup", check=False)
    finally:
        sh(bk, COURT, "mysql court -e 'DROP VIEW broken'")
    assert run.returncode == 1
    status = json.loads(sh(bk, COURT, "cat /var/lib/pn-website/backup-status.json").stdout)
    assert status["status"] == "failed" and status["exit_code"] == 1
    assert status["dump"]["verified"] is False and status["dump"]["exit_code"] == 2
    assert "broken" in status["dump"]["error"] and status["targets"] == []
    assert len(snapshots(bk)) == before_local and len(server_snapshots(bk)) == before_server

    # wrong database credentials
    sh(
        bk,
        COURT,
        "python3 -c \"import json; c=json.load(open('/etc/pn-website/backup.json')); "
        "c['database']={'name':'court','user':'court','password':'salah-sandi'}; "
        "c['status_file']='/tmp/bad-status.json'; json.dump(c, open('/tmp/bad.json','w'))\"",
    )
    run = sh(bk, COURT, "/usr/local/sbin/pn-website-backup --config /tmp/bad.json", check=False)
    status = json.loads(sh(bk, COURT, "cat /tmp/bad-status.json").stdout)
    assert run.returncode == 1 and status["errors"][0]["kind"] == "db-access-denied"
    assert "salah-sandi" not in run.stdout + run.stderr + json.dumps(status)
    assert len(snapshots(bk)) == before_local


def test_unreachable_target_and_wrong_password_fail_clearly(bk, backed_up):
    sh(
        bk,
        COURT,
        "python3 -c \"import json; c=json.load(open('/etc/pn-website/backup.json')); "
        f"c['targets'][1]['repository']='sftp:pn-backup@{bk['server_ip']}:/srv/nope'; "
        "c['targets'][1]['port']=2; "
        "c['status_file']='/tmp/unreach.json'; json.dump(c, open('/tmp/unreach-config.json','w'))\"",
    )
    run = sh(bk, COURT, "/usr/local/sbin/pn-website-backup --config /tmp/unreach-config.json", check=False)
    status = json.loads(sh(bk, COURT, "cat /tmp/unreach.json").stdout)
    assert run.returncode == 1 and status["status"] == "failed"
    assert status["targets"][0]["status"] == "ok"  # the disk still got its snapshot
    assert status["targets"][1]["error"]["kind"] == "unreachable"
    assert "cannot be reached" in run.stdout

    sh(
        bk,
        COURT,
        "printf 'bukan-sandinya\\n' > /tmp/wrong.pass && python3 -c \"import json; "
        "c=json.load(open('/etc/pn-website/backup.json')); c['password_file']='/tmp/wrong.pass'; "
        "c['status_file']='/tmp/wrong.json'; json.dump(c, open('/tmp/wrong-config.json','w'))\"",
    )
    run = sh(bk, COURT, "/usr/local/sbin/pn-website-backup --config /tmp/wrong-config.json", check=False)
    status = json.loads(sh(bk, COURT, "cat /tmp/wrong.json").stdout)
    assert run.returncode == 1
    assert [t["error"]["kind"] for t in status["targets"]] == ["wrong-password"] * 3
    assert "bukan-sandinya" not in run.stdout + run.stderr


def test_a_backup_killed_mid_run_leaves_a_consistent_repository(bk, backed_up):
    sh(bk, COURT, "head -c 20000000 /dev/urandom > /var/www/court/uploads/dokumen/arsip-besar.pdf")
    # the upload limit keeps restic busy long enough to be killed half way
    sh(
        bk,
        COURT,
        "python3 -c \"import json; c=json.load(open('/etc/pn-website/backup.json')); "
        "c['targets'][0]['limit_upload_kib']=1024; json.dump(c, open('/tmp/slow.json','w'))\"",
    )
    job = sh(
        bk,
        COURT,
        "nohup /usr/local/sbin/pn-website-backup --config /tmp/slow.json --target disk-lokal "
        ">/tmp/killed.log 2>&1 & echo $!",
    ).stdout.strip()
    locks = "ls /var/backups/pn-website/pn-tais/locks | wc -l"
    restic_pid = ""
    for _ in range(300):
        restic_pid = sh(bk, COURT, f"pgrep -P {job} -x restic", check=False).stdout.strip()
        if restic_pid and int(sh(bk, COURT, locks).stdout) > 0:
            break
        time.sleep(0.1)
    assert restic_pid, "restic did not start"
    sh(bk, COURT, f"kill -KILL {restic_pid} {job}", check=False)
    time.sleep(0.5)
    assert sh(bk, COURT, f"kill -0 {restic_pid}", check=False).returncode != 0
    assert int(sh(bk, COURT, locks).stdout) >= 1  # the dead process's lock is still there
    # the next run clears the stale lock (only) and succeeds; check passes
    run = sh(bk, COURT, "/usr/local/sbin/pn-website-backup --target disk-lokal", check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # backups share the repository with the stale lock; `restic unlock` removes it (stale locks only)
    sh(bk, COURT, f"{RESTIC_ENV} restic -r /var/backups/pn-website/pn-tais unlock")
    assert int(sh(bk, COURT, locks).stdout) == 0
    check = sh(bk, COURT, f"{RESTIC_ENV} restic -r /var/backups/pn-website/pn-tais check", check=False)
    assert check.returncode == 0 and "no errors were found" in check.stdout
    sh(bk, COURT, "rm -f /var/www/court/uploads/dokumen/arsip-besar.pdf")


def test_restore_refuses_without_confirmation(bk, backed_up):
    code, output, results = playbook(bk, "sop_restore.yml", limit=COURT)
    assert code != 0 and "pn_restore_confirm=true" in output
    assert COURT not in results


def test_restore_on_the_same_host_with_a_safety_snapshot(bk, backed_up):
    good = sh(bk, COURT, "sha256sum /var/www/court/index.php").stdout.split()[0]
    rows = sh(bk, COURT, "mysql -N court -e 'SELECT COUNT(*) FROM news'").stdout.strip()
    sh(
        bk,
        COURT,
        "echo '<?php echo \"HACKED\";' > /var/www/court/index.php; "
        "echo 'spam' > /var/www/court/slot-gacor.php; mysql court -e 'DELETE FROM news'",
    )
    before = len(snapshots(bk))
    code, output, results = playbook(bk, "sop_restore.yml", "-e", "pn_restore_confirm=true", limit=COURT)
    assert code == 0, output[-3000:]
    assert PASSWORD not in output
    result = results[COURT]
    assert result["activity"] == "IT-DRILL" and result["status"] == "ok", result
    assert result["outputs"]["mode"] == "restore" and result["outputs"]["safety_snapshot"]
    assert sh(bk, COURT, "sha256sum /var/www/court/index.php").stdout.split()[0] == good
    assert sh(bk, COURT, "test -e /var/www/court/slot-gacor.php", check=False).returncode != 0
    assert sh(bk, COURT, "mysql -N court -e 'SELECT COUNT(*) FROM news'").stdout.strip() == rows
    # the safety snapshot holds the defaced state and is tagged, the restored one was the latest regular one
    snaps = snapshots(bk)
    assert len(snaps) == before + 1 and "pre-restore" in snaps[-1]["tags"]
    assert result["outputs"]["snapshot_id"] != snaps[-1]["short_id"]
    status, page = homepage(bk, COURT)
    assert status == 200 and "Pengadilan Negeri Tais" in page and "HACKED" not in page


def test_restore_drill_on_a_scratch_server(bk, backed_up):
    code, output, results = playbook(bk, "sop_restore_drill.yml", "-e", f"pn_restore_drill_host={SCRATCH}")
    assert code == 0, output[-3000:]
    result = results[COURT]
    assert result["activity"] == "IT-DRILL" and result["status"] == "ok", result
    outputs = result["outputs"]
    assert outputs["mode"] == "drill" and outputs["restored_to"] == SCRATCH
    assert outputs["target"] == "server-cadangan"  # another host restores from the backup server
    assert outputs["files_verified"] > 10 and outputs["tables_verified"] >= 3
    assert outputs["http_status"] == 200 and outputs["keyword_found"] is True
    assert 0 <= outputs["rpo_hours"] < 1 and outputs["rto_seconds"] > 0
    assert SCRATCH not in results  # the scratch server itself is not drilled
    status, page = homepage(bk, SCRATCH)
    assert status == 200 and "Pengadilan Negeri Tais" in page
    # nothing of the repository access stays on the scratch server
    assert sh(bk, SCRATCH, "ls /etc/pn-website").stdout.split() == ["known_hosts"]


def test_retention_runs_on_the_backup_host_and_the_court_keeps_backing_up(bk, backed_up):
    code, output, _ = playbook(
        bk, "sop_backup.yml", "--tags", "maintain", "-e", "pn_backup_maintain=true", limit=f"{COURT},{SERVER}"
    )
    assert code == 0, output[-3000:]
    assert output.count("check ok") >= 3 and PASSWORD not in output and REST_SECRET not in output
    # the administrator's run kept the owners the servers need
    assert sh(bk, SERVER, f"find {SFTP_REPO} -not -user {ACCOUNT} | wc -l").stdout.strip() == "0"
    assert sh(bk, SERVER, f"find {REST_REPO} -not -user pn-rest | wc -l").stdout.strip() == "0"
    for target in ("server-cadangan", "server-rest"):
        run = sh(bk, COURT, f"/usr/local/sbin/pn-website-backup --target {target}", check=False)
        assert run.returncode == 0, run.stdout + run.stderr


def test_the_daily_cycle_maintains_the_repositories_once_a_week(bk, backed_up):
    """harian.yml runs the maintenance on pn_backup_maintain_weekday only (the controller's date), and the
    weekly check reads the subset of this week."""
    today = datetime.date.today()
    weekday = today.isoweekday() % 7
    other = (weekday + 3) % 7
    with open(bk["work"] / "cycle.yml", "w") as handle:
        yaml.safe_dump(
            [
                {
                    "ansible.builtin.import_playbook": str(fleet_lib.ROOT / "playbooks" / "sop_backup.yml"),
                    "vars": yaml.safe_load((fleet_lib.ROOT / "playbooks" / "harian.yml").read_text())[1][
                        "vars"
                    ],
                }
            ],
            handle,
        )
    inventories = ("-i", str(bk["fleet"].inventory), "-i", str(bk["work"] / "extra.yml"))
    for day, expected in ((other, False), (weekday, True)):
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                str(bk["work"] / "cycle.yml"),
                *inventories,
                "--limit",
                f"{COURT},{SERVER}",
                "-e",
                f"pn_backup_maintain_weekday={day}",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=fleet_lib.ROOT,
            env=dict(os.environ, ANSIBLE_CONFIG=str(fleet_lib.ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1"),
        )
        assert run.returncode == 0, run.stdout[-3000:]
        maintained = "Apply retention and check each repository" in run.stdout
        assert maintained is expected, run.stdout[-3000:]
    subset = rotating_subset(7, today)
    assert run.stdout.count(f"check ok ({subset})") == 3, run.stdout[-3000:]


def test_the_court_has_its_own_sftp_only_account_in_a_chroot(bk, backed_up):
    ip = bk["server_ip"]
    account = sh(bk, SERVER, f"getent passwd {ACCOUNT}").stdout.strip().split(":")
    assert account[5] == "/srv/pn-backup/courts/pn-tais" and account[6] == "/usr/sbin/nologin"
    effective = sh(bk, SERVER, f"sshd -T -C user={ACCOUNT},host=court,addr={ip}").stdout.lower()
    assert "chrootdirectory %h" in effective  # the account's home, /srv/pn-backup/courts/pn-tais
    for line in (
        "forcecommand internal-sftp",
        "allowtcpforwarding no",
        "allowagentforwarding no",
        "allowstreamlocalforwarding no",
        "x11forwarding no",
        "permittty no",
        "permittunnel no",
    ):
        assert line in effective, line
    assert sh(bk, SERVER, "stat -c '%U %a' /srv/pn-backup/courts/pn-tais").stdout.split() == ["root", "755"]
    ssh = (
        "ssh -i /root/.ssh/pn-website-backup -o IdentitiesOnly=yes -o BatchMode=yes "
        f"-o UserKnownHostsFile=/etc/pn-website/known_hosts -o StrictHostKeyChecking=yes {ACCOUNT}@{ip}"
    )
    # with the court's key, a command gets no shell (only the SFTP server, which sees end of input)
    shell = sh(bk, COURT, f"timeout 60 {ssh} 'id; cat /etc/shadow' < /dev/null", check=False)
    assert "uid=" not in shell.stdout and "root:" not in shell.stdout
    forward = sh(bk, COURT, f"timeout 60 {ssh} -N -W 127.0.0.1:22 < /dev/null", check=False)
    assert forward.returncode != 0 and "SSH-2.0" not in forward.stdout
    # over SFTP the court sees its own repository and nothing else of the server
    sftp = (
        "timeout 60 sftp -b - -i /root/.ssh/pn-website-backup -o IdentitiesOnly=yes "
        f"-o UserKnownHostsFile=/etc/pn-website/known_hosts {ACCOUNT}@{ip}"
    )
    listing = sh(bk, COURT, f"printf 'ls -1a /\\n' | {sftp}")
    names = {line.strip().rstrip("/").split("/")[-1] for line in listing.stdout.splitlines()}
    assert names - {"", ".", ".."} - {line for line in names if line.startswith("sftp>")} == {"restic"}
    for outside in ("/etc", "/srv/pn-backup/courts", "/home"):
        assert sh(bk, COURT, f"printf 'cd {outside}\\n' | {sftp}", check=False).returncode != 0, outside


def test_the_rest_server_on_the_backup_host_is_append_only_for_the_court(bk, backed_up):
    ip = bk["server_ip"]
    assert sh(bk, SERVER, "systemctl is-active pn-website-rest-server").stdout.strip() == "active"
    unit = sh(bk, SERVER, "systemctl cat pn-website-rest-server").stdout
    assert "--append-only" in unit and "--private-repos" in unit and "--cert" in unit
    assert REST_SECRET not in unit
    htpasswd = sh(bk, SERVER, "stat -c '%U %G %a' /etc/pn-website/rest-server/htpasswd").stdout.split()
    assert htpasswd == ["root", "pn-rest", "640"]
    assert REST_SECRET not in sh(bk, SERVER, "cat /etc/pn-website/rest-server/htpasswd").stdout
    config = json.loads(sh(bk, COURT, "cat /etc/pn-website/backup.json").stdout)
    rest = config["targets"][2]
    assert rest["append_only"] is True and rest["cacert"] == "/etc/pn-website/rest-server-rest.crt"
    # one more snapshot from the court, so that a retention would have something to delete
    sh(bk, COURT, "/usr/local/sbin/pn-website-backup --target server-rest")
    snapshot_files = f"ls {REST_REPO}/snapshots"
    before = sh(bk, SERVER, snapshot_files).stdout.split()
    assert len(before) >= 2
    # the court's credential, over TLS with the pinned certificate, straight at the server
    curl = f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {rest['cacert']} -u 'pn-tais:{REST_SECRET}'"
    deleted = sh(bk, COURT, f"{curl} -X DELETE https://{ip}:8000/pn-tais/snapshots/{before[0]}").stdout
    assert deleted == "403", deleted
    foreign = sh(bk, COURT, f"{curl} https://{ip}:8000/pn-bangil/config").stdout
    assert foreign in ("401", "403"), foreign
    # and the real restic client: forget and prune fail, every snapshot stays
    forget = sh(
        bk,
        COURT,
        f"RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass RESTIC_CACHE_DIR=/tmp/c-forget "
        f"restic -r 'rest:https://pn-tais:{REST_SECRET}@{ip}:8000/pn-tais/' --cacert {rest['cacert']} "
        "forget --keep-last 1 --group-by host --prune",
        check=False,
    )
    assert forget.returncode != 0
    assert sh(bk, SERVER, snapshot_files).stdout.split() == before
