# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the W1 probe state of site_probe in the sopansible history store (``state_store: true``).

The probe state (content fingerprints, link, sitemap and robots.txt baselines) must outlive the job:
an AWX job runs in a fresh container, so a file under the container's data folder is gone by the next
run. This action runs on the controller, where the history store is reachable: it reads each site's
state there, hands it to the module, and keeps what the module gives back (not in check mode). The
state never goes through the job's events (AWX keeps those); only the module's SOP results do.

Without sopansible on the controller the module keeps its files in ``state_dir`` as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pn.website.plugins.plugin_utils.state_store import StateStoreAction

KIND = "monitor"


def _state_file(state_dir, name):
    """The file an earlier version kept a site's state in (the module's own naming)."""
    from ansible_collections.pn.website.plugins.modules.site_probe import state_path

    return state_path(state_dir, name) if state_dir else None


class ActionModule(StateStoreAction):
    WITHOUT_SOPANSIBLE = (
        "sopansible tidak terpasang: status W1 disimpan di state_dir pengendali ini saja / "
        "sopansible is not installed: the W1 probe state is kept in state_dir on this controller only"
    )

    def run_with_store(self, kept, args, task_vars, warnings):
        state_dir = args.pop("state_dir", None)
        sites = [dict(site) if isinstance(site, dict) else site for site in args.get("sites") or []]
        names = [site.get("name") for site in sites if isinstance(site, dict)]

        def legacy(name):
            path = _state_file(state_dir, name)
            return kept.read_json_file(path, kept.limit(KIND)) if path and os.path.isfile(path) else None

        states, problem = kept.load(KIND, names, legacy)
        for site in sites:
            if isinstance(site, dict) and site.get("state") is None:
                site["state"] = states.get(site.get("name"), {})
        args["sites"] = sites
        outcome = self._execute_module(module_args=args, task_vars=task_vars)
        new_states = outcome.pop("states", None) or {}
        if problem:
            warnings.append(
                "status W1 tidak dibaca dari riwayat, diperiksa tanpa baseline dan tidak diperbarui / "
                "the W1 probe state could not be read from the history store; probed without the "
                "stored baselines, which are left as they are: %s" % problem
            )
        elif new_states and self.keeps(outcome):
            for text in kept.save(KIND, new_states):
                warnings.append("status W1 tidak disimpan / W1 probe state not kept: %s" % text)
            outcome["changed"] = True
        return outcome
