"""A playbook that Ansible cannot load is a failed run, never an empty "ok" one."""

from __future__ import annotations

import pytest

from sopansible import runner

INVENTORY = "all:\n  hosts:\n    pn-lokal:\n      ansible_connection: local\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "inventory.yml"
    path.write_text(INVENTORY)
    return path


def _run(tmp_path, inventory, text: str):
    playbook = tmp_path / "broken.yml"
    playbook.write_text(text)
    return runner.run_playbook(playbook, inventory, name="broken")


def test_a_playbook_with_a_yaml_error_fails_the_run(tmp_path, inventory):
    outcome = _run(tmp_path, inventory, "- name: W1 probe\n  hosts: all\n  tasks: [\n")
    assert outcome.rc != 0
    assert outcome.status == "failed"
    assert [r["court"] for r in outcome.results] == ["*"]
    assert outcome.results[0]["error"]


def test_a_role_with_broken_argument_specs_fails_the_run(tmp_path, inventory):
    """A role's meta/argument_specs.yml that does not parse stops ansible-playbook before any court
    gives a result (exit code 4, the same code as an unreachable court)."""
    meta = tmp_path / "roles" / "broken" / "meta"
    meta.mkdir(parents=True)
    (meta / "argument_specs.yml").write_text("argument_specs:\n  main:\n    options: [\n")
    (tmp_path / "roles" / "broken" / "tasks").mkdir()
    (tmp_path / "roles" / "broken" / "tasks" / "main.yml").write_text("- ansible.builtin.ping:\n")
    outcome = _run(
        tmp_path,
        inventory,
        "- name: W1 probe\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.set_fact:\n"
        "        pn_sop_result: {activity: W1, status: ok, summary: baik}\n"
        "- name: W2 backup\n  hosts: all\n  gather_facts: false\n  roles: [broken]\n",
    )
    assert outcome.rc != 0
    assert outcome.status == "failed"
    assert any(r["court"] == "*" and r["status"] == "failed" for r in outcome.results)
