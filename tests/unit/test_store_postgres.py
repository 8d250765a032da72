"""The history on PostgreSQL: chosen by SOPANSIBLE_DB, the same migrations, the same answers as SQLite,
clear errors that never show the password. Against a real server (tests/pgserver.py), never a mock."""

from __future__ import annotations

import json

import pytest

from sopansible import store as store_module
from sopansible import storedb
from sopansible.store import MIGRATIONS, SCHEMA_VERSION, HistoryStore, StoreError
from tests import pgserver
from tests.unit.test_store import DOWN, STALE, make_run

# A migration as another change would add it, in the existing style: a row id, a reference, a real
# number, text with a default, an index, and a later ALTER TABLE.
NEW_MIGRATION = (
    "attempts of a hypothetical channel",
    (
        """CREATE TABLE attempts_log (
            id INTEGER PRIMARY KEY,
            run_id TEXT REFERENCES runs (run_id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            seconds REAL,
            body_json TEXT NOT NULL DEFAULT '{}',
            sent TEXT NOT NULL
        )""",
        "CREATE INDEX attempts_log_channel ON attempts_log (channel, sent)",
        "ALTER TABLE attempts_log ADD COLUMN error TEXT",
    ),
)


def test_the_setting_chooses_postgresql_and_unset_keeps_the_sqlite_file(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SOPANSIBLE_DB", pg_url)
    with HistoryStore() as s:
        assert s.backend == "postgresql"
        assert s.schema_version == SCHEMA_VERSION
        s.record_run(make_run("r1", "2026-11-20T09:30:00Z"))
    assert not (tmp_path / "data" / "history.sqlite").exists()
    with HistoryStore(pg_url) as s:
        assert [r["run_id"] for r in s.runs()] == ["r1"]
    monkeypatch.delenv("SOPANSIBLE_DB")
    with HistoryStore() as s:
        assert s.backend == "sqlite" and s.path == tmp_path / "data" / "history.sqlite"
        assert s.runs() == []


def test_the_schema_on_postgresql_is_the_migrations_translated(pg_url):
    with HistoryStore(pg_url) as s:
        assert s.schema_version == SCHEMA_VERSION
        types = {
            (row["table_name"], row["column_name"]): (
                row["data_type"],
                row["collation_name"],
                row["identity"],
            )
            for row in s._conn.execute(
                "SELECT table_name, column_name, data_type, collation_name, is_identity AS identity"
                " FROM information_schema.columns WHERE table_schema = current_schema()"
            ).fetchall()
        }
    assert types[("results", "id")] == ("bigint", None, "YES")
    assert types[("results", "duration_s")][0] == "double precision"  # not PostgreSQL's 4-byte REAL
    assert types[("runs", "started")] == ("text", "C", "NO")  # ordered byte by byte, as in SQLite
    assert types[("notifications", "first_seen")][0] == "text"  # migration 4's ALTER TABLE


def test_an_older_postgresql_schema_is_migrated_and_keeps_its_data(pg_url):
    conn = storedb.PostgresConnection(pg_url)
    for statement in MIGRATIONS[0][1]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO runs (run_id, name, started, status, recorded) VALUES ('old', 'harian', "
        "'2026-01-01T00:00:00+00:00', 'ok', '2026-01-01T00:00:00+00:00')"
    )
    conn.set_user_version(1)
    conn.close()
    with HistoryStore(pg_url) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert [r["run_id"] for r in s.runs()] == ["old"]
        record = s.add_troubleshooting({"court": "pn-a", "problem": "x"})
        assert [r["id"] for r in s.troubleshooting("pn-a")] == [record]


def test_a_newer_postgresql_schema_is_refused(pg_url):
    conn = storedb.PostgresConnection(pg_url)
    conn.set_user_version(SCHEMA_VERSION + 1)
    conn.close()
    with pytest.raises(StoreError, match="lebih baru"):
        HistoryStore(pg_url)


def test_a_new_migration_in_the_existing_style_runs_on_both(history_db, monkeypatch):
    with HistoryStore(history_db) as s:
        assert s.backend == ("postgresql" if isinstance(history_db, str) else "sqlite")
        s.record_run(make_run("r1", "2026-11-20T09:30:00Z"))
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, NEW_MIGRATION])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with HistoryStore(history_db) as s:
        assert s.schema_version == SCHEMA_VERSION + 1
        with s._write() as conn:
            first = conn.execute(
                "INSERT INTO attempts_log (run_id, channel, seconds, sent) VALUES (?, 'email', 0.25, ?)",
                ("r1", "2026-11-20T09:31:00+00:00"),
            ).lastrowid
            second = conn.execute(
                "INSERT INTO attempts_log (run_id, channel, sent, error)"
                " VALUES (:run, :channel, :sent, :error)",
                {
                    "run": "r1",
                    "channel": "webhook",
                    "sent": "2026-11-20T09:32:00+00:00",
                    "error": "50% gagal",
                },
            ).lastrowid
        rows = s._conn.execute("SELECT * FROM attempts_log ORDER BY id").fetchall()
        assert [row["id"] for row in rows] == [first, second] and first < second
        assert rows[0]["seconds"] == 0.25 and rows[0]["body_json"] == "{}" and rows[0]["attempts"] == 0
        assert rows[1]["error"] == "50% gagal"
        s.prune("2027-01-01")  # the reference cascades on both
        assert s._conn.execute("SELECT COUNT(*) FROM attempts_log").fetchone()[0] == 0


def test_both_backends_give_the_same_answers(tmp_path, pg_url):
    """The whole reading surface, fed the same runs, answers the same on SQLite and PostgreSQL."""
    answers = []
    for target, backend in ((tmp_path / "h.sqlite", "sqlite"), (pg_url, "postgresql")):
        with HistoryStore(target) as s:
            assert s.backend == backend
            s.record_run(
                make_run("r1", "2026-11-01T09:30:00Z", courts=("pn-b", "PN-a", "pn_a"), findings=[STALE])
            )
            s.record_run(make_run("r2", "2026-11-02T09:30:00Z", findings=[STALE, DOWN], w1_status="critical"))
            run = make_run("r3", "2026-11-03T09:30:00Z", courts=("pn-a",))
            run["results"][0]["outputs"] = {
                "reachable": True,
                "problems": [{"id": "site-down"}, "x"],
                "nested": {"a": [1, {"b": False}]},
                "response_ms": 99.5,
                "tls-days": 5,
            }
            s.record_run(run)
            # times given, not "now": the two stores are filled a moment apart
            s.add_troubleshooting(
                {
                    "court": "pn-a",
                    "problem": "lambat",
                    "finding_rule": "site-down",
                    "started": "2026-11-03T10:00Z",
                }
            )
            s.add_troubleshooting_note(
                s.find_problem("pn-a", "site-down"),
                {"who": "Budi", "action": "cek", "party": "ISP", "at": "2026-11-03T11:00Z"},
            )
            s.mark_notified(
                [
                    {
                        "key": "k",
                        "channel": "email",
                        "court": "pn-a",
                        "rule": "site-down",
                        "fingerprint": f,
                        "state": "open",
                        "sent": "2026-11-02T10:00:00Z",
                    }
                    for f in ("f1", "f2")
                ]
            )
            s.record_samples(
                [
                    {
                        "court": c,
                        "at": f"2026-11-02T10:0{i}:00Z",
                        "reachable": i % 2 == 0,
                        "response_ms": 10.5 * i,
                        "rules": ["site-down"],
                        "outages": {"web": {"since": "2026-11-02T10:00:00+00:00"}},
                    }
                    for i in range(3)
                    for c in ("pn-a", "pn-b")
                ]
            )
            s.record_delivery(
                {
                    "court": "pn-a",
                    "report": "situasi",
                    "period": "2026-11-03",
                    "channel": "email",
                    "recipient": "sekretaris@pn-a.go.id",
                    "status": "sent",
                    "generated": "2026-11-03T09:40:00Z",
                    "attempted": "2026-11-03T09:45:00Z",
                }
            )
            s.put_state("monitor", {"pn-b": {"robots": ["b"]}, "PN-a": {"robots": ["a"]}, "pn_a": {}})
            s.update_state("retry", "harian", lambda current: ["pn-b"] if current is None else current)
            answers.append(
                {
                    "state": s.state("monitor"),
                    "state_some": s.state("monitor", ["PN-a", "nope"]),
                    "retry": s.state("retry"),
                    "deliveries": s.deliveries_all(),
                    "cycles": s.last_cycles(),
                    "stamp": s.runs_stamp() != "",
                    "episodes": s.open_finding_starts(),
                    "runs": s.runs(limit=None),
                    "run": s.run("r2"),
                    "courts": list(s.courts()),
                    "latest": s.latest_all(),
                    "latest_some": s.latest_all(["pn-a", "nope"]),
                    "last_success": s.last_success("W1"),
                    "open": s.open_findings_all(),
                    "series": s.series(
                        "W1", ["response_ms", "reachable", "nested", "nested.a", "missing", "tls-days"]
                    ),
                    "per_day": s.findings_per_day(since="2026-11-01"),
                    "counts": s.finding_counts(),
                    "status": s.status_counts(),
                    "windows": s.known_good_windows_all(None, ["W1"], ["site-down"]),
                    "trouble": s.troubleshooting_all(),
                    "problems": s.problems("pn-a", open_only=False),
                    "known": (s.known_court("pn-a"), s.known_court("nope")),
                    "notified": s.notification_state("email"),
                    "samples": s.samples(["pn-a"], since="2026-11-02T10:01:00Z"),
                    "iter": list(s.iter_samples()),
                    "last_samples": s.last_samples(),
                    "pruned": (s.prune_samples("2026-11-02T10:01:00Z"), s.prune("2026-11-02T00:00:00Z")),
                    "after": s.runs(),
                }
            )
    sqlite_answers, pg_answers = answers
    for key in sqlite_answers:
        assert pg_answers[key] == sqlite_answers[key], key
    assert sqlite_answers["courts"] == sorted(sqlite_answers["courts"])  # byte order on both
    assert sqlite_answers["series"]["pn-a"][-1]["reachable"] == 1
    assert sqlite_answers["series"]["pn-a"][-1]["tls-days"] == 5
    assert sqlite_answers["notified"][0]["fingerprint"] == "f2"  # the second record replaced the first


def test_a_server_that_is_down_is_a_clear_error_without_the_password():
    port = pgserver._free_port()  # nothing listens there
    url = f"postgresql://sopansible:rahasia-sekali@127.0.0.1:{port}/riwayat"
    with pytest.raises(StoreError) as caught:
        HistoryStore(url, timeout=5)
    message = str(caught.value)
    assert "rahasia-sekali" not in message
    assert f"postgresql://sopansible:***@127.0.0.1:{port}/riwayat" in message
    assert "tidak dapat dipakai" in message and "unusable" in message


def test_a_wrong_password_or_database_is_a_clear_error_without_the_password(pg_server):
    wrong = f"postgresql://postgres:salah-kata-sandi@127.0.0.1:{pg_server.port}/postgres"
    with pytest.raises(StoreError, match="password authentication failed") as caught:
        HistoryStore(wrong)
    assert "salah-kata-sandi" not in str(caught.value)
    with pytest.raises(StoreError, match="tidak_ada") as caught:
        HistoryStore(pg_server.url("tidak_ada"))
    assert pg_server.password not in str(caught.value)
    with pytest.raises(StoreError):
        HistoryStore(f"postgresql://postgres:pw@127.0.0.1:{pg_server.port}/postgres?bogus=1")


def test_the_password_may_come_from_the_environment(pg_server, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    schema = pgserver.create_schema(pg_server, "from_env")
    url = pg_server.url(password=False, options="-csearch_path=from_env")
    assert pg_server.password not in url and schema
    with HistoryStore(url) as s:
        assert s.backend == "postgresql"
        assert s.record_run(make_run("r1", "2026-11-20T09:30:00Z")) is True


def test_mask_hides_passwords_in_urls():
    assert storedb.mask("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert storedb.mask("postgresql://h/db?user=u&password=pw") == "postgresql://h/db?user=u&password=***"
    assert storedb.mask("postgresql://u@h/db") == "postgresql://u@h/db"


def test_a_connection_lost_mid_run_is_a_store_error_without_the_password(pg_server, pg_url):
    import psycopg

    with HistoryStore(pg_url) as s:
        s.record_run(make_run("r1", "2026-11-20T09:30:00Z"))
        pid = s._conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError) as caught:
            s.record_run(make_run("r2", "2026-11-21T09:30:00Z"))
    assert pg_server.password not in str(caught.value) and "***@127.0.0.1" in str(caught.value)


def test_the_pipeline_records_notifies_and_reports_from_postgresql(pg_url, tmp_path, monkeypatch):
    """The one record -> notify -> report sequence, with only the setting pointing at the server."""
    from sopansible import pipeline, runner
    from tests.unit.test_pipeline import plain_outcome

    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SOPANSIBLE_DB", pg_url)
    outcome = plain_outcome()
    pipeline.record(outcome)
    assert runner.read_retry("harian") == ["pn-bangil"]
    assert pipeline.notify(outcome)["errors"] == []
    index = pipeline.report(outcome, out_dir=tmp_path / "reports", lang="en")
    assert "Pengadilan Negeri Bangil" in index.read_text()
    report = json.loads((tmp_path / "reports" / "pn-tais" / "laporan.json").read_text())
    assert "site-down" in json.dumps(report)
    assert not (tmp_path / "data" / "history.sqlite").exists()
    with HistoryStore(pg_url) as s:
        assert s.run(outcome.run_id)["status"] == "unreachable"


@pytest.mark.parametrize(
    "url",
    ["mysql://u:rahasia@127.0.0.1/db", "postgresql://u:rahasia@127.0.0.1:notaport/db", "postgresql://[::1"],
)
def test_a_url_that_is_not_a_usable_postgresql_address_is_refused(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPANSIBLE_DB", url)
    with pytest.raises(StoreError) as caught:
        HistoryStore(timeout=3)
    assert "rahasia" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # not taken for a file name


def test_the_report_command_reads_postgresql_with_forked_workers(pg_url, tmp_path, capsys):
    from sopansible import cli

    courts = [f"pn-{n}" for n in range(4)]
    with HistoryStore(pg_url) as s:
        s.record_run(make_run("r1", "2026-11-20T09:30:00Z", courts=courts, findings=[STALE]))
    out = tmp_path / "reports"
    assert cli.main(["report", "--db", pg_url, "--out", str(out), "--workers", "2", "--lang", "en"]) == 0
    assert all((out / court / "laporan.html").is_file() for court in courts)
    with HistoryStore(pg_url) as s:  # the server is still fine after the workers exited
        assert sorted(s.courts()) == courts
    capsys.readouterr()
    down = f"postgresql://sopansible:rahasia@127.0.0.1:{pgserver._free_port()}/riwayat"
    assert cli.main(["report", "--db", down, "--out", str(tmp_path / "x")]) == 4
    shown = capsys.readouterr()
    assert "rahasia" not in shown.out + shown.err and "sopansible:***@127.0.0.1" in shown.err
