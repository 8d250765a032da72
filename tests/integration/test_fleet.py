"""The court test fleet: real containers reached over real SSH with become, checked with testinfra."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import testinfra

pytestmark = pytest.mark.fleet


def http(court, path: str, data: bytes | None = None, scheme: str = "http") -> tuple[int, dict, bytes]:
    """Fetch a page from a court container by its loopback address, with the court's Host header."""
    context = ssl._create_unverified_context() if scheme == "https" else None  # self-signed test certificate
    request = urllib.request.Request(
        f"{scheme}://{court.address}{path}", data=data, headers={"Host": court.domain}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module", params=["nginx", "apache"])
def court(request, fleet):
    return next(c for c in fleet.courts if c.webserver == request.param)


@pytest.fixture(scope="module")
def host(court, fleet):
    """testinfra over the real SSH path (key login as sopadmin, sudo for root)."""
    return testinfra.get_host(f"ssh://{court.name}", ssh_config=str(fleet.ssh_config), sudo=True)


def test_ssh_login_and_become_reach_root(host):
    assert host.user().name == "root"
    assert host.check_output("id -un") == "root"


def test_court_services_run_under_systemd(host, court):
    webserver = "nginx" if court.webserver == "nginx" else "apache2"
    other = "apache2" if webserver == "nginx" else "nginx"
    for name in (webserver, "php8.2-fpm", "mariadb", "ssh", "cron"):
        assert host.service(name).is_running, name
    assert not host.service(other).is_running
    assert host.run("systemctl is-system-running").stdout.strip() == "running"


def test_site_database_holds_news_and_admin(host):
    rows = host.check_output("mysql -N court -e 'SELECT COUNT(*) FROM news; SELECT username FROM users'")
    count, user = rows.split()
    assert int(count) >= 5
    assert user == "admin"


def test_cms_config_is_not_world_readable(host):
    config = host.file("/var/www/court/config.php")
    assert config.mode == 0o640
    assert config.group == "www-data"


def test_each_container_has_its_own_host_key(fleet):
    keys = {
        fleet.exec(c.name, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1] for c in fleet.courts
    }
    assert len(keys) == len(fleet.courts)


def test_homepage_lists_dated_news_under_the_courts_name(court):
    status, headers, body = http(court, "/")
    page = body.decode()
    assert status == 200
    assert f"<h1>{court.court_name}</h1>" in page
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})">', page)
    assert len(dates) >= 5
    assert dates == sorted(dates, reverse=True)


def test_https_serves_the_same_site(court):
    status, _, body = http(court, "/", scheme="https")
    assert status == 200
    assert court.court_name in body.decode()


def test_rss_feed_and_sitemap_are_valid_xml(court):
    status, headers, body = http(court, "/rss.xml")
    assert status == 200
    assert "rss" in headers["Content-Type"]
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) >= 5
    assert all(item.findtext("pubDate") for item in items)
    status, _, body = http(court, "/sitemap.xml")
    assert status == 200
    urls = ET.fromstring(body).findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")
    assert any(
        court.domain in url.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for url in urls
    )


def test_uploaded_documents_are_pdf(court):
    status, headers, body = http(court, "/uploads/dokumen/laporan-tahunan.pdf")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


def test_admin_login_accepts_the_password_and_refuses_a_wrong_one(court, fleet):
    password = fleet.exec(court.name, "cat /root/.pn-court/admin-password").stdout.strip()
    status, headers, _ = http(court, "/admin/login.php", data=f"username=admin&password={password}".encode())
    assert status == 302
    assert headers["Location"] == "/admin/index.php"
    status, _, body = http(court, "/admin/login.php", data=b"username=admin&password=salah")
    assert status == 401
    assert "salah" in body.decode()


def test_ansible_reaches_every_court_with_become(fleet):
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible")),
            "-i",
            str(fleet.inventory),
            "courts",
            "--become",
            "-m",
            "ansible.builtin.command",
            "-a",
            "id -u",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("CHANGED") == len(fleet.courts)
    answers = [line.strip() for line in proc.stdout.splitlines() if "CHANGED" not in line]
    assert answers == ["0"] * len(fleet.courts)
