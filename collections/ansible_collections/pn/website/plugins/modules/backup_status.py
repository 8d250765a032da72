#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: backup_status
short_description: Judge a court's last backup run and whether its installed backup setup is current
version_added: "0.3.0"
description:
  - Reads, in one module run on the court server, the status file the last backup run wrote (the nightly
    timer's, usually) and the fingerprint of the backup setup installed there, and returns the W2 result
    of the last run (RV(sop_result)) and whether the setup is the one the role would install now
    (RV(setup_current)).
  - This is the daily cycle's usual day for a court (the timer backed up at night, nothing in the setup
    changed), and this one task is all the controller spends on W2 for the court. When nothing is to be
    set up or backed up now (see O(run_now)), the module returns the court's W2 result as
    RV(pn_sop_result), which the sopansible history records like the fact a play sets, so no task per court
    just to copy it.
  - The W2 result is C(failed) when no run is recorded, the last one failed or its status file cannot be
    read, C(warning) when the last successful run is older than O(max_age_hours), C(ok) otherwise. The age
    is measured by the court server's clock, which also wrote the time the run finished.
  - The status file is read within a byte limit and judged only by the fields the backup engine writes.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.SERVER
options:
  status_file:
    description: The status file the backup engine writes after every run.
    type: path
    required: true
  setup_file:
    description: The file holding the fingerprint of the installed backup setup.
    type: path
    required: true
  setup_fingerprint:
    description:
      - The fingerprint of the setup the role would install now. It is derived from the backup password
        among other settings, so it is kept out of the task's logged arguments.
    type: str
    required: true
  max_age_hours:
    description: A last successful run older than this many hours is stale (a warning).
    type: float
    default: 30
  configured:
    description:
      - Whether the court has a backup password and at least one backup target. When false the module
        fails, naming what to set, before it reads anything.
    type: bool
    default: true
  run_now:
    description: Whether a backup is to run now (RV(backup_due)), unless O(only_when_due) says it is not due.
    type: bool
    default: false
  only_when_due:
    description: With O(run_now), back up now only when the last run is missing, failed or stale.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read and judge the last backup run and the installed setup
  pn.website.backup_status:
    status_file: /var/lib/pn-website/backup-status.json
    setup_file: /etc/pn-website/backup/setup.sha256
    setup_fingerprint: "{{ setup_fingerprint }}"
    max_age_hours: 30
    configured: "{{ backup_password | length > 0 and backup_targets | length > 0 }}"
  register: last_backup

- name: Back up now when due
  ansible.builtin.include_tasks: run_now.yml
  when: last_backup.backup_due
"""

RETURN = r"""
sop_result:
  description: The W2 result of the last run (the format of C(pn_sop_result)), with its C(last_job_*) outputs.
  returned: success
  type: dict
job_outputs:
  description: The C(last_job_*) outputs of the last run, which a backup run now adds to its own result.
  returned: success
  type: dict
setup_current:
  description: Whether the installed setup's fingerprint equals O(setup_fingerprint).
  returned: success
  type: bool
backup_due:
  description: Whether a backup is to run now (O(run_now), and with O(only_when_due) the last run not C(ok)).
  returned: success
  type: bool
pn_sop_result:
  description:
    - The court's W2 result (RV(sop_result)) when nothing is to be set up or backed up now (the setup is
      current and no backup is due), the result of the play for the court.
  returned: when nothing is to be set up or backed up now
  type: dict
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup import last_run
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SopResultError

# The setup file holds one SHA-256 in hex and a newline.
MAX_SETUP_BYTES = 4096


def _read(path, limit):
    """The file's text, None when it does not exist; longer than ``limit`` bytes is an error."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return None
    if len(data) > limit:
        raise ValueError("lebih dari %d byte" % limit)
    return data.decode("utf-8", errors="replace")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            status_file=dict(type="path", required=True),
            setup_file=dict(type="path", required=True),
            setup_fingerprint=dict(type="str", required=True, no_log=True),
            max_age_hours=dict(type="float", default=30),
            configured=dict(type="bool", default=True),
            run_now=dict(type="bool", default=False),
            only_when_due=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["configured"]:
        module.fail_json(
            msg="pn_backup_password (from Ansible Vault) and at least one entry in court_backup_targets are "
            "required for backups."
        )
    try:
        status_text = _read(params["status_file"], last_run.MAX_STATUS_BYTES)
        status_problem = ""
    except (OSError, ValueError) as error:
        status_text, status_problem = "", str(error)
    try:
        installed = (_read(params["setup_file"], MAX_SETUP_BYTES) or "").strip()
    except (OSError, ValueError):
        installed = ""  # an unreadable fingerprint is not the current one: the role sets up again
    try:
        result, job_outputs = last_run.judge(
            status_text,
            params["status_file"],
            params["max_age_hours"],
            now=datetime.datetime.now(datetime.timezone.utc),
            problem=status_problem,
        )
    except SopResultError as error:
        module.fail_json(msg="W2: %s" % error.message("en"))
    current = bool(installed) and installed == params["setup_fingerprint"]
    due = params["run_now"] and not (params["only_when_due"] and result["status"] == "ok")
    output = dict(
        changed=False, sop_result=result, job_outputs=job_outputs, setup_current=current, backup_due=due
    )
    if current and not due:
        output["pn_sop_result"] = result  # the usual day: this is the court's W2 result
    module.exit_json(**output)


if __name__ == "__main__":
    main()
