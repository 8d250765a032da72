#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sop_result
short_description: Build a court's SOP result (pn_sop_result) from its findings
version_added: 0.1.0
description:
  - Builds the result an SOP activity gives a court (the format of C(pn_sop_result), see CONTRIBUTING.md)
    and returns it as RV(sop_result). The task after it records it with C(ansible.builtin.set_fact), which
    is how C(sopansible), ansible-runner and AWX collect it.
  - The status follows from the severities of the findings under O(rule), unless an engine that judged the
    court itself gives O(status). The rule and the scales are those of the collection's
    C(plugins/module_utils/shared/sop_result.py), which the engines and C(sopansible) use too.
  - Fails, naming the field, when the activity, a finding, the status, the rule or the summary does not fit
    the format.
  - Runs on the controller as an action plugin; nothing is sent to the court server.
  - The result is returned rather than set as a fact because facts returned by an action plugin go to the
    fact cache, outlive the run and rank below C(set_fact), which other SOP results are recorded with.
options:
  activity:
    description: SOP activity id from C(sopansible/data/sop_catalogue.yml), for example C(W2) or C(IT-AUDIT).
    type: str
    required: true
  findings:
    description:
      - Problems found, each with a stable C(rule) id, a C(severity) (C(info), C(low), C(medium), C(high),
        C(critical)), a C(message) and optionally its C(evidence) (a dict). Other keys are kept.
    type: list
    elements: dict
    default: []
  rule:
    description:
      - "How the worst finding's severity becomes the status: a dict of the statuses C(warning), C(critical)
        and C(failed), each with the lowest severity that gives it. The worst status whose severity is reached
        wins; without findings, or when none reaches one, the status is C(ok)."
      - A worse status may not start at a lower severity than a milder one.
      - "The default C({critical: critical, warning: medium}) is the rule of W1, W4, W6 and W7."
    type: dict
  status:
    description:
      - The status an engine judged itself (for example the backup engine's C(ok) or C(failed)); O(rule) is
        then not used.
    type: str
    choices: [ok, warning, critical, failed]
  summary:
    description:
      - One sentence for the report, or a dict of sentences by status (C(ok), C(warning), C(critical),
        C(failed)) with an optional C(default), worded by the status found.
    type: raw
    default: ""
  outputs:
    description: Measured values, the evidence behind the SOP output.
    type: dict
    default: {}
  lang:
    description: Language of the error message when the result does not fit the format.
    type: str
    choices: [id, en]
    default: id
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.CONTROLLER
author:
  - pn.website maintainers (@pn-website)
"""

EXAMPLES = r"""
- name: Build the IT-AUDIT result (a high or critical control that fails makes it critical)
  pn.website.sop_result:
    activity: IT-AUDIT
    rule: {critical: high, warning: info}
    findings: "{{ _audit.findings }}"
    summary: "Skor kepatuhan {{ _audit.score }}%"
    outputs:
      score: "{{ _audit.score }}"
  register: _audit_sop

- name: Record the result
  ansible.builtin.set_fact:
    pn_sop_result: "{{ _audit_sop.sop_result }}"

- name: Build a restore drill result, worded by its status
  pn.website.sop_result:
    activity: IT-DRILL
    rule: {failed: critical, warning: info}
    findings: "{{ _drill_findings }}"
    summary:
      failed: "Uji pemulihan GAGAL."
      default: "Uji pemulihan berhasil."
  register: _drill_sop

- name: Keep the status an engine judged (the backup engine's ok or failed)
  pn.website.sop_result:
    activity: W2
    status: "{{ _backup.status }}"
    findings: "{{ _backup_findings }}"
    summary: "{{ _backup_summary }}"
  register: _backup_sop
"""

RETURN = r"""
sop_result:
  description: The court's SOP result, to record as C(pn_sop_result).
  returned: success
  type: dict
  contains:
    activity:
      description: The SOP activity id.
      type: str
      sample: IT-AUDIT
    status:
      description: C(ok), C(warning), C(critical) or C(failed).
      type: str
      sample: critical
    summary:
      description: The summary sentence.
      type: str
    outputs:
      description: The measured values.
      type: dict
    findings:
      description: The findings, as given.
      type: list
      elements: dict
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            activity=dict(type="str", required=True),
            findings=dict(type="list", elements="dict", default=[]),
            rule=dict(type="dict"),
            status=dict(type="str", choices=["ok", "warning", "critical", "failed"]),
            summary=dict(type="raw", default=""),
            outputs=dict(type="dict", default={}),
            lang=dict(type="str", choices=["id", "en"], default="id"),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="pn.website.sop_result runs on the controller as an action plugin")


if __name__ == "__main__":
    main()
