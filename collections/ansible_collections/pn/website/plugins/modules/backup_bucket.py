#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: backup_bucket
short_description: Prepare and audit the S3 bucket of court backups (versioning, Object Lock, no delete)
version_added: "0.1.0"
description:
  - Runs on the controller with the administrator's S3 credential (boto3), for an S3-compatible storage
    holding court backups made by M(pn.website.restic_backup).
  - With O(state=present) the bucket is brought to what court backups need, changing only what drifted;
    it is created with Object Lock, versioning is switched on, the default Object Lock retention is set,
    and (with O(court_user) and an IAM endpoint) the court's user gets an inline policy that can read and
    add objects under its prefix and delete only its restic lock files, never data, versions or settings.
  - With O(state=audited), or in check mode, nothing changes; the result lists the drift. With the court's
    own credential (O(court_access_key_id)) the audit also proves that it cannot delete objects, by writing
    a probe object, trying to delete it, and removing it again with the administrator's credential
    (skipped in check mode).
  - Secrets are never logged and never part of the result.
author:
  - pn.website maintainers (@pn-website)
requirements:
  - boto3 (on the controller)
extends_documentation_fragment:
  - pn.website.attributes
attributes:
  check_mode:
    support: full
    details: In check mode the drift is reported and nothing is changed; the delete probe is skipped.
options:
  bucket:
    description: Name of the bucket.
    type: str
    required: true
  state:
    description: C(present) prepares the bucket, C(audited) only reports its drift.
    type: str
    choices: [present, audited]
    default: present
  endpoint_url:
    description: S3 endpoint of the storage (for example C(https://s3.backup.example:9000)). Default AWS.
    type: str
  iam_endpoint_url:
    description: IAM endpoint for the court user's policy. Default O(endpoint_url).
    type: str
  region:
    description: Region of the bucket.
    type: str
    default: us-east-1
  access_key_id:
    description: The administrator's access key id. Default the usual boto3 credential chain.
    type: str
  secret_access_key:
    description: The administrator's secret access key (never logged).
    type: str
  ca_bundle:
    description: CA certificate file to verify the endpoint with (a private CA).
    type: path
  retention_days:
    description: Default Object Lock retention of new objects, in days (0 leaves the retention alone).
    type: int
    default: 0
  retention_mode:
    description: Object Lock mode of the default retention.
    type: str
    choices: [GOVERNANCE, COMPLIANCE]
    default: GOVERNANCE
  court_user:
    description: IAM user of the court whose inline policy is managed (and audited).
    type: str
  court_prefix:
    description: Prefix of the court's repository in the bucket. Default O(court_user).
    type: str
  policy_name:
    description: Name of the inline policy of O(court_user).
    type: str
    default: pn-website-backup
  manage_court_policy:
    description: Manage the court user's policy through IAM. Set false for storage without the IAM API;
      the wanted policy document is still returned as RV(court_policy_document).
    type: bool
    default: true
  court_policy_extra_actions:
    description: Extra bucket-level actions in the court's policy, for storage that names them differently.
    type: list
    elements: str
    default: []
  court_access_key_id:
    description: The court's own access key id, to prove that it cannot delete objects.
    type: str
  court_secret_access_key:
    description: The court's own secret access key (never logged).
    type: str
"""

EXAMPLES = r"""
- name: Prepare the backup bucket of the court
  pn.website.backup_bucket:
    bucket: pn-backup-pn-tais
    endpoint_url: https://s3.backup.pt-surabaya.go.id
    access_key_id: "{{ vault_s3_admin_key_id }}"
    secret_access_key: "{{ vault_s3_admin_secret }}"
    retention_days: 30
    court_user: pn-tais
  delegate_to: localhost
  no_log: true

- name: Audit it, including that the court's own key cannot delete
  pn.website.backup_bucket:
    bucket: pn-backup-pn-tais
    state: audited
    endpoint_url: https://s3.backup.pt-surabaya.go.id
    access_key_id: "{{ vault_s3_admin_key_id }}"
    secret_access_key: "{{ vault_s3_admin_secret }}"
    retention_days: 30
    court_user: pn-tais
    court_access_key_id: "{{ vault_s3_court_key_id }}"
    court_secret_access_key: "{{ vault_s3_court_secret }}"
  delegate_to: localhost
  register: audit
"""

RETURN = r"""
bucket:
  description: The bucket.
  returned: always
  type: str
ok:
  description: Whether the bucket is as court backups need it (no drift, no audit problem).
  returned: success
  type: bool
drift:
  description: What differed from the wanted state before the run (item, expected, actual).
  returned: success
  type: list
  elements: dict
created:
  description: Whether the bucket was created.
  returned: success
  type: bool
state:
  description: The bucket after the run (exists, versioning, object_lock, retention, court_policy).
  returned: success
  type: dict
problems:
  description: Problems found by the audit, in words.
  returned: success
  type: list
  elements: str
court_can_delete:
  description: Whether the court's credential could delete an object (only with the court's credential).
  returned: when the court's credential was given and not in check mode
  type: bool
court_policy_document:
  description: The inline policy the court's user needs.
  returned: when court_user is set
  type: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pn.website.plugins.module_utils.backup.bucket import (
    audit_s3_bucket,
    ensure_s3_bucket,
)
from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError

BOTO3_IMPORT_ERROR = None
try:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # controller-only dependency
    BOTO3_IMPORT_ERROR = traceback.format_exc()
    BotoCoreError = ClientError = Exception


def _client(params, service, key_id, secret, endpoint):
    options = {"region_name": params["region"]}
    if endpoint:
        options["endpoint_url"] = endpoint
    if key_id:
        options["aws_access_key_id"] = key_id
        options["aws_secret_access_key"] = secret
    if params["ca_bundle"]:
        options["verify"] = params["ca_bundle"]
    return boto3.client(service, **options)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "audited"], default="present"),
            endpoint_url=dict(type="str"),
            iam_endpoint_url=dict(type="str"),
            region=dict(type="str", default="us-east-1"),
            access_key_id=dict(type="str", no_log=False),
            secret_access_key=dict(type="str", no_log=True),
            ca_bundle=dict(type="path"),
            retention_days=dict(type="int", default=0),
            retention_mode=dict(type="str", choices=["GOVERNANCE", "COMPLIANCE"], default="GOVERNANCE"),
            court_user=dict(type="str"),
            court_prefix=dict(type="str"),
            policy_name=dict(type="str", default="pn-website-backup"),
            manage_court_policy=dict(type="bool", default=True),
            court_policy_extra_actions=dict(type="list", elements="str", default=[]),
            court_access_key_id=dict(type="str", no_log=False),
            court_secret_access_key=dict(type="str", no_log=True),
        ),
        required_together=[
            ("access_key_id", "secret_access_key"),
            ("court_access_key_id", "court_secret_access_key"),
        ],
        supports_check_mode=True,
    )
    if BOTO3_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_IMPORT_ERROR)
    params = module.params
    if params["retention_days"] < 0:
        module.fail_json(msg="retention_days must be 0 or more, got %d" % params["retention_days"])
    bucket = params["bucket"]
    try:
        admin = _client(
            params, "s3", params["access_key_id"], params["secret_access_key"], params["endpoint_url"]
        )
        iam = None
        if params["court_user"] and params["manage_court_policy"]:
            iam = _client(
                params,
                "iam",
                params["access_key_id"],
                params["secret_access_key"],
                params["iam_endpoint_url"] or params["endpoint_url"],
            )
        outcome = ensure_s3_bucket(
            admin,
            bucket,
            retention_days=params["retention_days"],
            mode=params["retention_mode"],
            iam=iam,
            court_user=params["court_user"],
            prefix=params["court_prefix"],
            policy_name=params["policy_name"],
            extra_actions=tuple(params["court_policy_extra_actions"]),
            check_mode=module.check_mode or params["state"] == "audited",
        )
        result = dict(
            changed=outcome["changed"] and params["state"] == "present",
            bucket=bucket,
            drift=outcome["drift"],
            created=outcome["created"],
            state=outcome["after"],
            problems=[],
        )
        if "court_policy_document" in outcome:
            result["court_policy_document"] = outcome["court_policy_document"]
        after = outcome["after"]
        if params["court_access_key_id"] and after["exists"] and not module.check_mode:
            court = _client(
                params,
                "s3",
                params["court_access_key_id"],
                params["court_secret_access_key"],
                params["endpoint_url"],
            )
            audit = audit_s3_bucket(
                admin, bucket, court=court, prefix=params["court_prefix"] or params["court_user"]
            )
            result["problems"] = audit["problems"]
            result["court_can_delete"] = audit.get("court_can_delete")
        elif after["exists"]:
            audit = audit_s3_bucket(admin, bucket)
            result["problems"] = audit["problems"]
        else:
            result["problems"] = ["the bucket %s does not exist" % bucket]
        if params["state"] == "audited" or module.check_mode:
            result["problems"] = sorted(
                set(result["problems"])
                | {"%s: %s, expected %s" % (d["item"], d["actual"], d["expected"]) for d in outcome["drift"]}
            )
        result["ok"] = not result["problems"]
    except ResticError as error:
        module.fail_json(msg=str(error), bucket=bucket)
    except (BotoCoreError, ClientError) as error:
        module.fail_json(msg="S3 request on bucket %s failed: %s" % (bucket, error), bucket=bucket)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
