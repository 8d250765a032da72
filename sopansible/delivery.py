"""Delivery of the court reports to the people the inventory names (SOP W5).

Each court names its recipients (``court_report_recipients``: name, role, e-mail and/or Telegram chat)
and how often its situation report goes out (``court_report_delivery``: daily, weekly or monthly;
daily by default). After the reports are written, :func:`deliver` sends

* the situation report (``situasi``: ``laporan.html``, with ``laporan.pdf`` when it was printed with
  it) once per period of the court's frequency, and
* the monthly recap (``rekap``: the report printed to PDF) once per month, for the month before,

through the notification channels of ``DATA/notify.yml`` (its SMTP server and Telegram bot; the
recipients come from the inventory, not from that file). Every attempt is recorded in the history
store (``deliveries``): a period already sent to a recipient is never sent again, a failed one is tried
again at the next run, and W5's status in the report comes from these records
(:func:`w5_status`), not from the report file existing. One court's failure never stops the others.

Recipients are inventory values: they are checked again here (the court contract) before anything is
sent, and a report goes only to the recipients its own court names.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.inventory import court_contract
from sopansible.store import HistoryStore, parse_iso

REPORTS = ("situasi", "rekap")
DEFAULT_FREQUENCY = "daily"
#: Largest report file sent (mail servers commonly refuse messages over 25 MB).
MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_REPORT_JSON = 64 * 1024 * 1024

TEXT = {
    "id": {
        "situasi": "Laporan Situasi dan Kondisi Website",
        "rekap": "Rekap bulanan hasil monitoring dan pemeliharaan",
        "subject": "[SOP Website] {court}: {what} {period}",
        "body": "Yth. {name},\n\nTerlampir {what} {court}, periode {period}.\nStatus: {status}.\n\n"
        "Pesan otomatis sopansible (SOP W5).",
        "no_server": "notify.yml tidak mengatur {channel}; laporan tidak dapat dikirim",
        "too_large": "laporan {path} lebih besar dari {limit} MB",
        "missing": "laporan {path} belum ditulis (jalankan `sopansible report`)",
    },
    "en": {
        "situasi": "Website situation and condition report",
        "rekap": "Monthly recap of monitoring and maintenance",
        "subject": "[SOP Website] {court}: {what} {period}",
        "body": "Dear {name},\n\nAttached is the {what} of {court}, period {period}.\nStatus: {status}.\n\n"
        "Automatic message from sopansible (SOP W5).",
        "no_server": "notify.yml does not configure {channel}; the report cannot be sent",
        "too_large": "the report {path} is larger than {limit} MB",
        "missing": "the report {path} has not been written (run `sopansible report`)",
    },
}


@dataclass(frozen=True)
class Recipient:
    """One way to reach one person: an e-mail address or a Telegram chat."""

    name: str
    role: str | None
    channel: str  # email | telegram
    address: str


def recipients(court: str, data: Mapping[str, Any], lang: str = "id") -> tuple[list[Recipient], list[str]]:
    """The court's report recipients, checked with the court contract: (recipients, problems). With a
    problem nothing is sent to anyone of the court (a wrong address would receive the report)."""
    if not isinstance(data, Mapping):
        return [], []
    problems = court_contract.report_delivery_problems(court, dict(data))
    if problems:
        return [], [f"{p.variable}: {p.message(lang)}" for p in problems]
    out = []
    for person in data.get("court_report_recipients") or []:
        for channel, key in (("email", "email"), ("telegram", "telegram")):
            value = person.get(key)
            if value not in (None, ""):
                out.append(Recipient(person["name"].strip(), person.get("role"), channel, str(value).strip()))
    return out, []


def frequency(data: Mapping[str, Any]) -> str:
    value = data.get("court_report_delivery") if isinstance(data, Mapping) else None
    value = value.lower() if isinstance(value, str) else None
    return value if value in court_contract.REPORT_FREQUENCIES else DEFAULT_FREQUENCY


def period(freq: str, day: _dt.date) -> str:
    """The period a day falls in: 2026-12-02 (daily), 2026-W49 (weekly, ISO week), 2026-12 (monthly)."""
    if freq == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if freq == "monthly":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def previous_period(freq: str, day: _dt.date) -> str:
    """The period before the one the day falls in."""
    if freq == "monthly":
        return period(freq, day.replace(day=1) - _dt.timedelta(days=1))
    return period(freq, day - _dt.timedelta(days=7 if freq == "weekly" else 1))


def due(data: Mapping[str, Any], day: _dt.date) -> list[tuple[str, str]]:
    """[(report, period)] a court's recipients are to have: this period's situation report and the
    recap of the month before."""
    return [("situasi", period(frequency(data), day)), ("rekap", previous_period("monthly", day))]


def _attachments(court_dir: Path, report: str, period_key: str, slug: str, printer, lang: str):
    """[(file name, MIME type, content)], the report's generation time and its status label."""
    from sopansible.report import ReportError

    page = court_dir / "laporan.html"
    if not page.is_file():
        raise ReportError(TEXT["id"]["missing"].format(path=page), TEXT["en"]["missing"].format(path=page))
    generated, status = None, None
    try:
        if (court_dir / "laporan.json").stat().st_size <= MAX_REPORT_JSON:
            context = json.loads((court_dir / "laporan.json").read_text(encoding="utf-8"))
            generated, status = context.get("generated"), context.get("status_label")
    except (OSError, ValueError, AttributeError):
        pass
    if report == "rekap":
        files = [(printer(page, court_dir / f"rekap-{period_key}.pdf"), f"rekap-{slug}-{period_key}.pdf")]
    else:
        files = [(page, f"laporan-{slug}-{period_key}.html")]
        pdf = court_dir / "laporan.pdf"
        if pdf.is_file() and pdf.stat().st_mtime >= page.stat().st_mtime:  # printed with this report
            files.append((pdf, f"laporan-{slug}-{period_key}.pdf"))
    out = []
    for path, name in files:
        if path.stat().st_size > MAX_ATTACHMENT:
            limit = MAX_ATTACHMENT // 1048576
            raise ReportError(
                *(TEXT[code]["too_large"].format(path=path, limit=limit) for code in ("id", "en"))
            )
        mime = "application/pdf" if name.endswith(".pdf") else "text/html"
        out.append((name, mime, path.read_bytes()))
    return out, generated, status


def deliver(
    store: HistoryStore,
    config: Any,
    out_dir: str | Path | None = None,
    *,
    courts: Iterable[str] | None = None,
    lang: str = "id",
    now: _dt.datetime | None = None,
    printer=None,
) -> dict:
    """Send the reports that are due to each court's recipients and record every attempt.

    :param config: The notification configuration (:class:`sopansible.notify.Config`), or None (every
        attempt then fails, recorded with the reason).
    :param out_dir: Where the reports were written (default: ``DATA/reports``).
    :param courts: Only these courts (default: every court of the history).
    :param printer: Prints an HTML report to PDF (default: :func:`sopansible.report.to_pdf`).
    :returns: {"sent": [{court, report, period, channel, recipient}], "failed": [... with "error"],
        "errors": [{court, error}] (a court whose recipients are invalid, or that failed as a whole),
        "unchanged": n (already delivered)}.
    """
    from sopansible.report import default_out_dir, slug, to_pdf

    out_dir = Path(out_dir) if out_dir is not None else default_out_dir()
    day = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC).date()
    known = store.courts()
    names = sorted(known) if courts is None else [c for c in dict.fromkeys(courts) if c in known]
    since = _dt.datetime.combine(day - _dt.timedelta(days=70), _dt.time(), _dt.UTC)
    done = store.deliveries_all(names, since)
    result: dict[str, Any] = {"sent": [], "failed": [], "errors": [], "unchanged": 0}
    for court in names:
        try:
            _deliver_court(
                store, config, court, known[court], done.get(court, []), out_dir / slug(court), slug(court),
                day, lang, printer or to_pdf, result,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - one court's failure never stops the others
            result["errors"].append({"court": court, "error": f"{type(exc).__name__}: {exc}"})
    return result


def _deliver_court(
    store, config, court, data, done, court_dir, court_slug, day, lang, printer, result
) -> None:
    from sopansible import notify
    from sopansible.report import ReportError

    people, problems = recipients(court, data, lang)
    if problems:
        result["errors"].append({"court": court, "error": "; ".join(problems)})
        return
    if not people:
        return
    t = TEXT[lang]
    court_name = str(data.get("court_name") or court)
    sent = {(d["report"], d["period"], d["channel"], d["recipient"]) for d in done if d["status"] == "sent"}
    for report, period_key in due(data, day):
        todo = [p for p in people if (report, period_key, p.channel, p.address) not in sent]
        result["unchanged"] += len(people) - len(todo)
        if not todo:
            continue
        files, generated, status, problem = [], None, None, None
        try:
            files, generated, status = _attachments(court_dir, report, period_key, court_slug, printer, lang)
        except (ReportError, OSError) as exc:
            problem = exc.message(lang) if isinstance(exc, ReportError) else f"{exc.strerror}: {exc.filename}"
        for person in todo:
            entry = {
                "court": court,
                "report": report,
                "period": period_key,
                "channel": person.channel,
                "recipient": person.address,
                "name": person.name,
                "role": person.role,
            }
            # claimed first, in one transaction: a run started at the same time sends it once
            claim = store.claim_delivery(dict(entry, generated=generated))
            if claim is None:
                result["unchanged"] += 1
                continue
            error = problem or _send(
                notify, config, person, court, files, lang, t, report, court_name, period_key, status
            )
            store.finish_delivery(claim, "failed" if error else "sent", error)
            (result["failed"] if error else result["sent"]).append(
                dict(entry, error=error) if error else entry
            )


def _send(
    notify, config, person, court, files, lang, t, report, court_name, period_key, status
) -> str | None:
    """Send the files to one recipient; the reason when it failed, else None."""
    channel = getattr(config, person.channel, None) if config is not None else None
    if channel is None:
        return t["no_server"].format(channel="email (SMTP)" if person.channel == "email" else "telegram")
    what = t[report]
    text = t["body"].format(
        name=person.name, what=what, court=court_name, period=period_key, status=status or "-"
    )
    delivery = notify.Delivery(
        person.channel,
        court,
        [person.address],
        [],
        route=f"{person.channel}:{person.address}",
        subject=t["subject"].format(court=court_name, what=what, period=period_key),
        text=text,
        html=html.escape(text),
        attachments=files,
    )
    try:
        if person.channel == "email":
            answer = notify.send_email(channel, delivery)
            if answer.get("refused"):
                return f"refused: {', '.join(answer['refused'])}"
        else:
            notify.send_telegram_documents(channel, delivery)
    except notify.NotifyError as exc:
        return exc.message(lang)
    return None


# -- what the report shows (SOP W5) ------------------------------------------------------------------------
def delivery_delay_s(deliveries: Iterable[Mapping[str, Any]], report: str = "situasi") -> float | None:
    """Seconds from the writing of a report to its delivery (the newest situation report sent), or None
    when none was sent or its writing time is not known: W5's actual time."""
    for row in reversed(list(deliveries)):
        if row.get("report") == report and row.get("status") == "sent":
            written, sent = parse_iso(row.get("generated")), parse_iso(row.get("attempted"))
            return max(0.0, (sent - written).total_seconds()) if written and sent else None
    return None


def w5_status(
    court: str, data: Mapping[str, Any], deliveries: list[dict], now: _dt.datetime, lang: str
) -> dict:
    """W5 from the deliveries of the situation report: {"status", "last_sent", "recipients" (names and
    roles), "frequency", "period", "problem"}.

    ok: sent in this period, or in the one before (this period's goes out after the report is written);
    critical: the newest attempt of these periods failed and nothing was sent after it, or the recipients
    in the inventory are invalid; warning: no recipient is named, or the report is due and was not sent.
    """
    people, problems = recipients(court, data, lang)
    freq = frequency(data)
    day = now.astimezone(_dt.UTC).date()
    current, previous = period(freq, day), previous_period(freq, day)
    rows = [d for d in deliveries if d.get("report") == "situasi"]
    sent = [d for d in rows if d.get("status") == "sent"]
    out: dict[str, Any] = {
        "frequency": freq,
        "period": current,
        "recipients": list(dict.fromkeys(f"{p.name} ({p.role})" if p.role else p.name for p in people)),
        "last_sent": sent[-1] if sent else None,
        "problem": None,
    }
    if problems:
        return dict(out, status="critical", problem="; ".join(problems))
    if not people:
        return dict(out, status="warning", problem="no_recipients")
    for key in (current, previous):
        newest: dict[tuple, dict] = {}  # the newest attempt per recipient
        for row in rows:
            if row.get("period") == key:
                newest[(row.get("channel"), row.get("recipient"))] = row
        failed = [d for d in newest.values() if d.get("status") == "failed"]
        if failed:
            return dict(
                out, status="critical", problem=f"{failed[-1].get('name')}: {failed[-1].get('error')}"
            )
        if any(d.get("status") == "sent" for d in newest.values()):
            return dict(out, status="ok")
    return dict(out, status="warning", problem="not_delivered")
