"""Per-court SOP results from a run's job events: the one place that reads them.

The events are ansible-runner's job events (``{"event": "runner_on_ok", "created": ..., "event_data":
{"host", "task", "res", "ignore_errors", "play"}}``), as ``sopansible run`` receives them from
ansible-runner and as the ``pn.website.sop_history`` callback plugin builds them from the callbacks
ansible-playbook makes (AWX, cron, a plain ``ansible-playbook``). A court's result of a play is its
last ``pn_sop_result`` (see CONTRIBUTING.md and :func:`sop_results`): the fact a play sets, or what a
module that judges the court itself returns under that name, or one court's entry of the results a
controller module of :data:`FLEET_RESULTS` returns for every court of the play at once. Failed and
unreachable courts are results too, with the reason taken from the events. Job events are untrusted
input (a court's module writes them): only the results are kept, a court's module speaks only for
that court, an error text is cut to 2000 characters, and a no_log result is never read.

This module needs no ansible-runner: the callback plugin imports it inside ansible-playbook.
"""

from __future__ import annotations

import datetime
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as _sop

#: The SOP activity a play is about, from its name ("W1: monitor ...", "IT-DRILL ...").
ACTIVITY_IN_PLAY = re.compile(r"^\s*(W[1-8]|IT-[A-Z]+)\b")


def play_activity(play: str) -> str | None:
    """The SOP activity a play's name names, None for a play without one."""
    match = ACTIVITY_IN_PLAY.match(play)
    return match.group(1) if match else None


#: Controller modules that judge every court of the play in one run (run_once), and the key of their
#: result that holds each court's result by name. Only these may speak for other courts: the action
#: is the playbook's, never a court's.
FLEET_RESULTS = {"pn.website.site_probe": "sop_results"}


def results_part(res: dict, action: str | None = None) -> dict:
    """The part of an ok task result that :func:`sop_results` reads (a callback converts only that, not
    a whole log analysis with its evidence or every court's probe)."""
    part = {key: res[key] for key in ("pn_sop_result", FLEET_RESULTS.get(action or "")) if key in res}
    facts = res.get("ansible_facts")
    if isinstance(facts, dict) and "pn_sop_result" in facts:
        part["ansible_facts"] = {"pn_sop_result": facts["pn_sop_result"]}
    return part


def sop_results(
    host: str, res: dict, action: str | None = None, activity: str | None = None
) -> list[tuple[str, dict]]:
    """The (court, SOP result) pairs an ok task result of HOST gives: its ``pn_sop_result`` fact
    (``set_fact``), else the ``pn_sop_result`` a module returned for its own court (no task per court
    just to copy it into a fact), and the per-court results of an ACTION of :data:`FLEET_RESULTS` that
    are of the play's ACTIVITY (any, for a play without one): a probe that serves another activity
    (W6 diagnoses from it) gives no W1 results."""
    found = []
    facts = res.get("ansible_facts")
    own = facts.get("pn_sop_result") if isinstance(facts, dict) else None
    if own is None:
        own = res.get("pn_sop_result")
    if isinstance(own, dict):
        found.append((host, own))
    key = FLEET_RESULTS.get(action or "")
    courts = res.get(key) if key else None
    if isinstance(courts, dict):
        found += [
            (str(court), result)
            for court, result in courts.items()
            if isinstance(result, dict) and activity in (None, result.get("activity"))
        ]
    return found


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
                self._activity = play_activity(self._play)
            host = data.get("host")
            if not host or not kind.startswith("runner_on_"):
                return True
            self._touch(host, created)
            if kind == "runner_on_start":
                self._progress(host, "running", data.get("task", ""))
            elif kind == "runner_on_ok":
                action = data.get("resolved_action") or data.get("task_action")
                started = self._open[(host, self._activity or self._play)].started
                for court, result in sop_results(host, data.get("res") or {}, action, self._activity):
                    # the other courts a run_once task judged started with it
                    self._touch(court, started)
                    self._record(court, created, result)
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

    @property
    def status(self) -> str:
        """The worst result of the run so far (``ok`` when no court gave one)."""
        with self._lock:
            return _sop.worst(result["status"] for result in self.results)
