#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: renewal_check
short_description: Check the domain, TLS certificates, hosting and connection contracts of a court (SOP W4)
version_added: "0.1.0"
description:
  - Carries out the checks behind SOP activity W4 (Mengupdate siklus pelayanan jasa koneksi, hosting dan
    nama domain). It reads the domain registration (expiry, registrar, status such as C(serverHold), name
    servers) over RDAP, with the IANA DNS bootstrap file and the .id registry (PANDI) for .id and .go.id
    names, or over WHOIS (TCP port 43) for registries without RDAP.
  - Checks the TLS certificate of every host name the court serves (O(court_hostnames)), connecting to
    the address given by O(court_probe_resolve) when set while keeping SNI = the host name. Expiry levels
    are proportional to the certificate lifetime (warning under 1/3 of the lifetime, at most 30 days;
    critical under 1/10 or 7 days, at most 14 days).
  - Computes the days left on every contract in O(court_services) and names the renewal action and whom
    to contact, in Indonesian or English.
  - Each threshold of O(court_renewal_thresholds_days) is notified once per item and re-arms when the date
    moves forward (the service was renewed); the memory of what was notified is O(state) or O(state_file).
  - Runs on the controller (use C(delegate_to=localhost)); it never logs in to the court server.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
attributes:
  check_mode:
    support: full
    details: All checks are read-only; in check mode O(state_file) is not written.
options:
  court_name:
    description: Name of the court.
    type: str
    required: true
  court_id:
    description: Key of the court in the state (use C(inventory_hostname)). Defaults to O(court_name).
    type: str
  court_domain:
    description: The registered domain name of the court, for example C(pn-bangil.go.id).
    type: str
  court_hostnames:
    description: Every host name served; their TLS certificates are checked. Defaults to O(court_domain).
    type: list
    elements: str
    default: []
  court_probe_resolve:
    description: Address overrides C(HOST:PORT:ADDR) as in curl C(--resolve).
    type: list
    elements: str
    default: []
  court_services:
    description:
      - Contracts with C(kind) (domain, hosting or connection), C(provider), C(service), C(paid_until)
        (YYYY-MM-DD), C(invoice), C(cost) and C(contact) (C(name), C(phone), C(email)).
    type: list
    elements: dict
    default: []
  court_contacts:
    description: Contacts of the court; C(third_parties) (with C(role)) and C(sekretaris) are used.
    type: dict
    default: {}
  court_renewal_thresholds_days:
    description: Days before a date at which a reminder is raised, each once.
    type: list
    elements: int
    default: [90, 60, 30, 14, 7]
  checks:
    description: Which checks to run.
    type: list
    elements: str
    choices: [domain, tls, contracts]
    default: [domain, tls, contracts]
  rdap_base_urls:
    description:
      - RDAP base URL per TLD or suffix, for example C(id) mapped to C(https://rdap.pandi.id/rdap/), taking
        precedence over the bootstrap file.
    type: dict
    default: {}
  rdap_bootstrap_url:
    description: URL of the IANA DNS bootstrap file to refresh from. Without it the copy shipped with the
      collection is used.
    type: str
  rdap_bootstrap_file:
    description: A local bootstrap file to use instead of any download.
    type: path
  rdap_bootstrap_cache:
    description: Where the downloaded bootstrap file is cached.
    type: path
  rdap_bootstrap_max_age:
    description: Maximum age of the cached bootstrap file, in seconds.
    type: int
    default: 604800
  whois_servers:
    description: WHOIS server C(host:port) per TLD or suffix, or C(*) for all, for registries without RDAP
      and as fallback when RDAP fails.
    type: dict
    default: {}
  iana_whois:
    description: WHOIS server asked for the referral when no server is known for a TLD; empty to disable.
    type: str
    default: whois.iana.org:43
  tls_port:
    description: Port of the HTTPS service.
    type: int
    default: 443
  tls_ca_file:
    description: CA bundle to verify the certificate chains with, instead of the system store.
    type: path
  timeout:
    description:
      - Time limit of each lookup (RDAP, WHOIS or TLS), in seconds.
      - It bounds the whole exchange, redirects included, not each read, so a server that answers
        byte by byte cannot hold the run longer.
    type: float
    default: 10
  workflow:
    description:
      - The renewal steps people recorded for this court (C(sopansible renewals record)), keyed by the
        contract's item id (C(kind:provider:service)); each step has C(stage) (invoice, requested, paid,
        renewed), C(date), C(who) and for C(renewed) the new C(paid_until).
      - The contract's C(paid_until) in O(court_services) is the starting point; a later date recorded by a
        C(renewed) step replaces it.
    type: dict
    default: {}
  state:
    description: The notification state from an earlier run (the whole dict, keyed by court).
    type: dict
    default: {}
  state_file:
    description:
      - JSON file on the controller holding the notification state; read, and written unless in check
        mode. Several courts may share one file.
      - With O(state_store=true) and sopansible installed, only read for a court the history store has no
        state of yet, to take over the file of earlier versions.
    type: path
  state_store:
    description:
      - Keep the court's notification state in the sopansible history store (C(SOPANSIBLE_DB), or
        C(history.sqlite) in C(SOPANSIBLE_DATA)) instead of O(state_file), so that a job in a fresh
        container (AWX) announces each threshold once, as the last job left it.
      - The module's action plugin reads the state there and writes it back (not in check mode), one
        transaction per court, on the controller. A store that cannot be reached is a warning; the court
        is checked without the stored state, which is left as it is.
      - Without sopansible on the controller, O(state_file) is used as with V(false), with a warning.
    type: bool
    default: false
  today:
    description: The date to compute days left from (YYYY-MM-DD); defaults to today.
    type: str
  lang:
    description: Language of messages, actions and the summary.
    type: str
    choices: [id, en]
    default: id
notes:
  - Rate limits (HTTP 429 with Retry-After), server errors and unreachable hosts are findings, not failures.
seealso:
  - name: RFC 9224 (RDAP bootstrap)
    description: Finding the authoritative RDAP service.
    link: https://www.rfc-editor.org/rfc/rfc9224
"""

EXAMPLES = r"""
- name: Check domain, TLS and service contracts of the court
  pn.website.renewal_check:
    court_id: "{{ inventory_hostname }}"
    court_name: "{{ court_name }}"
    court_domain: "{{ court_domain }}"
    court_hostnames: "{{ court_hostnames | default([court_domain]) }}"
    court_services: "{{ court_services | default([]) }}"
    court_contacts: "{{ court_contacts | default({}) }}"
    state_file: /var/lib/sopansible/state/renewals.json
  delegate_to: localhost
  register: renewal

- name: Use the .id registry RDAP service and a WHOIS server for another TLD
  pn.website.renewal_check:
    court_name: Pengadilan Negeri Bangil
    court_domain: pn-bangil.go.id
    rdap_base_urls:
      id: https://rdap.pandi.id/rdap/
    whois_servers:
      com: whois.verisign-grs.com:43
    checks: [domain]
    lang: en
  delegate_to: localhost
"""

RETURN = r"""
status:
  description: Worst status of the court's items.
  returned: always
  type: str
  choices: [ok, warning, critical]
summary:
  description: One-line summary for the report, in O(lang).
  returned: always
  type: str
items:
  description: One entry per domain, certificate and contract, with C(id), C(kind), C(name), C(date),
    C(days_left), C(threshold), C(status), C(action) and C(contact).
  returned: always
  type: list
  elements: dict
findings:
  description: Problems found, each with C(rule), C(severity), C(message), C(evidence), C(action), C(contact)
    and C(notify) (true when the threshold was reached for the first time).
  returned: always
  type: list
  elements: dict
notifications:
  description: The findings to send now (C(notify) true).
  returned: always
  type: list
  elements: dict
state:
  description: The updated notification state of this court, keyed by O(court_id).
  returned: always
  type: dict
state_written:
  description: Whether O(state_file) (or, with O(state_store), the history store) was updated.
  returned: always
  type: bool
sop_result:
  description: The C(pn_sop_result) fact for activity W4.
  returned: always
  type: dict
  sample:
    activity: W4
    status: warning
    summary: "5 layanan diperiksa; 1 perlu tindakan: ..."
    outputs: {}
    findings: []
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.renewals import domain_expiry, renewals


def main():
    module = AnsibleModule(
        argument_spec=dict(
            court_name=dict(type="str", required=True),
            court_id=dict(type="str"),
            court_domain=dict(type="str"),
            court_hostnames=dict(type="list", elements="str", default=[]),
            court_probe_resolve=dict(type="list", elements="str", default=[]),
            court_services=dict(type="list", elements="dict", default=[]),
            court_contacts=dict(type="dict", default={}),
            court_renewal_thresholds_days=dict(type="list", elements="int", default=[90, 60, 30, 14, 7]),
            checks=dict(
                type="list",
                elements="str",
                choices=["domain", "tls", "contracts"],
                default=["domain", "tls", "contracts"],
            ),
            rdap_base_urls=dict(type="dict", default={}),
            rdap_bootstrap_url=dict(type="str"),
            rdap_bootstrap_file=dict(type="path"),
            rdap_bootstrap_cache=dict(type="path"),
            rdap_bootstrap_max_age=dict(type="int", default=604800),
            whois_servers=dict(type="dict", default={}),
            iana_whois=dict(type="str", default="whois.iana.org:43"),
            tls_port=dict(type="int", default=443),
            tls_ca_file=dict(type="path"),
            timeout=dict(type="float", default=10),
            workflow=dict(type="dict", default={}),
            state=dict(type="dict", default={}),
            state_file=dict(type="path"),
            state_store=dict(type="bool", default=False),
            today=dict(type="str"),
            lang=dict(type="str", choices=["id", "en"], default="id"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    today = None
    if p["today"]:
        try:
            today = datetime.datetime.strptime(p["today"], "%Y-%m-%d").date()
        except ValueError:
            module.fail_json(msg="today: %r is not a date YYYY-MM-DD" % p["today"])

    court = {
        key: p[key]
        for key in (
            "court_name",
            "court_domain",
            "court_hostnames",
            "court_probe_resolve",
            "court_services",
            "court_contacts",
            "court_renewal_thresholds_days",
        )
    }
    court_id = p["court_id"] or p["court_name"]
    state = p["state"] or {}
    # With state_store the action plugin hands the court's state in and keeps the one returned.
    state_file = None if p["state_store"] else p["state_file"]
    if state_file:
        state = renewals.load_state(state_file)

    def bootstrap_loader():
        loaded = domain_expiry.load_bootstrap(
            url=p["rdap_bootstrap_url"],
            cache_file=p["rdap_bootstrap_cache"],
            max_age=p["rdap_bootstrap_max_age"],
            file=p["rdap_bootstrap_file"],
            timeout=p["timeout"],
        )
        return loaded["data"]

    options = renewals.check_options(
        p["checks"],
        rdap_overrides=p["rdap_base_urls"],
        whois_servers=p["whois_servers"],
        iana_whois=p["iana_whois"] or None,
        bootstrap_loader=bootstrap_loader,
        tls_port=p["tls_port"],
        tls_ca_file=p["tls_ca_file"],
        timeout=p["timeout"],
        workflow=p["workflow"],
    )
    try:
        result = renewals.check_court(
            court, state=state, court_id=court_id, today=today, lang=p["lang"], options=options
        )
    except (ValueError, OSError, domain_expiry.BootstrapError) as exc:
        module.fail_json(msg="%s: %s" % (court_id, exc))

    written = False
    if state_file and not module.check_mode:
        try:
            renewals.save_court_state(state_file, result["court"], result["state"].get(result["court"], {}))
            written = True
        except OSError as exc:
            module.fail_json(msg="state_file %s: %s" % (state_file, exc))

    module.exit_json(
        changed=False,
        status=result["status"],
        summary=result["summary"],
        items=result["items"],
        findings=result["findings"],
        notifications=result["notifications"],
        state={result["court"]: result["state"].get(result["court"], {})},
        state_written=written,
        sop_result=renewals.sop_result(result),
    )


if __name__ == "__main__":
    main()
