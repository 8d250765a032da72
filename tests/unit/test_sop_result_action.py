"""pn.website.sop_result in a real playbook run (local connection): the status it judges reaches the
runner's results, a result that does not fit the format fails the court with the field named, text a
court sent stays text, and the result never outlives the run in the fact cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sopansible import runner
from sopansible.paths import COLLECTIONS_DIR

INVENTORY = "all:\n  hosts:\n    pn-lokal:\n      ansible_connection: local\n"


def judge_and_record(activity: str, **args) -> list[dict]:
    """A play that builds the court's result with the action and records it as the SOP playbooks do."""
    return [
        {
            "name": f"{activity} uji hasil SOP",
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Judge the result",
                    "pn.website.sop_result": {"activity": activity, **args},
                    "register": "judged",
                },
                {
                    "name": "Record the result",
                    "ansible.builtin.set_fact": {"pn_sop_result": "{{ judged.sop_result }}"},
                },
            ],
        }
    ]


@pytest.fixture
def inventory(tmp_path, monkeypatch):
    """One court on the local connection; sopansible's data (runs, facts) in the test's folder."""
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    (tmp_path / "inventory.yml").write_text(INVENTORY)
    return tmp_path / "inventory.yml"


def run(tmp_path, inventory, plays, findings):
    playbook = tmp_path / "sop.yml"
    playbook.write_text(yaml.safe_dump(plays))
    outcome = runner.run_playbook(playbook, inventory, name="uji", extravars={"findings": findings})
    (result,) = outcome.results
    return outcome, result


def finding(severity: str, rule: str = "ssh-root-login") -> dict:
    return {"rule": rule, "severity": severity, "message": f"kontrol {rule} gagal", "evidence": {"x": 1}}


@pytest.mark.parametrize(
    ("severities", "status", "exit_code"),
    [
        ([], "ok", 0),
        (["info"], "warning", 1),
        (["low", "medium"], "warning", 1),
        (["low", "high"], "critical", 2),
    ],
)
def test_the_rule_given_decides_the_status_the_runner_records(
    tmp_path, inventory, severities, status, exit_code
):
    plays = judge_and_record(
        "IT-AUDIT",
        rule={"critical": "high", "warning": "info"},
        findings="{{ findings }}",
        summary={"critical": "Kontrol penting gagal.", "default": "Skor kepatuhan dihitung."},
        outputs={"score": 80.0},
    )
    findings = [finding(s, f"rule-{i}") for i, s in enumerate(severities)]
    outcome, result = run(tmp_path, inventory, plays, findings)
    assert result["court"] == "pn-lokal" and result["activity"] == "IT-AUDIT"
    assert result["status"] == status and outcome.rc == 0 and runner.EXIT_CODES[outcome.status] == exit_code
    assert result["summary"] == (
        "Kontrol penting gagal." if status == "critical" else "Skor kepatuhan dihitung."
    )
    assert result["findings"] == findings and result["outputs"] == {"score": 80.0}


@pytest.mark.parametrize(
    ("severity", "status"), [("medium", "warning"), ("high", "warning"), ("critical", "critical")]
)
def test_without_a_rule_the_default_rule_applies(tmp_path, inventory, severity, status):
    plays = judge_and_record("W1", findings="{{ findings }}", summary="Website dapat diakses.")
    _, result = run(tmp_path, inventory, plays, [finding(severity, "content-stale")])
    assert result["status"] == status


def test_an_engines_own_status_is_kept(tmp_path, inventory):
    plays = judge_and_record("W2", status="failed", findings="{{ findings }}", summary="Backup GAGAL.")
    _, result = run(tmp_path, inventory, plays, [])
    assert result["status"] == "failed" and result["summary"] == "Backup GAGAL."


def test_a_finding_outside_the_format_fails_the_court_with_the_field_named(tmp_path, inventory):
    plays = judge_and_record("W3", findings="{{ findings }}", lang="en")
    outcome, result = run(tmp_path, inventory, plays, [finding("low"), finding("urgent")])
    assert result["status"] == "failed" and outcome.status == "failed"
    assert "W3: findings[1].severity: unknown severity 'urgent'" in result["error"]


def test_a_status_outside_the_scale_fails_the_court(tmp_path, inventory):
    plays = judge_and_record("W1", status="unreachable")
    _, result = run(tmp_path, inventory, plays, [])
    assert result["status"] == "failed" and "unreachable" in result["error"]


def test_text_a_court_sent_stays_text_and_is_never_run_as_a_template(tmp_path, inventory):
    """Findings carry what a court sent (an error message, a log line); the action takes it as data and
    the result holds it as it came, even when it looks like a Jinja expression."""
    marker = tmp_path / "templated"
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch " + str(marker) + "') }} {{ 7 * 7 }}"
    sent = tmp_path / "sent.json"
    sent.write_text(json.dumps({"rule": "backup-failed", "severity": "critical", "message": hostile}))
    inventory.write_text(INVENTORY + f"      ansible_python_interpreter: {sys.executable}\n")
    plays = judge_and_record(
        "W2",
        rule={"failed": "critical"},
        findings=["{{ court.stdout | from_json }}"],
        summary="Backup GAGAL: {{ (court.stdout | from_json).message }}",
    )
    plays[0]["tasks"].insert(
        0,
        {
            "name": "What the court sent",
            "ansible.builtin.command": {"argv": ["cat", str(sent)]},
            "register": "court",
            "changed_when": False,
        },
    )
    _, result = run(tmp_path, inventory, plays, [])
    assert result["status"] == "failed"
    assert result["findings"][0]["message"] == hostile and result["summary"] == "Backup GAGAL: " + hostile
    assert not marker.exists()


def ansible_playbook(tmp_path: Path, inventory: Path, plays: list, *args: str) -> subprocess.CompletedProcess:
    """ansible-playbook with a fact cache on disk, as the project's ansible.cfg and sopansible keep one."""
    config = tmp_path / "ansible.cfg"
    config.write_text(
        "[defaults]\n"
        f"collections_path = {COLLECTIONS_DIR}\n"
        "gathering = explicit\n"
        "fact_caching = jsonfile\n"
        f"fact_caching_connection = {tmp_path / 'facts'}\n"
        "fact_caching_timeout = 86400\n"
    )
    playbook = tmp_path / f"play-{len(list(tmp_path.glob('play-*')))}.yml"
    playbook.write_text(yaml.safe_dump(plays))
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), *args, str(playbook)],
        capture_output=True,
        text=True,
        env=dict(os.environ, ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1"),
        check=False,
    )


def test_check_mode_judges_and_the_result_does_not_outlive_the_run(tmp_path, inventory):
    """A fact returned by an action plugin goes to the fact cache and would show up in every later run of
    the court for a day; the result is returned and recorded with set_fact instead."""
    plays = judge_and_record("IT-DRILL", findings=[finding("critical")], rule={"failed": "critical"})
    plays[0]["tasks"].append(
        {"name": "Check the result", "ansible.builtin.assert": {"that": ["pn_sop_result.status == 'failed'"]}}
    )
    first = ansible_playbook(tmp_path, inventory, plays, "--check")
    assert first.returncode == 0, first.stdout + first.stderr
    later = [
        {
            "name": "A later run that gives no result",
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "No result of an earlier run is seen",
                    "ansible.builtin.assert": {"that": ["pn_sop_result is not defined"]},
                }
            ],
        }
    ]
    second = ansible_playbook(tmp_path, inventory, later)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "IT-DRILL" not in "".join(p.read_text() for p in (tmp_path / "facts").glob("*"))
