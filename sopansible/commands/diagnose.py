"""`sopansible diagnose` (SOP W6) and `sopansible remediate` (SOP W7, then W8): name a court website's
problems with explanations and ranked solutions, and carry out the safe automatic fixes.

Both run a playbook (playbooks/sop_diagnose.yml, playbooks/sop_remediate.yml) through the runner,
record the run and its troubleshooting records in the history store, and print per court the
problems, the solutions (automatic, operator, maintenance section, third party with its contact) and,
for a remediation, the actions carried out and what remains.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sopansible import exitcodes, inventory, store
from sopansible.commands import _playbook
from sopansible.commands._playbook import STATUS_STYLE
from sopansible.paths import PLAYBOOKS_DIR

SEVERITY_STYLE = {"info": "dim", "low": "cyan", "medium": "yellow", "high": "red", "critical": "bold red"}
FIX_STYLE = {"auto": "green", "operator": "cyan", "maintenance": "yellow", "third_party": "magenta"}
TEXT = {
    "id": {
        "diagnose_help": "diagnosis masalah website (W6): penyebab, penjelasan dan solusi berperingkat",
        "remediate_help": "perbaikan otomatis yang aman (W7) lalu backup ulang (W8); perlu --yes",
        "no_problem": "Tidak ditemukan masalah.",
        "solutions": "Solusi (berurutan)",
        "fix": {
            "auto": "otomatis",
            "operator": "operator",
            "maintenance": "bagian pemeliharaan",
            "third_party": "pihak ketiga",
        },
        "contact": "Kontak",
        "no_contact": "kontak belum ada di inventori (court_services / court_contacts.third_parties)",
        "actions": "Tindakan",
        "remaining": "Masalah tersisa",
        "none": "tidak ada",
        "failed": "GAGAL",
        "confirm": (
            "Perbaikan otomatis mengubah server (menjalankan ulang layanan, memangkas log, memulihkan dari "
            "backup). Jalankan ulang dengan --yes untuk mengonfirmasi."
        ),
        "no_result": "tidak ada hasil",
        "run": "Run",
        "auto_hint": "Dapat diperbaiki otomatis: sopansible remediate -i {inv} --limit {court} --yes",
        "no_history": "riwayat tidak dapat dibaca ({error}); situs tidak akan dipulihkan dari backup",
    },
    "en": {
        "diagnose_help": "diagnose website problems (W6): cause, explanation and ranked solutions",
        "remediate_help": "safe automatic fixes (W7), then a fresh backup (W8); needs --yes",
        "no_problem": "No problem found.",
        "solutions": "Solutions (ranked)",
        "fix": {
            "auto": "automatic",
            "operator": "operator",
            "maintenance": "maintenance section",
            "third_party": "third party",
        },
        "contact": "Contact",
        "no_contact": "no contact in the inventory (court_services / court_contacts.third_parties)",
        "actions": "Actions",
        "remaining": "Remaining problems",
        "none": "none",
        "failed": "FAILED",
        "confirm": (
            "Remediation changes the server (restarts services, shrinks logs, restores from the backup). "
            "Run again with --yes to confirm."
        ),
        "no_result": "no result",
        "run": "Run",
        "auto_hint": "Can be fixed automatically: sopansible remediate -i {inv} --limit {court} --yes",
        "no_history": "the history cannot be read ({error}); no site will be restored from a backup",
    },
}
REMEDIATE_EPILOG = (
    "Satu pengadilan: --limit NAMA. Beberapa pengadilan: sebut namanya satu per satu (--limit pn-a,pn-b) "
    "atau tambahkan --all (tanpa --limit: semua pengadilan). Situs yang diretas dipulihkan dari snapshot "
    "terakhir sebelum masalah pertama terlihat menurut riwayat. / One court: --limit NAME. Several courts: "
    "name each of them (--limit pn-a,pn-b) or add --all (without --limit: every court). A compromised site "
    "is restored from the last snapshot taken before the history first saw the problem."
)


def register(subparsers) -> None:
    for name in ("diagnose", "remediate"):
        parser = subparsers.add_parser(
            name,
            help=TEXT["id"][f"{name}_help"],
            description=f"{TEXT['id'][f'{name}_help']} / {TEXT['en'][f'{name}_help']}",
            epilog=REMEDIATE_EPILOG if name == "remediate" else None,
        )
        parser.add_argument("-i", "--inventory", required=True, help="path inventori / inventory path")
        parser.add_argument(
            "--limit",
            help="batasi ke pola host / limit to a host pattern"
            + (
                " (wajib, kecuali dengan --all; beberapa pengadilan: sebut namanya atau --all / required "
                "unless --all; several courts: name them or add --all)"
                if name == "remediate"
                else ""
            ),
        )
        parser.add_argument("-e", "--extra-var", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--json", action="store_true", help="keluaran JSON / JSON output")
        parser.add_argument(
            "--no-report", action="store_true", help="jangan tulis laporan / do not write reports"
        )
        if name == "remediate":
            parser.add_argument(
                "--yes",
                action="store_true",
                help="konfirmasi perubahan di server / confirm changing the server",
            )
            parser.add_argument(
                "--all",
                action="store_true",
                help="izinkan lebih dari satu pengadilan (tanpa --limit: semua) / allow more than one court "
                "(without --limit: every court)",
            )
        parser.set_defaults(
            handler=diagnose_command if name == "diagnose" else remediate_command, usage_error=parser.error
        )


def diagnose_command(args) -> int:
    return _execute(args, "sop_diagnose.yml", "diagnose", "W6", {"pn_diagnose_lang": args.lang})


def remediate_command(args) -> int:
    if args.limit is not None and not args.limit.strip():
        args.usage_error("--limit kosong / --limit is empty: sebut pengadilannya / name the court(s)")
    if not args.limit and not args.all:
        args.usage_error(
            "sebut pengadilan dengan --limit NAMA, atau --all untuk semua / name the court with --limit "
            "NAME, or --all for every court"
        )
    if not args.yes:
        Console(stderr=True).print(Text(TEXT[args.lang]["confirm"], style="red"))
        return exitcodes.USAGE
    extravars = {"pn_remediate_confirm": True, "pn_remediate_lang": args.lang, "pn_diagnose_lang": args.lang}
    if args.all:
        extravars["pn_remediate_all"] = True
    return _execute(args, "sop_remediate.yml", "remediate", "W7", extravars, prepare=_remediation_scope)


def _remediation_scope(args, inv, extra: dict, console: Console) -> None:
    """Refuse a limit that selects several courts unless each is named or --all is given; hand the playbook
    each court's known-good windows from the history (pn_remediate_known_good)."""
    courts = inv.courts
    if not courts:
        args.usage_error(f"--limit {args.limit!r} tidak memilih pengadilan / selects no court")
    if len(courts) > 1 and not args.all:
        unnamed = sorted(set(courts) - named_in_limit(args.limit or ""))
        if unnamed:
            shown = ", ".join(courts[:8]) + (", ..." if len(courts) > 8 else "")
            args.usage_error(
                f"--limit {args.limit!r} memilih {len(courts)} pengadilan ({shown}); sebut namanya satu per "
                f"satu atau tambahkan --all / selects {len(courts)} courts: name each of them "
                "(--limit pn-a,pn-b) or add --all to remediate several courts at once"
            )
    extra["pn_remediate_known_good"] = known_good(courts, console, args.lang)


def named_in_limit(limit: str) -> set[str]:
    """Host names written out in a --limit (comma or colon separated, no pattern, group test or @file)."""
    terms = (term.strip() for term in re.split(r"[,:]", limit))
    return {term for term in terms if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", term)}


def known_good(courts: list[str], console: Console, lang: str) -> dict:
    """{court: {"windows", "first_seen", "last_clean"}} from the history: when each site was last seen
    whole by W1, W6 or W7, so that a compromised site is restored from a snapshot taken then."""
    from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis

    rules = sorted({rule for found in diagnosis.COMPROMISE_RULES.values() for rule in found})
    unclear = sorted({rule for found in diagnosis.UNCLEAR_RULES.values() for rule in found})
    try:
        with store.HistoryStore() as history:
            found = history.known_good_windows_all(
                courts, sorted(diagnosis.COMPROMISE_RULES), rules, unclear=unclear
            )
    except store.StoreError as error:
        console.print(Text(TEXT[lang]["no_history"].format(error=error), style="yellow"))
        return {}
    return {court: dict(windows, source="history") for court, windows in found.items()}


def _execute(args, playbook: str, name: str, activity: str, extravars: dict, prepare=None) -> int:
    console = Console(stderr=True)
    try:
        extra = _playbook.extravars(args.extra_var)
    except ValueError as error:
        console.print(Text(f"-e harus KEY=VALUE / -e must be KEY=VALUE: {error}", style="red"))
        return exitcodes.USAGE
    extra.update(extravars)
    # Who carries out the troubleshooting, as recorded in the history.
    extra.setdefault("pn_diagnose_who", _who())
    try:
        inv = inventory.load(args.inventory, limit=args.limit)
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return exitcodes.USAGE
    if prepare is not None:
        prepare(args, inv, extra, console)

    outcome = _playbook.run(
        console, args.lang, PLAYBOOKS_DIR / playbook, inv, name=name, limit=args.limit, extravars=extra
    )
    done = _playbook.record_notify_report(
        console, args.lang, outcome, notify=False, report=not args.no_report
    )

    courts = summarize(outcome.results, activity, inv.courts)
    if args.json:
        json.dump(
            {"run_id": outcome.run_id, "status": outcome.status, "courts": courts},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        sys.stdout.write("\n")
    else:
        show(Console(), courts, args.lang, activity, args.inventory)
        console.print(Text(f"{TEXT[args.lang]['run']} {outcome.run_id}: {outcome.status}"))
    return exitcodes.worst([done.problem, exitcodes.for_status(outcome.status)])


def _who() -> str:
    try:
        return os.environ.get("SOPANSIBLE_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "sopansible"


def summarize(results: list[dict], activity: str, courts: list[str]) -> dict:
    """{court: {status, summary, problems, actions, remaining, results}} from the run's results."""
    out: dict[str, dict] = {}
    for result in results:
        court = result.get("court")
        entry = out.setdefault(
            court,
            {"status": None, "summary": "", "problems": [], "actions": [], "remaining": [], "results": []},
        )
        entry["results"].append({k: result.get(k) for k in ("activity", "status", "summary", "error")})
        outputs = result.get("outputs") or {}
        if result.get("activity") == activity:
            entry["status"] = result.get("status")
            entry["summary"] = result.get("summary") or ""
            entry["problems"] = outputs.get("problems") or []
            entry["actions"] = outputs.get("actions") or []
            entry["remaining"] = outputs.get("remaining") or []
        elif entry["status"] is None and result.get("status") in ("failed", "unreachable"):
            # The court failed before its diagnosis (preflight, unreachable): say why.
            entry["status"] = result.get("status")
            entry["summary"] = result.get("summary") or result.get("error") or ""
    for court in courts:
        out.setdefault(
            court,
            {"status": None, "summary": "", "problems": [], "actions": [], "remaining": [], "results": []},
        )
    return out


def _pick(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("id") or "")
    return str(value or "")


def _contact_text(contact: dict | None, lang: str) -> str:
    if not contact:
        return TEXT[lang]["no_contact"]
    parts = [contact.get("provider") or contact.get("name") or ""]
    if contact.get("provider") and contact.get("name") and contact["name"] != contact["provider"]:
        parts.append(contact["name"])
    parts += [contact.get(key) for key in ("phone", "email") if contact.get(key)]
    return f"{', '.join(p for p in parts if p)} ({contact.get('role', '')})"


def show(console: Console, courts: dict, lang: str, activity: str, inventory_path: str) -> None:
    t = TEXT[lang]
    for court, entry in sorted(courts.items()):
        status = entry["status"] or "?"
        header = Text.assemble((court, "bold"), "  ", (status, STATUS_STYLE.get(status, "")))
        body = Table.grid(padding=(0, 1))
        body.add_column()
        body.add_row(Text(entry["summary"] or t["no_result"]))
        problems = entry["problems"] if activity == "W6" else entry["remaining"]
        if activity == "W7":
            body.add_row(Text(t["actions"] + ":", style="bold"))
            for action in entry["actions"] or []:
                mark = "✔" if action.get("ok") else "✘ " + t["failed"]
                body.add_row(
                    Text(f"  {mark} {action.get('text', '')}", style="green" if action.get("ok") else "red")
                )
            if not entry["actions"]:
                body.add_row(Text(f"  {t['none']}"))
            body.add_row(Text(t["remaining"] + ":", style="bold"))
        if not problems:
            body.add_row(Text(t["no_problem"], style="green"))
        for problem in problems:
            severity = problem.get("severity", "medium")
            body.add_row(
                Text.assemble(
                    (f"[{severity}] ", SEVERITY_STYLE.get(severity, "")),
                    (_pick(problem.get("title"), lang), "bold"),
                    (f"  ({problem.get('id')})", "dim"),
                )
            )
            body.add_row(Text("  " + _pick(problem.get("explanation"), lang)))
            body.add_row(Text("  " + t["solutions"] + ":", style="italic"))
            for solution in problem.get("solutions") or []:
                fix = solution.get("fix", "")
                line = Text.assemble(
                    f"    {solution.get('rank', '')}. ",
                    (f"[{t['fix'].get(fix, fix)}] ", FIX_STYLE.get(fix, "")),
                    _pick(solution.get("text"), lang),
                )
                body.add_row(line)
                if fix == "third_party":
                    body.add_row(
                        Text(
                            f"       {t['contact']}: {_contact_text(solution.get('contact'), lang)}",
                            style="magenta",
                        )
                    )
        if activity == "W6" and any(p.get("auto") for p in problems):
            body.add_row(Text(t["auto_hint"].format(inv=inventory_path, court=court), style="green"))
        console.print(Panel(body, title=header, title_align="left"))
