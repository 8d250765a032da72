# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How a restic module reaches a repository (the argument spec is REPOSITORY_OPTIONS in
    # plugins/module_utils/backup/repository.py; keep the two in step).
    DOCUMENTATION = r"""
options:
  config:
    description:
      - Backup configuration (JSON) written by the C(pn.website.backup) role on the host the module runs on.
      - The repository, its password and credentials are taken from the target named O(target) (default
        the first one). Explicit options below override it.
    type: path
  target:
    description: Name of the backup target in O(config).
    type: str
  repository:
    description:
      - restic repository location (C(/path), C(sftp:user@host:/path), C(rest:https://host:8000/path),
        C(s3:https://host/bucket/path)). Overrides the target of O(config).
      - Give REST credentials with O(rest_username) and O(rest_password), not inside the URL.
    type: str
  repository_type:
    description: Kind of O(repository).
    type: str
    choices: [local, sftp, rest, s3]
    default: local
  password:
    description: Repository password (handed to restic through its environment, never logged).
    type: str
  password_file:
    description: File holding the repository password.
    type: path
  port:
    description: SSH port of an sftp repository.
    type: int
  identity_file:
    description: SSH private key for an sftp repository.
    type: path
  known_hosts_file:
    description: known_hosts file for an sftp repository (strict host key checking).
    type: path
  access_key_id:
    description: S3 access key id.
    type: str
  secret_access_key:
    description: S3 secret access key (never logged).
    type: str
  region:
    description: S3 region.
    type: str
  rest_username:
    description: User name on a REST server.
    type: str
  rest_password:
    description:
      - Password on a REST server (never logged).
      - Handed to restic through C(RESTIC_REST_USERNAME)/C(RESTIC_REST_PASSWORD) where restic supports
        them (0.16 and later), otherwise put into the repository URL in restic's environment at run time;
        never on a command line and never in a result.
    type: str
  cacert:
    description: CA certificate file to trust for a REST or S3 server with a private CA.
    type: path
  mount_point:
    description:
      - For a local repository on an external disk, the folder the disk is mounted on. While nothing is
        mounted there, every operation fails with kind C(not-mounted) and nothing is written.
      - Without it, a local repository under C(/media), C(/mnt) or C(/run/media) must be on a file system
        mounted below that folder.
    type: path
"""
