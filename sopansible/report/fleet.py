"""The fleet dashboard (index.json, rendered into index.html): one row per court, grouped by region and
ranked worst first, with the status counts and the fleet's findings per day."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sopansible.report import svgplot
from sopansible.report.court import SCHEMA, per_day
from sopansible.report.data import FleetData, severity_rank
from sopansible.report.format import slug
from sopansible.report.texts import MESSAGES, STATUS_LABELS
from sopansible.store import STATUS_RANK


def dashboard_row(context: Mapping[str, Any]) -> dict:
    """A court's row of the dashboard, from its report's content."""
    metrics = context["metrics"]
    return {
        "court": context["court"]["id"],
        "name": context["court"]["name"],
        "type": context["court"]["type"],
        "region": context["court"]["region"],
        "domain": context["court"]["domain"],
        "href": quote(context["court"]["slug"]) + "/laporan.html",
        "status": context["status"],
        "status_label": context["status_label"],
        "availability_pct": metrics["availability_pct"],
        "backup_age_days": metrics["backup_age_days"],
        "open_findings": metrics["open_findings"],
        "worst_severity": metrics["worst_severity"],
        "renewal_days_left": metrics["renewal_days_left"],
        "renewal_kind": (metrics["renewal"] or {}).get("kind"),
        "last_checked": metrics["last_checked"],
        "acknowledged": (context.get("acknowledgement") or {}).get("latest"),
    }


def failed_row(name: str, lang: str) -> dict:
    """The dashboard row of a court whose report could not be made: shown as failed."""
    return {
        "court": name,
        "name": name,
        "type": None,
        "region": None,
        "domain": None,
        "href": quote(slug(name)) + "/laporan.html",
        "status": "failed",
        "status_label": f"{STATUS_LABELS[lang]['failed']}: {MESSAGES[lang]['report_failed']}",
        "availability_pct": None,
        "backup_age_days": None,
        "open_findings": 0,
        "worst_severity": None,
        "renewal_days_left": None,
        "renewal_kind": None,
        "last_checked": None,
        "acknowledged": None,
    }


def severity_key(row: Mapping[str, Any]) -> tuple:
    """Sort key: worst first (status, worst open finding, number of findings, nearest renewal)."""
    renewal = row.get("renewal_days_left")
    return (
        -(STATUS_RANK.get(row.get("status") or "", -1)),
        -(severity_rank(row.get("worst_severity")) if row.get("worst_severity") else -1),
        -(row.get("open_findings") or 0),
        renewal if renewal is not None else 10**6,
        row.get("name") or "",
    )


def dashboard_context(
    rows: list[dict],
    data: FleetData,
    lang: str,
    now: _dt.datetime,
    period: dict,
    start_day: _dt.date,
    days: int,
) -> dict:
    msgs = MESSAGES[lang]
    regions: dict[str, list[dict]] = {}
    for row in rows:
        regions.setdefault(row["region"] or msgs["region_unknown"], []).append(row)
    groups = []
    for region, members in regions.items():
        members.sort(key=severity_key)
        groups.append({"region": region, "courts": members, "worst": members[0]["status"]})
    groups.sort(key=lambda g: (severity_key(g["courts"][0])[:1], g["region"]))
    counts = {s: 0 for s in (*STATUS_RANK, "none")}
    for row in rows:
        counts[row["status"] or "none"] += 1
    fleet_per_day: dict[str, int] = {}
    for court_per_day in data.findings_per_day.values():
        for day, count in court_per_day.items():
            fleet_per_day[day] = fleet_per_day.get(day, 0) + count
    return {
        "schema": SCHEMA,
        "lang": lang,
        "generated": now.isoformat(),
        "period": period,
        "counts": counts,
        "status_labels": STATUS_LABELS[lang],
        "regions": groups,
        "findings_per_day": per_day(fleet_per_day, start_day, days),
    }


def fleet_chart(index: Mapping[str, Any], lang: str):
    """The dashboard's chart of findings per day over the whole fleet."""
    return svgplot.bar_chart(
        [(_dt.date.fromisoformat(d), v) for d, v in index["findings_per_day"]],
        MESSAGES[lang]["chart_fleet_findings"],
        empty=MESSAGES[lang]["no_data"],
    )
