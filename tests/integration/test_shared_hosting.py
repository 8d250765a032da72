"""Courts on shared hosting (no SSH shell) on the court fleet: the controller backs them up over SFTP.

A fleet court plays the hosting company: its own OpenSSH gets a chrooted, SFTP-only account with a
password (as shared hosts give), holding a copy of the court's web root and an access log; its MariaDB
is opened to the fleet network for one remote account (a host's "remote MySQL"). The playbooks then
run for a court in the shared_hosting group: W2 copies the web root over SFTP, dumps the database over
the network and backs both up with restic from the controller into a real repository; W3 copies the
log and analyses it; both results say plainly what cannot be done without SSH.

For hosts without remote MySQL, the court's nginx also plays the host's web server: a PHP-FPM pool
running as the hosting account (as shared hosts run PHP) serves the account's web root over HTTPS on
port 8443 with a certificate of the test's own CA, and a database account that exists only on the
server itself (localhost) is what the one-shot dump script uses.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.pn.website.plugins.module_utils.backup import hosting_dump, hosting_pull
from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs
from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet

HOSTING_PASSWORD = "Uji-Hosting-Rahasia-5521"
DB_PASSWORD = "Uji-MySQL-Jarak-Jauh-7730"
LOCAL_DB_PASSWORD = "Uji-MySQL-Lokal-5148"
SCRIPT = (
    Path(__file__).resolve().parents[2]
    / "collections/ansible_collections/pn/website/roles/backup/files/pn-hosting-dump.php"
)
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
  GRANT SELECT, LOCK TABLES, SHOW VIEW, EVENT, TRIGGER ON court.* TO 'pnremote'@'%';
  CREATE USER IF NOT EXISTS 'pnlocal'@'localhost' IDENTIFIED BY '{LOCAL_DB_PASSWORD}';
  GRANT SELECT, LOCK TABLES, SHOW VIEW ON court.* TO 'pnlocal'@'localhost';"
# the host's PHP: a pool running as the account, its web root over HTTPS on 8443
fpm=$(basename /lib/systemd/system/php*-fpm.service .service)
pool=$(ls -d /etc/php/*/fpm/pool.d)
cat > $pool/pnhost.conf <<'EOF'
[pnhost]
user = {ACCOUNT}
group = {ACCOUNT}
listen = /run/php/pnhost.sock
listen.owner = www-data
listen.group = www-data
pm = ondemand
pm.max_children = 2
EOF
cat > /etc/nginx/sites-enabled/hosting-test <<'EOF'
server {{
    listen 8443 ssl;
    ssl_certificate /etc/ssl/certs/hosting-test.crt;
    ssl_certificate_key /etc/ssl/private/hosting-test.key;
    root {CHROOT}/public_html;
    location ~ \\.php$ {{
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:/run/php/pnhost.sock;
        fastcgi_buffering off;
    }}
}}
EOF
systemctl restart $fpm
nginx -t && systemctl reload nginx
"""

TEARDOWN = f"""
cp /root/sshd_config.before-hosting /etc/ssh/sshd_config && systemctl reload ssh
rm -f /etc/nginx/sites-enabled/hosting-test /etc/php/*/fpm/pool.d/pnhost.conf
systemctl reload nginx; systemctl restart $(basename /lib/systemd/system/php*-fpm.service .service)
mariadb -e "DROP USER IF EXISTS 'pnremote'@'%'; DROP USER IF EXISTS 'pnlocal'@'localhost'"
rm -f /etc/mysql/mariadb.conf.d/99-hosting-test.cnf && systemctl restart mariadb
userdel {ACCOUNT}; rm -rf /srv/hosting
"""


def write_inventory(work: Path, court: dict, name: str = "inventory.yml") -> Path:
    """An inventory of the one court pn-hosted (variables COURT) on shared hosting, as WORK/NAME."""
    inventory = {
        "all": {"children": {"courts": {"children": {"shared_hosting": {"hosts": {"pn-hosted": court}}}}}}
    }
    path = work / name
    path.write_text(yaml.safe_dump(inventory))
    return path


@pytest.fixture(scope="module")
def hosting(fleet, tmp_path_factory):
    """The fleet's first court as a hosting company, and an inventory of one shared-hosting court."""
    host = fleet.courts[0]
    work = tmp_path_factory.mktemp("hosting")
    container_ip = fleet_lib.podman(
        "inspect", "-f", "{{.NetworkSettings.IPAddress}}", host.container
    ).stdout.strip()
    ca = certs.make_ca("pn.website hosting test CA")
    key, cert = certs.make_cert(ca, ["hosting.test"], ips=[container_ip])
    (work / "hosting-test.key").write_bytes(certs.key_pem(key))
    (work / "hosting-test.crt").write_bytes(certs.cert_pem(cert))
    (work / "hosting-ca.pem").write_bytes(certs.cert_pem(ca[1]))
    for name, folder in (("hosting-test.crt", "certs"), ("hosting-test.key", "private")):
        fleet_lib.podman("cp", str(work / name), f"{host.container}:/etc/ssl/{folder}/{name}")
    fleet.exec(host.name, SETUP)
    fleet.exec(
        host.name,
        f"cat > {CHROOT}/logs/access.log <<'EOF'\n{LOG}EOF\nchown {ACCOUNT} {CHROOT}/logs/access.log",
    )
    repo_root = Path(f"/var/backups/pn-hosting-test-{os.getpid()}")
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
    write_inventory(work, court)
    endpoint = {
        "url": f"https://{container_ip}:8443/",
        "db_host": "localhost",
        "cacert": str(work / "hosting-ca.pem"),
        "ttl": 120,
    }
    yield {
        "work": work,
        "repo": repo_root / "pn-hosted",
        "court": court,
        "fleet": fleet,
        "host": host,
        "endpoint": endpoint,
    }
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
    assert result["outputs"]["hosting"]["database"] == "remote-mysql"
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
    path = write_inventory(hosting["work"], court, "inventory-limited.yml")
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    assert "pn-hosted" in results, output[-3000:]
    result = results["pn-hosted"]
    assert result["status"] == "warning", result
    rules = {f["rule"]: f for f in result["findings"]}
    assert "tidak ikut dibackup" in rules["backup-hosting-no-database"]["message"]
    hosting_outputs = result["outputs"]["hosting"]
    assert hosting_outputs["database"] == "none"
    assert hosting_outputs["database_none_reason"] == "no-database-access"
    assert "logs-hosting-unavailable" in rules and "hosting-limits" in rules

    code, output, results = playbook(hosting, "sop_logs.yml", path)
    assert code == 0, output[-3000:]
    w3 = results["pn-hosted"]
    assert [f["rule"] for f in w3["findings"]] == ["logs-hosting-unavailable"]
    assert "tidak dapat dilakukan" in w3["findings"][0]["message"]


def test_logs_that_cannot_be_copied_fail_w3_and_say_why(hosting):
    wrong = "Bukan-Sandi-Hosting-0000"
    court = dict(hosting["court"])
    court["court_hosting"] = dict(court["court_hosting"], password=wrong)
    path = write_inventory(hosting["work"], court, "inventory-wrong-password.yml")
    _code, output, results = playbook(hosting, "sop_logs.yml", path)
    assert wrong not in output and wrong not in json.dumps(results)
    w3 = results["pn-hosted"]
    assert w3["status"] == "failed", w3
    assert [f["rule"] for f in w3["findings"]] == ["logs-hosting-pull-failed"]
    assert w3["findings"][0]["message"].startswith("Log pengunjung tidak dapat diambil dari hosting: ")


def test_a_wrong_host_key_stops_the_backup_before_the_password_is_sent(hosting):
    court = dict(hosting["court"])
    key = hosting["work"] / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    other = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    court["court_hosting"] = dict(court["court_hosting"], host_key=other)
    path = write_inventory(hosting["work"], court, "inventory-impostor.yml")
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    assert "pn-hosted" in results, output[-3000:]
    result = results["pn-hosted"]
    assert result["status"] == "failed", result
    failed = [f for f in result["findings"] if f["rule"] == "backup-hosting-pull-failed"]
    assert failed and failed[0]["evidence"]["kind"] == "host-key"
    assert HOSTING_PASSWORD not in output


# -- hosts without remote MySQL: the one-shot dump endpoint ----------------------------------------------


def endpoint_court(hosting, **endpoint):
    court = dict(hosting["court"])
    court["court_db"] = {
        "engine": "mariadb",
        "name": "court",
        "user": "pnlocal",
        "password": LOCAL_DB_PASSWORD,
    }
    access = {k: v for k, v in court["court_hosting"].items() if k != "database"}
    court["court_hosting"] = dict(access, dump_endpoint=dict(hosting["endpoint"], **endpoint))
    return court


def pull_options(hosting, **dump):
    access = hosting["court"]["court_hosting"]
    endpoint = hosting["endpoint"]
    return {
        "transfer": "sftp",
        "host": access["host"],
        "port": access["port"],
        "user": access["user"],
        "password": access["password"],
        "host_key": access["host_key"],
        "webroot": "/public_html",
        "staging": str(hosting["work"] / "pull-direct"),
        "timeout": 60,
        "dump": {
            "url": endpoint["url"],
            "script": str(SCRIPT),
            "cacert": endpoint["cacert"],
            "database": {
                "host": "localhost",
                "port": 3306,
                "user": "pnlocal",
                "password": LOCAL_DB_PASSWORD,
                "name": "court",
            },
            **dump,
        },
    }


def scripts_left(hosting):
    listing = hosting["fleet"].exec(hosting["host"].name, f"ls -a {CHROOT}/public_html").stdout.split()
    return [name for name in listing if name.startswith("pn-hosting-dump")]


def call(hosting, name, token):
    """POST to an uploaded script as the controller does: (HTTP status, body)."""
    url = hosting_dump.endpoint_url(hosting["endpoint"]["url"], name)
    context = ssl.create_default_context(cafile=hosting["endpoint"]["cacert"])
    connection = http.client.HTTPSConnection(url.hostname, url.port, timeout=60, context=context)
    try:
        connection.request("POST", url.path, body=b"", headers={"X-PN-Dump-Token": token})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def upload(hosting, ttl):
    database = pull_options(hosting)["dump"]["database"]
    run = hosting_dump.prepare(SCRIPT.read_text(), database, ttl)
    options = pull_options(hosting)
    hosting_pull._transfer(options, "change", "/public_html", (run["name"], run["script"]))
    return run


def test_the_dump_script_answers_once_only_to_its_token_and_only_before_it_expires(hosting):
    run = upload(hosting, ttl=120)
    assert scripts_left(hosting) == [run["name"]]
    mode = (
        hosting["fleet"].exec(hosting["host"].name, f"stat -c %a {CHROOT}/public_html/{run['name']}").stdout
    )
    assert mode.strip() == "600"
    assert call(hosting, run["name"], "")[0] == 403
    assert call(hosting, run["name"], run["token"][:-1] + "x")[0] == 403
    assert scripts_left(hosting) == [run["name"]]  # a wrong token neither dumps nor uses it up

    status, body = call(hosting, run["name"], run["token"])
    assert status == 200 and body.startswith((hosting_dump.HEADER % run["nonce"]).encode())
    assert b"CREATE TABLE" in body and b"-- pn-hosting-dump end nonce=" + run["nonce"].encode() in body
    assert scripts_left(hosting) == []  # gone: it answers once
    assert call(hosting, run["name"], run["token"])[0] == 404

    expired = upload(hosting, ttl=-1)
    status, body = call(hosting, expired["name"], expired["token"])
    assert status == 410 and b"CREATE" not in body
    assert scripts_left(hosting) == []  # called after its expiry, it removed itself


@pytest.mark.parametrize(
    "dump, works",
    [
        ({}, True),
        ({"url": "https://{ip}:8443/no-such-folder/"}, False),  # the script is never reached
        ({"max_bytes": 100}, False),  # reached, answered, refused by the controller
    ],
)
def test_a_pull_through_the_dump_endpoint_leaves_no_script(hosting, dump, works):
    ip = hosting["endpoint"]["url"].split("//")[1].split(":")[0]
    dump = {k: v.format(ip=ip) if isinstance(v, str) else v for k, v in dump.items()}
    # a script an earlier run could not remove is swept away too
    hosting["fleet"].exec(
        hosting["host"].name,
        f"install -o {ACCOUNT} -m 600 /dev/null {CHROOT}/public_html/pn-hosting-dump-{'0' * 32}.php",
    )
    result = hosting_pull.pull(pull_options(hosting, **dump))
    assert result["script_removed"] is True and scripts_left(hosting) == []
    assert result["dump"]["leftovers_removed"] >= 1
    out = Path(hosting["work"] / "pull-direct" / "database.sql")
    assert result["files"] > 1  # the web root is copied either way
    if works:
        assert result["dump"]["status"] == "ok"
        assert oct(out.stat().st_mode & 0o777) == "0o600"
        assert out.read_text().rstrip().splitlines()[-1].startswith("-- Dump completed")
        assert "pn-hosting-dump end" not in out.read_text()
    else:
        assert result["dump"]["status"] == "failed" and not out.exists()
        assert not list(out.parent.glob("database.sql*"))
    copied = [p.name for p in (hosting["work"] / "pull-direct" / "webroot").iterdir()]
    assert not [name for name in copied if name.startswith("pn-hosting-dump")]


def test_a_court_without_remote_mysql_is_backed_up_through_the_dump_endpoint(hosting):
    path = write_inventory(hosting["work"], endpoint_court(hosting), "inventory-endpoint.yml")
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    assert code == 0, output[-3000:]
    for secret in (HOSTING_PASSWORD, LOCAL_DB_PASSWORD, REPO_PASSWORD):
        assert secret not in output and secret not in json.dumps(results)
    result = results["pn-hosted"]
    assert result["status"] == "ok", result
    assert result["outputs"]["hosting"]["database"] == "dump-endpoint"
    assert result["outputs"]["hosting"]["script_removed"] is True
    assert result["outputs"]["dump_verified"] is True
    assert scripts_left(hosting) == []

    root = hosting["work"] / "hosting" / "pn-hosted"
    snapshots = json.loads(restic(hosting, "snapshots", "--json"))
    latest = max(snapshots, key=lambda snap: snap["time"])
    dump = restic(hosting, "dump", latest["id"], f"{root}/staging/database.sql")
    assert "CREATE TABLE" in dump and "INSERT INTO `settings`" in dump
    assert dump.rstrip().splitlines()[-1].startswith("-- Dump completed")
    manifest = json.loads(restic(hosting, "dump", latest["id"], f"{root}/staging/manifest.json"))
    assert manifest["database"]["name"] == "court" and len(manifest["database"]["dump_sha256"]) == 64
    # the dump is what the court's database holds: its settings row is in it
    assert "Pengadilan Negeri" in dump
    assert not list(root.glob("pull/database.sql*"))  # taken into the staging folder, not left behind


def test_a_failing_dump_endpoint_is_critical_and_leaves_no_script(hosting):
    court = endpoint_court(hosting)
    court["court_db"] = dict(court["court_db"], password="salah-" + LOCAL_DB_PASSWORD)
    path = write_inventory(hosting["work"], court, "inventory-endpoint-bad.yml")
    code, output, results = playbook(hosting, "sop_backup.yml", path)
    result = results["pn-hosted"]
    assert result["status"] == "failed", result  # W2's rule: a critical finding fails it
    rules = {f["rule"]: f for f in result["findings"]}
    assert rules["backup-hosting-dump-failed"]["severity"] == "critical"
    assert "backup-hosting-dump-script-left" not in rules
    assert result["outputs"]["hosting"]["database"] == "none"
    assert result["outputs"]["hosting"]["database_none_reason"] == "dump-endpoint-failed"
    assert scripts_left(hosting) == []
