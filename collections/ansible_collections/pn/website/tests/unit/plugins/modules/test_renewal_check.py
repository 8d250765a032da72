# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pn.website.renewal_check: the module door to the renewal engine, against loopback servers."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.pn.website.plugins.modules import renewal_check
from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import (
    RDAPServer,
    TestCA,
    TLSServer,
    rdap_domain,
)
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

SERVICES = [
    {
        "kind": "hosting",
        "provider": "PT Awan Nusantara",
        "service": "Shared hosting Bisnis",
        "paid_until": "2026-12-01",
        "invoice": "INV-77",
        "contact": {"name": "CS Awan", "email": "cs@awan.example"},
    },
    {"kind": "connection", "provider": "Telkom Indonesia", "service": "Astinet", "paid_until": "2027-09-01"},
]


def run(args, check_mode=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        renewal_check.main()
    return exc.value


def base_args(**extra):
    args = {
        "court_name": "Pengadilan Negeri Bangil",
        "court_id": "pn-bangil",
        "court_domain": "pn-bangil.go.id",
        "court_services": SERVICES,
        "checks": ["contracts"],
        "today": "2026-11-23",
    }
    args.update(extra)
    return args


def test_contracts_and_sop_result():
    outcome = run(base_args())
    assert isinstance(outcome, AnsibleExitJson)
    res = outcome.result
    assert res["changed"] is False
    assert res["status"] == "warning"  # hosting: 8 days left -> high
    assert [f["rule"] for f in res["findings"]] == ["hosting-expiring"]
    assert res["findings"][0]["notify"] is True
    assert "CS Awan" in res["findings"][0]["action"]
    sop = res["sop_result"]
    assert sop["activity"] == "W4" and sop["status"] == "warning"
    assert sop["findings"][0]["rule"] == "hosting-expiring"
    assert sop["summary"].startswith("2 layanan diperiksa; 1 perlu tindakan")
    assert res["state"]["pn-bangil"]["hosting:pt-awan-nusantara:shared-hosting-bisnis"]["label"] == "14"
    assert res["state_written"] is False


def test_a_renewal_recorded_by_people_moves_the_paid_until_date():
    item = "hosting:pt-awan-nusantara:shared-hosting-bisnis"
    steps = [
        {"stage": "invoice", "date": "2026-11-01", "who": "Budi"},
        {"stage": "requested", "date": "2026-11-02", "who": "Budi"},
        {"stage": "paid", "date": "2026-11-05", "who": "Bendahara", "amount": 4800000},
        {"stage": "renewed", "date": "2026-11-06", "who": "Budi", "paid_until": "2027-12-01"},
    ]
    res = run(base_args(workflow={item: steps})).result
    assert res["status"] == "ok" and res["findings"] == []
    hosting = next(i for i in res["items"] if i["id"] == item)
    assert (hosting["date"], hosting["paid_until_source"]) == ("2027-12-01", "workflow")
    assert hosting["workflow"]["stage"] == "renewed"


def test_state_file_written_once_and_not_in_check_mode(tmp_path):
    path = tmp_path / "state" / "renewals.json"
    dry = run(base_args(state_file=str(path)), check_mode=True).result
    assert dry["state_written"] is False and not path.exists()
    assert dry["notifications"]

    first = run(base_args(state_file=str(path))).result
    assert first["state_written"] is True and len(first["notifications"]) == 1
    assert json.loads(path.read_text())["pn-bangil"]
    second = run(base_args(state_file=str(path))).result
    assert second["notifications"] == []
    assert second["findings"][0]["notify"] is False
    # one day later the 7-day threshold is reached: notified once more
    third = run(base_args(state_file=str(path), today="2026-11-24")).result
    assert [f["evidence"]["threshold_days"] for f in third["notifications"]] == ["7"]


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"today": "23/11/2026"}, "today"),
        ({"court_renewal_thresholds_days": [30, 0]}, "court_renewal_thresholds_days"),
        ({"checks": ["tls"], "court_probe_resolve": ["pn-bangil.go.id:443"]}, "court_probe_resolve"),
    ],
)
def test_bad_input_fails_with_a_named_error(extra, words):
    outcome = run(base_args(**extra))
    assert isinstance(outcome, AnsibleFailJson)
    assert words in outcome.result["msg"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    directory = tmp_path_factory.mktemp("module-ca")
    ca = TestCA(directory)
    cert, key, _unused = ca.issue(["pn-bangil.go.id", "www.pn-bangil.go.id"], 3, 90)
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=45)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    with RDAPServer() as rdap, TLSServer(cert, key) as tls:
        rdap.domain("pn-bangil.go.id", rdap_domain("pn-bangil.go.id", expires=expires))
        bootstrap = directory / "dns.json"
        bootstrap.write_text(json.dumps({"version": "1.0", "services": [[["id"], [rdap.base]]]}))
        yield {"ca": ca, "rdap": rdap, "tls": tls, "bootstrap": str(bootstrap)}


def test_domain_and_tls_through_the_module(live):
    port = live["tls"].port
    outcome = run(
        {
            "court_name": "Pengadilan Negeri Bangil",
            "court_domain": "pn-bangil.go.id",
            "court_hostnames": ["pn-bangil.go.id", "www.pn-bangil.go.id"],
            "court_probe_resolve": [
                f"pn-bangil.go.id:{port}:127.0.0.1",
                f"www.pn-bangil.go.id:{port}:127.0.0.1",
            ],
            "rdap_bootstrap_file": live["bootstrap"],
            "iana_whois": "",
            "tls_port": port,
            "tls_ca_file": live["ca"].ca_file,
            "timeout": 5,
            "lang": "en",
        }
    )
    assert isinstance(outcome, AnsibleExitJson), outcome.result
    res = outcome.result
    rules = sorted((f["rule"], f["severity"], f["item"]) for f in res["findings"])
    assert rules == [
        ("domain-expiring", "low", "domain:pn-bangil.go.id"),
        ("tls-expiring", "critical", "tls:pn-bangil.go.id"),
        ("tls-expiring", "critical", "tls:www.pn-bangil.go.id"),
    ]
    domain = next(f for f in res["findings"] if f["rule"] == "domain-expiring")
    assert domain["evidence"]["threshold_days"] == "60"
    tls = next(f for f in res["findings"] if f["item"] == "tls:pn-bangil.go.id")
    assert tls["message"].startswith("The TLS certificate of pn-bangil.go.id expires on")
    assert res["status"] == "critical"
    assert any(path.startswith("/rdap/domain/pn-bangil.go.id") for path in live["rdap"].requests)
    tls_items = [i for i in res["items"] if i["kind"] == "tls"]
    assert [i["status"] for i in tls_items] == ["critical", "critical"]
