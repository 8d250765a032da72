"""One module owns the SOP result format: its scales are defined there only, engines are imported
plainly, and every role records a result that the action or an engine built (no status decided in
Jinja)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "collections" / "ansible_collections" / "pn" / "website"
OWNER = COLLECTION / "plugins" / "module_utils" / "shared" / "sop_result.py"
SCALES = (
    re.compile(
        r"""\(\s*["']info["'],\s*["']low["'],\s*["']medium["'],\s*["']high["'],\s*["']critical["']\s*\)"""
    ),
    re.compile(r"""\(\s*["']ok["'],\s*["']warning["'],\s*["']critical["'],\s*["']failed["']"""),
)


def python_files():
    for top in (ROOT / "sopansible", COLLECTION / "plugins"):
        yield from top.rglob("*.py")


def test_the_scales_are_defined_once():
    places = [
        f"{path.relative_to(ROOT)}: {pattern.pattern[:30]}"
        for path in python_files()
        for pattern in SCALES
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert sorted(places) == sorted(f"{OWNER.relative_to(ROOT)}: {p.pattern[:30]}" for p in SCALES)


def test_engines_are_imported_plainly():
    assert not [path for path in python_files() if "paths.engine(" in path.read_text(encoding="utf-8")]
    assert "def engine(" not in (ROOT / "sopansible" / "paths.py").read_text(encoding="utf-8")


def _sop_result_values(text: str):
    """The expression each `pn_sop_result:` of a task file is set to (folded block scalars too)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)pn_sop_result:\s*(.*)$", line)
        if not match:
            continue
        value = [match.group(2)]
        for more in lines[index + 1 :]:
            if len(more) - len(more.lstrip()) <= len(match.group(1)) and more.strip():
                break
            value.append(more.strip())
        yield " ".join(value)


def test_every_role_records_a_result_built_by_the_action_or_an_engine():
    task_files = list((COLLECTION / "roles").glob("*/tasks/*.yml")) + list((ROOT / "playbooks").glob("*.yml"))
    values = [(path, value) for path in task_files for value in _sop_result_values(path.read_text())]
    assert len(values) >= 10  # every activity's role records one
    built_elsewhere = [
        (str(path.relative_to(ROOT)), value)
        for path, value in values
        # built by the action or an engine (``x.sop_result``), or the result the role just recorded,
        # relabelled (W2 -> W8): never a status of its own
        if not re.search(r"\w\.sop_results?\b|\{\{\s*pn_sop_result\s*\|", value)
        or re.search(r"""['"]status['"]""", value)
    ]
    assert built_elsewhere == []
    templates = [p for p in (COLLECTION / "roles").glob("*/templates/*") if "sop_result" in p.name]
    assert templates == []
