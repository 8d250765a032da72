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


def _audit_run(health) -> dict:
    run = make_run(0, [0])
    run["results"].append(
        {
            "court": "pn-uji-0",
            "activity": "IT-AUDIT",
            "status": "warning",
            "started": run["started"],
            "duration_s": 40,
            "summary": "Skor kepatuhan 100.0%: 30 kontrol lulus, 0 gagal. Kesehatan server: units-failed.",
            "outputs": {"score": 100.0, "counts": {"pass": 30, "fail": 0, "skip": 2}, "health": health},
            "findings": [
                {
                    "rule": "units-failed",
                    "severity": "medium",
                    "message": "Layanan sistem gagal: 1 unit systemd dalam keadaan gagal: logrotate.service.",
                    "evidence": {"units": ["logrotate.service"], "count": 1},
                }
            ],
        }
    )
    return run


def test_the_audit_shows_the_servers_health_and_its_findings_with_advice(tmp_path):
    health = {
        "disks": [{"mount": "/", "used_pct": 41.5, "free_bytes": 10 * 1024**3, "inodes_used_pct": 8.1}],
        "memory_available_pct": 63.2,
        "load5": 0.4,
        "cpus": 2,
        "failed_units": ["logrotate.service"],
        "failed_units_count": 1,
        "security_updates": 0,
    }
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(_audit_run(health))
        render_reports(store, tmp_path / "out", now=NOW)
    shown = _view(tmp_path / "out", "IT-AUDIT")
    assert shown["table"] == {
        "title": "Kesehatan server",
        "head": ["Bagian", "Nilai"],
        "rows": [
            ["Disk /", "41.5% terpakai, inode 8.1% terpakai, sisa 10.0 GB"],
            ["Memori tersedia", "63.2%"],
            ["Beban 5 menit", "0.40 untuk 2 CPU"],
            ["Unit systemd gagal", "logrotate.service"],
            ["Pembaruan keamanan tertunda", "0"],
        ],
    }
    assert "health" not in {row["label"] for row in shown["evidence"]}
    (finding,) = shown["findings"]
    assert finding["rule"] == "units-failed" and finding["samples"] == ["logrotate.service"]
    assert shown["alternatives"] == [texts.ADVICE["server"][0]]


def test_a_malformed_health_record_still_gives_a_report(tmp_path):
    """The history holds what court servers and older versions sent: odd values show as '-' or 'not
    checked', never stop the report."""
    health = {
        "disks": [{"mount": ["x"], "used_pct": "full"}, "sda1"],
        "memory_available_pct": float("inf"),
        "load5": True,
        "failed_units": "nginx.service",
        "failed_units_count": "many",
        "security_updates": None,
    }
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(_audit_run(health))
        render_reports(store, tmp_path / "out", now=NOW, lang="en")
    rows = _view(tmp_path / "out", "IT-AUDIT")["table"]["rows"]
    assert rows == [
        ['Disk ["x"]', "- used, inodes - used, - free"],
        ["Memory available", "-"],
        ["5-minute load", "-"],
        ["Failed systemd units", "not checked"],
        ["Pending security updates", "not checked"],
    ]
