"""The pn.website.sop_history callback plugin: a run that ansible-playbook drives itself (cron, AWX,
ansible-runner) is recorded like a ``sopansible run``, once, and recording never fails the play.

The outcome-building tests feed job events shaped as ansible-runner writes them (and as the plugin
builds them from its callbacks); the playbook tests run the real ansible-playbook with the
repository's ansible.cfg on the local connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sopansible import pipeline
from sopansible.events import EventCollector
from sopansible.store import HistoryStore

ROOT = Path(__file__).resolve().parents[2]
SECRET = "rahasia-sandi-basis-data"


def event(kind, host=None, created="2026-11-23T02:30:00+00:00", **data):
    if host:
        data["host"] = host
    return {"event": kind, "created": created, "event_data": data}


def w1(status, summary, outputs):
    return {"activity": "W1", "status": status, "summary": summary, "outputs": outputs, "findings": []}


# Job events of a W1 run over three courts: two give their result, one cannot be reached. The
# unrelated keys are those ansible-runner writes too (uuid, remote_addr, the set_fact's other facts).
JOB_EVENTS = [
    event("playbook_on_start", playbook="sop_monitor.yml"),
    event("playbook_on_play_start", play="Validate the inventory"),
    event("runner_on_start", "pn-tais", task="Check the court variables"),
    event("runner_on_ok", "pn-tais", task="Check the court variables", res={"changed": False}),
    event("playbook_on_play_start", play="W1: monitor content updates and online availability"),
    event("runner_on_start", "pn-tais", task="Probe every court's website"),
    event("runner_on_start", "pn-bangil", task="Probe every court's website"),
    event(
        "runner_on_unreachable",
        "pn-curup",
        created="2026-11-23T02:30:20+00:00",
        task="Probe every court's website",
        remote_addr="127.0.0.9",
        res={"msg": "Failed to connect to the host via ssh: Connection refused", "unreachable": True},
    ),
    event(
        "runner_on_ok",
        "pn-tais",
        created="2026-11-23T02:30:12+00:00",
        task="Record the W1 result of each court",
        uuid="0242ac11-0002-1b2c-3d4e-000000000021",
        res={
            "ansible_facts": {"pn_sop_result": w1("ok", "Website dapat diakses.", {"status": 200})},
            "changed": False,
        },
    ),
    event(
        "runner_on_ok",
        "pn-bangil",
        created="2026-11-23T02:30:15+00:00",
        task="Record the W1 result of each court",
        res={"ansible_facts": {"pn_sop_result": w1("critical", "Website diubah.", {"status": 200})}},
    ),
    event("playbook_on_stats", changed={}, dark={"pn-curup": 1}, failures={}, ok={"pn-tais": 3}),
]


def test_the_outcome_of_recorded_job_events_is_one_row_per_court_and_activity(tmp_path, monkeypatch):
    collector = EventCollector()
    for item in JOB_EVENTS:
        assert collector.handle(item) is True
    outcome = pipeline.collected(
        collector,
        name="sop_monitor",
        started="2026-11-23T02:30:00+00:00",
        finished="2026-11-23T02:31:00+00:00",
        inventory="/srv/inventori",
        courts={"pn-tais": {"court_name": "PN Tais"}, "pn-bangil": {}, "pn-curup": {}},
    )
    rows = {row["court"]: row for row in outcome.results}
    assert outcome.name == "sop_monitor" and outcome.status == "unreachable"
    assert set(rows) == {"pn-tais", "pn-bangil", "pn-curup"}
    assert {row["activity"] for row in outcome.results} == {"W1"}
    assert (rows["pn-tais"]["status"], rows["pn-tais"]["outputs"]) == ("ok", {"status": 200})
    assert rows["pn-tais"]["duration_s"] == 12.0  # from the court's first event of the play
    assert rows["pn-bangil"]["status"] == "critical"
    assert rows["pn-curup"]["status"] == "unreachable" and "Connection refused" in rows["pn-curup"]["error"]

    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))  # history and retry file
    retry = pipeline.record(outcome)
    with HistoryStore() as history:
        recorded = history.run(outcome.run_id)
        latest = history.latest_all()
    assert recorded["name"] == "sop_monitor" and recorded["status"] == "unreachable"
    assert recorded["courts"]["pn-tais"] == {"court_name": "PN Tais"}
    assert {court: results["W1"]["status"] for court, results in latest.items()} == {
        "pn-tais": "ok",
        "pn-bangil": "critical",
        "pn-curup": "unreachable",
    }
    assert retry is not None and retry.read_text() == "pn-curup\n"


def test_a_run_without_any_court_result_gives_an_ok_outcome_with_no_rows():
    collector = EventCollector()
    for item in JOB_EVENTS[:4]:
        collector.handle(item)
    outcome = pipeline.collected(collector, name="x", started="s", finished="f")
    assert outcome.results == [] and outcome.status == "ok"


# -- the plugin inside a real ansible-playbook ------------------------------------------------------

PLAYBOOK = [
    {
        "name": "W1 uji hasil SOP",
        "hosts": "courts",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Judge the result",
                "pn.website.sop_result": {"activity": "W1", "summary": "Website dapat diakses."},
                "register": "judged",
            },
            {
                "name": "Record the result",
                "ansible.builtin.set_fact": {"pn_sop_result": "{{ judged.sop_result }}"},
            },
            {
                "name": "Fail one court after its result",
                "ansible.builtin.fail": {"msg": "disk penuh"},
                "when": "inventory_hostname == 'pn-bangil'",
            },
        ],
    },
    {
        "name": "W2 uji hasil SOP",
        "hosts": "courts",
        "gather_facts": False,
        "tasks": [
            {
                "name": "A task whose failure would show the password",
                "ansible.builtin.fail": {"msg": "login gagal dengan {{ court_db_password }}"},
                "no_log": True,
                "when": "inventory_hostname == 'pn-tais'",
            },
        ],
    },
]


@pytest.fixture
def project(tmp_path):
    """Two courts on the local connection (one with a password among its court variables), the
    playbook, and the environment of a plain ansible-playbook with the repository's ansible.cfg."""
    court = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "court_db_password": SECRET,
    }
    inventory = {
        "all": {
            "children": {
                "courts": {
                    "hosts": {
                        "pn-tais": dict(court, court_name="Pengadilan Negeri Tais"),
                        "pn-bangil": dict(court, court_name="Pengadilan Negeri Bangil"),
                    }
                }
            }
        }
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "sop_uji.yml").write_text(yaml.safe_dump(PLAYBOOK))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPANSIBLE_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        SOPANSIBLE_DATA=str(tmp_path / "data"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    return tmp_path, env


def play(path: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventory.yml", "sop_uji.yml"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def plugin_lines(done: subprocess.CompletedProcess) -> str:
    """What the plugin printed. (ansible-core 2.19's own error line shows a no_log task's failure
    message: that is the stdout callback's, not the record's.)"""
    return "\n".join(line for line in (done.stdout + done.stderr).splitlines() if "sop_history" in line)


def recorded_runs(data: Path) -> list[dict]:
    if not (data / "history.sqlite").exists():
        return []
    with HistoryStore(data / "history.sqlite") as history:
        return [history.run(run["run_id"]) for run in history.runs(limit=None)]


def test_a_plain_ansible_playbook_run_is_recorded_without_secrets(project):
    path, env = project
    done = play(path, env)
    assert done.returncode == 2, done.stdout + done.stderr  # a failed court, the other went on
    (run,) = recorded_runs(path / "data")
    rows = {row["court"]: row for row in run["results"]}
    assert run["name"] == "sop_uji" and run["status"] == "failed"
    assert run["inventory"] == str((path / "inventory.yml").resolve())
    assert len(run["results"]) == 3
    tais = {row["activity"]: row for row in run["results"] if row["court"] == "pn-tais"}
    assert (tais["W1"]["status"], tais["W1"]["summary"]) == ("ok", "Website dapat diakses.")
    assert tais["W2"]["status"] == "failed" and "no_log" in tais["W2"]["error"]
    assert (rows["pn-bangil"]["status"], rows["pn-bangil"]["error"]) == ("failed", "disk penuh")
    assert run["courts"] == {
        "pn-bangil": {"court_name": "Pengadilan Negeri Bangil"},
        "pn-tais": {"court_name": "Pengadilan Negeri Tais"},
    }
    assert (path / "data" / "retry" / "sop-uji.retry").read_text() == "pn-bangil\npn-tais\n"
    stored = (path / "data" / "history.sqlite").read_bytes()
    assert SECRET.encode() not in stored
    assert SECRET not in plugin_lines(done)


def test_a_run_recorded_on_postgresql_names_the_server_without_its_password(project, pg_server, pg_url):
    """The job output's last line says where the run went: on PostgreSQL the server's URL, masked."""
    path, env = project
    done = play(path, dict(env, SOPANSIBLE_DB=pg_url))
    assert done.returncode == 2, done.stdout + done.stderr
    line = next(line for line in plugin_lines(done).splitlines() if "SOP results recorded" in line)
    assert f"(postgresql://{pg_server.user}:***@127.0.0.1:{pg_server.port}/postgres?" in line
    assert pg_server.password not in done.stdout + done.stderr
    with HistoryStore(pg_url) as history:
        (run,) = history.runs(limit=None)
    assert run["run_id"] in line and run["name"] == "sop_uji"
    assert not (path / "data" / "history.sqlite").exists()


def test_a_run_that_sopansible_drives_is_left_to_sopansible(project):
    path, env = project
    done = play(path, dict(env, SOPANSIBLE_RUN_ID="20261123T023000Z-sop-uji-abc123"))
    assert done.returncode == 2
    assert recorded_runs(path / "data") == []


def test_the_report_option_writes_the_courts_reports(project):
    path, env = project
    done = play(path, dict(env, SOPANSIBLE_HISTORY_REPORT="true", SOPANSIBLE_LANG="en"))
    assert done.returncode == 2, done.stdout + done.stderr
    for court in ("pn-tais", "pn-bangil"):
        html = (path / "data" / "reports" / court / "laporan.html").read_text()
        assert court in html or "Pengadilan Negeri" in html
    assert (path / "data" / "reports" / "index.html").is_file()


def test_a_history_that_cannot_be_written_is_a_warning_and_the_play_goes_on(project):
    path, env = project
    blocker = path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    done = play(path, dict(env, SOPANSIBLE_DATA=str(blocker)))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output  # the same exit code as without the plugin: pn-bangil failed
    assert "[WARNING]: pn.website.sop_history" in output and "SOP results not recorded" in output
    assert "Traceback" not in output
    assert SECRET not in plugin_lines(done)


def test_without_sopansible_the_plugin_warns_once_and_the_play_goes_on(project):
    path, env = project
    # A Python path on which `import sopansible` fails, as on a controller without the package.
    missing = path / "no-sopansible" / "sopansible"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text("raise ImportError('No module named sopansible')\n")
    done = play(path, dict(env, PYTHONPATH=str(missing.parent)))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert output.count("sopansible is not installed") == 1
    assert "Traceback" not in output
    assert not (path / "data" / "history.sqlite").exists()
