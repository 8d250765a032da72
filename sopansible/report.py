"""SOP reports: per court the "Laporan Situasi dan Kondisi Website" (SOP W5) as printable HTML, and a
fleet dashboard, both with a JSON file beside them.

``render_reports(store, out_dir, lang="id", courts=None)`` writes::

    out_dir/index.html, out_dir/index.json                    fleet dashboard (courts by region and severity)
    out_dir/<court>/laporan.html, out_dir/<court>/laporan.json   one report per court

The data comes from the history store in a fixed number of queries for the whole fleet (never one
per court per day); the HTML is rendered with Jinja2 with autoescape on, so text taken from logs and
web pages (user agents, URLs, page excerpts) is always shown as text.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import hashlib
import html
import json
import logging
import math
import multiprocessing
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from sopansible import svgplot
from sopansible.catalogue import Catalogue, CatalogueError, format_seconds
from sopansible.catalogue import load as load_catalogue
from sopansible.store import SEVERITY_RANK, STATUS_RANK, HistoryStore, parse_iso

_LOG = logging.getLogger(__name__)
SCHEMA = "sopansible.report/1"
TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("id", "en")
SAMPLE_LIMIT = 5
FINDING_LIMIT = 20
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Headless Chromium as a printer: no sandbox (it runs as a service user or root on the controller), no
# GPU, no first-run, extension or network side activity.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-sync",
    "--mute-audio",
)
TEXT_LIMIT = 300

MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni"]
    + ["Juli", "Agustus", "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June"]
    + ["July", "August", "September", "October", "November", "December"],
}

# The message catalogue: one template, two languages. SOP vocabulary (Aktivitas, Pelaksana, Mutu Baku,
# Output) stays visible in English too.
MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "report_title": "Laporan Situasi dan Kondisi Website",
        "dashboard_title": "Dasbor Situasi dan Kondisi Website Pengadilan",
        "court": "Pengadilan",
        "court_type": "Jenis",
        "region": "Wilayah",
        "domain": "Domain",
        "sop_title": "Judul SOP",
        "sop_number": "Nomor SOP",
        "dasar_hukum": "Dasar Hukum",
        "keterkaitan": "Keterkaitan",
        "peringatan": "Peringatan",
        "pencatatan": "Pencatatan dan Pendataan",
        "period": "Periode",
        "generated": "Dibuat",
        "status": "Status",
        "overall_status": "Status keseluruhan",
        "no": "No",
        "activity": "Aktivitas",
        "performer": "Pelaksana",
        "requirements": "Persyaratan/kelengkapan",
        "standard_time": "Waktu baku (Mutu Baku)",
        "actual_time": "Waktu aktual",
        "output": "Output",
        "evidence": "Bukti",
        "problems": "Permasalahan",
        "alternatives": "Alternatif pemecahan masalah",
        "last_run": "Pelaksanaan terakhir",
        "summary": "Ringkasan",
        "overview": "Ikhtisar aktivitas SOP",
        "details": "Rincian per aktivitas",
        "recap": "Rekapitulasi periode",
        "none": "Tidak ada",
        "not_run": "Belum dijalankan",
        "within": "sesuai waktu baku",
        "exceeded": "melebihi waktu baku",
        "relative": "relatif",
        "availability": "Ketersediaan",
        "response_time": "Waktu respons",
        "backup_age": "Umur backup",
        "backup_size": "Ukuran backup",
        "open_findings": "Temuan terbuka",
        "nearest_renewal": "Perpanjangan terdekat",
        "last_checked": "Terakhir diperiksa",
        "days": "hari",
        "ago": "{age} lalu",
        "in_days": "{n} hari lagi",
        "overdue_days": "lewat {n} hari",
        "yes": "Ya",
        "no_": "Tidak",
        "no_data": "Belum ada data",
        "report_failed": "Laporan pengadilan ini tidak dapat dibuat dari riwayatnya",
        "no_courts": "Belum ada data pengadilan. Jalankan `sopansible run harian` terlebih dahulu.",
        "chart_availability": "Ketersediaan harian (%)",
        "chart_response": "Waktu respons (ms)",
        "chart_backup": "Ukuran backup (MB)",
        "chart_findings": "Temuan per hari",
        "chart_fleet_findings": "Temuan per hari (seluruh pengadilan)",
        "acknowledged": "Mengetahui,",
        "prepared": "Dibuat oleh,",
        "secretary": "Sekretaris",
        "operator": "Operator / Admin Website",
        "nip": "NIP.",
        "findings": "Temuan",
        "rule": "Aturan",
        "severity": "Tingkat",
        "message": "Keterangan",
        "first_seen": "Pertama ditemukan",
        "samples": "Contoh",
        "renewals": "Layanan yang harus diperpanjang",
        "kind": "Jenis",
        "name": "Nama",
        "expires": "Berakhir",
        "days_left": "Sisa hari",
        "action": "Tindakan",
        "contact": "Kontak",
        "troubleshooting": "Catatan pemecahan masalah",
        "problem": "Masalah",
        "actions": "Langkah",
        "who": "Pelaksana",
        "third_party": "Pihak ketiga",
        "duration": "Lama",
        "outcome": "Hasil",
        "visitors": "Ringkasan pengunjung",
        "courts": "Pengadilan",
        "region_unknown": "(wilayah tidak diisi)",
        "report_link": "Laporan",
        "this_report": "Laporan ini ({date})",
        "attack_patterns": "Pola akses mencurigakan 7 hari terakhir",
        "count": "Jumlah",
        "backup_after_fix": "Backup setelah pemecahan masalah",
        "no_backup_after_fix": "Belum ada backup setelah masalah diselesaikan pada {date}",
        "unit_ms": " ms",
        "unit_pct": "%",
        "unit_mb": " MB",
        "checks": "pemeriksaan",
        "footer": "Dibuat oleh sopansible dari riwayat pelaksanaan SOP. Waktu dalam UTC.",
        "error": "Kesalahan",
        "summary_counts": "Jumlah pengadilan per status",
    },
    "en": {
        "report_title": "Website Situation and Condition Report (Laporan Situasi dan Kondisi Website)",
        "dashboard_title": "Court Website Situation and Condition Dashboard",
        "court": "Court",
        "court_type": "Type",
        "region": "Region",
        "domain": "Domain",
        "sop_title": "SOP title",
        "sop_number": "SOP number",
        "dasar_hukum": "Legal basis (Dasar Hukum)",
        "keterkaitan": "Related SOPs (Keterkaitan)",
        "peringatan": "Warning (Peringatan)",
        "pencatatan": "Records (Pencatatan dan Pendataan)",
        "period": "Period",
        "generated": "Generated",
        "status": "Status",
        "overall_status": "Overall status",
        "no": "No",
        "activity": "Activity (Aktivitas)",
        "performer": "Performer (Pelaksana)",
        "requirements": "Requirements (Persyaratan)",
        "standard_time": "Standard time (Mutu Baku)",
        "actual_time": "Actual time",
        "output": "Output",
        "evidence": "Evidence",
        "problems": "Problems (Permasalahan)",
        "alternatives": "Alternative solutions",
        "last_run": "Last carried out",
        "summary": "Summary",
        "overview": "SOP activities at a glance",
        "details": "Details per activity",
        "recap": "Recap of the period",
        "none": "None",
        "not_run": "Not run",
        "within": "within standard time",
        "exceeded": "exceeds standard time",
        "relative": "relative",
        "availability": "Availability",
        "response_time": "Response time",
        "backup_age": "Backup age",
        "backup_size": "Backup size",
        "open_findings": "Open findings",
        "nearest_renewal": "Nearest renewal",
        "last_checked": "Last checked",
        "days": "days",
        "ago": "{age} ago",
        "in_days": "in {n} days",
        "overdue_days": "{n} days overdue",
        "yes": "Yes",
        "no_": "No",
        "no_data": "No data yet",
        "report_failed": "This court's report could not be made from its history",
        "no_courts": "No court data yet. Run `sopansible run harian` first.",
        "chart_availability": "Daily availability (%)",
        "chart_response": "Response time (ms)",
        "chart_backup": "Backup size (MB)",
        "chart_findings": "Findings per day",
        "chart_fleet_findings": "Findings per day (all courts)",
        "acknowledged": "Acknowledged by,",
        "prepared": "Prepared by,",
        "secretary": "Secretary (Sekretaris)",
        "operator": "Website operator / admin",
        "nip": "NIP",
        "findings": "Findings",
        "rule": "Rule",
        "severity": "Severity",
        "message": "Description",
        "first_seen": "First seen",
        "samples": "Samples",
        "renewals": "Services to renew",
        "kind": "Kind",
        "name": "Name",
        "expires": "Expires",
        "days_left": "Days left",
        "action": "Action",
        "contact": "Contact",
        "troubleshooting": "Troubleshooting records",
        "problem": "Problem",
        "actions": "Steps",
        "who": "Performed by",
        "third_party": "Third party",
        "duration": "Duration",
        "outcome": "Outcome",
        "visitors": "Visitor summary",
        "courts": "Courts",
        "region_unknown": "(region not set)",
        "report_link": "Report",
        "this_report": "This report ({date})",
        "attack_patterns": "Suspicious access patterns, last 7 days",
        "count": "Count",
        "backup_after_fix": "Backup after the fix",
        "no_backup_after_fix": "No backup yet after the problem was solved on {date}",
        "unit_ms": " ms",
        "unit_pct": "%",
        "unit_mb": " MB",
        "checks": "checks",
        "footer": "Generated by sopansible from the SOP run history. Times in UTC.",
        "error": "Error",
        "summary_counts": "Courts per status",
    },
}

STATUS_LABELS = {
    "id": {
        "ok": "Baik",
        "warning": "Perhatian",
        "critical": "Kritis",
        "failed": "Gagal",
        "unreachable": "Tidak terjangkau",
        "none": "Belum dijalankan",
    },
    "en": {
        "ok": "OK",
        "warning": "Warning",
        "critical": "Critical",
        "failed": "Failed",
        "unreachable": "Unreachable",
        "none": "Not run",
    },
}
SEVERITY_LABELS = {
    "id": {"info": "info", "low": "rendah", "medium": "sedang", "high": "tinggi", "critical": "kritis"},
    "en": {"info": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"},
}
OUTCOME_LABELS = {
    "id": {
        "resolved": "selesai",
        "escalated": "diteruskan ke pihak ketiga",
        "in_progress": "sedang ditangani",
        "unresolved": "belum terselesaikan",
    },
    "en": {
        "resolved": "resolved",
        "escalated": "escalated to a third party",
        "in_progress": "in progress",
        "unresolved": "unresolved",
    },
}
KIND_LABELS = {
    "id": {"domain": "Nama domain", "hosting": "Hosting", "connection": "Koneksi", "tls": "Sertifikat TLS"},
    "en": {
        "domain": "Domain name",
        "hosting": "Hosting",
        "connection": "Connection",
        "tls": "TLS certificate",
    },
}
# Labels of known output fields; unknown fields are shown with their own name.
FIELD_LABELS = {
    "id": {
        "http_status": "Status HTTP",
        "response_ms": "Waktu respons (ms)",
        "available": "Website dapat diakses",
        "newest_content": "Konten terbaru",
        "content_newest": "Konten terbaru",
        "content_age_days": "Umur konten terbaru (hari)",
        "content_source": "Sumber tanggal konten",
        "reachable": "Website dapat diakses",
        "final_url": "URL akhir",
        "reason": "Keterangan",
        "tls_valid": "Sertifikat TLS sah",
        "tls_protocol": "Protokol TLS",
        "checked_at": "Diperiksa pada",
        "tls_days_left": "Sertifikat TLS berlaku (hari)",
        "keyword_found": "Kata kunci ditemukan",
        "snapshot_id": "ID snapshot",
        "last_job_status": "Status backup terjadwal terakhir",
        "last_job_age_hours": "Umur backup terjadwal terakhir (jam)",
        "last_job_finished": "Backup terjadwal terakhir selesai",
        "last_job_trigger": "Pemicu backup terakhir",
        "hostnames": "Nama host lain",
        "size_bytes": "Ukuran",
        "files": "Jumlah berkas",
        "repository": "Repositori backup",
        "requests": "Jumlah permintaan",
        "unique_visitors": "Pengunjung unik",
        "bandwidth_bytes": "Lalu lintas data",
        "bytes": "Lalu lintas data",
        "not_found": "Permintaan tidak ditemukan (404)",
        "errors": "Kesalahan server (5xx)",
        "bots": "Permintaan bot",
        "top_pages": "Halaman terpopuler",
        "top_referrers": "Perujuk terbanyak",
        "top_documents": "Dokumen terpopuler",
        "top_not_found": "Alamat tidak ditemukan terbanyak",
        "top_visitors": "Alamat IP teraktif",
        "top_user_agents": "User agent terbanyak",
        "static_requests": "Permintaan berkas statis",
        "status_classes": "Kelas status HTTP",
        "methods": "Metode HTTP",
        "vhosts": "Nama host",
        "crawlers": "Mesin perayap (bot)",
        "people": "Pengunjung manusia",
        "visitors": "pengunjung",
        "period": "Periode log",
        "restored_files": "Berkas dipulihkan",
        "data_added": "Data baru",
        "dump_verified": "Dump basis data terverifikasi",
        "duration": "Lama (detik)",
        "restic_version": "Versi restic",
        "targets": "Media backup",
        "run_id": "ID pelaksanaan",
        "verified": "Terverifikasi",
    },
    "en": {
        "http_status": "HTTP status",
        "response_ms": "Response time (ms)",
        "available": "Website reachable",
        "newest_content": "Newest content",
        "content_newest": "Newest content",
        "content_age_days": "Age of newest content (days)",
        "content_source": "Content date source",
        "reachable": "Website reachable",
        "final_url": "Final URL",
        "reason": "Reason",
        "tls_valid": "TLS certificate valid",
        "tls_protocol": "TLS protocol",
        "checked_at": "Checked at",
        "tls_days_left": "TLS certificate valid (days)",
        "keyword_found": "Keyword found",
        "snapshot_id": "Snapshot id",
        "last_job_status": "Last scheduled backup status",
        "last_job_age_hours": "Age of the last scheduled backup (hours)",
        "last_job_finished": "Last scheduled backup finished",
        "last_job_trigger": "Last backup triggered by",
        "hostnames": "Other host names",
        "size_bytes": "Size",
        "files": "Files",
        "repository": "Backup repository",
        "requests": "Requests",
        "unique_visitors": "Unique visitors",
        "bandwidth_bytes": "Data transferred",
        "bytes": "Data transferred",
        "not_found": "Not found (404)",
        "errors": "Server errors (5xx)",
        "bots": "Bot requests",
        "top_pages": "Top pages",
        "top_referrers": "Top referrers",
        "top_documents": "Top documents",
        "top_not_found": "Top not-found paths",
        "top_visitors": "Most active IP addresses",
        "top_user_agents": "Top user agents",
        "static_requests": "Static file requests",
        "status_classes": "HTTP status classes",
        "methods": "HTTP methods",
        "vhosts": "Host names",
        "crawlers": "Crawlers (bots)",
        "people": "Human visitors",
        "visitors": "visitors",
        "period": "Log period",
        "restored_files": "Restored files",
        "data_added": "Data added",
        "dump_verified": "Database dump verified",
        "duration": "Duration (s)",
        "restic_version": "restic version",
        "targets": "Backup media",
        "run_id": "Run id",
        "verified": "Verified",
    },
}

# Alternative solutions (Alternatif pemecahan masalah) by finding rule, matched on words in the rule id.
ADVICE: list[tuple[tuple[str, ...], str, str]] = [
    (
        ("deface",),
        "Putuskan akses publik (mode pemeliharaan), pulihkan situs dari backup bersih terakhir, ganti semua "
        "kata sandi admin dan cari celah masuk (plugin/tema usang, berkas unggahan).",
        "Take the site offline (maintenance mode), restore it from the last clean backup, change all admin "
        "passwords and find the entry point (outdated plugins/themes, uploads).",
    ),
    (
        ("gambl", "judi", "slot", "spam", "cloak", "seo"),
        "Hapus konten/skrip judi online yang disisipkan, periksa .htaccess, tema dan basis data dari kode "
        "cloaking, ganti kata sandi dan minta Google memeriksa ulang situs (Search Console).",
        "Remove the injected gambling content/scripts, check .htaccess, theme and database for cloaking "
        "code, "
        "change passwords and ask Google to re-check the site (Search Console).",
    ),
    (
        ("webshell", "shell", "backdoor", "malware"),
        "Karantina berkas mencurigakan, periksa log akses untuk IP pengunggah, pulihkan dari backup bersih "
        "dan "
        "matikan eksekusi PHP di folder unggahan.",
        "Quarantine the suspicious files, check the access log for the uploader's IP, restore from a clean "
        "backup and disable PHP execution in upload folders.",
    ),
    (
        ("brute", "login", "credential"),
        "Aktifkan pembatasan percobaan login (fail2ban), gunakan kata sandi kuat dan batasi akses halaman "
        "admin.",
        "Enable login rate limiting (fail2ban), use strong passwords and restrict access to the admin pages.",
    ),
    (
        ("sqli", "xss", "travers", "inject", "scan", "probe", "exploit", "attack", "lfi", "rce"),
        "Blokir alamat IP penyerang (fail2ban/firewall), perbarui CMS dan plugin, dan periksa apakah "
        "serangan "
        "berhasil (log kesalahan, berkas berubah).",
        "Block the attacking addresses (fail2ban/firewall), update the CMS and plugins, and check whether "
        "the "
        "attack succeeded (error log, changed files).",
    ),
    (
        ("stale", "content", "update-age"),
        "Koordinasikan pembaruan berita/informasi dengan bagian terkait sesuai SOP Pembaruan Konten Website.",
        "Coordinate news/information updates with the units concerned, following the content-update SOP.",
    ),
    (
        ("tls", "cert", "ssl", "https"),
        "Perpanjang atau pasang ulang sertifikat TLS (mis. Let's Encrypt/certbot) dan pastikan rantai "
        "sertifikat lengkap.",
        "Renew or reinstall the TLS certificate (e.g. Let's Encrypt/certbot) and make sure the chain is "
        "complete.",
    ),
    (
        ("domain", "hosting", "connection", "expir", "renew", "paid"),
        "Ajukan pembayaran perpanjangan ke bagian keuangan dan Sekretaris sebelum tanggal berakhir; hubungi "
        "penyedia layanan (PANDI/registrar, penyedia hosting, ISP).",
        "Request the renewal payment from finance and the Secretary before the expiry date; contact the "
        "provider (PANDI/registrar, hosting provider, ISP).",
    ),
    (
        ("down", "unavailable", "http", "timeout", "dns", "keyword", "unreach"),
        "Periksa layanan web server, DNS dan koneksi; hubungi penyedia hosting/ISP bila masalah di luar "
        "server.",
        "Check the web server service, DNS and connection; contact the hosting provider/ISP when the "
        "problem is "
        "outside the server.",
    ),
    (
        ("backup", "snapshot", "restore", "repo"),
        "Periksa ruang media backup dan akses repositori, lalu jalankan ulang backup (sopansible run "
        "harian).",
        "Check the backup media space and repository access, then run the backup again (sopansible run "
        "harian).",
    ),
    (
        ("outdated", "version", "php", "cms", "package", "upgrade", "patch"),
        "Jadwalkan pembaruan CMS, PHP dan paket sistem setelah backup, lalu uji situs.",
        "Schedule updates of the CMS, PHP and system packages after a backup, then test the site.",
    ),
    (
        ("harden", "config", "header", "permission", "firewall", "ssh"),
        "Terapkan kembali konfigurasi keamanan (playbook hardening) dan periksa perubahan yang tidak sah.",
        "Re-apply the security configuration (hardening playbook) and look for unauthorised changes.",
    ),
]
ADVICE_UNREACHABLE = (
    "Periksa koneksi ke server (jaringan, SSH, kredensial) dan jalankan ulang aktivitas.",
    "Check the connection to the server (network, SSH, credentials) and run the activity again.",
)
# Advice when an activity is not ok but carries no finding with a rule of its own.
ACTIVITY_FALLBACK = {"W1": "site-down", "W2": "backup", "W3": "attack", "W4": "renew", "IT-DRILL": "restore"}
ADVICE_GENERIC = (
    "Tindak lanjuti temuan sesuai aktivitas W6/W7 dan catat langkahnya (troubleshooting).",
    "Follow up the finding under activities W6/W7 and record the steps (troubleshooting).",
)


class ReportError(Exception):
    """The reports cannot be produced as asked (unknown court, unwritable directory, no Chromium).
    ``str()`` is Indonesian; :meth:`message` gives the English text with ``lang="en"``."""

    def __init__(self, text_id: str, text_en: str | None = None) -> None:
        super().__init__(text_id)
        self.text_en = text_en or text_id

    def message(self, lang: str = "id") -> str:
        return self.text_en if lang == "en" else str(self)


# -- small formatting helpers --------------------------------------------------------------------------
def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ReportError(
            f"bahasa '{lang}' tidak dikenal; pilihan: {', '.join(LANGS)}",
            f"unknown language '{lang}'; choose from: {', '.join(LANGS)}",
        )
    return lang


def default_out_dir() -> Path:
    from sopansible.paths import data_dir

    return data_dir() / "reports"


def format_date(value: Any, lang: str = "id", with_time: bool = False) -> str:
    if not value:
        return "-"
    if isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        moment = value
    month = MONTHS[lang][moment.month - 1]
    text = f"{moment.day} {month} {moment.year}"
    if with_time and isinstance(moment, _dt.datetime):
        text += moment.strftime(" %H:%M UTC")
    return text


def format_number(value: Any, lang: str = "id") -> str:
    """1234.5 -> "1.234,5" (id) / "1,234.5" (en)."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "-"
    text = f"{value:,}" if isinstance(value, int) or value == int(value) else f"{value:,.1f}"
    if isinstance(value, float) and value == int(value):
        text = f"{int(value):,}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_bytes(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-" if value is None else str(value)
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)  # pragma: no cover


def _number(value: Any) -> int | float | None:
    """A finite number, or None for anything else (text, booleans, NaN): history rows come from court
    servers and older versions, and one bad value must not stop a report."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _clip(value: Any, limit: int = TEXT_LIMIT) -> str:
    if value is None:
        return "-"
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def redact_url(value: Any) -> Any:
    """Hide credentials anywhere in a text: URL passwords (``rest:https://user:secret@host/`` ->
    ``user:***@``), secret query parameters and bot tokens (the ``redact`` engine)."""
    return _redact.redact_text(value)


def slug(court: str) -> str:
    """A safe directory name for a court (names with other characters get a short hash so that two
    courts never share a directory)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", court).strip(".") or "_"
    if name != court:
        name += "-" + hashlib.sha256(court.encode("utf-8")).hexdigest()[:8]
    return name


def _days_between(later: _dt.datetime, earlier: _dt.datetime) -> float:
    """Days from ``earlier`` to ``later``, never negative (clocks of controllers differ a little)."""
    return max(round((later - earlier).total_seconds() / 86400, 2), 0.0)


def _advice(rule: str, lang: str) -> str:
    rule_l = rule.lower()
    for words, text_id, text_en in ADVICE:
        if any(word in rule_l for word in words):
            return text_en if lang == "en" else text_id
    return ADVICE_GENERIC[0 if lang == "id" else 1]


def _severity_rank(severity: str | None) -> int:
    return SEVERITY_RANK.get(severity or "", 2)


# -- evidence ------------------------------------------------------------------------------------------
def _label(field: str, lang: str) -> str:
    return FIELD_LABELS[lang].get(field, field)


def _value(field: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return MESSAGES[lang]["yes"] if value else MESSAGES[lang]["no_"]
    if field in ("size_bytes", "bandwidth_bytes", "bytes", "data_added"):
        return format_bytes(value)
    if field == "repository":
        return _clip(redact_url(value))
    if isinstance(value, list):
        items = []
        for item in value[:SAMPLE_LIMIT]:
            if isinstance(item, Mapping):
                name = next((item[k] for k in _NAME_KEYS if item.get(k) not in (None, "")), None)
                count = item.get("count") or item.get("hits") or item.get("requests") or item.get("status")
                items.append(
                    f"{_clip(name, 80)} ({count})" if name is not None and count is not None else _clip(item)
                )
            else:
                items.append(_clip(item, 80))
        more = len(value) - SAMPLE_LIMIT
        return "; ".join(items) + (f"; … (+{more})" if more > 0 else "")
    if isinstance(value, int | float):
        return f"{value:,}".replace(",", ".") if isinstance(value, int) else f"{value:.1f}"
    return _clip(value)


_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_?key|private|credential", re.IGNORECASE)


def _hide_secret(key: str, value: Any) -> Any:
    """Mask values of secret-looking keys and passwords inside URLs, at any depth."""
    if _SECRET_KEY.search(key) and value not in (None, ""):
        return "***"
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, Mapping):
        return {k: _hide_secret(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_secret(key, v) for v in value]
    return value


# Output fields whose meaning depends on the activity: shown with the label of the field named here.
FIELD_ALIASES = {"W1": {"status": "http_status"}, "W3": {"status": "status_classes"}}
# Visitor-summary parts too long for a printed table (kept in laporan.json).
W3_SKIP = ("daily", "hourly", "hour_of_day", "status_codes", "unique_visitors_capped")
# Outputs already shown through other fields (W2: the last_job_* fields summarise last_job).
EVIDENCE_SKIP = {"W2": ("last_job",)}
_NAME_KEYS = ("name", "path", "host", "ip", "user_agent", "url", "date", "value")


def evidence_rows(
    outputs: Any, lang: str, skip: Iterable[str] = (), aliases: Mapping[str, str] | None = None
) -> list[dict]:
    """Key/value rows of an activity's outputs (scalars, short lists; nested objects one level deep)."""
    aliases = aliases or {}
    rows: list[dict] = []
    if not isinstance(outputs, Mapping):
        return [{"label": "output", "value": _clip(outputs)}] if outputs not in (None, "") else []
    skip = set(skip)
    for key, value in outputs.items():
        if key in skip or value is None:
            continue
        if isinstance(value, Mapping):
            group = _label(aliases.get(str(key), str(key)), lang)
            for sub, subvalue in list(value.items())[:20]:
                if subvalue is None or isinstance(subvalue, Mapping):
                    continue
                rows.append(
                    {
                        "label": f"{group} · {_label(str(sub), lang)}",
                        "value": _value(sub, _hide_secret(str(sub), subvalue), lang),
                    }
                )
            continue
        value = _hide_secret(str(key), value)
        name = aliases.get(str(key), str(key))
        rows.append({"label": _label(name, lang), "value": _value(name, value, lang)})
        if len(rows) >= 30:
            break
    return rows


def finding_view(finding: Mapping[str, Any], lang: str) -> dict:
    """A finding for display: scalar evidence as rows, lists as samples (clipped)."""
    evidence = finding.get("evidence")
    rows: list[dict] = []
    samples: list[str] = []
    if isinstance(evidence, Mapping):
        for key, value in evidence.items():
            if isinstance(value, list):
                for item in value[:SAMPLE_LIMIT]:
                    # Engines may hand over samples already HTML-escaped; the template escapes
                    # once, so undo theirs to avoid showing "&lt;" to the reader.
                    text = html.unescape(item) if isinstance(item, str) else item
                    samples.append(_clip(_hide_secret(str(key), text)))
            elif value is not None and len(rows) < 12:
                rows.append({"label": str(key), "value": _clip(_hide_secret(str(key), value))})
    elif evidence not in (None, "", {}):
        rows.append({"label": "evidence", "value": _clip(evidence)})
    return {
        "rule": finding.get("rule"),
        "severity": finding.get("severity"),
        "severity_label": SEVERITY_LABELS[lang].get(finding.get("severity"), finding.get("severity")),
        "message": finding.get("message"),
        "first_seen": finding.get("first_seen"),
        "occurrences": finding.get("occurrences"),
        "evidence_rows": rows,
        "samples": samples,
    }


# -- data gathering ------------------------------------------------------------------------------------
class _FleetData:
    """Everything the reports need, fetched with one query per need for all courts."""

    def __init__(self, store: HistoryStore, courts: list[str] | None, since: str, week: str) -> None:
        # Rows recorded before the store masked credentials are masked here (the redact engine).
        self.latest = _redact.redact_data(store.latest_all(courts))
        self.open_findings = _redact.redact_data(store.open_findings_all(courts))
        self.w1 = store.series("W1", ("available", "reachable", "response_ms"), courts, since)
        for points in self.w1.values():  # the probe engine says "reachable"; both spellings are read
            for point in points:
                if point["available"] is None:
                    point["available"] = point.pop("reachable")
                else:
                    point.pop("reachable")
                if point["available"] not in (None, 0, 1):  # JSON booleans come back as 1/0
                    point["available"] = None
                point["response_ms"] = _number(point["response_ms"])
        self.w2 = store.series("W2", ("snapshot_id", "size_bytes"), courts, since)
        for points in self.w2.values():
            for point in points:
                point["size_bytes"] = _number(point["size_bytes"])
        self.findings_per_day = store.findings_per_day(courts, since)
        self.troubleshooting = _redact.redact_data(store.troubleshooting_all(courts, since))
        self.attack = store.finding_counts(courts, week, activity="W3")
        self.status_counts = store.status_counts(courts, since)
        self.last_backup = store.last_success("W2", courts)


def _nearest_renewal(latest: Mapping[str, dict], data: Mapping[str, Any], today: _dt.date) -> dict | None:
    items: list[dict] = []
    w4 = latest.get("W4")
    if w4 and isinstance(w4.get("outputs"), Mapping) and isinstance(w4["outputs"].get("items"), list):
        for item in w4["outputs"]["items"]:
            if isinstance(item, Mapping):
                items.append(dict(item))
    if not items:
        for service in data.get("court_services") or []:
            if isinstance(service, Mapping) and service.get("paid_until"):
                items.append(
                    {
                        "kind": service.get("kind"),
                        "name": service.get("service") or service.get("provider"),
                        "expires": str(service["paid_until"]),
                    }
                )
    best = None
    for item in items:
        days = _days_left(item, today)
        if days is None:
            continue
        item["days_left"] = days
        if best is None or days < best["days_left"]:
            best = item
    return best


def _days_left(item: Mapping[str, Any], today: _dt.date) -> int | None:
    """Days until ``expires`` as of the report date; the run's own ``days_left`` when no date is given."""
    try:
        return (_dt.date.fromisoformat(str(item.get("expires"))[:10]) - today).days
    except ValueError:
        days = item.get("days_left")
        return int(days) if isinstance(days, int | float) and not isinstance(days, bool) else None


def _daily_availability(
    points: list[dict], start: _dt.date, days: int
) -> list[tuple[_dt.date, float | None]]:
    per_day: dict[str, list[int]] = {}
    for point in points:
        available = point.get("available")
        if available is None:
            if point.get("status") not in ("unreachable", "critical"):
                continue
            available = 0
        per_day.setdefault(point["t"][:10], []).append(1 if available else 0)
    out = []
    for offset in range(days):
        day = start + _dt.timedelta(days=offset)
        values = per_day.get(day.isoformat())
        out.append((day, round(100 * sum(values) / len(values), 1) if values else None))
    return out


class _Renderer:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
        )
        msgs = MESSAGES[lang]

        def t(key: str, **params: Any) -> str:
            text = msgs.get(key, key)
            return text.format(**params) if params else text

        self.env.globals.update(
            t=t,
            m=msgs,
            lang=lang,
            status_label=lambda s: STATUS_LABELS[lang].get(s or "none", s),
            severity_label=lambda s: SEVERITY_LABELS[lang].get(s, s),
            fmt_date=lambda v, with_time=False: format_date(v, lang, with_time),
            fmt_seconds=lambda v: format_seconds(v, lang),
            fmt_bytes=format_bytes,
            fmt_num=lambda v: format_number(v, lang),
            fmt_short=lambda v: v[8:10] + "/" + v[5:7] + "/" + v[:4] + " " + v[11:16] if v else "-",
            fmt_age=lambda days: format_seconds(days * 86400, lang) if days is not None else "-",
        )
        self.report = self.env.get_template("laporan.html")
        self.index = self.env.get_template("index.html")


def _json_default(value: Any) -> Any:
    return str(value)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(
            f"laporan tidak dapat ditulis: {path}: {exc.strerror}",
            f"cannot write the report {path}: {exc.strerror}",
        ) from None


def render_reports(
    store: HistoryStore,
    out_dir: str | Path | None = None,
    lang: str = "id",
    courts: Iterable[str] | None = None,
    *,
    catalogue: Catalogue | None = None,
    now: _dt.datetime | None = None,
    days: int = 30,
    workers: int = 1,
) -> Path:
    """Write the fleet dashboard and one report per court into ``out_dir`` (default:
    ``sopansible.paths.data_dir() / "reports"``); returns the path of index.html.

    The history is read once for the whole fleet; ``workers`` > 1 renders the court reports in that many
    forked processes (worth it for hundreds of courts)."""
    lang = _lang(lang)
    cat = catalogue or load_catalogue()
    now = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC).replace(microsecond=0)
    start_day = (now - _dt.timedelta(days=days - 1)).date()
    since = _dt.datetime.combine(start_day, _dt.time(), _dt.UTC).isoformat()
    week = (now - _dt.timedelta(days=7)).isoformat()
    known = store.courts()
    if courts is not None:
        wanted = list(dict.fromkeys(courts))
        unknown = [c for c in wanted if c not in known]
        if unknown:
            listed = f"{', '.join(sorted(known)[:20])}{' …' if len(known) > 20 else ''}"
            raise ReportError(
                f"pengadilan tidak ada di riwayat: {', '.join(unknown)}"
                + (f" (yang ada: {listed})" if known else ""),
                f"court not in the history: {', '.join(unknown)}" + (f" (known: {listed})" if known else ""),
            )
        names = wanted
        query_courts: list[str] | None = wanted
    else:
        names = sorted(known)
        query_courts = None
    out = Path(out_dir) if out_dir is not None else default_out_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"direktori laporan tidak dapat dibuat: {out}: {exc.strerror}",
            f"cannot create the report directory {out}: {exc.strerror}",
        ) from None

    data = _FleetData(store, query_courts, since, week)
    renderer = _Renderer(lang)
    period = {"from": since, "to": now.isoformat(), "days": days}

    job = _CourtJob(known, data, cat, lang, now, start_day, days, period, out, renderer)
    if workers > 1 and len(names) >= 2 * workers:
        rows = _render_parallel(job, names, workers)
    else:
        rows = [job.render(name) for name in names]

    index = dashboard_context(rows, data, lang, now, period, start_day, days)
    _write(
        out / "index.json",
        json.dumps(index, ensure_ascii=False, separators=(",", ":"), default=_json_default),
    )
    chart = svgplot.bar_chart(
        [(_dt.date.fromisoformat(d), v) for d, v in index["findings_per_day"]],
        MESSAGES[lang]["chart_fleet_findings"],
        empty=MESSAGES[lang]["no_data"],
    )
    _write(out / "index.html", renderer.index.render(d=index, chart=chart, generated=index["generated"]))
    return out / "index.html"


class _CourtJob:
    """Renders and writes one court's report; shared by the sequential and the forked path."""

    def __init__(self, known, data, cat, lang, now, start_day, days, period, out, renderer) -> None:
        self.known, self.data, self.cat, self.lang = known, data, cat, lang
        self.now, self.start_day, self.days, self.period = now, start_day, days, period
        self.out, self.renderer = out, renderer

    def render(self, name: str) -> dict:
        try:
            return self._render(name)
        except Exception as exc:  # noqa: BLE001 - one court's history never stops the fleet's reports
            _LOG.exception("report of %s", name)
            return self._failed(name, exc)

    def _failed(self, name: str, exc: Exception) -> dict:
        """A page that says why, and a dashboard row that shows the court as failed."""
        text = f"{MESSAGES[self.lang]['report_failed']}: {type(exc).__name__}: {_clip(str(exc), 300)}"
        court_dir = self.out / slug(name)
        _write(court_dir / "laporan.json", json.dumps({"schema": SCHEMA, "court": name, "error": text}))
        _write(
            court_dir / "laporan.html",
            f"<!doctype html><meta charset=utf-8><title>{html.escape(name)}</title>"
            f"<h1>{html.escape(name)}</h1><p>{html.escape(text)}</p>",
        )
        return {
            "court": name,
            "name": name,
            "type": None,
            "region": None,
            "domain": None,
            "href": quote(slug(name)) + "/laporan.html",
            "status": "failed",
            "status_label": f"{STATUS_LABELS[self.lang]['failed']}: {MESSAGES[self.lang]['report_failed']}",
            "availability_pct": None,
            "backup_age_days": None,
            "open_findings": 0,
            "worst_severity": None,
            "renewal_days_left": None,
            "renewal_kind": None,
            "last_checked": None,
        }

    def _render(self, name: str) -> dict:
        context = court_context(
            name,
            self.known.get(name, {}),
            self.data,
            self.cat,
            self.lang,
            self.now,
            self.start_day,
            self.days,
            self.period,
        )
        court_dir = self.out / slug(name)
        _write(
            court_dir / "laporan.json",
            json.dumps(context, ensure_ascii=False, separators=(",", ":"), default=_json_default),
        )
        charts = _court_charts(context, self.lang, self.now)
        _write(
            court_dir / "laporan.html",
            self.renderer.report.render(r=context, charts=charts, generated=context["generated"]),
        )
        return _dashboard_row(context)


_JOB: _CourtJob | None = None  # the job a forked worker inherits


def _render_names(names: list[str]) -> list[dict]:
    assert _JOB is not None
    return [_JOB.render(name) for name in names]


def _render_parallel(job: _CourtJob, names: list[str], workers: int) -> list[dict]:
    global _JOB
    chunks = [names[i::workers] for i in range(workers)]
    _JOB = job
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(_render_names, chunks))
    finally:
        _JOB = None
    return [row for part in parts for row in part]


def court_context(
    name: str,
    court_data: Mapping[str, Any],
    data: _FleetData,
    cat: Catalogue,
    lang: str,
    now: _dt.datetime,
    start_day: _dt.date,
    days: int,
    period: dict,
) -> dict:
    """The JSON-ready content of one court's report."""
    msgs = MESSAGES[lang]
    problems_in_catalogue = None
    try:
        court_cat = cat.for_court(court_data, name)
    except CatalogueError as exc:
        court_cat = cat
        problems_in_catalogue = str(exc)
    latest = data.latest.get(name, {})
    open_findings = data.open_findings.get(name, [])
    w1 = data.w1.get(name, [])
    w2 = data.w2.get(name, [])
    troubles = data.troubleshooting.get(name, [])

    # metrics
    checks = [
        p for p in w1 if p.get("available") is not None or p.get("status") in ("unreachable", "critical")
    ]
    availability = (
        round(100 * sum(1 for p in checks if p.get("available")) / len(checks), 1) if checks else None
    )
    responses = [p["response_ms"] for p in w1 if p.get("response_ms") is not None]
    backups = [p for p in w2 if p.get("snapshot_id") and p.get("status") in ("ok", "warning")]
    last_backup = backups[-1] if backups else None
    if last_backup is None and name in data.last_backup:  # the last good backup is older than the period
        good = data.last_backup[name]
        outputs = good["outputs"] if isinstance(good["outputs"], Mapping) else {}
        last_backup = {"t": good["started"], "size_bytes": _number(outputs.get("size_bytes"))}
    backup_age = _days_between(now, parse_iso(last_backup["t"])) if last_backup else None
    renewal = _nearest_renewal(latest, court_data, now.date())
    worst_sev = max((f["severity"] for f in open_findings), key=_severity_rank, default=None)
    statuses = [r["status"] for r in latest.values()]
    status = max(statuses, key=lambda s: STATUS_RANK.get(s, 0)) if statuses else None
    last_checked = max((r["started"] for r in latest.values()), default=None)

    metrics = {
        "availability_pct": availability,
        "checks": len(checks),
        "response_ms_avg": round(sum(responses) / len(responses), 1) if responses else None,
        "backup_last": last_backup["t"] if last_backup else None,
        "backup_age_days": backup_age,
        "backup_size_bytes": last_backup.get("size_bytes") if last_backup else None,
        "open_findings": len(open_findings),
        "worst_severity": worst_sev,
        "renewal": renewal,
        "renewal_days_left": renewal["days_left"] if renewal else None,
        "last_checked": last_checked,
    }

    activities = [
        _activity_view(activity, court_cat, latest, open_findings, troubles, data, name, lang, now, backups)
        for activity in court_cat.activities
    ]

    sop = court_cat.sop("website")
    contacts = (
        court_data.get("court_contacts") if isinstance(court_data.get("court_contacts"), Mapping) else {}
    )
    sekretaris = contacts.get("sekretaris") if isinstance(contacts.get("sekretaris"), Mapping) else {}
    staff = contacts.get("it_staff") if isinstance(contacts.get("it_staff"), list) else []
    operator = staff[0] if staff and isinstance(staff[0], Mapping) else {}

    recap = []
    counts = data.status_counts.get(name, {})
    for activity in court_cat.activities:
        if activity.id in counts:
            row = {"id": activity.id, "activity": activity.text(lang)}
            row.update({s: counts[activity.id].get(s, 0) for s in STATUS_RANK})
            recap.append(row)

    return {
        "schema": SCHEMA,
        "lang": lang,
        "generated": now.isoformat(),
        "period": period,
        "court": {
            "id": name,
            "slug": slug(name),
            # text, whatever the recorded inventory held: the dashboard groups and sorts by these
            "name": _label_text(court_data.get("court_name")) or name,
            "type": _label_text(court_data.get("court_type")),
            "region": _label_text(court_data.get("court_region")),
            "domain": _label_text(court_data.get("court_domain")),
            "url": court_data.get("court_url")
            or (f"https://{court_data['court_domain']}/" if court_data.get("court_domain") else None),
        },
        "sop": {
            "title": sop.get("title_en") if lang == "en" else sop.get("judul"),
            "number": court_data.get("court_sop_number") or "-",
            "dasar_hukum": list(sop.get("dasar_hukum") or []),
            "keterkaitan": list(sop.get("keterkaitan") or []),
            "peringatan": (sop.get("peringatan_en") if lang == "en" else None) or sop.get("peringatan"),
            "pencatatan": list(
                (sop.get("pencatatan_en") if lang == "en" else None) or sop.get("pencatatan") or []
            ),
            "catalogue_problem": problems_in_catalogue,
        },
        "status": status,
        "status_label": STATUS_LABELS[lang].get(status or "none"),
        "metrics": metrics,
        "activities": activities,
        "open_findings": [finding_view(f, lang) for f in open_findings],
        "troubleshooting": [_hide_secret("", t) for t in troubles],
        "recap": recap,
        "series": {
            "availability_daily": [(d.isoformat(), v) for d, v in _daily_availability(w1, start_day, days)],
            "response_ms": [(p["t"], p.get("response_ms")) for p in w1],
            "backup_size_bytes": [(p["t"], p.get("size_bytes")) for p in w2 if p.get("snapshot_id")],
            "findings_per_day": _per_day(data.findings_per_day.get(name, {}), start_day, days),
        },
        "signature": {
            "secretary": sekretaris.get("name") or "",
            "operator": operator.get("name") or "",
            "date": now.date().isoformat(),
        },
        "labels": {"no_data": msgs["no_data"]},
    }


def _label_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return _clip(value, 120)


def _per_day(counts: Mapping[str, int], start_day: _dt.date, days: int) -> list[tuple[str, int]]:
    out = []
    for offset in range(days):
        day = (start_day + _dt.timedelta(days=offset)).isoformat()
        out.append((day, counts.get(day, 0)))
    return out


def standard_time_text(waktu, lang: str) -> str:
    """The court's own wording; in English followed by the English reading: "4 h (4 jam)"."""
    if lang != "en":
        return waktu.text
    if waktu.relative:
        return f"relative ({waktu.text})"
    if waktu.is_range:
        return f"{format_seconds(waktu.min_s, lang)} - {format_seconds(waktu.max_s, lang)} ({waktu.text})"
    return f"{format_seconds(waktu.max_s, lang)} ({waktu.text})"


def _timing(activity, result: Mapping[str, Any] | None, lang: str) -> dict:
    actual = result.get("duration_s") if result else None
    within = activity.waktu.within(actual)
    return {
        "standard": standard_time_text(activity.waktu, lang),
        "standard_s": activity.waktu.max_s,
        "relative": activity.waktu.relative,
        "actual_s": actual,
        "actual": format_seconds(actual, lang) if actual is not None else None,
        "within": within,
    }


def _activity_view(
    activity,
    cat: Catalogue,
    latest: Mapping[str, dict],
    open_findings: list[dict],
    troubles: list[dict],
    data: _FleetData,
    court: str,
    lang: str,
    now: _dt.datetime,
    backups: list[dict],
) -> dict:
    msgs = MESSAGES[lang]
    result = latest.get(activity.id)
    view: dict[str, Any] = {
        "id": activity.id,
        "no": activity.no,
        "sop": activity.sop,
        "activity": activity.text(lang),
        "performers": cat.performers_of(activity.id, lang),
        "requirements": activity.requirements(lang),
        "output": activity.output_text(lang),
        "done_by": activity.done_by,
        "status": result["status"] if result else None,
        "summary": result.get("summary") if result else None,
        "last_run": result["started"] if result else None,
        "run_id": result["run_id"] if result else None,
        "timing": _timing(activity, result, lang),
        "evidence": [],
        "findings": [],
        "findings_more": 0,
        "renewals": [],
        "troubleshooting": [],
        "table": None,
        "problems": [],
        "alternatives": [],
    }
    if result:
        outputs = result.get("outputs") or {}
        if (
            activity.id == "W3"
            and isinstance(outputs, Mapping)
            and isinstance(outputs.get("summary"), Mapping)
        ):
            view["evidence"] = evidence_rows(
                outputs["summary"], lang, skip=W3_SKIP, aliases=FIELD_ALIASES["W3"]
            )
            view["evidence"] += evidence_rows(outputs, lang, skip=("summary",))
        elif activity.id == "W4" and isinstance(outputs, Mapping):
            for item in outputs.get("items") or []:
                if not isinstance(item, Mapping):
                    continue
                contact = item.get("contact") if isinstance(item.get("contact"), Mapping) else {}
                view["renewals"].append(
                    {
                        "kind": KIND_LABELS[lang].get(item.get("kind"), item.get("kind")),
                        "name": _clip(item.get("name"), 120),
                        "expires": item.get("expires"),
                        "days_left": _days_left(item, now.date()),
                        "action": _clip(item.get("action"), 200) if item.get("action") else "",
                        "contact": " / ".join(
                            str(contact[k]) for k in ("name", "phone", "email") if contact.get(k)
                        ),
                    }
                )
            view["evidence"] = evidence_rows(outputs, lang, skip=("items",))
        else:
            view["evidence"] = evidence_rows(
                outputs, lang, skip=EVIDENCE_SKIP.get(activity.id, ()), aliases=FIELD_ALIASES.get(activity.id)
            )
        if activity.id == "W2" and backups:
            age = _days_between(now, parse_iso(backups[-1]["t"]))
            view["evidence"].append(
                {
                    "label": msgs["backup_age"],
                    "value": msgs["ago"].format(age=format_seconds(age * 86400, lang)),
                }
            )
        all_findings = sorted(result.get("findings") or [], key=lambda f: -_severity_rank(f.get("severity")))
        view["findings"] = [finding_view(f, lang) for f in all_findings[:FINDING_LIMIT]]
        view["findings_more"] = max(len(all_findings) - FINDING_LIMIT, 0)
        opened = {(f["activity"], f["rule"]): f for f in open_findings}
        for finding in view["findings"]:
            extra = opened.get((activity.id, finding["rule"]))
            if extra:
                finding["first_seen"] = extra.get("first_seen")
                finding["occurrences"] = extra.get("occurrences")
        if result.get("error"):
            view["problems"].append(_clip(result["error"], 500))
        for finding in all_findings[:FINDING_LIMIT]:
            label = SEVERITY_LABELS[lang].get(finding.get("severity"), finding.get("severity"))
            view["problems"].append(f"[{label}] {_clip(finding.get('message') or finding.get('rule'), 300)}")
            view["alternatives"].append(_advice(str(finding.get("rule") or ""), lang))
        if result["status"] in ("failed", "unreachable"):
            view["alternatives"].append(ADVICE_UNREACHABLE[0 if lang == "id" else 1])
        elif result["status"] != "ok" and not view["alternatives"]:
            view["alternatives"].append(_advice(ACTIVITY_FALLBACK.get(activity.id, ""), lang))
        if result["status"] != "ok" and not view["problems"] and result.get("summary"):
            view["problems"].append(_clip(result["summary"], 300))
    elif activity.id == "W5":
        view["status"] = "ok"
        view["last_run"] = now.isoformat()
        view["evidence"] = [
            {"label": msgs["output"], "value": msgs["this_report"].format(date=format_date(now, lang))}
        ]
    elif activity.id in ("W6", "W7"):
        # W6 shows records filed under W6; W7 shows every other troubleshooting record.
        records = [t for t in troubles if (t["activity"] == "W6") == (activity.id == "W6")]
        view["troubleshooting"] = [_trouble_view(t, lang) for t in records]
        if records:
            pending = [t for t in records if t["outcome"] != "resolved"]
            view["status"] = "warning" if pending else "ok"
            view["last_run"] = records[-1]["started"]
            longest = max((t["duration_s"] for t in records if t["duration_s"] is not None), default=None)
            view["timing"] = _timing(activity, {"duration_s": longest}, lang)
            for record in pending:
                view["problems"].append(_clip(record["problem"], 300))
        if activity.id == "W6" and open_findings:
            for finding in open_findings:
                view["problems"].append(_clip(finding.get("message") or finding.get("rule"), 300))
                view["alternatives"].append(_advice(str(finding.get("rule") or ""), lang))
            if view["status"] is None:
                view["status"] = "warning"
    elif activity.id == "W8":
        resolved = [t for t in troubles if t["outcome"] == "resolved" and t.get("finished")]
        if resolved:
            fixed = resolved[-1]["finished"]
            after = [b for b in backups if b["t"] >= fixed]
            view["last_run"] = after[0]["t"] if after else None
            if after:
                view["status"] = "ok"
                view["evidence"] = [
                    {
                        "label": msgs["backup_after_fix"],
                        "value": f"{after[0].get('snapshot_id')} ({format_date(after[0]['t'], lang, True)})",
                    }
                ]
            else:
                view["status"] = "warning"
                view["problems"].append(
                    msgs["no_backup_after_fix"].format(date=format_date(fixed, lang, True))
                )
                view["alternatives"].append(_advice("backup", lang))
    elif activity.id == "IT-ATTACK":
        patterns = data.attack.get(court, [])
        view["last_run"] = now.isoformat() if patterns or latest.get("W3") else None
        if patterns or latest.get("W3"):
            worst = max((_severity_rank(p["severity"]) for p in patterns), default=0)
            view["status"] = (
                "critical" if worst >= SEVERITY_RANK["high"] else "warning" if worst >= 1 else "ok"
            )
            view["table"] = {
                "title": msgs["attack_patterns"],
                "head": [msgs["rule"], msgs["severity"], msgs["count"], msgs["message"]],
                "rows": [
                    [
                        p["rule"],
                        SEVERITY_LABELS[lang].get(p["severity"], p["severity"]),
                        p["count"],
                        _clip(p["message"], 160),
                    ]
                    for p in patterns[:15]
                ],
            }
            for pattern in patterns[:5]:
                if _severity_rank(pattern["severity"]) >= SEVERITY_RANK["medium"]:
                    view["alternatives"].append(_advice(pattern["rule"], lang))
    elif activity.id == "IT-RECAP":
        view["status"] = "ok"
        view["last_run"] = now.isoformat()
        view["evidence"] = [
            {"label": msgs["output"], "value": msgs["this_report"].format(date=format_date(now, lang))}
        ]
    view["problems"] = list(dict.fromkeys(view["problems"]))
    view["alternatives"] = list(dict.fromkeys(view["alternatives"]))
    view["status_label"] = STATUS_LABELS[lang].get(view["status"] or "none")
    # activities never carried out are listed in the overview only
    view["has_details"] = bool(
        view["status"]
        or view["evidence"]
        or view["findings"]
        or view["renewals"]
        or view["troubleshooting"]
        or view["table"]
        or view["problems"]
    )
    return view


def _trouble_view(record: Mapping[str, Any], lang: str) -> dict:
    third = record.get("third_party")
    if isinstance(third, Mapping):
        third = " / ".join(str(third[k]) for k in ("role", "name", "phone", "email") if third.get(k))
    return {
        "problem": _clip(record.get("problem"), 300),
        "actions": [_clip(a, 200) for a in (record.get("actions") or [])][:10],
        "who": record.get("who") or "-",
        "third_party": _clip(third, 120) if third else "-",
        "started": record.get("started"),
        "duration": format_seconds(record.get("duration_s"), lang)
        if record.get("duration_s") is not None
        else "-",
        "standard_time": record.get("standard_time") or "-",
        "within": record.get("within_standard"),
        "outcome": OUTCOME_LABELS[lang].get(record.get("outcome"), record.get("outcome")),
        "evidence": _clip(_hide_secret("evidence", record.get("evidence")), 300)
        if record.get("evidence") is not None
        else "",
    }


def _court_charts(context: Mapping[str, Any], lang: str, now: _dt.datetime) -> dict:
    msgs = MESSAGES[lang]
    series = context["series"]
    start = _dt.datetime.fromisoformat(context["period"]["from"])
    return {
        "availability": svgplot.bar_chart(
            [(_dt.date.fromisoformat(d), v) for d, v in series["availability_daily"]],
            msgs["chart_availability"],
            unit="%",
            ymax=100,
            bad_below=99,
            empty=msgs["no_data"],
        ),
        "response": svgplot.line_chart(
            [(_dt.datetime.fromisoformat(t), v) for t, v in series["response_ms"]],
            msgs["chart_response"],
            start=start,
            end=now,
            empty=msgs["no_data"],
        ),
        "backup": svgplot.line_chart(
            [
                (_dt.datetime.fromisoformat(t), v / 1048576 if isinstance(v, int | float) else None)
                for t, v in series["backup_size_bytes"]
            ],
            msgs["chart_backup"],
            start=start,
            end=now,
            empty=msgs["no_data"],
        ),
        "findings": svgplot.bar_chart(
            [(_dt.date.fromisoformat(d), v) for d, v in series["findings_per_day"]],
            msgs["chart_findings"],
            empty=msgs["no_data"],
        ),
    }


def _dashboard_row(context: Mapping[str, Any]) -> dict:
    metrics = context["metrics"]
    return {
        "court": context["court"]["id"],
        "name": context["court"]["name"],
        "type": context["court"]["type"],
        "region": context["court"]["region"],
        "domain": context["court"]["domain"],
        "href": quote(context["court"]["slug"]) + "/laporan.html",
        "status": context["status"],
        "status_label": context["status_label"],
        "availability_pct": metrics["availability_pct"],
        "backup_age_days": metrics["backup_age_days"],
        "open_findings": metrics["open_findings"],
        "worst_severity": metrics["worst_severity"],
        "renewal_days_left": metrics["renewal_days_left"],
        "renewal_kind": (metrics["renewal"] or {}).get("kind"),
        "last_checked": metrics["last_checked"],
    }


def severity_key(row: Mapping[str, Any]) -> tuple:
    """Sort key: worst first (status, worst open finding, number of findings, nearest renewal)."""
    renewal = row.get("renewal_days_left")
    return (
        -(STATUS_RANK.get(row.get("status") or "", -1)),
        -(_severity_rank(row.get("worst_severity")) if row.get("worst_severity") else -1),
        -(row.get("open_findings") or 0),
        renewal if renewal is not None else 10**6,
        row.get("name") or "",
    )


def dashboard_context(
    rows: list[dict],
    data: _FleetData,
    lang: str,
    now: _dt.datetime,
    period: dict,
    start_day: _dt.date,
    days: int,
) -> dict:
    msgs = MESSAGES[lang]
    regions: dict[str, list[dict]] = {}
    for row in rows:
        regions.setdefault(row["region"] or msgs["region_unknown"], []).append(row)
    groups = []
    for region, members in regions.items():
        members.sort(key=severity_key)
        groups.append({"region": region, "courts": members, "worst": members[0]["status"]})
    groups.sort(key=lambda g: (severity_key(g["courts"][0])[:1], g["region"]))
    counts = {s: 0 for s in (*STATUS_RANK, "none")}
    for row in rows:
        counts[row["status"] or "none"] += 1
    fleet_per_day: dict[str, int] = {}
    for per_day in data.findings_per_day.values():
        for day, count in per_day.items():
            fleet_per_day[day] = fleet_per_day.get(day, 0) + count
    return {
        "schema": SCHEMA,
        "lang": lang,
        "generated": now.isoformat(),
        "period": period,
        "counts": counts,
        "status_labels": STATUS_LABELS[lang],
        "regions": groups,
        "findings_per_day": _per_day(fleet_per_day, start_day, days),
    }


def to_pdf(html: Path, pdf: Path | None = None, chromium: str | None = None) -> Path:
    """Print an HTML report to PDF with headless Chromium. Raises ReportError when it is not installed."""
    binary = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    binary = binary or next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)
    if not binary:
        raise ReportError(
            "PDF memerlukan Chromium (apt-get install chromium); laporan HTML tetap dapat dicetak dari "
            "peramban",
            "PDF needs Chromium (apt-get install chromium); the HTML reports can still be printed from a "
            "browser",
        )
    pdf = pdf or html.with_suffix(".pdf")
    if not html.is_file():
        raise ReportError(f"laporan tidak ada: {html}", f"report not found: {html}")
    try:
        pdf.unlink(missing_ok=True)  # never mistake an old file for this run's output
        # A throw-away profile: no state shared between runs or with a desktop browser.
        with tempfile.TemporaryDirectory(prefix="sopansible-chromium-") as profile:
            subprocess.run(
                [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer"]
                + [f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                check=True,
                capture_output=True,
                timeout=120,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ReportError(
            f"Chromium gagal mencetak {html} ke PDF: {exc}", f"Chromium could not print {html} to PDF: {exc}"
        ) from None
    try:
        with open(pdf, "rb") as handle:
            valid = handle.read(5) == b"%PDF-"
    except OSError:
        valid = False
    if not valid:
        raise ReportError(
            f"Chromium tidak menghasilkan PDF untuk {html}", f"Chromium produced no PDF for {html}"
        )
    return pdf
