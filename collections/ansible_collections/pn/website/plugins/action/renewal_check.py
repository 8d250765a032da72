# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the W4 notification state of renewal_check in the sopansible history store (``state_store: true``).

Which renewal thresholds were already announced must outlive the job, or a job in a fresh container
(AWX) announces every threshold again. This action runs on the controller: it reads the court's state
from the history store, hands it to the module, and keeps what the module gives back in one
transaction for the court (not in check mode), so that courts checked at once never overwrite each
other's state.

Without sopansible on the controller the module keeps its ``state_file`` as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pn.website.plugins.plugin_utils.state_store import StateStoreAction

KIND = "renewals"


class ActionModule(StateStoreAction):
    WITHOUT_SOPANSIBLE = (
        "sopansible tidak terpasang: status W4 disimpan di state_file pengendali ini saja / "
        "sopansible is not installed: the W4 notification state is kept in state_file on this "
        "controller only"
    )

    def run_with_store(self, kept, args, task_vars, warnings):
        court = str(args.get("court_id") or args.get("court_name") or "")
        state_file = args.pop("state_file", None)

        def legacy(name):
            whole = kept.read_json_file(state_file) if state_file else None
            return whole.get(name) if isinstance(whole, dict) else None

        states, problem = kept.load(KIND, [court], legacy)
        args["state"] = {court: states[court]} if court in states else {}
        outcome = self._execute_module(module_args=args, task_vars=task_vars)
        new_state = (outcome.get("state") or {}).get(court)
        if problem:
            warnings.append(
                "status W4 tidak dibaca dari riwayat, tidak diperbarui / the W4 notification state could "
                "not be read from the history store and is left as it is: %s" % problem
            )
        elif isinstance(new_state, dict) and self.keeps(outcome):
            problems = kept.save(KIND, {court: new_state})
            for text in problems:
                warnings.append("status W4 tidak disimpan / W4 notification state not kept: %s" % text)
            outcome["state_written"] = not problems
        return outcome
