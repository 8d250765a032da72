"""Work done by people (SOP W4, W5, W7) in the history store: acknowledgements of the report, notes on a
problem by staff or a third party, the renewal workflow. A real store throughout: each test taking
``store`` or ``history_db`` runs on an SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals.renewal_workflow import WorkflowError
from sopansible.records import RecordError
from sopansible.store import MIGRATIONS, SCHEMA_VERSION, HistoryStore, StoreError

HOSTING = {
    "kind": "hosting",
    "provider": "PT Awan",
    "service": "VPS",
    "paid_until": "2026-12-10",
}
HOSTING_ID = "hosting:pt-awan:vps"


def a_run(run_id="r1", started="2026-11-20T08:00:00Z", findings=(), troubleshooting=()):
    """A run of one court, pn-tais, whose standard troubleshooting time is "1 jam - 3 hari"."""
    result = {
        "court": "pn-tais",
        "activity": "W1",
        "status": "critical" if findings else "ok",
        "started": started,
        "outputs": {"available": not findings},
        "findings": list(findings),
    }
    results = [result]
    if troubleshooting:
        results.append(
            {
                "court": "pn-tais",
                "activity": "W6",
                "status": "warning",
                "started": started,
                "troubleshooting": list(troubleshooting),
            }
        )
    return {
        "run_id": run_id,
        "name": "harian",
        "started": started,
        "courts": {
            "pn-tais": {
                "court_name": "Pengadilan Negeri Tais",
                "court_sop_times": {"W7": "1 jam - 3 hari"},
                "court_services": [HOSTING],
            }
        },
        "results": results,
    }


DOWN = {"rule": "site-down", "severity": "critical", "message": "Website tidak dapat diakses"}


@pytest.fixture
def store(history_db):
    with HistoryStore(history_db) as s:
        assert s.backend == ("sqlite" if isinstance(history_db, Path) else "postgresql")
        yield s


def test_a_database_of_the_previous_version_gains_the_new_tables_and_keeps_its_records(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for _, statements in MIGRATIONS[:3]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO troubleshooting (court, activity, problem, started, outcome, recorded) VALUES "
        "('pn-tais', 'W7', 'lama', '2026-11-01T00:00:00+00:00', 'in_progress', '2026-11-01T00:00:00+00:00')"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with HistoryStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        [old] = s.troubleshooting("pn-tais")
        assert old["problem"] == "lama" and old["notes"] == []
        s.add_troubleshooting_note(old["id"], {"who": "Budi", "action": "cek kabel"})
        assert s.troubleshooting("pn-tais")[0]["notes"][0]["action"] == "cek kabel"


def test_acknowledgement_is_kept_with_who_when_note_and_document(store, tmp_path):
    store.record_run(a_run())
    record_id = store.add_acknowledgement(
        {
            "court": "pn-tais",
            "who": "Dra. Siti Aminah",
            "acknowledged": "2026-11-25",
            "note": "Segera perpanjang hosting",
            "document": str(tmp_path / "laporan-ttd.pdf"),
        }
    )
    [ack] = store.acknowledgements_all(["pn-tais"])["pn-tais"]
    assert ack == {
        "id": record_id,
        "court": "pn-tais",
        "who": "Dra. Siti Aminah",
        "role": "sekretaris",
        "acknowledged": "2026-11-25T00:00:00+00:00",
        "note": "Segera perpanjang hosting",
        "document": str(tmp_path / "laporan-ttd.pdf"),
    }
    assert store.acknowledgements_all(["pn-lain"]) == {}


@pytest.mark.parametrize(
    "document",
    [
        "-rf.pdf",  # would read as an option
        "https://evil.example/x.pdf",  # a URL, not a path
        "laporan.pdf\n$(rm -rf /)",  # a second line
        "laporan.sh",  # not a PDF
        "x" * 1100 + ".pdf",  # unbounded
    ],
)
def test_an_acknowledgement_document_must_look_like_a_pdf_path(store, document):
    with pytest.raises(RecordError):
        store.add_acknowledgement({"court": "pn-tais", "who": "Sekretaris", "document": document})
    assert store.acknowledgements_all() == {}


def test_a_role_other_than_the_secretary_or_kasubbag_is_refused(store):
    with pytest.raises(StoreError, match="role"):
        store.add_acknowledgement({"court": "pn-tais", "who": "X", "role": "operator"})


def test_a_third_party_note_escalates_and_a_resolved_note_closes_with_the_honest_duration(store):
    store.record_run(
        a_run(
            troubleshooting=[
                {
                    "problem": "Domain diblokir (serverHold)",
                    "finding_rule": "domain-hold",
                    "outcome": "escalated",
                }
            ]
        )
    )
    record = store.find_problem("pn-tais", "domain-hold")
    assert record["started"] == "2026-11-20T08:00:00+00:00"
    record = store.add_troubleshooting_note(
        record["id"],
        {
            "who": "Budi (operator)",
            "action": "Melapor ke PANDI",
            "party": "PANDI",
            "ticket": "PANDI-2026-1187",
            "at": "2026-11-20T09:00:00Z",
        },
    )
    assert record["outcome"] == "escalated" and record["finished"] is None
    record = store.add_troubleshooting_note(
        record["id"],
        {
            "who": "Budi (operator)",
            "action": "PANDI membuka blokir",
            "party": "PANDI",
            "at": "2026-11-24T10:00:00Z",
            "resolved": True,
        },
    )
    assert record["outcome"] == "resolved"
    assert record["finished"] == "2026-11-24T10:00:00+00:00"
    assert record["duration_s"] == (4 * 24 + 2) * 3600
    assert record["standard_time"] == "1 jam - 3 hari"
    assert record["within_standard"] is False  # four days: more than the SOP's three
    assert [(n["party"], n["ticket"], n["resolved"]) for n in record["notes"]] == [
        ("PANDI", "PANDI-2026-1187", False),
        ("PANDI", None, True),
    ]
    with pytest.raises(StoreError, match="sudah selesai"):
        store.add_troubleshooting_note(record["id"], {"who": "Budi", "action": "lagi"})


def test_an_open_finding_becomes_a_problem_that_started_when_it_was_first_seen(store):
    store.record_run(a_run("r1", "2026-11-20T08:00:00Z", findings=[DOWN]))
    store.record_run(a_run("r2", "2026-11-21T08:00:00Z", findings=[DOWN]))
    found = store.find_problem("pn-tais", "site-down")
    assert (found["id"], found["activity"], found["finding_rule"]) == (None, "W7", "site-down")
    assert store.problems("pn-tais") == []  # nothing stored before a note
    record = store.add_troubleshooting_note(found, {"who": "Budi", "action": "Cek server"})
    assert record["id"] and record["started"] == "2026-11-20T08:00:00+00:00"
    # the same rule again names the same record, not a new one, even from a stale lookup
    assert store.find_problem("pn-tais", "site-down")["id"] == record["id"]
    again = store.add_troubleshooting_note(found, {"who": "Budi", "action": "Cek lagi"})
    assert again["id"] == record["id"] and len(again["notes"]) == 2
    assert store.find_problem("pn-tais", str(record["id"]))["id"] == record["id"]
    assert store.find_problem("pn-tais", "content-stale") is None
    assert store.find_problem("pn-lain", str(record["id"])) is None  # another court's record


def test_the_problem_starts_with_the_current_episode_not_an_earlier_one(store):
    store.record_run(a_run("r0", "2026-11-01T08:00:00Z", findings=[DOWN]))  # an earlier outage, over
    store.record_run(a_run("r1", "2026-11-10T08:00:00Z"))  # checked: the site was up
    store.record_run(a_run("r2", "2026-11-20T08:00:00Z", findings=[DOWN]))
    unreachable = a_run("r3", "2026-11-20T20:00:00Z")
    unreachable["results"][0]["status"] = "unreachable"  # saw nothing either way
    store.record_run(unreachable)
    store.record_run(a_run("r4", "2026-11-21T08:00:00Z", findings=[DOWN]))
    assert store.find_problem("pn-tais", "site-down")["started"] == "2026-11-20T08:00:00+00:00"


def test_a_note_before_the_problem_began_is_refused_and_leaves_nothing(store):
    store.record_run(a_run(findings=[DOWN]))
    found = store.find_problem("pn-tais", "site-down")
    with pytest.raises(StoreError, match="lebih awal"):
        store.add_troubleshooting_note(
            found, {"who": "Budi", "action": "x", "at": "2026-11-19T00:00:00Z", "resolved": True}
        )
    assert store.problems("pn-tais", open_only=False) == []
    record = store.add_troubleshooting_note(
        found, {"who": "Budi", "action": "x", "at": "2026-11-20T09:00:00Z"}
    )
    with pytest.raises(StoreError, match="lebih awal"):
        store.add_troubleshooting_note(
            record["id"], {"who": "Budi", "action": "y", "at": "2026-11-19T00:00:00Z"}
        )
    assert store.find_problem("pn-tais", "site-down")["outcome"] == "in_progress"


def test_a_problem_worked_on_in_the_period_is_in_the_period_even_if_it_began_before(store):
    store.record_run(a_run(findings=[DOWN]))
    record = store.add_troubleshooting_note(
        store.find_problem("pn-tais", "site-down"),
        {"who": "Budi", "action": "Cek", "at": "2026-11-20T09:00:00Z"},
    )
    assert store.troubleshooting_all(since="2026-11-22T00:00:00Z") == {}
    store.add_troubleshooting_note(
        record["id"], {"who": "Budi", "action": "Hubungi ISP", "party": "ISP", "at": "2026-11-23T00:00:00Z"}
    )
    [shown] = store.troubleshooting_all(since="2026-11-22T00:00:00Z")["pn-tais"]
    assert [n["action"] for n in shown["notes"]] == ["Cek", "Hubungi ISP"]


def test_credentials_typed_into_a_note_are_masked(store):
    store.record_run(a_run(findings=[DOWN]))
    record = store.find_problem("pn-tais", "site-down")
    record = store.add_troubleshooting_note(
        record, {"who": "Budi", "action": "login ke panel dengan password=Rahasia123 lalu restart"}
    )
    assert "Rahasia123" not in record["notes"][0]["action"]


def test_renewal_steps_follow_the_workflow(store):
    steps = [
        ("invoice", {"date": "2026-11-01", "amount": "1500000", "document": "/arsip/inv-77.pdf"}),
        ("requested", {"date": "2026-11-02"}),
        ("paid", {"date": "2026-11-05", "amount": 1500000}),
        ("renewed", {"date": "2026-11-06", "paid_until": "2027-12-10"}),
    ]
    for stage, extra in steps:
        store.add_renewal_step("pn-tais", HOSTING_ID, dict(extra, stage=stage, who="Budi"))
    recorded = store.renewal_steps_all(["pn-tais"])["pn-tais"][HOSTING_ID]
    assert [s["stage"] for s in recorded] == ["invoice", "requested", "paid", "renewed"]
    assert recorded[0]["amount"] == 1500000 and recorded[0]["document"] == "/arsip/inv-77.pdf"
    assert recorded[-1]["paid_until"] == "2027-12-10"
    # a new cycle starts with the next invoice
    store.add_renewal_step("pn-tais", HOSTING_ID, {"stage": "invoice", "date": "2027-11-01", "who": "Budi"})


@pytest.mark.parametrize(
    ("earlier", "step", "key"),
    [
        ([], {"stage": "paid", "date": "2026-11-05"}, "order_first"),
        (["invoice"], {"stage": "paid", "date": "2026-11-05"}, "order"),
        (["invoice"], {"stage": "invoice", "date": "2026-11-05"}, "order"),
        ([], {"stage": "invoice", "date": "05-11-2026"}, "bad_date"),
        ([], {"stage": "invoice", "date": "2026-02-30"}, "bad_date"),
        (["invoice"], {"stage": "requested", "date": "2026-10-01"}, "earlier"),
        (["invoice", "requested", "paid"], {"stage": "renewed", "date": "2026-11-06"}, "need_paid_until"),
        (
            ["invoice", "requested", "paid"],
            {"stage": "renewed", "date": "2026-11-06", "paid_until": "10/12/2027"},
            "bad_date",
        ),
        ([], {"stage": "invoice", "date": "2026-11-06", "paid_until": "2027-12-10"}, "paid_until_only"),
        ([], {"stage": "invoice", "date": "2026-11-06", "amount": "satu juta"}, "bad_amount"),
        ([], {"stage": "dibayar", "date": "2026-11-06"}, "bad_stage"),
    ],
)
def test_steps_out_of_order_or_with_a_bad_date_are_refused(store, earlier, step, key):
    for stage in earlier:
        store.add_renewal_step("pn-tais", HOSTING_ID, {"stage": stage, "date": "2026-11-01", "who": "Budi"})
    with pytest.raises(WorkflowError) as caught:
        store.add_renewal_step("pn-tais", HOSTING_ID, dict(step, who="Budi"))
    assert caught.value.key == key
    assert caught.value.message("en") != caught.value.message("id")
    assert len(store.renewal_steps_all().get("pn-tais", {}).get(HOSTING_ID, [])) == len(earlier)


def _pay(path, barrier, results):
    with HistoryStore(path, timeout=60) as s:
        barrier.wait()
        try:
            s.add_renewal_step(
                "pn-tais", HOSTING_ID, {"stage": "requested", "date": "2026-11-02", "who": "x"}
            )
            results.put("recorded")
        except WorkflowError as exc:
            results.put(exc.key)


def test_two_people_recording_the_same_step_at_once_record_it_once(history_db):
    path = history_db
    with HistoryStore(path) as s:
        assert s.backend == ("sqlite" if isinstance(path, Path) else "postgresql")
        s.add_renewal_step("pn-tais", HOSTING_ID, {"stage": "invoice", "date": "2026-11-01", "who": "Budi"})
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_pay, args=(path, barrier, results)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0] * 4
    assert sorted(results.get(timeout=10) for _ in range(4)) == ["order", "order", "order", "recorded"]
    with HistoryStore(path) as s:
        assert [x["stage"] for x in s.renewal_steps_all()["pn-tais"][HOSTING_ID]] == ["invoice", "requested"]
