# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for module unit tests (the community.general pattern, for ansible-core 2.19+).

Usage::

    with set_module_args({"name": "x"}), patch_exits():
        with pytest.raises(AnsibleExitJson) as exc:
            my_module.main()
    result = exc.value.result
"""

from __future__ import annotations

import contextlib
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class AnsibleExitJson(Exception):
    """Raised instead of exiting by AnsibleModule.exit_json; ``result`` holds its keyword args."""

    def __init__(self, result):
        Exception.__init__(self, result)
        self.result = result


class AnsibleFailJson(Exception):
    """Raised instead of exiting by AnsibleModule.fail_json; ``result`` holds msg and the rest."""

    def __init__(self, result):
        Exception.__init__(self, result)
        self.result = result


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs["failed"] = True
    kwargs["msg"] = msg
    raise AnsibleFailJson(kwargs)


def set_module_args(args=None):
    """Context manager exposing ``args`` to AnsibleModule instances created inside it."""
    return patch_module_args(dict(args or {}))


@contextlib.contextmanager
def patch_exits():
    """Make exit_json / fail_json raise AnsibleExitJson / AnsibleFailJson."""
    with mock.patch.multiple(basic.AnsibleModule, exit_json=_exit_json, fail_json=_fail_json):
        yield
