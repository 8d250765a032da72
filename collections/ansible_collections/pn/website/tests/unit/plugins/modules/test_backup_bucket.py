# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_bucket against a real S3 + IAM server (moto, IAM enforced) on loopback: the bucket is
prepared (Object Lock, versioning, default retention, the court's policy without delete), found in
order on a second run, its drift reported in check mode and by the audit, and repaired."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pn.website.plugins.modules import backup_bucket
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")
from ansible_collections.pn.website.tests.unit.plugins.module_utils.s3_server import moto_s3  # noqa: E402

BUCKET = "pn-backup-pn-tais"
COURT = "pn-tais"
MOTO_EXTRA_ACTIONS = ["s3:HeadBucket"]  # moto checks HEAD bucket as s3:HeadBucket


@pytest.fixture(scope="module")
def s3():
    with moto_s3(COURT) as server:
        yield {
            "endpoint": server["endpoint"],
            "admin_key": server["admin_key"],
            "court_key": server["court_key"],
            "s3": boto3.client("s3", **server["admin"], **server["client_args"]),
            "iam": server["iam"],
        }


def args(s3, **extra) -> dict:
    base = {
        "bucket": BUCKET,
        "endpoint_url": s3["endpoint"],
        "access_key_id": s3["admin_key"]["AccessKeyId"],
        "secret_access_key": s3["admin_key"]["SecretAccessKey"],
        "retention_days": 30,
        "court_user": COURT,
        "court_policy_extra_actions": MOTO_EXTRA_ACTIONS,
    }
    base.update(extra)
    return base


def court_args(s3) -> dict:
    return {
        "court_access_key_id": s3["court_key"]["AccessKeyId"],
        "court_secret_access_key": s3["court_key"]["SecretAccessKey"],
    }


def run(module_args, check_mode=False):
    module_args = dict(module_args)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    with (
        set_module_args(module_args),
        patch_exits(),
        pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc,
    ):
        backup_bucket.main()
    return exc.value


def no_secret(s3, result) -> None:
    text = json.dumps(result.result)
    assert s3["admin_key"]["SecretAccessKey"] not in text
    assert s3["court_key"]["SecretAccessKey"] not in text


def test_check_mode_reports_a_missing_bucket_and_changes_nothing(s3):
    result = run(args(s3), check_mode=True)
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["changed"] is True and result.result["ok"] is False
    assert result.result["drift"] == [{"item": "bucket", "expected": "exists", "actual": "missing"}]
    assert BUCKET not in [b["Name"] for b in s3["s3"].list_buckets()["Buckets"]]


def test_present_prepares_the_bucket_then_finds_it_in_order(s3):
    first = run(args(s3))
    assert isinstance(first, AnsibleExitJson), first.result
    assert first.result["changed"] is True and first.result["created"] is True
    state = first.result["state"]
    assert state["versioning"] == "Enabled" and state["object_lock"] == "Enabled"
    assert (state["retention"]["Mode"], state["retention"]["Days"]) == ("GOVERNANCE", 30)
    policy = s3["iam"].get_user_policy(UserName=COURT, PolicyName="pn-website-backup")["PolicyDocument"]
    actions = [a for statement in policy["Statement"] for a in statement["Action"]]
    assert "s3:PutObject" in actions and "s3:DeleteObject" in actions
    delete = [st for st in policy["Statement"] if "s3:DeleteObject" in st["Action"]][0]
    assert delete["Resource"] == "arn:aws:s3:::%s/%s/locks/*" % (BUCKET, COURT)  # only its lock files
    assert first.result["ok"] is True, first.result["problems"]
    no_secret(s3, first)

    second = run(args(s3))
    assert second.result["changed"] is False and second.result["drift"] == []
    assert second.result["created"] is False and second.result["ok"] is True


def test_audit_proves_the_court_cannot_delete(s3):
    result = run(args(s3, state="audited", **court_args(s3)))
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["changed"] is False and result.result["ok"] is True, result.result["problems"]
    assert result.result["court_can_delete"] is False
    # the probe object is gone, every version of it
    versions = s3["s3"].list_object_versions(Bucket=BUCKET, Prefix="%s/.pn-audit-probe" % COURT)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    no_secret(s3, result)


def test_drift_is_reported_then_repaired(s3):
    # someone shortens the retention and lets the court delete everything
    s3["s3"].put_object_lock_configuration(
        Bucket=BUCKET,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    s3["iam"].put_user_policy(
        UserName=COURT,
        PolicyName="pn-website-backup",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    audit = run(args(s3, state="audited", **court_args(s3)))
    assert audit.result["ok"] is False and audit.result["changed"] is False
    assert {d["item"] for d in audit.result["drift"]} == {"retention", "court_policy"}
    assert audit.result["court_can_delete"] is True
    assert any("delete" in p for p in audit.result["problems"])

    check = run(args(s3), check_mode=True)
    assert check.result["changed"] is True
    assert (
        s3["s3"].get_object_lock_configuration(Bucket=BUCKET)["ObjectLockConfiguration"]["Rule"][
            "DefaultRetention"
        ]["Days"]
        == 1
    )  # untouched in check mode

    repaired = run(args(s3))
    assert repaired.result["changed"] is True and repaired.result["ok"] is True
    assert {d["item"] for d in repaired.result["drift"]} == {"retention", "court_policy"}
    after = run(args(s3, state="audited", **court_args(s3)))
    assert after.result["ok"] is True and after.result["court_can_delete"] is False


def test_a_bucket_without_object_lock_fails_the_audit(s3):
    s3["s3"].create_bucket(Bucket="tanpa-kunci")
    result = run(args(s3, bucket="tanpa-kunci", state="audited", court_user=None))
    assert isinstance(result, AnsibleExitJson)
    assert result.result["ok"] is False
    assert {d["item"] for d in result.result["drift"]} >= {"versioning", "object_lock"}


def test_missing_boto3_fails_clearly(s3, monkeypatch):
    monkeypatch.setattr(backup_bucket, "BOTO3_IMPORT_ERROR", "ImportError: No module named 'boto3'")
    result = run(args(s3))
    assert isinstance(result, AnsibleFailJson)
    assert "boto3" in result.result["msg"]


def test_bad_input_is_named(s3):
    result = run(args(s3, retention_days=-1))
    assert isinstance(result, AnsibleFailJson) and "retention_days" in result.result["msg"]
    unreachable = run(args(s3, endpoint_url="http://127.0.0.1:9"))
    assert isinstance(unreachable, AnsibleFailJson)
    assert BUCKET in unreachable.result["msg"]
    no_secret(s3, unreachable)
