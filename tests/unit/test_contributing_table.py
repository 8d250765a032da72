"""CONTRIBUTING.md opens with the map of SOP activities to code: every name in it must exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sopansible import cli

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "collections" / "ansible_collections" / "pn" / "website"
COLUMNS = ("activity", "playbook", "role", "module", "engine", "cli", "tests")


def table_rows():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Where each SOP activity lives", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "| Activity |" not in line]
    cells = [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]
    return [dict(zip(COLUMNS, row, strict=True)) for row in cells]


def names(cell: str) -> list[str]:
    """The code names of a cell, without a parenthesised remark such as (`correlate_campaigns`)."""
    return re.findall(r"`([^`]+)`", re.sub(r"\(`[^`]*`\)", "", cell))


def test_every_catalogue_activity_has_a_row():
    catalogue = yaml.safe_load((ROOT / "sopansible" / "data" / "sop_catalogue.yml").read_text())
    ids = {activity["id"] for activity in catalogue["activities"]}
    listed = {row["activity"].split()[0] for row in table_rows()}
    assert ids <= listed


def test_every_name_in_the_table_exists():
    commands = set(cli.build_parser()._subparsers._group_actions[0].choices)
    missing = []
    for row in table_rows():
        for playbook in re.findall(r"`([a-z_]+\.yml)`", row["playbook"]):
            if not (ROOT / "playbooks" / playbook).is_file():
                missing.append(playbook)
        for role in names(row["role"]):
            if not (COLLECTION / "roles" / role / "meta" / "argument_specs.yml").is_file():
                missing.append(f"role {role}")
        for module in names(row["module"]):
            if not (COLLECTION / "plugins" / "modules" / f"{module}.py").is_file():
                missing.append(f"module {module}")
        for engine in names(row["engine"]):
            if not (COLLECTION / "plugins" / "module_utils" / engine).exists():
                missing.append(f"engine {engine}")
        for command in names(row["cli"]):
            if command.split()[0] not in commands:
                missing.append(f"command {command}")
        for cell_test in re.findall(r"(\(c\) )?`([^`]+)`", row["tests"]):
            base = COLLECTION / "tests" / "unit" / "plugins" if cell_test[0] else ROOT / "tests"
            if not list(base.glob(cell_test[1])):
                missing.append(f"test {cell_test[1]}")
    assert missing == []
