#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: hardening_audit
short_description: Audit the security configuration of a court web server (read-only)
version_added: "0.1.0"
description:
  - Checks every control of the pn.website hardening roles on the court server and reports, per control,
    a stable id (for example C(ssh-root-login), C(web-server-tokens), C(web-php-in-uploads), C(php-expose),
    C(db-local-infile)), a short Indonesian and English description, the status C(pass), C(fail) or
    C(skip) (not applicable, for example sysctl inside a container), the observed and the expected value.
  - Areas are SSH (effective C(sshd -T) settings), the web server (headers, version banner, TLS, sensitive
    files, PHP in upload folders, probed over loopback HTTP with the court's Host header), PHP-FPM
    (C(php-fpm -i)), MariaDB (read-only queries over the root unix socket), the operating system,
    the firewall (nftables, fail2ban jails) and the CMS files (configuration file mode, paths writable
    by the web server).
  - With O(ssh_login_user) the control C(ssh-login-access) tells whether that account could still log in
    under O(sshd_config) with the key Ansible uses (O(ssh_login_keys), and the key sshd logged for the
    session O(ssh_client_port)); the pn.website.ssh_hardening role uses it on a candidate configuration to
    refuse changes that would lock Ansible out.
  - Never changes anything on the server.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.READ_ONLY
  - pn.website.attributes.SERVER
options:
  areas:
    description: Areas to audit.
    type: list
    elements: str
    choices: [ssh, web, php, db, os, firewall, cms]
    default: [ssh, web, php, db, os, firewall, cms]
  skip_controls:
    description: Control ids to report as skipped (accepted risks).
    type: list
    elements: str
    default: []
  webserver:
    description: C(nginx) or C(apache); detected from the running services when not given.
    type: str
    choices: [nginx, apache]
  domain:
    description: Host name sent in the Host header of the loopback HTTP probes (the court's primary domain).
    type: str
  http_port:
    description: Local HTTP port of the web server.
    type: int
    default: 80
  https_port:
    description: Local HTTPS port of the web server.
    type: int
    default: 443
  webroot:
    description: Document root of the court site.
    type: path
    default: /var/www/html
  cms:
    description: CMS of the site; selects the configuration file, writable paths and PHP functions checked.
    type: str
    choices: [wordpress, joomla, codeigniter, laravel, custom, static]
    default: custom
  cms_config_file:
    description: CMS configuration file (absolute, or relative to O(webroot)); default follows O(cms).
    type: str
  upload_dirs:
    description: Upload folders relative to O(webroot) where PHP must not run.
    type: list
    elements: str
    default: [uploads, wp-content/uploads, images]
  writable_paths:
    description: Paths relative to O(webroot) the web server may write to; default follows O(cms).
    type: list
    elements: str
  web_user:
    description: Account the web server and PHP-FPM run as.
    type: str
    default: www-data
  https:
    description: Whether the site is served over HTTPS (the session cookie must then be Secure).
    type: bool
    default: true
  db_bind_addresses:
    description: Extra addresses MariaDB may listen on besides localhost (for a separate web server).
    type: list
    elements: str
    default: []
  php_required_disabled:
    description: PHP functions that must be disabled; default follows O(cms).
    type: list
    elements: str
  unneeded_services:
    description: systemd units that must not be active.
    type: list
    elements: str
  sshd_config:
    description: sshd main configuration to evaluate (a candidate configuration may be given).
    type: path
    default: /etc/ssh/sshd_config
  ssh_login_user:
    description: Account that must keep its key login (the account Ansible connects with).
    type: str
  ssh_client_addr:
    description: Address the O(ssh_login_user) connects from, for C(Match) blocks and C(from=) key options.
    type: str
  ssh_client_port:
    description:
      - Source port of the SSH session Ansible runs over (from C(SSH_CONNECTION)). The key (or password) sshd
        logged for that session must stay usable for O(ssh_login_user).
    type: int
  ssh_login_keys:
    description:
      - Public keys (C(TYPE BASE64)) or C(SHA256:) fingerprints of the keys Ansible logs in with, from the
        controller. Each must stay authorized for O(ssh_login_user) under O(sshd_config) (in its authorized
        keys files, usable from O(ssh_client_addr), not expired, without a forced command, of a type
        C(PubkeyAcceptedAlgorithms) accepts).
      - With neither this nor O(ssh_client_port), any authorized key of the account counts.
    type: list
    elements: str
    default: []
  ssh_max_auth_tries:
    description: Highest acceptable MaxAuthTries.
    type: int
    default: 4
  web_login_jail:
    description: Name of the fail2ban jail protecting the web admin login.
    type: str
    default: pn-web-login
  ssh_jail:
    description: Name of the fail2ban jail protecting SSH.
    type: str
    default: sshd
  lang:
    description: Language of the finding messages.
    type: str
    choices: [id, en]
    default: id
"""

EXAMPLES = r"""
- name: Audit the court server
  pn.website.hardening_audit:
    domain: "{{ court_domain }}"
    webroot: "{{ court_webroot }}"
    webserver: "{{ court_webserver }}"
    cms: "{{ court_cms }}"
  become: true
  register: audit

- name: Would this sshd configuration lock the operator out?
  pn.website.hardening_audit:
    areas: [ssh]
    sshd_config: /tmp/candidate/sshd_config
    ssh_login_user: sopadmin
  become: true
  register: guard
"""

RETURN = r"""
controls:
  description: One entry per control.
  returned: always
  type: list
  elements: dict
  sample:
    - id: ssh-root-login
      area: ssh
      severity: high
      status: pass
      passed: true
      description: {id: Login root dengan kata sandi ditolak, en: Root cannot log in with a password}
      observed: "no"
      expected: no / prohibit-password
      detail: ""
score:
  description: Percentage of passed controls among passed and failed ones.
  returned: always
  type: float
  sample: 87.5
counts:
  description: Number of controls per status.
  returned: always
  type: dict
  sample: {pass: 30, fail: 4, skip: 3}
container:
  description: Container type when the server is a container (sysctl, time and firewall controls are skipped).
  returned: always
  type: str
sshd:
  description: Effective sshd settings of O(sshd_config) (C(sshd -T), lower-case keywords).
  returned: when the ssh area is audited and sshd is installed
  type: dict
sshd_sources:
  description: Per managed keyword, the files setting it outside Match blocks, in reading order (first wins).
  returned: when the ssh area is audited and sshd is installed
  type: dict
findings:
  description: SOP findings (C(rule) = control id) for the failed controls.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.hardening.hardening_audit import (
    AuditError,
    audit,
    findings,
)

AREAS = ["ssh", "web", "php", "db", "os", "firewall", "cms"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            areas=dict(type="list", elements="str", choices=AREAS, default=AREAS),
            skip_controls=dict(type="list", elements="str", default=[]),
            webserver=dict(type="str", choices=["nginx", "apache"]),
            domain=dict(type="str"),
            http_port=dict(type="int", default=80),
            https_port=dict(type="int", default=443),
            webroot=dict(type="path", default="/var/www/html"),
            cms=dict(
                type="str",
                choices=["wordpress", "joomla", "codeigniter", "laravel", "custom", "static"],
                default="custom",
            ),
            cms_config_file=dict(type="str"),
            upload_dirs=dict(
                type="list", elements="str", default=["uploads", "wp-content/uploads", "images"]
            ),
            writable_paths=dict(type="list", elements="str"),
            web_user=dict(type="str", default="www-data"),
            https=dict(type="bool", default=True),
            db_bind_addresses=dict(type="list", elements="str", default=[]),
            php_required_disabled=dict(type="list", elements="str"),
            unneeded_services=dict(type="list", elements="str"),
            sshd_config=dict(type="path", default="/etc/ssh/sshd_config"),
            ssh_login_user=dict(type="str"),
            ssh_client_addr=dict(type="str"),
            ssh_client_port=dict(type="int"),
            ssh_login_keys=dict(type="list", elements="str", default=[], no_log=False),
            ssh_max_auth_tries=dict(type="int", default=4),
            web_login_jail=dict(type="str", default="pn-web-login"),
            ssh_jail=dict(type="str", default="sshd"),
            lang=dict(type="str", choices=["id", "en"], default="id"),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    lang = params.pop("lang")
    try:
        result = audit(params)
    except AuditError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, findings=findings(result, lang), **result)


if __name__ == "__main__":
    main()
