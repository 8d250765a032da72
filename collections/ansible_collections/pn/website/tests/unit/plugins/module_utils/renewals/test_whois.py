# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WHOIS (RFC 3912) lookups against a real TCP server on loopback, and the RDAP -> WHOIS fallback."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import domain_expiry as de
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import (
    RDAPServer,
    WhoisServer,
    whois_text,
)

PANDI_STYLE = (
    "Domain ID:PANDI-DO123456\r\n"
    "Domain Name:PN-LAMA.GO.ID\r\n"
    "Created On:2009-05-18 10:12:01\r\n"
    "Last Updated On:2025-05-19 01:00:00\r\n"
    "Expiration Date:2026-05-18 23:59:59\r\n"
    "Status:clientTransferProhibited\r\n"
    "Sponsoring Registrar Organization:Pusat Data dan Informasi\r\n"
    "Registrar:Mahkamah Agung RI\r\n"
    "Name Server:NS1.MAHKAMAHAGUNG.GO.ID\r\n"
    "Name Server:NS2.MAHKAMAHAGUNG.GO.ID\r\n"
)


@pytest.fixture(scope="module")
def whois():
    with WhoisServer() as server:
        server.answer("court-site.zz", whois_text("court-site.zz", expires="2027-01-31T23:59:59Z"))
        server.answer("held.zz", whois_text("held.zz", status=("clientHold", "clientTransferProhibited")))
        server.answer("pn-lama.go.id", PANDI_STYLE)
        server.answer("empty.zz", "")
        server.answer("busy.zz", "WHOIS LIMIT EXCEEDED - too many queries, try again later\r\n")
        server.answer("garbage.zz", "hello there\r\nthis is not whois\r\n")
        yield server


def test_icann_layout(whois):
    res = de.whois_lookup("Court-Site.zz", whois.address)
    assert res["ok"] is True
    assert res["source"] == "whois"
    assert res["expires"] == "2027-01-31T23:59:59Z"
    assert res["registered"] == "2001-01-31T05:00:00Z"
    assert res["last_changed"] == "2025-01-15T10:01:11Z"
    assert res["registrar"] == "Example Registrar, Inc."
    assert res["status"] == ["ok"]
    assert res["nameservers"] == ["ns1.example.net", "ns2.example.net"]
    assert "court-site.zz" in whois.queries


def test_hold_status(whois):
    res = de.whois_lookup("held.zz", whois.address)
    assert res["status"] == ["clientHold", "clientTransferProhibited"]


def test_pandi_layout(whois):
    res = de.whois_lookup("pn-lama.go.id", whois.address)
    assert res["ok"]
    assert res["expires"] == "2026-05-18T23:59:59Z"
    assert res["registrar"] == "Mahkamah Agung RI"
    assert res["status"] == ["clientTransferProhibited"]
    assert res["nameservers"] == ["ns1.mahkamahagung.go.id", "ns2.mahkamahagung.go.id"]


@pytest.mark.parametrize(
    "name, error",
    [
        ("nothing.zz", "not_found"),
        ("empty.zz", "malformed"),
        ("busy.zz", "rate_limited"),
        ("garbage.zz", "malformed"),
    ],
)
def test_unusable_answers(whois, name, error):
    res = de.whois_lookup(name, whois.address)
    assert res["ok"] is False
    assert res["error"] == error


def test_closed_port_is_a_result():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    res = de.whois_lookup("court-site.zz", f"127.0.0.1:{port}", timeout=2)
    assert res["ok"] is False and res["error"] == "connection_error"


def test_bad_server_setting_is_named():
    res = de.whois_lookup("court-site.zz", "127.0.0.1:notaport")
    assert res["error"] == "bad_server"
    assert "notaport" in res["detail"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("whois.pandi.id", ("whois.pandi.id", 43)),
        ("127.0.0.1:4343", ("127.0.0.1", 4343)),
        ("[::1]:4343", ("::1", 4343)),
        ("[::1]", ("::1", 43)),
    ],
)
def test_split_host_port(value, expected):
    assert de.split_host_port(value) == expected


def test_tld_without_rdap_goes_to_whois(whois):
    res = de.lookup_domain("court-site.zz", whois_servers={"zz": whois.address}, iana_whois=None)
    assert res["ok"] and res["source"] == "whois"
    assert res["expires"] == "2027-01-31T23:59:59Z"


def test_iana_referral_finds_the_whois_server(whois):
    with WhoisServer(
        {"zz": f"% IANA WHOIS server\r\ndomain:       ZZ\r\nrefer:        {whois.address}\r\n"}
    ) as iana:
        res = de.lookup_domain("court-site.zz", iana_whois=iana.address)
        assert iana.queries == ["zz"]
    assert res["ok"] and res["server"] == whois.address


def test_no_service_known():
    res = de.lookup_domain("court-site.zz", iana_whois=None)
    assert res["ok"] is False and res["error"] == "no_service"


def test_rdap_server_error_falls_back_to_whois(whois):
    with RDAPServer() as rdap:
        rdap.domain("pn-lama.go.id", "upstream timeout", status=502)
        res = de.lookup_domain(
            "pn-lama.go.id", rdap_overrides={"id": rdap.base}, whois_servers={"go.id": whois.address}
        )
    assert res["ok"] and res["source"] == "whois"
    assert res["rdap_error"] == "server_error"
    assert res["expires"] == "2026-05-18T23:59:59Z"


def test_rdap_rate_limit_is_not_hidden_by_whois(whois):
    with RDAPServer() as rdap:
        rdap.domain("pn-lama.go.id", {"errorCode": 429}, status=429, headers={"Retry-After": "30"})
        res = de.lookup_domain(
            "pn-lama.go.id", rdap_overrides={"id": rdap.base}, whois_servers={"*": whois.address}
        )
    assert res["source"] == "rdap" and res["error"] == "rate_limited" and res["retry_after"] == 30
