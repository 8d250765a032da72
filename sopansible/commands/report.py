"""`sopansible report`: write the SOP reports (Laporan Situasi dan Kondisi Website) and the fleet dashboard
from the history store."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TEXT = {
    "id": {
        "help": "tulis laporan situasi dan kondisi website (HTML + JSON) dan dasbor",
        "out": "direktori keluaran (default: DATA/reports)",
        "court": "hanya pengadilan ini (boleh diulang)",
        "db": "berkas riwayat SQLite atau URL postgresql://"
        " (default: SOPANSIBLE_DB, lalu DATA/history.sqlite)",
        "days": "panjang periode laporan dalam hari (default: 30)",
        "pdf": "cetak juga laporan per pengadilan ke PDF dengan Chromium headless",
        "workers": "jumlah proses untuk menulis laporan (default: 1; berguna untuk ratusan pengadilan)",
        "json": "cetak hasil sebagai JSON",
        "written": "Laporan ditulis: {n} pengadilan",
        "dashboard": "Dasbor",
        "empty": "Riwayat masih kosong: jalankan `sopansible run harian` terlebih dahulu.",
        "pdf_done": "PDF ditulis: {n}",
        "error": "Kesalahan",
        "days_bad": "--days harus antara 1 dan 366",
        "workers_bad": "--workers harus antara 1 dan 64",
        "deliver": "kirim laporan yang jatuh tempo kepada penerima di inventori (court_report_recipients), "
        "sekali per periode",
        "notify_config": "konfigurasi notifikasi: server SMTP dan bot Telegram (default: DATA/notify.yml)",
        "delivered": "Laporan terkirim: {sent}, gagal: {failed}, sudah terkirim sebelumnya: {unchanged}",
        "delivery_failed": "Pengiriman gagal",
    },
    "en": {
        "help": "write the website situation and condition reports (HTML + JSON) and the dashboard",
        "out": "output directory (default: DATA/reports)",
        "court": "only this court (repeatable)",
        "db": "SQLite history file or postgresql:// URL (default: SOPANSIBLE_DB, then DATA/history.sqlite)",
        "days": "length of the report period in days (default: 30)",
        "pdf": "also print each court report to PDF with headless Chromium",
        "workers": "processes writing the reports (default: 1; useful for hundreds of courts)",
        "json": "print the result as JSON",
        "written": "Reports written: {n} courts",
        "dashboard": "Dashboard",
        "empty": "The history is empty: run `sopansible run harian` first.",
        "pdf_done": "PDFs written: {n}",
        "error": "Error",
        "days_bad": "--days must be between 1 and 366",
        "workers_bad": "--workers must be between 1 and 64",
        "deliver": "send the reports that are due to the recipients the inventory names "
        "(court_report_recipients), once per period",
        "notify_config": "notification configuration: SMTP server and Telegram bot "
        "(default: DATA/notify.yml)",
        "delivered": "Reports delivered: {sent}, failed: {failed}, already delivered: {unchanged}",
        "delivery_failed": "Delivery failed",
    },
}


def register(subparsers: argparse._SubParsersAction) -> None:
    text = TEXT["id"]
    parser = subparsers.add_parser("report", help=text["help"], description=text["help"])
    parser.add_argument("--out", type=Path, help=text["out"])
    parser.add_argument("--court", action="append", metavar="NAME", help=text["court"])
    parser.add_argument("--db", type=str, help=text["db"])
    parser.add_argument("--days", type=int, default=30, help=text["days"])
    parser.add_argument("--workers", type=int, default=1, help=text["workers"])
    parser.add_argument("--pdf", action="store_true", help=text["pdf"])
    parser.add_argument("--deliver", action="store_true", help=text["deliver"])
    parser.add_argument("--notify-config", type=Path, metavar="PATH", help=text["notify_config"])
    parser.add_argument("--json", action="store_true", help=text["json"])
    # Also accepted after the sub-command; SUPPRESS keeps `sopansible --lang en report` working.
    parser.add_argument("--lang", choices=("id", "en"), default=argparse.SUPPRESS, help="id | en")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from sopansible import exitcodes, pipeline
    from sopansible.report import ReportError, default_out_dir, slug, to_pdf
    from sopansible.store import HistoryStore, StoreError

    lang = getattr(args, "lang", "id") or "id"
    text = TEXT[lang]
    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    if not 1 <= args.days <= 366:
        err.print(f"[red]{text['error']}:[/] {text['days_bad']}")
        return exitcodes.USAGE
    if not 1 <= args.workers <= 64:
        err.print(f"[red]{text['error']}:[/] {text['workers_bad']}")
        return exitcodes.USAGE
    out_dir = args.out or default_out_dir()
    try:
        with HistoryStore(args.db) as store:
            courts = args.court
            known = store.courts()
            index = pipeline.report(
                courts, lang=lang, out_dir=out_dir, days=args.days, workers=args.workers, history=store
            )
    except ReportError as exc:  # a court not in the history, an output folder that cannot be made
        err.print(f"[red]{text['error']}:[/] {escape(exc.message(lang))}")
        return exitcodes.USAGE
    except StoreError as exc:
        err.print(f"[red]{text['error']}:[/] {escape(str(exc))}")
        return exitcodes.USAGE
    names = courts if courts else sorted(known)
    reports = [out_dir / slug(name) / "laporan.html" for name in names]
    pdfs: list[Path] = []
    status = exitcodes.OK
    if args.pdf:
        try:
            for report in reports:
                pdfs.append(to_pdf(report))
        except ReportError as exc:
            err.print(f"[red]{text['error']}:[/] {escape(exc.message(lang))}")
            status = exitcodes.FAILED
    delivered = None
    if args.deliver:
        delivered, code = _deliver(args, out_dir, lang, err)
        status = exitcodes.worst([status, code])
    if args.json:
        json.dump(
            {
                "index": str(index),
                "index_json": str(index.with_suffix(".json")),
                "courts": {name: str(path) for name, path in zip(names, reports, strict=True)},
                "pdf": [str(p) for p in pdfs],
                "delivery": delivered,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
        return status
    if not known:
        err.print(f"[yellow]{text['empty']}[/]")
    out.print(text["written"].format(n=len(names)))
    out.print(f"{text['dashboard']}: {index}", markup=False)
    if pdfs:
        out.print(text["pdf_done"].format(n=len(pdfs)))
    if delivered is not None:
        out.print(
            text["delivered"].format(
                sent=len(delivered["sent"]), failed=len(delivered["failed"]), unchanged=delivered["unchanged"]
            )
        )
        for failure in delivered["failed"] + delivered["errors"]:
            who = (
                f"{failure['court']} -> {failure['recipient']}"
                if "recipient" in failure
                else failure["court"]
            )
            err.print(f"{text['delivery_failed']}: {who}: {failure['error']}", markup=False, soft_wrap=True)
    return status


def _deliver(args: argparse.Namespace, out_dir: Path, lang: str, err) -> tuple[dict, int]:
    """Send the reports that are due (sopansible.delivery); (the answer, its exit code)."""
    from rich.markup import escape

    from sopansible import delivery, exitcodes, notify
    from sopansible.store import HistoryStore, StoreError

    empty = {"sent": [], "failed": [], "errors": [], "unchanged": 0}
    try:
        config = notify.load_config(args.notify_config)
    except notify.NotifyError as exc:
        err.print(f"[red]{TEXT[lang]['error']}:[/] {escape(exc.message(lang))}")
        return empty, exitcodes.USAGE
    try:
        with HistoryStore(args.db) as store:
            answer = delivery.deliver(store, config, out_dir, courts=args.court, lang=lang)
    except StoreError as exc:
        err.print(f"[red]{TEXT[lang]['error']}:[/] {escape(str(exc))}")
        return empty, exitcodes.FAILED
    return answer, exitcodes.FAILED if answer["failed"] or answer["errors"] else exitcodes.OK
