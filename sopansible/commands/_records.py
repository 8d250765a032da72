"""What the commands that record people's work share (``problem``, ``acknowledge``, ``renewals record``):
the --db option, opening the history, bilingual errors with exit code 4, and JSON or text output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.renewals.renewal_workflow import WorkflowError
from sopansible import exitcodes
from sopansible.records import RecordError
from sopansible.store import HistoryStore, StoreError


class Refused(Exception):
    """Bad input: printed in the chosen language, exit code 4."""

    def __init__(self, id_text: str, en_text: str) -> None:
        super().__init__(id_text)
        self.texts = {"id": id_text, "en": en_text}


def both(texts: dict[str, dict[str, str]], key: str) -> str:
    """A help text in both languages, Indonesian first."""
    return f"{texts['id'][key]} / {texts['en'][key]}"


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=str,
        help="berkas riwayat SQLite atau URL postgresql:// / SQLite history file or postgresql:// URL"
        " (default: SOPANSIBLE_DB, then DATA/history.sqlite)",
    )
    parser.add_argument("--json", action="store_true", help="keluaran JSON / JSON output")


def lang_of(args: argparse.Namespace) -> str:
    return getattr(args, "lang", "id") or "id"


@contextmanager
def history(args: argparse.Namespace) -> Iterator[HistoryStore]:
    with HistoryStore(args.db) as store:
        yield store


def guarded(handler: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    """The handler, with bad input (an unknown court or problem, a value or step refused, a history that
    cannot be used) printed as one clear line and exit code 4."""

    def run(args: argparse.Namespace) -> int:
        lang = lang_of(args)
        try:
            return handler(args)
        except Refused as exc:
            message = exc.texts[lang]
        except (RecordError, WorkflowError) as exc:
            message = exc.message(lang)
        except StoreError as exc:
            message = str(exc)
        print(("Kesalahan: " if lang == "id" else "Error: ") + message, file=sys.stderr)
        return exitcodes.USAGE

    return run


def unknown_court(court: str) -> Refused:
    return Refused(
        f"pengadilan '{court}' tidak dikenal di riwayat (belum pernah dijalankan); periksa nama host-nya",
        f"the court '{court}' is not known in the history (never run); check its host name",
    )


def when(value: str | None, option: str) -> str | None:
    """An ISO 8601 date or time given on the command line, in UTC; None when not given."""
    from sopansible.store import to_iso

    if value is None:
        return None
    try:
        return to_iso(value, option)
    except StoreError:
        raise Refused(
            f"{option}: '{value}' bukan tanggal/waktu ISO 8601 (contoh 2026-11-25T09:30:00+07:00)",
            f"{option}: '{value}' is not an ISO 8601 date/time (e.g. 2026-11-25T09:30:00+07:00)",
        ) from None


def emit_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
