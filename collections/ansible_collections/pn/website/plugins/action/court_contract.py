# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a court's inventory variables on the controller (no connection to the court)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleUndefinedVariable
from ansible.plugins.action import ActionBase

from ansible_collections.pn.website.plugins.module_utils.inventory import role_arguments
from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import (
    CONNECTION_VARIABLES,
    Problem,
    validate_court,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("shared_hosting", "lang", "roles"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        lang = self._task.args.get("lang", "id")
        shared = self._task.args.get("shared_hosting")
        if shared is None:
            shared = "shared_hosting" in task_vars.get("group_names", [])
        host = task_vars.get("inventory_hostname", "?")
        variables = {}
        for name in task_vars:
            # court_* and the connection values that reach ssh's command line
            if name.startswith("court_") or name in CONNECTION_VARIABLES:
                variables[name] = self._templar.template(task_vars[name])
        found = validate_court(host, variables, shared_hosting=bool(shared))
        found.extend(self._role_problems(host, task_vars))
        problems = [p.as_dict(lang) for p in found]
        result.update(changed=False, problems=problems)
        if problems:
            result["failed"] = True
            result["msg"] = "; ".join("%s: %s" % (p["variable"], p["message"]) for p in problems)
        else:
            # No fact: facts land in the fact cache and would outlive the run (the preflight role
            # registers this result, which lasts for the run only).
            result["msg"] = "ok"
        return result

    def _role_problems(self, host, task_vars):
        """The argument checks of the roles the playbook imports with rolespec_validate: false."""
        roles = self._task.args.get("roles") or []
        if not isinstance(roles, list) or len(roles) > role_arguments.MAX_ROLES:
            raise AnsibleActionFail(
                "roles must be a list of at most %d role names" % role_arguments.MAX_ROLES
            )
        problems = []
        values = {}  # templated once, whichever roles share a variable
        for item in roles:
            try:
                names = role_arguments.option_names(item)
            except (role_arguments.RoleSpecError, OSError, ValueError) as error:
                problems.append(Problem(host, "roles", "role_spec", error=str(error)))
                continue
            for name in names:
                if name in task_vars and name not in values:
                    values[name] = self._templated(host, name, task_vars[name], problems)
            provided = {n: values[n] for n in names if n in values and values[n] is not _SKIPPED}
            role, entry = role_arguments.parse_role(item)
            for variable, error in role_arguments.validate_role(item, provided):
                problems.append(
                    Problem(
                        host, variable, "role_argument", role="pn.website." + role, entry=entry, error=error
                    )
                )
        return problems

    def _templated(self, host, name, value, problems):
        try:
            return self._templar.template(value)
        except AnsibleUndefinedVariable:
            # The value refers to something this play does not define, typically another variable of
            # the role (its defaults are loaded only inside the role): the role's own play resolves it,
            # so it is not the court's fault here. Left out, as if not given.
            return _SKIPPED
        except AnsibleError as error:
            problems.append(
                Problem(host, name, "role_spec", error=str(error).splitlines()[0] if str(error) else "")
            )
            return _SKIPPED


_SKIPPED = object()
