#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: restic_backup
short_description: Back a court website up with restic (SOP W2 and W8)
version_added: "0.1.0"
description:
  - Runs one backup of the court server it runs on, as configured by the C(pn.website.backup) role in
    O(config) (the same file the backup timer uses).
  - Dumps the MariaDB/MySQL database to a staging file with C(mysqldump --single-transaction --routines
    --events --triggers --hex-blob) and verifies it (exit status and the C(-- Dump completed) trailer)
    before any snapshot is taken; a failed dump fails the run and no snapshot is made.
  - Writes a manifest (SHA-256 of every web root file, row counts and checksums of every table), the
    installed package list, then makes one snapshot per backup target holding the staging area, the web
    root, the web server, PHP and TLS configuration and the crontabs, tagged C(court:NAME) and
    C(run:RUN_ID).
  - Writes the JSON status file named in the configuration (default
    C(/var/lib/pn-website/backup-status.json)) whatever the outcome.
  - The repository password and backend credentials are read from files and handed to restic through its
    environment, never on its command line, and never appear in the result.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
attributes:
  check_mode:
    support: full
    details: In check mode nothing is dumped or backed up; the result tells which targets would be used.
options:
  config:
    description: Backup configuration (JSON) written by the C(pn.website.backup) role.
    type: path
    default: /etc/pn-website/backup.json
  run_id:
    description: Identifier of this run, added as the tag C(run:RUN_ID) to every snapshot.
    type: str
  targets:
    description: Back up only to these targets (by name). Default all of the configuration.
    type: list
    elements: str
    default: []
  tags:
    description: Extra tags for the snapshots (for example C(pre-restore) for a safety snapshot).
    type: list
    elements: str
    default: []
  status_file:
    description: Write the status here instead of the configured status file (for example for a safety
      snapshot, so that the regular status stays the one of the last scheduled run).
    type: path
  fail_on_error:
    description: Fail the task when any part of the run failed (the status file is written either way).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Back up the court now
  pn.website.restic_backup:
    run_id: "{{ lookup('pipe', 'date -u +%Y%m%dT%H%M%SZ') }}"
  register: backup

- name: Back up to the external disk only, keep going on failure
  pn.website.restic_backup:
    targets: [hdd-eksternal]
    fail_on_error: false
"""

RETURN = r"""
status:
  description: C(ok) or C(failed).
  returned: always
  type: str
  sample: ok
exit_code:
  description: 0 when every target got a complete snapshot, 1 otherwise.
  returned: always
  type: int
run_id:
  description: Run identifier used in the snapshot tags.
  returned: always
  type: str
dump:
  description: Database dump facts (verified, bytes, sha256, exit_code, tables, error).
  returned: always
  type: dict
targets:
  description: One entry per target with name, type, repository (no credentials), status, snapshot_id,
    files, size_bytes, data_added, duration and error (kind, message).
  returned: always
  type: list
  elements: dict
durations:
  description: Seconds spent on the dump, the manifest, the backups and in total.
  returned: always
  type: dict
errors:
  description: Problems that stopped the run before the targets (dump, configuration).
  returned: always
  type: list
  elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import run_backup
from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError, load_config


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path", default="/etc/pn-website/backup.json"),
            run_id=dict(type="str"),
            targets=dict(type="list", elements="str", default=[]),
            tags=dict(type="list", elements="str", default=[]),
            status_file=dict(type="path"),
            fail_on_error=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if module.check_mode and not os.path.exists(params["config"]):
        module.exit_json(
            changed=True,
            status="ok",
            exit_code=0,
            run_id=params["run_id"] or "",
            targets=[],
            dump={},
            durations={},
            errors=[],
            msg="configuration not written yet (check mode)",
        )
    try:
        config = load_config(params["config"])
    except ResticError as error:
        module.fail_json(msg=str(error), status="failed", exit_code=2)
    if module.check_mode:
        targets = [
            {"name": t.get("name"), "type": t.get("type")}
            for t in config.get("targets") or []
            if not params["targets"] or t.get("name") in params["targets"]
        ]
        module.exit_json(
            changed=True,
            status="ok",
            exit_code=0,
            run_id=params["run_id"] or "",
            targets=targets,
            dump={},
            durations={},
            errors=[],
        )
    if params["tags"]:
        config["tags"] = list(config.get("tags") or []) + params["tags"]
    config["trigger"] = "ansible"
    if params["status_file"]:
        config["status_file"] = params["status_file"]
    status = run_backup(config, run_id=params["run_id"], only_targets=params["targets"] or None)
    result = dict(
        changed=any(t.get("snapshot_id") for t in status["targets"]),
        status=status["status"],
        exit_code=status["exit_code"],
        run_id=status["run_id"],
        dump=status["dump"],
        targets=status["targets"],
        durations=status["durations"],
        errors=status["errors"],
        files=status.get("files", 0),
        restic_version=status.get("restic_version", ""),
    )
    if status["exit_code"] != 0 and params["fail_on_error"]:
        problems = [e["message"] for e in status["errors"]]
        problems += [
            "%s: %s" % (t["name"], t["error"]["message"]) for t in status["targets"] if t.get("error")
        ]
        module.fail_json(msg="backup failed: " + "; ".join(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
