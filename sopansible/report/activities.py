"""One view per SOP activity: what the report shows for it (status, timing, evidence, findings, problems
and their alternatives).

Views are registered by activity id (:func:`register`); an activity without a registered view gets the
generic :class:`ActivityView`. A recorded result is shown by the view's :meth:`~ActivityView.evidence`
plus the common findings, problems and advice; an activity without a result may still have something
to show (:meth:`~ActivityView.without_result`: the report itself, troubleshooting records, the backup
after a fix, the week's attack patterns).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.renewals import renewal_workflow
from sopansible.catalogue import Catalogue
from sopansible.report import sop_times
from sopansible.report.advice import advice, unreachable_advice
from sopansible.report.data import severity_rank
from sopansible.report.evidence import evidence_rows, finding_view
from sopansible.report.format import (
    clip,
    days_between,
    days_left,
    format_bytes,
    format_date,
    format_seconds,
    hide_secret,
    number,
)
from sopansible.report.texts import KIND_LABELS, MESSAGES, OUTCOME_LABELS, SEVERITY_LABELS, STATUS_LABELS
from sopansible.store import SEVERITY_RANK, parse_iso

FINDING_LIMIT = 20
# Output fields whose meaning depends on the activity: shown with the label of the field named here.
FIELD_ALIASES = {"W1": {"status": "http_status"}, "W3": {"status": "status_classes"}}
# Visitor-summary parts too long for a printed table (kept in laporan.json).
W3_SKIP = ("daily", "hourly", "hour_of_day", "status_codes", "unique_visitors_capped")


@dataclass(frozen=True)
class CourtHistory:
    """What the views of one court read: its newest result per activity, open findings, troubleshooting
    records, the week's W3 attack patterns and its good backups of the period."""

    cat: Catalogue
    latest: Mapping[str, dict]
    open_findings: list[dict]
    troubles: list[dict]
    attack: list[dict]
    backups: list[dict]
    lang: str
    now: _dt.datetime
    #: the renewal steps people recorded, {item id: [steps]} (SOP W4 workflow)
    renewal_steps: Mapping[str, list] = field(default_factory=dict)
    # What the SOP times are measured from (see sop_times): the period's start, the last good backup
    # however old, the watch's summary and the daily W1 checks (outages), and the paid-until date of
    # each item before any renewal recorded ({item id: date}).
    since: _dt.datetime | None = None
    last_backup: str | None = None
    watch: Mapping[str, Any] | None = None
    w1: list[dict] = field(default_factory=list)
    expiries: Mapping[str, str] = field(default_factory=dict)
    #: the court's name, its inventory data and the deliveries of its reports, oldest first (SOP W5)
    court: str = ""
    court_data: Mapping[str, Any] = field(default_factory=dict)
    deliveries: list[dict] = field(default_factory=list)

    @property
    def msgs(self) -> dict[str, str]:
        return MESSAGES[self.lang]


class ActivityView:
    """The generic view: the outputs as evidence, the findings with their advice."""

    #: outputs not shown as evidence, and outputs shown with another field's label
    skip: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = None
    #: the rule whose advice is offered when the activity is not ok but has no finding
    fallback_rule = ""

    def evidence(self, view: dict, outputs: Any, history: CourtHistory) -> None:
        view["evidence"] = evidence_rows(outputs, history.lang, skip=self.skip, aliases=self.aliases)

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        """Fill in what can be shown when the activity has no recorded result (nothing, by default)."""


VIEWS: dict[str, ActivityView] = {}
GENERIC = ActivityView()


def register(*activity_ids: str) -> Callable[[type[ActivityView]], type[ActivityView]]:
    """Class decorator: the view of these activities."""

    def add(cls: type[ActivityView]) -> type[ActivityView]:
        for activity_id in activity_ids:
            VIEWS[activity_id] = cls()
        return cls

    return add


# -- the views -----------------------------------------------------------------------------------------
@register("W1")
class Availability(ActivityView):
    aliases = FIELD_ALIASES["W1"]
    fallback_rule = "site-down"


@register("W2")
class Backup(ActivityView):
    skip = ("last_job",)  # the last_job_* fields summarise last_job
    fallback_rule = "backup"

    def evidence(self, view: dict, outputs: Any, history: CourtHistory) -> None:
        super().evidence(view, outputs, history)
        if history.backups:
            age = days_between(history.now, parse_iso(history.backups[-1]["t"]))
            view["evidence"].append(
                {
                    "label": history.msgs["backup_age"],
                    "value": history.msgs["ago"].format(age=format_seconds(age * 86400, history.lang)),
                }
            )


@register("W3")
class Visitors(ActivityView):
    aliases = FIELD_ALIASES["W3"]
    fallback_rule = "attack"

    def evidence(self, view: dict, outputs: Any, history: CourtHistory) -> None:
        if not (isinstance(outputs, Mapping) and isinstance(outputs.get("summary"), Mapping)):
            super().evidence(view, outputs, history)
            return
        view["evidence"] = evidence_rows(outputs["summary"], history.lang, skip=W3_SKIP, aliases=self.aliases)
        view["evidence"] += evidence_rows(outputs, history.lang, skip=("summary",))


@register("W4")
class Renewals(ActivityView):
    fallback_rule = "renew"

    def evidence(self, view: dict, outputs: Any, history: CourtHistory) -> None:
        if not isinstance(outputs, Mapping):
            super().evidence(view, outputs, history)
            return
        today = history.now.date()
        names = {}
        for item in outputs.get("items") or []:
            if isinstance(item, Mapping):
                view["renewals"].append(_renewal(item, history.lang, today, history.renewal_steps))
                names[item.get("id")] = item.get("name")
        view["evidence"] = evidence_rows(outputs, history.lang, skip=("items",))
        view["workflow"] = workflow_view(history.renewal_steps, history.lang, names)

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        view["workflow"] = workflow_view(history.renewal_steps, history.lang, {})


def workflow_view(steps_by_item: Mapping[str, list], lang: str, names: Mapping[Any, Any]) -> list[dict]:
    """Where each item's renewal stands (SOP W4 by people): the last step, its date, who, amount and
    document, the paid-until date recorded, the next step, and the steps of the current cycle."""
    rows = []
    for item, steps in sorted(steps_by_item.items()):
        state = renewal_workflow.state(steps) if isinstance(steps, list) and steps else None
        if state is None:
            continue
        last = state["cycle"][-1]
        rows.append(
            {
                "item": clip(item, 120),
                "name": clip(names.get(item) or item, 120),
                "stage": renewal_workflow.stage_label(state["stage"], lang),
                "date": state["date"],
                "who": clip(last.get("who"), 120),
                "amount": last.get("amount"),
                "document": clip(last.get("document"), 300) if last.get("document") else "",
                "paid_until": state["paid_until"],
                "next": renewal_workflow.stage_label(state["next"], lang),
                "steps": [
                    {
                        "stage": renewal_workflow.stage_label(s.get("stage"), lang),
                        "date": s.get("date"),
                        "who": clip(s.get("who"), 120),
                        "amount": s.get("amount"),
                        "document": clip(s.get("document"), 300) if s.get("document") else "",
                        "note": clip(s.get("note"), 200) if s.get("note") else "",
                    }
                    for s in state["cycle"]
                ],
            }
        )
    return rows


def _renewal(
    item: Mapping[str, Any], lang: str, today: _dt.date, steps_by_item: Mapping | None = None
) -> dict:
    contact = item.get("contact") if isinstance(item.get("contact"), Mapping) else {}
    item = renewed_item(item, (steps_by_item or {}).get(item.get("id")))
    return {
        "kind": KIND_LABELS[lang].get(item.get("kind"), item.get("kind")),
        "name": clip(item.get("name"), 120),
        "expires": item.get("expires"),
        "days_left": days_left(item, today),
        "action": clip(item.get("action"), 200) if item.get("action") else "",
        "contact": " / ".join(str(contact[k]) for k in ("name", "phone", "email") if contact.get(k)),
    }


@register("W5")
class ReportDelivery(ActivityView):
    """The report reaching the people the inventory names (``court_report_recipients``), as its
    deliveries were recorded (:func:`sopansible.delivery.w5_status`): not the report file existing."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        from sopansible import delivery

        msgs, lang = history.msgs, history.lang
        w5 = delivery.w5_status(history.court, history.court_data, history.deliveries, history.now, lang)
        last = w5["last_sent"]
        view["status"] = w5["status"]
        view["last_run"] = last["attempted"] if last else None
        freq = msgs[f"delivery_{w5['frequency']}"]
        view["evidence"] = [
            {"label": msgs["delivery_recipients"], "value": ", ".join(w5["recipients"]) or "-"},
            {"label": msgs["delivery_schedule"], "value": freq},
            {
                "label": msgs["delivery_last"],
                "value": msgs["delivery_last_value"].format(
                    date=format_date(last["attempted"], lang, True), who=clip(last.get("name"), 120)
                )
                if last
                else "-",
            },
        ]
        problem = w5["problem"]
        if problem:
            text = msgs.get(f"delivery_{problem}")
            view["problems"].append(text.format(period=w5["period"]) if text else clip(problem, 300))
            view["alternatives"].append(msgs["delivery_advice"])


@register("IT-RECAP")
class ThisReport(ActivityView):
    """The recap of the period (IT-RECAP) is this very document."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        view["status"] = "ok"
        view["last_run"] = history.now.isoformat()
        view["evidence"] = [
            {
                "label": history.msgs["output"],
                "value": history.msgs["this_report"].format(date=format_date(history.now, history.lang)),
            }
        ]


@register("W7")
class Troubleshooting(ActivityView):
    """Troubleshooting records: W6 shows those filed under W6, W7 every other."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        records = [t for t in history.troubles if (t["activity"] == "W6") == (activity.id == "W6")]
        view["troubleshooting"] = [trouble_view(t, history.lang) for t in records]
        if not records:
            return
        pending = [t for t in records if t["outcome"] != "resolved"]
        view["status"] = "warning" if pending else "ok"
        view["last_run"] = records[-1]["started"]
        for record in pending:
            view["problems"].append(clip(record["problem"], 300))


@register("W6")
class Diagnosis(Troubleshooting):
    """Its troubleshooting records, and every open finding as a problem still to diagnose."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        super().without_result(view, activity, history)
        if not history.open_findings:
            return
        for finding in history.open_findings:
            view["problems"].append(clip(finding.get("message") or finding.get("rule"), 300))
            view["alternatives"].append(advice(str(finding.get("rule") or ""), history.lang))
        if view["status"] is None:
            view["status"] = "warning"


@register("W8")
class BackupAfterFix(ActivityView):
    """The first backup after the newest solved problem."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        resolved = [t for t in history.troubles if t["outcome"] == "resolved" and t.get("finished")]
        if not resolved:
            return
        fixed = resolved[-1]["finished"]
        after = [b for b in history.backups if b["t"] >= fixed]
        view["last_run"] = after[0]["t"] if after else None
        if after:
            view["status"] = "ok"
            when = format_date(after[0]["t"], history.lang, True)
            view["evidence"] = [
                {
                    "label": history.msgs["backup_after_fix"],
                    "value": f"{after[0].get('snapshot_id')} ({when})",
                }
            ]
        else:
            view["status"] = "warning"
            view["problems"].append(
                history.msgs["no_backup_after_fix"].format(date=format_date(fixed, history.lang, True))
            )
            view["alternatives"].append(advice("backup", history.lang))


@register("IT-ATTACK")
class AttackPatterns(ActivityView):
    """The week's W3 findings counted per rule."""

    def without_result(self, view: dict, activity, history: CourtHistory) -> None:
        patterns, msgs, lang = history.attack, history.msgs, history.lang
        view["last_run"] = history.now.isoformat() if patterns or history.latest.get("W3") else None
        if not (patterns or history.latest.get("W3")):
            return
        worst = max((severity_rank(p["severity"]) for p in patterns), default=0)
        view["status"] = "critical" if worst >= SEVERITY_RANK["high"] else "warning" if worst >= 1 else "ok"
        view["table"] = {
            "title": msgs["attack_patterns"],
            "head": [msgs["rule"], msgs["severity"], msgs["count"], msgs["message"]],
            "rows": [
                [
                    p["rule"],
                    SEVERITY_LABELS[lang].get(p["severity"], p["severity"]),
                    p["count"],
                    clip(p["message"], 160),
                ]
                for p in patterns[:15]
            ],
        }
        for pattern in patterns[:5]:
            if severity_rank(pattern["severity"]) >= SEVERITY_RANK["medium"]:
                view["alternatives"].append(advice(pattern["rule"], lang))


@register("IT-AUDIT")
class Audit(ActivityView):
    """The security audit: the failed controls and the server's health problems are its findings; the
    server's health (outputs.health) is shown as a table of its own."""

    skip = ("health", "appsec")

    def evidence(self, view: dict, outputs: Any, history: CourtHistory) -> None:
        super().evidence(view, outputs, history)
        health = outputs.get("health") if isinstance(outputs, Mapping) else None
        if isinstance(health, Mapping):
            view["table"] = health_table(health, history.msgs)
        appsec = outputs.get("appsec") if isinstance(outputs, Mapping) else None
        if isinstance(appsec, Mapping):
            view["tables"].append(appsec_table(appsec, history.msgs))


def _pct(value: Any) -> str:
    value = number(value)
    return "-" if value is None else f"{value:.1f}%"


def health_table(health: Mapping[str, Any], msgs: Mapping[str, str]) -> dict:
    """The server's health of an audit (as recorded: any value may be missing or malformed) as rows."""
    rows: list[list[str]] = []
    disks = health.get("disks") if isinstance(health.get("disks"), list) else []
    for disk in [d for d in disks if isinstance(d, Mapping)][:10]:
        rows.append(
            [
                msgs["health_disk"].format(mount=clip(disk.get("mount"), 60)),
                msgs["health_disk_value"].format(
                    used=_pct(disk.get("used_pct")),
                    inodes=_pct(disk.get("inodes_used_pct")),
                    free=format_bytes(number(disk.get("free_bytes"))),
                ),
            ]
        )
    rows.append([msgs["health_memory"], _pct(health.get("memory_available_pct"))])
    load, cpus = number(health.get("load5")), number(health.get("cpus"))
    rows.append(
        [
            msgs["health_load"],
            msgs["health_load_value"].format(
                load=f"{load:.2f}", cpus=f"{cpus:g}" if cpus is not None else "-"
            )
            if load is not None
            else "-",
        ]
    )
    units = health.get("failed_units")
    if isinstance(units, list):
        names = [clip(u, 80) for u in units[:10] if isinstance(u, str)]
        count = number(health.get("failed_units_count"))
        more = int(count) - len(names) if count is not None and count > len(names) else 0
        units_text = ", ".join(names) + (f" (+{more})" if more else "") if names or more else "0"
    else:
        units_text = msgs["not_checked"]
    rows.append([msgs["health_units"], units_text])
    updates = number(health.get("security_updates"))
    packages = health.get("security_packages") if isinstance(health.get("security_packages"), list) else []
    names = ", ".join(clip(p, 60) for p in packages[:10] if isinstance(p, str))
    rows.append(
        [
            msgs["health_updates"],
            msgs["not_checked"] if updates is None else f"{updates:g}" + (f" ({names})" if names else ""),
        ]
    )
    return {"title": msgs["health"], "head": [msgs["health_part"], msgs["health_value"]], "rows": rows}


def _text(value: Any, limit: int = 80) -> str:
    return clip(value if isinstance(value, str) else "-" if value is None else str(value), limit)


def _paths(items: Any, count: Any, limit: int = 5) -> str:
    """Up to ``limit`` paths (or {path, markers} items) of a list recorded from a court, and how many more."""
    items = items if isinstance(items, list) else []
    shown = []
    for item in items[:limit]:
        if isinstance(item, Mapping):
            markers = item.get("markers") if isinstance(item.get("markers"), list) else []
            names = ", ".join(_text(m, 40) for m in markers[:4])
            shown.append(_text(item.get("path"), 120) + (f" ({names})" if names else ""))
        else:
            shown.append(_text(item, 120))
    total = number(count)
    # the count comes from the court: an absurd one is shown as a large number, never computed with
    more = min(int(total), 10**9) - len(shown) if total is not None and total > len(shown) else 0
    text = "; ".join(shown)
    if more:
        text = (text + " " if text else "") + f"(+{more})"
    return text or "0"


def extension_rows(extensions: Any, msgs: Mapping[str, str], limit: int = 12) -> list[list[str]]:
    """The WordPress plugins, must-use plugins and themes of an audit (as recorded), one row per kind:
    name and version of each, a closed one marked with its date, those left out counted."""
    if not isinstance(extensions, Mapping):
        return []
    rows = []
    for key, label in (
        ("plugins", "appsec_plugins"),
        ("mu_plugins", "appsec_mu_plugins"),
        ("themes", "appsec_themes"),
    ):
        items = extensions.get(key) if isinstance(extensions.get(key), list) else []
        items = [i for i in items if isinstance(i, Mapping)]
        if not items and key == "mu_plugins":
            continue
        shown = []
        for item in items[:limit]:
            text = _text(item.get("name") or item.get("slug"), 60) + " " + _text(item.get("version"), 40)
            closed = item.get("closed") if isinstance(item.get("closed"), Mapping) else None
            if closed:
                text += msgs["appsec_closed"].format(date=_text(closed.get("date"), 20))
            elif item.get("outside"):
                text = _text(item.get("slug"), 60) + msgs["appsec_outside"]
            shown.append(text)
        more = len(items) - len(shown)
        value = ("; ".join(shown) or "0") + (f" (+{more})" if more > 0 else "")
        if extensions.get("truncated") is True:
            value += msgs["appsec_truncated"]
        rows.append([msgs[label], value])
    return rows


def appsec_table(appsec: Mapping[str, Any], msgs: Mapping[str, str]) -> dict:
    """The application security of an audit (as recorded: any value may be missing or malformed): the
    software against its end of life, then the web root scan."""
    rows: list[list[str]] = []
    software = appsec.get("software") if isinstance(appsec.get("software"), list) else []
    for item in [s for s in software if isinstance(s, Mapping)][:6]:
        status, days = item.get("status"), number(item.get("days_left"))
        state = (
            msgs["appsec_state_eol"]
            if status == "eol"
            else msgs["appsec_state_soon"].format(days=f"{days:g}")
            if status == "eol-soon" and days is not None
            else msgs["appsec_state_supported"]
        )
        compiled = _text(item.get("data_compiled"), 20)
        eol_text = _text(item.get("eol") or "-", 20)
        if item.get("basis") == "distribution":  # the distribution's package: its release's support end
            eol_text += msgs["appsec_basis_distribution"].format(
                distribution=_text(item.get("distribution"), 30)
            )
        rows.append(
            [
                msgs["appsec_software"].format(
                    name=_text(item.get("name"), 30), version=_text(item.get("version"), 40)
                ),
                msgs["appsec_eol"].format(eol=eol_text, state=state, compiled=compiled)
                if status in ("eol", "eol-soon", "supported")
                else msgs["appsec_eol_unknown"].format(compiled=compiled),
            ]
        )
    rows += extension_rows(appsec.get("extensions"), msgs)
    scan = appsec.get("scan") if isinstance(appsec.get("scan"), Mapping) else None
    if scan is None:
        return {"title": msgs["appsec"], "head": [msgs["health_part"], msgs["health_value"]], "rows": rows}
    files = number(scan.get("files_scanned"))
    stopped = scan.get("stopped_by")
    rows.append(
        [
            msgs["appsec_scan"],
            msgs["appsec_scan_value"].format(
                files=f"{files:g}" if files is not None else "-",
                stopped=msgs["appsec_scan_stopped"].format(bound=_text(stopped, 20)) if stopped else "",
            ),
        ]
    )
    ref = scan.get("reference") if isinstance(scan.get("reference"), Mapping) else {}
    if ref.get("made"):
        ref_text = msgs["appsec_baseline_made"]
    elif ref.get("kind"):
        changed, added = number(ref.get("changed_count")), number(ref.get("added_count"))
        ref_text = msgs["appsec_reference_value"].format(
            kind=_text(ref.get("kind"), 30),
            created=_text(ref.get("created"), 30),
            changed=f"{changed:g}" if changed is not None else "-",
            added=f"{added:g}" if added is not None else "-",
        )
        listed = _paths(
            (ref.get("changed") or []) + (ref.get("added") or [])
            if isinstance(ref.get("changed"), list) and isinstance(ref.get("added"), list)
            else [],
            None,
        )
        if listed != "0":
            ref_text += f" ({listed})"
    else:
        ref_text = msgs["appsec_no_reference"]
    rows.append([msgs["appsec_reference"], ref_text])
    code = scan.get("code") if isinstance(scan.get("code"), Mapping) else None
    if code is not None:  # the CMS's code kept by packages outside the web root, checked against them
        packages = code.get("packages") if isinstance(code.get("packages"), list) else []
        names = ", ".join(
            _text(p.get("name"), 40) + " " + _text(p.get("version"), 40)
            for p in packages[:3]
            if isinstance(p, Mapping)
        )
        counts = [number(code.get(k)) for k in ("files_scanned", "changed_count", "added_count")]
        value = msgs["appsec_code_value"].format(
            root=_text(code.get("root"), 80),
            packages=names or "-",
            files=f"{counts[0]:g}" if counts[0] is not None else "-",
            changed=f"{counts[1]:g}" if counts[1] is not None else "-",
            added=f"{counts[2]:g}" if counts[2] is not None else "-",
        )
        listed = _paths(
            (code.get("changed") or []) + (code.get("added") or [])
            if isinstance(code.get("changed"), list) and isinstance(code.get("added"), list)
            else [],
            None,
        )
        rows.append([msgs["appsec_code"], value + (f" ({listed})" if listed != "0" else "")])
    rows.append([msgs["appsec_webshells"], _paths(scan.get("webshells"), scan.get("webshells_count"))])
    rows.append(
        [msgs["appsec_uploads"], _paths(scan.get("php_in_uploads"), scan.get("php_in_uploads_count"))]
    )
    oversized = scan.get("oversized") if isinstance(scan.get("oversized"), list) else []
    rows.append([msgs["appsec_oversized"], _paths(oversized, scan.get("oversized_count"), limit=3)])
    rows.append(
        [msgs["appsec_symlinks"], _paths(scan.get("symlinks_out"), scan.get("symlinks_out_count"), limit=3)]
    )
    return {"title": msgs["appsec"], "head": [msgs["health_part"], msgs["health_value"]], "rows": rows}


@register("IT-DRILL")
class RestoreDrill(ActivityView):
    fallback_rule = "restore"


# -- common parts --------------------------------------------------------------------------------------
def renewed_item(item: Mapping[str, Any], steps: Any) -> Mapping[str, Any]:
    """The item with the paid-until date of a renewal recorded after its check, when that is later (the
    W4 check may be older than the renewal people recorded)."""
    if not isinstance(steps, list) or not steps:
        return item
    try:
        recorded = renewal_workflow.state(steps)["paid_until"]
    except (KeyError, TypeError, ValueError):
        return item
    current = str(item.get("expires") or item.get("date") or "")[:10]
    if recorded and (not current or recorded > current):
        return dict(item, expires=recorded, days_left=None)
    return item


def standard_time_text(waktu, lang: str) -> str:
    """The court's own wording; in English followed by the English reading: "4 h (4 jam)"."""
    if lang != "en":
        return waktu.text
    if waktu.relative:
        return f"relative ({waktu.text})"
    if waktu.is_range:
        return f"{format_seconds(waktu.min_s, lang)} - {format_seconds(waktu.max_s, lang)} ({waktu.text})"
    return f"{format_seconds(waktu.max_s, lang)} ({waktu.text})"


def timing(activity, history: CourtHistory, result: Mapping[str, Any] | None = None) -> dict:
    """The SOP time of an activity (:mod:`sop_times`) against the court's standard time; the run's own
    duration is kept apart as the process duration, never as the SOP time."""
    lang, msgs = history.lang, history.msgs
    process = number(result.get("duration_s")) if result else None
    found = sop_times.measured(activity, history)
    out = {
        "standard": standard_time_text(activity.waktu, lang),
        "standard_s": activity.waktu.max_s,
        "relative": activity.waktu.relative,
        "actual_s": None,
        "actual": None,
        "within": None,
        "basis": "",
        "reason": "",
        "ongoing": False,
        "breaches": None,
        "process_s": process,
        "process": format_seconds(process, lang) if process is not None else None,
    }
    if isinstance(found, str):
        out["reason"] = msgs.get(found, found)
        return out
    within = found.within if found.within is not None else activity.waktu.within(found.seconds)
    late = found.seconds < 0  # W4: renewed after expiry
    shown = format_seconds(abs(found.seconds), lang)
    values = {
        "count": found.count,
        "breaches": found.breaches,
        "subject": found.subject or "-",
        "since": format_date(found.since, lang, True) if found.since else "-",
        "limit": format_seconds(found.limit_s, lang) if found.limit_s is not None else "-",
    }
    basis = msgs[found.basis].format(**values)
    if found.breaches is not None and "{breaches}" not in msgs[found.basis]:
        basis += "; " + msgs["sop_time_breach_count"].format(**values)
    out.update(
        actual_s=found.seconds,
        actual=msgs["sop_time_late_by"].format(time=shown) if late else shown,
        within=within,
        ongoing=found.ongoing,
        basis=basis,
        breaches=found.breaches,
    )
    return out


def trouble_view(record: Mapping[str, Any], lang: str) -> dict:
    third = record.get("third_party")
    if isinstance(third, Mapping):
        third = " / ".join(str(third[k]) for k in ("role", "name", "phone", "email") if third.get(k))
    return {
        "problem": clip(record.get("problem"), 300),
        "actions": [clip(a, 200) for a in (record.get("actions") or [])][:10],
        "who": record.get("who") or "-",
        "third_party": clip(third, 120) if third else "-",
        "started": record.get("started"),
        "duration": format_seconds(record.get("duration_s"), lang)
        if record.get("duration_s") is not None
        else "-",
        "standard_time": record.get("standard_time") or "-",
        "within": record.get("within_standard"),
        "outcome": OUTCOME_LABELS[lang].get(record.get("outcome"), record.get("outcome")),
        "evidence": clip(hide_secret("evidence", record.get("evidence")), 300)
        if record.get("evidence") is not None
        else "",
        "notes": [_note_view(n, lang) for n in (record.get("notes") or [])][-20:],
    }


def _note_view(note: Mapping[str, Any], lang: str) -> dict:
    """One step of the trail: when, who, the third party and its ticket, what was done."""
    return {
        "at": note.get("at"),
        "who": clip(note.get("who"), 120) or "-",
        "party": clip(note.get("party"), 120) if note.get("party") else "",
        "ticket": clip(note.get("ticket"), 120) if note.get("ticket") else "",
        "action": clip(note.get("action"), 300),
        "resolved": bool(note.get("resolved")),
    }


def activity_view(activity, history: CourtHistory) -> dict:
    """The view of one activity of the court's catalogue."""
    view_of = VIEWS.get(activity.id, GENERIC)
    result = history.latest.get(activity.id)
    view = _base_view(activity, result, history)
    if result:
        view_of.evidence(view, result.get("outputs") or {}, history)
        findings = sorted(result.get("findings") or [], key=lambda f: -severity_rank(f.get("severity")))
        _findings(view, activity.id, findings, history)
        _problems(view, result, findings[:FINDING_LIMIT], view_of.fallback_rule, history.lang)
    else:
        view_of.without_result(view, activity, history)
    view["timing"] = timing(activity, history, result)
    view["problems"] = list(dict.fromkeys(view["problems"]))
    view["alternatives"] = list(dict.fromkeys(view["alternatives"]))
    view["status_label"] = STATUS_LABELS[history.lang].get(view["status"] or "none")
    # activities never carried out are listed in the overview only
    view["has_details"] = bool(
        view["status"]
        or view["evidence"]
        or view["findings"]
        or view["renewals"]
        or view["workflow"]
        or view["troubleshooting"]
        or view["table"]
        or view["tables"]
        or view["problems"]
    )
    return view


def _base_view(activity, result: Mapping[str, Any] | None, history: CourtHistory) -> dict:
    lang = history.lang
    return {
        "id": activity.id,
        "no": activity.no,
        "sop": activity.sop,
        "activity": activity.text(lang),
        "performers": history.cat.performers_of(activity.id, lang),
        "requirements": activity.requirements(lang),
        "output": activity.output_text(lang),
        "done_by": activity.done_by,
        "status": result["status"] if result else None,
        "summary": result.get("summary") if result else None,
        "last_run": result["started"] if result else None,
        "run_id": result["run_id"] if result else None,
        "timing": None,
        "evidence": [],
        "findings": [],
        "findings_more": 0,
        "renewals": [],
        "workflow": [],
        "troubleshooting": [],
        "table": None,
        # further tables of the same shape, after "table" (the audit's application security)
        "tables": [],
        "problems": [],
        "alternatives": [],
    }


def _findings(view: dict, activity_id: str, all_findings: list[dict], history: CourtHistory) -> None:
    """The worst findings (sorted worst first), with when each was first seen while it stayed open."""
    view["findings"] = [finding_view(f, history.lang) for f in all_findings[:FINDING_LIMIT]]
    view["findings_more"] = max(len(all_findings) - FINDING_LIMIT, 0)
    opened = {(f["activity"], f["rule"]): f for f in history.open_findings}
    for finding in view["findings"]:
        extra = opened.get((activity_id, finding["rule"]))
        if extra:
            finding["first_seen"] = extra.get("first_seen")
            finding["occurrences"] = extra.get("occurrences")


def _problems(
    view: dict, result: Mapping[str, Any], findings: list[dict], fallback_rule: str, lang: str
) -> None:
    """Problems (the error, the findings shown, else the summary) and their alternatives."""
    if result.get("error"):
        view["problems"].append(clip(result["error"], 500))
    for finding in findings:
        label = SEVERITY_LABELS[lang].get(finding.get("severity"), finding.get("severity"))
        view["problems"].append(f"[{label}] {clip(finding.get('message') or finding.get('rule'), 300)}")
        view["alternatives"].append(advice(str(finding.get("rule") or ""), lang))
    if result["status"] in ("failed", "unreachable"):
        view["alternatives"].append(unreachable_advice(lang))
    elif result["status"] != "ok" and not view["alternatives"]:
        view["alternatives"].append(advice(fallback_rule, lang))
    if result["status"] != "ok" and not view["problems"] and result.get("summary"):
        view["problems"].append(clip(result["summary"], 300))
