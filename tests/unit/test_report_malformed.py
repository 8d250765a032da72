"""Malformed numbers in results (they come from court servers and runs) are flagged for the court that
sent them; every other court's report is made as usual."""

from __future__ import annotations

import json
import math

import pytest

from sopansible import report
from sopansible.report import render
from sopansible.store import HistoryStore
from tests.unit.test_report import NOW, make_run

INVALID_RULE = "result-invalid"  # the finding that flags a value the store could not use


def read_json(path):
    return json.loads(path.read_text())


def bad_run() -> dict:
    """Four courts: 0 sends response_ms as text, 1 as NaN, 3 a size and availability that are no
    numbers, 4 is healthy."""
    run = make_run(0, [0, 1, 3, 4])
    for result in run["results"]:
        outputs = result.get("outputs") or {}
        if result["court"] == "pn-uji-0" and result["activity"] == "W1":
            outputs["response_ms"] = "cepat"
        if result["court"] == "pn-uji-1" and result["activity"] == "W1":
            outputs["response_ms"] = math.nan
            outputs["tls_days_left"] = math.inf
        if result["court"] == "pn-uji-3" and result["activity"] == "W2":
            outputs["size_bytes"] = "besar"
        if result["court"] == "pn-uji-3" and result["activity"] == "W1":
            outputs["available"] = "ya"
    return run


def test_malformed_values_are_flagged_per_court_and_the_others_are_reported(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(bad_run())
        report.render_reports(store, tmp_path / "out", now=NOW)
    index = read_json(tmp_path / "out" / "index.json")
    listed = {c["court"]: c for g in index["regions"] for c in g["courts"]}
    assert set(listed) == {"pn-uji-0", "pn-uji-1", "pn-uji-3", "pn-uji-4"}
    flagged = {
        "pn-uji-0": ["outputs.response_ms"],
        "pn-uji-1": ["outputs.response_ms", "outputs.tls_days_left"],
        "pn-uji-3": ["outputs.available", "outputs.size_bytes"],
    }
    for court, fields in flagged.items():
        data = read_json(tmp_path / "out" / court / "laporan.json")
        found = [f for f in data["open_findings"] if f["rule"] == INVALID_RULE]
        assert len(found) >= 1, court
        named = sorted(field for f in found for field in f["message"].split(": ", 1)[1].split("; "))
        assert [n.split(" = ")[0] for n in named] == fields
        assert listed[court]["status"] != "failed"  # the report itself was made
    good = read_json(tmp_path / "out" / "pn-uji-4" / "laporan.json")
    assert good["metrics"]["response_ms_avg"] == 100.0
    assert not [f for f in good["open_findings"] if f["rule"] == INVALID_RULE]
    assert read_json(tmp_path / "out" / "pn-uji-0" / "laporan.json")["metrics"]["response_ms_avg"] is None


@pytest.mark.parametrize(
    "outputs",
    [
        '{"response_ms": "cepat", "available": "ya"}',
        '{"response_ms": NaN, "available": true}',  # Python's json writes NaN; SQLite rejects it
        '{"response_ms": Infinity}',
    ],
)
def test_rows_written_before_the_checks_do_not_stop_the_fleet(tmp_path, outputs):
    """A history written by an older version (or another writer) already holds a bad value."""
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(make_run(0, [0, 4]))
        store._conn.execute(
            "UPDATE results SET outputs_json = ? WHERE court = 'pn-uji-0' AND activity = 'W1'", (outputs,)
        )
        store._conn.commit()
        report.render_reports(store, tmp_path / "out", now=NOW)
    data = read_json(tmp_path / "out" / "pn-uji-0" / "laporan.json")
    assert data["metrics"]["response_ms_avg"] is None
    assert "<svg" in (tmp_path / "out" / "pn-uji-0" / "laporan.html").read_text()
    assert read_json(tmp_path / "out" / "pn-uji-4" / "laporan.json")["metrics"]["response_ms_avg"] == 100.0


def test_a_court_whose_report_fails_is_listed_as_failed(tmp_path, monkeypatch):
    """The last line of defence: whatever goes wrong in one court's report, the others are made."""
    real = report.court_context

    def broken(name, *args, **kwargs):
        if name == "pn-uji-0":
            raise ValueError("nilai rusak")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(render, "court_context", broken)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(make_run(0, [0, 4]))
        report.render_reports(store, tmp_path / "out", now=NOW)
    listed = {
        c["court"]: c for g in read_json(tmp_path / "out" / "index.json")["regions"] for c in g["courts"]
    }
    assert listed["pn-uji-0"]["status"] == "failed" and listed["pn-uji-4"]["status"] == "warning"
    assert "nilai rusak" in (tmp_path / "out" / "pn-uji-0" / "laporan.html").read_text()
