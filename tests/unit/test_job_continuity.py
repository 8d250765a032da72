"""Job to job: an AWX job runs in a fresh container, so each job here gets a new, empty data folder
(``SOPANSIBLE_DATA``) and only the history store (``SOPANSIBLE_DB``: one PostgreSQL schema, or one SQLite
file) is shared. The next job must still see the last one's W1 baselines, its retry list and what it
already announced.

The jobs are the real ones: ``ansible-playbook playbooks/sop_monitor.yml`` with the repository's
ansible.cfg (the history callback records and notifies, as in AWX), then ``sopansible run W1 --retry``;
the court websites are served on loopback and the notifications go to a local SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    DEFACED_PAGE,
    KEYWORD,
    court_page,
)
from sopansible import cli
from sopansible.store import HistoryStore
from tests.unit.test_watch import CourtSite, smtp  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]
NEW_LINK = "<a href='https://promo-baru.example/daftar'>Info</a>"


class Site(CourtSite):
    """A court site whose homepage a test sets (the watch's site answers the rest)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page


@pytest.fixture
def sites(monkeypatch):
    import tests.unit.test_watch as watch_tests

    # the homepage of each site is its own `page`; the other paths are the watch's court site
    original = watch_tests._CourtHandler.do_GET

    def do_get(handler):
        page = getattr(handler.server, "page", None)
        if handler.path != "/" or page is None:
            return original(handler)
        data = page.encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return None

    monkeypatch.setattr(watch_tests._CourtHandler, "do_GET", do_get)
    made = {"pn-tais": Site(court_page()), "pn-bangil": Site(DEFACED_PAGE), "pn-curup": Site(court_page())}
    yield made
    for site in made.values():
        site.stop()


def inventory(folder: Path, sites: dict, broken: bool) -> Path:
    """The fleet's inventory as a job checks it out; with ``broken``, pn-curup's domain is not valid
    (its preflight fails: a failed court for the retry list)."""
    lines = ["all:", "  children:", "    courts:", "      hosts:"]
    for host, site in sites.items():
        domain = f"{host}.go.id"
        lines += [
            f"        {host}:",
            f"          court_name: Pengadilan Uji {host}",
            "          court_type: PN",
            f"          court_keyword: {KEYWORD}",
            f"          court_domain: {'bukan domain' if broken and host == 'pn-curup' else domain}",
            f"          court_url: http://{domain}:{site.port}/",
            f'          court_probe_resolve: ["{domain}:{site.port}:127.0.0.1"]',
        ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hosts.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fresh_data(tmp_path: Path, name: str, smtp) -> Path:  # noqa: F811
    """A job container's data folder: empty but for the notification settings it is deployed with."""
    folder = tmp_path / name / "data"
    folder.mkdir(parents=True)
    (folder / "notify.yml").write_text(
        "email:\n  host: 127.0.0.1\n"
        f"  port: {smtp.port}\n  from: sopansible@pt-uji.go.id\n  to: [tim-it@pt-uji.go.id]\n  timeout: 10\n"
    )
    return folder


def awx_job(inv: Path, data: Path, db: str) -> subprocess.CompletedProcess:
    """ansible-playbook as an AWX job runs it: the repository's ansible.cfg, the history callback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPANSIBLE_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        SOPANSIBLE_DATA=str(data),
        SOPANSIBLE_DB=db,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), "playbooks/sop_monitor.yml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def w1(db: str) -> dict:
    with HistoryStore(db) as history:
        return {court: latest["W1"] for court, latest in history.latest_all().items() if "W1" in latest}


def newest_run(db: str) -> dict[str, set[str]]:
    """{court: statuses of its results} in the newest run of the history."""
    with HistoryStore(db) as history:
        run = history.run(history.runs(limit=1)[0]["run_id"])
    found: dict[str, set[str]] = {}
    for row in run["results"]:
        found.setdefault(row["court"], set()).add(row["status"])
    return found


def defacement_mails(smtp) -> list[str]:  # noqa: F811
    return [body for body in smtp.bodies() if "pn-bangil" in body and "[MASALAH]" in body]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_job_in_a_fresh_container_continues_where_the_last_one_stopped(
    backend,
    request,
    tmp_path,
    sites,
    smtp,  # noqa: F811
    monkeypatch,
):
    db = (
        str(tmp_path / "shared" / "history.sqlite")
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    (tmp_path / "shared").mkdir()
    for name in [k for k in os.environ if k.startswith("SOPANSIBLE_")]:
        monkeypatch.delenv(name)

    # Job 1: the baselines are taken, pn-bangil's defacement is announced, pn-curup fails.
    first_data = fresh_data(tmp_path, "job1", smtp)
    done = awx_job(inventory(tmp_path / "job1", sites, broken=True), first_data, db)
    assert done.returncode == 2, done.stdout + done.stderr
    first = w1(db)
    assert first.get("pn-tais", {}).get("status") == "ok", (first, done.stdout[-3000:])
    assert newest_run(db)["pn-curup"] == {"failed"}
    assert len(defacement_mails(smtp)) == 1

    # Job 2, another container: pn-tais now links to a new outside domain, pn-bangil is still defaced.
    sites["pn-tais"].page = court_page(links=NEW_LINK)
    second_data = fresh_data(tmp_path, "job2", smtp)
    done = awx_job(inventory(tmp_path / "job2", sites, broken=True), second_data, db)
    assert done.returncode == 2, done.stdout + done.stderr
    second = w1(db)
    new_links = [f for f in second["pn-tais"]["findings"] if f["rule"] == "unknown-links"]
    assert new_links, second["pn-tais"]  # measured against job 1's baseline, not a first look
    assert new_links[0]["evidence"]["domains"] == ["promo-baru.example"]
    assert len(defacement_mails(smtp)) == 1  # announced once, by job 1
    assert not (second_data / "state").exists()  # nothing of it in the container's folder

    # Job 3, a third container, pn-curup's data fixed: --retry redoes pn-curup only (the run is filed
    # under the playbook's name, as the callback files an AWX job).
    third_data = fresh_data(tmp_path, "job3", smtp)
    monkeypatch.setenv("SOPANSIBLE_DATA", str(third_data))
    monkeypatch.setenv("SOPANSIBLE_DB", db)
    inv = inventory(tmp_path / "job3", sites, broken=False)
    code = cli.main(["run", "sop_monitor", "-i", str(inv), "--retry", "--no-report"])
    assert code == 0
    assert newest_run(db) == {"pn-curup": {"ok"}}
    assert w1(db)["pn-curup"]["status"] == "ok"
    with HistoryStore(db) as history:
        assert history.state("retry") == {"sop-monitor": []}  # nothing left to redo
    assert len(defacement_mails(smtp)) == 1
