# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshots of a court's backups in time: when each was taken, how old it is, and which one is the
newest taken while the site was seen whole (what a compromised site is restored from).

Standard library only (Python 3.8+).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.pn.website.plugins.module_utils.backup.repository import ResticError


def parse_time(text: str) -> datetime.datetime:
    """restic's RFC 3339 time with nanoseconds (2026-11-23T09:19:56.781485725Z) as an aware datetime."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text or "")
    if not match:
        raise ValueError("not a restic time: %r" % text)
    base, fraction, zone = match.groups()
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    zone = "+00:00" if zone == "Z" else zone
    parsed = datetime.datetime.strptime(base + zone.replace(":", ""), "%Y-%m-%dT%H:%M:%S%z")
    return parsed.replace(microsecond=micro)


def snapshot_age_hours(snapshot: dict, now: datetime.datetime | None = None) -> float:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return round((now - parse_time(snapshot["time"])).total_seconds() / 3600.0, 3)


_ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|z|[+-]\d\d:?\d\d)$")


def parse_iso_time(text) -> datetime.datetime:
    """An ISO 8601 time with its zone (``2026-11-23T09:30:00+00:00``, ``...Z``) as an aware datetime.

    A time without a zone is refused: the controller's and the court's clocks may be in different zones.
    """
    match = _ISO_TIME.match(str(text or "").strip())
    if not match:
        raise ResticError(
            "%r is not an ISO 8601 time with a zone (e.g. 2026-11-23T09:30:00+07:00)" % (text,), "bad-input"
        )
    day, clock, fraction, zone = match.groups()
    clock = clock if clock.count(":") == 2 else clock + ":00"
    zone = "+0000" if zone in ("Z", "z") else zone.replace(":", "")
    parsed = datetime.datetime.strptime("%sT%s%s" % (day, clock, zone), "%Y-%m-%dT%H:%M:%S%z")
    return parsed.replace(microsecond=int((fraction or ".0")[1:7].ljust(6, "0")))


def snapshot_known_good(snapshots: list, windows: list, exclude_tags=("pre-restore",)) -> dict | None:
    """The newest snapshot taken inside one of ``windows``, or None.

    A window is ``{"before": ISO time, "after": ISO time or None}`` (both bounds exclusive): a stretch of
    time in which the court's site was seen whole, so that a snapshot taken then holds no compromise.
    Snapshots tagged with one of ``exclude_tags`` (the safety snapshots a restore takes of the site as it
    was) and snapshots whose time cannot be read never qualify.
    """
    bounds = []
    for window in windows or []:
        if not isinstance(window, dict) or not window.get("before"):
            raise ResticError("a known-good window needs 'before' (ISO time): %r" % (window,), "bad-input")
        after = parse_iso_time(window["after"]) if window.get("after") else None
        bounds.append((after, parse_iso_time(window["before"])))
    best, best_time = None, None
    for snap in snapshots or []:
        if set(snap.get("tags") or []) & set(exclude_tags):
            continue
        try:
            taken = parse_time(snap.get("time") or "")
        except ValueError:
            continue
        inside = any(taken < before and (after is None or taken > after) for after, before in bounds)
        if inside and (best_time is None or taken > best_time):
            best, best_time = snap, taken
    return best
