"""Writing the reports: the fleet dashboard and one report per court, as HTML (Jinja2, autoescape on)
with a JSON file beside each, sequentially or in forked worker processes."""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import html
import json
import logging
import multiprocessing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from sopansible.catalogue import Catalogue
from sopansible.catalogue import load as load_catalogue
from sopansible.report.court import SCHEMA, court_charts, court_context
from sopansible.report.data import FleetData
from sopansible.report.errors import ReportError, check_lang
from sopansible.report.fleet import dashboard_context, dashboard_row, failed_row, fleet_chart
from sopansible.report.format import (
    clip,
    format_age,
    format_bytes,
    format_date,
    format_number,
    format_seconds,
    format_short,
    slug,
)
from sopansible.report.texts import MESSAGES, SEVERITY_LABELS, STATUS_LABELS
from sopansible.store import HistoryStore

_LOG = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"


class _Renderer:
    """The two templates with the message catalogue and the formatting helpers of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
        )
        msgs = MESSAGES[lang]

        def t(key: str, **params: Any) -> str:
            text = msgs.get(key, key)
            return text.format(**params) if params else text

        self.env.globals.update(
            t=t,
            m=msgs,
            lang=lang,
            status_label=lambda s: STATUS_LABELS[lang].get(s or "none", s),
            severity_label=lambda s: SEVERITY_LABELS[lang].get(s, s),
            fmt_date=lambda v, with_time=False: format_date(v, lang, with_time),
            fmt_seconds=lambda v: format_seconds(v, lang),
            fmt_bytes=format_bytes,
            fmt_num=lambda v: format_number(v, lang),
            fmt_short=format_short,
            fmt_age=lambda days: format_age(days, lang),
        )
        self.report = self.env.get_template("laporan.html")
        self.index = self.env.get_template("index.html")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError.of("cannot_write", path=path, reason=exc.strerror) from None


def default_out_dir() -> Path:
    from sopansible.paths import data_dir

    return data_dir() / "reports"


def render_reports(
    store: HistoryStore,
    out_dir: str | Path | None = None,
    lang: str = "id",
    courts: Iterable[str] | None = None,
    *,
    catalogue: Catalogue | None = None,
    now: _dt.datetime | None = None,
    days: int = 30,
    workers: int = 1,
    schedules: list[dict] | None = None,
) -> Path:
    """Write the fleet dashboard and one report per court into ``out_dir`` (default:
    ``sopansible.paths.data_dir() / "reports"``); returns the path of index.html.

    The history is read once for the whole fleet; ``workers`` > 1 renders the court reports in that many
    forked processes (worth it for hundreds of courts). ``schedules``: the maintenance schedules in force
    (default: those ``sopansible schedule install`` installed on this controller, read back)."""
    lang = check_lang(lang)
    cat = catalogue or load_catalogue()
    now = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC).replace(microsecond=0)
    start_day = (now - _dt.timedelta(days=days - 1)).date()
    since = _dt.datetime.combine(start_day, _dt.time(), _dt.UTC).isoformat()
    week = (now - _dt.timedelta(days=7)).isoformat()
    known = store.courts()
    names, query_courts = _select(known, courts)
    out = Path(out_dir) if out_dir is not None else default_out_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError.of("cannot_create_dir", path=out, reason=exc.strerror) from None

    data = FleetData(store, query_courts, since, week)
    renderer = _Renderer(lang)
    period = {"from": since, "to": now.isoformat(), "days": days}

    if schedules is None:
        from sopansible.schedule import installed

        schedules = installed(lang=lang)
    job = _CourtJob(known, data, cat, lang, now, start_day, days, period, out, renderer)
    job.schedules = schedules
    if workers > 1 and len(names) >= 2 * workers:
        rows = _render_parallel(job, names, workers)
    else:
        rows = [job.render(name) for name in names]

    index = dashboard_context(rows, data, lang, now, period, start_day, days)
    _write(out / "index.json", _json(index))
    chart = fleet_chart(index, lang)
    _write(out / "index.html", renderer.index.render(d=index, chart=chart, generated=index["generated"]))
    return out / "index.html"


def _select(known: dict, courts: Iterable[str] | None) -> tuple[list[str], list[str] | None]:
    """The courts to report on and the courts to query (None: all), refusing courts not in the history."""
    if courts is None:
        return sorted(known), None
    wanted = list(dict.fromkeys(courts))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        listed = f"{', '.join(sorted(known)[:20])}{' …' if len(known) > 20 else ''}"
        raise ReportError.of(
            "unknown_courts", "known_courts" if known else "", courts=", ".join(unknown), listed=listed
        )
    return wanted, wanted


class _CourtJob:
    """Renders and writes one court's report; shared by the sequential and the forked path."""

    def __init__(self, known, data, cat, lang, now, start_day, days, period, out, renderer) -> None:
        self.known, self.data, self.cat, self.lang = known, data, cat, lang
        self.now, self.start_day, self.days, self.period = now, start_day, days, period
        self.out, self.renderer = out, renderer
        self.schedules: list[dict] = []

    def render(self, name: str) -> dict:
        try:
            return self._render(name)
        except Exception as exc:  # noqa: BLE001 - one court's history never stops the fleet's reports
            _LOG.exception("report of %s", name)
            return self._failed(name, exc)

    def _failed(self, name: str, exc: Exception) -> dict:
        """A page that says why, and a dashboard row that shows the court as failed."""
        text = f"{MESSAGES[self.lang]['report_failed']}: {type(exc).__name__}: {clip(str(exc), 300)}"
        court_dir = self.out / slug(name)
        _write(court_dir / "laporan.json", json.dumps({"schema": SCHEMA, "court": name, "error": text}))
        _write(
            court_dir / "laporan.html",
            f"<!doctype html><meta charset=utf-8><title>{html.escape(name)}</title>"
            f"<h1>{html.escape(name)}</h1><p>{html.escape(text)}</p>",
        )
        return failed_row(name, self.lang)

    def _render(self, name: str) -> dict:
        context = court_context(
            name,
            self.known.get(name, {}),
            self.data,
            self.cat,
            self.lang,
            self.now,
            self.start_day,
            self.days,
            self.period,
            self.schedules,
        )
        court_dir = self.out / slug(name)
        _write(court_dir / "laporan.json", _json(context))
        charts = court_charts(context, self.lang, self.now)
        _write(
            court_dir / "laporan.html",
            self.renderer.report.render(r=context, charts=charts, generated=context["generated"]),
        )
        return dashboard_row(context)


_JOB: _CourtJob | None = None  # the job a forked worker inherits


def _render_names(names: list[str]) -> list[dict]:
    assert _JOB is not None
    return [_JOB.render(name) for name in names]


def _render_parallel(job: _CourtJob, names: list[str], workers: int) -> list[dict]:
    global _JOB
    chunks = [names[i::workers] for i in range(workers)]
    _JOB = job
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(_render_names, chunks))
    finally:
        _JOB = None
    return [row for part in parts for row in part]
