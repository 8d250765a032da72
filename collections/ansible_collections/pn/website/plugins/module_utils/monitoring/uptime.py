# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Availability, response-time percentiles and outages from a series of samples (SOP activity W1).

A sample is a dict with ``at`` (ISO 8601 time), ``reachable`` (True, False, or None when it was not
measured), ``response_ms`` and ``reason``, oldest first: the rounds of ``sopansible watch`` as the
history store keeps them. One rule, used by the watch (when an outage is announced) and the reports
(what counts as an incident):

* availability is the share of measured samples that were up (a sample not measured is left out);
* an outage (incident) is a run of at least ``confirm`` failed samples in a row (samples not measured
  in between neither break nor extend it); it starts at its first failed sample and ends at the next
  sample that was up, or is still open; its cause is the reason of its first failed sample.

:class:`Summary` folds samples one at a time, so a month of samples every few minutes is summed
without holding more than one court's response times. Standard library only.
"""

from __future__ import annotations

import math
from datetime import datetime

CONFIRM_ROUNDS = 2
MAX_INCIDENTS = 500


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def percentiles(values, points=(50, 95, 99)) -> dict:
    """{"p50": ..., "p95": ..., "p99": ...} by the nearest-rank method; None without values."""
    numbers = sorted(v for v in (_number(v) for v in values) if v is not None)
    out = {}
    for point in points:
        if not numbers:
            out["p%d" % point] = None
            continue
        rank = max(1, int(math.ceil(point / 100.0 * len(numbers))))
        out["p%d" % point] = round(numbers[rank - 1], 1)
    return out


def _seconds(start, end) -> float:
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


class Summary:
    """Availability, per-day availability, hourly mean response time, percentiles and incidents of one
    site's samples, added oldest first with :meth:`add`; :meth:`result` gives them."""

    def __init__(self, confirm=CONFIRM_ROUNDS):
        self.confirm = confirm
        self.up = self.down = self.unmeasured = 0
        self.days = {}  # "YYYY-MM-DD" -> [up, down]
        self.hours = {}  # "YYYY-MM-DDTHH" -> [sum of ms, count]
        self.response = []
        self.incidents = []
        self.more_incidents = 0
        self._first = None  # first failed sample of the current streak
        self._rounds = 0
        self._reasons = {}

    def add(self, sample) -> None:
        reachable = sample.get("reachable")
        if reachable is None:
            self.unmeasured += 1
            return
        at = str(sample.get("at") or "")
        day = self.days.setdefault(at[:10], [0, 0])
        if reachable is False:
            self.down += 1
            day[1] += 1
            if self._first is None:
                self._first = sample
            self._rounds += 1
            reason = str(sample.get("reason") or "error")
            self._reasons[reason] = self._reasons.get(reason, 0) + 1
            return
        self.up += 1
        day[0] += 1
        ms = _number(sample.get("response_ms"))
        if ms is not None:
            self.response.append(ms)
            hour = self.hours.setdefault(at[:13], [0.0, 0])
            hour[0] += ms
            hour[1] += 1
        self._close(at)

    def _incident(self, end) -> dict:
        start = str(self._first.get("at"))
        return {
            "start": start,
            "end": end,
            "duration_s": _seconds(start, end) if end else None,
            "cause": str(self._first.get("reason") or "error"),
            "error": self._first.get("error"),
            "reasons": dict(self._reasons),
            "rounds": self._rounds,
        }

    def _close(self, end) -> None:
        if self._first is not None and self._rounds >= self.confirm:
            if len(self.incidents) < MAX_INCIDENTS:
                self.incidents.append(self._incident(end))
            else:
                self.more_incidents += 1
        self._first, self._rounds, self._reasons = None, 0, {}

    def result(self) -> dict:
        """{"availability": {"pct", "measured", "up", "down", "unmeasured"}, "response_ms": {"mean",
        "p50", "p95", "p99"}, "daily": {day: pct}, "hourly_ms": [(hour, mean ms)], "incidents": [...],
        "more_incidents": n}; an outage still going on is the last incident, without an end."""
        incidents = list(self.incidents)
        if self._first is not None and self._rounds >= self.confirm:
            incidents.append(self._incident(None))
        measured = self.up + self.down
        response = percentiles(self.response)
        response["mean"] = round(sum(self.response) / len(self.response), 1) if self.response else None
        return {
            "availability": {
                "pct": round(100.0 * self.up / measured, 2) if measured else None,
                "measured": measured,
                "up": self.up,
                "down": self.down,
                "unmeasured": self.unmeasured,
            },
            "response_ms": response,
            "daily": {
                day: round(100.0 * up / (up + down), 1) for day, (up, down) in sorted(self.days.items())
            },
            "hourly_ms": [
                (hour + ":00:00+00:00", round(total / n, 1))
                for hour, (total, n) in sorted(self.hours.items())
            ],
            "incidents": incidents,
            "more_incidents": self.more_incidents,
        }


def summarize(samples, confirm=CONFIRM_ROUNDS) -> dict:
    """:meth:`Summary.result` of SAMPLES (oldest first)."""
    summary = Summary(confirm)
    for sample in samples:
        summary.add(sample)
    return summary.result()
