# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pn.website.backup_status: the W2 result of a court's last backup run and its setup fingerprint, from
status files the backup engine writes (and damaged ones)."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup import backup_run
from ansible_collections.pn.website.plugins.modules import backup_status
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

FINGERPRINT = "5" * 64


def run(tmp_path, fingerprint=FINGERPRINT, **args):
    module_args = {
        "status_file": str(tmp_path / "backup-status.json"),
        "setup_file": str(tmp_path / "setup.sha256"),
        "setup_fingerprint": fingerprint,
    }
    module_args.update(args)
    exits = (AnsibleExitJson, AnsibleFailJson)
    with set_module_args(module_args), patch_exits(), pytest.raises(exits) as exc:
        backup_status.main()
    return exc.value.result


def finished_ago(hours):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours)
    return moment.replace(microsecond=0).isoformat()


def nightly_run(hours_ago, verified=True):
    """A successful timer run in the shape backup_run.run_backup writes it."""
    return {
        "version": 1,
        "court": "pn-bangil",
        "run_id": "20261202T013000Z",
        "started": finished_ago(hours_ago + 0.1),
        "finished": finished_ago(hours_ago),
        "status": "ok",
        "exit_code": 0,
        "dump": {"enabled": True, "verified": verified},
        "durations": {"dump": 3.2, "backup": 40.1, "total": 44.0},
        "targets": [
            {
                "name": "nas",
                "type": "rest",
                "status": "ok",
                "snapshot_id": "a1b2c3d4",
                "repository": "rest:https://nas:8000/pn-bangil",
                "size_bytes": 1234,
                "files": 56,
                "data_added": 78,
                "duration": 40.1,
            }
        ],
        "errors": [],
        "restic_version": "0.16.4",
        "trigger": "timer",
    }


def test_no_status_file_means_no_backup_ever_ran(tmp_path):
    result = run(tmp_path)
    w2 = result["sop_result"]
    assert w2["status"] == "failed"
    assert [f["rule"] for f in w2["findings"]] == ["backup-never-ran"]
    assert str(tmp_path / "backup-status.json") in w2["summary"]
    assert result["setup_current"] is False
    assert w2["outputs"]["last_job_status"] == "none"


def test_a_recent_nightly_run_is_ok_with_its_snapshot_in_the_outputs(tmp_path):
    (tmp_path / "backup-status.json").write_text(json.dumps(nightly_run(5)))
    result = run(tmp_path)
    w2 = result["sop_result"]
    assert (w2["status"], w2["findings"]) == ("ok", [])
    assert w2["summary"] == "Backup terjadwal terakhir berhasil 5.0 jam lalu; dump basis data terverifikasi."
    outputs = w2["outputs"]
    assert (outputs["snapshot_id"], outputs["size_bytes"], outputs["duration"]) == ("a1b2c3d4", 1234, 44.0)
    assert outputs["last_job_trigger"] == "timer" and outputs["last_job_age_hours"] == 5.0
    # only the target fields the report shows travel in last_job
    assert outputs["last_job"]["targets"] == [
        {"name": "nas", "type": "rest", "status": "ok", "snapshot_id": "a1b2c3d4", "duration": 40.1}
    ]
    # what a backup run now adds to its own result: the same last_job_* outputs
    assert result["job_outputs"] == {key: outputs[key] for key in result["job_outputs"]}
    assert set(result["job_outputs"]) == {
        "last_job_status",
        "last_job_finished",
        "last_job_age_hours",
        "last_job_trigger",
        "last_job",
    }


def test_a_run_older_than_the_limit_is_a_warning(tmp_path):
    (tmp_path / "backup-status.json").write_text(json.dumps(nightly_run(40, verified=False)))
    w2 = run(tmp_path, max_age_hours=30)["sop_result"]
    assert w2["status"] == "warning"
    assert [(f["rule"], f["severity"]) for f in w2["findings"]] == [("backup-stale", "high")]
    assert w2["findings"][0]["evidence"]["age_hours"] == 40.0
    assert "40.0 jam lalu (batas 30 jam)" in w2["summary"]
    # the same run is fine under a longer limit
    assert run(tmp_path, max_age_hours=48)["sop_result"]["status"] == "ok"


def test_a_successful_run_without_a_finish_time_is_not_taken_as_fresh(tmp_path):
    job = nightly_run(1)
    job["finished"] = "kemarin"
    (tmp_path / "backup-status.json").write_text(json.dumps(job))
    w2 = run(tmp_path)["sop_result"]
    assert w2["status"] == "warning" and w2["findings"][0]["rule"] == "backup-stale"


def test_a_failed_run_of_the_real_engine_fails_w2_with_its_reason(tmp_path):
    status_file = tmp_path / "backup-status.json"
    config = {"court": "pn-bangil", "targets": [], "status_file": str(status_file)}
    written = backup_run.run_backup(dict(config, staging_dir=str(tmp_path / "staging")))
    assert written["status"] == "failed" and status_file.exists()
    w2 = run(tmp_path)["sop_result"]
    assert w2["status"] == "failed"
    assert [f["rule"] for f in w2["findings"]] == ["backup-failed"]
    reason = written["errors"][0]["message"]
    assert w2["summary"] == "Backup terakhir (%s) GAGAL: %s" % (written["finished"], reason)
    assert w2["outputs"]["last_job"]["errors"] == [reason]


@pytest.mark.parametrize(
    "content",
    [b'{"status": "ok", "finished": ', b"[1, 2, 3]", b"\xff\xfe garbage", b" " * (1024 * 1024 + 1)],
    ids=["truncated", "not-an-object", "binary", "too-large"],
)
def test_a_damaged_status_file_fails_w2_and_says_so(tmp_path, content):
    (tmp_path / "backup-status.json").write_bytes(content)
    w2 = run(tmp_path)["sop_result"]
    assert w2["status"] == "failed"
    assert [f["rule"] for f in w2["findings"]] == ["backup-failed"]
    assert "tidak terbaca" in w2["summary"]


def test_the_setup_is_current_only_when_the_installed_fingerprint_matches(tmp_path):
    (tmp_path / "setup.sha256").write_text(FINGERPRINT + "\n")
    assert run(tmp_path)["setup_current"] is True
    assert run(tmp_path, fingerprint="6" * 64)["setup_current"] is False
    (tmp_path / "setup.sha256").write_text("")
    assert run(tmp_path, fingerprint="")["setup_current"] is False


def test_the_fingerprint_is_not_in_the_result(tmp_path):
    (tmp_path / "setup.sha256").write_text(FINGERPRINT + "\n")
    assert FINGERPRINT not in json.dumps(run(tmp_path))


def test_a_court_without_password_or_targets_fails_naming_them(tmp_path):
    result = run(tmp_path, configured=False)
    assert result["failed"] is True
    assert "pn_backup_password" in result["msg"] and "court_backup_targets" in result["msg"]


@pytest.mark.parametrize(
    ("hours_ago", "run_now", "only_when_due", "current", "due"),
    [
        (2, False, False, True, False),  # W2 read only: the last run is the court's result
        (2, True, True, True, False),  # the daily cycle's usual day: the timer's run is recent and ok
        (50, True, True, True, True),  # stale: due now
        (2, True, False, True, True),  # sop_backup.yml on its own: always backs up
        (2, True, True, False, False),  # the setup changed: set up first, so no result from here
    ],
)
def test_the_court_result_is_returned_only_when_nothing_is_to_be_set_up_or_backed_up(
    tmp_path, hours_ago, run_now, only_when_due, current, due
):
    (tmp_path / "backup-status.json").write_text(json.dumps(nightly_run(hours_ago)))
    if current:
        (tmp_path / "setup.sha256").write_text(FINGERPRINT + "\n")
    result = run(tmp_path, run_now=run_now, only_when_due=only_when_due)
    assert result["backup_due"] is due
    if current and not due:
        assert result["pn_sop_result"] == result["sop_result"]
    else:
        assert "pn_sop_result" not in result
