"""Activity views in the reports: each SOP activity has its view, registered by activity id; an activity
without one (a catalogue that gained an activity) is shown by the generic view."""

from __future__ import annotations

import dataclasses
import json

from sopansible.catalogue import Catalogue
from sopansible.catalogue import load as load_catalogue
from sopansible.report import activities, render_reports, texts
from sopansible.store import HistoryStore
from tests.unit.test_report import NOW, make_run


def _catalogue_with(*new_ids: str) -> Catalogue:
    cat = load_catalogue()
    added = tuple(dataclasses.replace(cat.activity("IT-AUDIT"), id=i) for i in new_ids)
    return dataclasses.replace(cat, activities=cat.activities + added)


def _view(out, activity_id: str) -> dict:
    data = json.loads((out / "pn-uji-0" / "laporan.json").read_text(encoding="utf-8"))
    return next(a for a in data["activities"] if a["id"] == activity_id)


def test_every_activity_of_the_catalogue_has_its_view():
    assert set(load_catalogue().ids()) <= set(activities.VIEWS)
    assert "IT-NEW" not in activities.VIEWS


def test_an_activity_without_a_view_is_shown_by_the_generic_view(tmp_path):
    run = make_run(0, [0])
    run["results"].append(
        {
            "court": "pn-uji-0",
            "activity": "IT-NEW",
            "status": "warning",
            "started": run["started"],
            "duration_s": 3,
            "outputs": {"files": 4, "db_password": "rahasia"},
            "findings": [],
        }
    )
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW, catalogue=_catalogue_with("IT-NEW", "IT-LATER"))
    shown = _view(tmp_path / "out", "IT-NEW")
    assert shown["status"] == "warning" and shown["has_details"]
    assert shown["evidence"] == [
        {"label": "Jumlah berkas", "value": "4"},
        {"label": "db_password", "value": "***"},
    ]
    assert shown["alternatives"] == [texts.ADVICE_GENERIC[0]]  # no finding, no fallback of its own
    never_run = _view(tmp_path / "out", "IT-LATER")
    assert never_run["status"] is None and not never_run["has_details"]
    assert never_run["status_label"] == "Belum dijalankan"
