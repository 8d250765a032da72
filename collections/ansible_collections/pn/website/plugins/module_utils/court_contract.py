# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The court inventory contract: which variables describe a court and what makes them valid.

One engine for two doors: the ``pn.website.court_contract`` module (run by the preflight role
before any playbook changes anything) and ``sopansible inventory check``. Every problem names the
host and the variable, in Indonesian and English.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.pn.website.plugins.module_utils.sop_time import DurationError, parse_duration

COURT_TYPES = ("PN", "PA", "PT", "PTA", "MS", "MSA", "PTUN", "PTTUN", "DILMIL", "DILMILTI", "DILMILUTAMA")
WEBSERVERS = ("nginx", "apache")
CMS_NAMES = ("wordpress", "joomla", "codeigniter", "laravel", "custom", "static")
DB_ENGINES = ("mariadb", "mysql", "none")
SERVICE_KINDS = ("domain", "hosting", "connection")
BACKUP_TYPES = ("local", "sftp", "rest", "s3")
CONTACT_ROLES = ("isp", "registrar", "hosting", "domain_manager", "maintenance", "vendor", "other")

# RFC 1123 host names: labels of letters, digits and hyphens, at least one dot.
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_URL = re.compile(r"^https?://(?P<host>[^/:?#\s]+)(:(?P<port>\d{1,5}))?(?P<rest>[/?#]\S*)?$")
_RESOLVE = re.compile(r"^(?P<host>[^:\s]+):(?P<port>\d{1,5}):(?P<addr>\[[0-9a-fA-F:]+\]|[^:\s]+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MESSAGES = {
    "missing": ("wajib diisi", "is required"),
    "type": ("harus berupa {expected}, bukan {actual}", "must be {expected}, not {actual}"),
    "choice": (
        "nilai '{value}' tidak dikenal; pilihan: {choices}",
        "unknown value '{value}'; choose from: {choices}",
    ),
    "hostname": ("'{value}' bukan nama domain yang sah", "'{value}' is not a valid host name"),
    "url": ("'{value}' bukan URL http(s) yang sah", "'{value}' is not a valid http(s) URL"),
    "date": (
        "'{value}' bukan tanggal yang mungkin (format YYYY-MM-DD)",
        "'{value}' is not a possible date (format YYYY-MM-DD)",
    ),
    "resolve": ("'{value}' harus berbentuk HOST:PORT:ALAMAT", "'{value}' must be HOST:PORT:ADDRESS"),
    "duration": (
        "'{value}' bukan waktu baku yang dikenali (contoh: '2 jam', '15 menit', '1 hari', 'relatif')",
        "'{value}' is not a standard time (e.g. '2 jam', '15 menit', '1 hari', 'relatif')",
    ),
    "email": ("'{value}' bukan alamat email yang sah", "'{value}' is not a valid email address"),
    "positive": (
        "harus bilangan bulat positif, bukan '{value}'",
        "must be a positive whole number, not '{value}'",
    ),
    "path": ("'{value}' harus path absolut", "'{value}' must be an absolute path"),
    "activity": ("aktivitas SOP '{value}' tidak dikenal", "unknown SOP activity '{value}'"),
    "on_mount": (
        "'{value}' tidak berada pada disk di mount_point '{mount}'",
        "'{value}' is not on the disk at mount_point '{mount}'",
    ),
    "url_domain": (
        "host '{value}' tidak termasuk court_hostnames/court_domain",
        "host '{value}' is not among court_hostnames/court_domain",
    ),
}

# Website SOP activities W1-W8 and IT SOP activities (IT-...), as in the SOP catalogue.
SOP_ACTIVITY = re.compile(r"^(W[1-8]|IT-[A-Z]+)$")


class Problem:
    """One contract violation of one court variable."""

    __slots__ = ("host", "variable", "code", "params")

    def __init__(self, host: str, variable: str, code: str, **params: object) -> None:
        self.host = host
        self.variable = variable
        self.code = code
        self.params = params

    def message(self, lang: str = "id") -> str:
        text_id, text_en = MESSAGES[self.code]
        return (text_en if lang == "en" else text_id).format(**self.params)

    def as_dict(self, lang: str = "id") -> dict:
        return {
            "host": self.host,
            "variable": self.variable,
            "code": self.code,
            "message": self.message(lang),
        }

    def __repr__(self) -> str:
        return "%s: %s: %s" % (self.host, self.variable, self.message("en"))


def parse_date(value: object) -> datetime.date | None:
    """A contract date (YYYY-MM-DD string or a date YAML already parsed); None if impossible."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _type_name(value: object) -> str:
    return {dict: "dict", list: "list", str: "string", int: "int", bool: "bool"}.get(
        type(value), type(value).__name__
    )


class _Checker:
    def __init__(self, host: str, variables: dict) -> None:
        self.host = host
        self.vars = variables
        self.problems: list[Problem] = []

    def add(self, variable: str, code: str, **params: object) -> None:
        self.problems.append(Problem(self.host, variable, code, **params))

    def typed(self, name: str, value: object, expected: type, label: str) -> bool:
        if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
            return True
        self.add(name, "type", expected=label, actual=_type_name(value))
        return False

    def string(self, name: str, required: bool = False) -> str | None:
        value = self.vars.get(name)
        if value is None or value == "":
            if required:
                self.add(name, "missing")
            return None
        return value if self.typed(name, value, str, "string") else None

    def choice(self, name: str, choices: tuple, value: object = None, upper: bool = False) -> None:
        value = self.vars.get(name) if value is None else value
        if value is None:
            return
        if not self.typed(name, value, str, "string"):
            return
        if (value.upper() if upper else value.lower()) not in choices:
            self.add(name, "choice", value=value, choices=", ".join(choices))

    def hostname(self, name: str, value: object) -> bool:
        if not self.typed(name, value, str, "string"):
            return False
        if not _HOSTNAME.match(value.lower()):
            self.add(name, "hostname", value=value)
            return False
        return True

    def date(self, name: str, value: object) -> None:
        if parse_date(value) is None:
            self.add(name, "date", value=value)

    def email(self, name: str, value: object) -> None:
        if value is not None and (not isinstance(value, str) or not _EMAIL.match(value)):
            self.add(name, "email", value=value)

    def contact(self, name: str, value: object) -> None:
        if not self.typed(name, value, dict, "dict"):
            return
        self.email(name + ".email", value.get("email"))


def validate_court(host: str, variables: dict, shared_hosting: bool = False) -> list[Problem]:
    """All contract problems of one court's variables (empty list when the court is valid)."""
    check = _Checker(host, variables)
    check.string("court_name", required=True)
    check.string("court_region")
    check.string("court_sop_number")
    if check.vars.get("court_type") is None:
        check.add("court_type", "missing")
    else:
        check.choice("court_type", COURT_TYPES, upper=True)

    hostnames = set()
    domain = check.vars.get("court_domain")
    if domain is None or domain == "":
        check.add("court_domain", "missing")
    elif check.hostname("court_domain", domain):
        hostnames.add(domain.lower())
    extra = check.vars.get("court_hostnames")
    if extra is not None and check.typed("court_hostnames", extra, list, "list"):
        for index, name in enumerate(extra):
            if check.hostname("court_hostnames[%d]" % index, name):
                hostnames.add(name.lower())

    url = check.vars.get("court_url")
    if url is not None and check.typed("court_url", url, str, "string"):
        match = _URL.match(url)
        if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
            check.add("court_url", "url", value=url)
        elif hostnames and match.group("host").lower() not in hostnames:
            check.add("court_url", "url_domain", value=match.group("host"))

    resolve = check.vars.get("court_probe_resolve")
    if resolve is not None and check.typed("court_probe_resolve", resolve, list, "list"):
        for index, entry in enumerate(resolve):
            if not isinstance(entry, str) or not _RESOLVE.match(entry):
                check.add("court_probe_resolve[%d]" % index, "resolve", value=entry)

    for name in ("court_content_max_age_days",):
        value = check.vars.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            check.add(name, "positive", value=value)

    thresholds = check.vars.get("court_renewal_thresholds_days")
    if thresholds is not None and check.typed("court_renewal_thresholds_days", thresholds, list, "list"):
        for index, value in enumerate(thresholds):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                check.add("court_renewal_thresholds_days[%d]" % index, "positive", value=value)

    if not shared_hosting:
        check.choice("court_webserver", WEBSERVERS)
        webroot = check.string("court_webroot")
        if webroot is not None and not webroot.startswith("/"):
            check.add("court_webroot", "path", value=webroot)
    check.choice("court_cms", CMS_NAMES)

    database = check.vars.get("court_db")
    if (
        database is not None
        and check.typed("court_db", database, dict, "dict")
        and database.get("engine") is not None
    ):
        check.choice("court_db.engine", DB_ENGINES, value=database.get("engine"))

    targets = check.vars.get("court_backup_targets")
    if targets is not None and check.typed("court_backup_targets", targets, list, "list"):
        for index, target in enumerate(targets):
            name = "court_backup_targets[%d]" % index
            if not check.typed(name, target, dict, "dict"):
                continue
            if target.get("type") is None:
                check.add(name + ".type", "missing")
            else:
                check.choice(name + ".type", BACKUP_TYPES, value=target["type"])
            if not target.get("location"):
                check.add(name + ".location", "missing")
            mount = target.get("mount_point")
            if mount is not None:
                # the external disk of a local target: the location must lie on it
                location = str(target.get("location") or "").rstrip("/")
                if not isinstance(mount, str) or not mount.startswith("/"):
                    check.add(name + ".mount_point", "path", value=mount)
                elif location and not (location + "/").startswith(mount.rstrip("/") + "/"):
                    check.add(name + ".location", "on_mount", value=location, mount=mount)

    services = check.vars.get("court_services")
    if services is not None and check.typed("court_services", services, list, "list"):
        for index, service in enumerate(services):
            name = "court_services[%d]" % index
            if not check.typed(name, service, dict, "dict"):
                continue
            if service.get("kind") is None:
                check.add(name + ".kind", "missing")
            else:
                check.choice(name + ".kind", SERVICE_KINDS, value=service["kind"])
            if not service.get("provider"):
                check.add(name + ".provider", "missing")
            if service.get("paid_until") is None:
                check.add(name + ".paid_until", "missing")
            else:
                check.date(name + ".paid_until", service["paid_until"])
            if service.get("contact") is not None:
                check.contact(name + ".contact", service["contact"])

    contacts = check.vars.get("court_contacts")
    if contacts is not None and check.typed("court_contacts", contacts, dict, "dict"):
        if contacts.get("sekretaris") is not None:
            check.contact("court_contacts.sekretaris", contacts["sekretaris"])
        for group in ("it_staff", "third_parties"):
            people = contacts.get(group)
            if people is None or not check.typed("court_contacts." + group, people, list, "list"):
                continue
            for index, person in enumerate(people):
                name = "court_contacts.%s[%d]" % (group, index)
                check.contact(name, person)
                if group == "third_parties" and isinstance(person, dict) and person.get("role") is not None:
                    check.choice(name + ".role", CONTACT_ROLES, value=person["role"])

    times = check.vars.get("court_sop_times")
    if times is not None and check.typed("court_sop_times", times, dict, "dict"):
        for activity, value in times.items():
            name = "court_sop_times.%s" % activity
            if not SOP_ACTIVITY.match(str(activity)):
                check.add(name, "activity", value=activity)
            else:
                try:
                    parse_duration(value)
                except DurationError:
                    check.add(name, "duration", value=value)

    return check.problems


def validate_inventory(hostvars: dict, shared_hosting_hosts: set | frozenset = frozenset()) -> list[Problem]:
    """Problems of every court in an inventory (``hostvars`` as ``ansible-inventory --list`` gives it)."""
    problems = []
    for host in sorted(hostvars):
        problems.extend(
            validate_court(host, hostvars[host] or {}, shared_hosting=host in shared_hosting_hosts)
        )
    return problems
