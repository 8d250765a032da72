# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The web root scan on a real directory tree holding what an attacker leaves: a webshell, a PHP file in
the uploads, a link out of the web root, an oversized file, a FIFO; and the reference it compares with
(the backup's manifest, else its own baseline)."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import webroot_scan
from ansible_collections.pn.website.plugins.module_utils.backup.manifest import file_manifest
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result
from ansible_collections.pn.website.plugins.modules import appsec_audit as appsec_module
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

WEBSHELL = b"<?php @eval(base64_decode($_POST['x'])); ?>"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www"
    (root / "wp-content" / "uploads" / "2026").mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'Pengadilan Negeri Contoh'; ?>\n")
    (root / "about.html").write_text("<h1>Tentang</h1>\n")
    (root / "wp-content" / "uploads" / "2026" / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"\0" * 100)
    # WordPress's own "Silence is golden" index is not a finding
    (root / "wp-content" / "uploads" / "index.php").write_text("<?php\n// Silence is golden.\n")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "shell.php").write_bytes(WEBSHELL)
    return root, tmp_path


def options(tmp_path, root, **extra):
    opts = {
        "webroot": str(root),
        "upload_dirs": ["uploads", "wp-content/uploads", "images"],
        "manifest": str(tmp_path / "staging" / "manifest.json"),
        "baseline_file": str(tmp_path / "state" / "baseline.json"),
    }
    opts.update(extra)
    return opts


def rules(result):
    return sorted(f["rule"] for f in result["findings"])


def test_a_clean_site_without_a_reference_makes_its_baseline(site):
    root, tmp = site
    result = webroot_scan.scan(options(tmp, root))
    assert rules(result) == []
    scan = result["scan"]
    assert scan["complete"] and scan["files_scanned"] == 4
    assert scan["reference"]["made"] is True and scan["reference"]["kind"] == "baseline"
    baseline = tmp / "state" / "baseline.json"
    assert oct(baseline.stat().st_mode & 0o777) == "0o600"
    assert set(json.loads(baseline.read_text())["files"]) == {
        "index.php",
        "about.html",
        "wp-content/uploads/2026/photo.jpg",
        "wp-content/uploads/index.php",
    }
    # the next scan compares with it
    (root / "about.html").write_text("<h1>Tentang kami</h1>\n")
    again = webroot_scan.scan(options(tmp, root))
    assert rules(again) == ["webroot-changed"]
    assert again["scan"]["reference"]["changed"] == ["about.html"]


def test_check_mode_makes_no_baseline(site):
    root, tmp = site
    result = webroot_scan.scan(options(tmp, root, write_baseline=False))
    assert result["scan"]["reference"] == {"kind": None, "made": False}
    assert not (tmp / "state").exists()


def test_webshell_php_in_uploads_and_changes_since_the_backup_manifest(site):
    root, tmp = site
    (tmp / "staging").mkdir()
    manifest = {
        "webroot": str(root),
        "created": "2026-12-01T01:00:00+00:00",
        "files": file_manifest(str(root)),
    }
    (tmp / "staging" / "manifest.json").write_text(json.dumps(manifest))
    # after the backup: a webshell dropped in the uploads, a page changed, a second shell in the theme
    (root / "wp-content" / "uploads" / "2026" / "cache.php").write_bytes(WEBSHELL)
    (root / "index.php").write_text(
        "<?php echo 'Pengadilan Negeri Contoh'; ?>\n<a href=//slot.example>x</a>\n"
    )
    (root / "wp-content" / "theme.php").write_bytes(b"<?php $f = $_GET['f']; system($_GET['c']); ?>")
    result = webroot_scan.scan(options(tmp, root), lang="en")
    found = {f["rule"]: f for f in result["findings"]}
    assert sorted(found) == ["upload-php-file", "webroot-changed", "webroot-webshell"]
    assert found["webroot-webshell"]["severity"] == "critical"
    shells = {w["path"]: w["markers"] for w in found["webroot-webshell"]["evidence"]["files"]}
    assert shells == {
        "wp-content/theme.php": ["exec-request"],
        "wp-content/uploads/2026/cache.php": ["eval-decoded"],
    }
    assert found["upload-php-file"]["evidence"]["files"] == ["wp-content/uploads/2026/cache.php"]
    ref = found["webroot-changed"]["evidence"]
    assert ref["kind"] == "backup-manifest" and ref["created"] == "2026-12-01T01:00:00+00:00"
    assert ref["changed"] == ["index.php"]
    assert sorted(ref["added"]) == ["wp-content/theme.php", "wp-content/uploads/2026/cache.php"]
    for finding in result["findings"]:
        sop_result.check_finding(finding)
    # the backup's manifest wins: no baseline is written beside it
    assert not (tmp / "state").exists()


@pytest.mark.parametrize(
    "code",
    [
        b"<?php eval(gzinflate(base64_decode('aGk=')));",
        b"<?php assert($_REQUEST['a']);",
        b"<?php echo preg_replace('/.*/e', $_POST['c'], '');",
        b"<?php $_COOKIE['f']($_COOKIE['a']);",
        b"<?php echo `{$_GET['c']}`;",
        b"<?php EVAL ( $_POST['z'] );",
        b"<?php /* FilesMan */",
    ],
)
def test_each_marker_is_found(site, code):
    root, tmp = site
    (root / "x.php").write_bytes(code)
    found = webroot_scan.scan(options(tmp, root))["scan"]["webshells"]
    assert [w["path"] for w in found] == ["x.php"]


def test_ordinary_php_has_no_marker(site):
    root, tmp = site
    (root / "ok.php").write_bytes(
        b"<?php $data = base64_decode($row['photo']); echo htmlspecialchars($_GET['q']);"
        b" $x = preg_replace('/a/i', 'b', $s); system_status(); evaluate($y);"
    )
    assert webroot_scan.scan(options(tmp, root))["scan"]["webshells"] == []


def test_request_variables_quoted_in_comments_are_no_marker(site):
    """WordPress's docblocks quote request variables in backticks (wp-includes/load.php: "Fix `$_SERVER`
    variables"); the same on a line of code is the shell operator."""
    root, tmp = site
    (root / "load.php").write_bytes(
        b"<?php\n/**\n * Fix `$_SERVER` variables for various setups.\n *\n"
        b" * @param string $action Expected value for `$_POST['action']`.\n */\n"
        b"// copies `$_GET['x']` into the cache\nfunction wp_fix_server_vars() {}\n"
    )
    assert webroot_scan.scan(options(tmp, root))["scan"]["webshells"] == []
    (root / "load.php").write_bytes(b"<?php\n/** `$_GET` */\n$out = `ls {$_GET['d']}`;\n")
    found = webroot_scan.scan(options(tmp, root))["scan"]["webshells"]
    assert [(w["path"], w["markers"]) for w in found] == [("load.php", ["backtick-request"])]
    # decoy comments in front of the shell operator do not hide it
    (root / "load.php").write_bytes(b"<?php\n" + b"// `$_GET`\n" * 150 + b"$out = `ls {$_GET['d']}`;\n")
    found = webroot_scan.scan(options(tmp, root))["scan"]["webshells"]
    assert [(w["path"], w["markers"]) for w in found] == [("load.php", ["backtick-request"])]


def test_a_link_out_of_the_web_root_is_listed_never_followed(site):
    root, tmp = site
    os.symlink(tmp / "secret", root / "wp-content" / "uploads" / "linked")
    os.symlink(tmp / "secret" / "shell.php", root / "images.php")
    os.symlink("index.php", root / "home.php")  # inside the root: neither listed nor read twice
    result = webroot_scan.scan(options(tmp, root))
    scan = result["scan"]
    assert sorted(scan["symlinks_out"]) == ["images.php", "wp-content/uploads/linked"]
    assert scan["webshells"] == [] and scan["php_in_uploads"] == []  # the shell behind the links is not read
    assert scan["files_scanned"] == 4


def test_an_oversized_file_is_listed_not_read(site):
    root, tmp = site
    big = root / "big.php"
    big.write_bytes(b"<?php // padding\n" + b"x" * 5000 + b"\neval(base64_decode('aGk='));")
    result = webroot_scan.scan(options(tmp, root, max_file_bytes=4096))
    scan = result["scan"]
    assert scan["oversized"] == [{"path": "big.php", "size_bytes": big.stat().st_size}]
    assert scan["webshells"] == []
    # within the limit the same file is read
    assert [w["path"] for w in webroot_scan.scan(options(tmp, root))["scan"]["webshells"]] == ["big.php"]


def test_a_fifo_is_never_opened(site):
    root, tmp = site
    os.mkfifo(root / "pipe.php")
    result = webroot_scan.scan(options(tmp, root))
    assert result["scan"]["complete"] and result["scan"]["files_scanned"] == 4


def test_bounds_cut_the_scan_short_and_say_so(site):
    root, tmp = site
    result = webroot_scan.scan(options(tmp, root, max_files=2))
    assert result["scan"]["files_scanned"] == 2 and result["scan"]["stopped_by"] == "max_files"
    assert rules(result) == ["webroot-scan-incomplete"]
    # an incomplete scan is no baseline
    assert result["scan"]["reference"] == {"kind": None, "made": False}
    ticks = iter(range(0, 1000, 10))
    slow = webroot_scan.scan(options(tmp, root, time_budget=15), clock=lambda: next(ticks))
    assert slow["scan"]["stopped_by"] == "time_budget" and slow["scan"]["files_scanned"] == 1


def test_names_from_the_server_are_shown_printable(site):
    root, tmp = site
    name = b"evil\x1b[2J\xff.php"
    with open(os.path.join(os.fsencode(str(root)), b"uploads-" + name), "wb") as handle:
        handle.write(WEBSHELL)
    shells = webroot_scan.scan(options(tmp, root))["scan"]["webshells"]
    assert [w["path"] for w in shells] == ["uploads-evil?[2J\ufffd.php"]
    json.dumps(shells)


def run_module(args, check_mode=False):
    args = dict({"eol": False}, **args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        appsec_module.main()
    return exc.value.result


def test_the_module_writes_the_baseline_only_outside_check_mode(site):
    root, tmp = site
    args = {
        "webroot": str(root),
        "manifest": str(tmp / "staging" / "manifest.json"),
        "baseline_file": str(tmp / "state" / "baseline.json"),
    }
    dry = run_module(args, check_mode=True)
    assert dry["changed"] is False and dry["scan"]["reference"]["made"] is False
    assert not (tmp / "state").exists()
    made = run_module(args)
    assert made["changed"] is True and (tmp / "state" / "baseline.json").exists()
    again = run_module(args)
    assert again["changed"] is False and again["findings"] == []
    assert "software" not in again  # eol off


def test_the_module_refuses_bad_bounds_and_a_malformed_table(site):
    root, tmp = site
    failed = run_module({"webroot": str(root), "max_files": 0})
    assert failed["failed"] and "max_files must be greater than 0" in failed["msg"]
    bad_table = run_module({"webroot": str(root), "scan": False, "eol": True, "eol_data": {"products": {}}})
    assert bad_table["failed"] and bad_table["msg"].startswith("eol_data: end-of-life data: 'compiled'")


def test_a_web_root_that_is_itself_a_link_is_scanned_where_it_points(site):
    root, tmp = site
    os.symlink(root, tmp / "html")
    (root / "uploads").mkdir()
    (root / "uploads" / "a.php").write_bytes(WEBSHELL)
    result = webroot_scan.scan(options(tmp, tmp / "html"))
    assert result["scan"]["complete"] and result["scan"]["files_scanned"] == 5
    assert sorted(f["rule"] for f in result["findings"]) == ["upload-php-file", "webroot-webshell"]
