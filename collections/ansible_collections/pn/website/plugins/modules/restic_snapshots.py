#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: restic_snapshots
short_description: List the restic snapshots of a court and how old the newest one is
version_added: "0.1.0"
description:
  - Lists the snapshots of a court (restic host name = the court's inventory name) in one backup
    repository, newest last, and reports the age of the newest one (the recovery point objective).
  - The repository is a target of the court's backup configuration or given explicitly; its password and
    credentials never appear in the result.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.SERVER
  - pn.website.restic
options:
  host:
    description: Only snapshots of this restic host (the court's inventory name). Default all hosts.
    type: str
  tags:
    description: Only snapshots with all of these tags (for example C(court:pn-tais)).
    type: list
    elements: str
    default: []
  max_age_hours:
    description: When set, RV(stale) tells whether the newest snapshot is older than this.
    type: float
  known_good:
    description:
      - Stretches of time in which the court's site was seen whole, each C(before) and optionally C(after)
        (ISO 8601 times with a zone, exclusive bounds). RV(known_good) is then the newest snapshot taken
        inside one of them, never a C(pre-restore) safety snapshot.
      - Used by the remediation to restore a compromised site from before the compromise rather than from
        the latest snapshot, which the backup timer may have taken of the compromised site.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Snapshots of this court on its first backup target
  pn.website.restic_snapshots:
    config: /etc/pn-website/backup.json
    host: "{{ inventory_hostname }}"
  register: snaps

- name: The newest snapshot taken before the defacement was first seen
  pn.website.restic_snapshots:
    config: /etc/pn-website/backup.json
    host: "{{ inventory_hostname }}"
    known_good: [{before: "2026-11-23T07:00:00+07:00"}]
  register: snaps

- name: Snapshots in a repository on the backup server
  pn.website.restic_snapshots:
    repository: /srv/pn-backup/pn-tais
    password: "{{ pn_backup_password }}"
  no_log: true
"""

RETURN = r"""
snapshots:
  description: Snapshots (id, short_id, time, host, tags, paths), oldest first.
  returned: success
  type: list
  elements: dict
count:
  description: Number of snapshots.
  returned: success
  type: int
latest:
  description: The newest snapshot, or null when there is none.
  returned: success
  type: dict
age_hours:
  description: Age of the newest snapshot in hours (null without snapshots).
  returned: success
  type: float
known_good:
  description: With O(known_good), the newest snapshot inside one of its windows, or null when there is none.
  returned: when O(known_good) is given
  type: dict
stale:
  description: Whether there is no snapshot or the newest is older than O(max_age_hours).
  returned: success
  type: bool
repository:
  description: The repository location without credentials.
  returned: always
  type: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    REPOSITORY_OPTIONS,
    ResticError,
    repository_from_params,
)
from ansible_collections.pn.website.plugins.module_utils.backup.snapshots import (
    snapshot_age_hours,
    snapshot_known_good,
)


def main():
    argument_spec = dict(REPOSITORY_OPTIONS)
    argument_spec.update(
        host=dict(type="str"),
        tags=dict(type="list", elements="str", default=[]),
        max_age_hours=dict(type="float"),
        known_good=dict(type="list", elements="dict"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    extra = {}
    try:
        repository = repository_from_params(params)
        snapshots = repository.snapshots(host=params["host"], tags=params["tags"])
        if params["known_good"] is not None:
            extra["known_good"] = snapshot_known_good(snapshots, params["known_good"])
    except ResticError as error:
        module.fail_json(msg=str(error), kind=error.kind, repository=params.get("repository") or "")
    keep = ("id", "short_id", "time", "hostname", "tags", "paths")
    snapshots = [{key: snap.get(key) for key in keep} for snap in snapshots]
    if extra.get("known_good"):
        extra["known_good"] = {key: extra["known_good"].get(key) for key in keep}
    latest = snapshots[-1] if snapshots else None
    now = datetime.datetime.now(datetime.timezone.utc)
    age = snapshot_age_hours(latest, now) if latest else None
    stale = age is None or (params["max_age_hours"] is not None and age > params["max_age_hours"])
    module.exit_json(
        changed=False,
        snapshots=snapshots,
        count=len(snapshots),
        latest=latest,
        age_hours=age,
        stale=stale,
        repository=repository.display,
        **extra,
    )


if __name__ == "__main__":
    main()
