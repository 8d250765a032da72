"""Formatting for display: dates, durations, ages, numbers, sizes, clipped text, hidden secrets and the
directory name of a court. History rows come from court servers and older versions: every helper
takes any value and returns text (or None) without raising."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from sopansible.catalogue import format_seconds
from sopansible.report.texts import MONTHS

__all__ = [
    "clip",
    "days_between",
    "days_left",
    "format_age",
    "format_bytes",
    "format_date",
    "format_number",
    "format_seconds",
    "format_short",
    "hide_secret",
    "label_text",
    "number",
    "redact_url",
    "slug",
]

TEXT_LIMIT = 300
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_?key|private|credential", re.IGNORECASE)


# -- dates and durations -------------------------------------------------------------------------------
def format_date(value: Any, lang: str = "id", with_time: bool = False) -> str:
    if not value:
        return "-"
    if isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        moment = value
    month = MONTHS[lang][moment.month - 1]
    text = f"{moment.day} {month} {moment.year}"
    if with_time and isinstance(moment, _dt.datetime):
        text += moment.strftime(" %H:%M UTC")
    return text


def format_short(value: str | None) -> str:
    """An ISO time as "23/11/2026 09:30" (the dashboard's last-checked column)."""
    return value[8:10] + "/" + value[5:7] + "/" + value[:4] + " " + value[11:16] if value else "-"


def format_age(days: float | None, lang: str) -> str:
    """An age in days as a duration ("2 hari"); "-" when unknown."""
    return format_seconds(days * 86400, lang) if days is not None else "-"


def days_between(later: _dt.datetime, earlier: _dt.datetime) -> float:
    """Days from ``earlier`` to ``later``, never negative (clocks of controllers differ a little)."""
    return max(round((later - earlier).total_seconds() / 86400, 2), 0.0)


def days_left(item: Mapping[str, Any], today: _dt.date) -> int | None:
    """Days until ``expires`` as of the report date; the run's own ``days_left`` when no date is given."""
    try:
        return (_dt.date.fromisoformat(str(item.get("expires"))[:10]) - today).days
    except ValueError:
        days = item.get("days_left")
        return int(days) if isinstance(days, int | float) and not isinstance(days, bool) else None


# -- numbers and sizes ---------------------------------------------------------------------------------
def format_number(value: Any, lang: str = "id") -> str:
    """1234.5 -> "1.234,5" (id) / "1,234.5" (en)."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "-"
    text = f"{value:,}" if isinstance(value, int) or value == int(value) else f"{value:,.1f}"
    if isinstance(value, float) and value == int(value):
        text = f"{int(value):,}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_bytes(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-" if value is None else str(value)
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)  # pragma: no cover


def number(value: Any) -> int | float | None:
    """A finite number, or None for anything else (text, booleans, NaN): history rows come from court
    servers and older versions, and one bad value must not stop a report."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


# -- text ----------------------------------------------------------------------------------------------
def clip(value: Any, limit: int = TEXT_LIMIT) -> str:
    if value is None:
        return "-"
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def label_text(value: Any) -> str | None:
    """Text for a name, type or region, whatever the recorded inventory held."""
    if value is None or isinstance(value, str):
        return value
    return clip(value, 120)


def redact_url(value: Any) -> Any:
    """Hide credentials anywhere in a text: URL passwords (``rest:https://user:secret@host/`` ->
    ``user:***@``), secret query parameters and bot tokens (the ``redact`` engine)."""
    return _redact.redact_text(value)


def hide_secret(key: str, value: Any) -> Any:
    """Mask values of secret-looking keys and passwords inside URLs, at any depth."""
    if _SECRET_KEY.search(key) and value not in (None, ""):
        return "***"
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, Mapping):
        return {k: hide_secret(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_secret(key, v) for v in value]
    return value


def slug(court: str) -> str:
    """A safe directory name for a court (names with other characters get a short hash so that two
    courts never share a directory)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", court).strip(".") or "_"
    if name != court:
        name += "-" + hashlib.sha256(court.encode("utf-8")).hexdigest()[:8]
    return name
