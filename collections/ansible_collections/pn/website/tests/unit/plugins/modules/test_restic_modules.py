# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restic modules (backup, snapshots, maintain, restore) on a real local restic repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.modules import (
    restic_backup,
    restic_maintain,
    restic_restore,
    restic_snapshots,
)
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

SECRET = "Modul-Rahasia-55"
pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")


def run(module, args, check_mode=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        module.main()
    return exc.value


@pytest.fixture(scope="module")
def court(tmp_path_factory):
    base = tmp_path_factory.mktemp("court")
    web = base / "web"
    (web / "uploads").mkdir(parents=True)
    (web / "index.php").write_text("<?php echo 'Pengadilan Negeri Bangil';\n")
    (web / "uploads" / "berita.jpg").write_bytes(b"\xff\xd8" + b"x" * 5000)
    (base / "backup.pass").write_text(SECRET + "\n")
    config = {
        "court": "pn-bangil",
        "targets": [{"name": "disk", "type": "local", "repository": str(base / "repo")}],
        "password_file": str(base / "backup.pass"),
        "webroot": str(web),
        "paths": [],
        "staging_dir": str(base / "staging"),
        "status_file": str(base / "status.json"),
    }
    (base / "backup.json").write_text(json.dumps(config))
    return base


def test_backup_module_check_mode_changes_nothing(court):
    result = run(restic_backup, {"config": str(court / "backup.json")}, check_mode=True).result
    assert result["changed"] and result["targets"] == [{"name": "disk", "type": "local"}]
    assert not (court / "repo").exists()
    missing = run(restic_backup, {"config": str(court / "absent.json")}, check_mode=True).result
    assert missing["changed"] and "not written yet" in missing["msg"]


def test_backup_then_list_maintain_and_export(court):
    result = run(restic_backup, {"config": str(court / "backup.json"), "run_id": "m1"})
    assert isinstance(result, AnsibleExitJson), result.result
    backup = result.result
    assert backup["status"] == "ok" and backup["changed"]
    snapshot_id = backup["targets"][0]["snapshot_id"]
    assert SECRET not in json.dumps(backup)

    listed = run(
        restic_snapshots, {"config": str(court / "backup.json"), "host": "pn-bangil", "max_age_hours": 1}
    ).result
    assert listed["count"] == 1 and listed["latest"]["short_id"] == snapshot_id
    assert listed["stale"] is False and 0 <= listed["age_hours"] < 1
    other_host = run(restic_snapshots, {"config": str(court / "backup.json"), "host": "pn-tais"}).result
    assert other_host["count"] == 0 and other_host["stale"] is True

    maintained = run(
        restic_maintain,
        {
            "repository": str(court / "repo"),
            "password": SECRET,
            "actions": ["unlock", "forget", "check"],
            "keep_within": "30d",
            "check_subset": "1/2",
        },
    ).result
    assert maintained["forget"]["kept"] == 1 and maintained["check"]["ok"] is True

    archive = court / "export.tar"
    exported = run(
        restic_restore, {"config": str(court / "backup.json"), "archive_path": str(archive)}
    ).result
    assert exported["archive"]["bytes"] == archive.stat().st_size > 5000
    planned = run(
        restic_restore, {"config": str(court / "backup.json"), "webroot": str(court / "dr")}, check_mode=True
    ).result
    assert planned["snapshot"]["short_id"] == snapshot_id and not (court / "dr").exists()
    restored = run(
        restic_restore,
        {"config": str(court / "backup.json"), "webroot": str(court / "dr"), "work_dir": str(court / "work")},
    ).result
    assert restored["verification"]["ok"] and Path(court / "dr" / "uploads" / "berita.jpg").exists()


def test_snapshots_module_names_the_known_good_snapshot(court, tmp_path):
    """Snapshots of a real repository taken at set times: the newest inside the window, not the latest."""
    config = json.loads((court / "backup.json").read_text())
    config["targets"] = [{"name": "disk", "type": "local", "repository": str(tmp_path / "repo")}]
    (tmp_path / "backup.json").write_text(json.dumps(config))
    env = dict(
        os.environ, RESTIC_PASSWORD_FILE=str(court / "backup.pass"), RESTIC_REPOSITORY=str(tmp_path / "repo")
    )
    subprocess.run(["restic", "init"], env=env, check=True, capture_output=True)
    ids = {}
    for name, when, tags in (
        ("clean", "2026-11-20 02:00:00", []),
        ("defaced", "2026-11-21 02:00:00", []),
        ("safety", "2026-11-20 03:00:00", ["pre-restore"]),
    ):
        argv = ["restic", "backup", "--host", "pn-bangil", "--time", when, "--json", str(court / "web")]
        for tag in tags:
            argv += ["--tag", tag]
        out = subprocess.run(argv, env=dict(env, TZ="UTC"), check=True, capture_output=True, text=True).stdout
        ids[name] = [json.loads(line) for line in out.splitlines() if '"summary"' in line][0]["snapshot_id"]
    args = {"config": str(tmp_path / "backup.json"), "host": "pn-bangil"}
    found = run(restic_snapshots, dict(args, known_good=[{"before": "2026-11-20T06:00:00+00:00"}])).result
    assert found["latest"]["id"].startswith(ids["defaced"])
    assert found["known_good"]["id"].startswith(ids["clean"])
    assert (
        run(restic_snapshots, dict(args, known_good=[{"before": "2026-11-20T01:00:00Z"}])).result[
            "known_good"
        ]
        is None
    )
    assert "known_good" not in run(restic_snapshots, args).result
    bad = run(restic_snapshots, dict(args, known_good=[{"before": "2026-11-20 06:00"}]))
    assert isinstance(bad, AnsibleFailJson) and "ISO 8601" in bad.result["msg"]


def test_wrong_password_fails_clearly_without_echoing_it(court):
    result = run(restic_snapshots, {"repository": str(court / "repo"), "password": "salah-" + SECRET})
    assert isinstance(result, AnsibleFailJson)
    assert result.result["kind"] == "wrong-password" and "wrong repository password" in result.result["msg"]
    assert SECRET not in result.result["msg"]
    bad = run(restic_maintain, {"config": str(court / "backup.json"), "target": "nope", "actions": ["check"]})
    assert isinstance(bad, AnsibleFailJson) and "no backup target named 'nope'" in bad.result["msg"]


def test_backup_module_fails_on_a_broken_target(court, tmp_path):
    config = json.loads((court / "backup.json").read_text())
    config["targets"] = [{"name": "server", "type": "sftp", "repository": "sftp:x@127.0.0.1:/r", "port": 1}]
    config["status_file"] = str(tmp_path / "status.json")
    (tmp_path / "backup.json").write_text(json.dumps(config))
    failed = run(restic_backup, {"config": str(tmp_path / "backup.json")})
    assert isinstance(failed, AnsibleFailJson)
    assert failed.result["status"] == "failed" and "server:" in failed.result["msg"]
    tolerated = run(restic_backup, {"config": str(tmp_path / "backup.json"), "fail_on_error": False})
    assert isinstance(tolerated, AnsibleExitJson) and tolerated.result["exit_code"] == 1
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "failed"


def test_repository_options_are_documented_once_in_the_doc_fragment():
    import yaml

    from ansible_collections.pn.website.plugins.doc_fragments.restic import ModuleDocFragment
    from ansible_collections.pn.website.plugins.module_utils.backup.repository import REPOSITORY_OPTIONS

    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(REPOSITORY_OPTIONS)
    for name, spec in REPOSITORY_OPTIONS.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name
        assert documented[name].get("choices") == spec.get("choices"), name
    for module in (restic_maintain, restic_restore, restic_snapshots):
        doc = yaml.safe_load(module.DOCUMENTATION)
        # the shared attribute fragments (check mode, platform) come on top of the repository options
        fragments = doc["extends_documentation_fragment"]
        fragments = [f for f in fragments if not f.startswith("pn.website.attributes")]
        assert fragments == ["pn.website.restic"]
        assert not set(doc["options"]) & set(REPOSITORY_OPTIONS), module.__name__
