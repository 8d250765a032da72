# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integrity of a CMS's code installed by Debian packages (the weekly audit, SOP IT-AUDIT).

Debian's ``wordpress`` package keeps WordPress's code in ``/usr/share/wordpress``, outside the court's
web root (its wp-content), yet that folder is what the web server runs. Its reference is the packages
themselves: ``dpkg --verify`` names the files whose content no longer matches the package's checksums
(``changed``), and a file below the folder that no package installed is ``added``. Added and changed PHP
files are searched for the web root scan's webshell markers.

Runs on the court server (standard library only, Python 3.8+): commands get argument lists, never a shell;
the walk never follows a link, opens only regular files and stops at ``max_files`` or ``time_budget``.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.pn.website.plugins.module_utils.appsec import webroot_scan
from ansible_collections.pn.website.plugins.module_utils.diagnosis import server_evidence
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]{0,99}(:[a-z0-9]{1,20})?$")
#: ``dpkg --verify`` output: "??5??????   /usr/x", "??5?????? c /etc/x" (c for a conffile); the 3rd
#: character 5 is a checksum that differs ("missing" lines, files deleted, are not changes of content).
_VERIFY = re.compile(r"^([?.0-9A-Za-z]{9})\s+(?:[a-z]\s+)?(/.+)$")


def run(argv, timeout=120):
    """(rc, stdout, stderr) of ARGV (no shell, LC_ALL=C): the diagnosis' own command runner."""
    return server_evidence.System().run(argv, timeout=timeout)


def owners(root, runner=run):
    """The installed packages that put files in the folder ROOT (``dpkg-query -S``), sorted."""
    rc, out, _err = runner(["dpkg-query", "-S", root])
    found = set()
    for line in out.splitlines() if rc == 0 else []:
        names, sep, path = line.rpartition(": ")
        if sep and path.strip() == root:
            found.update(n.strip() for n in names.split(",") if _PACKAGE.match(n.strip()))
    return sorted(found)


def versions(packages, runner=run):
    rc, out, _err = runner(["dpkg-query", "-W", "-f=${Package}\t${Version}\n"] + list(packages))
    rows = [line.split("\t", 1) for line in out.splitlines() if "\t" in line] if rc == 0 else []
    return [{"name": name, "version": version[:80]} for name, version in rows]


def listed(packages, runner=run):
    rc, out, _err = runner(["dpkg-query", "-L"] + list(packages))
    return set(line.strip() for line in out.splitlines() if line.startswith("/")) if rc in (0, 1) else set()


def verify(packages, root, runner=run):
    """The files below ROOT whose checksum differs from their package's (``dpkg --verify``)."""
    _rc, out, _err = runner(["dpkg", "--verify"] + list(packages))
    prefix = root.rstrip("/") + "/"
    changed = []
    for line in out.splitlines():
        match = _VERIFY.match(line)
        if match and match.group(1)[2] == "5" and match.group(2).startswith(prefix):
            changed.append(match.group(2))
    return sorted(changed)


def scan(root, options=None, lang="id", runner=run, clock=time.monotonic):
    """{"code": evidence, "findings": [...]}: the integrity of the packaged code in ROOT; evidence None
    when no installed package owns ROOT (a CMS unpacked by hand is the web root scan's)."""
    opts = dict(webroot_scan.DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    root = os.path.realpath(root)
    packages = owners(root, runner)
    if not packages or not os.path.isdir(root):
        return {"code": None, "findings": []}
    files = listed(packages, runner)
    changed = verify(packages, root, runner)
    changed_set = set(changed)
    bounds = webroot_scan.Bounds(int(opts["max_files"]), float(opts["time_budget"]), clock)
    added, webshells = [], []
    limit = int(opts["list_limit"])
    for path, relative, info in webroot_scan.walk(root, bounds, []):
        if path in files and path not in changed_set:
            continue
        if path not in files:
            added.append(path)
        if (
            webroot_scan.PHP_NAME.search(os.path.basename(relative))
            and info.st_size <= opts["max_file_bytes"]
        ):
            read = webroot_scan.read_bounded(path, int(opts["max_file_bytes"]))
            markers = webroot_scan.markers_in(read[0]) if read else []
            if markers:
                webshells.append(
                    {"path": webroot_scan.printable(path), "markers": markers, "size_bytes": info.st_size}
                )
    evidence = {
        "root": webroot_scan.printable(root),
        "packages": versions(packages, runner),
        "files_scanned": bounds.files,
        "complete": bounds.exhausted is None,
        "stopped_by": bounds.exhausted,
        "changed_count": len(changed),
        "added_count": len(added),
        "changed": [webroot_scan.printable(p) for p in changed[:limit]],
        "added": [webroot_scan.printable(p) for p in added[:limit]],
        "webshells_count": len(webshells),
        "webshells": webshells[:limit],
    }
    return {"code": evidence, "findings": _findings(evidence, lang)}


def _findings(evidence, lang):
    findings = []
    names = ", ".join(p["name"] for p in evidence["packages"]) or "-"
    if evidence["webshells"]:
        paths = [w["path"] for w in evidence["webshells"]]
        findings.append(
            sop_result.finding(
                "webroot-webshell",
                "critical",
                (
                    "Webshell markers found in %d files of the packaged code (%s): %s."
                    if lang == "en"
                    else "Tanda webshell ditemukan di %d berkas kode paket (%s): %s."
                )
                % (len(paths), names, webroot_scan._names(paths)),
                {
                    "count": evidence["webshells_count"],
                    "files": evidence["webshells"],
                    "root": evidence["root"],
                },
            )
        )
    if evidence["changed_count"] or evidence["added_count"]:
        paths = evidence["changed"] + evidence["added"]
        findings.append(
            sop_result.finding(
                "webroot-changed",
                "medium",
                (
                    "%d files changed and %d files added in the packaged code %s since its packages (%s): %s."
                    if lang == "en"
                    else "%d berkas berubah dan %d berkas baru di kode %s dibanding paketnya (%s): %s."
                )
                % (
                    evidence["changed_count"],
                    evidence["added_count"],
                    evidence["root"],
                    names,
                    webroot_scan._names(paths),
                ),
                {
                    "kind": "package",
                    "root": evidence["root"],
                    "packages": evidence["packages"],
                    "changed_count": evidence["changed_count"],
                    "added_count": evidence["added_count"],
                    "changed": evidence["changed"],
                    "added": evidence["added"],
                },
            )
        )
    if not evidence["complete"]:
        findings.append(
            sop_result.finding(
                "webroot-scan-incomplete",
                "low",
                (
                    "The packaged code scan stopped at its %s limit after %d files."
                    if lang == "en"
                    else "Pemindaian kode paket berhenti di batas %s setelah %d berkas."
                )
                % (evidence["stopped_by"], evidence["files_scanned"]),
                {"stopped_by": evidence["stopped_by"], "files_scanned": evidence["files_scanned"]},
            )
        )
    return findings
