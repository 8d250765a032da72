"""Cycle playbooks follow the SOP catalogue, and every SOP playbook is well-formed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sopansible import catalogue
from sopansible.runner import ACTIVITY_IN_PLAY

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


@pytest.mark.parametrize("cycle", catalogue.CYCLES)
def test_cycle_imports_exactly_the_catalogues_existing_playbooks(cycle):
    path = PLAYBOOKS / f"{cycle}.yml"
    expected = [name for name in catalogue.cycle_playbooks(cycle) if (PLAYBOOKS / name).exists()]
    if not path.exists():
        assert not expected, f"{cycle}.yml is missing but {expected} exist"
        return
    imported = [play["ansible.builtin.import_playbook"] for play in yaml.safe_load(path.read_text())]
    assert imported == expected


def _imported_roles(plays: list) -> list[str]:
    """Every role:entry_point the plays import or include (the preflight play aside)."""
    found = []
    for play in plays:
        assert "roles" not in play, f"{play.get('name')}: import the roles with rolespec_validate: false"
        for task in play.get("tasks", []):
            for action in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
                if action in task:
                    args = task[action]
                    # Ansible's own argument check would start one more worker per court and role.
                    assert args.get("rolespec_validate") is False, task["name"]
                    name = args["name"].removeprefix("pn.website.")
                    found.append(name if "tasks_from" not in args else f"{name}:{args['tasks_from']}")
    return found


def _checked(roles: list[str]) -> set[str]:
    return {role if ":" in role else f"{role}:main" for role in roles}


@pytest.mark.parametrize("path", sorted(PLAYBOOKS.glob("sop_*.yml")), ids=lambda p: p.name)
def test_sop_playbooks_validate_first_and_name_their_activity(path):
    plays = yaml.safe_load(path.read_text())
    preflight = plays[0]
    # The preflight role ends its play: the play holds nothing else.
    assert set(preflight) <= {"name", "hosts", "gather_facts", "vars", "tasks"}, sorted(preflight)
    assert [task["ansible.builtin.import_role"] for task in preflight["tasks"]] == [
        {"name": "pn.website.preflight", "rolespec_validate": False}
    ]
    # The preflight checks the arguments of every role the playbook runs, its own included.
    roles = _imported_roles(plays[1:])
    for play in plays[1:]:
        if "ansible.builtin.import_playbook" in play:
            imported = yaml.safe_load((PLAYBOOKS / play["ansible.builtin.import_playbook"]).read_text())
            roles += _imported_roles(imported[1:])
    assert _checked(preflight["vars"]["pn_preflight_roles"]) == _checked(["preflight", *roles])
    activities = {activity.id for activity in catalogue.load().activities}
    for play in plays[1:]:
        # The runner attributes results to the activity id that starts the play name.
        match = ACTIVITY_IN_PLAY.match(play["name"])
        assert match is None or match.group(1) in activities, play["name"]


@pytest.mark.parametrize("cycle", catalogue.CYCLES)
def test_a_cycle_checks_all_its_roles_in_its_first_preflight(cycle):
    """Later preflight plays of the run end at once for courts already checked, so the first one checks
    all."""
    path = PLAYBOOKS / f"{cycle}.yml"
    if not path.exists():
        return
    imports = yaml.safe_load(path.read_text())
    roles = []
    for entry in imports:
        roles += _imported_roles(
            yaml.safe_load((PLAYBOOKS / entry["ansible.builtin.import_playbook"]).read_text())[1:]
        )
    if len(imports) == 1:
        assert "pn_preflight_roles" not in imports[0].get("vars", {})
        return
    assert _checked(imports[0]["vars"]["pn_preflight_roles"]) == _checked(["preflight", *roles])
