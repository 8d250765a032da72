# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access-log analysis: visitor summary ("Log aktivitas pengunjung") and suspicious-activity
detection for Apache/nginx logs in the common, combined and vhost-combined formats.

Runs on court servers (module ``pn.website.access_log_audit``) and locally
(``sopansible logs analyze``). Standard library only, Python 3.8+.

Design of the hot path: a file is read in binary blocks of complete lines (64 KiB, small enough
to stay in the CPU caches). A block of plain combined-format lines is cut into columns with
C-level ``bytes.split`` and slicing after three whole-block checks (``split_combined``); any
other block goes through one compiled regular expression per format that turns it into one
tuple per line (a malformed line yields a tuple of empty fields, so malformed lines are counted
without a Python loop). Both paths give the same columns. The visitor summary is built column
by column with ``collections.Counter`` (C code). Only "hot" lines (errors, suspicious paths or
user agents, Googlebot claims) reach the per-line rule code, and path and user-agent
classification is cached per distinct value.

On the controller, ``access_log_fast`` (polars) subclasses :class:`Analyzer` and gives the same
results; anything deciding a result (patterns, thresholds, rule state, samples) stays here.
"""

from __future__ import annotations

import calendar
import collections
import contextlib
import fnmatch
import gc
import glob
import hashlib
import html
import ipaddress
import os
import re
import socket
import zlib
from datetime import datetime, timedelta, timezone
from itertools import compress, count
from urllib.parse import unquote_to_bytes

from ansible_collections.pn.website.plugins.module_utils.logs import access_log_data as _data
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITIES

FORMATS = ("vcombined", "combined", "common")
RULES = (
    "http-probing",
    "sensitive-files",
    "path-traversal",
    "sqli-probing",
    "xss-probing",
    "bad-user-agent",
    "backdoor-access",
    "webshell-post",
    "admin-bruteforce",
    "fake-googlebot",
    "gambling-doorway",
    "error-spike",
)

#: Per rule: events needed, within how many seconds (0 = whole log), counting distinct paths.
#: Inspired by CrowdSec scenarios (http-probing, http-bf-wordpress_bf, http-sensitive-files...)
#: and fail2ban filters (apache-noscript, wordpress, apache-badbots).
DEFAULT_THRESHOLDS = {
    "http-probing": {"count": 15, "window": 600, "distinct": True},
    "sensitive-files": {"count": 1, "window": 0, "distinct": False},
    "path-traversal": {"count": 1, "window": 0, "distinct": False},
    "sqli-probing": {"count": 2, "window": 0, "distinct": False},
    "xss-probing": {"count": 2, "window": 0, "distinct": False},
    "bad-user-agent": {"count": 1, "window": 0, "distinct": False},
    "backdoor-access": {"count": 1, "window": 0, "distinct": False},
    "webshell-post": {"count": 1, "window": 0, "distinct": False},
    "admin-bruteforce": {"count": 10, "window": 600, "distinct": False},
    "fake-googlebot": {"count": 1, "window": 0, "distinct": False},
    "gambling-doorway": {"count": 1, "window": 0, "distinct": False},
    "error-spike": {"count": 20, "window": 60, "distinct": False},
}

RULE_SEVERITY = {
    "http-probing": "medium",
    "sensitive-files": "medium",
    "path-traversal": "medium",
    "sqli-probing": "high",
    "xss-probing": "medium",
    "bad-user-agent": "high",
    "backdoor-access": "medium",
    "webshell-post": "critical",
    "admin-bruteforce": "high",
    "fake-googlebot": "medium",
    "gambling-doorway": "critical",
    "error-spike": "high",
    "campaign": "high",
}

RULE_MESSAGES = {
    "http-probing": (
        "Pemindaian: {count} permintaan ke {distinct} alamat yang tidak ada (404/403).",
        "Probing: {count} requests for {distinct} non-existent paths (404/403).",
    ),
    "sensitive-files": (
        "Percobaan membaca berkas sensitif (.env, .git, cadangan basis data): {count} permintaan.",
        "Attempts to read sensitive files (.env, .git, database dumps): {count} requests.",
    ),
    "path-traversal": (
        "Percobaan path traversal (../, /etc/passwd): {count} permintaan.",
        "Path traversal attempts (../, /etc/passwd): {count} requests.",
    ),
    "sqli-probing": (
        "Percobaan injeksi SQL: {count} permintaan.",
        "SQL injection attempts: {count} requests.",
    ),
    "xss-probing": (
        "Percobaan cross-site scripting (XSS): {count} permintaan.",
        "Cross-site scripting (XSS) attempts: {count} requests.",
    ),
    "bad-user-agent": (
        "Alat peretasan/pemindai kerentanan terdeteksi dari user agent: {count} permintaan.",
        "Attack tool or vulnerability scanner user agent: {count} requests.",
    ),
    "backdoor-access": (
        "Akses ke nama berkas webshell/backdoor yang dikenal: {count} permintaan.",
        "Requests for known webshell/backdoor file names: {count} requests.",
    ),
    "webshell-post": (
        "POST berhasil (200) ke berkas PHP di folder unggahan/gambar: kemungkinan webshell aktif.",
        "Successful POST (200) to a PHP file in an upload/image folder: likely an active webshell.",
    ),
    "admin-bruteforce": (
        "Percobaan login admin berulang (brute force): {count} POST ke halaman login.",
        "Repeated admin login attempts (brute force): {count} POSTs to a login page.",
    ),
    "fake-googlebot": (
        "Mengaku Googlebot dari alamat di luar jaringan Google: {count} permintaan.",
        "Claims to be Googlebot from an address outside Google's ranges: {count} requests.",
    ),
    "gambling-doorway": (
        "Situs menjawab 200 untuk halaman judi online (slot/togel): {count} permintaan; periksa konten "
        "sisipan.",
        "The site answers 200 for online-gambling pages (slot/togel): {count} requests; check for "
        "injected content.",
    ),
    "error-spike": (
        "Lonjakan galat server (5xx): {count} galat dalam waktu singkat.",
        "Server error (5xx) burst: {count} errors in a short time.",
    ),
    "campaign": (
        "Alamat yang sama menyerang {courts} pengadilan ({rules}).",
        "The same address attacks {courts} courts ({rules}).",
    ),
}

MAX_SAMPLES = 5
MAX_SAMPLE_CHARS = 600
MAX_LINE_BYTES = 64 * 1024  # a longer line (without its line end) is counted as malformed
BLOCK_BYTES = 64 * 1024  # small blocks keep the parsed rows in the CPU caches
MAX_KEYS = 200000  # distinct keys kept per counter before the rarest are dropped
MAX_FINDINGS_PER_RULE = 50

STATIC_EXT = frozenset(
    b"css js mjs map png jpg jpeg gif webp svg ico bmp tif tiff avif woff woff2 ttf eot otf "
    b"mp3 mp4 webm ogg wav avi mov flv swf txt xml json".split()
)
DOCUMENT_EXT = frozenset(b"pdf doc docx xls xlsx ppt pptx odt ods odp rtf csv zip rar 7z".split())
PHP_EXT = frozenset(b"php php3 php4 php5 php7 php8 phtml phar pht inc".split())
SCRIPT_EXT = PHP_EXT | frozenset(b"asp aspx jsp jspx cgi pl".split())
SAFE_METHODS = frozenset((b"GET", b"HEAD"))
NOT_FOUND = frozenset((b"403", b"404"))

_MONTHS = {m.encode(): i for i, m in enumerate(calendar.month_abbr) if m}

# --- line formats ----------------------------------------------------------------------------

_Q = rb'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"'
_REQ = (
    rb'"(?:([A-Za-z]{1,16}) ([^\s"\\]*(?:\\.[^\s"\\]*)*)(?: ([^\s"\\]{1,16}))?"'
    rb'|[^"\\\n]*(?:\\.[^"\\\n]*)*")'
)
_CORE = (
    rb"(\S+) \S+ \S+ \[(\d\d/[A-Za-z]{3}/\d{4}:\d\d)(:\d\d:\d\d(?: [+-]\d{4})?)\] "
    + _REQ
    + rb" (\d{3}) (?:(\d+)|-)"
)
_VHOST = rb"([^\s:]+)(?::\d+)? "
_FORMAT_BODY = {
    "vcombined": _VHOST + _CORE + rb" " + _Q + rb" " + _Q + rb"[^\n]*?",
    "combined": rb"()" + _CORE + rb" " + _Q + rb" " + _Q + rb"[^\n]*?",
    "common": rb"()" + _CORE + rb"()()[ \t]*",
}
# Field positions in a parsed tuple.
F_VHOST, F_IP, F_HOUR, F_REST, F_METHOD, F_TARGET, F_PROTO, F_STATUS, F_SIZE, F_REF, F_UA = range(11)
_EMPTY = (b"",) * 11

#: Block parsers: one tuple per line, all-empty for a line that does not fit the format.
LINE_RES = {fmt: re.compile(rb"(?:" + body + rb"\r?\n|[^\n]*\n)") for fmt, body in _FORMAT_BODY.items()}
_STRICT_RES = {fmt: re.compile(body + rb"\r?$") for fmt, body in _FORMAT_BODY.items()}

# Fast path for blocks of well-formed combined lines: the block is cut into fields with C-level
# bytes.split and slicing instead of one regex match per line. Every check below must hold for
# every line, or the block goes to LINE_RES (which then also counts malformed lines); the result
# is the same either way (see the unit tests).
_FAST_REJECT = (b"\\", b"\t", b"\r", b"\x0b", b"\x0c", b"\x00")
_FAST_HEADS = re.compile(rb"(?:\S+ \S+ \S+ \[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] \n)*")
_FAST_REQUESTS = re.compile(rb'(?:[A-Za-z]{1,16} [^\s"\\\x00]* [^\s"\\\x00]{1,16}\x00)*')
_FAST_MIDDLES = re.compile(rb"(?: \d{3} (?:\d+|-) \x00)*")


def split_combined(block: bytes):
    """Columns of a block of combined-format lines, or None unless every line is plain (no
    escapes, tabs or control characters, full request line, time zone, nothing after the user
    agent)."""
    n = block.count(b"\n")
    if not n or block.count(b'"') != 6 * n:
        return None
    for byte in _FAST_REJECT:  # memchr scans, much faster than a regex character class
        if byte in block:
            return None
    parts = block.split(b'"')
    if parts[4::6].count(b" ") != n or parts[-1] != b"\n":
        return None
    heads = parts[0] + b"".join(parts[6::6])  # "head\n" per line, where the newlines all are
    if heads.count(b"\n") != n or _FAST_HEADS.fullmatch(heads) is None:
        return None
    requests = b"\x00".join(parts[1::6]) + b"\x00"
    if _FAST_REQUESTS.fullmatch(requests) is None:
        return None
    middles = b"\x00".join(parts[2::6]) + b"\x00"
    if _FAST_MIDDLES.fullmatch(middles) is None:
        return None
    words = heads.replace(b"\n", b"").split(b" ")
    ips, ts, tzs = words[0:-1:5], words[3::5], words[4::5]
    words = requests.replace(b"\x00", b" ").split(b" ")
    methods, targets, protos = words[0:-1:3], words[1::3], words[2::3]
    words = middles.replace(b"\x00", b"").split(b" ")
    statuses, sizes = words[1::3], words[2::3]
    columns = (
        (b"",) * n,
        ips,
        [t[1:15] for t in ts],
        None,
        methods,
        targets,
        protos,
        statuses,
        sizes,
        parts[3::6],
        parts[5::6],
    )
    return columns, ts, tzs


def _fast_row(columns, ts, tzs, i):
    """One row tuple, as LINE_RES would have produced it."""
    size = columns[F_SIZE][i]
    return (
        b"",
        columns[F_IP][i],
        columns[F_HOUR][i],
        ts[i][15:] + b" " + tzs[i][:-1],
        columns[F_METHOD][i],
        columns[F_TARGET][i],
        columns[F_PROTO][i],
        columns[F_STATUS][i],
        b"" if size == b"-" else size,
        columns[F_REF][i],
        columns[F_UA][i],
    )


# --- classification of paths and user agents ---------------------------------------------------

T_SENSITIVE, T_TRAVERSAL, T_SQLI, T_XSS, T_BACKDOOR, T_GAMBLING, T_UPLOAD_PHP, T_LOGIN = (
    1 << i for i in range(8)
)
U_BAD, U_GOOGLEBOT = 1, 2

_SENSITIVE_RE = re.compile(
    rb"(?:^|/)(?:\.env(?:\.\w+)?|\.git(?:/|$)|\.svn/|\.hg/|\.bzr/|\.htpasswd|\.htaccess|\.ds_store|"
    rb"\.aws/|\.ssh/|id_rsa|id_dsa|\.bash_history|\.vscode/sftp\.json|sftp-config\.json|"
    rb"wp-config\.php(?:\.|~|\.bak|\.old|\.save|\.swp|\.txt|\.orig)|configuration\.php(?:\.|~)|"
    rb"config\.php(?:\.|~)|web\.config|phpinfo\.php|info\.php|server-status|composer\.(?:json|lock)|"
    rb"\.npmrc|docker-compose\.ya?ml|database\.yml|settings\.py|"
    rb"[\w.-]*\.(?:sql|sql\.gz|sql\.zip|sql\.bz2|sqlite3?|mdb|bak|backup|old|swp|tar|tar\.gz|tgz)$|"
    rb"(?:backup|dump|db|database|site|www|html|public_html|web)\.(?:zip|rar|tar\.gz|tgz|7z|gz)$)"
)
_TRAVERSAL_RE = re.compile(
    rb"(?:\.\./|\.\.\\|/etc/passwd|/etc/shadow|/proc/self/|win\.ini|boot\.ini|"
    rb"php://(?:filter|input)|file:///|expect://|zip://|phar://|/\.\.;/)"
)
_SQLI_RE = re.compile(
    rb"(?:union(?:\s|/\*.*?\*/)+(?:all(?:\s|/\*.*?\*/)+)?select|information_schema|"
    rb"(?:sleep|benchmark|pg_sleep|waitfor\s+delay)\s*\(|\bwaitfor\s+delay\b|"
    rb"'\s*(?:or|and)\s+'?\d+'?\s*=\s*'?\d|\b(?:or|and)\s+\d+\s*=\s*\d+(?:\s*--|\s*#|\s*$)|"
    rb"order\s+by\s+\d+\s*(?:--|#)|extractvalue\s*\(|updatexml\s*\(|load_file\s*\(|"
    rb"into\s+(?:out|dump)file|concat(?:_ws)?\s*\(.*?(?:0x|char\s*\()|@@version|"
    rb"select.+from.+(?:--|#)|;\s*(?:drop|insert|update|delete)\s)",
    re.S,
)
_XSS_RE = re.compile(
    rb"(?:<\s*script|<\s*/\s*script|<\s*svg[\s/]|<\s*img[^>]*\son\w+\s*=|<\s*iframe|<\s*body[^>]*\son\w+|"
    rb"javascript\s*:|vbscript\s*:|\bon(?:error|load|mouseover|focus|click)\s*=|alert\s*\(|"
    rb"prompt\s*\(|confirm\s*\(|document\.(?:cookie|domain|write)|String\.fromCharCode|<\s*object)",
    re.I | re.S,
)
_UPLOAD_DIR_RE = re.compile(
    rb"/(?:uploads?|upload_files|files|images?|img|imgs|gambar|foto|photos?|media|assets|attachments?|"
    rb"tmp|temp|cache|wp-content/uploads|sites/default/files|storage|public/uploads|userfiles|"
    rb"lampiran|dokumen|berkas)/"
)
_LOGIN_RE = re.compile(
    rb"^(?:/[\w.-]+)*?/(?:wp-login\.php|xmlrpc\.php|administrator/?(?:index\.php)?|"
    rb"admin(?:istrator)?/(?:login|index)\.php|admin/login|admin/?|login\.php|login/?|"
    rb"user/login|auth/login|(?:backend|panel|cpanel|webadmin|adminpanel)/(?:login(?:\.php)?)?|"
    rb"index\.php/(?:admin|login|auth)\S*|auth/?|signin/?|"
    rb"index\.php\?option=com_(?:login|users)\S*)$"
)
_QUICK_RE = re.compile(
    rb"[%<>'\"\\();:~*@!$`{}|]|\.\.|/\.|"
    rb"select|union|sleep|benchmark|waitfor|passwd|shadow|\.ini|proc/self|config|status|compose|"
    rb"settings|id_[rd]sa|database|backup|dump|phpinfo|admin|login|auth|signin|panel|wp-|"
    rb"\.(?:ph|as|js|cg|pl|sql|bak|zip|gz|old|swp|tar|tgz|7z|rar|mdb|sqlite|ya?ml|json|py|orig|save|txt|lock)"
)
_BACKDOOR_SET = frozenset(n.encode() for n in _data.BACKDOOR_NAMES)
_GAMBLING_RE = re.compile(
    b"|".join(re.escape(w.encode()) for w in _data.GAMBLING_WORDS).replace(rb"\ ", rb"[\s+_]")
)
_DOORWAY_RE = re.compile(
    rb"[?&](?:" + b"|".join(re.escape(w.encode()) for w in _data.DOORWAY_PARAMS) + rb")=[^&]*"
    rb"(?:slot|gacor|togel|judi|casino|toto|maxwin|bet|sbobet|rtp|pola)"
)
_BAD_UA_RE = re.compile(b"|".join(re.escape(w.encode()) for w in _data.BAD_USER_AGENTS), re.I)
_GOOGLEBOT_RE = re.compile(rb"googlebot", re.I)
_CRAWLER_RE = re.compile(
    rb"bot\b|bot/|crawl|spider|slurp|fetcher|feed|rss|atom|scrap|curl/|wget/|python|go-http|java/|"
    rb"libwww|httpclient|okhttp|axios|node-fetch|headless|facebookexternalhit|whatsapp|telegram|"
    rb"preview|monitor|uptime|pingdom|check|archiver|validator|^-?$",
    re.I,
)


def _decode_path(raw: bytes) -> bytes:
    """Lower-cased path with percent-encoding undone twice (double-encoded attacks)."""
    text = raw
    for _unused in range(2):
        if b"%" not in text and b"+" not in text:
            break
        text = unquote_to_bytes(text.replace(b"+", b" "))
    return text.lower()


def _extension(path: bytes) -> bytes:
    base = path.rsplit(b"/", 1)[-1]
    if b"." not in base:
        return b""
    return base.rsplit(b".", 1)[-1]


def _split_target(target: bytes):
    """(path, query) of a request target, absolute-form URLs reduced to their path."""
    if target[:1] != b"/" and b"://" in target[:12]:
        rest = target.split(b"://", 1)[1]
        slash = rest.find(b"/")
        target = rest[slash:] if slash >= 0 else b"/"
    path, _unused, query = target.partition(b"?")
    return path, query


def classify_target(target: bytes) -> int:
    """Bit mask of T_* flags for one request target (path with query)."""
    lowered = target.lower()
    if not _QUICK_RE.search(lowered) and not _GAMBLING_RE.search(lowered) and not _DOORWAY_RE.search(lowered):
        return 0  # cheap pre-filter: nothing any rule looks for
    return classify_target_full(target)


def classify_target_full(target: bytes) -> int:
    """classify_target without the pre-filter."""
    decoded = _decode_path(target)
    path, query = _split_target(decoded)
    flags = 0
    if _SENSITIVE_RE.search(path):
        flags |= T_SENSITIVE
    if _TRAVERSAL_RE.search(decoded):
        flags |= T_TRAVERSAL
    if _SQLI_RE.search(decoded):
        flags |= T_SQLI
    if _XSS_RE.search(decoded):
        flags |= T_XSS
    ext = _extension(path)
    if ext in SCRIPT_EXT:
        base = path.rsplit(b"/", 1)[-1][: -len(ext) - 1]
        if base in _BACKDOOR_SET:
            flags |= T_BACKDOOR
        if ext in PHP_EXT and _UPLOAD_DIR_RE.search(path):
            flags |= T_UPLOAD_PHP
    if _GAMBLING_RE.search(decoded) or _DOORWAY_RE.search(decoded):
        flags |= T_GAMBLING
    if _LOGIN_RE.match(path):
        flags |= T_LOGIN
    return flags


def classify_user_agent(ua: bytes) -> int:
    flags = 0
    if _BAD_UA_RE.search(ua):
        flags |= U_BAD
    if _GOOGLEBOT_RE.search(ua):
        flags |= U_GOOGLEBOT
    return flags


def is_crawler(ua: bytes) -> bool:
    return bool(_CRAWLER_RE.search(ua))


def path_kind(path: bytes) -> str:
    """'document' (court documents: PDF, DOC, XLS...), 'static' (assets) or 'page'."""
    ext = _extension(path.lower())
    if ext in DOCUMENT_EXT:
        return "document"
    if ext in STATIC_EXT:
        return "static"
    return "page"


# --- Googlebot verification ----------------------------------------------------------------------

_GOOGLE_V4 = tuple(ipaddress.ip_network(n) for n in _data.GOOGLEBOT_IPV4)
_GOOGLE_V6_BASE = ipaddress.ip_network(_data.GOOGLEBOT_IPV6_PREFIX + "::/48")


def in_google_ranges(ip: str) -> bool:
    """True if ``ip`` lies in the copy of Googlebot's published ranges."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if addr.version == 4:
        return any(addr in net for net in _GOOGLE_V4)
    if addr not in _GOOGLE_V6_BASE:
        return False
    group = (int(addr) >> 64) & 0xFFFF
    return any(lo <= group <= hi for lo, hi in _data.GOOGLEBOT_IPV6_SUBNETS)


def parse_trusted(addresses) -> tuple:
    """Networks of trusted sources ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32"); a clear
    ValueError names the entry that is not an address or network."""
    if isinstance(addresses, (str, bytes)):
        addresses = [addresses]
    networks = []
    for entry in addresses or ():
        text = entry.decode("ascii", "replace") if isinstance(entry, bytes) else str(entry)
        text = text.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError("trusted address %r is not an IP address or network" % text) from None
    return tuple(networks)


def is_trusted(ip: str, networks) -> bool:
    """True if the address ``ip`` (as logged) lies in one of the trusted ``networks``."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    for net in networks:
        if addr.version == net.version and addr in net:
            return True
        if mapped is not None and net.version == 4 and mapped in net:
            return True
    return False


_ACCEPTED_RE = re.compile(r"Accepted \S+ for \S+ from (\S+) port \d+")


def _login_messages(pids) -> str:
    """sshd's log messages of the given processes, newest first (journald, else auth.log)."""
    import subprocess

    for journalctl in ("/usr/bin/journalctl", "/bin/journalctl"):
        if os.path.exists(journalctl):
            try:
                proc = subprocess.run(
                    [journalctl, "-o", "cat", "--no-pager", "-q", "-r", "-n", "200"]
                    + ["_PID=%d" % pid for pid in pids],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    timeout=20,
                    check=False,
                )
                if proc.stdout:
                    return proc.stdout.decode("utf-8", "replace")
            except (OSError, subprocess.SubprocessError):
                pass
            break
    tags = tuple("sshd[%d]:" % pid for pid in pids) + tuple("sshd-session[%d]:" % pid for pid in pids)
    try:
        with open("/var/log/auth.log", "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(line for line in reversed(lines) if any(tag in line for tag in tags))


def ssh_client_address(environ=None, proc_root: str = "/proc", max_depth: int = 32, messages=None):
    """Address of the SSH client this process runs for (the controller as the server sees it),
    None when not run over SSH. In order: SSH_CONNECTION or SSH_CLIENT of this process; of the
    nearest ancestor whose environment is readable (sudo resets the environment); the "Accepted
    ... from ADDRESS" login message of the ancestor sshd processes (``messages(pids)``, by default
    from journald or /var/log/auth.log), for servers where the environment of other processes is
    not readable."""

    def pick(value):
        words = value.split()
        if not words:
            return None
        text = words[0].decode("ascii", "replace") if isinstance(words[0], bytes) else words[0]
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return None

    env = os.environ if environ is None else environ
    for key in ("SSH_CONNECTION", "SSH_CLIENT"):
        if env.get(key):
            return pick(env[key])
    sshd = []
    pid = os.getppid()
    for _unused in range(max_depth):
        if pid <= 1:
            break
        try:
            with open("%s/%d/stat" % (proc_root, pid), "rb") as handle:
                stat = handle.read()
        except OSError:
            break
        try:
            with open("%s/%d/environ" % (proc_root, pid), "rb") as handle:
                items = handle.read().split(b"\0")
        except OSError:
            items = []
        for key in (b"SSH_CONNECTION=", b"SSH_CLIENT="):
            for item in items:
                if item.startswith(key):
                    return pick(item[len(key) :])
        name, _sep, rest = stat.partition(b"(")[2].rpartition(b")")
        if name.startswith(b"sshd"):
            sshd.append(pid)
        try:
            pid = int(rest.split()[1])  # "pid (comm) state ppid ..."
        except (IndexError, ValueError):
            break
    if not sshd:
        return None
    for line in (messages or _login_messages)(sshd).splitlines():
        found = _ACCEPTED_RE.search(line)
        if found:
            return pick(found.group(1))
    return None


def _system_resolver():
    def reverse(ip):
        return socket.gethostbyaddr(ip)[0]

    def forward(name):
        return {info[4][0] for info in socket.getaddrinfo(name, None)}

    return reverse, forward


def verify_googlebot_dns(ip: str, resolver=None) -> bool | None:
    """Google's documented check: reverse DNS in googlebot.com/google.com and forward DNS back to
    the same address. None when DNS gives no answer (unknown)."""
    reverse, forward = resolver or _system_resolver()
    try:
        name = reverse(ip).rstrip(".").lower()
    except (OSError, ValueError):
        return None
    if not name.endswith(_data.GOOGLEBOT_DNS_SUFFIXES):
        return False
    try:
        addresses = forward(name)
    except (OSError, ValueError):
        return None
    return ip in addresses


# --- helpers ---------------------------------------------------------------------------------------


def _text(raw: bytes, limit: int = 300) -> str:
    text = raw[:limit].decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else "?" for ch in text)


def sample_line(raw: bytes) -> str:
    """A log line as HTML-safe evidence: control bytes escaped, truncated, HTML special characters
    escaped."""
    text = _text(raw, MAX_SAMPLE_CHARS)
    if len(raw) > MAX_SAMPLE_CHARS:
        text += "..."
    return html.escape(text, quote=True)


class _Clock:
    """Turns the log's time fields into epoch seconds, with a cache per hour."""

    def __init__(self):
        self._hours = {}

    def epoch(self, hour: bytes, rest: bytes):
        key = (hour, rest[7:])
        base = self._hours.get(key)
        if base is None:
            base = self._hour_epoch(hour, rest[7:])
            if len(self._hours) > 50000:
                self._hours.clear()
            self._hours[key] = base
        try:
            return base[0] + int(rest[1:3]) * 60 + int(rest[4:6]), base[1]
        except ValueError:
            return base

    @staticmethod
    def _hour_epoch(hour: bytes, tz: bytes):
        try:
            day, mon, year, hh = int(hour[0:2]), _MONTHS[hour[3:6].title()], int(hour[7:11]), int(hour[12:14])
            offset = 0
            if len(tz) == 5:
                offset = (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60) * (-1 if tz[:1] == b"-" else 1)
            return calendar.timegm((year, mon, day, hh, 0, 0)) - offset, offset
        except (KeyError, ValueError, OverflowError):
            return 0, 0


def iso_time(epoch: int, offset: int) -> str:
    try:
        return datetime.fromtimestamp(epoch, timezone(timedelta(seconds=offset))).isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


def _hour_iso(hour: bytes) -> str:
    """b'20/Nov/2026:13' -> '2026-11-20T13'."""
    try:
        return "%s-%02d-%sT%s" % (
            hour[7:11].decode(),
            _MONTHS[hour[3:6].title()],
            hour[0:2].decode(),
            hour[12:14].decode(),
        )
    except (KeyError, UnicodeDecodeError):
        return "unknown"


class _Acc:
    """Evidence gathered for one (rule, address)."""

    __slots__ = ("count", "first", "last", "samples", "distinct", "window", "fired", "statuses")

    def __init__(self):
        self.count = 0
        self.first = None
        self.last = None
        self.samples = []
        self.distinct = set()
        self.window = collections.deque()
        self.fired = False
        self.statuses = collections.Counter()


# --- the analyzer ----------------------------------------------------------------------------------


class Analyzer:
    """Accumulates visitor statistics and rule evidence over one or more log files."""

    def __init__(
        self,
        fmt: str = "auto",
        thresholds: dict | None = None,
        dns: bool = False,
        resolver=None,
        site_hosts=(),
        max_samples: int = MAX_SAMPLES,
        top: int = 10,
        trusted=(),
    ):
        if fmt != "auto" and fmt not in FORMATS:
            raise ValueError("unknown log format %r (use auto, %s)" % (fmt, ", ".join(FORMATS)))
        self.fmt = fmt
        self.formats_seen = collections.Counter()
        self.thresholds = {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
        for rule, value in (thresholds or {}).items():
            if rule not in self.thresholds:
                raise ValueError("unknown rule %r in thresholds" % rule)
            if not isinstance(value, dict):
                raise ValueError("thresholds for %r must be a mapping with count/window" % rule)
            for key in ("count", "window"):
                if key in value:
                    number = int(value[key])
                    if number < (1 if key == "count" else 0):
                        raise ValueError("thresholds.%s.%s must be positive" % (rule, key))
                    self.thresholds[rule][key] = number
        self.dns = dns
        self.resolver = resolver
        self.site_hosts = {h.lower().encode() if isinstance(h, str) else h for h in site_hosts}
        self.max_samples = max_samples
        self.top = top
        self.trusted_networks = parse_trusted(trusted)
        self._trusted = {}
        self.lines = 0
        self.malformed = 0
        self.bytes_sent = 0
        self.ips = collections.Counter()
        self.statuses = collections.Counter()
        self.hours = collections.Counter()
        self.methods = collections.Counter()
        self.targets = collections.Counter()
        self.err_targets = collections.Counter()
        self.refs = collections.Counter()
        self.uas = collections.Counter()
        self.visitors = set()  # (address, day, user agent)
        self._triples = collections.Counter()
        self._codes = collections.Counter()
        self._google_ok = set()
        self.visitors_capped = False
        self.evidence_dropped = False
        self.vhosts = collections.Counter()
        self._tflags = {}
        self._uflags = {}
        self._google = {}
        self._clock = _Clock()
        self._acc = {}
        self._block = b""
        self._block_fmt = "combined"
        self._cursor = 0
        self._raw_row = None
        self._raw_text = b""
        self._spikes = []
        self._spike_window = collections.deque()
        self._spike_open = None
        self.files = []

    # -- feeding ------------------------------------------------------------------------------------

    def feed_block(self, block: bytes, fmt: str) -> None:
        """Parse a block of complete lines (ending with a newline)."""
        fast = split_combined(block) if fmt == "combined" else None
        if fast is not None:
            columns, ts, tzs = fast
            count_rows = len(columns[F_IP])
            self.lines += count_rows

            def row_at(i):
                return _fast_row(columns, ts, tzs, i)

        else:
            rows = LINE_RES[fmt].findall(block)
            if not rows:
                return
            self.lines += len(rows)
            columns = tuple(zip(*rows))  # noqa: B905 - Python 3.8 has no strict=
            bad = columns[F_IP].count(b"")
            if bad:
                self.malformed += bad
                rows = [r for r in rows if r[F_IP]]
                if not rows:
                    return
                columns = tuple(zip(*rows))  # noqa: B905
            count_rows = len(rows)
            row_at = rows.__getitem__
        self.formats_seen[fmt] += count_rows
        (vhosts, ips, hours, _rest, methods, targets, _proto, statuses, sizes, refs, uas) = columns
        # One counter of (address, hour, user agent) gives visitors, per-address, per-hour and
        # per-agent counts at once; (status, method) pairs likewise.
        self._triples.update(zip(ips, hours, uas))  # noqa: B905
        self._codes.update(zip(statuses, methods))  # noqa: B905
        self.targets.update(targets)
        self.refs.update(refs)
        if fmt == "vcombined":
            self.vhosts.update(vhosts)
        self.bytes_sent += sum(map(int, filter(bytes.isdigit, sizes)))

        # Hot rows: only values flagged once per distinct value, then picked out in C.
        distinct_targets = set(targets)
        tflags = self._tflags
        new = distinct_targets.difference(tflags)
        if new:
            if len(tflags) > MAX_KEYS:
                tflags.clear()
                new = distinct_targets
            for t in new:
                tflags[t] = classify_target(t)
        distinct_uas = set(uas)
        uflags = self._uflags
        new = distinct_uas.difference(uflags)
        if new:
            if len(uflags) > MAX_KEYS:
                uflags.clear()
                new = distinct_uas
            for u in new:
                uflags[u] = classify_user_agent(u)
        hot = set()
        hot_targets = {t for t in distinct_targets if tflags[t]}
        if hot_targets:
            hot.update(compress(count(), map(hot_targets.__contains__, targets)))
        hot_statuses = {x for x in set(statuses) if x >= b"400"}
        if hot_statuses:
            hot.update(compress(count(), map(hot_statuses.__contains__, statuses)))
        bad_uas = {u for u in distinct_uas if uflags[u] & U_BAD}
        if bad_uas:
            hot.update(compress(count(), map(bad_uas.__contains__, uas)))
        google_uas = {u for u in distinct_uas if uflags[u] & U_GOOGLEBOT}
        if google_uas:
            verified = self._google_ok
            hot.update(
                i for i in compress(count(), map(google_uas.__contains__, uas)) if ips[i] not in verified
            )
        if hot:
            self._block, self._block_fmt, self._cursor = block, fmt, 0
            for i in sorted(hot):
                self._hot(row_at(i), tflags[targets[i]], uflags[uas[i]])
            self._block = b""
        if len(self._triples) > MAX_KEYS:
            self._fold()
        self._prune()

    def _fold(self) -> None:
        """Move the (address, hour, agent) counts into the per-field counters."""
        visitors = self.visitors
        room = len(visitors) < 2 * MAX_KEYS
        if not room:
            self.visitors_capped = True
        for (ip, hour, ua), n in self._triples.items():
            self.ips[ip] += n
            self.hours[hour] += n
            self.uas[ua] += n
            if room:
                visitors.add((ip, hour[:11], ua))
        self._triples.clear()
        for (status, method), n in self._codes.items():
            self.statuses[status] += n
            self.methods[method] += n
        self._codes.clear()
        for counter in (self.ips, self.uas):
            if len(counter) > MAX_KEYS:
                keep = counter.most_common(MAX_KEYS // 2)
                counter.clear()
                counter.update(dict(keep))

    def _raw_line(self, row) -> bytes:
        """The verbatim log line of a parsed row of the current block (evidence), without its line
        end. Rows are visited in order, so the search resumes after the previous row's line."""
        if row is self._raw_row:
            return self._raw_text
        self._raw_row = row
        self._raw_text = self._find_line(row)
        return self._raw_text

    def _find_line(self, row) -> bytes:
        block = self._block
        if row[F_METHOD]:
            needle = b"[" + row[F_HOUR] + row[F_REST] + b'] "' + row[F_METHOD] + b" " + row[F_TARGET]
        else:
            needle = b"[" + row[F_HOUR] + row[F_REST] + b"] "
        head = row[F_VHOST] if self._block_fmt == "vcombined" else row[F_IP] + b" "
        address = b" " + row[F_IP] + b" "
        tail = b'" %s %s' % (row[F_STATUS], row[F_SIZE] or b"-")
        pos = self._cursor
        while True:
            found = block.find(needle, pos)
            if found < 0:
                break
            start = block.rfind(b"\n", 0, found) + 1
            end = block.find(b"\n", found)
            if end < 0:
                end = len(block)
            line = block[start:end]
            if (
                line.startswith(head)
                and tail in line
                and row[F_UA] in line
                and row[F_REF] in line
                and (head[-1:] == b" " or address in line)
            ):
                self._cursor = end + 1  # the next row is on a later line
                return line.rstrip(b"\r")
            pos = end
        # Not found verbatim: rebuild the line from its fields.
        request = b" ".join(x for x in (row[F_METHOD], row[F_TARGET], row[F_PROTO]) if x) or b"-"
        line = b'%s - - [%s%s] "%s" %s %s' % (
            row[F_IP],
            row[F_HOUR],
            row[F_REST],
            request,
            row[F_STATUS],
            row[F_SIZE] or b"-",
        )
        if self._block_fmt != "common":
            line += b' "%s" "%s"' % (row[F_REF], row[F_UA])
        return line

    def _prune(self) -> None:
        for counter in (self.targets, self.refs, self.err_targets):
            if len(counter) > MAX_KEYS:
                keep = counter.most_common(MAX_KEYS // 2)
                counter.clear()
                counter.update(dict(keep))

    def _event(self, rule: str, key, row, when, distinct=None) -> None:
        acc = self._acc.get((rule, key))
        if acc is None:
            if len(self._acc) >= MAX_KEYS:
                # Bounded memory under floods of addresses: forget evidence that fired nothing.
                self._acc = {k: a for k, a in self._acc.items() if a.fired}
                self.evidence_dropped = True
            acc = self._acc[(rule, key)] = _Acc()
        acc.count += 1
        if acc.first is None or when[0] < acc.first[0]:
            acc.first = when
        if acc.last is None or when[0] >= acc.last[0]:
            acc.last = when
        acc.statuses[row[F_STATUS]] += 1
        new_distinct = True
        if distinct is not None:
            if distinct in acc.distinct:
                new_distinct = False
            elif len(acc.distinct) < 10000:
                acc.distinct.add(distinct)
        if len(acc.samples) < self.max_samples and new_distinct:
            acc.samples.append(self._raw_line(row))
        if acc.fired:
            return
        conf = self.thresholds[rule]
        if conf["count"] <= 1:
            acc.fired = True
            return
        if distinct is not None and not new_distinct:
            return
        window = acc.window
        window.append(when[0])
        if conf["window"]:
            while window and when[0] - window[0] > conf["window"]:
                window.popleft()
        if len(window) >= conf["count"]:
            acc.fired = True
            window.clear()

    def _is_google(self, ip: bytes) -> bool:
        verdict = self._google.get(ip)
        if verdict is None:
            text = ip.decode("ascii", "replace")
            if len(self._google) > MAX_KEYS:
                self._google.clear()
            verdict = in_google_ranges(text)
            if not verdict and self.dns:
                verdict = bool(verify_googlebot_dns(text, self.resolver))
            self._google[ip] = verdict
            if verdict:
                self._google_ok.add(ip)
        return verdict

    def _is_trusted(self, ip: bytes) -> bool:
        verdict = self._trusted.get(ip)
        if verdict is None:
            if len(self._trusted) > MAX_KEYS:
                self._trusted.clear()
            verdict = self._trusted[ip] = is_trusted(ip.decode("ascii", "replace"), self.trusted_networks)
        return verdict

    def _hot(self, row, tf: int, uf: int) -> None:
        status = row[F_STATUS]
        method = row[F_METHOD]
        ip = row[F_IP]
        if self.trusted_networks and self._is_trusted(ip):
            # Our own monitoring (the controller) and declared partners: counted in the summary,
            # never evidence against the site.
            if status >= b"400":
                self.err_targets[row[F_TARGET]] += 1
            return
        when = self._clock.epoch(row[F_HOUR], row[F_REST])
        googlebot = False
        if uf & U_GOOGLEBOT:
            googlebot = self._is_google(ip)
            if not googlebot:
                self._event("fake-googlebot", ip, row, when)
        if uf & U_BAD:
            self._event("bad-user-agent", ip, row, when)
        if status[:1] == b"5":
            self._spike(row, when)
        if status >= b"400":
            self.err_targets[row[F_TARGET]] += 1
            if status in NOT_FOUND and not googlebot:
                path = _split_target(row[F_TARGET])[0]
                if path_kind(path) == "page":
                    self._event("http-probing", ip, row, when, distinct=path)
        if not tf:
            return
        if tf & T_SENSITIVE:
            self._event("sensitive-files", ip, row, when)
        if tf & T_TRAVERSAL:
            self._event("path-traversal", ip, row, when)
        if tf & T_SQLI:
            self._event("sqli-probing", ip, row, when)
        if tf & T_XSS:
            self._event("xss-probing", ip, row, when)
        if tf & T_BACKDOOR:
            self._event("backdoor-access", ip, row, when)
        if tf & T_UPLOAD_PHP and method == b"POST" and status == b"200":
            self._event("webshell-post", ip, row, when)
        if tf & T_LOGIN and method == b"POST":
            self._event("admin-bruteforce", ip, row, when)
        if tf & T_GAMBLING and status == b"200" and method in SAFE_METHODS:
            self._event("gambling-doorway", b"", row, when, distinct=_split_target(row[F_TARGET])[0])

    def _spike(self, row, when) -> None:
        conf = self.thresholds["error-spike"]
        window = self._spike_window
        now = when[0]
        episode = self._spike_open
        if episode is not None and now - episode["last"][0] > conf["window"]:
            self._spike_open = episode = None
        window.append(now)
        while window and now - window[0] > conf["window"]:
            window.popleft()
        if episode is None and len(window) >= conf["count"]:
            episode = {
                "count": len(window) - 1,
                "first": (window[0], when[1]),
                "last": when,
                "samples": [],
                "ips": collections.Counter(),
            }
            self._spikes.append(episode)
            self._spike_open = episode
        if episode is not None:
            episode["count"] += 1
            episode["last"] = when
            episode["ips"][row[F_IP]] += 1
            if len(episode["samples"]) < self.max_samples:
                episode["samples"].append(self._raw_line(row))

    # -- files --------------------------------------------------------------------------------------

    def detect_format(self, head: bytes) -> str:
        """Pick the format matching most of the first lines of a file."""
        lines = [line for line in head.split(b"\n")[:200] if line.strip()]
        best, best_hits = "combined", 0
        for fmt in FORMATS:
            strict = _STRICT_RES[fmt]
            hits = sum(1 for line in lines if strict.match(line))
            if hits > best_hits:
                best, best_hits = fmt, hits
        return best

    def feed_stream(self, stream, fmt: str | None = None, complete_only: bool = False) -> int:
        """Read a binary stream to its end; returns the number of bytes consumed (only complete
        lines when ``complete_only``)."""
        consumed = 0
        pending = b""
        skipping = False
        chosen = fmt or (None if self.fmt == "auto" else self.fmt)
        while True:
            data = stream.read(BLOCK_BYTES)
            if not data:
                break
            if skipping:
                cut = data.find(b"\n")
                if cut < 0:
                    consumed += len(data)
                    continue
                consumed += cut + 1
                data = data[cut + 1 :]
                skipping = False
            buf = pending + data if pending else data
            cut = buf.rfind(b"\n")
            if cut < 0:
                pending = buf
            else:
                block, pending = buf[: cut + 1], buf[cut + 1 :]
                consumed += len(block)
                # Only the first line can be longer than MAX_LINE_BYTES (pending never is, and a
                # read is BLOCK_BYTES): such a line is malformed, however the reads cut it.
                first = block.find(b"\n")
                if first > MAX_LINE_BYTES:
                    self.lines += 1
                    self.malformed += 1
                    block = block[first + 1 :]
                if block:
                    if chosen is None:
                        chosen = self.detect_format(block[:65536])
                    self.feed_block(block, chosen)
            if len(pending) > MAX_LINE_BYTES:
                self.lines += 1
                self.malformed += 1
                consumed += len(pending)
                pending = b""
                skipping = True
        if pending and not complete_only:
            if chosen is None:
                chosen = self.detect_format(pending[:65536])
            self.feed_block(pending + b"\n", chosen)
            consumed += len(pending)
        return consumed

    def feed_file(self, path: str, offset: int = 0, complete_only: bool = False) -> int:
        """Analyse a plain or gzip file from ``offset`` (decompressed bytes); returns the offset
        reached."""
        with open_log(path) as stream:
            if offset:
                _skip(stream, offset)
            reached = offset + self.feed_stream(stream, complete_only=complete_only)
        self.files.append(path)
        return reached

    # -- results ------------------------------------------------------------------------------------

    def findings(self) -> list:
        out = []
        per_rule = collections.Counter()
        for (rule, key), acc in sorted(self._acc.items(), key=lambda kv: -kv[1].count):
            if not acc.fired or per_rule[rule] >= MAX_FINDINGS_PER_RULE:
                continue
            per_rule[rule] += 1
            severity = RULE_SEVERITY[rule]
            served = acc.statuses.get(b"200", 0)
            if rule in ("sensitive-files", "backdoor-access", "path-traversal") and served:
                severity = "critical" if rule == "backdoor-access" else "high"
            elif rule == "sensitive-files":
                severity = "low"  # every public site sees these scans; only a 200 matters
            evidence = {
                "statuses": {k.decode("ascii", "replace"): v for k, v in sorted(acc.statuses.items())},
            }
            if acc.distinct:
                evidence["distinct_paths"] = len(acc.distinct)
                evidence["paths"] = sorted(_text(p, 200) for p in acc.distinct)[:20]
            ip = key.decode("ascii", "replace") if key else None
            if rule == "gambling-doorway" and key == b"":
                ip = None
            out.append(
                self._finding(rule, severity, ip, acc.count, acc.first, acc.last, acc.samples, evidence)
            )
        for episode in self._spikes[:MAX_FINDINGS_PER_RULE]:
            top_ips = [[k.decode("ascii", "replace"), v] for k, v in episode["ips"].most_common(5)]
            out.append(
                self._finding(
                    "error-spike",
                    RULE_SEVERITY["error-spike"],
                    None,
                    episode["count"],
                    episode["first"],
                    episode["last"],
                    episode["samples"],
                    {"top_ips": top_ips, "window_seconds": self.thresholds["error-spike"]["window"]},
                )
            )
        order = {s: i for i, s in enumerate(SEVERITIES)}
        out.sort(key=lambda f: (-order[f["severity"]], -f["count"], f["rule"], f["ip"] or ""))
        return out

    def _finding(self, rule, severity, ip, count, first, last, samples, evidence) -> dict:
        values = {"count": count, "distinct": evidence.get("distinct_paths", count)}
        msg_id, msg_en = RULE_MESSAGES[rule]
        return {
            "rule": rule,
            "severity": severity,
            "ip": ip,
            "count": count,
            "first_seen": iso_time(*first) if first else None,
            "last_seen": iso_time(*last) if last else None,
            "samples": [sample_line(s) for s in samples],
            "message": msg_id.format(**values),
            "message_en": msg_en.format(**values),
            "evidence": evidence,
        }

    def _visitor_stats(self, crawler_ua: dict):
        """(unique visitors, visitors per day b"20/Nov/2026", visitors that are crawlers)."""
        daily_visitors = collections.Counter()
        crawler_visitors = 0
        for _ip, day, ua in self.visitors:
            daily_visitors[day] += 1
            bot = crawler_ua.get(ua)
            if bot is None:
                bot = crawler_ua[ua] = is_crawler(ua)
            crawler_visitors += bot
        return len(self.visitors), daily_visitors, crawler_visitors

    def summary(self) -> dict:
        self._fold()
        top = self.top
        requests = self.lines - self.malformed
        status_classes = collections.Counter()
        for code, n in self.statuses.items():
            status_classes[code[:1].decode("ascii", "replace") + "xx"] += n
        crawler_ua = {ua: is_crawler(ua) for ua in self.uas}
        crawler_requests = sum(n for ua, n in self.uas.items() if crawler_ua[ua])
        unique_visitors, daily_visitors, crawler_visitors = self._visitor_stats(crawler_ua)
        daily = collections.Counter()
        hourly = []
        hour_of_day = [0] * 24
        for hour, n in self.hours.items():
            iso = _hour_iso(hour)
            daily[iso[:10]] += n
            hourly.append({"hour": iso, "requests": n})
            if iso[11:13].isdigit() and int(iso[11:13]) < 24:
                hour_of_day[int(iso[11:13])] += n
        day_visitors = {_hour_iso(k + b":00")[:10]: v for k, v in daily_visitors.items()}
        pages = collections.Counter()
        documents = collections.Counter()
        static = 0
        for target, n in self.targets.items():
            ok = n - self.err_targets.get(target, 0)
            if ok <= 0:
                continue
            path = _split_target(target)[0]
            kind = path_kind(path)
            if kind == "document":
                documents[path] += ok
            elif kind == "page":
                pages[path] += ok
            else:
                static += ok
        not_found = collections.Counter()
        for target, n in self.err_targets.items():
            not_found[_split_target(target)[0]] += n
        referrers = collections.Counter()
        for ref, n in self.refs.items():
            if ref in (b"", b"-"):
                continue
            host = ref.split(b"://", 1)[-1].split(b"/", 1)[0].split(b":", 1)[0].lower()
            if host in self.site_hosts:
                continue
            referrers[host] += n

        def top_list(counter, n=top, key="value"):
            return [{key: _text(k), "count": v} for k, v in counter.most_common(n)]

        return {
            "requests": requests,
            "unique_visitors": unique_visitors,
            "unique_visitors_capped": self.visitors_capped,
            "bandwidth_bytes": self.bytes_sent,
            "status": {k: status_classes[k] for k in sorted(status_classes)},
            "status_codes": {k.decode("ascii", "replace"): v for k, v in sorted(self.statuses.items())},
            "methods": {_text(k, 20) or "-": v for k, v in self.methods.most_common(10)},
            "static_requests": static,
            "top_pages": top_list(pages, key="path"),
            "top_documents": top_list(documents, key="path"),
            "top_not_found": top_list(not_found, key="path"),
            "top_referrers": top_list(referrers, key="host"),
            "top_visitors": top_list(self.ips, key="ip"),
            "top_user_agents": top_list(self.uas, n=5, key="user_agent"),
            "vhosts": top_list(self.vhosts, key="host") if self.vhosts else [],
            "crawlers": {
                "requests": crawler_requests,
                "visitors": crawler_visitors,
            },
            "people": {
                "requests": requests - crawler_requests,
                "visitors": unique_visitors - crawler_visitors,
            },
            "daily": [
                {"date": d, "requests": daily[d], "visitors": day_visitors.get(d, 0)} for d in sorted(daily)
            ],
            "hourly": sorted(hourly, key=lambda h: h["hour"]),
            "hour_of_day": hour_of_day,
        }

    def result(self) -> dict:
        if self.formats_seen:
            fmt = self.formats_seen.most_common(1)[0][0]
        else:
            fmt = self.fmt if self.fmt != "auto" else "unknown"
        return {
            "lines": self.lines,
            "malformed": self.malformed,
            "format": fmt,
            "files": list(self.files),
            "summary": self.summary(),
            "findings": self.findings(),
        }


# --- file access and incremental reading ------------------------------------------------------------


def is_gzip(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


class _SafeGzip:
    """A streaming gzip reader (multi-member) that returns everything decompressible and stops
    quietly at a truncated or corrupt end."""

    def __init__(self, path):
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._zip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buffer = b""
        self._pos = 0
        self._done = False
        self.truncated = False

    def _more(self):
        """Decompress the next piece into the buffer; False at the end."""
        while not self._done:
            data = self._raw.read(64 * 1024)
            try:
                if not data:
                    if not self._zip.eof:
                        self.truncated = True
                    out = self._zip.flush()
                    self._done = True
                else:
                    out = self._zip.decompress(data)
                    while self._zip.eof and self._zip.unused_data:
                        rest = self._zip.unused_data
                        self._zip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                        out += self._zip.decompress(rest)
            except zlib.error:
                self.truncated = True
                self._done = True
                return False
            if out:
                self._buffer = self._buffer[self._pos :] + out if self._pos < len(self._buffer) else out
                self._pos = 0
                return True
        return False

    def read(self, size=-1):
        if size is None or size < 0:
            size = 1 << 62
        pieces = []
        wanted = size
        while wanted > 0:
            available = len(self._buffer) - self._pos
            if available <= 0:
                if not self._more():
                    break
                continue
            take = min(available, wanted)
            pieces.append(self._buffer[self._pos : self._pos + take])
            self._pos += take
            wanted -= take
        return b"".join(pieces)

    def close(self):
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_log(path: str):
    if is_gzip(path):
        return _SafeGzip(path)
    return open(path, "rb")


def _skip(stream, offset: int) -> None:
    if hasattr(stream, "seek") and not isinstance(stream, _SafeGzip):
        stream.seek(offset)
        return
    remaining = offset
    while remaining > 0:
        data = stream.read(min(remaining, BLOCK_BYTES))
        if not data:
            break
        remaining -= len(data)


def fingerprint(path: str) -> str | None:
    """SHA-256 of the first line (decompressed for gzip), None while the file has no complete
    line yet. The same content keeps the same fingerprint when logrotate renames or compresses it.
    Two files starting with the very same line (same second, client and request) are taken as one:
    with rotations days apart, their first lines differ."""
    with open_log(path) as stream:
        head = stream.read(8192)
    cut = head.find(b"\n")
    if cut < 0:
        return None
    return hashlib.sha256(head[: cut + 1]).hexdigest()


_ROTATED_RE = re.compile(r"\.(\d+)(?:\.gz)?$")


def expand_paths(patterns, include_rotated: bool = False) -> list:
    """Expand globs; with ``include_rotated`` also the logrotate siblings (FILE.1, FILE.2.gz...).
    Oldest first, so the time series come out in order."""
    found = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for path in matches:
            if include_rotated and not _ROTATED_RE.search(path):
                directory = os.path.dirname(path) or "."
                base = os.path.basename(path)
                try:
                    names = os.listdir(directory)
                except OSError:
                    names = []
                siblings = []
                for name in names:
                    if fnmatch.fnmatchcase(name, base + ".*"):
                        m = _ROTATED_RE.search(name)
                        if m and name[: m.start()] == base:
                            siblings.append((int(m.group(1)), os.path.join(directory, name)))
                found.extend(p for _n, p in sorted(siblings, reverse=True))
            found.append(path)
    unique = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector off for a while. An analysis makes millions of short-lived
    tuples and no reference cycles (a unit test checks this): the collector would only spend time
    walking them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def analyze(
    paths,
    fmt: str = "auto",
    state: dict | None = None,
    include_rotated: bool = False,
    analyzer_class=None,
    **options,
):
    """Analyse log files. Returns ``(result, new_state)``.

    Without ``state`` (None) every file is read entirely. With a state (a dict, possibly empty,
    from a previous run) only what was not read before is analysed: files are recognised by the
    fingerprint of their first line, so a renamed (access.log -> access.log.1) or compressed
    (access.log.2.gz) file resumes at its saved offset and a new or truncated file starts at 0.
    Only complete lines are consumed; a line still being written is read next time.
    """
    analyzer = (analyzer_class or Analyzer)(fmt=fmt, **options)
    incremental = state is not None
    old = state.get("files") if isinstance(state, dict) else None
    if not isinstance(old, dict):
        old = {}
    new_files = {}
    errors = []
    for path in expand_paths(paths, include_rotated=include_rotated):
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                raise OSError("not a regular file")
            offset = 0
            fp = None
            if incremental:
                fp = fingerprint(path)
                if fp is None or fp in new_files:
                    continue  # nothing complete yet, or the same content seen under another name
                packed = is_gzip(path)
                saved = old.get(fp)
                if isinstance(saved, dict):
                    try:
                        offset = max(int(saved.get("offset", 0) or 0), 0)
                    except (TypeError, ValueError):
                        offset = 0
                    if packed and saved.get("gzip") is True and saved.get("size") == st.st_size:
                        # A compressed rotation is never appended to: already read, skip it.
                        new_files[fp] = dict(saved, path=path, inode=st.st_ino)
                        continue
                    if not packed and offset > st.st_size:
                        offset = 0  # truncated in place (copytruncate)
            reached = analyzer.feed_file(path, offset=offset, complete_only=incremental)
            if incremental:
                new_files[fp] = {
                    "path": path,
                    "inode": st.st_ino,
                    "size": st.st_size,
                    "offset": reached,
                    "gzip": packed,
                }
        except (OSError, EOFError, ValueError) as exc:
            errors.append({"path": path, "error": str(exc) or exc.__class__.__name__})
    result = analyzer.result()
    result["errors"] = errors
    new_state = {"version": 1, "files": new_files} if incremental else None
    return result, new_state


@gc_paused()
def analyze_bytes(data: bytes, fmt: str = "auto", analyzer_class=None, **options) -> dict:
    """Analyse log content held in memory (tests, stdin)."""
    import io

    analyzer = (analyzer_class or Analyzer)(fmt=fmt, **options)
    analyzer.feed_stream(io.BytesIO(data))
    result = analyzer.result()
    result["errors"] = []
    return result


# --- cross-court correlation ----------------------------------------------------------------------

_CAMPAIGN_EXCLUDED = frozenset(("error-spike", "gambling-doorway", "campaign"))


def _parse_iso(value):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def correlate_campaigns(results: dict, min_courts: int = 2, max_samples: int = MAX_SAMPLES) -> list:
    """Given ``{court: result}`` (results of :func:`analyze`), report each address that attacks at
    least ``min_courts`` courts once, as a ``campaign`` finding."""
    by_ip = {}
    for court, result in sorted(results.items()):
        for finding in (result or {}).get("findings", []):
            ip = finding.get("ip")
            if not ip or finding.get("rule") in _CAMPAIGN_EXCLUDED:
                continue
            entry = by_ip.setdefault(ip, {"courts": {}, "rules": set(), "count": 0, "first": [], "last": []})
            entry["courts"].setdefault(court, []).extend(finding.get("samples", [])[:1])
            entry["rules"].add(finding["rule"])
            entry["count"] += int(finding.get("count", 0))
            for key, field in (("first", "first_seen"), ("last", "last_seen")):
                when = _parse_iso(finding.get(field))
                if when is not None:
                    entry[key].append((when, finding.get(field)))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out = []
    for ip, entry in by_ip.items():
        courts = sorted(entry["courts"])
        if len(courts) < min_courts:
            continue
        rules = sorted(entry["rules"])
        severity = "critical" if len(courts) >= 5 else "high"
        samples = []
        for court in courts:
            for sample in entry["courts"][court]:
                if len(samples) < max_samples:
                    samples.append("[%s] %s" % (html.escape(court), sample))
        values = {"courts": len(courts), "rules": ", ".join(rules)}
        out.append(
            {
                "rule": "campaign",
                "severity": severity,
                "ip": ip,
                "count": entry["count"],
                "first_seen": min(entry["first"], key=lambda w: w[0])[1] if entry["first"] else None,
                "last_seen": max(entry["last"], key=lambda w: w[0])[1] if entry["last"] else None,
                "samples": samples,
                "courts": courts,
                "rules": rules,
                "message": RULE_MESSAGES["campaign"][0].format(**values),
                "message_en": RULE_MESSAGES["campaign"][1].format(**values),
                "evidence": {"courts": courts, "rules": rules},
            }
        )
    out.sort(key=lambda f: (-order[f["severity"]], -len(f["courts"]), -f["count"], f["ip"]))
    return out


def sop_status(findings) -> str:
    """ok | warning | critical for the SOP result, from the worst finding."""
    worst = max((SEVERITIES.index(f["severity"]) for f in findings), default=-1)
    if worst >= SEVERITIES.index("high"):
        return "critical"
    if worst >= SEVERITIES.index("medium"):
        return "warning"
    return "ok"
