"""`sopansible audit -i INV`: audit the security configuration of every court server (SOP IT-AUDIT).

Runs playbooks/sop_audit.yml through the pipeline (its play runs in check mode: the audit never changes a
server) and records the results in the history store like `sopansible run`. Prints the per-court
compliance table, the failed controls, the server's health problems and the application security problems
(software past its end of life, webshells, changed files), or JSON with --json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ansible_collections.pn.website.plugins.module_utils.appsec import eol, webroot_scan, wordpress
from sopansible import exitcodes, inventory, pipeline
from sopansible.commands import _playbook
from sopansible.paths import PLAYBOOKS_DIR

AREAS = ("ssh", "web", "php", "db", "os", "firewall", "cms")
#: The rule ids of the application security findings (pn.website.appsec_audit).
APPSEC_RULES = frozenset(eol.RULES + webroot_scan.RULES + wordpress.RULES)
TEXT = {
    "id": {
        "help": "audit konfigurasi keamanan server pengadilan (IT-AUDIT, mode periksa)",
        "title": "Kepatuhan pengerasan server (IT-AUDIT)",
        "court": "Pengadilan",
        "status": "Status",
        "score": "Skor",
        "pass": "Lulus",
        "fail": "Gagal",
        "skip": "T/B",
        "failed_controls": "Kontrol gagal / masalah kesehatan",
        "details": "Kontrol yang gagal: {court}",
        "health": "Kesehatan server: {court}",
        "appsec": "Keamanan aplikasi: {court}",
        "problem": "Masalah",
        "severity": "Tingkat",
        "message": "Keterangan",
        "control": "Kontrol",
        "description": "Uraian",
        "observed": "Terlihat",
        "expected": "Diharapkan",
        "bad_area": "Area tidak dikenal: {area} (pilih dari {areas})",
        "no_results": "Tidak ada hasil: tidak ada server pengadilan (grup court_servers) dalam inventori?",
        "run": "Run",
    },
    "en": {
        "help": "audit the security configuration of the court servers (IT-AUDIT, check mode)",
        "title": "Server hardening compliance (IT-AUDIT)",
        "court": "Court",
        "status": "Status",
        "score": "Score",
        "pass": "Pass",
        "fail": "Fail",
        "skip": "N/A",
        "failed_controls": "Failed controls / health problems",
        "details": "Failed controls: {court}",
        "health": "Server health: {court}",
        "appsec": "Application security: {court}",
        "problem": "Problem",
        "severity": "Severity",
        "message": "Message",
        "control": "Control",
        "description": "Description",
        "observed": "Observed",
        "expected": "Expected",
        "bad_area": "Unknown area: {area} (choose from {areas})",
        "no_results": "No results: no court servers (group court_servers) in the inventory?",
        "run": "Run",
    },
}
STATUS_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "critical": "red",
    "failed": "bold red",
    "unreachable": "magenta",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help=TEXT["id"]["help"],
        description="Audit pengerasan server pengadilan (hanya membaca) / read-only hardening audit.",
    )
    parser.add_argument("-i", "--inventory", required=True, help="path inventori / inventory path")
    parser.add_argument("--limit", help="batasi ke pola host / limit to a host pattern")
    parser.add_argument(
        "--areas",
        help="area, dipisah koma / comma-separated areas: " + ",".join(AREAS) + " (default: semua / all)",
    )
    parser.add_argument(
        "--skip-control",
        action="append",
        default=[],
        metavar="ID",
        help="lewati kontrol (risiko diterima) / skip a control (accepted risk), e.g. ssh-x11-forwarding",
    )
    parser.add_argument("--json", action="store_true", help="keluaran JSON / machine-readable JSON output")
    parser.set_defaults(handler=run)


def court_rows(results: list[dict]) -> list[dict]:
    """One row per court from the runner's IT-AUDIT results (failed/unreachable courts included)."""
    rows = []
    for result in sorted(results, key=lambda r: r.get("court", "")):
        if result.get("activity") not in ("IT-AUDIT", "?") and result.get("status") not in (
            "failed",
            "unreachable",
        ):
            continue
        outputs = result.get("outputs") or {}
        controls = outputs.get("controls") or []
        counts = outputs.get("counts") or {}
        findings = result.get("findings") or []
        control_ids = {c.get("id") for c in controls}
        rows.append(
            {
                "court": result.get("court", "?"),
                "status": result.get("status", "failed"),
                "score": outputs.get("score"),
                "counts": {k: int(counts.get(k, 0)) for k in ("pass", "fail", "skip")},
                "failed": [c for c in controls if c.get("status") == "fail"],
                "controls": controls,
                "findings": findings,
                # the server's health problems: the findings that are neither failed controls nor
                # application security problems
                "health_findings": [
                    f
                    for f in findings
                    if f.get("rule") not in control_ids and f.get("rule") not in APPSEC_RULES
                ],
                "health": outputs.get("health"),
                "appsec_findings": [f for f in findings if f.get("rule") in APPSEC_RULES],
                "appsec": outputs.get("appsec"),
                "error": result.get("error"),
                "summary": result.get("summary", ""),
            }
        )
    return rows


def _table(rows: list[dict], text: dict) -> Table:
    table = Table(title=text["title"])
    table.add_column(text["court"], no_wrap=True)
    table.add_column(text["status"], no_wrap=True)
    table.add_column(text["score"], justify="right")
    table.add_column(text["pass"], justify="right")
    table.add_column(text["fail"], justify="right")
    table.add_column(text["skip"], justify="right")
    table.add_column(text["failed_controls"])
    for row in rows:
        score = "-" if row["score"] is None else f"{float(row['score']):.1f}%"
        detail = (
            ", ".join(
                [c["id"] for c in row["failed"]]
                + [str(f.get("rule")) for f in row["health_findings"] + row["appsec_findings"]]
            )
            if row["score"] is not None
            else (row["error"] or "")
        )
        table.add_row(
            row["court"],
            Text(row["status"], style=STATUS_STYLE.get(row["status"], "")),
            score,
            str(row["counts"]["pass"]),
            str(row["counts"]["fail"]),
            str(row["counts"]["skip"]),
            detail,
        )
    return table


def _details(row: dict, text: dict, lang: str) -> Table:
    table = Table(title=text["details"].format(court=row["court"]), show_lines=False)
    table.add_column(text["control"], no_wrap=True)
    table.add_column(text["description"])
    table.add_column(text["observed"], overflow="fold")
    table.add_column(text["expected"], overflow="fold")
    for control in row["failed"]:
        description = (control.get("description") or {}).get(lang, "")
        observed = str(control.get("observed"))
        if control.get("detail"):
            observed += "\n" + str(control["detail"])
        table.add_row(control["id"], description, observed, str(control.get("expected")))
    return table


def _health(row: dict, text: dict, part: str = "health") -> Table:
    """The findings of one part (``health``, ``appsec``) of a court's audit."""
    table = Table(title=text[part].format(court=row["court"]), show_lines=False)
    table.add_column(text["problem"], no_wrap=True)
    table.add_column(text["severity"], no_wrap=True)
    table.add_column(text["message"], overflow="fold")
    for found in row[part + "_findings"]:
        # Text, not markup: a message may quote a file name chosen by whoever wrote it on the server
        table.add_row(
            Text(str(found.get("rule"))),
            Text(str(found.get("severity"))),
            Text(str(found.get("message") or "")),
        )
    return table


def _extravars(args, text: dict, console: Console) -> dict | None:
    """The playbook's variables from --areas and --skip-control; None after naming an unknown area."""
    extravars: dict = {"pn_audit_lang": args.lang}
    if args.areas:
        areas = [a.strip() for a in args.areas.split(",") if a.strip()]
        for area in areas:
            if area not in AREAS:
                console.print(Text(text["bad_area"].format(area=area, areas=", ".join(AREAS)), style="red"))
                return None
        extravars["pn_audit_areas"] = areas
    if args.skip_control:
        extravars["pn_audit_skip_controls"] = list(args.skip_control)
    return extravars


def run(args) -> int:
    args.lang = getattr(args, "lang", "id") or "id"
    text = TEXT[args.lang]
    console = Console(stderr=True)
    extravars = _extravars(args, text, console)
    if extravars is None:
        return exitcodes.USAGE
    if not Path(args.inventory).exists():
        console.print(Text(f"Inventori tidak ada / inventory not found: {args.inventory}", style="red"))
        return exitcodes.USAGE
    try:
        inv = inventory.load(args.inventory, limit=args.limit)
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return exitcodes.USAGE
    outcome = _playbook.run(
        console,
        args.lang,
        PLAYBOOKS_DIR / "sop_audit.yml",
        inv,
        name="audit",
        progress=False,
        limit=args.limit,
        extravars=extravars,
    )
    done = _playbook.record_notify_report(console, args.lang, outcome, notify=False, report=False)
    _show(args, outcome, court_rows(outcome.results), text, console)
    return exitcodes.worst([done.problem, exitcodes.for_status(outcome.status)])


def _show(args, outcome: pipeline.Outcome, rows: list[dict], text: dict, console: Console) -> None:
    """The rows as JSON on stdout, or the compliance table and each court's failed controls."""
    if args.json:
        json.dump(
            {
                "run_id": outcome.run_id,
                "status": outcome.status,
                "started": outcome.started,
                "finished": outcome.finished,
                "courts": rows,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
        return
    out = Console()
    if not rows:
        console.print(Text(text["no_results"], style="yellow"))
    else:
        out.print(_table(rows, text))
        for row in rows:
            if row["failed"]:
                out.print(_details(row, text, args.lang))
            if row["health_findings"]:
                out.print(_health(row, text))
            if row["appsec_findings"]:
                out.print(_health(row, text, "appsec"))
    console.print(Text(f"{text['run']} {outcome.run_id}: {outcome.status}"))
