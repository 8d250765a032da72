#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: hosting_pull
short_description: Copy a shared-hosting court's web root and visitor logs to the controller (SFTP or FTPS)
version_added: "0.2.0"
description:
  - For a court on commercial shared hosting (no SSH shell), copies the web root and the visitor logs the
    host offers into a staging folder on the controller over SFTP or FTP over TLS, for the backup (SOP W2)
    and the visitor-log analysis (W3). Run it on the controller (C(delegate_to) C(localhost)).
  - The hosting server is untrusted. A listed name that is not one plain path component (C(../x), C(a/b),
    control characters), a symbolic link, a file over O(max_file_bytes), more than O(max_bytes) in all,
    more than O(max_files) entries or folders deeper than 32 stop the pull with a clear error; nothing is
    ever written outside O(staging). Sizes are counted as data arrives, never taken from the listing.
  - SFTP checks the server against O(host_key) before it sends the password; FTPS verifies the server's
    certificate (against O(cacert) when given) and protects the data connections with TLS.
  - The password never appears in the result.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
attributes:
  check_mode:
    support: full
    details: In check mode nothing is copied; the result says what would be copied.
  platform:
    description: Runs on the controller.
    support: full
    platforms: posix
    details: SFTP needs the Python package C(asyncssh) on the controller; FTPS uses the standard library.
options:
  transfer:
    description: How the hosting account is reached.
    type: str
    required: true
    choices: [sftp, ftps]
  host:
    description: Host name or IP address of the hosting server.
    type: str
    required: true
  port:
    description: Port of the hosting server (default 22 for SFTP, 21 for FTPS).
    type: int
  user:
    description: Account on the hosting server.
    type: str
    required: true
  password:
    description: Password of the account (from Ansible Vault).
    type: str
    required: true
  host_key:
    description: The SFTP server's public host key (C(ssh-ed25519 AAAA...)); required for O(transfer=sftp).
    type: str
  cacert:
    description: CA certificates (a file on the controller) for the FTPS server; default the system's.
    type: path
  webroot:
    description: The web root in the hosting account (e.g. C(/public_html)); empty copies no web root.
    type: str
    default: ""
  log_paths:
    description: Visitor log files in the hosting account, copied into O(staging)C(/logs).
    type: list
    elements: str
    default: []
  staging:
    description: Folder on the controller that receives C(webroot/) and C(logs/) (both replaced each pull).
    type: path
    required: true
  max_files:
    description: Most files and folders one pull copies.
    type: int
    default: 200000
  max_bytes:
    description: Most bytes one pull copies.
    type: int
    default: 21474836480
  max_file_bytes:
    description: Most bytes of one file.
    type: int
    default: 2147483648
  timeout:
    description: Seconds to wait for the hosting server to answer.
    type: int
    default: 60
  dump:
    description:
      - Dump the database through a one-shot dump endpoint, for hosts without remote MySQL. Before the copy,
        a fresh copy of O(dump.script) is uploaded into O(webroot) under a random name, holding the SHA-256
        of a one-time token, an expiry time and the database account; it is called once over HTTPS and
        removed again afterwards, whether the dump worked or not (RV(script_removed)).
      - The dump is written to O(staging)C(/database.sql) (mode 0600) only when its frame checks out.
    type: dict
    suboptions:
      url:
        description: URL of the web root (C(https://...)); the script is called below it.
        type: str
        required: true
      script:
        description: The dump script template on the controller (the backup role's C(pn-hosting-dump.php)).
        type: path
        required: true
      database:
        description: The court's database account as the hosting server reaches it.
        type: dict
        required: true
        suboptions:
          host:
            description: Database host as the hosting server sees it.
            type: str
            default: localhost
          port:
            description: Database port.
            type: int
            default: 3306
          user:
            description: Database account.
            type: str
            required: true
          password:
            description: Password of the account (from Ansible Vault).
            type: str
            required: true
          name:
            description: The court's database.
            type: str
            required: true
      cacert:
        description: CA certificates (a file on the controller) for the endpoint; default the system's.
        type: path
      ttl:
        description: Seconds the uploaded script lives before it refuses (and removes itself).
        type: int
        default: 300
      max_bytes:
        description: Most bytes of the dump.
        type: int
        default: 4294967296
      timeout:
        description: Seconds the whole dump may take.
        type: int
        default: 1800
      allow_http:
        description: Allow a plain C(http://) URL (tests on loopback only).
        type: bool
        default: false
"""

EXAMPLES = r"""
- name: Copy the web root and the logs of a court on shared hosting
  pn.website.hosting_pull:
    transfer: sftp
    host: sftp.hosting.example.co.id
    user: pnmanna
    password: "{{ vault_pn_manna_hosting_password }}"
    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5v..."
    webroot: /public_html
    log_paths: [/logs/access.log]
    staging: /var/lib/pn-website/hosting/pn-manna/pull
  delegate_to: localhost
  no_log: true

- name: The same, with the database through a one-shot dump endpoint (no remote MySQL at this host)
  pn.website.hosting_pull:
    transfer: sftp
    host: sftp.hosting.example.co.id
    user: pnmanna
    password: "{{ vault_pn_manna_hosting_password }}"
    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5v..."
    webroot: /public_html
    staging: /var/lib/pn-website/hosting/pn-manna/pull
    dump:
      url: https://pn-manna.go.id/
      script: "{{ role_path }}/files/pn-hosting-dump.php"
      database: {user: pnmanna_web, password: "{{ vault_db }}", name: pnmanna_web}
  delegate_to: localhost
  no_log: true
"""

RETURN = r"""
webroot:
  description: Local folder holding the copied web root (null when none was asked for).
  returned: success
  type: str
logs:
  description: Local paths of the copied log files.
  returned: success
  type: list
  elements: str
files:
  description: Files copied.
  returned: always
  type: int
bytes:
  description: Bytes copied.
  returned: always
  type: int
dump:
  description: >-
    The database dump through the endpoint: status (ok or failed), path, bytes, sha256,
    tables, rows, error (kind and message) and script_removed.
  returned: when O(dump) was given
  type: dict
script_removed:
  description: Whether the uploaded dump script is gone from the hosting account again.
  returned: when O(dump) was given
  type: bool
error:
  description: Why the pull stopped (kind and message), when it did.
  returned: on failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.backup import hosting_dump, hosting_pull


def main():
    module = AnsibleModule(
        argument_spec=dict(
            transfer=dict(type="str", required=True, choices=["sftp", "ftps"]),
            host=dict(type="str", required=True),
            port=dict(type="int"),
            user=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            # a public key: nothing secret in it
            host_key=dict(type="str", no_log=False),
            cacert=dict(type="path"),
            webroot=dict(type="str", default=""),
            log_paths=dict(type="list", elements="str", default=[]),
            staging=dict(type="path", required=True),
            max_files=dict(type="int", default=hosting_pull.DEFAULT_MAX_FILES),
            max_bytes=dict(type="int", default=hosting_pull.DEFAULT_MAX_BYTES),
            max_file_bytes=dict(type="int", default=hosting_pull.DEFAULT_MAX_FILE_BYTES),
            timeout=dict(type="int", default=hosting_pull.DEFAULT_TIMEOUT),
            dump=dict(
                type="dict",
                options=dict(
                    url=dict(type="str", required=True),
                    script=dict(type="path", required=True),
                    database=dict(
                        type="dict",
                        required=True,
                        options=dict(
                            host=dict(type="str", default="localhost"),
                            port=dict(type="int", default=3306),
                            user=dict(type="str", required=True),
                            password=dict(type="str", required=True, no_log=True),
                            name=dict(type="str", required=True),
                        ),
                    ),
                    cacert=dict(type="path"),
                    ttl=dict(type="int", default=hosting_dump.DEFAULT_TTL),
                    max_bytes=dict(type="int", default=hosting_dump.DEFAULT_MAX_BYTES),
                    timeout=dict(type="int", default=hosting_dump.DEFAULT_TIMEOUT),
                    allow_http=dict(type="bool", default=False),
                ),
            ),
        ),
        required_if=[("transfer", "sftp", ["host_key"])],
        supports_check_mode=True,
    )
    options = dict(module.params)
    options["port"] = options["port"] or (22 if options["transfer"] == "sftp" else 21)
    if module.check_mode:
        module.exit_json(
            changed=True, webroot=None, logs=[], files=0, bytes=0, msg="nothing copied (check mode)"
        )

    try:
        result = hosting_pull.pull(options)
    except hosting_pull.PullError as error:
        module.fail_json(msg=str(error), error=error.as_dict(), files=0, bytes=0)
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
