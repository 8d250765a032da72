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


@pytest.mark.parametrize("path", sorted(PLAYBOOKS.glob("sop_*.yml")), ids=lambda p: p.name)
def test_sop_playbooks_validate_first_and_name_their_activity(path):
    plays = yaml.safe_load(path.read_text())
    assert plays[0]["roles"] == ["pn.website.preflight"]
    activities = {activity.id for activity in catalogue.load().activities}
    for play in plays[1:]:
        # The runner attributes results to the activity id that starts the play name.
        match = ACTIVITY_IN_PLAY.match(play["name"])
        assert match is None or match.group(1) in activities, play["name"]
