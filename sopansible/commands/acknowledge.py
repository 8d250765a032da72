"""`sopansible acknowledge`: record that the Secretary (or the Kasubbag) has read and acknowledged a
court's report (SOP W5: the report goes to the Kasubbag and the Sekretaris).

``sopansible acknowledge COURT --by NAME [--role sekretaris|kasubbag] [--at DATE] [--note TEXT]
[--document SIGNED.pdf]`` keeps who, when, the note and the signed PDF's path in the history; the
court report and the fleet dashboard show it. The PDF is recorded as a path: it must be an existing
.pdf file, and it is never opened or run.

Exit code: 0 recorded, 4 an unknown court or a value refused (a date, a path).
"""

from __future__ import annotations

import argparse

from sopansible import records
from sopansible.commands import _records
from sopansible.store import ACK_ROLES

TEXT = {
    "id": {
        "help": "catat bahwa laporan telah diketahui Sekretaris/Kasubbag (W5)",
        "court": "nama host pengadilan (seperti di inventori)",
        "by": "nama yang mengetahui laporan",
        "role": "jabatan: sekretaris (bawaan) atau kasubbag",
        "at": "tanggal/waktu diketahui, YYYY-MM-DD atau ISO 8601 (bawaan: sekarang)",
        "note": "catatan atau disposisi",
        "document": "path PDF laporan yang ditandatangani (disimpan sebagai path)",
        "recorded": "Dicatat: laporan {court} diketahui oleh {who} ({role}) pada {at}.",
    },
    "en": {
        "help": "record that the Secretary/Kasubbag acknowledged the report (W5)",
        "court": "the court's host name (as in the inventory)",
        "by": "name of who acknowledged the report",
        "role": "position: sekretaris (default) or kasubbag",
        "at": "date/time of the acknowledgement, YYYY-MM-DD or ISO 8601 (default: now)",
        "note": "note or instruction (disposisi)",
        "document": "path of the signed report PDF (kept as a path)",
        "recorded": "Recorded: the report of {court} was acknowledged by {who} ({role}) on {at}.",
    },
}


EPILOG = (
    "Laporan dan dasbor menampilkan siapa, kapan, catatan dan path PDF-nya; PDF hanya dicatat sebagai "
    "path (harus berkas .pdf yang ada), tidak pernah dibuka atau dijalankan. / The report and the "
    "dashboard show who, when, the note and the PDF's path; the PDF is only recorded as a path (an "
    "existing .pdf file), never opened or run."
)


def _help(key: str) -> str:
    return _records.both(TEXT, key)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "acknowledge", help=TEXT["id"]["help"], description=_help("help"), epilog=EPILOG
    )
    parser.add_argument("court", metavar="COURT", help=_help("court"))
    parser.add_argument("--by", required=True, metavar="NAME", help=_help("by"))
    parser.add_argument("--role", choices=ACK_ROLES, default="sekretaris", help=_help("role"))
    parser.add_argument("--at", metavar="DATE", help=_help("at"))
    parser.add_argument("--note", metavar="TEXT", help=_help("note"))
    parser.add_argument("--document", metavar="PDF", help=_help("document"))
    _records.add_db(parser)
    parser.set_defaults(handler=_records.guarded(run))


def run(args: argparse.Namespace) -> int:
    lang = _records.lang_of(args)
    document = records.document(args.document, "--document", records.PDF)
    with _records.history(args) as store:
        if not store.known_court(args.court):
            raise _records.unknown_court(args.court)
        record_id = store.add_acknowledgement(
            {
                "court": args.court,
                "who": args.by,
                "role": args.role,
                "acknowledged": _records.when(args.at, "--at"),
                "note": args.note,
                "document": document,
            }
        )
        record = next(a for a in store.acknowledgements_all([args.court])[args.court] if a["id"] == record_id)
    if args.json:
        _records.emit_json(dict(record, court=args.court))
        return 0
    print(
        TEXT[lang]["recorded"].format(
            court=args.court, who=record["who"], role=record["role"], at=record["acknowledged"]
        )
    )
    return 0
