"""The daily SOP cycle (what `make demo` runs) end to end on the court fleet."""

from __future__ import annotations

import json

import pytest

from sopansible.cli import main
from sopansible.store import HistoryStore

pytestmark = pytest.mark.fleet


def test_harian_records_w1_w2_w3_for_every_court_and_writes_reports(fleet, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    code = main(["run", "harian", "-i", str(fleet.inventory)])
    assert code in (0, 1)  # warnings (log findings) are allowed; failures are not
    store = HistoryStore(data / "history.sqlite")
    for court in fleet.courts:
        latest = store.latest(court.name)
        assert {"W1", "W2", "W3"} <= set(latest), court.name
        assert latest["W1"]["status"] == "ok", latest["W1"]
        assert latest["W2"]["status"] == "ok", latest["W2"]
        assert latest["W2"]["outputs"]["snapshot_id"]
        assert latest["W3"]["status"] in ("ok", "warning")
        report = json.loads((data / "reports" / court.name / "laporan.json").read_text())
        assert report
    assert "Pengadilan" in (data / "reports" / "index.html").read_text()
