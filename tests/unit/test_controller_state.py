"""What a job leaves for the next one (W1 baselines, W4 announced thresholds, retry lists) lives in the
history store, on SQLite and on PostgreSQL: bounded, validated, and safe with several jobs at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from sopansible import runner
from sopansible.store import STATE_KINDS, HistoryStore, StoreError


@pytest.fixture
def store(history_db):
    with HistoryStore(history_db) as s:
        yield s


def test_state_round_trip_per_kind_and_court(store):
    assert store.state("monitor") == {}
    store.put_state("monitor", {"pn-tais": {"fingerprint": {"value": "abc"}}, "pn-bangil": {}})
    store.put_state("renewals", {"pn-tais": {"domain": {"level": 30}}})
    assert store.state("monitor", ["pn-tais"]) == {"pn-tais": {"fingerprint": {"value": "abc"}}}
    assert set(store.state("monitor")) == {"pn-tais", "pn-bangil"}
    store.put_state("monitor", {"pn-tais": {"fingerprint": {"value": "def"}}})
    assert store.state("monitor", ["pn-tais"])["pn-tais"]["fingerprint"]["value"] == "def"
    assert store.state("renewals") == {"pn-tais": {"domain": {"level": 30}}}


@pytest.mark.parametrize(
    ("kind", "name", "value", "message"),
    [
        ("cookies", "pn-tais", {}, "unknown kind"),
        ("monitor", "../../etc/passwd", {}, "not a valid court host name"),
        ("monitor", "pn tais", {}, "not a valid court host name"),
        ("monitor", "-pn-tais", {}, "not a valid court host name"),
        ("monitor", "pn-tais", ["not", "a", "dict"], "a dict is needed"),
        ("monitor", "pn-tais", {"x": float("nan")}, "not JSON"),
        ("monitor", "pn-tais", {"x": object()}, "not JSON"),
        ("renewals", "pn-tais", {"x": "a" * STATE_KINDS["renewals"][1]}, "more than the limit"),
        ("retry", "Harian Besar", [], "not a valid run name"),
        ("retry", "harian", ["pn-tais", "--limit=all"], "is not a court host name"),
    ],
)
def test_a_state_that_cannot_be_kept_is_refused_naming_kind_and_court(store, kind, name, value, message):
    store.put_state("renewals", {"pn-lain": {"kept": True}})
    valid = ("mingguan", []) if kind == "retry" else ("pn-ok", {})
    with pytest.raises(StoreError) as caught:
        store.put_state(kind, dict([valid, (name, value)]))
    assert message in str(caught.value)
    assert kind in str(caught.value) and (
        kind == "cookies" or repr(name)[:20] in str(caught.value) or name in str(caught.value)
    )
    # nothing of the batch was written, and what was kept stays
    if kind in STATE_KINDS:
        assert store.state(kind) == ({"pn-lain": {"kept": True}} if kind == "renewals" else {})


def test_a_damaged_value_reads_as_none_kept(store):
    store.put_state("monitor", {"pn-tais": {"ok": 1}, "pn-bangil": {"ok": 2}})
    with store._write() as conn:
        conn.execute("UPDATE controller_state SET value_json = '{broken' WHERE name = 'pn-tais'")
        conn.execute("UPDATE controller_state SET value_json = '[1, 2]' WHERE name = 'pn-bangil'")
    assert store.state("monitor") == {}
    assert store.update_state("monitor", "pn-tais", lambda current: {"seen": current}) == {"seen": None}


def _slice(db, data, worker, barrier):
    """One AWX job slice of the same cycle: its own courts, its own data folder, one shared history."""
    import os

    os.environ["SOPANSIBLE_DATA"] = str(data / f"slice-{worker}")
    barrier.wait()
    with HistoryStore(db, timeout=60) as history:
        for round_ in range(10):
            courts = [f"pn-{worker}-{c}" for c in range(4)]
            failed = courts[: 1 + round_ % 3]
            runner.update_retry("harian", courts, failed, history=history)


def test_job_slices_updating_one_retry_list_at_once_keep_each_others_courts(history_db, tmp_path):
    ctx = multiprocessing.get_context("fork")
    workers = 4
    with HistoryStore(history_db):
        pass  # migrated before the race: the migration's own race is test_store's
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_slice, args=(history_db, tmp_path, w, barrier)) for w in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0] * workers
    with HistoryStore(history_db) as history:
        kept = runner.read_retry("harian", history=history)
    # the last round of every slice failed its first court (round 9: 1 + 9 % 3 = 1)
    assert sorted(kept) == sorted(f"pn-{w}-0" for w in range(workers))


def test_an_older_retry_file_is_taken_over_once(history_db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    legacy = data / "retry" / "harian.retry"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("pn-tais\n../../etc/passwd\npn-bangil\npn-tais\n")
    with HistoryStore(history_db) as history:
        assert runner.read_retry("harian", history=history) == ["pn-tais", "pn-bangil"]
        legacy.write_text("pn-lain\n")  # the store has the list now: the file is only its copy
        assert runner.read_retry("harian", history=history) == ["pn-tais", "pn-bangil"]
        assert runner.update_retry("harian", ["pn-tais"], [], history=history) == legacy
    assert legacy.read_text() == "pn-bangil\n"


def test_a_store_that_is_a_file_path_is_the_same_for_every_data_folder(tmp_path, monkeypatch):
    """SOPANSIBLE_DB naming one SQLite file: two data folders (two job containers) share the list."""
    shared = tmp_path / "shared.sqlite"
    monkeypatch.setenv("SOPANSIBLE_DB", str(shared))
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "first"))
    runner.update_retry("W3", ["pn-a", "pn-b"], ["pn-b"])
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "second"))
    assert runner.read_retry("W3") == ["pn-b"]
    assert not Path(tmp_path / "second" / "history.sqlite").exists()


def test_a_failed_court_with_a_name_no_limit_can_take_is_left_out_of_the_retry_list(
    history_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    with HistoryStore(history_db) as history:
        path = runner.update_retry(
            "harian", ["pn-a", "pn a;x", "-e@x"], ["pn-a", "pn a;x", "-e@x"], history=history
        )
        assert runner.read_retry("harian", history=history) == ["pn-a"]
    assert path.read_text() == "pn-a\n"
