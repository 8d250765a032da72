# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hardening audit engine: checks every control of the pn.website hardening roles, read-only.

Runs on the court server (standard library only, Python 3.8+). Every control gives a stable id,
a short Indonesian and English description, a status (``pass``, ``fail`` or ``skip`` when it does
not apply), the observed and the expected value. The same engine guards the SSH hardening role
against lockouts: :func:`ssh_login_problems` tells why an account could not log in any more under
a candidate sshd configuration.

The server is reached only through :class:`System` (commands, files, loopback HTTP), so tests can
substitute it.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import glob
import grp
import http.client
import os
import pwd
import re
import shlex
import socket
import ssl
import stat
import subprocess
import warnings

from ansible_collections.pn.website.plugins.module_utils.hardening import ssh_keys
from ansible_collections.pn.website.plugins.module_utils.hardening.hardening_audit_data import (
    AREAS,
    CMS_CONFIG_FILES,
    CMS_WRITABLE_PATHS,
    CONTROLS,
    PHP_REQUIRED_DISABLED,
    SENSITIVE_PROBES,
    SYSCTL_EXPECTED,
    UNNEEDED_SERVICES,
    WEAK_SSH_CIPHERS,
    WEAK_SSH_KEX,
    WEAK_SSH_MACS,
)
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

DEFAULT_UPLOAD_DIRS = ["uploads", "wp-content/uploads", "images"]
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1", "")
PROBE_FILE = "pn-audit-probe.php"
MAX_WALK_ENTRIES = 50000


class AuditError(ValueError):
    """Bad options given to the audit (named in the message)."""


class System:
    """The court server as the audit sees it. Every method is read-only."""

    def run(self, argv, timeout=30):
        """(rc, stdout, stderr); rc 127 when the program is missing."""
        try:
            proc = subprocess.run(  # noqa: S603 - fixed argument vectors, no shell
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False
            )
        except FileNotFoundError:
            return 127, "", "%s: not found" % argv[0]
        except (OSError, subprocess.TimeoutExpired) as exc:
            return 126, "", str(exc)
        return (
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    def which(self, name):
        for directory in ("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"):
            path = os.path.join(directory, name)
            if os.access(path, os.X_OK):
                return path
        return None

    def glob(self, pattern):
        return sorted(glob.glob(pattern))

    def read(self, path):
        """Text of a file, or None when it cannot be read."""
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return None

    def read_tail(self, path, max_bytes=1048576):
        """The last ``max_bytes`` of a file as text, or None when it cannot be read."""
        try:
            with open(path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - max_bytes))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return None

    def stat(self, path):
        try:
            return os.lstat(path)
        except OSError:
            return None

    def walk(self, top):
        return os.walk(top)

    def http(self, url_path, host, https=False, port=None, timeout=10):
        """(status, headers with lower-case names, first 64 KiB of body) from the local web server."""
        if https:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the local server, whatever certificate it has
            conn = http.client.HTTPSConnection("127.0.0.1", port or 443, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port or 80, timeout=timeout)
        try:
            conn.putrequest("GET", url_path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            conn.putheader("User-Agent", "pn.website hardening_audit")
            conn.endheaders()
            response = conn.getresponse()
            body = response.read(65536)
            headers = {}
            for name, value in response.getheaders():
                headers.setdefault(name.lower(), value)
            return response.status, headers, body
        finally:
            conn.close()

    def tls_accepts(self, version_name, port=443, timeout=5):
        """True when the local server completes a handshake limited to one old TLS version, None
        when this machine cannot even offer it."""
        version = getattr(ssl.TLSVersion, version_name, None)
        if version is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                context.set_ciphers("ALL:@SECLEVEL=0")
                context.minimum_version = version
                context.maximum_version = version
            except (ValueError, ssl.SSLError):
                return None
            try:
                with (
                    socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock,
                    context.wrap_socket(sock) as tls,
                ):
                    return bool(tls.version())
            except ssl.SSLError as exc:
                if "NO_PROTOCOLS_AVAILABLE" in str(exc).upper() or "NO PROTOCOLS" in str(exc).upper():
                    return None
                return False
            except OSError:
                return None

    def in_container(self):
        rc, out, _err = self.run(["systemd-detect-virt", "--container"])
        if rc == 0 and out.strip() and out.strip() != "none":
            return out.strip()
        if os.path.exists("/run/.containerenv") or os.path.exists("/.dockerenv"):
            return "container"
        return ""

    def today(self):
        return datetime.date.today()


def _control(cid, status, observed, expected, detail=""):
    area, severity, text_id, text_en = CONTROLS[cid]
    return {
        "id": cid,
        "area": area,
        "severity": severity,
        "status": status,
        "passed": True if status == "pass" else (False if status == "fail" else None),
        "description": {"id": text_id, "en": text_en},
        "observed": observed,
        "expected": expected,
        "detail": detail,
    }


def _check(cid, ok, observed, expected, detail=""):
    return _control(cid, "pass" if ok else "fail", observed, expected, detail)


def _skip(cid, reason, expected=""):
    return _control(cid, "skip", None, expected, reason)


# --------------------------------------------------------------------------------------------- SSH


def parse_sshd_t(text):
    """``sshd -T`` output as {keyword: value}; repeated keywords are joined with a space."""
    config = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if not parts:
            continue
        key = parts[0].lower()
        value = parts[1].strip() if len(parts) > 1 else ""
        config[key] = (config[key] + " " + value) if key in config else value
    return config


def sshd_effective(system, config_path="/etc/ssh/sshd_config", user=None, host="127.0.0.1", addr="127.0.0.1"):
    """Effective sshd settings (optionally for one connecting user, evaluating Match blocks)."""
    sshd = system.which("sshd")
    if not sshd:
        raise AuditError("sshd is not installed")
    argv = [sshd, "-T", "-f", config_path]
    if user:
        argv += ["-C", "user=%s,host=%s,addr=%s" % (user, host or addr, addr)]
    rc, out, err = system.run(argv)
    if rc != 0:
        raise AuditError("sshd -T failed: %s" % (err.strip() or out.strip())[:500])
    return parse_sshd_t(out)


def _weak(values, markers):
    return [v for v in values.split(",") if v and any(m in v.lower() for m in markers)]


def ssh_config_controls(cfg, max_auth_tries=4):
    controls = []
    root = cfg.get("permitrootlogin", "")
    controls.append(
        _check(
            "ssh-root-login",
            root in ("no", "prohibit-password", "without-password", "forced-commands-only"),
            root,
            "no / prohibit-password",
        )
    )
    controls.append(
        _check(
            "ssh-password-auth",
            cfg.get("passwordauthentication") == "no",
            cfg.get("passwordauthentication"),
            "no",
        )
    )
    kbd = cfg.get("kbdinteractiveauthentication", cfg.get("challengeresponseauthentication", ""))
    controls.append(_check("ssh-kbd-interactive", kbd == "no", kbd, "no"))
    controls.append(
        _check(
            "ssh-empty-passwords",
            cfg.get("permitemptypasswords") == "no",
            cfg.get("permitemptypasswords"),
            "no",
        )
    )
    for cid, key, markers in (
        ("ssh-ciphers", "ciphers", WEAK_SSH_CIPHERS),
        ("ssh-kex", "kexalgorithms", WEAK_SSH_KEX),
        ("ssh-macs", "macs", WEAK_SSH_MACS),
    ):
        weak = _weak(cfg.get(key, ""), markers)
        controls.append(
            _check(
                cid,
                not weak,
                cfg.get(key, ""),
                "tanpa / without: " + ", ".join(markers),
                ("lemah / weak: " + ", ".join(weak)) if weak else "",
            )
        )
    controls.append(
        _check("ssh-x11-forwarding", cfg.get("x11forwarding") == "no", cfg.get("x11forwarding"), "no")
    )
    tries = cfg.get("maxauthtries", "")
    controls.append(
        _check(
            "ssh-max-auth-tries",
            tries.isdigit() and int(tries) <= max_auth_tries,
            tries,
            "<= %d" % max_auth_tries,
        )
    )
    level = cfg.get("loglevel", "").upper()
    controls.append(_check("ssh-log-level", level in ("VERBOSE", "DEBUG", "DEBUG1"), level, "VERBOSE"))
    return controls


def _expand_keys_path(pattern, user, home):
    path = pattern.replace("%%", "\0").replace("%h", home).replace("%u", user).replace("%U", "")
    path = path.replace("\0", "%")
    if not path.startswith("/"):
        path = os.path.join(home, path)
    return path


def _count_keys(text):
    count = 0
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and re.search(r"(ssh-|ecdsa-|sk-)[\w@.-]+ +AAAA", line):
            count += 1
    return count


def _password_expired(system, user):
    """A reason when PAM would refuse the account (password expired or must be changed), else ''."""
    shadow = system.read("/etc/shadow")
    if not shadow:
        return ""
    for line in shadow.splitlines():
        fields = line.split(":")
        if len(fields) < 5 or fields[0] != user:
            continue
        last, maximum = fields[2], fields[4]
        expire = fields[7] if len(fields) > 7 else ""
        today = (system.today() - datetime.date(1970, 1, 1)).days
        if last == "0":
            return "kata sandi harus diganti saat login (chage -d 0) / password change forced at login"
        if last.isdigit() and maximum.isdigit() and int(maximum) < 99999 and int(last) + int(maximum) < today:
            return (
                "kata sandi kedaluwarsa; PAM menolak login dengan kunci juga / "
                "password expired: PAM refuses key logins too"
            )
        if expire.isdigit() and int(expire) <= today:
            return "akun kedaluwarsa / account expired"
    return ""


def _keys_in(system, cfg, user, home):
    """The authorized_keys entries of ``user`` under ``cfg``: [(file, entry)] in sshd's reading order."""
    found = []
    for pattern in cfg.get("authorizedkeysfile", ".ssh/authorized_keys").split():
        if pattern.lower() == "none":
            continue
        path = _expand_keys_path(pattern, user, home)
        for line in (system.read(path) or "").splitlines():
            entry = ssh_keys.parse_authorized_line(line)
            if entry is not None:
                found.append((path, entry))
    return found


def _unsafe_path(system, path, user_uid, home):
    """With StrictModes, why sshd would ignore ``path`` (writable by others, foreign owner), or ''."""
    current = path
    while True:
        info = system.stat(current)
        if info is None:
            return ""
        if info.st_uid not in (0, user_uid) or info.st_mode & 0o022:
            return (
                "%s: pemilik/izin tidak aman untuk StrictModes / owner or mode unsafe for StrictModes"
                % current
            )
        if current in (home.rstrip("/") or "/", "/") or os.path.dirname(current) == current:
            return ""
        current = os.path.dirname(current)


def _key_problems(system, cfg, user, entry, keys, addr):
    """Why none of ``keys`` (the keys Ansible logs in with) would work for ``user`` ([] when one of each
    does). Each key must work: Ansible may present any of them on its next connection."""
    problems = []
    home = entry.pw_dir
    authorized = _keys_in(system, cfg, user, home)
    algorithms = cfg.get("pubkeyacceptedalgorithms", cfg.get("pubkeyacceptedkeytypes"))
    strict = cfg.get("strictmodes", "yes") == "yes"
    files = ", ".join(sorted({path for path, _entry in authorized})) or cfg.get(
        "authorizedkeysfile", ".ssh/authorized_keys"
    )
    for key in keys:
        label = "%s (%s)" % (key["fingerprint"], key.get("source") or "Ansible")
        matches = [(path, e) for path, e in authorized if e["fingerprint"] == key["fingerprint"]]
        if not matches and cfg.get("trustedusercakeys", "none") not in ("none", ""):
            continue  # a certificate signed by a trusted CA may admit it: cannot be checked here
        if not matches:
            problems.append(
                "kunci Ansible %s tidak ada di authorized_keys %s / the key Ansible logs in with, %s, is not "
                "in the authorized keys of %s (%s; %d other key(s) there)"
                % (label, user, label, user, files, len(authorized))
            )
            continue
        reasons = []
        for path, found in matches:
            why = ssh_keys.entry_problems(found, addr, algorithms, system.today())
            unsafe = _unsafe_path(system, path, entry.pw_uid, home) if strict else ""
            if unsafe:
                why.append(unsafe)
            if not why:
                break
            reasons.extend(why)
        else:
            problems.append(
                "kunci Ansible / the key Ansible logs in with, %s: %s" % (label, "; ".join(reasons))
            )
    return problems


def ssh_login_problems(system, cfg, user, groups=None, keys=None, addr=None, method=None):
    """Why ``user`` could not log in with a key under the effective settings ``cfg`` ([] when fine).

    ``keys`` are the keys Ansible logs in with ({"fingerprint", "source"}): each must stay authorized and
    usable from ``addr``. None counts any authorized key (no SSH connection to learn the key from); an
    empty list is a problem in itself: the guard cannot tell which key to keep. ``method`` is how the
    current session logged in (``password``, ``keyboard-interactive``): that method must stay on.
    """
    problems = []
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return ["akun %s tidak ada / account %s does not exist" % (user, user)]
    if groups is None:
        groups = [grp.getgrgid(entry.pw_gid).gr_name] if _gid_exists(entry.pw_gid) else []
        groups += [g.gr_name for g in grp.getgrall() if user in g.gr_mem and g.gr_name not in groups]
    allow_users = cfg.get("allowusers", "").split()
    if allow_users and not any(fnmatch.fnmatchcase(user, p.split("@", 1)[0]) for p in allow_users):
        problems.append("AllowUsers (%s) tidak memuat / excludes %s" % (" ".join(allow_users), user))
    allow_groups = cfg.get("allowgroups", "").split()
    if allow_groups and not any(fnmatch.fnmatchcase(g, p) for p in allow_groups for g in groups):
        problems.append(
            "AllowGroups (%s) tidak memuat grup / excludes the groups of %s" % (" ".join(allow_groups), user)
        )
    deny_users = cfg.get("denyusers", "").split()
    if any(fnmatch.fnmatchcase(user, p.split("@", 1)[0]) for p in deny_users):
        problems.append("DenyUsers (%s) memuat / includes %s" % (" ".join(deny_users), user))
    deny_groups = cfg.get("denygroups", "").split()
    if any(fnmatch.fnmatchcase(g, p) for p in deny_groups for g in groups):
        problems.append(
            "DenyGroups (%s) memuat grup / includes a group of %s" % (" ".join(deny_groups), user)
        )
    if user == "root" and cfg.get("permitrootlogin") == "no":
        problems.append(
            "Ansible login sebagai root tetapi PermitRootLogin no / "
            "Ansible logs in as root but PermitRootLogin would be no "
            "(use a sudo account, or pn_ssh_hardening_permit_root_login: prohibit-password)"
        )
    pubkey = cfg.get("pubkeyauthentication", "yes") == "yes"
    methods = cfg.get("authenticationmethods", "any")
    password_on = cfg.get("passwordauthentication") == "yes"
    if method in ("password", "keyboard-interactive"):
        # Ansible logs in without a key: that method must stay on.
        kbd = cfg.get("kbdinteractiveauthentication", cfg.get("challengeresponseauthentication", "no"))
        if (method == "password" and not password_on) or (method == "keyboard-interactive" and kbd != "yes"):
            problems.append(
                "Ansible login dengan %s, yang akan dimatikan / Ansible logs in with %s, which would be "
                "turned off (give the account a key first)" % (method, method)
            )
        if methods not in ("any", "") and method not in methods:
            problems.append("AuthenticationMethods %s tanpa / without %s" % (methods, method))
        if not keys:
            expired = _password_expired(system, user)
            if expired and cfg.get("usepam", "no") == "yes":
                problems.append(expired)
            return problems
    elif methods not in ("any", "") and "publickey" not in methods:
        problems.append("AuthenticationMethods %s tanpa publickey / without publickey" % methods)
    command = cfg.get("authorizedkeyscommand", "none")
    if command not in ("none", ""):
        count = 1  # keys come from a command (LDAP, ...): cannot be read here, trust it
    elif keys is not None:
        count = 1  # each key is checked itself
        if not keys:
            problems.append(
                "kunci yang dipakai Ansible tidak diketahui / the key Ansible logs in with is unknown (not "
                "in the sshd log of this session and no key file given)"
            )
        elif pubkey:
            problems.extend(_key_problems(system, cfg, user, entry, keys, addr))
    else:
        count = 0
        for pattern in cfg.get("authorizedkeysfile", ".ssh/authorized_keys").split():
            path = _expand_keys_path(pattern, user, entry.pw_dir)
            count += _count_keys(system.read(path))
    if not pubkey or count == 0:
        why = (
            "PubkeyAuthentication no"
            if not pubkey
            else "%s tidak punya kunci di authorized_keys / has no authorized key" % user
        )
        if not password_on:
            problems.append(why + "; login kata sandi juga mati / and password login would be off")
        else:
            problems.append(why + "; hanya kata sandi yang tersisa / only password login would be left")
    expired = _password_expired(system, user)
    if expired and cfg.get("usepam", "no") == "yes":
        problems.append(expired)
    return problems


def _gid_exists(gid):
    try:
        grp.getgrgid(gid)
        return True
    except KeyError:
        return False


def directive_sources(system, config_path, directive):
    """Files (in sshd's reading order) that set ``directive`` outside Match blocks: first value wins."""
    found = []
    seen = set()

    def scan(path, depth):
        if depth > 8 or path in seen:
            return
        seen.add(path)
        text = system.read(path) or ""
        in_match = False
        for line in text.splitlines():
            words = line.strip().split(None, 1)
            if not words or words[0].startswith("#"):
                continue
            key = words[0].lower()
            if key == "match":
                in_match = True
            elif key == "include" and len(words) > 1:
                for pattern in shlex.split(words[1]):
                    if not pattern.startswith("/"):
                        pattern = os.path.join("/etc/ssh", pattern)
                    for included in system.glob(pattern):
                        scan(included, depth + 1)
            elif key == directive.lower() and not in_match:
                found.append(path)

    scan(config_path, 0)
    return found


SSHD_LOG_FILES = ("/var/log/auth.log", "/var/log/secure")


def sshd_log_lines(system, max_lines=5000):
    """Recent lines of sshd's log: the journal (sshd, sshd-session) and the syslog files, bounded."""
    lines = []
    rc, out, _err = system.run(
        [
            "journalctl",
            "--no-pager",
            "-q",
            "-o",
            "cat",
            "-n",
            str(max_lines),
            "-t",
            "sshd",
            "-t",
            "sshd-session",
        ]
    )
    if rc == 0:
        lines.extend(out.splitlines())
    for path in SSHD_LOG_FILES:
        text = system.read_tail(path)
        if text:
            lines.extend(text.splitlines()[-max_lines:])
    return lines


def login_keys(system, options, user, addr):
    """The keys Ansible logs in with, and how the current session logged in: (keys, method).

    ``ssh_login_keys`` (public keys or SHA256 fingerprints from the controller: the key file of the
    connection, or named by the operator) and, with ``ssh_client_port``, the key sshd logged for this very
    session. keys is None when neither is given (the connection is not SSH: any authorized key counts).
    """
    given = options.get("ssh_login_keys") or []
    port = options.get("ssh_client_port")
    if not given and not port:
        return None, None
    keys, bad = [], []
    for text in given:
        key = ssh_keys.parse_key(text)
        if key is None:
            bad.append(str(text)[:40])
        else:
            keys.append({"fingerprint": key["fingerprint"], "source": "controller"})
    if bad:
        raise AuditError("ssh_login_keys: not a public key or SHA256 fingerprint: %s" % ", ".join(bad))
    method = None
    if port:
        session = ssh_keys.session_login(sshd_log_lines(system), user, addr, port)
        if session:
            method = session["method"]
            if session.get("fingerprint"):
                keys.append({"fingerprint": session["fingerprint"], "source": "this SSH session"})
    unique = []
    for key in keys:
        if key["fingerprint"] not in [k["fingerprint"] for k in unique]:
            unique.append(key)
    return unique, method


def ssh_controls(system, options):
    if not system.which("sshd"):
        return [_skip(cid, "sshd tidak terpasang / sshd not installed") for cid in _area_ids("ssh")]
    config_path = options.get("sshd_config") or "/etc/ssh/sshd_config"
    try:
        cfg = sshd_effective(system, config_path)
    except AuditError as exc:
        return [_control(cid, "fail", None, "sshd -t OK", str(exc)) for cid in _area_ids("ssh")]
    controls = ssh_config_controls(cfg, options.get("ssh_max_auth_tries", 4))
    user = options.get("ssh_login_user")
    if user:
        addr = options.get("ssh_client_addr") or "127.0.0.1"
        try:
            keys, method = login_keys(system, options, user, addr)
            user_cfg = sshd_effective(system, config_path, user=user, host=addr, addr=addr)
            problems = ssh_login_problems(system, user_cfg, user, keys=keys, addr=addr, method=method)
        except AuditError as exc:
            problems = [str(exc)]
        controls.append(
            _check(
                "ssh-login-access",
                not problems,
                "; ".join(problems) or "%s: login dengan kunci tetap bisa / key login still works" % user,
                "%s dapat login dengan kunci / can log in with a key" % user,
            )
        )
    else:
        controls.append(_skip("ssh-login-access", "akun operator tidak disebut / no operator account given"))
    for control in controls:
        if control["status"] == "fail" and control["id"] != "ssh-login-access":
            keyword = {
                "ssh-root-login": "PermitRootLogin",
                "ssh-password-auth": "PasswordAuthentication",
                "ssh-kbd-interactive": "KbdInteractiveAuthentication",
                "ssh-empty-passwords": "PermitEmptyPasswords",
                "ssh-ciphers": "Ciphers",
                "ssh-kex": "KexAlgorithms",
                "ssh-macs": "MACs",
                "ssh-x11-forwarding": "X11Forwarding",
                "ssh-max-auth-tries": "MaxAuthTries",
                "ssh-log-level": "LogLevel",
            }[control["id"]]
            sources = directive_sources(system, config_path, keyword)
            if sources:
                control["detail"] = (control["detail"] + "; " if control["detail"] else "") + (
                    "%s pertama diatur di / first set in %s (nilai pertama berlaku / first value wins)"
                    % (keyword, sources[0])
                )
    return controls


# --------------------------------------------------------------------------------------------- web


def _detect_webserver(system):
    for name, unit in (("nginx", "nginx"), ("apache", "apache2")):
        rc, out, _err = system.run(["systemctl", "is-active", unit])
        if out.strip() == "active":
            return name
    return ""


def _nginx_dump(system):
    rc, out, err = system.run(["nginx", "-T"])
    return out if rc == 0 else ""


def web_controls(system, options):
    webserver = options.get("webserver") or _detect_webserver(system)
    if webserver not in ("nginx", "apache"):
        return [_skip(cid, "tidak ada server web aktif / no web server running") for cid in _area_ids("web")]
    host = options.get("domain") or "localhost"
    controls = []
    try:
        status, headers, _body = system.http("/", host, port=options.get("http_port"))
    except (OSError, http.client.HTTPException) as exc:
        return [
            _control(
                cid,
                "fail",
                str(exc),
                "HTTP 127.0.0.1:80",
                "server web tidak menjawab / web server not answering",
            )
            for cid in _area_ids("web")
        ]
    https_headers = None
    try:
        _status, https_headers, _body = system.http("/", host, https=True, port=options.get("https_port"))
    except (OSError, http.client.HTTPException, ssl.SSLError):
        https_headers = None
    server = headers.get("server", "")
    controls.append(
        _check(
            "web-server-tokens",
            not re.search(r"\d", server),
            server or "(tidak ada / none)",
            "tanpa versi / no version",
        )
    )
    nosniff = headers.get("x-content-type-options", "")
    controls.append(_check("web-header-nosniff", nosniff.lower() == "nosniff", nosniff, "nosniff"))
    frame = headers.get("x-frame-options", "")
    controls.append(
        _check("web-header-frame-options", frame.upper() in ("SAMEORIGIN", "DENY"), frame, "SAMEORIGIN")
    )
    referrer = headers.get("referrer-policy", "")
    controls.append(
        _check("web-header-referrer-policy", bool(referrer), referrer, "strict-origin-when-cross-origin")
    )
    if https_headers is None:
        controls.append(_skip("web-header-hsts", "HTTPS tidak tersedia / no HTTPS", "max-age>=15552000"))
        controls.append(_skip("web-tls-protocols", "HTTPS tidak tersedia / no HTTPS", "TLSv1.2+"))
    else:
        hsts = https_headers.get("strict-transport-security", "")
        match = re.search(r"max-age=(\d+)", hsts)
        controls.append(
            _check(
                "web-header-hsts", bool(match and int(match.group(1)) >= 15552000), hsts, "max-age>=15552000"
            )
        )
        accepted, unknown = [], []
        for name, label in (("TLSv1", "TLSv1.0"), ("TLSv1_1", "TLSv1.1")):
            result = system.tls_accepts(name, port=options.get("https_port") or 443)
            if result:
                accepted.append(label)
            elif result is None:
                unknown.append(label)
        if len(unknown) == 2:
            controls.append(_tls_from_config(system, webserver))
        else:
            controls.append(
                _check(
                    "web-tls-protocols",
                    not accepted,
                    ("diterima / accepted: " + ", ".join(accepted))
                    if accepted
                    else "TLSv1.0/1.1 ditolak / refused",
                    "TLSv1.2+",
                )
            )
    controls.append(_dir_listing(system, options, host))
    controls.append(_sensitive_files(system, options, host))
    controls.append(_php_in_uploads(system, options, host))
    if webserver == "nginx":
        dump = _nginx_dump(system)
        limited = bool(re.search(r"^\s*limit_req\s+zone=", dump, re.M))
        controls.append(
            _check(
                "web-login-rate-limit", limited, "limit_req" if limited else "tidak ada / none", "limit_req"
            )
        )
    else:
        rc, out, _err = system.run(
            ["fail2ban-client", "status", options.get("web_login_jail") or "pn-web-login"]
        )
        controls.append(
            _check(
                "web-login-rate-limit",
                rc == 0,
                "fail2ban %s" % ("aktif / active" if rc == 0 else "tidak aktif / not active"),
                "jail fail2ban pn-web-login (Apache)",
            )
        )
    return controls


def _tls_from_config(system, webserver):
    if webserver == "nginx":
        values = re.findall(r"^\s*ssl_protocols\s+([^;]+);", _nginx_dump(system), re.M)
    else:
        values = []
        for path in (
            system.glob("/etc/apache2/mods-enabled/*.conf")
            + system.glob("/etc/apache2/conf-enabled/*.conf")
            + system.glob("/etc/apache2/sites-enabled/*")
        ):
            values += re.findall(r"^\s*SSLProtocol\s+(.+)$", system.read(path) or "", re.M | re.I)
    old = [v for v in values if re.search(r"TLSv1(\.1)?\b(?!\.[23])", v) and "-TLSv1" not in v]
    return _check(
        "web-tls-protocols",
        bool(values) and not old,
        "; ".join(values) or "(bawaan / default)",
        "TLSv1.2 TLSv1.3",
    )


def _served_under(options):
    """The URL path the web root is served under: ``/wp-content`` when the web root of a WordPress court
    is its wp-content folder (Debian's package: the code in /usr/share/wordpress, the site's own files in
    /var/lib/wordpress/wp-content), else the site's root."""
    webroot = os.path.normpath(options.get("webroot") or "/var/www/html")
    if options.get("cms") == "wordpress" and os.path.basename(webroot) == "wp-content":
        return "/wp-content"
    return ""


def _existing_upload_dirs(options):
    webroot = options.get("webroot") or "/var/www/html"
    dirs = options.get("upload_dirs") or DEFAULT_UPLOAD_DIRS
    return webroot, [d.strip("/") for d in dirs if os.path.isdir(os.path.join(webroot, d.strip("/")))]


def _dir_listing(system, options, host):
    _webroot, dirs = _existing_upload_dirs(options)
    if not dirs:
        return _skip("web-dir-listing", "tidak ada folder unggahan / no upload folder", "403")
    observed = []
    listed = []
    for directory in dirs:
        try:
            url = "%s/%s/" % (_served_under(options), directory)
            status, _headers, body = system.http(url, host, port=options.get("http_port"))
        except (OSError, http.client.HTTPException) as exc:
            observed.append("%s: %s" % (url, exc))
            continue
        text = body.decode("utf-8", "replace")
        is_listing = status == 200 and ("Index of /" in text or "<title>Index of" in text)
        observed.append("%s: %d%s" % (url, status, " (listing)" if is_listing else ""))
        if is_listing:
            listed.append(directory)
    return _check("web-dir-listing", not listed, "; ".join(observed), "tanpa daftar isi / no listing")


def _sensitive_files(system, options, host):
    probes = list(options.get("sensitive_probes") or SENSITIVE_PROBES)
    webroot = options.get("webroot") or "/var/www/html"
    for found in _find_sensitive(system, webroot):
        found = _served_under(options) + found
        if found not in probes:
            probes.append(found)
    observed, exposed = [], []
    for path in probes:
        try:
            status, _headers, _body = system.http(path, host, port=options.get("http_port"))
        except (OSError, http.client.HTTPException) as exc:
            observed.append("%s: %s" % (path, exc))
            exposed.append(path)
            continue
        observed.append("%s: %d" % (path, status))
        if status != 403:
            exposed.append(path)
    return _check(
        "web-sensitive-files",
        not exposed,
        "; ".join(observed),
        "403 (ditolak aturan / denied by rule)",
        ("tidak ditolak / not denied: " + ", ".join(exposed)) if exposed else "",
    )


_SENSITIVE_NAME = re.compile(r"(^\.env$|^\.git$|\.(sql|sql\.gz|bak|old|orig|swp|save)$|~$)", re.I)


def _find_sensitive(system, webroot, limit=5):
    found = []
    for dirpath, dirnames, filenames in system.walk(webroot):
        depth = dirpath[len(webroot) :].count(os.sep)
        if depth >= 2:
            dirnames[:] = []
        for name in sorted(dirnames + filenames):
            if _SENSITIVE_NAME.search(name):
                rel = os.path.relpath(os.path.join(dirpath, name), webroot)
                found.append("/" + rel + ("/HEAD" if name == ".git" else ""))
                if len(found) >= limit:
                    return found
        dirnames[:] = [d for d in dirnames if d != ".git"]
    return found


def _php_in_uploads(system, options, host):
    _webroot, dirs = _existing_upload_dirs(options)
    if not dirs:
        dirs = [((options.get("upload_dirs") or DEFAULT_UPLOAD_DIRS)[0]).strip("/")]
    observed, allowed = [], []
    for directory in dirs:
        path = "%s/%s/%s" % (_served_under(options), directory, PROBE_FILE)
        try:
            status, _headers, _body = system.http(path, host, port=options.get("http_port"))
        except (OSError, http.client.HTTPException) as exc:
            observed.append("%s: %s" % (path, exc))
            allowed.append(path)
            continue
        observed.append("%s: %d" % (path, status))
        if status != 403:
            allowed.append(path)
    return _check(
        "web-php-in-uploads",
        not allowed,
        "; ".join(observed),
        "403 untuk *.php di folder unggahan / for *.php in upload folders",
        ("PHP tidak ditolak / PHP not refused: " + ", ".join(allowed)) if allowed else "",
    )


# --------------------------------------------------------------------------------------------- PHP


def parse_phpinfo(text):
    """``php -i`` text as {directive: local value}."""
    values = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("=>")]
        if len(parts) == 3 and parts[0] and " " not in parts[0]:
            values.setdefault(parts[0], parts[1])
    return values


def _on(value):
    return str(value).strip().lower() in ("1", "on", "yes", "true")


def php_settings(system):
    binaries = [p for p in system.glob("/usr/sbin/php-fpm*") if re.search(r"php-fpm[\d.]*$", p)]
    if not binaries:
        return None, ""
    binary = binaries[-1]
    rc, out, err = system.run([binary, "-i"])
    if rc != 0:
        raise AuditError("%s -i failed: %s" % (binary, (err or out).strip()[:300]))
    return parse_phpinfo(out), binary


def php_controls(system, options):
    try:
        values, binary = php_settings(system)
    except AuditError as exc:
        return [_control(cid, "fail", None, "", str(exc)) for cid in _area_ids("php")]
    if values is None:
        return [_skip(cid, "PHP-FPM tidak terpasang / PHP-FPM not installed") for cid in _area_ids("php")]
    cms = options.get("cms") or "custom"
    controls = [
        _check("php-expose", not _on(values.get("expose_php", "On")), values.get("expose_php"), "Off"),
        _check(
            "php-display-errors",
            not _on(values.get("display_errors", "Off")),
            values.get("display_errors"),
            "Off",
        ),
        _check(
            "php-allow-url-include",
            not _on(values.get("allow_url_include", "Off")),
            values.get("allow_url_include"),
            "Off",
        ),
    ]
    disabled = {f.strip().lower() for f in values.get("disable_functions", "").split(",") if f.strip()}
    if values.get("disable_functions", "") == "no value":
        disabled = set()
    required = options.get("php_required_disabled") or PHP_REQUIRED_DISABLED.get(
        cms, PHP_REQUIRED_DISABLED["default"]
    )
    missing = [f for f in required if f not in disabled]
    controls.append(
        _check(
            "php-disable-functions",
            not missing,
            ", ".join(sorted(disabled)) or "(tidak ada / none)",
            ", ".join(required),
            ("belum dimatikan / still enabled: " + ", ".join(missing)) if missing else "",
        )
    )
    controls.append(
        _check(
            "php-session-httponly",
            _on(values.get("session.cookie_httponly", "")),
            values.get("session.cookie_httponly"),
            "On",
        )
    )
    if options.get("https", True):
        controls.append(
            _check(
                "php-session-secure",
                _on(values.get("session.cookie_secure", "")),
                values.get("session.cookie_secure"),
                "On",
            )
        )
    else:
        controls.append(_skip("php-session-secure", "situs tanpa HTTPS / site without HTTPS", "On"))
    samesite = values.get("session.cookie_samesite", "")
    controls.append(
        _check("php-session-samesite", samesite.lower() in ("lax", "strict"), samesite or "no value", "Lax")
    )
    controls.append(
        _check(
            "php-session-strict-mode",
            _on(values.get("session.use_strict_mode", "")),
            values.get("session.use_strict_mode"),
            "On",
        )
    )
    for control in controls:
        control["detail"] = (control["detail"] + "; " if control["detail"] else "") + binary
    return controls


# ---------------------------------------------------------------------------------------- database


def _mysql(system, query):
    rc, out, err = system.run(["mysql", "--batch", "--skip-column-names", "-e", query])
    if rc != 0:
        raise AuditError("mysql: %s" % (err.strip() or "rc=%d" % rc)[:300])
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def db_controls(system, options):
    if not system.which("mysqld") and not system.which("mariadbd"):
        return [_skip(cid, "MariaDB/MySQL tidak terpasang / not installed") for cid in _area_ids("db")]
    try:
        bind, infile, networking = _mysql(system, "SELECT @@bind_address, @@local_infile, @@skip_networking")[
            0
        ]
        anonymous = _mysql(system, "SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user = ''")
        tests = _mysql(system, "SHOW DATABASES LIKE 'test%'")
        remote_root = _mysql(
            system,
            "SELECT host FROM mysql.user WHERE user = 'root' "
            "AND host NOT IN ('localhost', '127.0.0.1', '::1')",
        )
    except (AuditError, ValueError, IndexError) as exc:
        return [
            _control(cid, "fail", None, "", "tidak dapat memeriksa / cannot check: %s" % exc)
            for cid in _area_ids("db")
        ]
    allowed = list(LOCAL_ADDRESSES) + list(options.get("db_bind_addresses") or [])
    controls = [
        _check(
            "db-bind-address",
            networking == "1" or bind in allowed,
            "skip-networking" if networking == "1" else bind,
            ", ".join(a for a in allowed if a) or "127.0.0.1",
        ),
        _check("db-local-infile", infile == "0", infile, "0"),
        _check("db-anonymous-users", not anonymous, ", ".join(r[0] for r in anonymous) or "0", "0"),
        _check(
            "db-test-database",
            not [r for r in tests if r[0] == "test" or r[0].startswith("test_")],
            ", ".join(r[0] for r in tests) or "(tidak ada / none)",
            "(tidak ada / none)",
        ),
        _check(
            "db-remote-root",
            not remote_root,
            ", ".join(r[0] for r in remote_root) or "localhost",
            "localhost",
        ),
    ]
    return controls


# --------------------------------------------------------------------------------------------- OS


def os_controls(system, options, container):
    controls = []
    rc, out, _err = system.run(["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"])
    enabled = re.search(r'Unattended-Upgrade "(\d+)"', out or "")
    installed = system.which("unattended-upgrade") is not None
    value = enabled.group(1) if enabled else "0"
    controls.append(
        _check(
            "os-unattended-upgrades",
            installed and value != "0",
            "%s, APT::Periodic::Unattended-Upgrade=%s"
            % ("terpasang / installed" if installed else "tidak terpasang / not installed", value),
            "terpasang / installed, 1",
        )
    )
    if container:
        controls.append(
            _skip(
                "os-sysctl-network", "di dalam kontainer (%s): sysctl milik host / in a container" % container
            )
        )
    else:
        wrong = []
        for key, good in sorted(SYSCTL_EXPECTED.items()):
            current = (system.read("/proc/sys/" + key) or "").strip()
            if current and current not in good:
                wrong.append("%s=%s" % (key.replace("/", "."), current))
        controls.append(
            _check(
                "os-sysctl-network",
                not wrong,
                ", ".join(wrong) or "sesuai / as expected",
                ", ".join("%s=%s" % (k.replace("/", "."), v[0]) for k, v in sorted(SYSCTL_EXPECTED.items())),
            )
        )
    problems = []
    for path, forbidden in (
        ("/etc/shadow", 0o007),
        ("/etc/gshadow", 0o007),
        ("/etc/passwd", 0o022),
        ("/etc/group", 0o022),
        ("/etc/ssh/sshd_config", 0o022),
        ("/etc/crontab", 0o022),
        ("/etc/sudoers", 0o027),
    ):
        info = system.stat(path)
        if info is not None and stat.S_IMODE(info.st_mode) & forbidden:
            problems.append("%s %04o" % (path, stat.S_IMODE(info.st_mode)))
    controls.append(
        _check(
            "os-file-permissions",
            not problems,
            ", ".join(problems) or "sesuai / as expected",
            "shadow/gshadow 0640, passwd/group 0644, sshd_config/crontab "
            "tidak dapat ditulis lain / not writable by others",
        )
    )
    if container:
        controls.append(
            _skip("os-time-sync", "di dalam kontainer: jam milik host / in a container: the host's clock")
        )
    else:
        rc, out, _err = system.run(["timedatectl", "show", "-p", "NTP", "--value"])
        ntp = out.strip()
        if ntp != "yes":
            for unit in ("chrony", "ntpsec", "ntp", "openntpd"):
                if system.run(["systemctl", "is-active", unit])[1].strip() == "active":
                    ntp = unit
                    break
        controls.append(_check("os-time-sync", ntp not in ("", "no"), ntp or "no", "yes"))
    wtmp = system.stat("/var/log/wtmp")
    btmp = system.stat("/var/log/btmp")
    journal = system.stat("/var/log/journal")
    problems = []
    if wtmp is None:
        problems.append("/var/log/wtmp tidak ada / missing")
    if btmp is None:
        problems.append("/var/log/btmp tidak ada / missing")
    elif stat.S_IMODE(btmp.st_mode) & 0o007:
        problems.append("/var/log/btmp %04o" % stat.S_IMODE(btmp.st_mode))
    if journal is None or not stat.S_ISDIR(journal.st_mode):
        problems.append("journal tidak persisten / journal not persistent (/var/log/journal)")
    controls.append(
        _check(
            "os-login-audit",
            not problems,
            ", ".join(problems) or "sesuai / as expected",
            "wtmp, btmp 0660, /var/log/journal",
        )
    )
    active = []
    for unit in options.get("unneeded_services") or UNNEEDED_SERVICES:
        if system.run(["systemctl", "is-active", unit])[1].strip() == "active":
            active.append(unit)
    controls.append(
        _check(
            "os-unneeded-services",
            not active,
            ", ".join(active) or "(tidak ada / none)",
            "(tidak ada / none)",
        )
    )
    return controls


# ---------------------------------------------------------------------------------------- firewall


def firewall_controls(system, options, container):
    controls = []
    if not system.which("nft"):
        controls.append(_control("fw-nftables", "fail", "nft tidak terpasang / not installed", "policy drop"))
    else:
        rc, out, err = system.run(["nft", "list", "ruleset"])
        if rc != 0 and container and "not permitted" in (err + out).lower():
            controls.append(
                _skip(
                    "fw-nftables",
                    "nftables tidak diizinkan di kontainer ini (tanpa CAP_NET_ADMIN); firewall milik host / "
                    "nftables not permitted in this container (no CAP_NET_ADMIN): "
                    "the host's firewall applies",
                    "policy drop",
                )
            )
        else:
            drop = bool(re.search(r"type filter hook input[^;]*;\s*policy drop", out))
            controls.append(
                _check(
                    "fw-nftables",
                    rc == 0 and drop,
                    "policy drop" if drop else (err.strip() or "policy accept"),
                    "policy drop",
                )
            )
    for cid, jail in (
        ("fw-fail2ban-sshd", options.get("ssh_jail") or "sshd"),
        ("fw-fail2ban-web-login", options.get("web_login_jail") or "pn-web-login"),
    ):
        rc, out, err = system.run(["fail2ban-client", "status", jail])
        if rc != 0 and "socket" in (err + out).lower():
            err, out = "fail2ban tidak berjalan / not running", ""
        controls.append(
            _check(
                cid,
                rc == 0,
                ("jail %s aktif / active" % jail)
                if rc == 0
                else (err.strip() or out.strip() or "fail2ban tidak berjalan / not running")[:200],
                "jail %s aktif / active" % jail,
            )
        )
    return controls


# --------------------------------------------------------------------------------------------- CMS


def cms_controls(system, options):
    webroot = options.get("webroot") or "/var/www/html"
    cms = options.get("cms") or "custom"
    if system.stat(webroot) is None:
        return [_skip(cid, "web root %s tidak ada / missing" % webroot) for cid in _area_ids("cms")]
    controls = []
    config_file = options.get("cms_config_file") or CMS_CONFIG_FILES.get(cms, "")
    if not options.get("cms_config_file") and _served_under(options) and options.get("domain"):
        # Debian's package reads /etc/wordpress/config-<domain>.php, not a wp-config.php in wp-content
        config_file = "/etc/wordpress/config-%s.php" % os.path.basename(options["domain"])
    if not config_file:
        controls.append(
            _skip("cms-config-perms", "CMS tanpa berkas konfigurasi / no configuration file", "0640")
        )
    else:
        path = config_file if config_file.startswith("/") else os.path.join(webroot, config_file)
        info = system.stat(path)
        if info is None:
            controls.append(_skip("cms-config-perms", "%s tidak ada / missing" % path, "0640"))
        else:
            mode = stat.S_IMODE(info.st_mode)
            controls.append(
                _check(
                    "cms-config-perms",
                    not mode & 0o007,
                    "%s %04o" % (path, mode),
                    "0640 (tanpa akses lain / no access for others)",
                )
            )
    allowed = [p.strip("/") for p in (options.get("writable_paths") or CMS_WRITABLE_PATHS.get(cms, []))]
    if _served_under(options):  # the web root is wp-content itself: its folders without the prefix
        allowed = [p[len("wp-content/") :] if p.startswith("wp-content/") else p for p in allowed]
    allowed += [d.strip("/") for d in (options.get("upload_dirs") or [])]
    writable = _writable_by_web(system, webroot, allowed, options.get("web_user") or "www-data")
    controls.append(
        _check(
            "cms-writable-paths",
            not writable,
            ", ".join(writable[:10]) + (" (+%d)" % (len(writable) - 10) if len(writable) > 10 else "")
            if writable
            else "(hanya / only: %s)" % (", ".join(allowed) or "-"),
            ", ".join(allowed) or "(tidak ada / none)",
        )
    )
    return controls


def _writable_by_web(system, webroot, allowed, web_user):
    try:
        user = pwd.getpwnam(web_user)
        groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if web_user in g.gr_mem}
        uid = user.pw_uid
    except KeyError:
        uid, groups = None, set()
    found = []
    seen = 0
    for dirpath, dirnames, filenames in system.walk(webroot):
        rel_dir = os.path.relpath(dirpath, webroot)
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = [
            d
            for d in dirnames
            if not any(_under(os.path.join(rel_dir, d), a) for a in allowed) and d != ".git"
        ]
        for name in [""] + filenames:
            seen += 1
            if seen > MAX_WALK_ENTRIES:
                return found
            rel = os.path.join(rel_dir, name) if name else rel_dir
            info = system.stat(os.path.join(webroot, rel))
            if info is None or stat.S_ISLNK(info.st_mode):
                continue
            mode = stat.S_IMODE(info.st_mode)
            if (
                mode & 0o002
                or (uid is not None and info.st_uid == uid and mode & 0o200)
                or (info.st_gid in groups and mode & 0o020)
            ):
                found.append("/" + rel if rel else "/")
    return found


def _under(path, base):
    return bool(base) and (path == base or path.startswith(base + "/"))


# ------------------------------------------------------------------------------------------- audit


def _area_ids(area):
    return [cid for cid, spec in CONTROLS.items() if spec[0] == area]


def normalize_options(options):
    options = dict(options or {})
    areas = options.get("areas") or list(AREAS)
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        raise AuditError("unknown area(s): %s (choose from %s)" % (", ".join(unknown), ", ".join(AREAS)))
    options["areas"] = list(areas)
    skip = options.get("skip_controls") or []
    bad = [c for c in skip if c not in CONTROLS]
    if bad:
        raise AuditError("unknown control id(s) in skip_controls: %s" % ", ".join(bad))
    options["skip_controls"] = list(skip)
    if options.get("webserver") not in (None, "", "nginx", "apache"):
        raise AuditError("webserver must be nginx or apache, not %r" % options.get("webserver"))
    return options


def audit(options=None, system=None):
    """Run the controls of the selected areas; returns {controls, counts, score, container, ...}."""
    options = normalize_options(options)
    system = system or System()
    container = system.in_container()
    controls = []
    for area in options["areas"]:
        if area == "ssh":
            controls += ssh_controls(system, options)
        elif area == "web":
            controls += web_controls(system, options)
        elif area == "php":
            controls += php_controls(system, options)
        elif area == "db":
            controls += db_controls(system, options)
        elif area == "os":
            controls += os_controls(system, options, container)
        elif area == "firewall":
            controls += firewall_controls(system, options, container)
        elif area == "cms":
            controls += cms_controls(system, options)
    for control in controls:
        if control["id"] in options["skip_controls"]:
            control.update(status="skip", passed=None, detail="dilewati atas permintaan / skipped on request")
    result = summarize(controls, container)
    if "ssh" in options["areas"] and system.which("sshd"):
        config_path = options.get("sshd_config") or "/etc/ssh/sshd_config"
        try:
            result["sshd"] = sshd_effective(system, config_path)
        except AuditError:
            result["sshd"] = {}
        result["sshd_sources"] = {
            keyword.lower(): directive_sources(system, config_path, keyword) for keyword in SSHD_KEYWORDS
        }
    return result


SSHD_KEYWORDS = (
    "PermitRootLogin",
    "PasswordAuthentication",
    "KbdInteractiveAuthentication",
    "PermitEmptyPasswords",
    "Ciphers",
    "KexAlgorithms",
    "MACs",
    "X11Forwarding",
    "MaxAuthTries",
    "LogLevel",
    "AllowUsers",
    "AllowGroups",
)


def summarize(controls, container=""):
    passed = sum(1 for c in controls if c["status"] == "pass")
    failed = sum(1 for c in controls if c["status"] == "fail")
    skipped = sum(1 for c in controls if c["status"] == "skip")
    score = round(100.0 * passed / (passed + failed), 1) if passed + failed else 100.0
    return {
        "controls": controls,
        "counts": {"pass": passed, "fail": failed, "skip": skipped},
        "score": score,
        "container": container,
    }


def findings(result, lang="id"):
    """SOP findings (rule = control id) for the failed controls."""
    out = []
    for control in result["controls"]:
        if control["status"] != "fail":
            continue
        text = control["description"][lang if lang in ("id", "en") else "id"]
        label = ("terlihat", "diharapkan") if lang == "id" else ("observed", "expected")
        out.append(
            sop_result.finding(
                control["id"],
                control["severity"],
                "%s: %s %s, %s %s" % (text, label[0], control["observed"], label[1], control["expected"]),
                {
                    "observed": control["observed"],
                    "expected": control["expected"],
                    "detail": control["detail"],
                },
            )
        )
    return out
