# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The known problems of a court website (SOP W6, W7) as data: the signs in the evidence that point to
each, what it means (Indonesian and English), the ranked solutions and whom to call.

The ids are part of the SOP result contract (findings carry them as ``rule``): never rename one. The
order of :data:`RULES` is the order of problems of the same severity in a diagnosis.

The engine (``diagnosis.py``) reads the evidence into facts: the evidence as given under ``court``,
``server``, ``probe``, ``dns`` and ``hardening``, the thresholds under ``limits``, and the facts derived
from them (``diagnosis.FACTS``, e.g. ``disks``, ``services``, ``probe_host``), each worked out when a
rule first reads it. Then it evaluates every rule, in order:

``severity``       its severity (info, low, medium, high, critical)
``each``           facts to look at one by one (a list of fact dicts, e.g. ``disks``): one problem per
                   item that matches, the item's facts read before the others; without it the rule
                   looks at the facts once
``when``           conditions that must all hold (below)
``unless``         ids of problems, earlier in RULES, that explain this one: when one of them was
                   found, this one is not reported
``values``         ``{placeholder: path}``: what the texts show
``evidence``       ``{key: path}``: the evidence kept with the problem (``"*"``: every key of the
                   dict at the path, then the other keys)
``target``         path of what an automatic action works on (a unit, a mount point)
``severity_from``  path of a severity that replaces ``severity`` when it is set
``raise_to``       ``(severity, conditions)``: the severity when the conditions hold
``signs``          several alternative signs of one problem, each with its own each/when/values/
                   evidence/target, looked at in order
``title``, ``explanation``  (Indonesian, English); ``{placeholders}`` come from ``values`` ("-" when
                   empty)
``solutions``      ranked ``(fix, action or party, Indonesian, English)``; fix is one of
                   :data:`FIX_KINDS`, the party of a ``third_party`` fix one of :data:`PARTIES`

A path is dotted (``disk.used_pct``); a missing key reads as None. A condition is
``(path, operator, operand)`` with the operators ``==``, ``!=``, ``<``, ``>``, ``>=``, ``is``,
``is not``, ``in``, ``not in``, ``startswith``, ``mentions`` (case-insensitive text), ``disjoint``
(no element in common), ``has`` (the dict has the key), or ``(path, "truthy")`` / ``(path, "falsy")``;
an operand written ``"$path"`` is read from the facts. A list of conditions holds when all hold,
``{"any": [...]}`` when one holds, ``{"not": condition}`` when it does not.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

#: Who carries a solution out: ``auto`` the remediation playbook (with confirmation), its action id in
#: the solution; ``operator`` the court's website operator, with a sopansible command or a manual
#: step; ``maintenance`` the equipment-maintenance section (Subbag Umum dan Keuangan): hardware, disk,
#: power; ``third_party`` a named third party (hosting, domain registrar, Internet provider, vendor).
FIX_KINDS = ("auto", "operator", "maintenance", "third_party")
#: Limits the conditions compare with (``$limits.<name>``); a diagnosis may override them.
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

# -- signs shared by several problems --------------------------------------------------------------

#: A service of the site that does not run (a unit systemd does not know is no service of this server).
SERVICE_DOWN = [("state.running", "falsy"), ("state.loaded", "!=", "not-found")]
SERVICE_VALUES = {"unit": "unit", "active": "state.active", "sub": "state.sub", "result": "state.result"}
SERVICE_EVIDENCE = dict(
    {key: "state." + key for key in ("unit", "active", "sub", "result", "since", "restarts")},
    journal="journal",
)
#: A measured partition nearly full: by share, or by free space under both the limit and 5% of its size.
DISK_FULL = [
    ("disk", "has", "used_pct"),
    {"any": [("disk.used_pct", ">=", "$limits.disk_used_pct"), ("disk.free_bytes", "<", "$free_floor")]},
]
#: Log files on that partition fill it (or it is the log partition).
FULL_OF_LOGS = [
    ("logs", "truthy"),
    {"any": [("logs_share", ">=", "$limits.logs_share_pct"), ("mount", "startswith", "/var/log")]},
]
DISK_VALUES = {"mount": "mount", "used_pct": "disk.used_pct", "free_mb": "free_mb", "logs": "logs_text"}
DISK_EVIDENCE = {"*": "disk", "logs": "logs_top", "logs_share_pct": "logs_share_pct"}
#: A tls-invalid finding of the controller's probe.
TLS_INVALID = {
    "each": "finding_items.tls-invalid",
    "values": {
        "host": "host",
        "reason": "details.reason",
        "error": "finding.message_en",
        "not_after": "details.not_after",
    },
    "evidence": {"*": "details"},
    "target": "host",
}
#: The probe failed on TLS without saying more.
TLS_FAILED = {
    "when": [("probe.reason", "==", "tls"), ("findings.tls-invalid", "falsy")],
    "values": {
        "host": "probe_host",
        "reason": "probe.tls.reason",
        "error": "probe.error",
        "not_after": "probe.tls.not_after",
    },
    "evidence": {"error": "probe.error"},
    "target": "probe_host",
}
DNS_VALUES = {
    "name": "dns.name",
    "addresses": "dns_addresses_text",
    "expected": "dns_expected_text",
    "error": "dns_error",
}
#: Problems on the server or in DNS that explain why the site cannot be reached from outside.
UNREACHABLE_CAUSES = (
    "webserver-config-invalid",
    "webserver-down",
    "php-fpm-down",
    "database-down",
    "disk-full-logs",
    "disk-full",
    "dns-mismatch",
    "dns-unresolved",
)
#: The server itself answers the homepage with the error the controller saw: an application error.
SITE_ERROR = [
    ("probe.reason", "==", "http"),
    ("probe.status", "truthy"),
    ("server.local_http.status", "==", "$probe.status"),
]
UNREACHABLE_EVIDENCE = {
    "reason": "probe.reason",
    "error": "probe.error",
    "status": "probe.status",
    "local_http": "local_http",
}

# -- the known problems ----------------------------------------------------------------------------
RULES = {
    "webserver-config-invalid": {
        "severity": "critical",
        "each": "config_tests",
        "when": [("config.ok", "is", False)],
        "values": {
            "command": "config.command",
            "first_error": "first_error",
            "where": "where",
            "where_en": "where_en",
            "file_line": "file_line",
            "unit": "unit",
        },
        "evidence": {
            "command": "config.command",
            "output": "output",
            "file": "config.file",
            "line": "config.line",
            "service_active": "service_active",
        },
        "target": "unit",
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
        "each": "services",
        "when": SERVICE_DOWN
        + [
            ("state.role", "not in", ("php-fpm", "database")),
            # an invalid configuration keeps the web server down: reported once, as such
            {"any": [("state.role", "!=", "webserver"), ("server.config_test.ok", "is not", False)]},
        ],
        "values": SERVICE_VALUES,
        "evidence": SERVICE_EVIDENCE,
        "target": "unit",
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
        "each": "services",
        "when": SERVICE_DOWN + [("state.role", "==", "php-fpm")],
        "values": SERVICE_VALUES,
        "evidence": SERVICE_EVIDENCE,
        "target": "unit",
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
        "each": "services",
        "when": SERVICE_DOWN + [("state.role", "==", "database")],
        "values": SERVICE_VALUES,
        "evidence": SERVICE_EVIDENCE,
        "target": "unit",
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
        "each": "disks",
        "when": [DISK_FULL, FULL_OF_LOGS],
        "values": DISK_VALUES,
        "evidence": DISK_EVIDENCE,
        "target": "mount",
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
        "each": "disks",
        "when": [DISK_FULL, {"not": FULL_OF_LOGS}],
        "values": DISK_VALUES,
        "evidence": DISK_EVIDENCE,
        "target": "mount",
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
        "each": "disks",
        "when": [
            ("disk", "has", "used_pct"),
            ("disk.inodes_total", "truthy"),
            ("disk.inodes_used_pct", ">=", "$limits.inode_used_pct"),
        ],
        "values": {"mount": "mount", "inodes_used_pct": "disk.inodes_used_pct"},
        "evidence": {"*": "disk"},
        "target": "mount",
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
        "signs": [
            dict(TLS_INVALID, when=[("details.reason", "==", "expired")]),
            dict(TLS_FAILED, when=TLS_FAILED["when"] + [("probe.error", "mentions", "expired")]),
        ],
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
        "signs": [
            dict(TLS_INVALID, when=[("details.reason", "!=", "expired")]),
            dict(TLS_FAILED, when=TLS_FAILED["when"] + [{"not": ("probe.error", "mentions", "expired")}]),
        ],
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
        "each": "finding_items.tls-expiring",
        "values": {"host": "host", "days_left": "days_left", "not_after": "details.not_after"},
        "evidence": {"*": "details"},
        "target": "host",
        "severity_from": "finding.severity",
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
        "when": [
            ("dns.checked", "truthy"),
            ("dns_addresses", "truthy"),
            ("dns_expected", "truthy"),
            ("dns_addresses", "disjoint", "$dns_expected"),
        ],
        "values": DNS_VALUES,
        "evidence": {"*": "dns"},
        "target": "dns.name",
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
        "when": [("dns.checked", "truthy"), ("dns_addresses", "falsy")],
        "values": DNS_VALUES,
        "evidence": {"*": "dns"},
        "target": "dns.name",
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
        "when": [
            ("probe", "truthy"),
            ("probe.reachable", "falsy"),
            ("probe.reason", "not in", ("tls", "dns")),
            {"not": SITE_ERROR},
        ],
        "unless": UNREACHABLE_CAUSES,
        "values": {
            "reason": "probe.reason",
            "error": "probe.error",
            "local_status": "server.local_http.status",
        },
        "evidence": UNREACHABLE_EVIDENCE,
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
        "each": "hostnames",
        "when": [("probe.reachable", "truthy"), ("entry.reachable", "falsy"), ("entry.host", "truthy")],
        "values": {
            "host": "entry.host",
            "reason": "entry.reason",
            "error": "entry.error",
            "main": "probe_host",
        },
        "evidence": {key: "entry." + key for key in ("host", "url", "status", "reason", "error")},
        "target": "entry.host",
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
        "when": [("probe", "truthy"), ("probe.reachable", "falsy"), SITE_ERROR],
        "unless": UNREACHABLE_CAUSES,
        "values": {"status": "probe.status", "error": "probe.error"},
        "evidence": UNREACHABLE_EVIDENCE,
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
        "when": [("findings.defacement", "truthy")],
        "values": {"terms": "defacement_terms", "changed": "recent_count"},
        "evidence": {"findings": "findings.defacement", "recent_webroot_changes": "recent"},
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
        "when": [("spam_findings", "truthy")],
        "unless": ("site-defaced",),
        "values": {"terms": "spam_terms"},
        "evidence": {"findings": "spam_findings", "recent_webroot_changes": "recent"},
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
        "when": [("probe.reachable", "truthy"), ("findings.keyword-missing", "truthy")],
        "unless": ("site-defaced", "gambling-spam"),
        "values": {"keyword": "keyword"},
        "evidence": {"recent_webroot_changes": "recent"},
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
        "when": [
            ("backup.found", "truthy"),
            {
                "any": [
                    ("backup.status", "!=", "ok"),
                    ("backup.age_hours", "is", None),
                    ("backup.age_hours", ">", "$limits.backup_max_age_hours"),
                ]
            },
        ],
        "values": {
            "finished": "backup.finished",
            "status": "backup.status",
            "age_hours": "backup.age_hours",
            "limit": "limits.backup_max_age_hours",
        },
        "evidence": {"*": "backup"},
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
        "when": [("backup", "truthy"), ("backup.found", "falsy"), ("backup.error", "falsy")],
        "values": {"path": "backup.path"},
        "evidence": {"*": "backup"},
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
        "when": [("updates.checked", "truthy"), ("security_updates", ">=", "$limits.security_updates")],
        "values": {"security": "security_count", "packages": "security_packages"},
        "evidence": {"*": "updates"},
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
        "when": [("clock.checked", "truthy"), ("clock.synchronized", "falsy")],
        "values": {},
        "evidence": {"*": "clock"},
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
        "when": [
            ("memory.available_pct", "is not", None),
            ("memory.available_pct", "<", "$limits.memory_available_pct"),
        ],
        "values": {"available_pct": "memory.available_pct", "total_mb": "memory_total_mb"},
        "evidence": {"*": "memory"},
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
        "when": [("load.load5", "is not", None), ("load.load5", ">", "$load_limit")],
        "values": {"load5": "load.load5", "cpus": "load.cpus"},
        "evidence": {"*": "load"},
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
    "units-failed": {
        "severity": "medium",
        "when": [("failed_units", "truthy")],
        "values": {"count": "failed_units_count", "units": "failed_units_text"},
        "evidence": {"units": "failed_units", "count": "failed_units_count"},
        "title": ("Layanan sistem gagal", "System services failed"),
        "explanation": (
            "{count} unit systemd dalam keadaan gagal: {units}. Tugas terjadwal (backup, rotasi log, "
            "pembaruan) atau layanan pendukung situs tidak berjalan.",
            "{count} systemd units are in the failed state: {units}. Scheduled jobs (backup, log rotation, "
            "updates) or services the site relies on do not run.",
        ),
        "solutions": [
            (
                "operator",
                None,
                "Baca sebab kegagalan (systemctl status UNIT; journalctl -u UNIT), perbaiki, lalu jalankan "
                "ulang unit tersebut atau hapus status gagalnya (systemctl reset-failed UNIT).",
                "Read why it failed (systemctl status UNIT; journalctl -u UNIT), fix it, then start the unit "
                "again or clear its failed state (systemctl reset-failed UNIT).",
            ),
            (
                "third_party",
                "vendor",
                "Minta bantuan vendor/pengelola server bila unit itu dipasang olehnya.",
                "Ask the server vendor/maintainer for help if they installed the unit.",
            ),
        ],
    },
    "hardening-drift": {
        "severity": "low",
        "when": [("hardening.checked", "truthy"), ("hardening_failed", "truthy")],
        "raise_to": ("medium", [("hardening_worst", "in", ("high", "critical"))]),
        "values": {"count": "hardening_count", "controls": "hardening_controls"},
        "evidence": {"failed": "hardening_kept"},
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
