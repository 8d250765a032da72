"""`sopansible notify`: send the e-mail, Telegram and webhook notifications of critical findings of a run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TEXT = {
    "id": {
        "help": "kirim notifikasi temuan kritis (e-mail, Telegram, webhook) dari sebuah run",
        "run": "run yang diberitahukan (default: run terbaru)",
        "latest": "run terbaru (default)",
        "dry": "tampilkan apa yang akan dikirim tanpa mengirim atau mencatatnya",
        "config": "berkas konfigurasi notifikasi (default: DATA/notify.yml)",
        "db": "berkas riwayat SQLite atau URL postgresql://"
        " (default: SOPANSIBLE_DB, lalu DATA/history.sqlite)",
        "json": "cetak hasil sebagai JSON",
        "error": "Kesalahan",
        "no_config": "Belum ada konfigurasi notifikasi: {path} (lihat docs/notifications.md).",
        "no_runs": "Riwayat masih kosong: jalankan `sopansible run harian` terlebih dahulu.",
        "nothing": "Tidak ada yang perlu dikirim ({n} masalah sudah diberitahukan).",
        "would": "Akan dikirim",
        "sent": "Terkirim",
        "failed": "Gagal",
        "channel": "Kanal",
        "court": "Pengadilan",
        "to": "Penerima",
        "items": "Isi",
        "refused": "Alamat ditolak server SMTP",
    },
    "en": {
        "help": "send the notifications (e-mail, Telegram, webhook) of the critical findings of a run",
        "run": "run to notify about (default: the latest run)",
        "latest": "the latest run (default)",
        "dry": "show what would be sent without sending or recording it",
        "config": "notification configuration file (default: DATA/notify.yml)",
        "db": "SQLite history file or postgresql:// URL (default: SOPANSIBLE_DB, then DATA/history.sqlite)",
        "json": "print the result as JSON",
        "error": "Error",
        "no_config": "No notification configuration yet: {path} (see docs/notifications.md).",
        "no_runs": "The history is empty: run `sopansible run harian` first.",
        "nothing": "Nothing to send ({n} problem(s) already notified).",
        "would": "Would send",
        "sent": "Sent",
        "failed": "Failed",
        "channel": "Channel",
        "court": "Court",
        "to": "Recipients",
        "items": "Content",
        "refused": "Addresses refused by the SMTP server",
    },
}


def register(subparsers: argparse._SubParsersAction) -> None:
    text = TEXT["id"]
    parser = subparsers.add_parser("notify", help=text["help"], description=text["help"])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", metavar="RUN_ID", help=text["run"])
    which.add_argument("--latest", action="store_true", help=text["latest"])
    parser.add_argument("--dry-run", action="store_true", help=text["dry"])
    parser.add_argument("--notify-config", type=Path, metavar="PATH", help=text["config"])
    parser.add_argument("--db", type=str, help=text["db"])
    parser.add_argument("--json", action="store_true", help=text["json"])
    parser.add_argument("--lang", choices=("id", "en"), default=argparse.SUPPRESS, help="id | en")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from sopansible import exitcodes
    from sopansible.notify import NotifyError, default_config_path, load_config, notify_run
    from sopansible.store import HistoryStore, StoreError

    lang = getattr(args, "lang", "id") or "id"
    text = TEXT[lang]
    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    path = args.notify_config or default_config_path()
    try:
        config = load_config(path)
    except NotifyError as exc:
        err.print(f"[red]{text['error']}:[/] {escape(exc.message(lang))}")
        return exitcodes.USAGE
    if config is None:
        err.print(f"[yellow]{escape(text['no_config'].format(path=path))}[/]")
        return exitcodes.USAGE
    try:
        with HistoryStore(args.db) as store:
            run_id = args.run
            if not run_id:
                latest = store.runs(limit=1)
                if not latest:
                    err.print(f"[yellow]{text['no_runs']}[/]")
                    return exitcodes.USAGE
                run_id = latest[0]["run_id"]
            result = notify_run(store, run_id, config, lang=lang, dry_run=args.dry_run)
    except NotifyError as exc:
        err.print(f"[red]{text['error']}:[/] {escape(exc.message(lang))}")
        return exitcodes.USAGE
    except StoreError as exc:
        err.print(f"[red]{text['error']}:[/] {escape(str(exc))}")
        return exitcodes.USAGE
    # A delivery that failed is a step that failed (the others still went out).
    status = exitcodes.FAILED if result["errors"] else exitcodes.OK
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return status
    if result["sent"]:
        table = Table(title=f"{text['would'] if args.dry_run else text['sent']} ({run_id})")
        for column in (text["channel"], text["court"], text["to"], text["items"]):
            table.add_column(column)
        for entry in result["sent"]:
            items = "\n".join(f"[{i['status']}] {i['rule']} {i['target']}" for i in entry["items"])
            table.add_row(
                escape(entry["channel"]),
                escape(entry["court"]),
                escape(", ".join(entry["recipients"])),
                escape(items),
            )
        out.print(table)
    elif not result["errors"]:
        out.print(text["nothing"].format(n=result["unchanged"]))
    for entry in result["sent"]:
        if entry.get("refused"):
            err.print(f"[yellow]{text['refused']}:[/] {escape(', '.join(entry['refused']))}")
    for error in result["errors"]:
        err.print(
            f"[red]{text['failed']}[/] {escape(str(error['channel']))} {escape(str(error['court']))}: "
            f"{escape(error['error'])}"
        )
    return status
