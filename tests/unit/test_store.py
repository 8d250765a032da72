"""The history store: schema migrations, idempotent runs, queries, concurrent writers. Each test that
takes ``store`` or ``history_db`` runs twice: on an SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from sopansible.store import MIGRATIONS, SCHEMA_VERSION, HistoryStore, StoreError, history_days, to_iso


def make_run(run_id, started, courts=("pn-a", "pn-b"), w1_status="ok", findings=None, name="harian"):
    results = []
    for court in courts:
        results.append(
            {
                "court": court,
                "activity": "W1",
                "status": w1_status,
                "summary": "Website dapat diakses",
                "started": started,
                "finished": started,
                "duration_s": 1.5,
                "outputs": {"http_status": 200, "response_ms": 120, "available": w1_status == "ok"},
                "findings": list(findings or []),
                "error": None,
            }
        )
        results.append(
            {
                "court": court,
                "activity": "W2",
                "status": "ok",
                "started": started,
                "outputs": {"snapshot_id": "ab12cd34", "size_bytes": 1234, "files": 10},
            }
        )
    return {
        "run_id": run_id,
        "name": name,
        "inventory": "/srv/inventory",
        "started": started,
        "finished": started,
        "status": w1_status,
        "courts": {
            c: {"court_name": f"Pengadilan Negeri {c}", "court_sop_times": {"W7": "2 jam"}} for c in courts
        },
        "results": results,
    }


STALE = {
    "rule": "content-stale",
    "severity": "medium",
    "message": "Tidak ada konten baru",
    "evidence": {"days": 21},
}
DOWN = {"rule": "site-down", "severity": "critical", "message": "Website tidak dapat diakses", "evidence": {}}


@pytest.fixture
def store(history_db):
    with HistoryStore(history_db) as s:
        assert s.backend == ("sqlite" if isinstance(history_db, Path) else "postgresql")
        yield s


def count(store, table):
    return store._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_new_store_is_migrated_and_in_wal_mode(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_default_path_follows_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("SOPANSIBLE_DB", raising=False)
    with HistoryStore() as s:
        assert s.path == tmp_path / "data" / "history.sqlite"
    assert (tmp_path / "data" / "history.sqlite").exists()


def test_migrates_an_older_database_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0][1]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO runs (run_id, name, started, status, recorded) VALUES ('old', 'harian', "
        "'2026-01-01T00:00:00+00:00', 'ok', '2026-01-01T00:00:00+00:00')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with HistoryStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert [r["run_id"] for r in s.runs()] == ["old"]
        s.add_troubleshooting({"court": "pn-a", "problem": "x"})  # table of migration 2 exists
        assert len(s.troubleshooting("pn-a")) == 1


def test_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="lebih baru"):
        HistoryStore(path)


def test_refuses_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="notes.sqlite"):
        HistoryStore(path)


def test_record_run_is_idempotent(store):
    run = make_run("r1", "2026-11-20T09:30:00Z", findings=[STALE])
    assert store.record_run(run) is True
    assert store.record_run(run) is False
    assert count(store, "runs") == 1
    assert count(store, "results") == 4
    assert count(store, "findings") == 2
    # a corrected record of the same run replaces the old one
    smaller = make_run("r1", "2026-11-20T09:30:00Z", courts=("pn-a",))
    assert store.record_run(smaller) is False
    assert count(store, "results") == 2
    assert count(store, "findings") == 0
    assert store.runs()[0]["courts"] == ["pn-a"]


def test_run_round_trip(store):
    store.record_run(make_run("r1", "2026-11-20T09:30:00Z", findings=[STALE]))
    run = store.run("r1")
    assert run["started"] == "2026-11-20T09:30:00+00:00"
    assert run["courts"]["pn-a"]["court_name"] == "Pengadilan Negeri pn-a"
    w1 = [r for r in run["results"] if r["activity"] == "W1"][0]
    assert w1["outputs"] == {"http_status": 200, "response_ms": 120, "available": True}
    assert w1["findings"][0]["evidence"] == {"days": 21}
    w2 = [r for r in run["results"] if r["activity"] == "W2"][0]
    assert w2["started"] == run["started"]  # taken from the run when the result has none
    assert store.run("nope") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"run_id": ""}, "run_id"),
        ({"name": None}, "'name' wajib"),
        ({"started": "kemarin"}, "bukan waktu ISO 8601"),
        ({"status": "great"}, "status 'great'"),
        ({"courts": ["pn-a"]}, "'courts' harus berupa dict"),
        (
            {"results": [{"court": "pn-a", "activity": "W1", "status": "fine"}]},
            r"results\[0\] \(pn-a W1\): status",
        ),
        ({"results": [{"activity": "W1", "status": "ok"}]}, r"results\[0\]: 'court' wajib"),
        ({"results": [{"court": "pn-a", "activity": "W1", "status": "ok", "findings": [{}]}]}, "findings"),
        (
            {"results": [{"court": "pn-a", "activity": "W1", "status": "ok", "duration_s": "2s"}]},
            "duration_s",
        ),
    ],
)
def test_bad_runs_are_rejected_with_the_field_named(store, change, message):
    run = make_run("bad", "2026-11-20T09:30:00Z")
    run.update(change)
    with pytest.raises(StoreError, match=message):
        store.record_run(run)
    assert count(store, "runs") == 0


def test_runs_newest_first_with_limit(store):
    for day in range(1, 6):
        store.record_run(make_run(f"r{day}", f"2026-11-0{day}T09:30:00Z"))
    store.record_run(make_run("w1", "2026-11-03T10:00:00Z", name="mingguan"))
    assert [r["run_id"] for r in store.runs(limit=3)] == ["r5", "r4", "w1"]
    assert [r["run_id"] for r in store.runs(name="mingguan")] == ["w1"]
    assert store.runs(limit=1)[0]["results"] == 4
    assert len(store.runs(limit=None)) == 6


def test_court_results_latest_and_open_findings(store):
    store.record_run(make_run("r1", "2026-11-01T09:30:00Z", findings=[STALE]))
    store.record_run(make_run("r2", "2026-11-02T09:30:00Z", findings=[STALE, DOWN], w1_status="critical"))
    store.record_run(make_run("r3", "2026-11-03T09:30:00Z", courts=("pn-b",), findings=[]))
    a = store.court_results("pn-a")
    assert [(r["run_id"], r["activity"]) for r in a] == [
        ("r1", "W1"),
        ("r1", "W2"),
        ("r2", "W1"),
        ("r2", "W2"),
    ]
    assert [r["run_id"] for r in store.court_results("pn-a", since="2026-11-02T00:00:00+00:00")] == [
        "r2",
        "r2",
    ]
    assert [r["run_id"] for r in store.court_results("pn-a", activity="W2")] == ["r1", "r2"]

    latest = store.latest("pn-a")
    assert set(latest) == {"W1", "W2"}
    assert latest["W1"]["run_id"] == "r2" and latest["W1"]["status"] == "critical"
    assert [f["rule"] for f in latest["W1"]["findings"]] == ["content-stale", "site-down"]
    assert store.latest("pn-b")["W1"]["run_id"] == "r3"
    assert store.latest("nope") == {}

    everything = store.latest_all()
    assert set(everything) == {"pn-a", "pn-b"}
    assert set(store.latest_all(["pn-b"])) == {"pn-b"}

    open_a = store.open_findings("pn-a")
    assert [f["rule"] for f in open_a] == ["site-down", "content-stale"]  # worst first
    stale = open_a[1]
    assert stale["first_seen"] == "2026-11-01T09:30:00+00:00" and stale["occurrences"] == 2
    assert store.open_findings("pn-b") == []  # pn-b's newest result has no findings any more
    assert set(store.open_findings_all()) == {"pn-a"}


def test_series_and_counts(store):
    for day in range(1, 4):
        store.record_run(make_run(f"r{day}", f"2026-11-0{day}T09:30:00Z", findings=[STALE] * day))
    series = store.series("W1", ("available", "response_ms", "missing.field"), courts=["pn-a"])
    assert list(series) == ["pn-a"]
    assert [p["t"][:10] for p in series["pn-a"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert series["pn-a"][0]["available"] == 1 and series["pn-a"][0]["response_ms"] == 120
    assert series["pn-a"][0]["missing.field"] is None
    assert len(store.series("W2", ("size_bytes",), since="2026-11-02")["pn-b"]) == 2
    per_day = store.findings_per_day(courts=["pn-a"])
    assert per_day == {"pn-a": {"2026-11-01": 1, "2026-11-02": 2, "2026-11-03": 3}}
    counts = store.finding_counts(since="2026-11-02")
    assert counts["pn-a"][0]["rule"] == "content-stale" and counts["pn-a"][0]["count"] == 5
    assert counts["pn-a"][0]["severity"] == "medium"
    assert store.status_counts()["pn-b"]["W1"] == {"ok": 3}


def test_finding_counts_keep_the_worst_severity(store):
    low = dict(STALE, severity="low")
    high = dict(STALE, severity="high")
    store.record_run(make_run("r1", "2026-11-01T09:30:00Z", findings=[low]))
    store.record_run(make_run("r2", "2026-11-02T09:30:00Z", findings=[high]))
    assert store.finding_counts(["pn-a"])["pn-a"][0]["severity"] == "high"


def test_troubleshooting_records(store):
    store.record_run(make_run("r1", "2026-11-01T09:30:00Z"))
    first = store.add_troubleshooting(
        {
            "court": "pn-a",
            "problem": "Website tidak dapat diakses",
            "evidence": {"http_status": 503},
            "actions": ["Memeriksa nginx", "Menghubungi penyedia hosting"],
            "who": "Operator",
            "third_party": {"role": "hosting", "name": "Hosting X"},
            "started": "2026-11-01T10:00:00Z",
            "finished": "2026-11-01T13:00:00Z",
            "outcome": "resolved",
            "finding_rule": "site-down",
        }
    )
    second = store.add_troubleshooting(
        {
            "court": "pn-a",
            "problem": "Konten lama",
            "actions": "Koordinasi",
            "activity": "W6",
            "duration_s": 60,
        }
    )
    assert second > first
    records = store.troubleshooting("pn-a")
    assert [r["problem"] for r in records] == ["Website tidak dapat diakses", "Konten lama"]
    fix = records[0]
    assert fix["duration_s"] == 3 * 3600
    assert fix["standard_time"] == "2 jam"  # the court's own W7 time from the inventory
    assert fix["within_standard"] is False
    assert fix["third_party"]["name"] == "Hosting X" and fix["actions"][1] == "Menghubungi penyedia hosting"
    assert records[1]["standard_time"] == "relatif" and records[1]["within_standard"] is None
    assert records[1]["outcome"] == "in_progress"
    assert store.troubleshooting("pn-b") == []
    assert set(store.troubleshooting_all()) == {"pn-a"}
    assert len(store.troubleshooting(since="2026-11-01T12:00:00Z")) == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"problem": "x"}, "'court' wajib"),
        ({"court": "pn-a"}, "'problem' wajib"),
        ({"court": "pn-a", "problem": "x", "duration_s": -1}, "duration_s"),
        ({"court": "pn-a", "problem": "x", "actions": {"a": 1}}, "'actions'"),
        ({"court": "pn-a", "problem": "x", "started": "besok"}, "bukan waktu ISO"),
    ],
)
def test_bad_troubleshooting_records(store, record, message):
    with pytest.raises(StoreError, match=message):
        store.add_troubleshooting(record)


def test_to_iso_normalises_to_utc():
    assert to_iso("2026-11-23T16:30:00+07:00") == "2026-11-23T09:30:00+00:00"
    assert to_iso("2026-11-23T09:30:00.123Z") == "2026-11-23T09:30:00+00:00"
    assert to_iso("2026-11-23") == "2026-11-23T00:00:00+00:00"


def _writer(path, worker, runs, barrier):
    barrier.wait()
    with HistoryStore(path, timeout=60) as s:
        for i in range(runs):
            run = make_run(
                f"w{worker}-{i}",
                f"2026-11-{1 + i % 28:02d}T{worker:02d}:00:00Z",
                courts=[f"pn-{worker}-{c}" for c in range(5)],
                findings=[STALE],
            )
            s.record_run(run)
            if i % 5 == 0:
                s.add_troubleshooting({"court": f"pn-{worker}-0", "problem": f"masalah {i}"})


def test_concurrent_writers(history_db):
    # Several processes record at once, as AWX job slices or parallel cron cycles do; the database is
    # created and migrated by the writers themselves: the first open races too.
    path = history_db
    ctx = multiprocessing.get_context("fork")
    workers, runs = 4, 15
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_writer, args=(path, w, runs, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * workers
    with HistoryStore(path) as s:
        assert s.backend == ("sqlite" if isinstance(path, Path) else "postgresql")
        if s.backend == "sqlite":
            assert s._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert s.schema_version == SCHEMA_VERSION
        assert count(s, "runs") == workers * runs
        assert count(s, "results") == workers * runs * 5 * 2
        assert count(s, "findings") == workers * runs * 5
        assert count(s, "troubleshooting") == workers * 3
        assert len(s.courts()) == workers * 5


def test_last_success_skips_failed_results(store):
    store.record_run(make_run("r1", "2026-11-01T09:30:00Z"))
    failed = make_run("r2", "2026-11-02T09:30:00Z")
    for result in failed["results"]:
        if result["activity"] == "W2" and result["court"] == "pn-a":
            result.update(status="failed", error="restic: repository locked", outputs={})
    store.record_run(failed)
    good = store.last_success("W2")
    assert good["pn-a"]["run_id"] == "r1" and good["pn-a"]["outputs"]["size_bytes"] == 1234
    assert good["pn-b"]["run_id"] == "r2"
    assert set(store.last_success("W2", ["pn-b"])) == {"pn-b"}
    assert store.last_success("W9") == {}


def test_prune_removes_old_runs_only(store):
    store.record_run(make_run("old", "2026-09-01T09:30:00Z", findings=[STALE]))
    store.record_run(make_run("new", "2026-11-01T09:30:00Z", findings=[STALE]))
    store.add_troubleshooting({"court": "pn-a", "problem": "x", "started": "2026-09-01T10:00:00Z"})
    assert store.prune("2026-10-01") == 1
    assert [r["run_id"] for r in store.runs()] == ["new"]
    assert count(store, "results") == 4 and count(store, "findings") == 2
    assert len(store.troubleshooting("pn-a")) == 1
    assert store.prune("2026-10-01") == 0


def _check(court, activity, started, status="ok", rules=(), reachable=True, before=(), finished=None):
    """One result of a check that looks at the site (W1 probe, W6 diagnosis, W7 remediation)."""
    outputs = (
        {"reachable": reachable} if activity == "W1" else {"evidence": {"probe": {"reachable": reachable}}}
    )
    if activity == "W7":
        outputs = {"problems": [{"id": rule} for rule in before], "remaining": []}
    return {
        "court": court,
        "activity": activity,
        "status": status,
        "started": started,
        "finished": finished or started,
        "outputs": outputs,
        "findings": [{"rule": rule, "severity": "critical", "message": rule} for rule in rules],
    }


KNOWN_GOOD = {
    "activities": ["W1", "W6", "W7"],
    "rules": ["defacement", "gambling-spam", "hidden-links", "site-defaced"],
    "unclear": ["keyword-missing", "content-changed"],
}


def test_known_good_windows_follow_the_checks_that_saw_the_site(store):
    checks = [
        _check("pn-a", "W1", "2026-11-01T06:00:00+00:00"),
        _check("pn-a", "W1", "2026-11-02T06:00:00+00:00"),
        # Unreachable, or a W6 that did not probe the site: neither clean nor dirty.
        _check("pn-a", "W1", "2026-11-03T06:00:00+00:00", status="critical", reachable=False),
        _check("pn-a", "W6", "2026-11-03T07:00:00+00:00", status="ok", reachable=False),
        _check("pn-a", "W1", "2026-11-04T06:00:00+00:00", status="critical", rules=["gambling-spam"]),
        # A remediation that found the defacement and fixed it: dirty up to its end.
        _check(
            "pn-a",
            "W7",
            "2026-11-04T09:00:00+00:00",
            before=["gambling-spam"],
            finished="2026-11-04T09:20:00+00:00",
        ),
        _check("pn-a", "W6", "2026-11-05T06:00:00+00:00", status="warning"),
        _check("pn-a", "W1", "2026-11-06T06:00:00+00:00", status="warning", rules=["keyword-missing"]),
        _check("pn-a", "W1", "2026-11-07T06:00:00+00:00", status="critical", rules=["defacement"]),
        _check("pn-a", "W1", "2026-11-08T06:00:00+00:00", status="critical", rules=["defacement"]),
        # Another court and another activity are not mixed in.
        _check("pn-b", "W1", "2026-11-07T06:00:00+00:00"),
        {"court": "pn-a", "activity": "W2", "status": "ok", "started": "2026-11-07T07:00:00+00:00"},
    ]
    store.record_run({"run_id": "r", "name": "x", "started": "2026-11-01T00:00:00+00:00", "results": checks})
    found = store.known_good_windows("pn-a", **KNOWN_GOOD)
    assert found["windows"] == [
        {"after": "2026-11-04T09:20:00+00:00", "before": "2026-11-05T06:00:00+00:00"},
        {"after": None, "before": "2026-11-02T06:00:00+00:00"},
    ]
    assert found["first_seen"] == "2026-11-07T06:00:00+00:00"
    assert found["last_clean"] == "2026-11-05T06:00:00+00:00"
    both = store.known_good_windows_all(["pn-a", "pn-b", "pn-c"], **KNOWN_GOOD)
    assert both["pn-a"] == found and "pn-c" not in both
    assert both["pn-b"] == {
        "windows": [{"after": None, "before": "2026-11-07T06:00:00+00:00"}],
        "first_seen": None,
        "last_clean": "2026-11-07T06:00:00+00:00",
    }
    # Only the newest results are read: what came before them is unknown, not clean.
    newest = store.known_good_windows("pn-a", limit=5, **KNOWN_GOOD)
    assert newest["windows"] == [
        {"after": "2026-11-04T09:20:00+00:00", "before": "2026-11-05T06:00:00+00:00"}
    ]
    assert store.known_good_windows("pn-a", limit=4, **KNOWN_GOOD)["windows"] == []
    assert store.known_good_windows("nobody", **KNOWN_GOOD) == {
        "windows": [],
        "first_seen": None,
        "last_clean": None,
    }


def test_retention_setting(store, monkeypatch):
    monkeypatch.delenv("SOPANSIBLE_HISTORY_DAYS", raising=False)
    assert history_days() == 400
    assert history_days({"SOPANSIBLE_HISTORY_DAYS": "30"}) == 30
    for bad in ("-1", "ten", "99999", "1e3"):
        with pytest.raises(StoreError, match="SOPANSIBLE_HISTORY_DAYS"):
            history_days({"SOPANSIBLE_HISTORY_DAYS": bad})
    store.record_run(make_run("old", "2025-10-01T09:30:00Z"))
    store.record_run(make_run("year", "2025-11-15T09:30:00Z"))
    store.record_samples(
        {"court": "pn-a", "at": at, "reachable": True}
        for at in ("2025-10-01T09:35:00Z", "2025-11-15T09:35:00Z")
    )
    assert store.prune_expired(days=0, now="2026-12-01") == 0  # 0 keeps everything
    assert store.prune_expired(now="2026-12-01") == 1  # 400 days: a year's recap keeps its data
    assert [r["run_id"] for r in store.runs()] == ["year"]
    assert [sample["at"][:10] for sample in store.samples()["pn-a"]] == ["2025-11-15"]  # the watch's too
