"""`sopansible run ACTIVITY|CYCLE -i INV`: run an SOP activity or cycle, record it, write the reports."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ansible_collections.pn.website.plugins.module_utils.shared import redact
from sopansible import inventory, runner
from sopansible.paths import PLAYBOOKS_DIR

STATUS_STYLE = {
    "running": "cyan",
    "ok": "green",
    "warning": "yellow",
    "critical": "red",
    "failed": "bold red",
    "unreachable": "magenta",
}
#: A task that runs longer than this on one court is stopped and recorded as failed for that court.
DEFAULT_TASK_TIMEOUT = 3600
LABELS = {
    "id": {"court": "Pengadilan", "state": "Status", "detail": "Keterangan", "title": "Menjalankan {name}"},
    "en": {"court": "Court", "state": "Status", "detail": "Detail", "title": "Running {name}"},
}


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


class ProgressView:
    """Live per-court table on a terminal; one line per finished court result otherwise."""

    def __init__(self, console: Console, lang: str, name: str) -> None:
        self.console = console
        self.labels = LABELS[lang]
        self.name = name
        self.rows: dict[str, tuple[str, str]] = {}
        self.lock = threading.Lock()
        self.live = (
            Live(self._table(), console=console, refresh_per_second=4) if console.is_terminal else None
        )

    def _table(self) -> Table:
        table = Table(title=self.labels["title"].format(name=self.name), expand=True)
        table.add_column(self.labels["court"], no_wrap=True)
        table.add_column(self.labels["state"], no_wrap=True)
        table.add_column(self.labels["detail"], overflow="ellipsis", no_wrap=True)
        for court, (state, detail) in sorted(self.rows.items()):
            table.add_row(Text(court), Text(state, style=STATUS_STYLE.get(state, "")), Text(detail))
        return table

    def update(self, court: str, state: str, detail: str) -> None:
        with self.lock:
            self.rows[court] = (state, detail)
            if self.live:
                self.live.update(self._table())
            elif state != "running":
                self.console.print(
                    Text.assemble((f"{court:20} ", ""), (f"{state:11} ", STATUS_STYLE[state]), detail)
                )

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.__exit__(*exc)


def _extravars(pairs: list[str]) -> dict:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(pair)
        values[key] = value
    return values


def run_command(args) -> int:
    console = Console(stderr=True)
    try:
        playbook = resolve_playbook(args.name)
    except FileNotFoundError:
        console.print(
            Text(f"Aktivitas/siklus tidak dikenal / unknown activity or cycle: {args.name}", style="red")
        )
        return 2
    try:
        extravars = _extravars(args.extra_var)
    except ValueError as error:
        console.print(Text(f"-e harus KEY=VALUE / -e must be KEY=VALUE: {error}", style="red"))
        return 2
    task_timeout = args.task_timeout
    if task_timeout is None:
        try:
            task_timeout = _seconds(os.environ.get("SOPANSIBLE_TASK_TIMEOUT", str(DEFAULT_TASK_TIMEOUT)))
        except argparse.ArgumentTypeError as error:
            console.print(Text(f"SOPANSIBLE_TASK_TIMEOUT: {error}", style="red"))
            return 2
    limit = args.limit
    if args.retry:
        if not runner.read_retry(args.name):
            console.print(
                Text(
                    f"Tidak ada pengadilan yang perlu diulang untuk {args.name} "
                    f"/ nothing to retry for {args.name} ({runner.retry_path(args.name)})",
                    style="green",
                )
            )
            return 0
        limit = f"@{runner.retry_path(args.name)}"
    try:
        inv = inventory.load(args.inventory, limit=limit)
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return 2

    outcome, history = run_and_record(
        console,
        args.lang,
        playbook,
        args.inventory,
        inv,
        name=args.name,
        limit=limit,
        extravars=extravars,
        timeout=args.timeout,
        task_timeout=task_timeout,
    )
    from sopansible import report

    if not args.no_notify and not outcome.cancelled:
        notify_critical(console, history, outcome.run_id, args.lang)
    if not args.no_report and not outcome.cancelled:
        index = report.render_reports(history, lang=args.lang)
        console.print(Text(("Laporan: " if args.lang == "id" else "Reports: ") + str(index), style="bold"))
    console.print(
        Text(
            f"{outcome.run_id}: {outcome.status} ({len(outcome.results)} hasil/results, "
            f"artefak/artifacts {outcome.artifacts})"
        )
    )
    if outcome.cancelled:
        console.print(Text("Dibatalkan / cancelled", style="yellow"))
    else:
        retry_file = runner.update_retry(args.name, inv.courts, runner.failed_courts(outcome.results))
        print_failures(console, args, outcome.results, retry_file)
    return runner.EXIT_CODES.get(outcome.status, 3)


def run_and_record(
    console: Console, lang: str, playbook: Path, inventory_path: str, inv, name: str, **options
) -> tuple[runner.RunOutcome, object]:
    """Run PLAYBOOK with live progress (Ctrl-C cancels cleanly) and record the run in the history store.

    OPTIONS go to runner.run_playbook (limit, extravars, timeout, task_timeout). Returns the outcome and
    the open HistoryStore."""
    from sopansible import store

    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def interrupt(signum, frame):
        if cancel.is_set():
            signal.signal(signal.SIGINT, previous)
        cancel.set()

    signal.signal(signal.SIGINT, interrupt)
    try:
        with ProgressView(console, lang, name) as view:
            outcome = runner.run_playbook(
                playbook, inventory_path, name=name, on_progress=view.update, cancel=cancel, **options
            )
    finally:
        signal.signal(signal.SIGINT, previous)
    history = store.HistoryStore()
    history.record_run(
        {
            "run_id": outcome.run_id,
            "name": outcome.name,
            "inventory": str(Path(inventory_path).resolve()),
            "started": outcome.started,
            "finished": outcome.finished,
            "status": outcome.status,
            "courts": {host: inv.public_court_vars(host) for host in inv.courts},
            "results": outcome.results,
        }
    )
    return outcome, history


def notify_critical(console: Console, history, run_id: str, lang: str) -> None:
    """Send the run's critical findings as configured in <data>/notify.yml (nothing without it)."""
    from sopansible import notify

    answer = notify.notify_after_run(history, run_id, lang=lang)
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
