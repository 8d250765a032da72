# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Troubleshooting rules (SOP W6, W7): evidence about a court website -> known problems.

Pure functions, standard library only. The evidence is one dict::

    {"court": {"name": "pn-tais", "domain": "pn-tais.go.id", "webserver": "nginx"},
     "server": <server_evidence.gather()> or None (shared hosting: no SSH),
     "probe": <one site_probe result> or None,
     "dns": {"checked": True, "name": "pn-tais.go.id", "addresses": [...], "expected": [...]} or None,
     "hardening": {"checked": True, "failed": [{"id", "severity", "description"}]} or None}

:func:`diagnose` returns the problems found, worst first, each with an Indonesian and English title
and explanation and ranked solutions. Each solution says who carries it out:

``auto``         the remediation playbook does it (with confirmation), action id in ``action``
``operator``     the court's website operator, with a sopansible command or a manual step
``maintenance``  the equipment-maintenance section (Subbag Umum dan Keuangan): hardware, disk, power
``third_party``  a named third party (hosting, domain registrar, Internet provider, vendor) with the
                 contact taken from the inventory (``court_services`` and ``court_contacts.third_parties``)

:func:`troubleshooting_records` and :func:`sop_result` turn a diagnosis (W6) or a remediation (W7)
into the history's troubleshooting records and the ``pn_sop_result`` of the play.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import re

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as sr
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITY_RANK

FIX_KINDS = ("auto", "operator", "maintenance", "third_party")
#: A remediation (W7) with a failed step: a critical problem left makes it failed, not only critical.
REMEDIATION_FAILED_RULE = {"failed": "critical", "warning": "medium"}
THRESHOLDS = {
    "disk_used_pct": 90.0,
    "disk_min_free_bytes": 200 * 1024 * 1024,
    "inode_used_pct": 90.0,
    "logs_share_pct": 30.0,
    "backup_max_age_hours": 26.0,
    "security_updates": 1,
    "load_per_cpu": 2.0,
    "memory_available_pct": 5.0,
}
#: Third-party roles per party kind: court_services kind, then court_contacts.third_parties roles.
PARTIES = {
    "hosting": ("hosting", ("hosting", "vendor", "maintenance")),
    "domain": ("domain", ("registrar", "domain_manager")),
    "connection": ("connection", ("isp",)),
    "vendor": (None, ("vendor", "maintenance", "hosting")),
}
#: Order in which automatic actions run: space first, then configuration, services, content.
ACTION_ORDER = ("free-logs", "restore-config", "restart-service", "restore-site", "backup")
SERVICE_ORDER = {"database": 0, "php-fpm": 1, "webserver": 2}
#: Findings that show a compromised site (what the restore-site action fixes), per activity that looks at
#: the site: W1 (site_probe rules), W6 and W7 (problem ids). A site restore comes from a snapshot taken
#: while the site was seen whole, never from one taken after these were first seen (the nightly backup
#: timer keeps backing up the compromised site).
COMPROMISE_RULES = {
    "W1": ("defacement", "gambling-spam", "hidden-links"),
    "W6": ("site-defaced", "gambling-spam"),
    "W7": ("site-defaced", "gambling-spam"),
}
#: Findings after which the site cannot be called whole, although no compromise was named.
UNCLEAR_RULES = {"W1": ("keyword-missing",), "W6": ("content-changed",), "W7": ("content-changed",)}

# Rule texts: {placeholders} are filled from the problem's evidence.
RULES = {
    "webserver-config-invalid": {
        "severity": "critical",
        "title": ("Konfigurasi web server tidak valid", "Web server configuration is invalid"),
        "explanation": (
            "Uji konfigurasi ({command}) gagal{where}: {first_error}. Web server tidak dapat dimulai ulang "
            "atau dimuat ulang sampai konfigurasi diperbaiki.",
            "The configuration test ({command}) fails{where_en}: {first_error}. The web server cannot be "
            "restarted or reloaded until the configuration is fixed.",
        ),
        "solutions": [
            (
                "auto",
                "restore-config",
                "Pulihkan konfigurasi {unit} dari backup terverifikasi terakhir, uji "
                "dengan {command}, lalu jalankan ulang web server.",
                "Restore the {unit} configuration from the latest verified backup, test it with "
                "{command}, then restart the web server.",
            ),
            (
                "operator",
                None,
                "Perbaiki baris yang disebut pada {file_line}, lalu jalankan remediasi: "
                "konfigurasi diuji dulu sebelum dimuat ulang.",
                "Fix the line named at {file_line}, then run the remediation: the configuration is tested "
                "before it is reloaded.",
            ),
            (
                "third_party",
                "vendor",
                "Minta bantuan vendor/pengelola server bila perubahan dibuat olehnya.",
                "Ask the server vendor/maintainer for help if they made the change.",
            ),
        ],
    },
    "webserver-down": {
        "severity": "critical",
        "title": ("Web server mati", "Web server is down"),
        "explanation": (
            "Layanan {unit} tidak berjalan (status {active}/{sub}, hasil {result}); situs tidak dapat "
            "dilayani.",
            "The {unit} service is not running (state {active}/{sub}, result {result}); the site cannot "
            "be served.",
        ),
        "solutions": [
            (
                "auto",
                "restart-service",
                "Uji konfigurasi lalu jalankan ulang {unit}.",
                "Test the configuration, then restart {unit}.",
            ),
            (
                "operator",
                None,
                "Periksa log {unit} (journalctl -u {unit}) bila gagal berjalan lagi.",
                "Read the {unit} log (journalctl -u {unit}) if it fails again.",
            ),
            (
                "third_party",
                "hosting",
                "Hubungi penyedia hosting/VPS bila server bermasalah.",
                "Contact the hosting/VPS provider if the server itself is at fault.",
            ),
        ],
    },
    "php-fpm-down": {
        "severity": "critical",
        "title": ("PHP-FPM mati", "PHP-FPM is down"),
        "explanation": (
            "Layanan {unit} tidak berjalan (status {active}/{sub}); halaman PHP menampilkan "
            "kesalahan 502/503.",
            "The {unit} service is not running (state {active}/{sub}); PHP pages answer with error 502/503.",
        ),
        "solutions": [
            ("auto", "restart-service", "Jalankan ulang {unit}.", "Restart {unit}."),
            (
                "operator",
                None,
                "Bila berhenti lagi: periksa memori, pm.max_children dan log PHP-FPM.",
                "If it stops again: check memory, pm.max_children and the PHP-FPM log.",
            ),
            (
                "maintenance",
                None,
                "Tambah memori server bila PHP-FPM berhenti karena kehabisan memori.",
                "Add memory to the server if PHP-FPM stops for lack of memory.",
            ),
        ],
    },
    "database-down": {
        "severity": "critical",
        "title": ("Basis data mati", "Database is down"),
        "explanation": (
            "Layanan {unit} tidak berjalan (status {active}/{sub}); situs tidak dapat membaca kontennya.",
            "The {unit} service is not running (state {active}/{sub}); the site cannot read its content.",
        ),
        "solutions": [
            ("auto", "restart-service", "Jalankan ulang {unit}.", "Restart {unit}."),
            (
                "operator",
                None,
                "Bila gagal: periksa ruang disk dan log basis data; pulihkan dari backup bila "
                "tabel rusak (sopansible run restore).",
                "If it fails: check disk space and the database log; restore from the backup if tables are "
                "damaged.",
            ),
            (
                "third_party",
                "vendor",
                "Minta bantuan vendor aplikasi bila tabel rusak.",
                "Ask the application vendor for help if tables are damaged.",
            ),
        ],
    },
    "disk-full-logs": {
        "severity": "critical",
        "title": ("Disk penuh oleh berkas log", "Disk full of log files"),
        "explanation": (
            "Partisi {mount} terpakai {used_pct}% (sisa {free_mb} MB); berkas log terbesar: {logs}. Layanan "
            "tidak dapat menulis log, sesi atau unggahan.",
            "Partition {mount} is {used_pct}% used ({free_mb} MB free); biggest log files: {logs}. Services "
            "cannot write logs, sessions or uploads.",
        ),
        "solutions": [
            (
                "auto",
                "free-logs",
                "Rotasi log (logrotate -f) lalu kompres dan pangkas log yang terlalu besar.",
                "Rotate the logs (logrotate -f), then compress and shrink oversized logs.",
            ),
            (
                "operator",
                None,
                "Cari penyebab log membengkak (serangan, kesalahan berulang) dan atur logrotate.",
                "Find why the logs grow (attack, repeated error) and tune logrotate.",
            ),
            (
                "maintenance",
                None,
                "Perbesar disk bila ruang tetap kurang.",
                "Enlarge the disk if space stays short.",
            ),
        ],
    },
    "disk-full": {
        "severity": "critical",
        "title": ("Disk penuh", "Disk full"),
        "explanation": (
            "Partisi {mount} terpakai {used_pct}% (sisa {free_mb} MB); bukan terutama oleh log.",
            "Partition {mount} is {used_pct}% used ({free_mb} MB free), mostly not by logs.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Hapus berkas sementara, cache dan backup lama di server (du -xh {mount}).",
                "Remove temporary files, caches and old backups on the server (du -xh {mount}).",
            ),
            ("maintenance", None, "Perbesar disk server.", "Enlarge the server's disk."),
            (
                "third_party",
                "hosting",
                "Minta penyedia hosting menambah kapasitas disk.",
                "Ask the hosting provider for more disk space.",
            ),
        ],
    },
    "inode-full": {
        "severity": "high",
        "title": ("Inode disk habis", "Disk inodes exhausted"),
        "explanation": (
            "Partisi {mount} memakai {inodes_used_pct}% inode: terlalu banyak berkas kecil (sesi, cache).",
            "Partition {mount} uses {inodes_used_pct}% of its inodes: too many small files "
            "(sessions, cache).",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Hapus berkas sesi/cache lama (find {mount} -xdev -type f | cut -d/ -f2-4 | "
                "sort | uniq -c | sort -n).",
                "Remove old session/cache files (find {mount} -xdev -type f | cut -d/ -f2-4 | sort "
                "| uniq -c | sort -n).",
            ),
            (
                "third_party",
                "hosting",
                "Minta penyedia hosting memeriksa batas inode.",
                "Ask the hosting provider about the inode limit.",
            ),
        ],
    },
    "certificate-expired": {
        "severity": "critical",
        "title": ("Sertifikat TLS kedaluwarsa", "TLS certificate expired"),
        "explanation": (
            "Sertifikat {host} berakhir pada {not_after}; peramban menolak membuka situs.",
            "The certificate of {host} expired on {not_after}; browsers refuse to open the site.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Perpanjang sertifikat (certbot renew) lalu muat ulang web server.",
                "Renew the certificate (certbot renew), then reload the web server.",
            ),
            (
                "third_party",
                "hosting",
                "Minta penyedia hosting/sertifikat menerbitkan sertifikat baru.",
                "Ask the hosting/certificate provider for a new certificate.",
            ),
        ],
    },
    "certificate-invalid": {
        "severity": "critical",
        "title": ("Sertifikat TLS tidak valid", "TLS certificate invalid"),
        "explanation": (
            "Sertifikat {host} tidak valid ({reason}): {error}.",
            "The certificate of {host} is invalid ({reason}): {error}.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Pasang sertifikat yang mencakup semua nama host beserta rantai perantaranya.",
                "Install a certificate covering every host name, with its intermediate chain.",
            ),
            (
                "third_party",
                "hosting",
                "Minta penyedia hosting memasang sertifikat yang benar.",
                "Ask the hosting provider to install the right certificate.",
            ),
        ],
    },
    "certificate-expiring": {
        "severity": "medium",
        "title": ("Sertifikat TLS segera berakhir", "TLS certificate expiring soon"),
        "explanation": (
            "Sertifikat {host} berakhir dalam {days_left} hari ({not_after}).",
            "The certificate of {host} expires in {days_left} days ({not_after}).",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Perpanjang sertifikat sebelum berakhir (certbot renew).",
                "Renew the certificate before it expires (certbot renew).",
            ),
            (
                "third_party",
                "hosting",
                "Minta perpanjangan ke penyedia sertifikat.",
                "Ask the certificate provider for the renewal.",
            ),
        ],
    },
    "dns-mismatch": {
        "severity": "critical",
        "title": ("DNS mengarah ke alamat lain", "DNS points elsewhere"),
        "explanation": (
            "{name} mengarah ke {addresses}, bukan ke server pengadilan ({expected}).",
            "{name} resolves to {addresses}, not to the court's server ({expected}).",
        ),
        "solutions": [
            (
                "third_party",
                "domain",
                "Minta pengelola domain/registrar mengembalikan record DNS ke {expected}.",
                "Ask the domain manager/registrar to point the DNS records back to {expected}.",
            ),
            (
                "operator",
                None,
                "Periksa apakah akun pengelola domain diambil alih; ganti kata sandinya.",
                "Check whether the domain account was taken over; change its password.",
            ),
        ],
    },
    "dns-unresolved": {
        "severity": "critical",
        "title": ("Nama domain tidak ditemukan", "Domain name does not resolve"),
        "explanation": (
            "{name} tidak menghasilkan alamat ({error}): domain mungkin kedaluwarsa atau DNS rusak.",
            "{name} has no address ({error}): the domain may have expired or DNS is broken.",
        ),
        "solutions": [
            (
                "third_party",
                "domain",
                "Hubungi pengelola domain/registrar (perpanjangan, record DNS).",
                "Contact the domain manager/registrar (renewal, DNS records).",
            ),
            (
                "operator",
                None,
                "Periksa masa berlaku domain (sopansible renewals).",
                "Check the domain's expiry (sopansible renewals).",
            ),
        ],
    },
    "site-unreachable": {
        "severity": "critical",
        "title": ("Situs tidak dapat diakses dari luar", "Site unreachable from outside"),
        "explanation": (
            "Dari kontroler: {reason} ({error}). Di server sendiri beranda menjawab HTTP {local_status}: "
            "masalah kemungkinan di jaringan/koneksi atau firewall.",
            "From the controller: {reason} ({error}). On the server itself the homepage answers HTTP "
            "{local_status}: the problem is likely the network/connection or a firewall.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Periksa firewall server (nft list ruleset) dan port 80/443.",
                "Check the server firewall (nft list ruleset) and ports 80/443.",
            ),
            (
                "third_party",
                "connection",
                "Hubungi penyedia Internet bila koneksi kantor/server terputus.",
                "Contact the Internet provider if the office/server connection is down.",
            ),
            (
                "third_party",
                "hosting",
                "Hubungi penyedia hosting/VPS bila server tidak terjangkau.",
                "Contact the hosting/VPS provider if the server cannot be reached.",
            ),
        ],
    },
    "vhost-unreachable": {
        "severity": "high",
        "title": ("Nama host lain tidak melayani", "Another host name does not serve"),
        "explanation": (
            "{host} tidak dapat dibuka ({reason}: {error}) sementara {main} dapat dibuka.",
            "{host} cannot be opened ({reason}: {error}) while {main} can.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Pastikan {host} ada di server_name/ServerAlias dan di sertifikat TLS, lalu muat ulang web "
                "server.",
                "Make sure {host} is in server_name/ServerAlias and in the TLS certificate, then reload the "
                "web server.",
            ),
            (
                "third_party",
                "domain",
                "Minta pengelola domain menambah/membetulkan record DNS {host}.",
                "Ask the domain manager to add/fix the DNS record of {host}.",
            ),
        ],
    },
    "site-error": {
        "severity": "critical",
        "title": ("Situs menjawab dengan kesalahan", "Site answers with an error"),
        "explanation": (
            "Beranda menjawab HTTP {status} ({error}) sementara layanan berjalan: kesalahan aplikasi.",
            "The homepage answers HTTP {status} ({error}) while the services run: an application error.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Baca log kesalahan web server dan PHP di bukti diagnosis.",
                "Read the web server and PHP error logs in the diagnosis evidence.",
            ),
            (
                "third_party",
                "vendor",
                "Minta vendor aplikasi memperbaiki kesalahan.",
                "Ask the application vendor to fix the error.",
            ),
        ],
    },
    "site-defaced": {
        "severity": "critical",
        "title": ("Situs diretas (defacement)", "Site defaced"),
        "explanation": (
            "Beranda menunjukkan tanda peretasan: {terms}. {changed} berkas di web root berubah dalam "
            "24 jam terakhir.",
            "The homepage shows signs of defacement: {terms}. {changed} files in the web root changed in the "
            "last 24 hours.",
        ),
        "solutions": [
            (
                "auto",
                "restore-site",
                "Pulihkan web root dan basis data dari snapshot terakhir yang diketahui bersih (sebelum "
                "peretasan pertama terlihat; dengan snapshot pengaman), periksa beranda dari luar, lalu buat "
                "backup baru.",
                "Restore the web root and the database from the last snapshot known to be clean (taken "
                "before the defacement was first seen; with a safety snapshot), check the homepage from "
                "outside, then take a fresh backup.",
            ),
            (
                "operator",
                None,
                "Ganti semua kata sandi admin/FTP/basis data dan perbarui CMS serta plugin.",
                "Change every admin/FTP/database password and update the CMS and its plugins.",
            ),
            (
                "third_party",
                "vendor",
                "Laporkan ke vendor aplikasi dan tim keamanan (CSIRT) untuk analisis.",
                "Report to the application vendor and the security team (CSIRT) for analysis.",
            ),
        ],
    },
    "gambling-spam": {
        "severity": "critical",
        "title": ("Spam judi online di situs", "Online-gambling spam on the site"),
        "explanation": (
            "Ditemukan konten/tautan judi online: {terms}.",
            "Online-gambling content/links found: {terms}.",
        ),
        "solutions": [
            (
                "auto",
                "restore-site",
                "Pulihkan web root dan basis data dari snapshot terakhir yang diketahui bersih (sebelum spam "
                "pertama terlihat), lalu periksa ulang dari luar.",
                "Restore the web root and the database from the last snapshot known to be clean (taken "
                "before the spam was first seen), then check again from outside.",
            ),
            (
                "operator",
                None,
                "Bersihkan konten/tautan sisipan di basis data CMS dan ganti kata sandi admin.",
                "Clean the injected content/links in the CMS database and change the admin passwords.",
            ),
            (
                "third_party",
                "vendor",
                "Minta vendor aplikasi menutup celah yang dipakai.",
                "Ask the application vendor to close the hole that was used.",
            ),
        ],
    },
    "content-changed": {
        "severity": "high",
        "title": ("Nama pengadilan hilang dari beranda", "Court name missing from the homepage"),
        "explanation": (
            'Beranda tidak memuat "{keyword}": halaman diganti atau rusak.',
            'The homepage does not contain "{keyword}": the page was replaced or is broken.',
        ),
        "solutions": [
            (
                "operator",
                None,
                "Periksa beranda; bila diretas jalankan pemulihan dari backup (sopansible run restore).",
                "Check the homepage; if it was defaced, restore it from the backup.",
            ),
        ],
    },
    "backup-stale": {
        "severity": "medium",
        "title": ("Backup terakhir terlalu lama atau gagal", "Latest backup too old or failed"),
        "explanation": (
            "Backup terakhir: {finished} (status {status}, {age_hours} jam lalu; batas {limit} jam).",
            "Latest backup: {finished} (status {status}, {age_hours} hours ago; limit {limit} hours).",
        ),
        "solutions": [
            ("auto", "backup", "Buat backup baru sekarang (W8).", "Take a fresh backup now (W8)."),
            (
                "operator",
                None,
                "Periksa timer backup (systemctl status pn-website-backup.timer).",
                "Check the backup timer (systemctl status pn-website-backup.timer).",
            ),
        ],
    },
    "backup-missing": {
        "severity": "medium",
        "title": ("Belum ada backup", "No backup yet"),
        "explanation": (
            "Berkas status backup {path} tidak ada: server ini belum pernah di-backup oleh pn.website.",
            "The backup status file {path} does not exist: this server was never backed up by pn.website.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Atur court_backup_targets lalu jalankan sopansible run W2.",
                "Set court_backup_targets, then run sopansible run W2.",
            ),
        ],
    },
    "updates-pending": {
        "severity": "medium",
        "title": ("Pembaruan keamanan tertunda", "Security updates pending"),
        "explanation": (
            "{security} pembaruan keamanan belum dipasang ({packages}).",
            "{security} security updates are not installed ({packages}).",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Pasang pembaruan di luar jam layanan (apt-get upgrade), lalu periksa situs.",
                "Install the updates outside service hours (apt-get upgrade), then check the site.",
            ),
        ],
    },
    "time-unsynced": {
        "severity": "low",
        "title": ("Jam server tidak sinkron", "Server clock not synchronised"),
        "explanation": (
            "Sinkronisasi waktu (NTP) tidak aktif: log, sertifikat dan jadwal backup bisa salah.",
            "Time synchronisation (NTP) is off: logs, certificates and backup schedules may be wrong.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Aktifkan NTP (timedatectl set-ntp true).",
                "Turn NTP on (timedatectl set-ntp true).",
            ),
        ],
    },
    "memory-low": {
        "severity": "medium",
        "title": ("Memori hampir habis", "Memory nearly exhausted"),
        "explanation": (
            "Memori tersedia {available_pct}% dari {total_mb} MB.",
            "{available_pct}% of {total_mb} MB memory available.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Kurangi pm.max_children PHP-FPM atau cari proses yang boros memori.",
                "Lower PHP-FPM pm.max_children or find the process using the memory.",
            ),
            ("maintenance", None, "Tambah memori server.", "Add memory to the server."),
        ],
    },
    "load-high": {
        "severity": "medium",
        "title": ("Beban server tinggi", "Server load high"),
        "explanation": (
            "Beban 5 menit {load5} untuk {cpus} CPU.",
            "5-minute load {load5} for {cpus} CPUs.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Cari proses penyebab (top) dan periksa log akses untuk serangan (sopansible logs).",
                "Find the process (top) and check the access log for an attack (sopansible logs).",
            ),
            (
                "third_party",
                "hosting",
                "Minta penyedia hosting menambah CPU.",
                "Ask the hosting provider for more CPU.",
            ),
        ],
    },
    "hardening-drift": {
        "severity": "low",
        "title": ("Pengamanan server bergeser", "Server hardening drifted"),
        "explanation": (
            "{count} kontrol pengamanan gagal: {controls}.",
            "{count} hardening controls fail: {controls}.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Jalankan ulang pengamanan (playbooks/sop_hardening.yml) setelah meninjau.",
                "Run the hardening again (playbooks/sop_hardening.yml) after review.",
            ),
        ],
    },
}


class _Blank(dict):
    def __missing__(self, key):
        return "-"


def _fmt(text, values):
    return text.format_map(_Blank({k: ("-" if v is None or v == "" else v) for k, v in values.items()}))


def _contact_from(person, role, source):
    if not isinstance(person, dict):
        return None
    contact = {"role": role, "source": source}
    for key in ("name", "email", "phone"):
        if person.get(key):
            contact[key] = str(person[key])
    return contact if len(contact) > 2 else None


def resolve_contact(party, contacts):
    """The contact for a party kind (hosting, domain, connection, vendor) from the inventory, or None."""
    contacts = contacts or {}
    kind, roles = PARTIES.get(party, (None, (party,)))
    if kind:
        for service in contacts.get("services") or []:
            if isinstance(service, dict) and service.get("kind") == kind:
                contact = _contact_from(service.get("contact") or {}, kind, "court_services")
                if contact is not None:
                    contact["provider"] = service.get("provider") or contact.get("name")
                    return contact
                if service.get("provider"):
                    return {"role": kind, "name": service["provider"], "source": "court_services"}
    for role in roles:
        for person in contacts.get("third_parties") or []:
            if isinstance(person, dict) and person.get("role") == role:
                contact = _contact_from(person, role, "court_contacts.third_parties")
                if contact is not None:
                    return contact
    return None


def make_problem(rule_id, values, evidence, contacts=None, target=None, severity=None):
    """A problem dict from a rule of :data:`RULES`, its text values and evidence."""
    rule = RULES[rule_id]
    solutions = []
    for rank, (fix, action, text_id, text_en) in enumerate(rule["solutions"], start=1):
        solution = {
            "rank": rank,
            "fix": fix,
            "action": action if fix == "auto" else None,
            "text": {"id": _fmt(text_id, values), "en": _fmt(text_en, values)},
            "contact": None,
            "party": action if fix == "third_party" else None,
        }
        if fix == "third_party":
            solution["contact"] = resolve_contact(action, contacts)
        if fix == "auto" and target:
            solution["target"] = target
        solutions.append(solution)
    auto = next((s for s in solutions if s["fix"] == "auto"), None)
    escalation = next((s for s in solutions if s["fix"] == "third_party"), None)
    return {
        "id": rule_id,
        "severity": severity or rule["severity"],
        "title": {"id": rule["title"][0], "en": rule["title"][1]},
        "explanation": {
            "id": _fmt(rule["explanation"][0], values),
            "en": _fmt(rule["explanation"][1], values),
        },
        "evidence": evidence,
        "solutions": solutions,
        "auto": auto is not None,
        "action": {"action": auto["action"], "target": target} if auto else None,
        "escalation": (
            {"party": escalation["party"], "contact": escalation["contact"]} if escalation else None
        ),
    }


# -- rules ---------------------------------------------------------------------------------------------


def _service_problems(server, contacts, config):
    out = []
    services = server.get("services") or {}
    rule_of = {"webserver": "webserver-down", "php-fpm": "php-fpm-down", "database": "database-down"}
    for unit, state in sorted(services.items(), key=lambda kv: SERVICE_ORDER.get(kv[1].get("role"), 9)):
        if state.get("running") or state.get("loaded") in ("not-found",):
            continue
        role = state.get("role")
        if role == "webserver" and config and config.get("ok") is False:
            continue  # the invalid configuration is the cause; reported once as such
        values = dict(state, unit=unit)
        evidence = {k: state.get(k) for k in ("unit", "active", "sub", "result", "since", "restarts")}
        evidence["journal"] = (state.get("journal") or [])[-10:]
        out.append(make_problem(rule_of.get(role, "webserver-down"), values, evidence, contacts, target=unit))
    return out


def _config_problem(server, contacts):
    config = server.get("config_test")
    if not config or config.get("ok") is not False:
        return []
    output = config.get("output") or ""
    first = next((line for line in output.splitlines() if "emerg" in line or "rror" in line), "")
    first = first or (output.splitlines() or [""])[0]
    first = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: ", r"\1 ", first.strip())
    file_line = "%s:%s" % (config["file"], config["line"]) if config.get("file") else "-"
    webserver = server.get("webserver") or "nginx"
    unit = "apache2" if webserver == "apache" else "nginx"
    values = {
        "command": config.get("command"),
        "first_error": first.strip()[:300],
        "where": " di %s" % file_line if config.get("file") else "",
        "where_en": " at %s" % file_line if config.get("file") else "",
        "file_line": file_line,
        "unit": unit,
    }
    state = (server.get("services") or {}).get(unit) or {}
    evidence = {
        "command": config.get("command"),
        "output": output[-1500:],
        "file": config.get("file"),
        "line": config.get("line"),
        "service_active": state.get("active"),
    }
    return [make_problem("webserver-config-invalid", values, evidence, contacts, target=unit)]


def _disk_problems(server, contacts, limits):
    out = []
    logs = server.get("biggest_logs") or []
    for disk in server.get("disk") or []:
        if "used_pct" not in disk:
            continue
        mount = disk.get("mount") or disk["path"]
        full = disk["used_pct"] >= limits["disk_used_pct"] or disk["free_bytes"] < min(
            limits["disk_min_free_bytes"], disk["total_bytes"] * 0.05
        )
        if full:
            on_mount = [
                item
                for item in logs
                if item["path"] == mount or item["path"].startswith(mount.rstrip("/") + "/")
            ]
            log_bytes = sum(item["size_bytes"] for item in on_mount)
            share = 100.0 * log_bytes / disk["used_bytes"] if disk.get("used_bytes") else 0.0
            by_logs = bool(on_mount) and (share >= limits["logs_share_pct"] or mount.startswith("/var/log"))
            values = {
                "mount": mount,
                "used_pct": disk["used_pct"],
                "free_mb": round(disk["free_bytes"] / 1048576.0, 1),
                "logs": ", ".join(
                    "%s (%.1f MB)" % (item["path"], item["size_bytes"] / 1048576.0) for item in on_mount[:3]
                )
                or "-",
            }
            evidence = dict(disk, logs=on_mount[:5], logs_share_pct=round(share, 1))
            out.append(
                make_problem(
                    "disk-full-logs" if by_logs else "disk-full", values, evidence, contacts, target=mount
                )
            )
        if disk.get("inodes_total") and disk["inodes_used_pct"] >= limits["inode_used_pct"]:
            values = {"mount": mount, "inodes_used_pct": disk["inodes_used_pct"]}
            out.append(make_problem("inode-full", values, dict(disk), contacts, target=mount))
    return out


def _finding(probe, rule):
    return [f for f in (probe.get("findings") or []) if f.get("rule") == rule]


def _probe_problems(probe, server, contacts, court, explained):
    out = []
    if not probe:
        return out
    url_host = (probe.get("url") or "").split("/")[2:3]
    host = url_host[0] if url_host else court.get("domain", "-")
    tls = probe.get("tls") or {}
    for item in _finding(probe, "tls-invalid"):
        ev = item.get("evidence") or {}
        values = {
            "host": ev.get("host") or host,
            "reason": ev.get("reason"),
            "error": item.get("message_en"),
            "not_after": ev.get("not_after"),
        }
        rule = "certificate-expired" if ev.get("reason") == "expired" else "certificate-invalid"
        out.append(make_problem(rule, values, ev, contacts, target=values["host"]))
    if not out and probe.get("reason") == "tls":
        values = {
            "host": host,
            "reason": tls.get("reason"),
            "error": probe.get("error"),
            "not_after": tls.get("not_after"),
        }
        rule = (
            "certificate-expired" if "expired" in str(probe.get("error")).lower() else "certificate-invalid"
        )
        out.append(make_problem(rule, values, {"error": probe.get("error")}, contacts, target=host))
    for item in _finding(probe, "tls-expiring"):
        ev = item.get("evidence") or {}
        values = {
            "host": ev.get("host") or host,
            "days_left": int(ev.get("days_left") or 0),
            "not_after": ev.get("not_after"),
        }
        out.append(
            make_problem(
                "certificate-expiring",
                values,
                ev,
                contacts,
                target=values["host"],
                severity=item.get("severity"),
            )
        )
    deface = _finding(probe, "defacement")
    recent = (server or {}).get("recent_webroot_changes") or {}
    if deface:
        terms = []
        for item in deface:
            terms.extend((item.get("evidence") or {}).get("terms") or [])
        values = {"terms": ", ".join(sorted(set(terms))[:6]) or "-", "changed": recent.get("count", "?")}
        evidence = {"findings": deface, "recent_webroot_changes": recent}
        out.append(make_problem("site-defaced", values, evidence, contacts))
    gambling = _finding(probe, "gambling-spam") + _finding(probe, "hidden-links")
    if gambling and not deface:
        terms = []
        for item in gambling:
            ev = item.get("evidence") or {}
            terms.extend(ev.get("terms") or ev.get("matches") or [])
        values = {"terms": ", ".join(sorted({str(t) for t in terms})[:6]) or gambling[0].get("message_en")}
        evidence = {"findings": gambling, "recent_webroot_changes": recent}
        out.append(make_problem("gambling-spam", values, evidence, contacts))
    if not deface and not gambling and probe.get("reachable") and _finding(probe, "keyword-missing"):
        keyword = (probe.get("keyword") or {}).get("expected") or court.get("keyword") or "-"
        out.append(
            make_problem(
                "content-changed", {"keyword": keyword}, {"recent_webroot_changes": recent}, contacts
            )
        )
    if probe.get("reachable"):
        for entry in probe.get("hostnames") or []:
            if entry.get("reachable") or not entry.get("host"):
                continue
            values = {
                "host": entry["host"],
                "reason": entry.get("reason"),
                "error": entry.get("error"),
                "main": host,
            }
            evidence = {k: entry.get(k) for k in ("host", "url", "status", "reason", "error")}
            out.append(make_problem("vhost-unreachable", values, evidence, contacts, target=entry["host"]))
    if not probe.get("reachable") and probe.get("reason") != "tls" and not explained:
        local = (server or {}).get("local_http") or {}
        status = probe.get("status")
        evidence = {
            "reason": probe.get("reason"),
            "error": probe.get("error"),
            "status": status,
            "local_http": local or None,
        }
        if probe.get("reason") == "http" and status and local.get("status") == status:
            values = {"status": status, "error": probe.get("error")}
            out.append(make_problem("site-error", values, evidence, contacts))
        elif probe.get("reason") != "dns":
            values = {
                "reason": probe.get("reason"),
                "error": probe.get("error"),
                "local_status": local.get("status") if local else "-",
            }
            out.append(make_problem("site-unreachable", values, evidence, contacts))
    return out


def _dns_problems(dns, contacts):
    if not dns or not dns.get("checked"):
        return []
    addresses = sorted(set(dns.get("addresses") or []))
    expected = sorted(set(dns.get("expected") or []))
    values = {
        "name": dns.get("name"),
        "addresses": ", ".join(addresses) or "-",
        "expected": ", ".join(expected) or "-",
        "error": dns.get("error") or "NXDOMAIN",
    }
    if not addresses:
        return [make_problem("dns-unresolved", values, dict(dns), contacts, target=dns.get("name"))]
    if expected and not set(addresses) & set(expected):
        return [make_problem("dns-mismatch", values, dict(dns), contacts, target=dns.get("name"))]
    return []


def _health_problems(server, contacts, limits):
    out = []
    backup = server.get("backup") or {}
    if backup and not backup.get("found") and not backup.get("error"):
        out.append(make_problem("backup-missing", {"path": backup.get("path")}, backup, contacts))
    elif backup.get("found") and (
        backup.get("status") != "ok"
        or backup.get("age_hours") is None
        or backup["age_hours"] > limits["backup_max_age_hours"]
    ):
        values = dict(backup, limit=limits["backup_max_age_hours"])
        out.append(make_problem("backup-stale", values, backup, contacts))
    updates = server.get("updates") or {}
    if updates.get("checked") and updates.get("security", 0) >= limits["security_updates"]:
        values = {
            "security": updates["security"],
            "packages": ", ".join(updates.get("security_packages", [])[:8]),
        }
        out.append(make_problem("updates-pending", values, updates, contacts))
    clock = server.get("time") or {}
    if clock.get("checked") and not clock.get("synchronized"):
        out.append(make_problem("time-unsynced", {}, clock, contacts))
    mem = server.get("memory") or {}
    if mem.get("available_pct") is not None and mem["available_pct"] < limits["memory_available_pct"]:
        values = dict(mem, total_mb=round(mem["total_bytes"] / 1048576.0))
        out.append(make_problem("memory-low", values, mem, contacts))
    cpu = server.get("load") or {}
    if cpu.get("load5") is not None and cpu["load5"] > limits["load_per_cpu"] * max(1, cpu.get("cpus") or 1):
        out.append(make_problem("load-high", cpu, cpu, contacts))
    return out


def _hardening_problems(hardening, contacts):
    if not hardening or not hardening.get("checked"):
        return []
    failed = hardening.get("failed") or []
    if not failed:
        return []
    worst = max((SEVERITY_RANK.get(f.get("severity"), 1) for f in failed), default=1)
    severity = "medium" if worst >= SEVERITY_RANK["high"] else "low"
    values = {"count": len(failed), "controls": ", ".join(f.get("id", "?") for f in failed[:8])}
    keep = ("id", "severity", "observed", "expected")
    evidence = {"failed": [dict((k, f.get(k)) for k in keep) for f in failed[:30]]}
    return [make_problem("hardening-drift", values, evidence, contacts, severity=severity)]


def diagnose(evidence, contacts=None, thresholds=None):
    """Problems found in ``evidence`` (see the module documentation), worst first."""
    limits = dict(THRESHOLDS)
    limits.update(thresholds or {})
    evidence = evidence or {}
    court = evidence.get("court") or {}
    server = evidence.get("server") or None
    problems = []
    if server:
        problems += _disk_problems(server, contacts, limits)
        problems += _config_problem(server, contacts)
        problems += _service_problems(server, contacts, server.get("config_test"))
    problems += _dns_problems(evidence.get("dns"), contacts)
    explained = any(SEVERITY_RANK[p["severity"]] >= SEVERITY_RANK["critical"] for p in problems)
    problems += _probe_problems(evidence.get("probe"), server, contacts, court, explained)
    if server:
        problems += _health_problems(server, contacts, limits)
    problems += _hardening_problems(evidence.get("hardening"), contacts)
    if not server:
        # No SSH to the court (shared hosting): nothing can be fixed automatically from here.
        for problem in problems:
            for solution in problem["solutions"]:
                if solution["fix"] == "auto":
                    solution.update(fix="operator", action=None)
            problem.update(auto=False, action=None)
    order = {rule: index for index, rule in enumerate(RULES)}
    problems.sort(key=lambda p: (-SEVERITY_RANK[p["severity"]], order[p["id"]]))
    return problems


#: Problems of the controller's probe that say a site is not whole (after a restore, for example).
SITE_NOT_WHOLE = ("site-defaced", "gambling-spam", "content-changed", "site-error", "site-unreachable")


def site_check(probe, court=None):
    """Whether the controller's probe saw the court's site whole (how a restored site is checked).

    Returns ``{"checked", "whole", "reachable", "status", "problems", "checked_at"}``: ``problems`` are the
    ids of the probe's problems that say the site is not whole (defaced, gambling spam, court name missing,
    error page, unreachable); ``whole`` is true when the site was reached and there is none.
    """
    if not probe:
        return {"checked": False, "whole": False, "reachable": None, "status": None, "problems": []}
    found = _probe_problems(probe, None, None, court or {}, False)
    problems = [p["id"] for p in found if p["id"] in SITE_NOT_WHOLE]
    if not probe.get("reachable") and not problems:
        problems = ["site-unreachable"]
    return {
        "checked": True,
        "whole": bool(probe.get("reachable")) and not problems,
        "reachable": bool(probe.get("reachable")),
        "status": probe.get("status"),
        "problems": problems,
        "checked_at": probe.get("checked_at"),
    }


def plan(problems, allowed=None):
    """The automatic actions for ``problems``, in the order they must run, without duplicates."""
    steps, seen = [], set()
    for problem in problems:
        action = problem.get("action")
        if not action or (allowed is not None and action["action"] not in allowed):
            continue
        key = (action["action"], action.get("target"))
        if key in seen:
            continue
        seen.add(key)
        steps.append(dict(action, problem=problem["id"]))
    restart_order = {"database-down": 0, "php-fpm-down": 1, "webserver-down": 2}
    steps.sort(
        key=lambda s: (
            ACTION_ORDER.index(s["action"]) if s["action"] in ACTION_ORDER else 99,
            restart_order.get(s["problem"], 9),
        )
    )
    return steps


# -- records -------------------------------------------------------------------------------------------


def _lang(value, lang):
    return value.get(lang) or value.get("id") if isinstance(value, dict) else value


def troubleshooting_records(
    court,
    activity,
    problems,
    lang="id",
    who=None,
    started=None,
    finished=None,
    actions=None,
    remaining=None,
    run_id=None,
):
    """One troubleshooting record per problem (shape of ``HistoryStore.add_troubleshooting``).

    For W6 (diagnosis) the actions are the ranked solutions proposed; the outcome is ``escalated`` when
    the problem needs a third party and nothing automatic can fix it, else ``in_progress``. For W7
    (remediation) ``actions`` are the steps carried out ({problem, text, ok}) and ``remaining`` the
    problems found after them: ``resolved`` when the problem is gone, ``escalated`` when it stays and
    needs a third party, else ``unresolved``.
    """
    remaining_ids = None if remaining is None else {p["id"] for p in remaining}
    records = []
    for problem in problems:
        third = problem.get("escalation") or {}
        contact = third.get("contact")
        if activity == "W6":
            steps = [
                "%d. [%s] %s" % (s["rank"], s["fix"], _lang(s["text"], lang)) for s in problem["solutions"]
            ]
            if problem.get("auto"):
                outcome = "in_progress"
            elif contact or third:
                outcome = "escalated"
            else:
                outcome = "in_progress"
        else:
            steps = [
                "%s%s"
                % (a["text"], "" if a.get("ok", True) else (" (GAGAL)" if lang == "id" else " (FAILED)"))
                for a in actions or []
                if a.get("problem") == problem["id"]
            ]
            gone = remaining_ids is not None and problem["id"] not in remaining_ids
            if gone:
                outcome = "resolved"
            elif third and not problem.get("auto"):
                outcome = "escalated"
            else:
                outcome = "unresolved"
        record = {
            "court": court,
            "activity": activity,
            "problem": "%s: %s" % (_lang(problem["title"], lang), _lang(problem["explanation"], lang)),
            "finding_rule": problem["id"],
            "evidence": problem.get("evidence"),
            "actions": steps,
            "who": who,
            "third_party": contact
            if contact
            else (third.get("party") if third and outcome == "escalated" else None),
            "started": started,
            "finished": finished,
            "outcome": outcome,
        }
        if run_id:
            record["run_id"] = run_id
        records.append(record)
    return records


def sop_result(
    court,
    activity,
    problems,
    lang="id",
    who=None,
    started=None,
    finished=None,
    actions=None,
    remaining=None,
    outputs=None,
):
    """``pn_sop_result`` of a diagnosis (W6) or a remediation (W7), with its troubleshooting records."""
    en = lang == "en"
    findings = [
        sr.finding(
            p["id"],
            p["severity"],
            "%s: %s" % (_lang(p["title"], lang), _lang(p["explanation"], lang)),
            {"auto": p["auto"], "escalation": p.get("escalation")},
        )
        for p in (problems if activity == "W6" else (remaining or []))
    ]
    if activity == "W6":
        if not problems:
            summary = "No problem found." if en else "Tidak ditemukan masalah."
        else:
            auto = sum(1 for p in problems if p["auto"])
            third = sum(1 for p in problems if not p["auto"] and p.get("escalation"))
            summary = (
                "%d problem(s): %s; %d can be fixed automatically, %d may need a third party."
                if en
                else "%d masalah: %s; %d dapat diperbaiki otomatis, %d mungkin perlu pihak ketiga."
            ) % (len(problems), ", ".join(p["id"] for p in problems), auto, third)
    else:
        done = [a for a in actions or [] if a.get("ok")]
        failed_steps = [a for a in actions or [] if not a.get("ok")]
        fixed = [p["id"] for p in problems if p["id"] not in {r["id"] for r in remaining or []}]
        if not actions:
            summary = "No automatic action needed." if en else "Tidak ada tindakan otomatis yang diperlukan."
        else:
            summary = (
                "%d action(s) done, %d failed; fixed: %s; remaining: %s."
                if en
                else "%d tindakan dilakukan, %d gagal; teratasi: %s; tersisa: %s."
            ) % (
                len(done),
                len(failed_steps),
                ", ".join(fixed) or "-",
                ", ".join(r["id"] for r in remaining or []) or "-",
            )
    rule = sr.DEFAULT_RULE
    if activity != "W6" and any(not a.get("ok") for a in actions or []):
        rule = REMEDIATION_FAILED_RULE
    recorded = problems
    if activity != "W6":
        # A remediation records what it acted on and the serious problems it leaves, not every remark.
        acted = {a.get("problem") for a in actions or []}
        recorded = [
            p for p in problems if p["id"] in acted or SEVERITY_RANK[p["severity"]] >= SEVERITY_RANK["high"]
        ]
    records = troubleshooting_records(
        court,
        activity,
        recorded,
        lang,
        who,
        started,
        finished,
        actions,
        remaining if activity != "W6" else None,
    )
    result_outputs = {
        "problems": [dict((k, v) for k, v in p.items() if k != "evidence") for p in problems],
        "remaining": [dict((k, v) for k, v in p.items() if k != "evidence") for p in remaining or []],
        "actions": actions or [],
    }
    result_outputs.update(outputs or {})
    return sr.result(
        activity,
        findings=findings,
        summary=summary,
        outputs=result_outputs,
        rule=rule,
        troubleshooting=records,
    )
