# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every module and action of the collection: what check mode and diff mode mean here. A module
    # states its own check mode support (or uses READ_ONLY); none of them returns a diff.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode, which reports what would be done and changes nothing.
  diff_mode:
    description: Returns no diff.
    support: none
"""

    # Use with the standard fragment: modules that only read.
    READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; it behaves the same in check mode.
"""

    # Use with the standard fragment: modules that run on a court server, a backup host or a scratch
    # host of a restore drill.
    SERVER = r"""
options: {}
attributes:
  platform:
    description: Operating systems of the hosts the module runs on.
    support: full
    platforms: debian
    details: Debian 11, 12 and 13, with Python 3.8 or later; no Python package beyond the standard library.
"""

    # Use with the standard fragment and READ_ONLY: action plugins that run on the controller only.
    CONTROLLER = r"""
options: {}
attributes:
  action:
    description: Runs on the controller as an action plugin; nothing is sent to the host.
    support: full
  platform:
    description: Operating systems of the hosts the action runs against.
    support: N/A
    platforms: all
    details: No connection to the host is opened.
"""
