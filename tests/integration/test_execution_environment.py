"""The daily cycle as AWX runs it: ansible-runner starts ansible-playbook inside the execution environment
built from execution-environment.yml (process isolation with podman, the job's private data folder at
/runner), the playbooks reach the court containers over SSH, and the pn.website.sop_history callback of
the image records every court's SOP result on the PostgreSQL server. `sopansible report` on the
controller then renders those courts from there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_runner
import pytest

from sopansible.store import HistoryStore
from tests import fleet as fleet_lib

pytestmark = [pytest.mark.fleet, pytest.mark.ee]

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "images" / "ee" / "build.sh"


@pytest.fixture(scope="module")
def ee_image() -> str:
    """The EE of the current recipe (built first when missing, as `make ee` does)."""
    done = subprocess.run(
        [str(BUILD)], capture_output=True, text=True, env=fleet_lib.podman_env(), check=False
    )
    if done.returncode != 0:
        pytest.fail(f"images/ee/build.sh failed:\n{done.stderr[-4000:]}")
    image = done.stdout.strip().splitlines()[-1]
    tag = subprocess.check_output([str(BUILD), "--tag"], text=True).strip()
    assert image == f"localhost/pn-website-ee:{tag}"
    return image


def awx_job(private: Path, fleet, ee_image: str, environment: dict) -> ansible_runner.Runner:
    """One job of the `pn harian` template: the project checkout in <private>/project, the inventory in
    <private>/inventory, the collections of the EE (AWX points ANSIBLE_COLLECTIONS_PATH at them over the
    project's ansible.cfg), the job's environment from its credentials."""
    project = private / "project"
    shutil.copytree(ROOT / "playbooks", project / "playbooks")
    shutil.copy2(ROOT / "ansible.cfg", project / "ansible.cfg")
    (private / "inventory").mkdir()
    shutil.copy2(fleet.inventory, private / "inventory" / "hosts.yml")
    return ansible_runner.run(
        private_data_dir=str(private),
        playbook="playbooks/harian.yml",
        process_isolation=True,
        process_isolation_executable="podman",
        container_image=ee_image,
        # The courts publish SSH and HTTPS on loopback addresses of this host; their keys, known_hosts
        # and the fleet's CA lie in the fleet folder, at the paths the inventory names.
        container_options=["--network=host", "--user=root"],
        container_volume_mounts=[f"{fleet.directory}:{fleet.directory}:ro"],
        envvars={
            "ANSIBLE_COLLECTIONS_PATH": "/usr/share/ansible/collections",
            "SOPANSIBLE_DATA": "/runner/sopansible",
            "SOPANSIBLE_HISTORY_NOTIFY": "false",
            **environment,
        },
        quiet=True,
        timeout=1800,
    )


def test_harian_in_the_execution_environment_is_recorded_in_postgresql_and_reported(
    fleet, pg_server, pg_url, ee_image, tmp_path
):
    private = tmp_path / "job"
    job = awx_job(private, fleet, ee_image, {"SOPANSIBLE_DB": pg_url})
    output = job.stdout.read()
    assert job.status == "successful" and job.rc == 0, output[-6000:]
    # ansible-playbook ran in the image (this host's collections are not where the job looks)
    command = json.loads((Path(job.config.artifact_dir) / "command").read_text())["command"]
    assert command[:2] == ["podman", "run"] and ee_image in command
    courts = {court.name for court in fleet.courts}
    assert "SOP results recorded" in output and "postgresql://" in output
    assert pg_server.password not in output  # the job output names the database without its password

    with HistoryStore(pg_url) as history:
        (run,) = history.runs(limit=None)
        latest = history.latest_all()
        known = history.courts()
    assert run["name"] == "harian" and set(run["courts"]) == courts
    for court in fleet.courts:
        results = latest[court.name]
        assert {"W1", "W2", "W3"} <= set(results), court.name
        assert results["W1"]["status"] == "ok", results["W1"]
        assert results["W1"]["outputs"]["status"] == 200
        assert results["W2"]["status"] == "ok", results["W2"]
        assert results["W2"]["outputs"]["snapshot_id"]
        assert results["W3"]["status"] in ("ok", "warning"), results["W3"]
        assert known[court.name]["court_domain"] == court.domain

    # The reports, on the controller, from the same PostgreSQL history.
    reports = tmp_path / "reports"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sopansible"), "report", "--db", pg_url, "--out", str(reports)]
        + ["--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)
    assert set(written["courts"]) == courts
    index = Path(written["index"]).read_text(encoding="utf-8")
    for court in fleet.courts:
        assert court.name in index
        report = json.loads((reports / court.name / "laporan.json").read_text(encoding="utf-8"))
        html = (reports / court.name / "laporan.html").read_text(encoding="utf-8")
        assert report["court"]["id"] == court.name and court.domain in html
        # the period's recap counts the cycle's result of each activity, as recorded from the EE
        recap = {row["id"]: row for row in report["recap"]}
        assert recap["W1"]["ok"] == 1 and recap["W2"]["ok"] == 1, recap
        assert recap["W3"]["ok"] + recap["W3"]["warning"] == 1, recap
