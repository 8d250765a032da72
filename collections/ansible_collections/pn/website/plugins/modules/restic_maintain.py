#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: restic_maintain
short_description: Initialise, apply retention to, prune, check and unlock a restic repository
version_added: "0.1.0"
description:
  - Repository maintenance for court backups, meant to run with the administrator's credentials on the
    controller or on the backup server, never from the court server (an append-only REST server or an S3
    bucket without delete permission refuses C(forget) and C(prune) with the court's credential).
  - C(forget) applies a retention policy (daily, weekly, monthly, yearly; C(keep_within) for append-only
    targets) per restic host; C(prune) then frees the space.
  - C(check) verifies the repository structure and reads a rotating subset of the data
    (C(--read-data-subset n/m)); n advances by one every O(check_period_days) days (weeks from Monday by
    default, across year ends), so that O(check_subset_groups) consecutive scheduled runs read everything.
  - C(unlock) removes stale locks only (those of dead processes or older than 30 minutes); the lock of a
    running backup is never broken.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
  - pn.website.restic
attributes:
  check_mode:
    support: partial
    details: In check mode C(forget) runs with C(--dry-run); C(init), C(prune) and C(unlock) are skipped;
      C(check) runs (read-only).
options:
  actions:
    description: What to do, in this order.
    type: list
    elements: str
    choices: [init, unlock, forget, prune, check]
    required: true
  host:
    description: Apply the retention policy to this restic host (court) only.
    type: str
  keep_last:
    description: Keep the last N snapshots.
    type: int
  keep_daily:
    description: Keep the last N daily snapshots.
    type: int
  keep_weekly:
    description: Keep the last N weekly snapshots.
    type: int
  keep_monthly:
    description: Keep the last N monthly snapshots.
    type: int
  keep_yearly:
    description: Keep the last N yearly snapshots.
    type: int
  keep_within:
    description: Keep every snapshot newer than this duration relative to the newest (for example C(30d)).
    type: str
  check_subset:
    description: Explicit C(--read-data-subset) value (C(1/5), C(10%)). Overrides O(check_subset_groups).
    type: str
  check_subset_groups:
    description: Number of rotating groups of data read by C(check) (0 reads no data, only the structure).
    type: int
    default: 7
  check_period_days:
    description:
      - Days between two scheduled checks, after which the subset read advances by one. C(7) for the
        weekly schedule (the weekly cycle runs the maintenance), C(1) for a daily one.
    type: int
    default: 7
"""

EXAMPLES = r"""
- name: Retention and prune of a court's repository on the backup server
  pn.website.restic_maintain:
    repository: /srv/pn-backup/pn-tais
    password: "{{ pn_backup_password }}"
    actions: [unlock, forget, prune, check]
    keep_daily: 7
    keep_weekly: 4
    keep_monthly: 12
  no_log: true
"""

RETURN = r"""
initialised:
  description: Whether C(init) created the repository.
  returned: when init was asked
  type: bool
forget:
  description: Snapshots removed and kept by the retention policy.
  returned: when forget was asked
  type: dict
check:
  description: Result of C(check) (ok, read_data_subset).
  returned: when check was asked
  type: dict
repository:
  description: The repository location without credentials.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    REPOSITORY_OPTIONS,
    ResticError,
    repository_from_params,
    rotating_subset,
)


def main():
    argument_spec = dict(REPOSITORY_OPTIONS)
    argument_spec.update(
        actions=dict(
            type="list", elements="str", required=True, choices=["init", "unlock", "forget", "prune", "check"]
        ),
        host=dict(type="str"),
        keep_last=dict(type="int"),
        keep_daily=dict(type="int"),
        keep_weekly=dict(type="int"),
        keep_monthly=dict(type="int"),
        keep_yearly=dict(type="int"),
        keep_within=dict(type="str"),
        check_subset=dict(type="str"),
        check_subset_groups=dict(type="int", default=7),
        check_period_days=dict(type="int", default=7),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, repository=params.get("repository") or "")
    try:
        repository = repository_from_params(params)
        result["repository"] = repository.display
        for action in params["actions"]:
            if action == "init":
                if module.check_mode:
                    result["initialised"] = not repository.exists()
                else:
                    result["initialised"] = repository.init()
                result["changed"] |= result["initialised"]
            elif action == "unlock" and not module.check_mode:
                repository.unlock()
            elif action == "forget":
                policy = {
                    key: params[key]
                    for key in (
                        "keep_last",
                        "keep_daily",
                        "keep_weekly",
                        "keep_monthly",
                        "keep_yearly",
                        "keep_within",
                    )
                    if params[key]
                }
                result["forget"] = repository.forget(policy, host=params["host"], dry_run=module.check_mode)
                result["changed"] |= result["forget"]["removed"] > 0
            elif action == "prune" and not module.check_mode:
                repository.prune()
                result["pruned"] = True
                result["changed"] = True
            elif action == "check":
                subset = params["check_subset"]
                if not subset and params["check_subset_groups"]:
                    subset = rotating_subset(
                        params["check_subset_groups"], period_days=params["check_period_days"]
                    )
                result["check"] = repository.check(subset or None)
    except ResticError as error:
        module.fail_json(msg=str(error), kind=error.kind, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
