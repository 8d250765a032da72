"""Notifications of critical findings by e-mail (SMTP), Telegram and webhooks (JSON POST).

After a run, :func:`notify_run` looks at the run's results for the problems that need someone now, as
the routing table says (:mod:`sopansible.notify_routing`, tuned by ``routing:`` in the configuration):

* by default every critical finding, whatever its rule, and always a site that is down
  (``unavailable``; not a first failed round of ``sopansible watch``, whose finding says
  ``confirmed: false``), defaced (``defacement``), carries online-gambling spam (``gambling-spam``)
  or shows Google something else (``cloaking`` of severity high or critical);
* a failed backup (``backup-failed``: W2 ended ``failed`` or ``critical``) and a failed audit
  (``audit-failed``: IT-AUDIT ended ``failed`` or ``critical``, listing its high and critical controls);
* a domain, TLS certificate, hosting or connection contract that is critical or expires within
  ``renewal_days`` (renewal rules ``domain-expiring``, ``tls-expiring``, ... and their ``-expired``
  forms, with ``evidence.days_left``).

Each problem is announced once per route (e-mail; each Telegram chat; each webhook) until it changes:
the dedupe key is court + rule + target (the URL, the renewal item, ...) and a fingerprint of what the
problem is (the failure reason, the expiry date, the words found). A changed fingerprint is announced again; a
problem that is no longer found by a run that did check it is "resolved" (a short note is sent unless
``resolved: false``), and announced again if it comes back. What was sent is kept in the history store
(table ``notifications``, column ``channel`` holding the route); a delivery that failed is not recorded,
so it is tried again after the next run.

The configuration is a YAML file (``--notify-config``, default ``DATA/notify.yml``; see
docs/notifications.md). Secrets (SMTP password, Telegram bot token) come from environment variables or
from a file readable only by the operator, never from the configuration itself, and never appear in
output or logs.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import smtplib
import ssl
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import BilingualError
from sopansible import notify_routing as routing
from sopansible import notify_webhook as webhook
from sopansible.store import HistoryStore, StoreError, now_iso

SITE_RULES = ("unavailable", "defacement", "gambling-spam", "cloaking")
# What a W1 result says about the page itself: not checked when the site could not be read.
CONTENT_RULES = ("defacement", "gambling-spam", "cloaking")
RENEWAL_RULE = re.compile(r"^(domain|tls|hosting|connection)-(expiring|expired)$")
BACKUP_ACTIVITY = "W2"
BACKUP_RULE = routing.ACTIVITY_PROBLEMS[BACKUP_ACTIVITY]
AUDIT_ACTIVITY = "IT-AUDIT"
AUDIT_RULE = routing.ACTIVITY_PROBLEMS[AUDIT_ACTIVITY]
BACKUP_FAILED = routing.ACTIVITY_FAILED
# A result with one of these statuses checked its activity: a problem it no longer reports is resolved.
CHECKED = ("ok", "warning", "critical")
CHANNELS = routing.CHANNELS
# Evidence keys that name what a finding is about (the target part of its dedupe key), first found wins.
TARGET_KEYS = ("item", "url", "host", "unit", "variant", "path")
DEFAULT_RENEWAL_DAYS = 7
TELEGRAM_API = "https://api.telegram.org"
TELEGRAM_LIMIT = 4000  # the Bot API takes 4096 characters per message
MESSAGE_LIMIT = 300

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "unavailable": "Website tidak dapat diakses",
        "defacement": "Tanda defacement (halaman diubah peretas)",
        "gambling-spam": "Konten judi online di website",
        "ended": "Berlangsung {duration} (sejak {since} UTC).",
        BACKUP_RULE: "Backup (W2) gagal",
        AUDIT_RULE: "Audit keamanan (IT-AUDIT) gagal",
        "domain-on-hold": "Domain ditangguhkan (on hold)",
        "domain-pending-delete": "Domain akan dihapus",
        "webshell-post": "Tanda webshell di log akses",
        "gambling-doorway": "Halaman judi (doorway) di log akses",
        "backdoor-access": "Akses ke backdoor di log akses",
        "tls-invalid": "Sertifikat TLS tidak valid",
        "hidden-links": "Tautan tersembunyi di website",
        "cloaking": "Halaman berbeda untuk mesin pencari (cloaking)",
        "restore-drill-failed": "Uji pemulihan (IT-DRILL) gagal",
        "renewal": "Perpanjangan jatuh tempo dalam {days} hari",
        "new": "MASALAH",
        "changed": "BERUBAH",
        "resolved": "SELESAI",
        "subject": "[SOP Website] {court}: {summary}",
        "summary_problems": "{n} masalah kritis",
        "summary_resolved": "{n} masalah selesai",
        "heading": "{court}: temuan kritis dari run {run} ({name}, {time})",
        "report": "Laporan",
        "footer": "Pesan otomatis sopansible; satu kali per masalah sampai masalahnya berubah atau selesai.",
        "more": "… dan {n} lainnya",
    },
    "en": {
        "unavailable": "Website unavailable",
        "defacement": "Signs of defacement",
        "gambling-spam": "Online-gambling content on the website",
        "ended": "Lasted {duration} (since {since} UTC).",
        BACKUP_RULE: "Backup (W2) failed",
        AUDIT_RULE: "Security audit (IT-AUDIT) failed",
        "domain-on-hold": "Domain on hold (suspended)",
        "domain-pending-delete": "Domain pending deletion",
        "webshell-post": "Signs of a webshell in the access log",
        "gambling-doorway": "Gambling doorway pages in the access log",
        "backdoor-access": "Backdoor accessed (access log)",
        "tls-invalid": "Invalid TLS certificate",
        "hidden-links": "Hidden links on the website",
        "cloaking": "Different page for search engines (cloaking)",
        "restore-drill-failed": "Restore drill (IT-DRILL) failed",
        "renewal": "Renewal due within {days} days",
        "new": "PROBLEM",
        "changed": "CHANGED",
        "resolved": "RESOLVED",
        "subject": "[SOP Website] {court}: {summary}",
        "summary_problems": "{n} critical problem(s)",
        "summary_resolved": "{n} problem(s) resolved",
        "heading": "{court}: critical findings of run {run} ({name}, {time})",
        "report": "Report",
        "footer": "Automatic message from sopansible; once per problem until it changes or is resolved.",
        "more": "… and {n} more",
    },
}


class NotifyError(BilingualError):
    """A configuration that cannot be used or a delivery that failed. Never contains a secret.
    ``delivered``: how many items of the delivery went out before it failed (a webhook posts them one
    at a time)."""

    delivered = 0


# -- configuration --------------------------------------------------------------------------------------
@dataclass
class EmailConfig:
    host: str
    port: int
    sender: str
    to: list[str]
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    court_contacts: bool = False
    timeout: float = 30.0


@dataclass
class TelegramConfig:
    token: str = field(repr=False)
    chat_ids: list[str]
    court_chat_ids: dict[str, list[str]] = field(default_factory=dict)
    api_base: str = TELEGRAM_API
    timeout: float = 15.0


@dataclass
class Config:
    email: EmailConfig | None = None
    telegram: TelegramConfig | None = None
    webhooks: list[webhook.WebhookConfig] = field(default_factory=list)
    resolved: bool = True
    renewal_days: int = DEFAULT_RENEWAL_DAYS
    report_url: str | None = None
    # rule -> (route, channels or None): the team's changes to the routing table
    routing: dict[str, tuple[str, tuple[str, ...] | None]] = field(default_factory=dict)
    path: Path | None = None

    @property
    def channels(self) -> list[str]:
        out = [name for name in ("email", "telegram") if getattr(self, name) is not None]
        return out + (["webhook"] if self.webhooks else [])


def default_config_path() -> Path:
    from sopansible.paths import data_dir

    return data_dir() / "notify.yml"


def _err(where: str, text_id: str, text_en: str) -> NotifyError:
    return NotifyError(f"{where}: {text_id}", f"{where}: {text_en}")


def _check_keys(data: Mapping, allowed: Iterable[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise _err(
            where,
            f"kunci tidak dikenal: {', '.join(unknown)} (yang dikenal: {', '.join(sorted(allowed))})",
            f"unknown keys: {', '.join(unknown)} (known: {', '.join(sorted(allowed))})",
        )


def _string_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise _err(where, "harus berupa daftar teks", "must be a list of strings")
    return [str(v).strip() for v in value]


def _number(value: Any, where: str, default: float, low: float, high: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _err(
            where, f"harus angka antara {low:g} dan {high:g}", f"must be a number from {low:g} to {high:g}"
        )
    return value


def _bool(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _err(where, "harus true atau false", "must be true or false")
    return value


def read_secret(section: Mapping, name: str, env_default: str, where: str, base: Path | None) -> str | None:
    """A secret from ``<name>_env`` (an environment variable, default ``env_default``) or ``<name>_file``
    (a file holding only the secret, or a YAML mapping with the key ``<name>``). The configuration may
    not hold the secret itself."""
    if section.get(name) is not None:
        raise _err(
            f"{where}.{name}",
            f"jangan tulis rahasia di berkas konfigurasi; pakai {name}_env (variabel lingkungan) atau "
            f"{name}_file",
            f"do not put secrets in the configuration file; use {name}_env (an environment variable) or "
            f"{name}_file",
        )
    file_value = section.get(f"{name}_file")
    if file_value is not None:
        if not isinstance(file_value, str) or not file_value:
            raise _err(f"{where}.{name}_file", "harus berupa path berkas", "must be a file path")
        path = Path(file_value).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise _err(
                f"{where}.{name}_file",
                f"berkas rahasia tidak dapat dibaca: {path} ({exc.strerror})",
                f"cannot read the secret file: {path} ({exc.strerror})",
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logging.getLogger(__name__).warning("%s can be read by other users; chmod 600 it", path)
        value: Any = text.strip()
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, Mapping):
            value = parsed.get(name)
            if value is None:
                raise _err(
                    f"{where}.{name}_file",
                    f"{path} tidak berisi kunci '{name}'",
                    f"{path} has no key '{name}'",
                )
            value = str(value).strip()
        return value or None
    env = section.get(f"{name}_env", env_default)
    if not isinstance(env, str) or not env:
        raise _err(f"{where}.{name}_env", "harus berupa nama variabel lingkungan", "must be a variable name")
    return os.environ.get(env) or None


def load_config(path: str | Path | None = None) -> Config | None:
    """Read the notification configuration; None when the file does not exist (nothing to send)."""
    path = Path(path) if path is not None else default_config_path()
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotifyError(
            f"{path}: tidak dapat dibaca ({exc.strerror})", f"{path}: cannot be read ({exc.strerror})"
        ) from None
    except yaml.YAMLError as exc:
        raise NotifyError(f"{path}: YAML tidak sah: {exc}", f"{path}: invalid YAML: {exc}") from None
    return parse_config(data or {}, path)


def parse_config(data: Any, path: Path | None = None) -> Config:
    where = str(path) if path else "notify"
    if not isinstance(data, Mapping):
        raise _err(where, "harus berupa mapping YAML", "must be a YAML mapping")
    _check_keys(
        data, ("email", "telegram", "webhooks", "resolved", "renewal_days", "report_url", "routing"), where
    )
    base = path.parent if path else None
    config = Config(path=path)
    config.resolved = _bool(data.get("resolved"), f"{where}: resolved", True)
    config.renewal_days = int(
        _number(data.get("renewal_days"), f"{where}: renewal_days", DEFAULT_RENEWAL_DAYS, 0, 365)
    )
    report_url = data.get("report_url")
    if report_url is not None:
        if not isinstance(report_url, str) or not re.match(r"^https?://", report_url):
            raise _err(f"{where}: report_url", "harus URL http(s)", "must be an http(s) URL")
        config.report_url = report_url.rstrip("/")
    email = data.get("email")
    if email is not None and (not isinstance(email, Mapping) or email.get("enabled", True) is not False):
        config.email = _email_config(email, f"{where}: email", base)
    telegram = data.get("telegram")
    if telegram is not None and (
        not isinstance(telegram, Mapping) or telegram.get("enabled", True) is not False
    ):
        config.telegram = _telegram_config(telegram, f"{where}: telegram", base)
    hooks = data.get("webhooks")
    if hooks is not None:
        if not isinstance(hooks, list):
            raise _err(f"{where}: webhooks", "harus berupa daftar endpoint", "must be a list of endpoints")
        for index, hook in enumerate(hooks):
            if isinstance(hook, Mapping) and hook.get("enabled", True) is False:
                continue
            config.webhooks.append(_webhook_config(hook, f"{where}: webhooks[{index}]", base))
        names = [h.name for h in config.webhooks]
        if len(names) != len(set(names)):
            raise _err(f"{where}: webhooks", "nama endpoint harus unik", "endpoint names must be unique")
    config.routing = routing.parse_routing(data.get("routing"), f"{where}: routing", _err)
    return config


def _email_config(data: Any, where: str, base: Path | None) -> EmailConfig:
    if not isinstance(data, Mapping):
        raise _err(where, "harus berupa mapping", "must be a mapping")
    allowed = (
        "enabled",
        "host",
        "port",
        "from",
        "to",
        "starttls",
        "ssl",
        "username",
        "password",
        "password_env",
        "password_file",
        "cafile",
        "court_contacts",
        "timeout",
    )
    _check_keys(data, allowed, where)
    host = data.get("host")
    if not isinstance(host, str) or not host.strip():
        raise _err(f"{where}.host", "wajib diisi (server SMTP)", "is required (the SMTP server)")
    sender = data.get("from")
    if not isinstance(sender, str) or "@" not in sender:
        raise _err(f"{where}.from", "wajib diisi (alamat pengirim)", "is required (the sender address)")
    use_ssl = _bool(data.get("ssl"), f"{where}.ssl", False)
    username = data.get("username")
    if username is not None and not isinstance(username, str):
        raise _err(f"{where}.username", "harus berupa teks", "must be a string")
    # A password never travels in clear: with a username, STARTTLS is the default (ssl: true is the
    # other choice) and turning both off is refused.
    starttls = _bool(data.get("starttls"), f"{where}.starttls", bool(username) and not use_ssl)
    if use_ssl and starttls:
        raise _err(where, "pilih salah satu: ssl atau starttls", "choose one of ssl or starttls")
    if username and not (use_ssl or starttls):
        raise _err(
            f"{where}.starttls",
            "username diisi: kata sandi tidak pernah dikirim tanpa enkripsi, "
            "pakai starttls: true atau ssl: true",
            "a username is set: the password is never sent unencrypted, use starttls: true or ssl: true",
        )
    port = int(
        _number(data.get("port"), f"{where}.port", 465 if use_ssl else (587 if starttls else 25), 1, 65535)
    )
    to = _string_list(data.get("to"), f"{where}.to")
    court_contacts = _bool(data.get("court_contacts"), f"{where}.court_contacts", False)
    if not to and not court_contacts:
        raise _err(
            f"{where}.to",
            "tidak ada penerima (isi to atau court_contacts: true)",
            "no recipients (set to or court_contacts: true)",
        )
    for address in to:
        if "@" not in address:
            raise _err(
                f"{where}.to", f"'{address}' bukan alamat e-mail", f"'{address}' is not an e-mail address"
            )
    password = read_secret(data, "password", "SOPANSIBLE_SMTP_PASSWORD", where, base)
    if username and not password:
        raise _err(
            f"{where}.password",
            "username diisi tetapi kata sandi tidak ditemukan (password_env / password_file)",
            "a username is set but no password was found (password_env / password_file)",
        )
    cafile = data.get("cafile")
    if cafile is not None and (not isinstance(cafile, str) or not Path(cafile).is_file()):
        raise _err(f"{where}.cafile", f"berkas CA tidak ada: {cafile}", f"CA file not found: {cafile}")
    return EmailConfig(
        host=host.strip(),
        port=port,
        sender=sender,
        to=to,
        starttls=starttls,
        ssl=use_ssl,
        username=username or None,
        password=password if username else None,
        cafile=cafile,
        court_contacts=court_contacts,
        timeout=_number(data.get("timeout"), f"{where}.timeout", 30.0, 1, 600),
    )


def _telegram_config(data: Any, where: str, base: Path | None) -> TelegramConfig:
    if not isinstance(data, Mapping):
        raise _err(where, "harus berupa mapping", "must be a mapping")
    allowed = (
        "enabled",
        "token",
        "token_env",
        "token_file",
        "chat_ids",
        "court_chat_ids",
        "api_base",
        "timeout",
    )
    _check_keys(data, allowed, where)
    token = read_secret(data, "token", "SOPANSIBLE_TELEGRAM_TOKEN", where, base)
    if not token:
        raise _err(
            f"{where}.token",
            "token bot tidak ditemukan (variabel lingkungan SOPANSIBLE_TELEGRAM_TOKEN, token_env atau "
            "token_file)",
            "bot token not found (environment variable SOPANSIBLE_TELEGRAM_TOKEN, token_env or token_file)",
        )
    if not re.match(r"^[0-9]+:[A-Za-z0-9_-]+$", token):
        raise _err(f"{where}.token", "bentuk token bot tidak sah", "the bot token is malformed")
    chats = _string_list(data.get("chat_ids"), f"{where}.chat_ids")
    per_court = data.get("court_chat_ids") or {}
    if not isinstance(per_court, Mapping):
        raise _err(
            f"{where}.court_chat_ids", "harus mapping pengadilan -> daftar chat", "must map courts to chats"
        )
    court_chats = {str(k): _string_list(v, f"{where}.court_chat_ids.{k}") for k, v in per_court.items()}
    if not chats and not court_chats:
        raise _err(f"{where}.chat_ids", "tidak ada chat tujuan", "no chat to send to")
    api_base = data.get("api_base", TELEGRAM_API)
    if not isinstance(api_base, str) or not re.match(r"^https?://[^/\s]+", api_base):
        raise _err(f"{where}.api_base", "harus URL http(s)", "must be an http(s) URL")
    return TelegramConfig(
        token=token,
        chat_ids=chats,
        court_chat_ids=court_chats,
        api_base=api_base.rstrip("/"),
        timeout=_number(data.get("timeout"), f"{where}.timeout", 15.0, 1, 600),
    )


# Plain `headers:` may not carry what looks like a credential: that goes in auth_header + auth_env/file.
_SECRET_HEADER = re.compile(r"auth|token|key|secret|cookie|password|signature", re.I)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def _webhook_config(data: Any, where: str, base: Path | None) -> webhook.WebhookConfig:
    if not isinstance(data, Mapping):
        raise _err(where, "harus berupa mapping", "must be a mapping")
    allowed = (
        "enabled",
        "name",
        "url",
        "url_env",
        "url_file",
        "headers",
        "auth_header",
        "auth",
        "auth_env",
        "auth_file",
        "hmac",
        "hmac_env",
        "hmac_file",
        "courts",
        "timeout",
    )
    _check_keys(data, allowed, where)
    name = data.get("name")
    if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", name):
        raise _err(
            f"{where}.name",
            "wajib diisi: huruf kecil, angka, - atau _ (paling banyak 32)",
            "is required: lower-case letters, digits, - or _ (at most 32)",
        )
    where = f"{where} ({name})"
    url, parts, host = _webhook_url(data, where, base)
    headers, secret_headers = _webhook_headers(data, where, base)
    hmac_key = _webhook_hmac_key(data, where, base)
    courts = data.get("courts")
    return webhook.WebhookConfig(
        name=name,
        url=url,
        host=host if parts.port is None else f"{host}:{parts.port}",
        headers=headers,
        secret_headers=secret_headers,
        hmac_key=hmac_key,
        courts=None if courts is None else _string_list(courts, f"{where}.courts"),
        timeout=_number(data.get("timeout"), f"{where}.timeout", 10.0, 1, 60),
    )


def _webhook_url(data: Mapping, where: str, base: Path | None):
    """(url, its parts, host) of a webhook: written, or a secret from url_env/url_file."""
    from urllib.parse import urlsplit

    if data.get("url") is not None:
        url = data["url"]
        if not isinstance(url, str):
            raise _err(f"{where}.url", "harus berupa URL http(s)", "must be an http(s) URL")
        secret_url = False
    elif data.get("url_env") is not None or data.get("url_file") is not None:
        url = read_secret(data, "url", str(data.get("url_env") or ""), where, base)
        if not url:
            raise _err(
                f"{where}.url_env",
                "URL tidak ditemukan (variabel lingkungan kosong atau tidak ada)",
                "no URL found (the environment variable is empty or unset)",
            )
        secret_url = True
    else:
        raise _err(
            f"{where}.url",
            "wajib diisi (url, url_env atau url_file)",
            "is required (url, url_env or url_file)",
        )
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        parts, host = None, ""
    # The URL may hold a token: an error about it never shows it.
    shown = "" if secret_url else f" ({_redact.redact_text(url)[:200]})"
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise _err(f"{where}.url", f"harus URL http(s){shown}", f"must be an http(s) URL{shown}")
    if (parts.username or parts.password) and not secret_url:
        raise _err(
            f"{where}.url",
            "nama pengguna/kata sandi di URL adalah rahasia: pakai url_env atau url_file, atau auth_header",
            "a user name/password in the URL is a secret: use url_env or url_file, or auth_header",
        )
    return url, parts, host


def _webhook_headers(data: Mapping, where: str, base: Path | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The plain headers and the one secret header (auth_header, its value from auth_env/auth_file)."""
    headers: dict[str, str] = {}
    plain = data.get("headers") or {}
    if not isinstance(plain, Mapping):
        raise _err(f"{where}.headers", "harus mapping nama -> nilai", "must map names to values")
    for key, value in plain.items():
        if not isinstance(key, str) or not _HEADER_NAME.match(key) or not isinstance(value, str | int):
            raise _err(f"{where}.headers", f"header tidak sah: {key}", f"invalid header: {key}")
        if _SECRET_HEADER.search(key):
            raise _err(
                f"{where}.headers.{key}",
                "header rahasia tidak ditulis di konfigurasi: pakai auth_header dengan auth_env atau "
                "auth_file",
                "a secret header is not written in the configuration: use auth_header with auth_env or "
                "auth_file",
            )
        if any(ord(ch) < 32 for ch in str(value)):
            raise _err(f"{where}.headers.{key}", "nilai tidak sah", "invalid value")
        headers[key] = str(value)
    secret_headers: tuple[str, ...] = ()
    auth_header = data.get("auth_header")
    if auth_header is not None:
        if not isinstance(auth_header, str) or not _HEADER_NAME.match(auth_header):
            raise _err(f"{where}.auth_header", "harus nama header", "must be a header name")
        if data.get("auth") is None and data.get("auth_env") is None and data.get("auth_file") is None:
            raise _err(
                f"{where}.auth_env",
                "auth_header diisi: nilainya dari auth_env atau auth_file",
                "auth_header is set: its value comes from auth_env or auth_file",
            )
        value = read_secret(data, "auth", str(data.get("auth_env") or ""), where, base)
        if not value or any(ord(ch) < 32 for ch in value):
            raise _err(
                f"{where}.auth_env",
                "nilai header rahasia tidak ditemukan atau tidak sah",
                "the secret header's value is missing or invalid",
            )
        headers[auth_header] = value
        secret_headers = (auth_header,)
    elif any(data.get(k) is not None for k in ("auth", "auth_env", "auth_file")):
        raise _err(
            f"{where}.auth_header",
            "wajib diisi bersama auth_env/auth_file",
            "is required with auth_env/auth_file",
        )
    return headers, secret_headers


def _webhook_hmac_key(data: Mapping, where: str, base: Path | None) -> bytes | None:
    """The key that signs every message, when one is configured (at least 16 characters)."""
    hmac_key = None
    if data.get("hmac") is not None or data.get("hmac_env") is not None or data.get("hmac_file") is not None:
        key = read_secret(data, "hmac", str(data.get("hmac_env") or ""), where, base)
        if not key or len(key) < 16:
            raise _err(
                f"{where}.hmac_env",
                "kunci HMAC tidak ditemukan atau terlalu pendek (minimal 16 karakter)",
                "the HMAC key is missing or too short (at least 16 characters)",
            )
        hmac_key = key.encode("utf-8")
    return hmac_key


# -- problems -------------------------------------------------------------------------------------------
@dataclass
class Problem:
    court: str
    activity: str
    rule: str  # the finding's rule (or backup-failed, audit-failed)
    group: str  # the rule part of the dedupe key (renewals: "<kind>-renewal", expiring and expired alike)
    target: str
    fingerprint: str
    severity: str
    message: str
    days: int | None = None
    channels: tuple[str, ...] | None = None  # None: every configured channel

    @property
    def key(self) -> str:
        return f"{self.court}|{self.group}|{self.target}"


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _clip(text: Any, limit: int = MESSAGE_LIMIT) -> str:
    text = _redact.redact_text(" ".join(str(text or "").split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problems_of(
    run: Mapping[str, Any],
    renewal_days: int = DEFAULT_RENEWAL_DAYS,
    settings: Mapping[str, tuple[str, tuple[str, ...] | None]] | None = None,
) -> list[Problem]:
    """The problems of a run that alert (see the module documentation), one per dedupe key. ``settings``
    are the team's routes (``Config.routing``) over the routing table's defaults."""
    settings = settings or {}
    found: dict[str, Problem] = {}
    for result in run.get("results") or []:
        court, activity = result["court"], result["activity"]
        problem = _activity_problem(result, settings)
        if problem is not None:
            found.setdefault(problem.key, problem)
        for finding in result.get("findings") or []:
            if not isinstance(finding, Mapping):
                continue
            problem = _finding_problem(court, activity, finding, renewal_days, settings)
            if problem is not None:
                found.setdefault(problem.key, problem)
    return list(found.values())


def _activity_problem(result: Mapping, settings: Mapping) -> Problem | None:
    """backup-failed / audit-failed: W2 or IT-AUDIT ended failed or critical (its findings are told in
    it: the failed controls of the audit, high and critical, by name)."""
    activity = result["activity"]
    rule = routing.ACTIVITY_PROBLEMS.get(activity)
    if rule is None or result["status"] not in BACKUP_FAILED:
        return None
    route, channels = settings.get(rule) or (routing.ALERT, None)
    if route == routing.REPORT:
        return None
    findings = [f for f in result.get("findings") or [] if isinstance(f, Mapping)]
    summary = result.get("summary") or result.get("error") or result["status"]
    if activity == AUDIT_ACTIVITY:
        serious = sorted({str(f.get("rule")) for f in findings if f.get("severity") in ("high", "critical")})
        fingerprint = _digest([result["status"], serious])
        if serious:
            summary = f"{summary} ({', '.join(serious)})"
        target = "audit"
    else:
        fingerprint = _digest([result["status"], sorted({str(f.get("rule")) for f in findings})])
        target = "backup"
    return Problem(
        result["court"], activity, rule, rule, target, fingerprint, "critical", _clip(summary), None, channels
    )


def _finding_problem(
    court: str, activity: str, finding: Mapping, renewal_days: int, settings: Mapping | None = None
) -> Problem | None:
    rule = str(finding.get("rule") or "")
    evidence = finding.get("evidence") if isinstance(finding.get("evidence"), Mapping) else {}
    message = _clip(finding.get("message") or rule)
    severity = str(finding.get("severity") or "critical")
    match = RENEWAL_RULE.match(rule)
    days = evidence.get("days_left") if match else None
    if isinstance(days, bool) or not isinstance(days, int | float):
        days = None
    due = days is not None and days <= renewal_days
    if routing.ACTIVITY_PROBLEMS.get(activity) == rule:
        return None  # a W2 finding backup-failed: the activity's own alert tells it
    channels = routing.alerts(rule, severity, activity, settings or {}, due=due)
    if channels == ():
        return None
    if rule == "unavailable":
        if evidence.get("confirmed") is False:  # one failed round of `sopansible watch`: not yet
            return None
        target = str(evidence.get("url") or "site")
        fingerprint = _digest([evidence.get("reason"), evidence.get("status")])
        return Problem(court, activity, rule, rule, target, fingerprint, severity, message, None, channels)
    if rule == "cloaking":
        differences = evidence.get("differences") if isinstance(evidence.get("differences"), list) else []
        variants = sorted({str(d.get("variant")) for d in differences if isinstance(d, Mapping)})
        reasons = sorted(
            {str(r) for d in differences if isinstance(d, Mapping) for r in d.get("reasons") or []}
        )
        fingerprint = _digest([variants, reasons])
        return Problem(court, activity, rule, rule, "page", fingerprint, severity, message, None, channels)
    if rule in ("defacement", "gambling-spam"):
        target = str(evidence.get("url") or evidence.get("variant") or "page")
        fingerprint = _digest(sorted(str(t) for t in evidence.get("terms") or []))
        return Problem(court, activity, rule, rule, target, fingerprint, severity, message, None, channels)
    if match:
        date = evidence.get("paid_until") or evidence.get("not_after") or evidence.get("date")
        target = evidence.get("item") or (
            f"tls:{evidence['subject']}" if evidence.get("subject") else activity
        )
        return Problem(
            court,
            activity,
            rule,
            group_of(rule),
            str(target),
            _digest([rule, date]),
            severity,
            message,
            None if days is None else int(days // 1),
            channels,
        )
    # Any other rule: the target is what the evidence names (the renewal item, URL, host, service...),
    # else the activity; what the problem is does not change with counts or times, only with its
    # severity and reason (so a webshell seen again tomorrow is not announced again).
    target = next((str(evidence[k]) for k in TARGET_KEYS if evidence.get(k)), activity)
    fingerprint = _digest([severity, evidence.get("reason"), evidence.get("status")])
    target = _clip(target, 200)
    return Problem(court, activity, rule, rule, target, fingerprint, severity, message, None, channels)


def group_of(rule: str) -> str:
    """The rule part of a problem's dedupe key: the rule, or ``<kind>-renewal`` for a renewal rule."""
    match = RENEWAL_RULE.match(rule)
    return f"{match.group(1)}-renewal" if match else rule


def looked_for(outputs: Mapping[str, Any], group: str) -> bool:
    """Whether a result (its ``outputs``) looked for problems of GROUP, so that not finding one means it
    is gone: a site that could not be read was not checked for its content (CONTENT_RULES), and a light
    W1 probe only for the rules it lists (``checked_rules``; absent or None: every rule)."""
    if outputs.get("reachable") is False and group in CONTENT_RULES:
        return False
    rules = outputs.get("checked_rules")
    if isinstance(rules, list):
        return group in {group_of(str(rule)) for rule in rules}
    return True


def _cleared_scope(
    run: Mapping[str, Any],
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict[tuple[str, str], list[Mapping]]]:
    """(court, activity) pairs that were checked by the run, those whose W2 / IT-AUDIT succeeded, and
    the outputs of each pair's results (what they looked for: :func:`looked_for`)."""
    checked, activity_ok, outputs_of = set(), set(), {}
    for result in run.get("results") or []:
        if result["status"] in CHECKED:
            checked.add((result["court"], result["activity"]))
        outputs = result.get("outputs") if isinstance(result.get("outputs"), Mapping) else {}
        outputs_of.setdefault((result["court"], result["activity"]), []).append(outputs)
        if result["activity"] in routing.ACTIVITY_PROBLEMS and result["status"] in ("ok", "warning"):
            activity_ok.add((result["court"], result["activity"]))
    return checked, activity_ok, outputs_of


# -- planning --------------------------------------------------------------------------------------------
@dataclass
class Item:
    status: str  # new | changed | resolved
    key: str
    court: str
    activity: str
    rule: str
    group: str
    target: str
    fingerprint: str
    message: str
    days: int | None = None
    severity: str | None = None  # None in a resolved item (the problem is gone)
    first_seen: str | None = None  # when the problem was first announced (ISO time)
    ended: dict | None = None  # resolved: {"since", "until", "duration_s"} when the run says so


@dataclass
class Delivery:
    channel: str
    court: str
    recipients: list[str]
    items: list[Item]
    route: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    #: files sent with the message: (file name, MIME type, content); e-mail attaches them, Telegram
    #: sends each as a document (sopansible.delivery: the court's report)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def routes(config: Config, court: str, data: Mapping) -> dict[str, list[str]]:
    """{route: recipients} for a court. A route is what the notification state is kept for: "email" (one
    message to every address) or "telegram:<chat id>" (one message per chat, so that a chat that failed is
    retried without repeating the message to the others) or "webhook:<name>" (each endpoint, shown by
    its name and host, never its URL)."""
    out: dict[str, list[str]] = {}
    if config.email is not None:
        recipients = list(config.email.to)
        if config.email.court_contacts:
            recipients += court_emails(data)
        out["email"] = list(dict.fromkeys(recipients))
    if config.telegram is not None:
        chats = config.telegram.chat_ids + config.telegram.court_chat_ids.get(court, [])
        for chat in dict.fromkeys(chats):
            out[f"telegram:{chat}"] = [chat]
    for hook in config.webhooks:
        if hook.courts is None or court in hook.courts:
            out[f"webhook:{hook.name}"] = [hook.where]
    return out


def plan(
    store: HistoryStore, run: Mapping[str, Any], config: Config
) -> tuple[list[Delivery], list[dict], int]:
    """What to send for a run: (deliveries, silent state changes, number of unchanged problems)."""
    problems = problems_of(run, config.renewal_days, config.routing)
    current = {p.key for p in problems}
    checked, activity_ok, outputs_of = _cleared_scope(run)
    started = str(run.get("started") or now_iso())
    courts = run.get("courts") or {}
    court_routes: dict[str, dict[str, list[str]]] = {}

    def routes_of(court: str) -> dict[str, list[str]]:
        if court not in court_routes:
            data = courts.get(court) if isinstance(courts.get(court), Mapping) else {}
            court_routes[court] = routes(config, court, data)
        return court_routes[court]

    state = {(rec["key"], rec["channel"]): rec for rec in store.notification_state()}
    # When each open problem was first announced, on any route (a route added later gets the same time).
    first_seen: dict[str, str] = {}
    for (key, _route), rec in state.items():
        if rec["state"] == "open":
            seen = rec.get("first_seen") or rec["sent"]
            first_seen[key] = min(first_seen.get(key, seen), seen)
    by_route: dict[tuple[str, str], list[Item]] = {}
    silent: list[dict] = []
    unchanged = 0
    for problem in problems:
        for route in routes_of(problem.court):
            if problem.channels is not None and route.partition(":")[0] not in problem.channels:
                continue
            rec = state.get((problem.key, route))
            if rec is not None and rec["state"] == "open" and rec["fingerprint"] == problem.fingerprint:
                unchanged += 1
                continue
            status = "changed" if rec is not None and rec["state"] == "open" else "new"
            by_route.setdefault((problem.court, route), []).append(
                Item(
                    status,
                    problem.key,
                    problem.court,
                    problem.activity,
                    problem.rule,
                    problem.group,
                    problem.target,
                    problem.fingerprint,
                    problem.message,
                    problem.days,
                    problem.severity,
                    first_seen.get(problem.key, started),
                )
            )
    activity_rules = set(routing.ACTIVITY_PROBLEMS.values())
    for (key, route), rec in state.items():
        if rec["state"] != "open" or key in current or route not in routes_of(rec["court"]):
            continue
        if rec["rule"] in activity_rules:
            # backup-failed / audit-failed end with the next W2 / IT-AUDIT that succeeds
            cleared = (rec["court"], rec["activity"]) in activity_ok
        else:
            pair = (rec["court"], rec["activity"])
            cleared = pair in checked and all(looked_for(o, rec["rule"]) for o in outputs_of.get(pair, []))
        if not cleared:
            continue
        item = Item(
            "resolved",
            key,
            rec["court"],
            rec["activity"],
            rec["rule"],
            rec["rule"],
            rec["target"],
            rec["fingerprint"],
            rec["message"] or "",
            first_seen=first_seen.get(key),
        )
        item.ended = _ended(run, rec)
        if config.resolved:
            by_route.setdefault((rec["court"], route), []).append(item)
        else:
            silent.append(_record(item, route, run))
    deliveries = []
    for (court, route), items in sorted(by_route.items()):
        items.sort(key=lambda i: (i.status == "resolved", i.key))
        channel = route.partition(":")[0]
        deliveries.append(Delivery(channel, court, routes_of(court)[route], items, route=route))
    return deliveries, silent, unchanged


def _ended(run: Mapping[str, Any], rec: Mapping[str, Any]) -> dict | None:
    """How long a resolved problem lasted, when the run's result says so (``outputs.ended``: a list of
    {"rule", "target", "since", "until", "duration_s"}, as ``sopansible watch`` records an outage)."""
    for result in run.get("results") or []:
        if (result.get("court"), result.get("activity")) != (rec["court"], rec["activity"]):
            continue
        outputs = result.get("outputs") if isinstance(result.get("outputs"), Mapping) else {}
        for entry in outputs.get("ended") or []:
            if isinstance(entry, Mapping) and (entry.get("rule"), entry.get("target")) == (
                rec["rule"],
                rec["target"],
            ):
                return dict(entry)
    return None


def court_emails(data: Mapping) -> list[str]:
    """E-mail addresses of the court's secretary and IT staff (inventory ``court_contacts``)."""
    contacts = data.get("court_contacts") if isinstance(data, Mapping) else None
    if not isinstance(contacts, Mapping):
        return []
    people = [contacts.get("sekretaris")]
    staff = contacts.get("it_staff")
    people += staff if isinstance(staff, list) else [staff]
    out = []
    for person in people:
        email = person.get("email") if isinstance(person, Mapping) else None
        if isinstance(email, str) and re.match(r"^[^@\s<>,]+@[^@\s<>,]+$", email.strip()):
            out.append(email.strip())
    return out


def _record(item: Item, channel: str, run: Mapping[str, Any]) -> dict:
    return {
        "key": item.key,
        "channel": channel,
        "court": item.court,
        "activity": item.activity,
        "rule": item.group,
        "target": item.target,
        "fingerprint": item.fingerprint,
        "state": "resolved" if item.status == "resolved" else "open",
        "message": item.message,
        "run_id": run.get("run_id"),
        "sent": now_iso(),
        "first_seen": item.first_seen,
    }


# -- messages --------------------------------------------------------------------------------------------
def _title(item: Item, t: Mapping[str, str], renewal_days: int) -> str:
    if item.group.endswith("-renewal"):
        # a critical renewal may be further away than renewal_days (a share of a long lifetime)
        days = renewal_days if item.days is None else max(item.days, renewal_days)
        return t["renewal"].format(days=days)
    return t.get(item.group) or t.get(item.rule) or item.rule


def compose(delivery: Delivery, run: Mapping[str, Any], config: Config, lang: str = "id") -> Delivery:
    """Fill in the subject, plain text and HTML (every value escaped) of a delivery."""
    from sopansible.report import slug

    t = TEXT["en" if lang == "en" else "id"]
    data = (run.get("courts") or {}).get(delivery.court) or {}
    court = str(data.get("court_name") or delivery.court) if isinstance(data, Mapping) else delivery.court
    problems = sum(1 for i in delivery.items if i.status != "resolved")
    resolved = len(delivery.items) - problems
    summary = ", ".join(
        s
        for s in (
            t["summary_problems"].format(n=problems) if problems else "",
            t["summary_resolved"].format(n=resolved) if resolved else "",
        )
        if s
    )
    delivery.subject = _clip(t["subject"].format(court=court, summary=summary), 200)
    heading = t["heading"].format(
        court=court,
        run=run.get("run_id", "?"),
        name=run.get("name", "?"),
        time=str(run.get("started", ""))[:16],
    )
    lines = []
    for item in delivery.items:
        title = _title(item, t, config.renewal_days)
        message = item.message
        if item.ended and isinstance(item.ended.get("duration_s"), int | float):
            from sopansible.catalogue import format_seconds

            since = str(item.ended.get("since") or "")[:19].replace("T", " ")
            note = t["ended"].format(duration=format_seconds(item.ended["duration_s"], lang), since=since)
            message = f"{message} {_clip(note)}"
        # The target comes from court results (messages are redacted by _clip): no URL password.
        lines.append((t[item.status], title, _redact.redact_text(item.target), message))
    link = f"{config.report_url}/{slug(delivery.court)}/laporan.html" if config.report_url else None
    text_lines = [heading, ""]
    html_lines = [f"<b>{html.escape(heading)}</b>", ""]
    limit = TELEGRAM_LIMIT - 400
    used = 0
    for index, (status, title, target, message) in enumerate(lines):
        entry_text = f"- [{status}] {title} ({target}): {message}"
        entry_html = (
            f"• <b>[{html.escape(status)}]</b> {html.escape(title)} (<code>{html.escape(target)}</code>): "
            f"{html.escape(message)}"
        )
        if used + len(entry_html) > limit:
            more = t["more"].format(n=len(lines) - index)
            text_lines.append(more)
            html_lines.append(html.escape(more))
            break
        used += len(entry_html)
        text_lines.append(entry_text)
        html_lines.append(entry_html)
    if link:
        text_lines += ["", f"{t['report']}: {link}"]
        html_lines += [
            "",
            f'{html.escape(t["report"])}: <a href="{html.escape(link, quote=True)}">{html.escape(link)}</a>',
        ]
    text_lines += ["", t["footer"]]
    html_lines += ["", f"<i>{html.escape(t['footer'])}</i>"]
    delivery.text = "\n".join(text_lines)
    delivery.html = "\n".join(html_lines)
    return delivery


# -- channels --------------------------------------------------------------------------------------------
class _RedactSecrets(logging.Filter):
    """Drop secrets from log records of the HTTP client (httpx logs request URLs, which hold the bot
    token)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = _redact.redact_text(text)
        # longest first: a secret inside another (a webhook URL's path in the URL) leaves nothing behind
        for secret in sorted(self.secrets, key=len, reverse=True):
            clean = clean.replace(secret, "***")
        if clean != text:
            record.msg, record.args = clean, None
        return True


_REDACT = _RedactSecrets()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_REDACT)


def _scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _redact.redact_text(text)


def send_email(config: EmailConfig, delivery: Delivery) -> dict:
    """Send one message to the delivery's recipients. Returns {"refused": [addresses]} (a partial
    refusal); raises NotifyError when the server refuses it or cannot be reached."""
    if not delivery.recipients:
        raise NotifyError(
            f"tidak ada alamat penerima untuk {delivery.court}", f"no recipient address for {delivery.court}"
        )
    message = EmailMessage()
    message["Subject"] = delivery.subject
    message["From"] = config.sender
    message["To"] = ", ".join(delivery.recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(delivery.text)
    message.add_alternative(
        '<!doctype html><html><body><div style="font-family:sans-serif;white-space:pre-wrap">'
        + delivery.html
        + "</div></body></html>",
        subtype="html",
    )
    for filename, mime, content in delivery.attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
        )
    where = f"SMTP {config.host}:{config.port}"
    if config.username and not (config.ssl or config.starttls):
        raise NotifyError(
            f"{where}: kata sandi tidak dikirim tanpa enkripsi (pakai starttls atau ssl)",
            f"{where}: the password is never sent unencrypted (use starttls or ssl)",
        )
    context = ssl.create_default_context(cafile=config.cafile) if (config.ssl or config.starttls) else None
    try:
        if config.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            client.ehlo()
            if config.starttls:
                if not client.has_extn("starttls"):
                    raise NotifyError(
                        f"{where}: server tidak menawarkan STARTTLS; kata sandi tidak dikirim tanpa enkripsi",
                        f"{where}: the server does not offer STARTTLS; "
                        "the password is never sent unencrypted",
                    )
                client.starttls(context=context)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(
            f"{where}: login ditolak (kode {exc.smtp_code})", f"{where}: login refused (code {exc.smtp_code})"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        detail = "; ".join(f"{a}: {c} {_decode(m)}" for a, (c, m) in exc.recipients.items())
        raise NotifyError(
            f"{where}: semua penerima ditolak ({detail})", f"{where}: every recipient was refused ({detail})"
        ) from None
    except smtplib.SMTPResponseException as exc:
        detail = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
        raise NotifyError(
            f"{where}: pesan ditolak ({detail})", f"{where}: message refused ({detail})"
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        detail = _scrub(f"{type(exc).__name__}: {exc}", config.password)
        raise NotifyError(
            f"{where}: gagal mengirim ({detail})", f"{where}: sending failed ({detail})"
        ) from None
    return {"refused": sorted(refused)}


def _decode(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _telegram_post_each(config: TelegramConfig, delivery: Delivery, method: str, requests) -> dict:
    """POST to the Bot API ``method`` for every chat of the delivery, once per request options that
    ``requests(chat)`` gives (httpx ``json``/``data``/``files``). Raises NotifyError (never holding the
    token) when a chat cannot be reached or refuses; returns {"message_ids": [...]}."""
    import httpx

    if not delivery.recipients:
        raise NotifyError(
            f"tidak ada chat tujuan untuk {delivery.court}", f"no chat to send to for {delivery.court}"
        )
    _REDACT.secrets.add(config.token)
    url = f"{config.api_base}/bot{config.token}/{method}"
    where = f"Telegram {httpx.URL(config.api_base).host}"
    ids = []
    with httpx.Client(timeout=config.timeout, follow_redirects=False) as client:
        for chat in delivery.recipients:
            for request in requests(chat):
                try:
                    response = client.post(url, **request)
                except httpx.HTTPError as exc:
                    detail = _scrub(f"{type(exc).__name__}: {exc}", config.token)
                    raise NotifyError(
                        f"{where}: chat {chat} tidak terkirim ({detail})",
                        f"{where}: chat {chat} not sent ({detail})",
                    ) from None
                ids.append(_telegram_answer(response, where, chat, config.token))
    return {"message_ids": ids}


def send_telegram(config: TelegramConfig, delivery: Delivery) -> dict:
    """Send the delivery's HTML text to every chat with the Bot API ``sendMessage``. Raises NotifyError
    (never holding the token) when a chat cannot be reached; returns {"message_ids": [...]}."""

    def message(chat):
        body = {
            "chat_id": chat,
            "text": delivery.html,
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        }
        return [{"json": body}]

    return _telegram_post_each(config, delivery, "sendMessage", message)


def _telegram_answer(response: Any, where: str, chat: str, token: str) -> Any:
    """The message id of a Bot API answer; raises NotifyError (never holding the token) for a refusal."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        description = answer.get("description") if isinstance(answer, dict) else None
        detail = _scrub(
            f"HTTP {response.status_code}" + (f": {_clip(description, 200)}" if description else ""), token
        )
        raise NotifyError(
            f"{where}: chat {chat} ditolak ({detail})", f"{where}: chat {chat} refused ({detail})"
        )
    result = answer.get("result")
    return result.get("message_id") if isinstance(result, dict) else None


def send_telegram_documents(config: TelegramConfig, delivery: Delivery) -> dict:
    """Send each attachment of the delivery to every chat with the Bot API ``sendDocument``, the
    delivery's text as the caption. Raises NotifyError (never holding the token) when a chat cannot be
    reached or refuses; returns {"message_ids": [...]}."""
    caption = _clip(delivery.text, 1000)

    def documents(chat):
        return [
            {"data": {"chat_id": chat, "caption": caption}, "files": {"document": (filename, content, mime)}}
            for filename, mime, content in delivery.attachments
        ]

    return _telegram_post_each(config, delivery, "sendDocument", documents)


def send_webhook(config: Config, delivery: Delivery, run: Mapping[str, Any], lang: str = "id") -> dict:
    """POST each item of the delivery to its webhook endpoint as one JSON event (docs/notifications.md,
    "Webhook"). Raises NotifyError (holding neither the URL nor a header value, ``delivered`` set) when
    the endpoint fails; returns {"delivered": n}."""
    name = delivery.route.partition(":")[2]
    hook = next((h for h in config.webhooks if h.name == name), None)
    if hook is None:
        raise NotifyError(f"webhook {name} tidak dikonfigurasi", f"webhook {name} is not configured")
    _REDACT.secrets.update(hook.secrets())
    data = (run.get("courts") or {}).get(delivery.court)
    court_name = delivery.court
    if isinstance(data, Mapping) and data.get("court_name"):
        court_name = str(data["court_name"])
    from sopansible.report import slug

    link = f"{config.report_url}/{slug(delivery.court)}/laporan.html" if config.report_url else None
    t = TEXT["en" if lang == "en" else "id"]
    bodies = []
    for item in delivery.items:
        titles = {code: _title(item, TEXT[code], config.renewal_days) for code in ("id", "en")}
        target = _redact.redact_text(item.target)
        bodies.append(
            webhook.payload(
                status=item.status,
                key=item.key,
                fingerprint=item.fingerprint,
                court=delivery.court,
                court_name=court_name,
                activity=item.activity,
                rule=item.rule,
                severity=item.severity,
                target=target,
                title=titles,
                detail=item.message,
                first_seen=item.first_seen,
                run=run,
                report_url=link,
                text=f"[{t[item.status]}] {court_name}: {titles[lang if lang == 'en' else 'id']} ({target}): "
                f"{item.message}",
            )
        )
    try:
        return webhook.post(hook, bodies)
    except webhook.WebhookError as exc:
        error = NotifyError(exc.text_id, exc.text_en)
        error.delivered = exc.delivered
        raise error from None


# -- entry points ----------------------------------------------------------------------------------------
def notify_run(
    store: HistoryStore,
    run_id: str,
    config: Config | str | Path | None = None,
    lang: str = "id",
    dry_run: bool = False,
) -> dict:
    """Send the notifications of a stored run and remember what was sent. ``config`` is a Config, a
    path, or None for ``DATA/notify.yml``; without a configuration file nothing is done.

    Returns {"run_id", "configured", "dry_run", "sent": [{"channel", "court", "recipients", "items":
    [{"status", "key", "rule", "target", "message"}], ...}], "errors": [{"channel", "court", "error"}],
    "unchanged": n}. A failed delivery is listed under "errors" and not recorded as sent; the other
    deliveries still go out. Raises NotifyError for a bad configuration or an unknown run."""
    if not isinstance(config, Config):
        config = load_config(config)
    out: dict[str, Any] = {
        "run_id": run_id,
        "configured": config is not None,
        "dry_run": dry_run,
        "sent": [],
        "errors": [],
        "unchanged": 0,
    }
    if config is None:
        return out
    run = store.run(run_id)
    if run is None:
        raise NotifyError(f"run '{run_id}' tidak ada di riwayat", f"run '{run_id}' is not in the history")
    deliveries, silent, out["unchanged"] = plan(store, run, config)
    records: list[dict] = []
    for delivery in deliveries:
        compose(delivery, run, config, lang)
        entry = {
            "channel": delivery.channel,
            "route": delivery.route,
            "court": delivery.court,
            "recipients": delivery.recipients,
            "subject": delivery.subject,
            "items": [
                {"status": i.status, "key": i.key, "rule": i.rule, "target": i.target, "message": i.message}
                for i in delivery.items
            ],
        }
        if dry_run:
            entry["text"] = delivery.text
            out["sent"].append(entry)
            continue
        try:
            if delivery.channel == "email":
                assert config.email is not None
                entry.update(send_email(config.email, delivery))
            elif delivery.channel == "webhook":
                entry.update(send_webhook(config, delivery, run, lang))
            else:
                assert config.telegram is not None
                entry.update(send_telegram(config.telegram, delivery))
        except NotifyError as exc:
            out["errors"].append(
                {
                    "channel": delivery.channel,
                    "route": delivery.route,
                    "court": delivery.court,
                    "error": exc.message(lang),
                }
            )
            # A webhook takes one event at a time: those it took before failing are not sent again.
            records += [_record(item, delivery.route, run) for item in delivery.items[: exc.delivered]]
            continue
        out["sent"].append(entry)
        records += [_record(item, delivery.route, run) for item in delivery.items]
    if not dry_run:
        store.mark_notified(records + silent)
    return out


def _message(exc: Exception, lang: str) -> str:
    return exc.message(lang) if isinstance(exc, NotifyError) else str(exc)


def notify_after_run(
    store: HistoryStore, run_id: str, config_path: str | Path | None = None, lang: str = "id"
) -> dict:
    """For ``sopansible run``: like :func:`notify_run` but never raises; without a configuration file it
    does nothing. Problems (bad configuration, failed deliveries) are in the answer's "errors"."""
    try:
        return notify_run(store, run_id, config_path, lang)
    except (NotifyError, StoreError) as exc:
        return {
            "run_id": run_id,
            "configured": True,
            "dry_run": False,
            "sent": [],
            "unchanged": 0,
            "errors": [{"channel": None, "court": None, "error": _message(exc, lang)}],
        }
