"""Every run is recorded, whatever runs the playbook: a plain `ansible-playbook playbooks/sop_monitor.yml`
(as cron or an AWX job runs it) over the court fleet lands in the SOP history through the
pn.website.sop_history callback plugin, the reports render from it, and a `sopansible run` is
recorded once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sopansible import pipeline
from sopansible.cli import main
from sopansible.store import HistoryStore

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]


def ansible_playbook(playbook: str, inventory: Path, data: Path) -> subprocess.CompletedProcess:
    """The playbook as cron or AWX runs it: ansible-playbook with the repository's ansible.cfg and
    nothing of sopansible's own environment but the data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", SOPANSIBLE_DATA=str(data))
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), playbook],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_plain_ansible_playbook_run_is_recorded_and_reported(fleet, tmp_path):
    data = tmp_path / "data"
    done = ansible_playbook("playbooks/sop_monitor.yml", fleet.inventory, data)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    courts = {court.name for court in fleet.courts}

    with HistoryStore(data / "history.sqlite") as history:
        (run,) = history.runs(limit=None)
        latest = {court: results["W1"] for court, results in history.latest_all().items()}
        known = history.courts()
        index = pipeline.report(sorted(courts), lang="id", out_dir=tmp_path / "reports", history=history)

    assert run["name"] == "sop_monitor" and run["status"] == "ok" and set(run["courts"]) == courts
    assert set(latest) == courts
    for court in fleet.courts:
        result = latest[court.name]
        assert result["status"] == "ok", result
        assert result["outputs"]["status"] == 200 and result["outputs"]["keyword_found"] is True
        assert known[court.name]["court_domain"] == court.domain
        html = (tmp_path / "reports" / court.name / "laporan.html").read_text(encoding="utf-8")
        assert court.domain in html and "W1" in html
    assert index.name == "index.html" and all(name in index.read_text() for name in courts)


def test_a_sopansible_run_is_recorded_once(fleet, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    assert main(["run", "sop_monitor", "-i", str(fleet.inventory), "--no-report"]) == 0
    with HistoryStore(data / "history.sqlite") as history:
        runs = history.runs(limit=None)
    assert len(runs) == 1 and runs[0]["results"] == len(fleet.courts)
