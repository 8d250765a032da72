"""SOP reports: content of the per-court report and the dashboard, escaping, JSON, languages, CLI."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from sopansible import cli, report
from sopansible.report import ReportError, pdf, redact_url, render_reports
from sopansible.store import HistoryStore

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG_ONLOAD = "<svg onload=alert(3)>"


class Page(HTMLParser):
    """Tags, attributes and table cell texts of a rendered page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.tables: list[dict] = []  # {"attrs", "rows": [[cell text]]}
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table":
            self._stack.append({"attrs": attrs, "rows": []})
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []
            self._stack[-1]["rows"][-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            table = self._stack.pop()
            table["rows"] = [[" ".join("".join(c).split()) for c in row] for row in table["rows"]]
            self.tables.append(table)

    def handle_data(self, data):
        self.text.append(data)
        for table in self._stack:
            if table["rows"] and table["rows"][-1]:
                table["rows"][-1][-1].append(data)

    def table(self, **attrs) -> dict:
        for table in self.tables:
            if all(table["attrs"].get(k) == v for k, v in attrs.items()):
                return table
        raise AssertionError(f"no table with {attrs}")

    def kv(self, **attrs) -> dict:
        return {row[0]: row[1] for row in self.table(**attrs)["rows"] if len(row) == 2}

    def all_text(self) -> str:
        return " ".join("".join(self.text).split())


def court_vars(i: int) -> dict:
    return {
        "court_name": f"Pengadilan Negeri Uji {i}",
        "court_type": "PN",
        "court_region": "PT Surabaya" if i < 2 else "PT Bengkulu",
        "court_domain": f"pn-uji{i}.go.id",
        "court_sop_times": {"W1": "4 jam", "W2": "1 jam"},
        "court_sop_number": f"W14.U{i}/10/SOP/09/2016",
        "court_contacts": {
            "sekretaris": {"name": f"Dra. Sekretaris {i}", "email": "s@example.go.id"},
            "it_staff": [{"name": f"Operator {i}"}],
        },
        "court_services": [{"kind": "hosting", "provider": "Hosting X", "paid_until": "2027-03-01"}],
    }


def make_run(day: int, courts: list[int]) -> dict:
    started = (NOW - dt.timedelta(days=day)).isoformat()
    results = []
    for i in courts:
        if i == 2:  # a court that cannot be reached at all
            for activity in ("W1", "W2", "W3"):
                results.append(
                    {
                        "court": f"pn-uji-{i}",
                        "activity": activity,
                        "status": "unreachable",
                        "started": started,
                        "error": "SSH: connection timed out",
                    }
                )
            continue
        up = not (i == 1 and day < 2)
        results += [
            {
                "court": f"pn-uji-{i}",
                "activity": "W1",
                "status": "ok" if up else "critical",
                "summary": "Website dapat diakses" if up else "Website tidak dapat diakses",
                "started": started,
                "duration_s": 1.5,
                "outputs": {
                    "http_status": 200 if up else 503,
                    "response_ms": 100 + day,
                    "available": up,
                    "newest_content": "2026-11-20",
                    "tls_days_left": 80,
                },
                "findings": []
                if up
                else [{"rule": "site-down", "severity": "critical", "message": "HTTP 503", "evidence": {}}],
            },
            {
                "court": f"pn-uji-{i}",
                "activity": "W2",
                "status": "ok",
                "started": started,
                "duration_s": 7200,  # exceeds the court's "1 jam"
                "outputs": {
                    "snapshot_id": f"snap{day:02d}{i}",
                    "size_bytes": 10 * 1048576 - day * 1000,
                    "files": 1200,
                    "repository": "rest:https://backup:s3cr3tpass@backup.example/pn",
                },
            },
            {
                "court": f"pn-uji-{i}",
                "activity": "W3",
                "status": "warning",
                "started": started,
                "duration_s": 12,
                "outputs": {
                    "summary": {
                        "requests": 12000,
                        "unique_visitors": 340,
                        "top_pages": [{"name": "/", "count": 500}, {"name": SCRIPT, "count": 3}],
                    }
                },
                "findings": [
                    {
                        "rule": "gambling-spam",
                        "severity": "high",
                        "message": "Konten judi online " + SCRIPT,
                        "evidence": {
                            "url": "/slot" + IMG,
                            "user_agent": SVG_ONLOAD,
                            "samples": ['1.2.3.4 "GET /?q=' + SCRIPT + '" 200 "' + IMG + '"'],
                        },
                    }
                ],
            },
            {
                "court": f"pn-uji-{i}",
                "activity": "W4",
                "status": "warning",
                "started": started,
                "duration_s": 2,
                "outputs": {
                    "items": [
                        {
                            "kind": "domain",
                            "name": f"pn-uji{i}.go.id",
                            "expires": "2027-01-01",
                            "days_left": 39,
                            "action": "Ajukan pembayaran " + IMG,
                            "contact": {"name": "PANDI", "email": "domain@pandi.id"},
                        }
                    ]
                },
            },
        ]
    return {
        "run_id": f"run-{day}",
        "name": "harian",
        "inventory": "/srv/inventory",
        "started": started,
        "finished": started,
        "status": "unreachable",
        "courts": {f"pn-uji-{i}": court_vars(i) for i in courts},
        "results": results,
    }


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "history.sqlite"
    with HistoryStore(path) as store:
        for day in range(10):
            store.record_run(make_run(day, [0, 1, 2]))
        store.add_troubleshooting(
            {
                "court": "pn-uji-1",
                "problem": "Website mati " + SCRIPT,
                "evidence": {"log": IMG},
                "actions": ["Restart php-fpm", IMG],
                "who": "Operator 1",
                "third_party": {"role": "hosting", "name": "Hosting X"},
                "started": "2026-11-22T10:00:00Z",
                "finished": "2026-11-22T12:00:00Z",
                "outcome": "resolved",
            }
        )
    return path


@pytest.fixture(scope="module")
def rendered(filled, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with HistoryStore(filled) as store:
        index = render_reports(store, out / "id", now=NOW, days=14)
        render_reports(store, out / "en", lang="en", now=NOW, days=14)
    return index.parent, out / "en"


def read(path) -> str:
    return path.read_text(encoding="utf-8")


def test_files_and_json(rendered):
    out, _ = rendered
    assert (out / "index.html").exists()
    index = json.loads(read(out / "index.json"))
    assert index["schema"] == "sopansible.report/1"
    for name in ("pn-uji-0", "pn-uji-1", "pn-uji-2"):
        data = json.loads(read(out / name / "laporan.json"))
        assert data["court"]["id"] == name
        assert [a["id"] for a in data["activities"]][:8] == ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]
        assert len(data["series"]["availability_daily"]) == 14
        assert (out / name / "laporan.html").exists()


def test_report_header_and_signature(rendered):
    page = Page(read(rendered[0] / "pn-uji-0" / "laporan.html"))
    header = page.kv(id="sop-header")
    assert header["Pengadilan"] == "Pengadilan Negeri Uji 0 (PN)"
    assert header["Nomor SOP"] == "W14.U0/10/SOP/09/2016"
    assert header["Judul SOP"] == "SOP Pengelolaan dan Pemeliharaan Website"
    assert "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik" in header["Dasar Hukum"]
    assert "SOP Pelayanan Informasi" in header["Keterkaitan"]
    assert header["Periode"].startswith("10 November 2026")
    assert ("html", {"lang": "id"}) in page.tags
    assert any(t == "span" and a.get("id") == "secretary-name" for t, a in page.tags)
    text = page.all_text()
    assert "Dra. Sekretaris 0" in text and "Operator 0" in text and "Mengetahui," in text


def test_activity_tables(rendered):
    page = Page(read(rendered[0] / "pn-uji-1" / "laporan.html"))
    overview = {row[0]: row for row in page.table(id="overview")["rows"][1:]}
    assert overview["W1"][3] == "4 jam"  # the court's own standard time
    # the SOP time is the outage (down since the check of 22 November, still going on), not the 1.5 s check
    assert overview["W1"][4] == "1 hari (masih berlangsung)"
    assert overview["W1"][6] == "Kritis"
    assert overview["W2"][6] == "Baik"
    assert overview["IT-AUDIT"][6] == "Belum dijalankan"

    w1 = page.kv(**{"class": "kv activity-table", "data-activity": "W1"})
    assert w1["Pelaksana"] == "Staf / Operator / Admin Website"
    assert w1["Waktu aktual"].startswith("1 hari (melebihi waktu baku)")
    assert "gangguan masih berlangsung sejak 22 November 2026 09:30 UTC" in w1["Waktu aktual"]
    assert w1["Durasi proses (otomatis)"] == "1.5 detik"
    assert "HTTP 503" in w1["Permasalahan"]
    assert "web server" in w1["Alternatif pemecahan masalah"]

    w2 = page.kv(**{"class": "kv activity-table", "data-activity": "W2"})
    # the age of the last good backup, not the 2 hours the backup job took
    assert w2["Waktu aktual"].startswith("0 detik (sesuai waktu baku)umur backup baik terakhir")
    assert w2["Durasi proses (otomatis)"] == "2 jam"
    evidence = page.kv(**{"class": "evidence"})  # first evidence table: W1
    assert evidence["Status HTTP"] == "503" and evidence["Website dapat diakses"] == "Tidak"
    w2_evidence = [t for t in page.tables if t["attrs"].get("class") == "evidence"][1]
    w2_rows = dict(row for row in w2_evidence["rows"])
    assert w2_rows["ID snapshot"] == "snap001"
    assert w2_rows["Ukuran"] == "10.0 MB"
    assert w2_rows["Repositori backup"] == "rest:https://backup:***@backup.example/pn"

    w3_evidence = [t for t in page.tables if t["attrs"].get("class") == "evidence"][2]
    assert dict(w3_evidence["rows"])["Jumlah permintaan"] == "12.000"
    renewals = page.table(**{"class": "renewals"})["rows"]
    assert renewals[1][:4] == ["Nama domain", "pn-uji1.go.id", "1 Januari 2027", "39"]
    assert renewals[1][5] == "PANDI / domain@pandi.id"

    troubles = page.table(**{"class": "troubleshooting"})["rows"]
    assert troubles[1][2] == "Operator 1" and troubles[1][3] == "hosting / Hosting X"
    assert troubles[1][4] == "2 jam / relatif" and troubles[1][5] == "selesai"
    w8 = page.kv(**{"class": "kv activity-table", "data-activity": "W8"})
    assert w8["Status"] == "Baik"  # the backup of 23 November follows the fix of 22 November 12:00
    assert "snap001" in w8["Output"]


def test_unreachable_court_shows_the_reason(rendered):
    page = Page(read(rendered[0] / "pn-uji-2" / "laporan.html"))
    w2 = page.kv(**{"class": "kv activity-table", "data-activity": "W2"})
    assert w2["Status"] == "Tidak terjangkau"
    assert w2["Permasalahan"] == "SSH: connection timed out"
    assert "koneksi ke server" in w2["Alternatif pemecahan masalah"]


def test_hostile_text_is_never_live_markup(rendered):
    for lang_dir in rendered:
        for path in [lang_dir / "index.html", *lang_dir.glob("*/laporan.html")]:
            html = read(path)
            page = Page(html)
            tags = {tag for tag, _ in page.tags}
            assert not tags & {"script", "img", "iframe", "object", "embed", "link"}, path
            for tag, attrs in page.tags:
                assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
                assert "src" not in attrs, (path, tag)
                assert not (attrs.get("href") or "").lower().startswith(("javascript:", "http")), (path, tag)
            # the only <svg> tags are our charts
            assert all(a.get("class") == "chart" for t, a in page.tags if t == "svg"), path
            assert "s3cr3tpass" not in html
    report_1 = read(rendered[0] / "pn-uji-1" / "laporan.html")
    text = Page(report_1).all_text()
    assert SCRIPT in text and "onerror=alert(2)" in text and SVG_ONLOAD in text  # shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report_1


def test_charts_are_inline_svg(rendered):
    page = Page(read(rendered[0] / "pn-uji-0" / "laporan.html"))
    charts = [a for t, a in page.tags if t == "svg"]
    assert len(charts) == 4
    paths = [a for t, a in page.tags if t == "path"]
    assert paths and all(a["d"].startswith("M") for a in paths)
    assert sum(1 for t, _ in page.tags if t == "rect") >= 10  # availability + findings bars


def test_dashboard_ranks_by_severity_within_regions(rendered):
    out, _ = rendered
    page = Page(read(out / "index.html"))
    fleet = [t for t in page.tables if t["attrs"].get("class") == "fleet fixed"]
    assert [t["attrs"]["data-region"] for t in fleet] == ["PT Bengkulu", "PT Surabaya"]
    surabaya = fleet[1]["rows"][1:]
    assert [row[0][:23] for row in surabaya] == ["Pengadilan Negeri Uji 1", "Pengadilan Negeri Uji 0"]
    assert surabaya[0][1] == "Kritis" and surabaya[1][1] == "Perhatian"
    assert surabaya[1][2] == "100%"
    assert surabaya[0][2] == "80%"  # 2 of 10 daily checks failed
    assert surabaya[0][5] == "39 hari"
    assert surabaya[0][6] == "23/11/2026 09:30"
    assert fleet[0]["rows"][1][1] == "Tidak terjangkau"
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    assert sorted(hrefs) == ["pn-uji-0/laporan.html", "pn-uji-1/laporan.html", "pn-uji-2/laporan.html"]
    for href in hrefs:
        assert (out / href).exists()
    index = json.loads(read(out / "index.json"))
    assert index["counts"] == {"ok": 0, "warning": 1, "critical": 1, "failed": 0, "unreachable": 1, "none": 0}
    row = index["regions"][1]["courts"][0]
    assert row["court"] == "pn-uji-1" and row["open_findings"] == 2 and row["worst_severity"] == "critical"
    assert row["backup_age_days"] == 0.0


def test_english_uses_the_message_catalogue(rendered):
    _, en = rendered
    html = read(en / "pn-uji-0" / "laporan.html")
    page = Page(html)
    assert ("html", {"lang": "en"}) in page.tags
    header = page.kv(id="sop-header")
    assert header["SOP title"] == "SOP for Website Management and Maintenance"
    w1 = page.kv(**{"class": "kv activity-table", "data-activity": "W1"})
    assert w1["Performer (Pelaksana)"] == "Website staff / operator / admin"
    assert w1["Actual time"] == "- (no problem in this period)"
    assert w1["Process duration (automated)"] == "1.5 s"
    assert w1["Standard time (Mutu Baku)"] == "4 h (4 jam)"
    assert "Mengetahui" not in html and "Acknowledged by," in html
    index = Page(read(en / "index.html"))
    assert "Court Website Situation and Condition Dashboard" in index.all_text()
    assert json.loads(read(en / "index.json"))["lang"] == "en"


def test_parallel_rendering_writes_the_same_reports(filled, rendered, tmp_path):
    with HistoryStore(filled) as store:
        render_reports(store, tmp_path, now=NOW, days=14, workers=2)
    sequential = rendered[0]
    assert read(tmp_path / "index.json") == read(sequential / "index.json")
    for name in ("pn-uji-0", "pn-uji-1", "pn-uji-2"):
        assert read(tmp_path / name / "laporan.html") == read(sequential / name / "laporan.html")


def test_selected_courts_and_unknown_court(filled, tmp_path):
    with HistoryStore(filled) as store:
        render_reports(store, tmp_path, courts=["pn-uji-0"], now=NOW)
        with pytest.raises(ReportError, match="nope") as error:
            render_reports(store, tmp_path / "x", courts=["nope"], now=NOW)
        assert "court not in the history: nope" in error.value.message("en")
        with pytest.raises(ReportError, match="bahasa 'fr'"):
            render_reports(store, tmp_path / "x", lang="fr", now=NOW)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["pn-uji-0"]
    assert len(json.loads(read(tmp_path / "index.json"))["regions"]) == 1


def test_empty_store(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        index = render_reports(store, tmp_path / "out", now=NOW)
    assert "Belum ada data pengadilan" in Page(read(index)).all_text()
    assert json.loads(read(index.with_suffix(".json")))["regions"] == []


def test_cli_report(filled, tmp_path, capsys):
    assert (
        cli.main(["report", "--db", str(filled), "--out", str(tmp_path), "--court", "pn-uji-1", "--json"])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["courts"] == {"pn-uji-1": str(tmp_path / "pn-uji-1" / "laporan.html")}
    assert cli.main(["report", "--db", str(filled), "--out", str(tmp_path / "en"), "--lang", "en"]) == 0
    assert 'lang="en"' in read(tmp_path / "en" / "index.html")
    assert cli.main(["--lang", "en", "report", "--db", str(filled), "--out", str(tmp_path / "en2")]) == 0
    assert 'lang="en"' in read(tmp_path / "en2" / "index.html")
    assert cli.main(["report", "--db", str(filled), "--out", str(tmp_path), "--court", "nope"]) == 4
    assert "pengadilan tidak ada di riwayat: nope" in capsys.readouterr().err
    assert cli.main(["report", "--db", str(filled), "--days", "0"]) == 4
    assert cli.main(["report", "--db", str(filled), "--workers", "0"]) == 4


def test_pdf_without_chromium_is_a_clear_error(tmp_path, monkeypatch):
    page = tmp_path / "laporan.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(ReportError, match="Chromium"):
        report.to_pdf(page, chromium=str(tmp_path / "no-such-chromium"))
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf, "CHROMIUM_PATHS", ())
    with pytest.raises(ReportError, match="apt-get install chromium"):
        report.to_pdf(page)


def test_secret_looking_fields_are_hidden():
    rows = report.evidence_rows({"db_password": "hunter2", "nested": {"api_key": "k-123"}, "files": 3}, "id")
    values = {row["label"]: row["value"] for row in rows}
    assert values["db_password"] == "***" and values["nested · api_key"] == "***"
    assert values["Jumlah berkas"] == "3"
    shown = report.finding_view(
        {
            "rule": "x",
            "evidence": {
                "token": "abc",
                "ip": "1.2.3.4",
                "repository": "rest:https://u:pw1@h/r",
                "samples": ["GET https://u:pw2@h/"],
            },
        },
        "en",
    )
    rows = {r["label"]: r["value"] for r in shown["evidence_rows"]}
    assert rows == {"token": "***", "ip": "1.2.3.4", "repository": "rest:https://u:***@h/r"}
    assert shown["samples"] == ["GET https://u:***@h/"]
    targets = report.evidence_rows(
        {"targets": [{"name": "nas", "status": "ok", "repository": "s3:https://k:pw3@s3/b"}]}, "id"
    )
    assert targets[0]["value"] == "nas (ok)" and "pw3" not in str(targets)


def test_redact_url():
    assert redact_url("rest:https://u:pw@host:8000/repo") == "rest:https://u:***@host:8000/repo"
    assert redact_url('1.2.3.4 "GET http://a:b@x/y" 200') == '1.2.3.4 "GET http://a:***@x/y" 200'
    assert redact_url("mailto:ops@pn.go.id") == "mailto:ops@pn.go.id"
    assert redact_url("sftp:backup@host:/srv/restic") == "sftp:backup@host:/srv/restic"
    assert redact_url("s3:https://s3.example/bucket") == "s3:https://s3.example/bucket"
    assert redact_url(None) is None


def test_slug_keeps_odd_court_names_apart():
    assert report.slug("pn-bangil") == "pn-bangil"
    assert report.slug("../etc") != report.slug("_etc")
    assert "/" not in report.slug("a/b") and not report.slug("..").startswith(".")


def test_unreadable_standard_time_is_reported_not_fatal(tmp_path):
    run = make_run(0, [0])
    run["courts"]["pn-uji-0"]["court_sop_times"] = {"W1": "2"}
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW)
    page = Page(read(tmp_path / "out" / "pn-uji-0" / "laporan.html"))
    assert "court_sop_times.W1" in page.all_text()
    overview = {row[0]: row for row in page.table(id="overview")["rows"][1:]}
    assert overview["W1"][3] == "2 jam"  # the catalogue default is used meanwhile


def test_default_output_directory(filled, tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path))
    with HistoryStore(filled) as store:
        assert render_reports(store, now=NOW) == tmp_path / "reports" / "index.html"


def test_many_findings_are_capped_worst_first(tmp_path):
    run = make_run(0, [0])
    w3 = [r for r in run["results"] if r["activity"] == "W3"][0]
    w3["findings"] = [
        {"rule": f"scan-{n}", "severity": "low", "message": f"pindai {n}", "evidence": {}} for n in range(40)
    ] + [{"rule": "webshell", "severity": "critical", "message": "webshell ditemukan", "evidence": {}}]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW)
    data = json.loads(read(tmp_path / "out" / "pn-uji-0" / "laporan.json"))
    view = [a for a in data["activities"] if a["id"] == "W3"][0]
    assert len(view["findings"]) == report.FINDING_LIMIT and view["findings_more"] == 21
    assert view["findings"][0]["rule"] == "webshell"
    assert "(+21)" in read(tmp_path / "out" / "pn-uji-0" / "laporan.html")


def test_backup_age_counts_from_the_last_good_backup_even_before_the_period(tmp_path):
    old = make_run(40, [0])
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(old)
        recent = make_run(0, [0])
        recent["results"] = [r for r in recent["results"] if r["activity"] != "W2"]
        store.record_run(recent)
        render_reports(store, tmp_path / "out", now=NOW, days=30)
    data = json.loads(read(tmp_path / "out" / "pn-uji-0" / "laporan.json"))
    assert data["metrics"]["backup_age_days"] == 40.0
    assert data["metrics"]["backup_size_bytes"] == 10 * 1048576 - 40 * 1000


def test_probe_engine_field_names(tmp_path):
    """W1 results as the site_probe engine writes them ("reachable", "status", "content_newest")."""
    run = make_run(0, [0])
    w1 = [r for r in run["results"] if r["activity"] == "W1"][0]
    w1["outputs"] = {"reachable": False, "status": 502, "response_ms": 80, "content_newest": "2026-11-01"}
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW)
    page = Page(read(tmp_path / "out" / "pn-uji-0" / "laporan.html"))
    evidence = page.kv(**{"class": "evidence"})
    assert evidence["Status HTTP"] == "502" and evidence["Website dapat diakses"] == "Tidak"
    assert evidence["Konten terbaru"] == "2026-11-01"
    data = json.loads(read(tmp_path / "out" / "pn-uji-0" / "laporan.json"))
    assert data["metrics"]["availability_pct"] == 0.0


def test_visitor_summary_of_the_log_engine():
    summary = {
        "requests": 1000,
        "status": {"2xx": 900, "4xx": 100},
        "top_visitors": [{"ip": "203.0.113.9", "count": 9}],
        "daily": [{"date": "2026-11-01", "requests": 3}],
        "hourly": [{"hour": "2026-11-01T10", "requests": 3}],
    }
    rows = report.evidence_rows(summary, "id", skip=report.W3_SKIP, aliases=report.FIELD_ALIASES["W3"])
    values = {row["label"]: row["value"] for row in rows}
    assert values == {
        "Jumlah permintaan": "1.000",
        "Kelas status HTTP · 2xx": "900",
        "Kelas status HTTP · 4xx": "100",
        "Alamat IP teraktif": "203.0.113.9 (9)",
    }


def test_samples_are_shown_as_recorded_and_escaped_once():
    from sopansible.report import finding_view

    recorded = "GET /?q=&lt;script&gt; (the text an attacker sent, not an escaped <script>)"
    view = finding_view(
        {"rule": "xss-probing", "severity": "medium", "evidence": {"samples": [recorded]}}, "id"
    )
    assert view["samples"] == [recorded]  # the template's autoescape is the only escaping


def test_log_evidence_is_raw_in_json_and_escaped_in_the_html_report(tmp_path):
    """A log line with markup in it: the access-log engine's JSON holds it as logged, the recorded
    W3 result keeps it as evidence, and the HTML report shows it as text, never as markup."""
    from ansible_collections.pn.website.plugins.module_utils.logs import access_log
    from sopansible.report.format import clip

    line = (
        '45.148.10.81 - - [22/Nov/2026:10:00:01 +0700] "GET /?q='
        + SCRIPT
        + ' HTTP/1.1" 200 5 "-" "'
        + SVG_ONLOAD
        + '\x1b[2J"'
    ).replace("\\x1b", "\x1b")
    result = access_log.analyze_bytes((line + "\n").encode() * 3)
    (finding,) = [f for f in result["findings"] if f["rule"] == "xss-probing"]
    output = json.loads(json.dumps(result))  # what `sopansible logs analyze --json` prints
    (sample,) = {s for f in output["findings"] for s in f["samples"]}
    assert sample == line.replace("\x1b", "\\x1b")  # raw, the terminal escape made visible
    assert SCRIPT in sample and "&lt;" not in sample
    run = make_run(0, [0])
    w3 = [r for r in run["results"] if r["activity"] == "W3"][0]
    w3["findings"] = [finding]  # as the logs role records the engine's findings
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW)
    data = json.loads(read(tmp_path / "out" / "pn-uji-0" / "laporan.json"))
    (view,) = [
        f for a in data["activities"] if a["id"] == "W3" for f in a["findings"] if f["rule"] == "xss-probing"
    ]
    assert view["samples"][0] == clip(sample)  # raw in the report's JSON too
    page_html = read(tmp_path / "out" / "pn-uji-0" / "laporan.html")
    page = Page(page_html)
    assert "script" not in {tag for tag, _ in page.tags}
    assert not [a for t, a in page.tags if t == "svg" and a.get("class") != "chart"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html and SCRIPT not in page_html
    assert SCRIPT in page.all_text()  # shown to the reader as the text that was logged


def test_w3_section_states_the_formats_read_and_the_unreadable_logs(tmp_path):
    run = make_run(0, [0])
    w3 = [r for r in run["results"] if r["activity"] == "W3"][0]
    w3["outputs"].update(
        {
            "lines": 1310,
            "malformed": 0,
            "format": "syslog_combined",
            "formats": {"syslog_combined": 1300, "common": 10},
            "unreadable_logs": [
                {
                    "path": "/var/log/nginx/access.log.2.gz",
                    "lines_read": 336,
                    "error": "access.log.2.gz: corrupt gzip data; 336 lines read up to where the file breaks",
                }
            ],
        }
    )
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW)
        render_reports(store, tmp_path / "out-en", lang="en", now=NOW)
    page = read(tmp_path / "out" / "pn-uji-0" / "laporan.html")
    assert "<th>Format log (baris) · syslog_combined</th><td>1.300</td>" in page
    assert "<th>Format log (baris) · common</th><td>10</td>" in page
    assert "<th>Log yang tidak terbaca utuh</th>" in page and "336 lines read up to where" in page
    page = read(tmp_path / "out-en" / "pn-uji-0" / "laporan.html")
    assert "<th>Log formats (lines) · syslog_combined</th>" in page
