# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 targets: a real S3 server (moto, with IAM enforcement) on loopback, a bucket prepared and audited
with boto3 (versioning, Object Lock, a court credential that cannot delete), and real restic runs:
the court backs up with its own key, retention runs with the administrator's."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from ansible_collections.pn.website.plugins.module_utils import restic

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")
pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")

BUCKET = "pn-backup-pt-bengkulu"
PASSWORD = "S3-Repo-Rahasia"
# moto names HEAD bucket "s3:HeadBucket" (AWS checks it as s3:ListBucket)
MOTO_EXTRA_ACTIONS = ("s3:HeadBucket",)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # IAM is enforced after the 6 bootstrap calls that create the two users and their keys
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="6")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = "http://127.0.0.1:%d" % port
    try:
        for _unused in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        boot = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        iam = boto3.client("iam", aws_access_key_id="boot", aws_secret_access_key="boot", **boot)
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="admin",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        admin_key = iam.create_access_key(UserName="admin")["AccessKey"]
        admin_creds = {
            "aws_access_key_id": admin_key["AccessKeyId"],
            "aws_secret_access_key": admin_key["SecretAccessKey"],
        }
        iam = boto3.client("iam", **admin_creds, **boot)
        iam.create_user(UserName="pn-tais")
        iam.put_user_policy(
            UserName="pn-tais",
            PolicyName="court",
            PolicyDocument=json.dumps(restic.s3_court_policy(BUCKET, "pn-tais", MOTO_EXTRA_ACTIONS)),
        )
        court_key = iam.create_access_key(UserName="pn-tais")["AccessKey"]
        court_creds = {
            "aws_access_key_id": court_key["AccessKeyId"],
            "aws_secret_access_key": court_key["SecretAccessKey"],
        }
        yield {
            "endpoint": endpoint,
            "admin": boto3.client("s3", **admin_creds, **boot),
            "court": boto3.client("s3", **court_creds, **boot),
            "admin_key": admin_key,
            "court_key": court_key,
            "base": tmp_path_factory.mktemp("s3"),
        }
    finally:
        server.terminate()
        server.wait()


def repository(s3, key) -> restic.Repository:
    return restic.Repository.from_target(
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
    assert restic.prepare_s3_bucket(s3["admin"], BUCKET, retention_days=30)["created"] is True
    assert restic.prepare_s3_bucket(s3["admin"], BUCKET)["created"] is False
    audit = restic.audit_s3_bucket(s3["admin"], BUCKET, court=s3["court"], prefix="pn-tais")
    assert audit["ok"], audit["problems"]
    assert audit["versioning"] == "Enabled" and audit["object_lock"] == "Enabled"
    assert audit["retention"]["Mode"] == "GOVERNANCE" and audit["retention"]["Days"] == 30
    assert audit["court_can_delete"] is False
    # an unprotected bucket fails the audit with the reasons named
    s3["admin"].create_bucket(Bucket="plain-bucket")
    plain = restic.audit_s3_bucket(s3["admin"], "plain-bucket")
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
        status = restic.run_backup(config, run_id=run)
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
