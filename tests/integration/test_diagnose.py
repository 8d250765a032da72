"""Diagnosis (W6), remediation (W7) and the backup after it (W8) on real court containers.

One module-scoped fleet of two courts: pn-tais (nginx, its /var/log/nginx a small tmpfs so that a full
disk is real) and pn-bangil (Apache). Things are broken for real: PHP-FPM stopped, the nginx
configuration broken and the restart failed, the log disk filled, the homepage defaced. `sopansible
diagnose` must name the cause, `sopansible remediate --yes` must bring back a working homepage with the
court's name, and the troubleshooting records must be in the history store.
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

from sopansible import store
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
NGINX, APACHE = "pn-tais", "pn-bangil"
DEFACED = (
    "<html><head><title>Hacked by Zer0Cool</title></head><body><h1>Hacked by Zer0Cool</h1>"
    "<p>Situs ini telah diretas. Daftar slot gacor maxwin di bandar togel terpercaya.</p></body></html>"
)


@pytest.fixture(scope="module")
def dg(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    name = f"dg{os.getpid()}"
    try:
        running = fleet_lib.start(
            name,
            count=2,
            webservers=["nginx", "apache"],
            podman_args=["--mount", "type=tmpfs,destination=/var/log/nginx,tmpfs-size=8m"],
        )
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    data = tmp_path_factory.mktemp("dg-data")
    env = dict(os.environ, SOPANSIBLE_DATA=str(data), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    # Pristine copies to put back between tests, and a first backup to restore from.
    running.exec(NGINX, "cp -a /etc/nginx/sites-available/court /root/court.nginx.orig")
    running.exec(APACHE, "cp -a /var/www/court/index.php /root/index.php.orig")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(running.inventory),
            str(ROOT / "playbooks" / "sop_backup.yml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    yield {"fleet": running, "env": env, "data": data}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


@pytest.fixture
def pristine(dg):
    """Put the courts back as they were when a test is over, whatever it left behind."""
    yield
    f = dg["fleet"]
    f.exec(
        NGINX,
        "rm -f /var/log/nginx/*.cut.gz; : > /var/log/nginx/access.log; "
        "cp -a /root/court.nginx.orig /etc/nginx/sites-available/court; "
        "systemctl restart nginx php8.2-fpm",
        check=False,
    )
    f.exec(
        APACHE,
        "cp -a /root/index.php.orig /var/www/court/index.php; systemctl restart apache2 php8.2-fpm",
        check=False,
    )


def sopansible(dg, *args: str) -> tuple[int, dict, str]:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "sopansible"), "--lang", "en", *args, "--json", "--no-report"],
        capture_output=True,
        text=True,
        env=dg["env"],
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


def homepage(dg, court: str) -> tuple[int | None, str]:
    target = dg["fleet"].court(court)
    request = urllib.request.Request(f"http://{target.address}/", headers={"Host": target.domain})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except OSError:
        return None, ""


def problem_ids(out: dict, court: str) -> list[str]:
    return [p["id"] for p in out["courts"][court]["problems"]]


def records(dg, run_id: str) -> dict:
    with store.HistoryStore(dg["data"] / "history.sqlite") as history:
        return {
            (t["court"], t["finding_rule"]): t for t in history.troubleshooting() if t["run_id"] == run_id
        }


def test_stopped_php_fpm_and_broken_nginx_configuration(dg, pristine):
    f = dg["fleet"]
    f.exec(NGINX, "echo 'server_tokens_broken on;' >> /etc/nginx/sites-available/court")
    assert f.exec(NGINX, "systemctl restart nginx", check=False).returncode != 0
    f.exec(APACHE, "systemctl stop php8.2-fpm")
    assert homepage(dg, NGINX)[0] is None
    assert homepage(dg, APACHE)[0] in (500, 502, 503)

    code, diagnosis, err = sopansible(dg, "diagnose", "-i", str(f.inventory))
    assert code == 2, err[-2000:]
    assert problem_ids(diagnosis, NGINX)[0] == "webserver-config-invalid"
    config = diagnosis["courts"][NGINX]["problems"][0]
    assert "server_tokens_broken" in config["explanation"]["en"]
    assert "/etc/nginx/sites-enabled/court:" in config["explanation"]["en"]
    assert config["auto"] and config["solutions"][0]["action"] == "restore-config"
    assert problem_ids(diagnosis, APACHE)[0] == "php-fpm-down"
    assert "site-unreachable" not in problem_ids(diagnosis, NGINX) + problem_ids(diagnosis, APACHE)
    w6 = records(dg, diagnosis["run_id"])
    assert w6[(NGINX, "webserver-config-invalid")]["activity"] == "W6"
    assert w6[(APACHE, "php-fpm-down")]["outcome"] == "in_progress"

    code, remedy, err = sopansible(
        dg,
        "remediate",
        "-i",
        str(f.inventory),
        "--limit",
        f"{NGINX},{APACHE}",
        "--yes",
        "-e",
        "pn_remediate_backup=false",
    )
    for court, action in ((NGINX, "restore-config"), (APACHE, "restart-service")):
        entry = remedy["courts"][court]
        assert [a["action"] for a in entry["actions"]] == [action], entry
        assert all(a["ok"] for a in entry["actions"])
        assert not [p for p in entry["remaining"] if p["severity"] == "critical"], entry["remaining"]
        status, body = homepage(dg, court)
        assert status == 200 and f.court(court).court_name in body
    assert "server_tokens_broken" not in f.exec(NGINX, "cat /etc/nginx/sites-available/court").stdout
    w7 = records(dg, remedy["run_id"])
    assert w7[(NGINX, "webserver-config-invalid")]["outcome"] == "resolved"
    assert w7[(NGINX, "webserver-config-invalid")]["activity"] == "W7"
    assert "configuration test ok" in w7[(NGINX, "webserver-config-invalid")]["actions"][0]
    assert w7[(APACHE, "php-fpm-down")]["outcome"] == "resolved"
    assert w7[(APACHE, "php-fpm-down")]["duration_s"] >= 0


def test_full_log_disk_and_defaced_homepage(dg, pristine):
    f = dg["fleet"]
    line = '203.0.113.7 - - [23/Nov/2026:10:00:00 +0000] \\"GET /wp-login.php HTTP/1.1\\" 404 153'
    f.exec(NGINX, f'yes "{line}" >> /var/log/nginx/access.log 2>/dev/null', check=False)
    assert "100%" in f.exec(NGINX, "df /var/log/nginx").stdout
    f.exec(APACHE, f"cat > /var/www/court/index.php <<'EOF'\n{DEFACED}\nEOF")
    status, body = homepage(dg, APACHE)
    assert "Hacked by" in body and f.court(APACHE).court_name not in body

    code, diagnosis, err = sopansible(
        dg, "diagnose", "-i", str(f.inventory), "-e", "pn_diagnose_hardening=false"
    )
    assert code == 2, err[-2000:]
    disk = diagnosis["courts"][NGINX]["problems"][0]
    assert disk["id"] == "disk-full-logs" and "/var/log/nginx/access.log" in disk["explanation"]["en"]
    assert problem_ids(diagnosis, APACHE)[0] == "site-defaced"

    code, remedy, err = sopansible(
        dg, "remediate", "-i", str(f.inventory), "--limit", f"{NGINX},{APACHE}", "--yes"
    )
    tais, bangil = remedy["courts"][NGINX], remedy["courts"][APACHE]
    assert [a["action"] for a in tais["actions"]] == ["free-logs"] and tais["actions"][0]["ok"], tais
    used = int(f.exec(NGINX, "df --output=pcent /var/log/nginx | tail -1").stdout.strip().rstrip("%"))
    assert used <= 80
    assert [a["action"] for a in bangil["actions"]] == ["restore-site"] and bangil["actions"][0]["ok"], bangil
    status, body = homepage(dg, APACHE)
    assert status == 200 and f.court(APACHE).court_name in body and "Hacked" not in body
    # W8: a fresh backup after the solved problems.
    activities = {
        court: [r["activity"] for r in remedy["courts"][court]["results"]] for court in (NGINX, APACHE)
    }
    assert "W8" in activities[NGINX] and "W8" in activities[APACHE], activities
    w7 = records(dg, remedy["run_id"])
    assert w7[(NGINX, "disk-full-logs")]["outcome"] == "resolved"
    assert "MB" in w7[(NGINX, "disk-full-logs")]["actions"][0]
    assert w7[(APACHE, "site-defaced")]["outcome"] == "resolved"
    assert w7[(APACHE, "site-defaced")]["evidence"]["findings"]
