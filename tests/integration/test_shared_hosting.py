"""Courts on shared hosting (no SSH shell) on the court fleet: the controller backs them up over SFTP.

A fleet court plays the hosting company: its own OpenSSH gets a chrooted, SFTP-only account with a
password (as shared hosts give), holding a copy of the court's web root and an access log; its MariaDB
is opened to the fleet network for one remote account (a host's "remote MySQL"). The playbooks then
run for a court in the shared_hosting group: W2 copies the web root over SFTP, dumps the database over
the network and backs both up with restic from the controller into a real repository; W3 copies the
log and analyses it; both results say plainly what cannot be done without SSH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet

HOSTING_PASSWORD = "Uji-Hosting-Rahasia-5521"
DB_PASSWORD = "Uji-MySQL-Jarak-Jauh-7730"
REPO_PASSWORD = "Uji-Repo-Hosting-3309"
ACCOUNT = "pnhost"
CHROOT = "/srv/hosting/pnhost"
ATTACKER = "203.0.113.77"
LOG = (
    "\n".join(
        [
            f'198.51.100.{n} - - [02/Dec/2026:08:0{n}:00 +0700] "GET / HTTP/1.1" 200 5120 "-" "Mozilla/5.0"'
            for n in range(5)
        ]
        + [
            f'{ATTACKER} - - [02/Dec/2026:09:00:0{n} +0700] "GET /index.php?id=1%27%20UNION%20SELECT'
            f'%20password%20FROM%20users--{n} HTTP/1.1" 200 310 "-" "Mozilla/5.0"'
            for n in range(4)
        ]
    )
    + "\n"
)

SETUP = f"""
set -e
id {ACCOUNT} >/dev/null 2>&1 || useradd -M -d / -s /usr/sbin/nologin {ACCOUNT}
echo '{ACCOUNT}:{HOSTING_PASSWORD}' | chpasswd
mkdir -p {CHROOT}/logs
chown root:root /srv/hosting {CHROOT} && chmod 755 /srv/hosting {CHROOT}
rm -rf {CHROOT}/public_html && cp -a /var/www/court {CHROOT}/public_html
mkdir -p {CHROOT}/public_html/uploads
echo 'putusan perkara 12/Pdt.G/2026' > {CHROOT}/public_html/uploads/putusan.txt
chown -R {ACCOUNT} {CHROOT}/public_html {CHROOT}/logs
cp /etc/ssh/sshd_config /root/sshd_config.before-hosting
cat >> /etc/ssh/sshd_config <<'EOF'
Match User {ACCOUNT}
    PasswordAuthentication yes
    ChrootDirectory {CHROOT}
    ForceCommand internal-sftp
    AllowTcpForwarding no
    X11Forwarding no
EOF
sshd -t
systemctl reload ssh
printf '[mysqld]\\nbind-address = 0.0.0.0\\n' > /etc/mysql/mariadb.conf.d/99-hosting-test.cnf
systemctl restart mariadb
mariadb -e "CREATE USER IF NOT EXISTS 'pnremote'@'%' IDENTIFIED BY '{DB_PASSWORD}';
  GRANT SELECT, LOCK TABLES, SHOW VIEW, EVENT, TRIGGER ON court.* TO 'pnremote'@'%';"
"""

TEARDOWN = f"""
cp /root/sshd_config.before-hosting /etc/ssh/sshd_config && systemctl reload ssh
mariadb -e "DROP USER IF EXISTS 'pnremote'@'%'"
rm -f /etc/mysql/mariadb.conf.d/99-hosting-test.cnf && systemctl restart mariadb
userdel {ACCOUNT}; rm -rf /srv/hosting
"""


@pytest.fixture(scope="module")
def hosting(fleet, tmp_path_factory):
    """The fleet's first court as a hosting company, and an inventory of one shared-hosting court."""
    host = fleet.courts[0]
    fleet.exec(host.name, SETUP)
    fleet.exec(
        host.name,
        f"cat > {CHROOT}/logs/access.log <<'EOF'\n{LOG}EOF\nchown {ACCOUNT} {CHROOT}/logs/access.log",
    )
    work = tmp_path_factory.mktemp("hosting")
    repo_root = Path(f"/var/backups/pn-hosting-test-{os.getpid()}")
    container_ip = fleet_lib.podman(
        "inspect", "-f", "{{.NetworkSettings.IPAddress}}", host.container
    ).stdout.strip()
    host_key = " ".join(fleet.exec(host.name, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[:2])
    court = {
        "court_name": "Pengadilan Negeri Manna",
        "court_type": "PN",
        "court_region": "PT Bengkulu",
        "court_domain": "pn-manna.go.id",
        "court_db": {"engine": "mariadb", "name": "court", "user": "pnremote", "password": DB_PASSWORD},
        "court_backup_targets": [{"name": "disk-controller", "type": "local", "location": str(repo_root)}],
        "court_hosting": {
            "transfer": "sftp",
            "host": host.address,
            "port": fleet_lib.SSH_PORT,
            "user": ACCOUNT,
            "password": HOSTING_PASSWORD,
            "host_key": host_key,
            "webroot": "/public_html",
            "log_paths": ["/logs/access.log"],
            "database": {"host": container_ip, "port": 3306},
        },
        "pn_backup_password": REPO_PASSWORD,
        "pn_backup_hosted_dir": str(work / "hosting"),
        "pn_logs_hosted_dir": str(work / "hosting-logs"),
        "ansible_connection": "local",
    }
    inventory = {
        "all": {"children": {"courts": {"children": {"shared_hosting": {"hosts": {"pn-hosted": court}}}}}}
    }
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    yield {"work": work, "repo": repo_root / "pn-hosted", "court": court, "fleet": fleet, "host": host}
    fleet.exec(host.name, TEARDOWN, check=False)
    shutil.rmtree(repo_root, ignore_errors=True)


def playbook(hosting, name, inventory=None):
    return run_sop_playbook(name, hosting["work"], "-i", str(inventory or hosting["work"] / "inventory.yml"))


def restic(hosting, *args):
    env = dict(
        os.environ, RESTIC_PASSWORD=REPO_PASSWORD, RESTIC_CACHE_DIR=str(hosting["work"] / "restic-cache")
    )
    proc = subprocess.run(
        ["restic", "-r", str(hosting["repo"]), *args], capture_output=True, text=True, env=env, check=True
    )
    return proc.stdout


def test_a_court_on_shared_hosting_is_backed_up_over_sftp_with_its_database(hosting):
    code, output, results = playbook(hosting, "sop_backup.yml")
    assert code == 0, output[-3000:]
    for secret in (HOSTING_PASSWORD, DB_PASSWORD, REPO_PASSWORD):
        assert secret not in output and secret not in json.dumps(results)
    result = results["pn-hosted"]
    assert result["activity"] == "W2" and result["status"] == "ok", result
    assert result["outputs"]["dump_verified"] is True
    assert (
        result["outputs"]["hosting"]["transfer"] == "sftp"
        and result["outputs"]["hosting"]["files_copied"] > 1
    )

    snapshots = json.loads(restic(hosting, "snapshots", "--json"))
    assert len(snapshots) == 1 and "court:pn-hosted" in snapshots[0]["tags"]
    assert "shared-hosting" in snapshots[0]["tags"]
    root = hosting["work"] / "hosting" / "pn-hosted"
    listing = restic(hosting, "ls", "latest")
    assert f"{root}/pull/webroot/index.php" in listing
    assert f"{root}/pull/webroot/uploads/putusan.txt" in listing
    assert f"{root}/staging/database.sql" in listing and f"{root}/staging/manifest.json" in listing
    assert "putusan perkara 12/Pdt.G/2026" in restic(
        hosting, "dump", "latest", f"{root}/pull/webroot/uploads/putusan.txt"
    )
    dump = restic(hosting, "dump", "latest", f"{root}/staging/database.sql")
    assert "CREATE DATABASE" in dump and dump.rstrip().splitlines()[-1].startswith("-- Dump completed")
    # the same web root as the hosting account holds
    index = hosting["fleet"].exec(hosting["host"].name, f"cat {CHROOT}/public_html/index.php").stdout
    assert restic(hosting, "dump", "latest", f"{root}/pull/webroot/index.php") == index

    # said plainly: what cannot be done for this court, and why
    limits = [f for f in result["findings"] if f["rule"] == "hosting-limits"]
    assert len(limits) == 1 and limits[0]["severity"] == "info"
    assert "tanpa akses SSH" in limits[0]["message"] and "hardening" in limits[0]["message"]
    assert "kesehatan server" in limits[0]["message"]


def test_the_logs_of_a_court_on_shared_hosting_are_fetched_and_analysed(hosting):
    code, output, results = playbook(hosting, "sop_logs.yml")
    assert code == 0, output[-3000:]
    assert HOSTING_PASSWORD not in output
    result = results["pn-hosted"]
    assert result["activity"] == "W3", result
    assert result["outputs"]["lines"] == 9
    sqli = [f for f in result["findings"] if f["rule"] == "sqli-probing"]
    assert sqli and sqli[0]["ip"] == ATTACKER and sqli[0]["count"] == 4


def test_without_database_access_and_logs_the_results_say_what_was_not_done(hosting):
    court = dict(hosting["court"])
    court["court_hosting"] = {
        k: v for k, v in court["court_hosting"].items() if k not in ("database", "log_paths")
    }
    path = hosting["work"] / "inventory-limited.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {"courts": {"children": {"shared_hosting": {"hosts": {"pn-hosted": court}}}}}
                }
            }
        )
    )
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    assert "pn-hosted" in results, output[-3000:]
    result = results["pn-hosted"]
    assert result["status"] == "warning", result
    rules = {f["rule"]: f for f in result["findings"]}
    assert "tidak ikut dibackup" in rules["backup-hosting-no-database"]["message"]
    assert "logs-hosting-unavailable" in rules and "hosting-limits" in rules

    code, output, results = playbook(hosting, "sop_logs.yml", path)
    assert code == 0, output[-3000:]
    w3 = results["pn-hosted"]
    assert [f["rule"] for f in w3["findings"]] == ["logs-hosting-unavailable"]
    assert "tidak dapat dilakukan" in w3["findings"][0]["message"]


def test_a_wrong_host_key_stops_the_backup_before_the_password_is_sent(hosting):
    court = dict(hosting["court"])
    key = hosting["work"] / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    other = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    court["court_hosting"] = dict(court["court_hosting"], host_key=other)
    path = hosting["work"] / "inventory-impostor.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {"courts": {"children": {"shared_hosting": {"hosts": {"pn-hosted": court}}}}}
                }
            }
        )
    )
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    assert "pn-hosted" in results, output[-3000:]
    result = results["pn-hosted"]
    assert result["status"] == "failed", result
    failed = [f for f in result["findings"] if f["rule"] == "backup-hosting-pull-failed"]
    assert failed and failed[0]["evidence"]["kind"] == "host-key"
    assert HOSTING_PASSWORD not in output
