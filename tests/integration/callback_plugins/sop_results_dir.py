"""Test callback: each court's SOP result of the run, the last one the sopansible history would record
(sopansible.events.sop_results: the pn_sop_result fact, the pn_sop_result a module returns for its court,
the per-court results of the probe), written as PN_TEST_RESULTS_DIR/<court>.json at the end."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ansible.plugins.callback import CallbackBase

from sopansible.events import play_activity, sop_results


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sop_results_dir"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._found = {}
        self._activity = None

    def v2_playbook_on_play_start(self, play):
        self._activity = play_activity(play.get_name())

    def v2_runner_on_ok(self, result):
        task = result.task
        action = getattr(task, "resolved_action", None) or task.action
        for court, value in sop_results(result.host.get_name(), result.result, action, self._activity):
            self._found[court] = value

    def v2_playbook_on_stats(self, stats):
        directory = Path(os.environ["PN_TEST_RESULTS_DIR"])
        for court, value in self._found.items():
            (directory / f"{court}.json").write_text(json.dumps(value))
