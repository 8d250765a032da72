# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The W4 renewal engine: thresholds, once-only notifications, contracts, contacts, full court checks."""

from __future__ import annotations

import datetime
import json
import threading

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import renewals
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import (
    RDAPServer,
    TestCA,
    TLSServer,
    rdap_domain,
)

TODAY = datetime.date(2026, 11, 23)
OFF = {"check_domain": False, "check_tls": False}


def court(**extra):
    data = {
        "court_name": "Pengadilan Negeri Bangil",
        "court_domain": "pn-bangil.go.id",
        "court_services": [
            {
                "kind": "hosting",
                "provider": "PT Awan Nusantara",
                "service": "VPS 4 GB",
                "paid_until": "2027-01-10",
                "invoice": "INV/2026/0117",
                "cost": "Rp 4.800.000/tahun",
                "contact": {"name": "Support Awan", "email": "support@awan.example", "phone": "021-555-0101"},
            },
            {
                "kind": "connection",
                "provider": "Telkom Indonesia",
                "service": "Astinet 50 Mbps",
                "paid_until": "2027-06-30",
            },
        ],
        "court_contacts": {
            "sekretaris": {"name": "Drs. H. Sekretaris", "email": "sekretaris@pn-bangil.go.id"},
            "third_parties": [
                {
                    "role": "isp",
                    "name": "Account Manager Telkom",
                    "email": "am@telkom.example",
                    "phone": "0343-1",
                },
                {
                    "role": "domain_manager",
                    "name": "Pengelola Domain MA",
                    "email": "domain@mahkamahagung.go.id",
                },
            ],
        },
    }
    data.update(extra)
    return data


def test_normalize_thresholds():
    assert renewals.normalize_thresholds(None) == [90, 60, 30, 14, 7]
    assert renewals.normalize_thresholds([7, 30, "14", 30]) == [30, 14, 7]
    for bad in ([], [0], [-5], ["x"], [True], "30", [1.5]):
        with pytest.raises(ValueError, match="court_renewal_thresholds_days"):
            renewals.normalize_thresholds(bad)


@pytest.mark.parametrize(
    "days, expected",
    [(120, None), (91, None), (90, 90), (61, 90), (45, 60), (30, 30), (8, 14), (0, 7), (-1, -1)],
)
def test_crossed_threshold(days, expected):
    assert renewals.crossed_threshold(days, [90, 60, 30, 14, 7]) == expected


def test_decide_notifies_each_threshold_once_and_rearms_on_new_date():
    state = {}
    assert renewals.decide(state, "x", 60, "2027-01-10", "60", "2026-11-11") is True
    assert renewals.decide(state, "x", 60, "2027-01-10", "60", "2026-11-12") is False
    assert state["x"]["notified_on"] == "2026-11-11"
    assert renewals.decide(state, "x", 30, "2027-01-10", "30", "2026-12-11") is True
    assert renewals.decide(state, "x", 60, "2027-01-10", "60", "2026-12-12") is False  # never back up
    # renewed: the date moved a year forward; beyond every threshold -> entry gone, re-armed
    assert renewals.decide(state, "x", None, "2028-01-10", None, "2026-12-20") is False
    assert "x" not in state
    assert renewals.decide(state, "x", 90, "2028-01-10", "90", "2027-10-12") is True


def _by_rule(result):
    return {f["rule"]: f for f in result["findings"]}


def test_contract_thresholds_over_time_and_renewal():
    data = court()
    state = {}
    # 2026-11-23: hosting 48 days left (threshold 60), connection 219 days left (nothing)
    first = renewals.check_court(data, state, today=TODAY, options=OFF)
    hosting = _by_rule(first)["hosting-expiring"]
    assert hosting["notify"] is True and hosting["severity"] == "low"
    assert hosting["evidence"]["threshold_days"] == "60" and hosting["evidence"]["days_left"] == 48
    assert "Support Awan" in hosting["action"] and "INV/2026/0117" in hosting["action"]
    assert "Kasubbag Umum dan Keuangan" in hosting["action"] and "Drs. H. Sekretaris" in hosting["action"]
    assert first["status"] == "ok"
    assert [f["rule"] for f in first["notifications"]] == ["hosting-expiring"]
    assert first["state"]["Pengadilan Negeri Bangil"]["hosting:pt-awan-nusantara:vps-4-gb"]["level"] == 60

    # next day: same threshold, not notified again
    second = renewals.check_court(data, first["state"], today=TODAY + datetime.timedelta(days=1), options=OFF)
    assert _by_rule(second)["hosting-expiring"]["notify"] is False
    assert second["notifications"] == []

    # 20 days left: threshold 30 notified, status warning
    third = renewals.check_court(data, second["state"], today=datetime.date(2026, 12, 21), options=OFF)
    finding = _by_rule(third)["hosting-expiring"]
    assert finding["notify"] is True and finding["severity"] == "medium"
    assert third["status"] == "warning"

    # expired 2 days ago: critical, notified once
    fourth = renewals.check_court(data, third["state"], today=datetime.date(2027, 1, 12), options=OFF)
    assert _by_rule(fourth)["hosting-expired"]["notify"] is True
    assert fourth["status"] == "critical"
    again = renewals.check_court(data, fourth["state"], today=datetime.date(2027, 1, 13), options=OFF)
    assert _by_rule(again)["hosting-expired"]["notify"] is False
    assert again["status"] == "critical"

    # renewed for a year: no finding, and the state entry is cleared so the next cycle re-arms
    data["court_services"][0]["paid_until"] = "2028-01-10"
    renewed = renewals.check_court(data, again["state"], today=datetime.date(2027, 1, 14), options=OFF)
    assert "hosting-expiring" not in _by_rule(renewed) and "hosting-expired" not in _by_rule(renewed)
    assert renewed["status"] == "ok"
    assert "Pengadilan Negeri Bangil" not in renewed["state"]
    later = renewals.check_court(data, renewed["state"], today=datetime.date(2027, 10, 13), options=OFF)
    assert _by_rule(later)["hosting-expiring"]["notify"] is True


def test_contact_falls_back_to_third_party_role_and_english():
    data = court()
    result = renewals.check_court(data, {}, today=datetime.date(2027, 6, 20), options=OFF, lang="en")
    connection = _by_rule(result)["connection-expiring"]
    assert connection["contact"]["name"] == "Account Manager Telkom"
    assert connection["contact"]["source"] == "court_contacts.third_parties"
    assert connection["action"].startswith(
        "Renew the internet connection Astinet 50 Mbps from Telkom Indonesia"
    )
    assert "am@telkom.example" in connection["action"]
    assert connection["message"] == (
        "The internet connection service Astinet 50 Mbps from Telkom Indonesia is paid until 2027-06-30 "
        "(10 days left)."
    )
    assert connection["severity"] == "high"


def test_per_court_thresholds():
    data = court(court_renewal_thresholds_days=[21, 7])
    result = renewals.check_court(data, {}, today=TODAY, options=OFF)
    assert result["findings"] == []  # 48 days left is beyond 21
    assert result["outputs"]["thresholds_days"] == [21, 7]
    assert "tidak ada yang perlu diperpanjang dalam 21 hari" in result["summary"]


def test_bad_contract_rows_are_findings_not_crashes():
    data = court()
    data["court_services"] += [
        {"kind": "domain", "provider": "PANDI", "paid_until": "31-12-2026"},
        {"kind": "colocation", "provider": "X", "paid_until": "2027-01-01"},
        "not a dict",
    ]
    result = renewals.check_court(data, {}, today=TODAY, options=OFF)
    invalid = [f for f in result["findings"] if f["rule"] == "contract-invalid"]
    assert [f["item"] for f in invalid] == ["court_services[2]", "court_services[3]", "court_services[4]"]
    assert "31-12-2026" in invalid[0]["message"]
    assert "colocation" in invalid[1]["message"]


def test_date_objects_from_yaml_are_accepted():
    data = court()
    data["court_services"][0]["paid_until"] = datetime.date(2026, 11, 30)
    result = renewals.check_court(data, {}, today=TODAY, options=OFF)
    assert _by_rule(result)["hosting-expiring"]["severity"] == "critical"


def test_state_file_is_shared_by_concurrent_courts(tmp_path):
    path = str(tmp_path / "state" / "renewals.json")
    barrier = threading.Barrier(8)

    def write(i):
        barrier.wait()
        renewals.save_court_state(path, f"court{i}", {"x": {"level": 30, "date": "2027-01-01"}})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = renewals.load_state(path)
    assert sorted(state) == [f"court{i}" for i in range(8)]
    renewals.save_court_state(path, "court3", {})
    with open(path, encoding="utf-8") as handle:
        assert "court3" not in json.load(handle)
    assert renewals.load_state(str(tmp_path / "missing.json")) == {}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """RDAP + TLS listeners for whole-court checks."""
    ca = TestCA(tmp_path_factory.mktemp("renewals-ca"))
    now = datetime.datetime.now(datetime.timezone.utc)
    good_cert = ca.issue(["pn-bangil.go.id", "www.pn-bangil.go.id"], 40, 90)
    short_cert = ca.issue(["sipp.pn-bangil.go.id"], 5, 90)
    with RDAPServer() as rdap, TLSServer(*good_cert[:2]) as good, TLSServer(*short_cert[:2]) as short:
        expires = (now + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rdap.domain("pn-bangil.go.id", rdap_domain("pn-bangil.go.id", expires=expires))
        rdap.domain(
            "pn-tais.go.id",
            rdap_domain("pn-tais.go.id", expires="2027-08-01T00:00:00Z", status=["client hold"]),
        )
        rdap.domain("pn-busy.go.id", {"errorCode": 429}, status=429, headers={"Retry-After": "60"})
        yield {"ca": ca, "rdap": rdap, "good": good, "short": short}


def _live_court(live, domain="pn-bangil.go.id"):
    good, short = live["good"].port, live["short"].port
    return court(
        court_domain=domain,
        court_hostnames=["pn-bangil.go.id", "www.pn-bangil.go.id", "sipp.pn-bangil.go.id"],
        court_probe_resolve=[
            f"pn-bangil.go.id:{good}:127.0.0.1",
            f"www.pn-bangil.go.id:{good}:127.0.0.1",
            f"sipp.pn-bangil.go.id:{short}:127.0.0.1",
        ],
    )


def _live_options(live, port):
    return {
        "rdap_overrides": {"id": live["rdap"].base},
        "tls_ca_file": live["ca"].ca_file,
        "tls_port": port,
        "timeout": 5,
    }


def test_whole_court_domain_and_tls(live):
    data = _live_court(live)
    # all names on one port in a real deployment; here each listener has its own port, so check
    # the apex and www on "good" and sipp on "short" in two calls sharing the state
    options = dict(_live_options(live, live["good"].port), check_contracts=False)
    data_good = dict(data, court_hostnames=["pn-bangil.go.id", "www.pn-bangil.go.id"])
    result = renewals.check_court(data_good, {}, court_id="pn-bangil", options=options)
    rules = _by_rule(result)
    domain = rules["domain-expiring"]
    assert domain["severity"] == "high" and domain["notify"] is True
    assert domain["evidence"]["registrar"] == "PT Registrar Domain Indonesia"
    assert domain["contact"]["name"] == "Pengelola Domain MA"
    assert "Perpanjang nama domain pn-bangil.go.id" in domain["action"]
    tls_items = [i for i in result["items"] if i["kind"] == "tls"]
    assert [(i["name"], i["status"]) for i in tls_items] == [
        ("pn-bangil.go.id", "ok"),
        ("www.pn-bangil.go.id", "ok"),
    ]
    assert not any(f["rule"].startswith("tls-") for f in result["findings"])
    assert result["status"] == "warning"

    data_short = dict(data, court_hostnames=["sipp.pn-bangil.go.id"])
    short = renewals.check_court(
        data_short,
        result["state"],
        court_id="pn-bangil",
        options=dict(_live_options(live, live["short"].port), check_contracts=False),
    )
    tls = _by_rule(short)["tls-expiring"]
    assert tls["severity"] == "critical" and tls["notify"] is True
    assert tls["evidence"]["lifetime_days"] == 90
    assert "sipp.pn-bangil.go.id" in tls["message"]
    assert short["status"] == "critical"
    # the domain threshold was notified by the first run and is not repeated
    assert _by_rule(short)["domain-expiring"]["notify"] is False

    sop = renewals.sop_result(short)
    assert sop["activity"] == "W4" and sop["status"] == "critical"
    assert {"rule", "severity", "message", "evidence"} <= set(sop["findings"][0])
    assert sop["findings"][0]["severity"] == "critical"
    assert isinstance(sop["outputs"]["items"], list)
    json.dumps(sop)


def test_domain_on_hold_is_critical_and_rearms_when_lifted(live):
    data = _live_court(live, domain="pn-tais.go.id")
    options = dict(_live_options(live, 443), check_tls=False, check_contracts=False)
    result = renewals.check_court(data, {}, today=TODAY, options=options)
    hold = _by_rule(result)["domain-on-hold"]
    assert hold["severity"] == "critical" and hold["notify"] is True
    assert "clientHold" in hold["message"] and "PANDI" in hold["action"]
    assert result["status"] == "critical"
    again = renewals.check_court(data, result["state"], today=TODAY, options=options)
    assert _by_rule(again)["domain-on-hold"]["notify"] is False
    # the hold is lifted: the problem is forgotten, so a later hold is announced again
    live["rdap"].domain("pn-tais.go.id", rdap_domain("pn-tais.go.id", expires="2027-08-01T00:00:00Z"))
    try:
        lifted = renewals.check_court(data, again["state"], today=TODAY, options=options)
    finally:
        live["rdap"].domain(
            "pn-tais.go.id",
            rdap_domain("pn-tais.go.id", expires="2027-08-01T00:00:00Z", status=["client hold"]),
        )
    assert "domain-on-hold" not in _by_rule(lifted)
    assert lifted["status"] == "ok"
    held = renewals.check_court(data, lifted["state"], today=TODAY, options=options)
    assert _by_rule(held)["domain-on-hold"]["notify"] is True


def test_rate_limited_lookup_keeps_state_and_continues(live):
    data = _live_court(live, domain="pn-busy.go.id")
    state = {"Pengadilan Negeri Bangil": {"domain:pn-busy.go.id": {"level": 30, "date": "2026-12-01"}}}
    result = renewals.check_court(
        data, state, today=TODAY, options=dict(_live_options(live, 443), check_tls=False)
    )
    limited = _by_rule(result)["domain-lookup-rate-limited"]
    assert limited["evidence"]["retry_after"] == 60
    assert "60 detik" in limited["message"]
    assert result["state"]["Pengadilan Negeri Bangil"]["domain:pn-busy.go.id"]["level"] == 30
    assert "hosting-expiring" in _by_rule(result)  # the contracts were still checked


def test_unreachable_tls_host_is_a_finding(live):
    data = court(court_hostnames=["pn-bangil.go.id"], court_probe_resolve=["pn-bangil.go.id:1:127.0.0.1"])
    result = renewals.check_court(
        data, {}, today=TODAY, options={"check_domain": False, "tls_port": 1, "timeout": 2}
    )
    finding = _by_rule(result)["tls-unreachable"]
    assert finding["severity"] == "medium" and finding["item"] == "tls:pn-bangil.go.id"
    assert result["status"] == "warning"


def test_bad_resolve_entry_is_named():
    data = court(court_probe_resolve=["pn-bangil.go.id:443"])
    with pytest.raises(ValueError, match="court_probe_resolve"):
        renewals.check_court(data, {}, options={"check_domain": False})
