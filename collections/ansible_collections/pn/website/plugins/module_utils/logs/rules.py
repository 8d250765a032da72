# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built-in classifiers of the access-log engine: the classes of request targets (sensitive
file, traversal, SQL injection, XSS, webshell name, PHP in an upload folder, login page, gambling)
and of user agents (attack tool, Googlebot claim) that rules in the rule file can name
(``target_class``, ``agent_class``).

Standard library only, Python 3.8+ (runs on court servers). The signatures (word lists, Googlebot
ranges) are in :mod:`rule_data`; the rules themselves (ids, thresholds, severities, messages and
what they match) are data, in ``access_log_rules.yml`` (:mod:`rule_set`); the state of each rule
over a log is kept by the analyzer.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from ansible_collections.pn.website.plugins.module_utils.logs import rule_data
from ansible_collections.pn.website.plugins.module_utils.logs.alternation import compile_merged
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

#: The severities, for the users of this module's rule tables.
SEVERITIES = sop_result.SEVERITIES

#: The cross-court rule of :func:`analyzer.correlate_campaigns` (not a rule of one log).
CAMPAIGN_SEVERITY = "high"
CAMPAIGN_MESSAGES = (
    "Alamat yang sama menyerang {courts} pengadilan ({rules}).",
    "The same address attacks {courts} courts ({rules}).",
)


def __getattr__(name):
    """RULES, RULE_SEVERITY, DEFAULT_THRESHOLDS and RULE_MESSAGES of the collection's rule file
    (``rule_set``), read when first asked for: controller only (the rule file is YAML)."""
    if name not in ("RULES", "RULE_SEVERITY", "DEFAULT_THRESHOLDS", "RULE_MESSAGES"):
        raise AttributeError(name)
    from ansible_collections.pn.website.plugins.module_utils.logs import (  # pylint: disable=import-outside-toplevel
        rule_set,
    )

    rules = rule_set.default_rule_set().rules
    if name == "RULES":
        return tuple(rules)
    if name == "RULE_SEVERITY":
        return dict({k: r.severity for k, r in rules.items()}, campaign=CAMPAIGN_SEVERITY)
    if name == "RULE_MESSAGES":
        return dict({k: r.messages for k, r in rules.items()}, campaign=CAMPAIGN_MESSAGES)
    return {
        k: {"count": r.count, "window": r.window, "distinct": r.distinct != "none"} for k, r in rules.items()
    }


STATIC_EXT = frozenset(
    b"css js mjs map png jpg jpeg gif webp svg ico bmp tif tiff avif woff woff2 ttf eot otf "
    b"mp3 mp4 webm ogg wav avi mov flv swf txt xml json".split()
)
DOCUMENT_EXT = frozenset(b"pdf doc docx xls xlsx ppt pptx odt ods odp rtf csv zip rar 7z".split())
PHP_EXT = frozenset(b"php php3 php4 php5 php7 php8 phtml phar pht inc".split())
SCRIPT_EXT = PHP_EXT | frozenset(b"asp aspx jsp jspx cgi pl".split())
SAFE_METHODS = frozenset((b"GET", b"HEAD"))
NOT_FOUND = frozenset((b"403", b"404"))

# --- classification of request targets and user agents -----------------------------------------

# Flags of a request target (path with query): what the rules look for in it.
(
    TARGET_SENSITIVE_FILE,
    TARGET_TRAVERSAL,
    TARGET_SQLI,
    TARGET_XSS,
    TARGET_BACKDOOR,
    TARGET_GAMBLING,
    TARGET_UPLOADED_PHP,
    TARGET_LOGIN,
) = (1 << i for i in range(8))
# Flags of a user agent.
AGENT_ATTACK_TOOL, AGENT_GOOGLEBOT = 1, 2

# The classifiers' patterns, searched in every distinct target or agent, are compiled with their
# alternatives merged (the same matches, fewer tries per character: see alternation).
_SENSITIVE_RE = compile_merged(
    rb"(?:^|/)(?:\.env(?:\.\w+)?|\.git(?:/|$)|\.svn/|\.hg/|\.bzr/|\.htpasswd|\.htaccess|\.ds_store|"
    rb"\.aws/|\.ssh/|id_rsa|id_dsa|\.bash_history|\.vscode/sftp\.json|sftp-config\.json|"
    rb"(?!wp-config(?:-sample)?\.php$)\.?wp-config(?:\.php)?[.~_-][\w.~-]*$|"
    rb"configuration\.php(?:\.|~)|"
    rb"config\.php(?:\.|~)|web\.config|phpinfo\.php|info\.php|server-status|composer\.(?:json|lock)|"
    rb"\.npmrc|docker-compose\.ya?ml|database\.yml|settings\.py|"
    rb"[\w.-]*\.(?:sql|sql\.gz|sql\.zip|sql\.bz2|sqlite3?|mdb|bak|backup|old|swp|tar|tar\.gz|tgz)$|"
    rb"(?:backup|dump|db|database|site|www|html|public_html|web)\.(?:zip|rar|tar\.gz|tgz|7z|gz)$)"
)
_TRAVERSAL_RE = compile_merged(
    rb"(?:\.\./|\.\.\\|/etc/passwd|/etc/shadow|/proc/self/|win\.ini|boot\.ini|"
    rb"php://(?:filter|input)|file:///|expect://|zip://|phar://|/\.\.;/)"
)
_SQLI_RE = compile_merged(
    rb"(?:union(?:\s|/\*.*?\*/)+(?:all(?:\s|/\*.*?\*/)+)?select|information_schema|"
    rb"(?:sleep|benchmark|pg_sleep|waitfor\s+delay)\s*\(|\bwaitfor\s+delay\b|"
    rb"'\s*(?:or|and)\s+'?\d+'?\s*=\s*'?\d|\b(?:or|and)\s+\d+\s*=\s*\d+(?:\s*--|\s*#|\s*$)|"
    rb"order\s+by\s+\d+\s*(?:--|#)|extractvalue\s*\(|updatexml\s*\(|load_file\s*\(|"
    rb"into\s+(?:out|dump)file|concat(?:_ws)?\s*\(.*?(?:0x|char\s*\()|@@version|"
    rb"select.+from.+(?:--|#)|;\s*(?:drop|insert|update|delete)\s)",
    re.S,
)
_XSS_RE = compile_merged(
    rb"(?:<\s*script|<\s*/\s*script|<\s*svg[\s/]|<\s*img[^>]*\son\w+\s*=|<\s*iframe|<\s*body[^>]*\son\w+|"
    rb"javascript\s*:|vbscript\s*:|\bon(?:error|load|mouseover|focus|click)\s*=|alert\s*\(|"
    rb"prompt\s*\(|confirm\s*\(|document\.(?:cookie|domain|write)|String\.fromCharCode|<\s*object)",
    re.I | re.S,
)
UPLOAD_DIR_RE = compile_merged(
    rb"/(?:uploads?|upload_files|files|images?|img|imgs|gambar|foto|photos?|media|assets|attachments?|"
    rb"tmp|temp|cache|wp-content/uploads|sites/default/files|storage|public/uploads|userfiles|"
    rb"lampiran|dokumen|berkas)/"
)
_LOGIN_RE = compile_merged(
    rb"^(?:/[\w.-]+)*?/(?:wp-login\.php|xmlrpc\.php|administrator/?(?:index\.php)?|"
    rb"admin(?:istrator)?/(?:login|index)\.php|admin/login|admin/?|login\.php|login/?|"
    rb"user/login|auth/login|(?:backend|panel|cpanel|webadmin|adminpanel)/(?:login(?:\.php)?)?|"
    rb"index\.php/(?:admin|login|auth)\S*|auth/?|signin/?|"
    rb"index\.php\?option=com_(?:login|users)\S*)$"
)
# Anything any target rule looks for: a target without any of it (nor gambling words) has no flag.
_ANY_RULE_HINT_RE = compile_merged(
    rb"[%<>'\"\\();:~*@!$`{}|]|\.\.|/\.|"
    rb"select|union|sleep|benchmark|waitfor|passwd|shadow|\.ini|proc/self|config|status|compose|"
    rb"settings|id_[rd]sa|database|backup|dump|phpinfo|admin|login|auth|signin|panel|wp-|"
    rb"\.(?:ph|as|js|cg|pl|sql|bak|zip|gz|old|swp|tar|tgz|7z|rar|mdb|sqlite|ya?ml|json|py|orig|save|txt|lock)"
)
BACKDOOR_FILE_NAMES = frozenset(n.encode() for n in rule_data.BACKDOOR_NAMES)
_GAMBLING_RE = compile_merged(
    b"|".join(re.escape(w.encode()) for w in rule_data.GAMBLING_WORDS).replace(rb"\ ", rb"[\s+_]")
)
_DOORWAY_RE = compile_merged(
    rb"[?&](?:" + b"|".join(re.escape(w.encode()) for w in rule_data.DOORWAY_PARAMS) + rb")=[^&]*"
    rb"(?:slot|gacor|togel|judi|casino|toto|maxwin|bet|sbobet|rtp|pola)"
)
_ATTACK_TOOL_RE = compile_merged(b"|".join(re.escape(w.encode()) for w in rule_data.BAD_USER_AGENTS), re.I)
_GOOGLEBOT_RE = re.compile(rb"googlebot", re.I)
_CRAWLER_RE = compile_merged(
    rb"bot\b|bot/|crawl|spider|slurp|fetcher|feed|rss|atom|scrap|curl/|wget/|python|go-http|java/|"
    rb"libwww|httpclient|okhttp|axios|node-fetch|headless|facebookexternalhit|whatsapp|telegram|"
    rb"preview|monitor|uptime|pingdom|check|archiver|validator|^-?$",
    re.I,
)


#: A target (lower-cased) that none of these match has no TARGET_* flag (see classify_target).
HINT_PATTERNS = (_ANY_RULE_HINT_RE, _GAMBLING_RE, _DOORWAY_RE)
#: Nor has a target for which none of the tests of classify_target_full holds: (part of the
#: decoded target, "path" or "target", pattern, searched only at the start), besides the
#: file-name tests of scripts (a path whose extension is in SCRIPT_EXT has a flag from them only
#: when its file name without the extension is in BACKDOOR_FILE_NAMES, or when it is PHP, PHP_EXT,
#: and UPLOAD_DIR_RE finds its folder). For readers that run the tests another way.
FULL_TESTS = (
    ("path", _SENSITIVE_RE, False),
    ("target", _TRAVERSAL_RE, False),
    ("target", _SQLI_RE, False),
    ("target", _XSS_RE, False),
    ("target", _GAMBLING_RE, False),
    ("target", _DOORWAY_RE, False),
    ("path", _LOGIN_RE, True),
)


def _decode_path(raw: bytes) -> bytes:
    """Lower-cased path with percent-encoding undone twice (double-encoded attacks)."""
    text = raw
    for _unused in range(2):
        if b"%" not in text and b"+" not in text:
            break
        text = unquote_to_bytes(text.replace(b"+", b" "))
    return text.lower()


decode_target = _decode_path


def _extension(path: bytes) -> bytes:
    base = path.rsplit(b"/", 1)[-1]
    if b"." not in base:
        return b""
    return base.rsplit(b".", 1)[-1]


def split_target(target: bytes):
    """(path, query) of a request target, absolute-form URLs reduced to their path."""
    if target[:1] != b"/" and b"://" in target[:12]:
        rest = target.split(b"://", 1)[1]
        slash = rest.find(b"/")
        target = rest[slash:] if slash >= 0 else b"/"
    path, _unused, query = target.partition(b"?")
    return path, query


def classify_target(target: bytes) -> int:
    """Bit mask of TARGET_* flags for one request target (path with query)."""
    lowered = target.lower()
    if (
        not _ANY_RULE_HINT_RE.search(lowered)
        and not _GAMBLING_RE.search(lowered)
        and not ((b"?" in lowered or b"&" in lowered) and _DOORWAY_RE.search(lowered))  # [?&] first
    ):
        return 0  # cheap pre-filter: nothing any rule looks for
    return classify_target_full(target)


def classify_target_full(target: bytes) -> int:
    """classify_target without the pre-filter."""
    decoded = _decode_path(target)
    path, query = split_target(decoded)
    flags = 0
    if _SENSITIVE_RE.search(path):
        flags |= TARGET_SENSITIVE_FILE
    if _TRAVERSAL_RE.search(decoded):
        flags |= TARGET_TRAVERSAL
    if _SQLI_RE.search(decoded):
        flags |= TARGET_SQLI
    if _XSS_RE.search(decoded):
        flags |= TARGET_XSS
    ext = _extension(path)
    if ext in SCRIPT_EXT:
        base = path.rsplit(b"/", 1)[-1][: -len(ext) - 1]
        if base in BACKDOOR_FILE_NAMES:
            flags |= TARGET_BACKDOOR
        if ext in PHP_EXT and UPLOAD_DIR_RE.search(path):
            flags |= TARGET_UPLOADED_PHP
    if _GAMBLING_RE.search(decoded) or _DOORWAY_RE.search(decoded):
        flags |= TARGET_GAMBLING
    if _LOGIN_RE.match(path):
        flags |= TARGET_LOGIN
    return flags


def classify_user_agent(ua: bytes) -> int:
    """Bit mask of AGENT_* flags for one user agent."""
    flags = 0
    if _ATTACK_TOOL_RE.search(ua):
        flags |= AGENT_ATTACK_TOOL
    if _GOOGLEBOT_RE.search(ua):
        flags |= AGENT_GOOGLEBOT
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
