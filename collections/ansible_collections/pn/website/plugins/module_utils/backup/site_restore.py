# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore of a court site from a snapshot, and export of a snapshot as an archive.

A snapshot is what the court server put into it, and the court may be in an attacker's hands: where
a restore writes (web root, configuration folders, database) comes from the inventory only, the
manifest in the snapshot is evidence to compare with, and the restored tree is checked in a private
staging folder before anything is moved into place. Standard library only: this runs on court
servers (Python 3.8+).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
import time

from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump
from ansible_collections.pn.website.plugins.module_utils.backup.manifest import (
    STAGING_DIR,
    read_manifest,
    regular_file,
    verify_restore,
)
from ansible_collections.pn.website.plugins.module_utils.backup.repository import Repository, ResticError
from ansible_collections.pn.website.plugins.module_utils.backup.snapshots import snapshot_age_hours

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


def link_stays_inside(
    staged_root: str, relative: str, destination: str, limit: int = 40, allowed: tuple = ()
) -> bool:
    """Whether the symbolic link at `relative` below staged_root still points inside `destination` once
    the staged tree is moved there, or inside one of the `allowed` folders of this server (such as the
    code of a CMS package the web root links into, e.g. /usr/share/wordpress). Links met on the way are
    followed inside the staged tree, as the kernel will follow them there ('..' after a link goes up
    from where the link points); once in an allowed folder, no '..' may follow."""
    current = relative.split("/")[:-1]
    pending: list = []
    outside = False

    def push(target: str) -> bool:
        nonlocal current, outside
        if target.startswith("/"):
            parts = [part for part in target.split("/") if part not in ("", ".")]
            root = [part for part in destination.split("/") if part]
            if parts[: len(root)] != root or ".." in parts[: len(root)]:
                for folder in allowed:
                    top = [part for part in folder.split("/") if part]
                    if parts[: len(top)] == top and ".." not in parts:
                        outside, current = True, []
                        pending[:0] = parts[len(top) :]
                        return True
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
        if outside:
            # in an allowed folder of this server, not in the staged tree: no way back up
            if part == "..":
                return False
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


def check_restored_tree(staged: str, roots: dict, link_targets: tuple = ()) -> dict:
    """Check what restic restored into the staging folder `staged` before it goes anywhere.

    roots: {path in the snapshot: destination, or None}: only these paths (and the folders above
    them) may be there; below a root with a destination (the web root) every symbolic link must
    point inside that destination or inside one of `link_targets` (folders of this server the web root
    may link into). Device files, FIFOs and sockets are problems; set-user-ID and
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
                    os.path.join(staged, root.lstrip("/")),
                    os.path.relpath(path, root),
                    destination,
                    allowed=tuple(link_targets),
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


def _copy_owner(source: str, destination: str) -> None:
    """Give `destination` the owner and group of `source` (as restored from the snapshot: a court's
    configuration readable by its web server's group, e.g. root:www-data 0640), never through a link."""
    info = os.lstat(source)
    os.lchown(destination, info.st_uid, info.st_gid)
    if not os.path.islink(destination):
        os.chmod(destination, stat.S_IMODE(info.st_mode))


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
            _copy_owner(root, target_root)
        for name in dirs + files:
            src, dst = os.path.join(root, name), os.path.join(target_root, name)
            if os.path.islink(src):
                if os.path.lexists(dst) and not (os.path.isdir(dst) and not os.path.islink(dst)):
                    os.unlink(dst)
                if not os.path.lexists(dst):
                    os.symlink(os.readlink(src), dst)
                _copy_owner(src, dst)
            elif name in files:
                if os.path.islink(dst):
                    os.unlink(dst)
                shutil.copy2(src, dst)
                _copy_owner(src, dst)
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
        _copy_owner(restored, path)
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
    link_targets: list | None = None,
) -> dict:
    """Restore a court's snapshot: web root swapped in place, configuration copied back, database and
    its accounts imported, then everything compared with the manifest written at backup time.

    Every place comes from the caller (the inventory), never from the snapshot: `webroot` is where
    the web root goes and `source_webroot` (default `webroot`) where it is in the snapshot;
    `staging_dir` is where the backup staged its dump and manifest; `database['name']` is the court's
    database and `database_users` (court_db.user) the accounts of grants.sql that may be restored.
    Only these paths and `config_paths` are restored, into a fresh private folder, and checked
    (check_restored_tree) before anything is moved into place; symbolic links of the web root may point
    into `link_targets` (folders of this server, e.g. /usr/share/wordpress) besides the web root."""
    started = time.monotonic()
    places = _restore_places(webroot, source_webroot, staging_dir, work_dir, config_paths, files, database)
    places["link_targets"] = tuple(inventory_path(path, "link target") for path in link_targets or [])
    snap = repository.resolve(snapshot, host=host, exclude_tags=("pre-restore",))
    result = {
        "snapshot": {
            "id": snap["id"],
            "short_id": snap.get("short_id", snap["id"][:8]),
            "time": snap.get("time"),
            "host": snap.get("hostname"),
            "tags": snap.get("tags") or [],
            "age_hours": snapshot_age_hours(snap),
        },
        "durations": {},
    }
    work_dir = places["work_dir"]
    if os.path.lexists(work_dir):
        if os.path.islink(work_dir) or not os.path.isdir(work_dir):
            os.unlink(work_dir)
        else:
            shutil.rmtree(work_dir)
    os.makedirs(work_dir, mode=0o700)
    try:
        staged = tempfile.mkdtemp(prefix="snapshot-", dir=work_dir)
        manifest = _restore_checked(repository, snap["id"], staged, places, host, result)
        staged_staging = os.path.join(staged, places["staging"].lstrip("/"))
        dump_path = os.path.join(staged_staging, "database.sql")
        accounts, scan = {"accounts": [], "skipped": []}, None
        if database is not None:
            # everything about the database is checked before the first file moves
            accounts, scan = _check_dump(staged_staging, places["name"], database_users)
        if files:
            result["webroot"] = _put_webroot(staged, places, manifest, keep_previous)
        result["config_restored"] = [
            path
            for path in places["configs"]
            if _restore_config(os.path.join(staged, path.lstrip("/")), path)
        ]
        if database is not None:
            step = time.monotonic()
            result["database"] = _import_database(database, places["name"], dump_path, accounts, scan)
            result["durations"]["database"] = round(time.monotonic() - step, 3)
        if verify:
            step = time.monotonic()
            result["verification"] = _verify(manifest, places, database, result["manifest"]["mismatch"])
            result["durations"]["verify"] = round(time.monotonic() - step, 3)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    result["durations"]["total"] = round(time.monotonic() - started, 3)
    return result


def _restore_places(webroot, source_webroot, staging_dir, work_dir, config_paths, files, database) -> dict:
    """Where a restore reads in the snapshot and writes on this server, all from the inventory, checked
    before restic runs: {destination, source_root, staging, work_dir, configs, name, roots}, roots being
    {path in the snapshot: destination or None} (see check_restored_tree)."""
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
    return {
        "destination": destination,
        "source_root": source_root,
        "staging": staging,
        "work_dir": work_dir,
        "configs": configs,
        "name": name,
        "roots": roots,
    }


def _restore_checked(repository, snapshot_id, staged, places, host, result) -> dict:
    """restic restores the roots into `staged`; the tree is checked and the snapshot's manifest read and
    compared with the inventory (result: durations.restore, stripped, manifest). Returns the manifest."""
    step = time.monotonic()
    repository.restore(snapshot_id, staged, includes=sorted(places["roots"]))
    result["durations"]["restore"] = round(time.monotonic() - step, 3)
    checked = check_restored_tree(staged, places["roots"], places.get("link_targets", ()))
    if checked["problems"]:
        raise ResticError(
            "snapshot %s refused, nothing was put in place: %s"
            % (result["snapshot"]["short_id"], "; ".join(checked["problems"])),
            "unsafe-snapshot",
        )
    result["stripped"] = checked["stripped"]
    manifest = read_manifest(os.path.join(staged, places["staging"].lstrip("/"), "manifest.json"))
    evidence = {
        "webroot": (places["source_root"], manifest.get("webroot")),
        "court": (host, manifest.get("court")),
        "database": (places["name"], manifest["database"].get("name")),
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
    return manifest


def _check_dump(staged_staging: str, name: str, database_users) -> tuple:
    """(accounts of grants.sql that may be restored, scan of the dump) of the restored staging folder."""
    dump_path = os.path.join(staged_staging, "database.sql")
    grants_path = os.path.join(staged_staging, "grants.sql")
    if not regular_file(dump_path):
        raise ResticError("the snapshot holds no database dump", "no-manifest")
    accounts = {"accounts": [], "skipped": []}
    if regular_file(grants_path):
        accounts = mysql_dump.parse_accounts(grants_path, name, list(database_users or []))
    return accounts, mysql_dump.check_dump(dump_path, name, mysql_dump.client_supports_sandbox())


def _put_webroot(staged: str, places: dict, manifest: dict, keep_previous: bool) -> dict:
    """The restored web root swapped in place of the court's (the previous one kept aside or removed)."""
    source_root = places["source_root"]
    restored_root = os.path.join(staged, source_root.lstrip("/"))
    if not os.path.isdir(restored_root) or os.path.islink(restored_root):
        raise ResticError(
            "the snapshot has no web root %s (court_webroot); its manifest names %r"
            % (source_root, str(manifest.get("webroot"))[:200]),
            "no-manifest",
        )
    swapped = swap_directory(restored_root, places["destination"])
    if swapped["previous"] and not keep_previous:
        shutil.rmtree(swapped["previous"])
        swapped["previous"] = None
    return swapped


def _import_database(database: dict, name: str, dump_path: str, accounts: dict, scan) -> dict:
    imported = mysql_dump.import_dump(database, dump_path, accounts=accounts["accounts"], scan=scan)
    admin = {key: value for key, value in database.items() if key != "name"}
    restored = mysql_dump.restore_accounts(admin, accounts["accounts"], name)
    return {
        "imported": True,
        "name": name,
        "sandbox": imported["sandbox"],
        "import_account": imported["account"],
        "accounts": restored,
        "accounts_skipped": accounts["skipped"][:20],
    }


def _verify(manifest: dict, places: dict, database, mismatch: list) -> dict:
    """The restored web root and database compared with the manifest; a manifest naming another court,
    web root or database fails the verification."""
    destination = places["destination"]
    db = dict(database, name=places["name"]) if database is not None else None
    verification = verify_restore(manifest, destination, db) if destination else {"ok": False}
    if mismatch:
        verification["manifest"] = {"ok": False, "mismatch": mismatch}
        verification["ok"] = False
    return verification


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


def export_archive(
    repository: Repository, snapshot_id: str, out_path: str, archive: str = "tar", path: str = "/"
) -> dict:
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
            repository.run(["dump", "--archive", archive, snapshot_id, path], stdout=handle)
        except ResticError:
            os.unlink(partial)
            raise
    os.replace(partial, out_path)
    return {"archive": out_path, "bytes": os.path.getsize(out_path), "format": archive, "mode": "0600"}
