# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS certificates of the host names a court serves: expiry, chain and host name.

Each host is reached on its address (DNS, or a curl-style ``HOST:PORT:ADDR`` override as in
``court_probe_resolve``) while the TLS handshake keeps SNI = the host name, so a court behind
a load balancer, on shared hosting or on loopback in a test is checked as visitors see it.

Expiry thresholds are proportional to the certificate lifetime (``not_after - not_before``),
because certificate lifetimes keep shrinking (398 days today, 200 days from March 2026, 100
from 2027, 47 from 2029; ACME certificates are 90 days or less). A fixed "30 days left" alarm
would fire for two thirds of a 90-day certificate's life. The rule:

* ``warning`` when less than 1/3 of the lifetime remains, at most 30 days before expiry;
* ``critical`` when less than 1/10 of the lifetime remains or less than 7 days, whichever is
  larger, but never earlier than 14 days before expiry and never earlier than the warning;
* ``expired`` once ``not_after`` has passed (or ``not_yet_valid`` before ``not_before``).

Examples: 90-day certificate: warning under 30 days, critical under 9 days. 47-day: warning
under 15.7 days, critical under 7 days. 398-day: warning under 30 days, critical under 14
days. 40 days left of a 90-day certificate is therefore ``ok``.

Standard library only; ``cryptography`` is used to read certificates when it is installed.
"""

# Python 3.8 compatibility: no datetime.UTC (3.11), socket.timeout is not TimeoutError before 3.10.

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pn.website.plugins.module_utils.shared.deadline import Deadline

try:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised on servers without cryptography
    HAS_CRYPTOGRAPHY = False

DAY = 86400.0
DEFAULT_TIMEOUT = 10.0
MAX_NAMES = 100
WARNING_FRACTION = 1.0 / 3.0
WARNING_MAX_DAYS = 30.0
CRITICAL_FRACTION = 1.0 / 10.0
CRITICAL_MIN_DAYS = 7.0
CRITICAL_MAX_DAYS = 14.0
LEVELS = ("ok", "warning", "critical", "expired")
# OpenSSL X509_V_ERR_* codes that say "expired" / "not yet valid" rather than "bad chain".
_TIME_ERRORS = (9, 10)


def parse_resolve(entries: object) -> dict:
    """``["host:443:127.0.0.1", "h:8443:[::1]"]`` -> ``{("host", 443): "127.0.0.1", ...}``.

    Raises ValueError naming the bad entry.
    """
    table = {}
    for entry in entries or []:
        if not isinstance(entry, str):
            raise ValueError(f"resolve entry {entry!r} must be a string HOST:PORT:ADDR")
        host, sep1, rest = entry.partition(":")
        port, sep2, addr = rest.partition(":")
        if not (sep1 and sep2 and host and port.isdigit() and addr):
            raise ValueError(f"resolve entry {entry!r} must be HOST:PORT:ADDR")
        if addr.startswith("[") and addr.endswith("]"):
            addr = addr[1:-1]
        table[(host.lower(), int(port))] = addr
    return table


def thresholds(lifetime_seconds: float) -> tuple[float, float]:
    """(warning_at, critical_at) in seconds before expiry for a certificate of this lifetime."""
    lifetime = max(0.0, float(lifetime_seconds))
    warning_at = min(lifetime * WARNING_FRACTION, WARNING_MAX_DAYS * DAY)
    critical_at = max(lifetime * CRITICAL_FRACTION, CRITICAL_MIN_DAYS * DAY)
    critical_at = min(critical_at, CRITICAL_MAX_DAYS * DAY, max(warning_at, lifetime * CRITICAL_FRACTION))
    return warning_at, critical_at


def classify(not_before: datetime.datetime, not_after: datetime.datetime, now: datetime.datetime) -> dict:
    """Level (ok/warning/critical/expired) and the numbers behind it."""
    lifetime = (not_after - not_before).total_seconds()
    remaining = (not_after - now).total_seconds()
    warning_at, critical_at = thresholds(lifetime)
    if remaining <= 0:
        level = "expired"
    elif now < not_before or remaining < critical_at:
        level = "critical"
    elif remaining < warning_at:
        level = "warning"
    else:
        level = "ok"
    return {
        "level": level,
        "not_yet_valid": now < not_before,
        "days_left": round(remaining / DAY, 2),
        "lifetime_days": round(lifetime / DAY, 2),
        "warning_at_days": round(warning_at / DAY, 2),
        "critical_at_days": round(critical_at / DAY, 2),
    }


# --------------------------------------------------------------------------- certificates


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def decode_certificate(der: bytes) -> dict:
    """Subject CN, issuer CN, validity and SAN names of a DER certificate."""
    if HAS_CRYPTOGRAPHY:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
            dns_names = san.get_values_for_type(x509.DNSName)
            ip_names = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            dns_names, ip_names = [], []

        def _cn(name):
            values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
            return str(values[0].value) if values else None

        not_before = getattr(cert, "not_valid_before_utc", None) or _utc(cert.not_valid_before)
        not_after = getattr(cert, "not_valid_after_utc", None) or _utc(cert.not_valid_after)
        return {
            "subject": _cn(cert.subject),
            "issuer": _cn(cert.issuer),
            "serial": format(cert.serial_number, "x"),
            "not_before": not_before,
            "not_after": not_after,
            "dns_names": list(dns_names),
            "ip_names": ip_names,
        }
    return _decode_with_ssl(der)  # pragma: no cover


def _decode_with_ssl(der: bytes) -> dict:  # pragma: no cover - fallback without cryptography
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
        info = ssl._ssl._test_decode_cert(path)  # noqa: SLF001 - the stdlib's only DER reader
    finally:
        os.unlink(path)

    def _cn(rdns):
        for rdn in rdns or ():
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def _time(text):
        return datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), datetime.timezone.utc)

    san = info.get("subjectAltName", ())
    return {
        "subject": _cn(info.get("subject")),
        "issuer": _cn(info.get("issuer")),
        "serial": str(info.get("serialNumber", "")).lower(),
        "not_before": _time(info["notBefore"]),
        "not_after": _time(info["notAfter"]),
        "dns_names": [v for k, v in san if k == "DNS"],
        "ip_names": [v for k, v in san if k == "IP Address"],
    }


def hostname_matches(host: str, dns_names: list, ip_names: list | None = None) -> bool:
    """RFC 6125 matching on subjectAltName: exact, or '*' as the whole left-most label."""
    host = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return any(_same_ip(ip, name) for name in ip_names or [])
    labels = host.split(".")
    for name in dns_names:
        pattern = name.lower().rstrip(".")
        if pattern == host:
            return True
        parts = pattern.split(".")
        if parts[0] == "*" and len(parts) >= 3 and len(parts) == len(labels) and parts[1:] == labels[1:]:
            return True
    return False


def _same_ip(ip, name: str) -> bool:
    try:
        return ipaddress.ip_address(name.strip()) == ip
    except ValueError:
        return False


# --------------------------------------------------------------------------- connections


def _connect(host: str, addr: str, port: int, context: ssl.SSLContext, timeout: float, deadline: Deadline):
    sock = deadline.watch(socket.create_connection((addr, port), timeout=timeout))
    try:
        tls = context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    return tls


def _failure_detail(exc: BaseException, deadline: Deadline, timeout: float) -> str:
    if deadline.expired:
        return f"no complete TLS handshake within {timeout:g}s"
    return str(exc) or exc.__class__.__name__


def _verify_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.check_hostname = False  # checked separately so that chain and name are reported apart
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _plain_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def check_host(
    host: str,
    port: int = 443,
    resolve: dict | None = None,
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime.datetime | None = None,
) -> dict:
    """Check one host name. Never raises for network or certificate trouble."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    host = host.lower().rstrip(".")
    addr = (resolve or {}).get((host, int(port)), host)
    result = {
        "host": host,
        "port": int(port),
        "address": addr,
        "ok": False,
        "error": None,
        "detail": None,
        "level": None,
        "chain_valid": None,
        "chain_error": None,
        "hostname_valid": None,
        "protocol": None,
        "subject": None,
        "issuer": None,
        "serial": None,
        "not_before": None,
        "not_after": None,
        "dns_names": [],
    }
    der = None
    # ``timeout`` bounds the whole check (both handshakes), not each read: the server may drip bytes.
    with Deadline(timeout) as deadline:
        try:
            with _connect(host, addr, port, _verify_context(ca_file), timeout, deadline) as tls:
                der = tls.getpeercert(binary_form=True)
                result["protocol"] = tls.version()
                result["chain_valid"] = True
        except ssl.SSLCertVerificationError as exc:
            result["chain_valid"] = False
            result["chain_error"] = f"{exc.verify_message} ({exc.verify_code})"
            result["chain_error_code"] = exc.verify_code
        except (ssl.SSLError, OSError) as exc:
            timed_out = deadline.expired or isinstance(exc, socket.timeout)
            result["error"] = "timeout" if timed_out else "connection_error"
            result["detail"] = _failure_detail(exc, deadline, timeout)
            return result
        if der is None:
            try:
                with _connect(host, addr, port, _plain_context(), timeout, deadline) as tls:
                    der = tls.getpeercert(binary_form=True)
                    result["protocol"] = tls.version()
            except (ssl.SSLError, OSError) as exc:
                result["error"] = "timeout" if deadline.expired else "tls_error"
                result["detail"] = _failure_detail(exc, deadline, timeout)
                return result
    if not der:
        result["error"] = "no_certificate"
        return result
    try:
        info = decode_certificate(der)
    except (ValueError, KeyError) as exc:
        result["error"] = "bad_certificate"
        result["detail"] = str(exc)
        return result
    result.update(
        {
            "subject": info["subject"],
            "issuer": info["issuer"],
            "serial": info["serial"],
            "not_before": info["not_before"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "not_after": info["not_after"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dns_names": info["dns_names"][:MAX_NAMES],  # the site chooses how many
            "dns_names_count": len(info["dns_names"]),
            "hostname_valid": hostname_matches(host, info["dns_names"], info["ip_names"]),
        }
    )
    result.update(classify(info["not_before"], info["not_after"], now))
    if result.get("chain_error_code") in _TIME_ERRORS:
        # OpenSSL stops at the date: whether the rest of the chain is fine is unknown, and the
        # date itself is reported through the level.
        result["chain_valid"] = None
    result["ok"] = True
    return result


def check_hosts(
    hosts: list,
    port: int = 443,
    resolve: dict | None = None,
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime.datetime | None = None,
    workers: int = 8,
) -> list:
    """Check several host names concurrently; results keep the order of ``hosts``."""
    unique = []
    for host in hosts:
        name = str(host).lower().rstrip(".")
        if name and name not in unique:
            unique.append(name)
    if not unique:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
        return list(pool.map(lambda h: check_host(h, port, resolve, ca_file, timeout, now), unique))
