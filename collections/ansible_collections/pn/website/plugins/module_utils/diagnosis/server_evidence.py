# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side evidence for troubleshooting a court website (SOP W6), gathered in one pass.

Runs on the court server (standard library only, Python 3.8+), read-only: state of the web server,
PHP-FPM and database services with their recent errors, the web server configuration test, disk and
inode usage, memory, load, the systemd units in the failed state, pending security updates, PHP and CMS
versions, time synchronisation, the age of the newest backup, the biggest log files, recently changed
files in the web root and the homepage as served locally; ``sections`` picks some of these parts.

:func:`free_log_space` is the one function that changes something: it frees disk space taken by
oversized log files (SOP W7, used by the ``free_log_space`` module).

The server is reached only through :class:`System` so that tests can substitute it.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import datetime
import glob
import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import time

WEB_UNITS = {"nginx": "nginx", "apache": "apache2"}
DB_UNITS = ("mariadb", "mysql")
CONFIG_TESTS = {"nginx": [["nginx", "-t"]], "apache": [["apache2ctl", "-t"], ["apachectl", "-t"]]}
ERROR_LOGS = {
    "nginx": ["/var/log/nginx/error.log"],
    "apache": ["/var/log/apache2/error.log"],
    "php-fpm": ["/var/log/php*-fpm.log"],
    "database": ["/var/log/mysql/error.log", "/var/log/mariadb/mariadb.log"],
}
UNIT_DIRS = ("/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system")
COMPRESSED = (".gz", ".xz", ".bz2", ".zst", ".zip")
#: A systemd unit name as systemctl prints it (odd characters come escaped as \\xNN); anything else in
#: its output is not a unit and is dropped.
UNIT_NAME = re.compile(
    r"^[A-Za-z0-9:_.\\@-]{1,200}\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$"
)
#: Failed units listed at most (the count says how many there are).
FAILED_UNITS_LIMIT = 20
#: The parts of the evidence; ``sections`` picks some of them (all by default).
SECTIONS = (
    "services",
    "config_test",
    "php_fpm_config_test",
    "error_logs",
    "disk",
    "memory",
    "load",
    "failed_units",
    "updates",
    "php_version",
    "db_version",
    "cms",
    "time",
    "backup",
    "biggest_logs",
    "recent_webroot_changes",
    "local_http",
)
DEFAULTS = {
    "webserver": None,
    "webroot": "/var/www/html",
    "domain": "",
    "keyword": "",
    "cms": "custom",
    "disk_paths": ["/", "/var", "/var/log", "/tmp"],
    "log_dirs": ["/var/log"],
    "error_lines": 20,
    "biggest_logs": 10,
    "updates": True,
    "updates_timeout": 60,
    "backup_status_file": "/var/lib/pn-website/backup-status.json",
    "http": True,
    "http_port": 80,
    "http_timeout": 10,
    "recent_hours": 24,
    "recent_files_limit": 10,
    "walk_limit": 20000,
    "sections": list(SECTIONS),
}


class System:
    """Access to the server: commands and files (replaced by a fake in tests)."""

    def run(self, argv, timeout=30, env=None):
        """(rc, stdout, stderr); rc 127 when the program is missing, 124 on timeout."""
        full_env = dict(os.environ, LC_ALL="C", LANG="C")
        full_env.update(env or {})
        try:
            proc = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=timeout,
                env=full_env,
                check=False,
                universal_newlines=True,
                errors="replace",
            )
        except FileNotFoundError:
            return 127, "", "%s: not found" % argv[0]
        except subprocess.TimeoutExpired:
            return 124, "", "%s: timed out after %ss" % (argv[0], timeout)
        except OSError as exc:
            return 126, "", "%s: %s" % (argv[0], exc)
        return proc.returncode, proc.stdout, proc.stderr

    def which(self, name):
        return shutil.which(name)

    def read(self, path, limit=1024 * 1024):
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")

    def tail(self, path, lines=20, block=65536):
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - block))
            data = handle.read().decode("utf-8", "replace")
        return [line for line in data.splitlines() if line.strip()][-lines:]

    def exists(self, path):
        return os.path.exists(path)

    def realpath(self, path):
        return os.path.realpath(path)

    def glob(self, pattern):
        return sorted(glob.glob(pattern))

    def statvfs(self, path):
        return os.statvfs(path)

    def stat(self, path):
        return os.stat(path)

    def walk(self, top):
        return os.walk(top)

    def mounts(self):
        try:
            return self.read("/proc/mounts")
        except OSError:
            return ""

    def now(self):
        return time.time()

    def http_get(self, host, port, path, headers, timeout):
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read(512 * 1024).decode("utf-8", "replace")
            return resp.status, body
        finally:
            conn.close()


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat(timespec="seconds")


def _first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


# -- services ------------------------------------------------------------------------------------------


def unit_exists(system, unit):
    return any(system.exists(os.path.join(d, unit + ".service")) for d in UNIT_DIRS)


def php_fpm_units(system):
    found = []
    for directory in UNIT_DIRS:
        for path in system.glob(os.path.join(directory, "php*-fpm.service")):
            name = os.path.basename(path)[: -len(".service")]
            if name not in found:
                found.append(name)
    return sorted(found)


def detect_webserver(system):
    for kind, unit in WEB_UNITS.items():
        if unit_exists(system, unit):
            return kind
    return None


def unit_state(system, unit):
    rc, out, err = system.run(
        [
            "systemctl",
            "show",
            unit,
            "--property=LoadState,ActiveState,SubState,Result,NRestarts,ActiveEnterTimestamp,"
            "InactiveEnterTimestamp",
        ],
        timeout=15,
    )
    props = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            props[key] = value
    state = {
        "unit": unit,
        "loaded": props.get("LoadState", "unknown"),
        "active": props.get("ActiveState", "unknown"),
        "sub": props.get("SubState", ""),
        "result": props.get("Result", ""),
        "restarts": int(props["NRestarts"]) if props.get("NRestarts", "").isdigit() else None,
        "since": props.get("ActiveEnterTimestamp") or props.get("InactiveEnterTimestamp") or "",
    }
    if rc != 0 and not props:
        state["error"] = _first_line(err) or "systemctl failed (%d)" % rc
    state["running"] = state["active"] == "active"
    return state


def journal(system, unit, lines):
    rc, out, err = system.run(
        ["journalctl", "-u", unit, "-n", str(lines), "--no-pager", "-o", "short-iso"], timeout=15
    )
    if rc != 0:
        return []
    return [line for line in out.splitlines() if line.strip() and not line.startswith("-- ")][-lines:]


def services(system, webserver, lines):
    out = {}
    candidates = []
    if webserver:
        candidates.append(("webserver", WEB_UNITS[webserver]))
    for unit in php_fpm_units(system):
        candidates.append(("php-fpm", unit))
    for unit in DB_UNITS:
        if unit_exists(system, unit):
            candidates.append(("database", unit))
            break
    for role, unit in candidates:
        state = unit_state(system, unit)
        state["role"] = role
        if not state["running"] or state["result"] not in ("", "success"):
            state["journal"] = journal(system, unit, lines)
        out[unit] = state
    return out


def error_logs(system, webserver, lines):
    out = {}
    roles = ["php-fpm", "database"]
    if webserver:
        roles.insert(0, webserver)
    for role in roles:
        for pattern in ERROR_LOGS[role]:
            for path in system.glob(pattern) if "*" in pattern else [pattern]:
                try:
                    out[path] = system.tail(path, lines)
                except OSError:
                    continue
    return out


def config_test(system, webserver):
    if not webserver:
        return None
    for argv in CONFIG_TESTS[webserver]:
        rc, out, err = system.run(argv, timeout=30)
        if rc == 127:
            continue
        text = (err + out).strip()
        result = {"command": " ".join(argv), "ok": rc == 0, "output": text[-2000:]}
        match = re.search(r"in (/\S+?):(\d+)", text) or re.search(r"line (\d+) of (/\S+?):", text)
        if match and not result["ok"]:
            groups = match.groups()
            path, line = (groups[0], groups[1]) if groups[0].startswith("/") else (groups[1], groups[0])
            result["file"], result["line"] = path, int(line)
        return result
    return {"command": " ".join(CONFIG_TESTS[webserver][0]), "ok": None, "output": "not installed"}


def php_fpm_config_test(system, units):
    out = {}
    for unit in units:
        version = unit[len("php") : -len("-fpm")]
        binary = system.which("php-fpm" + version) or system.which("php-fpm")
        if not binary:
            continue
        rc, stdout, stderr = system.run([binary, "-t"], timeout=30)
        out[unit] = {"ok": rc == 0, "output": (stderr + stdout).strip()[-1000:]}
    return out


# -- resources -----------------------------------------------------------------------------------------


def mount_point(path, mounts_text):
    best = "/"
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        point = fields[1].replace("\\040", " ")
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
            best = point
    return best


def disk_usage(system, paths):
    out = []
    seen = set()
    mounts = system.mounts()
    for path in paths:
        if not path or not system.exists(path):
            continue
        try:
            st = system.statvfs(path)
        except OSError as exc:
            out.append({"path": path, "error": str(exc)})
            continue
        point = mount_point(path, mounts)
        key = (point, st.f_blocks, st.f_files)
        if key in seen:
            continue
        seen.add(key)
        total = st.f_blocks * st.f_frsize
        free = st.f_bavail * st.f_frsize
        used = total - st.f_bfree * st.f_frsize
        inodes_used = st.f_files - st.f_ffree
        out.append(
            {
                "path": path,
                "mount": point,
                "total_bytes": total,
                "used_bytes": used,
                "free_bytes": free,
                "used_pct": round(100.0 * (total - free) / total, 1) if total else 0.0,
                "inodes_total": st.f_files,
                "inodes_free": st.f_favail,
                "inodes_used_pct": round(100.0 * inodes_used / st.f_files, 1) if st.f_files else 0.0,
            }
        )
    return out


def memory(system):
    try:
        text = system.read("/proc/meminfo")
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        parts = rest.split()
        if sep and parts and parts[0].isdigit():
            values[key] = int(parts[0]) * 1024
    total = values.get("MemTotal", 0)
    available = values.get("MemAvailable", values.get("MemFree", 0))
    return {
        "total_bytes": total,
        "available_bytes": available,
        "available_pct": round(100.0 * available / total, 1) if total else None,
        "swap_total_bytes": values.get("SwapTotal", 0),
        "swap_free_bytes": values.get("SwapFree", 0),
    }


def load(system):
    try:
        fields = system.read("/proc/loadavg").split()
    except OSError:
        return None
    cpus = os.cpu_count() or 1
    return {"load1": float(fields[0]), "load5": float(fields[1]), "load15": float(fields[2]), "cpus": cpus}


def failed_units(system, limit=FAILED_UNITS_LIMIT):
    """The systemd units in the failed state: {checked, count, units: [{unit, load, sub}]} (at most
    ``limit`` listed; lines that are not a unit name are dropped)."""
    rc, out, err = system.run(
        [
            "systemctl",
            "list-units",
            "--state=failed",
            "--all",
            "--plain",
            "--no-legend",
            "--no-pager",
            "--full",
        ],
        timeout=15,
    )
    if rc != 0:
        return {"checked": False, "error": (_first_line(err) or "systemctl rc %d" % rc)[:200]}
    units, count = [], 0
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] in ("\u25cf", "*"):  # the bullet older systemctl prints before a failed unit
            fields = fields[1:]
        if not fields or not UNIT_NAME.match(fields[0]):
            continue
        count += 1
        if len(units) < limit:
            units.append(
                {
                    "unit": fields[0],
                    "load": fields[1][:20] if len(fields) > 1 else "",
                    "sub": fields[3][:20] if len(fields) > 3 else "",
                }
            )
    return {"checked": True, "count": count, "units": units}


def pending_updates(system, timeout):
    rc, out, err = system.run(
        ["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"],
        timeout=timeout,
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )
    if rc != 0:
        return {"checked": False, "error": _first_line(err) or "apt-get rc %d" % rc}
    packages, security = [], []
    for line in out.splitlines():
        if not line.startswith("Inst "):
            continue
        name = line.split()[1]
        packages.append(name)
        if re.search(r"securit", line, re.I):
            security.append(name)
    return {
        "checked": True,
        "total": len(packages),
        "security": len(security),
        "security_packages": security[:50],
    }


def php_binary(system):
    """The PHP binary whose version is read: ``php`` on PATH, else the newest ``/usr/sbin/php-fpmX.Y``."""
    binary = system.which("php")
    if not binary:
        candidates = [p for p in system.glob("/usr/sbin/php-fpm*") if re.search(r"php-fpm[0-9.]+$", p)]
        binary = candidates[-1] if candidates else None
    return binary


def php_version(system):
    binary = php_binary(system)
    if not binary:
        return None
    rc, out, err = system.run([binary, "-v"], timeout=15)
    match = re.search(r"PHP (\d+\.\d+\.\d+)", out)
    return match.group(1) if match else None


_PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]{0,99}(:[a-z0-9]{1,20})?$")


def package_of(system, path):
    """{"name", "version"} of the installed Debian package that owns the file PATH (links resolved, as
    the alternatives system links ``/usr/bin/php`` to ``php8.2``), or None: no dpkg, a file no package owns
    (a build from source), a package not installed."""
    if not path:
        return None
    real = system.realpath(path)
    rc, out, err = system.run(["dpkg-query", "-S", real], timeout=15)
    owner = None
    for line in (out or "").splitlines() if rc == 0 else []:
        name, sep, rest = line.partition(
            ": "
        )  # "php8.2-cli: /usr/bin/php8.2"; "diversion by ..." lines differ
        if sep and rest.strip() == real and _PACKAGE_NAME.match(name):
            owner = name
            break
    if owner is None:
        return None
    rc, out, err = system.run(["dpkg-query", "-W", "-f=${Status}\t${Version}", owner], timeout=15)
    status, _sep, version = (out or "").partition("\t")
    if rc != 0 or not status.endswith(" installed") or not version.strip():
        return None
    return {"name": owner, "version": version.strip()[:80]}


def os_release(system):
    """{"id": "debian", "version_id": "12"} from /etc/os-release (the fields empty when absent)."""
    fields = {"id": "", "version_id": ""}
    try:
        text = system.read("/etc/os-release", 16 * 1024)
    except OSError:
        return fields
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().lower() in fields:
            fields[key.strip().lower()] = value.strip().strip("\"'")[:40]
    return fields


#: The database server's version in ``mariadbd --version``, ``mariadb --version`` (client) and the
#: older ``mysqld``/``mysql`` names: "Ver 10.11.6-MariaDB-0+deb12u1", "Distrib 10.5.23-MariaDB",
#: "from 11.4.2-MariaDB".
DB_VERSION_COMMANDS = (
    ["mariadbd", "--version"],
    ["mysqld", "--version"],
    ["mariadb", "--version"],
    ["mysql", "--version"],
)
_DB_VERSION = re.compile(r"(\d+\.\d+\.\d+)-MariaDB")


def db_version(system):
    """{"product": "mariadb", "version": "10.11.6"} of the installed MariaDB server (or its client), or
    None when none answers; a MySQL server is not MariaDB and is left out (its dates differ)."""
    found = db_server(system)
    return {"product": "mariadb", "version": found["version"]} if found else None


def db_server(system):
    """{"binary", "version"} of the MariaDB binary that answered (see db_version), or None."""
    for argv in DB_VERSION_COMMANDS:
        sbin = "/usr/sbin/" + argv[0]  # the server binaries, outside PATH for some accounts
        binary = system.which(argv[0]) or (sbin if system.exists(sbin) else None)
        if not binary:
            continue
        rc, out, err = system.run([binary] + argv[1:], timeout=15)
        match = _DB_VERSION.search(out or "")
        if rc == 0 and match:
            return {"binary": binary, "version": match.group(1)}
    return None


CMS_VERSION_FILES = [
    ("wordpress", "wp-includes/version.php", r"\$wp_version\s*=\s*'([^']+)'"),
    ("joomla", "administrator/manifests/files/joomla.xml", r"<version>([^<]+)</version>"),
    (
        "laravel",
        "vendor/laravel/framework/src/Illuminate/Foundation/Application.php",
        r"VERSION\s*=\s*'([^']+)'",
    ),
    ("codeigniter", "system/CodeIgniter.php", r"CI_VERSION\s*=\s*'([^']+)'"),
    ("codeigniter", "system/core/CodeIgniter.php", r"CI_VERSION['\"],\s*'([^']+)'"),
]


#: Where Debian's ``wordpress`` package keeps WordPress's code; the court's web root is then its
#: wp-content (/var/lib/wordpress/wp-content), whose themes and plugins link back into this folder.
DEBIAN_WORDPRESS = "/usr/share/wordpress"
_CMS_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+~-]{0,39}$")


def cms_roots(webroot, cms):
    """The folders where the CMS's code may be, in order: the web root; its parent when the web root is a
    wp-content folder (the site's own files kept apart from the code); Debian's package folder for a
    WordPress court."""
    webroot = os.path.normpath(webroot or "/var/www/html")
    roots = [webroot]
    if os.path.basename(webroot) == "wp-content":
        roots.append(os.path.dirname(webroot))
    if cms == "wordpress" and DEBIAN_WORDPRESS not in roots:
        roots.append(DEBIAN_WORDPRESS)
    return roots


def cms_version(system, webroot, cms):
    """{"cms", "version", "file", "root"}: the CMS whose version file is found first in
    :func:`cms_roots`, its version (checked to look like one) and where it was read; the CMS as given and
    no version when none is found."""
    for root in cms_roots(webroot, cms):
        for name, relative, pattern in CMS_VERSION_FILES:
            path = os.path.join(root, relative)
            if not system.exists(path):
                continue
            try:
                match = re.search(pattern, system.read(path, 256 * 1024))
            except OSError:
                continue
            if match and _CMS_VERSION.match(match.group(1)):
                return {"cms": name, "version": match.group(1), "file": path, "root": root}
    return {"cms": cms, "version": None, "file": None, "root": None}


def time_sync(system):
    rc, out, err = system.run(["timedatectl", "show", "--property=NTP,NTPSynchronized,Timezone"], timeout=15)
    props = dict(line.partition("=")[::2] for line in out.splitlines() if "=" in line)
    if rc != 0 or not props:
        return {"checked": False, "error": _first_line(err) or "timedatectl rc %d, no answer" % rc}
    return {
        "checked": True,
        "ntp": props.get("NTP") == "yes",
        "synchronized": props.get("NTPSynchronized") == "yes",
        "timezone": props.get("Timezone", ""),
    }


def backup_status(system, path, now):
    if not path or not system.exists(path):
        return {"found": False, "path": path}
    try:
        data = json.loads(system.read(path))
    except (OSError, ValueError) as exc:
        return {"found": False, "path": path, "error": str(exc)}
    finished = data.get("finished") or data.get("started")
    age_hours = None
    if finished:
        try:
            moment = datetime.datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
            age_hours = round((now - moment.timestamp()) / 3600.0, 1)
        except ValueError:
            pass
    snapshot = ""
    for target in data.get("targets") or []:
        if target.get("status") == "ok" and target.get("snapshot_id"):
            snapshot = target["snapshot_id"]
            break
    return {
        "found": True,
        "path": path,
        "status": data.get("status"),
        "finished": finished,
        "age_hours": age_hours,
        "snapshot_id": snapshot,
        "dump_verified": bool((data.get("dump") or {}).get("verified")),
    }


def _walk_files(system, top, limit):
    count = 0
    for dirpath, dirnames, filenames in system.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            count += 1
            if count > limit:
                return
            yield os.path.join(dirpath, name)


def biggest_files(system, dirs, count, limit):
    found = []
    for top in dirs:
        for path in _walk_files(system, top, limit):
            try:
                st = system.stat(path)
            except OSError:
                continue
            found.append({"path": path, "size_bytes": st.st_size, "mtime": _iso(st.st_mtime)})
    found.sort(key=lambda item: -item["size_bytes"])
    return found[:count]


def recent_files(system, webroot, hours, count, limit, now):
    if not webroot or not system.exists(webroot):
        return {"count": 0, "files": []}
    cutoff = now - hours * 3600
    files = []
    for path in _walk_files(system, webroot, limit):
        try:
            st = system.stat(path)
        except OSError:
            continue
        if st.st_mtime >= cutoff:
            files.append({"path": path, "mtime": _iso(st.st_mtime), "size_bytes": st.st_size})
    files.sort(key=lambda item: item["mtime"], reverse=True)
    return {"count": len(files), "files": files[:count]}


def local_http(system, domain, keyword, port, timeout):
    headers = {"Host": domain or "localhost", "User-Agent": "pn.website-diagnose"}
    try:
        status, body = system.http_get("127.0.0.1", port, "/", headers, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return {"ok": False, "status": None, "error": "%s: %s" % (type(exc).__name__, exc)}
    found = bool(keyword) and keyword.lower() in body.lower()
    return {
        "ok": status < 400,
        "status": status,
        "keyword_found": found if keyword else None,
        "bytes": len(body),
    }


# -- entry point ---------------------------------------------------------------------------------------


def normalize_options(options=None):
    opts = dict(DEFAULTS)
    for key, value in (options or {}).items():
        if value is not None:
            opts[key] = value
    if opts["webserver"] not in (None, "nginx", "apache"):
        raise ValueError("webserver must be nginx or apache, not %r" % opts["webserver"])
    unknown = sorted(set(opts["sections"]) - set(SECTIONS))
    if unknown:
        raise ValueError(
            "unknown evidence sections %s (known: %s)" % (", ".join(unknown), ", ".join(SECTIONS))
        )
    return opts


def gather(options=None, system=None):
    """All server-side evidence as one JSON-able dict."""
    opts = normalize_options(options)
    system = system or System()
    now = system.now()
    webserver = opts["webserver"] or detect_webserver(system)
    lines = int(opts["error_lines"])
    units = php_fpm_units(system)
    disk_paths = list(opts["disk_paths"])
    for extra in (opts["webroot"], "/var/log/%s" % ("apache2" if webserver == "apache" else "nginx")):
        if extra and extra not in disk_paths:
            disk_paths.append(extra)
    # Each part is gathered only when asked for (the weekly audit reads the server's health only).
    parts = {
        "services": lambda: services(system, webserver, lines),
        "config_test": lambda: config_test(system, webserver),
        "php_fpm_config_test": lambda: php_fpm_config_test(system, units),
        "error_logs": lambda: error_logs(system, webserver, lines),
        "disk": lambda: disk_usage(system, disk_paths),
        "memory": lambda: memory(system),
        "load": lambda: load(system),
        "failed_units": lambda: failed_units(system),
        "updates": lambda: pending_updates(system, int(opts["updates_timeout"])) if opts["updates"] else None,
        "php_version": lambda: php_version(system),
        "db_version": lambda: db_version(system),
        "cms": lambda: cms_version(system, opts["webroot"], opts["cms"]),
        "time": lambda: time_sync(system),
        "backup": lambda: backup_status(system, opts["backup_status_file"], now),
        "biggest_logs": lambda: biggest_files(
            system, opts["log_dirs"], int(opts["biggest_logs"]), int(opts["walk_limit"])
        ),
        "recent_webroot_changes": lambda: recent_files(
            system,
            opts["webroot"],
            float(opts["recent_hours"]),
            int(opts["recent_files_limit"]),
            int(opts["walk_limit"]),
            now,
        ),
        "local_http": lambda: (
            local_http(
                system, opts["domain"], opts["keyword"], int(opts["http_port"]), float(opts["http_timeout"])
            )
            if opts["http"]
            else None
        ),
    }
    evidence = {"collected_at": _iso(now), "webserver": webserver}
    for name in SECTIONS:
        if name in opts["sections"]:
            evidence[name] = parts[name]()
    return evidence


# -- freeing log space (W7) ----------------------------------------------------------------------------


def free_log_space(
    dirs, max_bytes, keep_bytes=1024 * 1024, check_mode=False, system=None, target_used_pct=None
):
    """Shrink log files under ``dirs`` to their last ``keep_bytes``: every file larger than ``max_bytes``,
    then, on each file system still more than ``target_used_pct`` full, the biggest logs first until it
    is below that.

    The part cut off is first compressed next to the log (``NAME.TIMESTAMP.cut.gz``); when the disk is
    too full even for that, the cut part is discarded and said so. Compressed files are left alone.
    Returns {"files": [{path, size_before, size_after, archive, discarded_bytes}], "freed_bytes",
    "filesystems": [{path, used_pct_before, used_pct_after}]}.
    """
    system = system or System()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(system.now()))
    result = {"files": [], "freed_bytes": 0, "filesystems": []}
    candidates = []
    for top in dirs:
        for path in _walk_files(system, top, DEFAULTS["walk_limit"]):
            if path.endswith(COMPRESSED) or os.path.islink(path) or ".cut." in os.path.basename(path):
                continue
            try:
                st = system.stat(path)
            except OSError:
                continue
            candidates.append((st.st_size, path, st.st_dev))
    candidates.sort(key=lambda item: -item[0])
    done = set()

    def shrink(size, path):
        entry = {
            "path": path,
            "size_before": size,
            "size_after": min(size, keep_bytes),
            "archive": None,
            "discarded_bytes": 0,
        }
        if not check_mode:
            entry.update(_shrink(path, size - keep_bytes, keep_bytes, stamp))
        done.add(path)
        result["files"].append(entry)
        result["freed_bytes"] += size - entry["size_after"]
        return size - entry["size_after"]

    for size, path, _dev in candidates:
        if size > max_bytes and size > keep_bytes:
            shrink(size, path)
    if target_used_pct is not None:
        for dev in sorted({item[2] for item in candidates}):
            sample = next(item[1] for item in candidates if item[2] == dev)
            try:
                vfs = system.statvfs(os.path.dirname(sample))
            except OSError:
                continue
            total = vfs.f_blocks * vfs.f_frsize
            if not total:
                continue
            used = total - vfs.f_bavail * vfs.f_frsize
            before = 100.0 * used / total
            if check_mode:
                used -= sum(
                    f["size_before"] - f["size_after"]
                    for f in result["files"]
                    if any(c[1] == f["path"] and c[2] == dev for c in candidates)
                )
            for size, path, file_dev in candidates:
                if 100.0 * used / total <= target_used_pct:
                    break
                if file_dev != dev or path in done or size <= keep_bytes:
                    continue
                used -= shrink(size, path)
            if not check_mode:
                try:
                    vfs = system.statvfs(os.path.dirname(sample))
                    used = total - vfs.f_bavail * vfs.f_frsize
                except OSError:
                    pass
            result["filesystems"].append(
                {
                    "path": os.path.dirname(sample),
                    "used_pct_before": round(before, 1),
                    "used_pct_after": round(100.0 * used / total, 1),
                }
            )
    return result


def _shrink(path, cut, keep_bytes, stamp):
    archive = "%s.%s.cut.gz" % (path, stamp)
    out = {"archive": None, "discarded_bytes": 0}
    try:
        with open(path, "rb") as source, gzip.open(archive, "wb", compresslevel=6) as target:
            remaining = cut
            while remaining > 0:
                block = source.read(min(1024 * 1024, remaining))
                if not block:
                    break
                target.write(block)
                remaining -= len(block)
        out["archive"] = archive
    except OSError:
        try:
            os.unlink(archive)
        except OSError:
            pass
        out["discarded_bytes"] = cut
    with open(path, "r+b") as handle:
        handle.seek(cut)
        tail = handle.read(keep_bytes)
        handle.seek(0)
        handle.write(tail)
        handle.truncate(len(tail))
    out["size_after"] = len(tail)
    return out
