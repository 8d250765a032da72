# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site probe engine against real HTTP/HTTPS servers on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe as sp
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    DOMAIN,
    KEYWORD,
    ProbeFleet,
    no_dns,
)

LABELS = (
    "good",
    "stale",
    "nofeed",
    "cloaked",
    "spamcloaked",
    "postspam",
    "defaced",
    "hidden",
    "spam",
    "wordpress",
    "slow",
    "error",
    "expired",
    "wronghost",
    "selfsigned",
    "expiring",
    "plain",
    "dead",
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    servers = ProbeFleet(str(tmp_path_factory.mktemp("probe"))).start()
    yield servers
    servers.stop()


@pytest.fixture(scope="module")
def results(fleet):
    options = {"ca_file": fleet.ca_file, "read_timeout": 1.0, "total_timeout": 10.0}
    found = sp.probe([fleet.site(label) for label in LABELS], options, resolver=no_dns)
    return {r["name"]: r for r in found}


def rules(result):
    return {f["rule"]: f for f in result["findings"]}


def test_results_are_json_and_in_order(fleet, results):
    assert list(results) == list(LABELS)
    json.dumps(list(results.values()))


def test_healthy_site(results):
    good = results["good"]
    assert good["reachable"] and good["status"] == 200 and good["reason"] is None
    assert good["keyword"] == {"expected": KEYWORD, "found": True}
    assert good["tls"]["verified"] and good["tls"]["protocol"].startswith("TLSv1.")
    assert 85 <= good["tls"]["days_left"] <= 90
    assert good["freshness"]["source"] == "feed" and not good["freshness"]["stale"]
    assert good["freshness"]["age_days"] == pytest.approx(1.0, abs=0.1)
    assert good["cloaking"]["googlebot"]["similarity"] == 1.0
    assert good["findings"] == []
    assert good["response_ms"] > 0 and good["complete"]
    # home, Googlebot, Google referer, robots.txt, feed, sitemap over one kept-alive connection
    assert good["requests"] == 6 and good["connections"] == 1


def test_state_is_returned(results):
    state = results["good"]["state"]
    assert state["outbound_domains"] == ["mahkamahagung.go.id"]
    assert len(state["sitemap_urls"]) == 3
    assert state["robots"] == ["user-agent: *", "disallow: /admin/"]
    assert state["history"][-1]["reachable"] is True
    assert state["fingerprint"]["value"] == results["good"]["content"]["fingerprint"]


def test_sitemap_index_children_of_its_own_host(results):
    """WordPress's wp-sitemap.xml: the index's child sitemaps on its host, at most 20, no nested index."""
    wordpress = results["wordpress"]
    urls = wordpress["state"]["sitemap_urls"]
    assert wordpress["freshness"]["sitemap_url"].endswith("/wp-sitemap.xml")
    # posts (2) + pages (1) + the first 17 extra children: 20 children read, the nested index among them
    assert wordpress["freshness"]["sitemap_entries"] == len(urls) == 20
    assert any(url.endswith("/2026/11/laporan-tahunan/") for url in urls)
    assert any(url.endswith("/layanan-ptsp/") for url in urls)
    assert any(url.endswith("/extra-16/") for url in urls) and not any("/extra-17/" in url for url in urls)
    # the child on another host (the spam site's sitemap) was never fetched
    assert not any("slot-gacor" in url for url in urls)
    assert "gambling-spam" not in rules(wordpress)


def test_stale_feed(results):
    found = rules(results["stale"])
    assert found["content-stale"]["severity"] == "medium"
    assert found["content-stale"]["evidence"]["source"] == "feed"
    assert results["stale"]["freshness"]["age_days"] == pytest.approx(40, abs=0.1)


def test_last_modified_fallback(results):
    fresh = results["nofeed"]["freshness"]
    assert fresh["source"] == "last-modified" and fresh["stale"]
    assert "Tidak ada konten baru" in rules(results["nofeed"])["content-stale"]["message"]


def test_cloaked_gambling(results):
    cloaked = results["cloaked"]
    found = rules(cloaked)
    assert found["cloaking"]["severity"] == "critical"
    variants = {d["variant"]: d for d in found["cloaking"]["evidence"]["differences"]}
    assert "gambling" in variants["googlebot"]["reasons"]
    assert "redirect" in variants["google_referer"]["reasons"]
    assert variants["google_referer"]["final_url"].endswith("/amp/slot-gacor/")
    assert "slot gacor" in cloaked["cloaking"]["googlebot"]["gambling_terms"]
    assert cloaked["cloaking"]["browser"]["gambling_terms"] == []
    assert found["gambling-spam"]["evidence"]["variant"] in ("googlebot", "google_referer")
    assert "gacor" in found["gambling-spam"]["evidence"]["excerpt"].lower()


def test_cloaking_behind_spam_everyone_sees(results):
    """Spam for every visitor does not hide the more that only Googlebot is shown."""
    result = results["spamcloaked"]
    found = rules(result)
    spam = {f["evidence"]["variant"]: f for f in result["findings"] if f["rule"] == "gambling-spam"}
    assert set(spam) == {"browser", "googlebot"}
    assert found["cloaking"]["severity"] == "critical"
    (difference,) = found["cloaking"]["evidence"]["differences"]
    assert difference["variant"] == "googlebot" and difference["reasons"] == ["gambling"]
    assert difference["extra_links"] == ["https://togel88.example/daftar"]
    assert "bandar togel" in difference["extra_terms"] and "slot gacor" not in difference["extra_terms"]
    only = spam["googlebot"]["evidence"]["only_for_variant"]
    assert [link["href"] for link in only["links"]] == ["https://togel88.example/daftar"]


def test_the_same_spam_for_every_visitor_is_no_cloaking(results):
    """The hidden links are shown to Googlebot as to anyone: spam, but no cloaking."""
    assert "cloaking" not in rules(results["hidden"])


def test_spam_in_a_post_of_the_feed(fleet, results):
    """Spam injected into a post is read from the feed, which carries the post whole, with its address."""
    result = results["postspam"]
    assert [f["rule"] for f in result["findings"]] == ["gambling-spam"]
    (spam,) = result["findings"]
    evidence = spam["evidence"]
    assert evidence["variant"] == "feed" and evidence["feed"].endswith("/feed.xml")
    (entry,) = evidence["entries"]
    assert entry["link"] == fleet.urls["postspam"] + "/berita/1/" and entry["title"] == "Berita 1"
    assert [link["href"] for link in entry["links"]] == ["https://slot-gacor-maxwin.example/"]
    assert "slot gacor" in entry["terms"]
    assert "slot gacor" in evidence["terms"] and evidence["links"] == entry["links"]
    # the clean feeds of the other sites find nothing
    assert not [f for f in results["good"]["findings"] if f["evidence"].get("variant") == "feed"]


def test_defaced(results):
    found = rules(results["defaced"])
    assert found["defacement"]["severity"] == "critical"
    assert "hacked by" in found["defacement"]["evidence"]["terms"]
    assert "HACKED BY" in found["defacement"]["evidence"]["excerpt"]
    assert results["defaced"]["keyword"]["found"] is False
    assert "keyword-missing" in found


def test_hidden_links(results):
    found = rules(results["hidden"])
    assert found["hidden-links"]["severity"] == "critical"
    links = found["hidden-links"]["evidence"]["blocks"][0]["links"]
    assert "https://slot-gacor-maxwin.example/" in links


def test_sitemap_gambling_urls(results):
    found = rules(results["spam"])
    assert found["gambling-spam"]["evidence"]["urls"][0].endswith("/slot-gacor-maxwin-hari-ini/")


def test_slow_endpoint_times_out(results):
    slow = results["slow"]
    assert not slow["reachable"] and slow["reason"] == "timeout"
    assert rules(slow)["unavailable"]["severity"] == "critical"


def test_http_error(results):
    error = results["error"]
    assert error["status"] == 500 and error["reason"] == "http" and not error["reachable"]
    assert set(rules(error)) == {"unavailable"}


@pytest.mark.parametrize(
    "label,reason",
    [("expired", "expired"), ("wronghost", "hostname-mismatch"), ("selfsigned", "self-signed")],
)
def test_invalid_certificates(results, label, reason):
    result = results[label]
    assert result["reason"] == "tls" and not result["reachable"]
    assert result["tls"]["verified"] is False and result["tls"]["reason"] == reason
    assert result["tls"]["not_after"]  # read from the certificate despite the failed verification
    assert rules(result)["tls-invalid"]["severity"] == "critical"
    assert result["status"] == 200  # content is still checked


def test_expired_days_left_negative(results):
    assert results["expired"]["tls"]["days_left"] < 0


def test_expiring_certificate(results):
    found = rules(results["expiring"])
    assert found["tls-expiring"]["severity"] == "critical"
    assert found["tls-expiring"]["evidence"]["days_left"] <= 5
    assert found["tls-expiring"]["evidence"]["lifetime_days"] == 90


@pytest.mark.parametrize(
    ("days_before", "days_valid", "expected"),
    [
        (5, 5, None),  # a 10-day certificate half way through: renewed on its own schedule, fine
        (82, 8, "critical"),  # 8 days left of 90: under a tenth of the lifetime
        (70, 20, "medium"),  # 20 days left of 90: under a third
        (373, 25, "medium"),  # 25 days left of 398: under the 30-day cap
        (50, 40, None),  # 40 days left of 90
    ],
)
def test_certificate_expiry_is_judged_by_its_lifetime_like_w4(tmp_path, days_before, days_valid, expected):
    """One certificate rule: W1 judges expiry by the share of the lifetime left, as the renewals engine."""
    from ansible_collections.pn.website.plugins.module_utils.renewals import tls_check
    from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
        Server,
        _server_ctx,
        build_sites,
        make_ca,
        make_cert,
        write_pem,
    )

    ca = make_ca()
    ca_file, _unused = write_pem(str(tmp_path), "ca", None, ca[1])
    host = "good." + DOMAIN
    cert = make_cert(ca, [host], days_valid=days_valid, days_before=days_before)
    server = Server(_server_ctx(*write_pem(str(tmp_path), "site", *cert)))
    url = "https://%s:%d" % (host, server.port)
    server.sites = build_sites({"good": url, "stale": url, "spam": url, "wordpress": url})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        site = {"name": "t", "url": url + "/", "resolve": ["%s:%d:127.0.0.1" % (host, server.port)]}
        (result,) = sp.probe([site], {"ca_file": ca_file, "cloaking": False, "freshness": False})
    finally:
        server.shutdown()
        server.server_close()
    found = rules(result).get("tls-expiring")
    assert (found or {}).get("severity") == expected
    level = tls_check.classify(
        datetime.fromisoformat(result["tls"]["not_before"]),
        datetime.fromisoformat(result["tls"]["not_after"]),
        datetime.fromisoformat(result["checked_at"]),
    )["level"]
    assert result["tls"]["level"] == level  # the renewals engine's verdict, not a second rule


def test_redirect_chain(fleet, results):
    plain = results["plain"]
    assert plain["redirects"][0]["status"] == 301
    assert plain["redirects"][0]["url"].startswith("http://")
    assert plain["final_url"] == fleet.urls["good"] + "/"
    assert plain["tls"]["verified"]


def test_dead_endpoint(results):
    dead = results["dead"]
    assert dead["reason"] == "connect" and "refused" in dead["error"]
    assert dead["state"]["history"][-1]["reachable"] is False


def test_dns_failure_uses_injected_resolver():
    result = sp.probe([{"name": "x", "url": "https://unknown.pn-test.go.id/"}], resolver=no_dns)[0]
    assert result["reason"] == "dns"


def test_total_timeout_bounds_a_site(fleet):
    site = fleet.site("slow")
    result = sp.probe([site], {"ca_file": fleet.ca_file, "read_timeout": 30, "total_timeout": 0.5})[0]
    assert result["reason"] == "timeout" and "0.5" in result["error"]


def test_bad_resolve_entry_is_a_result():
    result = sp.probe([{"name": "x", "url": "https://x.go.id/", "resolve": ["nonsense"]}], resolver=no_dns)[0]
    assert result["reason"] == "config" and "HOST:PORT:ADDR" in result["error"]


def test_validate_site_and_options():
    assert sp.validate_site({"url": "ftp://x"}) is not None
    assert sp.validate_site("x") is not None
    assert sp.validate_site({"url": "https://x.go.id/", "resolve": ["x.go.id:443:127.0.0.1"]}) is None
    with pytest.raises(ValueError):
        sp.normalize_options({"total_timeout": 0})
    with pytest.raises(ValueError):
        sp.normalize_options({"ca_file": "/nonexistent/ca.pem"})


def test_baselines_report_changes(fleet, results):
    state = dict(results["good"]["state"])
    state["outbound_domains"] = []
    state["sitemap_urls"] = state["sitemap_urls"][:1]
    state["robots"] = ["user-agent: *"]
    site = fleet.site("good", state=state)
    again = sp.probe([site], {"ca_file": fleet.ca_file}, resolver=no_dns)[0]
    found = rules(again)
    assert found["unknown-links"]["evidence"]["domains"] == ["mahkamahagung.go.id"]
    assert found["sitemap-new-entries"]["severity"] == "info"
    assert len(found["sitemap-new-entries"]["evidence"]["urls"]) == 2
    assert found["robots-changed"]["evidence"]["added"] == ["disallow: /admin/"]
    assert len(again["state"]["history"]) == 2
    # accepted baselines silence the outbound-domain finding
    again2 = sp.probe(
        [fleet.site("good", state=again["state"], accept_baseline=True)], {"ca_file": fleet.ca_file}
    )[0]
    assert "unknown-links" not in rules(again2)


def test_fingerprint_freshness_from_state(fleet, results):
    old = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat()
    state = {"fingerprint": {"value": results["defaced"]["content"]["fingerprint"], "since": old}}
    again = sp.probe([fleet.site("defaced", state=state)], {"ca_file": fleet.ca_file})[0]
    assert again["freshness"]["source"] == "fingerprint"
    assert rules(again)["content-stale"]["evidence"]["age_days"] == pytest.approx(30, abs=0.1)
    assert again["state"]["fingerprint"]["since"] == old


def test_options_disable_checks(fleet):
    options = {"ca_file": fleet.ca_file, "cloaking": False, "freshness": False, "baselines": False}
    result = sp.probe([fleet.site("cloaked")], options)[0]
    assert result["cloaking"] is None and result["freshness"] is None
    assert "cloaking" not in rules(result)


def test_a_light_probe_makes_one_request_and_no_content_check(fleet):
    """depth light: the homepage request only (availability, status, time, certificate, keyword); the
    content rules are not looked for, and the result says which rules were."""
    options = {"ca_file": fleet.ca_file, "read_timeout": 1.0, "total_timeout": 10.0, "depth": "light"}
    labels = ("good", "cloaked", "defaced", "hidden", "spam", "error", "expired")
    extra = [
        fleet.site("good", name="in-body", keyword="jadwal sidang"),  # not in the title: the page is read
        fleet.site("good", name="nowhere", keyword="Pengadilan Agama Lain"),
        fleet.site("defaced", name="full", depth="full"),
    ]
    found = sp.probe([fleet.site(label) for label in labels] + extra, options)
    light = {r["name"]: r for r in found}
    full = light.pop("full")
    assert light["in-body"]["keyword"]["found"] is True and rules(light["in-body"]) == {}
    assert light["nowhere"]["keyword"]["found"] is False and set(rules(light["nowhere"])) == {
        "keyword-missing"
    }
    for label, result in light.items():
        assert result["depth"] == "light" and result["checked_rules"] == list(sp.LIGHT_RULES), label
        assert result["requests"] == 1 and result["cloaking"] is None and result["content"] is None, label
        assert set(rules(result)) <= set(sp.LIGHT_RULES), label
    assert rules(light["good"]) == {} and light["good"]["response_ms"] > 0
    assert set(rules(light["defaced"])) == {"keyword-missing"}  # its keyword is gone; defacement unmeasured
    assert rules(light["cloaked"]) == {} and rules(light["hidden"]) == {} and rules(light["spam"]) == {}
    assert set(rules(light["error"])) == {"unavailable"} and light["error"]["status"] == 500
    assert set(rules(light["expired"])) == {"tls-invalid"}
    assert full["depth"] == "full" and full["requests"] > 1 and "defacement" in rules(full)
    outputs = sp.sop_result(light["defaced"])["outputs"]
    assert outputs["depth"] == "light" and outputs["checked_rules"] == list(sp.LIGHT_RULES)
    assert sp.sop_result(full)["outputs"]["checked_rules"] is None
    with pytest.raises(ValueError, match="depth"):
        sp.normalize_options({"depth": "deep"})
    assert "depth" in sp.validate_site(fleet.site("good", depth="deep"))


def test_sop_result(results):
    ok = sp.sop_result(results["good"])
    assert ok["activity"] == "W1" and ok["status"] == "ok"
    assert ok["summary"].startswith("Website dapat diakses")
    assert ok["outputs"]["tls_valid"] is True
    stale = sp.sop_result(results["stale"], lang="en")
    assert stale["status"] == "warning" and "content-stale" in stale["summary"]
    assert stale["findings"][0]["message"].startswith("No new content")
    assert sp.sop_result(results["dead"])["status"] == "critical"
    assert sp.sop_result(results["cloaked"])["status"] == "critical"


def test_fetcher_gzip_chunked_and_keep_alive(fleet):
    options = sp.normalize_options({"ca_file": fleet.ca_file})
    fetcher = sp.Fetcher(options, sp.parse_resolve(fleet.resolve("good")), no_dns)
    base = fleet.urls["good"]

    async def fetch_all():
        try:
            return [await fetcher.get(base + path) for path in ("/gzip", "/chunked", "/nothing")]
        finally:
            fetcher.close()

    gz, chunked, missing = asyncio.run(fetch_all())
    assert "terkompresi" in sp.decode_body(gz)
    assert "bertahap" in sp.decode_body(chunked) and sp.decode_body(chunked).endswith("</html>")
    assert missing["status"] == 404
    assert fetcher.requests == 3 and fetcher.connections == 1


def test_fetcher_replaces_a_connection_closed_by_the_server(fleet):
    options = sp.normalize_options({"ca_file": fleet.ca_file})
    fetcher = sp.Fetcher(options, sp.parse_resolve(fleet.resolve("good")), no_dns)
    base = fleet.urls["good"]

    async def fetch_all():
        try:
            first = await fetcher.get(base + "/closing")
            await asyncio.sleep(0.05)  # let the close arrive
            return first, await fetcher.get(base + "/feed.xml")
        finally:
            fetcher.close()

    first, second = asyncio.run(fetch_all())
    assert first["status"] == 200 and second["status"] == 200
    assert fetcher.requests == 2 and fetcher.connections == 2


def test_every_served_hostname_is_checked(fleet):
    """court_hostnames: each other name answers with a valid certificate, or is reported by host."""
    port = fleet.https["valid"].port
    alias = "stale." + DOMAIN  # served, certificate covers it
    unlisted = "www.good." + DOMAIN  # served by the same server, certificate does not cover it
    unknown = "sipp.good." + DOMAIN  # no address at all
    site = fleet.site(
        "good",
        hostnames=["good." + DOMAIN, alias, unlisted, unknown, alias.upper()],
        resolve=fleet.resolve("good") + ["%s:%d:127.0.0.1" % (name, port) for name in (alias, unlisted)],
    )
    options = {"ca_file": fleet.ca_file, "read_timeout": 1.0, "total_timeout": 10.0, "cloaking": False}
    (result,) = sp.probe([site], options, resolver=no_dns)
    checked = {entry["host"]: entry for entry in result["hostnames"]}
    assert list(checked) == [alias, unlisted, unknown]  # the homepage's own name and duplicates once
    assert checked[alias]["reachable"] and checked[alias]["status"] == 200
    assert checked[alias]["url"] == "https://%s:%d/" % (alias, port)
    assert checked[unlisted]["reason"] == "tls" and checked[unlisted]["tls"]["reason"] == "hostname-mismatch"
    assert checked[unknown]["reason"] == "dns" and not checked[unknown]["reachable"]
    by_host = {(f["rule"], f["evidence"].get("host")) for f in result["findings"]}
    assert ("tls-invalid", unlisted) in by_host and ("unavailable", unknown) in by_host
    assert not {rule for rule, host in by_host if host in (None, alias)} & {"unavailable", "tls-invalid"}
    assert result["reachable"] and result["complete"]
    outputs = sp.sop_result(result)["outputs"]["hostnames"]
    assert [(o["host"], o["reachable"], o["tls_valid"]) for o in outputs] == [
        (alias, True, True),
        (unlisted, False, False),
        (unknown, False, None),
    ]
