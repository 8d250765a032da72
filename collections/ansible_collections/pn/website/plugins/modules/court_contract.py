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
"""

RETURN = r"""
problems:
  description: Every contract problem found, empty when the court's data is valid.
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
      description: Stable problem code (missing, type, choice, hostname, url, date, ...).
      type: str
    message:
      description: Explanation in the chosen language.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            shared_hosting=dict(type="bool"), lang=dict(type="str", default="id", choices=["id", "en"])
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="pn.website.court_contract runs on the controller as an action plugin")


if __name__ == "__main__":
    main()
