"""Prometheus metrics of the courts, from the history store (docs/metrics.md).

One set of metrics, two ways out:

* ``sopansible watch --metrics 127.0.0.1:9464`` serves them over HTTP (:class:`Exporter`, :func:`serve`),
  updated after every round;
* every recorded cycle writes them as a node_exporter textfile when ``SOPANSIBLE_METRICS_TEXTFILE`` names
  one (:func:`write_textfile`, called by :func:`sopansible.pipeline.record`), atomically.

Both read the history store, so they describe every court it holds, not only those of the last round or
run: the newest watch sample (or W1 result, when it is newer) for ``up`` and the response time, the
newest TLS and domain expiry (W1, W4), the last good backup (W2) and the newest run of each cycle.

Labels are bounded: ``court`` (the inventory's host name) and ``cycle`` (the name a run is filed under,
``harian``, ``mingguan``...); never URLs, hosts or error text. The library escapes label values, so a
court name cannot forge a series. A listener is refused on any address but loopback: the metrics name
the courts and their weak points.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as _sop

#: Where the cycles write the textfile (a ``.prom`` file in node_exporter's --collector.textfile.directory).
TEXTFILE_VARIABLE = "SOPANSIBLE_METRICS_TEXTFILE"
PREFIX = "sopansible_"
#: Runs that are not cycles: the watch records W1 results under this name.
NOT_CYCLES = ("watch",)
#: ``sopansible_cycle_status``: the status's rank (0 ok, 1 warning, 2 critical, 3 failed, 4 unreachable).
STATUS_VALUE = dict(_sop.STATUS_RANK)

TEXT = {
    "id": {
        "address": "--metrics {value!r}: harus HOST:PORT, mis. 127.0.0.1:9464 atau [::1]:9464",
        "port": "--metrics {value!r}: port harus 1-65535",
        "loopback": "--metrics {value!r}: metrik hanya dilayani di alamat loopback (127.0.0.1, ::1, "
        "localhost) karena menyebut nama pengadilan dan kelemahannya; gunakan reverse proxy atau "
        "node_exporter (SOPANSIBLE_METRICS_TEXTFILE) untuk akses dari luar",
        "listen": "--metrics {value!r}: tidak dapat membuka port: {error}",
        "write": "file metrik {path}: tidak dapat ditulis: {error}",
    },
    "en": {
        "address": "--metrics {value!r}: must be HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464",
        "port": "--metrics {value!r}: the port must be 1-65535",
        "loopback": "--metrics {value!r}: metrics are served on a loopback address only (127.0.0.1, ::1, "
        "localhost) because they name the courts and their weak points; use a reverse proxy or "
        "node_exporter (SOPANSIBLE_METRICS_TEXTFILE) for access from elsewhere",
        "listen": "--metrics {value!r}: cannot listen: {error}",
        "write": "metrics file {path}: cannot be written: {error}",
    },
}


class MetricsError(_sop.BilingualError):
    """A metrics address or file that cannot be used."""


def _error(key: str, **values: Any) -> MetricsError:
    return MetricsError(TEXT["id"][key].format(**values), TEXT["en"][key].format(**values))


# -- the listener -----------------------------------------------------------------------------------------
def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as (host, port), on a loopback address only.

    :raises MetricsError: Not HOST:PORT, a bad port, or a host that is not loopback (named in both
        languages)."""
    text = str(value).strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise _error("address", value=value)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not 1 <= int(port) <= 65535:
        raise _error("port", value=value)
    if host.lower() == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise _error("loopback", value=value) from None
    if not address.is_loopback:
        raise _error("loopback", value=value)
    return str(address), int(port)


# -- what the history says ----------------------------------------------------------------------------------
def _when(value: Any) -> _dt.datetime | None:
    """An aware datetime from an ISO timestamp or a date (midnight UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _expiry(result: Mapping[str, Any] | None, kind: str) -> tuple[_dt.datetime | None, _dt.datetime | None]:
    """(the nearest expiry of KIND in a W4 result's items, when the result was taken)."""
    if not result:
        return None, None
    outputs = result.get("outputs") if isinstance(result.get("outputs"), Mapping) else {}
    taken = _when(result.get("started"))
    found = None
    for item in outputs.get("items") or []:
        if not isinstance(item, Mapping) or item.get("kind") != kind:
            continue
        moment = _when(str(item.get("expires") or item.get("date") or "")[:10])
        days = _number(item.get("days_left"))
        if moment is None and days is not None and taken is not None:
            moment = taken + _dt.timedelta(days=days)
        if moment is not None and (found is None or moment < found):
            found = moment
    return found, taken


def read_history(history, courts: Iterable[str] | None = None) -> dict[str, dict]:
    """What the history says of every court (or of COURTS) that does not depend on the time of reading:
    ``{court: {"tls_expires", "domain_expires", "backup_at", "w1", "cycles"}}`` (datetimes or None).
    A handful of fleet-wide queries, none per court."""
    names = None if courts is None else list(courts)
    latest = history.latest_all(names)
    backups = history.last_success("W2", names)
    last_cycles = history.last_cycles(names, skip=NOT_CYCLES)
    every = set(latest) | set(backups) | set(last_cycles) | set(history.courts() if names is None else names)
    out: dict[str, dict] = {}
    for court in sorted(every):
        results = latest.get(court, {})
        w1 = results.get("W1")
        w1_out = (w1 or {}).get("outputs") if isinstance((w1 or {}).get("outputs"), Mapping) else {}
        w1_at = _when((w1 or {}).get("started"))
        tls, tls_at = _expiry(results.get("W4"), "tls")
        days = _number(w1_out.get("tls_days_left"))
        if days is not None and w1_at is not None and (tls is None or tls_at is None or w1_at > tls_at):
            tls = w1_at + _dt.timedelta(days=days)
        domain, _taken = _expiry(results.get("W4"), "domain")
        backup = backups.get(court)
        out[court] = {
            "tls_expires": tls,
            "domain_expires": domain,
            "backup_at": _when(backup.get("started")) if backup else None,
            "w1": {
                "at": _when(w1_out.get("checked_at")) or w1_at,
                "reachable": w1_out.get("reachable") if isinstance(w1_out.get("reachable"), bool) else None,
                "response_ms": _number(w1_out.get("response_ms")),
            }
            if w1
            else None,
            "cycles": {
                name: {
                    "status": run.get("status"),
                    "finished": _when(run.get("finished") or run.get("started")),
                }
                for name, run in last_cycles.get(court, {}).items()
            },
        }
    return out


def values(facts: Mapping[str, dict], samples: Mapping[str, Mapping[str, Any]], now: _dt.datetime) -> dict:
    """The metric values at NOW from READ_HISTORY's facts and the newest watch sample of each court:
    ``{court: {"up", "response_seconds", "checked", "tls_days", "domain_days", "backup_age", "backup_at",
    "cycles"}}``; a value not known is None (no series)."""
    out = {}
    for court in sorted(set(facts) | set(samples)):
        fact = facts.get(court) or {}
        site = None
        sample = samples.get(court)
        if sample and sample.get("reachable") is not None:
            site = {
                "at": _when(sample.get("at")),
                "reachable": sample["reachable"],
                "response_ms": _number(sample.get("response_ms")),
            }
        w1 = fact.get("w1")
        if (
            w1
            and w1["reachable"] is not None
            and (site is None or (w1["at"] and site["at"] and w1["at"] > site["at"]))
        ):
            site = w1
        tls, domain, backup = fact.get("tls_expires"), fact.get("domain_expires"), fact.get("backup_at")
        out[court] = {
            "up": None if site is None else (1.0 if site["reachable"] else 0.0),
            "response_seconds": None
            if site is None or site["response_ms"] is None
            else site["response_ms"] / 1000.0,
            "checked": site["at"].timestamp() if site and site["at"] else None,
            "tls_days": None if tls is None else round((tls - now).total_seconds() / 86400, 3),
            "domain_days": None if domain is None else round((domain - now).total_seconds() / 86400, 3),
            "backup_age": None if backup is None else max(0.0, (now - backup).total_seconds()),
            "backup_at": None if backup is None else backup.timestamp(),
            "cycles": fact.get("cycles") or {},
        }
    return out


#: name, help text, key in :func:`values`.
COURT_GAUGES = (
    (
        "site_up",
        "1 when the court's website answered its newest check (watch sample or W1), 0 when not",
        "up",
    ),
    ("site_response_seconds", "Response time of the website's newest check, in seconds", "response_seconds"),
    ("site_checked_timestamp_seconds", "When the website's newest check ran (Unix time)", "checked"),
    (
        "tls_days_left",
        "Days until the TLS certificate expires (W1 or W4, the newer), negative when expired",
        "tls_days",
    ),
    (
        "domain_days_left",
        "Days until the domain registration expires (W4), negative when expired",
        "domain_days",
    ),
    ("backup_age_seconds", "Seconds since the last good backup (W2 ok or warning) started", "backup_age"),
    (
        "backup_last_success_timestamp_seconds",
        "When the last good backup (W2) started (Unix time)",
        "backup_at",
    ),
)


def families(court_values: Mapping[str, Mapping[str, Any]]) -> list:
    """The metric families of VALUES (:func:`values`)."""
    from prometheus_client.core import GaugeMetricFamily

    out = []
    for name, documentation, key in COURT_GAUGES:
        family = GaugeMetricFamily(PREFIX + name, documentation, labels=["court"])
        for court, value in court_values.items():
            if value.get(key) is not None:
                family.add_metric([court], value[key])
        out.append(family)
    status = GaugeMetricFamily(
        PREFIX + "cycle_status",
        "Worst status of the court in the newest run of the cycle: 0 ok, 1 warning, 2 critical, 3 failed, "
        "4 unreachable",
        labels=["court", "cycle"],
    )
    finished = GaugeMetricFamily(
        PREFIX + "cycle_finished_timestamp_seconds",
        "When the newest run of the cycle that reached the court finished (Unix time)",
        labels=["court", "cycle"],
    )
    for court, value in court_values.items():
        for cycle, run in sorted(value.get("cycles", {}).items()):
            if run.get("status") in STATUS_VALUE:
                status.add_metric([court, cycle], STATUS_VALUE[run["status"]])
            if run.get("finished") is not None:
                finished.add_metric([court, cycle], run["finished"].timestamp())
    return [*out, status, finished]


def collect(history, courts: Iterable[str] | None = None, now: _dt.datetime | None = None) -> dict:
    """The metric values of every court of the history (or of COURTS) now: :func:`values`."""
    names = None if courts is None else list(courts)
    return values(read_history(history, names), history.last_samples(names), now or _dt.datetime.now(_dt.UTC))


class _Families:
    def __init__(self, court_values: Mapping[str, Mapping[str, Any]]) -> None:
        self.court_values = court_values

    def collect(self):
        return families(self.court_values)


def registry_of(court_values: Mapping[str, Mapping[str, Any]]):
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(court_values))
    return registry


# -- the cycles' textfile ---------------------------------------------------------------------------------
def textfile_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The textfile ``SOPANSIBLE_METRICS_TEXTFILE`` names, or None."""
    value = (os.environ if environ is None else environ).get(TEXTFILE_VARIABLE, "").strip()
    return Path(value) if value else None


def write_textfile(path: str | Path, history) -> Path:
    """Write the metrics of every court of HISTORY to PATH as node_exporter reads it: a temporary file in
    the same folder renamed over PATH, so that a scrape never sees half a file.

    :raises MetricsError: The file cannot be written (named, with the reason)."""
    from prometheus_client import write_to_textfile

    path = Path(path)
    try:
        write_to_textfile(str(path), registry_of(collect(history)))
    except OSError as error:
        raise write_error(path, error) from None
    return path


def write_error(path: str | Path, error: BaseException) -> MetricsError:
    """The error of a textfile that could not be written: the file and the reason."""
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return _error("write", path=path, error=reason)


# -- the watch's listener ---------------------------------------------------------------------------------
class Exporter:
    """The watch's metrics: :meth:`update` after every round, served by :func:`serve`.

    The watch's samples are read every round. What comes from the runs (cycles, backups, expiries) takes
    a few seconds over a year of a large fleet's history, so it is read again only when a cycle recorded a
    run since (:meth:`HistoryStore.runs_stamp`, the watch's own runs aside) or after ``refresh`` seconds
    (the watch's W1 results: a renewed certificate)."""

    def __init__(
        self, courts: Iterable[str] | None = None, refresh: float = 3600.0, clock=time.monotonic
    ) -> None:
        self.courts = None if courts is None else list(courts)
        self.refresh = refresh
        self.clock = clock
        self._values: dict = {}
        self._stamp: str | None = None
        self._read: float | None = None
        self._facts: dict = {}
        self._lock = threading.Lock()

    def update(self, history, now: _dt.datetime | None = None) -> None:
        stamp = history.runs_stamp(skip=NOT_CYCLES)
        if stamp != self._stamp or self._read is None or self.clock() - self._read >= self.refresh:
            self._facts, self._stamp, self._read = read_history(history, self.courts), stamp, self.clock()
        current = values(self._facts, history.last_samples(self.courts), now or _dt.datetime.now(_dt.UTC))
        for court, value in current.items():
            before = self._values.get(court)
            if value["up"] is None and before is not None:  # not measured this time: the last known stands
                value.update({key: before[key] for key in ("up", "response_seconds", "checked")})
        with self._lock:
            self._values = current

    def collect(self):
        with self._lock:
            current = self._values
        return families(current)


def serve(host: str, port: int, exporter: Exporter):
    """Serve EXPORTER's metrics over HTTP on HOST:PORT (loopback, see :func:`parse_listen`) in a thread;
    returns the server (``shutdown()`` and ``server_close()`` stop it).

    :raises MetricsError: The port cannot be opened."""
    from prometheus_client import CollectorRegistry, start_http_server

    if not ipaddress.ip_address(host).is_loopback:  # parse_listen's rule, again where the socket opens
        raise _error("loopback", value=f"{host}:{port}")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exporter)
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        raise _error("listen", value=f"{host}:{port}", error=error.strerror or error) from None
    return server
