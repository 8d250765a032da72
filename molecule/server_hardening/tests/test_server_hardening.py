"""Verify pn.website.db_hardening, os_hardening and firewall: hardened, and the court site still works."""


def sql(host, query):
    return host.check_output(f'mariadb -N -B -e "{query}"')


def test_database_listens_on_localhost_only(host):
    assert sql(host, "SELECT @@bind_address") == "127.0.0.1"


def test_database_accounts_and_settings(host):
    assert sql(host, "SELECT COUNT(*) FROM mysql.user WHERE user = ''") == "0"
    assert (
        sql(
            host,
            "SELECT COUNT(*) FROM mysql.user WHERE user = 'root' AND host NOT IN "
            "('localhost', '127.0.0.1', '::1')",
        )
        == "0"
    )
    assert "test" not in sql(host, "SHOW DATABASES").split()
    assert sql(host, "SELECT @@local_infile") == "0"
    assert sql(host, "SELECT COUNT(*) FROM court.news") != "0"  # the court's data is untouched


def test_security_updates_are_automatic(host):
    assert host.package("unattended-upgrades").is_installed
    periodic = host.file("/etc/apt/apt.conf.d/20auto-upgrades").content_string
    assert 'APT::Periodic::Unattended-Upgrade "1"' in periodic


def test_key_system_files(host):
    assert host.file("/etc/crontab").mode == 0o600
    assert host.file("/etc/shadow").mode == 0o640


def test_firewall_denies_by_default_and_keeps_the_needed_ports(host):
    ruleset = host.check_output("nft list ruleset")
    assert "policy drop" in ruleset
    for port in ("22", "80", "443"):
        assert port in ruleset
    assert host.service("nftables").is_enabled


def test_fail2ban_watches_ssh_and_the_admin_login(host):
    assert host.service("fail2ban").is_running
    jails = host.check_output("fail2ban-client status")
    assert "sshd" in jails
    assert "login" in jails or "web" in jails, jails


def test_court_site_still_served(host):
    page = host.check_output("curl -sk -w '%{http_code}' -H 'Host: pn-tais.go.id' https://127.0.0.1/")
    assert page.endswith("200") and "Pengadilan Negeri" in page
