"""The runner's event collector: one result per court and activity, from ansible-runner's events."""

from __future__ import annotations

from sopansible.runner import EventCollector


def event(kind, host=None, created="2026-11-23T02:30:00+00:00", **data):
    if host:
        data["host"] = host
    return {"event": kind, "created": created, "event_data": data}


def test_a_failure_after_the_result_keeps_one_row_with_the_result():
    collector = EventCollector()
    result = {
        "activity": "W2",
        "status": "failed",
        "summary": "Backup gagal: disk penuh.",
        "outputs": {"x": 1},
    }
    for item in (
        event("playbook_on_play_start", play="W2 Backup seluruh sistem"),
        event("runner_on_start", "pn-tais", task="Back up to every target"),
        event("runner_on_ok", "pn-tais", res={"ansible_facts": {"pn_sop_result": result}}),
        event("runner_on_start", "pn-tais", task="Fail when the backup failed"),
        event(
            "runner_on_failed",
            "pn-tais",
            created="2026-11-23T02:31:00+00:00",
            task="Fail when the backup failed",
            res={"msg": "Backup gagal: disk penuh."},
        ),
    ):
        collector.handle(item)
    (row,) = collector.results
    assert row["status"] == "failed" and row["outputs"] == {"x": 1}
    assert row["error"] == "Backup gagal: disk penuh."


def test_a_failure_without_a_result_is_its_own_row():
    collector = EventCollector()
    for item in (
        event("playbook_on_play_start", play="W3 Log aktivitas pengunjung"),
        event("runner_on_start", "pn-curup", task="Analyse"),
        event("runner_on_unreachable", "pn-curup", task="Analyse", res={"msg": "connection refused"}),
    ):
        collector.handle(item)
    (row,) = collector.results
    assert (row["activity"], row["status"], row["error"]) == ("W3", "unreachable", "connection refused")


def test_a_rescued_failure_then_the_result_keeps_one_row_with_the_result():
    """A play that rescues a court's failure and records its result (the restore drill, so that the
    next court is still drilled): one row, the play's result, with the failure's reason."""
    collector = EventCollector()
    result = {
        "activity": "IT-DRILL",
        "status": "failed",
        "summary": "Uji pemulihan (restore drill) GAGAL di dr-1: wrong repository password",
        "outputs": {"mode": "drill"},
    }
    for item in (
        event("playbook_on_play_start", play="IT-DRILL Uji pemulihan backup (restore drill)"),
        event("runner_on_start", "pn-tais", task="Find the snapshot to restore"),
        event(
            "runner_on_failed",
            "pn-tais",
            task="Find the snapshot to restore",
            res={"msg": "wrong repository password"},
        ),
        event("runner_on_start", "pn-tais", task="Record the failed drill"),
        event(
            "runner_on_ok",
            "pn-tais",
            created="2026-11-23T02:31:00+00:00",
            res={"ansible_facts": {"pn_sop_result": result}},
        ),
        event("runner_on_start", "pn-bangil", task="Find the snapshot to restore"),
        event(
            "runner_on_ok",
            "pn-bangil",
            res={"ansible_facts": {"pn_sop_result": dict(result, status="ok", summary="berhasil")}},
        ),
    ):
        collector.handle(item)
    rows = {row["court"]: row for row in collector.results}
    assert len(collector.results) == 2
    tais = rows["pn-tais"]
    assert (tais["activity"], tais["status"], tais["outputs"]) == ("IT-DRILL", "failed", {"mode": "drill"})
    assert tais["error"] == "wrong repository password" and "GAGAL" in tais["summary"]
    assert tais["duration_s"] == 60.0
    assert rows["pn-bangil"]["status"] == "ok"


def w1(status):
    return {"activity": "W1", "status": status, "summary": status, "outputs": {}, "findings": []}


def test_a_module_result_of_its_own_court_is_the_court_result():
    """A module that judges its court (backup_status on the usual day, access_log_audit) returns
    pn_sop_result in its result: recorded as the fact is, with no set_fact task per court."""
    collector = EventCollector()
    w3 = {"activity": "W3", "status": "warning", "summary": "2 temuan", "outputs": {}, "findings": []}
    for item in (
        event("playbook_on_play_start", play="W3: monitor visitor activity"),
        event("runner_on_start", "pn-tais", task="Analyse"),
        event(
            "runner_on_ok", "pn-tais", task_action="pn.website.access_log_audit", res={"pn_sop_result": w3}
        ),
        event("runner_on_start", "pn-curup", task="Analyse"),
        event("runner_on_ok", "pn-curup", task_action="pn.website.access_log_audit", res={"sop_result": w3}),
    ):
        collector.handle(item)
    (row,) = collector.results  # a result under another name is no court result
    assert (row["court"], row["activity"], row["status"]) == ("pn-tais", "W3", "warning")


def test_the_probe_of_every_court_gives_each_court_its_result_and_no_court_speaks_for_another():
    collector = EventCollector()
    fleet = {"pn-tais": w1("ok"), "pn-curup": w1("critical")}
    for item in (
        event("playbook_on_play_start", play="W1: monitor content updates"),
        event("runner_on_start", "pn-tais", created="2026-11-23T02:30:00+00:00", task="Probe"),
        event(
            "runner_on_ok",
            "pn-tais",
            created="2026-11-23T02:30:09+00:00",
            task_action="pn.website.site_probe",
            res={"sop_results": fleet},
        ),
    ):
        collector.handle(item)
    rows = {row["court"]: row for row in collector.results}
    assert {court: row["status"] for court, row in rows.items()} == {"pn-tais": "ok", "pn-curup": "critical"}
    assert rows["pn-curup"]["started"] == "2026-11-23T02:30:00+00:00" and rows["pn-curup"]["duration_s"] == 9
    # the probe that W6 diagnoses from gives no W1 results in the W6 play
    diagnosis = EventCollector()
    for item in (
        event("playbook_on_play_start", play="W6 Diagnosis masalah website"),
        event("runner_on_start", "pn-tais", task="Probe"),
        event("runner_on_ok", "pn-tais", task_action="pn.website.site_probe", res={"sop_results": fleet}),
    ):
        diagnosis.handle(item)
    assert diagnosis.results == []
    # the same mapping from a court's own module (a compromised server) is not taken for other courts
    other = EventCollector()
    for item in (
        event("playbook_on_play_start", play="W3: monitor visitor activity"),
        event("runner_on_start", "pn-tais", task="Analyse"),
        event(
            "runner_on_ok",
            "pn-tais",
            task_action="pn.website.access_log_audit",
            res={"sop_results": {"pn-curup": w1("ok")}},
        ),
    ):
        other.handle(item)
    assert other.results == []


def test_the_part_a_callback_converts_gives_the_same_results_as_the_whole_result():
    from sopansible.events import results_part, sop_results

    fleet = {"pn-tais": w1("ok"), "pn-curup": w1("critical")}
    whole = {"sop_results": fleet, "summary": {"sites": 2}, "probes": {"pn-tais": {"html": "x" * 1000}}}
    part = results_part(whole, "pn.website.site_probe")
    assert part == {"sop_results": fleet}
    assert sop_results("pn-tais", part, "pn.website.site_probe", "W1") == sop_results(
        "pn-tais", whole, "pn.website.site_probe", "W1"
    )
    audit = {"pn_sop_result": w1("ok"), "findings": [{"samples": ["..."]}], "rotated": []}
    assert results_part(audit, "pn.website.access_log_audit") == {"pn_sop_result": w1("ok")}
    fact = {"ansible_facts": {"pn_sop_result": w1("warning"), "other": 1}, "changed": False}
    kept = {"ansible_facts": {"pn_sop_result": w1("warning")}}
    assert results_part(fact, "ansible.builtin.set_fact") == kept
    # a court's module cannot carry a mapping for other courts through the part either
    assert results_part({"sop_results": fleet}, "pn.website.access_log_audit") == {}
