"""The SOP run pipeline: run a playbook, record the run, notify, write the reports.

Every command that runs SOP playbooks (``run``, ``diagnose``, ``remediate``, ``audit``) goes through
these entry points, in this order::

    outcome = pipeline.run("harian.yml", "inventories/mine", name="harian")
    retry_file = pipeline.record(outcome)    # history store, retry file, metrics textfile
    pipeline.notify(outcome)                  # e-mail, Telegram, webhooks, once per problem
    pipeline.report(outcome)                  # the court reports and the fleet dashboard

Only :func:`run` knows ansible-runner. :func:`record`, :func:`notify` and :func:`report` take an
:class:`Outcome`: plain run metadata and per-court results (the ``pn_sop_result`` of CONTRIBUTING.md
with ``court``, ``started``, ``finished`` and ``error``). A run that ansible-playbook drives itself
(cron, AWX, ansible-runner) is collected by the ``pn.website.sop_history`` callback plugin with the
same event reader (:class:`sopansible.events.EventCollector`); :func:`collected` turns that into the
:class:`Outcome` the other entry points take.
Nothing here prints: progress goes to a callback, and what happened is returned to the caller.

When ``SOPANSIBLE_METRICS_TEXTFILE`` names a file, :func:`record` also writes the Prometheus metrics of
every court of the history there for node_exporter (:mod:`sopansible.metrics`); a file that cannot be
written never fails the run: the error is in ``outcome.metrics_error``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sopansible.events import EventCollector
    from sopansible.inventory import Inventory
    from sopansible.store import HistoryStore


@dataclass
class Outcome:
    """One run of an SOP playbook: what :func:`run` returns and what the other entry points take.

    :param str run_id: Unique id of the run (also the name of its artifacts folder).
    :param str name: The cycle, activity or command the run is filed under (``harian``, ``W1``,
        ``audit``); it also names the retry file.
    :param str status: The worst result (``ok``, ``warning``, ``critical``, ``failed``,
        ``unreachable``), or ``cancelled``.
    :param str started: Start of the run, ISO 8601 with a time zone.
    :param str finished: End of the run, ISO 8601 with a time zone.
    :param list results: One dict per court and activity: ``court``, ``activity``, ``status``,
        ``summary``, ``outputs``, ``findings``, ``error``, ``started``, ``finished``, ``duration_s``.
    :param str inventory: The inventory the run used, if any.
    :param dict courts: The courts the run was aimed at, each with its public inventory variables
        (no secrets); they are shown in the reports and addressed by the notifications.
    :param Path artifacts: Where ansible-runner kept the run's job events, if it ran the playbook.
    :param int rc: ansible-playbook's exit status, if known.
    :param metrics_error: Set by :func:`record` when the metrics textfile could not be written
        (a :class:`sopansible.metrics.MetricsError`, with the file and the reason).
    """

    run_id: str
    name: str
    status: str
    started: str
    finished: str
    results: list[dict]
    inventory: str | None = None
    courts: dict[str, dict] = field(default_factory=dict)
    artifacts: Path | None = None
    rc: int | None = None
    metrics_error: Exception | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def as_record(self) -> dict:
        """The run as the history store records it (:meth:`HistoryStore.record_run`)."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "inventory": self.inventory,
            "started": self.started,
            "finished": self.finished,
            "status": self.status,
            "courts": self.courts,
            "results": self.results,
        }


def run(
    playbook: str | Path,
    inventory: Inventory | str | Path,
    *,
    name: str | None = None,
    limit: str | None = None,
    extravars: dict | None = None,
    timeout: int | None = None,
    task_timeout: int | None = None,
    on_progress: Callable[[str, str, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Outcome:
    """Run one SOP playbook over the courts of an inventory and return its :class:`Outcome`.

    A court that fails or cannot be reached is a result (``failed``, ``unreachable``, with the
    reason), never an exception; the other courts go on.

    :param str or Path playbook: The playbook; a relative path is taken under ``playbooks/``.
    :param inventory: An inventory already read with :func:`sopansible.inventory.load` (with the
        same ``limit``), or its path, which is then read here.
    :param str name: What the run is filed under (default: the playbook's name).
    :param str limit: Ansible's ``--limit`` host pattern, or ``@FILE`` (one court a line).
    :param dict extravars: Extra variables for the playbook (``-e``).
    :param int timeout: SSH connect and privilege-escalation timeout per court, in seconds
        (default: ansible.cfg).
    :param int task_timeout: Time limit of any single task on a court, in seconds; 0 for none
        (default: ansible.cfg).
    :param Callable on_progress: Called as ``on_progress(court, state, detail)`` when a court starts
        a task (state ``running``) and when it has a result (the result's status), from
        ansible-runner's event thread.
    :param threading.Event cancel: Set it to stop the run; the outcome's status is then
        ``cancelled``.
    :raises sopansible.inventory.InventoryError: The inventory path cannot be read.
    :returns: The :class:`Outcome`, with the courts the run was aimed at and their public variables.
    """
    from sopansible import inventory as inventories
    from sopansible import runner

    if not isinstance(inventory, inventories.Inventory):
        inventory = inventories.load(inventory, limit=limit)
    done = runner.run_playbook(
        playbook,
        inventory.source,
        name=name,
        limit=limit,
        extravars=extravars,
        on_progress=on_progress,
        cancel=cancel,
        timeout=timeout,
        task_timeout=task_timeout,
    )
    return Outcome(
        run_id=done.run_id,
        name=done.name,
        status=done.status,
        started=done.started,
        finished=done.finished,
        results=done.results,
        inventory=",".join(str(Path(source).resolve()) for source in inventory.sources),
        courts={court: inventory.public_court_vars(court) for court in inventory.courts},
        artifacts=done.artifacts,
        rc=done.rc,
    )


def collected(
    collector: EventCollector,
    *,
    name: str,
    started: str,
    finished: str,
    inventory: str | None = None,
    courts: dict[str, dict] | None = None,
    run_id: str | None = None,
) -> Outcome:
    """The :class:`Outcome` of a run whose job events went through COLLECTOR while ansible-playbook
    ran it (the callback plugin's case: no ansible-runner here, so no artifacts and no exit code).

    :param EventCollector collector: The events of the whole run, already handed to it.
    :param str name: What the run is filed under (the playbook's name); it also names the retry file.
    :param str started: Start of the run, ISO 8601 with a time zone.
    :param str finished: End of the run, ISO 8601 with a time zone.
    :param str inventory: The inventory sources, comma-separated.
    :param dict courts: The courts the run was aimed at, each with its public inventory variables
        (already without secrets: :meth:`sopansible.inventory.Inventory.public_court_vars`).
    :param str run_id: The run's id (default: a new one, as ``sopansible run`` makes).
    """
    from sopansible import events

    return Outcome(
        run_id=run_id or events.new_run_id(name),
        name=name,
        status=collector.status,
        started=started,
        finished=finished,
        results=collector.results,
        inventory=inventory,
        courts=dict(courts or {}),
    )


def record(outcome: Outcome, *, history: HistoryStore | None = None) -> Path | None:
    """Record a run in the history store, apply the history's retention (``SOPANSIBLE_HISTORY_DAYS``,
    default 400 days) and keep the retry file up to date.

    The retry list (in the history store, read by ``sopansible run NAME --retry``; written out as
    ``<data>/retry/<name>.retry`` for ``--limit @FILE``) keeps the courts still to redo: earlier
    failures this run did not reach again, and this run's failed and unreachable courts. A cancelled
    run is not recorded: its results are incomplete, and the courts it did not reach would look as if
    they had been left out on purpose. Then the metrics textfile is written (see the module
    documentation); if it cannot be, ``outcome.metrics_error`` says why.

    :param Outcome outcome: The run, from :func:`run` or built from another source of results.
    :param HistoryStore history: The history store to write to (default: the data folder's).
    :raises sopansible.store.StoreError: The history cannot be written, or the outcome is malformed.
    :returns: The retry file, or None when no court is left to redo (or the run was cancelled).
    """
    from sopansible import runner, store

    if outcome.cancelled:
        return None
    if history is None:
        with store.HistoryStore() as own:
            return record(outcome, history=own)
    history.record_run(outcome.as_record())
    history.prune_expired()
    retry = runner.update_retry(
        outcome.name, list(outcome.courts), runner.failed_courts(outcome.results), history=history
    )
    outcome.metrics_error = _write_metrics(history)
    return retry


def _write_metrics(history: HistoryStore) -> Exception | None:
    """Write the metrics textfile when one is configured; the error instead of raising it (a recorded run
    stays recorded, and the next run writes the file again)."""
    from sopansible import metrics

    path = metrics.textfile_path()
    if path is None:
        return None
    try:
        metrics.write_textfile(path, history)
    except metrics.MetricsError as error:
        return error
    except Exception as error:  # noqa: BLE001 (whatever stops the file, the recorded run stands)
        return metrics.write_error(path, error)
    return None


def notify(
    outcome: Outcome,
    *,
    lang: str = "id",
    config: str | Path | None = None,
    history: HistoryStore | None = None,
) -> dict:
    """Send the notifications of a recorded run: each problem once, when it appears, changes or (if
    configured) is resolved, by e-mail, Telegram and webhooks as ``<data>/notify.yml`` says. Without that file
    nothing is sent. Never raises: a bad configuration or a failed delivery is in the answer.

    :param Outcome outcome: A run already passed to :func:`record`.
    :param str lang: ``id`` or ``en``, the language of the messages.
    :param str or Path config: The notification configuration (default: ``<data>/notify.yml``).
    :param HistoryStore history: The history store the run is recorded in (default: the data
        folder's).
    :returns: ``{"sent": [...], "errors": [{"channel", "court", "error"}], ...}`` as
        :func:`sopansible.notify.notify_run` answers; nothing sent for a cancelled run.
    """
    from sopansible import notify as notifications
    from sopansible import store

    if outcome.cancelled:
        return {"run_id": outcome.run_id, "configured": False, "sent": [], "errors": [], "unchanged": 0}
    if history is not None:
        return notifications.notify_after_run(history, outcome.run_id, config, lang=lang)
    try:
        own = store.HistoryStore()
    except store.StoreError as error:
        return {
            "run_id": outcome.run_id,
            "configured": True,
            "sent": [],
            "errors": [{"channel": None, "court": None, "error": str(error)}],
            "unchanged": 0,
        }
    with own:
        return notifications.notify_after_run(own, outcome.run_id, config, lang=lang)


def report(
    subject: Outcome | Iterable[str] | None = None,
    *,
    lang: str = "id",
    out_dir: str | Path | None = None,
    days: int = 30,
    workers: int = 1,
    history: HistoryStore | None = None,
) -> Path:
    """Write the court reports (HTML and JSON) and the fleet dashboard from the history store.

    :param subject: A recorded :class:`Outcome` or None: every court of the history, with the whole
        fleet on the dashboard; or court names: only these courts.
    :param str lang: ``id`` or ``en``.
    :param str or Path out_dir: Where to write (default: ``<data>/reports``).
    :param int days: Length of the report period in days.
    :param int workers: Processes writing the court reports (for hundreds of courts).
    :param HistoryStore history: The history store to read (default: the data folder's).
    :raises sopansible.report.ReportError: A court named is not in the history, or the reports
        cannot be written.
    :returns: The path of the dashboard, ``index.html``.
    """
    from sopansible import report as reports
    from sopansible import store

    courts = None if subject is None or isinstance(subject, Outcome) else list(subject)
    options: dict[str, Any] = {"lang": lang, "courts": courts, "days": days, "workers": workers}
    if history is not None:
        return reports.render_reports(history, out_dir, **options)
    with store.HistoryStore() as own:
        return reports.render_reports(own, out_dir, **options)
