# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' argument checks, done by the preflight's one controller action for each court.

Ansible puts an ``ansible.builtin.validate_argument_spec`` task in front of every role with
``meta/argument_specs.yml``: one more worker process per court and role. The SOP playbooks import
their roles with ``rolespec_validate: false`` and ``pn.website.court_contract`` checks the same
entry points here, with the same validator, in the worker it already runs.

The specs are this collection's own files, found next to this file (never a path from the
inventory), read once per worker and bounded in size.
"""

from __future__ import annotations

import functools
import os
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

COLLECTION = "pn.website"
# plugins/module_utils/inventory/role_arguments.py -> the collection's roles/
ROLES_DIR = os.path.join(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")), "roles")
# Our own spec files are a few tens of KiB; a bigger one is not ours to parse.
MAX_SPEC_BYTES = 512 * 1024
MAX_ROLES = 64
ROLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
ENTRY_POINT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")


class RoleSpecError(Exception):
    """A listed role or entry point that this collection does not have (a playbook's mistake)."""


def parse_role(item: object) -> tuple[str, str]:
    """``backup``, ``pn.website.backup`` or ``backup:hosted`` as (role, entry point)."""
    if not isinstance(item, str):
        raise RoleSpecError("%r is not a role name" % (item,))
    name, _sep, entry = item.partition(":")
    entry = entry or "main"
    if name.startswith(COLLECTION + "."):
        name = name[len(COLLECTION) + 1 :]
    if not ROLE_NAME.fullmatch(name) or not ENTRY_POINT.fullmatch(entry):
        raise RoleSpecError("%r is not a role of %s" % (item[:100], COLLECTION))
    return name, entry


def _read_yaml(path: str) -> object:
    import yaml  # pylint: disable=import-outside-toplevel  # controller only

    with open(path, "rb") as handle:
        data = handle.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise RoleSpecError("%s is larger than %d bytes" % (path, MAX_SPEC_BYTES))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(data, Loader=loader)  # noqa: S506  # a safe loader
    except yaml.YAMLError as error:
        raise RoleSpecError("%s does not parse: %s" % (path, str(error).splitlines()[0])) from error


def _first_file(folder: str, stem: str) -> str | None:
    for ext in (".yml", ".yaml"):
        path = os.path.join(folder, stem + ext)
        if os.path.isfile(path):
            return path
    return None


@functools.lru_cache(maxsize=MAX_ROLES)
def role_spec(role: str) -> tuple[dict, frozenset, frozenset]:
    """The role's entry points, the names its defaults set and the names its vars set.

    Read once per worker. A role variable (vars/main.yml) outranks the inventory inside the role,
    so the role's own check sees the role's value: such names are not checked here.
    """
    folder = os.path.join(ROLES_DIR, role)
    if not os.path.isdir(folder):
        raise RoleSpecError("%s.%s is not a role of this collection" % (COLLECTION, role))
    names = []
    for sub in ("defaults", "vars"):
        path = _first_file(os.path.join(folder, sub), "main")
        data = _read_yaml(path) if path else None
        names.append(frozenset(data) if isinstance(data, dict) else frozenset())
    path = _first_file(os.path.join(folder, "meta"), "argument_specs")
    data = _read_yaml(path) if path else None
    specs = data.get("argument_specs") if isinstance(data, dict) else None
    return (specs if isinstance(specs, dict) else {}), names[0], names[1]


def entry_options(role: str, entry: str) -> tuple[dict, frozenset, frozenset]:
    specs, defaults, role_vars = role_spec(role)
    spec = specs.get(entry)
    if not isinstance(spec, dict):
        raise RoleSpecError("%s.%s has no argument spec for the entry point %r" % (COLLECTION, role, entry))
    options = spec.get("options") or {}
    return options, defaults, role_vars


def option_names(item: object) -> list[str]:
    """The option names of the entry point ITEM whose values the caller takes from the court's variables."""
    role, entry = parse_role(item)
    options, _defaults, role_vars = entry_options(role, entry)
    return [name for name in options if name not in role_vars]


def _named(message: str, names) -> str:
    found = [n for n in names if re.search(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % re.escape(n), message)]
    return ", ".join(found)


def validate_role(item: object, provided: dict) -> list[tuple[str, str]]:
    """(variable, message) for every error of ITEM's argument check over PROVIDED.

    PROVIDED holds the templated values of the court's variables that the entry point names; an
    option absent from it is not provided (the validator applies the spec's default), as in the
    role's own check, unless the role's defaults set it.
    """
    role, entry = parse_role(item)
    options, defaults, role_vars = entry_options(role, entry)
    # An option the court does not set but the role's defaults do is the role's own value in the
    # role's check (often a template of other variables, e.g. "{{ court_webroot }}"): neither the
    # spec's default nor `required` applies to it there, so it is left out here.
    spec = {
        name: attrs
        for name, attrs in options.items()
        if name not in role_vars and (name in provided or name not in defaults)
    }
    values = {name: provided[name] for name in spec if name in provided}
    result = ArgumentSpecValidator(spec).validate(values, validate_role_argument_spec=True)
    problems = []
    for message in result.error_messages:
        # no_log options keep their values out of the message, as a module's failure does
        message = remove_values(message, result._no_log_values)  # pylint: disable=protected-access
        problems.append((_named(message, spec) or "%s.%s" % (COLLECTION, role), message))
    return problems
