"""The retry file of `sopansible run`: which courts are left to redo after a run."""

from __future__ import annotations

import pytest

from sopansible import runner
from sopansible.cli import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_failed_courts_in_order_without_duplicates_or_the_run_itself():
    results = [
        {"court": "pn-b", "status": "unreachable"},
        {"court": "pn-a", "status": "ok"},
        {"court": "pn-c", "status": "failed"},
        {"court": "pn-b", "status": "failed"},
        {"court": "pn-d", "status": "critical"},
        {"court": "*", "status": "failed"},
    ]
    assert runner.failed_courts(results) == ["pn-b", "pn-c"]


def test_retry_file_keeps_what_is_still_to_redo(data_dir):
    path = runner.update_retry("harian", ["pn-a", "pn-b", "pn-c"], ["pn-b", "pn-c"])
    assert path == data_dir / "retry" / "harian.retry"
    assert path.read_text() == "pn-b\npn-c\n"
    # a retry of pn-b only: pn-b recovered, pn-c was not attempted and stays
    assert runner.update_retry("harian", ["pn-b"], []) == path
    assert runner.read_retry("harian") == ["pn-c"]
    # another run: pn-c recovered, pn-a newly failed
    runner.update_retry("harian", ["pn-a", "pn-c"], ["pn-a"])
    assert runner.read_retry("harian") == ["pn-a"]
    assert runner.update_retry("harian", ["pn-a"], []) is None
    assert not path.exists()
    # one file per cycle or activity; a playbook path gives its stem
    assert runner.retry_path("W3").name == "w3.retry"
    assert runner.retry_path("/tmp/x/sop_probe.yml").name == "sop-probe.retry"


def test_retry_with_nothing_to_redo_runs_nothing(tmp_path, capsys):
    inventory = tmp_path / "missing.yml"  # never read: there is nothing to retry
    assert main(["--lang", "en", "run", "harian", "-i", str(inventory), "--retry"]) == 0
    assert "nothing to retry" in capsys.readouterr().err


def test_limit_and_retry_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["run", "harian", "-i", str(tmp_path), "--retry", "--limit", "pn-a"])
    assert "not allowed with" in capsys.readouterr().err
