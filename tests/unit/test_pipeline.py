"""The run -> record -> notify -> report pipeline: plain results in (as an Ansible callback plugin would
hand them), history, retry file and reports out; a run cancelled with Ctrl-C stops cleanly."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sopansible import pipeline, runner
from sopansible.store import HistoryStore

ROOT = Path(__file__).resolve().parents[2]
LOCAL = (
    "all:\n  children:\n    courts:\n      hosts:\n        pn-lokal:\n          ansible_connection: local\n"
    "          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def plain_outcome(run_id: str = "20261123T020000Z-harian-abc123") -> pipeline.Outcome:
    """A run as something other than ansible-runner (a callback plugin, an AWX job) would describe it."""
    return pipeline.Outcome(
        run_id=run_id,
        name="harian",
        status="unreachable",
        started="2026-11-23T02:00:00+00:00",
        finished="2026-11-23T02:05:00+00:00",
        results=[
            {
                "court": "pn-tais",
                "activity": "W1",
                "status": "critical",
                "summary": "Website tidak dapat diakses",
                "outputs": {"available": False},
                "findings": [{"rule": "site-down", "severity": "critical", "message": "Situs mati"}],
                "started": "2026-11-23T02:00:05+00:00",
                "finished": "2026-11-23T02:00:09+00:00",
            },
            {
                "court": "pn-bangil",
                "activity": "W1",
                "status": "unreachable",
                "summary": "ssh: no route",
                "error": "ssh: no route",
            },
        ],
        courts={
            "pn-tais": {"court_name": "Pengadilan Negeri Tais"},
            "pn-bangil": {"court_name": "Pengadilan Negeri Bangil"},
        },
    )


def test_record_notify_and_report_take_plain_results(data_dir, tmp_path):
    outcome = plain_outcome()
    retry = pipeline.record(outcome)
    assert retry == runner.retry_path("harian") and runner.read_retry("harian") == ["pn-bangil"]
    with HistoryStore() as history:
        run = history.run(outcome.run_id)
        assert run["status"] == "unreachable" and run["name"] == "harian"
        assert {r["court"]: r["status"] for r in run["results"]} == {
            "pn-tais": "critical",
            "pn-bangil": "unreachable",
        }
        assert history.courts()["pn-tais"]["court_name"] == "Pengadilan Negeri Tais"
    # No notify.yml: nothing is sent and nothing fails.
    answer = pipeline.notify(outcome)
    assert answer["sent"] == [] and answer["errors"] == []

    index = pipeline.report(outcome, out_dir=tmp_path / "reports", lang="en")
    assert index == tmp_path / "reports" / "index.html"
    assert "Pengadilan Negeri Bangil" in index.read_text()
    assert json.loads((tmp_path / "reports" / "pn-tais" / "laporan.json").read_text())
    only = pipeline.report(["pn-tais"], out_dir=tmp_path / "one")
    assert (only.parent / "pn-tais").is_dir() and not (only.parent / "pn-bangil").exists()

    # A later run that reaches pn-bangil again clears it from the retry file.
    later = plain_outcome("20261124T020000Z-harian-def456")
    later.results = [dict(r, status="ok", error=None) for r in later.results]
    later.status = "ok"
    assert pipeline.record(later) is None and runner.read_retry("harian") == []


def test_a_cancelled_outcome_is_neither_recorded_nor_notified(data_dir):
    outcome = plain_outcome()
    outcome.status = "cancelled"
    assert pipeline.record(outcome) is None
    assert pipeline.notify(outcome)["sent"] == []
    with HistoryStore() as history:
        assert history.runs() == []
    assert runner.read_retry("harian") == []


def test_run_gives_the_courts_it_was_aimed_at(data_dir, tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(LOCAL + "          court_name: Pengadilan Lokal\n")
    playbook = tmp_path / "sop_uji.yml"
    playbook.write_text(
        "- name: W1 Uji\n  hosts: courts\n  gather_facts: false\n  tasks:\n"
        "    - name: Record the SOP result\n      ansible.builtin.set_fact:\n"
        "        pn_sop_result: {activity: W1, status: warning, summary: lambat}\n"
    )
    progress = []
    outcome = pipeline.run(playbook, inventory, name="uji", on_progress=lambda *event: progress.append(event))
    assert outcome.status == "warning" and outcome.name == "uji"
    assert outcome.inventory == str(inventory.resolve())
    assert outcome.courts == {"pn-lokal": {"court_name": "Pengadilan Lokal"}}
    assert [(r["court"], r["activity"], r["status"]) for r in outcome.results] == [
        ("pn-lokal", "W1", "warning")
    ]
    assert ("pn-lokal", "warning", "lambat") in progress
    assert outcome.artifacts.name == outcome.run_id


def test_ctrl_c_cancels_the_run_cleanly(tmp_path):
    """The first Ctrl-C stops the playbook; the command exits 130 without a traceback and records nothing
    (a cancelled run used to end in a StoreError about the status 'cancelled')."""
    started = tmp_path / "started"
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(LOCAL + f"          ansible_remote_tmp: {tmp_path / 'remote-tmp'}\n")
    playbook = tmp_path / "slow.yml"
    playbook.write_text(
        "- name: W1 Slow activity\n  hosts: courts\n  gather_facts: false\n  tasks:\n"
        "    - name: Say that the run has started\n"
        f"      ansible.builtin.copy: {{content: '', dest: '{started}', mode: '0600'}}\n"
        "    - name: Wait for a file that never comes\n"
        f"      ansible.builtin.wait_for: {{path: '{started}.never', timeout: 20}}\n"
    )
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sopansible.cli", "run", str(playbook), "-i", str(inventory), "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, SOPANSIBLE_DATA=str(data)),
        # as at a terminal: a shell that starts jobs in the background (CI, cron) has them ignore Ctrl-C
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    while not started.exists() and proc.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.2)
    assert started.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "cancelled" in err
    with HistoryStore(data / "history.sqlite") as history:
        assert history.runs() == []
    assert not (data / "retry").exists()


def test_recording_applies_the_retention(data_dir, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_HISTORY_DAYS", "30")
    today = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    runs = {"old": today - datetime.timedelta(days=31), "new": today - datetime.timedelta(days=29)}
    for name, started in runs.items():
        outcome = plain_outcome(f"{started:%Y%m%dT%H%M%SZ}-harian-{name}")
        outcome.started = outcome.finished = started.isoformat()
        pipeline.record(outcome)
    with HistoryStore(data_dir / "history.sqlite") as store:
        assert [run["run_id"].rsplit("-", 1)[1] for run in store.runs()] == ["new"]
