"""Evidence for display: an activity's outputs as labelled rows, and a finding with its evidence rows and
samples. Values are clipped, secrets hidden; the templates escape what is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sopansible.report.format import clip, format_bytes, hide_secret, redact_url
from sopansible.report.texts import FIELD_LABELS, MESSAGES, SEVERITY_LABELS

SAMPLE_LIMIT = 5
# Output fields whose meaning depends on the activity: shown with the label of the field named here.
FIELD_ALIASES = {"W1": {"status": "http_status"}, "W3": {"status": "status_classes"}}
# Visitor-summary parts too long for a printed table (kept in laporan.json).
W3_SKIP = ("daily", "hourly", "hour_of_day", "status_codes", "unique_visitors_capped")
# Outputs already shown through other fields (W2: the last_job_* fields summarise last_job).
EVIDENCE_SKIP = {"W2": ("last_job",)}
_NAME_KEYS = ("name", "path", "host", "ip", "user_agent", "url", "date", "value")


def _label(field: str, lang: str) -> str:
    return FIELD_LABELS[lang].get(field, field)


def _value(field: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return MESSAGES[lang]["yes"] if value else MESSAGES[lang]["no_"]
    if field in ("size_bytes", "bandwidth_bytes", "bytes", "bytes_copied", "data_added"):
        return format_bytes(value)
    if field == "repository":
        return clip(redact_url(value))
    if isinstance(value, list):
        return _list_value(value)
    if isinstance(value, int | float):
        return f"{value:,}".replace(",", ".") if isinstance(value, int) else f"{value:.1f}"
    return clip(value)


def _list_value(value: list) -> str:
    """The first few items of a list: "name (count)" for a counted entry, else the item itself."""
    items = []
    for item in value[:SAMPLE_LIMIT]:
        if isinstance(item, Mapping):
            name = next((item[k] for k in _NAME_KEYS if item.get(k) not in (None, "")), None)
            count = item.get("count") or item.get("hits") or item.get("requests") or item.get("status")
            items.append(
                f"{clip(name, 80)} ({count})" if name is not None and count is not None else clip(item)
            )
        else:
            items.append(clip(item, 80))
    more = len(value) - SAMPLE_LIMIT
    return "; ".join(items) + (f"; … (+{more})" if more > 0 else "")


def evidence_rows(
    outputs: Any, lang: str, skip: Iterable[str] = (), aliases: Mapping[str, str] | None = None
) -> list[dict]:
    """Key/value rows of an activity's outputs (scalars, short lists; nested objects one level deep)."""
    aliases = aliases or {}
    rows: list[dict] = []
    if not isinstance(outputs, Mapping):
        return [{"label": "output", "value": clip(outputs)}] if outputs not in (None, "") else []
    skip = set(skip)
    for key, value in outputs.items():
        if key in skip or value is None:
            continue
        if isinstance(value, Mapping):
            group = _label(aliases.get(str(key), str(key)), lang)
            for sub, subvalue in list(value.items())[:20]:
                if subvalue is None or isinstance(subvalue, Mapping):
                    continue
                rows.append(
                    {
                        "label": f"{group} · {_label(str(sub), lang)}",
                        "value": _value(sub, hide_secret(str(sub), subvalue), lang),
                    }
                )
            continue
        value = hide_secret(str(key), value)
        name = aliases.get(str(key), str(key))
        rows.append({"label": _label(name, lang), "value": _value(name, value, lang)})
        if len(rows) >= 30:
            break
    return rows


def finding_view(finding: Mapping[str, Any], lang: str) -> dict:
    """A finding for display: scalar evidence as rows, lists as samples (clipped)."""
    evidence = finding.get("evidence")
    rows: list[dict] = []
    samples: list[str] = []
    if isinstance(evidence, Mapping):
        for key, value in evidence.items():
            if isinstance(value, list):
                for item in value[:SAMPLE_LIMIT]:
                    # Evidence as recorded (log lines as logged): the template's autoescape is
                    # the one and only HTML escaping.
                    samples.append(clip(hide_secret(str(key), item)))
            elif value is not None and len(rows) < 12:
                rows.append({"label": str(key), "value": clip(hide_secret(str(key), value))})
    elif evidence not in (None, "", {}):
        rows.append({"label": "evidence", "value": clip(evidence)})
    return {
        "rule": finding.get("rule"),
        "severity": finding.get("severity"),
        "severity_label": SEVERITY_LABELS[lang].get(finding.get("severity"), finding.get("severity")),
        "message": finding.get("message"),
        "first_seen": finding.get("first_seen"),
        "occurrences": finding.get("occurrences"),
        "evidence_rows": rows,
        "samples": samples,
    }
