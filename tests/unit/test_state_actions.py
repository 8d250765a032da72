"""The site_probe and renewal_check action plugins keep W1's and W4's state in the history store: a real
ansible-playbook with the repository's ansible.cfg, a court website on loopback, one fresh data folder
per job and one shared history. The state stays out of the task results (AWX keeps those as job
events); a store that cannot be reached, check mode and a controller without sopansible each keep
what is kept."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sopansible.store import HistoryStore
from tests.unit.test_watch import CourtSite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site():
    served = CourtSite()
    yield served
    served.stop()


def playbook(port: int) -> list:
    paid_until = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    return [
        {
            "name": "W1 and W4 from the controller",
            "hosts": "courts",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "W4",
                    "pn.website.renewal_check": {
                        "court_id": "{{ inventory_hostname }}",
                        "court_name": "{{ court_name }}",
                        "court_services": [
                            {
                                "kind": "hosting",
                                "provider": "PT Awan",
                                "service": "VPS",
                                "paid_until": paid_until,
                            }
                        ],
                        "checks": ["contracts"],
                        "state_file": "{{ lookup('env', 'SOPANSIBLE_DATA') }}/state/renewals.json",
                        "state_store": True,
                    },
                    "delegate_to": "localhost",
                    "register": "w4",
                },
                {
                    "name": "W1",
                    "pn.website.site_probe": {
                        "sites": [{"name": "{{ inventory_hostname }}", "url": f"http://127.0.0.1:{port}/"}],
                        "state_dir": "{{ lookup('env', 'SOPANSIBLE_DATA') }}/state/monitor",
                        "state_store": True,
                        "cloaking": False,
                    },
                    "delegate_to": "localhost",
                    "register": "w1",
                },
                {
                    "name": "Keep what the tasks returned",
                    "ansible.builtin.copy": {
                        "content": "{{ {'w1': w1, 'w4': w4} | to_json }}",
                        "dest": "{{ lookup('env', 'SOPANSIBLE_DATA') }}/results.json",
                        "mode": "0600",
                    },
                    "delegate_to": "localhost",
                    "check_mode": False,
                },
            ],
        }
    ]


def job(tmp_path: Path, name: str, port: int, db: str, *args: str, **env_extra: str) -> dict:
    """One job in the data folder NAME (a fresh one unless it exists); what its tasks returned."""
    data = tmp_path / name
    data.mkdir(exist_ok=True)
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook(port)))
    inventory = {
        "all": {"children": {"courts": {"hosts": {"pn-tais": {"court_name": "Pengadilan Negeri Tais"}}}}}
    }
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPANSIBLE_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        SOPANSIBLE_DATA=str(data),
        SOPANSIBLE_DB=db,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        **env_extra,
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "hosts.yml", "play.yml", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads((data / "results.json").read_text()), output=done.stdout + done.stderr, data=data)


def test_the_state_is_kept_in_the_store_and_not_in_the_results(tmp_path, site):
    db = str(tmp_path / "history.sqlite")
    first = job(tmp_path, "job1", site.port, db)
    assert [n["item"] for n in first["w4"]["notifications"]] == ["hosting:pt-awan:vps"]
    assert first["w4"]["state_written"] is True
    assert first["w1"]["probes"]["pn-tais"]["baseline"]["first_run"] is True
    for task in ("w1", "w4"):
        assert "invocation" not in first[task] and "warnings" not in first[task]
    assert "states" not in first["w1"] and "state" not in first["w1"]["probes"]["pn-tais"]
    assert not (first["data"] / "state").exists()
    with HistoryStore(db) as history:
        kept = {kind: history.state(kind) for kind in ("monitor", "renewals")}
    assert "outbound_domains" in kept["monitor"]["pn-tais"]
    assert kept["renewals"]["pn-tais"]["hosting:pt-awan:vps"]["label"]

    second = job(tmp_path, "job2", site.port, db)
    assert second["w4"]["notifications"] == []  # announced by job 1
    assert second["w1"]["probes"]["pn-tais"]["baseline"]["first_run"] is False


def test_check_mode_reads_the_state_and_keeps_it_as_it_is(tmp_path, site):
    db = str(tmp_path / "history.sqlite")
    checked = job(tmp_path, "job1", site.port, db, "--check")
    assert checked["w4"]["notifications"]
    with HistoryStore(db) as history:
        assert history.state("monitor") == {} and history.state("renewals") == {}
    assert job(tmp_path, "job2", site.port, db)["w4"]["notifications"]  # still to announce


def test_a_store_that_cannot_be_read_is_a_warning_and_the_checks_go_on(tmp_path, site):
    db = str(tmp_path / "history.sqlite")
    job(tmp_path, "job1", site.port, db)
    with HistoryStore(db) as history:
        before = {kind: history.state(kind) for kind in ("monitor", "renewals")}
    broken = job(tmp_path, "job2", site.port, "postgresql://sopansible@127.0.0.1:1/none?connect_timeout=2")
    assert broken["w1"]["sop_results"]["pn-tais"]["status"] == "ok"  # probed all the same
    assert any("could not be read from the history store" in text for text in broken["w1"]["warnings"])
    assert any("could not be read from the history store" in text for text in broken["w4"]["warnings"])
    assert not (broken["data"] / "state").exists()  # no second, split copy of the state
    with HistoryStore(db) as history:
        assert {kind: history.state(kind) for kind in ("monitor", "renewals")} == before


def test_an_earlier_versions_files_are_taken_over_once(tmp_path, site):
    db = str(tmp_path / "history.sqlite")
    # an earlier version's job: no store, the state in the data folder's files
    without = tmp_path / "no-sopansible" / "sopansible"
    without.mkdir(parents=True)
    (without / "__init__.py").write_text("raise ImportError('No module named sopansible')\n")
    old = job(tmp_path, "job1", site.port, db, PYTHONPATH=str(without.parent))
    assert any("sopansible is not installed" in text for text in old["w4"]["warnings"])
    assert (old["data"] / "state" / "renewals.json").is_file()
    assert (old["data"] / "state" / "monitor" / "pn-tais.json").is_file()
    assert not Path(db).exists()
    # the upgrade: the same controller and data folder, now with the store
    upgraded = job(tmp_path, "job1", site.port, db)
    assert upgraded["w4"]["notifications"] == []  # the earlier version announced it
    assert upgraded["w1"]["probes"]["pn-tais"]["baseline"]["first_run"] is False
    assert "warnings" not in upgraded["w1"] and "warnings" not in upgraded["w4"]
    with HistoryStore(db) as history:
        assert set(history.state("renewals")) == {"pn-tais"} and set(history.state("monitor")) == {"pn-tais"}
