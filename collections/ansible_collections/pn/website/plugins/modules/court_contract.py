#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: court_contract
short_description: Validate a court's inventory variables against the pn.website contract
version_added: 0.1.0
description:
  - Checks the C(court_*) variables of the current host (court name and type, domain and host names,
    URL, probe overrides, web server, CMS, database, backup targets, service contracts and their dates,
    contacts, SOP standard times) and fails with every problem named by variable.
  - Also checks the values that reach ssh's command line, shell commands and file paths, whoever
    wrote them (a court registry, a shared inventory). The inventory host name, C(ansible_host),
    C(ansible_user) and C(ansible_port) must be plain names and numbers, the web root and backup
    folders safe normalised paths outside system folders, database names plain identifiers, and no
    value may hold a newline or other control character.
  - Runs on the controller as an action plugin; nothing is sent to the court server.
  - The same rules back C(sopansible inventory check).
  - Sets no fact; the C(pn.website.preflight) role registers the result to check each court once per run.
  - With O(courts), one run of the action checks every listed court (for C(run_once)), so that no worker
    process per court is started on the controller. It then never fails for a court's problems, which it
    returns per court in RV(courts); the C(pn.website.preflight) role fails each court with problems from
    there.
options:
  shared_hosting:
    description:
      - Whether the court is on shared hosting (no SSH), which makes server-side variables optional.
      - Defaults to membership of the C(shared_hosting) group.
    type: bool
  lang:
    description: Language of the messages.
    type: str
    choices: [id, en]
    default: id
  roles:
    description:
      - Roles of this collection whose argument spec (C(meta/argument_specs.yml)) is validated against the
        court's variables, the way M(ansible.builtin.validate_argument_spec) does at the start of a role,
        in this same action. For playbooks that import the roles with C(rolespec_validate=false), so that a
        court costs one worker process for all the checks instead of one per role.
      - Each item is C(ROLE), C(pn.website.ROLE) or C(ROLE:ENTRY_POINT) (the C(tasks_from) name, default
        C(main)). A role or entry point this collection does not have is a problem of every court.
      - The values checked are those of the entry point's options that the court's variables hold,
        templated; an option absent there is not provided (the spec's default applies) unless the role's
        defaults set it, whose value is the role's own. Options the role's C(vars/main.yml) sets are not
        checked (they outrank the inventory inside the role). A value that refers to a variable undefined in
        this play (typically another of the role's defaults) is skipped.
      - Each error is a problem naming the variable, with the role, the entry point and Ansible's message.
      - The spec files are read from the collection itself, once per worker process, at most 512 KiB each.
    type: list
    elements: str
    default: []
  courts:
    description:
      - Inventory host names of the courts to check in this one run (typically C(ansible_play_batch) with
        C(run_once)), instead of the host the task runs for. At most 10000.
      - Each court is checked with its own variables (inventory, group and host variables, facts and extra
        vars, as C(hostvars) holds them), templated in that court's context, and with what the play sets
        for every court (play, role and import variables) for the names it does not set itself. Where both
        set a name, the court's own value is checked, since a wrong value in the inventory is wrong even
        when this play overrides it.
      - A shared-hosting court is one in the C(shared_hosting) group, unless O(shared_hosting) says so for
        all of them.
    type: list
    elements: str
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.CONTROLLER
author:
  - pn.website maintainers (@pn-website)
"""

EXAMPLES = r"""
- name: Stop this court early if its inventory data is wrong
  pn.website.court_contract:

- name: Also check the arguments of the roles the playbook imports with rolespec_validate=false
  pn.website.court_contract:
    roles: [backup, "backup:hosted", logs]

- name: Check every court of the play in one controller action
  pn.website.court_contract:
    roles: [backup, logs]
    courts: "{{ ansible_play_batch }}"
  run_once: true
  register: checked

- name: Stop each court with problems
  ansible.builtin.fail:
    msg: "{{ checked.courts[inventory_hostname].msg }}"
  when: checked.courts[inventory_hostname].problems | length > 0
"""

RETURN = r"""
problems:
  description: Every contract problem found (of every court checked), empty when the data is valid.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: Inventory host name.
      type: str
    variable:
      description: The variable (with index or key) that is wrong.
      type: str
    code:
      description: >-
        Stable problem code (missing, type, choice, hostname, url, date, ..., role_argument for a role's
        argument spec, role_spec when a listed role's spec cannot be read or does not exist).
      type: str
    message:
      description: Explanation in the chosen language.
      type: str
courts:
  description: With O(courts), each court's own check, by inventory host name.
  returned: when O(courts) is given
  type: dict
  contains:
    problems:
      description: The court's problems, as in RV(problems); empty when its data is valid.
      type: list
      elements: dict
    msg:
      description: The court's problems in one line, each as its variable and message, or C(ok).
      type: str
  sample: {"pn-tais": {"problems": [], "msg": "ok"}}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            shared_hosting=dict(type="bool"),
            lang=dict(type="str", default="id", choices=["id", "en"]),
            roles=dict(type="list", elements="str", default=[]),
            courts=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="pn.website.court_contract runs on the controller as an action plugin")


if __name__ == "__main__":
    main()
