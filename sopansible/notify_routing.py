"""Which findings reach someone at once: the routing table of the notifications (one place).

Every rule id an engine, a role or the history store can put in a finding has a row here: the
severities it is emitted with and its default route. ``docs/notifications.md`` shows this table (the
unit tests compare the two, and fail when an engine emits a rule id that has no row).

Routes:

``alert``
    every channel, whatever the finding's severity;
``critical``
    every channel when the finding is critical, otherwise the report only. A rule id without a row
    (an engine newer than this table) is routed so too: a critical finding is never silent;
``high``
    every channel when the finding is high or critical (``cloaking``: a page shown only to Google is an
    attack when high, a page that merely differs is medium), otherwise the report only;
``renewal``
    every channel when the finding is critical or the item is due within ``renewal_days``;
``activity``
    told in the alert of its activity (``backup-failed`` when W2 ends ``failed`` or ``critical``,
    ``audit-failed`` for IT-AUDIT), which lists it; from another activity (e.g. a W6 diagnosis), as
    ``critical``;
``report``
    the report only.

A court or a central team changes a route in its notification settings (``routing:`` in
``notify.yml``): ``alert``, ``critical``, ``report``, or a list of channels (``[telegram,
webhook]``: alert on those channels only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ALERT = "alert"
CRITICAL = "critical"
HIGH = "high"
RENEWAL = "renewal"
ACTIVITY = "activity"
REPORT = "report"
ROUTES = (ALERT, CRITICAL, HIGH, RENEWAL, ACTIVITY, REPORT)
# The values a team may give a rule in notify.yml (renewal and activity are the table's own).
SETTABLE = (ALERT, CRITICAL, HIGH, REPORT)
CHANNELS = ("email", "telegram", "webhook")

# Problems the notifier reports for a whole activity: (activity, rule of the alert).
ACTIVITY_PROBLEMS = {"W2": "backup-failed", "IT-AUDIT": "audit-failed"}
# An activity that ended so has failed (a result "critical" because of its findings, or not run at all).
ACTIVITY_FAILED = ("failed", "critical")

INFO_ONLY = ("info",)
LOW_ONLY = ("low",)
MEDIUM_ONLY = ("medium",)
HIGH_ONLY = ("high",)
CRITICAL_ONLY = ("critical",)
BY_DAYS_LEFT = ("low", "medium", "high", "critical")  # renewals: by days (or share of the lifetime) left

# rule id: (severities it is emitted with, default route, what emits it)
ROUTING: dict[str, tuple[tuple[str, ...], str, str]] = {
    # W1 monitoring (site probe, content checks)
    "unavailable": (("high", "critical"), ALERT, "W1"),
    "defacement": (("high", "critical"), ALERT, "W1"),
    "gambling-spam": (("high", "critical"), ALERT, "W1, W6"),
    "hidden-links": (("medium", "critical"), CRITICAL, "W1"),
    "cloaking": (("medium", "high", "critical"), HIGH, "W1"),
    "tls-invalid": (CRITICAL_ONLY, CRITICAL, "W1"),
    "tls-expiring": (BY_DAYS_LEFT, RENEWAL, "W1, W4"),
    "tls-expired": (CRITICAL_ONLY, RENEWAL, "W4"),
    "keyword-missing": (HIGH_ONLY, REPORT, "W1"),
    "content-stale": (MEDIUM_ONLY, REPORT, "W1"),
    "unknown-links": (LOW_ONLY, REPORT, "W1"),
    "sitemap-new-entries": (("info", "high"), REPORT, "W1"),
    "robots-changed": (("low", "high"), REPORT, "W1"),
    # W2 backup
    "backup-failed": (
        ("high", "critical"),
        ALERT,
        "W2; the notifier's alert when W2 ends failed or critical",
    ),
    "backup-dump-failed": (CRITICAL_ONLY, ACTIVITY, "W2"),
    "backup-never-ran": (CRITICAL_ONLY, ACTIVITY, "W2"),
    "backup-rpo-exceeded": (HIGH_ONLY, ACTIVITY, "W2"),
    "backup-target-failed": (HIGH_ONLY, ACTIVITY, "W2"),
    "backup-stale": (("medium", "high"), ACTIVITY, "W2, W6"),
    "backup-missing": (MEDIUM_ONLY, ACTIVITY, "W6"),
    # W2 of a court on shared hosting (copied over SFTP/FTPS by the controller)
    "backup-hosting-pull-failed": (CRITICAL_ONLY, ACTIVITY, "W2"),
    "backup-hosting-no-access": (HIGH_ONLY, ACTIVITY, "W2"),
    "backup-hosting-no-database": (HIGH_ONLY, ACTIVITY, "W2"),
    "backup-hosting-dump-failed": (CRITICAL_ONLY, ACTIVITY, "W2"),
    "backup-hosting-dump-script-left": (CRITICAL_ONLY, ACTIVITY, "W2"),
    "hosting-limits": (INFO_ONLY, REPORT, "W2"),
    # W3 access logs
    "webshell-post": (CRITICAL_ONLY, CRITICAL, "W3"),
    "gambling-doorway": (CRITICAL_ONLY, CRITICAL, "W3"),
    "backdoor-access": (("medium", "critical"), CRITICAL, "W3"),
    "admin-bruteforce": (HIGH_ONLY, REPORT, "W3"),
    "sqli-probing": (HIGH_ONLY, REPORT, "W3"),
    "bad-user-agent": (HIGH_ONLY, REPORT, "W3"),
    "error-spike": (HIGH_ONLY, REPORT, "W3"),
    "campaign": (HIGH_ONLY, REPORT, "W3"),
    "path-traversal": (("medium", "high"), REPORT, "W3"),
    "sensitive-files": (("low", "medium", "high"), REPORT, "W3"),
    "http-probing": (MEDIUM_ONLY, REPORT, "W3"),
    "xss-probing": (MEDIUM_ONLY, REPORT, "W3"),
    "fake-googlebot": (MEDIUM_ONLY, REPORT, "W3"),
    "admin-interface-probing": (("medium", "high"), REPORT, "W3"),
    "scanner-signature": (MEDIUM_ONLY, REPORT, "W3"),
    "wordpress-plugin-scan": (MEDIUM_ONLY, REPORT, "W3"),
    "joomla-component-scan": (MEDIUM_ONLY, REPORT, "W3"),
    "wordpress-user-enumeration": (MEDIUM_ONLY, REPORT, "W3"),
    "wordpress-users-api": (("low", "medium"), REPORT, "W3"),
    "wordpress-xmlrpc-abuse": (HIGH_ONLY, REPORT, "W3"),
    "garbage-request": (LOW_ONLY, REPORT, "W3"),
    "spam-bot": (LOW_ONLY, REPORT, "W3"),
    "logs-hosting-pull-failed": (HIGH_ONLY, REPORT, "W3"),
    "logs-hosting-unavailable": (INFO_ONLY, REPORT, "W2, W3"),
    # one request is enough; critical (alerted) when the site answered it with 2xx
    "remote-file-inclusion": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-log4shell": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-thinkphp": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-phpunit": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-apache-traversal": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-ognl": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-shellshock": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-php-cgi": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-framework": (("medium", "critical"), CRITICAL, "W3"),
    "exploit-edge-device": (("medium", "critical"), CRITICAL, "W3"),
    # W4 renewals
    "domain-on-hold": (CRITICAL_ONLY, CRITICAL, "W4"),
    "domain-pending-delete": (CRITICAL_ONLY, CRITICAL, "W4"),
    "domain-expiring": (BY_DAYS_LEFT, RENEWAL, "W4"),
    "domain-expired": (CRITICAL_ONLY, RENEWAL, "W4"),
    "hosting-expiring": (BY_DAYS_LEFT, RENEWAL, "W4"),
    "hosting-expired": (CRITICAL_ONLY, RENEWAL, "W4"),
    "connection-expiring": (BY_DAYS_LEFT, RENEWAL, "W4"),
    "connection-expired": (CRITICAL_ONLY, RENEWAL, "W4"),
    "tls-chain-invalid": (HIGH_ONLY, REPORT, "W4"),
    "tls-hostname-mismatch": (HIGH_ONLY, REPORT, "W4"),
    "tls-unreachable": (MEDIUM_ONLY, REPORT, "W4"),
    "domain-lookup-failed": (MEDIUM_ONLY, REPORT, "W4"),
    "domain-lookup-rate-limited": (LOW_ONLY, REPORT, "W4"),
    "domain-expiry-unknown": (LOW_ONLY, REPORT, "W4"),
    "contract-invalid": (LOW_ONLY, REPORT, "W4"),
    # W6 diagnosis (W7 remediation re-checks with the same rules)
    "webserver-config-invalid": (CRITICAL_ONLY, CRITICAL, "W6"),
    "webserver-down": (CRITICAL_ONLY, CRITICAL, "W6"),
    "php-fpm-down": (CRITICAL_ONLY, CRITICAL, "W6"),
    "database-down": (CRITICAL_ONLY, CRITICAL, "W6"),
    "disk-full": (CRITICAL_ONLY, CRITICAL, "W6, IT-AUDIT"),
    "disk-full-logs": (CRITICAL_ONLY, CRITICAL, "W6, IT-AUDIT"),
    "inode-full": (HIGH_ONLY, REPORT, "W6, IT-AUDIT"),
    "certificate-expired": (CRITICAL_ONLY, CRITICAL, "W6"),
    "certificate-invalid": (CRITICAL_ONLY, CRITICAL, "W6"),
    "certificate-expiring": (MEDIUM_ONLY, REPORT, "W6"),
    "dns-mismatch": (CRITICAL_ONLY, CRITICAL, "W6"),
    "dns-unresolved": (CRITICAL_ONLY, CRITICAL, "W6"),
    "site-unreachable": (CRITICAL_ONLY, CRITICAL, "W6"),
    "vhost-unreachable": (HIGH_ONLY, REPORT, "W6"),
    "site-error": (CRITICAL_ONLY, CRITICAL, "W6"),
    "site-defaced": (CRITICAL_ONLY, CRITICAL, "W6"),
    "content-changed": (HIGH_ONLY, REPORT, "W6"),
    "updates-pending": (MEDIUM_ONLY, REPORT, "W6, IT-AUDIT"),
    "time-unsynced": (LOW_ONLY, REPORT, "W6"),
    "memory-low": (MEDIUM_ONLY, REPORT, "W6, IT-AUDIT"),
    "load-high": (MEDIUM_ONLY, REPORT, "W6, IT-AUDIT"),
    "units-failed": (MEDIUM_ONLY, REPORT, "W6, IT-AUDIT"),
    "hardening-drift": (LOW_ONLY, REPORT, "W6"),
    # IT-DRILL restore drill
    "restore-drill-failed": (CRITICAL_ONLY, CRITICAL, "IT-DRILL"),
    "restore-database-mismatch": (CRITICAL_ONLY, CRITICAL, "IT-DRILL"),
    "restore-files-mismatch": (CRITICAL_ONLY, CRITICAL, "IT-DRILL"),
    "restore-manifest-mismatch": (CRITICAL_ONLY, CRITICAL, "IT-DRILL"),
    "restore-site-down": (CRITICAL_ONLY, CRITICAL, "IT-DRILL"),
    "restore-setuid-removed": (HIGH_ONLY, REPORT, "IT-DRILL"),
    # IT-AUDIT hardening audit (a failed control; the audit alert lists the high and critical ones)
    "ssh-login-access": (CRITICAL_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-root-login": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-password-auth": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-empty-passwords": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-kbd-interactive": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-ciphers": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-kex": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-macs": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-x11-forwarding": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-max-auth-tries": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "ssh-log-level": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-file-permissions": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-sysctl-network": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-time-sync": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-unattended-upgrades": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-unneeded-services": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "os-login-audit": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "fw-nftables": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "fw-fail2ban-sshd": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "fw-fail2ban-web-login": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-server-tokens": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-header-hsts": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-header-nosniff": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-header-frame-options": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-header-referrer-policy": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-tls-protocols": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-dir-listing": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-sensitive-files": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-php-in-uploads": (CRITICAL_ONLY, ACTIVITY, "IT-AUDIT"),
    "web-login-rate-limit": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-expose": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-display-errors": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-allow-url-include": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-disable-functions": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-session-httponly": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-session-secure": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-session-samesite": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "php-session-strict-mode": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "cms-config-perms": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "cms-writable-paths": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "db-bind-address": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "db-remote-root": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "db-anonymous-users": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "db-test-database": (LOW_ONLY, ACTIVITY, "IT-AUDIT"),
    "db-local-infile": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    # IT-AUDIT application security (pn.website.appsec_audit)
    "software-eol": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "software-eol-soon": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "wordpress-extension-closed": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "webroot-webshell": (CRITICAL_ONLY, ACTIVITY, "IT-AUDIT"),
    "upload-php-file": (HIGH_ONLY, ACTIVITY, "IT-AUDIT"),
    "webroot-changed": (MEDIUM_ONLY, ACTIVITY, "IT-AUDIT"),
    "webroot-scan-incomplete": (LOW_ONLY, REPORT, "IT-AUDIT"),
    # the history store: a result that did not follow the SOP result format
    "result-invalid": (LOW_ONLY, REPORT, "store"),
    # the notifier's own alerts for a whole activity
    "audit-failed": (CRITICAL_ONLY, ALERT, "notifier: IT-AUDIT ended failed or critical"),
}
# Rules only the notifier emits (backup-failed is a W2 finding too; in W2 its alert is the activity's).
NOTIFIER_RULES = frozenset(("audit-failed",))


def default_route(rule: str) -> str:
    """The route of a rule without a setting: its row, or ``critical`` for a rule not in the table."""
    row = ROUTING.get(rule)
    return row[1] if row else CRITICAL


def parse_routing(data: object, where: str, error) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """``routing:`` of notify.yml -> {rule: (route, channels or None for every channel)}. ``error(where,
    text_id, text_en)`` builds the exception raised for a bad value."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise error(where, "harus mapping aturan -> rute", "must map rule ids to routes")
    out: dict[str, tuple[str, tuple[str, ...] | None]] = {}
    for rule, value in data.items():
        at = f"{where}.{rule}"
        if not isinstance(rule, str) or rule not in ROUTING:
            raise error(
                at,
                "aturan tidak dikenal (lihat tabel di docs/notifications.md)",
                "unknown rule id (see the table in docs/notifications.md)",
            )
        if isinstance(value, str) and value in SETTABLE:
            out[rule] = (value, None)
        elif isinstance(value, list) and value and all(v in CHANNELS for v in value):
            out[rule] = (ALERT, tuple(dict.fromkeys(value)))
        else:
            raise error(
                at,
                f"harus salah satu dari {', '.join(SETTABLE)} atau daftar kanal ({', '.join(CHANNELS)})",
                f"must be one of {', '.join(SETTABLE)} or a list of channels ({', '.join(CHANNELS)})",
            )
    return out


def alerts(
    rule: str,
    severity: str,
    activity: str,
    settings: Mapping[str, tuple[str, tuple[str, ...] | None]],
    due: bool = False,
) -> tuple[str, ...] | None:
    """The channels a finding alerts on (None: all configured channels), or ``()`` for the report only.
    ``due``: a renewal item within ``renewal_days``."""
    route, channels = settings.get(rule) or (default_route(rule), None)
    if route == ACTIVITY:
        route = REPORT if activity in ACTIVITY_PROBLEMS else CRITICAL
    if route == RENEWAL:
        route = ALERT if due or severity == "critical" else REPORT
    if route == CRITICAL:
        route = ALERT if severity == "critical" else REPORT
    if route == HIGH:
        route = ALERT if severity in ("high", "critical") else REPORT
    return channels if route == ALERT else ()


_ROUTE_TEXT = {
    ALERT: "all channels",
    CRITICAL: "all channels when critical; otherwise report only",
    HIGH: "all channels when high or critical; otherwise report only",
    RENEWAL: "all channels when critical or due within `renewal_days`",
    ACTIVITY: "in its activity's alert (`backup-failed`, `audit-failed`)",
    REPORT: "report only",
}


def markdown_table(rows: Iterable[str] | None = None) -> str:
    """The routing table as docs/notifications.md shows it (rule id, severity, channel, source)."""
    lines = [
        "| finding (rule id) | severity | channel by default | emitted by |",
        "|---|---|---|---|",
    ]
    for rule in sorted(rows if rows is not None else ROUTING):
        severities, route, source = ROUTING[rule]
        lines.append(f"| `{rule}` | {', '.join(severities)} | {_ROUTE_TEXT[route]} | {source} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m sopansible.notify_routing: the table for docs/notifications.md
    print(markdown_table(), end="")
