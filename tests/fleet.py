"""A fleet of court test servers: real Debian containers (systemd, sshd, nginx or Apache, PHP-FPM,
MariaDB) from the court image, each on its own loopback address, with an inventory for them.

Used by the pytest fixtures in tests/conftest.py, by `make demo`, and by hand:

    python -m tests.fleet start --name demo --courts 3    # prints the inventory path
    python -m tests.fleet start --name wp --courts 2 --cms wordpress           # WordPress sites
    python -m tests.fleet start --name demo --courts 3 --cms pt-bengkulu=wordpress   # one of them
    python -m tests.fleet stop --name demo
    ssh -F .cache/fleet/demo/ssh_config pn-tais            # log in to a court
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# The collection's test certificate helpers (also when run as `python -m tests.fleet`).
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs  # noqa: E402

CONTAINERS_CONF = ROOT / "containers" / "containers.conf"
BUILD_SCRIPT = ROOT / "images" / "court" / "build.sh"
FLEET_DIR = ROOT / ".cache" / "fleet"
LABEL = "pn.website.fleet"
SSH_PORT = 2222
SSH_USER = "sopadmin"
# A court's site: the court image's custom PHP site, or WordPress from Debian's package.
CMS_NAMES = ("custom", "wordpress")

# (inventory name, court name, type, region, domain, web server)
COURTS = [
    ("pn-tais", "Pengadilan Negeri Tais", "PN", "PT Bengkulu", "pn-tais.go.id", "nginx"),
    ("pn-bangil", "Pengadilan Negeri Bangil", "PN", "PT Surabaya", "pn-bangil.go.id", "apache"),
    ("pt-bengkulu", "Pengadilan Tinggi Bengkulu", "PT", "PT Bengkulu", "pt-bengkulu.go.id", "nginx"),
    ("pn-bengkulu", "Pengadilan Negeri Bengkulu", "PN", "PT Bengkulu", "pn-bengkulu.go.id", "apache"),
    ("pn-curup", "Pengadilan Negeri Curup", "PN", "PT Bengkulu", "pn-curup.go.id", "nginx"),
    ("pn-manna", "Pengadilan Negeri Manna", "PN", "PT Bengkulu", "pn-manna.go.id", "nginx"),
    (
        "pn-arga-makmur",
        "Pengadilan Negeri Arga Makmur",
        "PN",
        "PT Bengkulu",
        "pn-arga-makmur.go.id",
        "apache",
    ),
    ("pn-bangkinang", "Pengadilan Negeri Bangkinang", "PN", "PT Pekanbaru", "pn-bangkinang.go.id", "nginx"),
    # More courts for fleet-scale runs (tests/benchmarks/bench_fleet_cycle.py).
    ("pn-pekanbaru", "Pengadilan Negeri Pekanbaru", "PN", "PT Pekanbaru", "pn-pekanbaru.go.id", "nginx"),
    ("pn-dumai", "Pengadilan Negeri Dumai", "PN", "PT Pekanbaru", "pn-dumai.go.id", "apache"),
    ("pn-siak", "Pengadilan Negeri Siak Sri Indrapura", "PN", "PT Pekanbaru", "pn-siak.go.id", "nginx"),
    ("pn-rengat", "Pengadilan Negeri Rengat", "PN", "PT Pekanbaru", "pn-rengat.go.id", "apache"),
    ("pn-surabaya", "Pengadilan Negeri Surabaya", "PN", "PT Surabaya", "pn-surabaya.go.id", "nginx"),
    ("pn-sidoarjo", "Pengadilan Negeri Sidoarjo", "PN", "PT Surabaya", "pn-sidoarjo.go.id", "apache"),
    ("pn-pasuruan", "Pengadilan Negeri Pasuruan", "PN", "PT Surabaya", "pn-pasuruan.go.id", "nginx"),
    ("pn-malang", "Pengadilan Negeri Malang", "PN", "PT Surabaya", "pn-malang.go.id", "apache"),
    ("pn-kepanjen", "Pengadilan Negeri Kepanjen", "PN", "PT Surabaya", "pn-kepanjen.go.id", "nginx"),
    ("pn-medan", "Pengadilan Negeri Medan", "PN", "PT Medan", "pn-medan.go.id", "apache"),
    ("pn-binjai", "Pengadilan Negeri Binjai", "PN", "PT Medan", "pn-binjai.go.id", "nginx"),
    ("pn-lubuk-pakam", "Pengadilan Negeri Lubuk Pakam", "PN", "PT Medan", "pn-lubuk-pakam.go.id", "apache"),
    ("pn-kupang", "Pengadilan Negeri Kupang", "PN", "PT Kupang", "pn-kupang.go.id", "nginx"),
    ("pn-atambua", "Pengadilan Negeri Atambua", "PN", "PT Kupang", "pn-atambua.go.id", "apache"),
    ("pn-jayapura", "Pengadilan Negeri Jayapura", "PN", "PT Jayapura", "pn-jayapura.go.id", "nginx"),
    ("pn-merauke", "Pengadilan Negeri Merauke", "PN", "PT Jayapura", "pn-merauke.go.id", "apache"),
]


class FleetError(RuntimeError):
    pass


class TestCA:
    """The fleet's own certificate authority: court sites get certificates that verify against it."""

    def __init__(self, directory: Path) -> None:
        self.key, self.cert = certs.make_ca("pn.website test fleet CA", days_valid=365)
        self.path = directory / "ca.pem"
        self.path.write_bytes(certs.cert_pem(self.cert))

    def issue(self, names: list[str], key_path: Path, cert_path: Path, days: int = 90) -> None:
        """The key (readable by the web server's group) and the certificate chain of a court site."""
        key, cert = certs.make_cert((self.key, self.cert), names, days_valid=days, days_before=0)
        key_path.write_bytes(certs.key_pem(key))
        key_path.chmod(0o640)
        cert_path.write_bytes(certs.cert_pem(cert) + certs.cert_pem(self.cert))


def podman_env() -> dict:
    return dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", str(CONTAINERS_CONF)))


def podman(*args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["podman", *args], capture_output=True, text=True, env=podman_env(), input=input, check=False
    )
    if check and proc.returncode != 0:
        raise FleetError(f"podman {' '.join(args[:3])} ...: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def ensure_image(webserver: str = "nginx") -> str:
    """The court image of the current recipe, built first if it is missing."""
    tag = subprocess.run(
        [str(BUILD_SCRIPT), "--tag"], capture_output=True, text=True, check=True
    ).stdout.strip()
    image = f"localhost/pn-court-{webserver}:{tag}"
    if podman("image", "exists", image, check=False).returncode != 0:
        proc = subprocess.run([str(BUILD_SCRIPT)], env=podman_env(), check=False)
        if proc.returncode != 0:
            raise FleetError("building the court image failed (see the output above)")
    return image


@dataclass
class Court:
    name: str
    court_name: str
    court_type: str
    region: str
    domain: str
    webserver: str
    address: str
    container: str
    key: Path
    cms: str = "custom"

    def vars(self) -> dict:
        today = datetime.date.today()
        if self.cms == "wordpress":
            # Debian's package: its code in /usr/share/wordpress, the site's own files in wp-content.
            webroot, db_name = "/var/lib/wordpress/wp-content", "wordpress"
        else:
            webroot, db_name = "/var/www/court", "court"
        return {
            "ansible_host": self.address,
            "ansible_port": SSH_PORT,
            "ansible_user": SSH_USER,
            "ansible_ssh_private_key_file": str(self.key),
            "court_name": self.court_name,
            "court_type": self.court_type,
            "court_region": self.region,
            "court_domain": self.domain,
            "court_hostnames": [self.domain, f"www.{self.domain}"],
            "court_url": f"https://{self.domain}/",
            "court_probe_resolve": [
                f"{h}:{p}:{self.address}" for h in (self.domain, f"www.{self.domain}") for p in (80, 443)
            ],
            "court_webserver": self.webserver,
            "court_webroot": webroot,
            "court_cms": self.cms,
            "court_db": {"engine": "mariadb", "name": db_name, "user": db_name},
            "court_backup_targets": [
                {"name": "disk-lokal", "type": "local", "location": "/var/backups/pn-website"}
            ],
            "court_services": [
                {
                    "kind": "hosting",
                    "provider": "Penyedia VPS Lokal",
                    "service": "VPS 2 vCPU",
                    "paid_until": (today + datetime.timedelta(days=45)).isoformat(),
                    "invoice": f"INV-{self.name.upper()}-01",
                    "cost": 4200000,
                    "contact": {"name": "Layanan Pelanggan VPS", "email": "support@example.co.id"},
                },
                {
                    "kind": "connection",
                    "provider": "ISP Daerah",
                    "service": "Internet 50 Mbps",
                    "paid_until": (today + datetime.timedelta(days=200)).isoformat(),
                    "contact": {"name": "NOC ISP Daerah", "email": "noc@example.net.id"},
                },
            ],
            "court_contacts": {
                "sekretaris": {"name": f"Sekretaris {self.court_name}", "email": f"sekretaris@{self.domain}"},
                "it_staff": [{"name": "Operator Website", "email": f"it@{self.domain}"}],
            },
        }


@dataclass
class Fleet:
    name: str
    courts: list[Court] = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return FLEET_DIR / self.name

    @property
    def inventory(self) -> Path:
        return self.directory / "inventory.yml"

    @property
    def ssh_config(self) -> Path:
        return self.directory / "ssh_config"

    def court(self, name: str) -> Court:
        return next(court for court in self.courts if court.name == name)

    def exec(self, court: str, command: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a shell command as root inside a court container (for tests that break things)."""
        return podman("exec", self.court(court).container, "bash", "-c", command, check=check)


def fleet_octet(name: str) -> int:
    """Third octet of the fleet's loopback range 127.77.X.0/24 (the demo fleet is 1)."""
    if name == "demo":
        return 1
    return 2 + sum(name.encode()) % 250


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_octet(name: str, count: int) -> int:
    """The fleet's octet, or the next one whose court addresses nothing answers on.

    Another fleet may hold the same range: one of another podman storage (CI keeps its own), which
    `remove` cannot see. Its port forwards would win, and tests would probe the other fleet's sites."""
    first = fleet_octet(name)
    if name == "demo":
        return first  # its own range: no other fleet takes it
    for octet in (2 + (first - 2 + step) % 250 for step in range(250)):
        addresses = [f"127.77.{octet}.{10 + index}" for index in range(count)]
        if not any(_answers(address, port) for address in addresses for port in (SSH_PORT, 80, 443)):
            return octet
    raise FleetError("every loopback range 127.77.X.0/24 has a court answering; is another fleet left over?")


def remove(name: str) -> None:
    ids = podman("ps", "-aq", "--filter", f"label={LABEL}={name}").stdout.split()
    if ids:
        podman("rm", "-f", "-t", "2", *ids, check=False)


def _wait_ready(court: Court, deadline: float) -> None:
    """Boot done, sshd answers, homepage served with the court's name."""
    state = ""
    while time.monotonic() < deadline:
        state = podman("exec", court.container, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in ("running", "degraded"):
            break
        time.sleep(0.5)
    if state == "degraded":
        failed = podman("exec", court.container, "systemctl", "--failed", "--no-legend", check=False).stdout
        raise FleetError(f"{court.name}: services failed at boot:\n{failed}")
    last_error = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((court.address, SSH_PORT), timeout=2) as sock:
                banner = sock.recv(64)
            request = urllib.request.Request(f"http://{court.address}/", headers={"Host": court.domain})
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
                if banner.startswith(b"SSH-") and court.court_name in response.read().decode():
                    return
        except OSError as error:
            last_error = error
        time.sleep(0.5)
    raise FleetError(f"{court.name} not ready in time (state {state!r}, last error {last_error})")


def start(
    name: str,
    count: int = 3,
    webservers: list[str] | None = None,
    timeout: float = 180,
    podman_args: list[str] | None = None,
    cms: str | dict[str, str] | None = None,
) -> Fleet:
    """Start COUNT court containers (replacing an older fleet of the same name) and write the inventory.

    PODMAN_ARGS are added to every `podman create` (e.g. a small tmpfs mount for a full-disk test).
    CMS is the site of every court ("custom" or "wordpress"), or a {court name: CMS} mapping for some
    of them (the others keep the custom site); the court sets its site up at first boot.
    """
    if count > len(COURTS):
        raise FleetError(f"at most {len(COURTS)} courts in a fleet")
    names = [court[0] for court in COURTS[:count]]
    per_court = cms if isinstance(cms, dict) else dict.fromkeys(names, cms or "custom")
    unknown = sorted(set(per_court) - set(names))
    if unknown:
        raise FleetError(f"no court {', '.join(unknown)} among the fleet's {count} ({', '.join(names)})")
    bad = sorted({value for value in per_court.values() if value not in CMS_NAMES})
    if bad:
        raise FleetError(f"unknown CMS {', '.join(bad)} (one of {', '.join(CMS_NAMES)})")
    remove(name)
    fleet = Fleet(name)
    shutil.rmtree(fleet.directory, ignore_errors=True)
    fleet.directory.mkdir(parents=True)
    octet = free_octet(name, count)
    ca = TestCA(fleet.directory)
    images = {}
    for index, (host, court_name, court_type, region, domain, webserver) in enumerate(COURTS[:count]):
        if webservers:
            webserver = webservers[index % len(webservers)]
        if webserver not in images:
            images[webserver] = ensure_image(webserver)
        key = fleet.directory / f"{host}.key"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"sopansible@{host}", "-f", str(key)],
            check=True,
        )
        court = Court(
            name=host,
            court_name=court_name,
            court_type=court_type,
            region=region,
            domain=domain,
            webserver=webserver,
            address=f"127.77.{octet}.{10 + index}",
            container=f"pnfleet-{name}-{host}",
            key=key,
            cms=per_court.get(host, "custom"),
        )
        site_env = fleet.directory / f"{host}.env"
        site_env.write_text(
            f'COURT_NAME="{court_name}"\nCOURT_DOMAIN="{domain}"\nCOURT_SSH_USER="{SSH_USER}"\n'
            f'COURT_CMS="{court.cms}"\n'
            f'COURT_SSH_PUBKEY="{key.with_suffix(".key.pub").read_text().strip()}"\n'
        )
        podman(
            "create",
            "--name",
            court.container,
            "--hostname",
            host,
            "--label",
            f"{LABEL}={name}",
            "--systemd=always",
            "--stop-signal",
            "SIGRTMIN+3",
            "-p",
            f"{court.address}:{SSH_PORT}:22",
            "-p",
            f"{court.address}:80:80",
            "-p",
            f"{court.address}:443:443",
            *(podman_args or []),
            images[webserver],
        )
        podman("cp", str(site_env), f"{court.container}:/etc/pn-court/site.env")
        tls_key, tls_cert = fleet.directory / f"{host}.tls.key", fleet.directory / f"{host}.tls.crt"
        ca.issue([domain, f"www.{domain}"], tls_key, tls_cert)
        podman("cp", str(tls_key), f"{court.container}:/etc/ssl/private/court.key")
        podman("cp", str(tls_cert), f"{court.container}:/etc/ssl/certs/court.crt")
        fleet.courts.append(court)
    for court in fleet.courts:
        podman("start", court.container)
    deadline = time.monotonic() + timeout
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, count)) as pool:
        list(pool.map(lambda c: _wait_ready(c, deadline), fleet.courts))
    write_access_files(fleet)
    return fleet


def write_access_files(fleet: Fleet) -> None:
    """known_hosts (strict host key checking stays on), ssh_config and the inventory."""
    known, config = [], []
    for court in fleet.courts:
        host_key = podman("exec", court.container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub").stdout.split()
        known.append(f"[{court.address}]:{SSH_PORT} {host_key[0]} {host_key[1]}")
        config.append(
            f"Host {court.name}\n  HostName {court.address}\n  Port {SSH_PORT}\n  User {SSH_USER}\n"
            f"  IdentityFile {court.key}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {fleet.directory / 'known_hosts'}\n"
            "  StrictHostKeyChecking yes\n"
        )
    (fleet.directory / "known_hosts").write_text("\n".join(known) + "\n")
    fleet.ssh_config.write_text("\n".join(config))
    regions: dict[str, list[str]] = {}
    for court in fleet.courts:
        regions.setdefault("region_" + court.region.lower().replace(" ", "_"), []).append(court.name)
    inventory = {
        "all": {
            "vars": {
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={fleet.directory / 'known_hosts'} "
                "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
                # The court sites' certificates come from the fleet's own CA.
                "pn_monitor_ca_file": str(fleet.directory / "ca.pem"),
                "pn_renewal_tls_ca_file": str(fleet.directory / "ca.pem"),
                # A lab fleet's own backup repository password; real courts keep it in Ansible Vault.
                "pn_backup_password": secrets.token_urlsafe(24),
            },
            "children": {
                "courts": {
                    "children": {
                        "court_servers": {"hosts": {court.name: court.vars() for court in fleet.courts}},
                        **{
                            group: {"hosts": dict.fromkeys(hosts)} for group, hosts in sorted(regions.items())
                        },
                    }
                }
            },
        }
    }
    fleet.inventory.touch(mode=0o600)
    fleet.inventory.write_text(
        f"# Generated by tests/fleet.py for the '{fleet.name}' fleet; do not edit.\n"
        + yaml.safe_dump(inventory, sort_keys=False, allow_unicode=True)
    )
    (fleet.directory / "fleet.json").write_text(
        json.dumps(
            {"name": fleet.name, "courts": [c.__dict__ | {"key": str(c.key)} for c in fleet.courts]}, indent=2
        )
    )


def load(name: str) -> Fleet:
    """A running fleet described by its fleet.json."""
    data = json.loads((FLEET_DIR / name / "fleet.json").read_text())
    return Fleet(name, [Court(**(c | {"key": Path(c["key"])})) for c in data["courts"]])


def parse_cms(values: list[str]) -> str | dict[str, str] | None:
    """--cms wordpress (every court) or --cms pn-bangil=wordpress ... (those courts)."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    if any("=" not in value for value in values):
        raise FleetError("--cms is either one CMS for every court or COURT=CMS for each court named")
    return dict(value.split("=", 1) for value in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fleet", description="Court test fleet (podman containers on loopback)."
    )
    actions = parser.add_subparsers(dest="action", required=True)
    start_parser = actions.add_parser("start", help="start a fleet and print its inventory path")
    start_parser.add_argument("--name", default="demo")
    start_parser.add_argument("--courts", type=int, default=3)
    start_parser.add_argument(
        "--cms",
        action="append",
        default=[],
        metavar="CMS|COURT=CMS",
        help=f"the site of every court, or of one court (repeatable); one of {', '.join(CMS_NAMES)}",
    )
    stop_parser = actions.add_parser("stop", help="remove a fleet's containers")
    stop_parser.add_argument("--name", default="demo")
    actions.add_parser("image", help="build the court image if missing and print its name")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            fleet = start(args.name, args.courts, cms=parse_cms(args.cms))
            for court in fleet.courts:
                print(
                    f"{court.name:16} {court.court_name:32} {court.webserver:7} {court.cms:9} "
                    f"{court.address}",
                    file=sys.stderr,
                )
            print(fleet.inventory)
        elif args.action == "stop":
            remove(args.name)
        else:
            print(ensure_image())
    except FleetError as error:
        print(f"fleet: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
