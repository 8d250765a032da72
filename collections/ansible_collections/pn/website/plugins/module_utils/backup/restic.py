# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""restic as the backup engine of a court website (SOP W2/W8, IT backup and restore).

One run backs a court up into every configured repository (external disk, SFTP backup server,
REST server, S3): a verified database dump, a manifest of file hashes and table checksums, the
web root, web server / PHP / TLS configuration, crontabs and the installed package list, as one
snapshot per repository tagged with the court and the run id. The run writes a JSON status file
and fails (non-zero) on any problem, never a silent success.

Secrets (the repository password, S3 keys, REST credentials) reach restic through its environment
or a password file, never through argv, and are scrubbed from every message. Standard library only:
this runs on court servers (Python 3.8+), from Ansible modules and from the backup timer alike.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

# On a court server the backup timer imports these from the same package layout (roles/backup).
from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump
from ansible_collections.pn.website.plugins.module_utils.shared import redact

TARGET_TYPES = ("local", "sftp", "rest", "s3")
STATUS_FILE = "/var/lib/pn-website/backup-status.json"
STAGING_DIR = "/var/lib/pn-website/backup-staging"
DEFAULT_PATHS = (
    "/etc/nginx",
    "/etc/apache2",
    "/etc/php",
    "/etc/ssl",
    "/etc/letsencrypt",
    "/etc/crontab",
    "/etc/cron.d",
    "/var/spool/cron/crontabs",
)
# restic exit codes: 0 ok, 1 fatal, 3 snapshot written but some source files could not be read.
EXIT_INCOMPLETE = 3

# Order matters: restic wraps a refused login or a dead server in "unable to open config file ...
# Is there a repository at the following location?", so those are recognised before a missing repository.
ERROR_PATTERNS = (
    ("wrong-password", ("wrong password or no key found",)),
    ("locked", ("repository is already locked", "unable to create lock", "lock was created")),
    (
        "no-space",
        (
            "no space left on device",
            "disk quota exceeded",
            "request entity too large",  # a REST server over its quota (413)
            "quotaexceeded",
            "entitytoolarge",
        ),
    ),
    ("access-denied", ("access denied", "accessdenied", "forbidden", "401 unauthorized", "403")),
    (
        "unreachable",
        (
            "connection refused",
            "no route to host",
            "connection timed out",
            "i/o timeout",
            "network is unreachable",
            "could not resolve hostname",
            "no such host",
            "ssh command exited",
            "subprocess ssh",
            "connection closed by",
            "host key verification failed",
            "permission denied (publickey",
            "connection reset",
            "unable to open repository",
        ),
    ),
    (
        "no-repository",
        (
            "is there a repository at the following location",
            "repository does not exist",
            "unable to open config file",
            "the specified bucket does not exist",
            "nosuchbucket",
        ),
    ),
)

MESSAGES = {
    "wrong-password": "wrong repository password (or no key in the repository matches it)",
    "locked": "the repository is locked by another running restic process; a live lock is never broken",
    "no-space": "no space left on the backup medium",
    "no-repository": "no restic repository at this location (run the backup role to initialise it)",
    "unreachable": "the backup target cannot be reached",
    "access-denied": "the backup target refused the credentials",
    "append-only": (
        "the target refuses deletion with this credential (append-only server or no delete permission):"
        " retention and prune run from the controller with the administrator's credential"
    ),
    "not-mounted": (
        "the backup disk is not mounted; nothing was written (a repository on the root disk in its place"
        " would look like a backup and vanish with the server)"
    ),
    "incomplete": "snapshot written but some files could not be read",
    "not-installed": "restic is not installed",
    "timeout": "restic did not finish in time",
    "bad-input": "invalid backup configuration",
    "failed": "restic failed",
}


class ResticError(Exception):
    """A failed restic operation: `kind` is stable (see MESSAGES), the message has no secrets."""

    def __init__(self, message: str, kind: str = "failed", exit_code: int | None = None, detail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code
        self.detail = detail

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": str(self), "exit_code": self.exit_code, "detail": self.detail}


def classify(stderr: str) -> str:
    """The kind of a restic failure from its error output."""
    text = stderr.lower()
    for kind, needles in ERROR_PATTERNS:
        if any(needle in text for needle in needles):
            return kind
    return "failed"


def parse_version(text: str) -> tuple:
    """(major, minor, patch) from `restic version` output; (0, 0, 0) when unknown."""
    match = re.search(r"restic\s+v?(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


_VERSION_CACHE: dict = {}


def restic_version(binary: str = "restic") -> tuple:
    if binary not in _VERSION_CACHE:
        try:
            out = subprocess.run([binary, "version"], capture_output=True, text=True, check=False).stdout
        except FileNotFoundError:
            raise ResticError("%s is not installed" % binary, kind="not-installed") from None
        _VERSION_CACHE[binary] = parse_version(out)
    return _VERSION_CACHE[binary]


def features(version: tuple) -> dict:
    """Flags that depend on the restic version (Debian 11: 0.11, 12: 0.14, 13: 0.18)."""
    return {
        "compression": version >= (0, 14, 0),  # --compression, repository format v2
        "retry_lock": version >= (0, 16, 0),  # --retry-lock
        "rest_credentials_env": version >= (0, 16, 0),  # RESTIC_REST_USERNAME / _PASSWORD
        "read_data_subset_percent": version >= (0, 12, 0),  # --read-data-subset 5%
        "skip_if_unchanged": version >= (0, 17, 0),  # backup --skip-if-unchanged
        "dump_archive_zip": version >= (0, 12, 0),
        "check_subset_rotation": version >= (0, 10, 0),  # n/m groups
    }


def redact_location(location: str) -> str:
    """A repository location without credentials (rest:https://user:pass@host/ -> rest:https://host/),
    also when the password holds '/', '@' or ':'."""
    return redact.redact_text(location or "", keep_user=False)


def rotating_subset(groups: int, when: datetime.date | None = None, period_days: int = 7) -> str:
    """`n/m` for --read-data-subset, so that `groups` consecutive runs, one per `period_days` (the
    maintenance runs weekly), read the whole repository.

    n counts periods since a fixed Monday (the first day of the proleptic calendar), not the day of
    the period: a weekly check keyed on the day number would read the same group every week. Weekly
    periods start on Mondays, like ISO weeks, and go on across year ends (week 53 to week 1)."""
    groups = max(1, int(groups))
    period_days = max(1, int(period_days))
    period = (((when or datetime.date.today()).toordinal()) - 1) // period_days
    return "%d/%d" % (period % groups + 1, groups)


# Folders under which Debian and desktop tools mount removable disks: a backup location below one of
# them is on an external disk, whether or not the inventory names its mount point.
REMOVABLE_MEDIA_DIRS = ("/media", "/mnt", "/run/media")


def mount_points() -> set:
    """Mount points of this host from /proc/self/mountinfo (bind mounts included, which
    os.path.ismount misses when source and target share a file system)."""
    points = set()
    try:
        with open("/proc/self/mountinfo", "rb") as handle:
            for line in handle:
                fields = line.split(b" ")
                if len(fields) > 4:
                    # octal escapes of space, tab, newline and backslash in the path
                    path = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
                    points.add(os.fsdecode(path))
    except OSError:
        pass
    return points


def is_mount_point(path: str) -> bool:
    path = os.path.normpath(path)
    return os.path.ismount(path) or path in mount_points()


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def unmounted_disk(location: str, mount_point: str | None = None) -> str | None:
    """Why a local repository must not be touched now, or None.

    With `mount_point` (the inventory's), that folder must be a mount point and hold the location.
    Without it, a location under /media, /mnt or /run/media must be on a file system mounted below
    that folder. Otherwise restic would create a fresh repository in the empty mount folder, on the
    root disk, and report a good backup while the external disk sits in a drawer."""
    location = os.path.normpath(location)
    if mount_point:
        mount_point = os.path.normpath(mount_point)
        if not _under(location, mount_point):
            return "the location %s is not on the disk mounted at %s" % (location, mount_point)
        if not is_mount_point(mount_point):
            return "no disk is mounted at %s" % mount_point
        return None
    for media in REMOVABLE_MEDIA_DIRS:
        if _under(location, media) and location != media:
            path = location
            while path != media:
                if is_mount_point(path):
                    return None
                path = os.path.dirname(path)
            return "no disk is mounted under %s for %s" % (media, location)
    return None


class Repository:
    """A restic repository and how to reach it; builds commands and a secret-free environment."""

    def __init__(
        self,
        location: str,
        type: str = "local",  # noqa: A002 (the inventory key is `type`)
        password: str | None = None,
        password_file: str | None = None,
        name: str | None = None,
        port: int | None = None,
        identity_file: str | None = None,
        known_hosts_file: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
        username: str | None = None,
        rest_password: str | None = None,
        cacert: str | None = None,
        cache_dir: str | None = None,
        binary: str = "restic",
        timeout: float | None = None,
        limit_upload_kib: int | None = None,
        append_only: bool = False,
        mount_point: str | None = None,
    ):
        if type not in TARGET_TYPES:
            raise ResticError(
                "target type %r is not one of %s" % (type, ", ".join(TARGET_TYPES)), "bad-input"
            )
        if not location:
            raise ResticError("target location is missing", "bad-input")
        if not password and not password_file:
            raise ResticError("no repository password (password or password_file)", "bad-input")
        self.location = location
        self.type = type
        self.name = name or type
        self.password = password
        self.password_file = password_file
        self.port = port
        self.identity_file = identity_file
        self.known_hosts_file = known_hosts_file
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.username = username
        self.rest_password = rest_password
        self.cacert = cacert
        self.cache_dir = cache_dir
        self.binary = binary
        self.timeout = timeout
        self.limit_upload_kib = limit_upload_kib
        self.append_only = bool(append_only)
        self.mount_point = mount_point if type == "local" else None
        self._version = None
        if type == "rest":
            self._split_rest_credentials()

    def _split_rest_credentials(self) -> None:
        """Credentials written into a REST URL move to username/rest_password, so that the location
        kept (and shown) has none; restic gets them back through its environment only."""
        match = re.match(r"^(rest:https?://)([^/@\s]+)@(.*)$", self.location)
        if not match:
            return
        from urllib.parse import unquote

        user, _sep, password = match.group(2).partition(":")
        self.username = self.username or unquote(user)
        self.rest_password = self.rest_password or unquote(password) or None
        self.location = match.group(1) + match.group(3)

    @classmethod
    def from_target(cls, target: dict, password=None, password_file=None, **extra) -> "Repository":
        keys = (
            "port",
            "identity_file",
            "known_hosts_file",
            "access_key_id",
            "secret_access_key",
            "region",
            "username",
            "cacert",
            "limit_upload_kib",
            "append_only",
            "mount_point",
        )
        options = {key: target.get(key) for key in keys if target.get(key) not in (None, "")}
        if target.get("password"):
            options["rest_password"] = target["password"]
        return cls(
            location=target.get("repository") or repository_location(target),
            type=target.get("type", "local"),
            name=target.get("name"),
            password=password if password is not None else target.get("repository_password"),
            password_file=password_file or target.get("password_file"),
            **options,
            **extra,
        )

    # -- building commands -------------------------------------------------------------------------
    @property
    def version(self) -> tuple:
        if self._version is None:
            self._version = restic_version(self.binary)
        return self._version

    @property
    def secrets(self) -> list:
        return [s for s in (self.password, self.secret_access_key, self.rest_password) if s]

    @property
    def display(self) -> str:
        return redact_location(self.location)

    def url(self) -> str:
        """The location handed to restic (REST credentials go into the URL on restic < 0.16)."""
        location = self.location
        if (
            self.type == "rest"
            and self.username
            and self.rest_password
            and not features(self.version)["rest_credentials_env"]
        ):
            from urllib.parse import quote

            location = re.sub(
                r"^(rest:https?://)",
                lambda m: "%s%s:%s@" % (m.group(1), quote(self.username, ""), quote(self.rest_password, "")),
                location,
            )
        return location

    def env(self) -> dict:
        """restic's environment: repository, password and backend credentials (never argv)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RESTIC_", "AWS_", "B2_", "AZURE_", "GOOGLE_", "OS_", "ST_"))
        }
        env["RESTIC_REPOSITORY"] = self.url()
        if self.password_file:
            env["RESTIC_PASSWORD_FILE"] = self.password_file
        else:
            env["RESTIC_PASSWORD"] = self.password or ""
        if self.type == "s3":
            if self.access_key_id:
                env["AWS_ACCESS_KEY_ID"] = self.access_key_id
            if self.secret_access_key:
                env["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
            if self.region:
                env["AWS_DEFAULT_REGION"] = self.region
        if self.type == "rest" and self.username and features(self.version)["rest_credentials_env"]:
            env["RESTIC_REST_USERNAME"] = self.username
            env["RESTIC_REST_PASSWORD"] = self.rest_password or ""
        if self.cache_dir:
            env["RESTIC_CACHE_DIR"] = self.cache_dir
        env.setdefault("HOME", "/root")
        env["LC_ALL"] = "C"
        return env

    def global_args(self) -> list:
        args = []
        if self.type == "sftp":
            args += ["-o", "sftp.command=%s" % self.sftp_command()]
        if self.cacert:
            args += ["--cacert", self.cacert]
        if self.limit_upload_kib:
            args += ["--limit-upload", str(int(self.limit_upload_kib))]
        return args

    def sftp_command(self) -> str:
        """The ssh command restic runs for sftp: strict host keys, key auth, no password prompts."""
        match = re.match(r"^sftp:(?:(?P<user>[^@]+)@)?(?P<host>\[[^\]]+\]|[^:]+):", self.location)
        if not match:
            raise ResticError(
                "sftp location must look like sftp:user@host:/path, got %r" % self.location, "bad-input"
            )
        ssh = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=30"]
        if self.port:
            ssh += ["-p", str(int(self.port))]
        if self.identity_file:
            ssh += ["-i", self.identity_file, "-o", "IdentitiesOnly=yes"]
        if self.known_hosts_file:
            ssh += ["-o", "UserKnownHostsFile=" + self.known_hosts_file, "-o", "StrictHostKeyChecking=yes"]
        if match.group("user"):
            ssh += ["-l", match.group("user")]
        ssh += [match.group("host").strip("[]"), "-s", "sftp"]
        return " ".join(shlex.quote(part) for part in ssh)

    def scrub(self, text: str) -> str:
        url = self.url()
        if url != self.location:
            text = text.replace(url, self.display)
        for secret in self.secrets:
            text = text.replace(secret, "********")
        return redact_location(text)  # also restic's own "user:***@" in URLs

    # -- running -----------------------------------------------------------------------------------
    def run(
        self,
        args: list,
        json_output: bool = False,
        stdin=None,
        stdout=None,
        unlock_stale: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess:
        """Run restic; on a lock conflict clear stale locks (only) once and retry."""
        self.require_mounted(args[0] if args else "")
        command = [self.binary] + self.global_args() + list(args) + (["--json"] if json_output else [])
        for attempt in (1, 2):
            try:
                proc = subprocess.run(
                    command,
                    env=self.env(),
                    stdin=stdin if stdin is not None else subprocess.DEVNULL,
                    stdout=stdout if stdout is not None else subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    timeout=timeout or self.timeout,
                    check=False,
                )
            except FileNotFoundError:
                raise ResticError("%s is not installed" % self.binary, kind="not-installed") from None
            except subprocess.TimeoutExpired:
                raise ResticError("restic %s did not finish in time" % args[0], kind="timeout") from None
            stderr = proc.stderr.decode("utf-8", "replace") if proc.stderr else ""
            if proc.returncode in (0, EXIT_INCOMPLETE):
                return proc
            kind = classify(stderr)
            if kind == "locked" and unlock_stale and attempt == 1 and args[:1] != ["unlock"]:
                self.unlock()  # removes stale locks only; a live lock stays and the retry fails
                continue
            self.fail(args[0], proc.returncode, stderr, kind)
        raise AssertionError("unreachable")  # pragma: no cover

    def require_mounted(self, action: str) -> None:
        """A local repository on an external disk is used only while that disk is mounted."""
        if self.type != "local":
            return
        reason = unmounted_disk(self.location, self.mount_point)
        if reason:
            raise ResticError(
                "restic %s on %s (%s): %s: %s"
                % (action, self.name, self.display, MESSAGES["not-mounted"], reason),
                kind="not-mounted",
            )

    def fail(self, action: str, exit_code: int, stderr: str, kind: str | None = None):
        kind = kind or classify(stderr)
        if kind == "access-denied" and action in ("forget", "prune"):
            kind = "append-only"
        lines = [line for line in self.scrub(stderr).splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith("Fatal:")] or lines[-1:]
        detail = fatal[0] if fatal else "exit %s" % exit_code
        raise ResticError(
            "restic %s on %s (%s): %s: %s"
            % (action, self.name, self.display, MESSAGES.get(kind, MESSAGES["failed"]), detail),
            kind=kind,
            exit_code=exit_code,
            detail="\n".join(lines[-10:]),
        )

    # -- operations --------------------------------------------------------------------------------
    def exists(self) -> bool:
        try:
            self.run(["cat", "config"], unlock_stale=False)
            return True
        except ResticError as error:
            if error.kind == "no-repository":
                return False
            raise

    def init(self) -> bool:
        """Create the repository when missing; True when it was created."""
        if self.exists():
            return False
        args = ["init"]
        if features(self.version)["compression"]:
            args += ["--repository-version", "2"]
        self.run(args)
        return True

    def snapshots(self, host: str | None = None, tags: list | None = None) -> list:
        args = ["snapshots"]
        if host:
            args += ["--host", host]
        for tag in tags or ():
            args += ["--tag", tag]
        proc = self.run(args, json_output=True)
        data = json.loads(proc.stdout.decode() or "[]") or []
        data.sort(key=lambda snap: snap.get("time", ""))
        return data

    def backup(
        self,
        paths: list,
        host: str,
        tags: list,
        excludes: list | None = None,
        compression: str | None = None,
        stdin=None,
    ) -> dict:
        """Back up paths; returns restic's JSON summary (snapshot_id, data_added, ...)."""
        args = ["backup", "--host", host]
        for tag in tags:
            args += ["--tag", tag]
        for pattern in excludes or ():
            args += ["--exclude", pattern]
        if compression and features(self.version)["compression"]:
            args += ["--compression", compression]
        args += list(paths)
        proc = self.run(args, json_output=True, stdin=stdin)
        summary, errors = parse_backup_output(proc.stdout.decode("utf-8", "replace"))
        if not summary.get("snapshot_id"):
            self.fail("backup", proc.returncode, proc.stderr.decode("utf-8", "replace") or "no snapshot")
        summary["exit_code"] = proc.returncode
        summary["errors"] = errors[:20]
        if proc.returncode == EXIT_INCOMPLETE or errors:
            raise ResticError(
                "restic backup on %s: %s (%d errors, first: %s); snapshot %s is incomplete"
                % (
                    self.name,
                    MESSAGES["incomplete"],
                    len(errors),
                    errors[0] if errors else "?",
                    summary["snapshot_id"],
                ),
                kind="incomplete",
                exit_code=proc.returncode,
                detail=json.dumps(summary),
            )
        return summary

    def forget(
        self, policy: dict, host: str | None = None, tags: list | None = None, prune=False, dry_run=False
    ) -> dict:
        """Apply a retention policy {keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_within: '30d'}."""
        if not dry_run:
            self.refuse_on_append_only("forget")
        args = ["forget", "--group-by", "host"]
        for key, value in sorted(policy.items()):
            if value in (None, "", 0):
                continue
            if not re.match(r"^keep_(last|hourly|daily|weekly|monthly|yearly|within|tag)$", key):
                raise ResticError("unknown retention key %r" % key, "bad-input")
            args += ["--" + key.replace("_", "-"), str(value)]
        if len(args) == 3:
            raise ResticError("empty retention policy: nothing would be kept", "bad-input")
        if host:
            args += ["--host", host]
        for tag in tags or ():
            args += ["--tag", tag]
        if prune:
            args.append("--prune")
        if dry_run:
            args.append("--dry-run")
        proc = self.run(args, json_output=True)
        removed = kept = 0
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("[{") or line.strip() == "[]":
                try:
                    groups = json.loads(line)
                except ValueError:
                    continue
                for group in groups:
                    removed += len(group.get("remove") or [])
                    kept += len(group.get("keep") or [])
        return {"removed": removed, "kept": kept, "pruned": bool(prune)}

    def refuse_on_append_only(self, action: str) -> None:
        """forget and prune delete data: never attempted with a court's append-only credential (an
        append-only server refuses them anyway, after restic's retries)."""
        if self.append_only:
            raise ResticError(
                "restic %s on %s (%s): %s" % (action, self.name, self.display, MESSAGES["append-only"]),
                kind="append-only",
            )

    def prune(self) -> dict:
        self.refuse_on_append_only("prune")
        proc = self.run(["prune"])
        return {"pruned": True, "output": self.scrub(proc.stdout.decode("utf-8", "replace"))[-2000:]}

    def check(self, read_data_subset: str | None = None) -> dict:
        args = ["check"]
        if read_data_subset:
            args += ["--read-data-subset", read_data_subset]
        proc = self.run(args)
        text = proc.stdout.decode("utf-8", "replace")
        return {"ok": "no errors were found" in text, "read_data_subset": read_data_subset or ""}

    def unlock(self) -> None:
        """Remove stale locks only (restic's default): a lock of a live process is left alone."""
        self.run(["unlock"], unlock_stale=False)

    def stats(self, mode: str = "raw-data") -> dict:
        proc = self.run(["stats", "--mode", mode], json_output=True)
        return json.loads(proc.stdout.decode() or "{}")

    def resolve(
        self, snapshot: str = "latest", host: str | None = None, tags: list | None = None, exclude_tags=()
    ) -> dict:
        """The snapshot record for an id (prefix) or 'latest' (of a host/tags, skipping exclude_tags)."""
        snaps = self.snapshots(host=host, tags=tags)
        if snapshot in (None, "", "latest"):
            snaps = [s for s in snaps if not set(s.get("tags") or []) & set(exclude_tags)]
            if not snaps:
                raise ResticError(
                    "no snapshot in %s for host %s" % (self.display, host or "*"), "no-snapshot"
                )
            return snaps[-1]
        for snap in snaps:
            if snap["id"].startswith(snapshot) or snap.get("short_id") == snapshot:
                return snap
        raise ResticError("snapshot %s not found in %s" % (snapshot, self.display), "no-snapshot")

    def restore(self, snapshot_id: str, target: str, includes: list | None = None) -> dict:
        args = ["restore", snapshot_id, "--target", target]
        for pattern in includes or ():
            args += ["--include", pattern]
        started = time.monotonic()
        self.run(args)
        return {
            "snapshot_id": snapshot_id,
            "target": target,
            "duration": round(time.monotonic() - started, 3),
        }

    def dump_archive(self, snapshot_id: str, out_path: str, archive: str = "tar", path: str = "/") -> dict:
        """Export a snapshot as a tar (or zip) archive, e.g. onto removable media. The archive holds the
        database dump and the site's configuration with its passwords: it is created 0600 (whatever
        the umask), and a missing folder for it 0700."""
        if archive not in ("tar", "zip"):
            raise ResticError("archive must be tar or zip", "bad-input")
        directory = os.path.dirname(os.path.abspath(out_path))
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700)
        partial = out_path + ".partial"
        if os.path.lexists(partial):
            os.unlink(partial)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            try:
                self.run(["dump", "--archive", archive, snapshot_id, path], stdout=handle)
            except ResticError:
                os.unlink(partial)
                raise
        os.replace(partial, out_path)
        return {"archive": out_path, "bytes": os.path.getsize(out_path), "format": archive, "mode": "0600"}


def parse_backup_output(text: str) -> tuple:
    """(summary dict, [error messages]) from `restic backup --json` output lines."""
    summary, errors = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        kind = message.get("message_type")
        if kind == "summary":
            summary = message
        elif kind == "error":
            error = message.get("error") or {}
            text_error = error.get("message") if isinstance(error, dict) else str(error)
            errors.append("%s: %s" % (message.get("item", ""), text_error or message.get("during", "")))
    return summary, errors


def parse_time(text: str) -> datetime.datetime:
    """restic's RFC 3339 time with nanoseconds (2026-11-23T09:19:56.781485725Z) as an aware datetime."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text or "")
    if not match:
        raise ValueError("not a restic time: %r" % text)
    base, fraction, zone = match.groups()
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    zone = "+00:00" if zone == "Z" else zone
    parsed = datetime.datetime.strptime(base + zone.replace(":", ""), "%Y-%m-%dT%H:%M:%S%z")
    return parsed.replace(microsecond=micro)


def snapshot_age_hours(snapshot: dict, now: datetime.datetime | None = None) -> float:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return round((now - parse_time(snapshot["time"])).total_seconds() / 3600.0, 3)


_ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|z|[+-]\d\d:?\d\d)$")


def parse_iso_time(text) -> datetime.datetime:
    """An ISO 8601 time with its zone (``2026-11-23T09:30:00+00:00``, ``...Z``) as an aware datetime.

    A time without a zone is refused: the controller's and the court's clocks may be in different zones.
    """
    match = _ISO_TIME.match(str(text or "").strip())
    if not match:
        raise ResticError(
            "%r is not an ISO 8601 time with a zone (e.g. 2026-11-23T09:30:00+07:00)" % (text,), "bad-input"
        )
    day, clock, fraction, zone = match.groups()
    clock = clock if clock.count(":") == 2 else clock + ":00"
    zone = "+0000" if zone in ("Z", "z") else zone.replace(":", "")
    parsed = datetime.datetime.strptime("%sT%s%s" % (day, clock, zone), "%Y-%m-%dT%H:%M:%S%z")
    return parsed.replace(microsecond=int((fraction or ".0")[1:7].ljust(6, "0")))


def snapshot_known_good(snapshots: list, windows: list, exclude_tags=("pre-restore",)) -> dict | None:
    """The newest snapshot taken inside one of ``windows``, or None.

    A window is ``{"before": ISO time, "after": ISO time or None}`` (both bounds exclusive): a stretch of
    time in which the court's site was seen whole, so that a snapshot taken then holds no compromise.
    Snapshots tagged with one of ``exclude_tags`` (the safety snapshots a restore takes of the site as it
    was) and snapshots whose time cannot be read never qualify.
    """
    bounds = []
    for window in windows or []:
        if not isinstance(window, dict) or not window.get("before"):
            raise ResticError("a known-good window needs 'before' (ISO time): %r" % (window,), "bad-input")
        after = parse_iso_time(window["after"]) if window.get("after") else None
        bounds.append((after, parse_iso_time(window["before"])))
    best, best_time = None, None
    for snap in snapshots or []:
        if set(snap.get("tags") or []) & set(exclude_tags):
            continue
        try:
            taken = parse_time(snap.get("time") or "")
        except ValueError:
            continue
        inside = any(taken < before and (after is None or taken > after) for after, before in bounds)
        if inside and (best_time is None or taken > best_time):
            best, best_time = snap, taken
    return best


def repository_location(target: dict) -> str:
    """The restic repository string of an inventory backup target."""
    kind = target.get("type", "local")
    location = str(target.get("location") or "")
    if not location:
        raise ResticError("backup target %r has no location" % target.get("name"), "bad-input")
    if kind == "local":
        if not location.startswith("/"):
            raise ResticError("local target location must be an absolute path: %r" % location, "bad-input")
        return location
    prefix = kind + ":"
    return location if location.startswith(prefix) else prefix + location


# -- manifest of the web root and the database ------------------------------------------------------
def file_manifest(root: str, cache: dict | None = None, excludes: tuple = ()) -> dict:
    """{relative path: {sha256, size}} for every regular file under root.

    `cache` ({path: [size, mtime_ns, inode, sha256]}) avoids re-reading unchanged files (as restic
    does); it is updated in place.
    """
    files = {}
    cache = cache if cache is not None else {}
    seen = set()
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = os.path.join(directory, filename)
            relative = os.path.relpath(path, root)
            if any(relative == e or relative.startswith(e.rstrip("/") + "/") for e in excludes):
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            key = [info.st_size, info.st_mtime_ns, info.st_ino]
            cached = cache.get(path)
            if cached and cached[:3] == key:
                digest = cached[3]
            else:
                hasher = hashlib.sha256()
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        hasher.update(block)
                digest = hasher.hexdigest()
                cache[path] = key + [digest]
            seen.add(path)
            files[relative] = {"sha256": digest, "size": info.st_size}
    for stale in [path for path in cache if path not in seen and path.startswith(root.rstrip("/") + "/")]:
        del cache[stale]
    return files


def compare_files(expected: dict, actual: dict) -> dict:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p]["sha256"] != actual[p]["sha256"])
    return {
        "ok": not (missing or changed),
        "files": len(expected),
        "missing": missing[:50],
        "changed": changed[:50],
        "extra": extra[:50],
    }


def compare_tables(expected: dict, actual: dict) -> dict:
    problems = []
    for table, info in sorted(expected.items()):
        got = actual.get(table)
        if got is None:
            problems.append("%s: missing" % table)
        elif got["rows"] != info["rows"]:
            problems.append("%s: %s rows, expected %s" % (table, got["rows"], info["rows"]))
        elif got["checksum"] != info["checksum"]:
            problems.append("%s: checksum %s, expected %s" % (table, got["checksum"], info["checksum"]))
    return {"ok": not problems, "tables": len(expected), "problems": problems}


# -- one backup run ---------------------------------------------------------------------------------
def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _write_json(path: str, data, mode: int = 0o600) -> None:
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory or ".")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _read_json(path: str, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def package_list() -> str:
    for command in (["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Status}\n"], ["rpm", "-qa"]):
        try:
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            continue
        if proc.returncode == 0:
            return "".join(line + "\n" for line in proc.stdout.splitlines() if "deinstall" not in line)
    return ""


class RunLock:
    """One backup run at a time on a host (timer and Ansible alike)."""

    def __init__(self, path: str):
        self.path = path
        self.handle = None

    def __enter__(self):
        import fcntl

        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            self.handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise ResticError("another backup run is in progress on this host", "locked") from None
            raise
        return self

    def __exit__(self, *exc):
        self.handle.close()


def run_backup(config: dict, run_id: str | None = None, only_targets: list | None = None) -> dict:
    """Back a court up into each target; returns the status (also written to the status file).

    config keys: court (name used as restic host), targets (list of target dicts), password or
    password_file, webroot, paths (extra), excludes, database ({name, user, password, ...} or
    None), staging_dir, status_file, compression, manifest (bool), cache_dir, binary.
    """
    started_wall = time.monotonic()
    court = config.get("court") or socket.gethostname()
    run_id = (
        run_id
        or config.get("run_id")
        or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    )
    staging = config.get("staging_dir") or STAGING_DIR
    status_file = config.get("status_file", STATUS_FILE)
    status = {
        "version": 1,
        "court": court,
        "run_id": run_id,
        "started": _now(),
        "finished": None,
        "status": "failed",
        "exit_code": 1,
        "dump": {"enabled": False, "verified": False},
        "durations": {},
        "targets": [],
        "errors": [],
        "restic_version": "",
        "trigger": config.get("trigger") or "timer",
    }

    def finish() -> dict:
        status["finished"] = _now()
        status["durations"]["total"] = round(time.monotonic() - started_wall, 3)
        ok = (
            not status["errors"] and status["targets"] and all(t["status"] == "ok" for t in status["targets"])
        )
        status["status"] = "ok" if ok else "failed"
        status["exit_code"] = 0 if ok else 1
        if status_file:
            try:
                _write_json(status_file, status, 0o644)
            except OSError as error:
                status["errors"].append({"kind": "status-file", "message": str(error)})
                status["status"], status["exit_code"] = "failed", 1
        return status

    try:
        lock = RunLock(os.path.join(staging, ".run.lock"))
        lock.__enter__()
    except (ResticError, OSError) as error:
        kind = getattr(error, "kind", "failed")
        status["errors"].append({"kind": kind, "message": str(error)})
        return finish()
    try:
        return _run_backup_locked(config, court, run_id, staging, status, finish, only_targets)
    finally:
        lock.__exit__()


def _run_backup_locked(config, court, run_id, staging, status, finish, only_targets) -> dict:
    binary = config.get("binary", "restic")
    try:
        status["restic_version"] = ".".join(str(p) for p in restic_version(binary))
    except ResticError as error:
        status["errors"].append(error.as_dict())
        return finish()
    targets = [t for t in config.get("targets") or [] if not only_targets or t.get("name") in only_targets]
    if not targets:
        status["errors"].append({"kind": "bad-input", "message": "no backup target configured"})
        return finish()
    try:
        repositories = [
            Repository.from_target(
                target,
                password=config.get("password"),
                password_file=config.get("password_file"),
                binary=binary,
                cache_dir=config.get("cache_dir"),
                timeout=config.get("timeout"),
            )
            for target in targets
        ]
    except ResticError as error:
        status["errors"].append(error.as_dict())
        return finish()

    os.makedirs(staging, mode=0o700, exist_ok=True)
    os.chmod(staging, 0o700)
    for stale in ("database.sql", "grants.sql", "manifest.json", "packages.txt"):
        path = os.path.join(staging, stale)
        if os.path.exists(path):
            os.unlink(path)

    # 1. database dump, verified before anything is backed up
    database = config.get("database") or None
    tables = {}
    if database and database.get("name"):
        status["dump"] = {"enabled": True, "verified": False, "database": database["name"]}
        started = time.monotonic()
        try:
            result = mysql_dump.dump(
                database,
                os.path.join(staging, "database.sql"),
                binary=config.get("mysqldump", "mysqldump"),
                timeout=config.get("dump_timeout"),
            )
            status["dump"].update(result)
            tables = mysql_dump.table_checksums(database, binary=config.get("mysql", "mysql"))
            status["dump"]["tables"] = len(tables)
            try:
                grants = mysql_dump.user_grants(database, binary=config.get("mysql", "mysql"))
                with open(os.path.join(staging, "grants.sql"), "w") as handle:
                    handle.write(grants)
                status["dump"]["grants"] = True
            except (mysql_dump.DumpError, OSError) as error:
                status["dump"]["grants"] = False
                status["dump"]["grants_error"] = str(error)
        except mysql_dump.DumpError as error:
            status["dump"]["error"] = str(error)
            status["dump"]["exit_code"] = error.exit_code
            status["errors"].append({"kind": error.kind, "message": str(error)})
            status["durations"]["dump"] = round(time.monotonic() - started, 3)
            return finish()  # no snapshot from a broken dump
        status["durations"]["dump"] = round(time.monotonic() - started, 3)

    # 2. manifest: file hashes of the web root and table checksums, checked by restore drills
    webroot = config.get("webroot")
    manifest_files = {}
    started = time.monotonic()
    if webroot and config.get("manifest", True):
        if not os.path.isdir(webroot):
            status["errors"].append({"kind": "bad-input", "message": "web root %s does not exist" % webroot})
            return finish()
        cache_path = os.path.join(staging, "hash-cache.json")
        cache = _read_json(cache_path, {})
        manifest_files = file_manifest(webroot, cache)
        _write_json(cache_path, cache)
    manifest = {
        "version": 1,
        "court": court,
        "run_id": run_id,
        "created": _now(),
        "webroot": webroot,
        "files": manifest_files,
        "database": {
            "name": (database or {}).get("name"),
            "dump_sha256": status["dump"].get("sha256"),
            "tables": tables,
        },
    }
    _write_json(os.path.join(staging, "manifest.json"), manifest)
    if config.get("package_list", True):
        with open(os.path.join(staging, "packages.txt"), "w") as handle:
            handle.write(package_list())
    status["durations"]["manifest"] = round(time.monotonic() - started, 3)
    status["files"] = len(manifest_files)

    # 3. one snapshot per target
    paths = [staging]
    if webroot:
        paths.append(webroot)
    for path in list(config.get("paths", DEFAULT_PATHS)) + list(config.get("extra_paths") or []):
        if path not in paths and os.path.lexists(path):
            paths.append(path)
    excludes = list(config.get("excludes") or []) + [os.path.join(staging, "hash-cache.json")]
    excludes.append(os.path.join(staging, ".run.lock"))
    tags = ["court:%s" % court, "run:%s" % run_id, "pn-website"] + list(config.get("tags") or [])
    for repository in repositories:
        entry = {"name": repository.name, "type": repository.type, "repository": repository.display}
        started = time.monotonic()
        try:
            try:
                summary = repository.backup(
                    paths, host=court, tags=tags, excludes=excludes, compression=config.get("compression")
                )
            except ResticError as error:
                # a new target: create the repository, then back up (one restic call less per run
                # than probing for the repository every time)
                if error.kind != "no-repository" or not config.get("init", True):
                    raise
                entry["initialised"] = repository.init()
                summary = repository.backup(
                    paths, host=court, tags=tags, excludes=excludes, compression=config.get("compression")
                )
            entry.update(
                status="ok",
                snapshot_id=summary["snapshot_id"],
                files=summary.get("total_files_processed", 0),
                size_bytes=summary.get("total_bytes_processed", 0),
                data_added=summary.get("data_added", 0),
                files_new=summary.get("files_new", 0),
                files_changed=summary.get("files_changed", 0),
            )
        except ResticError as error:
            entry.update(status="failed", error=error.as_dict())
            if error.kind == "incomplete":
                try:
                    entry["snapshot_id"] = json.loads(error.detail).get("snapshot_id")
                except ValueError:
                    pass
        entry["duration"] = round(time.monotonic() - started, 3)
        status["targets"].append(entry)
    status["durations"]["backup"] = round(sum(t["duration"] for t in status["targets"]), 3)
    status["paths"] = paths
    # the dump stays out of the staging area once it is in the snapshots
    if not config.get("keep_dump", False):
        for name in ("database.sql", "grants.sql"):
            if os.path.exists(os.path.join(staging, name)):
                os.unlink(os.path.join(staging, name))
    return finish()


# -- shared by the modules -------------------------------------------------------------------------
REPOSITORY_OPTIONS = {
    "config": {"type": "path"},
    "target": {"type": "str"},
    "repository": {"type": "str"},
    "repository_type": {"type": "str", "choices": list(TARGET_TYPES), "default": "local"},
    "password": {"type": "str", "no_log": True},
    "password_file": {"type": "path", "no_log": False},
    "port": {"type": "int"},
    "identity_file": {"type": "path"},
    "known_hosts_file": {"type": "path"},
    "access_key_id": {"type": "str", "no_log": False},
    "secret_access_key": {"type": "str", "no_log": True},
    "region": {"type": "str"},
    "rest_username": {"type": "str"},
    "rest_password": {"type": "str", "no_log": True},
    "cacert": {"type": "path"},
    "mount_point": {"type": "path"},
}


def load_config(path: str) -> dict:
    try:
        with open(path) as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        raise ResticError("cannot read backup configuration %s: %s" % (path, error), "bad-input") from None
    if not isinstance(config, dict):
        raise ResticError("backup configuration %s is not a JSON object" % path, "bad-input")
    return config


def repository_from_params(params: dict) -> Repository:
    """A Repository from module parameters: a target of the court's backup configuration
    (config + target name) and/or an explicit repository; explicit values win."""
    target = {}
    password, password_file = params.get("password"), params.get("password_file")
    binary = "restic"
    if params.get("config"):
        config = load_config(params["config"])
        targets = config.get("targets") or []
        wanted = params.get("target")
        matches = [t for t in targets if not wanted or t.get("name") == wanted]
        if not matches:
            raise ResticError("no backup target named %r in %s" % (wanted, params["config"]), "bad-input")
        target = dict(matches[0])
        password = password or config.get("password")
        password_file = password_file or config.get("password_file")
        binary = config.get("binary", binary)
    if params.get("repository"):
        target["repository"] = params["repository"]
        target["type"] = params.get("repository_type") or "local"
        target.setdefault("name", params.get("target") or target["type"])
    elif not target:
        raise ResticError("give either config (with target) or repository", "bad-input")
    for key in ("port", "identity_file", "known_hosts_file", "access_key_id", "secret_access_key", "region"):
        if params.get(key) not in (None, ""):
            target[key] = params[key]
    if params.get("rest_username"):
        target["username"] = params["rest_username"]
    if params.get("rest_password"):
        target["password"] = params["rest_password"]
    if params.get("cacert"):
        target["cacert"] = params["cacert"]
    if params.get("mount_point"):
        target["mount_point"] = params["mount_point"]
    return Repository.from_target(target, password=password, password_file=password_file, binary=binary)


# -- S3 buckets for court backups (controller side, boto3) -----------------------------------------
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


# -- restore helpers --------------------------------------------------------------------------------
# A snapshot is what the court server put into it, and the court may be in an attacker's hands: where
# a restore writes (web root, configuration folders, database) comes from the inventory only, the
# manifest in the snapshot is evidence to compare with, and the restored tree is checked in a private
# staging folder before anything is moved into place.
MANIFEST_LIMIT = 256 << 20  # bytes of manifest.json read at most
_GLOB = re.compile(r"[*?\[\]\\\x00]")


def inventory_path(path, what: str) -> str:
    """An absolute path given by the inventory, normalised (no '..', not '/', no wildcards: it becomes
    a restic --include pattern)."""
    if not isinstance(path, str) or not path.startswith("/") or _GLOB.search(path) or ".." in path.split("/"):
        message = "%s must be an absolute path without '..' or wildcards, got %r" % (what, path)
        raise ResticError(message, "bad-input")
    clean = "/" + os.path.normpath(path).lstrip("/")
    if clean == "/":
        raise ResticError("%s must not be /" % what, "bad-input")
    return clean


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def link_stays_inside(staged_root: str, relative: str, destination: str, limit: int = 40) -> bool:
    """Whether the symbolic link at `relative` below staged_root still points inside `destination` once
    the staged tree is moved there. Links met on the way are followed inside the staged tree, as the
    kernel will follow them there ('..' after a link goes up from where the link points)."""
    current = relative.split("/")[:-1]
    pending: list = []

    def push(target: str) -> bool:
        nonlocal current
        if target.startswith("/"):
            parts = [part for part in target.split("/") if part not in ("", ".")]
            root = [part for part in destination.split("/") if part]
            if parts[: len(root)] != root or ".." in parts[: len(root)]:
                return False
            current, parts = [], parts[len(root) :]
        else:
            parts = target.split("/")
        pending[:0] = parts
        return True

    if not push(os.readlink(os.path.join(staged_root, relative))):
        return False
    followed = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not current:
                return False
            current.pop()
            continue
        candidate = current + [part]
        staged = os.path.join(staged_root, *candidate)
        if os.path.islink(staged):
            followed += 1
            if followed > limit or not push(os.readlink(staged)):
                return False
            continue
        current = candidate
    return True


def _capability(path: str):
    try:
        return os.getxattr(path, "security.capability", follow_symlinks=False)
    except (OSError, AttributeError):
        return None


def check_restored_tree(staged: str, roots: dict) -> dict:
    """Check what restic restored into the staging folder `staged` before it goes anywhere.

    roots: {path in the snapshot: destination, or None}: only these paths (and the folders above
    them) may be there; below a root with a destination (the web root) every symbolic link must
    point inside that destination. Device files, FIFOs and sockets are problems; set-user-ID and
    set-group-ID bits and file capabilities are taken off files (and listed). Returns {problems,
    stripped}."""
    problems, stripped = [], []
    ancestors = set()
    for root in roots:
        parent = os.path.dirname(root)
        while parent not in ancestors and parent != "/":
            ancestors.add(parent)
            parent = os.path.dirname(parent)
    ordered = sorted(roots, key=len, reverse=True)

    def problem(text: str) -> None:
        if len(problems) < 20:
            problems.append(text)
        elif len(problems) == 20:
            problems.append("...")

    for directory, dirnames, filenames in os.walk(staged):
        for name in dirnames + filenames:
            full = os.path.join(directory, name)
            path = "/" + os.path.relpath(full, staged)
            info = os.lstat(full)
            mode = info.st_mode
            root = next((r for r in ordered if _inside(path, r)), None)
            if root is None:
                if path not in ancestors or not stat.S_ISDIR(mode):
                    problem("%s: outside the folders restored" % path)
                continue
            if stat.S_ISLNK(mode):
                destination = roots[root]
                if path == root:
                    problem("%s: a symbolic link, not a folder" % path)
                elif destination and not link_stays_inside(
                    os.path.join(staged, root.lstrip("/")), os.path.relpath(path, root), destination
                ):
                    problem("%s -> %s: points outside %s" % (path, os.readlink(full)[:200], destination))
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                problem("%s: a device, FIFO or socket" % path)
            elif stat.S_ISREG(mode):
                if mode & (stat.S_ISUID | stat.S_ISGID):
                    os.chmod(full, stat.S_IMODE(mode) & ~(stat.S_ISUID | stat.S_ISGID))
                    stripped.append(path)
                if _capability(full) is not None:
                    os.removexattr(full, "security.capability", follow_symlinks=False)
                    stripped.append(path)
    return {"problems": problems, "stripped": sorted(set(stripped))[:50]}


def _regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_manifest(path: str) -> dict:
    """manifest.json of a snapshot, bounded and checked for shape (it is evidence, never trusted)."""
    if not _regular_file(path):
        raise ResticError("the snapshot holds no pn-website manifest", "no-manifest")
    if os.path.getsize(path) > MANIFEST_LIMIT:
        raise ResticError("the snapshot's manifest is larger than %d bytes" % MANIFEST_LIMIT, "no-manifest")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
        files = manifest.get("files") or {}
        database = manifest.get("database") or {}
        tables = database.get("tables") or {} if isinstance(database, dict) else None
        if not isinstance(files, dict) or not isinstance(tables, dict):
            raise ValueError("files or tables are not objects")
        manifest["files"] = {str(k): {"sha256": str(v["sha256"])} for k, v in files.items()}
        manifest["database"] = {
            "name": database.get("name"),
            "tables": {
                str(k): {"rows": int(v["rows"]), "checksum": str(v["checksum"])} for k, v in tables.items()
            },
        }
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        message = "the snapshot's manifest is malformed (%s)" % str(error)[:200]
        raise ResticError(message, "no-manifest") from None
    return manifest


def verify_restore(manifest: dict, webroot: str, database: dict | None = None) -> dict:
    """Compare a restored web root (and database) with the manifest written at backup time."""
    result = {"files": compare_files(manifest.get("files") or {}, file_manifest(webroot))}
    expected_tables = (manifest.get("database") or {}).get("tables") or {}
    if database and expected_tables:
        result["tables"] = compare_tables(expected_tables, mysql_dump.table_checksums(database))
    result["ok"] = all(part["ok"] for part in list(result.values()) if isinstance(part, dict))
    return result


def copy_tree_over(source, destination):
    """Copy a restored directory over an existing one: files and symbolic links (kept as links) replace
    what is there; what exists only at the destination stays. Nothing is written through a link
    below the destination (one left by an earlier restore could point anywhere)."""
    for root, dirs, files in os.walk(source):
        relative = os.path.relpath(root, source)
        target_root = destination if relative == "." else os.path.join(destination, relative)
        below = target_root != destination and os.path.lexists(target_root)
        if below and (os.path.islink(target_root) or not os.path.isdir(target_root)):
            os.unlink(target_root)
        if not os.path.isdir(target_root):
            os.makedirs(target_root)
            shutil.copystat(root, target_root)
        for name in dirs + files:
            src, dst = os.path.join(root, name), os.path.join(target_root, name)
            if os.path.islink(src):
                if os.path.lexists(dst) and not (os.path.isdir(dst) and not os.path.islink(dst)):
                    os.unlink(dst)
                if not os.path.lexists(dst):
                    os.symlink(os.readlink(src), dst)
            elif name in files:
                if os.path.islink(dst):
                    os.unlink(dst)
                shutil.copy2(src, dst)
        # os.walk does not descend into links to directories: they were copied as links above.
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]


def _restore_config(restored: str, path: str) -> bool:
    """Put one configuration path of the snapshot back in place; False when the snapshot has none."""
    try:
        mode = os.lstat(restored).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        copy_tree_over(restored, path)
        return True
    if stat.S_ISREG(mode):
        if os.path.islink(path):
            os.unlink(path)
        shutil.copy2(restored, path)
        return True
    return False


def restore_site(
    repository: Repository,
    snapshot: str = "latest",
    host: str | None = None,
    work_dir: str = "/var/lib/pn-website/restore",
    webroot: str | None = None,
    files: bool = True,
    config_paths: list | None = None,
    database: dict | None = None,
    verify: bool = True,
    keep_previous: bool = True,
    source_webroot: str | None = None,
    staging_dir: str = STAGING_DIR,
    database_users: list | None = None,
) -> dict:
    """Restore a court's snapshot: web root swapped in place, configuration copied back, database and
    its accounts imported, then everything compared with the manifest written at backup time.

    Every place comes from the caller (the inventory), never from the snapshot: `webroot` is where
    the web root goes and `source_webroot` (default `webroot`) where it is in the snapshot;
    `staging_dir` is where the backup staged its dump and manifest; `database['name']` is the court's
    database and `database_users` (court_db.user) the accounts of grants.sql that may be restored.
    Only these paths and `config_paths` are restored, into a fresh private folder, and checked
    (check_restored_tree) before anything is moved into place."""
    started = time.monotonic()
    destination = inventory_path(webroot, "webroot (court_webroot)") if webroot else None
    if files and not destination:
        raise ResticError(
            "no web root to restore into: it comes from the inventory (court_webroot), not the snapshot",
            "bad-input",
        )
    source_root = inventory_path(source_webroot, "source_webroot") if source_webroot else destination
    staging = inventory_path(staging_dir, "staging_dir")
    work_dir = inventory_path(work_dir, "work_dir")
    configs = [inventory_path(path, "config path") for path in config_paths or []]
    configs = [c for c in configs if not any(c != o and _inside(c, o) for o in configs)]
    name = None
    if database is not None:
        name = str(database.get("name") or "")
        if not name:
            raise ResticError("no database name: it comes from the inventory (court_db.name)", "bad-input")
    roots = {staging: None}
    for path in configs:
        roots.setdefault(path, None)
    if files:
        roots[source_root] = destination
    for path in roots:
        if _inside(work_dir, path) or _inside(path, work_dir):
            raise ResticError("work_dir %s overlaps %s" % (work_dir, path), "bad-input")

    snap = repository.resolve(snapshot, host=host, exclude_tags=("pre-restore",))
    short = snap.get("short_id", snap["id"][:8])
    result = {
        "snapshot": {
            "id": snap["id"],
            "short_id": short,
            "time": snap.get("time"),
            "host": snap.get("hostname"),
            "tags": snap.get("tags") or [],
            "age_hours": snapshot_age_hours(snap),
        },
        "durations": {},
    }
    if os.path.lexists(work_dir):
        if os.path.islink(work_dir) or not os.path.isdir(work_dir):
            os.unlink(work_dir)
        else:
            shutil.rmtree(work_dir)
    os.makedirs(work_dir, mode=0o700)
    try:
        staged = tempfile.mkdtemp(prefix="snapshot-", dir=work_dir)
        step = time.monotonic()
        repository.restore(snap["id"], staged, includes=sorted(roots))
        result["durations"]["restore"] = round(time.monotonic() - step, 3)
        checked = check_restored_tree(staged, roots)
        if checked["problems"]:
            raise ResticError(
                "snapshot %s refused, nothing was put in place: %s" % (short, "; ".join(checked["problems"])),
                "unsafe-snapshot",
            )
        result["stripped"] = checked["stripped"]
        staged_staging = os.path.join(staged, staging.lstrip("/"))
        manifest = read_manifest(os.path.join(staged_staging, "manifest.json"))
        evidence = {
            "webroot": (source_root, manifest.get("webroot")),
            "court": (host, manifest.get("court")),
            "database": (name, manifest["database"].get("name")),
        }
        mismatch = [
            {"item": item, "inventory": mine, "snapshot": str(theirs)[:200]}
            for item, (mine, theirs) in sorted(evidence.items())
            if mine and theirs != mine
        ]
        result["manifest"] = {
            "run_id": str(manifest.get("run_id"))[:100],
            "created": str(manifest.get("created"))[:40],
            "court": str(manifest.get("court"))[:100],
            "files": len(manifest["files"]),
            "tables": len(manifest["database"]["tables"]),
            "mismatch": mismatch,
        }
        dump_path = os.path.join(staged_staging, "database.sql")
        grants_path = os.path.join(staged_staging, "grants.sql")
        accounts = {"accounts": [], "skipped": []}
        scan = None
        if database is not None:
            # everything about the database is checked before the first file moves
            if not _regular_file(dump_path):
                raise ResticError("the snapshot holds no database dump", "no-manifest")
            if _regular_file(grants_path):
                accounts = mysql_dump.parse_accounts(grants_path, name, list(database_users or []))
            scan = mysql_dump.check_dump(dump_path, name, mysql_dump.client_supports_sandbox())
        if files:
            restored_root = os.path.join(staged, source_root.lstrip("/"))
            if not os.path.isdir(restored_root) or os.path.islink(restored_root):
                raise ResticError(
                    "the snapshot has no web root %s (court_webroot); its manifest names %r"
                    % (source_root, str(manifest.get("webroot"))[:200]),
                    "no-manifest",
                )
            swapped = swap_directory(restored_root, destination)
            if swapped["previous"] and not keep_previous:
                shutil.rmtree(swapped["previous"])
                swapped["previous"] = None
            result["webroot"] = swapped
        result["config_restored"] = [
            path for path in configs if _restore_config(os.path.join(staged, path.lstrip("/")), path)
        ]
        if database is not None:
            step = time.monotonic()
            imported = mysql_dump.import_dump(database, dump_path, accounts=accounts["accounts"], scan=scan)
            admin = {key: value for key, value in database.items() if key != "name"}
            restored = mysql_dump.restore_accounts(admin, accounts["accounts"], name)
            result["database"] = {
                "imported": True,
                "name": name,
                "sandbox": imported["sandbox"],
                "import_account": imported["account"],
                "accounts": restored,
                "accounts_skipped": accounts["skipped"][:20],
            }
            result["durations"]["database"] = round(time.monotonic() - step, 3)
        if verify:
            step = time.monotonic()
            db = dict(database, name=name) if database is not None else None
            verification = verify_restore(manifest, destination, db) if destination else {"ok": False}
            if mismatch:
                verification["manifest"] = {"ok": False, "mismatch": mismatch}
                verification["ok"] = False
            result["verification"] = verification
            result["durations"]["verify"] = round(time.monotonic() - step, 3)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    result["durations"]["total"] = round(time.monotonic() - started, 3)
    return result


def swap_directory(restored: str, destination: str, keep_previous: str | None = None) -> dict:
    """Put a restored tree in place of destination (the old tree kept aside as *.pre-restore-*).

    A rename where the file system allows it; otherwise (a directory from a lower layer of an
    overlay file system, a mount point) the old tree is copied aside and the contents are replaced.
    """
    previous = None
    destination = destination.rstrip("/")
    if os.path.lexists(destination):
        previous = keep_previous or destination + ".pre-restore-" + time.strftime("%Y%m%d%H%M%S")
        try:
            os.rename(destination, previous)
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.EBUSY):
                raise
            shutil.copytree(destination, previous, symlinks=True)
            for entry in os.listdir(destination):
                path = os.path.join(destination, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            for entry in os.listdir(restored):
                shutil.move(os.path.join(restored, entry), os.path.join(destination, entry))
            info = os.stat(restored)
            os.chown(destination, info.st_uid, info.st_gid)
            shutil.copystat(restored, destination)
            os.rmdir(restored)
            return {"destination": destination, "previous": previous}
    parent = os.path.dirname(destination)
    os.makedirs(parent, exist_ok=True)
    shutil.move(restored, destination)
    return {"destination": destination, "previous": previous}


def main(argv: list | None = None) -> int:
    """`pn-website-backup --config /etc/pn-website/backup.json`: the backup timer's entry point."""
    import argparse

    parser = argparse.ArgumentParser(prog="pn-website-backup", description="Back up this court's website.")
    parser.add_argument("--config", default="/etc/pn-website/backup.json")
    parser.add_argument("--run-id")
    parser.add_argument("--target", action="append", help="only this target (repeatable)")
    args = parser.parse_args(argv)
    config = _read_json(args.config, None)
    if not isinstance(config, dict):
        sys.stderr.write("pn-website-backup: cannot read %s\n" % args.config)
        return 2
    status = run_backup(config, run_id=args.run_id, only_targets=args.target)
    for target in status["targets"]:
        line = "%s %s %s" % (target["name"], target["status"], target.get("snapshot_id", ""))
        if target.get("error"):
            line += " " + target["error"]["message"]
        sys.stdout.write(line + "\n")
    for error in status["errors"]:
        sys.stderr.write("error: %s\n" % error["message"])
    return status["exit_code"]
