# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS certificate checks against real TLS listeners on loopback with a test CA."""

from __future__ import annotations

import datetime
import socket

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import tls_check
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import TestCA, TLSServer

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
HOST = "pn-bangil.go.id"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def servers(ca):
    """name -> running TLSServer: 90-day certificates with 40, 20, 5 days left, expired, other host."""
    specs = {
        "fresh": ([HOST, "www." + HOST], 40, 90),
        "warning": ([HOST], 20, 90),
        "critical": ([HOST], 5, 90),
        "expired": ([HOST], -3, 90),
        "wrong_host": (["pn-lain.go.id"], 60, 90),
        "wildcard": (["*." + HOST, HOST], 200, 398),
    }
    running = {}
    for name, (names, days_left, lifetime) in specs.items():
        cert, key, _unused = ca.issue(names, days_left, lifetime)
        running[name] = TLSServer(cert, key).__enter__()
    yield running
    for server in running.values():
        server.__exit__(None, None, None)


def _resolve(server, host=HOST):
    return tls_check.parse_resolve([f"{host}:{server.port}:127.0.0.1"])


@pytest.mark.parametrize(
    "lifetime, warning, critical",
    [(90, 30.0, 9.0), (47, 47 / 3, 7.0), (398, 30.0, 14.0), (200, 30.0, 14.0), (6, 2.0, 2.0)],
)
def test_thresholds_are_proportional(lifetime, warning, critical):
    warning_at, critical_at = tls_check.thresholds(lifetime * 86400)
    assert warning_at / 86400 == pytest.approx(warning)
    assert critical_at / 86400 == pytest.approx(critical)


@pytest.mark.parametrize(
    "lifetime, left, level",
    [
        (90, 40, "ok"),
        (90, 31, "ok"),
        (90, 29, "warning"),
        (90, 10, "warning"),
        (90, 8, "critical"),
        (47, 14, "warning"),
        (47, 6, "critical"),
        (398, 100, "ok"),
        (398, 20, "warning"),
        (398, 13, "critical"),
        (90, -1, "expired"),
    ],
)
def test_classify(lifetime, left, level):
    now = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    not_after = now + left * DAY
    result = tls_check.classify(not_after - lifetime * DAY, not_after, now)
    assert result["level"] == level
    assert result["lifetime_days"] == lifetime


def test_valid_90_day_certificate_with_40_days_left_is_ok(ca, servers):
    server = servers["fresh"]
    res = tls_check.check_host(HOST, server.port, _resolve(server), ca_file=ca.ca_file, timeout=5)
    assert res["ok"] is True and res["error"] is None
    assert res["level"] == "ok"
    assert res["chain_valid"] is True and res["hostname_valid"] is True
    assert 39.9 < res["days_left"] <= 40
    assert res["lifetime_days"] == 90
    assert res["address"] == "127.0.0.1"
    assert res["issuer"] == "PN Website Test CA" and res["subject"] == HOST
    assert res["dns_names"] == [HOST, "www." + HOST]
    assert HOST in server.server_names  # SNI is the host name, not the address


@pytest.mark.parametrize(
    "name, level", [("warning", "warning"), ("critical", "critical"), ("expired", "expired")]
)
def test_levels_from_live_certificates(ca, servers, name, level):
    server = servers[name]
    res = tls_check.check_host(HOST, server.port, _resolve(server), ca_file=ca.ca_file, timeout=5)
    assert res["ok"] and res["level"] == level
    if name == "expired":
        assert res["days_left"] < 0
        assert res["chain_valid"] is None  # OpenSSL stops at the date
        assert "expired" in res["chain_error"]
    else:
        assert res["chain_valid"] is True


def test_wrong_host(ca, servers):
    server = servers["wrong_host"]
    res = tls_check.check_host(HOST, server.port, _resolve(server), ca_file=ca.ca_file, timeout=5)
    assert res["ok"] and res["level"] == "ok"
    assert res["hostname_valid"] is False
    assert res["chain_valid"] is True
    assert res["dns_names"] == ["pn-lain.go.id"]


def test_wildcard_covers_subdomain(ca, servers):
    server = servers["wildcard"]
    host = "sipp." + HOST
    res = tls_check.check_host(host, server.port, _resolve(server, host), ca_file=ca.ca_file, timeout=5)
    assert res["hostname_valid"] is True and res["level"] == "ok"


def test_untrusted_issuer(servers):
    server = servers["fresh"]
    res = tls_check.check_host(HOST, server.port, _resolve(server), ca_file=None, timeout=5)
    assert res["ok"] is True
    assert res["chain_valid"] is False
    assert "unable to get local issuer certificate" in res["chain_error"]
    assert res["hostname_valid"] is True


def test_closed_port_is_a_result():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    res = tls_check.check_host(HOST, port, {(HOST, port): "127.0.0.1"}, timeout=2)
    assert res["ok"] is False
    assert res["error"] == "connection_error"


def test_check_hosts_keeps_order_and_drops_duplicates(ca, servers):
    fresh = servers["fresh"]
    resolve = tls_check.parse_resolve(
        [
            f"{HOST}:{fresh.port}:127.0.0.1",
            f"www.{HOST}:{fresh.port}:127.0.0.1",
            f"x.{HOST}:{fresh.port}:[::1]",
        ]
    )
    results = tls_check.check_hosts(
        [HOST, "WWW." + HOST, HOST + "."], fresh.port, resolve, ca.ca_file, timeout=5
    )
    assert [r["host"] for r in results] == [HOST, "www." + HOST]
    assert all(r["hostname_valid"] and r["level"] == "ok" for r in results)
    assert resolve[("x." + HOST, fresh.port)] == "::1"


@pytest.mark.parametrize(
    "bad", ["pn-bangil.go.id:443", "pn-bangil.go.id:https:127.0.0.1", ":443:127.0.0.1", 5]
)
def test_parse_resolve_names_bad_entries(bad):
    with pytest.raises(ValueError, match="HOST:PORT:ADDR"):
        tls_check.parse_resolve([bad])


@pytest.mark.parametrize(
    "host, names, ok",
    [
        ("pn-bangil.go.id", ["pn-bangil.go.id"], True),
        ("www.pn-bangil.go.id", ["*.pn-bangil.go.id"], True),
        ("a.b.pn-bangil.go.id", ["*.pn-bangil.go.id"], False),
        ("pn-bangil.go.id", ["*.pn-bangil.go.id"], False),
        ("x.go.id", ["*.go.id"], True),
        ("pn-bangil.go.id", ["pn-bangil.go.id.evil.example"], False),
    ],
)
def test_hostname_matches(host, names, ok):
    assert tls_check.hostname_matches(host, names) is ok


def test_ip_host_needs_ip_san():
    assert tls_check.hostname_matches("127.0.0.1", ["127.0.0.1"], ["127.0.0.1"]) is True
    assert tls_check.hostname_matches("127.0.0.1", ["127.0.0.1"], []) is False
