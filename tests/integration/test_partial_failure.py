"""A fleet run where some courts are unreachable, have a broken sudo or hang: every other court
completes, the failures are recorded and listed with their reason, and `--retry` reruns only them."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from sopansible import runner
from sopansible.cli import main
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

SUDOERS = "/etc/sudoers.d/sopadmin"  # images/court/setup-rootfs.sh


@pytest.fixture(scope="module")
def pf_fleet():
    name = f"pf{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=4, timeout=420)
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    yield running
    for court in running.courts:
        fleet_lib.podman("unpause", court.container, check=False)
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def set_address(fleet, court: str, address: str) -> None:
    data = yaml.safe_load(fleet.inventory.read_text())
    data["all"]["children"]["courts"]["children"]["court_servers"]["hosts"][court]["ansible_host"] = address
    fleet.inventory.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_failing_courts_do_not_stop_the_others_and_retry_runs_only_them(
    pf_fleet, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    healthy, gone, no_sudo, frozen = (court.name for court in pf_fleet.courts)
    real_address = pf_fleet.court(gone).address
    # gone: nothing listens at its address any more (server switched off)
    set_address(pf_fleet, gone, real_address.rsplit(".", 1)[0] + ".250")
    # no_sudo: the operator's sudo rule was removed
    pf_fleet.exec(no_sudo, f"mv {SUDOERS} /root/sopadmin.sudoers")
    # frozen: the server accepts TCP connections but nothing answers (a hung machine)
    fleet_lib.podman("pause", pf_fleet.court(frozen).container)

    inventory = str(pf_fleet.inventory)
    code = main(["--lang", "en", "run", "W3", "-i", inventory, "--timeout", "8"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == runner.EXIT_CODES["unreachable"]

    store = HistoryStore(tmp_path / "data" / "history.sqlite")
    (first,) = store.runs()
    results = {r["court"]: r for r in store.run(first["run_id"])["results"]}
    assert results[healthy]["status"] in ("ok", "warning", "critical")  # W3 completed there
    assert results[healthy]["activity"] == "W3"
    assert results[gone]["status"] == "unreachable"
    assert "refused" in results[gone]["error"].lower()
    assert results[no_sudo]["status"] == "failed"
    assert "password is required" in results[no_sudo]["error"] or "sudo" in results[no_sudo]["error"].lower()
    assert results[frozen]["status"] == "unreachable"
    assert "timed out" in results[frozen]["error"].lower()

    # listed with the reason at the end of the run, with the way to redo only them
    assert "Failed or unreachable courts" in err
    for court in (gone, no_sudo, frozen):
        assert court in err
    assert f"sopansible run W3 -i {inventory} --retry" in err
    retry_file = runner.retry_path("W3")
    assert sorted(retry_file.read_text().split()) == sorted([gone, no_sudo, frozen])
    # and in each court's report
    report = json.loads((tmp_path / "data" / "reports" / no_sudo / "laporan.json").read_text())
    assert results[no_sudo]["error"][:40] in json.dumps(report, ensure_ascii=False)

    # two of the three are repaired; a retry runs those three courts only
    set_address(pf_fleet, gone, real_address)
    pf_fleet.exec(no_sudo, f"mv /root/sopadmin.sudoers {SUDOERS}")
    code = main(["--lang", "en", "run", "W3", "-i", inventory, "--retry", "--timeout", "8", "--no-report"])
    capsys.readouterr()
    assert code == runner.EXIT_CODES["unreachable"]  # the frozen court still is
    second = next(run for run in store.runs() if run["run_id"] != first["run_id"])
    retried = {r["court"]: r for r in store.run(second["run_id"])["results"]}
    assert set(retried) == {gone, no_sudo, frozen}
    assert retried[gone]["status"] != "unreachable" and retried[no_sudo]["status"] != "failed"
    assert retried[frozen]["status"] == "unreachable"
    assert retry_file.read_text().split() == [frozen]

    # the last one comes back: the retry empties the list
    fleet_lib.podman("unpause", pf_fleet.court(frozen).container)
    code = main(["run", "W3", "-i", inventory, "--retry", "--timeout", "8", "--no-report"])
    capsys.readouterr()
    assert code in (0, 1, 2)
    assert not retry_file.exists()
    assert main(["--lang", "en", "run", "W3", "-i", inventory, "--retry"]) == 0
    assert "nothing to retry" in capsys.readouterr().err
