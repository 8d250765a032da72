# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controls of the hardening audit: stable ids, area, severity and descriptions (id/en).

The ids are part of the SOP result contract (findings carry them as ``rule``): never rename one.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

# id: (area, severity, Indonesian description, English description)
CONTROLS = {
    # SSH
    "ssh-root-login": (
        "ssh",
        "high",
        "Login root dengan kata sandi ditolak",
        "Root cannot log in with a password",
    ),
    "ssh-password-auth": (
        "ssh",
        "high",
        "Login SSH hanya dengan kunci (kata sandi dimatikan)",
        "SSH login with keys only (passwords off)",
    ),
    "ssh-kbd-interactive": (
        "ssh",
        "medium",
        "Autentikasi keyboard-interactive dimatikan",
        "Keyboard-interactive authentication off",
    ),
    "ssh-empty-passwords": (
        "ssh",
        "high",
        "Kata sandi kosong tidak diizinkan",
        "Empty passwords not allowed",
    ),
    "ssh-ciphers": ("ssh", "medium", "Hanya cipher SSH modern", "Modern SSH ciphers only"),
    "ssh-kex": ("ssh", "medium", "Hanya pertukaran kunci SSH modern", "Modern SSH key exchange only"),
    "ssh-macs": ("ssh", "medium", "Hanya MAC SSH modern", "Modern SSH MACs only"),
    "ssh-x11-forwarding": ("ssh", "low", "X11 forwarding dimatikan", "X11 forwarding off"),
    "ssh-max-auth-tries": (
        "ssh",
        "low",
        "Batas percobaan autentikasi per koneksi",
        "Authentication attempts per connection limited",
    ),
    "ssh-log-level": (
        "ssh",
        "low",
        "Log SSH mencatat sidik jari kunci (VERBOSE)",
        "SSH log records key fingerprints (VERBOSE)",
    ),
    "ssh-login-access": (
        "ssh",
        "critical",
        "Akun operator tetap dapat login dengan kunci",
        "The operator account can still log in with its key",
    ),
    # Web server
    "web-server-tokens": (
        "web",
        "medium",
        "Versi server web tidak ditampilkan",
        "Web server version not disclosed",
    ),
    "web-header-nosniff": (
        "web",
        "low",
        "Header X-Content-Type-Options: nosniff",
        "X-Content-Type-Options: nosniff header",
    ),
    "web-header-frame-options": (
        "web",
        "medium",
        "Header X-Frame-Options (SAMEORIGIN atau DENY)",
        "X-Frame-Options header (SAMEORIGIN or DENY)",
    ),
    "web-header-referrer-policy": ("web", "low", "Header Referrer-Policy", "Referrer-Policy header"),
    "web-header-hsts": (
        "web",
        "medium",
        "HSTS (Strict-Transport-Security) pada HTTPS",
        "HSTS (Strict-Transport-Security) over HTTPS",
    ),
    "web-tls-protocols": (
        "web",
        "high",
        "TLS 1.0 dan 1.1 ditolak",
        "TLS 1.0 and 1.1 refused",
    ),
    "web-dir-listing": (
        "web",
        "medium",
        "Daftar isi direktori (directory listing) dimatikan",
        "Directory listing off",
    ),
    "web-sensitive-files": (
        "web",
        "high",
        "Berkas sensitif (.env, .git, cadangan, *.sql, *.bak) ditolak",
        "Sensitive files (.env, .git, backups, *.sql, *.bak) denied",
    ),
    "web-php-in-uploads": (
        "web",
        "critical",
        "PHP tidak dijalankan di folder unggahan",
        "PHP is not executed in upload folders",
    ),
    "web-login-rate-limit": (
        "web",
        "medium",
        "Pembatasan laju halaman login admin",
        "Rate limiting of admin login pages",
    ),
    # PHP
    "php-expose": (
        "php",
        "low",
        "Versi PHP tidak ditampilkan (expose_php)",
        "PHP version hidden (expose_php)",
    ),
    "php-display-errors": (
        "php",
        "medium",
        "Pesan galat PHP tidak ditampilkan ke pengunjung",
        "PHP errors not shown to visitors",
    ),
    "php-allow-url-include": (
        "php",
        "high",
        "allow_url_include dimatikan",
        "allow_url_include off",
    ),
    "php-disable-functions": (
        "php",
        "high",
        "Fungsi berbahaya PHP dimatikan (sesuai CMS)",
        "Dangerous PHP functions disabled (as the CMS allows)",
    ),
    "php-session-httponly": (
        "php",
        "medium",
        "Cookie sesi HttpOnly",
        "Session cookie HttpOnly",
    ),
    "php-session-secure": (
        "php",
        "medium",
        "Cookie sesi Secure (situs HTTPS)",
        "Session cookie Secure (HTTPS site)",
    ),
    "php-session-samesite": (
        "php",
        "low",
        "Cookie sesi SameSite (Lax atau Strict)",
        "Session cookie SameSite (Lax or Strict)",
    ),
    "php-session-strict-mode": (
        "php",
        "medium",
        "Mode ketat sesi PHP (session.use_strict_mode)",
        "PHP session strict mode (session.use_strict_mode)",
    ),
    # Database
    "db-bind-address": (
        "db",
        "high",
        "MariaDB hanya mendengarkan localhost",
        "MariaDB listens on localhost only",
    ),
    "db-local-infile": ("db", "medium", "local_infile dimatikan", "local_infile off"),
    "db-anonymous-users": ("db", "high", "Tidak ada pengguna anonim", "No anonymous users"),
    "db-test-database": ("db", "low", "Tidak ada database test", "No test database"),
    "db-remote-root": (
        "db",
        "high",
        "root basis data hanya dari localhost",
        "Database root from localhost only",
    ),
    # OS
    "os-unattended-upgrades": (
        "os",
        "high",
        "Pembaruan keamanan otomatis (unattended-upgrades) aktif",
        "Automatic security updates (unattended-upgrades) on",
    ),
    "os-sysctl-network": (
        "os",
        "medium",
        "Pengaturan kernel jaringan yang aman (sysctl)",
        "Safe kernel network settings (sysctl)",
    ),
    "os-file-permissions": (
        "os",
        "high",
        "Izin berkas sistem penting (shadow, sshd_config, crontab)",
        "Permissions of key system files (shadow, sshd_config, crontab)",
    ),
    "os-time-sync": ("os", "low", "Sinkronisasi waktu aktif", "Time synchronisation on"),
    "os-login-audit": (
        "os",
        "medium",
        "Catatan login (wtmp/btmp, journal persisten)",
        "Login records (wtmp/btmp, persistent journal)",
    ),
    "os-unneeded-services": (
        "os",
        "medium",
        "Layanan yang tidak diperlukan dimatikan",
        "Unneeded services off",
    ),
    # Firewall
    "fw-nftables": (
        "firewall",
        "high",
        "Firewall nftables: tolak semua masuk kecuali port yang diperlukan",
        "nftables firewall: deny all input except the needed ports",
    ),
    "fw-fail2ban-sshd": ("firewall", "medium", "Jail fail2ban untuk SSH aktif", "fail2ban SSH jail on"),
    "fw-fail2ban-web-login": (
        "firewall",
        "medium",
        "Jail fail2ban untuk login admin web aktif",
        "fail2ban web admin login jail on",
    ),
    # CMS files
    "cms-config-perms": (
        "cms",
        "high",
        "Berkas konfigurasi CMS tidak dapat dibaca semua pengguna",
        "CMS configuration file not world-readable",
    ),
    "cms-writable-paths": (
        "cms",
        "high",
        "Hanya folder yang diperlukan CMS yang dapat ditulis server web",
        "Only the folders the CMS needs are writable by the web server",
    ),
}

AREAS = ("ssh", "web", "php", "db", "os", "firewall", "cms")

#: Where each CMS keeps its configuration (relative to the web root).
CMS_CONFIG_FILES = {
    "wordpress": "wp-config.php",
    "joomla": "configuration.php",
    "laravel": ".env",
    "codeigniter": "application/config/database.php",
    "custom": "config.php",
    "static": "",
}

#: Folders (relative to the web root) a CMS legitimately writes to.
CMS_WRITABLE_PATHS = {
    "wordpress": ["wp-content/uploads", "wp-content/cache", "wp-content/upgrade"],
    "joomla": ["images", "cache", "tmp", "administrator/cache", "administrator/logs"],
    "laravel": ["storage", "bootstrap/cache", "public/uploads"],
    "codeigniter": ["uploads", "application/cache", "application/logs", "writable"],
    "custom": ["uploads"],
    "static": [],
}

#: Functions that must be disabled, per CMS: the ones a CMS needs (e.g. popen for sendmail in
#: PHPMailer, used by WordPress, Joomla and CodeIgniter) are left out.
PHP_REQUIRED_DISABLED = {
    "default": [
        "exec",
        "passthru",
        "shell_exec",
        "system",
        "proc_open",
        "popen",
        "pcntl_exec",
        "show_source",
    ],
    "wordpress": ["exec", "passthru", "shell_exec", "system", "pcntl_exec", "show_source"],
    "joomla": ["exec", "passthru", "shell_exec", "system", "pcntl_exec", "show_source"],
    "codeigniter": ["exec", "passthru", "shell_exec", "system", "pcntl_exec", "show_source"],
    "laravel": ["exec", "passthru", "shell_exec", "system", "pcntl_exec", "show_source"],
}

WEAK_SSH_CIPHERS = ("cbc", "3des", "arcfour", "blowfish", "cast128", "rijndael")
WEAK_SSH_KEX = ("sha1", "group1-", "gss-")
WEAK_SSH_MACS = ("md5", "ripemd", "umac-64", "sha1")

SENSITIVE_PROBES = ["/.env", "/.git/HEAD", "/backup.sql", "/config.php.bak"]

SYSCTL_EXPECTED = {
    "net/ipv4/conf/all/accept_redirects": ["0"],
    "net/ipv4/conf/all/send_redirects": ["0"],
    "net/ipv4/conf/all/accept_source_route": ["0"],
    "net/ipv4/conf/all/rp_filter": ["1", "2"],
    "net/ipv4/conf/all/log_martians": ["1"],
    "net/ipv4/tcp_syncookies": ["1"],
    "net/ipv4/icmp_echo_ignore_broadcasts": ["1"],
    "net/ipv6/conf/all/accept_redirects": ["0"],
    "kernel/randomize_va_space": ["2"],
}

UNNEEDED_SERVICES = [
    "telnet.socket",
    "rpcbind.service",
    "avahi-daemon.service",
    "cups.service",
    "vsftpd.service",
]
