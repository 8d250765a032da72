"""docs/security.md names the test behind every defence: each named test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MU = "collections/ansible_collections/pn/website/tests/unit/plugins/module_utils/"


def references(text: str):
    """(file, test name or '') for every `path[::name]` and following `::name` in the text."""
    last = None
    for match in re.finditer(r"`((?:MU/|tests/)[^`]+?)`|`(::\w+)`", text):
        if match.group(2):
            yield last, match.group(2)[2:]
            continue
        path, _, name = match.group(1).replace("MU/", MU).partition("::")
        last = path
        yield path, name


def test_every_test_named_in_the_security_doc_exists():
    refs = list(references((ROOT / "docs" / "security.md").read_text(encoding="utf-8")))
    assert len(refs) > 20
    missing = [
        f"{path}::{name}"
        for path, name in refs
        if not (ROOT / path).is_file() or (name and f"def {name}(" not in (ROOT / path).read_text())
    ]
    assert missing == []
