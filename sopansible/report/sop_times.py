"""SOP times (Waktu aktual): what the SOP's standard time (Mutu Baku: Waktu) is measured against, per
activity. Never the duration of the automated run (that is shown apart, as the process duration):

- W1: an outage from its detection to its end (the watch's incidents, else the daily checks);
- W6/W7: a problem from its detection to its resolution (troubleshooting records);
- W2: the age of the last good backup at report time, against the backup cycle plus the standard time;
- W4: how long before expiry a renewal was done (renewed after expiry is a breach);
- W5: from the writing of the report to its delivery to the people the inventory names;
- W8: from a problem's resolution to the first good backup after it.

Where a period has several problems, the longest is measured, an open one counting up to the report
time. One function per activity, registered by id (:func:`measure`): an activity without one (or whose
function finds nothing) shows "-" with the reason. A function returns a :class:`Measure` or the key of
the reason (a text of ``texts.MESSAGES``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sopansible.report.format import clip, number
from sopansible.store import parse_iso

#: the length of an SOP cycle, by the catalogue's periodicity: a backup is due once per cycle
CYCLE_SECONDS = {"harian": 86400, "mingguan": 7 * 86400, "bulanan": 30 * 86400}


@dataclass(frozen=True)
class Measure:
    """One SOP time measured: the seconds, what was measured (a text key: ``sop_time_<basis>``), the
    problem or item it is about, whether it is still running (counted up to the report time), how many
    problems the period had and how many of them breached; ``within`` when the activity judges it by a
    rule of its own (W2's cycle, W4's expiry), else the standard time judges ``seconds``."""

    seconds: float
    basis: str
    subject: str = ""
    since: str | None = None
    ongoing: bool = False
    count: int = 1
    breaches: int | None = None
    within: bool | None = None
    #: the limit the measure was held against when it is not the standard's maximum (W2)
    limit_s: float | None = None


Measurer = Callable[[Any, Any], "Measure | str"]
MEASURES: dict[str, Measurer] = {}
#: the reason shown for an activity without a measure function
NOT_MEASURED = "sop_time_not_measured"


def measure(*activity_ids: str) -> Callable[[Measurer], Measurer]:
    """Decorator: the function ``f(activity, history) -> Measure | reason key`` of these activities."""

    def add(func: Measurer) -> Measurer:
        for activity_id in activity_ids:
            MEASURES[activity_id] = func
        return func

    return add


def measured(activity, history) -> Measure | str:
    func = MEASURES.get(activity.id)
    return func(activity, history) if func else NOT_MEASURED


@measure("W5")
def report_delivery(activity, history) -> Measure | str:
    """W5: from the writing of the situation report to its delivery (the newest one sent)."""
    from sopansible import delivery

    seconds = delivery.delivery_delay_s(history.deliveries)
    return "sop_time_no_delivery" if seconds is None else Measure(seconds=seconds, basis="sop_time_delivery")


# -- problems: detection to resolution ---------------------------------------------------------------------
@dataclass(frozen=True)
class Episode:
    start: _dt.datetime
    end: _dt.datetime | None
    subject: str

    def seconds(self, now: _dt.datetime) -> float:
        return max(((self.end or now) - self.start).total_seconds(), 0.0)


def longest(episodes: Iterable[Episode], now: _dt.datetime, standard, basis: str) -> Measure | str:
    """The longest episode (an open one up to NOW), with how many there were and how many breached."""
    episodes = list(episodes)
    if not episodes:
        return "sop_time_no_problem"
    worst = max(episodes, key=lambda e: e.seconds(now))
    breaches = None
    if standard.max_s is not None:
        breaches = sum(1 for e in episodes if e.seconds(now) > standard.max_s)
    return Measure(
        seconds=worst.seconds(now),
        basis=basis + ("_open" if worst.end is None else ""),
        subject=worst.subject,
        since=worst.start.isoformat(),
        ongoing=worst.end is None,
        count=len(episodes),
        breaches=breaches,
    )


def _time(value: Any) -> _dt.datetime | None:
    """A recorded time, or None when it is missing or not ISO 8601 (a time without zone is UTC, as the
    store writes it): history rows come from court servers and older versions."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = parse_iso(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=_dt.UTC) if moment and moment.tzinfo is None else moment


def daily_outages(points: Iterable[Mapping[str, Any]]) -> list[Episode]:
    """Outages seen by the daily W1 checks: from the first check that found the site down to the first
    later check that found it up (open while no check has)."""
    episodes, start = [], None
    for point in points:
        at = _time(point.get("t"))
        if at is None:
            continue
        available, status = point.get("available"), point.get("status")
        down = available == 0 or status in ("unreachable", "critical")
        up = not down and (available == 1 or (available is None and status in ("ok", "warning")))
        if down and start is None:
            start = at
        elif up and start is not None:
            episodes.append(Episode(start, at, ""))
            start = None
    if start is not None:
        episodes.append(Episode(start, None, ""))
    return episodes


def watch_outages(watch: Mapping[str, Any]) -> list[Episode]:
    """The watch's incidents (the outage still going on has no end)."""
    episodes = []
    for incident in watch.get("incidents") or []:
        start = _time(incident.get("start")) if isinstance(incident, Mapping) else None
        if start is None:
            continue
        end = _time(incident.get("end"))
        episodes.append(Episode(start, end, clip(incident.get("cause") or "", 60)))
    return episodes


@measure("W1")
def availability(activity, history) -> Measure | str:
    if history.watch:
        return longest(watch_outages(history.watch), history.now, activity.waktu, "sop_time_outage")
    if not history.w1:
        return "sop_time_no_checks"
    return longest(daily_outages(history.w1), history.now, activity.waktu, "sop_time_outage")


def record_episode(record: Mapping[str, Any], detected: Mapping[str, str]) -> Episode | None:
    """A troubleshooting record from its problem's detection (the record's start, or the start of the
    current episode of its finding while that is still open, when earlier) to its resolution (open
    unless resolved)."""
    start = _time(record.get("started"))
    if start is None:
        return None
    seen = _time(detected.get(str(record.get("finding_rule") or "")))
    if seen is not None and seen < start:
        start = seen
    end = None
    if record.get("outcome") == "resolved":
        end = _time(record.get("finished"))
        duration = number(record.get("duration_s"))
        if end is None and duration is not None:
            end = start + _dt.timedelta(seconds=duration)
        if end is None:
            end = start
    return Episode(start, end, clip(record.get("problem"), 160))


def detections(open_findings: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{rule: when the current episode of its open finding began} (the earliest over activities)."""
    out: dict[str, str] = {}
    for finding in open_findings:
        seen = finding.get("episode_start") or finding.get("started")
        rule = str(finding.get("rule") or "")
        if isinstance(seen, str) and (rule not in out or seen < out[rule]):
            out[rule] = seen
    return out


@measure("W6", "W7")
def troubleshooting(activity, history) -> Measure | str:
    """W6 measures the records filed under W6 and the open findings no record is working on (the view
    lists them as problems still to diagnose), W7 every other record."""
    detected = detections(history.open_findings)
    records = [t for t in history.troubles if (t.get("activity") == "W6") == (activity.id == "W6")]
    episodes = [e for e in (record_episode(r, detected) for r in records) if e is not None]
    if activity.id == "W6":
        worked_on = {t.get("finding_rule") for t in history.troubles if t.get("outcome") != "resolved"}
        for rule, seen in detected.items():
            start = _time(seen)
            if rule not in worked_on and start is not None:
                episodes.append(Episode(start, None, clip(rule, 120)))
    return longest(episodes, history.now, activity.waktu, "sop_time_problem")


# -- W2: the age of the last good backup ---------------------------------------------------------------------
@measure("W2")
def backup_age(activity, history) -> Measure | str:
    """A backup is due once per cycle and takes up to the standard time: the newest good backup may be as
    old as the cycle plus the standard time."""
    last = _time(history.last_backup)
    if last is None:
        return "sop_time_no_backup"
    age = max((history.now - last).total_seconds(), 0.0)
    cycle = CYCLE_SECONDS.get(str(activity.periodicity))
    limit = None
    if cycle is not None and activity.waktu.max_s is not None:
        limit = cycle + activity.waktu.max_s
    return Measure(
        seconds=age,
        basis="sop_time_backup_age",
        since=last.isoformat(),
        within=None if limit is None else age <= limit,
        limit_s=limit,
    )


# -- W4: how long before expiry a renewal was done ---------------------------------------------------------
def _day(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@measure("W4")
def renewal_lead(activity, history) -> Measure | str:
    """Each renewal recorded in the period against the date it replaced (the previous renewal's, else the
    inventory's or the W4 check's paid-until date): the shortest lead is measured, renewed after expiry
    is a breach."""
    since = history.since.date() if history.since else None
    leads: list[tuple[int, str]] = []
    for item, steps in sorted(history.renewal_steps.items()):
        previous = _day(history.expiries.get(item))
        for step in steps if isinstance(steps, list) else []:
            if not isinstance(step, Mapping) or step.get("stage") != "renewed":
                continue
            done, paid = _day(step.get("date")), _day(step.get("paid_until"))
            if done is not None and previous is not None and (since is None or done >= since):
                leads.append(((previous - done).days, item))
            if paid is not None:
                previous = paid
    if not leads:
        return "sop_time_no_renewal"
    days, item = min(leads)
    late = sum(1 for lead, _ in leads if lead < 0)
    return Measure(
        seconds=days * 86400.0,
        basis="sop_time_renewal_lead" if days >= 0 else "sop_time_renewal_late",
        subject=clip(item, 120),
        count=len(leads),
        breaches=late or None,
        within=days >= 0,
    )


# -- W8: from the fix to the first backup after it ---------------------------------------------------------
@measure("W8")
def backup_after_fix(activity, history) -> Measure | str:
    resolved = [t for t in history.troubles if t.get("outcome") == "resolved" and _time(t.get("finished"))]
    if not resolved:
        return "sop_time_no_fix"
    fixed = max(_time(t["finished"]) for t in resolved)
    after = sorted(t for t in (_time(b.get("t")) for b in history.backups) if t is not None and t >= fixed)
    episode = Episode(fixed, after[0] if after else None, "")
    return longest([episode], history.now, activity.waktu, "sop_time_backup_after_fix")
