#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: free_log_space
short_description: Free disk space taken by oversized log files on a court server (SOP W7)
version_added: "0.1.0"
description:
  - Shrinks every log file larger than O(max_size_mb) under O(paths) to its last O(keep_size_mb). The part
    cut off is compressed next to the log first (C(NAME.TIMESTAMP.cut.gz)); when the disk is too full even
    for that, the part is discarded and reported in C(discarded_bytes).
  - Compressed files are left alone; run C(logrotate -f) before to rotate and compress the usual way.
  - Files are changed in place, so services keep writing to them without a restart.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
attributes:
  check_mode:
    support: full
    details: In check mode the files that would be shrunk are reported and nothing is changed.
options:
  paths:
    description: Directories searched for log files.
    type: list
    elements: path
    default: [/var/log]
  max_size_mb:
    description: Log files larger than this are shrunk.
    type: int
    default: 50
  keep_size_mb:
    description: Size kept at the end of each shrunk log.
    type: int
    default: 1
  target_used_pct:
    description:
      - When a file system holding the logs is fuller than this (percent), its biggest logs are shrunk too,
        biggest first, until it is below. Omit to shrink only by O(max_size_mb).
    type: float
"""

EXAMPLES = r"""
- name: Shrink logs over 50 MB
  pn.website.free_log_space:
    paths: [/var/log]
    max_size_mb: 50
"""

RETURN = r"""
files:
  description: Files shrunk, each C(path), C(size_before), C(size_after), C(archive), C(discarded_bytes).
  returned: always
  type: list
  elements: dict
freed_bytes:
  description: Bytes freed in the log files (before counting the compressed archives).
  returned: always
  type: int
filesystems:
  description:
    - With O(target_used_pct), each file system's usage before and after (C(path), C(used_pct_before),
      C(used_pct_after)).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.diagnosis.server_evidence import free_log_space


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=["/var/log"]),
            max_size_mb=dict(type="int", default=50),
            keep_size_mb=dict(type="int", default=1),
            target_used_pct=dict(type="float"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["max_size_mb"] <= 0 or p["keep_size_mb"] < 0 or p["keep_size_mb"] >= p["max_size_mb"]:
        module.fail_json(msg="need 0 <= keep_size_mb < max_size_mb and max_size_mb > 0")
    mb = 1024 * 1024
    try:
        result = free_log_space(
            p["paths"],
            p["max_size_mb"] * mb,
            p["keep_size_mb"] * mb,
            module.check_mode,
            target_used_pct=p["target_used_pct"],
        )
    except OSError as exc:
        module.fail_json(msg="cannot shrink the logs: %s" % exc)
    module.exit_json(changed=bool(result["files"]), **result)


if __name__ == "__main__":
    main()
