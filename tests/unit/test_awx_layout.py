"""The repository as an AWX project: the execution-environment definition (ansible-builder v3) and
its files, and which files AWX's project sync offers as playbooks (docs/awx.md)."""

from __future__ import annotations

import codecs
import fnmatch
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement

from sopansible import catalogue

ROOT = Path(__file__).resolve().parents[2]
EE_FILE = ROOT / "execution-environment.yml"
WHEELHOUSE = ".cache/ee/wheelhouse"
# The community collections pn.website depends on, copied from .venv by images/ee/build.sh.
VENDORED = ".cache/ee/collections"
DOCS = ROOT / "docs" / "awx.md"

# ansible-builder 3: the keys of the version 3 schema (ansible_builder/ee_schema.py).
EE_TOP_KEYS = {
    "version",
    "build_arg_defaults",
    "dependencies",
    "images",
    "additional_build_files",
    "additional_build_steps",
    "options",
}
EE_DEPENDENCY_KEYS = {
    "python",
    "system",
    "galaxy",
    "python_interpreter",
    "ansible_core",
    "ansible_runner",
    "exclude",
}
EE_BUILD_STEP_KEYS = {
    "prepend_base",
    "append_base",
    "prepend_galaxy",
    "append_galaxy",
    "prepend_builder",
    "append_builder",
    "prepend_final",
    "append_final",
}
EE_OPTION_KEYS = {
    "container_init",
    "package_manager_path",
    "skip_ansible_check",
    "skip_pip_install",
    "relax_passwd_permissions",
    "workdir",
    "user",
    "tags",
}

# AWX's playbook discovery (awx/main/utils/ansible.py: skip_directory, could_be_playbook), with the
# optional ansible.builtin. prefix that AWX accepts since 21.1.
AWX_PLAYBOOK_LINE = re.compile(
    r"^\s*?-?\s*?(?:hosts|(?:ansible\.builtin\.)?include|(?:ansible\.builtin\.)?import_playbook):\s*?.*?$"
)


def awx_skips(directory: str) -> bool:
    parts = directory.split("/") if directory else []
    return (
        "roles" in parts
        or "tasks" in parts
        or "group_vars" in parts
        or "host_vars" in parts
        or any(part.startswith(".") for part in parts)
    )


def awx_could_be_playbook(path: Path) -> bool:
    if path.suffix not in (".yml", ".yaml"):
        return False
    with codecs.open(str(path), "r", encoding="utf-8", errors="ignore") as handle:
        for number, line in enumerate(handle):
            if AWX_PLAYBOOK_LINE.match(line) or (number == 0 and line.startswith("$ANSIBLE_VAULT;")):
                return True
    return False


def project_files() -> list[str]:
    """Files an AWX project sync checks out: tracked and new files, without the ignored ones."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in proc.stdout.splitlines() if (ROOT / line).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for directory, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("var", "build", "dist")]
            files += [str((Path(directory) / name).relative_to(ROOT)) for name in filenames]
        return files


def awx_playbooks() -> set[str]:
    return {
        path
        for path in project_files()
        if not awx_skips(os.path.dirname(path)) and awx_could_be_playbook(ROOT / path)
    }


def documented_non_playbooks() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("<!-- awx-non-playbooks -->")[1].split("<!-- /awx-non-playbooks -->")[0]
    return re.findall(r"^\|\s*`([^`]+)`", section, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def ee() -> dict:
    return yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))


def test_ee_definition_follows_the_version_3_schema(ee):
    assert ee["version"] == 3
    assert set(ee) <= EE_TOP_KEYS
    assert isinstance(ee["images"]["base_image"]["name"], str) and ee["images"]["base_image"]["name"]
    assert set(ee["dependencies"]) <= EE_DEPENDENCY_KEYS
    assert set(ee.get("additional_build_steps", {})) <= EE_BUILD_STEP_KEYS
    for steps in ee.get("additional_build_steps", {}).values():
        assert isinstance(steps, (str, list))
    assert set(ee.get("options", {})) <= EE_OPTION_KEYS
    for key in ("ansible_core", "ansible_runner"):
        Requirement(ee["dependencies"][key]["package_pip"])  # a valid pip requirement
    interpreter = ee["dependencies"]["python_interpreter"]
    assert interpreter["python_path"].startswith("/")


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        pins[name.strip().lower()] = version.strip()
    return pins


def test_ee_dependency_files_exist_and_parse(ee):
    deps = ee["dependencies"]
    assert deps["python"] == "requirements/ee-python.txt"
    assert deps["system"] == "bindep.txt"
    assert deps["galaxy"] == "collections/ee-requirements.yml"
    for key in ("python", "system", "galaxy"):
        assert (ROOT / deps[key]).is_file(), deps[key]
    for extra in ee.get("additional_build_files", []):
        if extra["src"] not in (WHEELHOUSE, VENDORED):  # made by images/ee/build.sh before ansible-builder
            assert (ROOT / extra["src"]).exists(), extra["src"]
        assert not Path(extra["dest"]).is_absolute()

    names = []
    for line in (ROOT / deps["python"]).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            try:
                names.append(Requirement(line).name.lower())
            except InvalidRequirement as error:  # pragma: no cover - the assertion message
                pytest.fail(f"{deps['python']}: {line}: {error}")
    # sopansible (the history callback records through its pipeline) goes in from its wheel with --no-deps;
    # every dependency of it is listed instead, except the `ansible` package (its ~90 collections) and
    # ansible-runner (dependencies.ansible_runner). boto3: pn.website.backup_bucket.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert {"ansible", "ansible-runner", "polars", "cryptography", "psycopg"} <= runtime
    assert runtime - {"ansible", "ansible-runner"} <= set(names)
    assert {"psycopg", "boto3"} <= set(names)
    assert not {"sopansible", "ansible", "ansible-runner", "ansible-core"} & set(names)
    final = ee["additional_build_steps"]["append_final"]
    assert "pip install --no-deps --no-cache-dir /output/wheelhouse/sopansible-*.whl" in final[0]

    bindep = {}
    for line in (ROOT / deps["system"]).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9.+_-]*)(?:\s*\[([^\]]+)\])?(?:\s*[<>=!].*)?$", line)
        assert match, f"bindep.txt: not a bindep line: {line}"
        bindep.setdefault(match.group(1), set()).update((match.group(2) or "").split())
    # restic and a MariaDB client on EL base images (rpm) and on Debian-based ones (dpkg)
    assert "platform:rpm" in bindep["restic"] and "platform:dpkg" in bindep["restic"]
    assert "platform:rpm" in bindep["mariadb"] and "platform:dpkg" in bindep["mariadb-client"]
    # The Debian base image bakes in every package bindep.txt names for dpkg (outside the test profile),
    # so bindep finds nothing to install during the build.
    base = {
        line.strip()
        for line in (ROOT / "images" / "ee" / "base" / "packages.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for package, labels in bindep.items():
        if "test" not in labels and (not labels or "platform:dpkg" in labels):
            assert package in base, f"images/ee/base/packages.txt lacks {package} of bindep.txt"

    # The EE's collections: pn.website from this checkout and exactly the collections its galaxy.yml depends
    # on, which build.sh copies from .venv to .cache/ee/collections, so the build needs no Galaxy server.
    requirements = yaml.safe_load((ROOT / deps["galaxy"]).read_text())["collections"]
    galaxy = yaml.safe_load((ROOT / "collections/ansible_collections/pn/website/galaxy.yml").read_text())
    assert [entry["name"] for entry in requirements] == ["pn.website", *galaxy["dependencies"]]
    dests = {os.path.normpath(e["dest"]): e["src"] for e in ee.get("additional_build_files", [])}
    for entry in requirements:
        # ansible-galaxy resolves it from /build, where additional_build_files puts the collections
        assert entry["type"] == "dir"
        namespace, name = entry["name"].split(".")
        assert os.path.normpath(entry["source"]) == f"collections/ansible_collections/{namespace}/{name}"
        if entry["name"] == "pn.website":
            assert dests[os.path.normpath(entry["source"])] == "collections/ansible_collections/pn/website"
            assert (ROOT / entry["source"] / "galaxy.yml").is_file()
        else:
            assert dests["collections"] == VENDORED
    # no Galaxy server is asked; the versions are checked against galaxy.yml's dependencies
    assert ee["build_arg_defaults"]["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] == "--offline"


def test_ee_installs_the_versions_of_the_lock(ee):
    """What the EE runs is what the tests ran: ansible-core and ansible-runner at the lock's versions (the
    other packages are downloaded against the lock by images/ee/build.sh)."""
    lock = _lock()
    for key in ("ansible_core", "ansible_runner"):
        requirement = Requirement(ee["dependencies"][key]["package_pip"])
        assert str(requirement.specifier) == f"=={lock[requirement.name]}", key
    assert "ansible-builder" in lock and "bindep" in lock
    assert '-c "$root/requirements/lock.txt"' in (ROOT / "images" / "ee" / "build.sh").read_text()


def test_awx_lists_every_entry_playbook():
    listed = awx_playbooks()
    entry = {str(path.relative_to(ROOT)) for path in (ROOT / "playbooks").glob("*.yml")}
    assert entry, "no playbooks found"
    assert entry <= listed, f"AWX would not offer: {sorted(entry - listed)}"
    cycles = {f"playbooks/{cycle}.yml" for cycle in catalogue.CYCLES}
    assert cycles <= entry


def test_every_other_file_awx_lists_is_documented():
    patterns = documented_non_playbooks()
    assert patterns, "docs/awx.md lost its list of non-playbooks"
    others = {path for path in awx_playbooks() if not path.startswith("playbooks/")}
    undocumented = sorted(p for p in others if not any(fnmatch.fnmatch(p, pattern) for pattern in patterns))
    assert not undocumented, (
        f"AWX would list these as playbooks: {undocumented}; move them where AWX does not look "
        "(a roles/, tasks/ or dot directory), or document them in docs/awx.md"
    )
    stale = [pattern for pattern in patterns if not any(fnmatch.fnmatch(p, pattern) for p in others)]
    assert not stale, f"docs/awx.md lists files AWX no longer sees: {stale}"


def test_awx_rules_as_implemented_here(tmp_path):
    """The discovery rules themselves, on files that look like playbooks and files that do not."""
    play = tmp_path / "site.yml"
    play.write_text("---\n- name: A play\n  hosts: all\n  tasks: []\n")
    cycle = tmp_path / "cycle.yml"
    cycle.write_text("---\n- name: Cycle\n  ansible.builtin.import_playbook: site.yml\n")
    plugin_config = tmp_path / "pn_registry.yml"
    plugin_config.write_text((ROOT / "inventories" / "registry" / "pn_registry.yml").read_text())
    assert awx_could_be_playbook(play) and awx_could_be_playbook(cycle)
    # the registry's plugin configuration is not mistaken for a playbook
    assert not awx_could_be_playbook(plugin_config)
    assert awx_skips("roles/backup/tasks") and awx_skips("inventories/example/group_vars")
    assert awx_skips(".cache/fleet") and not awx_skips("molecule/base")


def test_cycles_and_settings_are_documented():
    text = DOCS.read_text(encoding="utf-8")
    data = catalogue.load()
    for cycle in catalogue.CYCLES:
        assert f"playbooks/{cycle}.yml" in text
        for activity in data.activities:
            if activity.cycle == cycle and activity.playbook:
                assert (ROOT / "playbooks" / activity.playbook).is_file()
    # the tuned defaults a user can see and override
    config = (ROOT / "ansible.cfg").read_text()
    for setting in ("forks", "timeout", "gathering", "fact_caching", "pipelining", "ssh_args"):
        assert re.search(rf"^{setting}\s*=", config, flags=re.MULTILINE), setting
        assert f"`{setting}`" in text or f"{setting}`" in text, setting
    assert "gather_facts: false" in text
    for path in ("inventories/registry/pn_registry.yml", "inventories/example/"):
        assert path in text and (ROOT / path).exists()
