# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifest of a backup: hashes of the web root's files and checksums of the database's tables.

A backup run writes it into its staging folder, beside the verified database dump, so that every
snapshot holds it; a restore reads it back from the snapshot (bounded and checked for shape: it is
evidence, never trusted) and compares the restored web root and database with it. Standard library
only: this runs on court servers (Python 3.8+).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

# On a court server the backup timer imports these from the same package layout (roles/backup).
from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump
from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError

#: Where a backup run stages the dump, the grants, the manifest and the package list: backed up with the
#: files, so that a restore finds them at the same path in the snapshot.
STAGING_DIR = "/var/lib/pn-website/backup-staging"
MANIFEST_LIMIT = 256 << 20  # bytes of manifest.json read at most


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


def regular_file(path: str) -> bool:
    """Whether path is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _file_entry(value: dict) -> dict:
    """One file of a manifest: its hash, and its size when recorded (a whole number)."""
    entry = {"sha256": str(value["sha256"])}
    size = value.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        entry["size"] = size
    return entry


def read_manifest(path: str) -> dict:
    """manifest.json of a snapshot, bounded and checked for shape (it is evidence, never trusted)."""
    if not regular_file(path):
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
        manifest["files"] = {str(k): _file_entry(v) for k, v in files.items()}
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
