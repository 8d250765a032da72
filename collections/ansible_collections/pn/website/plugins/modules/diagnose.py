#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: diagnose
short_description: Name the problems of a court website from the gathered evidence (SOP W6, W7)
version_added: "0.1.0"
description:
  - Applies the troubleshooting rules of the C(diagnosis) engine to the evidence of one court (server
    evidence from M(pn.website.server_evidence), the controller's M(pn.website.site_probe) result, the DNS
    answers, the hardening audit) and returns the problems found with Indonesian and English explanations
    and ranked solutions, each marked C(auto) (done by the remediation), C(operator), C(maintenance)
    (equipment-maintenance section) or C(third_party) with the contact from the inventory.
  - With O(activity=W6) it returns the C(pn_sop_result) of the diagnosis. With O(activity=W7) the
    evidence is the one gathered after the remediation, O(problems) the problems it started from and
    O(actions) the steps carried out; the result tells which problems were resolved.
  - With O(only), only the problems of those ids are kept; the weekly audit (role C(pn.website.audit)) uses
    it to report the server's health, with RV(findings) and RV(health).
  - Pure computation; runs anywhere (usually on the controller).
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
options:
  court:
    description: Inventory name of the court.
    type: str
    required: true
  evidence:
    description: Evidence with keys C(court), C(server), C(probe), C(dns), C(hardening) (each may be null).
    type: dict
    required: true
  contacts:
    description:
      - C(services) (the court's C(court_services)) and C(third_parties) (C(court_contacts.third_parties)).
    type: dict
    default: {}
  thresholds:
    description: Overrides of the rule thresholds (for example C(disk_used_pct), C(backup_max_age_hours)).
    type: dict
    default: {}
  activity:
    description: C(W6) for a diagnosis, C(W7) for the outcome of a remediation.
    type: str
    choices: [W6, W7]
    default: W6
  problems:
    description: With O(activity=W7), the problems diagnosed before the remediation.
    type: list
    elements: dict
    default: []
  actions:
    description: With O(activity=W7), the steps carried out, each C(problem), C(action), C(text), C(ok).
    type: list
    elements: dict
    default: []
  allowed_actions:
    description: Automatic actions the plan may contain.
    type: list
    elements: str
    default: [free-logs, restore-config, restart-service, restore-site, backup]
  who:
    description: Who carries out the troubleshooting (recorded).
    type: str
  started:
    description: ISO 8601 start time of the troubleshooting.
    type: str
  finished:
    description: ISO 8601 end time of the troubleshooting.
    type: str
  lang:
    description: Language of the texts in the SOP result, the records and RV(findings).
    type: str
    choices: [id, en]
    default: id
  only:
    description:
      - Ids of the problems to keep (for example C(disk-full), C(units-failed)); all when not given.
      - An id the engine does not know is an error.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Diagnose the court
  pn.website.diagnose:
    court: "{{ inventory_hostname }}"
    evidence:
      server: "{{ gathered.evidence }}"
      probe: "{{ probe.probes[inventory_hostname] }}"
    contacts:
      services: "{{ court_services | default([]) }}"
      third_parties: "{{ (court_contacts | default({})).third_parties | default([]) }}"
  delegate_to: localhost
  register: diagnosis

- name: Name the server's health problems only, as findings of the weekly audit
  pn.website.diagnose:
    court: "{{ inventory_hostname }}"
    evidence:
      server: "{{ gathered.evidence }}"
    only: [disk-full, disk-full-logs, inode-full, memory-low, units-failed]
    lang: en
  delegate_to: localhost
  register: health
"""

RETURN = r"""
problems:
  description: Problems found, worst first (for W7, the problems that remain).
  returned: always
  type: list
  elements: dict
  sample:
    - id: php-fpm-down
      severity: critical
      title: {id: PHP-FPM mati, en: PHP-FPM is down}
      auto: true
      action: {action: restart-service, target: php8.2-fpm}
plan:
  description: Automatic actions for the problems, in the order they must run.
  returned: always
  type: list
  elements: dict
  sample: [{action: restart-service, target: php8.2-fpm, problem: php-fpm-down}]
sop_result:
  description:
    - The C(pn_sop_result) (activity W6 or W7), with the troubleshooting records in C(troubleshooting).
  returned: always
  type: dict
findings:
  description:
    - The problems as SOP findings (C(rule) the problem id, C(severity), C(message) the title and the
      explanation in O(lang), C(evidence) the problem's evidence), for the result of another activity.
  returned: always
  type: list
  elements: dict
  sample:
    - rule: units-failed
      severity: medium
      message: "System services failed: 1 systemd units are in the failed state: logrotate.service. ..."
      evidence: {units: [logrotate.service], count: 1}
health:
  description:
    - The server's health in a few values read from C(evidence.server), checked and bounded; C(disks) (per
      mount C(used_pct), C(free_bytes), C(inodes_used_pct)), C(memory_available_pct), C(load5), C(cpus),
      C(failed_units), C(failed_units_count), C(security_updates), C(security_packages) (their names, at most
      20); a part not gathered is null.
  returned: always
  type: dict
  sample:
    disks: [{mount: /, used_pct: 41.5, free_bytes: 10737418240, inodes_used_pct: 8.1}]
    memory_available_pct: 63.2
    load5: 0.4
    cpus: 2
    failed_units: []
    failed_units_count: 0
    security_updates: 0
    security_packages: []
site:
  description:
    - What the controller's probe in the evidence says of the site (how a restored site is checked),
      with C(checked), C(whole) (reached, and not defaced, spammed, without the court's name or an error
      page), C(reachable), C(status), C(problems) (the ids that say it is not whole) and C(checked_at).
  returned: always
  type: dict
  sample: {checked: true, whole: false, reachable: true, status: 200, problems: [gambling-spam]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.diagnosis.diagnosis import (
    diagnose,
    findings,
    health,
    plan,
    site_check,
    sop_result,
)
from ansible_collections.pn.website.plugins.module_utils.diagnosis.diagnosis_rules import RULES


def main():
    module = AnsibleModule(
        argument_spec=dict(
            court=dict(type="str", required=True),
            evidence=dict(type="dict", required=True),
            contacts=dict(type="dict", default={}),
            thresholds=dict(type="dict", default={}),
            activity=dict(type="str", choices=["W6", "W7"], default="W6"),
            problems=dict(type="list", elements="dict", default=[]),
            actions=dict(type="list", elements="dict", default=[]),
            allowed_actions=dict(
                type="list",
                elements="str",
                default=["free-logs", "restore-config", "restart-service", "restore-site", "backup"],
            ),
            who=dict(type="str"),
            started=dict(type="str"),
            finished=dict(type="str"),
            lang=dict(type="str", choices=["id", "en"], default="id"),
            only=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for key, value in p["thresholds"].items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            module.fail_json(msg="threshold %s must be a number, got %r" % (key, value))
    unknown = sorted(set(p["only"] or []) - set(RULES))
    if unknown:
        module.fail_json(
            msg="only: unknown problem ids %s (known: %s)" % (", ".join(unknown), ", ".join(RULES))
        )
    try:
        found = diagnose(p["evidence"], p["contacts"], p["thresholds"])
        if p["only"] is not None:
            found = [problem for problem in found if problem["id"] in p["only"]]
        site = site_check(p["evidence"].get("probe"), p["evidence"].get("court"))
    except (KeyError, TypeError, ValueError) as exc:
        module.fail_json(msg="evidence of %s cannot be read: %s: %s" % (p["court"], type(exc).__name__, exc))
    common = dict(lang=p["lang"], who=p["who"], started=p["started"], finished=p["finished"])
    if p["activity"] == "W6":
        result = sop_result(p["court"], "W6", found, **common)
    else:
        result = sop_result(p["court"], "W7", p["problems"], actions=p["actions"], remaining=found, **common)
    module.exit_json(
        changed=False,
        problems=found,
        plan=plan(found, p["allowed_actions"]),
        sop_result=result,
        site=site,
        findings=findings(found, p["lang"]),
        health=health(p["evidence"].get("server")),
    )


if __name__ == "__main__":
    main()
