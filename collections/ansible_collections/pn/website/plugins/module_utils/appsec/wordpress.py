# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugins and themes installed on a WordPress court, read from their files (the weekly audit,
SOP IT-AUDIT).

WordPress names a plugin in the header comment of its main PHP file (``Plugin Name:``, ``Version:``)
and a theme in its ``style.css`` (``Theme Name:``, ``Version:``); like WordPress, only the first 8 KiB of
a file are read. Must-use plugins are the PHP files of ``mu-plugins`` (their header is optional).

Runs on the court server (standard library only, Python 3.8+). wp-content is untrusted: a plugin is a
folder an attacker may have written. So

* at most ``max_entries`` entries of a folder are looked at and ``max_php_files`` PHP files of a plugin
  folder are opened, each without following a link, without blocking, only a regular file, at most
  :data:`HEADER_BYTES`;
* a plugin or theme that is a link (Debian's package links wp-content's themes and plugins into
  ``/usr/share/wordpress``) is read only when it points inside the allowed folders (wp-content and the
  WordPress code); one pointing elsewhere is listed (``outside``), not read;
* names and versions are validated text, cut short; nothing read is run.

A plugin or theme the shipped list of closed ones (:mod:`.wordpress_data`) names is a
``wordpress-extension-closed`` finding with that list's dated source; one it does not name is only
listed, never judged.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import os
import re
import stat

from ansible_collections.pn.website.plugins.module_utils.appsec import wordpress_data
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

RULES = ("wordpress-extension-closed",)
#: WordPress itself reads the first 8 KiB of a file for its header (get_file_data()).
HEADER_BYTES = 8192
DEFAULTS = {"max_entries": 500, "max_php_files": 50, "list_limit": 200}
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,39}$")
_CLOSE_COMMENT = re.compile(r"\s*(?:\*/|\?>).*")


def _header_pattern(field):
    # WordPress's own expression: the field at the start of a comment line, its value to the end of line
    return re.compile(r"^(?:[ \t]*<\?php)?[ \t/*#@]*" + re.escape(field) + r":(.*)$", re.I | re.M)


_FIELDS = {
    "name": ("Plugin Name", "Theme Name"),
    "version": ("Version",),
}
_PATTERNS = dict((f, _header_pattern(f)) for fields in _FIELDS.values() for f in fields)


def read_header(path, limit=HEADER_BYTES):
    """The first LIMIT bytes of the regular file PATH as text (opened without following a link and
    without blocking), or None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(limit)
    except OSError:
        return None
    return data.decode("utf-8", "replace").replace("\r", "\n")


def _clean(text, limit):
    text = _CLOSE_COMMENT.sub("", text).strip()
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:limit] if text else None


def header_field(text, field):
    """The value of FIELD in a WordPress file header, cleaned like WordPress does, or None."""
    match = _PATTERNS[field].search(text or "")
    return _clean(match.group(1), 120) if match else None


def valid_version(value):
    """VALUE when it looks like a version (``4.1.1``, ``1.7.2-beta``), else None."""
    return value if value and _VERSION.match(value) else None


def _printable(name, limit=120):
    text = os.fsencode(name).decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:limit]


def _inside(real, roots):
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)


def _entries(folder, limit):
    """(entries sorted by name, whether more than LIMIT were there) of FOLDER, without following links."""
    try:
        with os.scandir(folder) as scan:
            entries = []
            for entry in scan:
                if len(entries) >= limit:
                    return sorted(entries, key=lambda e: e.name), True
                entries.append(entry)
    except OSError:
        return [], False
    return sorted(entries, key=lambda e: e.name), False


def _resolve(entry, allowed):
    """(path to read, link target or None, whether the target is outside ALLOWED) of ENTRY."""
    try:
        is_link = entry.is_symlink()
    except OSError:
        return None, None, False
    if not is_link:
        return entry.path, None, False
    target = os.path.realpath(entry.path)
    return target, target, not _inside(target, allowed)


def _row(kind, slug, path, link, text, field):
    name = header_field(text, field) if text is not None else None
    raw = header_field(text, "Version") if text is not None else None
    row = {
        "kind": kind,
        "slug": slug,
        "name": name,
        "version": valid_version(raw),
        "path": _printable(path, 300),
        "link": _printable(link, 300) if link else None,
    }
    if raw and not row["version"]:
        row["version_invalid"] = raw[:40]
    return row


def _outside_row(kind, entry, link):
    """The row of a plugin or theme whose link leaves the allowed folders: listed, never read."""
    return {
        "kind": kind,
        "slug": _printable(entry.name),
        "name": None,
        "version": None,
        "path": _printable(entry.path, 300),
        "link": _printable(link, 300),
        "outside": True,
    }


def _plugin(entry, allowed, opts):
    """A plugin row for ENTRY of the plugins folder (a PHP file or a folder holding the main file), or
    None when it is no plugin."""
    slug = entry.name
    path, link, outside = _resolve(entry, allowed)
    if path is None:
        return None
    if outside:
        return _outside_row("plugin", entry, link)
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) and slug.lower().endswith(".php"):
        text = read_header(path)
        if header_field(text, "Plugin Name"):
            return _row("plugin", _printable(slug[:-4]), entry.path, link, text, "Plugin Name")
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    files, _more = _entries(path, opts["max_entries"])
    opened = 0
    for item in files:
        if not item.name.lower().endswith(".php") or item.is_symlink():
            continue
        if opened >= opts["max_php_files"]:
            break
        opened += 1
        text = read_header(item.path)
        if header_field(text, "Plugin Name"):
            row = _row(
                "plugin", _printable(slug), os.path.join(entry.path, item.name), link, text, "Plugin Name"
            )
            return row
    return None


def _theme(entry, allowed):
    path, link, outside = _resolve(entry, allowed)
    if path is None:
        return None
    if outside:
        return _outside_row("theme", entry, link)
    if not os.path.isdir(path) or os.path.islink(path):
        return None
    text = read_header(os.path.join(path, "style.css"))
    if not header_field(text, "Theme Name"):
        return None
    return _row(
        "theme", _printable(entry.name), os.path.join(entry.path, "style.css"), link, text, "Theme Name"
    )


def _mu_plugin(entry):
    if not entry.name.lower().endswith(".php") or entry.is_symlink():
        return None
    try:
        if not entry.is_file(follow_symlinks=False):
            return None
    except OSError:
        return None
    text = read_header(entry.path)
    row = _row("mu-plugin", _printable(entry.name[:-4]), entry.path, None, text, "Plugin Name")
    row["name"] = row["name"] or _printable(entry.name)
    return row


def extensions(content_dir, code_dirs=(), options=None):
    """{"content_dir", "plugins": [...], "themes": [...], "mu_plugins": [...], "truncated": bool} of the
    wp-content folder CONTENT_DIR; a plugin or theme linking into CODE_DIRS (WordPress's code, e.g.
    Debian's /usr/share/wordpress) is read there."""
    opts = dict(DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    real_content = os.path.realpath(content_dir)
    allowed = [real_content] + [os.path.realpath(d) for d in code_dirs if d]
    found = {
        "content_dir": _printable(content_dir, 300),
        "plugins": [],
        "themes": [],
        "mu_plugins": [],
        "truncated": False,
    }
    for folder, key in (("plugins", "plugins"), ("themes", "themes"), ("mu-plugins", "mu_plugins")):
        path = os.path.join(real_content, folder)
        if os.path.islink(path) or not os.path.isdir(path):
            continue
        entries, more = _entries(path, opts["max_entries"])
        found["truncated"] = found["truncated"] or more
        for entry in entries:
            if entry.name.startswith("."):  # WordPress skips hidden entries too
                continue
            if key == "plugins":
                row = _plugin(entry, allowed, opts)
            elif key == "themes":
                row = _theme(entry, allowed)
            else:
                row = _mu_plugin(entry)
            if row is None:
                continue
            if len(found[key]) >= opts["list_limit"]:
                found["truncated"] = True
                break
            found[key].append(row)
    return found


def content_dir(webroot, core_root):
    """The wp-content folder of a WordPress court: the web root itself when it is one (Debian's
    /var/lib/wordpress/wp-content), else the web root's or the code's wp-content."""
    webroot = os.path.normpath(webroot)
    candidates = [webroot] if os.path.basename(webroot) == "wp-content" else []
    candidates.append(os.path.join(webroot, "wp-content"))
    if core_root:
        candidates.append(os.path.join(core_root, "wp-content"))
    for candidate in candidates:
        if os.path.isdir(candidate):
            return candidate
    return None


def judge(found, data=None, lang="id"):
    """The ``wordpress-extension-closed`` findings of FOUND (see :func:`extensions`): a plugin or theme
    the closed list names, with its date and source; each row known to the list gets ``closed``."""
    data = data if data is not None else wordpress_data.DATA
    findings = []
    for key, kind in (("plugins", "plugin"), ("themes", "theme")):
        known = data.get(key) or {}
        for row in found.get(key) or []:
            entry = known.get(row["slug"])
            if not isinstance(entry, dict) or not entry.get("closed") or not entry.get("source"):
                continue
            row["closed"] = {"date": entry["closed"], "source": entry["source"]}
            label = row["name"] or row["slug"]
            if lang == "en":
                message = "The %s %s %s was closed on %s (%s): it gets no more fixes." % (
                    kind,
                    label,
                    row["version"] or "",
                    entry["closed"],
                    entry.get("reason") or "closed",
                )
            else:
                message = "%s %s %s ditutup sejak %s (%s): tidak ada lagi perbaikan." % (
                    "Plugin" if kind == "plugin" else "Tema",
                    label,
                    row["version"] or "",
                    entry["closed"],
                    entry.get("reason") or "ditutup",
                )
            evidence = {
                "kind": kind,
                "slug": row["slug"],
                "version": row["version"],
                "path": row["path"],
                "closed": entry["closed"],
                "source": entry["source"],
                "data_compiled": data.get("compiled"),
            }
            findings.append(sop_result.finding("wordpress-extension-closed", "high", message, evidence))
    return findings
