"""The court image recipe: its tag changes with everything that shapes the image, and it never
depends on what a clone of the repository lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "images" / "court"


def tag(recipe: Path, suite: str = "bookworm") -> str:
    return subprocess.run(
        [str(recipe / "build.sh"), "--tag"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, SUITE=suite),
    ).stdout.strip()


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    copy = tmp_path / "court"
    shutil.copytree(RECIPE, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


def test_tag_is_stable_and_independent_of_the_checkout_path(recipe: Path) -> None:
    assert tag(recipe) == tag(recipe) == tag(RECIPE)
    assert tag(recipe).startswith("bookworm-")


def _edit_file(recipe: Path) -> None:
    page = recipe / "rootfs/var/www/court/robots.txt"
    page.write_text(page.read_text() + "# changed\n")


def _chmod(recipe: Path) -> None:
    (recipe / "rootfs/var/www/court/robots.txt").chmod(0o600)


def _empty_folder(recipe: Path) -> None:
    (recipe / "rootfs/var/lib/pn-court-extra").mkdir(parents=True)


def _link(recipe: Path) -> None:
    (recipe / "rootfs/var/www/court/beranda.php").symlink_to("index.php")


def _package(recipe: Path) -> None:
    packages = recipe / "packages.txt"
    packages.write_text(packages.read_text() + "jq\n")


def _rename(recipe: Path) -> None:
    (recipe / "rootfs/var/www/court/robots.txt").rename(recipe / "rootfs/var/www/court/robots2.txt")


@pytest.mark.parametrize("change", [_edit_file, _chmod, _empty_folder, _link, _package, _rename])
def test_every_change_of_the_recipe_changes_the_tag(recipe: Path, change) -> None:
    before = tag(recipe)
    change(recipe)
    assert tag(recipe) != before


def test_the_suite_changes_the_tag(recipe: Path) -> None:
    assert tag(recipe, "trixie") != tag(recipe, "bookworm")
    assert tag(recipe, "trixie").startswith("trixie-")


def test_recipe_has_no_empty_folders() -> None:
    """Git keeps no empty folders: a recipe that needs one builds here and fails in every clone.
    The build creates the folders it writes into (build.sh) instead."""
    empty = [str(d.relative_to(ROOT)) for d in RECIPE.rglob("*") if d.is_dir() and not any(d.iterdir())]
    assert empty == []
