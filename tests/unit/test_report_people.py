"""The reports show what people recorded: the Secretary's acknowledgement (court report and dashboard),
the trail of staff and third-party work on a problem (W7), the renewal workflow per item (W4)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sopansible.report import render_reports
from sopansible.store import HistoryStore
from tests.unit.test_report import SCRIPT, Page

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
HOSTING = {"kind": "hosting", "provider": "PT Awan", "service": "VPS", "paid_until": "2026-12-01"}
ITEM = "hosting:pt-awan:vps"
DOWN = {"rule": "site-down", "severity": "critical", "message": "Website tidak dapat diakses"}


def a_run(run_id: str, started: str, court: str) -> dict:
    return {
        "run_id": run_id,
        "name": "harian",
        "started": started,
        "courts": {
            court: {
                "court_name": f"Pengadilan Negeri {court}",
                "court_region": "PT Bengkulu",
                "court_sop_times": {"W7": "1 jam - 3 hari"},
                "court_services": [HOSTING],
                "court_contacts": {"sekretaris": {"name": "Dra. Siti Aminah"}},
            }
        },
        "results": [
            {
                "court": court,
                "activity": "W1",
                "status": "critical",
                "started": started,
                "findings": [DOWN],
            },
            {
                "court": court,
                "activity": "W4",
                "status": "warning",
                "started": started,
                "outputs": {
                    "items": [
                        {
                            "id": ITEM,
                            "kind": "hosting",
                            "name": "VPS (PT Awan)",
                            "date": "2026-12-01",
                            "days_left": 5,
                        }
                    ]
                },
            },
        ],
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    with HistoryStore(root / "history.sqlite") as store:
        store.record_run(a_run("r1", "2026-11-24T08:00:00Z", "pn-tais"))
        store.record_run(a_run("r2", "2026-11-24T08:00:00Z", "pn-curup"))
        store.add_acknowledgement(
            {
                "court": "pn-tais",
                "who": "Dra. Siti Aminah",
                "acknowledged": "2026-11-25T03:00:00Z",
                "note": "Perpanjang hosting sebelum 1 Desember " + SCRIPT,
                "document": "/arsip/laporan-2026-11-ttd.pdf",
            }
        )
        problem = store.find_problem("pn-tais", "site-down")
        problem = store.add_troubleshooting_note(
            problem,
            {
                "who": "Budi",
                "action": "Lapor gangguan ke ISP " + SCRIPT,
                "party": "ISP Telkom",
                "ticket": "TK-99812",
                "at": "2026-11-24T09:00:00Z",
            },
        )
        store.add_troubleshooting_note(
            problem["id"],
            {"who": "Budi", "action": "Router diganti ISP", "at": "2026-11-24T11:00:00Z", "resolved": True},
        )
        for stage, day in (("invoice", "2026-11-20"), ("requested", "2026-11-21"), ("paid", "2026-11-25")):
            store.add_renewal_step(
                "pn-tais",
                ITEM,
                {
                    "stage": stage,
                    "date": day,
                    "who": "Budi",
                    "amount": 4800000,
                    "document": "/arsip/inv-77.pdf",
                },
            )
        out = root / "reports"
        render_reports(store, out / "id", now=NOW, days=7)
        render_reports(store, out / "en", lang="en", now=NOW, days=7)
    return out


def page(reports, lang: str, name: str) -> Page:
    return Page((reports / lang / name).read_text(encoding="utf-8"))


def test_the_court_report_shows_the_acknowledgement(reports):
    report = page(reports, "id", "pn-tais/laporan.html")
    ack = report.kv(**{"class": "kv ack"})
    assert (
        ack["Mengetahui,"] == "Diketahui oleh Dra. Siti Aminah (Sekretaris) pada 25 November 2026 03:00 UTC"
    )
    assert ack["Dokumen bertanda tangan"] == "/arsip/laporan-2026-11-ttd.pdf"
    assert ack["Catatan"].startswith("Perpanjang hosting sebelum 1 Desember <script>")
    # the path is text: never a link the report would open, and the hostile note is not markup
    assert not any(tag == "a" and "arsip" in (attrs.get("href") or "") for tag, attrs in report.tags)
    assert not any(tag == "script" for tag, _ in report.tags)
    other = page(reports, "id", "pn-curup/laporan.html")
    assert "Belum tercatat bahwa laporan ini diketahui Sekretaris/Kasubbag" in other.all_text()


def test_the_dashboard_shows_who_acknowledged_each_court(reports):
    for lang, column in (("id", "Diketahui"), ("en", "Acknowledged")):
        table = page(reports, lang, "index.html").table(**{"data-region": "PT Bengkulu"})
        head = table["rows"][0]
        rows = {row[0].split(" ")[-1]: dict(zip(head, row, strict=True)) for row in table["rows"][1:]}
        assert "Dra. Siti Aminah" in rows["pn-tais"][column]
        assert rows["pn-curup"][column] == "-"


def test_the_w7_record_shows_the_trail_and_the_honest_resolution_time(reports):
    report = page(reports, "id", "pn-tais/laporan.html")
    table = report.table(**{"class": "troubleshooting"})
    head, row = table["rows"][0], table["rows"][1]
    cells = dict(zip(head, row, strict=True))
    trail = cells["Tindak lanjut (staf / pihak ketiga)"]
    assert "Budi (Pihak ketiga: ISP Telkom, tiket TK-99812): Lapor gangguan ke ISP <script>" in trail
    assert "Router diganti ISP [selesai]" in trail
    assert cells["Hasil"] == "selesai"
    assert (cells["Pelaksana"], cells["Pihak ketiga"]) == ("Budi", "ISP Telkom")
    assert cells["Lama / Waktu baku (Mutu Baku)"] == "3 jam / 1 jam - 3 hari"
    data = json.loads((reports / "id" / "pn-tais" / "laporan.json").read_text(encoding="utf-8"))
    [record] = data["troubleshooting"]
    assert [n["party"] for n in record["notes"]] == ["ISP Telkom", None]


def test_the_w4_section_shows_where_each_renewal_stands(reports):
    for lang, stage, following in (("id", "dibayar", "diperpanjang"), ("en", "paid", "renewed")):
        report = page(reports, lang, "pn-tais/laporan.html")
        table = report.table(**{"class": "workflow"})
        head, row = table["rows"][0], table["rows"][1]
        cells = dict(zip(head, row, strict=True))
        assert cells[head[0]].startswith("VPS (PT Awan)")
        assert cells[head[1]].startswith(stage)
        assert cells[head[4]] == "/arsip/inv-77.pdf"
        assert cells[head[6]] == following
        assert ("4.800.000" if lang == "id" else "4,800,000") in cells[head[3]]
