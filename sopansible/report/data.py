"""What the reports read from the history store: one query per need for the whole fleet (never one per
court per day), cleaned of what court servers and older versions may have left in it."""

from __future__ import annotations

import datetime as _dt

from ansible_collections.pn.website.plugins.module_utils.monitoring import uptime
from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from sopansible.report.format import number
from sopansible.store import SEVERITY_RANK, HistoryStore


def severity_rank(severity: str | None) -> int:
    """Rank of a finding's severity; an unknown or missing severity counts as medium."""
    return SEVERITY_RANK.get(severity or "", 2)


class FleetData:
    """Everything the reports need, fetched with one query per need for all courts."""

    def __init__(self, store: HistoryStore, courts: list[str] | None, since: str, week: str) -> None:
        # Rows recorded before the store masked credentials are masked here (the redact engine).
        self.latest = _redact.redact_data(store.latest_all(courts))
        self.open_findings = _redact.redact_data(store.open_findings_all(courts))
        # when the current episode of each open finding began: the detection of the problem (SOP times)
        starts = store.open_finding_starts(courts)
        for court, findings in self.open_findings.items():
            for finding in findings:
                finding["episode_start"] = starts.get(court, {}).get((finding["activity"], finding["rule"]))
        self.w1 = store.series("W1", ("available", "reachable", "response_ms"), courts, since)
        for points in self.w1.values():  # the probe engine says "reachable"; both spellings are read
            for point in points:
                if point["available"] is None:
                    point["available"] = point.pop("reachable")
                else:
                    point.pop("reachable")
                if point["available"] not in (None, 0, 1):  # JSON booleans come back as 1/0
                    point["available"] = None
                point["response_ms"] = number(point["response_ms"])
        # The watch's samples (W1 every few minutes), where there are any, are the measurement of
        # availability and response time: one daily W1 result is one sample a day.
        self.watch = watch_summaries(store, courts, since)
        self.w2 = store.series("W2", ("snapshot_id", "size_bytes"), courts, since)
        for points in self.w2.values():
            for point in points:
                point["size_bytes"] = number(point["size_bytes"])
        self.findings_per_day = store.findings_per_day(courts, since)
        self.troubleshooting = _redact.redact_data(store.troubleshooting_all(courts, since))
        self.attack = store.finding_counts(courts, week, activity="W3")
        self.status_counts = store.status_counts(courts, since)
        self.last_backup = store.last_success("W2", courts)
        # What people recorded: acknowledgements of the report (W5) and renewal steps (W4).
        self.acknowledgements = _redact.redact_data(store.acknowledgements_all(courts))
        self.renewal_steps = _redact.redact_data(store.renewal_steps_all(courts))
        # The deliveries of the reports (W5): this period's and the one before, also for a monthly one.
        recent = _dt.datetime.fromisoformat(since) - _dt.timedelta(days=62)
        self.deliveries = store.deliveries_all(courts, recent)


def watch_summaries(store: HistoryStore, courts: list[str] | None, since: str) -> dict[str, dict]:
    """{court: uptime summary of its watch samples in the period}, folded while the rows are read (a
    month of samples every few minutes for hundreds of courts is never held at once)."""
    out: dict[str, dict] = {}
    court, summary = None, None
    for sample in store.iter_samples(courts, since):
        if sample["court"] != court:
            if summary is not None:
                out[court] = summary.result()
            court, summary = sample["court"], uptime.Summary()
        summary.add(sample)
    if summary is not None:
        out[court] = summary.result()
    return out
