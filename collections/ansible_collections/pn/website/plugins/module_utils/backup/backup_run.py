# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One backup run of a court website (SOP W2/W8): the nightly timer's and Ansible's alike.

One run backs a court up into every configured repository (external disk, SFTP backup server,
REST server, S3): a verified database dump, a manifest of file hashes and table checksums, the
web root, web server / PHP / TLS configuration, crontabs and the installed package list, as one
snapshot per repository tagged with the court and the run id. The run writes a JSON status file
and fails (non-zero) on any problem, never a silent success.

Its configuration is the JSON file the backup role writes from the inventory; `main` is the entry
point of the backup timer (`pn-website-backup`). Standard library only: this runs on court servers
(Python 3.8+).
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

# On a court server the backup timer imports these from the same package layout (roles/backup): every
# module imported here must be installed there too (roles/backup/tasks/setup.yml).
from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump
from ansible_collections.pn.website.plugins.module_utils.backup.manifest import STAGING_DIR, file_manifest
from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    Repository,
    ResticError,
    restic_version,
)

STATUS_FILE = "/var/lib/pn-website/backup-status.json"
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
    repositories = _repositories(config, status, only_targets)
    if repositories is None:
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
        tables = _dump_database(config, database, staging, status)
        if tables is None:
            return finish()  # no snapshot from a broken dump

    # 2. manifest: file hashes of the web root and table checksums, checked by restore drills
    webroot = config.get("webroot")
    if not _write_manifest(config, court, run_id, staging, database, tables, status):
        return finish()

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
        status["targets"].append(_backup_target(repository, config, paths, court, tags, excludes))
    status["durations"]["backup"] = round(sum(t["duration"] for t in status["targets"]), 3)
    status["paths"] = paths
    # the dump stays out of the staging area once it is in the snapshots
    if not config.get("keep_dump", False):
        for name in ("database.sql", "grants.sql"):
            if os.path.exists(os.path.join(staging, name)):
                os.unlink(os.path.join(staging, name))
    return finish()


def _repositories(config, status, only_targets) -> list | None:
    """The repositories of the targets to back up into; None (the error in status) when there is none
    or restic is missing."""
    binary = config.get("binary", "restic")
    try:
        status["restic_version"] = ".".join(str(p) for p in restic_version(binary))
    except ResticError as error:
        status["errors"].append(error.as_dict())
        return None
    targets = [t for t in config.get("targets") or [] if not only_targets or t.get("name") in only_targets]
    if not targets:
        status["errors"].append({"kind": "bad-input", "message": "no backup target configured"})
        return None
    try:
        return [
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
        return None


def _dump_database(config, database, staging, status) -> dict | None:
    """Dump the database into the staging folder and verify it; its table checksums, or None (the
    error in status) when the dump failed."""
    status["dump"] = {"enabled": True, "verified": False, "database": database["name"]}
    started = time.monotonic()
    try:
        if database.get("adopt"):
            # made elsewhere (a shared host's dump endpoint): checked and taken over, no table checksums
            result = mysql_dump.adopt(
                database["adopt"], os.path.join(staging, "database.sql"), database["name"]
            )
            status["dump"].update(result)
            status["durations"]["dump"] = round(time.monotonic() - started, 3)
            return {}
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
        return None
    status["durations"]["dump"] = round(time.monotonic() - started, 3)
    return tables


def _write_manifest(config, court, run_id, staging, database, tables, status) -> bool:
    """Write manifest.json (and the package list) into the staging folder; False (the error in status)
    when the web root is missing."""
    webroot = config.get("webroot")
    manifest_files = {}
    started = time.monotonic()
    if webroot and config.get("manifest", True):
        if not os.path.isdir(webroot):
            status["errors"].append({"kind": "bad-input", "message": "web root %s does not exist" % webroot})
            return False
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
    return True


def _backup_target(repository, config, paths, court, tags, excludes) -> dict:
    """One snapshot into one repository (created first when it does not exist yet): the target's entry
    of the status."""
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
    return entry


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
