# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard times (Mutu Baku: Waktu) as the courts write them in their SOPs.

"2 jam", "15 menit", "1 hari", "1.500 menit", "1,5 jam", "1 jam - 3 hari" and "relatif" are parsed
into seconds. Used by the inventory contract (court_sop_times) and by sopansible's SOP catalogue.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_UNITS = {
    "detik": 1,
    "second": 1,
    "seconds": 1,
    "s": 1,
    "menit": 60,
    "minute": 60,
    "minutes": 60,
    "min": 60,
    "m": 60,
    "jam": 3600,
    "hour": 3600,
    "hours": 3600,
    "h": 3600,
    "hari": 86400,
    "day": 86400,
    "days": 86400,
    "d": 86400,
    "minggu": 7 * 86400,
    "pekan": 7 * 86400,
    "week": 7 * 86400,
    "weeks": 7 * 86400,
    "bulan": 30 * 86400,
    "month": 30 * 86400,
    "months": 30 * 86400,
}
_RELATIVE = {"relatif", "relative", "-", ""}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)?")


class DurationError(ValueError):
    """A standard time that cannot be understood; the message quotes it."""


@dataclass(frozen=True)
class StandardTime:
    """A standard time (Mutu Baku: Waktu): a fixed time, a range, or relative (no fixed time)."""

    text: str
    min_s: float | None = None
    max_s: float | None = None

    @property
    def relative(self) -> bool:
        return self.max_s is None

    @property
    def is_range(self) -> bool:
        return self.min_s is not None and self.max_s is not None and self.min_s != self.max_s

    def within(self, seconds: float | None) -> bool | None:
        """True when ``seconds`` is within the standard time, None when it cannot be judged."""
        if seconds is None or self.max_s is None:
            return None
        return seconds <= self.max_s

    def as_dict(self) -> dict:
        return {"text": self.text, "min_s": self.min_s, "max_s": self.max_s, "relative": self.relative}


def _number(text: str, original: str) -> float:
    # Indonesian writing: "1.500 menit" (thousands dot), "1,5 jam" (decimal comma).
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        return float(text.replace(",", "."))
    except ValueError:  # pragma: no cover - the pattern only lets digits through
        raise DurationError(f"waktu baku '{original}': angka '{text}' tidak sah") from None


def _span(text: str, original: str, default_unit: str | None = None) -> tuple[float, str | None]:
    """Seconds of one side of a duration: one or more "<n> <unit>" parts ("1 hari 2 jam 47 menit")."""
    pos = 0
    total = 0.0
    parts = 0
    last_unit = None
    text = text.strip()
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match:
            raise DurationError(
                f"waktu baku '{original}' tidak dikenali (contoh: '2 jam', '15 menit', '1 jam - 3 hari', "
                "'relatif')"
            )
        number, unit = match.group(1), match.group(2)
        unit = unit or default_unit
        if unit is None:
            raise DurationError(
                f"waktu baku '{original}': satuan waktu tidak ada (contoh: '2 jam', '15 menit')"
            )
        if unit not in _UNITS:
            raise DurationError(
                f"waktu baku '{original}': satuan '{unit}' tidak dikenal "
                "(detik, menit, jam, hari, minggu, bulan)"
            )
        total += _number(number, original) * _UNITS[unit]
        last_unit = unit
        parts += 1
        pos = match.end()
        while pos < len(text) and text[pos] in " \t,":
            pos += 1
    if not parts:
        raise DurationError(f"waktu baku '{original}' kosong")
    return total, last_unit


def parse_duration(value: str) -> StandardTime:
    """Parse an Indonesian standard time into seconds.

    ``"2 jam"`` -> 7200 s; ``"15 menit"``; ``"1 hari"``; ``"1 hari 2 jam"``; ``"1.500 menit"``;
    ``"1 jam - 3 hari"`` -> a range (3600 s .. 259200 s); ``"1 - 3 hari"`` (unit shared);
    ``"relatif"`` -> no fixed time. English units (minutes, hours, days) are accepted too.
    Raises :class:`DurationError` with the offending text for anything else.
    """
    if not isinstance(value, str):
        raise DurationError(
            f"waktu baku harus berupa teks seperti '2 jam' atau 'relatif', bukan {type(value).__name__} "
            f"{value!r}"
        )
    return _parse_duration(value)


@functools.lru_cache(maxsize=256)
def _parse_duration(value: str) -> StandardTime:
    text = " ".join(value.strip().lower().split())
    if text in _RELATIVE:
        return StandardTime(value.strip() or "relatif")
    sides = re.split(r"\s*(?:-|–|—|s/d|sampai)\s*", text)
    if len(sides) == 1:
        seconds, _unused = _span(sides[0], value)
        return StandardTime(value.strip(), seconds, seconds)
    if len(sides) != 2 or not sides[0] or not sides[1]:
        raise DurationError(f"waktu baku '{value}' tidak dikenali (rentang ditulis seperti '1 jam - 3 hari')")
    high, high_unit = _span(sides[1], value)
    low, _unused = _span(sides[0], value, default_unit=high_unit)
    if low > high:
        raise DurationError(f"waktu baku '{value}': batas bawah lebih besar dari batas atas")
    return StandardTime(value.strip(), low, high)
