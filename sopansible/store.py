"""The history store: every SOP run, every per-court per-activity result, and troubleshooting records.

Embedded SQLite by default (``sopansible.paths.data_dir() / "history.sqlite"``), in WAL mode with a busy
timeout so that several ``sopansible run`` processes (cron, parallel cycles) can write at once; or a
PostgreSQL server when ``SOPANSIBLE_DB=postgresql://...`` (a central team on AWX: every job container
writes to it). Both have one schema (:data:`MIGRATIONS`) and run the same SQL, written in SQLite's
dialect and translated for PostgreSQL by :mod:`sopansible.storedb` (read it before adding a method or
a migration: placeholders, list parameters and DDL translate; JSON paths are ``self._sql`` methods).

The public surface is the :class:`HistoryStore` class:

Writing
  ``record_run(run) -> bool``: store a run record (shape below). Idempotent on ``run_id``: recording
  the same run again replaces it. Returns True when the run was new.
  ``add_troubleshooting(record) -> int``: a troubleshooting record (SOP W6/W7): problem, evidence,
  actions, who, third party, duration vs. standard time, outcome.
  ``prune(before) -> int``: delete runs that started before a time (retention).
  ``prune_expired(days=None, now=None) -> int``: apply the retention setting (:func:`history_days`).
  Work done by people (SOP W4, W5, W7; text checked by ``sopansible.records``, documents kept as paths):
  ``add_acknowledgement(record) -> int``: the Secretary's (or Kasubbag's) acknowledgement of a court's
  report. ``add_troubleshooting_note(record_id, note) -> dict``: what staff or a third party did about a
  problem; a resolved note closes it with its resolution time. ``add_renewal_step(court, item, step) ->
  dict``: one step of a renewal (invoice, requested, paid, renewed; order checked by the
  ``renewal_workflow`` engine).
  ``record_delivery(record) -> int``: one attempt to send a court's report to one recipient (SOP W5);
  ``claim_delivery(record) -> int | None`` / ``finish_delivery(id, status, error)``: the same, claimed
  before sending so that two runs at once send it once.
  ``record_samples(samples) -> int`` / ``prune_samples(before) -> int``: the rounds of ``sopansible watch``
  (W1 every few minutes), one sample per court and round.
  ``mark_notified(records) -> int`` / ``notification_state(channel, state)``: what ``sopansible.notify``
  last sent per problem and channel (announce once until the problem changes or clears).
  ``put_state(kind, {name: value}) -> int`` / ``update_state(kind, name, change) -> value`` /
  ``state(kind, names=None) -> {name: value}``: what a job leaves for the next one (:data:`STATE_KINDS`:
  W1's probe baselines, W4's announced renewal thresholds, the courts to retry), so that a job in a
  fresh container (AWX) continues where the last one stopped.

Reading (``courts=None`` means every court; every fleet-wide method is one query, never one per court)
  ``runs(limit=20, name=None)``: newest first: run_id, name, inventory, started, finished, status,
  courts, results (count). ``run(run_id)``: one run with its results, or None.
  ``courts()``: {court: inventory data of its most recent run}.
  ``court_results(court, since=None, activity=None)``: results of a court, oldest first, with findings.
  ``latest(court)`` / ``latest_all(courts)``: {activity: newest result} / {court: {activity: result}}.
  ``last_success(activity, courts)``: {court: newest ok/warning result of the activity}.
  ``last_cycles(courts, skip=("watch",), depth=10)``: {court: {run name: {"run_id", "status", "started",
  "finished"}}}, the newest of the last ``depth`` runs of each name that reached the court, with its
  worst status there.
  ``runs_stamp(skip=())``: changes whenever a run is recorded, replaced or pruned (for readers that cache).
  ``open_findings(court)`` / ``open_findings_all(courts)``: findings of the newest result of each
  activity, worst first, with ``first_seen`` and ``occurrences``.
  ``series(activity, fields, courts, since)``: {court: [{"t", "status", "duration_s", <field>...}]},
  the values of ``outputs.<field>`` over time (plots).
  ``findings_per_day(courts, since)``: {court: {"YYYY-MM-DD": count}}.
  ``known_good_windows(court, activities, rules)`` / ``known_good_windows_all(courts, ...)``: when the
  site was last seen whole: {"windows": [{"after", "before"}], "first_seen", "last_clean"} (a remediation
  restores only a snapshot taken inside a window).
  ``finding_counts(courts, since, activity)``: {court: [{"activity", "rule", "severity", "count",
  "first", "last", "message"}]}.
  ``status_counts(courts, since)``: {court: {activity: {status: count}}}.
  ``samples(courts, since, until)``: {court: [sample]} oldest first; ``iter_samples(courts, since)``: the
  same, ordered by court, read as consumed; ``last_samples(courts)``: {court: its newest sample}.
  ``troubleshooting(court=None, since=None)`` / ``troubleshooting_all(courts, since)``: records,
  oldest first, with ``within_standard`` (True/False, None for a relative standard time) and ``notes``
  (what people did, oldest first); ``since`` keeps records started since then or worked on since then.
  ``known_court(court)``; ``problems(court, open_only=True)``; ``find_problem(court, key)``: the problem a
  record id or rule id names (an open finding of that rule gets a W7 record), or None.
  ``acknowledgements_all(courts)``: {court: acknowledgements, oldest first}.
  ``deliveries_all(courts, since)``: {court: report deliveries (SOP W5), oldest first}.
  ``renewal_steps_all(courts)``: {court: {item id: steps, oldest first}}.
  ``close()``; the store is also a context manager.

Results and findings are plain dicts; timestamps are ISO 8601 strings in UTC
(``2026-11-23T09:30:00+00:00``); ``outputs`` and ``evidence`` are any JSON value.

A run record (as ``sopansible.runner`` builds it)::

    {"run_id": "...", "name": "harian", "inventory": "...", "started": ISO, "finished": ISO,
     "status": "ok", "courts": {court: {inventory data, no secrets}},
     "results": [{"court", "activity", "status", "summary", "started", "finished", "duration_s",
                  "outputs": {...}, "findings": [{"rule", "severity", "message", "evidence"}], "error"}]}
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.inventory import court_contract as _contract
from ansible_collections.pn.website.plugins.module_utils.renewals import renewal_workflow as _workflow
from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as _sop
from sopansible import records as _records
from sopansible import storedb as _storedb

# The scales of the SOP result format (defined once, in the shared module), unreachable included.
STATUSES = _sop.RUN_STATUSES
STATUS_RANK = _sop.STATUS_RANK
SEVERITIES = _sop.SEVERITIES
SEVERITY_RANK = _sop.SEVERITY_RANK
#: who acknowledges a court's report (SOP W5): the Secretary, or the Kasubbag on the Secretary's behalf
ACK_ROLES = ("sekretaris", "kasubbag")


#: Days of history kept by default: a year's recap (IT-RECAP) and its comparison month always have their data.
HISTORY_DAYS_DEFAULT = 400
HISTORY_DAYS_SETTING = "SOPANSIBLE_HISTORY_DAYS"


#: A run or record that cannot be stored, or a database this version cannot use (also a PostgreSQL
#: server that cannot be reached or went away: the message names it without its password).
StoreError = _storedb.StoreError


# Schema migrations, applied in order; the database's PRAGMA user_version (the table schema_version on
# PostgreSQL) is the number applied. Never edit a released migration: append a new one, in SQLite's
# types (INTEGER PRIMARY KEY, INTEGER, REAL, TEXT), which sopansible.storedb translates for PostgreSQL.
MIGRATIONS: list[tuple[str, tuple[str, ...]]] = [
    (
        "runs, results, findings, courts",
        (
            """CREATE TABLE runs (
                run_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                inventory TEXT,
                started TEXT NOT NULL,
                finished TEXT,
                status TEXT NOT NULL,
                courts_json TEXT NOT NULL DEFAULT '{}',
                recorded TEXT NOT NULL
            )""",
            "CREATE INDEX runs_started ON runs (started)",
            """CREATE TABLE results (
                id INTEGER PRIMARY KEY,
                run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
                court TEXT NOT NULL,
                activity TEXT NOT NULL,
                status TEXT NOT NULL,
                summary TEXT,
                started TEXT NOT NULL,
                finished TEXT,
                duration_s REAL,
                outputs_json TEXT NOT NULL DEFAULT '{}',
                error TEXT
            )""",
            "CREATE INDEX results_run ON results (run_id)",
            "CREATE INDEX results_court ON results (court, activity, started)",
            """CREATE TABLE findings (
                id INTEGER PRIMARY KEY,
                result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
                run_id TEXT NOT NULL,
                court TEXT NOT NULL,
                activity TEXT NOT NULL,
                started TEXT NOT NULL,
                rule TEXT NOT NULL,
                severity TEXT NOT NULL,
                message TEXT,
                evidence_json TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX findings_result ON findings (result_id)",
            "CREATE INDEX findings_court ON findings (court, started)",
            """CREATE TABLE courts (
                court TEXT PRIMARY KEY,
                data_json TEXT NOT NULL,
                run_id TEXT,
                seen TEXT NOT NULL
            )""",
        ),
    ),
    (
        "troubleshooting records",
        (
            """CREATE TABLE troubleshooting (
                id INTEGER PRIMARY KEY,
                court TEXT NOT NULL,
                activity TEXT NOT NULL,
                problem TEXT NOT NULL,
                evidence_json TEXT NOT NULL DEFAULT 'null',
                actions_json TEXT NOT NULL DEFAULT '[]',
                who TEXT,
                third_party_json TEXT NOT NULL DEFAULT 'null',
                started TEXT NOT NULL,
                finished TEXT,
                duration_s REAL,
                standard_time TEXT,
                outcome TEXT NOT NULL,
                finding_rule TEXT,
                run_id TEXT,
                recorded TEXT NOT NULL
            )""",
            "CREATE INDEX troubleshooting_court ON troubleshooting (court, started)",
        ),
    ),
    (
        "notification state",
        (
            # One row per problem (court + rule + target) and channel: what was last sent, so that a
            # problem is announced once until it changes, clears or comes back.
            """CREATE TABLE notifications (
                key TEXT NOT NULL,
                channel TEXT NOT NULL,
                court TEXT NOT NULL,
                activity TEXT NOT NULL,
                rule TEXT NOT NULL,
                target TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                state TEXT NOT NULL,
                message TEXT,
                run_id TEXT,
                sent TEXT NOT NULL,
                PRIMARY KEY (key, channel)
            )""",
            "CREATE INDEX notifications_court ON notifications (court, state)",
        ),
    ),
    (
        "notification first seen",
        # When a problem was first announced (kept while it stays open, also when it changes): the
        # webhook payload's first_seen.
        ("ALTER TABLE notifications ADD COLUMN first_seen TEXT",),
    ),
    (
        "work done by people: acknowledgements, troubleshooting notes, renewal steps",
        (
            # The Secretary's (or Kasubbag's) acknowledgement of a court's report (SOP W5).
            """CREATE TABLE acknowledgements (
                id INTEGER PRIMARY KEY,
                court TEXT NOT NULL,
                who TEXT NOT NULL,
                role TEXT NOT NULL,
                acknowledged TEXT NOT NULL,
                note TEXT,
                document TEXT,
                recorded TEXT NOT NULL
            )""",
            "CREATE INDEX acknowledgements_court ON acknowledgements (court, acknowledged)",
            # What staff or a third party did about a problem (SOP W7), the trail of a troubleshooting record.
            """CREATE TABLE troubleshooting_notes (
                id INTEGER PRIMARY KEY,
                troubleshooting_id INTEGER NOT NULL REFERENCES troubleshooting (id) ON DELETE CASCADE,
                court TEXT NOT NULL,
                at TEXT NOT NULL,
                who TEXT NOT NULL,
                action TEXT NOT NULL,
                party TEXT,
                ticket TEXT,
                resolved INTEGER NOT NULL DEFAULT 0,
                recorded TEXT NOT NULL
            )""",
            "CREATE INDEX troubleshooting_notes_record ON troubleshooting_notes (troubleshooting_id, at)",
            # The renewal of a service by people (SOP W4): invoice, requested, paid, renewed.
            """CREATE TABLE renewal_steps (
                id INTEGER PRIMARY KEY,
                court TEXT NOT NULL,
                item TEXT NOT NULL,
                stage TEXT NOT NULL,
                day TEXT NOT NULL,
                who TEXT NOT NULL,
                amount REAL,
                document TEXT,
                paid_until TEXT,
                note TEXT,
                recorded TEXT NOT NULL
            )""",
            "CREATE INDEX renewal_steps_item ON renewal_steps (court, item, id)",
        ),
    ),
    (
        "watch samples",
        (
            # One row per court and round of `sopansible watch` (W1 every few minutes): the measured
            # availability, and the outages still open after the round ({target: {since, rounds,
            # reason}}), from which a restarted watch resumes and the reports draw incidents.
            """CREATE TABLE samples (
                id INTEGER PRIMARY KEY,
                court TEXT NOT NULL,
                at TEXT NOT NULL,
                reachable INTEGER,
                http_status INTEGER,
                response_ms REAL,
                reason TEXT,
                error TEXT,
                rules_json TEXT NOT NULL DEFAULT '[]',
                outages_json TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX samples_court ON samples (court, at)",
        ),
    ),
    (
        "report deliveries",
        (
            # One row per attempt to send a court's report (SOP W5: the situation report, the monthly
            # recap) to one recipient the inventory names: a period is sent once per recipient, and
            # W5's status and delay come from these rows.
            """CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY,
                court TEXT NOT NULL,
                report TEXT NOT NULL,
                period TEXT NOT NULL,
                channel TEXT NOT NULL,
                recipient TEXT NOT NULL,
                name TEXT,
                role TEXT,
                status TEXT NOT NULL,
                error TEXT,
                generated TEXT,
                attempted TEXT NOT NULL
            )""",
            "CREATE INDEX deliveries_court ON deliveries (court, report, period)",
        ),
    ),
    (
        "controller state",
        (
            # What a job leaves for the next one (STATE_KINDS): one JSON value per kind and court (or
            # run name), so that a job in a fresh container continues where the last one stopped.
            """CREATE TABLE controller_state (
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                value_json TEXT NOT NULL,
                updated TEXT NOT NULL,
                PRIMARY KEY (kind, name)
            )""",
        ),
    ),
]
#: the reports sent to a court's recipients (SOP W5): the situation report and the monthly recap
DELIVERY_REPORTS = ("situasi", "rekap")
#: sending: claimed by a delivery run that has not finished yet (another run leaves it alone for a while)
DELIVERY_STATES = ("sending", "sent", "failed")
SCHEMA_VERSION = len(MIGRATIONS)

#: What the controller keeps between jobs (table controller_state): kind -> (the JSON type of a value,
#: the largest value kept, in bytes of JSON text). ``monitor``: W1's probe state of a court (content
#: fingerprint, link / sitemap / robots.txt baselines, probe history); ``renewals``: the W4 renewal
#: thresholds already announced for a court; ``retry``: the courts still to redo after a run, by run name.
STATE_KINDS: dict[str, tuple[type, int]] = {
    "monitor": (dict, 4 * 1024 * 1024),
    "renewals": (dict, 256 * 1024),
    "retry": (list, 1024 * 1024),
}
#: the name a retry list is kept under: the run's name as a slug (``harian``, ``sop-monitor``)
_RUN_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")


def default_path() -> Path:
    from sopansible.paths import data_dir

    return data_dir() / "history.sqlite"


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def history_days(environ: Mapping[str, str] | None = None) -> int:
    """Days of history to keep, from ``SOPANSIBLE_HISTORY_DAYS`` (default 400; 0 keeps everything)."""
    text = (os.environ if environ is None else environ).get(HISTORY_DAYS_SETTING, "").strip()
    if not text:
        return HISTORY_DAYS_DEFAULT
    if not text.isdigit() or int(text) > 36500:
        raise StoreError(
            f"{HISTORY_DAYS_SETTING}={text[:40]!r}: harus jumlah hari 0-36500 (0 = simpan semua)"
            f" / must be a number of days 0-36500 (0 keeps everything)"
        )
    return int(text)


def to_iso(value: Any, what: str = "time") -> str:
    """Normalise a timestamp (ISO text, 'Z' suffix allowed, or datetime) to ISO 8601 UTC seconds."""
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, _dt.date):
        moment = _dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise StoreError(
                f"{what}: '{value}' bukan waktu ISO 8601 (contoh 2026-11-23T09:30:00+00:00)"
            ) from None
    else:
        raise StoreError(f"{what}: waktu ISO 8601 diperlukan, bukan {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).replace(microsecond=0).isoformat()


def parse_iso(value: str | None) -> _dt.datetime | None:
    if not value:
        return None
    return _dt.datetime.fromisoformat(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None:
        return default
    return json.loads(text)


def _courts_param(courts: Iterable[str] | None) -> str | None:
    if courts is None:
        return None
    if isinstance(courts, str):
        courts = [courts]
    return json.dumps(list(courts))


# ``? IS NULL OR court IN (...)``: one parameter (a JSON array) filters any number of courts.
_SEVERITY_CASE = (
    "CASE severity "
    + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in SEVERITY_RANK.items())
    + " ELSE 2 END"
)
_COURT_FILTER = "(:courts IS NULL OR {col} IN (SELECT value FROM json_each(:courts)))"


class HistoryStore:
    """History of SOP runs in SQLite or PostgreSQL. See the module documentation for the interface."""

    backend = "sqlite"

    def __init__(self, path: str | Path | None = None, timeout: float = 30.0) -> None:
        """Open (and migrate) the history: ``path`` (a file, or a ``postgresql://`` URL), else the
        ``SOPANSIBLE_DB`` setting, else ``$SOPANSIBLE_DATA/history.sqlite``."""
        self.timeout = timeout
        chosen = _storedb.target(path)
        if _storedb.is_postgres(chosen):
            self._open_postgres(str(chosen).strip(), timeout)
            return
        self.backend = "sqlite"
        self._sql = _storedb.SQLITE
        self.path = Path(chosen) if chosen is not None else default_path()
        self.where = str(self.path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"basis data riwayat tidak dapat dibuka: {self.path}: {exc}") from None
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._retry(lambda: self._conn.execute("PRAGMA journal_mode = WAL").fetchone())
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(
                f"{self.path} bukan basis data riwayat sopansible yang dapat dipakai: {exc}"
            ) from None

    def _open_postgres(self, url: str, timeout: float) -> None:
        self.backend = "postgresql"
        self._sql = _storedb.POSTGRES
        self.path = None
        self.where = _storedb.mask(url)
        self._conn = _storedb.PostgresConnection(url, timeout)  # a StoreError naming it when it cannot
        try:
            self._migrate()
        except StoreError:
            self._conn.close()
            raise
        except self._conn.error as exc:
            message = self._conn.explain(exc)
            self._conn.close()
            raise StoreError(message) from None

    # -- plumbing ----------------------------------------------------------------------------------------
    def _retry(self, func):
        """Run ``func``, retrying while another process holds a lock the busy handler cannot wait for
        (e.g. switching to WAL while another connection opens the file)."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return func()
            except sqlite3.OperationalError as exc:
                transient = "locked" in str(exc) or "busy" in str(exc)
                if not transient or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the database's one write lock (read-check-write is safe in it)."""
        if self.backend == "postgresql":
            self._conn.begin_write()
        else:
            self._retry(lambda: self._conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self._conn
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        if self.backend == "postgresql":
            return self._conn.user_version()
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _set_schema_version(self, version: int) -> None:
        if self.backend == "postgresql":
            self._conn.set_user_version(version)
        else:
            self._conn.execute(f"PRAGMA user_version = {int(version)}")

    def _migrate(self) -> None:
        if self.schema_version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.where}: versi skema {self.schema_version} lebih baru dari yang dikenal"
                f" sopansible ini ({SCHEMA_VERSION}); perbarui sopansible"
            )
        if self.schema_version == SCHEMA_VERSION:
            return
        with self._write() as conn:
            current = self.schema_version  # re-read under the write lock: another process may have migrated
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1][1]:
                    conn.execute(statement)
                self._set_schema_version(version)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------------------
    def record_run(self, run: Mapping[str, Any]) -> bool:
        """Store a run and all its results. Recording a run_id again replaces the earlier record.
        Returns True when the run was not stored before."""
        row, results = _normalise_run(run)
        with self._write() as conn:
            existed = conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (row["run_id"],)).fetchone()
            if existed:
                conn.execute("DELETE FROM findings WHERE run_id = ?", (row["run_id"],))
                conn.execute("DELETE FROM results WHERE run_id = ?", (row["run_id"],))
                conn.execute("DELETE FROM runs WHERE run_id = ?", (row["run_id"],))
            conn.execute(
                "INSERT INTO runs (run_id, name, inventory, started, finished, status, courts_json, recorded)"
                " VALUES (:run_id, :name, :inventory, :started, :finished, :status, :courts_json, :recorded)",
                row,
            )
            # Ids are handed out here, under the write lock, so that results and findings go in with
            # one executemany each.
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM results").fetchone()[0]
            findings = []
            for offset, result in enumerate(results):
                result["id"] = next_id + offset
                for finding in result["findings"]:
                    findings.append(
                        (
                            result["id"],
                            row["run_id"],
                            result["court"],
                            result["activity"],
                            result["started"],
                            finding["rule"],
                            finding["severity"],
                            finding["message"],
                            finding["evidence_json"],
                        )
                    )
            conn.executemany(
                "INSERT INTO results (id, run_id, court, activity, status, summary, started, finished,"
                " duration_s, outputs_json, error) VALUES (:id, :run_id, :court, :activity, :status, "
                ":summary,"
                " :started, :finished, :duration_s, :outputs_json, :error)",
                results,
            )
            conn.executemany(
                "INSERT INTO findings (result_id, run_id, court, activity, started, rule, severity, message,"
                " evidence_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                findings,
            )
            conn.executemany(
                "INSERT INTO courts (court, data_json, run_id, seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (court) DO UPDATE SET data_json = excluded.data_json, run_id = excluded.run_id,"
                " seen = excluded.seen WHERE excluded.seen >= courts.seen",
                [
                    (court, _dumps(data), row["run_id"], row["started"])
                    for court, data in row["courts"].items()
                ],
            )
            self._insert_run_troubleshooting(conn, run, row["run_id"])
        return not existed

    _INSERT_TROUBLESHOOTING = (
        "INSERT INTO troubleshooting (court, activity, problem, evidence_json, actions_json, who,"
        " third_party_json, started, finished, duration_s, standard_time, outcome, finding_rule, run_id,"
        " recorded) VALUES (:court, :activity, :problem, :evidence_json, :actions_json, :who,"
        " :third_party_json, :started, :finished, :duration_s, :standard_time, :outcome, :finding_rule,"
        " :run_id, :recorded)"
    )

    def _insert_run_troubleshooting(
        self, conn: sqlite3.Connection, run: Mapping[str, Any], run_id: str
    ) -> None:
        """Troubleshooting records carried by results (``result["troubleshooting"]``, SOP W6/W7), with
        court, activity and run_id filled in from the result. Recording the run again adds none twice."""
        for index, result in enumerate(run.get("results") or []):
            records = result.get("troubleshooting") if isinstance(result, Mapping) else None
            if not records:
                continue
            if not isinstance(records, list):
                raise StoreError(f"run {run_id}: results[{index}].troubleshooting harus berupa daftar")
            for record in records:
                if not isinstance(record, Mapping):
                    raise StoreError(f"run {run_id}: results[{index}].troubleshooting: catatan harus dict")
                full = {"court": result.get("court"), "activity": result.get("activity"), **record}
                full["run_id"] = run_id
                full.setdefault("started", result.get("started"))
                full.setdefault("finished", result.get("finished"))
                row = self._normalise_troubleshooting(full)
                duplicate = conn.execute(
                    "SELECT 1 FROM troubleshooting WHERE run_id = :run_id AND court = :court"
                    " AND activity = :activity AND problem = :problem AND started = :started",
                    row,
                ).fetchone()
                if not duplicate:
                    conn.execute(self._INSERT_TROUBLESHOOTING, row)

    def add_troubleshooting(self, record: Mapping[str, Any]) -> int:
        """Store a troubleshooting record (SOP W6/W7). Fields: court, problem (required); activity [W7];
        evidence (JSON); actions (list of text); who; third_party (name or {role, name, ...}); started
        [now]; finished; duration_s [finished - started]; standard_time [the court's standard time of
        the activity]; outcome [in_progress] (resolved | escalated | in_progress | unresolved);
        finding_rule; run_id. Returns the record id."""
        row = self._normalise_troubleshooting(record)
        with self._write() as conn:
            return int(conn.execute(self._INSERT_TROUBLESHOOTING, row).lastrowid)

    def prune(self, before: Any) -> int:
        """Delete runs (with their results and findings) that started before ``before``; returns the
        number of runs removed. Troubleshooting records are kept: they are the W6/W7 record."""
        cutoff = to_iso(before, "before")
        with self._write() as conn:
            conn.execute(
                "DELETE FROM findings WHERE run_id IN (SELECT run_id FROM runs WHERE started < ?)", (cutoff,)
            )
            conn.execute(
                "DELETE FROM results WHERE run_id IN (SELECT run_id FROM runs WHERE started < ?)", (cutoff,)
            )
            return conn.execute("DELETE FROM runs WHERE started < ?", (cutoff,)).rowcount

    def prune_expired(self, days: int | None = None, now: Any = None) -> int:
        """Apply the retention: delete runs and watch samples older than ``days`` (default
        :func:`history_days`) before ``now`` (default: the current time). Returns the number of runs
        removed; 0 days keeps all."""
        days = history_days() if days is None else days
        if days <= 0:
            return 0
        now = _dt.datetime.now(_dt.UTC) if now is None else _dt.datetime.fromisoformat(to_iso(now))
        cutoff = now - _dt.timedelta(days=days)
        self.prune_samples(cutoff)
        with self._write() as conn:
            conn.execute("DELETE FROM deliveries WHERE attempted < ?", (to_iso(cutoff),))
        return self.prune(cutoff)

    # -- work done by people (SOP W4, W5, W7) -------------------------------------------------------------
    def known_court(self, court: str) -> bool:
        """Whether the history knows the court (a run or a troubleshooting record named it)."""
        return bool(
            self._conn.execute(
                "SELECT 1 FROM courts WHERE court = :c"
                " UNION ALL SELECT 1 FROM troubleshooting WHERE court = :c LIMIT 1",
                {"c": court},
            ).fetchone()
        )

    def add_acknowledgement(self, record: Mapping[str, Any]) -> int:
        """The Secretary's (or Kasubbag's) acknowledgement of a court's report (SOP W5): court, who, role
        (sekretaris | kasubbag), acknowledged [now], note, document (the signed PDF's path, kept as text).
        Returns the record id."""
        row = {
            "court": _records.name(record.get("court"), "court"),
            "who": _records.name(record.get("who"), "who"),
            "role": str(record.get("role") or "sekretaris"),
            "acknowledged": to_iso(record.get("acknowledged") or now_iso(), "acknowledged"),
            "note": _records.free_text(record.get("note"), "note"),
            "document": _records.document(record.get("document"), "document", _records.PDF, must_exist=False),
            "recorded": now_iso(),
        }
        if row["role"] not in ACK_ROLES:
            raise StoreError(
                f"acknowledgement: role '{row['role']}' harus salah satu dari {', '.join(ACK_ROLES)}"
            )
        with self._write() as conn:
            return int(
                conn.execute(
                    "INSERT INTO acknowledgements (court, who, role, acknowledged, note, document, recorded)"
                    " VALUES (:court, :who, :role, :acknowledged, :note, :document, :recorded)",
                    row,
                ).lastrowid
            )

    def acknowledgements_all(self, courts: Iterable[str] | None = None) -> dict[str, list[dict]]:
        """{court: acknowledgements, oldest first}: id, who, role, acknowledged, note, document."""
        rows = self._conn.execute(
            "SELECT id, court, who, role, acknowledged, note, document FROM acknowledgements WHERE "
            + _COURT_FILTER.format(col="court")
            + " ORDER BY acknowledged, id",
            {"courts": _courts_param(courts)},
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(row["court"], []).append(dict(row))
        return out

    def problems(self, court: str, open_only: bool = True) -> list[dict]:
        """The court's troubleshooting records (not resolved ones with ``open_only``), oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM troubleshooting WHERE court = :court AND (:all = 1 OR outcome != 'resolved')"
            " ORDER BY started, id",
            {"court": court, "all": 0 if open_only else 1},
        ).fetchall()
        return self._with_notes(rows)

    def find_problem(self, court: str, key: str) -> dict | None:
        """The problem ``key`` names for a court: a troubleshooting record id, or a rule id (the newest
        unresolved record of that rule; else the court's open finding of that rule as a W7 record still
        to be stored, with ``id`` None, that started when the current episode of the finding was first
        seen). None when nothing matches."""
        key = str(key).strip()
        if key.isdigit():
            row = self._conn.execute(
                "SELECT * FROM troubleshooting WHERE id = ? AND court = ?", (int(key), court)
            ).fetchall()
            return self._with_notes(row)[0] if row else None
        rows = self._conn.execute(
            "SELECT * FROM troubleshooting WHERE court = ? AND finding_rule = ? AND outcome != 'resolved'"
            " ORDER BY started DESC, id DESC LIMIT 1",
            (court, key),
        ).fetchall()
        if rows:
            return self._with_notes(rows)[0]
        for finding in self.open_findings(court):
            if finding["rule"] == key:
                # Not stored yet: add_troubleshooting_note opens the record together with its first note.
                return {
                    "id": None,
                    "court": court,
                    "activity": "W7",
                    "problem": finding.get("message") or key,
                    "finding_rule": key,
                    "evidence": finding.get("evidence"),
                    "started": self._streak_start(court, finding["activity"], key) or finding["started"],
                    "run_id": finding.get("run_id"),
                    "outcome": "in_progress",
                    "notes": [],
                }
        return None

    def _streak_start(self, court: str, activity: str, rule: str, limit: int = 5000) -> str | None:
        """When the current episode of a finding began: the oldest of the newest results of the activity
        that hold the rule, back to the last result that checked and did not (failed or unreachable
        results saw nothing either way). An earlier episode that was over does not count."""
        rows = self._conn.execute(
            "SELECT r.started, r.status, EXISTS (SELECT 1 FROM findings f WHERE f.result_id = r.id"
            " AND f.rule = :rule) AS found FROM results r WHERE r.court = :court AND r.activity = :activity"
            " ORDER BY r.started DESC, r.id DESC LIMIT :limit",
            {"court": court, "activity": activity, "rule": rule, "limit": limit},
        ).fetchall()
        start = None
        for row in rows:
            if row["found"]:
                start = row["started"]
            elif row["status"] not in ("failed", "unreachable"):
                break
        return start

    def add_troubleshooting_note(self, record_id: int | Mapping[str, Any], note: Mapping[str, Any]) -> dict:
        """Add to a troubleshooting record what staff or a third party did (SOP W7): who, action, at [now],
        party (e.g. ISP, PANDI, the hosting provider), ticket (ticket number or contact), resolved. A
        resolved note closes the problem: outcome ``resolved``, finished at the note's time, duration from
        the problem's start; a note naming a party on a problem not yet resolved marks it ``escalated``. A
        diagnosed problem (W6) that people work on becomes W7 work, measured against W7's standard time.
        ``record_id`` may also be a record :meth:`find_problem` returned without an id: it is stored with
        the note, in one transaction. Returns the record with its notes."""
        opening = None
        if isinstance(record_id, Mapping):
            opening = record_id if record_id.get("id") is None else None
            record_id = record_id.get("id") or 0
        row = {
            "troubleshooting_id": int(record_id),
            "who": _records.name(note.get("who"), "who"),
            "action": _records.free_text(note.get("action"), "action", required=True),
            "party": _records.optional_name(note.get("party"), "party"),
            "ticket": _records.optional_name(note.get("ticket"), "ticket"),
            "at": to_iso(note.get("at") or now_iso(), "at"),
            "resolved": 1 if note.get("resolved") else 0,
            "recorded": now_iso(),
        }
        if row["ticket"]:
            row["ticket"] = _redact.redact_text(row["ticket"])
        with self._write() as conn:
            if opening is not None:
                # Under the write lock: a record another note opened meanwhile is used, not a second one.
                found = conn.execute(
                    "SELECT id FROM troubleshooting WHERE court = ? AND finding_rule = ?"
                    " AND outcome != 'resolved' ORDER BY started DESC, id DESC LIMIT 1",
                    (opening["court"], opening["finding_rule"]),
                ).fetchone()
                if found is None:
                    if row["at"] < to_iso(opening["started"], "started"):
                        raise StoreError(
                            f"at: {row['at']} lebih awal dari mulainya masalah ({opening['started']})"
                        )
                    found = (
                        conn.execute(
                            self._INSERT_TROUBLESHOOTING, self._normalise_troubleshooting(opening)
                        ).lastrowid,
                    )
                row["troubleshooting_id"] = record_id = int(found[0])
            record = conn.execute(
                "SELECT * FROM troubleshooting WHERE id = ?", (row["troubleshooting_id"],)
            ).fetchone()
            if record is None:
                raise StoreError(f"catatan troubleshooting {record_id} tidak ada")
            if record["outcome"] == "resolved":
                raise StoreError(
                    f"masalah {record_id} ({record['court']}) sudah selesai pada {record['finished']}"
                )
            if row["at"] < record["started"]:
                raise StoreError(
                    f"at: {row['at']} lebih awal dari mulainya masalah {record_id} ({record['started']})"
                )
            row["court"] = record["court"]
            conn.execute(
                "INSERT INTO troubleshooting_notes (troubleshooting_id, court, at, who, action, party,"
                " ticket, resolved, recorded) VALUES (:troubleshooting_id, :court, :at, :who, :action,"
                " :party, :ticket, :resolved, :recorded)",
                row,
            )
            # The record's own performer and third party, when the automated record had none.
            conn.execute(
                "UPDATE troubleshooting SET who = COALESCE(who, ?), third_party_json = CASE WHEN"
                " third_party_json = 'null' AND ? IS NOT NULL THEN ? ELSE third_party_json END WHERE id = ?",
                (row["who"], row["party"], _dumps(row["party"]), record["id"]),
            )
            if record["activity"] == "W6":
                # People now carry the diagnosed problem out (W7): its time is measured against W7's.
                conn.execute(
                    "UPDATE troubleshooting SET activity = 'W7', standard_time = ? WHERE id = ?",
                    (self._court_standard_time(record["court"], "W7"), record["id"]),
                )
            if row["resolved"]:
                duration = (parse_iso(row["at"]) - parse_iso(record["started"])).total_seconds()
                conn.execute(
                    "UPDATE troubleshooting SET outcome = 'resolved', finished = ?, duration_s = ?"
                    " WHERE id = ?",
                    (row["at"], duration, record["id"]),
                )
            elif row["party"]:
                conn.execute("UPDATE troubleshooting SET outcome = 'escalated' WHERE id = ?", (record["id"],))
        return self.find_problem(record["court"], str(record["id"]))

    def add_renewal_step(self, court: str, item: str, step: Mapping[str, Any]) -> dict:
        """Record a step of an item's renewal (SOP W4: invoice, requested, paid, renewed; see the
        ``renewal_workflow`` engine), refused when out of order. Returns the step as stored."""
        court = _records.name(court, "court")
        item = _records.name(item, "item")
        clean = {
            "stage": step.get("stage"),
            "date": step.get("date"),
            "who": _records.name(step.get("who"), "who"),
            "amount": step.get("amount"),
            "document": _records.document(step.get("document"), "document", must_exist=False),
            "paid_until": step.get("paid_until"),
            "note": _records.free_text(step.get("note"), "note"),
        }
        with self._write() as conn:
            earlier = [
                _renewal_step(row)
                for row in conn.execute(
                    "SELECT * FROM renewal_steps WHERE court = ? AND item = ? ORDER BY id", (court, item)
                ).fetchall()
            ]
            checked = _workflow.check_step(item, earlier, clean)
            conn.execute(
                "INSERT INTO renewal_steps (court, item, stage, day, who, amount, document, paid_until,"
                " note, recorded) VALUES (:court, :item, :stage, :date, :who, :amount, :document,"
                " :paid_until, :note, :recorded)",
                dict(checked, court=court, item=item, recorded=now_iso()),
            )
        return checked

    def renewal_steps_all(self, courts: Iterable[str] | None = None) -> dict[str, dict[str, list[dict]]]:
        """{court: {item id: renewal steps, oldest first}} (the W4 checks read the paid-until date here)."""
        rows = self._conn.execute(
            "SELECT * FROM renewal_steps WHERE "
            + _COURT_FILTER.format(col="court")
            + " ORDER BY court, item, id",
            {"courts": _courts_param(courts)},
        ).fetchall()
        out: dict[str, dict[str, list[dict]]] = {}
        for row in rows:
            out.setdefault(row["court"], {}).setdefault(row["item"], []).append(_renewal_step(row))
        return out

    # -- report deliveries (SOP W5, sopansible.delivery) ---------------------------------------------------
    def record_delivery(self, record: Mapping[str, Any]) -> int:
        """One attempt to send a court's report to one recipient: court, report (situasi | rekap),
        period, channel, recipient, name, role, status (sending | sent | failed), error, generated (when
        the report sent was written), attempted [now]. Returns the record id."""
        with self._write() as conn:
            return self._insert_delivery(conn, record)

    def _insert_delivery(self, conn: sqlite3.Connection, record: Mapping[str, Any]) -> int:
        row = {
            "court": _records.name(record.get("court"), "court"),
            "report": str(record.get("report") or ""),
            "period": _records.name(record.get("period"), "period"),
            "channel": _records.name(record.get("channel"), "channel"),
            "recipient": _records.name(record.get("recipient"), "recipient"),
            "name": _records.optional_name(record.get("name"), "name"),
            "role": _records.optional_name(record.get("role"), "role"),
            "status": str(record.get("status") or ""),
            "error": _records.free_text(record.get("error"), "error"),
            "generated": to_iso(record["generated"], "generated") if record.get("generated") else None,
            "attempted": to_iso(record.get("attempted") or now_iso(), "attempted"),
        }
        if row["report"] not in DELIVERY_REPORTS or row["status"] not in DELIVERY_STATES:
            raise StoreError(
                f"pengiriman laporan: report '{row['report']}' / status '{row['status']}' tidak dikenal"
            )
        return int(
            conn.execute(
                "INSERT INTO deliveries (court, report, period, channel, recipient, name, role, status,"
                " error, generated, attempted) VALUES (:court, :report, :period, :channel, :recipient,"
                " :name, :role, :status, :error, :generated, :attempted)",
                row,
            ).lastrowid
        )

    def claim_delivery(self, record: Mapping[str, Any], stale_after_s: float = 3600.0) -> int | None:
        """Claim the sending of a report to one recipient (the fields of :meth:`record_delivery`, status
        ``sending``): None when it was sent already, or another run claimed it less than
        ``stale_after_s`` seconds ago; else the id of the new record, to pass to
        :meth:`finish_delivery`. Checked and written in one transaction: two runs at once send once."""
        now = parse_iso(to_iso(record.get("attempted") or now_iso(), "attempted")) or _dt.datetime.now(
            _dt.UTC
        )
        fresh = (now - _dt.timedelta(seconds=stale_after_s)).isoformat()
        key = {k: record.get(k) for k in ("court", "report", "period", "channel", "recipient")}
        with self._write() as conn:
            taken = conn.execute(
                "SELECT 1 FROM deliveries WHERE court = :court AND report = :report AND period = :period"
                " AND channel = :channel AND recipient = :recipient"
                " AND (status = 'sent' OR (status = 'sending' AND attempted >= :fresh))",
                dict(key, fresh=fresh),
            ).fetchone()
            if taken:
                return None
            return self._insert_delivery(conn, dict(record, status="sending"))

    def finish_delivery(self, record_id: int, status: str, error: str | None = None) -> None:
        """The outcome of a claimed delivery: ``sent``, or ``failed`` with the reason."""
        if status not in ("sent", "failed"):
            raise StoreError(f"pengiriman laporan: status '{status}' harus sent atau failed")
        with self._write() as conn:
            conn.execute(
                "UPDATE deliveries SET status = :status, error = :error, attempted = :now"
                " WHERE id = :id AND status = 'sending'",
                {
                    "status": status,
                    "error": _records.free_text(error, "error"),
                    "now": now_iso(),
                    "id": record_id,
                },
            )

    def deliveries_all(self, courts: Iterable[str] | None = None, since: Any = None) -> dict[str, list[dict]]:
        """{court: delivery attempts, oldest first} (attempted at or after ``since``, if given)."""
        rows = self._conn.execute(
            "SELECT * FROM deliveries WHERE "
            + _COURT_FILTER.format(col="court")
            + " AND (:since IS NULL OR attempted >= :since) ORDER BY attempted, id",
            {"courts": _courts_param(courts), "since": to_iso(since, "since") if since else None},
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(row["court"], []).append(dict(row))
        return out

    # -- watch samples (sopansible.watch) ------------------------------------------------------------------
    def record_samples(self, samples: Iterable[Mapping[str, Any]]) -> int:
        """Store the samples of one watch round in one transaction: court, at (ISO), reachable (True,
        False or None for "not measured"), http_status, response_ms, reason, error, rules (finding rules
        seen), outages ({target: {"since", "rounds", "reason"}} still open), depth (light or full probe;
        optional, kept with the rules). Returns the number stored."""
        rows = [_normalise_sample(sample, index) for index, sample in enumerate(samples)]
        if not rows:
            return 0
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO samples (court, at, reachable, http_status, response_ms, reason, error,"
                " rules_json, outages_json) VALUES (:court, :at, :reachable, :http_status, :response_ms,"
                " :reason, :error, :rules_json, :outages_json)",
                rows,
            )
        return len(rows)

    def samples(
        self, courts: Iterable[str] | None = None, since: Any = None, until: Any = None
    ) -> dict[str, list[dict]]:
        """{court: [sample, ...]} oldest first, in ``since <= at < until`` (either may be None)."""
        rows = self._conn.execute(
            "SELECT * FROM samples WHERE " + _COURT_FILTER.format(col="court") + ""
            " AND (:since IS NULL OR at >= :since) AND (:until IS NULL OR at < :until) ORDER BY at, id",
            {
                "courts": _courts_param(courts),
                "since": to_iso(since, "since") if since else None,
                "until": to_iso(until, "until") if until else None,
            },
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(row["court"], []).append(_sample(row))
        return out

    def iter_samples(self, courts: Iterable[str] | None = None, since: Any = None) -> Iterator[dict]:
        """Samples ordered by court, then time, read as they are consumed (reports over a month)."""
        cursor = self._conn.execute(
            "SELECT * FROM samples WHERE " + _COURT_FILTER.format(col="court") + ""
            " AND (:since IS NULL OR at >= :since) ORDER BY court, at, id",
            {"courts": _courts_param(courts), "since": to_iso(since, "since") if since else None},
        )
        for row in cursor:
            yield _sample(row)

    def last_samples(self, courts: Iterable[str] | None = None) -> dict[str, dict]:
        """{court: its newest sample} (one query for the fleet): where a restarted watch resumes."""
        rows = self._conn.execute(
            "SELECT * FROM samples WHERE id IN (SELECT MAX(id) FROM samples WHERE "
            + _COURT_FILTER.format(col="court")
            + " GROUP BY court)",
            {"courts": _courts_param(courts)},
        ).fetchall()
        return {row["court"]: _sample(row) for row in rows}

    def prune_samples(self, before: Any) -> int:
        """Delete watch samples taken before ``before``; returns how many."""
        cutoff = to_iso(before, "before")
        with self._write() as conn:
            return conn.execute("DELETE FROM samples WHERE at < ?", (cutoff,)).rowcount

    # -- notification state (sopansible.notify) ------------------------------------------------------------
    def notification_state(self, channel: str | None = None, state: str | None = None) -> list[dict]:
        """Notification records, oldest first: key, channel, court, activity, rule, target, fingerprint,
        state ("open" or "resolved"), message, run_id, sent (ISO time), first_seen (ISO time: when the
        problem was first announced; None in records of older versions)."""
        rows = self._conn.execute(
            "SELECT * FROM notifications WHERE (:channel IS NULL OR channel = :channel)"
            " AND (:state IS NULL OR state = :state) ORDER BY sent, key, channel",
            {"channel": channel, "state": state},
        ).fetchall()
        return [dict(row) for row in rows]

    def mark_notified(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Remember what was sent (one record per problem and channel; replaces the earlier record of
        the same key and channel). Returns the number of records written."""
        rows = []
        for record in records:
            for name in ("key", "channel", "court", "rule", "fingerprint", "state"):
                if not isinstance(record.get(name), str) or not record[name]:
                    raise StoreError(f"catatan notifikasi: '{name}' wajib diisi (teks)")
            if record["state"] not in ("open", "resolved"):
                raise StoreError(f"catatan notifikasi: state '{record['state']}' harus open atau resolved")
            rows.append(
                {
                    "key": record["key"],
                    "channel": record["channel"],
                    "court": record["court"],
                    "activity": str(record.get("activity") or ""),
                    "rule": record["rule"],
                    "target": str(record.get("target") or ""),
                    "fingerprint": record["fingerprint"],
                    "state": record["state"],
                    "message": None if record.get("message") is None else str(record["message"]),
                    "run_id": record.get("run_id"),
                    "sent": to_iso(record.get("sent") or now_iso(), "notifications.sent"),
                    "first_seen": (
                        to_iso(record["first_seen"], "notifications.first_seen")
                        if record.get("first_seen")
                        else None
                    ),
                }
            )
        if not rows:
            return 0
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO notifications (key, channel, court, activity, rule, target,"
                " fingerprint, state, message, run_id, sent, first_seen) VALUES (:key, :channel, :court,"
                " :activity, :rule, :target, :fingerprint, :state, :message, :run_id, :sent, :first_seen)"
                " ON CONFLICT (key, channel) DO UPDATE SET court = excluded.court,"
                " activity = excluded.activity, rule = excluded.rule, target = excluded.target,"
                " fingerprint = excluded.fingerprint,"
                " state = excluded.state, message = excluded.message, run_id = excluded.run_id,"
                " sent = excluded.sent, first_seen = excluded.first_seen",
                rows,
            )
        return len(rows)

    # -- controller state: what a job leaves for the next one (STATE_KINDS) -----------------------------
    def state(self, kind: str, names: Iterable[str] | None = None) -> dict[str, Any]:
        """{name: value} of the state of ``kind`` kept for ``names`` (None: every name); a name with no
        state kept is left out. A value that does not read back as the kind's JSON type is left out too
        (it is written again by the next job)."""
        expected, _cap = _state_kind(kind)
        rows = self._conn.execute(
            "SELECT name, value_json FROM controller_state WHERE kind = :kind AND "
            + _COURT_FILTER.format(col="name"),
            {"kind": kind, "courts": _courts_param(names)},
        ).fetchall()
        found = {}
        for row in rows:
            try:
                value = json.loads(row["value_json"])
            except ValueError:
                continue
            if isinstance(value, expected):
                found[row["name"]] = value
        return found

    def put_state(self, kind: str, values: Mapping[str, Any]) -> int:
        """Keep ``{name: value}`` as the state of ``kind``, replacing what each name had, in one
        transaction. Every name and value is checked first (:func:`_state_row`): one that cannot be kept
        raises StoreError naming the kind and the name, and nothing is written. Returns the count."""
        updated = now_iso()
        rows = [_state_row(kind, name, value, updated) for name, value in values.items()]
        if rows:
            with self._write() as conn:
                conn.executemany(_UPSERT_STATE, rows)
        return len(rows)

    def update_state(self, kind: str, name: str, change: Any) -> Any:
        """Read, change and write one state value in one transaction (several jobs at once, e.g. AWX
        job slices, each see the other's change): ``change(current)`` gets the value kept (None when
        there is none) and returns the new one. Returns the new value."""
        expected, _cap = _state_kind(kind)
        _state_name(kind, name)
        with self._write() as conn:
            row = conn.execute(
                "SELECT value_json FROM controller_state WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()
            current = None
            if row is not None:
                try:
                    current = json.loads(row["value_json"])
                except ValueError:
                    current = None
                if not isinstance(current, expected):
                    current = None
            value = change(current)
            conn.execute(_UPSERT_STATE, _state_row(kind, name, value, now_iso()))
        return value

    def _normalise_troubleshooting(self, record: Mapping[str, Any]) -> dict:
        if not isinstance(record, Mapping):
            raise StoreError("catatan troubleshooting harus berupa dict")
        for key in ("court", "problem"):
            if not isinstance(record.get(key), str) or not record[key].strip():
                raise StoreError(f"catatan troubleshooting: '{key}' wajib diisi (teks)")
        started = to_iso(record.get("started") or now_iso(), "troubleshooting.started")
        finished = to_iso(record["finished"], "troubleshooting.finished") if record.get("finished") else None
        duration = record.get("duration_s")
        if duration is None and finished:
            duration = (parse_iso(finished) - parse_iso(started)).total_seconds()
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int | float)
            or not math.isfinite(duration)
            or duration < 0
        ):
            raise StoreError(f"catatan troubleshooting: duration_s harus angka >= 0, bukan {duration!r}")
        actions = record.get("actions") or []
        if isinstance(actions, str):
            actions = [actions]
        if not isinstance(actions, list):
            raise StoreError("catatan troubleshooting: 'actions' harus berupa daftar langkah")
        activity = str(record.get("activity") or "W7")
        standard = record.get("standard_time")
        if standard is None:
            standard = self._court_standard_time(record["court"], activity)
        outcome = str(record.get("outcome") or "in_progress")
        return {
            "court": record["court"],
            "activity": activity,
            "problem": record["problem"],
            "evidence_json": _dumps(_clean_json(record.get("evidence"), "evidence", {})),
            "actions_json": _dumps([str(a) for a in actions]),
            "who": record.get("who"),
            "third_party_json": _dumps(record.get("third_party")),
            "started": started,
            "finished": finished,
            "duration_s": float(duration) if duration is not None else None,
            "standard_time": standard,
            "outcome": outcome,
            "finding_rule": record.get("finding_rule"),
            "run_id": record.get("run_id"),
            "recorded": now_iso(),
        }

    def _court_standard_time(self, court: str, activity: str) -> str | None:
        from sopansible import catalogue

        row = self._conn.execute("SELECT data_json FROM courts WHERE court = ?", (court,)).fetchone()
        try:
            cat = catalogue.for_court(_loads(row[0], {}) if row else {}, court)
            found = cat.get(activity)
        except catalogue.CatalogueError:
            found = catalogue.load().get(activity)
        return found.waktu.text if found else None

    # -- reading -----------------------------------------------------------------------------------------
    def runs(self, limit: int | None = 20, name: str | None = None) -> list[dict]:
        rows = self._conn.execute(
            "SELECT r.run_id, r.name, r.inventory, r.started, r.finished, r.status, r.courts_json,"
            " (SELECT COUNT(*) FROM results x WHERE x.run_id = r.run_id) AS results"
            " FROM runs r WHERE (:name IS NULL OR r.name = :name) ORDER BY "
            + self._sql.run_order
            + " LIMIT :limit",
            {"name": name, "limit": 2**62 if limit is None else max(0, int(limit))},
        ).fetchall()
        out = []
        for row in rows:
            item = dict(row)
            item["courts"] = sorted(_loads(item.pop("courts_json"), {}))
            out.append(item)
        return out

    def run(self, run_id: str) -> dict | None:
        row = self._conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        item = dict(row)
        item["courts"] = _loads(item.pop("courts_json"), {})
        item.pop("recorded", None)
        rows = self._conn.execute("SELECT * FROM results WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
        item["results"] = self._with_findings(rows)
        return item

    def courts(self) -> dict[str, dict]:
        """Inventory data of every court as of its most recent run."""
        rows = self._conn.execute("SELECT court, data_json FROM courts ORDER BY court").fetchall()
        return {row["court"]: _loads(row["data_json"], {}) for row in rows}

    def court_results(self, court: str, since: Any = None, activity: str | None = None) -> list[dict]:
        rows = self._conn.execute(
            "SELECT * FROM results WHERE court = :court AND (:since IS NULL OR started >= :since)"
            " AND (:activity IS NULL OR activity = :activity) ORDER BY started, id",
            {"court": court, "since": to_iso(since, "since") if since else None, "activity": activity},
        ).fetchall()
        return self._with_findings(rows)

    def latest(self, court: str) -> dict[str, dict]:
        return self.latest_all([court]).get(court, {})

    @property
    def _LATEST(self) -> str:  # noqa: N802 - reads as the SQL constant it was
        """The newest result per court and activity (of ``:courts``)."""
        return (
            "SELECT * FROM results WHERE id IN ("
            + self._sql.newest_ids(_COURT_FILTER.format(col="court"), "court, activity")
            + ")"
        )

    def latest_all(self, courts: Iterable[str] | None = None) -> dict[str, dict[str, dict]]:
        """The newest result of every activity of every court (or of ``courts``), with findings."""
        params = {"courts": _courts_param(courts)}
        rows = self._conn.execute(self._LATEST, params).fetchall()
        findings = self._conn.execute(
            "WITH latest AS ("
            + self._LATEST
            + ") SELECT f.* FROM findings f JOIN latest l ON f.result_id = l.id"
            " ORDER BY f.id",
            params,
        ).fetchall()
        out: dict[str, dict[str, dict]] = {}
        for result in self._with_findings(rows, findings):
            out.setdefault(result["court"], {})[result["activity"]] = result
        return out

    def last_success(self, activity: str, courts: Iterable[str] | None = None) -> dict[str, dict]:
        """{court: newest result of ``activity`` that ended ok or warning} (e.g. the last good backup,
        however old), without findings."""
        rows = self._conn.execute(
            "SELECT * FROM results WHERE id IN ("
            + self._sql.newest_ids(
                "activity = :activity AND status IN ('ok', 'warning') AND "
                + _COURT_FILTER.format(col="court"),
                "court",
            )
            + ")",
            {"activity": activity, "courts": _courts_param(courts)},
        ).fetchall()
        return {row["court"]: _result(row, []) for row in rows}

    def last_cycles(
        self, courts: Iterable[str] | None = None, skip: Iterable[str] = ("watch",), depth: int = 10
    ) -> dict[str, dict]:
        """{court: {run name: {"run_id", "status", "started", "finished"}}}: among the newest ``depth`` runs
        of each name (``harian``, ``mingguan``...), the newest that has results of the court, with the
        court's worst status in it. Runs named in ``skip`` (the watch's W1 results) are left out. Reads
        only those runs' results (the runs table is small; a year of results is not)."""
        rows = self._conn.execute(
            "WITH recent AS (SELECT r.run_id, r.name, r.started, r.finished, ROW_NUMBER() OVER"
            f" (PARTITION BY r.name ORDER BY {self._sql.run_order}) AS k FROM runs r WHERE r.name NOT IN"
            " (SELECT value FROM json_each(:skip)))"
            " SELECT r.court, u.name, u.run_id, u.started, u.finished, r.status FROM recent u"
            " JOIN results r ON r.run_id = u.run_id WHERE u.k <= :depth AND "
            + _COURT_FILTER.format(col="r.court")
            + " ORDER BY u.k",
            {"skip": _dumps(list(skip)), "courts": _courts_param(courts), "depth": int(depth)},
        ).fetchall()
        out: dict[str, dict] = {}
        statuses: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            runs = out.setdefault(row["court"], {})
            found = runs.setdefault(
                row["name"], {"run_id": row["run_id"], "started": row["started"], "finished": row["finished"]}
            )
            if found["run_id"] == row["run_id"]:  # the newest run of this name that reached the court
                statuses.setdefault((row["court"], row["name"]), []).append(row["status"])
        for (court, name), found in statuses.items():
            out[court][name]["status"] = _sop.worst(found)
        return out

    def runs_stamp(self, skip: Iterable[str] = ()) -> str:
        """A stamp that changes whenever a run (not named in ``skip``) is recorded, replaced or pruned: what
        readers that cache what the runs say compare (one query over the small runs table)."""
        # portable (no rowid): the count and the newest recording time; only a run replaced within the
        # second it was recorded goes unseen (readers re-read hourly anyway)
        row = self._conn.execute(
            "SELECT COUNT(*), MAX(recorded) FROM runs WHERE name NOT IN (SELECT value FROM json_each(?))",
            (_dumps(list(skip)),),
        ).fetchone()
        return "|".join(str(value) for value in row)

    def open_findings(self, court: str) -> list[dict]:
        return self.open_findings_all([court]).get(court, [])

    def open_findings_all(self, courts: Iterable[str] | None = None) -> dict[str, list[dict]]:
        """Findings still present in the newest result of their activity, worst first, each with
        ``first_seen`` (first time the rule was found for the court) and ``occurrences``."""
        params = {"courts": _courts_param(courts)}
        rows = self._conn.execute(
            "WITH latest AS (" + self._LATEST + "),"
            " history AS (SELECT court, activity, rule, MIN(started) AS first_seen, COUNT(*) AS occurrences"
            " FROM findings WHERE " + _COURT_FILTER.format(col="court") + " GROUP BY court, activity, rule)"
            " SELECT f.*, h.first_seen, h.occurrences FROM findings f JOIN latest l ON f.result_id = l.id"
            " JOIN history h ON h.court = f.court AND h.activity = f.activity AND h.rule = f.rule"
            " ORDER BY f.court, f.id",
            params,
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            out.setdefault(row["court"], []).append(_finding(row, extra=("first_seen", "occurrences")))
        for items in out.values():
            items.sort(key=lambda f: -SEVERITY_RANK.get(f["severity"], 2))
        return out

    def open_finding_starts(self, courts: Iterable[str] | None = None) -> dict[str, dict[tuple, str]]:
        """{court: {(activity, rule): when the current episode of the open finding began}}, one query for
        the fleet, by the rule of :meth:`_streak_start`: back to the last result of the activity that
        checked and did not hold the rule (a finding that came back counts from its return, not from its
        ``first_seen``)."""
        rows = self._conn.execute(
            "WITH latest AS (" + self._LATEST + ")"
            " SELECT f.court, f.activity, f.rule, (SELECT MIN(r.started) FROM results r"
            " WHERE r.court = f.court AND r.activity = f.activity AND r.started > COALESCE("
            "(SELECT MAX(c.started) FROM results c WHERE c.court = f.court AND c.activity = f.activity"
            " AND c.started < f.started AND c.status NOT IN ('failed', 'unreachable')"
            " AND NOT EXISTS (SELECT 1 FROM findings x WHERE x.result_id = c.id AND x.rule = f.rule)), '')"
            " AND EXISTS (SELECT 1 FROM findings y WHERE y.result_id = r.id AND y.rule = f.rule)) AS since"
            " FROM findings f JOIN latest l ON f.result_id = l.id",
            {"courts": _courts_param(courts)},
        ).fetchall()
        out: dict[str, dict[tuple, str]] = {}
        for row in rows:
            out.setdefault(row["court"], {})[(row["activity"], row["rule"])] = row["since"]
        return out

    def known_good_windows(
        self, court: str, activities: Iterable[str], rules: Iterable[str], **options: Any
    ) -> dict:
        return self.known_good_windows_all([court], activities, rules, **options).get(
            court, {"windows": [], "first_seen": None, "last_clean": None}
        )

    def known_good_windows_all(
        self,
        courts: Iterable[str] | None,
        activities: Iterable[str],
        rules: Iterable[str],
        unclear: Iterable[str] = (),
        seen: Sequence[str] = ("$.reachable", "$.evidence.probe.reachable"),
        limit: int = 2000,
        keep: int = 10,
    ) -> dict[str, dict]:
        """When each court's site was last known whole, from the checks in the history (one query).

        A result of ``activities`` is *dirty* when it holds one of ``rules`` (in its findings, or among the
        problems it started from, ``outputs.problems``: a remediation that found them), *clean* when it ended
        ok or warning, holds none of ``rules`` or ``unclear`` and shows that the site was reached (one of the
        ``seen`` JSON paths of its outputs is true); any other result saw nothing either way.

        A snapshot is known good when the first check after it was clean. Returns {court: {"windows":
        [{"after", "before"}], "first_seen", "last_clean"}}: the windows are the stretches between a check
        that was not clean (or the start of the history: None) and the last clean check of a run of clean
        ones, newest first (at most ``keep``); ``first_seen`` is the start of the first dirty result since
        the last clean one (the current problem's first sighting; None when the newest check was clean),
        ``last_clean`` the start of the newest clean result. Only the newest ``limit`` results of a court are
        read; what came before them counts as unknown. Times are ISO 8601 UTC.
        """
        rows = self._conn.execute(
            "SELECT * FROM (SELECT r.court, r.started, r.finished, r.status,"
            " ROW_NUMBER() OVER (PARTITION BY r.court ORDER BY r.started DESC, r.id DESC) AS n,"
            " EXISTS (SELECT 1 FROM findings f WHERE f.result_id = r.id"
            "  AND f.rule IN (SELECT value FROM json_each(:rules))) AS dirty,"
            " "
            + self._sql.json_list_ids("r.outputs_json", "$.problems", "id", ":rules")
            + " AS dirty_before,"
            " EXISTS (SELECT 1 FROM findings f WHERE f.result_id = r.id"
            "  AND f.rule IN (SELECT value FROM json_each(:unclear))) AS unclear,"
            " EXISTS (SELECT 1 FROM (SELECT value FROM json_each(:seen)) AS s"
            "  WHERE " + self._sql.json_path_true("r.outputs_json", "s.value") + ") AS seen"
            " FROM results r WHERE r.activity IN (SELECT value FROM json_each(:activities)) AND "
            + _COURT_FILTER.format(col="r.court")
            + ") AS checks WHERE n <= :limit ORDER BY court, n DESC",
            {
                "courts": _courts_param(courts),
                "activities": json.dumps(list(activities)),
                "rules": json.dumps(list(rules)),
                "unclear": json.dumps(list(unclear)),
                "seen": json.dumps([self._sql.path(path) for path in seen]),
                "limit": int(limit),
            },
        ).fetchall()
        by_court: dict[str, list] = {}
        for row in rows:
            by_court.setdefault(row["court"], []).append(row)
        return {court: _known_good(found, int(limit), keep) for court, found in by_court.items()}

    def series(
        self,
        activity: str,
        fields: Sequence[str] = (),
        courts: Iterable[str] | None = None,
        since: Any = None,
    ) -> dict[str, list[dict]]:
        """Values of ``outputs.<field>`` (dotted paths allowed) of one activity over time, per court,
        oldest first; each point also has ``t`` (start), ``status`` and ``duration_s``. JSON booleans
        come back as 1/0, objects and lists as JSON text."""
        # A row written before values were checked may hold NaN, which SQLite's JSON functions reject:
        # such a row gives nulls instead of failing the whole query (every court's report).
        columns = "".join(
            f", {self._sql.json_path('outputs_json', f':f{i}')} AS f{i}" for i in range(len(fields))
        )
        params: dict[str, Any] = {f"f{i}": self._sql.path("$." + name) for i, name in enumerate(fields)}
        params.update(
            activity=activity, courts=_courts_param(courts), since=to_iso(since, "since") if since else None
        )
        rows = self._conn.execute(
            "SELECT court, started, status, duration_s" + columns + " FROM results WHERE activity = :activity"
            " AND (:since IS NULL OR started >= :since) AND "
            + _COURT_FILTER.format(col="court")
            + " ORDER BY court,"
            " started, id",
            params,
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            point = {"t": row["started"], "status": row["status"], "duration_s": row["duration_s"]}
            for i, name in enumerate(fields):
                point[name] = self._sql.json_value(row[f"f{i}"])
            out.setdefault(row["court"], []).append(point)
        return out

    def findings_per_day(
        self, courts: Iterable[str] | None = None, since: Any = None
    ) -> dict[str, dict[str, int]]:
        rows = self._conn.execute(
            "SELECT court, substr(started, 1, 10) AS day, COUNT(*) AS n FROM findings"
            " WHERE (:since IS NULL OR started >= :since) AND " + _COURT_FILTER.format(col="court") + ""
            " GROUP BY court, day ORDER BY court, day",
            {"courts": _courts_param(courts), "since": to_iso(since, "since") if since else None},
        ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for row in rows:
            out.setdefault(row["court"], {})[row["day"]] = row["n"]
        return out

    def finding_counts(
        self, courts: Iterable[str] | None = None, since: Any = None, activity: str | None = None
    ) -> dict[str, list[dict]]:
        """Findings per rule since a time: {court: [{"activity", "rule", "severity", "count", "first",
        "last", "message"}]}, most frequent first (e.g. the weekly attack-pattern review)."""
        rows = self._conn.execute(
            "SELECT court, activity, rule, MAX("
            + _SEVERITY_CASE
            + ") AS severity_rank, COUNT(*) AS count, MIN(started) AS first,"
            " MAX(started) AS last, MAX(message) AS message FROM findings"
            " WHERE (:since IS NULL OR started >= :since) AND (:activity IS NULL OR activity = :activity)"
            " AND " + _COURT_FILTER.format(col="court") + " GROUP BY court, activity, rule"
            " ORDER BY court, count DESC, rule",
            {
                "courts": _courts_param(courts),
                "since": to_iso(since, "since") if since else None,
                "activity": activity,
            },
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for row in rows:
            item = {k: row[k] for k in ("activity", "rule", "count", "first", "last", "message")}
            item["severity"] = SEVERITIES[row["severity_rank"]]
            out.setdefault(row["court"], []).append(item)
        return out

    def status_counts(self, courts: Iterable[str] | None = None, since: Any = None) -> dict[str, dict]:
        """How often each activity ended in each status: {court: {activity: {status: n}}}."""
        rows = self._conn.execute(
            "SELECT court, activity, status, COUNT(*) AS n FROM results WHERE (:since IS NULL OR started "
            ">= :since)"
            " AND " + _COURT_FILTER.format(col="court") + " GROUP BY court, activity, status",
            {"courts": _courts_param(courts), "since": to_iso(since, "since") if since else None},
        ).fetchall()
        out: dict[str, dict] = {}
        for row in rows:
            out.setdefault(row["court"], {}).setdefault(row["activity"], {})[row["status"]] = row["n"]
        return out

    # A record belongs to a period when it started in it, or when people worked on it in it (a problem
    # that began before the period and was handled by staff or a third party during it).
    _IN_PERIOD = (
        "(:since IS NULL OR started >= :since OR id IN"
        " (SELECT troubleshooting_id FROM troubleshooting_notes WHERE at >= :since))"
    )

    def troubleshooting(self, court: str | None = None, since: Any = None) -> list[dict]:
        rows = self._conn.execute(
            "SELECT * FROM troubleshooting WHERE (:court IS NULL OR court = :court)"
            " AND " + self._IN_PERIOD + " ORDER BY started, id",
            {"court": court, "since": to_iso(since, "since") if since else None},
        ).fetchall()
        return self._with_notes(rows)

    def troubleshooting_all(
        self, courts: Iterable[str] | None = None, since: Any = None
    ) -> dict[str, list[dict]]:
        rows = self._conn.execute(
            "SELECT * FROM troubleshooting WHERE " + _COURT_FILTER.format(col="court") + ""
            " AND " + self._IN_PERIOD + " ORDER BY started, id",
            {"courts": _courts_param(courts), "since": to_iso(since, "since") if since else None},
        ).fetchall()
        out: dict[str, list[dict]] = {}
        for record in self._with_notes(rows):
            out.setdefault(record["court"], []).append(record)
        return out

    def _with_notes(self, rows: Sequence[sqlite3.Row]) -> list[dict]:
        """Troubleshooting records with their notes (what people did, oldest first), one query."""
        records = [_troubleshooting(row) for row in rows]
        if not records:
            return records
        notes = self._conn.execute(
            "SELECT * FROM troubleshooting_notes WHERE troubleshooting_id IN"
            " (SELECT CAST(value AS INTEGER) FROM json_each(?))"
            " ORDER BY at, id",
            (json.dumps([r["id"] for r in records]),),
        ).fetchall()
        by_record: dict[int, list[dict]] = {}
        for note in notes:
            by_record.setdefault(note["troubleshooting_id"], []).append(
                {
                    "at": note["at"],
                    "who": note["who"],
                    "action": note["action"],
                    "party": note["party"],
                    "ticket": note["ticket"],
                    "resolved": bool(note["resolved"]),
                }
            )
        for record in records:
            record["notes"] = by_record.get(record["id"], [])
        return records

    def _with_findings(
        self, rows: Sequence[sqlite3.Row], findings: Sequence[sqlite3.Row] | None = None
    ) -> list:
        if findings is None and rows:
            ids = json.dumps([row["id"] for row in rows])
            findings = self._conn.execute(
                "SELECT * FROM findings WHERE result_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"
                " ORDER BY id",
                (ids,),
            ).fetchall()
        by_result: dict[int, list[dict]] = {}
        for row in findings or ():
            by_result.setdefault(row["result_id"], []).append(_finding(row))
        return [_result(row, by_result.get(row["id"], [])) for row in rows]


def _result(row: sqlite3.Row, findings: list[dict]) -> dict:
    return {
        "id": row["id"],
        "run_id": row["run_id"],
        "court": row["court"],
        "activity": row["activity"],
        "status": row["status"],
        "summary": row["summary"],
        "started": row["started"],
        "finished": row["finished"],
        "duration_s": row["duration_s"],
        "outputs": _loads(row["outputs_json"], {}),
        "findings": findings,
        "error": row["error"],
    }


def _finding(row: sqlite3.Row, extra: Sequence[str] = ()) -> dict:
    item = {
        "court": row["court"],
        "activity": row["activity"],
        "run_id": row["run_id"],
        "started": row["started"],
        "rule": row["rule"],
        "severity": row["severity"],
        "message": row["message"],
        "evidence": _loads(row["evidence_json"], {}),
    }
    for key in extra:
        item[key] = row[key]
    return item


MAX_SAMPLE_TEXT = 300
SAMPLE_DEPTHS = ("light", "full")  # of the watch's probe (site_probe.DEPTHS)


def _sample(row: sqlite3.Row) -> dict:
    # rules_json: the rules seen, or {"rules", "depth"} when the sample says how deep the probe looked
    rules = _loads(row["rules_json"], [])
    depth = rules.get("depth") if isinstance(rules, dict) else None
    return {
        "court": row["court"],
        "at": row["at"],
        "reachable": None if row["reachable"] is None else bool(row["reachable"]),
        "http_status": row["http_status"],
        "response_ms": row["response_ms"],
        "reason": row["reason"],
        "error": row["error"],
        "rules": rules.get("rules", []) if isinstance(rules, dict) else rules,
        "outages": _loads(row["outages_json"], {}),
        "depth": depth,
    }


def _normalise_sample(sample: Any, index: int) -> dict:
    """A sample as a row; the text a probed site chose (error, reasons) is bounded and redacted."""
    where = f"samples[{index}]"
    if not isinstance(sample, Mapping) or not isinstance(sample.get("court"), str) or not sample["court"]:
        raise StoreError(f"{where}: 'court' wajib diisi (teks)")
    reachable = sample.get("reachable")
    if reachable is not None and not isinstance(reachable, bool):
        raise StoreError(f"{where}: reachable harus true, false atau null, bukan {reachable!r}")
    problems: dict[str, str] = {}
    numbers = {}
    for name in ("http_status", "response_ms"):
        numbers[name], _ok = _clean_number(sample.get(name))
    outages = _clean_json(sample.get("outages") or {}, f"{where}.outages", problems)
    rules: Any = [str(rule)[:64] for rule in (sample.get("rules") or [])][:50]
    depth = sample.get("depth")
    if depth is not None:
        if depth not in SAMPLE_DEPTHS:
            raise StoreError(
                f"{where}: depth harus salah satu dari {', '.join(SAMPLE_DEPTHS)}, bukan {depth!r}"
            )
        rules = {"rules": rules, "depth": depth}
    return {
        "court": sample["court"],
        "at": to_iso(sample.get("at"), f"{where}: at"),
        "reachable": None if reachable is None else int(reachable),
        "http_status": numbers["http_status"],
        "response_ms": numbers["response_ms"],
        "reason": _short(sample.get("reason")),
        "error": _short(sample.get("error")),
        "rules_json": _dumps(rules),
        "outages_json": _dumps(outages if isinstance(outages, Mapping) else {}),
    }


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = _redact.redact_text(" ".join(str(value).split()))
    return text if len(text) <= MAX_SAMPLE_TEXT else text[: MAX_SAMPLE_TEXT - 1] + "…"


def _troubleshooting(row: sqlite3.Row) -> dict:
    from sopansible.catalogue import CatalogueError, parse_duration

    within = None
    if row["standard_time"]:
        try:
            within = parse_duration(row["standard_time"]).within(row["duration_s"])
        except CatalogueError:
            within = None
    return {
        "id": row["id"],
        "court": row["court"],
        "activity": row["activity"],
        "problem": row["problem"],
        "evidence": _loads(row["evidence_json"]),
        "actions": _loads(row["actions_json"], []),
        "who": row["who"],
        "third_party": _loads(row["third_party_json"]),
        "started": row["started"],
        "finished": row["finished"],
        "duration_s": row["duration_s"],
        "standard_time": row["standard_time"],
        "within_standard": within,
        "outcome": row["outcome"],
        "finding_rule": row["finding_rule"],
        "run_id": row["run_id"],
    }


def _renewal_step(row: sqlite3.Row) -> dict:
    return {
        "stage": row["stage"],
        "date": row["day"],
        "who": row["who"],
        "amount": int(row["amount"])
        if row["amount"] is not None and float(row["amount"]).is_integer()
        else row["amount"],
        "document": row["document"],
        "paid_until": row["paid_until"],
        "note": row["note"],
    }


def _known_good(rows: Sequence[sqlite3.Row], limit: int, keep: int) -> dict:
    """The known-good windows of one court from its checks, oldest first (see known_good_windows_all)."""
    truncated = len(rows) >= limit
    windows: list[dict] = []
    previous_end: str | None = None  # end of the newest earlier check that saw something
    first_seen = last_clean = None
    for row in rows:
        dirty = bool(row["dirty"] or row["dirty_before"])
        clean = not dirty and not row["unclear"] and row["seen"] and row["status"] in ("ok", "warning")
        if not dirty and not clean:
            continue
        if clean:
            if windows and windows[-1]["open"]:
                windows[-1]["before"] = row["started"]
            else:
                # Before the oldest result read the history is unknown: the window starts at that result.
                after = previous_end if previous_end or not truncated else row["started"]
                windows.append({"after": after, "before": row["started"], "open": True})
            last_clean, first_seen = row["started"], None
        else:
            if windows:
                windows[-1]["open"] = False
            if first_seen is None:
                first_seen = row["started"]
        previous_end = row["finished"] or row["started"]
    newest_first = [
        {"after": w["after"], "before": w["before"]}
        for w in reversed(windows)
        if w["after"] is None or w["after"] < w["before"]
    ]
    return {"windows": newest_first[: max(0, keep)], "first_seen": first_seen, "last_clean": last_clean}


# Output fields that reports, charts and sorting compute with: stored as a number or null, whatever
# a court or a run sent. Booleans likewise. A value that is neither is dropped and flagged.
NUMERIC_OUTPUTS = (
    "response_ms",
    "ttfb_ms",
    "size_bytes",
    "bandwidth_bytes",
    "bytes",
    "data_added",
    "files",
    "days_left",
    "tls_days_left",
    "content_age_days",
    "http_status",
    "availability_pct",
)
BOOLEAN_OUTPUTS = ("available", "reachable", "tls_valid", "keyword_found")
INVALID_RULE = "result-invalid"
MAX_DEPTH = 64


def _clean_number(value: Any) -> tuple[Any, bool]:
    """(a finite int/float or None, whether the value was usable); numeric text becomes a number."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return value, True
    if isinstance(value, float):
        return (value, True) if math.isfinite(value) else (None, False)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None, False
        if math.isfinite(number):
            return (int(number) if number.is_integer() and "." not in value else number), True
    return None, False


def _clean_json(value: Any, where: str, problems: dict[str, str], depth: int = 0) -> Any:
    """``value`` as strict JSON for the store: credentials in text masked (the ``redact`` engine),
    NaN and infinities (which SQLite's JSON functions reject) replaced by null, nesting bounded."""
    if isinstance(value, str):
        return _redact.redact_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        problems[where] = repr(value)
        return None
    if depth >= MAX_DEPTH and isinstance(value, Mapping | list | tuple):
        problems[where] = f"lebih dari {MAX_DEPTH} tingkat"
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean_json(v, f"{where}.{k}", problems, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v, f"{where}[{i}]", problems, depth + 1) for i, v in enumerate(value)]
    return value


def _clean_outputs(outputs: Any, problems: dict[str, str]) -> Any:
    outputs = _clean_json(outputs, "outputs", problems)
    if not isinstance(outputs, dict):
        return outputs
    for name in NUMERIC_OUTPUTS:
        if name in outputs:
            number, ok = _clean_number(outputs[name])
            if not ok:
                problems[f"outputs.{name}"] = _show(outputs[name])
            outputs[name] = number
    for name in BOOLEAN_OUTPUTS:
        value = outputs.get(name)
        if name in outputs and value is not None and not isinstance(value, bool):
            if isinstance(value, int) and value in (0, 1):
                outputs[name] = bool(value)
            else:
                problems[f"outputs.{name}"] = _show(value)
                outputs[name] = None
    return outputs


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _invalid_finding(activity: str, problems: dict[str, str]) -> dict:
    """The finding that flags values a result sent but the store could not use."""
    listed = "; ".join(f"{field} = {value}" for field, value in list(problems.items())[:10])
    return {
        "rule": INVALID_RULE,
        "severity": "low",
        "message": f"Nilai tidak sah di hasil {activity} diabaikan (harus angka, ya/tidak atau JSON "
        f"biasa): {listed}.",
        "evidence_json": _dumps({"fields": dict(list(problems.items())[:50])}),
    }


_UPSERT_STATE = (
    "INSERT INTO controller_state (kind, name, value_json, updated) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (kind, name) DO UPDATE SET value_json = excluded.value_json, updated = excluded.updated"
)


def _state_kind(kind: Any) -> tuple[type, int]:
    if kind not in STATE_KINDS:
        raise StoreError(
            f"status pengendali: jenis {str(kind)[:40]!r} tidak dikenal / controller state: unknown kind"
            f" (known: {', '.join(STATE_KINDS)})"
        )
    return STATE_KINDS[kind]


def _state_name(kind: str, name: Any) -> str:
    """A court's inventory host name (a retry list: its run's name as a slug, ``harian``)."""
    valid = _RUN_SLUG.fullmatch(name) if kind == "retry" and isinstance(name, str) else None
    if kind != "retry":
        valid = _contract.is_host_name(name)
    if not valid:
        raise StoreError(
            f"status pengendali {kind}: nama {str(name)[:80]!r} tidak sah / controller state {kind}:"
            f" {str(name)[:80]!r} is not a valid {'run name' if kind == 'retry' else 'court host name'}"
        )
    return name


def check_state(kind: str, name: Any, value: Any) -> None:
    """Raise StoreError (naming the kind and the name) when the value cannot be kept as state."""
    _state_row(kind, name, value, "")


def _state_row(kind: str, name: Any, value: Any, updated: str) -> tuple[str, str, str, str]:
    """The row of one state value, checked: a known kind, a valid name, a value of the kind's JSON type
    (a retry list: court host names) within the kind's size."""
    expected, cap = _state_kind(kind)
    _state_name(kind, name)
    where = f"status pengendali / controller state {kind} {name}"
    if not isinstance(value, expected):
        raise StoreError(f"{where}: {expected.__name__} diperlukan / a {expected.__name__} is needed")
    if kind == "retry":
        bad = [court for court in value if not _contract.is_host_name(court)]
        if bad:
            raise StoreError(f"{where}: {str(bad[0])[:80]!r} bukan nama host / is not a court host name")
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise StoreError(f"{where}: bukan JSON / not JSON: {str(error)[:200]}") from None
    size = len(text.encode("utf-8"))
    if size > cap:
        raise StoreError(
            f"{where}: {size} byte, lebih dari batas {cap} / {size} bytes, more than the limit of {cap}"
        )
    return (kind, name, text, updated)


def _normalise_run(run: Mapping[str, Any]) -> tuple[dict, list[dict]]:
    if not isinstance(run, Mapping):
        raise StoreError(f"catatan run harus berupa dict, bukan {type(run).__name__}")
    run_id = run.get("run_id")
    if not isinstance(run_id, str) or not run_id.strip():
        raise StoreError("catatan run: 'run_id' wajib diisi (teks)")
    where = f"run {run_id}"
    name = run.get("name")
    if not isinstance(name, str) or not name:
        raise StoreError(f"{where}: 'name' wajib diisi (siklus atau nama playbook)")
    started = to_iso(run.get("started"), f"{where}: started")
    finished = to_iso(run["finished"], f"{where}: finished") if run.get("finished") else None
    courts = run.get("courts") or {}
    if not isinstance(courts, Mapping):
        raise StoreError(f"{where}: 'courts' harus berupa dict nama pengadilan -> data inventori")
    raw_results = run.get("results") or []
    if not isinstance(raw_results, list):
        raise StoreError(f"{where}: 'results' harus berupa daftar")
    results = []
    for index, result in enumerate(raw_results):
        results.append(_normalise_result(result, f"{where}: results[{index}]", run_id, started))
    status = run.get("status") or _sop.worst(r["status"] for r in results)
    if status not in STATUS_RANK:
        raise StoreError(f"{where}: status '{status}' tidak dikenal; pilihan: {', '.join(STATUSES)}")
    courts = {
        str(k): (_clean_json(dict(v), "courts", {}) if isinstance(v, Mapping) else {})
        for k, v in courts.items()
    }
    for result in results:
        courts.setdefault(result["court"], {})
    row = {
        "run_id": run_id,
        "name": name,
        "inventory": str(run["inventory"]) if run.get("inventory") is not None else None,
        "started": started,
        "finished": finished,
        "status": status,
        "courts": courts,
        "courts_json": _dumps(courts),
        "recorded": now_iso(),
    }
    return row, results


def _normalise_result(result: Any, where: str, run_id: str, run_started: str) -> dict:
    if not isinstance(result, Mapping):
        raise StoreError(f"{where} harus berupa dict")
    for key in ("court", "activity"):
        if not isinstance(result.get(key), str) or not result[key]:
            raise StoreError(f"{where}: '{key}' wajib diisi (teks)")
    where = f"{where} ({result['court']} {result['activity']})"
    status = result.get("status")
    if status not in STATUS_RANK:
        raise StoreError(f"{where}: status '{status}' tidak dikenal; pilihan: {', '.join(STATUSES)}")
    started = to_iso(result["started"], f"{where}: started") if result.get("started") else run_started
    finished = to_iso(result["finished"], f"{where}: finished") if result.get("finished") else None
    duration = result.get("duration_s")
    if duration is None and finished:
        duration = (parse_iso(finished) - parse_iso(started)).total_seconds()
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int | float)):
        raise StoreError(f"{where}: duration_s harus angka, bukan {duration!r}")
    if duration is not None and not math.isfinite(duration):
        raise StoreError(f"{where}: duration_s harus angka, bukan {duration!r}")
    problems: dict[str, str] = {}
    outputs = _clean_outputs(result.get("outputs"), problems)
    findings = []
    for index, finding in enumerate(result.get("findings") or []):
        if not isinstance(finding, Mapping) or not finding.get("rule"):
            raise StoreError(f"{where}: findings[{index}] harus berupa dict dengan 'rule'")
        evidence = finding.get("evidence") if finding.get("evidence") is not None else {}
        samples = finding.get("samples")
        if isinstance(samples, list) and isinstance(evidence, Mapping) and "samples" not in evidence:
            # the access-log engine's matched lines, beside its evidence: kept with it for the report
            evidence = {**evidence, "samples": samples}
        findings.append(
            {
                "rule": str(finding["rule"]),
                "severity": str(finding.get("severity") or "medium").lower(),
                "message": None
                if finding.get("message") is None
                else _redact.redact_text(str(finding["message"])),
                "evidence_json": _dumps(_clean_json(evidence, f"findings[{index}].evidence", problems)),
            }
        )
    if problems:
        findings.append(_invalid_finding(result["activity"], problems))
    return {
        "run_id": run_id,
        "court": result["court"],
        "activity": result["activity"],
        "status": status,
        "summary": None if result.get("summary") is None else _redact.redact_text(str(result["summary"])),
        "started": started,
        "finished": finished,
        "duration_s": float(duration) if duration is not None else None,
        "outputs_json": _dumps(outputs if outputs is not None else {}),
        "error": None if result.get("error") is None else _redact.redact_text(str(result["error"])),
        "findings": findings,
    }
