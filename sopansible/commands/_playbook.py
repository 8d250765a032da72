"""What the commands that run SOP playbooks (run, diagnose, remediate, audit) share on the terminal: the
``-e KEY=VALUE`` options, the live per-court progress, Ctrl-C as a clean cancel, and the steps of
:mod:`sopansible.pipeline` with their errors shown. Not a sub-command (its name starts with ``_``)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from sopansible import exitcodes, pipeline, store

STATUS_STYLE = {
    "running": "cyan",
    "ok": "green",
    "warning": "yellow",
    "critical": "red",
    "failed": "bold red",
    "unreachable": "magenta",
}
LABELS = {
    "id": {"court": "Pengadilan", "state": "Status", "detail": "Keterangan", "title": "Menjalankan {name}"},
    "en": {"court": "Court", "state": "Status", "detail": "Detail", "title": "Running {name}"},
}


def extravars(pairs: list[str]) -> dict:
    """``-e KEY=VALUE`` options as a dict; ValueError names the first one without ``=`` or a key."""
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(pair)
        values[key] = value
    return values


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


@contextlib.contextmanager
def interruptible() -> Iterator[threading.Event]:
    """An event that the first Ctrl-C sets (the run then stops cleanly); a second Ctrl-C interrupts."""
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def interrupt(signum, frame):
        if cancel.is_set():
            signal.signal(signal.SIGINT, previous)
        cancel.set()

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def run(
    console: Console, lang: str, playbook: Path, inv, *, name: str, progress: bool = True, **options
) -> pipeline.Outcome:
    """:func:`sopansible.pipeline.run` of PLAYBOOK over the courts of INV (an inventory read with the run's
    limit), with the live progress on CONSOLE unless PROGRESS is false, and Ctrl-C as a clean cancel.
    OPTIONS go to the pipeline (limit, extravars, timeout, task_timeout)."""
    with interruptible() as cancel:
        if not progress:
            return pipeline.run(playbook, inv, name=name, cancel=cancel, **options)
        with ProgressView(console, lang, name) as view:
            return pipeline.run(playbook, inv, name=name, on_progress=view.update, cancel=cancel, **options)


@dataclass
class Recorded:
    """What :func:`record_notify_report` did: the retry file, the notifications' answer, the dashboard
    written, and the exit code of what went wrong (OK when nothing did)."""

    retry_file: Path | None = None
    notified: dict | None = None
    index: Path | None = None
    problem: int = exitcodes.OK


def record_notify_report(
    console: Console, lang: str, outcome: pipeline.Outcome, *, notify: bool, report: bool
) -> Recorded:
    """Record OUTCOME in the history, then (unless it was cancelled) send its notifications and write the
    reports when asked. A history that cannot be used is bad input, reports that cannot be written a
    failure: either is shown on CONSOLE and its exit code returned in ``problem``."""
    from sopansible.report import ReportError

    done = Recorded()
    try:
        with store.HistoryStore() as history:
            done.retry_file = pipeline.record(outcome, history=history)
            if outcome.metrics_error is not None:  # the run is recorded: a warning, not a failure
                console.print(Text(outcome.metrics_error.message(lang), style="yellow"))
            if notify and not outcome.cancelled:
                done.notified = pipeline.notify(outcome, lang=lang, history=history)
            if report and not outcome.cancelled:
                done.index = pipeline.report(outcome, lang=lang, history=history)
    except store.StoreError as error:
        console.print(Text(str(error), style="red"))
        done.problem = exitcodes.USAGE
    except ReportError as error:
        console.print(Text(error.message(lang), style="red"))
        done.problem = exitcodes.FAILED
    return done
