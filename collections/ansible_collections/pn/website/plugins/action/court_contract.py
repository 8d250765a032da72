# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a court's inventory variables on the controller (no connection to the court)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import (
    CONNECTION_VARIABLES,
    validate_court,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("shared_hosting", "lang"))
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
        problems = [p.as_dict(lang) for p in validate_court(host, variables, shared_hosting=bool(shared))]
        result.update(changed=False, problems=problems)
        if problems:
            result["failed"] = True
            result["msg"] = "; ".join("%s: %s" % (p["variable"], p["message"]) for p in problems)
        else:
            # No fact: facts land in the fact cache and would outlive the run (the preflight role
            # registers this result, which lasts for the run only).
            result["msg"] = "ok"
        return result
