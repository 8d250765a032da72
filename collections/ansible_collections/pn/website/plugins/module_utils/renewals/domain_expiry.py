# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain registration data: expiry date, registrar, status and name servers.

RDAP (RFC 9082/9083) is tried first, with the registry found through the IANA DNS bootstrap
file (RFC 9224); .id and .go.id names go to the .id registry (PANDI). Registries without RDAP
are asked over WHOIS (RFC 3912, TCP port 43). Every endpoint can be overridden: the bootstrap
URL or file, the RDAP base URL per TLD and the WHOIS server (host:port) per TLD.

Lookups never raise on network or server trouble: rate limits (HTTP 429 with Retry-After),
server errors, timeouts and malformed answers come back as a result with ``ok: False`` and an
``error`` code, so a fleet run continues.

Standard library only.
"""

# Python 3.8 compatibility: no datetime.UTC (3.11), socket.timeout is not TimeoutError before 3.10.

from __future__ import annotations

import copy
import datetime
import email.utils
import http.client
import json
import os
import re
import socket
import tempfile
import time
from urllib import error as urlerror
from urllib import parse as urlparse
from urllib import request as urlrequest

from ansible_collections.pn.website.plugins.module_utils.renewals.rdap_bootstrap_dns import BOOTSTRAP_DNS
from ansible_collections.pn.website.plugins.module_utils.shared.deadline import Deadline

USER_AGENT = "pn.website-renewals/0.1 (+https://github.com/pn-website)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_BOOTSTRAP_MAX_AGE = 7 * 86400
IANA_WHOIS = "whois.iana.org:43"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024

# RFC 8056 maps EPP status codes to RDAP status strings; "active" is EPP "ok".
_RDAP_TO_EPP_SPECIAL = {"active": "ok"}
HOLD_STATUSES = ("serverHold", "clientHold")
DELETION_STATUSES = ("pendingDelete", "redemptionPeriod")


class BootstrapError(Exception):
    """The bootstrap data is not an RFC 9224 DNS bootstrap file."""


# --------------------------------------------------------------------------- dates


_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|z|UTC|[+-]\d{2}:?\d{2})?$"
)
_DMY = re.compile(r"^(?P<d>\d{1,2})[-./ ](?P<mon>[A-Za-z]{3})[-./ ](?P<y>\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def parse_datetime(value: object) -> datetime.datetime | None:
    """Parse the date formats registries use into an aware UTC datetime, or None."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.timezone.utc)
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _ISO.match(text)
    try:
        if match:
            parts = match.groupdict()
            moment = datetime.datetime(
                int(parts["y"]),
                int(parts["m"]),
                int(parts["d"]),
                int(parts["H"] or 0),
                int(parts["M"] or 0),
                int(parts["S"] or 0),
                tzinfo=datetime.timezone.utc,
            )
            tz = parts["tz"]
            if tz and tz[0] in "+-":
                digits = tz[1:].replace(":", "")
                offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                moment = moment - offset if tz[0] == "+" else moment + offset
            return moment
        match = _DMY.match(text)
        if match and match.group("mon").lower() in _MONTHS:
            return datetime.datetime(
                int(match.group("y")),
                _MONTHS[match.group("mon").lower()],
                int(match.group("d")),
                tzinfo=datetime.timezone.utc,
            )
    except ValueError:
        return None
    return None


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


# --------------------------------------------------------------------------- bootstrap


def validate_bootstrap(data: object) -> dict:
    """Check the RFC 9224 shape and return the data; raise BootstrapError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise BootstrapError("not an RDAP bootstrap file: no 'services' list")
    for index, service in enumerate(data["services"]):
        if (
            not isinstance(service, list)
            or len(service) < 2
            or not isinstance(service[0], list)
            or not isinstance(service[1], list)
            or not all(isinstance(item, str) for item in service[0] + service[1])
        ):
            raise BootstrapError(f"services[{index}] is not [[labels...], [urls...]]")
    return data


def load_bootstrap(
    url: str | None = None,
    cache_file: str | None = None,
    max_age: float = DEFAULT_BOOTSTRAP_MAX_AGE,
    file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: float | None = None,
) -> dict:
    """Return ``{"data": bootstrap, "source": ..., "error": ...}``.

    Order: an explicit ``file``; a ``cache_file`` younger than ``max_age`` seconds; the ``url``
    (written to ``cache_file`` on success); a stale cache; the copy shipped with the collection.
    """
    now = time.time() if now is None else now
    if file:
        with open(file, encoding="utf-8") as handle:
            return {"data": validate_bootstrap(json.load(handle)), "source": "file:" + file, "error": None}
    stale = None
    if cache_file and os.path.isfile(cache_file):
        try:
            with open(cache_file, encoding="utf-8") as handle:
                cached = validate_bootstrap(json.load(handle))
            if now - os.path.getmtime(cache_file) < max_age:
                return {"data": cached, "source": "cache:" + cache_file, "error": None}
            stale = cached
        except (OSError, ValueError, BootstrapError):
            stale = None
    error = None
    if url:
        response = http_get_json(url, timeout=timeout, accept="application/json")
        if response["ok"]:
            try:
                data = validate_bootstrap(response["json"])
            except BootstrapError as exc:
                error = str(exc)
            else:
                if cache_file:
                    _write_atomic(cache_file, json.dumps(data))
                return {"data": data, "source": url, "error": None}
        else:
            error = response["error"]
    if stale is not None:
        return {"data": stale, "source": "stale-cache:" + cache_file, "error": error}
    return {"data": copy.deepcopy(BOOTSTRAP_DNS), "source": "shipped", "error": error}


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def rdap_base_for(domain: str, bootstrap: dict, overrides: dict | None = None) -> str | None:
    """The RDAP base URL for ``domain``: the longest matching label in overrides, then bootstrap."""
    labels = domain.lower().rstrip(".").split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels))]
    for suffix in suffixes:
        if overrides and overrides.get(suffix):
            return overrides[suffix]
    best = None
    for entries, urls in ((s[0], s[1]) for s in bootstrap.get("services", [])):
        names = {entry.lower() for entry in entries}
        for suffix in suffixes:
            if suffix in names and urls and (best is None or len(suffix) > len(best[0])):
                https = [u for u in urls if u.startswith("https://")]
                best = (suffix, (https or urls)[0])
    return best[1] if best else None


# --------------------------------------------------------------------------- HTTP


def _is_loopback(url: str) -> bool:
    host = (urlparse.urlsplit(url).hostname or "").lower()
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _retry_after(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return max(0, int((moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))


class _Redirects(urlrequest.HTTPRedirectHandler):
    max_redirections = 5


def _watched(connection_class, deadline):
    """``connection_class`` whose sockets ``deadline`` shuts down when the lookup's time is up."""

    def make(*args, **kwargs):
        conn = connection_class(*args, **kwargs)
        create = conn._create_connection
        conn._create_connection = lambda *a, **k: deadline.watch(create(*a, **k))
        return conn

    return make


class _HTTPHandler(urlrequest.HTTPHandler):
    def __init__(self, deadline):
        urlrequest.HTTPHandler.__init__(self)
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _HTTPSHandler(urlrequest.HTTPSHandler):
    def __init__(self, deadline):
        urlrequest.HTTPSHandler.__init__(self)
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(_watched(http.client.HTTPSConnection, self._deadline), req, context=self._context)


def _opener(url: str, deadline: Deadline) -> urlrequest.OpenerDirector:
    """HTTP and HTTPS only (no ftp:, file: or data:, also not by redirect), at most 5 redirects."""
    opener = urlrequest.OpenerDirector()
    proxies = urlrequest.ProxyHandler({}) if _is_loopback(url) else urlrequest.ProxyHandler()
    for handler in (
        proxies,
        urlrequest.UnknownHandler(),
        _HTTPHandler(deadline),
        _HTTPSHandler(deadline),
        urlrequest.HTTPDefaultErrorHandler(),
        _Redirects(),
        urlrequest.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def http_get_json(url: str, timeout: float = DEFAULT_TIMEOUT, accept: str = "application/rdap+json") -> dict:
    """GET a JSON document. Returns ``{ok, status, json, error, retry_after, url}``; never raises.

    ``timeout`` bounds the whole exchange (redirects included), not each read: the server is
    untrusted and may answer a byte at a time. The body is read up to MAX_RESPONSE_BYTES."""
    result = {"ok": False, "status": None, "json": None, "error": None, "retry_after": None, "url": url}
    req = urlrequest.Request(url, headers={"Accept": accept + ", application/json", "User-Agent": USER_AGENT})
    with Deadline(timeout) as deadline:
        try:
            with _opener(url, deadline).open(req, timeout=timeout) as response:
                result["status"] = response.status
                result["url"] = response.geturl()
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urlerror.HTTPError as exc:
            result["status"] = exc.code
            result["retry_after"] = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            if exc.code == 429:
                result["error"] = "rate_limited"
            elif exc.code == 404:
                result["error"] = "not_found"
            elif exc.code >= 500:
                result["error"] = "server_error"
            else:
                result["error"] = "http_error"
            exc.close()
            return result
        except (urlerror.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            timed_out = deadline.expired or isinstance(reason, socket.timeout)
            result["error"] = "timeout" if timed_out else "connection_error"
            result["detail"] = _timeout_detail(timeout) if deadline.expired else str(reason)
            return result
    if deadline.expired:  # the body ended because the time was up, not because it was complete
        result["error"] = "timeout"
        result["detail"] = _timeout_detail(timeout)
        return result
    if len(body) > MAX_RESPONSE_BYTES:
        result["error"] = "malformed"
        result["detail"] = f"response larger than {MAX_RESPONSE_BYTES} bytes"
        return result
    try:
        result["json"] = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        result["error"] = "malformed"
        result["detail"] = f"not JSON: {exc}"
        return result
    result["ok"] = True
    return result


def _timeout_detail(timeout: float) -> str:
    return f"no complete answer within {timeout:g}s"


# --------------------------------------------------------------------------- RDAP


def rdap_status_to_epp(value: str) -> str:
    """'server hold' -> 'serverHold', 'active' -> 'ok' (RFC 8056)."""
    words = value.strip().lower().split()
    if not words:
        return ""
    joined = " ".join(words)
    if joined in _RDAP_TO_EPP_SPECIAL:
        return _RDAP_TO_EPP_SPECIAL[joined]
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _vcard_value(vcard: object, field: str) -> str | None:
    if not isinstance(vcard, list) or len(vcard) < 2 or not isinstance(vcard[1], list):
        return None
    for prop in vcard[1]:
        if isinstance(prop, list) and len(prop) >= 4 and prop[0] == field and isinstance(prop[3], str):
            return prop[3]
    return None


def _find_registrar(entities: object) -> dict | None:
    if not isinstance(entities, list):
        return None
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        if "registrar" in (entity.get("roles") or []):
            name = _vcard_value(entity.get("vcardArray"), "fn") or entity.get("handle")
            iana_id = None
            for public in entity.get("publicIds") or []:
                if isinstance(public, dict) and "registrar" in str(public.get("type", "")).lower():
                    iana_id = public.get("identifier")
            return {"name": name, "iana_id": iana_id, "handle": entity.get("handle")}
        nested = _find_registrar(entity.get("entities"))
        if nested:
            return nested
    return None


def parse_rdap_domain(data: object) -> dict:
    """Pick expiry, registration, last change, registrar, status and name servers from RFC 9083 JSON."""
    if not isinstance(data, dict):
        raise ValueError("RDAP answer is not a JSON object")
    if data.get("objectClassName") not in (None, "domain"):
        raise ValueError("RDAP answer is a {!r}, not a domain".format(data.get("objectClassName")))
    events = {}
    for event in data.get("events") or []:
        if isinstance(event, dict) and isinstance(event.get("eventAction"), str):
            moment = parse_datetime(event.get("eventDate"))
            if moment:
                events.setdefault(event["eventAction"].lower(), moment)
    registrar = _find_registrar(data.get("entities"))
    statuses = [rdap_status_to_epp(s) for s in data.get("status") or [] if isinstance(s, str)]
    nameservers = sorted(
        {
            str(ns.get("ldhName") or ns.get("unicodeName")).lower().rstrip(".")
            for ns in data.get("nameservers") or []
            if isinstance(ns, dict) and (ns.get("ldhName") or ns.get("unicodeName"))
        }
    )
    return {
        "name": str(data.get("ldhName") or "").lower() or None,
        "expires": _iso(events.get("expiration")),
        "registered": _iso(events.get("registration")),
        "last_changed": _iso(events.get("last changed")),
        "registrar": registrar["name"] if registrar else None,
        "registrar_iana_id": registrar["iana_id"] if registrar else None,
        "status": [s for s in statuses if s],
        "nameservers": nameservers,
    }


def _empty_result(domain: str, source: str, server: str | None) -> dict:
    return {
        "domain": domain,
        "source": source,
        "server": server,
        "ok": False,
        "error": None,
        "detail": None,
        "http_status": None,
        "retry_after": None,
        "expires": None,
        "registered": None,
        "last_changed": None,
        "registrar": None,
        "registrar_iana_id": None,
        "status": [],
        "nameservers": [],
    }


def rdap_lookup(domain: str, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Query ``{base_url}domain/{domain}``."""
    domain = domain.lower().rstrip(".")
    url = base_url.rstrip("/") + "/domain/" + urlparse.quote(domain)
    result = _empty_result(domain, "rdap", url)
    response = http_get_json(url, timeout=timeout)
    result["http_status"] = response["status"]
    result["retry_after"] = response["retry_after"]
    if not response["ok"]:
        result["error"] = response["error"]
        result["detail"] = response.get("detail")
        return result
    try:
        parsed = parse_rdap_domain(response["json"])
    except ValueError as exc:
        result["error"] = "malformed"
        result["detail"] = str(exc)
        return result
    parsed.pop("name", None)
    result.update(parsed)
    result["ok"] = True
    if not result["expires"]:
        result["detail"] = "no expiration event"
    return result


# --------------------------------------------------------------------------- WHOIS


def split_host_port(value: str, default_port: int = 43) -> tuple[str, int]:
    """'host', 'host:port', '[::1]:4343' -> (host, port). Raises ValueError on nonsense."""
    value = value.strip()
    if value.startswith("["):
        host, _sep, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, ""
    if not host:
        raise ValueError(f"WHOIS server {value!r} has no host")
    if port and not port.isdigit():
        raise ValueError(f"WHOIS server {value!r} has a bad port")
    return host, int(port) if port else default_port


def whois_query(server: str, query: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """RFC 3912: send the query line, read until the server closes. Raises OSError."""
    host, port = split_host_port(server)
    chunks = []
    size = 0
    # ``timeout`` bounds the whole answer, not each read: a server that drips bytes is cut off.
    with Deadline(timeout) as deadline, socket.create_connection((host, port), timeout=timeout) as sock:
        deadline.watch(sock)
        line = query.encode("ascii") if query.isascii() else query.encode("idna")
        try:
            sock.sendall(line + b"\r\n")
            while size <= MAX_RESPONSE_BYTES:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError:
            if not deadline.expired:
                raise
    if deadline.expired:
        raise socket.timeout(_timeout_detail(timeout))
    return b"".join(chunks)[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")


_WHOIS_KEYS = {
    "expires": (
        "registry expiry date",
        "registrar registration expiration date",
        "expiration date",
        "expiry date",
        "expires on",
        "expires",
        "expire date",
        "paid-till",
        "renewal date",
    ),
    "registered": ("creation date", "created on", "created", "registered on", "registration date"),
    "last_changed": ("updated date", "last updated on", "last modified", "changed", "last update"),
    "registrar": ("registrar", "sponsoring registrar", "registrar name"),
    "status": ("domain status", "status", "state"),
    "nameservers": ("name server", "nameserver", "nserver", "name servers"),
}
_NOT_FOUND = re.compile(
    r"^\s*(no match|not found|no entries found|no data found|domain not found)", re.I | re.M
)
_RATE = re.compile(r"(rate limit|too many (queries|requests)|exceeded|query limit)", re.I)


def parse_whois(text: str) -> dict:
    """Parse a 'Key: value' WHOIS answer (ICANN, PANDI and common ccTLD layouts)."""
    found = {"expires": None, "registered": None, "last_changed": None, "registrar": None}
    statuses = []
    nameservers = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("%", "#", ">>>")) or ":" not in line:
            continue
        key, _sep, value = line.partition(":")
        key = key.strip().lower()
        value = value.strip()
        if not value:
            continue
        if key in _WHOIS_KEYS["status"]:
            code = value.split()[0]
            statuses.append(code[0].lower() + code[1:] if code else code)
        elif key in _WHOIS_KEYS["nameservers"]:
            nameservers.append(value.split()[0].lower().rstrip("."))
        else:
            for field in ("expires", "registered", "last_changed"):
                if key in _WHOIS_KEYS[field] and found[field] is None:
                    found[field] = _iso(parse_datetime(value))
            if key in _WHOIS_KEYS["registrar"] and found["registrar"] is None:
                found["registrar"] = value
    found["status"] = sorted(set(statuses), key=statuses.index)
    found["nameservers"] = sorted(set(nameservers))
    return found


def whois_referral(tld: str, iana_server: str = IANA_WHOIS, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """Ask IANA which WHOIS server serves a TLD ('refer:' / 'whois:' line)."""
    text = whois_query(iana_server, tld, timeout=timeout)
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        if key.strip().lower() in ("refer", "whois") and value.strip():
            return value.strip()
    return None


def whois_lookup(domain: str, server: str, timeout: float = DEFAULT_TIMEOUT) -> dict:
    domain = domain.lower().rstrip(".")
    result = _empty_result(domain, "whois", server)
    try:
        text = whois_query(server, domain, timeout=timeout)
    except ValueError as exc:
        result["error"] = "bad_server"
        result["detail"] = str(exc)
        return result
    except socket.timeout:
        result["error"] = "timeout"
        return result
    except OSError as exc:
        result["error"] = "connection_error"
        result["detail"] = str(exc)
        return result
    if not text.strip():
        result["error"] = "malformed"
        result["detail"] = "empty WHOIS answer"
        return result
    if _NOT_FOUND.search(text):
        result["error"] = "not_found"
        return result
    parsed = parse_whois(text)
    if not parsed["expires"] and not parsed["registrar"] and _RATE.search(text):
        result["error"] = "rate_limited"
        return result
    result.update(parsed)
    if not (parsed["expires"] or parsed["registrar"] or parsed["status"] or parsed["nameservers"]):
        result["error"] = "malformed"
        result["detail"] = "no known WHOIS fields"
        return result
    result["ok"] = True
    if not result["expires"]:
        result["detail"] = "no expiration date"
    return result


# --------------------------------------------------------------------------- lookup


def _match_suffix(domain: str, table: dict | None) -> str | None:
    if not table:
        return None
    labels = domain.split(".")
    for i in range(len(labels)):
        value = table.get(".".join(labels[i:]))
        if value:
            return value
    return table.get("*") or table.get("default")


def lookup_domain(
    domain: str,
    bootstrap: dict | None = None,
    rdap_overrides: dict | None = None,
    whois_servers: dict | None = None,
    iana_whois: str | None = IANA_WHOIS,
    timeout: float = DEFAULT_TIMEOUT,
    bootstrap_loader=None,
) -> dict:
    """RDAP if a base URL is known (override or bootstrap), WHOIS otherwise.

    ``whois_servers`` maps a TLD/suffix (or ``"*"``) to ``host:port``. When RDAP fails with a
    server or connection error and a WHOIS server is configured for the name, WHOIS is asked.
    ``bootstrap_loader`` (a callable returning the bootstrap dict) is only called when no RDAP
    override matches, so the bootstrap file is fetched lazily.
    """
    domain = domain.lower().strip().rstrip(".")
    base = _match_suffix(domain, rdap_overrides)
    if base is None:
        if bootstrap is None and bootstrap_loader is not None:
            bootstrap = bootstrap_loader()
        base = rdap_base_for(domain, bootstrap if bootstrap is not None else BOOTSTRAP_DNS)
    whois_server = _match_suffix(domain, whois_servers)
    if base:
        result = rdap_lookup(domain, base, timeout=timeout)
        if result["ok"] or not whois_server or result["error"] in ("not_found", "rate_limited"):
            return result
        fallback = whois_lookup(domain, whois_server, timeout=timeout)
        fallback["rdap_error"] = result["error"]
        return fallback if fallback["ok"] else result
    if not whois_server and iana_whois:
        try:
            whois_server = whois_referral(domain.rsplit(".", 1)[-1], iana_whois, timeout=timeout)
        except (OSError, ValueError) as exc:
            result = _empty_result(domain, "whois", iana_whois)
            result["error"] = "connection_error"
            result["detail"] = f"WHOIS referral: {exc}"
            return result
    if not whois_server:
        result = _empty_result(domain, "none", None)
        result["error"] = "no_service"
        result["detail"] = "no RDAP or WHOIS service known for this name"
        return result
    return whois_lookup(domain, whois_server, timeout=timeout)
