#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: access_log_audit
short_description: Summarise web access logs and detect suspicious activity on the server
version_added: "0.1.0"
description:
  - Reads Apache or nginx access logs (plain or gzip) where they are, on the court server, and returns
    only a visitor summary ("Log aktivitas pengunjung") and findings with evidence, never the logs.
  - Detects what the rules of O(rules) describe (the collection's rule file) - probing for missing
    pages, sensitive files, path traversal, SQL injection and XSS attempts, attack tools, webshell
    access and uploads, admin login brute force, WordPress and Joomla scans, known exploits (Log4Shell,
    ThinkPHP, PHPUnit, Apache traversal, OGNL, Shellshock, appliance CVEs), remote file inclusion,
    admin-interface probing, spam robots, non-HTTP data sent to the web port, fake Googlebots,
    online-gambling doorway pages served by the site, and bursts of server errors. Each finding has a
    stable rule id, a severity (higher when the site answered 2xx), the address, a count, first and
    last time seen, sample lines and the rule's references.
  - Reads Apache's combined, common and vhost_combined (Debian's C(other_vhosts_access.log)) formats
    and nginx's main format (combined with C($http_x_forwarded_for) after the user agent), each also
    behind a syslog prefix (nginx logging to syslog, as rsyslog or syslog-ng write it, with RFC 3164
    or ISO 8601 times, or as RFC 5424). The format is detected per file; with O(format=auto) a file that
    mixes formats is read line by line, and C(formats) tells how many lines of each were read.
  - Malformed, binary, truncated or very long lines are counted, never fatal. A truncated or corrupt
    gzip file is read up to the damage and reported in C(errors) with the number of lines read.
  - With O(read_state) the module reads only what is new since the previous run, following
    logrotate renames and compression (access.log -> access.log.1 -> access.log.2.gz), and returns
    the new state to store for the next run.
  - With O(state_file) the module keeps that state itself in a file on the server, so one task
    per court does the whole incremental analysis.
  - Requests from trusted addresses (O(trusted_addresses), and by default the controller running
    the module, see O(trust_controller)) are counted in the visitor summary but never raise
    findings, so the monitor's own probes (for example its Googlebot cloaking check) are not
    reported as attacks.
  - With O(rotated_dirs) the module also lists the rotated, compressed logs of those directories with
    their SHA-1 checksums (C(rotated)), for archiving them on the controller without another module
    run per court; the checksums are kept in O(state_file) so that a rotated log is hashed once, not
    every day. Without O(paths) it only lists them (the analysis switched off).
  - Reads the logs only; the only write is O(state_file), and never in check mode.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
attributes:
  check_mode:
    support: full
    details: Reads the logs only; O(state_file) is not written in check mode.
options:
  paths:
    description:
      - Access log files or glob patterns, for example C(/var/log/nginx/access.log) or
        C(/var/log/apache2/*access.log).
      - Omitted or empty, nothing is analysed; the module lists the rotated logs of O(rotated_dirs) and
        returns the W3 result of no new lines (with O(extra_findings)); the other analysis options are
        then ignored. One of O(paths) and O(rotated_dirs) is required.
    type: list
    elements: path
  format:
    description:
      - Log format. C(auto) detects it per file from its first lines and reads a line that does not
        fit it in the other formats (a file that mixes formats).
      - A named format reads every file in that format only; other lines count as malformed.
      - C(syslog_<format>) is that format behind a syslog prefix.
    type: str
    choices:
      - auto
      - vcombined
      - main
      - combined
      - common
      - syslog_vcombined
      - syslog_main
      - syslog_combined
      - syslog_common
    default: auto
  include_rotated:
    description: Also read the rotated siblings of each file (C(FILE.1), C(FILE.2.gz), ...), oldest first.
    type: bool
    default: false
  read_state:
    description:
      - State returned by the previous run (its C(read_state) result). When given (even empty), only
        complete lines not read before are analysed and a new state is returned.
      - Files are recognised by the hash of their first line, so renamed and compressed files resume
        where they stopped and truncated or new files are read from the start.
    type: dict
  state_file:
    description:
      - File on the server where the module keeps the read state between runs (JSON, mode 0600,
        parent directory created with mode 0750). Missing or unreadable state means read
        everything. Not written in check mode. Mutually exclusive with O(read_state).
    type: path
  rotated_dirs:
    description:
      - Directories whose rotated logs are listed in C(rotated), as M(ansible.builtin.find) with
        C(patterns=*.gz) lists them - the regular C(*.gz) files directly in each directory, not
        hidden ones, not in subdirectories, not through symbolic links.
      - A file is hashed (SHA-1 of its bytes) once; its checksum is kept in O(state_file) (or the
        returned C(read_state)) and reused while the file's inode, device, size and modification
        time all stay the same, so logrotate renaming C(access.log.2.gz) to C(access.log.3.gz) does
        not make it read again. Without O(state_file) or O(read_state) every file is hashed.
    type: list
    elements: path
  archive_dir:
    description:
      - The controller folder the court's rotated logs are archived in. Only named in C(archived_files) of
        RV(pn_sop_result); nothing is written there by this module.
    type: str
  max_rotated:
    description:
      - Most rotated logs listed. When the directories hold more, only the newest (by modification
        time) are listed and C(rotated_notes) and a warning say how many were found.
    type: int
    default: 2000
  extra_findings:
    description:
      - Findings an earlier step made about this court's logs, added to RV(pn_sop_result) (a court on shared
        hosting whose logs could not be copied), with the fields of the findings of an SOP result.
    type: list
    elements: dict
    default: []
  judged_status:
    description:
      - The W3 status an earlier step decided (C(failed) when a shared-hosting court's logs could not be
        copied), instead of the one the findings give.
    type: str
    choices: [ok, warning, critical, failed]
  trusted_addresses:
    description:
      - Addresses or networks (C(203.0.113.7), C(10.20.0.0/16), C(2001:db8::/48)) whose requests
        never raise findings; they are still counted in the summary.
    type: list
    elements: str
    default: []
  trust_controller:
    description:
      - Also trust the address the module is run from over SSH (the first word of
        C(SSH_CONNECTION), read from the environment of the module or of the SSH session it runs
        under, so also with C(become)).
    type: bool
    default: true
  thresholds:
    description:
      - Per-rule overrides, a mapping of rule id to C(count) (events that fire the rule) and C(window)
        (time window in seconds, 0 for the whole log). See the examples.
    type: dict
    default: {}
  rules:
    description:
      - The rule data, as in the collection's rule file C(plugins/module_utils/logs/access_log_rules.yml)
        (C(version) and C(rules)), read on the controller, for example with
        C(lookup('ansible.builtin.file', ...) | from_yaml); the M(pn.website.access_log_audit) task of
        the C(pn.website.logs) role passes it.
      - Also accepted as JSON text (C(... | from_yaml | to_json)). The role reads the file once per run
        and passes that text, one string to template per court on the controller instead of every value of
        the rules.
      - Omitted, the module reads the rule file itself, which works only where the collection and
        PyYAML are installed (the controller), not on a court server.
    type: dict
  extra_rules:
    description:
      - Rules of this court added to O(rules), with the same fields (id, severity, severity_served,
        messages, references, match, threshold, key, enabled). A rule with the id of one in O(rules)
        replaces it.
    type: list
    elements: dict
    default: []
  rule_overrides:
    description:
      - Per-rule changes, a mapping of rule id to C(enabled) (false switches the rule off),
        C(severity), C(severity_served), C(count) and C(window).
      - Any mistake in the rules or the overrides fails the task with a message naming the rule and
        the field.
    type: dict
    default: {}
  site_hosts:
    description: The site's own host names, left out of the referrer list.
    type: list
    elements: str
    default: []
  verify_dns:
    description:
      - Check Googlebot claims from addresses outside Google's published ranges with reverse and
        forward DNS before calling them fake.
    type: bool
    default: false
  top:
    description: Length of the top lists in the summary.
    type: int
    default: 10
  max_samples:
    description: Sample log lines kept per finding.
    type: int
    default: 5
notes:
  - Sample lines are the log lines as written, control characters escaped (C(\\x1b)); they are not
    HTML-escaped, so escape them before putting them into HTML (the reports of sopansible do).
  - Googlebot ranges are a copy shipped with the collection; refresh them with the collection.
"""

EXAMPLES = r"""
- name: Analyse today's and rotated nginx logs
  pn.website.access_log_audit:
    paths:
      - /var/log/nginx/access.log
    include_rotated: true
  register: weblog

- name: Incremental daily run, state kept on the controller, the rules tuned for this court
  pn.website.access_log_audit:
    paths: /var/log/apache2/access.log
    include_rotated: true
    read_state: "{{ weblog_state | default({}) }}"
    thresholds:
      admin-bruteforce:
        count: 5
        window: 300
    # the collection's rule file, read on the controller
    rules: "{{ lookup('ansible.builtin.file', pn_rules_file) | from_yaml }}"
    rule_overrides:
      spam-bot:
        enabled: false
    extra_rules:
      - id: court-sipp-admin
        severity: high
        messages:
          id: "Akses halaman admin SIPP dari luar: {count} permintaan."
          en: "SIPP admin page requested from outside: {count} requests."
        match:
          path: ^/sipp/admin
        threshold:
          count: 3
          window: 600
  vars:
    # the rule file of the collection, next to the playbooks of this repository
    pn_collection: "{{ playbook_dir }}/../collections/ansible_collections/pn/website"
    pn_rules_file: "{{ pn_collection }}/plugins/module_utils/logs/access_log_rules.yml"
  register: weblog

- name: One-task incremental run, state kept on the server, partner monitor trusted
  pn.website.access_log_audit:
    paths: /var/log/nginx/access.log
    include_rotated: true
    state_file: /var/lib/pn-website/access-log-state.json
    trusted_addresses:
      - 203.0.113.7
  register: weblog

- name: Also list the rotated logs to archive (checksums kept in the state file)
  pn.website.access_log_audit:
    paths: /var/log/nginx/access.log
    include_rotated: true
    state_file: /var/lib/pn-website/access-log-state.json
    rotated_dirs:
      - /var/log/nginx
  register: weblog

- name: Only list the rotated logs (no analysis)
  pn.website.access_log_audit:
    rotated_dirs:
      - /var/log/nginx
    state_file: /var/lib/pn-website/access-log-state.json
  register: rotated_logs
"""

RETURN = r"""
lines:
  description: Lines read (including malformed ones).
  returned: when paths was given
  type: int
  sample: 184210
malformed:
  description: Lines that did not match the log format.
  returned: when paths was given
  type: int
  sample: 3
format:
  description: The format of most of the lines read (C(unknown) when none was read).
  returned: when paths was given
  type: str
  sample: combined
formats:
  description: Well-formed lines read per format, most first.
  returned: when paths was given
  type: dict
  sample: {"combined": 184100, "syslog_combined": 107}
files:
  description: Files read in this run.
  returned: when paths was given
  type: list
  elements: str
summary:
  description:
    - Visitor summary, requests, unique visitors (address, day, user agent), status mix, bandwidth,
      top pages, documents, referrers, not-found paths and visitors, crawlers versus people, and
      daily, hourly and hour-of-day series for plots.
  returned: when paths was given
  type: dict
findings:
  description: Suspicious activity, worst first.
  returned: when paths was given
  type: list
  elements: dict
  contains:
    rule:
      description: Stable rule id.
      type: str
      sample: admin-bruteforce
    severity:
      description: info, low, medium, high or critical.
      type: str
    ip:
      description: Source address, null for site-wide rules (error-spike, gambling-doorway).
      type: str
    count:
      description: Matching requests.
      type: int
    first_seen:
      description: ISO 8601 time of the first matching request.
      type: str
    last_seen:
      description: ISO 8601 time of the last matching request.
      type: str
    samples:
      description: Sample log lines as written (control characters escaped, not HTML-escaped).
      type: list
      elements: str
    message:
      description: Explanation in Bahasa Indonesia (C(message_en) in English).
      type: str
    evidence:
      description: Rule-specific details (status codes, distinct paths, top addresses).
      type: dict
status:
  description: ok, warning or critical, from the worst finding (for the SOP result).
  returned: when paths was given
  type: str
pn_sop_result:
  description:
    - The court's W3 result, judged here so that the role needs no further task per court (the sopansible
      history records it from the task's result like the fact a play sets). It holds the summary in Bahasa
      Indonesia, the engine's findings and O(extra_findings), the status (or O(judged_status)), and as
      outputs C(lines), C(malformed), C(format), C(formats), C(unreadable_logs) (the C(errors)),
      C(files), C(summary) and C(archived_files).
    - C(archived_files) - with O(archive_dir), where each rotated log listed is kept on the controller
      (O(archive_dir)/C(name) of RV(rotated)), once the role has copied those not there yet; empty
      otherwise.
  returned: always
  type: dict
read_state:
  description:
    - State to pass as O(read_state) next time (only when O(read_state) was given). With
      O(rotated_dirs), it also holds the checksums of the rotated logs listed.
  returned: when read_state or state_file was given
  type: dict
rotated:
  description: The rotated logs of O(rotated_dirs), sorted by path.
  returned: when rotated_dirs was given
  type: list
  elements: dict
  contains:
    path:
      description: The file's path.
      type: str
      sample: /var/log/nginx/access.log.2.gz
    checksum:
      description: SHA-1 of the file's bytes, in hexadecimal.
      type: str
      sample: 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed
    size:
      description: Size in bytes.
      type: int
    name:
      description:
        - The name it is archived under on the controller - its file name without the rotation number,
          and the first 16 hexadecimal digits of its checksum (logrotate renames C(access.log.2.gz) to
          C(access.log.3.gz) without changing it, so the checksum names it, and it is copied once).
      type: str
      sample: access.log-2aae6c35c94fcfb4.gz
    mtime:
      description: Modification time, seconds since the epoch.
      type: float
rotated_notes:
  description:
    - What O(rotated_dirs) did not give - a directory that cannot be listed, a file that cannot be
      read, more files than O(max_rotated).
  returned: when rotated_dirs was given
  type: list
  elements: str
trusted_addresses:
  description: Addresses and networks that were trusted (including the controller's).
  returned: when paths was given
  type: list
  elements: str
  sample: ["10.88.0.1"]
errors:
  description:
    - Files that could not be read, or not entirely (a truncated or corrupt gzip file), with the
      reason (C(error), naming the file) and, for a damaged gzip file, C(lines_read) before the damage.
  returned: when paths was given
  type: list
  elements: dict
  sample:
    - path: /var/log/nginx/access.log.2.gz
      lines_read: 336
      error: >-
        /var/log/nginx/access.log.2.gz: corrupt gzip data (Error -3 while decompressing data);
        336 lines read up to where the file breaks, the rest of it is lost (...)
"""

import json
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.logs.access_log import analyze
from ansible_collections.pn.website.plugins.module_utils.logs.addresses import (
    parse_trusted,
    ssh_client_address,
)
from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import sop_status, w3_result
from ansible_collections.pn.website.plugins.module_utils.logs.log_files import list_rotated
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import FORMATS
from ansible_collections.pn.website.plugins.module_utils.logs.rule_set import RuleError, build, default_data
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SopResultError


def read_state_file(path):
    """(state, warning): the saved state, or an empty state and why when it cannot be used."""
    try:
        with open(path, "rb") as handle:
            state = json.loads(handle.read().decode("utf-8"))
    except (OSError, IOError) as exc:
        if not os.path.exists(path):
            return {}, None
        return {}, "cannot read %s (%s): reading the logs from the start" % (path, exc)
    except ValueError:
        return {}, "%s is not valid JSON: reading the logs from the start" % path
    if not isinstance(state, dict):
        return {}, "%s does not hold a state: reading the logs from the start" % path
    return state, None


def write_state_file(path, state):
    """Write the state atomically (temporary file in the same directory, then rename)."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o750)
    fd, tmp = tempfile.mkstemp(prefix=".access-log-state.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write((json.dumps(state, sort_keys=True) + "\n").encode("utf-8"))
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path"),
            format=dict(type="str", default="auto", choices=["auto"] + list(FORMATS)),
            include_rotated=dict(type="bool", default=False),
            read_state=dict(type="dict"),
            state_file=dict(type="path"),
            trusted_addresses=dict(type="list", elements="str", default=[]),
            trust_controller=dict(type="bool", default=True),
            thresholds=dict(type="dict", default={}),
            rules=dict(type="dict"),
            extra_rules=dict(type="list", elements="dict", default=[]),
            rule_overrides=dict(type="dict", default={}),
            site_hosts=dict(type="list", elements="str", default=[]),
            verify_dns=dict(type="bool", default=False),
            top=dict(type="int", default=10),
            max_samples=dict(type="int", default=5),
            rotated_dirs=dict(type="list", elements="path"),
            max_rotated=dict(type="int", default=2000),
            archive_dir=dict(type="str"),
            extra_findings=dict(type="list", elements="dict", default=[]),
            judged_status=dict(type="str", choices=["ok", "warning", "critical", "failed"]),
        ),
        mutually_exclusive=[["read_state", "state_file"]],
        required_one_of=[["paths", "rotated_dirs"]],
        supports_check_mode=True,
    )
    params = module.params
    state_in = params["read_state"]
    warnings = []
    if params["state_file"]:
        state_in, warning = read_state_file(params["state_file"])
        if warning:
            warnings.append(warning)
    if not params["paths"]:  # no logs to read: the analysis is off (or nothing was copied)
        result, state = {}, (dict(state_in) if state_in is not None else None)
    else:
        result, state = audit(module, state_in)
    if params["rotated_dirs"] is not None:
        if params["max_rotated"] < 1:
            module.fail_json(msg="max_rotated must be at least 1")
        cache = state_in.get("rotated") if isinstance(state_in, dict) else None
        rotated, cache, notes = list_rotated(params["rotated_dirs"], cache, params["max_rotated"])
        for item in rotated:
            item["name"] = archive_name(item["path"], item["checksum"])
        result["rotated"] = rotated
        result["rotated_notes"] = notes
        warnings.extend(notes)
        if state is not None:
            state["rotated"] = cache  # checksums kept with the read position, for the next run
    changed = False
    if state is not None:
        result["read_state"] = state
        if params["state_file"] and state != state_in:
            changed = True
            if not module.check_mode:
                try:
                    write_state_file(params["state_file"], state)
                except (OSError, IOError) as exc:
                    module.fail_json(msg="cannot write %s: %s" % (params["state_file"], exc))
    try:
        result["pn_sop_result"] = w3_result(result, params["extra_findings"], params["judged_status"])
    except SopResultError as exc:
        module.fail_json(msg="extra_findings: %s" % exc.message("en"))
    archive = params["archive_dir"]
    result["pn_sop_result"]["outputs"]["archived_files"] = (
        ["%s/%s" % (archive.rstrip("/"), item["name"]) for item in result.get("rotated", [])]
        if archive
        else []
    )
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=changed, **result)


def archive_name(path, checksum):
    """The name a rotated log is archived under (see RETURN): the same file renamed by logrotate keeps it."""
    return "%s-%s.gz" % (re.sub(r"\.[0-9]+\.gz$", "", os.path.basename(path)), checksum[:16])


def audit(module, state_in):
    """(result, new state) of the analysis of the logs of ``paths``."""
    params = module.params
    trusted = list(params["trusted_addresses"])
    try:
        parse_trusted(trusted)
    except ValueError as exc:
        module.fail_json(msg="trusted_addresses: %s" % exc)
    if params["trust_controller"]:
        controller = ssh_client_address()
        if controller and controller not in trusted:
            trusted.append(controller)
    data = params["rules"]
    if data is None:
        try:
            data = default_data()
        except (OSError, IOError, ImportError) as exc:
            module.fail_json(
                msg="rules: not given, and the collection's rule file cannot be read here (%s); pass "
                "the rule file's data (the pn.website.logs role does)" % exc
            )
    try:
        rule_set = build(data, params["extra_rules"], params["rule_overrides"], params["thresholds"])
    except RuleError as exc:
        module.fail_json(msg=str(exc))
    if params["top"] < 1 or params["max_samples"] < 0:
        module.fail_json(msg="top must be at least 1 and max_samples at least 0")
    try:
        result, state = analyze(
            params["paths"],
            fmt=params["format"],
            state=state_in,
            include_rotated=params["include_rotated"],
            rules=rule_set,
            dns=params["verify_dns"],
            site_hosts=params["site_hosts"],
            top=params["top"],
            max_samples=params["max_samples"],
            trusted=trusted,
            engine="python",  # court servers: the standard library only
        )
    except ValueError as exc:
        module.fail_json(msg="access log analysis: %s" % exc)
    if result["errors"] and not result["files"]:
        module.fail_json(msg="no access log could be read", errors=result["errors"])
    result["status"] = sop_status(result["findings"])
    result["trusted_addresses"] = trusted
    return result, state


if __name__ == "__main__":
    main()
