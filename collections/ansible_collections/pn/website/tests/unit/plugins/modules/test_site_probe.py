# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pn.website.site_probe with patched module arguments against real servers on loopback."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pn.website.plugins.modules import site_probe
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import ProbeFleet
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    servers = ProbeFleet(str(tmp_path_factory.mktemp("probe-module"))).start()
    yield servers
    servers.stop()


def run(args):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        site_probe.main()
    return exc.value.result


def sites(fleet, *labels):
    return [fleet.site(label) for label in labels]


def test_probe_with_state_dir(fleet, tmp_path):
    state_dir = str(tmp_path / "state")
    args = {
        "sites": sites(fleet, "good", "defaced", "dead"),
        "state_dir": state_dir,
        "ca_file": fleet.ca_file,
    }
    result = run(args)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert set(result["probes"]) == {"good", "defaced", "dead"}
    assert "state" not in result["probes"]["good"]
    assert result["sop_results"]["good"]["status"] == "ok"
    assert result["sop_results"]["good"]["activity"] == "W1"
    assert result["sop_results"]["defaced"]["status"] == "critical"
    assert result["sop_results"]["dead"]["outputs"]["reason"] == "connect"
    assert result["summary"]["sites"] == 3 and result["summary"]["reachable"] == 2
    with open(os.path.join(state_dir, "good.json")) as handle:
        state = json.load(handle)
    assert state["outbound_domains"] == ["mahkamahagung.go.id"]
    # the second run reads the stored state
    again = run(args)
    with open(os.path.join(state_dir, "good.json")) as handle:
        assert len(json.load(handle)["history"]) == 2
    assert again["probes"]["good"]["baseline"]["first_run"] is False


def test_check_mode_writes_nothing(fleet, tmp_path):
    state_dir = tmp_path / "state"
    args = {
        "sites": sites(fleet, "stale"),
        "state_dir": str(state_dir),
        "ca_file": fleet.ca_file,
        "_ansible_check_mode": True,
        "lang": "en",
    }
    result = run(args)
    assert result["changed"] is False
    assert not state_dir.exists()
    finding = result["sop_results"]["stale"]["findings"][0]
    assert finding["rule"] == "content-stale" and finding["message"].startswith("No new content")


def test_details_false_returns_sop_results_only(fleet):
    result = run({"sites": sites(fleet, "good"), "ca_file": fleet.ca_file, "details": False})
    assert "probes" not in result
    assert result["sop_results"]["good"]["outputs"]["tls_valid"] is True


def test_duplicate_names_fail(fleet):
    result = run({"sites": sites(fleet, "good", "good")})
    assert result["failed"] and "duplicate site names: good" in result["msg"]


def test_missing_url_fails():
    result = run({"sites": [{"name": "x"}]})
    assert result["failed"] and "url" in result["msg"]


def test_bad_timeout_fails(fleet):
    result = run({"sites": sites(fleet, "good"), "total_timeout": 0})
    assert result["failed"] and "total_timeout" in result["msg"]


def test_bad_resolve_is_a_site_result(fleet):
    site = dict(fleet.site("good"), resolve=["bad-entry"])
    result = run({"sites": [site]})
    assert not result.get("failed")
    assert result["probes"]["good"]["reason"] == "config"
    assert result["sop_results"]["good"]["status"] == "critical"
