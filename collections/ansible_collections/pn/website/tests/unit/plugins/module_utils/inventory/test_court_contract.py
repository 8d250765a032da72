"""The court inventory contract: every problem names the host and the variable."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import (
    parse_date,
    validate_court,
)

GOOD = {
    "court_name": "Pengadilan Negeri Tais",
    "court_type": "PN",
    "court_region": "PT Bengkulu",
    "court_domain": "pn-tais.go.id",
    "court_hostnames": ["pn-tais.go.id", "www.pn-tais.go.id", "sipp.pn-tais.go.id"],
    "court_url": "https://pn-tais.go.id/",
    "court_probe_resolve": ["pn-tais.go.id:443:127.77.1.10", "www.pn-tais.go.id:443:[::1]"],
    "court_webserver": "apache",
    "court_webroot": "/var/www/pn-tais",
    "court_cms": "wordpress",
    "court_db": {"engine": "mariadb", "name": "website"},
    "court_backup_targets": [{"name": "hdd", "type": "local", "location": "/media/backup"}],
    "court_services": [
        {"kind": "hosting", "provider": "VPS", "paid_until": "2027-02-28", "contact": {"email": "a@b.co.id"}},
        {"kind": "domain", "provider": "PANDI", "paid_until": datetime.date(2027, 3, 31)},
    ],
    "court_contacts": {
        "sekretaris": {"name": "Sekretaris", "email": "sekretaris@pn-tais.go.id"},
        "third_parties": [{"role": "isp", "name": "ISP"}],
    },
    "court_sop_times": {
        "W1": "1 hari",
        "W5": "15 menit",
        "W7": "1 jam - 3 hari",
        "W3": "relatif",
        "W2": "1,5 jam",
    },
    "court_sop_number": "W-004/PN.Tais/2023",
    "court_renewal_thresholds_days": [60, 30, 7],
    "court_content_max_age_days": 21,
}


def problems(**changes):
    variables = {**GOOD, **changes}
    variables = {k: v for k, v in variables.items() if v is not None}
    return {(p.variable, p.code) for p in validate_court("pn-tais", variables)}


def test_a_complete_court_is_valid():
    assert validate_court("pn-tais", GOOD) == []


def test_debians_wordpress_content_folder_is_a_web_root():
    """Debian's wordpress package keeps a site's own files in /var/lib/wordpress/wp-content."""
    assert validate_court("pn-tais", {**GOOD, "court_webroot": "/var/lib/wordpress/wp-content"}) == []
    assert problems(court_webroot="/var/lib/wordpress/wp-content/../../mysql") == {
        ("court_webroot", "path_normal")
    }


def test_minimal_shared_hosting_court_is_valid():
    minimal = {"court_name": "PN Manna", "court_type": "pn", "court_domain": "pn-manna.go.id"}
    assert validate_court("pn-manna", minimal, shared_hosting=True) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"court_domain": None}, ("court_domain", "missing")),
        ({"court_name": ""}, ("court_name", "missing")),
        ({"court_domain": "pn tais.go.id"}, ("court_domain", "hostname")),
        ({"court_hostnames": ["pn-tais.go.id", "bad_name"]}, ("court_hostnames[1]", "hostname")),
        ({"court_url": "htp://pn-tais.go.id"}, ("court_url", "url")),
        ({"court_url": "https://pn-tais.go.id:99999/"}, ("court_url", "url")),
        ({"court_url": "https://elsewhere.example.com/"}, ("court_url", "url_domain")),
        ({"court_type": "XYZ"}, ("court_type", "choice")),
        ({"court_cms": "drupal"}, ("court_cms", "choice")),
        ({"court_webserver": "iis"}, ("court_webserver", "choice")),
        ({"court_webroot": "var/www"}, ("court_webroot", "path")),
        ({"court_probe_resolve": ["pn-tais.go.id:443"]}, ("court_probe_resolve[0]", "resolve")),
        (
            {"court_services": [{"kind": "hosting", "provider": "X", "paid_until": "2027-02-30"}]},
            ("court_services[0].paid_until", "date"),
        ),
        (
            {"court_services": [{"kind": "hosting", "provider": "X", "paid_until": "31-12-2027"}]},
            ("court_services[0].paid_until", "date"),
        ),
        (
            {"court_services": [{"kind": "power", "provider": "X", "paid_until": "2027-01-01"}]},
            ("court_services[0].kind", "choice"),
        ),
        (
            {"court_services": [{"kind": "domain", "paid_until": "2027-01-01"}]},
            ("court_services[0].provider", "missing"),
        ),
        ({"court_services": {"kind": "domain"}}, ("court_services", "type")),
        (
            {"court_contacts": {"sekretaris": {"email": "not-an-email"}}},
            ("court_contacts.sekretaris.email", "email"),
        ),
        ({"court_sop_times": {"W1": "dua jam"}}, ("court_sop_times.W1", "duration")),
        ({"court_sop_times": {"W9": "2 jam"}}, ("court_sop_times.W9", "activity")),
        ({"court_sop_times": {"W1": "2"}}, ("court_sop_times.W1", "duration")),
        ({"court_sop_times": {"W2": 6}}, ("court_sop_times.W2", "duration")),
        ({"court_sop_times": {"W2": "1 hari - 2 jam"}}, ("court_sop_times.W2", "duration")),
        ({"court_renewal_thresholds_days": [30, -1]}, ("court_renewal_thresholds_days[1]", "positive")),
        ({"court_content_max_age_days": "14"}, ("court_content_max_age_days", "positive")),
        (
            {"court_backup_targets": [{"type": "tape", "location": "/dev/st0"}]},
            ("court_backup_targets[0].type", "choice"),
        ),
        ({"court_db": {"engine": "oracle"}}, ("court_db.engine", "choice")),
        (
            {
                "court_backup_targets": [
                    {"type": "local", "location": "/media/hdd", "mount_point": "media/hdd"}
                ]
            },
            ("court_backup_targets[0].mount_point", "path"),
        ),
        (
            {
                "court_backup_targets": [
                    {"type": "local", "location": "/var/backups", "mount_point": "/media/hdd"}
                ]
            },
            ("court_backup_targets[0].location", "on_mount"),
        ),
    ],
)
def test_each_mistake_is_named(changes, expected):
    assert expected in problems(**changes)


def test_messages_in_both_languages():
    (problem,) = validate_court("pn-tais", {**GOOD, "court_cms": "drupal"})
    assert "tidak dikenal" in problem.message("id")
    assert "unknown value 'drupal'" in problem.message("en")
    assert problem.as_dict()["host"] == "pn-tais"


def test_server_variables_are_not_checked_for_shared_hosting():
    bad = {**GOOD, "court_webserver": "iis"}
    assert validate_court("pn-manna", bad, shared_hosting=True) == []


@pytest.mark.parametrize("value", ["2026-02-29", "2027-13-01", "", None, 20270101, "2027-1-1"])
def test_impossible_dates(value):
    assert parse_date(value) is None


def test_possible_dates():
    assert parse_date("2028-02-29") == datetime.date(2028, 2, 29)
    assert parse_date(datetime.datetime(2027, 1, 2, 3, 4)) == datetime.date(2027, 1, 2)


# Values that reach ssh's command line, shell commands, file paths and templates: each of these
# passed the contract before, and each is a way out of the data (an ssh option, a second cron or
# config line, a path outside the site, a chown of a system folder on the backup server).
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"court_webroot": "/var/www/../../etc"}, ("court_webroot", "path_normal")),
        ({"court_webroot": "/var/www/html/"}, ("court_webroot", "path_normal")),
        ({"court_webroot": "//var/www/html"}, ("court_webroot", "path_normal")),
        ({"court_webroot": "/var/www/html\nroot /etc;"}, ("court_webroot", "path_chars")),
        ({"court_webroot": "/var/www/$(id)"}, ("court_webroot", "path_chars")),
        ({"court_webroot": "/var/www/pn tais"}, ("court_webroot", "path_chars")),
        ({"court_webroot": "/"}, ("court_webroot", "path_system")),
        ({"court_webroot": "/etc/nginx"}, ("court_webroot", "path_system")),
        ({"court_webroot": "/var/lib/mysql"}, ("court_webroot", "path_system")),
        ({"court_webroot": "/var/lib/wordpress"}, ("court_webroot", "path_system")),
        ({"court_webroot": "/usr/share/wordpress"}, ("court_webroot", "path_system")),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "local", "location": "/var/lib/wordpress/wp-content"}
                ]
            },
            ("court_backup_targets[0].location", "path_system"),
        ),
        ({"court_webroot": "/root"}, ("court_webroot", "path_system")),
        ({"court_webroot": "/var/www"}, ("court_webroot", "path_shared")),
        ({"court_domain": "pn-tais.go.id\n"}, ("court_domain", "hostname")),
        ({"court_hostnames": ["pn-tais.go.id", "www.pn-tais.go.id\n"]}, ("court_hostnames[1]", "hostname")),
        ({"court_url": "https://pn-tais.go.id/\n"}, ("court_url", "url")),
        ({"court_probe_resolve": ["pn-tais.go.id:443:127.0.0.1\n"]}, ("court_probe_resolve[0]", "resolve")),
        ({"court_sop_times": {"W1\n": "2 jam"}}, ("court_sop_times.W1\n", "activity")),
        ({"court_name": "Pengadilan Negeri Tais\nBcc: semua@example.go.id"}, ("court_name", "control")),
        ({"court_keyword": "Tais\x00"}, ("court_keyword", "control")),
        ({"court_contacts": {"sekretaris": {"name": "A\rB"}}}, ("court_contacts.sekretaris.name", "control")),
        ({"ansible_host": "-oProxyCommand=touch /tmp/x"}, ("ansible_host", "address")),
        ({"ansible_host": "192.0.2.1 -oProxyCommand=x"}, ("ansible_host", "address")),
        ({"ansible_host": "pn-tais.go.id\n"}, ("ansible_host", "address")),
        ({"ansible_user": "-oProxyCommand=x"}, ("ansible_user", "user")),
        ({"ansible_user": "sopadmin extra"}, ("ansible_user", "user")),
        ({"ansible_port": 0}, ("ansible_port", "port")),
        ({"ansible_port": "22 -oX=y"}, ("ansible_port", "port")),
        ({"court_db": {"engine": "mariadb", "name": "--defaults-file=/tmp/x"}}, ("court_db.name", "db_name")),
        ({"court_db": {"engine": "mariadb", "name": "web site"}}, ("court_db.name", "db_name")),
        ({"court_db": {"engine": "mariadb", "user": "web'@'%"}}, ("court_db.user", "db_name")),
        (
            {"court_backup_targets": [{"name": "b", "type": "local", "location": "/etc"}]},
            ("court_backup_targets[0].location", "path_system"),
        ),
        (
            {"court_backup_targets": [{"name": "b", "type": "local", "location": "/media/b/../../etc"}]},
            ("court_backup_targets[0].location", "path_normal"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "sftp", "location": "u@-oProxyCommand=id:/srv/b"}
                ]
            },
            ("court_backup_targets[0].location", "location"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "sftp", "location": "sftp:pn-backup@192.0.2.9:/etc"}
                ]
            },
            ("court_backup_targets[0].location", "path_system"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "sftp", "location": "pn-backup@192.0.2.9:backups"}
                ]
            },
            ("court_backup_targets[0].location", "path"),
        ),
        (
            {
                "court_backup_targets": [
                    {
                        "name": "b",
                        "type": "sftp",
                        "location": "pn-backup@192.0.2.9:/srv/b",
                        "per_court": False,
                    }
                ]
            },
            ("court_backup_targets[0].location", "path_shared"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "rest", "location": "https://backup host:8000/"}
                ]
            },
            ("court_backup_targets[0].location", "location"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "s3", "location": "s3:https://s3.pn.local/b;id"}
                ]
            },
            ("court_backup_targets[0].location", "location"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "sftp", "location": "u@h.pn.local:/srv/b/c", "port": 0}
                ]
            },
            ("court_backup_targets[0].port", "port"),
        ),
        (
            {
                "court_backup_targets": [
                    {"name": "b", "type": "sftp", "location": "u@h.pn.local:/srv/b/c", "inventory_host": "-x"}
                ]
            },
            ("court_backup_targets[0].inventory_host", "inventory_host"),
        ),
    ],
)
def test_unsafe_values_are_named(changes, expected):
    assert expected in problems(**changes)


@pytest.mark.parametrize("host", ["../../etc", "pn-tais;id", "-oProxyCommand=id", "pn tais", "pn-tais\n", ""])
def test_inventory_host_names_are_plain(host):
    assert [(p.variable, p.code) for p in validate_court(host, GOOD)] == [
        ("inventory_hostname", "inventory_host")
    ]


def test_plain_connection_values_and_locations_are_valid():
    court = {
        **GOOD,
        "ansible_host": "192.0.2.12",
        "ansible_user": "sopadmin",
        "ansible_port": "2222",
        "court_db": {"engine": "mariadb", "name": "wp_court-1", "user": "wp.court", "password": "a\nb"},
        "court_backup_targets": [
            {"name": "hdd", "type": "local", "location": "/media/backup-pengadilan"},
            {"name": "srv", "type": "sftp", "location": "sftp:pn-backup@[2001:db8::9]:/srv/pn-backup/courts"},
            {"name": "rest", "type": "rest", "location": "rest:https://backup.pn.local:8000/"},
            {"name": "s3", "type": "s3", "location": "http://127.0.0.1:9000/pn-backup/courts"},
        ],
        "court_smtp": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n3133"},
    }
    assert validate_court("pn-tais", court) == []
    for host in ("pn-tais.go.id", "pn_tais", "192.0.2.12", "2001:db8::1"):
        assert validate_court(host, {**court, "ansible_host": host}) == []
    # templated values are checked by the preflight role after templating
    assert validate_court("pn-tais", {**GOOD, "ansible_host": "{{ inventory_hostname }}.pn.local"}) == []


def test_messages_show_control_characters_escaped():
    found = {p.code: p for p in validate_court("pn-tais", {**GOOD, "court_webroot": "/var/www/a\nb"})}
    assert set(found) == {"control", "path_chars"}
    message = found["path_chars"].message("en")
    assert "\n" not in message and "'/var/www/a\\x0ab'" in message


def test_a_bad_rest_location_is_named_without_its_credentials():
    target = {"name": "b", "type": "rest", "location": "rest:https://pn-tais:Rahasia-8231@backup host:8000/"}
    (problem,) = validate_court("pn-tais", {**GOOD, "court_backup_targets": [target]})
    assert problem.variable == "court_backup_targets[0].location" and problem.code == "location"
    assert "Rahasia-8231" not in problem.message("en") and "//***@backup host:8000/" in problem.message("en")


HOSTING = {
    "transfer": "sftp",
    "host": "sftp.hosting.example.co.id",
    "port": 2222,
    "user": "pnmanna@hosting",
    "password": "{{ vault_pn_manna_hosting_password }}",
    "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vdCBhIHJlYWwga2V5IGJ1dCB3ZWxsIGZvcm1lZA==",
    "webroot": "/public_html",
    "log_paths": ["/logs/access.log", "logs/access.log.1.gz"],
    "database": {"host": "mysql.hosting.example.co.id", "port": 3306},
}


def hosting_problems(**changes):
    hosting = {k: v for k, v in {**HOSTING, **changes}.items() if v is not None}
    variables = {"court_name": "PN Manna", "court_type": "PN", "court_domain": "pn-manna.go.id"}
    variables["court_hosting"] = hosting
    return {(p.variable, p.code) for p in validate_court("pn-manna", variables, shared_hosting=True)}


def test_a_shared_hosting_court_with_its_file_transfer_access_is_valid():
    assert hosting_problems() == set()
    assert hosting_problems(transfer="ftps", host_key=None, cacert="/etc/pn-website/hosting-ca.pem") == set()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"transfer": "ftp"}, ("court_hosting.transfer", "choice")),
        ({"transfer": None}, ("court_hosting.transfer", "missing")),
        ({"host": "-oProxyCommand=sh"}, ("court_hosting.host", "address")),
        ({"host": "sftp.example.co.id;id"}, ("court_hosting.host", "address")),
        ({"port": 70000}, ("court_hosting.port", "port")),
        ({"user": "-oProxyCommand"}, ("court_hosting.user", "user")),
        ({"password": None}, ("court_hosting.password", "missing")),
        ({"host_key": None}, ("court_hosting.host_key", "host_key")),
        ({"host_key": "ssh-ed25519 AAAA\nevil"}, ("court_hosting.host_key", "host_key")),
        ({"webroot": "/public_html/../../etc"}, ("court_hosting.webroot", "remote_path")),
        ({"webroot": "/public html"}, ("court_hosting.webroot", "remote_path")),
        ({"log_paths": ["/logs/$(id)"]}, ("court_hosting.log_paths[0]", "remote_path")),
        ({"max_bytes": -1}, ("court_hosting.max_bytes", "positive")),
        ({"database": {"port": 3306}}, ("court_hosting.database.host", "missing")),
        ({"database": {"host": "db host"}}, ("court_hosting.database.host", "address")),
        ({"cacert": "relative.pem"}, ("court_hosting.cacert", "path")),
    ],
)
def test_bad_hosting_access_is_named(changes, expected):
    assert expected in hosting_problems(**changes)


ENDPOINT = {"url": "https://pn-manna.go.id/", "db_host": "localhost", "db_port": 3306, "ttl": 300}


def test_a_dump_endpoint_instead_of_remote_mysql_is_valid():
    assert hosting_problems(database=None, dump_endpoint=ENDPOINT) == set()
    loopback = {"url": "http://127.0.0.1:8080/", "allow_http": True, "cacert": "/etc/pn/ca.pem"}
    assert hosting_problems(database=None, dump_endpoint=loopback) == set()


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ({**ENDPOINT, "url": "http://pn-manna.go.id/"}, ("court_hosting.dump_endpoint.url", "https_only")),
        ({**ENDPOINT, "url": "https://user:pw@pn-manna.go.id/"}, ("court_hosting.dump_endpoint.url", "url")),
        ({"db_host": "localhost"}, ("court_hosting.dump_endpoint.url", "missing")),
        ({**ENDPOINT, "db_host": "-oProxy=x"}, ("court_hosting.dump_endpoint.db_host", "address")),
        ({**ENDPOINT, "db_port": 70000}, ("court_hosting.dump_endpoint.db_port", "port")),
        ({**ENDPOINT, "ttl": 0}, ("court_hosting.dump_endpoint.ttl", "positive")),
        ({**ENDPOINT, "max_bytes": "4G"}, ("court_hosting.dump_endpoint.max_bytes", "positive")),
        ({**ENDPOINT, "allow_http": "yes"}, ("court_hosting.dump_endpoint.allow_http", "bool")),
        ({**ENDPOINT, "cacert": "ca.pem"}, ("court_hosting.dump_endpoint.cacert", "path")),
        ({**ENDPOINT, "token": "x"}, ("court_hosting.dump_endpoint.token", "unknown_key")),
        ("https://pn-manna.go.id/", ("court_hosting.dump_endpoint", "type")),
    ],
)
def test_a_bad_dump_endpoint_is_named(endpoint, expected):
    assert hosting_problems(database=None, dump_endpoint=endpoint) == {expected}


def test_remote_mysql_and_a_dump_endpoint_are_not_both_set():
    assert hosting_problems(dump_endpoint=ENDPOINT) == {("court_hosting.dump_endpoint", "one_database_way")}


def test_hosting_access_is_only_for_shared_hosting_courts():
    variables = {**GOOD, "court_hosting": HOSTING}
    found = {(p.variable, p.code) for p in validate_court("pn-tais", variables)}
    assert found == {("court_hosting", "hosting_only")}
