# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The court inventory contract: which variables describe a court and what makes them valid.

One engine for two doors: the ``pn.website.court_contract`` module (run by the preflight role
before any playbook changes anything) and ``sopansible inventory check``. Every problem names the
host and the variable, in Indonesian and English.

Inventory values are untrusted input (a court registry row, a file someone else edits): host
names, paths and account names reach ssh's command line, shell commands, file paths and
templates on the controller and the court servers, so they are held to plain names and safe,
normalised paths here, once, before any play uses them.
"""

from __future__ import annotations

import datetime
import ipaddress
import posixpath
import re

from ansible_collections.pn.website.plugins.module_utils.shared.sop_time import DurationError, parse_duration

COURT_TYPES = ("PN", "PA", "PT", "PTA", "MS", "MSA", "PTUN", "PTTUN", "DILMIL", "DILMILTI", "DILMILUTAMA")
WEBSERVERS = ("nginx", "apache")
CMS_NAMES = ("wordpress", "joomla", "codeigniter", "laravel", "custom", "static")
DB_ENGINES = ("mariadb", "mysql", "none")
SERVICE_KINDS = ("domain", "hosting", "connection")
BACKUP_TYPES = ("local", "sftp", "rest", "s3")
HOSTING_TRANSFERS = ("sftp", "ftps")
CONTACT_ROLES = ("isp", "registrar", "hosting", "domain_manager", "maintenance", "vendor", "other")
#: Who receives a court's report (SOP W5): the Secretary, a Kasubbag, the court's chair, IT staff.
REPORT_ROLES = ("sekretaris", "kasubbag", "ketua", "operator", "other")
#: How often the situation report is sent (court_report_delivery); the recap goes monthly.
REPORT_FREQUENCIES = ("daily", "weekly", "monthly")
#: Largest number of report recipients of one court.
MAX_REPORT_RECIPIENTS = 20

#: The documented court variables (inventories/example/README.md); a registry may set only these
#: and CONNECTION_VARIABLES.
COURT_VARIABLES = (
    "court_name",
    "court_type",
    "court_region",
    "court_domain",
    "court_hostnames",
    "court_url",
    "court_keyword",
    "court_content_max_age_days",
    "court_probe_resolve",
    "court_watch_interval_minutes",
    "court_webserver",
    "court_webroot",
    "court_cms",
    "court_db",
    "court_backup_targets",
    "court_services",
    "court_renewal_thresholds_days",
    "court_contacts",
    "court_sop_number",
    "court_sop_times",
    "court_report_recipients",
    "court_report_delivery",
    "court_hosting",
)
#: Connection values checked here (they reach ssh's command line): plain names and numbers only.
CONNECTION_VARIABLES = ("ansible_host", "ansible_port", "ansible_user")

# Patterns are matched with fullmatch: '$' would let a trailing newline through.
# RFC 1123 host names: labels of letters, digits and hyphens, at least one dot.
_HOSTNAME = re.compile(r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Inventory host names and ansible_host: DNS-ish labels (underscores allowed, as in inventories),
# each starting and ending with a letter or digit, so never an ssh option ('-...') or a path.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(r"(?=.{1,253}\Z)%s(?:\.%s)*" % (_LABEL, _LABEL))
# POSIX account names as Debian's adduser accepts them (no leading '-', no spaces), at most 32.
_USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}", re.IGNORECASE)
# MariaDB/MySQL database and account names: plain identifiers, never an option ('-...').
_DB_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_DB_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}")
_URL = re.compile(r"https?://(?P<host>[^/:?#\s]+)(:(?P<port>\d{1,5}))?(?P<rest>[/?#]\S*)?")
_RESOLVE = re.compile(r"(?P<host>[^:\s]+):(?P<port>\d{1,5}):(?P<addr>\[[0-9a-fA-F:]+\]|[^:\s]+)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A report recipient's address goes into an SMTP envelope and a To: header: no separators, quotes or
# angle brackets that would add recipients.
_RECIPIENT_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
# A Telegram chat: a numeric id (negative for groups) or a public @channel name.
_TELEGRAM_CHAT = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}")
# Newlines, tabs and other control characters (also Unicode line breaks): never in a value.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
#: Keys whose values are secrets: their content is neither checked nor shown.
SECRET_NAME = re.compile(r"pass(word)?|secret|token|private|(^|_)key$|credential", re.IGNORECASE)

# Paths (web root, backup folders): absolute, normalised, of these characters only (no spaces,
# quotes or shell metacharacters), and not the root, a system folder or a folder holding others.
_PATH_CHARS = re.compile(r"[A-Za-z0-9._+@/-]+")
SYSTEM_FOLDERS = (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run",
    "/sbin", "/sys", "/usr", "/tmp", "/var/tmp", "/var/lib", "/var/log", "/var/cache", "/var/spool",
    "/var/mail", "/var/run", "/var/lock",
)  # fmt: skip
#: Web roots inside a system folder that are a site's own: Debian's wordpress package keeps a site's
#: themes, plugins and uploads in /var/lib/wordpress/wp-content (its code is the package's own, in
#: /usr/share/wordpress, and its configuration is /etc/wordpress/config-<domain>.php).
PACKAGED_WEBROOTS = ("/var/lib/wordpress/wp-content",)
#: Folders that hold other people's folders: allowed below, never themselves.
SHARED_FOLDERS = ("/home", "/media", "/mnt", "/opt", "/srv", "/var", "/var/www", "/var/backups")

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
    "telegram_chat": (
        "'{value}' bukan chat Telegram yang sah (id angka atau @nama)",
        "'{value}' is not a valid Telegram chat (a numeric id or @name)",
    ),
    "recipient_channel": (
        "penerima laporan perlu email atau telegram",
        "a report recipient needs an email or a telegram chat",
    ),
    "too_many": ("paling banyak {limit} penerima", "at most {limit} recipients"),
    "positive": (
        "harus bilangan bulat positif, bukan '{value}'",
        "must be a positive whole number, not '{value}'",
    ),
    "path": ("'{value}' harus path absolut", "'{value}' must be an absolute path"),
    "path_chars": (
        "'{value}' berisi karakter yang tidak diizinkan dalam path (hanya huruf, angka, '.', '_', '-', "
        "'+', '@' dan '/'; tanpa spasi, tanda kutip atau karakter shell)",
        "'{value}' holds characters not allowed in a path (only letters, digits, '.', '_', '-', '+', "
        "'@' and '/'; no spaces, quotes or shell characters)",
    ),
    "path_normal": (
        "'{value}' bukan path yang ternormalisasi (tanpa '..', '.', '//' atau '/' di akhir)",
        "'{value}' is not a normalised path (no '..', '.', '//' or trailing '/')",
    ),
    "path_system": (
        "'{value}' adalah atau berada di folder sistem {folder}; pilih folder milik situs/cadangan sendiri",
        "'{value}' is or lies in the system folder {folder}; choose a folder of the site/backup itself",
    ),
    "path_shared": (
        "'{value}' adalah folder induk bersama; pilih subfolder (mis. {value}/pengadilan)",
        "'{value}' is a shared parent folder; choose a subfolder (e.g. {value}/court)",
    ),
    "control": (
        "berisi karakter kendali (baris baru, tab, ...)",
        "holds a control character (newline, tab, ...)",
    ),
    "inventory_host": (
        "nama host inventori '{value}' tidak sah (huruf, angka, '-', '_', bagian dipisah '.'; "
        "atau alamat IP)",
        "inventory host name '{value}' is not valid (letters, digits, '-', '_', parts separated by "
        "'.'; or an IP address)",
    ),
    "address": (
        "'{value}' bukan nama host atau alamat IP yang sah",
        "'{value}' is not a valid host name or IP address",
    ),
    "user": (
        "'{value}' bukan nama pengguna yang sah (huruf, angka, '_', '.', '-'; tidak diawali '-'; maks. 32)",
        "'{value}' is not a valid user name (letters, digits, '_', '.', '-'; not starting with '-'; "
        "at most 32)",
    ),
    "port": ("harus nomor port 1-65535, bukan '{value}'", "must be a port number 1-65535, not '{value}'"),
    "db_name": (
        "'{value}' bukan nama yang sah (huruf, angka, '_', '-'; tidak diawali '-')",
        "'{value}' is not a valid name (letters, digits, '_', '-'; not starting with '-')",
    ),
    "location": (
        "'{value}' bukan lokasi {kind} yang sah; bentuknya: {form}",
        "'{value}' is not a valid {kind} location; expected: {form}",
    ),
    "activity": ("aktivitas SOP '{value}' tidak dikenal", "unknown SOP activity '{value}'"),
    "on_mount": (
        "'{value}' tidak berada pada disk di mount_point '{mount}'",
        "'{value}' is not on the disk at mount_point '{mount}'",
    ),
    "remote_path": (
        "'{value}' bukan path yang sah di akun hosting (huruf, angka, '.', '_', '-', '+', '@', '~' dan '/'; "
        "ternormalisasi, tanpa '..')",
        "'{value}' is not a valid path in the hosting account (letters, digits, '.', '_', '-', '+', '@', '~' "
        "and '/'; normalised, no '..')",
    ),
    "host_key": (
        "harus kunci publik host SSH server hosting (mis. 'ssh-ed25519 AAAA...'), wajib untuk sftp",
        "must be the hosting server's public SSH host key (e.g. 'ssh-ed25519 AAAA...'), required for sftp",
    ),
    "hosting_only": (
        "hanya untuk pengadilan di grup shared_hosting (server pengadilan dibackup lewat SSH)",
        "only for courts in the shared_hosting group (court servers are backed up over SSH)",
    ),
    "unknown_key": (
        "kunci tidak dikenal; yang ada: {choices}",
        "unknown key; the keys are: {choices}",
    ),
    "https_only": (
        "'{value}' harus URL https:// (http:// hanya dengan allow_http, untuk uji di loopback)",
        "'{value}' must be an https:// URL (http:// only with allow_http, for tests on loopback)",
    ),
    "bool": ("harus true atau false, bukan '{value}'", "must be true or false, not '{value}'"),
    "one_database_way": (
        "isi salah satu: database (MySQL jarak jauh) atau dump_endpoint, tidak keduanya",
        "set one of database (remote MySQL) or dump_endpoint, not both",
    ),
    "url_domain": (
        "host '{value}' tidak termasuk court_hostnames/court_domain",
        "host '{value}' is not among court_hostnames/court_domain",
    ),
    # The roles' argument checks (role_arguments.py); Ansible's own message is in English.
    "role_argument": (
        "tidak sesuai spesifikasi argumen peran {role} ({entry}): {error}",
        "does not match the argument spec of role {role} ({entry}): {error}",
    ),
    "role_spec": (
        "pemeriksaan argumen peran tidak dapat dilakukan: {error}",
        "the role argument check cannot be done: {error}",
    ),
    "template": ("nilainya tidak dapat diolah: {error}", "its value cannot be templated: {error}"),
}

# Website SOP activities W1-W8 and IT SOP activities (IT-...), as in the SOP catalogue.
SOP_ACTIVITY = re.compile(r"W[1-8]|IT-[A-Z]+")


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
        params = {k: shown(v) for k, v in self.params.items()}
        return (text_en if lang == "en" else text_id).format(**params)

    def as_dict(self, lang: str = "id") -> dict:
        return {
            "host": self.host,
            "variable": self.variable,
            "code": self.code,
            "message": self.message(lang),
        }

    def __repr__(self) -> str:
        return "%s: %s: %s" % (self.host, self.variable, self.message("en"))


def shown(value: object, limit: int = 200) -> object:
    """VALUE as it may appear in a message: control characters escaped, long text cut."""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub(
        lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 256 else "\\u%04x" % ord(m.group()), value
    )
    return text if len(text) <= limit else text[:limit] + "..."


def has_control(value: str) -> bool:
    """Whether VALUE holds a newline, tab or other control character (also Unicode line breaks)."""
    return bool(_CONTROL.search(value))


def is_ip_address(value: object) -> bool:
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_host_name(value: object) -> bool:
    """An inventory host name or ansible_host: DNS-ish labels or an IP address (never '-...')."""
    return isinstance(value, str) and (bool(_HOST_NAME.fullmatch(value)) or is_ip_address(value))


def is_user_name(value: object) -> bool:
    return isinstance(value, str) and bool(_USER.fullmatch(value))


def path_problem(value: str, allowed: tuple = ()) -> tuple | None:
    """(code, params) of what makes VALUE an unsafe folder (web root, backup folder), or None.

    A folder must be absolute, normalised, of plain characters, and neither the root, a system
    folder (or inside one) nor a shared parent folder: roles read, change ownership of and restore
    into it, and its name reaches shell commands and configuration files. ALLOWED names folders
    inside system folders that are nonetheless a site's own (PACKAGED_WEBROOTS for web roots).
    """
    if not value.startswith("/"):
        return "path", {"value": value}
    if _CONTROL.search(value) or not _PATH_CHARS.fullmatch(value):
        return "path_chars", {"value": value}
    if posixpath.normpath(value) != value or value.startswith("//"):
        return "path_normal", {"value": value}
    if value == "/":
        return "path_system", {"value": value, "folder": "/"}
    if value in SHARED_FOLDERS:
        return "path_shared", {"value": value}
    if any(value == folder or value.startswith(folder + "/") for folder in allowed):
        return None
    for folder in SYSTEM_FOLDERS:
        if value == folder or value.startswith(folder + "/"):
            return "path_system", {"value": value, "folder": folder}
    return None


def parse_date(value: object) -> datetime.date | None:
    """A contract date (YYYY-MM-DD string or a date YAML already parsed); None if impossible."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
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
        if not _HOSTNAME.fullmatch(value.lower()):
            self.add(name, "hostname", value=value)
            return False
        return True

    def path(self, name: str, value: object, allowed: tuple = ()) -> bool:
        if not self.typed(name, value, str, "string"):
            return False
        problem = path_problem(value, allowed)
        if problem is not None:
            self.add(name, problem[0], **problem[1])
            return False
        return True

    def port(self, name: str, value: object) -> None:
        number = int(value) if isinstance(value, str) and value.isdigit() and value.isascii() else value
        if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 65536:
            self.add(name, "port", value=value)

    def control(self, name: str, value: object) -> None:
        """Every string in VALUE (secrets and vault values excepted) without control characters."""
        if isinstance(value, str):
            if _CONTROL.search(value):
                self.add(name, "control")
        elif isinstance(value, dict):
            if "__ansible_vault" in value:
                return
            for key, item in value.items():
                if isinstance(key, str) and SECRET_NAME.search(key):
                    continue
                self.control("%s.%s" % (name, shown(key)), item)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                self.control("%s[%d]" % (name, index), item)

    def date(self, name: str, value: object) -> None:
        if parse_date(value) is None:
            self.add(name, "date", value=value)

    def email(self, name: str, value: object) -> None:
        if value is not None and (not isinstance(value, str) or not _EMAIL.fullmatch(value)):
            self.add(name, "email", value=value)

    def contact(self, name: str, value: object) -> None:
        if not self.typed(name, value, dict, "dict"):
            return
        self.email(name + ".email", value.get("email"))


def validate_court(host: str, variables: dict, shared_hosting: bool = False) -> list[Problem]:
    """All contract problems of one court's variables (empty list when the court is valid)."""
    check = _Checker(host, variables)
    if not is_host_name(host):
        check.add("inventory_hostname", "inventory_host", value=host)
    for name in sorted(variables):
        if name.startswith("court_") or name in CONNECTION_VARIABLES:
            check.control(name, variables[name])
    _check_connection(check)
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
        match = _URL.fullmatch(url)
        if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
            check.add("court_url", "url", value=url)
        elif hostnames and match.group("host").lower() not in hostnames:
            check.add("court_url", "url_domain", value=match.group("host"))

    resolve = check.vars.get("court_probe_resolve")
    if resolve is not None and check.typed("court_probe_resolve", resolve, list, "list"):
        for index, entry in enumerate(resolve):
            if not isinstance(entry, str) or not _RESOLVE.fullmatch(entry):
                check.add("court_probe_resolve[%d]" % index, "resolve", value=entry)

    for name in ("court_content_max_age_days", "court_watch_interval_minutes"):
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
        if webroot is not None:
            check.path("court_webroot", webroot, PACKAGED_WEBROOTS)
    check.choice("court_cms", CMS_NAMES)

    database = check.vars.get("court_db")
    if database is not None and check.typed("court_db", database, dict, "dict"):
        if database.get("engine") is not None:
            check.choice("court_db.engine", DB_ENGINES, value=database.get("engine"))
        # the dump runs mysqldump with these as arguments: plain identifiers, never an option
        for key, pattern in (("name", _DB_NAME), ("user", _DB_USER)):
            value = database.get(key)
            if value in (None, "") or _templated(value):
                continue
            if not isinstance(value, str) or not pattern.fullmatch(value):
                check.add("court_db." + key, "db_name", value=value)

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
            elif target.get("type") in BACKUP_TYPES:
                _check_location(check, name + ".location", target["type"], target["location"], target)
            if target.get("port") is not None:
                check.port(name + ".port", target["port"])
            if target.get("inventory_host") is not None and not is_host_name(target["inventory_host"]):
                check.add(name + ".inventory_host", "inventory_host", value=target["inventory_host"])
            mount = target.get("mount_point")
            if mount is not None:
                # the external disk of a local target: the location must lie on it
                location = str(target.get("location") or "").rstrip("/")
                if (
                    check.path(name + ".mount_point", mount)
                    and location
                    and not ((location + "/").startswith(mount + "/"))
                ):
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

    _check_report_delivery(check)
    _check_hosting(check, shared_hosting)

    times = check.vars.get("court_sop_times")
    if times is not None and check.typed("court_sop_times", times, dict, "dict"):
        for activity, value in times.items():
            name = "court_sop_times.%s" % activity
            if not SOP_ACTIVITY.fullmatch(str(activity)):
                check.add(name, "activity", value=activity)
            else:
                try:
                    parse_duration(value)
                except DurationError:
                    check.add(name, "duration", value=value)

    return check.problems


def _check_report_delivery(check):
    """court_report_recipients (who the report goes to) and court_report_delivery (how often)."""
    check.choice("court_report_delivery", REPORT_FREQUENCIES)
    people = check.vars.get("court_report_recipients")
    if people is None or not check.typed("court_report_recipients", people, list, "list"):
        return
    if len(people) > MAX_REPORT_RECIPIENTS:
        check.add("court_report_recipients", "too_many", limit=MAX_REPORT_RECIPIENTS)
        return
    for index, person in enumerate(people):
        name = "court_report_recipients[%d]" % index
        if not check.typed(name, person, dict, "dict"):
            continue
        if not person.get("name"):
            check.add(name + ".name", "missing")
        else:
            check.typed(name + ".name", person["name"], str, "string")
        if person.get("role") is not None:
            check.choice(name + ".role", REPORT_ROLES, value=person["role"])
        email, chat = person.get("email"), person.get("telegram")
        if email in (None, "") and chat in (None, ""):
            check.add(name, "recipient_channel")
        if email not in (None, "") and not (isinstance(email, str) and _RECIPIENT_EMAIL.fullmatch(email)):
            check.add(name + ".email", "email", value=email)
        if chat not in (None, ""):
            text = str(chat) if isinstance(chat, int) and not isinstance(chat, bool) else chat
            if not isinstance(text, str) or not _TELEGRAM_CHAT.fullmatch(text):
                check.add(name + ".telegram", "telegram_chat", value=chat)


def report_delivery_problems(host, variables):
    """The problems of a court's report recipients and delivery frequency only (the controller checks
    them again before it sends anything)."""
    check = _Checker(host, variables)
    for name in ("court_report_recipients", "court_report_delivery"):
        if name in variables:
            check.control(name, variables[name])
    _check_report_delivery(check)
    return check.problems


_REMOTE_PATH = re.compile(r"/?[A-Za-z0-9._+@~-]+(?:/[A-Za-z0-9._+@~-]+)*|/")
_HOST_KEY = re.compile(r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}")
_HOSTING_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}")
_HOSTING_LIMITS = ("max_files", "max_bytes", "max_file_bytes")


def _remote_path(check: _Checker, name: str, value: object) -> None:
    if not check.typed(name, value, str, "string"):
        return
    if (
        not _REMOTE_PATH.fullmatch(value)
        or (value != "/" and posixpath.normpath(value) != value)
        or ".." in value.split("/")
    ):
        check.add(name, "remote_path", value=value)


def _check_hosting(check: _Checker, shared_hosting: bool) -> None:
    """court_hosting: how the controller reaches a shared-hosting court's files (SFTP/FTPS) and database.
    Its values reach a file-transfer client and a database client as data (never a shell or Ansible's
    connection options); they are checked all the same, as the server's answers are."""
    hosting = check.vars.get("court_hosting")
    if hosting is None or not check.typed("court_hosting", hosting, dict, "dict"):
        return
    if not shared_hosting:
        check.add("court_hosting", "hosting_only")
        return
    transfer = hosting.get("transfer")
    if transfer is None:
        check.add("court_hosting.transfer", "missing")
    else:
        check.choice("court_hosting.transfer", HOSTING_TRANSFERS, value=transfer)
    for key in ("host", "user", "password"):
        if hosting.get(key) in (None, ""):
            check.add("court_hosting." + key, "missing")
    host = hosting.get("host")
    if host not in (None, "") and not _templated(host) and not is_host_name(host):
        check.add("court_hosting.host", "address", value=host)
    user = hosting.get("user")
    if (
        user not in (None, "")
        and not _templated(user)
        and (not isinstance(user, str) or not _HOSTING_USER.fullmatch(user))
    ):
        check.add("court_hosting.user", "user", value=user)
    if hosting.get("port") is not None:
        check.port("court_hosting.port", hosting["port"])
    key = hosting.get("host_key")
    if transfer == "sftp" and (not isinstance(key, str) or not _HOST_KEY.fullmatch(key.strip())):
        check.add("court_hosting.host_key", "host_key")
    cacert = hosting.get("cacert")
    if cacert is not None and check.typed("court_hosting.cacert", cacert, str, "string"):
        # a file the controller reads: any plain, absolute path (system folders included)
        problem = path_problem(cacert)
        if problem is not None and problem[0] in ("path", "path_chars", "path_normal"):
            check.add("court_hosting.cacert", problem[0], **problem[1])
    if hosting.get("webroot") is not None:
        _remote_path(check, "court_hosting.webroot", hosting["webroot"])
    logs = hosting.get("log_paths")
    if logs is not None and check.typed("court_hosting.log_paths", logs, list, "list"):
        for index, path in enumerate(logs):
            _remote_path(check, "court_hosting.log_paths[%d]" % index, path)
    for limit in _HOSTING_LIMITS:
        value = hosting.get(limit)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            check.add("court_hosting." + limit, "positive", value=value)
    database = hosting.get("database")
    if database is not None and check.typed("court_hosting.database", database, dict, "dict"):
        db_host = database.get("host")
        if db_host in (None, ""):
            check.add("court_hosting.database.host", "missing")
        elif not _templated(db_host) and not is_host_name(db_host):
            check.add("court_hosting.database.host", "address", value=db_host)
        if database.get("port") is not None:
            check.port("court_hosting.database.port", database["port"])
    if hosting.get("dump_endpoint") is not None:
        _check_dump_endpoint(check, hosting["dump_endpoint"])
        if database is not None:
            check.add("court_hosting.dump_endpoint", "one_database_way")


_DUMP_ENDPOINT_KEYS = ("url", "db_host", "db_port", "cacert", "ttl", "max_bytes", "timeout", "allow_http")


def _check_dump_endpoint(check: _Checker, endpoint: object) -> None:
    """court_hosting.dump_endpoint: where the one-shot dump script is called (its web root's URL) and how
    it reaches the database from the hosting server."""
    name = "court_hosting.dump_endpoint"
    if not check.typed(name, endpoint, dict, "dict"):
        return
    for key in endpoint:
        if key not in _DUMP_ENDPOINT_KEYS:
            check.add("%s.%s" % (name, key), "unknown_key", choices=", ".join(_DUMP_ENDPOINT_KEYS))
    allow_http = endpoint.get("allow_http", False)
    if not isinstance(allow_http, bool):
        check.add(name + ".allow_http", "bool", value=allow_http)
        allow_http = False
    url = endpoint.get("url")
    if url in (None, ""):
        check.add(name + ".url", "missing")
    elif check.typed(name + ".url", url, str, "string") and not _templated(url):
        match = _URL.fullmatch(url)
        if not match or "@" in url or (match.group("port") and not 0 < int(match.group("port")) < 65536):
            check.add(name + ".url", "url", value=url)
        elif not url.startswith("https://") and not allow_http:
            check.add(name + ".url", "https_only", value=url)
    db_host = endpoint.get("db_host")
    if db_host is not None and not _templated(db_host) and not is_host_name(db_host):
        check.add(name + ".db_host", "address", value=db_host)
    if endpoint.get("db_port") is not None:
        check.port(name + ".db_port", endpoint["db_port"])
    cacert = endpoint.get("cacert")
    if cacert is not None and check.typed(name + ".cacert", cacert, str, "string"):
        problem = path_problem(cacert)
        if problem is not None and problem[0] in ("path", "path_chars", "path_normal"):
            check.add(name + ".cacert", problem[0], **problem[1])
    for limit in ("ttl", "max_bytes", "timeout"):
        value = endpoint.get(limit)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            check.add("%s.%s" % (name, limit), "positive", value=value)


def _templated(value: object) -> bool:
    """A Jinja template: the preflight role checks its value after templating."""
    return isinstance(value, str) and "{{" in value


def _check_connection(check: _Checker) -> None:
    """ansible_host, ansible_user and ansible_port reach ssh's command line: plain values only."""
    address = check.vars.get("ansible_host")
    if address not in (None, "") and not _templated(address) and not is_host_name(address):
        check.add("ansible_host", "address", value=address)
    user = check.vars.get("ansible_user")
    if user not in (None, "") and not _templated(user) and not is_user_name(user):
        check.add("ansible_user", "user", value=user)
    port = check.vars.get("ansible_port")
    if port not in (None, "") and not _templated(port):
        check.port("ansible_port", port)


_SFTP = re.compile(r"(?:(?P<user>[^@/\s]+)@)?(?P<host>\[[^\]/\s]+\]|[^:/\s]+):(?P<path>.*)", re.S)
_REST = re.compile(
    r"https?://(?:[^@/\s]+@)?(?P<host>\[[^\]/\s]+\]|[^:/?#@\s]+)(?::(?P<port>\d{1,5}))?(?:[/?#]\S*)?"
)
_S3 = re.compile(
    r"(?:https?://)?(?P<host>\[[^\]/\s]+\]|[^:/?#@\s]+)(?::(?P<port>\d{1,5}))?"
    r"/[A-Za-z0-9._-]+(?:/[A-Za-z0-9._/-]*)?"
)
_LOCATION_FORMS = {
    "sftp": "user@host:/folder",
    "rest": "https://host:8000/",
    "s3": "https://host/bucket",
}


def _check_location(check: _Checker, name: str, kind: str, location: object, target: dict) -> None:
    """A backup target location: a safe folder on the court (local) or on a backup server (sftp),
    or an http(s) URL of a plain host (rest, s3)."""
    if not check.typed(name, location, str, "string") or _templated(location):
        return
    if kind == "local":
        check.path(name, location)
        return
    text = location[len(kind) + 1 :] if location.startswith(kind + ":") else location
    pattern = {"sftp": _SFTP, "rest": _REST, "s3": _S3}[kind]
    match = pattern.fullmatch(text)
    host = match.group("host").strip("[]") if match else ""
    port = match.groupdict().get("port") if match else None
    if (
        not match
        or not is_host_name(host)
        or (port and not 0 < int(port) < 65536)
        or (kind == "sftp" and match.group("user") and not is_user_name(match.group("user")))
    ):
        # a REST location may carry credentials: never in a message
        shown_location = re.sub(r"//[^@/\s]*@", "//***@", location)
        check.add(name, "location", value=shown_location, kind=kind, form=_LOCATION_FORMS[kind])
        return
    if kind == "sftp":
        # the backup role creates and owns the repository's parent folder on the backup server
        folder = match.group("path")
        if check.path(name, folder) and target.get("per_court") is False:
            parent = posixpath.dirname(folder)
            problem = path_problem(parent)
            if problem is not None:
                check.add(name, problem[0], **problem[1])


def validate_inventory(hostvars: dict, shared_hosting_hosts: set | frozenset = frozenset()) -> list[Problem]:
    """Problems of every court in an inventory (``hostvars`` as ``ansible-inventory --list`` gives it)."""
    problems = []
    for host in sorted(hostvars):
        problems.extend(
            validate_court(host, hostvars[host] or {}, shared_hosting=host in shared_hosting_hosts)
        )
    return problems
