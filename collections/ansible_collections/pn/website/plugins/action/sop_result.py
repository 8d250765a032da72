# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a court's SOP result on the controller (no connection to the court)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

ARGUMENT_SPEC = dict(
    activity=dict(type="str", required=True),
    status=dict(type="str", choices=list(sop_result.STATUSES)),
    findings=dict(type="list", elements="dict", default=[]),
    summary=dict(type="raw", default=""),
    outputs=dict(type="dict", default={}),
    rule=dict(type="dict"),
    lang=dict(type="str", choices=["id", "en"], default="id"),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            built = sop_result.result(
                args["activity"],
                status=args["status"],
                findings=args["findings"],
                summary=args["summary"],
                outputs=args["outputs"],
                rule=args["rule"],
            )
        except sop_result.SopResultError as exc:
            raise AnsibleActionFail("%s: %s" % (args["activity"], exc.message(args["lang"]))) from None
        # Returned, not set as a fact: facts of an action plugin land in the fact cache and outlive the
        # run (and rank below set_fact), so the task after this one records it with set_fact.
        result.update(changed=False, sop_result=built)
        return result
