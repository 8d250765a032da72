"""sopansible's runner and `run` command with real playbooks against the court fleet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from sopansible import runner
from sopansible.cli import main
from sopansible.store import HistoryStore

pytestmark = pytest.mark.fleet
PLAYBOOK = Path(__file__).parent / "playbooks" / "runner_probe.yml"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture()
def inventory_with_dead_court(fleet, tmp_path):
    """The fleet's inventory plus a court whose server does not answer."""
    data = yaml.safe_load(fleet.inventory.read_text())
    servers = data["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    dead = dict(next(iter(servers.values())))
    dead.update(
        ansible_host="127.77.250.250",
        court_name="Pengadilan Negeri Mati",
        court_domain="pn-mati.go.id",
        court_hostnames=["pn-mati.go.id"],
        court_url="https://pn-mati.go.id/",
        court_probe_resolve=[],
    )
    servers["pn-mati"] = dead
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_results_failures_and_unreachable_courts_are_collected(fleet, data_dir, inventory_with_dead_court):
    first, second = (court.name for court in fleet.courts)
    progress = []
    outcome = runner.run_playbook(
        PLAYBOOK,
        inventory_with_dead_court,
        extravars={"pn_test_fail_court": second},
        on_progress=lambda court, state, text: progress.append((court, state)),
        envvars={"ANSIBLE_TIMEOUT": "5"},
    )
    by_court = {result["court"]: result for result in outcome.results}
    assert by_court[first]["status"] == "ok"
    assert by_court[first]["activity"] == "W1"
    assert by_court[first]["outputs"]["disk_used"].endswith("%")
    assert by_court[first]["duration_s"] >= 0
    assert by_court[second]["status"] == "failed"
    assert "kegagalan uji untuk " + second in by_court[second]["error"]
    assert by_court["pn-mati"]["status"] == "unreachable"
    assert by_court["pn-mati"]["error"]
    assert outcome.status == "unreachable"
    assert runner.EXIT_CODES[outcome.status] == 3
    assert (first, "ok") in progress and ("pn-mati", "unreachable") in progress
    # one private data dir and ident per run, with the job events kept as evidence
    assert outcome.artifacts.name == outcome.run_id
    assert any((outcome.artifacts / "job_events").iterdir())


def test_run_command_records_history_and_writes_reports(fleet, data_dir, tmp_path):
    first = fleet.courts[0].name
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    shutil.copy(PLAYBOOK, playbooks / "sop_probe.yml")
    code = main(
        [
            "run",
            str(playbooks / "sop_probe.yml"),
            "-i",
            str(fleet.inventory),
            "--limit",
            first,
            "-e",
            f"pn_test_warn_court={first}",
        ]
    )
    assert code == 1  # the worst result is a warning
    store = HistoryStore(data_dir / "history.sqlite")
    (run,) = store.runs()
    assert run["status"] == "warning"
    latest = store.latest(first)
    assert latest["W1"]["status"] == "warning"
    report = json.loads((data_dir / "reports" / first / "laporan.json").read_text())
    assert report
    index = (data_dir / "reports" / "index.html").read_text()
    assert fleet.courts[0].court_name in index


def test_unknown_activity_is_a_clear_error(fleet, data_dir, capsys):
    assert main(["run", "W9", "-i", str(fleet.inventory)]) == 4
    assert "W9" in capsys.readouterr().err
