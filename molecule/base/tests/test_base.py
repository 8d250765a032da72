"""Verify pn.website.base on the court container."""

import json


def test_packages_installed(host):
    for name in ("restic", "python3", "gzip", "logrotate"):
        assert host.package(name).is_installed, name


def test_state_and_config_dirs_are_private(host):
    for path in ("/var/lib/pn-website", "/etc/pn-website"):
        directory = host.file(path)
        assert directory.is_directory
        assert directory.user == "root"
        assert directory.mode == 0o750


def test_local_fact_names_the_court(host):
    fact = host.file("/etc/ansible/facts.d/pn_website.fact")
    assert fact.mode == 0o644
    data = json.loads(fact.content_string)
    assert data["court_name"] == "Pengadilan Negeri Tais"
    assert data["court_domain"] == "pn-tais.go.id"


def test_court_site_still_served(host):
    page = host.run("curl -s http://127.0.0.1/")
    assert page.rc == 0
    assert "Berita Terkini" in page.stdout
