"""The collection's changelog: fragments in changelogs/fragments/ linted by antsibull-changelog (a malformed
fragment fails), and CHANGELOG.md exactly what `antsibull-changelog generate` makes of changelogs/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "collections" / "ansible_collections" / "pn" / "website"
CHANGELOG = str(Path(sys.executable).with_name("antsibull-changelog"))


def changelog(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHANGELOG, *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture
def copy(tmp_path) -> Path:
    """The collection's changelog set-up in a folder of its own."""
    target = tmp_path / "website"
    target.mkdir()
    shutil.copy(COLLECTION / "galaxy.yml", target)
    shutil.copy(COLLECTION / "CHANGELOG.md", target)
    shutil.copytree(COLLECTION / "changelogs", target / "changelogs")
    return target


def test_every_fragment_passes_the_lint():
    lint = changelog(COLLECTION, "lint")
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("bugfix:\n  - an unknown section\n", "bugfix"),
        ("bugfixes: a text, not a list\n", "bugfixes"),
        ("bugfixes:\n  - key: value\n", "bugfixes"),
        ("bugfixes:\n  - one: entry with a colon\n  - `unclosed markup\n", "yaml"),
    ],
)
def test_a_malformed_fragment_fails_the_lint(copy, text, complaint):
    (copy / "changelogs" / "fragments" / "broken.yml").write_text(text)
    lint = changelog(copy, "lint")
    assert lint.returncode != 0
    assert "broken.yml" in lint.stdout and complaint in lint.stdout.lower(), lint.stdout


def test_changelog_md_is_generated_from_changelog_yaml(copy):
    generate = changelog(copy, "generate")
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert (copy / "CHANGELOG.md").read_text() == (COLLECTION / "CHANGELOG.md").read_text(), (
        "CHANGELOG.md is out of date: run `make changelog` (fragments go in changelogs/fragments/)"
    )
