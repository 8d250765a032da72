"""Small inline SVG charts for the printable reports: no JavaScript, no external assets.

Every text that ends up in the SVG goes through :func:`markupsafe.escape`; the functions return
:class:`markupsafe.Markup` so that templates with autoescape embed the SVG as it is.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence

from markupsafe import Markup, escape


def _usable(value: object) -> bool:
    """Only finite numbers are drawn; anything else (text, NaN, infinity) leaves a gap."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


WIDTH = 640
HEIGHT = 150
PAD_LEFT = 54
PAD_RIGHT = 10
PAD_TOP = 18
PAD_BOTTOM = 22
COLOR = "#1f5f99"
COLOR_BAD = "#b3261e"


def _fmt(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:.1f}"


def _x_label(value: _dt.datetime | _dt.date) -> str:
    return value.strftime("%d/%m")


def _frame(title: str, ymin: float, ymax: float, unit: str, labels: tuple[str, str]) -> list[str]:
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD_LEFT}" y="12" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(3):
        frac = i / 2
        y = PAD_TOP + inner_h * (1 - frac)
        value = ymin + (ymax - ymin) * frac
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{PAD_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" class="tick">'
            f"{escape(_fmt(value))}{escape(unit)}</text>"
        )
    parts.append(
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 6}" class="tick">{escape(labels[0])}</text>'
        f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 6}" text-anchor="end" '
        f'class="tick">{escape(labels[1])}</text>'
    )
    return parts


def _empty(title: str, message: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} 40" width="100%" '
        'role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<text x="{PAD_LEFT}" y="12" class="chart-title">{escape(title)}</text>'
        f'<text x="{PAD_LEFT}" y="32" class="tick">{escape(message)}</text></svg>'
    )


def line_chart(
    points: Sequence[tuple[_dt.datetime, float | None]],
    title: str,
    unit: str = "",
    start: _dt.datetime | None = None,
    end: _dt.datetime | None = None,
    empty: str = "-",
    ymin: float | None = 0.0,
) -> Markup:
    """A time line; ``None`` values break the line (e.g. a failed check)."""
    points = [(moment, value if _usable(value) else None) for moment, value in points]
    values = [v for _, v in points if v is not None]
    if not values:
        return _empty(title, empty)
    start = start or points[0][0]
    end = end or points[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    low = min(values) if ymin is None else min(ymin, min(values))
    high = max(values)
    if high <= low:
        high = low + 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = _frame(title, low, high, unit, (_x_label(start), _x_label(end)))
    path: list[str] = []
    dots: list[str] = []
    pen_up = True
    for moment, value in points:
        if value is None:
            pen_up = True
            continue
        x = PAD_LEFT + inner_w * min(max((moment - start).total_seconds() / span, 0.0), 1.0)
        y = PAD_TOP + inner_h * (1 - (value - low) / (high - low))
        path.append(f"{'M' if pen_up else 'L'}{x:.1f} {y:.1f}")
        pen_up = False
        if len(points) <= 60:
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{COLOR}"/>')
    parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{COLOR}" stroke-width="1.5"/>')
    parts.extend(dots)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[tuple[_dt.date, float | None]],
    title: str,
    unit: str = "",
    ymax: float | None = None,
    bad_below: float | None = None,
    empty: str = "-",
) -> Markup:
    """Daily bars; ``None`` leaves a gap. Bars under ``bad_below`` are drawn in the alarm colour."""
    bars = [(day, value if _usable(value) else None) for day, value in bars]
    values = [v for _, v in bars if v is not None]
    if not bars or not values:
        return _empty(title, empty)
    high = ymax if ymax is not None else max(values)
    if high <= 0:
        high = 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = _frame(title, 0.0, high, unit, (_x_label(bars[0][0]), _x_label(bars[-1][0])))
    slot = inner_w / len(bars)
    width = max(slot * 0.7, 1.0)
    for index, (_, value) in enumerate(bars):
        if value is None:
            continue
        h = inner_h * min(value / high, 1.0)
        x = PAD_LEFT + slot * index + (slot - width) / 2
        color = COLOR_BAD if bad_below is not None and value < bad_below else COLOR
        parts.append(
            f'<rect x="{x:.1f}" y="{PAD_TOP + inner_h - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f'fill="{color}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
