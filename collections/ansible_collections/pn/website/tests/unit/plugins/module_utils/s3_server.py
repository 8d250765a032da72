# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local S3 server for the backup tests: moto on loopback with IAM enforced, an administrator with
every right and a court user with its own key (and, optionally, its bucket policy)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time

import boto3

ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _credentials(key):
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


@contextlib.contextmanager
def moto_s3(court, court_policy=None):
    """Yields endpoint, client_args (endpoint and region), admin_key, court_key, admin and court
    (boto3 credential arguments) and iam (the administrator's IAM client)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # IAM is enforced after the 3 bootstrap calls that make the administrator
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
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
        client_args = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        iam = boto3.client("iam", aws_access_key_id="boot", aws_secret_access_key="boot", **client_args)
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
        admin_key = iam.create_access_key(UserName="admin")["AccessKey"]
        iam = boto3.client("iam", **_credentials(admin_key), **client_args)
        iam.create_user(UserName=court)
        if court_policy is not None:
            iam.put_user_policy(UserName=court, PolicyName="court", PolicyDocument=json.dumps(court_policy))
        court_key = iam.create_access_key(UserName=court)["AccessKey"]
        yield {
            "endpoint": endpoint,
            "client_args": client_args,
            "admin_key": admin_key,
            "court_key": court_key,
            "admin": _credentials(admin_key),
            "court": _credentials(court_key),
            "iam": iam,
        }
    finally:
        server.terminate()
        server.wait()
