"""`sopansible run ACTIVITY|CYCLE -i INV`: run an SOP activity or cycle, record it, write the reports."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ansible_collections.pn.website.plugins.module_utils.shared import redact
from sopansible import exitcodes, inventory, runner
from sopansible.commands import _playbook
from sopansible.commands._playbook import STATUS_STYLE
from sopansible.paths import PLAYBOOKS_DIR

#: A task that runs longer than this on one court is stopped and recorded as failed for that court.
DEFAULT_TASK_TIMEOUT = 3600


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="jalankan aktivitas atau siklus SOP / run an SOP activity or cycle",
        description="Siklus: harian, mingguan, bulanan; aktivitas: W1..W8, IT-AUDIT; atau berkas playbook.",
    )
    parser.add_argument("name", metavar="ACTIVITY|CYCLE")
    parser.add_argument("-i", "--inventory", required=True, help="path inventori / inventory path")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--limit",
        help="batasi ke pola host atau @BERKAS / limit to a host pattern or @FILE (one court a line)",
    )
    which.add_argument(
        "--retry",
        action="store_true",
        help="ulangi hanya pengadilan yang gagal/tak terjangkau pada run sebelumnya "
        "/ rerun only the courts that failed or were unreachable last time",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="DETIK",
        help="batas waktu koneksi SSH dan sudo per pengadilan / SSH connect and sudo timeout per court "
        "(default: ansible.cfg)",
    )
    parser.add_argument(
        "--task-timeout",
        type=_seconds,
        metavar="DETIK",
        help="batas waktu satu tugas per pengadilan, 0 = tanpa batas / time limit of one task on a court, "
        f"0 = none (default: {DEFAULT_TASK_TIMEOUT} or SOPANSIBLE_TASK_TIMEOUT)",
    )
    parser.add_argument("-e", "--extra-var", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--no-report", action="store_true", help="jangan tulis laporan / do not write reports"
    )
    parser.add_argument(
        "--no-notify",
        action="store_true",
        help="jangan kirim notifikasi (notify.yml) / do not send notifications (notify.yml)",
    )
    parser.set_defaults(handler=run_command)


def _seconds(text: str) -> int:
    """A whole, non-negative number of seconds (argparse type)."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"harus bilangan bulat detik / must be whole seconds: {text!r}")
    return int(text)


def resolve_playbook(name: str) -> Path:
    """A cycle or activity name (or a playbook file) to its playbook under playbooks/."""
    from sopansible import catalogue

    if name.endswith((".yml", ".yaml")) and Path(name).is_file():
        return Path(name).resolve()
    candidates = [name, f"sop_{name}"]
    try:
        activity = catalogue.load().activity(name)
    except (KeyError, LookupError, AttributeError):
        activity = None
    if activity and activity.get("playbook"):
        candidates.insert(0, Path(activity["playbook"]).stem)
    for candidate in candidates:
        path = PLAYBOOKS_DIR / f"{candidate}.yml"
        if path.exists():
            return path
    raise FileNotFoundError(name)


def _options(args, console: Console) -> dict | None:
    """The run's playbook, extra variables, task timeout and limit from the command line, or None after
    printing what is wrong."""
    try:
        playbook = resolve_playbook(args.name)
    except FileNotFoundError:
        console.print(
            Text(f"Aktivitas/siklus tidak dikenal / unknown activity or cycle: {args.name}", style="red")
        )
        return None
    try:
        extravars = _playbook.extravars(args.extra_var)
    except ValueError as error:
        console.print(Text(f"-e harus KEY=VALUE / -e must be KEY=VALUE: {error}", style="red"))
        return None
    task_timeout = args.task_timeout
    if task_timeout is None:
        try:
            task_timeout = _seconds(os.environ.get("SOPANSIBLE_TASK_TIMEOUT", str(DEFAULT_TASK_TIMEOUT)))
        except argparse.ArgumentTypeError as error:
            console.print(Text(f"SOPANSIBLE_TASK_TIMEOUT: {error}", style="red"))
            return None
    limit = f"@{runner.retry_path(args.name)}" if args.retry else args.limit
    return {"playbook": playbook, "extravars": extravars, "task_timeout": task_timeout, "limit": limit}


def run_command(args) -> int:
    console = Console(stderr=True)
    options = _options(args, console)
    if options is None:
        return exitcodes.USAGE
    if args.retry:
        courts = _retry_file(args.name, console)
        if courts is None:
            return exitcodes.USAGE
        if not courts:
            console.print(
                Text(
                    f"Tidak ada pengadilan yang perlu diulang untuk {args.name}"
                    f" / nothing to retry for {args.name}",
                    style="green",
                )
            )
            return exitcodes.OK
    try:
        inv = inventory.load(args.inventory, limit=options["limit"])
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return exitcodes.USAGE
    workflow = renewal_workflow(inv.courts, console, args.lang)
    if workflow and "pn_renewal_workflow" not in options["extravars"]:
        options["extravars"]["pn_renewal_workflow"] = workflow
    outcome = _playbook.run(
        console, args.lang, options.pop("playbook"), inv, name=args.name, timeout=args.timeout, **options
    )
    done = _playbook.record_notify_report(
        console, args.lang, outcome, notify=not args.no_notify, report=not args.no_report
    )
    if done.notified:
        notify_critical(console, done.notified, args.lang)
    if done.index:
        console.print(
            Text(("Laporan: " if args.lang == "id" else "Reports: ") + str(done.index), style="bold")
        )
    console.print(
        Text(
            f"{outcome.run_id}: {outcome.status} ({len(outcome.results)} hasil/results, "
            f"artefak/artifacts {outcome.artifacts})"
        )
    )
    if outcome.cancelled:
        console.print(Text("Dibatalkan / cancelled", style="yellow"))
    else:
        print_failures(console, args, outcome.results, done.retry_file)
    return exitcodes.worst([done.problem, exitcodes.for_status(outcome.status)])


def _retry_file(name: str, console: Console) -> list[str] | None:
    """The courts still to redo after the runs of NAME (the history store keeps them, so a job in a
    fresh container finds them), written to the retry file the run is limited to; None when the
    history cannot be read (said on the console)."""
    from sopansible.store import StoreError

    try:
        courts = runner.read_retry(name)
    except StoreError as error:
        console.print(Text(f"--retry: {error}", style="red"))
        return None
    runner.export_retry(name, courts)
    return courts


def renewal_workflow(courts: list[str], console: Console, lang: str) -> dict:
    """The renewal steps people recorded for COURTS (``sopansible renewals record``), for the W4 checks
    (``pn_renewal_workflow``); a history that cannot be read leaves the inventory's dates, with a warning."""
    from sopansible.store import HistoryStore, StoreError

    try:
        with HistoryStore() as store:
            return store.renewal_steps_all(courts)
    except StoreError as error:
        console.print(
            Text(
                f"Riwayat tidak dapat dibaca ({error}); tanggal perpanjangan dari inventori saja"
                if lang == "id"
                else f"The history cannot be read ({error}); renewal dates from the inventory only",
                style="yellow",
            )
        )
        return {}


def notify_critical(console: Console, answer: dict, lang: str) -> None:
    """What the notifications after a run did (<data>/notify.yml; nothing without it)."""
    if answer.get("sent"):
        what = "notifikasi terkirim" if lang == "id" else "notifications sent"
        console.print(Text(f"{len(answer['sent'])} {what}", style="bold"))
    for error in answer.get("errors") or []:
        console.print(Text(f"notify: {error.get('error')}", style="yellow"))


def print_failures(console: Console, args, results: list[dict], retry_file: Path | None) -> None:
    """The failed and unreachable courts of a run with the reason, and how to redo only them."""
    failures = [r for r in results if r.get("status") in ("failed", "unreachable")]
    if not failures:
        return
    en = args.lang == "en"
    table = Table(title="Failed or unreachable courts" if en else "Pengadilan gagal atau tak terjangkau")
    for column in (
        ("Court", "Activity", "Status", "Reason") if en else ("Pengadilan", "Aktivitas", "Status", "Sebab")
    ):
        table.add_column(column, overflow="fold")
    for result in sorted(failures, key=lambda r: (r["court"], r.get("activity") or "")):
        table.add_row(
            Text(result["court"]),
            Text(result.get("activity") or "?"),
            Text(result["status"], style=STATUS_STYLE[result["status"]]),
            Text(redact.redact_text(result.get("error") or result.get("summary") or "")),
        )
    console.print(table)
    if retry_file:
        console.print(
            Text(
                (
                    f"To run only these courts again: sopansible run {args.name} -i {args.inventory} --retry "
                    f"(or --limit @{retry_file})"
                    if en
                    else "Untuk mengulang hanya pengadilan ini: "
                    f"sopansible run {args.name} -i {args.inventory} --retry (atau --limit @{retry_file})"
                ),
                style="bold",
            )
        )
