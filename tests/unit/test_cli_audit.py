"""`sopansible audit` without the court containers: the real sop_audit.yml through the pipeline, against a
court server that does not answer (a closed port on loopback). Audits on real servers: tests/integration/
test_hardening.py."""

from __future__ import annotations

import json
import socket

import pytest
from rich.console import Console

from sopansible import cli, runner
from sopansible.commands import audit
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


def test_health_problems_are_shown_next_to_the_failed_controls():
    """A court whose controls all pass but whose server has a failed unit: the table names the problem (a
    warning with nothing in the failed-controls column would leave the reader guessing) and a table of its
    own gives the message."""
    result = {
        "court": "pn-uji",
        "activity": "IT-AUDIT",
        "status": "warning",
        "outputs": {
            "score": 100.0,
            "counts": {"pass": 2, "fail": 0, "skip": 0},
            "controls": [{"id": "ssh-root-login", "status": "pass"}, {"id": "php-expose", "status": "pass"}],
            "health": {"failed_units": ["logrotate.service"], "failed_units_count": 1},
        },
        "findings": [
            {
                "rule": "units-failed",
                "severity": "medium",
                "message": "System services failed: 1 systemd units failed: logrotate.service",
                "evidence": {"units": ["logrotate.service"], "count": 1},
            }
        ],
    }
    (row,) = audit.court_rows([result])
    assert row["failed"] == [] and [f["rule"] for f in row["health_findings"]] == ["units-failed"]
    assert row["health"]["failed_units"] == ["logrotate.service"]
    console = Console(width=200, record=True)
    console.print(audit._table([row], audit.TEXT["en"]))
    console.print(audit._health(row, audit.TEXT["en"]))
    shown = console.export_text()
    assert "100.0%" in shown and "units-failed" in shown.split("Server health")[0]
    assert "logrotate.service" in shown.split("Server health: pn-uji")[1]
