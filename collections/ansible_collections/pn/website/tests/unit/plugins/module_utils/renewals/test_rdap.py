# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDAP lookups and the IANA bootstrap file, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import domain_expiry as de
from ansible_collections.pn.website.plugins.module_utils.renewals.rdap_bootstrap_dns import BOOTSTRAP_DNS
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import (
    RDAPServer,
    rdap_domain,
)


@pytest.fixture(scope="module")
def rdap():
    with RDAPServer() as server:
        server.domain("pn-bangil.go.id", rdap_domain("pn-bangil.go.id", expires="2026-12-20T23:59:59Z"))
        server.domain(
            "pn-tais.go.id",
            rdap_domain(
                "pn-tais.go.id",
                expires="2026-11-01T00:00:00Z",
                status=["server hold", "client transfer prohibited"],
            ),
        )
        server.domain("pa-noevents.go.id", rdap_domain("pa-noevents.go.id", expires=None, registered=None))
        server.domain("pn-broken.go.id", '{"objectClassName": "domain", "events": [')
        server.domain(
            "pn-busy.go.id",
            {"errorCode": 429, "title": "Too Many Requests"},
            status=429,
            headers={"Retry-After": "120"},
        )
        server.domain("pn-down.go.id", "<html>Service Unavailable</html>", status=503)
        server.domain("pn-entity.go.id", {"objectClassName": "entity", "handle": "X"})
        yield server


def test_shipped_bootstrap_has_the_id_registry_and_the_real_shape():
    assert de.validate_bootstrap(BOOTSTRAP_DNS) is BOOTSTRAP_DNS
    assert BOOTSTRAP_DNS["version"] == "1.0"
    assert [["id"], ["https://rdap.pandi.id/rdap/"]] in BOOTSTRAP_DNS["services"]
    assert de.rdap_base_for("pn-bangil.go.id", BOOTSTRAP_DNS) == "https://rdap.pandi.id/rdap/"
    assert de.rdap_base_for("EXAMPLE.COM.", BOOTSTRAP_DNS) == "https://rdap.verisign.com/com/v1/"
    assert de.rdap_base_for("court.zz", BOOTSTRAP_DNS) is None


def test_override_of_a_longer_suffix_wins():
    overrides = {"go.id": "http://127.0.0.1:1/a/", "id": "http://127.0.0.1:1/b/"}
    assert de.rdap_base_for("pn-bangil.go.id", BOOTSTRAP_DNS, overrides) == "http://127.0.0.1:1/a/"
    assert de.rdap_base_for("example.id", BOOTSTRAP_DNS, overrides) == "http://127.0.0.1:1/b/"


@pytest.mark.parametrize(
    "bad",
    [{}, {"services": "x"}, {"services": [["id", "https://x/"]]}, {"services": [[["id"], [5]]]}, []],
)
def test_invalid_bootstrap_is_rejected(bad):
    with pytest.raises(de.BootstrapError):
        de.validate_bootstrap(bad)


def test_expiring_domain(rdap):
    res = de.rdap_lookup("pn-bangil.go.id", rdap.base)
    assert res["ok"] is True and res["error"] is None
    assert res["source"] == "rdap"
    assert res["expires"] == "2026-12-20T23:59:59Z"
    assert res["registered"] == "2010-03-15T07:00:00Z"
    assert res["last_changed"] == "2025-03-01T02:11:45Z"
    assert res["registrar"] == "PT Registrar Domain Indonesia"
    assert res["registrar_iana_id"] == "9999"
    assert res["status"] == ["ok"]
    assert res["nameservers"] == ["ns1.mahkamahagung.go.id", "ns2.mahkamahagung.go.id"]
    assert "/rdap/domain/pn-bangil.go.id" in rdap.requests


def test_domain_on_hold_maps_rdap_status_to_epp(rdap):
    res = de.rdap_lookup("pn-tais.go.id", rdap.base)
    assert res["ok"]
    assert res["status"] == ["serverHold", "clientTransferProhibited"]
    assert "serverHold" in de.HOLD_STATUSES


def test_missing_events_is_a_result_without_expiry(rdap):
    res = de.rdap_lookup("pa-noevents.go.id", rdap.base)
    assert res["ok"] is True
    assert res["expires"] is None and res["registered"] is None
    assert res["detail"] == "no expiration event"


@pytest.mark.parametrize(
    "name, error, status",
    [
        ("pn-broken.go.id", "malformed", 200),
        ("pn-entity.go.id", "malformed", 200),
        ("pn-down.go.id", "server_error", 503),
        ("pn-unknown.go.id", "not_found", 404),
    ],
)
def test_bad_answers_are_results_not_crashes(rdap, name, error, status):
    res = de.rdap_lookup(name, rdap.base)
    assert res["ok"] is False
    assert res["error"] == error
    assert res["http_status"] == status


def test_rate_limit_reports_retry_after(rdap):
    res = de.rdap_lookup("pn-busy.go.id", rdap.base)
    assert res["ok"] is False
    assert res["error"] == "rate_limited"
    assert res["http_status"] == 429
    assert res["retry_after"] == 120


def test_connection_refused_is_a_result():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    res = de.rdap_lookup("pn-bangil.go.id", f"http://127.0.0.1:{port}/rdap/", timeout=2)
    assert res["ok"] is False and res["error"] == "connection_error"


def test_lookup_uses_override_without_loading_the_bootstrap(rdap):
    calls = []

    def loader():
        calls.append(1)
        return BOOTSTRAP_DNS

    res = de.lookup_domain("PN-Bangil.go.id.", rdap_overrides={"id": rdap.base}, bootstrap_loader=loader)
    assert res["ok"] and res["domain"] == "pn-bangil.go.id"
    assert calls == []


def test_lookup_follows_the_bootstrap(rdap):
    bootstrap = {"version": "1.0", "services": [[["id"], [rdap.base]]]}
    res = de.lookup_domain("pn-bangil.go.id", bootstrap_loader=lambda: bootstrap)
    assert res["ok"] and res["server"].startswith(rdap.base)


def test_bootstrap_refresh_and_cache(rdap, tmp_path):
    live = {"version": "1.0", "publication": "2026-11-20T00:00:00Z", "services": [[["id"], [rdap.base]]]}
    rdap.route("/dns.json", 200, live, {"Content-Type": "application/json"})
    cache = tmp_path / "cache" / "dns.json"
    before = rdap.requests.count("/dns.json")

    first = de.load_bootstrap(url=rdap.url("/dns.json"), cache_file=str(cache), max_age=3600)
    assert first["source"] == rdap.url("/dns.json")
    assert json.loads(cache.read_text())["services"] == live["services"]

    second = de.load_bootstrap(url=rdap.url("/dns.json"), cache_file=str(cache), max_age=3600)
    assert second["source"].startswith("cache:")
    assert rdap.requests.count("/dns.json") == before + 1

    later = time.time() + 7200
    third = de.load_bootstrap(url=rdap.url("/dns.json"), cache_file=str(cache), max_age=3600, now=later)
    assert third["source"] == rdap.url("/dns.json")
    assert rdap.requests.count("/dns.json") == before + 2


def test_bootstrap_falls_back_to_stale_cache_then_shipped_copy(rdap, tmp_path):
    rdap.route("/broken-dns.json", 500, "oops")
    cache = tmp_path / "dns.json"
    cache.write_text(json.dumps({"version": "1.0", "services": [[["id"], ["https://cached.example/rdap/"]]]}))
    old = time.time() - 10 * 86400
    os.utime(cache, (old, old))
    stale = de.load_bootstrap(url=rdap.url("/broken-dns.json"), cache_file=str(cache), max_age=86400)
    assert stale["source"].startswith("stale-cache:")
    assert stale["error"] == "server_error"
    assert stale["data"]["services"][0][1] == ["https://cached.example/rdap/"]

    rdap.route("/not-bootstrap.json", 200, {"hello": "world"}, {"Content-Type": "application/json"})
    shipped = de.load_bootstrap(url=rdap.url("/not-bootstrap.json"))
    assert shipped["source"] == "shipped"
    assert "services" in shipped["error"]
    assert shipped["data"] == BOOTSTRAP_DNS and shipped["data"] is not BOOTSTRAP_DNS


def test_bootstrap_from_a_file(tmp_path):
    path = tmp_path / "dns.json"
    path.write_text(json.dumps(BOOTSTRAP_DNS))
    loaded = de.load_bootstrap(file=str(path))
    assert loaded["source"] == "file:" + str(path)
    assert de.rdap_base_for("x.go.id", loaded["data"]) == "https://rdap.pandi.id/rdap/"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-12-20T23:59:59Z", "2026-12-20T23:59:59Z"),
        ("2026-12-20T23:59:59.123Z", "2026-12-20T23:59:59Z"),
        ("2026-12-21T06:59:59+07:00", "2026-12-20T23:59:59Z"),
        ("2026-12-20 23:59:59", "2026-12-20T23:59:59Z"),
        ("2026-12-20", "2026-12-20T00:00:00Z"),
        ("20-Dec-2026", "2026-12-20T00:00:00Z"),
    ],
)
def test_parse_datetime(text, expected):
    assert de.parse_datetime(text).strftime("%Y-%m-%dT%H:%M:%SZ") == expected


@pytest.mark.parametrize("text", ["", "soon", "2026-13-40", None, 5])
def test_parse_datetime_rejects_nonsense(text):
    assert de.parse_datetime(text) is None


@pytest.mark.parametrize(
    "rdap_status, epp",
    [
        ("server hold", "serverHold"),
        ("client hold", "clientHold"),
        ("active", "ok"),
        ("pending delete", "pendingDelete"),
        ("redemption period", "redemptionPeriod"),
        ("client transfer prohibited", "clientTransferProhibited"),
    ],
)
def test_rdap_status_to_epp(rdap_status, epp):
    assert de.rdap_status_to_epp(rdap_status) == epp
