"""Run SOP playbooks through ansible-runner and collect per-court results from its job events.

One private data dir and ident per run (``<data>/runs/<run_id>``). The events are read by
:class:`sopansible.events.EventCollector`, the same reader the ``pn.website.sop_history`` callback
plugin uses for runs that sopansible does not drive. The ansible-playbook started here gets
``SOPANSIBLE_RUN_ID``: the plugin then leaves the recording to sopansible, so a run is recorded once.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sopansible import exitcodes
from sopansible.events import ACTIVITY_IN_PLAY, EventCollector, new_run_id, now  # noqa: F401 - re-exported
from sopansible.paths import PROJECT_ROOT, data_dir

#: The run's status and exit code follow the worst result (``_sop.worst``).
#: The exit code of each run status (the scheme is in sopansible/exitcodes.py).
EXIT_CODES = exitcodes.BY_STATUS
#: Environment variable set for the ansible-playbook that sopansible drives (the run's id): the
#: ``pn.website.sop_history`` callback plugin does not record such a run, sopansible does.
RUN_ID_ENV = "SOPANSIBLE_RUN_ID"


@dataclass
class RunOutcome:
    run_id: str
    name: str
    status: str
    rc: int
    started: str
    finished: str
    results: list[dict]
    artifacts: Path
    cancelled: bool = False


def run_playbook(
    playbook: str | Path,
    inventory: str | Path,
    *,
    name: str | None = None,
    limit: str | None = None,
    extravars: dict | None = None,
    on_progress: Callable[[str, str, str], None] | None = None,
    cancel: threading.Event | None = None,
    envvars: dict | None = None,
    timeout: int | None = None,
    task_timeout: int | None = None,
) -> RunOutcome:
    """Run one playbook with ansible-runner and collect per-court results; court failures never raise.

    TIMEOUT (seconds) bounds the SSH connection and the privilege escalation of each court, and
    TASK_TIMEOUT any single task (0: no limit); None keeps ansible.cfg's value. A court that hits
    either is recorded as unreachable or failed with the reason while the others go on.
    """
    playbook = Path(playbook)
    if not playbook.is_absolute():
        playbook = PROJECT_ROOT / "playbooks" / playbook
    name = name or playbook.stem
    run_id = new_run_id(name)
    private = data_dir() / "runs" / run_id
    private.mkdir(parents=True, exist_ok=True)
    import ansible_runner  # here: importing sopansible.runner needs no ansible-runner

    collector = EventCollector(on_progress=on_progress)
    cancel = cancel or threading.Event()
    started = now()
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        # ansible-runner looks ansible-playbook up on PATH: use the one of this environment.
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", os.defpath)])
    runner = ansible_runner.run(
        private_data_dir=str(private),
        ident=run_id,
        project_dir=str(PROJECT_ROOT),
        playbook=str(playbook),
        inventory=str(Path(inventory).resolve()),
        limit=limit,
        extravars=extravars or {},
        envvars={
            "ANSIBLE_CONFIG": str(PROJECT_ROOT / "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "0",
            # ansible-runner turns host key checking off unless told otherwise; courts keep it on.
            "ANSIBLE_HOST_KEY_CHECKING": os.environ.get("ANSIBLE_HOST_KEY_CHECKING", "True"),
            **({"ANSIBLE_TIMEOUT": str(timeout)} if timeout is not None else {}),
            **({"ANSIBLE_TASK_TIMEOUT": str(task_timeout)} if task_timeout is not None else {}),
            **(envvars or {}),
            RUN_ID_ENV: run_id,
        },
        # Facts cached across runs (ansible.cfg's fact cache, kept in the data dir).
        fact_cache_type="jsonfile",
        fact_cache=str(data_dir() / "facts"),
        event_handler=collector.handle,
        cancel_callback=cancel.is_set,
        quiet=True,
        suppress_env_files=True,
    )
    finished = now()
    cancelled = runner.status == "canceled"
    status = "cancelled" if cancelled else collector.status
    # Exit codes 2 and 4 mean a court failed or was unreachable: the court's own result says so.
    explained = runner.rc in (2, 4) and any(
        r["status"] in ("failed", "unreachable") for r in collector.results
    )
    if not cancelled and runner.rc != 0 and not explained:
        # ansible-playbook itself failed (a syntax error, a role that does not load): no court's
        # failure explains the exit code. A parser error exits 4, like an unreachable court.
        status = "failed"
        collector.results.append(
            {
                "court": "*",
                "activity": "?",
                "status": "failed",
                "summary": _tail(runner),
                "error": _tail(runner),
                "outputs": {},
                "findings": [],
                "started": started,
                "finished": finished,
                "duration_s": 0.0,
            }
        )
    return RunOutcome(
        run_id=run_id,
        name=name,
        status=status,
        rc=runner.rc,
        started=started,
        finished=finished,
        results=collector.results,
        artifacts=private / "artifacts" / run_id,
        cancelled=cancelled,
    )


def failed_courts(results: list[dict]) -> list[str]:
    """Courts with a failed or unreachable result, in the order they were first seen."""
    courts: dict[str, None] = {}
    for result in results:
        if result.get("status") in ("failed", "unreachable") and result.get("court") not in (None, "*"):
            courts.setdefault(result["court"], None)
    return list(courts)


#: Bytes read, at most, from the retry file of an earlier version (a court a line).
_LEGACY_RETRY_BYTES = 1024 * 1024


def _retry_key(name: str) -> str:
    """The name a cycle's or activity's retry list is kept under: ``harian``, ``w3``, ``sop-probe``."""
    return (re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-") or "run")[:100].strip("-")


def retry_path(name: str) -> Path:
    """The retry file of a cycle or activity: ``<data>/retry/<name>.retry``, one court per line, written
    from the history store for ``--limit @FILE`` (the list itself lives in the store)."""
    return data_dir() / "retry" / f"{_retry_key(name)}.retry"


def _legacy_retry(name: str) -> list[str]:
    """The courts of a retry file an earlier version kept (the list lived only in that file): read
    once, when the history store has no list for NAME yet, so that an upgrade loses none."""
    from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import is_host_name

    path = retry_path(name)
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle.read(_LEGACY_RETRY_BYTES).splitlines()]
    except OSError:
        return []
    courts: list[str] = []
    for line in lines:
        if is_host_name(line) and line not in courts:
            courts.append(line)
    return courts


def _with_history(history, func):
    from sopansible.store import HistoryStore

    if history is not None:
        return func(history)
    with HistoryStore() as own:
        return func(own)


def read_retry(name: str, history=None) -> list[str]:
    """The courts still to redo after the runs of NAME, from the history store (``history``, default
    the data folder's, or ``SOPANSIBLE_DB``), so that a job in a fresh container finds them.

    :raises sopansible.store.StoreError: The history cannot be read.
    """
    key = _retry_key(name)

    def read(store) -> list[str]:
        kept = store.state("retry", [key])
        if key in kept:
            return list(kept[key])
        legacy = _legacy_retry(name)
        return store.update_state("retry", key, lambda current: legacy if current is None else current)

    return _with_history(history, read)


def export_retry(name: str, courts: list[str]) -> Path | None:
    """Write the retry file (``--limit @FILE``) of COURTS, or remove it when there are none."""
    path = retry_path(name)
    if not courts:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(courts) + "\n", encoding="utf-8")
    return path


def update_retry(name: str, attempted: list[str], failed: list[str], history=None) -> Path | None:
    """Keep the courts still to redo: earlier failures not attempted in this run, plus this run's.

    A run limited to some courts (``--retry``, ``--limit``) removes only the courts it reached
    again. The list is changed in one transaction of the history store, so that jobs at once (AWX job
    slices of one cycle) each keep the other's failures. Returns the retry file written from it, or
    None (file removed) when nothing is left to redo.

    :raises sopansible.store.StoreError: The history cannot be written, or a court name is not valid.
    """
    from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import is_host_name

    key = _retry_key(name)
    reached = set(attempted)
    # A court whose inventory name is not a valid host name fails its preflight with the name given;
    # it cannot go into a --limit, and must not stop the run's record.
    failed = [court for court in failed if is_host_name(court)]

    def change(current: list[str] | None) -> list[str]:
        earlier = _legacy_retry(name) if current is None else current
        remaining = [court for court in earlier if court not in reached]
        remaining += [court for court in failed if court not in remaining]
        return remaining

    remaining = _with_history(history, lambda store: store.update_state("retry", key, change))
    return export_retry(name, remaining)


def _tail(runner, lines: int = 15) -> str:
    try:
        text = runner.stdout.read()
    except Exception:  # noqa: BLE001 - a missing stdout file is not worth a crash here
        return f"ansible-playbook rc={runner.rc}"
    return "\n".join(text.splitlines()[-lines:])
