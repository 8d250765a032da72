# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the actions that keep their module's state in the sopansible history store.

With ``state_store: true`` the action reads the state on the controller, hands it to the module and
keeps what the module gives back (:meth:`StateStoreAction.run_with_store`). The state never goes
through the job's events: the module's ``invocation`` (the state handed in) is dropped. Without
sopansible on the controller the module keeps its own file, and the result says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class StateStoreAction(ActionBase):
    TRANSFERS_FILES = False
    #: The warning when ``state_store`` is asked for and sopansible is not installed.
    WITHOUT_SOPANSIBLE = ""

    def run(self, tmp=None, task_vars=None):
        result = super(StateStoreAction, self).run(tmp, task_vars)
        args = dict(self._task.args)
        if not boolean(args.get("state_store", False), strict=False):
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            return result
        try:
            from sopansible import state as kept
        except ImportError:
            args["state_store"] = False
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            result.setdefault("warnings", []).append(self.WITHOUT_SOPANSIBLE)
            return result
        warnings = []
        outcome = self.run_with_store(kept, args, task_vars, warnings)
        outcome.pop("invocation", None)  # the state handed in: the store's, not the job output's
        warnings = outcome.get("warnings", []) + warnings
        if warnings:
            outcome["warnings"] = warnings
        else:
            outcome.pop("warnings", None)
        result.update(outcome)
        return result

    def run_with_store(self, kept, args, task_vars, warnings):
        """Run the module with the stored state (``kept`` is ``sopansible.state``); return its
        result, appending what went wrong with the store to ``warnings``."""
        raise NotImplementedError

    def keeps(self, outcome) -> bool:
        """Whether the state the module gave back is kept: not after a failure or in check mode."""
        return not outcome.get("failed") and not self._play_context.check_mode
