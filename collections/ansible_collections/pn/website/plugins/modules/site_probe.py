#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: site_probe
short_description: Probe many court websites concurrently (availability, TLS, freshness, gambling spam)
version_added: 0.1.0
description:
  - Probes a list of court websites from the controller in one process, many sites at a time, each
    bounded by its own connect, read and total timeouts; a slow or dead site never delays the others
    beyond its timeout.
  - Per site it reports availability and the reason when unavailable (dns, connect, tls, timeout, http),
    the HTTP status, the redirect chain, the response time, TLS validity, protocol and days to
    certificate expiry (C(tls-expiring) as W4 judges it, by the share of the certificate's lifetime
    left), whether the expected keyword (the court's name) is on the homepage, and the
    date of the newest content (RSS/Atom feed, sitemap, Last-Modified or a content fingerprint).
  - Detects online-gambling spam (in the homepage, and in the posts of the site's feed, which a CMS
    publishes whole), defacement, hidden links, cloaking (different content for Googlebot or for
    visitors coming from Google search, including gambling links only they get on a site that already
    shows spam to everyone), new outbound link domains and changes of the sitemap and robots.txt
    against a stored baseline.
  - Each finding has a stable rule id, a severity and messages in Bahasa Indonesia and English.
  - Run it once for all courts with C(run_once) and C(delegate_to=localhost); the
    C(pn.website.monitor) role does this.
options:
  sites:
    description: The sites to probe.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unique name of the site (usually the inventory host name); results are keyed by it.
        type: str
        required: true
      url:
        description: Homepage URL (http or https).
        type: str
        required: true
      keyword:
        description: Text expected on the homepage, usually the court's name.
        type: str
      max_age_days:
        description: Newest content older than this many days is reported as C(content-stale).
        type: int
        default: 14
      hostnames:
        description:
          - Every other host name the court serves (for example V(www.) and V(sipp.) names). Each is
            fetched once over the scheme of O(sites[].url) and reported as C(unavailable),
            C(tls-invalid) or C(tls-expiring) when it fails; the full content checks run on O(sites[].url).
        type: list
        elements: str
        default: []
      resolve:
        description:
          - curl-style C(HOST:PORT:ADDR) overrides; the connection goes to ADDR while the TLS server
            name and the Host header stay HOST.
        type: list
        elements: str
        default: []
      state:
        description:
          - Probe state of the previous run (fingerprint, baselines, history).
          - Used when I(state_dir) is not set.
        type: dict
      accept_baseline:
        description: Accept the outbound link domains found now as the site's new baseline.
        type: bool
        default: false
  state_dir:
    description:
      - Directory on the controller holding one C(<name>.json) state file per site. The state is read
        before and written after the probe (not in check mode).
      - With O(state_store=true) and sopansible installed, only read, once per site, to take over the
        files of earlier versions.
    type: path
  state_store:
    description:
      - Keep the probe state of every site in the sopansible history store (C(SOPANSIBLE_DB), or
        C(history.sqlite) in C(SOPANSIBLE_DATA)) instead of O(state_dir), so that a job in a fresh
        container (AWX) continues from the state the last job left.
      - The module's action plugin reads the state there before the probe and writes it back after
        (not in check mode), on the controller; neither the state nor the store goes through the
        job's output. A store that cannot be reached is a warning; the sites are probed without their
        stored state, which is left as it is.
      - Without sopansible on the controller, O(state_dir) is used as with V(false), with a warning.
    type: bool
    default: false
  connect_timeout:
    description: Seconds allowed for name resolution, TCP connect and TLS handshake.
    type: float
    default: 5
  read_timeout:
    description: Seconds allowed between two reads of a response.
    type: float
    default: 10
  total_timeout:
    description: Seconds allowed for all requests of one site.
    type: float
    default: 30
  concurrency:
    description: Number of sites probed at the same time.
    type: int
    default: 100
  ca_file:
    description: PEM file of the certificate authorities to trust instead of the system store.
    type: path
  cloaking:
    description: Fetch the homepage also as Googlebot and as a visitor from Google search and compare.
    type: bool
    default: true
  freshness:
    description: Determine the date of the newest content.
    type: bool
    default: true
  baselines:
    description: Compare outbound link domains, sitemap and robots.txt with the stored baseline.
    type: bool
    default: true
  details:
    description:
      - Return the full per-site measurements in I(probes). With C(false) only I(sop_results) and
        I(summary) are returned, which keeps runs over hundreds of courts light.
    type: bool
    default: true
  lang:
    description: Language of the C(message) of findings in I(sop_results).
    type: str
    choices: [id, en]
    default: id
extends_documentation_fragment:
  - pn.website.attributes
attributes:
  check_mode:
    support: full
    details: Probes run (they only read the sites); state files are not written.
author:
  - pn.website maintainers (@pn-website)
"""

EXAMPLES = r"""
- name: Probe all courts of the play from the controller
  pn.website.site_probe:
    sites:
      - name: pn-bangil
        url: https://pn-bangil.go.id/
        keyword: Pengadilan Negeri Bangil
        max_age_days: 14
    state_dir: /srv/sopansible/var/state/monitor
  run_once: true
  delegate_to: localhost
  register: probe

- name: Probe a demo court on loopback
  pn.website.site_probe:
    sites:
      - name: demo
        url: https://pn-demo.go.id:8443/
        resolve: ["pn-demo.go.id:8443:127.0.0.1"]
    ca_file: /srv/demo/ca.pem
  delegate_to: localhost
"""

RETURN = r"""
probes:
  description:
    - Per-site results keyed by site name (the full measurement).
    - Without the C(state) when O(state_dir) or O(state_store) is set (the state is kept there).
  returned: when I(details=true)
  type: dict
  sample:
    pn-bangil:
      reachable: true
      reason: null
      status: 200
      response_ms: 182.4
      redirects: [{url: "http://pn-bangil.go.id/", status: 301, location: "https://pn-bangil.go.id/"}]
      tls: {verified: true, protocol: TLSv1.3, days_left: 61.2, not_after: "2027-01-23T00:00:00+00:00"}
      keyword: {expected: Pengadilan Negeri Bangil, found: true}
      freshness: {source: feed, newest: "2026-11-21T03:00:00+00:00", age_days: 2.3, stale: false}
      findings: []
sop_results:
  description: The C(pn_sop_result) (activity W1) of each site, keyed by site name.
  returned: always
  type: dict
summary:
  description: Counts over all sites.
  returned: always
  type: dict
  sample: {sites: 120, reachable: 117, with_findings: 9, critical: 3, duration_s: 8.1}
"""

import json
import os
import re
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.monitoring.site_probe import probe, sop_result

SITE_SPEC = dict(
    name=dict(type="str", required=True),
    url=dict(type="str", required=True),
    keyword=dict(type="str", no_log=False),
    max_age_days=dict(type="int", default=14),
    hostnames=dict(type="list", elements="str", default=[]),
    resolve=dict(type="list", elements="str", default=[]),
    state=dict(type="dict"),
    accept_baseline=dict(type="bool", default=False),
)


def state_path(state_dir, name):
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "_"
    return os.path.join(state_dir, safe + ".json")


def read_state(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a damaged state file only costs the baselines; the probe still runs
    return data if isinstance(data, dict) else {}


def write_state(path, state):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main():
    module = AnsibleModule(
        argument_spec=dict(
            sites=dict(type="list", elements="dict", required=True, options=SITE_SPEC),
            state_dir=dict(type="path"),
            connect_timeout=dict(type="float", default=5.0),
            read_timeout=dict(type="float", default=10.0),
            total_timeout=dict(type="float", default=30.0),
            concurrency=dict(type="int", default=100),
            ca_file=dict(type="path"),
            cloaking=dict(type="bool", default=True),
            freshness=dict(type="bool", default=True),
            baselines=dict(type="bool", default=True),
            state_store=dict(type="bool", default=False),
            details=dict(type="bool", default=True),
            lang=dict(type="str", choices=["id", "en"], default="id"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    sites = params["sites"]
    names = [site["name"] for site in sites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg="duplicate site names: %s" % ", ".join(duplicates))
    for key in ("connect_timeout", "read_timeout", "total_timeout", "concurrency"):
        if params[key] <= 0:
            module.fail_json(msg="%s must be greater than 0, got %s" % (key, params[key]))
    if params["ca_file"] and not os.path.isfile(params["ca_file"]):
        module.fail_json(msg="ca_file %s does not exist" % params["ca_file"])

    # With state_store the action plugin hands each site its state and keeps what comes back.
    state_dir = None if params["state_store"] else params["state_dir"]
    if state_dir:
        if not os.path.isdir(state_dir):
            if module.check_mode:
                state_dir_exists = False
            else:
                try:
                    os.makedirs(state_dir, exist_ok=True)
                except OSError as exc:
                    module.fail_json(msg="cannot create state_dir %s: %s" % (state_dir, exc))
                state_dir_exists = True
        else:
            state_dir_exists = True
        for site in sites:
            if site.get("state") is None:
                site["state"] = read_state(state_path(state_dir, site["name"])) if state_dir_exists else {}

    options = dict(
        (key, params[key])
        for key in (
            "connect_timeout",
            "read_timeout",
            "total_timeout",
            "concurrency",
            "ca_file",
            "cloaking",
            "freshness",
            "baselines",
        )
    )
    started = time.monotonic()
    found = probe(sites, options)
    duration = time.monotonic() - started

    changed = False
    results, sop_results, states = {}, {}, {}
    for result in found:
        name = result["name"]
        if params["state_store"]:
            states[name] = result.pop("state")
        elif state_dir:
            state = result.pop("state")
            if not module.check_mode:
                try:
                    write_state(state_path(state_dir, name), state)
                except OSError as exc:
                    module.fail_json(msg="cannot write the probe state of %s: %s" % (name, exc))
                changed = True
        results[name] = result
        sop_results[name] = sop_result(result, params["lang"])

    summary = {
        "sites": len(found),
        "reachable": sum(1 for r in found if r["reachable"]),
        "with_findings": sum(1 for r in found if r["findings"]),
        "critical": sum(1 for r in sop_results.values() if r["status"] == "critical"),
        "warning": sum(1 for r in sop_results.values() if r["status"] == "warning"),
        "duration_s": round(duration, 2),
    }
    output = dict(changed=changed, sop_results=sop_results, summary=summary)
    if params["state_store"]:
        output["states"] = states  # for the action plugin, which keeps them and takes them out
    if params["details"]:
        output["probes"] = results
    module.exit_json(**output)


if __name__ == "__main__":
    main()
