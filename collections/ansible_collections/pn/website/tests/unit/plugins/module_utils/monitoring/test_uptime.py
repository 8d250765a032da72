# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Availability, percentiles and incidents from watch samples."""

from __future__ import annotations

from ansible_collections.pn.website.plugins.module_utils.monitoring import uptime


def sample(minute, state, ms=None):
    at = "2026-11-23T%02d:%02d:00+00:00" % (minute // 60, minute % 60)
    if state is None:
        return {"at": at, "reachable": None}
    if state == "up":
        return {"at": at, "reachable": True, "response_ms": ms}
    return {"at": at, "reachable": False, "reason": state, "error": state + " failed"}


def test_incidents_need_two_failed_rounds_and_skip_unmeasured_ones():
    samples = [
        sample(0, "up", 100),
        sample(5, "timeout"),  # one lost answer: no incident
        sample(10, "up", 120),
        sample(15, "connect"),
        sample(20, None),  # not measured: neither breaks nor extends the outage
        sample(25, "http"),
        sample(30, "up", 90),
        sample(35, "dns"),
        sample(40, "dns"),  # still down at the end: an open incident
    ]
    result = uptime.summarize(samples)
    assert result["availability"] == {"pct": 37.5, "measured": 8, "up": 3, "down": 5, "unmeasured": 1}
    first, last = result["incidents"]
    assert (first["start"], first["end"], first["duration_s"]) == (samples[3]["at"], samples[6]["at"], 900.0)
    assert (
        first["cause"] == "connect" and first["reasons"] == {"connect": 1, "http": 1} and first["rounds"] == 2
    )
    assert last["end"] is None and last["duration_s"] is None and last["cause"] == "dns"
    assert result["response_ms"] == {"p50": 100.0, "p95": 120.0, "p99": 120.0, "mean": 103.3}
    assert result["daily"] == {"2026-11-23": 37.5}
    assert result["hourly_ms"] == [("2026-11-23T00:00:00+00:00", 103.3)]


def test_nothing_measured():
    result = uptime.summarize([sample(0, None)])
    assert result["availability"]["pct"] is None and result["incidents"] == []
    assert uptime.percentiles([]) == {"p50": None, "p95": None, "p99": None}
    assert uptime.percentiles([float("nan"), True, 5]) == {"p50": 5.0, "p95": 5.0, "p99": 5.0}
