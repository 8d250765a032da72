"""The backup setup's fingerprint (roles/backup/tasks/main.yml) hashes the setup's task files and
templates with the values of the variables they use, not the files they render: a court whose settings
changed must get its setup again. These tests keep the two lists of roles/backup/vars/main.yml whole:
every template the setup renders is a source, and every variable a source uses is hashed."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes
import pytest
import yaml

ROLE = Path(__file__).resolve().parents[2] / "collections/ansible_collections/pn/website/roles/backup"
VARS = yaml.safe_load((ROLE / "vars/main.yml").read_text())
SOURCES = VARS["_pn_backup_setup_sources"]
VARIABLES = set(VARS["_pn_backup_setup_variables"])
TASK_FILES = [name for name in SOURCES if name.startswith("tasks/")]
TEMPLATES = [name for name in SOURCES if name.startswith("templates/")]
# target.j2's regular expressions escape brackets the way Ansible's templates need; Jinja warns.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")


def variables_of(source: str) -> set:
    """The variables a template reads from the play, Jinja's own analysis of it. Its filters and
    tests are Ansible's, unknown to a plain environment: stand-ins are declared for the analysis."""
    env = jinja2.Environment()  # noqa: S701
    tree = env.parse(source)
    for node in tree.find_all(jinja2.nodes.Filter):
        env.filters.setdefault(node.name, lambda *args, **kwargs: None)
    for node in tree.find_all(jinja2.nodes.Test):
        env.tests.setdefault(node.name, lambda *args, **kwargs: None)
    # Names a macro assigns in one branch and reads in another are reported too: they are its own.
    local = {node.name for node in tree.find_all(jinja2.nodes.Name) if node.ctx == "store"}
    return jinja2.meta.find_undeclared_variables(tree) - local


def test_every_source_exists_and_the_removed_renderer_is_gone():
    missing = [name for name in SOURCES if not (ROLE / name).is_file()]
    assert not missing
    assert "templates/setup_files.j2" not in SOURCES


def test_every_template_the_setup_renders_is_a_source():
    rendered = set()
    for name in TASK_FILES:
        text = (ROLE / name).read_text()
        rendered |= set(re.findall(r"src: ([\w.-]+\.j2)", text))
        rendered |= set(re.findall(r"lookup\('ansible\.builtin\.template', '([\w.-]+)'", text))
        # a template task whose source is built from its loop items
        for loop in re.findall(r'src: "\{\{ item \}\}\.j2"\n(?:.*\n)*?\s+loop: \[([^\]]+)\]', text):
            rendered |= {f"{item.strip()}.j2" for item in loop.split(",")}
    assert rendered, "no template found in the setup's task files"
    for name in TEMPLATES:  # and what those templates import or include
        env = jinja2.Environment()  # noqa: S701
        tree = env.parse((ROLE / name).read_text())
        rendered |= {ref for ref in jinja2.meta.find_referenced_templates(tree) if ref}
    assert {f"templates/{name}" for name in rendered} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_variable_of_a_template_is_hashed(name):
    # ansible_managed is hashed from Ansible's configuration; the role's own _pn_backup_ values are
    # made by the hashed task files from the hashed settings.
    used = {var for var in variables_of((ROLE / name).read_text()) if not var.startswith("_pn_backup_")}
    used -= {"ansible_managed"}
    assert used <= VARIABLES, f"{name} uses {sorted(used - VARIABLES)}, which the fingerprint does not hash"


@pytest.mark.parametrize("name", TASK_FILES)
def test_every_setting_of_a_task_file_is_hashed(name):
    used = set(re.findall(r"\b(pn_backup_\w+)", (ROLE / name).read_text()))
    assert used <= VARIABLES, f"{name} uses {sorted(used - VARIABLES)}, which the fingerprint does not hash"


def test_the_analysis_sees_the_settings_and_a_new_variable():
    assert {"pn_backup_targets", "pn_backup_randomized_delay_sec", "inventory_hostname"} <= set().union(
        *(variables_of((ROLE / name).read_text()) for name in TEMPLATES)
    )
    # The check above can fail: a template reading a setting that is not hashed is caught.
    source = "{% set x = pn_backup_new_setting | default('') %}{{ x }} {{ pn_backup_lib_dir | trim }}"
    assert variables_of(source) - VARIABLES == {"pn_backup_new_setting"}
