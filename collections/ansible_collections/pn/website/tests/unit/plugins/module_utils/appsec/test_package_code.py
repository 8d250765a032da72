# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packaged code check on a real folder, dpkg's answers given as its own output (the fleet test runs
the real dpkg on a WordPress court)."""

from __future__ import annotations

from ansible_collections.pn.website.plugins.module_utils.appsec import package_code
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result


def runner_for(root, changed=()):
    files = [f"{root}/index.php", f"{root}/wp-includes/version.php", f"{root}/wp-includes/load.php"]

    def runner(argv, timeout=120):
        if argv[:2] == ["dpkg-query", "-S"]:
            return 0, f"wordpress, wordpress-theme-twentytwentyone: {root}\n", ""
        if argv[:2] == ["dpkg-query", "-W"]:
            return (
                0,
                "wordpress\t6.1.9+dfsg1-0+deb12u1\nwordpress-theme-twentytwentyone\t6.1.9+dfsg1-0+deb12u1\n",
                "",
            )
        if argv[:2] == ["dpkg-query", "-L"]:
            return 0, "\n".join([str(root), f"{root}/wp-includes"] + files) + "\n", ""
        if argv[:2] == ["dpkg", "--verify"]:
            # as dpkg 1.21 prints them: a deleted file, a changed one, a changed conffile
            lines = ["missing     /usr/share/doc/wordpress/copyright"]
            lines += [f"??5??????   {path}" for path in changed] + ["??5?????? c /etc/wordpress/htaccess"]
            return 1 if changed else 0, "\n".join(lines) + "\n", ""
        raise AssertionError(argv)

    return runner


def make_code(tmp_path):
    root = tmp_path / "usr/share/wordpress"
    (root / "wp-includes").mkdir(parents=True)
    (root / "index.php").write_text("<?php require 'wp-blog-header.php';\n")
    (root / "wp-includes/version.php").write_text("<?php $wp_version = '6.1.9';\n")
    (root / "wp-includes/load.php").write_text("<?php function wp() {}\n")
    (root / ".htaccess").symlink_to("/etc/wordpress/htaccess")
    return root


def test_clean_packaged_code_has_no_finding(tmp_path):
    root = make_code(tmp_path)
    result = package_code.scan(str(root), runner=runner_for(root))
    code = result["code"]
    assert result["findings"] == [] and code["complete"] is True
    assert code["files_scanned"] == 3 and code["changed_count"] == 0 and code["added_count"] == 0
    assert code["packages"][0] == {"name": "wordpress", "version": "6.1.9+dfsg1-0+deb12u1"}


def test_a_changed_core_file_and_a_webshell_added_to_the_code_are_found(tmp_path):
    root = make_code(tmp_path)
    (root / "wp-includes/load.php").write_text("<?php eval(base64_decode($x));\n")
    (root / "wp-includes/class-wp-cache.php").write_text("<?php echo 1;\n")
    result = package_code.scan(
        str(root), runner=runner_for(root, [f"{root}/wp-includes/load.php"]), lang="en"
    )
    found = {f["rule"]: f for f in result["findings"]}
    assert sorted(found) == ["webroot-changed", "webroot-webshell"]
    changed = found["webroot-changed"]["evidence"]
    assert changed["kind"] == "package" and changed["changed"] == [f"{root}/wp-includes/load.php"]
    assert changed["added"] == [f"{root}/wp-includes/class-wp-cache.php"]
    assert found["webroot-webshell"]["evidence"]["files"][0]["markers"] == ["eval-decoded"]
    for finding in result["findings"]:
        sop_result.check_finding(finding)


def test_code_no_package_owns_is_left_to_the_web_root_scan(tmp_path):
    root = make_code(tmp_path)
    result = package_code.scan(str(root), runner=lambda argv, timeout=120: (1, "", "no path found"))
    assert result == {"code": None, "findings": []}


def test_the_walk_stops_at_its_bound(tmp_path):
    root = make_code(tmp_path)
    result = package_code.scan(str(root), {"max_files": 1}, runner=runner_for(root))
    assert result["code"]["complete"] is False and result["code"]["stopped_by"] == "max_files"
    assert [f["rule"] for f in result["findings"]] == ["webroot-scan-incomplete"]
