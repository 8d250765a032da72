"""Run SOP playbooks through ansible-runner and turn the event stream into per-court results.

One private data dir and ident per run (``<data>/runs/<run_id>``). Results come from the
``pn_sop_result`` fact each SOP play sets per court (see CONTRIBUTING.md); failed and unreachable
courts are results too, with the reason taken from the runner's events.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ansible_runner

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as _sop
from sopansible import exitcodes
from sopansible.paths import PROJECT_ROOT, data_dir

#: The run's status and exit code follow the worst result (``_sop.worst``).
#: The exit code of each run status (the scheme is in sopansible/exitcodes.py).
EXIT_CODES = exitcodes.BY_STATUS
ACTIVITY_IN_PLAY = re.compile(r"^\s*(W[1-8]|IT-[A-Z]+)\b")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def new_run_id(name: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{secrets.token_hex(3)}"


def _error_text(res: dict) -> str:
    """The reason a task failed, without dumping the whole result (which may hold secrets)."""
    if res.get("_ansible_no_log"):
        return "tugas gagal (keluaran disembunyikan karena no_log) / task failed (output hidden by no_log)"
    message = res.get("msg") or res.get("reason") or res.get("stderr") or res.get("module_stderr") or ""
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    return str(message).strip()[:2000]


@dataclass
class _CourtActivity:
    court: str
    activity: str
    started: str
    started_at: datetime.datetime
    result: dict | None = None


@dataclass
class EventCollector:
    """Builds per-court per-activity results from ansible-runner events (thread-safe)."""

    on_progress: Callable[[str, str, str], None] | None = None
    results: list[dict] = field(default_factory=list)
    _open: dict = field(default_factory=dict)
    _recorded: dict = field(default_factory=dict)
    _failed: set = field(default_factory=set)
    _play: str = ""
    _activity: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _progress(self, court: str, state: str, text: str) -> None:
        if self.on_progress:
            self.on_progress(court, state, text)

    def handle(self, event: dict) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data", {}) or {}
        created = event.get("created") or now()
        with self._lock:
            if kind == "playbook_on_play_start":
                self._play = data.get("play", "")
                match = ACTIVITY_IN_PLAY.match(self._play)
                self._activity = match.group(1) if match else None
            host = data.get("host")
            if not host or not kind.startswith("runner_on_"):
                return True
            self._touch(host, created)
            if kind == "runner_on_start":
                self._progress(host, "running", data.get("task", ""))
            elif kind == "runner_on_ok":
                facts = (data.get("res") or {}).get("ansible_facts") or {}
                if "pn_sop_result" in facts:
                    self._record(host, created, facts["pn_sop_result"])
            elif kind == "runner_on_failed" and not data.get("ignore_errors"):
                self._fail(host, created, "failed", data)
            elif kind == "runner_on_unreachable":
                self._fail(host, created, "unreachable", data)
        return True

    def _touch(self, host: str, created: str) -> None:
        key = (host, self._activity or self._play)
        if key not in self._open:
            stamp = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
            self._open[key] = _CourtActivity(host, self._activity or self._play, created, stamp)

    def _close(self, host: str, created: str, result: dict) -> None:
        key = (host, self._activity or self._play)
        entry = self._open.pop(key)
        self._recorded[key] = result
        finished = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
        result.setdefault("activity", entry.activity or "?")
        result.update(
            court=host,
            started=entry.started,
            finished=created,
            duration_s=round((finished - entry.started_at).total_seconds(), 3),
        )
        result.setdefault("outputs", {})
        result.setdefault("findings", [])
        result.setdefault("error", None)
        self.results.append(result)
        self._progress(host, result["status"], result.get("summary") or result.get("error") or "")

    def _record(self, host: str, created: str, sop_result: dict) -> None:
        result = dict(sop_result)
        if result.get("status") not in _sop.RUN_STATUSES:
            result["status"] = "failed"
            result["error"] = f"status tidak dikenal / unknown status: {sop_result.get('status')!r}"
        key = (host, self._activity or self._play)
        if key in self._failed:
            # A failed task the play rescued, then the court's result (e.g. a failed restore drill, so
            # that the next court is still drilled): one row, the play's result with the failure's reason.
            self._failed.discard(key)
            self._open.pop(key, None)
            earlier = self._recorded[key]
            result["error"] = result.get("error") or earlier.get("error")
            started = datetime.datetime.fromisoformat(earlier["started"].replace("Z", "+00:00"))
            finished = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
            result.update(
                court=host,
                started=earlier["started"],
                finished=created,
                duration_s=round((finished - started).total_seconds(), 3),
            )
            result.setdefault("activity", earlier.get("activity"))
            result.setdefault("outputs", {})
            result.setdefault("findings", [])
            earlier.clear()
            earlier.update(result)
            self._progress(host, earlier["status"], earlier.get("summary") or "")
            return
        self._close(host, created, result)

    def _fail(self, host: str, created: str, status: str, data: dict) -> None:
        task = data.get("task", "")
        reason = _error_text(data.get("res") or {})
        key = (host, self._activity or self._play)
        earlier = self._recorded.get(key)
        if earlier is not None:
            # The court already gave its result for this activity (e.g. a failed backup, then the
            # task that fails the play on it): keep that result, with the failure, as one row.
            self._open.pop(key, None)
            earlier["status"] = _sop.worst([earlier["status"], status])
            earlier["error"] = earlier.get("error") or reason
            self._progress(host, earlier["status"], earlier.get("summary") or reason)
            return
        self._close(
            host,
            created,
            {
                "status": status,
                "summary": f"{task}: {reason}" if task else reason,
                "error": reason,
                "outputs": {"task": task, "play": self._play},
            },
        )
        self._failed.add(key)


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
    status = "cancelled" if cancelled else _sop.worst(r["status"] for r in collector.results)
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


def retry_path(name: str) -> Path:
    """The retry file of a cycle or activity: ``<data>/retry/<name>.retry``, one court per line."""
    slug = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-") or "run"
    return data_dir() / "retry" / f"{slug}.retry"


def read_retry(name: str) -> list[str]:
    path = retry_path(name)
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def update_retry(name: str, attempted: list[str], failed: list[str]) -> Path | None:
    """Keep the courts still to redo: earlier failures not attempted in this run, plus this run's.

    A run limited to some courts (``--retry``, ``--limit``) removes only the courts it reached
    again. Returns the retry file, or None (file removed) when nothing is left to redo.
    """
    path = retry_path(name)
    remaining = [court for court in read_retry(name) if court not in set(attempted)]
    remaining += [court for court in failed if court not in remaining]
    if not remaining:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(remaining) + "\n", encoding="utf-8")
    return path


def _tail(runner, lines: int = 15) -> str:
    try:
        text = runner.stdout.read()
    except Exception:  # noqa: BLE001 - a missing stdout file is not worth a crash here
        return f"ansible-playbook rc={runner.rc}"
    return "\n".join(text.splitlines()[-lines:])
