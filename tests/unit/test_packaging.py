"""The collection builds into an installable tarball and the project's metadata hang together."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "collections" / "ansible_collections" / "pn" / "website"
BIN = Path(sys.executable).parent


def test_collection_builds_and_installs(tmp_path):
    build = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", str(COLLECTION), "--output-path", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    version = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())["version"]
    tarball = tmp_path / f"pn-website-{version}.tar.gz"
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "MANIFEST.json" in names
    assert "COPYING" in names  # the licence travels with the collection
    assert "plugins/module_utils/inventory/court_contract.py" in names
    assert "roles/preflight/meta/argument_specs.yml" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith("tests/output")]

    install = subprocess.run(
        [
            BIN / "ansible-galaxy",
            "collection",
            "install",
            "--force",
            "--no-deps",
            "-p",
            str(tmp_path / "installed"),
            str(tarball),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    installed = tmp_path / "installed" / "ansible_collections" / "pn" / "website"
    assert (installed / "plugins" / "action" / "court_contract.py").is_file()
    docs = subprocess.run(
        [BIN / "ansible-doc", "pn.website.court_contract"],
        capture_output=True,
        text=True,
        check=False,
        env={
            "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "installed"),
            "PATH": str(BIN),
            "HOME": str(tmp_path),
        },
    )
    assert docs.returncode == 0, docs.stderr
    assert "court_contract" in docs.stdout


def test_one_licence_everywhere():
    """pyproject.toml, galaxy.yml, the repository's LICENSE and the collection's COPYING (which the module
    headers point to) agree: GPL-3.0-or-later, with the licence's full text; no placeholder addresses."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    galaxy = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())
    assert project["license"] == "GPL-3.0-or-later" and galaxy["license"] == ["GPL-3.0-or-later"]
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:5] == ["GNU", "GENERAL", "PUBLIC", "LICENSE", "Version"] and "29 June 2007" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert (COLLECTION / "COPYING").read_text() == text
    assert "see COPYING" in (COLLECTION / "plugins" / "modules" / "site_probe.py").read_text()
    for key in ("repository", "homepage", "issues", "documentation"):
        value = galaxy.get(key)
        assert value is None or (value.startswith("https://") and ".invalid" not in value), (key, value)


def test_galaxy_dependencies_are_listed_for_awx():
    galaxy = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())
    requirements = yaml.safe_load((ROOT / "collections" / "requirements.yml").read_text())
    listed = {entry["name"] for entry in requirements["collections"]}
    assert set(galaxy["dependencies"]) <= listed
    assert yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())["requires_ansible"]


def test_python_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["sopansible"] == "sopansible.cli:run"
    assert project["requires-python"] == ">=3.11"
    pinned = (ROOT / "requirements" / "lock.txt").read_text().splitlines()
    assert all("==" in line for line in pinned if line and not line.startswith("#"))


def test_every_role_documents_its_arguments():
    for role in sorted((COLLECTION / "roles").iterdir()):
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        defaults_file = role / "defaults" / "main.yml"
        defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
        documented = {name for entry in specs.values() for name in entry.get("options", {})}
        assert set(defaults) <= documented, f"{role.name}: undocumented defaults {set(defaults) - documented}"
        assert all(name.startswith(f"pn_{role.name}_") for name in defaults), role.name
