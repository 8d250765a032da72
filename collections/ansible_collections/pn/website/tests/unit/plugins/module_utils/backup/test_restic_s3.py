# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 targets: a real S3 server (moto, with IAM enforcement) on loopback, a bucket prepared and audited
with boto3 (versioning, Object Lock, a court credential that cannot delete), and real restic runs:
the court backs up with its own key, retention runs with the administrator's."""

from __future__ import annotations

import os
import shutil

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import run_backup
from ansible_collections.pn.website.plugins.module_utils.backup.bucket import (
    audit_s3_bucket,
    prepare_s3_bucket,
    s3_court_policy,
)
from ansible_collections.pn.website.plugins.module_utils.backup.repository import Repository

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")
from ansible_collections.pn.website.tests.unit.plugins.module_utils.s3_server import moto_s3  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")

BUCKET = "pn-backup-pt-bengkulu"
PASSWORD = "S3-Repo-Rahasia"
# moto names HEAD bucket "s3:HeadBucket" (AWS checks it as s3:ListBucket)
MOTO_EXTRA_ACTIONS = ("s3:HeadBucket",)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    policy = s3_court_policy(BUCKET, "pn-tais", MOTO_EXTRA_ACTIONS)
    with moto_s3("pn-tais", policy) as server:
        yield {
            "endpoint": server["endpoint"],
            "admin": boto3.client("s3", **server["admin"], **server["client_args"]),
            "court": boto3.client("s3", **server["court"], **server["client_args"]),
            "admin_key": server["admin_key"],
            "court_key": server["court_key"],
            "base": tmp_path_factory.mktemp("s3"),
        }


def repository(s3, key) -> Repository:
    return Repository.from_target(
        {
            "name": "s3-pt",
            "type": "s3",
            "location": "%s/%s" % (s3["endpoint"], BUCKET),
            "repository": "s3:%s/%s/pn-tais" % (s3["endpoint"], BUCKET),
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
            "region": "us-east-1",
        },
        password=PASSWORD,
        cache_dir=str(s3["base"] / "cache"),
    )


def test_bucket_is_prepared_and_audited(s3):
    assert prepare_s3_bucket(s3["admin"], BUCKET, retention_days=30)["created"] is True
    assert prepare_s3_bucket(s3["admin"], BUCKET)["created"] is False
    audit = audit_s3_bucket(s3["admin"], BUCKET, court=s3["court"], prefix="pn-tais")
    assert audit["ok"], audit["problems"]
    assert audit["versioning"] == "Enabled" and audit["object_lock"] == "Enabled"
    assert audit["retention"]["Mode"] == "GOVERNANCE" and audit["retention"]["Days"] == 30
    assert audit["court_can_delete"] is False
    # an unprotected bucket fails the audit with the reasons named
    s3["admin"].create_bucket(Bucket="plain-bucket")
    plain = audit_s3_bucket(s3["admin"], "plain-bucket")
    assert not plain["ok"]
    assert any("versioning" in p for p in plain["problems"])
    assert any("Object Lock" in p for p in plain["problems"])


def test_court_backs_up_with_its_key_and_cannot_delete(s3):
    site = s3["base"] / "web"
    (site / "uploads").mkdir(parents=True)
    (site / "index.php").write_text("<?php echo 'Pengadilan Negeri Tais';\n")
    (site / "uploads" / "sk.pdf").write_bytes(os.urandom(30000))
    court_repo = repository(s3, s3["court_key"])
    config = {
        "court": "pn-tais",
        "targets": [
            {
                "name": "s3-pt",
                "type": "s3",
                "repository": court_repo.location,
                "access_key_id": s3["court_key"]["AccessKeyId"],
                "secret_access_key": s3["court_key"]["SecretAccessKey"],
                "region": "us-east-1",
            }
        ],
        "password": PASSWORD,
        "webroot": str(site),
        "paths": [],
        "staging_dir": str(s3["base"] / "staging"),
        "status_file": str(s3["base"] / "status.json"),
        "cache_dir": str(s3["base"] / "cache"),
    }
    for run in ("s1", "s2"):
        status = run_backup(config, run_id=run)
        assert status["status"] == "ok", status
    assert s3["court_key"]["SecretAccessKey"] not in (s3["base"] / "status.json").read_text()
    assert len(court_repo.snapshots(host="pn-tais")) == 2

    # the court's key cannot remove history: deleting a snapshot file is refused by the server
    snapshot_key = s3["admin"].list_objects_v2(Bucket=BUCKET, Prefix="pn-tais/snapshots/")["Contents"][0][
        "Key"
    ]
    with pytest.raises(Exception, match="AccessDenied"):
        s3["court"].delete_object(Bucket=BUCKET, Key=snapshot_key)
    assert len(court_repo.snapshots()) == 2

    # the administrator's key applies retention and checks the repository
    admin_repo = repository(s3, s3["admin_key"])
    assert admin_repo.forget({"keep_last": 1}, host="pn-tais", prune=True)["removed"] == 1
    assert admin_repo.check(read_data_subset="1/2")["ok"]
    assert len(court_repo.snapshots()) == 1
