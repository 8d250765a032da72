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
    if args.json:
        json.dump(
            {
                "index": str(index),
                "index_json": str(index.with_suffix(".json")),
                "courts": {name: str(path) for name, path in zip(names, reports, strict=True)},
                "pdf": [str(p) for p in pdfs],
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
    return status
