# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 buckets for court backups (controller side, with boto3 clients given by the caller).

A court's bucket has versioning and Object Lock with a default retention, and the court's credential
may add objects under its prefix but never delete data: a compromised court server cannot wipe its
own backups. prepare/audit for the first setup and checks, state/drift/ensure for the backup_bucket
module (only what drifted is changed; check mode reports the drift).
"""

from __future__ import annotations

import json

from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError


def s3_court_policy(bucket: str, prefix: str, extra_actions: tuple = ()) -> dict:
    """IAM policy of a court's S3 credential: read and add objects under its prefix, delete only its
    restic lock files; never delete data, versions, retention or the bucket's settings."""
    prefix = prefix.strip("/")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"] + list(extra_actions),
                "Resource": "arn:aws:s3:::%s" % bucket,
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::%s/%s/*" % (bucket, prefix),
            },
            {
                "Effect": "Allow",
                "Action": ["s3:DeleteObject"],
                "Resource": "arn:aws:s3:::%s/%s/locks/*" % (bucket, prefix),
            },
        ],
    }


def prepare_s3_bucket(client, bucket: str, retention_days: int = 0, mode: str = "GOVERNANCE") -> dict:
    """Create the bucket with versioning and Object Lock (set at creation), and a default retention."""
    created = False
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as error:  # botocore ClientError 404
        if "404" not in str(error) and "Not Found" not in str(error) and "NoSuchBucket" not in str(error):
            raise
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
        created = True
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    if retention_days:
        client.put_object_lock_configuration(
            Bucket=bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": mode, "Days": int(retention_days)}},
            },
        )
    return {"bucket": bucket, "created": created}


def audit_s3_bucket(admin, bucket: str, court=None, prefix: str | None = None) -> dict:
    """Audit a court's bucket: versioning and Object Lock on, and (with the court's client) that the
    court's credential can add objects but not delete them. Returns {ok, problems, ...}."""
    problems = []
    versioning = admin.get_bucket_versioning(Bucket=bucket).get("Status", "")
    if versioning != "Enabled":
        problems.append("versioning is %s, not Enabled" % (versioning or "off"))
    lock = {}
    try:
        lock = admin.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    except Exception as error:  # ObjectLockConfigurationNotFoundError
        problems.append("Object Lock is not enabled (%s)" % type(error).__name__)
    if lock and lock.get("ObjectLockEnabled") != "Enabled":
        problems.append("Object Lock is not enabled")
    retention = (lock.get("Rule") or {}).get("DefaultRetention") or {}
    result = {
        "versioning": versioning,
        "object_lock": lock.get("ObjectLockEnabled", ""),
        "retention": retention,
    }
    if court is not None:
        key = "%s/.pn-audit-probe" % (prefix or "").strip("/")
        court.put_object(Bucket=bucket, Key=key, Body=b"pn-website audit probe")
        try:
            court.delete_object(Bucket=bucket, Key=key)
            problems.append("the court's credential can delete objects")
            result["court_can_delete"] = True
        except Exception as error:
            if "AccessDenied" not in str(error) and "Forbidden" not in str(error):
                raise
            result["court_can_delete"] = False
        versions = admin.list_object_versions(Bucket=bucket, Prefix=key)
        for entry in (versions.get("Versions") or []) + (versions.get("DeleteMarkers") or []):
            admin.delete_object(
                Bucket=bucket, Key=key, VersionId=entry["VersionId"], BypassGovernanceRetention=True
            )
    result["problems"] = problems
    result["ok"] = not problems
    return result


def _error_code(error) -> str:
    """The S3/IAM error code of a botocore ClientError (without importing botocore)."""
    response = getattr(error, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(error).__name__)


def s3_bucket_state(
    admin, bucket: str, iam=None, court_user: str | None = None, policy_name: str = ""
) -> dict:
    """What a court's bucket looks like now: exists, versioning, Object Lock, default retention and
    (with an IAM client) the inline policy of the court's user."""
    state = {"exists": True, "versioning": "", "object_lock": "", "retention": {}, "court_policy": None}
    try:
        admin.head_bucket(Bucket=bucket)
    except Exception as error:  # botocore ClientError 404 / NoSuchBucket
        if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        state["exists"] = False
        return state
    state["versioning"] = admin.get_bucket_versioning(Bucket=bucket).get("Status", "")
    try:
        lock = admin.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    except Exception as error:  # ObjectLockConfigurationNotFoundError
        if "ObjectLock" not in _error_code(error) and "NotFound" not in _error_code(error):
            raise
        lock = {}
    state["object_lock"] = lock.get("ObjectLockEnabled", "")
    state["retention"] = (lock.get("Rule") or {}).get("DefaultRetention") or {}
    if iam is not None and court_user:
        try:
            document = iam.get_user_policy(UserName=court_user, PolicyName=policy_name)["PolicyDocument"]
            state["court_policy"] = json.loads(document) if isinstance(document, str) else document
        except Exception as error:
            if _error_code(error) != "NoSuchEntity":
                raise
    return state


def s3_bucket_drift(state: dict, retention_days: int = 0, mode: str = "GOVERNANCE", policy=None) -> list:
    """Differences between a bucket's state and what court backups need, as {item, expected, actual}."""
    drift = []
    if not state["exists"]:
        return [{"item": "bucket", "expected": "exists", "actual": "missing"}]
    if state["versioning"] != "Enabled":
        drift.append({"item": "versioning", "expected": "Enabled", "actual": state["versioning"] or "off"})
    if state["object_lock"] != "Enabled":
        drift.append({"item": "object_lock", "expected": "Enabled", "actual": state["object_lock"] or "off"})
    if retention_days:
        expected = {"Mode": mode, "Days": int(retention_days)}
        actual = {key: state["retention"].get(key) for key in ("Mode", "Days")}
        if actual != expected:
            drift.append({"item": "retention", "expected": expected, "actual": state["retention"] or None})
    if policy is not None:
        actual = state.get("court_policy")
        if json.dumps(actual, sort_keys=True) != json.dumps(policy, sort_keys=True):
            drift.append(
                {
                    "item": "court_policy",
                    "expected": "without delete",
                    "actual": "different" if actual else "missing",
                }
            )
    return drift


def ensure_s3_bucket(
    admin,
    bucket: str,
    retention_days: int = 0,
    mode: str = "GOVERNANCE",
    iam=None,
    court_user: str | None = None,
    prefix: str | None = None,
    policy_name: str = "pn-website-backup",
    extra_actions: tuple = (),
    check_mode: bool = False,
) -> dict:
    """Bring a court's bucket to what backups need (only what drifted): created with Object Lock,
    versioning on, default retention, and the court user's policy without delete. In check mode
    only the drift is reported."""
    policy = s3_court_policy(bucket, prefix or court_user or "", extra_actions) if court_user else None
    before = s3_bucket_state(admin, bucket, iam, court_user, policy_name)
    drift = s3_bucket_drift(before, retention_days, mode, policy if iam is not None else None)
    result = {"bucket": bucket, "drift": drift, "changed": bool(drift), "created": False, "before": before}
    if policy is not None:
        result["court_policy_document"] = policy
    if check_mode or not drift:
        result["after"] = before
        return result
    items = {entry["item"] for entry in drift}
    if "bucket" in items:
        admin.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
        result["created"] = True
        items = {"versioning", "retention", "court_policy"}
    if "versioning" in items:
        admin.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    if "object_lock" in items or ("retention" in items and retention_days):
        configuration = {"ObjectLockEnabled": "Enabled"}
        if retention_days:
            configuration["Rule"] = {"DefaultRetention": {"Mode": mode, "Days": int(retention_days)}}
        try:
            admin.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=configuration)
        except Exception as error:
            raise ResticError(
                "Object Lock cannot be enabled on the existing bucket %s (%s): create a new bucket with"
                " Object Lock and move the repository" % (bucket, _error_code(error)),
                "bad-input",
            ) from None
    if "court_policy" in items and iam is not None and policy is not None:
        iam.put_user_policy(UserName=court_user, PolicyName=policy_name, PolicyDocument=json.dumps(policy))
    result["after"] = s3_bucket_state(admin, bucket, iam, court_user, policy_name)
    return result
