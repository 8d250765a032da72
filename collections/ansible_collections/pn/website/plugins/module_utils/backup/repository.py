# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A restic repository of a court's backups: where it is, how to reach it, and the restic commands.

One Repository per backup target (external disk, SFTP backup server, REST server, S3): it builds
restic's command line and environment, runs restic, recognises its failures (ResticError with a
stable `kind`) and carries out init, backup, snapshots, forget, prune, check, restore and unlock.
A repository on an external disk is used only while that disk is mounted.

Secrets (the repository password, S3 keys, REST credentials) reach restic through its environment
or a password file, never through argv, and are scrubbed from every message. Standard library only:
this runs on court servers (Python 3.8+), from Ansible modules and from the backup timer alike.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import subprocess
import time

# On a court server the backup timer imports this from the same package layout (roles/backup).
from ansible_collections.pn.website.plugins.module_utils.shared import redact

TARGET_TYPES = ("local", "sftp", "rest", "s3")
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


# -- a repository from module parameters ------------------------------------------------------------
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
