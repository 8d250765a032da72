"""`sopansible audit` without the court containers: the real sop_audit.yml through the pipeline, against a
court server that does not answer (a closed port on loopback). Audits on real servers: tests/integration/
test_hardening.py."""

from __future__ import annotations

import json
import socket

import pytest

from sopansible import cli, runner
from sopansible.store import HistoryStore


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text(
        "all:\n  children:\n    courts:\n      children:\n        court_servers:\n          hosts:\n"
        "            pn-mati:\n"
        "              ansible_host: 127.0.0.1\n"
        f"              ansible_port: {closed_port()}\n"
        "              ansible_user: operator\n"
        "              court_name: Pengadilan Negeri Mati\n"
        "              court_type: PN\n"
        "              court_domain: pn-mati.go.id\n"
        "              court_url: https://pn-mati.go.id/\n"
    )
    return path


def test_audit_records_its_results_in_the_history(data_dir, inventory, capsys):
    code = cli.main(["--lang", "en", "audit", "-i", str(inventory), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3  # the court server was unreachable
    (row,) = out["courts"]
    assert row["court"] == "pn-mati" and row["status"] == "unreachable"
    with HistoryStore(data_dir / "history.sqlite") as history:
        run = history.run(out["run_id"])
        assert run["name"] == "audit" and run["status"] == "unreachable"
        assert [(r["court"], r["activity"], r["status"]) for r in run["results"]] == [
            ("pn-mati", "IT-AUDIT", "unreachable")
        ]
        assert history.courts()["pn-mati"]["court_name"] == "Pengadilan Negeri Mati"
    assert runner.read_retry("audit") == ["pn-mati"]


def test_unknown_area_is_refused_before_anything_runs(data_dir, inventory, capsys):
    code = cli.main(["--lang", "en", "audit", "-i", str(inventory), "--areas", "ssh,kitchen"])
    assert code == 4
    assert "Unknown area: kitchen" in capsys.readouterr().err
    assert not data_dir.exists()


def test_missing_inventory_is_a_clear_error(data_dir, tmp_path, capsys):
    code = cli.main(["audit", "-i", str(tmp_path / "nowhere.yml")])
    assert code == 4
    assert "inventory not found" in capsys.readouterr().err
