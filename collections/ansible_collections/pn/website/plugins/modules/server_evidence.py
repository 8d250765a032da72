#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: server_evidence
short_description: Gather troubleshooting evidence on a court web server (read-only)
version_added: "0.1.0"
description:
  - Collects, in one call, what is needed to diagnose a court website problem (SOP W6) on the server
    itself, for the rules of the C(diagnosis) engine used by M(pn.website.diagnose).
  - State of the web server, PHP-FPM and database services (with their recent journal when they are not
    running), the web server configuration test (C(nginx -t) or C(apachectl -t)), C(php-fpm -t), the last
    lines of the error logs, disk and inode usage, memory, load, the systemd units in the failed state
    (C(systemctl list-units --state=failed), at most 20 listed, with their count), pending security
    updates (C(apt-get -s upgrade)), PHP, MariaDB and CMS versions, time synchronisation, the age of the
    newest backup (status file of the C(pn.website.backup) role), the biggest log files, recently changed
    files in the web root and the homepage as served on 127.0.0.1 with the court's Host header.
  - Never changes anything on the server.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.SERVER
options:
  webserver:
    description: C(nginx) or C(apache); detected from the installed services when not given.
    type: str
    choices: [nginx, apache]
  webroot:
    description: Document root of the court website.
    type: path
    default: /var/www/html
  domain:
    description: Host name sent in the Host header of the local homepage check.
    type: str
    default: ""
  keyword:
    description: Text the homepage must contain (the court's name).
    type: str
    default: ""
  cms:
    description: CMS of the website, reported when its version cannot be read.
    type: str
    default: custom
  disk_paths:
    description:
      - Paths whose file systems are measured (the web root and the web server log directory are added).
    type: list
    elements: path
    default: [/, /var, /var/log, /tmp]
  log_dirs:
    description: Directories searched for the biggest log files.
    type: list
    elements: path
    default: [/var/log]
  error_lines:
    description: Lines kept from each error log and journal.
    type: int
    default: 20
  updates:
    description: Count pending (security) updates with a simulated C(apt-get upgrade).
    type: bool
    default: true
  updates_timeout:
    description: Seconds allowed for the update simulation.
    type: int
    default: 60
  backup_status_file:
    description: Status file written by the backup role.
    type: path
    default: /var/lib/pn-website/backup-status.json
  http:
    description: Fetch the homepage from the local web server.
    type: bool
    default: true
  http_port:
    description: Local HTTP port of the web server.
    type: int
    default: 80
  recent_hours:
    description: Files in the web root changed within this many hours are listed.
    type: int
    default: 24
  sections:
    description:
      - The parts of the evidence to gather, by their key in RV(evidence); all by default.
      - The weekly audit (role C(pn.website.audit)) asks only for the server's health
        (C(disk), C(memory), C(load), C(failed_units), C(updates), C(biggest_logs)).
    type: list
    elements: str
    choices: [services, config_test, php_fpm_config_test, error_logs, disk, memory, load, failed_units,
              updates, php_version, db_version, cms, time, backup, biggest_logs, recent_webroot_changes,
              local_http]
"""

EXAMPLES = r"""
- name: Gather the evidence of a court server
  pn.website.server_evidence:
    webserver: "{{ court_webserver }}"
    webroot: "{{ court_webroot }}"
    domain: "{{ court_domain }}"
    keyword: "{{ court_name }}"
  register: evidence

- name: Gather only the server's health
  pn.website.server_evidence:
    sections: [disk, memory, load, failed_units, updates]
  register: health
"""

RETURN = r"""
evidence:
  description:
    - The evidence; keys C(collected_at), C(webserver) and the parts asked for in O(sections) (all by default)
      C(services), C(config_test), C(php_fpm_config_test), C(error_logs), C(disk), C(memory), C(load),
      C(failed_units), C(updates), C(php_version), C(db_version), C(cms), C(time), C(backup), C(biggest_logs),
      C(recent_webroot_changes), C(local_http).
  returned: always
  type: dict
  sample:
    webserver: nginx
    services:
      php8.2-fpm: {unit: php8.2-fpm, role: php-fpm, active: inactive, sub: dead, running: false}
    config_test: {command: nginx -t, ok: true, output: "nginx: configuration file test is successful"}
    disk:
      - {path: /, mount: /, used_pct: 41.5, free_bytes: 10737418240, inodes_used_pct: 8.1}
    failed_units: {checked: true, count: 1, units: [{unit: logrotate.service, load: loaded, sub: failed}]}
    backup: {found: true, status: ok, age_hours: 3.5}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.diagnosis.server_evidence import SECTIONS, gather


def main():
    module = AnsibleModule(
        argument_spec=dict(
            webserver=dict(type="str", choices=["nginx", "apache"]),
            webroot=dict(type="path", default="/var/www/html"),
            domain=dict(type="str", default=""),
            keyword=dict(type="str", default="", no_log=False),
            cms=dict(type="str", default="custom"),
            disk_paths=dict(type="list", elements="path", default=["/", "/var", "/var/log", "/tmp"]),
            log_dirs=dict(type="list", elements="path", default=["/var/log"]),
            error_lines=dict(type="int", default=20),
            updates=dict(type="bool", default=True),
            updates_timeout=dict(type="int", default=60),
            backup_status_file=dict(type="path", default="/var/lib/pn-website/backup-status.json"),
            http=dict(type="bool", default=True),
            http_port=dict(type="int", default=80),
            recent_hours=dict(type="int", default=24),
            sections=dict(type="list", elements="str", choices=list(SECTIONS)),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for key in ("error_lines", "updates_timeout", "recent_hours"):
        if params[key] <= 0:
            module.fail_json(msg="%s must be greater than 0, got %s" % (key, params[key]))
    options = dict((key, value) for key, value in params.items())
    try:
        evidence = gather(options)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, evidence=evidence)


if __name__ == "__main__":
    main()
