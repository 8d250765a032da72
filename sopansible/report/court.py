"""The content of one court's report (laporan.json, rendered into laporan.html): header, metrics, one
view per SOP activity, open findings, troubleshooting records, recap, series and charts."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.renewals.renewals import contract_item_id
from sopansible.catalogue import Catalogue, CatalogueError
from sopansible.report import svgplot
from sopansible.report.activities import CourtHistory, activity_view, renewed_item
from sopansible.report.data import FleetData, severity_rank
from sopansible.report.evidence import finding_view
from sopansible.report.format import clip, days_between, days_left, hide_secret, label_text, number, slug
from sopansible.report.texts import MESSAGES, ROLE_LABELS, STATUS_LABELS
from sopansible.store import STATUS_RANK, parse_iso

SCHEMA = "sopansible.report/1"


def court_context(
    name: str,
    court_data: Mapping[str, Any],
    data: FleetData,
    cat: Catalogue,
    lang: str,
    now: _dt.datetime,
    start_day: _dt.date,
    days: int,
    period: dict,
    schedules: list[dict] | None = None,
) -> dict:
    """The JSON-ready content of one court's report; ``schedules`` are the maintenance schedules in force
    (:func:`sopansible.schedule.installed`)."""
    problems_in_catalogue = None
    try:
        court_cat = cat.for_court(court_data, name)
    except CatalogueError as exc:
        court_cat = cat
        problems_in_catalogue = str(exc)
    latest = data.latest.get(name, {})
    open_findings = data.open_findings.get(name, [])
    w1 = data.w1.get(name, [])
    w2 = data.w2.get(name, [])
    troubles = data.troubleshooting.get(name, [])
    backups = [p for p in w2 if p.get("snapshot_id") and p.get("status") in ("ok", "warning")]
    steps = data.renewal_steps.get(name, {})
    watch = data.watch.get(name)
    metrics = _metrics(name, court_data, data, latest, open_findings, w1, backups, now, steps, watch)
    history = CourtHistory(
        court_cat,
        latest,
        open_findings,
        troubles,
        data.attack.get(name, []),
        backups,
        lang,
        now,
        steps,
        since=_dt.datetime.fromisoformat(period["from"]),
        last_backup=metrics["backup_last"],
        watch=watch,
        w1=w1,
        expiries=_expiries(court_data, latest, steps),
        court=name,
        court_data=court_data,
        deliveries=data.deliveries.get(name, []),
    )
    activities = [activity_view(activity, history) for activity in court_cat.activities]
    metrics["sop_time_breaches"] = [a["id"] for a in activities if a["timing"]["within"] is False]
    status = max((r["status"] for r in latest.values()), key=lambda s: STATUS_RANK.get(s, 0), default=None)
    return {
        "schema": SCHEMA,
        "lang": lang,
        "generated": now.isoformat(),
        "period": period,
        "court": _court(name, court_data),
        "sop": _sop(court_cat, court_data, lang, problems_in_catalogue),
        "status": status,
        "status_label": STATUS_LABELS[lang].get(status or "none"),
        "metrics": metrics,
        "activities": activities,
        "open_findings": [finding_view(f, lang) for f in open_findings],
        "troubleshooting": [hide_secret("", t) for t in troubles],
        "incidents": _incidents(watch, lang, now),
        "recap": _recap(court_cat, data.status_counts.get(name, {}), lang),
        "series": {
            "availability_daily": [
                (d.isoformat(), v)
                for d, v in (
                    _watch_daily(watch, start_day, days)
                    if watch
                    else _daily_availability(w1, start_day, days)
                )
            ],
            "response_ms": list(watch["hourly_ms"])
            if watch
            else [(p["t"], p.get("response_ms")) for p in w1],
            "backup_size_bytes": [(p["t"], p.get("size_bytes")) for p in w2 if p.get("snapshot_id")],
            "findings_per_day": per_day(data.findings_per_day.get(name, {}), start_day, days),
        },
        "signature": _signature(court_data, now),
        "acknowledgement": _acknowledgement(data.acknowledgements.get(name, []), lang),
        "maintenance": _maintenance(schedules or [], lang),
        "labels": {"no_data": MESSAGES[lang]["no_data"]},
    }


def _metrics(
    name: str,
    court_data: Mapping[str, Any],
    data: FleetData,
    latest: Mapping[str, dict],
    open_findings: list[dict],
    w1: list[dict],
    backups: list[dict],
    now: _dt.datetime,
    steps: Mapping[str, list] | None = None,
    watch: Mapping[str, Any] | None = None,
) -> dict:
    """Availability, response time, backup age and size, open findings, nearest renewal, last check.
    Availability and response time come from the watch's samples (WATCH) when the court has any."""
    checks = [
        p for p in w1 if p.get("available") is not None or p.get("status") in ("unreachable", "critical")
    ]
    availability = (
        round(100 * sum(1 for p in checks if p.get("available")) / len(checks), 1) if checks else None
    )
    responses = [p["response_ms"] for p in w1 if p.get("response_ms") is not None]
    last_backup = backups[-1] if backups else None
    if last_backup is None and name in data.last_backup:  # the last good backup is older than the period
        good = data.last_backup[name]
        outputs = good["outputs"] if isinstance(good["outputs"], Mapping) else {}
        last_backup = {"t": good["started"], "size_bytes": number(outputs.get("size_bytes"))}
    renewal = _nearest_renewal(latest, court_data, now.date(), steps or {})
    response_avg = round(sum(responses) / len(responses), 1) if responses else None
    percentile = {"p50": None, "p95": None, "p99": None}
    incidents = downtime = None
    if watch:
        availability, response_avg = watch["availability"]["pct"], watch["response_ms"]["mean"]
        checks = [None] * watch["availability"]["measured"]
        percentile = {key: watch["response_ms"][key] for key in percentile}
        incidents = len(watch["incidents"]) + watch.get("more_incidents", 0)
        downtime = sum(_duration(i, now) for i in watch["incidents"])
    return {
        "availability_pct": availability,
        "availability_source": "watch" if watch else ("daily" if checks else None),
        "checks": len(checks),
        "response_ms_avg": response_avg,
        "response_ms_p50": percentile["p50"],
        "response_ms_p95": percentile["p95"],
        "response_ms_p99": percentile["p99"],
        "incidents": incidents,
        "downtime_s": downtime,
        "backup_last": last_backup["t"] if last_backup else None,
        "backup_age_days": days_between(now, parse_iso(last_backup["t"])) if last_backup else None,
        "backup_size_bytes": last_backup.get("size_bytes") if last_backup else None,
        "open_findings": len(open_findings),
        "worst_severity": max((f["severity"] for f in open_findings), key=severity_rank, default=None),
        "renewal": renewal,
        "renewal_days_left": renewal["days_left"] if renewal else None,
        "last_checked": max((r["started"] for r in latest.values()), default=None),
    }


def _court(name: str, court_data: Mapping[str, Any]) -> dict:
    return {
        "id": name,
        "slug": slug(name),
        # text, whatever the recorded inventory held: the dashboard groups and sorts by these
        "name": label_text(court_data.get("court_name")) or name,
        "type": label_text(court_data.get("court_type")),
        "region": label_text(court_data.get("court_region")),
        "domain": label_text(court_data.get("court_domain")),
        "url": court_data.get("court_url")
        or (f"https://{court_data['court_domain']}/" if court_data.get("court_domain") else None),
    }


def _sop(court_cat: Catalogue, court_data: Mapping[str, Any], lang: str, problem: str | None) -> dict:
    """The SOP header: title, number, legal basis, related SOPs, warning, records."""
    sop = court_cat.sop("website")
    return {
        "title": sop.get("title_en") if lang == "en" else sop.get("judul"),
        "number": court_data.get("court_sop_number") or "-",
        "dasar_hukum": list(sop.get("dasar_hukum") or []),
        "keterkaitan": list(sop.get("keterkaitan") or []),
        "peringatan": (sop.get("peringatan_en") if lang == "en" else None) or sop.get("peringatan"),
        "pencatatan": list(
            (sop.get("pencatatan_en") if lang == "en" else None) or sop.get("pencatatan") or []
        ),
        "catalogue_problem": problem,
    }


def _recap(court_cat: Catalogue, counts: Mapping[str, Mapping[str, int]], lang: str) -> list[dict]:
    """Results per status of each activity carried out in the period."""
    recap = []
    for activity in court_cat.activities:
        if activity.id in counts:
            row = {"id": activity.id, "activity": activity.text(lang)}
            row.update({s: counts[activity.id].get(s, 0) for s in STATUS_RANK})
            recap.append(row)
    return recap


def _signature(court_data: Mapping[str, Any], now: _dt.datetime) -> dict:
    """Who signs: the court's Sekretaris and its first IT staff member."""
    contacts = (
        court_data.get("court_contacts") if isinstance(court_data.get("court_contacts"), Mapping) else {}
    )
    sekretaris = contacts.get("sekretaris") if isinstance(contacts.get("sekretaris"), Mapping) else {}
    staff = contacts.get("it_staff") if isinstance(contacts.get("it_staff"), list) else []
    operator = staff[0] if staff and isinstance(staff[0], Mapping) else {}
    return {
        "secretary": sekretaris.get("name") or "",
        "operator": operator.get("name") or "",
        "date": now.date().isoformat(),
    }


def _maintenance(schedules: list[dict], lang: str) -> dict:
    """Jadwal Pemeliharaan: the schedules installed on the controller, and the IT SOP's activities only
    people do, as a checklist."""
    from sopansible.catalogue import manual_activities

    watch = MESSAGES[lang]["maintenance_watch"]
    return {
        "schedules": [
            {
                "cycle": clip(s.get("cycle"), 64),
                "when": clip(s.get("when") or (watch if s.get("cycle") == "watch" else "-"), 120),
                "how": clip(s.get("how"), 300),
            }
            for s in schedules[:50]
        ],
        "manual": manual_activities(lang),
    }


def _acknowledgement(records: list[dict], lang: str) -> dict:
    """The newest acknowledgement of the court's report (SOP W5) and the earlier ones (newest first)."""

    def view(record: Mapping[str, Any]) -> dict:
        return {
            "who": clip(record.get("who"), 120),
            "role": ROLE_LABELS[lang].get(record.get("role"), record.get("role")),
            "at": record.get("acknowledged"),
            "note": clip(record.get("note"), 500) if record.get("note") else "",
            # a path shown as text, never a link: the report does not open what it names
            "document": clip(record.get("document"), 300) if record.get("document") else "",
        }

    shown = [view(r) for r in reversed(records)]
    return {"latest": shown[0] if shown else None, "earlier": shown[1:10]}


def _expiries(court_data: Mapping[str, Any], latest: Mapping[str, dict], steps: Mapping[str, list]) -> dict:
    """{item id: its paid-until date before the renewals people recorded}: the inventory's (the starting
    point), else the W4 check's when it is earlier than the first renewal recorded (a check run after a
    renewal already shows the new date)."""
    out: dict[str, str] = {}
    for service in court_data.get("court_services") or []:
        if isinstance(service, Mapping) and service.get("paid_until"):
            try:
                out[contract_item_id(dict(service))] = str(service["paid_until"])[:10]
            except (KeyError, TypeError, ValueError):
                continue
    w4 = latest.get("W4")
    items = w4["outputs"].get("items") if w4 and isinstance(w4.get("outputs"), Mapping) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or item["id"] in out:
            continue
        date = str(item.get("expires") or item.get("date") or "")[:10]
        renewed = [
            str(s.get("paid_until"))
            for s in steps.get(item["id"]) or []
            if isinstance(s, Mapping) and s.get("stage") == "renewed" and s.get("paid_until")
        ]
        if date and (not renewed or date < renewed[0]):
            out[item["id"]] = date
    return out


def _nearest_renewal(
    latest: Mapping[str, dict], data: Mapping[str, Any], today: _dt.date, steps: Mapping[str, list]
) -> dict | None:
    """The item to renew first; a renewal people recorded after the check moves its date."""
    items: list[dict] = []
    w4 = latest.get("W4")
    if w4 and isinstance(w4.get("outputs"), Mapping) and isinstance(w4["outputs"].get("items"), list):
        for item in w4["outputs"]["items"]:
            if isinstance(item, Mapping):
                items.append(dict(renewed_item(item, steps.get(item.get("id")))))
    if not items:
        for service in data.get("court_services") or []:
            if isinstance(service, Mapping) and service.get("paid_until"):
                item = {
                    "kind": service.get("kind"),
                    "name": service.get("service") or service.get("provider"),
                    "expires": str(service["paid_until"]),
                }
                items.append(dict(renewed_item(item, steps.get(contract_item_id(dict(service))))))
    best = None
    for item in items:
        days = days_left(item, today)
        if days is None:
            continue
        item["days_left"] = days
        if best is None or days < best["days_left"]:
            best = item
    return best


def _daily_availability(
    points: list[dict], start: _dt.date, days: int
) -> list[tuple[_dt.date, float | None]]:
    per_day: dict[str, list[int]] = {}
    for point in points:
        available = point.get("available")
        if available is None:
            if point.get("status") not in ("unreachable", "critical"):
                continue
            available = 0
        per_day.setdefault(point["t"][:10], []).append(1 if available else 0)
    out = []
    for offset in range(days):
        day = start + _dt.timedelta(days=offset)
        values = per_day.get(day.isoformat())
        out.append((day, round(100 * sum(values) / len(values), 1) if values else None))
    return out


def _watch_daily(watch: Mapping[str, Any], start: _dt.date, days: int) -> list[tuple[_dt.date, float | None]]:
    daily = watch.get("daily") or {}
    return [
        (start + _dt.timedelta(days=offset), daily.get((start + _dt.timedelta(days=offset)).isoformat()))
        for offset in range(days)
    ]


def _duration(incident: Mapping[str, Any], now: _dt.datetime) -> float:
    """Seconds an incident lasted, up to NOW while it is still going on."""
    if incident.get("duration_s") is not None:
        return float(incident["duration_s"])
    start = parse_iso(incident.get("start"))
    return max(0.0, (now - start).total_seconds()) if start else 0.0


def _incidents(watch: Mapping[str, Any] | None, lang: str, now: _dt.datetime) -> list[dict]:
    """The outages the watch saw: start, end, duration and cause (newest first)."""
    from ansible_collections.pn.website.plugins.module_utils.monitoring.site_probe import REASONS
    from sopansible.catalogue import format_seconds

    out = []
    for incident in reversed((watch or {}).get("incidents") or []):
        cause = incident.get("cause") or "error"
        label = REASONS.get(cause, (cause, cause))[1 if lang == "en" else 0]
        out.append(
            {
                "start": incident.get("start"),
                "end": incident.get("end"),
                "duration_s": _duration(incident, now),
                "duration": format_seconds(_duration(incident, now), lang),
                "ongoing": incident.get("end") is None,
                "cause": cause,
                "cause_label": label,
                "error": hide_secret("", str(incident.get("error") or ""))[:200],
                "rounds": incident.get("rounds"),
            }
        )
    return out


def per_day(counts: Mapping[str, int], start_day: _dt.date, days: int) -> list[tuple[str, int]]:
    """A count for every day of the period (0 for a day without any)."""
    out = []
    for offset in range(days):
        day = (start_day + _dt.timedelta(days=offset)).isoformat()
        out.append((day, counts.get(day, 0)))
    return out


def court_charts(context: Mapping[str, Any], lang: str, now: _dt.datetime) -> dict:
    """The four inline SVG charts of a court report, drawn from its series."""
    msgs = MESSAGES[lang]
    series = context["series"]
    start = _dt.datetime.fromisoformat(context["period"]["from"])
    return {
        "availability": svgplot.bar_chart(
            [(_dt.date.fromisoformat(d), v) for d, v in series["availability_daily"]],
            msgs["chart_availability"],
            unit="%",
            ymax=100,
            bad_below=99,
            empty=msgs["no_data"],
        ),
        "response": svgplot.line_chart(
            [(_dt.datetime.fromisoformat(t), v) for t, v in series["response_ms"]],
            msgs["chart_response"],
            start=start,
            end=now,
            empty=msgs["no_data"],
        ),
        "backup": svgplot.line_chart(
            [
                (_dt.datetime.fromisoformat(t), v / 1048576 if isinstance(v, int | float) else None)
                for t, v in series["backup_size_bytes"]
            ],
            msgs["chart_backup"],
            start=start,
            end=now,
            empty=msgs["no_data"],
        ),
        "findings": svgplot.bar_chart(
            [(_dt.date.fromisoformat(d), v) for d, v in series["findings_per_day"]],
            msgs["chart_findings"],
            empty=msgs["no_data"],
        ),
    }
