"""`sopansible problem`: the W7 work people do about a court's problem, recorded in the history.

``problem list COURT`` shows the court's open problems (troubleshooting records not resolved yet and
open findings); ``problem note COURT PROBLEM --by NAME --action TEXT [--party P --ticket T] [--resolved]``
records what staff or a third party (ISP, PANDI, the hosting provider) did about one of them. PROBLEM
is a troubleshooting record id, or a rule id: the newest unresolved record of that rule, else the
court's open finding of that rule (a record is opened for it, starting when the finding was first seen).
A resolved note closes the problem with its resolution time, compared with the SOP's standard time.

Exit code: 0 recorded or listed, 4 an unknown court or problem, a value refused, a problem already
resolved.
"""

from __future__ import annotations

import argparse

from sopansible import records
from sopansible.commands import _records

TEXT = {
    "id": {
        "help": "catat pemecahan masalah oleh staf atau pihak ketiga (W7) / record W7 work by people",
        "list": "daftar masalah terbuka pengadilan",
        "note": "catat tindakan atas satu masalah (staf atau pihak ketiga)",
        "court": "nama host pengadilan (seperti di inventori)",
        "problem": "id catatan troubleshooting, atau id aturan (mis. site-down)",
        "by": "siapa yang bertindak (nama staf)",
        "action": "apa yang dilakukan",
        "party": "pihak ketiga yang dihubungi/bertindak (mis. ISP, PANDI, penyedia hosting)",
        "ticket": "nomor tiket atau kontak pihak ketiga",
        "at": "waktu tindakan, ISO 8601 (bawaan: sekarang)",
        "resolved": "masalah selesai dengan tindakan ini",
        "all": "tampilkan juga masalah yang sudah selesai",
        "none": "Tidak ada masalah terbuka.",
        "recorded": "Dicatat untuk masalah {id} ({court}): {problem}",
        "closed": "Masalah selesai dalam {duration} (waktu standar {standard}{late}).",
        "late": ", terlampaui",
        "open": "Status: {outcome}; {notes} catatan tindakan.",
        "open_findings": "temuan terbuka (catat dengan id aturannya)",
    },
    "en": {
        "help": "record W7 work by people",
        "list": "list the court's open problems",
        "note": "record an action on one problem (staff or a third party)",
        "court": "the court's host name (as in the inventory)",
        "problem": "a troubleshooting record id, or a rule id (e.g. site-down)",
        "by": "who acted (staff name)",
        "action": "what was done",
        "party": "third party contacted or acting (e.g. ISP, PANDI, hosting provider)",
        "ticket": "the third party's ticket number or contact",
        "at": "time of the action, ISO 8601 (default: now)",
        "resolved": "the problem is solved by this action",
        "all": "also show resolved problems",
        "none": "No open problem.",
        "recorded": "Recorded for problem {id} ({court}): {problem}",
        "closed": "Problem solved in {duration} (standard time {standard}{late}).",
        "late": ", exceeded",
        "open": "Status: {outcome}; {notes} action notes.",
        "open_findings": "open findings (record with their rule id)",
    },
}


EPILOG = (
    "PROBLEM: id catatan troubleshooting, atau id aturan (catatan terbaru yang belum selesai, atau temuan "
    "terbuka aturan itu). --resolved menutup masalah dengan lama penyelesaiannya. / PROBLEM: a "
    "troubleshooting record id, or a rule id (the newest unresolved record, or the open finding of that "
    "rule). --resolved closes the problem with its resolution time."
)


def _help(key: str) -> str:
    return _records.both(TEXT, key)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "problem", help=TEXT["id"]["help"], description=TEXT["id"]["help"], epilog=EPILOG
    )
    actions = parser.add_subparsers(dest="problem_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help=_help("list"), description=_help("list"))
    listing.add_argument("court", metavar="COURT", help=_help("court"))
    listing.add_argument("--all", action="store_true", help=_help("all"))
    _records.add_db(listing)
    listing.set_defaults(handler=_records.guarded(list_command))
    note = actions.add_parser("note", help=_help("note"), description=_help("note"))
    note.add_argument("court", metavar="COURT", help=_help("court"))
    note.add_argument("problem", metavar="PROBLEM", help=_help("problem"))
    note.add_argument("--by", required=True, metavar="NAME", help=_help("by"))
    note.add_argument("--action", required=True, metavar="TEXT", help=_help("action"))
    note.add_argument("--party", metavar="NAME", help=_help("party"))
    note.add_argument("--ticket", metavar="TICKET", help=_help("ticket"))
    note.add_argument("--at", metavar="TIME", help=_help("at"))
    note.add_argument("--resolved", action="store_true", help=_help("resolved"))
    _records.add_db(note)
    note.set_defaults(handler=_records.guarded(note_command))


def _known(store, court: str) -> None:
    if not store.known_court(court):
        raise _records.unknown_court(court)


def list_command(args: argparse.Namespace) -> int:
    lang = _records.lang_of(args)
    text = TEXT[lang]
    with _records.history(args) as store:
        _known(store, args.court)
        records = store.problems(args.court, open_only=not args.all)
        findings = store.open_findings(args.court)
    if args.json:
        _records.emit_json({"court": args.court, "problems": records, "open_findings": findings})
        return 0
    if not records and not findings:
        print(text["none"])
    for record in records:
        rule = record["finding_rule"] or "-"
        print(f"{record['id']:>5}  {record['outcome']:<11} {rule:<22} {record['problem']}")
        for item in record["notes"]:
            party = (
                f" [{item['party']}{' #' + item['ticket'] if item['ticket'] else ''}]"
                if item["party"]
                else ""
            )
            print(f"       {item['at']} {item['who']}{party}: {item['action']}")
    if findings:
        print(text["open_findings"] + ":")
        for finding in findings:
            print(f"       {finding['rule']:<22} {finding['severity']:<8} {finding.get('message') or ''}")
    return 0


def note_command(args: argparse.Namespace) -> int:
    from sopansible.report.format import format_seconds

    lang = _records.lang_of(args)
    text = TEXT[lang]
    # Everything is checked before a finding is turned into a record: a refused note leaves nothing.
    note = {
        "who": records.name(args.by, "--by"),
        "action": records.free_text(args.action, "--action", required=True),
        "party": records.optional_name(args.party, "--party"),
        "ticket": records.optional_name(args.ticket, "--ticket"),
        "at": _records.when(args.at, "--at"),
        "resolved": args.resolved,
    }
    with _records.history(args) as store:
        _known(store, args.court)
        record = store.find_problem(args.court, args.problem)
        if record is None:
            open_ids = [f"{r['id']} ({r['finding_rule'] or '-'})" for r in store.problems(args.court)]
            open_ids += [f["rule"] for f in store.open_findings(args.court)]
            listed = ", ".join(open_ids) or "-"
            raise _records.Refused(
                f"masalah '{args.problem}' tidak ditemukan untuk {args.court}; masalah terbuka: {listed} "
                f"(lihat: sopansible problem list {args.court})",
                f"no problem '{args.problem}' for {args.court}; open problems: {listed} "
                f"(see: sopansible problem list {args.court})",
            )
        record = store.add_troubleshooting_note(record, note)
    if args.json:
        _records.emit_json(record)
        return 0
    print(text["recorded"].format(id=record["id"], court=record["court"], problem=record["problem"]))
    if record["outcome"] == "resolved":
        late = text["late"] if record["within_standard"] is False else ""
        print(
            text["closed"].format(
                duration=format_seconds(record["duration_s"], lang),
                standard=record["standard_time"] or "-",
                late=late,
            )
        )
    else:
        print(text["open"].format(outcome=record["outcome"], notes=len(record["notes"])))
    return 0
