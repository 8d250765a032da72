# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SOP W4: renewal of the connection, hosting and domain-name services of a court.

One engine for the ``pn.website.renewal_check`` module and ``sopansible renewals``. For one
court it reads

* the domain registration (RDAP / WHOIS, see ``domain_expiry``),
* the TLS certificate of every host name served (``court_hostnames``, see ``tls_check``),
* the contracts in ``court_services`` (``kind``: domain, hosting or connection; ``paid_until``),

and turns them into items, each with the date, the days left, what to do and whom to contact
(the contract's ``contact``, else ``court_contacts.third_parties`` by role), in Indonesian or
English.

Notification thresholds (days before the date, default 90/60/30/14/7, per court
``court_renewal_thresholds_days``) are reported once: a small state dict, per court per item,
remembers the last threshold notified and the date it applied to. When the date moves (the
service was renewed) the item re-arms. TLS certificates use the proportional levels of
``tls_check`` (warning, critical, expired) through the same state.

State layout::

    {"<court>": {"<item id>": {"level": 30, "label": "30", "date": "2026-12-01",
                               "notified_on": "2026-11-01"}}}

Standard library only.
"""

# Python 3.8 compatibility: no datetime.UTC (3.11), socket.timeout is not TimeoutError before 3.10.

from __future__ import annotations

import copy
import datetime
import json
import os
import re

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

from ansible_collections.pn.website.plugins.module_utils.renewals import (
    domain_expiry,
    renewal_workflow,
    tls_check,
)
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as sr

ACTIVITY = "W4"
DEFAULT_THRESHOLDS = (90, 60, 30, 14, 7)
KINDS = ("domain", "hosting", "connection")
#: The W4 checks a run can choose (``check_options``).
CHECKS = ("domain", "tls", "contracts")
TLS_LEVELS = {"warning": 2, "critical": 1, "expired": 0}
EXPIRED_LEVEL = -1
# Third-party roles (court_contract.CONTACT_ROLES) to ask, per item kind, in order.
CONTACT_ROLES = {
    "domain": ("domain_manager", "registrar"),
    "hosting": ("hosting", "maintenance", "vendor"),
    "connection": ("isp",),
    "tls": ("hosting", "maintenance", "vendor"),
}

_TEXT = {
    "kind.domain": ("nama domain", "domain name"),
    "kind.hosting": ("hosting", "hosting"),
    "kind.connection": ("koneksi internet", "internet connection"),
    "nobody": (
        "penanggung jawab layanan (belum tercatat di inventaris)",
        "the service owner (not recorded in the inventory)",
    ),
    "domain.expiring": (
        "Nama domain {name} habis masa berlakunya pada {date} ({days} hari lagi).",
        "Domain name {name} expires on {date} ({days} days left).",
    ),
    "domain.expired": (
        "Nama domain {name} sudah habis masa berlakunya sejak {date} ({ago} hari lalu).",
        "Domain name {name} expired on {date} ({ago} days ago).",
    ),
    "domain.hold": (
        "Nama domain {name} berstatus {status}: domain ditangguhkan dan situs tidak dapat diakses.",
        "Domain name {name} is on hold ({status}): the domain is suspended and the site cannot be reached.",
    ),
    "domain.deleting": (
        "Nama domain {name} berstatus {status}: domain akan dihapus bila tidak segera ditebus.",
        "Domain name {name} is in {status}: it will be deleted unless it is redeemed now.",
    ),
    "domain.lookup_failed": (
        "Data pendaftaran domain {name} tidak dapat dibaca dari {source} ({error}).",
        "The registration data of {name} could not be read from {source} ({error}).",
    ),
    "domain.rate_limited": (
        "Layanan {source} membatasi permintaan (HTTP 429) untuk {name}; coba lagi setelah {retry} detik.",
        "{source} rate-limited the lookup of {name} (HTTP 429); retry after {retry} seconds.",
    ),
    "domain.no_expiry": (
        "Registri tidak mencantumkan tanggal kedaluwarsa nama domain {name}.",
        "The registry does not publish an expiry date for {name}.",
    ),
    "tls.expiring": (
        "Sertifikat TLS {host} berakhir pada {date} ({days} hari lagi dari masa berlaku {lifetime} hari).",
        "The TLS certificate of {host} expires on {date} ({days} days left of a {lifetime}-day lifetime).",
    ),
    "tls.expired": (
        "Sertifikat TLS {host} sudah kedaluwarsa sejak {date}; pengunjung melihat peringatan keamanan.",
        "The TLS certificate of {host} expired on {date}; visitors see a security warning.",
    ),
    "tls.mismatch": (
        "Sertifikat TLS yang dipasang untuk {host} tidak berlaku untuk nama itu (berlaku untuk: {names}).",
        "The TLS certificate served for {host} is not valid for that name (valid for: {names}).",
    ),
    "tls.chain": (
        "Rantai sertifikat TLS {host} tidak tepercaya: {error}.",
        "The TLS certificate chain of {host} is not trusted: {error}.",
    ),
    "tls.unreachable": (
        "Sertifikat TLS {host} tidak dapat diperiksa ({error}: {detail}).",
        "The TLS certificate of {host} could not be checked ({error}: {detail}).",
    ),
    "contract.expiring": (
        "Layanan {kind} {service} dari {provider} dibayar sampai {date} ({days} hari lagi).",
        "The {kind} service {service} from {provider} is paid until {date} ({days} days left).",
    ),
    "contract.expired": (
        "Layanan {kind} {service} dari {provider} sudah lewat masa bayar sejak {date} ({ago} hari lalu).",
        "The {kind} service {service} from {provider} ran out on {date} ({ago} days ago).",
    ),
    "contract.invalid": (
        "Data kontrak {where} tidak dapat dibaca: {problem}.",
        "Contract data {where} cannot be read: {problem}.",
    ),
    "action.domain": (
        "Perpanjang nama domain {name} sebelum {date}: minta tagihan (invoice) kepada {contact}, "
        "ajukan pembayaran melalui Kasubbag Umum dan Keuangan dan laporkan kepada Sekretaris{sek}.",
        "Renew the domain name {name} before {date}: request the invoice from {contact}, have it paid "
        "through the finance section (Kasubbag Umum dan Keuangan) and report to the Secretary{sek}.",
    ),
    "action.domain_hold": (
        "Segera hubungi {contact} dan registri .id (PANDI) untuk mengetahui alasan penangguhan, lunasi "
        "tagihan yang tertunggak dan minta status {status} dicabut; laporkan kepada Sekretaris{sek}.",
        "Contact {contact} and the .id registry (PANDI) now to learn why the domain is on hold, pay "
        "what is overdue and have the {status} status lifted; report to the Secretary{sek}.",
    ),
    "action.domain_lookup": (
        "Periksa tanggal kedaluwarsa domain secara manual (RDAP/WHOIS PANDI) atau ulangi pemeriksaan nanti; "
        "bila perlu tanyakan kepada {contact}.",
        "Check the domain expiry by hand (PANDI RDAP/WHOIS) or run the check again later; "
        "ask {contact} if needed.",
    ),
    "action.hosting": (
        "Perpanjang layanan hosting {service} di {provider} sebelum {date}{invoice}: hubungi {contact}, "
        "ajukan pembayaran melalui Kasubbag Umum dan Keuangan dan laporkan kepada Sekretaris{sek}.",
        "Renew the hosting service {service} at {provider} before {date}{invoice}: contact {contact}, "
        "have it paid through the finance section and report to the Secretary{sek}.",
    ),
    "action.connection": (
        "Perpanjang layanan koneksi internet {service} dari {provider} (ISP) sebelum {date}{invoice}: "
        "hubungi {contact}, ajukan pembayaran melalui Kasubbag Umum dan Keuangan dan laporkan kepada "
        "Sekretaris{sek}.",
        "Renew the internet connection {service} from {provider} (ISP) before {date}{invoice}: contact "
        "{contact}, have it paid through the finance section and report to the Secretary{sek}.",
    ),
    "action.contract_domain": (
        "Perpanjang kontrak nama domain {service} di {provider} sebelum {date}{invoice}: hubungi {contact}, "
        "ajukan pembayaran melalui Kasubbag Umum dan Keuangan dan laporkan kepada Sekretaris{sek}.",
        "Renew the domain contract {service} at {provider} before {date}{invoice}: contact {contact}, "
        "have it paid through the finance section and report to the Secretary{sek}.",
    ),
    "action.tls": (
        "Perbarui sertifikat TLS untuk {host} sebelum {date}: periksa pembaruan otomatis (certbot/ACME) "
        "di server web atau minta penyedia hosting memperbaruinya; hubungi {contact}.",
        "Renew the TLS certificate of {host} before {date}: check the automatic renewal (certbot/ACME) "
        "on the web server or ask the hosting provider to renew it; contact {contact}.",
    ),
    "action.tls_mismatch": (
        "Pasang sertifikat yang mencakup {host} (tambahkan nama itu ke sertifikat) atau perbaiki konfigurasi "
        "virtual host; hubungi {contact}.",
        "Install a certificate that covers {host} (add the name to the certificate) or fix the virtual "
        "host configuration; contact {contact}.",
    ),
    "action.tls_chain": (
        "Pasang rantai sertifikat lengkap (fullchain) dari penerbit tepercaya; hubungi {contact}.",
        "Install the full certificate chain from a trusted issuer; contact {contact}.",
    ),
    "action.tls_unreachable": (
        "Pastikan {host} dapat diakses melalui HTTPS (port {port}); hubungi {contact}.",
        "Make sure {host} answers HTTPS on port {port}; contact {contact}.",
    ),
    "action.contract_invalid": (
        "Perbaiki data {where} di inventaris (tanggal berformat YYYY-MM-DD).",
        "Fix {where} in the inventory (dates as YYYY-MM-DD).",
    ),
    "invoice": (" (tagihan {invoice}{cost})", " (invoice {invoice}{cost})"),
    "cost": (", biaya {cost}", ", cost {cost}"),
    "summary.ok": (
        "{count} layanan diperiksa (domain, sertifikat TLS, hosting, koneksi); tidak ada yang perlu "
        "diperpanjang dalam {horizon} hari.{nearest}",
        "{count} services checked (domain, TLS certificates, hosting, connection); nothing to renew "
        "within {horizon} days.{nearest}",
    ),
    "summary.nearest": (
        " Terdekat: {name} pada {date} ({days} hari lagi).",
        " Next: {name} on {date} ({days} days).",
    ),
    "summary.problems": (
        "{count} layanan diperiksa; {problems} perlu tindakan: {first}",
        "{count} services checked; {problems} need action: {first}",
    ),
    "summary.more": (" (dan {more} temuan lainnya)", " (and {more} more findings)"),
}


def text(key: str, lang: str = "id", **values) -> str:
    pair = _TEXT[key]
    return (pair[1] if lang == "en" else pair[0]).format(**values)


# --------------------------------------------------------------------------- thresholds and state


def normalize_thresholds(value: object) -> list:
    """Positive whole days, largest first. None -> the defaults. Raises ValueError when invalid."""
    if value is None:
        return list(DEFAULT_THRESHOLDS)
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"court_renewal_thresholds_days must be a non-empty list of days, not {value!r}")
    days = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not str(item).strip().isdigit():
            raise ValueError(f"court_renewal_thresholds_days: {item!r} is not a whole number of days")
        if int(item) <= 0:
            raise ValueError(f"court_renewal_thresholds_days: {item!r} must be positive")
        days.add(int(item))
    return sorted(days, reverse=True)


def crossed_threshold(days_left: int, thresholds: list) -> int | None:
    """The most urgent threshold reached: the smallest threshold >= days_left; -1 once expired."""
    if days_left < 0:
        return EXPIRED_LEVEL
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


def severity_for_days(days_left: int) -> str:
    if days_left < 0 or days_left <= 7:
        return "critical"
    if days_left <= 14:
        return "high"
    if days_left <= 30:
        return "medium"
    return "low"


def decide(court_state: dict, item_id: str, level: int | None, date: str, label: str, today: str) -> bool:
    """Update ``court_state`` for one item; True when this level must be notified now.

    An entry applies to one date; when the date changes (renewed, or corrected) it re-arms.
    A level is notified when nothing was notified for this date yet or when it is more urgent
    (lower) than the last one notified.
    """
    entry = court_state.get(item_id)
    if entry is not None and (not isinstance(entry, dict) or entry.get("date") != date):
        entry = None
    if level is None:
        court_state.pop(item_id, None)
        return False
    last = entry.get("level") if entry else None
    if isinstance(last, int) and not isinstance(last, bool) and level >= last:
        court_state[item_id] = entry
        return False
    court_state[item_id] = {"level": level, "label": label, "date": date, "notified_on": today}
    return True


def load_state(path: str) -> dict:
    """Read the state file; a missing or unreadable file is an empty state."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_court_state(path: str, court: str, court_state: dict) -> dict:
    """Replace one court's part of the state file under an exclusive lock; return the whole state.

    Several courts of a fleet run may finish at the same time on one controller, so the file is
    read, updated and replaced while holding ``<path>.lock``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path + ".lock", "a", encoding="utf-8") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            state = load_state(path)
            if court_state:
                state[court] = court_state
            else:
                state.pop(court, None)
            tmp = f"{path}.tmp.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=2, sort_keys=True)
                handle.write("\n")
            os.replace(tmp, path)
        finally:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return state


# --------------------------------------------------------------------------- inventory data


def parse_date(value: object) -> datetime.date:
    """YYYY-MM-DD (string or date) -> date. Raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        return datetime.datetime.strptime(value.strip(), "%Y-%m-%d").date()
    raise ValueError(f"{value!r} is not a date YYYY-MM-DD")


def _slug(value: object) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", str(value or "").lower()).strip("-") or "-"


def contact_text(contact: dict | None, lang: str = "id") -> str:
    if not contact:
        return text("nobody", lang)
    name = contact.get("name") or contact.get("role") or "?"
    details = [str(contact[k]) for k in ("email", "phone") if contact.get(k)]
    return "{} ({})".format(name, ", ".join(details)) if details else str(name)


def find_contact(kind: str, court: dict, service: dict | None = None) -> dict | None:
    """The service's own contact, else a third party with a matching role, else the IT staff."""
    if service and isinstance(service.get("contact"), dict) and service["contact"]:
        found = dict(service["contact"])
        found.setdefault("name", service.get("provider"))
        found["source"] = "court_services"
        found.setdefault("role", "provider")
        return found
    contacts = court.get("court_contacts") if isinstance(court.get("court_contacts"), dict) else {}
    parties = [p for p in contacts.get("third_parties") or [] if isinstance(p, dict)]
    for role in CONTACT_ROLES.get(kind, ()):
        for party in parties:
            if str(party.get("role", "")).lower() == role:
                found = dict(party)
                found["source"] = "court_contacts.third_parties"
                return found
    if service and service.get("provider"):
        return {"name": service["provider"], "role": "provider", "source": "court_services"}
    staff = [p for p in contacts.get("it_staff") or [] if isinstance(p, dict)]
    if kind == "tls" and staff:
        found = dict(staff[0])
        found["role"] = "it_staff"
        found["source"] = "court_contacts.it_staff"
        return found
    return None


def contract_item_id(service: dict) -> str:
    """The id of a ``court_services`` entry's item (``kind:provider:service``), as reports and the W4
    workflow name it."""
    kind = str(service.get("kind") or "")
    return "{}:{}:{}".format(
        _slug(kind), _slug(service.get("provider") or "-"), _slug(service.get("service") or kind)
    )


def _services(court: dict) -> list:
    services = court.get("court_services")
    return services if isinstance(services, list) else []


def _sekretaris(court: dict) -> str:
    contacts = court.get("court_contacts") if isinstance(court.get("court_contacts"), dict) else {}
    sek = contacts.get("sekretaris") if isinstance(contacts.get("sekretaris"), dict) else {}
    return " ({})".format(sek["name"]) if sek.get("name") else ""


# --------------------------------------------------------------------------- the check


class _Run:
    def __init__(self, court_id, court, state, today, lang, thresholds):
        self.court_id = court_id
        self.court = court
        self.today = today
        self.lang = lang
        self.thresholds = thresholds
        self.court_state = copy.deepcopy((state or {}).get(court_id) or {})
        self.known = set()
        self.touched = set()  # problem keys ("item#problem") seen in this run
        self.unevaluated = set()  # items whose lookup failed: keep what was notified
        self.items = []
        self.findings = []
        self.workflow = {}  # {item id: renewal steps recorded by people, oldest first}

    def t(self, key, **values):
        return text(key, self.lang, **values)

    def add_item(self, item):
        self.known.add(item["id"])
        self.items.append(item)
        return item

    def finding(self, rule, severity, message, item, action, contact, notify, evidence):
        self.findings.append(
            sr.finding(
                rule, severity, message, evidence, item=item, action=action, contact=contact, notify=notify
            )
        )

    def once(self, key, fingerprint):
        """Notify a non-dated problem once per fingerprint (e.g. the certificate serial)."""
        self.touched.add(key)
        return decide(self.court_state, key, 0, str(fingerprint), "problem", self.today.isoformat())

    def dated(self, item_id, date, days_left):
        level = crossed_threshold(days_left, self.thresholds)
        label = "expired" if level == EXPIRED_LEVEL else (str(level) if level is not None else None)
        notify = decide(self.court_state, item_id, level, date.isoformat(), label, self.today.isoformat())
        return level, label, notify


def _domain_check(run: _Run, options: dict, lookup: dict | None) -> dict | None:
    domain = run.court.get("court_domain")
    if not domain or not isinstance(domain, str):
        return None
    domain = domain.lower().rstrip(".")
    item_id = "domain:" + domain
    service = next(
        (s for s in _services(run.court) if isinstance(s, dict) and s.get("kind") == "domain"), None
    )
    contact = find_contact("domain", run.court, service)
    who = contact_text(contact, run.lang)
    sek = _sekretaris(run.court)
    if lookup is None:
        lookup = domain_expiry.lookup_domain(
            domain,
            bootstrap=options.get("bootstrap"),
            rdap_overrides=options.get("rdap_overrides"),
            whois_servers=options.get("whois_servers"),
            iana_whois=options.get("iana_whois", domain_expiry.IANA_WHOIS),
            timeout=options.get("timeout", domain_expiry.DEFAULT_TIMEOUT),
            bootstrap_loader=options.get("bootstrap_loader"),
        )
    item = run.add_item(
        {
            "id": item_id,
            "kind": "domain",
            "name": domain,
            "date": None,
            "days_left": None,
            "threshold": None,
            "status": "ok",
            "action": None,
            "contact": contact,
            "source": lookup.get("source"),
            "registrar": lookup.get("registrar"),
            "domain_status": lookup.get("status") or [],
            "nameservers": lookup.get("nameservers") or [],
        }
    )
    evidence = {
        k: lookup.get(k)
        for k in (
            "source",
            "server",
            "expires",
            "registered",
            "last_changed",
            "registrar",
            "status",
            "nameservers",
        )
    }
    if not lookup.get("ok"):
        item["status"] = "unknown"
        run.unevaluated.add(item_id)
        source = lookup.get("server") or lookup.get("source")
        if lookup.get("error") == "rate_limited":
            retry = lookup.get("retry_after")
            message = run.t("domain.rate_limited", name=domain, source=source, retry=retry if retry else "?")
            rule, severity = "domain-lookup-rate-limited", "low"
        else:
            message = run.t("domain.lookup_failed", name=domain, source=source, error=lookup.get("error"))
            rule, severity = "domain-lookup-failed", "medium"
        action = run.t("action.domain_lookup", contact=who)
        item["action"] = action
        evidence.update({"error": lookup.get("error"), "detail": lookup.get("detail")})
        evidence["retry_after"] = lookup.get("retry_after")
        run.finding(rule, severity, message, item_id, action, contact, False, evidence)
        return lookup
    statuses = lookup.get("status") or []
    held = [s for s in statuses if s in domain_expiry.HOLD_STATUSES]
    deleting = [s for s in statuses if s in domain_expiry.DELETION_STATUSES]
    if held or deleting:
        status = ", ".join(held + deleting)
        key = "domain.hold" if held else "domain.deleting"
        action = run.t("action.domain_hold", contact=who, status=status, sek=sek)
        item["status"] = "critical"
        item["action"] = action
        notify = run.once(item_id + "#status", status)
        run.finding(
            "domain-on-hold" if held else "domain-pending-delete",
            "critical",
            run.t(key, name=domain, status=status),
            item_id,
            action,
            contact,
            notify,
            evidence,
        )
    expires = domain_expiry.parse_datetime(lookup.get("expires"))
    if expires is None:
        run.finding(
            "domain-expiry-unknown",
            "low",
            run.t("domain.no_expiry", name=domain),
            item_id,
            None,
            contact,
            False,
            evidence,
        )
        return lookup
    date = expires.date()
    days_left = (date - run.today).days
    item["date"] = date.isoformat()
    item["days_left"] = days_left
    level, label, notify = run.dated(item_id, date, days_left)
    item["threshold"] = label
    if level is None:
        return lookup
    severity = severity_for_days(days_left)
    action = run.t("action.domain", name=domain, date=date.isoformat(), contact=who, sek=sek)
    if item["status"] != "critical":
        item["status"] = sr.severity_status(severity)
    item["action"] = item["action"] or action
    if days_left < 0:
        message = run.t("domain.expired", name=domain, date=date.isoformat(), ago=-days_left)
        rule = "domain-expired"
    else:
        message = run.t("domain.expiring", name=domain, date=date.isoformat(), days=days_left)
        rule = "domain-expiring"
    evidence["threshold_days"] = label
    run.finding(rule, severity, message, item_id, action, contact, notify, evidence)
    return lookup


def _tls_checks(run: _Run, options: dict, results: list | None) -> list:
    hosts = run.court.get("court_hostnames")
    if not isinstance(hosts, list) or not hosts:
        hosts = [run.court["court_domain"]] if isinstance(run.court.get("court_domain"), str) else []
    if results is None:
        resolve = tls_check.parse_resolve(run.court.get("court_probe_resolve") or [])
        results = tls_check.check_hosts(
            [str(h) for h in hosts],
            port=options.get("tls_port", 443),
            resolve=resolve,
            ca_file=options.get("tls_ca_file"),
            timeout=options.get("timeout", tls_check.DEFAULT_TIMEOUT),
            now=options.get("now"),
        )
    hosting = next(
        (s for s in _services(run.court) if isinstance(s, dict) and s.get("kind") == "hosting"), None
    )
    contact = find_contact("tls", run.court, hosting)
    who = contact_text(contact, run.lang)
    for res in results:
        host = res["host"]
        item_id = "tls:" + host
        item = run.add_item(
            {
                "id": item_id,
                "kind": "tls",
                "name": host,
                "date": res["not_after"][:10] if res.get("not_after") else None,
                "days_left": int(res["days_left"] // 1) if res.get("days_left") is not None else None,
                "threshold": None,
                "status": "ok",
                "action": None,
                "contact": contact,
                "issuer": res.get("issuer"),
                "lifetime_days": res.get("lifetime_days"),
            }
        )
        evidence = {
            k: res.get(k)
            for k in (
                "address",
                "port",
                "subject",
                "issuer",
                "serial",
                "not_before",
                "not_after",
                "dns_names",
                "days_left",
                "lifetime_days",
                "warning_at_days",
                "critical_at_days",
                "chain_valid",
                "chain_error",
                "hostname_valid",
                "protocol",
            )
        }
        if not res.get("ok"):
            item["status"] = "unknown"
            run.unevaluated.add(item_id)
            action = run.t("action.tls_unreachable", host=host, port=res.get("port"), contact=who)
            item["action"] = action
            evidence.update({"error": res.get("error"), "detail": res.get("detail")})
            message = run.t("tls.unreachable", host=host, error=res.get("error"), detail=res.get("detail"))
            run.finding("tls-unreachable", "medium", message, item_id, action, contact, False, evidence)
            continue
        problems = []
        if res.get("hostname_valid") is False:
            action = run.t("action.tls_mismatch", host=host, contact=who)
            names = ", ".join(res.get("dns_names") or []) or "-"
            problems.append(
                (
                    "tls-hostname-mismatch",
                    "high",
                    run.t("tls.mismatch", host=host, names=names),
                    action,
                    "#name",
                )
            )
        if res.get("chain_valid") is False:
            action = run.t("action.tls_chain", contact=who)
            problems.append(
                (
                    "tls-chain-invalid",
                    "high",
                    run.t("tls.chain", host=host, error=res.get("chain_error")),
                    action,
                    "#chain",
                )
            )
        for rule, severity, message, action, suffix in problems:
            item["status"] = "warning"
            item["action"] = item["action"] or action
            notify = run.once(item_id + suffix, res.get("serial"))
            run.finding(rule, severity, message, item_id, action, contact, notify, evidence)
        level_name = res.get("level")
        level = TLS_LEVELS.get(level_name)
        date = res["not_after"]
        notify = decide(run.court_state, item_id, level, date, level_name, run.today.isoformat())
        item["threshold"] = level_name if level is not None else None
        if level is None:
            continue
        action = run.t("action.tls", host=host, date=date[:10], contact=who)
        item["action"] = action if level_name != "warning" or not item["action"] else item["action"]
        if level_name == "expired":
            rule, severity = "tls-expired", "critical"
            message = run.t("tls.expired", host=host, date=date[:10])
        else:
            rule = "tls-expiring"
            severity = "critical" if level_name == "critical" else "medium"
            message = run.t(
                "tls.expiring",
                host=host,
                date=date[:10],
                days=int(res["days_left"] // 1),
                lifetime=int(round(res["lifetime_days"])),
            )
        item["status"] = _worse(item["status"], sr.severity_status(severity))
        run.finding(rule, severity, message, item_id, action, contact, notify, evidence)
    return results


def _contract_checks(run: _Run) -> list:
    rows = []
    sek = _sekretaris(run.court)
    for index, service in enumerate(_services(run.court)):
        where = f"court_services[{index}]"
        if not isinstance(service, dict):
            run.finding(
                "contract-invalid",
                "low",
                run.t(
                    "contract.invalid",
                    where=where,
                    problem="bukan dict" if run.lang == "id" else "not a dict",
                ),
                where,
                run.t("action.contract_invalid", where=where),
                None,
                False,
                {"index": index},
            )
            continue
        kind = str(service.get("kind") or "")
        provider = service.get("provider") or "-"
        name = service.get("service") or kind
        item_id = contract_item_id(service)
        contact = find_contact(kind, run.court, service)
        who = contact_text(contact, run.lang)
        steps = run.workflow.get(item_id) or []
        try:
            if kind not in KINDS:
                raise ValueError("kind {!r} is not one of {}".format(kind, ", ".join(KINDS)))
            # The inventory's date is the starting point; a renewal recorded since (W4 workflow) moves it.
            inventory_date = None
            if service.get("paid_until") not in (None, "") or not steps:
                inventory_date = parse_date(service.get("paid_until"))
            date, source = renewal_workflow.paid_until(inventory_date, steps)
            if date is None:
                raise ValueError("paid_until is missing")
        except ValueError as exc:
            action = run.t("action.contract_invalid", where=where)
            run.finding(
                "contract-invalid",
                "low",
                run.t("contract.invalid", where=where, problem=exc),
                where,
                action,
                contact,
                False,
                {"index": index, "paid_until": str(service.get("paid_until"))},
            )
            continue
        days_left = (date - run.today).days
        level, label, notify = run.dated(item_id, date, days_left)
        cost = run.t("cost", cost=service["cost"]) if service.get("cost") not in (None, "") else ""
        invoice = run.t("invoice", invoice=service["invoice"], cost=cost) if service.get("invoice") else ""
        values = {
            "service": name,
            "provider": provider,
            "date": date.isoformat(),
            "contact": who,
            "invoice": invoice,
            "sek": sek,
        }
        action = run.t("action.contract_domain" if kind == "domain" else "action." + kind, **values)
        item = run.add_item(
            {
                "id": item_id,
                "kind": kind,
                "name": f"{name} ({provider})",
                "provider": provider,
                "service": name,
                "date": date.isoformat(),
                "days_left": days_left,
                "threshold": label,
                "status": "ok",
                "action": action if level is not None else None,
                "contact": contact,
                "invoice": service.get("invoice"),
                "cost": service.get("cost"),
                "paid_until_source": source,
                "workflow": renewal_workflow.state(steps),
            }
        )
        rows.append(
            {k: item[k] for k in ("id", "kind", "provider", "service", "date", "days_left", "invoice")}
        )
        if level is None:
            continue
        severity = severity_for_days(days_left)
        item["status"] = sr.severity_status(severity)
        kind_label = run.t("kind." + kind)
        if days_left < 0:
            message = run.t(
                "contract.expired",
                kind=kind_label,
                service=name,
                provider=provider,
                date=values["date"],
                ago=-days_left,
            )
            rule = kind + "-expired"
        else:
            message = run.t(
                "contract.expiring",
                kind=kind_label,
                service=name,
                provider=provider,
                date=values["date"],
                days=days_left,
            )
            rule = kind + "-expiring"
        evidence = {
            "index": index,
            "paid_until": values["date"],
            "paid_until_source": source,
            "days_left": days_left,
            "threshold_days": label,
            "invoice": service.get("invoice"),
            "cost": service.get("cost"),
        }
        run.finding(rule, severity, message, item_id, action, contact, notify, evidence)
    return rows


def _worse(a: str, b: str) -> str:
    order = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}
    return a if order.get(a, 0) >= order.get(b, 0) else b


def check_options(checks=CHECKS, **settings) -> dict:
    """The ``options`` of :func:`check_court` (built here for the module and the CLI alike): the
    checks to run (names of :data:`CHECKS`), then the lookups' settings, passed as they are."""
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise ValueError("unknown check %s; choose from: %s" % (", ".join(unknown), ", ".join(CHECKS)))
    options = dict(("check_" + name, name in checks) for name in CHECKS)
    options.update(settings)
    return options


def check_court(
    court: dict,
    state: dict | None = None,
    court_id: str | None = None,
    today: datetime.date | None = None,
    lang: str = "id",
    options: dict | None = None,
    domain_result: dict | None = None,
    tls_results: list | None = None,
) -> dict:
    """Run the W4 checks for one court's inventory variables.

    ``options``: ``check_domain``/``check_tls``/``check_contracts`` (default True),
    ``rdap_overrides`` ({tld: base URL}), ``whois_servers`` ({tld or "*": "host:port"}),
    ``iana_whois`` ("host:port" or None), ``workflow`` ({contract item id: renewal steps recorded
    by people, oldest first}, see ``renewal_workflow``: a renewed step moves the paid-until date),
    ``bootstrap`` (dict) or ``bootstrap_loader``
    (callable), ``tls_ca_file``, ``tls_port``, ``timeout``, ``now`` (aware datetime for TLS).
    ``domain_result`` / ``tls_results`` let a caller pass lookups it already made.

    Returns ``status``, ``summary``, ``items``, ``findings``, ``notifications``, ``outputs``
    and ``state`` (the whole state dict with this court's part replaced). Raises ValueError
    for unusable inventory data (named).
    """
    options = dict(options or {})
    if not isinstance(court, dict):
        raise ValueError("court variables must be a dict")
    court_id = court_id or court.get("inventory_hostname") or court.get("court_name")
    if not court_id:
        raise ValueError("court_name is required")
    thresholds = normalize_thresholds(court.get("court_renewal_thresholds_days"))
    today = today or datetime.date.today()
    if options.get("now") is None:
        options["now"] = datetime.datetime.now(datetime.timezone.utc)
    run = _Run(str(court_id), court, state, today, lang, thresholds)
    workflow = options.get("workflow") or {}
    if not isinstance(workflow, dict):
        raise ValueError("workflow must be a dict {item id: [steps]}")
    run.workflow = {str(k): list(v) for k, v in workflow.items() if isinstance(v, list)}
    outputs = {"thresholds_days": thresholds, "checked_on": today.isoformat()}
    if options.get("check_domain", True):
        outputs["domain"] = _domain_check(run, options, domain_result)
    if options.get("check_tls", True):
        try:
            outputs["tls"] = _tls_checks(run, options, tls_results)
        except ValueError as exc:
            raise ValueError(f"court_probe_resolve: {exc}") from exc
    if options.get("check_contracts", True):
        outputs["contracts"] = _contract_checks(run)
    # Forget items that are no longer in the inventory and problems that went away, so they re-arm;
    # an item whose lookup failed keeps what was notified.
    for key in list(run.court_state):
        base = key.split("#", 1)[0]
        gone = "#" in key and key not in run.touched and base not in run.unevaluated
        if base not in run.known or gone:
            del run.court_state[key]
    new_state = copy.deepcopy(state or {})
    if run.court_state:
        new_state[run.court_id] = run.court_state
    else:
        new_state.pop(run.court_id, None)
    status = sr.status_for(run.findings)
    run.findings.sort(key=lambda f: -sr.SEVERITY_RANK[f["severity"]])
    outputs["items"] = run.items
    outputs["notifications"] = len([f for f in run.findings if f["notify"]])
    return {
        "court": run.court_id,
        "status": status,
        "summary": _summary(run, thresholds),
        "items": run.items,
        "findings": run.findings,
        "notifications": [f for f in run.findings if f["notify"]],
        "outputs": outputs,
        "state": new_state,
    }


def _summary(run: _Run, thresholds: list) -> str:
    count = len(run.items)
    actionable = [f for f in run.findings if f["severity"] != "info"]
    if not actionable:
        dated = sorted((i for i in run.items if i.get("days_left") is not None), key=lambda i: i["days_left"])
        nearest = ""
        if dated:
            first = dated[0]
            nearest = run.t(
                "summary.nearest", name=first["name"], date=first["date"], days=first["days_left"]
            )
        return run.t("summary.ok", count=count, horizon=max(thresholds), nearest=nearest)
    first = actionable[0]["message"]
    more = run.t("summary.more", more=len(actionable) - 1) if len(actionable) > 1 else ""
    items = len({f["item"] for f in actionable})
    return run.t("summary.problems", count=count, problems=items, first=first + more)


def sop_result(result: dict) -> dict:
    """The ``pn_sop_result`` fact (CONTRIBUTING.md) for a ``check_court`` result."""
    findings = [
        {
            "rule": f["rule"],
            "severity": f["severity"],
            "message": f["message"],
            "evidence": dict(f["evidence"] or {}, item=f["item"], action=f["action"], notify=f["notify"]),
        }
        for f in result["findings"]
    ]
    return sr.result(
        ACTIVITY,
        status=result["status"],
        findings=findings,
        summary=result["summary"],
        outputs=result["outputs"],
    )
