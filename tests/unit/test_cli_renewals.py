"""`sopansible renewals` end to end: a real inventory read by ansible-inventory, loopback RDAP and TLS."""

from __future__ import annotations

import datetime
import json
import textwrap

import pytest

from ansible_collections.pn.website.tests.unit.plugins.module_utils.renewal_servers import (
    RDAPServer,
    TestCA,
    TLSServer,
    rdap_domain,
)
from sopansible import cli
from sopansible.store import HistoryStore


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Two courts in an inventory with group_vars, pointing at loopback RDAP and TLS servers."""
    root = tmp_path_factory.mktemp("renewals-fleet")
    ca = TestCA(root)
    cert, key, _ = ca.issue(["pn-bangil.go.id", "www.pn-bangil.go.id"], 40, 90)
    now = datetime.datetime.now(datetime.UTC)
    with RDAPServer() as rdap, TLSServer(cert, key) as tls:
        soon = (now + datetime.timedelta(days=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rdap.domain("pn-bangil.go.id", rdap_domain("pn-bangil.go.id", expires=soon))
        rdap.domain(
            "pn-tais.go.id",
            rdap_domain("pn-tais.go.id", expires="2027-09-01T00:00:00Z", status=["server hold"]),
        )
        inv = root / "inventory"
        (inv / "group_vars").mkdir(parents=True)
        (inv / "hosts.yml").write_text(
            textwrap.dedent(
                """\
                all:
                  children:
                    courts:
                      children:
                        shared_hosting:
                          hosts:
                            pn-bangil:
                            pn-tais:
                """
            )
        )
        (inv / "group_vars" / "courts.yml").write_text(
            textwrap.dedent(
                f"""\
                pn_renewal_rdap_base_urls: {{id: "{rdap.base}"}}
                pn_renewal_tls_port: {tls.port}
                court_renewal_thresholds_days: [60, 30, 7]
                """
            )
        )
        (inv / "host_vars").mkdir()
        (inv / "host_vars" / "pn-bangil.yml").write_text(
            textwrap.dedent(
                f"""\
                court_name: Pengadilan Negeri Bangil
                court_domain: pn-bangil.go.id
                court_hostnames: [pn-bangil.go.id, www.pn-bangil.go.id]
                court_probe_resolve:
                  - "pn-bangil.go.id:{tls.port}:127.0.0.1"
                  - "www.pn-bangil.go.id:{tls.port}:127.0.0.1"
                court_services:
                  - kind: connection
                    provider: ISP Daerah
                    service: Internet dedicated 50 Mbps
                    paid_until: 2030-01-31
                    contact: {{name: NOC ISP Daerah, email: noc@example.net.id}}
                court_contacts:
                  third_parties:
                    - {{role: domain_manager, name: Pengelola Nama Domain, email: domain@example.go.id}}
                """
            )
        )
        (inv / "host_vars" / "pn-tais.yml").write_text(
            textwrap.dedent(
                f"""\
                court_name: Pengadilan Negeri Tais
                court_domain: pn-tais.go.id
                court_hostnames: [pn-tais.go.id]
                court_probe_resolve: ["pn-tais.go.id:{tls.port}:127.0.0.1"]
                """
            )
        )
        bootstrap = root / "dns.json"
        bootstrap.write_text(json.dumps({"version": "1.0", "services": [[["id"], [rdap.base]]]}))
        yield {"inv": str(inv), "ca": ca.ca_file, "rdap": rdap, "bootstrap": str(bootstrap)}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "data"


def _run(fleet, *extra, lang=None):
    argv = ([] if lang is None else ["--lang", lang]) + [
        "renewals",
        "-i",
        fleet["inv"],
        "--ca-file",
        fleet["ca"],
        "--bootstrap-file",
        fleet["bootstrap"],
        "--timeout",
        "5",
    ]
    return cli.main(argv + list(extra))


def test_json_run_uses_group_vars_and_notifies_once(fleet, data_dir, capsys):
    code = _run(fleet, "--json")
    out = json.loads(capsys.readouterr().out)
    assert code == 2  # pn-tais is on hold
    assert out["activity"] == "W4"
    courts = {c["host"]: c for c in out["courts"]}
    assert set(courts) == {"pn-bangil", "pn-tais"}

    bangil = courts["pn-bangil"]
    assert bangil["status"] == "warning"
    domain = next(f for f in bangil["findings"] if f["rule"] == "domain-expiring")
    # thresholds from group_vars: 25 days left -> the 30-day threshold (not the default 60/90 buckets)
    assert domain["evidence"]["threshold_days"] == "30"
    assert domain["contact"]["name"] == "Pengelola Nama Domain"
    assert domain["notify"] is True
    tls_items = [i for i in bangil["items"] if i["kind"] == "tls"]
    assert [i["status"] for i in tls_items] == ["ok", "ok"]  # 40 days left of 90 is fine
    assert any(i["kind"] == "connection" and i["days_left"] > 1000 for i in bangil["items"])

    tais = courts["pn-tais"]
    assert tais["status"] == "critical"
    rules = {f["rule"] for f in tais["findings"]}
    assert {"domain-on-hold", "tls-hostname-mismatch"} <= rules
    assert "/rdap/domain/pn-tais.go.id" in fleet["rdap"].requests

    with HistoryStore(data_dir / "history.sqlite") as history:
        state = history.state("renewals")
    assert state["pn-bangil"]["domain:pn-bangil.go.id"]["label"] == "30"
    assert out["state"] == str(data_dir / "history.sqlite") and out["state_file"] is None
    assert not (data_dir / "state" / "renewals.json").exists()

    again = _run(fleet, "--json")
    second = json.loads(capsys.readouterr().out)
    assert again == 2
    assert all(c["notifications"] == [] for c in second["courts"])


def test_an_earlier_state_file_is_taken_over_and_a_state_file_named_is_used(
    fleet, data_dir, tmp_path, capsys
):
    assert _run(fleet, "--json", "--limit", "pn-bangil") == 1
    first = json.loads(capsys.readouterr().out)
    assert first["courts"][0]["notifications"]
    with HistoryStore(data_dir / "history.sqlite") as history:
        announced = history.state("renewals")
    # an upgrade: the thresholds an earlier version announced are in its file, not in a new history
    (data_dir / "history.sqlite").unlink()
    (data_dir / "state").mkdir()
    (data_dir / "state" / "renewals.json").write_text(json.dumps(announced))
    assert _run(fleet, "--json", "--limit", "pn-bangil") == 1
    assert json.loads(capsys.readouterr().out)["courts"][0]["notifications"] == []
    # --state-file: that file, not the history
    own = tmp_path / "own.json"
    assert _run(fleet, "--json", "--limit", "pn-bangil", "--state-file", str(own)) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["courts"][0]["notifications"] and out["state_file"] == str(own)
    assert json.loads(own.read_text())["pn-bangil"]["domain:pn-bangil.go.id"]["label"] == "30"


def test_limit_and_no_state_update(fleet, data_dir, capsys):
    code = _run(fleet, "--json", "--limit", "courts:!pn-tais", "--no-state-update")
    out = json.loads(capsys.readouterr().out)
    assert [c["host"] for c in out["courts"]] == ["pn-bangil"]
    assert code == 1
    assert out["state_file"] is None and out["state"] is None
    with HistoryStore(data_dir / "history.sqlite") as history:
        assert history.state("renewals") == {}


def test_human_output_in_english(fleet, data_dir, capsys):
    code = _run(fleet, "--limit", "pn-bangil", "--only", "domain", lang="en")
    out = capsys.readouterr().out
    assert code == 1
    assert "Renewal of connection, hosting and domain-name services (SOP W4)" in out
    assert "Renew the domain name pn-bangil.go.id" in out
    assert "Pengelola Nama Domain" in out
    assert "NEW" in out
    assert "TLS:" not in out  # --only domain


def test_errors_are_clear(fleet, data_dir, tmp_path, capsys):
    assert _run(fleet, "--limit", "pn-nowhere") == 4
    assert "pn-nowhere" in capsys.readouterr().err
    assert _run(fleet, "--today", "31/12/2026") == 4
    assert "31/12/2026" in capsys.readouterr().err
    assert _run(fleet, "--rdap-base", "no-equals-sign") == 4
    assert "--rdap-base" in capsys.readouterr().err
    code = cli.main(["renewals", "-i", str(tmp_path / "broken.yml")])
    err = capsys.readouterr().err
    assert code == 4
    assert "Inventaris tidak dapat dibaca" in err or "Tidak ada pengadilan" in err
