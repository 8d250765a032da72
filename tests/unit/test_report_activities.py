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


def test_the_audit_shows_application_security_with_the_package_names(tmp_path):
    """The application security of an audit is a table of its own after the server's health: software with
    its end of life and the table's date, the web root scan with the reference, webshells with their
    markers; the health table names the pending security updates."""
    health = {"disks": [], "security_updates": 2, "security_packages": ["libssl3", "php8.2-fpm"]}
    appsec = {
        "software": [
            {
                "name": "PHP",
                "version": "7.4.33",
                "eol": "2022-11-28",
                "status": "eol",
                "data_compiled": "2026-12-02",
            },
            {
                "name": "MariaDB",
                "version": "10.11.6",
                "eol": "2027-02-16",
                "days_left": 76,
                "status": "eol-soon",
                "data_compiled": "2026-12-02",
            },
            {"name": "WordPress", "version": "6.8.1", "status": "unknown", "data_compiled": "2026-12-02"},
        ],
        "scan": {
            "files_scanned": 812,
            "stopped_by": None,
            "reference": {
                "kind": "backup-manifest",
                "created": "2026-12-01T01:00:00+00:00",
                "changed_count": 1,
                "added_count": 1,
                "changed": ["index.php"],
                "added": ["uploads/x.php"],
            },
            "webshells": [{"path": "uploads/x.php", "markers": ["eval-decoded"]}],
            "webshells_count": 1,
            "php_in_uploads": ["uploads/x.php"],
            "php_in_uploads_count": 1,
            "oversized": [{"path": "video.mp4", "size_bytes": 9 << 20}],
            "oversized_count": 4,
            "symlinks_out": [],
            "symlinks_out_count": 0,
        },
    }
    run = _audit_run(health)
    run["results"][-1]["outputs"]["appsec"] = appsec
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW, lang="en")
    shown = _view(tmp_path / "out", "IT-AUDIT")
    assert ["Pending security updates", "2 (libssl3, php8.2-fpm)"] in shown["table"]["rows"]
    (table,) = shown["tables"]
    assert table["title"] == "Application security"
    assert table["rows"] == [
        ["PHP 7.4.33", "end of life 2022-11-28 (passed); data of 2026-12-02"],
        ["MariaDB 10.11.6", "end of life 2027-02-16 (in 76 days); data of 2026-12-02"],
        ["WordPress 6.8.1", "not in the end-of-life data (data of 2026-12-02)"],
        ["Web root scan", "812 files scanned"],
        [
            "Changes since the reference",
            "backup-manifest 2026-12-01T01:00:00+00:00: 1 changed, 1 added (index.php; uploads/x.php)",
        ],
        ["Webshell markers", "uploads/x.php (eval-decoded)"],
        ["PHP in upload folders", "uploads/x.php"],
        ["Files too large (not read)", "video.mp4 (+3)"],
        ["Links leaving the web root (not followed)", "0"],
    ]
    assert "appsec" not in {row["label"] for row in shown["evidence"]}


def test_a_malformed_application_security_record_still_gives_a_report(tmp_path):
    appsec = {
        "software": ["php", {"name": ["x"], "status": "eol", "days_left": "soon"}],
        "scan": {
            "files_scanned": "many",
            "stopped_by": "time_budget",
            "reference": "made",
            "webshells": "uploads/x.php",
            "webshells_count": 10**30,
            "oversized": None,
        },
    }
    run = _audit_run({})
    run["results"][-1]["outputs"]["appsec"] = appsec
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW, lang="en")
    (table,) = _view(tmp_path / "out", "IT-AUDIT")["tables"]
    rows = dict((part, value) for part, value in table["rows"])
    assert rows["Web root scan"] == "- files scanned, stopped at its time_budget limit"
    assert rows["Changes since the reference"] == "no reference"
    assert rows["Webshell markers"] == "(+1000000000)"
    assert rows["Files too large (not read)"] == "0"


def test_the_audit_of_a_wordpress_court_shows_its_core_basis_plugins_and_themes(tmp_path):
    """WordPress from Debian's package is judged by Debian 12's support and says so; the plugins and themes
    are listed with their versions (a closed one with its date, one linked out of bounds as not read); a
    malformed list from the court still gives a report."""
    appsec = {
        "software": [
            {
                "name": "WordPress",
                "version": "6.1.9",
                "eol": "2028-06-30",
                "status": "supported",
                "basis": "distribution",
                "distribution": "debian 12",
                "data_compiled": "2026-12-02",
            }
        ],
        "extensions": {
            "plugins": [
                {"slug": "akismet", "name": "Akismet Anti-Spam", "version": "5.0.2"},
                {"slug": "lama", "name": "Plugin Lama", "version": "1.0", "closed": {"date": "2024-01-02"}},
                {"slug": "luar", "name": None, "version": None, "outside": True},
            ],
            "mu_plugins": [],
            "themes": [{"slug": "twentytwentyone", "name": "Twenty Twenty-One", "version": "1.7"}],
            "truncated": False,
        },
        "scan": {
            "files_scanned": 40,
            "reference": {"made": True},
            "code": {
                "root": "/usr/share/wordpress",
                "packages": [{"name": "wordpress", "version": "6.1.9+dfsg1-0+deb12u1"}],
                "files_scanned": 2803,
                "changed_count": 1,
                "added_count": 0,
                "changed": ["/usr/share/wordpress/wp-includes/load.php"],
                "added": [],
            },
        },
    }
    run = _audit_run({})
    run["results"][-1]["outputs"]["appsec"] = appsec
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out", now=NOW, lang="id")
    (table,) = _view(tmp_path / "out", "IT-AUDIT")["tables"]
    assert table["rows"] == [
        [
            "WordPress 6.1.9",
            "akhir dukungan 2028-06-30 (dukungan rilis debian 12) (masih didukung); data per 2026-12-02",
        ],
        [
            "Plugin WordPress",
            "Akismet Anti-Spam 5.0.2; Plugin Lama 1.0 (ditutup sejak 2024-01-02); "
            "luar (tautan keluar batas, tidak dibaca)",
        ],
        ["Tema WordPress", "Twenty Twenty-One 1.7"],
        ["Pemindaian web root", "40 berkas dipindai"],
        ["Perubahan sejak acuan", "acuan (baseline) dibuat"],
        [
            "Kode CMS dari paket",
            "/usr/share/wordpress (wordpress 6.1.9+dfsg1-0+deb12u1): 2803 berkas, 1 berubah, 0 baru "
            "(/usr/share/wordpress/wp-includes/load.php)",
        ],
        ["Tanda webshell", "0"],
        ["PHP di folder unggahan", "0"],
        ["Berkas terlalu besar (tidak dibaca)", "0"],
        ["Tautan keluar web root (tidak diikuti)", "0"],
    ]
    appsec["extensions"] = {"plugins": ["akismet", {"name": ["x"]}], "themes": "x", "truncated": True}
    appsec["scan"]["code"] = {"packages": "x", "changed": None, "files_scanned": "many"}
    run = _audit_run({})
    run["results"][-1]["outputs"]["appsec"] = appsec
    with HistoryStore(tmp_path / "h2.sqlite") as store:
        store.record_run(run)
        render_reports(store, tmp_path / "out2", now=NOW, lang="en")
    (table,) = _view(tmp_path / "out2", "IT-AUDIT")["tables"]
    rows = dict((part, value) for part, value in table["rows"])
    assert rows["WordPress plugins"] == "['x'] - (list cut short)"
    assert rows["WordPress themes"] == "0 (list cut short)"
    assert rows["CMS code from packages"] == "- (-): - files, - changed, - added"
