#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: restic_restore
short_description: Restore a court website from a restic snapshot, or export a snapshot as an archive
version_added: "0.1.0"
description:
  - Restores a snapshot made by M(pn.website.restic_backup) (a chosen one or the latest of the court,
    never a C(pre-restore) safety snapshot unless chosen by id) on the host it runs on, which may be the
    court server itself or another server (disaster recovery, restore drill).
  - The snapshot is treated as untrusted input. Where things go comes from the parameters (the
    inventory), never from the snapshot, whose manifest is only compared with them. Only the web root,
    the backup's staging folder and O(config_paths) are restored, into a fresh private folder, and checked
    before anything moves. Paths outside them, symbolic links of the web root pointing outside it, and
    device files refuse the restore; set-user-ID/set-group-ID bits and file capabilities are removed.
  - The web root is restored beside the live one and swapped in (the old one is kept as
    C(WEBROOT.pre-restore-TIMESTAMP) unless O(keep_previous=false)); configuration paths are copied back
    (never through a symbolic link). The database dump is checked for client commands and imported with
    the client's C(--sandbox) where it has one, as an account limited to the court's database; only the
    accounts named in O(database_users) are recreated from the snapshot, with privileges on that database
    only.
  - With O(verify=true) the restored files are compared with the SHA-256 manifest written at backup time
    and the tables with their row counts and checksums.
  - With O(archive_path) the snapshot is exported as a tar (or zip) archive instead, for example onto
    removable media; nothing is restored then. The archive is created with mode 0600 (a missing folder
    for it 0700), since it holds the database dump and passwords of the site's configuration.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
  - pn.website.restic
attributes:
  check_mode:
    support: full
    details: In check mode the snapshot is resolved and nothing is restored.
options:
  snapshot:
    description: Snapshot id (or unique prefix), or C(latest).
    type: str
    default: latest
  host:
    description: restic host (court inventory name) whose latest snapshot is meant.
    type: str
  work_dir:
    description: Scratch directory for the restored snapshot (emptied first, removed afterwards).
    type: path
    default: /var/lib/pn-website/restore
  files:
    description: Restore the web root.
    type: bool
    default: true
  webroot:
    description:
      - Where the web root goes (the court's C(court_webroot), or a drill's scratch location). Default the
        C(webroot) of O(config). Never taken from the snapshot.
    type: path
  source_webroot:
    description:
      - Path of the web root inside the snapshot (the court's C(court_webroot) when it was backed up).
        Default the C(webroot) of O(config), else O(webroot).
    type: path
  staging_dir:
    description:
      - Folder inside the snapshot where the backup staged its dump, grants and manifest. Default the
        C(staging_dir) of O(config), else C(/var/lib/pn-website/backup-staging).
    type: path
  config_paths:
    description: Paths from the snapshot to copy back in place (for example C(/etc/nginx)).
    type: list
    elements: path
    default: []
  link_targets:
    description:
      - Folders of the receiving server that symbolic links of the restored web root may point into
        besides the web root itself (the code of a CMS package, for example C(/usr/share/wordpress) for
        Debian's WordPress). Absolute paths without C(..), never C(/). Any other link pointing outside the
        web root refuses the snapshot.
    type: list
    elements: path
    default: []
  database:
    description:
      - Import the database dump into the database C(name) (the court's C(court_db.name); default the
        C(database.name) of O(config)). The other keys are the administrator's client credentials
        (C(user), C(password), C(host), C(port), C(socket), C(defaults_file)), used only to create the
        database and the accounts; without them root connects over the unix socket. The dump itself is
        imported as an account whose privileges end at that database. Omit to leave the database alone.
    type: dict
  database_users:
    description:
      - Database users (the court's C(court_db.user)) whose accounts are recreated from the snapshot's
        C(grants.sql), with their password hash and privileges on the court's database only. Other
        accounts in the snapshot are skipped and listed.
    type: list
    elements: str
    default: []
  verify:
    description: Compare the restored files and tables with the manifest of the snapshot.
    type: bool
    default: true
  keep_previous:
    description: Keep the replaced web root beside the restored one.
    type: bool
    default: true
  archive_path:
    description: Export the snapshot to this archive file instead of restoring it.
    type: path
  archive_format:
    description: Archive format for O(archive_path).
    type: str
    choices: [tar, zip]
    default: tar
"""

EXAMPLES = r"""
- name: Restore the latest snapshot of this court, files and database
  pn.website.restic_restore:
    config: /etc/pn-website/backup.json
    host: "{{ inventory_hostname }}"
    webroot: "{{ court_webroot }}"
    database:
      name: "{{ court_db.name }}"
    database_users: ["{{ court_db.user }}"]
  register: restored

- name: Export a snapshot onto an external disk
  pn.website.restic_restore:
    config: /etc/pn-website/backup.json
    snapshot: 1a2b3c4d
    archive_path: /media/usb/pn-tais-1a2b3c4d.tar
"""

RETURN = r"""
snapshot:
  description: The restored snapshot (id, short_id, time, host, tags, age_hours).
  returned: success
  type: dict
manifest:
  description: Manifest facts of the snapshot (run_id, created, court, files, tables), and where it differs
    from the inventory (mismatch, a list of item, inventory, snapshot).
  returned: when restored
  type: dict
stripped:
  description: Restored files whose set-user-ID/set-group-ID bits or file capabilities were removed.
  returned: when restored
  type: list
  elements: str
database:
  description: The database import (name, sandbox, import_account, accounts recreated, accounts_skipped).
  returned: when the database was restored
  type: dict
webroot:
  description: Where the web root went (destination) and where the old one was kept (previous).
  returned: when files were restored
  type: dict
verification:
  description: Comparison with the manifest (ok, files.missing/changed, tables.problems, manifest.mismatch).
  returned: when verify is true
  type: dict
archive:
  description: The exported archive (archive, bytes, format, mode).
  returned: when archive_path is set
  type: dict
durations:
  description: Seconds spent per step.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup.manifest import STAGING_DIR
from ansible_collections.pn.website.plugins.module_utils.backup.mysql_dump import DumpError
from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    REPOSITORY_OPTIONS,
    ResticError,
    load_config,
    repository_from_params,
)
from ansible_collections.pn.website.plugins.module_utils.backup.site_restore import (
    export_archive,
    restore_site,
)
from ansible_collections.pn.website.plugins.module_utils.backup.snapshots import snapshot_age_hours


def main():
    argument_spec = dict(REPOSITORY_OPTIONS)
    argument_spec.update(
        snapshot=dict(type="str", default="latest"),
        host=dict(type="str"),
        work_dir=dict(type="path", default="/var/lib/pn-website/restore"),
        files=dict(type="bool", default=True),
        webroot=dict(type="path"),
        source_webroot=dict(type="path"),
        staging_dir=dict(type="path"),
        database_users=dict(type="list", elements="str", default=[]),
        config_paths=dict(type="list", elements="path", default=[]),
        link_targets=dict(type="list", elements="path", default=[]),
        database=dict(type="dict", no_log=False),
        verify=dict(type="bool", default=True),
        keep_previous=dict(type="bool", default=True),
        archive_path=dict(type="path"),
        archive_format=dict(type="str", choices=["tar", "zip"], default="tar"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    database = params["database"]
    if database and database.get("password"):
        module.no_log_values.add(str(database["password"]))
    try:
        repository = repository_from_params(params)
        # places come from the parameters or the configuration the controller wrote from the
        # inventory, never from the snapshot
        config = load_config(params["config"]) if params["config"] else {}
        webroot = params["webroot"] or config.get("webroot")
        if database is not None and not database.get("name"):
            database = dict(database, name=(config.get("database") or {}).get("name"))
        if module.check_mode or params["archive_path"]:
            snap = repository.resolve(params["snapshot"], host=params["host"], exclude_tags=("pre-restore",))
            snapshot = {
                "id": snap["id"],
                "short_id": snap.get("short_id"),
                "time": snap.get("time"),
                "host": snap.get("hostname"),
                "tags": snap.get("tags") or [],
                "age_hours": snapshot_age_hours(snap),
            }
            if module.check_mode:
                module.exit_json(changed=True, snapshot=snapshot, durations={})
            archive = export_archive(repository, snap["id"], params["archive_path"], params["archive_format"])
            module.exit_json(changed=True, snapshot=snapshot, archive=archive, durations={})
        result = restore_site(
            repository,
            snapshot=params["snapshot"],
            host=params["host"],
            work_dir=params["work_dir"],
            webroot=webroot,
            source_webroot=params["source_webroot"] or config.get("webroot") or webroot,
            staging_dir=params["staging_dir"] or config.get("staging_dir") or STAGING_DIR,
            database_users=params["database_users"],
            files=params["files"],
            config_paths=params["config_paths"],
            database=database,
            verify=params["verify"],
            keep_previous=params["keep_previous"],
            link_targets=params["link_targets"],
        )
    except (ResticError, DumpError, OSError) as error:
        module.fail_json(msg="restore failed: %s" % error, kind=getattr(error, "kind", "failed"))
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
