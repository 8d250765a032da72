# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine the backup role installs for the nightly timer is complete.

The role copies a list of module_utils files onto the court server in the collection's package layout
and the timer's command imports its entry point from there. A file left off that list breaks every
court's nightly backup with an ImportError, which no test on the controller would see (the controller
has the whole collection): the command is run here against exactly the files the role installs, with
the standard library only, as on a court server.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import yaml

COLLECTION = Path(__file__).resolve().parents[5]
ROLE = COLLECTION / "roles" / "backup"
MODULE_UTILS = COLLECTION / "plugins" / "module_utils"
PREFIX = "ansible_collections.pn.website.plugins.module_utils."


def role_vars() -> dict:
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


def imported_engine_files(relative: str) -> set:
    """The module_utils files `relative` imports, and what they import in turn."""
    seen, pending = set(), [relative]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for node in ast.walk(ast.parse((MODULE_UTILS / current).read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
                package = node.module[len(PREFIX) :].replace(".", "/")
                if (MODULE_UTILS / (package + ".py")).is_file():
                    pending.append(package + ".py")
                else:
                    pending.extend("%s/%s.py" % (package, alias.name) for alias in node.names)
    return seen


def test_the_role_installs_every_file_the_timer_imports():
    template = (ROLE / "templates" / "pn-website-backup.j2").read_text()
    entry = next(
        line.split(" import ")[0][len("from ") :] + "." + line.split(" import ")[1].split()[0]
        for line in template.splitlines()
        if line.startswith("from " + PREFIX)
    )
    needed = imported_engine_files(entry[len(PREFIX) :].replace(".", "/") + ".py")
    assert set(role_vars()["_pn_backup_engine_files"]) == needed
    # the setup installs that list and its fingerprint changes with every file of it
    assert '"{{ _pn_backup_engine_files }}"' in (ROLE / "tasks" / "setup.yml").read_text()
    assert "_pn_backup_engine_files" in (ROLE / "tasks" / "main.yml").read_text()


def test_the_timer_command_runs_on_the_installed_files_alone(tmp_path):
    settings = role_vars()
    lib = tmp_path / "lib"
    for relative in settings["_pn_backup_engine_files"]:
        destination = lib / settings["_pn_backup_engine_package"] / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MODULE_UTILS / relative, destination)
    command = tmp_path / "pn-website-backup"
    source = (ROLE / "templates" / "pn-website-backup.j2").read_text()
    command.write_text(jinja2.Template(source).render(pn_backup_lib_dir=str(lib), ansible_managed="test"))
    missing = tmp_path / "missing.json"
    # -I -S: no PYTHONPATH, no site-packages, no current folder: the installed files and the standard
    # library only
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(command), "--config", str(missing)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2 and "cannot read %s" % missing in proc.stderr
