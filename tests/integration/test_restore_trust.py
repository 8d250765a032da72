"""Restore drills on a shared drill host, where a court's snapshot is attacker-controlled input.

One module-scoped fleet of three real court containers: pn-tais (a court in an attacker's hands: it
holds its own repository password and writes its own snapshots), pn-bangil (a court backing up to a
local disk and to an append-only REST server) and pt-bengkulu (the scratch server of the drills,
which sees the courts' backup disk and REST data, as a disaster-recovery host does). The attacks are
real snapshots made on pn-tais with restic and drilled onto pt-bengkulu through the playbooks; runs
that must be recorded go through sopansible (ansible-runner, history store, retry file).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from sopansible import runner
from sopansible.cli import main
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Sandi-Repo-Bersama-6610"
REST_SECRET = "Rest-Bangil-Rahasia-2291"
ADMIN_SECRET = "Admin-Rest-Rahasia-7730"
WRONG_PASSWORD = "Sandi-Salah-Tais-0404"
COURT, OTHER, SCRATCH = "pn-tais", "pn-bangil", "pt-bengkulu"
STAGING = "/var/lib/pn-website/backup-staging"
RESTIC = (
    "RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass RESTIC_CACHE_DIR=/tmp/restic-cache "
    "restic -r /var/backups/pn-website/pn-tais"
)
OPERATOR_KEY = "ssh-ed25519 AAAAC3NzaOperatorDrillHost operator@dr"
ATTACKER_KEY = "ssh-ed25519 AAAAC3NzaAttackerCourtSnapshot attacker@pn-tais"


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    work = tmp_path_factory.mktemp("rt")
    shared = work / "shared"
    (shared / "disk").mkdir(parents=True)
    (shared / "rest").mkdir()
    name = f"rt{os.getpid()}"
    try:
        running = fleet_lib.start(
            name,
            count=3,
            webservers=["nginx", "apache", "nginx"],
            # one backup disk and one REST server directory, seen by the courts and the drill host
            podman_args=[
                "-v",
                f"{shared / 'disk'}:/var/backups/pn-website",
                "-v",
                f"{shared / 'rest'}:/srv/pn-rest",
            ],
        )
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    # the REST server (the project's protocol stand-in) on the loopback of pn-bangil and of the drill
    # host, both on the shared directory: the usual deployment of one server per network
    server = (ROOT / "tests" / "servers" / "restic_rest_server.py").read_text()
    for court in (OTHER, SCRATCH):
        running.exec(
            court,
            f"mkdir -p /opt/pn-test && cat > /opt/pn-test/restic_rest_server.py << 'PNEOF'\n{server}\nPNEOF",
        )
        running.exec(
            court,
            "cd /opt/pn-test && setsid nohup python3 -c "
            '"from restic_rest_server import ResticRestServer as S; '
            f"S('/srv/pn-rest', users={{'{OTHER}': '{REST_SECRET}'}}, append_only=True, private_repos=True, "
            'port=8000).httpd.serve_forever()" > /dev/null 2>&1 < /dev/null &',
        )
    inventory = yaml.safe_load(running.inventory.read_text())
    inventory["all"]["vars"]["pn_backup_password"] = PASSWORD
    hosts = inventory["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    disk = {"name": "disk-lokal", "type": "local", "location": "/var/backups/pn-website"}
    hosts[COURT]["court_backup_targets"] = [disk]
    hosts[OTHER]["court_backup_targets"] = [
        disk,
        {
            "name": "server-rest",
            "type": "rest",
            "location": "http://127.0.0.1:8000/",
            "username": OTHER,
            "password": REST_SECRET,
            "admin_username": "pn-admin",
            "admin_password": ADMIN_SECRET,
        },
    ]
    hosts[SCRATCH].update(pn_backup_enabled=False, pn_restore_scratch=True)
    path = work / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))  # the fleet's order: pn-tais first
    # the drill run in which pn-tais's repository password is wrong
    hosts[COURT]["pn_restore_password"] = WRONG_PASSWORD
    (work / "inventory-wrong.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    data = work / "data"
    saved = os.environ.get("SOPANSIBLE_DATA")
    os.environ["SOPANSIBLE_DATA"] = str(data)
    yield {"fleet": running, "work": work, "inventory": path, "data": data}
    if saved is None:
        os.environ.pop("SOPANSIBLE_DATA", None)
    else:
        os.environ["SOPANSIBLE_DATA"] = saved
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def sh(rt, court: str, command: str, check: bool = True):
    return rt["fleet"].exec(court, command, check=check)


def sopansible(rt, playbook: str, *args: str, inventory: str = "inventory.yml") -> int:
    path = ROOT / "playbooks" / playbook
    return main(["run", str(path), "-i", str(rt["work"] / inventory), "--no-report", "--no-notify", *args])


def drill(rt) -> dict:
    """The drill of pn-tais onto the scratch host, run with ansible-playbook; its pn_sop_result."""
    code, output, results = run_sop_playbook(
        "sop_restore_drill.yml",
        rt["work"],
        "-i",
        str(rt["inventory"]),
        "--limit",
        f"{COURT},{SCRATCH}",
        "-e",
        f"pn_restore_drill_host={SCRATCH}",
    )
    assert PASSWORD not in output
    return {"code": code, "output": output, "result": results.get(COURT)}


@pytest.fixture(scope="module")
def backed_up(rt):
    assert sopansible(rt, "sop_backup.yml", "--limit", f"{COURT},{OTHER}") == 0
    store = HistoryStore(rt["data"] / "history.sqlite")
    good = store.court_results(COURT, activity="W2")[-1]["outputs"]["snapshot_id"]
    # what the scratch host holds before the drills: the operator's key, a known web root
    sh(rt, SCRATCH, f"install -d -m 0700 /root/.ssh && echo '{OPERATOR_KEY}' > /root/.ssh/authorized_keys")
    return good


def forge(rt, good: str, edit: str, extra_paths: str = "") -> None:
    """pn-tais, in an attacker's hands, writes a snapshot from its last good backup's staging folder
    changed by the shell commands EDIT (run in that folder), with its own restic and password."""
    sh(
        rt,
        COURT,
        f"rm -rf /tmp/forge && {RESTIC} restore {good} --target /tmp/forge --include {STAGING} "
        f"&& cp -a /tmp/forge{STAGING}/. {STAGING}/ && cd {STAGING} && {edit} "
        f"&& {RESTIC} backup --host {COURT} --tag court:{COURT} --tag run:forged --tag pn-website "
        f"{STAGING} /var/www/court {extra_paths}",
    )


def scratch_marker(rt) -> str:
    marker = "situs-uji-sebelumnya"
    sh(rt, SCRATCH, f"echo {marker} > /var/www/court/penanda.txt")
    return marker


def test_a_snapshot_cannot_choose_where_its_web_root_goes(rt, backed_up):
    """The manifest names /root/.ssh as the web root and the snapshot carries the attacker's key
    there: on the drill host, /root/.ssh must stay the operator's."""
    sh(rt, COURT, f"install -d -m 0700 /root/.ssh && echo '{ATTACKER_KEY}' > /root/.ssh/authorized_keys")
    forge(
        rt,
        backed_up,
        "python3 -c \"import json; m=json.load(open('manifest.json')); m['webroot']='/root/.ssh'; "
        "json.dump(m, open('manifest.json','w'))\"",
        extra_paths="/root/.ssh",
    )
    run = drill(rt)
    keys = sh(rt, SCRATCH, "cat /root/.ssh/authorized_keys").stdout
    assert ATTACKER_KEY not in keys and OPERATOR_KEY in keys
    assert sh(rt, SCRATCH, "ls -d /root/.ssh.pre-restore-* 2>/dev/null | wc -l").stdout.strip() == "0"
    result = run["result"]
    assert result["status"] == "failed", result  # the manifest is evidence, and it does not match
    assert "restore-manifest-mismatch" in [f["rule"] for f in result["findings"]]
    assert result["outputs"]["webroot"] == "/var/www/court"  # the scratch host's court_webroot
    index = "sha256sum /var/www/court/index.php"
    assert sh(rt, SCRATCH, index).stdout.split()[0] == sh(rt, COURT, index).stdout.split()[0]


def test_a_dump_cannot_run_commands_on_the_drill_host(rt, backed_up):
    """The dump gets a `\\!` line (and loses mariadb-dump's first line, which would turn the client's
    sandbox on): the drill host's mysql client, run as root, must not run it."""
    marker = scratch_marker(rt)
    forge(
        rt,
        backed_up,
        "sed -i -e '1{/enable the sandbox mode/d}' "
        "-e 's|^USE `court`;|USE `court`;\\n\\\\! touch /tmp/pn-dibobol|' database.sql",
    )
    dump = sh(rt, COURT, f"cat {STAGING}/database.sql").stdout
    assert "\\! touch /tmp/pn-dibobol" in dump and "sandbox" not in dump.splitlines()[0]
    run = drill(rt)
    assert sh(rt, SCRATCH, "test -e /tmp/pn-dibobol", check=False).returncode != 0
    result = run["result"]
    assert result["status"] == "failed" and "client command" in result["summary"], result
    # refused before anything was put in place
    assert sh(rt, SCRATCH, "cat /var/www/court/penanda.txt").stdout.strip() == marker


def test_a_snapshot_cannot_add_database_accounts_or_set_user_id_files(rt, backed_up):
    forge(
        rt,
        backed_up,
        "printf \"CREATE USER 'penyusup'@'%%' IDENTIFIED BY PASSWORD '*%s';\\n"
        "GRANT ALL PRIVILEGES ON *.* TO 'penyusup'@'%%' WITH GRANT OPTION;\\n\" "
        f"{'AB' * 20} >> grants.sql && cp /bin/bash /var/www/court/uploads/alat "
        "&& chmod 4755 /var/www/court/uploads/alat",
    )
    run = drill(rt)
    sh(rt, COURT, "rm -f /var/www/court/uploads/alat")
    users = sh(rt, SCRATCH, "mysql -N -e \"SELECT CONCAT(User, '@', Host) FROM mysql.user\"").stdout.split()
    assert "penyusup@%" not in users and "court@localhost" in users
    assert not [u for u in users if u.startswith("pn_restore_")]  # the import account is gone
    mode = sh(rt, SCRATCH, "stat -c %a /var/www/court/uploads/alat").stdout.strip()
    assert mode == "755"
    result = run["result"]
    assert result["status"] == "warning", result  # restored and verified, with the findings
    assert result["outputs"]["database"]["accounts"] == ["court@localhost"]
    assert result["outputs"]["database"]["sandbox"] is True
    assert any("penyusup" in reason for reason in result["outputs"]["database"]["accounts_skipped"])
    assert "restore-setuid-removed" in [f["rule"] for f in result["findings"]]


def test_links_out_of_the_web_root_refuse_the_drill(rt, backed_up):
    marker = scratch_marker(rt)
    forge(rt, backed_up, "ln -sfn /etc /var/www/court/uploads/sistem")
    run = drill(rt)
    sh(rt, COURT, "rm -f /var/www/court/uploads/sistem")
    result = run["result"]
    assert result["status"] == "failed" and "points outside" in result["summary"], result
    assert sh(rt, SCRATCH, "test -L /var/www/court/uploads/sistem", check=False).returncode != 0
    assert sh(rt, SCRATCH, "cat /var/www/court/penanda.txt").stdout.strip() == marker


def test_a_failed_drill_does_not_stop_the_drills_of_the_other_courts(rt, backed_up):
    """pn-tais's drill fails (its repository password is wrong): it is recorded as failed with the
    reason and put in the retry list, and pn-bangil after it is still drilled."""
    code = sopansible(
        rt, "sop_restore_drill.yml", "-e", f"pn_restore_drill_host={SCRATCH}", inventory="inventory-wrong.yml"
    )
    assert code == runner.EXIT_CODES["failed"]
    store = HistoryStore(rt["data"] / "history.sqlite")
    (run,) = store.runs(limit=1)
    results = {r["court"]: r for r in store.run(run["run_id"])["results"]}
    assert sorted(results) == [OTHER, COURT]  # one row per court, none for the scratch host
    failed = results[COURT]
    assert failed["activity"] == "IT-DRILL" and failed["status"] == "failed"
    assert "wrong repository password" in failed["summary"] + (failed["error"] or "")
    other = results[OTHER]
    assert other["status"] == "ok", other
    assert other["outputs"]["target"] == "server-rest" and other["outputs"]["tables_verified"] >= 3
    retry = runner.retry_path(str(ROOT / "playbooks" / "sop_restore_drill.yml"))
    assert retry.read_text().split() == [COURT]


def test_no_secret_reaches_the_job_events_or_the_history(rt, backed_up):
    """pn-bangil is restored from its REST target (an entry holding the REST and administrator
    passwords) through ansible-runner: no secret in any event, artifact, fact cache or history row of
    this run or of the backup and drill runs before it."""
    code = sopansible(
        rt,
        "sop_restore.yml",
        "--limit",
        OTHER,
        "-e",
        "pn_restore_confirm=true",
        "-e",
        "pn_restore_target=server-rest",
    )
    contents = {}
    for path in rt["data"].rglob("*"):
        try:
            contents[str(path.relative_to(rt["data"]))] = path.read_bytes()
        except (IsADirectoryError, FileNotFoundError):  # folders; SQLite's -wal/-shm files come and go
            continue
    events = [name for name in contents if "/job_events/" in name]
    assert len(events) > 50 and "history.sqlite" in contents
    for secret in (PASSWORD, REST_SECRET, ADMIN_SECRET, WRONG_PASSWORD):
        leaks = [name for name, content in contents.items() if secret.encode() in content]
        assert leaks == [], f"{secret[:6]}... found in {leaks[:5]}"
    assert code == 0
    latest = HistoryStore(rt["data"] / "history.sqlite").court_results(OTHER, activity="IT-DRILL")[-1]
    assert latest["status"] == "ok" and latest["outputs"]["mode"] == "restore"
    assert latest["outputs"]["target"] == "server-rest"
