# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integrity scan of a court's web root (the weekly audit, SOP IT-AUDIT): what changed since the last
backup, PHP files in the upload folders and known webshell markers.

Runs on the court server, read-only but for one file (standard library only, Python 3.8+). The web root
is untrusted: an attacker who wrote a webshell also chose its name, size and links. So the scan

* never follows a symbolic link (a link that points out of the web root is listed, not read);
* opens only regular files, without following links and without blocking (a FIFO is never read);
* reads at most ``max_file_bytes`` of a file (a larger file is listed, compared by size only), at most
  ``max_files`` files, within ``time_budget`` seconds; a scan cut short says so (``webroot-scan-incomplete``);
* never runs or interprets what it reads: contents are hashed and matched against fixed patterns;
* returns paths as printable text, cut short.

The reference of "changed" is the manifest the backup role leaves in its staging folder
(``manifest.json``, :mod:`..backup.manifest`: every file's SHA-256); without one, the scan's own baseline
file; without either, a complete scan writes that baseline (``baseline made``) unless ``write_baseline``
is false (check mode).
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os
import re
import stat
import time

from ansible_collections.pn.website.plugins.module_utils.backup import manifest as backup_manifest
from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

#: The rule ids of this engine's findings.
RULES = ("webroot-webshell", "upload-php-file", "webroot-changed", "webroot-scan-incomplete")
DEFAULTS = {
    "webroot": "/var/www/html",
    "upload_dirs": ["uploads", "wp-content/uploads", "images"],
    "manifest": os.path.join(backup_manifest.STAGING_DIR, "manifest.json"),
    "baseline_file": "/var/lib/pn-website/audit-webroot-baseline.json",
    "write_baseline": True,
    # changes below these folders (caches) are not reported; the webshell markers are still searched there
    "change_excludes": ["wp-content/cache", "administrator/cache", "cache", "tmp"],
    "max_files": 100000,
    "max_file_bytes": 2 * 1024 * 1024,
    "time_budget": 300,
    "list_limit": 20,
}
#: File names PHP may run (also ``shell.php.jpg``: some servers run the first extension).
PHP_NAME = re.compile(r"\.(php[0-9]?|phtml|phar|pht|phps)(\.|$)", re.I)
#: An index.php that only stops folder listings ("Silence is golden"): comments and whitespace only.
_SILENT_PHP = re.compile(rb"^\s*<\?php(\s|//[^\n]*|#[^\n]*|/\*.*?\*/)*(\?>)?\s*$", re.S)
_REQ = rb"\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)"
_DECODERS = (
    rb"(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|rawurldecode"
    rb"|convert_uudecode)"
)
_EXEC = rb"(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)"
#: Webshell markers: code that runs what a request or an encoded blob holds. Each is bounded (no nested
#: repetition) so a crafted file cannot make matching slow.
MARKERS = (
    ("eval-decoded", re.compile(rb"\beval\s*\(\s*@?\s*" + _DECODERS + rb"\s*\(", re.I)),
    ("eval-request", re.compile(rb"\beval\s*\(\s*@?\s*(?:stripslashes\s*\(\s*)?" + _REQ, re.I)),
    ("assert-request", re.compile(rb"\bassert\s*\(\s*@?\s*(?:stripslashes\s*\(\s*)?" + _REQ, re.I)),
    ("exec-request", re.compile(rb"\b" + _EXEC + rb"\s*\(\s*@?\s*(?:stripslashes\s*\(\s*)?" + _REQ, re.I)),
    ("decode-chain", re.compile(rb"\b(?:gzinflate|gzuncompress|gzdecode)\s*\(\s*base64_decode\s*\(", re.I)),
    (
        "preg-replace-e",
        re.compile(
            rb"\bpreg_replace\s*\(\s*['\"]([^\w\s'\"])[^'\"\n]{0,300}?\1[a-df-z]{0,6}e[a-z]{0,6}['\"]", re.I
        ),
    ),
    ("create-function-request", re.compile(rb"\bcreate_function\s*\([^;\n]{0,200}" + _REQ, re.I)),
    ("request-as-function", re.compile(_REQ + rb"\s*\[[^\]\n]{1,60}\]\s*\(", re.I)),
    ("backtick-request", re.compile(rb"`[^`\n]{0,40}" + _REQ, re.I)),
    ("shell-banner", re.compile(rb"FilesMan|c99shell|r57shell|b374k|\bWSO\s+[0-9]", re.I)),
)


class Bounds:
    """The scan's limits; ``exhausted`` names the first one reached."""

    def __init__(self, max_files, time_budget, clock=time.monotonic):
        self.max_files = max_files
        self.deadline = clock() + time_budget
        self.clock = clock
        self.files = 0
        self.exhausted = None

    def another_file(self):
        if self.exhausted:
            return False
        if self.files >= self.max_files:
            self.exhausted = "max_files"
        elif self.clock() > self.deadline:
            self.exhausted = "time_budget"
        else:
            self.files += 1
        return not self.exhausted


def printable(path, limit=300):
    """A path from the server as text safe to show: undecodable bytes and control characters replaced,
    cut short."""
    text = os.fsencode(path).decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _under(relative, folders):
    return any(relative == f or relative.startswith(f + "/") for f in folders)


def read_bounded(path, limit):
    """(bytes, sha256 hex, size) of a regular file, opened without following a link and without
    blocking; None when it is not a regular file any more. Reads at most ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = handle.read(limit + 1)
    if len(data) > limit:
        return None
    return data, hashlib.sha256(data).hexdigest(), len(data)


#: Markers that count only outside comment lines: WordPress's own docblocks quote request variables in
#: backticks (" * Fix `$_SERVER` variables", wp-includes/load.php), which PHP never runs.
_CODE_ONLY = ("backtick-request",)
_COMMENT_LINE = re.compile(rb"[ \t]*(?:\*|//|#|/\*)")


def _in_code(pattern, data, limit=100):
    """Whether PATTERN matches DATA on a line that is not a comment. Past LIMIT matches the file counts
    as holding it: comment lines cannot hide a marker behind a pile of decoys."""
    for number, match in enumerate(pattern.finditer(data)):
        if number >= limit:
            return True
        line = data.rfind(b"\n", 0, match.start()) + 1
        if not _COMMENT_LINE.match(data, line):
            return True
    return False


def markers_in(data):
    """The ids of the webshell markers ``data`` holds."""
    return [
        name
        for name, pattern in MARKERS
        if (_in_code(pattern, data) if name in _CODE_ONLY else pattern.search(data))
    ]


def walk(root, bounds, symlinks_out):
    """(path, relative path, lstat) of every regular file below ``root``, sorted, without following a
    link; links that leave the root are added to ``symlinks_out``."""
    real_root = os.path.realpath(root)
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            relative = os.path.relpath(entry.path, root)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                target = os.path.realpath(entry.path)
                if target != real_root and not target.startswith(real_root.rstrip("/") + "/"):
                    symlinks_out.append(relative)
            elif stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(info.st_mode):
                if not bounds.another_file():
                    return
                yield entry.path, relative, info


def load_reference(options, webroots):
    """The reference to compare with: (kind, path, created, files) from the backup's manifest or the
    baseline of one of ``webroots`` (the web root as configured and where it points), or (None, None,
    None, None)."""
    for kind, path in (("backup-manifest", options["manifest"]), ("baseline", options["baseline_file"])):
        if not path or not backup_manifest.regular_file(path):
            continue
        try:
            data = backup_manifest.read_manifest(path)
        except ResticError:
            continue
        # a manifest of another web root (a court moved its site) is no reference for this one
        if data.get("webroot") and os.path.normpath(str(data["webroot"])) not in webroots:
            continue
        return kind, path, str(data.get("created") or "")[:40], data["files"]
    return None, None, None, None


def write_baseline(path, webroot, files):
    """The baseline file (mode 0600, replaced atomically), in the backup manifest's format."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    body = {"version": 1, "kind": "audit-baseline", "created": created, "webroot": webroot, "files": files}
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(body, handle, sort_keys=True)
    os.replace(temporary, path)
    return created


def _differs(before, digest, size):
    """Whether a file differs from its entry in the reference: by hash, or by size when it was too large
    to read."""
    if digest is not None:
        return before.get("sha256") != digest
    return before.get("size") is not None and before["size"] != size


def _texts(lang, id_text, en_text):
    return en_text if lang == "en" else id_text


def _names(items, limit=3):
    shown = ", ".join(items[:limit])
    return shown + (" (+%d)" % (len(items) - limit) if len(items) > limit else "")


def scan(options=None, lang="id", clock=time.monotonic):
    """{"scan": evidence, "findings": [...]} for the web root in ``options`` (see :data:`DEFAULTS`)."""
    opts = dict(DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    webroot = os.path.normpath(opts["webroot"])
    # the inventory's web root may itself be a link (/var/www/html -> /srv/site): the scan starts where it
    # points and follows no link below it
    real_webroot = os.path.realpath(webroot)
    limit = int(opts["list_limit"])
    uploads = [d.strip("/") for d in opts["upload_dirs"] if d.strip("/")]
    excludes = [d.strip("/") for d in opts["change_excludes"] if d.strip("/")]
    evidence = {
        "webroot": webroot,
        "files_scanned": 0,
        "complete": False,
        "stopped_by": None,
        "max_file_bytes": int(opts["max_file_bytes"]),
        "oversized": [],
        "oversized_count": 0,
        "symlinks_out": [],
        "webshells": [],
        "php_in_uploads": [],
        "reference": None,
    }
    if not os.path.isdir(real_webroot):
        evidence["error"] = "web root %s is not a folder" % printable(webroot)
        return {"scan": evidence, "findings": []}

    kind, ref_path, ref_created, reference = load_reference(opts, (webroot, real_webroot))
    bounds = Bounds(int(opts["max_files"]), float(opts["time_budget"]), clock)
    symlinks_out = []
    current = {}
    added, changed = [], []
    for path, relative, info in walk(real_webroot, bounds, symlinks_out):
        shown = printable(relative)
        php_name = bool(PHP_NAME.search(os.path.basename(relative)))
        in_uploads = _under(relative, uploads)
        if info.st_size > evidence["max_file_bytes"]:
            evidence["oversized_count"] += 1
            if len(evidence["oversized"]) < limit:
                evidence["oversized"].append({"path": shown, "size_bytes": info.st_size})
            digest = None
            data = b""
        else:
            read = read_bounded(path, evidence["max_file_bytes"])
            if read is None:
                continue
            data, digest, _size = read
        current[relative] = {"sha256": digest, "size": info.st_size}
        if php_name or in_uploads:
            found = markers_in(data) if data else []
            if found:
                evidence["webshells"].append({"path": shown, "markers": found, "size_bytes": info.st_size})
        if (
            in_uploads
            and php_name
            and not (os.path.basename(relative) == "index.php" and _SILENT_PHP.match(data))
        ):
            evidence["php_in_uploads"].append(shown)
        if reference is not None and not _under(relative, excludes):
            before = reference.get(relative)
            if before is None:
                added.append(shown)
            elif _differs(before, digest, info.st_size):
                changed.append(shown)
    evidence["files_scanned"] = bounds.files
    evidence["stopped_by"] = bounds.exhausted
    evidence["complete"] = bounds.exhausted is None
    evidence["symlinks_out_count"] = len(symlinks_out)
    evidence["symlinks_out"] = [printable(p) for p in symlinks_out[:limit]]

    if reference is not None:
        removed = [p for p in reference if p not in current and not _under(p, excludes)]
        evidence["reference"] = {
            "kind": kind,
            "path": ref_path,
            "created": ref_created,
            "added_count": len(added),
            "changed_count": len(changed),
            # only a complete scan knows what is gone
            "removed_count": len(removed) if evidence["complete"] else None,
            "added": added[:limit],
            "changed": changed[:limit],
        }
    elif evidence["complete"] and opts["write_baseline"] and opts["baseline_file"]:
        files = dict((k, v) for k, v in current.items() if v["sha256"] is not None)
        files.update(
            (k, {"sha256": "", "size": v["size"]}) for k, v in current.items() if v["sha256"] is None
        )
        created = write_baseline(opts["baseline_file"], webroot, files)
        evidence["reference"] = {
            "kind": "baseline",
            "path": opts["baseline_file"],
            "created": created,
            "made": True,
        }
    else:
        evidence["reference"] = {"kind": None, "made": False}

    webshells = evidence["webshells"]
    evidence["webshells_count"] = len(webshells)
    evidence["webshells"] = webshells[:limit]
    in_uploads_all = evidence["php_in_uploads"]
    evidence["php_in_uploads_count"] = len(in_uploads_all)
    evidence["php_in_uploads"] = in_uploads_all[:limit]
    return {"scan": evidence, "findings": _findings(evidence, webshells, in_uploads_all, lang)}


def _findings(evidence, webshells, in_uploads, lang):
    findings = []
    if webshells:
        paths = [w["path"] for w in webshells]
        findings.append(
            sop_result.finding(
                "webroot-webshell",
                "critical",
                _texts(
                    lang,
                    "Tanda webshell ditemukan di %d berkas web root: %s." % (len(paths), _names(paths)),
                    "Webshell markers found in %d web root files: %s." % (len(paths), _names(paths)),
                ),
                {"count": len(webshells), "files": evidence["webshells"]},
            )
        )
    if in_uploads:
        findings.append(
            sop_result.finding(
                "upload-php-file",
                "high",
                _texts(
                    lang,
                    "%d berkas PHP di folder unggahan: %s." % (len(in_uploads), _names(in_uploads)),
                    "%d PHP files in upload folders: %s." % (len(in_uploads), _names(in_uploads)),
                ),
                {"count": len(in_uploads), "files": evidence["php_in_uploads"]},
            )
        )
    ref = evidence["reference"] or {}
    if ref.get("kind") and not ref.get("made") and (ref["added_count"] or ref["changed_count"]):
        paths = ref["changed"] + ref["added"]
        findings.append(
            sop_result.finding(
                "webroot-changed",
                "medium",
                _texts(
                    lang,
                    "%d berkas berubah dan %d berkas baru sejak %s (%s): %s."
                    % (
                        ref["changed_count"],
                        ref["added_count"],
                        ref["created"] or "-",
                        ref["kind"],
                        _names(paths),
                    ),
                    "%d files changed and %d files added since %s (%s): %s."
                    % (
                        ref["changed_count"],
                        ref["added_count"],
                        ref["created"] or "-",
                        ref["kind"],
                        _names(paths),
                    ),
                ),
                dict(ref),
            )
        )
    if not evidence["complete"] and not evidence.get("error"):
        findings.append(
            sop_result.finding(
                "webroot-scan-incomplete",
                "low",
                _texts(
                    lang,
                    "Pemindaian web root berhenti di batas %s setelah %d berkas."
                    % (evidence["stopped_by"], evidence["files_scanned"]),
                    "The web root scan stopped at its %s limit after %d files."
                    % (evidence["stopped_by"], evidence["files_scanned"]),
                ),
                {"stopped_by": evidence["stopped_by"], "files_scanned": evidence["files_scanned"]},
            )
        )
    return findings
