# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate courts' inventory variables on the controller (no connection to any court)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleUndefinedVariable
from ansible.plugins.action import ActionBase

from ansible_collections.pn.website.plugins.module_utils.inventory import role_arguments
from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import (
    CONNECTION_VARIABLES,
    Problem,
    shown,
    validate_court,
)

# A registry of about 924 courts, with room to grow; a longer list is a playbook error, not a fleet.
MAX_COURTS = 10000


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("shared_hosting", "lang", "roles", "courts"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        lang = self._task.args.get("lang", "id")
        roles = self._roles()
        courts = self._task.args.get("courts")
        if courts is None:
            host = task_vars.get("inventory_hostname", "?")
            found = self._court_problems(host, _TaskVariables(self._templar, task_vars), roles)
            problems = [p.as_dict(lang) for p in found]
            result.update(changed=False, problems=problems, msg=_message(problems))
            if problems:
                result["failed"] = True
            # No fact: facts land in the fact cache and would outlive the run (the preflight role
            # registers this result, which lasts for the run only).
            return result
        by_court = {}
        shared = _PlayVariables(self._templar, task_vars)
        for court in self._courts(courts, task_vars):
            variables = _CourtVariables(task_vars["hostvars"][court], shared)
            problems = [p.as_dict(lang) for p in self._court_problems(court, variables, roles)]
            by_court[court] = dict(problems=problems, msg=_message(problems))
        # Never failed here: run once for the play, a failure would fail every court. The preflight
        # role fails each court with problems from its entry.
        result.update(
            changed=False,
            courts=by_court,
            problems=[p for entry in by_court.values() for p in entry["problems"]],
            msg="%d of %d courts with problems"
            % (sum(1 for e in by_court.values() if e["problems"]), len(by_court)),
        )
        return result

    def _roles(self):
        roles = self._task.args.get("roles") or []
        if not isinstance(roles, list) or len(roles) > role_arguments.MAX_ROLES:
            raise AnsibleActionFail(
                "roles must be a list of at most %d role names" % role_arguments.MAX_ROLES
            )
        return roles

    def _courts(self, courts, task_vars):
        if not isinstance(courts, list) or len(courts) > MAX_COURTS:
            raise AnsibleActionFail("courts must be a list of at most %d inventory host names" % MAX_COURTS)
        for court in courts:
            if not isinstance(court, str) or court not in task_vars["hostvars"]:
                raise AnsibleActionFail("courts: %s is no host of the inventory" % shown(str(court)))
        return courts

    def _court_problems(self, host, variables, roles):
        shared = self._task.args.get("shared_hosting")
        if shared is None:
            shared = "shared_hosting" in (variables.get("group_names") or [])
        values = {}
        unusable = []  # a value that cannot be templated is this court's problem, not the fleet's
        for name in variables.names():
            # court_* and the connection values that reach ssh's command line
            if name.startswith("court_") or name in CONNECTION_VARIABLES:
                try:
                    values[name] = variables.get(name)
                except AnsibleError as error:
                    unusable.append(Problem(host, name, "template", error=_first_line(error)))
        found = validate_court(host, values, shared_hosting=bool(shared))
        found.extend(unusable)
        found.extend(_role_problems(host, variables, roles))
        return found


def _message(problems):
    return "; ".join("%s: %s" % (p["variable"], p["message"]) for p in problems) if problems else "ok"


def _role_problems(host, variables, roles):
    """The argument checks of the roles the playbook imports with rolespec_validate: false."""
    problems = []
    values = {}  # templated once, whichever roles share a variable
    for item in roles:
        try:
            names = role_arguments.option_names(item)
        except (role_arguments.RoleSpecError, OSError, ValueError) as error:
            problems.append(Problem(host, "roles", "role_spec", error=str(error)))
            continue
        for name in names:
            if name not in values and variables.has(name):
                values[name] = _templated(host, name, variables, problems)
        provided = {n: values[n] for n in names if n in values and values[n] is not _SKIPPED}
        role, entry = role_arguments.parse_role(item)
        for variable, error in role_arguments.validate_role(item, provided):
            problems.append(
                Problem(host, variable, "role_argument", role="pn.website." + role, entry=entry, error=error)
            )
    return problems


def _templated(host, name, variables, problems):
    try:
        return variables.get(name)
    except AnsibleUndefinedVariable:
        # The value refers to something the court's variables do not define, typically another variable
        # of the role (its defaults are loaded only inside the role): the role's own play resolves it,
        # so it is not the court's fault here. Left out, as if not given.
        return _SKIPPED
    except AnsibleError as error:
        problems.append(Problem(host, name, "role_spec", error=_first_line(error)))
        return _SKIPPED


def _first_line(error):
    return str(error).splitlines()[0] if str(error) else ""


class _TaskVariables(object):
    """The variables of the court the task runs for, templated with the task's templar."""

    def __init__(self, templar, task_vars):
        self._templar = templar
        self._vars = task_vars

    def names(self):
        return list(self._vars)

    def has(self, name):
        return name in self._vars

    def get(self, name):
        return self._templar.template(self._vars[name])


class _PlayVariables(_TaskVariables):
    """What the play sets for every court (play, role and import variables): the names of the task's
    variables that are not the running court's own, each templated once for all courts."""

    def __init__(self, templar, task_vars):
        super(_PlayVariables, self).__init__(templar, task_vars)
        own = task_vars["hostvars"].raw_get(task_vars["inventory_hostname"])
        self._names = [name for name in task_vars if name not in own]  # in the task's order
        self._known = frozenset(self._names)
        self._done = {}

    def names(self):
        return list(self._names)

    def has(self, name):
        return name in self._known

    def get(self, name):
        if name not in self._done:
            try:
                self._done[name] = (True, super(_PlayVariables, self).get(name))
            except AnsibleError as error:
                self._done[name] = (False, error)
        ok, value = self._done[name]
        if not ok:
            raise value
        return value


class _CourtVariables(object):
    """One court's own variables (inventory, group and host variables, facts, extra vars), templated in
    that court's context, over what the play sets for every court. Where both set a name the court's own
    value is checked: the play may override it, but a wrong value in the inventory is still wrong."""

    def __init__(self, own, shared):
        self._own = own
        self._shared = shared

    def names(self):
        return list(self._own) + [n for n in self._shared.names() if n not in self._own]

    def has(self, name):
        return name in self._own or self._shared.has(name)

    def get(self, name):
        if name in self._own:
            return self._own[name]
        return self._shared.get(name)


_SKIPPED = object()
