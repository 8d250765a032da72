"""Verify pn.website.web_hardening and php_hardening: the court site hardened and still working."""

import pytest

CURL = "curl -sk -H 'Host: pn-tais.go.id' "


@pytest.fixture(scope="module")
def php_probe(host):
    """A PHP file planted in an upload folder, as an attacker would (removed afterwards)."""
    path = "/var/www/court/uploads/gambar/pn-shell.php"
    host.run(f"printf '<?php echo 6*7, \"-executed\";' > {path}")
    yield path
    host.run(f"rm -f {path}")


def headers(host, url):
    return host.check_output(CURL + f"-D - -o /dev/null {url}").lower()


def test_no_version_banner(host):
    head = headers(host, "http://127.0.0.1/")
    server = [line for line in head.splitlines() if line.startswith("server:")][0]
    assert not any(ch.isdigit() for ch in server), server
    assert "x-powered-by" not in head


def test_security_headers_without_csp(host):
    head = headers(host, "https://127.0.0.1/")
    assert "x-content-type-options: nosniff" in head
    assert "x-frame-options: sameorigin" in head
    assert "referrer-policy: strict-origin-when-cross-origin" in head
    assert "strict-transport-security: max-age=31536000" in head
    assert "content-security-policy" not in head
    assert "strict-transport-security" not in headers(host, "http://127.0.0.1/")


def status(host, url, extra=""):
    return host.check_output(CURL + f"-o /dev/null -w '%{{http_code}}' {extra} {url}")


def test_php_in_uploads_is_not_executed(host, php_probe):
    assert status(host, "http://127.0.0.1/uploads/gambar/pn-shell.php") == "403"
    body = host.run(CURL + "http://127.0.0.1/uploads/gambar/pn-shell.php").stdout
    assert "42-executed" not in body
    assert "<?php" not in body  # not served as source either


@pytest.mark.parametrize(
    "path", ["/.env", "/.git/HEAD", "/backup.sql", "/config.php", "/config.php.bak", "/db.sql.gz"]
)
def test_sensitive_files_are_denied(host, path):
    assert status(host, "http://127.0.0.1" + path) == "403"


def test_directory_listing_off_and_documents_served(host):
    assert status(host, "http://127.0.0.1/uploads/dokumen/") in ("403", "404")
    assert "Index of" not in host.run(CURL + "http://127.0.0.1/uploads/dokumen/").stdout
    assert status(host, "http://127.0.0.1/uploads/dokumen/laporan-tahunan.pdf") == "200"


def test_tls_1_1_refused_and_1_2_accepted(host):
    old = host.run("curl -sk --tls-max 1.1 -o /dev/null https://127.0.0.1/")
    assert old.rc != 0
    assert status(host, "https://127.0.0.1/", "--tlsv1.2 --tls-max 1.2") == "200"


def test_site_renders_and_admin_login_works(host):
    page = host.check_output(CURL + "https://127.0.0.1/")
    assert "Pengadilan Negeri" in page and "Berita" in page
    password = host.check_output("cat /root/.pn-court/admin-password").strip()
    jar = "/tmp/pn-molecule-cookies"
    login = host.check_output(
        CURL + f"-c {jar} -o /dev/null -w '%{{http_code}}' --data-urlencode username=admin "
        f"--data-urlencode password={password} https://127.0.0.1/admin/login.php"
    )
    assert login == "302"
    cookies = host.file(jar).content_string
    assert "#HttpOnly_" in cookies  # session cookie flags from php_hardening
    assert status(host, "https://127.0.0.1/admin/index.php", f"-b {jar}") == "200"


def test_cms_config_not_world_readable(host):
    config = host.file("/var/www/court/config.php")
    assert config.mode & 0o007 == 0
    assert config.group == "www-data"


def test_php_fpm_dropin_effective(host):
    info = host.check_output("php-fpm8.2 -i")
    assert "expose_php => Off" in info
    assert "session.cookie_httponly => On" in info
    assert "session.cookie_samesite => Lax" in info
    assert "upload_max_filesize => 64M" in info
