"""Alternatives (Alternatif pemecahan masalah) for a finding, chosen by its exact rule id.

A rule id listed here gets its topic's advice (texts in :data:`sopansible.report.texts.ADVICE`); any
other rule gets the generic advice (follow it up under W6/W7), so a new rule gets specific advice only
when it is added here. ``tests/unit/test_report_advice.py`` lists the rule ids the engines, the roles
and the store emit and checks that each is either listed here or deliberately left generic.
"""

from __future__ import annotations

from sopansible.report.texts import ADVICE as TEXTS
from sopansible.report.texts import ADVICE_GENERIC, ADVICE_UNREACHABLE

# topic -> rule ids. Besides the engines' rule ids: "site-down", "backup", "attack", "renew" and
# "restore" are what an activity that is not ok but has no finding of its own falls back to
# (sopansible.report.activities).
_RULES_BY_TOPIC: dict[str, tuple[str, ...]] = {
    "defacement": (
        "defacement",
        "site-defaced",
    ),
    "gambling": (
        "cloaking",
        "gambling-doorway",
        "gambling-spam",
        "hidden-links",
    ),
    "webshell": (
        "backdoor-access",
        "upload-php-file",
        "web-php-in-uploads",
        "webroot-changed",
        "webroot-webshell",
        "webshell-post",
    ),
    "login": (
        "admin-bruteforce",
        "fw-fail2ban-web-login",
        "os-login-audit",
        "ssh-login-access",
        "ssh-root-login",
        "web-login-rate-limit",
        "wordpress-user-enumeration",
        "wordpress-users-api",
        "wordpress-xmlrpc-abuse",
    ),
    "attack": (
        "admin-interface-probing",
        "attack",
        "bad-user-agent",
        "fake-googlebot",
        "garbage-request",
        "http-probing",
        "joomla-component-scan",
        "path-traversal",
        "scanner-signature",
        "spam-bot",
        "sqli-probing",
        "wordpress-plugin-scan",
        "xss-probing",
    ),
    "exploit": (
        "exploit-apache-traversal",
        "exploit-edge-device",
        "exploit-framework",
        "exploit-log4shell",
        "exploit-ognl",
        "exploit-php-cgi",
        "exploit-phpunit",
        "exploit-shellshock",
        "exploit-thinkphp",
        "remote-file-inclusion",
    ),
    "content": (
        "content-changed",
        "content-stale",
    ),
    "tls": (
        "certificate-expired",
        "certificate-expiring",
        "certificate-invalid",
        "tls-chain-invalid",
        "tls-expired",
        "tls-expiring",
        "tls-hostname-mismatch",
        "tls-invalid",
        "tls-unreachable",
        "web-tls-protocols",
    ),
    "renewal": (
        "connection-expired",
        "connection-expiring",
        "domain-expired",
        "domain-expiring",
        "domain-expiry-unknown",
        "domain-lookup-failed",
        "domain-lookup-rate-limited",
        "domain-on-hold",
        "domain-pending-delete",
        "hosting-expired",
        "hosting-expiring",
        "renew",
    ),
    "unavailable": (
        "database-down",
        "dns-mismatch",
        "dns-unresolved",
        "keyword-missing",
        "php-fpm-down",
        "restore-site-down",
        "site-down",
        "site-unreachable",
        "unavailable",
        "vhost-unreachable",
        "webserver-down",
    ),
    "backup": (
        "backup",
        "backup-dump-failed",
        "backup-failed",
        "backup-missing",
        "backup-never-ran",
        "backup-rpo-exceeded",
        "backup-stale",
        "backup-target-failed",
        "restore",
        "restore-database-mismatch",
        "restore-drill-failed",
        "restore-files-mismatch",
        "restore-manifest-mismatch",
        "restore-setuid-removed",
    ),
    "hosting-dump": (
        "backup-hosting-dump-failed",
        "backup-hosting-dump-script-left",
    ),
    "shared-hosting": (
        "backup-hosting-no-access",
        "backup-hosting-no-database",
        "backup-hosting-pull-failed",
        "hosting-limits",
        "logs-hosting-pull-failed",
        "logs-hosting-unavailable",
    ),
    "updates": (
        "cms-config-perms",
        "cms-writable-paths",
        "os-unattended-upgrades",
        "php-allow-url-include",
        "php-disable-functions",
        "php-display-errors",
        "php-expose",
        "php-session-httponly",
        "php-session-samesite",
        "php-session-secure",
        "php-session-strict-mode",
        "software-eol",
        "software-eol-soon",
        "updates-pending",
        "wordpress-extension-closed",
    ),
    "hardening": (
        "db-anonymous-users",
        "db-bind-address",
        "db-local-infile",
        "db-remote-root",
        "db-test-database",
        "fw-fail2ban-sshd",
        "fw-nftables",
        "hardening-drift",
        "os-file-permissions",
        "os-sysctl-network",
        "os-unneeded-services",
        "ssh-ciphers",
        "ssh-empty-passwords",
        "ssh-kbd-interactive",
        "ssh-kex",
        "ssh-log-level",
        "ssh-macs",
        "ssh-max-auth-tries",
        "ssh-password-auth",
        "ssh-x11-forwarding",
        "web-dir-listing",
        "web-header-frame-options",
        "web-header-hsts",
        "web-header-nosniff",
        "web-header-referrer-policy",
        "web-sensitive-files",
        "web-server-tokens",
        "webserver-config-invalid",
    ),
    "server": (
        "disk-full",
        "disk-full-logs",
        "inode-full",
        "load-high",
        "memory-low",
        "units-failed",
    ),
}
#: rule id -> advice topic
ADVICE: dict[str, str] = {rule: topic for topic, rules in _RULES_BY_TOPIC.items() for rule in rules}


def _pick(texts: tuple[str, str], lang: str) -> str:
    return texts[1] if lang == "en" else texts[0]


def advice(rule: str, lang: str) -> str:
    """The advice for a finding with this rule id; the generic advice for a rule not listed."""
    topic = ADVICE.get(rule)
    return _pick(TEXTS[topic] if topic else ADVICE_GENERIC, lang)


def unreachable_advice(lang: str) -> str:
    """The advice for an activity that failed or could not reach the server."""
    return _pick(ADVICE_UNREACHABLE, lang)
