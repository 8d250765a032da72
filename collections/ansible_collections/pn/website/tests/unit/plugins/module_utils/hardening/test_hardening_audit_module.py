# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pn.website.hardening_audit: the module door to the hardening audit engine."""

from __future__ import annotations

import os

import pytest

from ansible_collections.pn.website.plugins.modules import hardening_audit
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)


def _run(args):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        hardening_audit.main()
    return exc.value.result


def test_cms_area_reports_controls_counts_and_findings(tmp_path):
    config = tmp_path / "wp-config.php"
    config.write_text("<?php define('DB_PASSWORD', 'rahasia');")
    os.chmod(config, 0o644)
    result = _run({"areas": ["cms"], "webroot": str(tmp_path), "cms": "wordpress", "web_user": "nobody"})
    assert result["changed"] is False
    assert [c["id"] for c in result["controls"]] == ["cms-config-perms", "cms-writable-paths"]
    assert result["counts"] == {"pass": 1, "fail": 1, "skip": 0}
    assert result["score"] == 50.0
    assert result["findings"][0]["rule"] == "cms-config-perms"
    assert result["findings"][0]["message"].startswith(
        "Berkas konfigurasi CMS tidak dapat dibaca semua pengguna"
    )
    assert "rahasia" not in repr(result)


def test_english_findings(tmp_path):
    (tmp_path / "config.php").write_text("<?php")
    os.chmod(tmp_path / "config.php", 0o604)
    result = _run({"areas": ["cms"], "webroot": str(tmp_path), "web_user": "nobody", "lang": "en"})
    assert result["findings"][0]["message"].startswith("CMS configuration file not world-readable: observed")


def test_check_mode_runs_the_same_read_only_audit(tmp_path):
    (tmp_path / "config.php").write_text("<?php")
    os.chmod(tmp_path / "config.php", 0o640)
    result = _run(
        {"areas": ["cms"], "webroot": str(tmp_path), "web_user": "nobody", "_ansible_check_mode": True}
    )
    assert result["counts"]["fail"] == 0
    assert oct(os.stat(tmp_path / "config.php").st_mode & 0o777) == "0o640"


def test_bad_area_and_control_fail_with_a_clear_message(tmp_path):
    result = _run({"areas": ["mail"]})
    assert result["failed"] is True
    assert "areas" in result["msg"] and "mail" in result["msg"]
    result = _run({"areas": ["cms"], "webroot": str(tmp_path), "skip_controls": ["cms-nope"]})
    assert result["failed"] is True
    assert result["msg"] == "unknown control id(s) in skip_controls: cms-nope"
