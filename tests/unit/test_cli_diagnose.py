"""`sopansible diagnose` / `sopansible remediate` end to end on courts on shared hosting (no SSH): the real
playbook through ansible-runner, the court sites served by loopback HTTP servers, the history store."""

from __future__ import annotations

import json
import socket
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sopansible import cli, store
from sopansible.commands import diagnose as diagnose_cmd

DEFACED = (
    "<html><head><title>Hacked by Zer0Cool</title></head><body><h1>Hacked by Zer0Cool</h1>"
    "<p>Situs ini telah diretas oleh Zer0Cool.</p></body></html>"
)


class Site(BaseHTTPRequestHandler):
    def do_GET(self):
        body = DEFACED.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def courts(tmp_path_factory):
    root = tmp_path_factory.mktemp("diagnose")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    up, down = httpd.server_address[1], free_port()
    inventory = root / "hosts.yml"
    inventory.write_text(
        textwrap.dedent(
            f"""\
            all:
              children:
                courts:
                  children:
                    shared_hosting:
                      hosts:
                        pn-manna:
                          court_name: Pengadilan Negeri Manna
                          court_type: PN
                          court_domain: pn-manna.go.id
                          court_url: http://pn-manna.go.id:{up}/
                          court_probe_resolve: ["pn-manna.go.id:{up}:127.0.0.1"]
                        pn-curup:
                          court_name: Pengadilan Negeri Curup
                          court_type: PN
                          court_domain: pn-curup.go.id
                          court_url: http://pn-curup.go.id:{down}/
                          court_probe_resolve: ["pn-curup.go.id:{down}:127.0.0.1"]
                          court_services:
                            - kind: connection
                              provider: ISP Daerah
                              service: Internet 50 Mbps
                              paid_until: "2027-01-31"
                              contact: {{name: NOC ISP Daerah, phone: "0736-21000"}}
                          court_contacts:
                            third_parties:
                              - {{role: hosting, name: Hosting Bengkulu, email: cs@hosting.example}}
            """
        )
    )
    data = root / "data"
    yield {"inventory": inventory, "data": data}
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def data_dir(courts, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(courts["data"]))
    return courts["data"]


def test_diagnose_names_the_problems_and_records_them(courts, data_dir, capsys):
    code = cli.main(["--lang", "en", "diagnose", "-i", str(courts["inventory"]), "--json", "--no-report"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2  # critical problems found
    manna, curup = out["courts"]["pn-manna"], out["courts"]["pn-curup"]
    assert manna["status"] == "critical"
    assert [p["id"] for p in manna["problems"]] == ["site-defaced"]
    defaced = manna["problems"][0]
    assert "hacked by" in defaced["explanation"]["en"]
    # No SSH to a shared-hosting court: nothing is automatic from here.
    assert defaced["auto"] is False and {s["fix"] for s in defaced["solutions"]} == {
        "operator",
        "third_party",
    }
    assert [p["id"] for p in curup["problems"]] == ["site-unreachable"]
    contacts = [s["contact"] for s in curup["problems"][0]["solutions"] if s["fix"] == "third_party"]
    assert contacts[0]["name"] == "NOC ISP Daerah" and contacts[0]["phone"] == "0736-21000"
    assert contacts[1]["name"] == "Hosting Bengkulu" and contacts[1]["role"] == "hosting"

    with store.HistoryStore(data_dir / "history.sqlite") as history:
        run = history.run(out["run_id"])
        assert {r["activity"] for r in run["results"]} == {"W6"}
        records = {t["court"]: t for t in history.troubleshooting()}
    assert records["pn-manna"]["activity"] == "W6" and records["pn-manna"]["finding_rule"] == "site-defaced"
    assert records["pn-manna"]["run_id"] == out["run_id"]
    assert records["pn-curup"]["outcome"] == "escalated"
    assert records["pn-curup"]["third_party"]["name"] == "NOC ISP Daerah"
    assert records["pn-curup"]["standard_time"] == "relatif"


def test_diagnose_rich_output_in_indonesian(courts, data_dir, capsys):
    code = cli.main(["diagnose", "-i", str(courts["inventory"]), "--limit", "pn-curup", "--no-report"])
    out = capsys.readouterr().out
    assert code == 2
    assert "Situs tidak dapat diakses dari luar" in out
    assert "pihak ketiga" in out and "NOC ISP Daerah" in out
    assert "pn-manna" not in out


def test_remediate_refuses_without_yes(courts, data_dir, capsys):
    code = cli.main(["remediate", "-i", str(courts["inventory"]), "--limit", "pn-manna"])
    assert code == 4
    assert "--yes" in capsys.readouterr().err
    assert list(data_dir.glob("runs/*remediate*")) == []


def test_remediate_needs_a_limit(courts, capsys):
    with pytest.raises(SystemExit):
        cli.main(["remediate", "-i", str(courts["inventory"]), "--yes"])
    assert "--limit" in capsys.readouterr().err


def remediate_runs(data_dir) -> int:
    return len(list(data_dir.glob("runs/*remediate*")))


@pytest.mark.parametrize(
    "limit, message",
    [
        ("", "--limit is empty"),
        ("  ", "--limit is empty"),
        ("pn-*", "selects 2 courts"),
        ("courts", "selects 2 courts"),
        ("all", "selects 2 courts"),
        ("pn-manna,pn-*", "selects 2 courts"),
        ("!pn-nowhere", "selects 2 courts"),
        ("pn-nowhere", "selects no court"),
    ],
)
def test_remediate_refuses_a_limit_that_is_not_one_named_court(courts, data_dir, capsys, limit, message):
    """Several courts at once only when each is named or --all is given: a pattern, a group or an empty
    --limit is a usage error, and nothing runs."""
    before = remediate_runs(data_dir)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--lang", "en", "remediate", "-i", str(courts["inventory"]), "--limit", limit, "--yes"])
    assert exit_info.value.code == 4
    err = capsys.readouterr().err
    assert message in err and "usage:" in err
    if "selects 2" in message:
        assert "--all" in err and "pn-curup" in err and "pn-manna" in err
    assert remediate_runs(data_dir) == before


@pytest.mark.parametrize(
    "selection", [["--limit", "pn-manna,pn-curup"], ["--all"], ["--all", "--limit", "pn-*"]]
)
def test_remediate_runs_several_courts_when_named_or_with_all(courts, data_dir, capsys, selection):
    before = remediate_runs(data_dir)
    code = cli.main(
        ["remediate", "-i", str(courts["inventory"]), *selection, "--yes", "--json", "--no-report"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1, 2, 3), code
    assert sorted(out["courts"]) == ["pn-curup", "pn-manna"]
    assert remediate_runs(data_dir) == before + 1


def test_remediate_help_explains_the_limit_and_the_known_good_snapshot(capsys):
    with pytest.raises(SystemExit):
        cli.main(["remediate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--all" in out and "name each of them" in out
    assert "last snapshot taken before the history first saw the problem" in out


def test_bad_inventory_is_a_clear_error(tmp_path, data_dir, capsys):
    missing = tmp_path / "nothing.yml"
    code = cli.main(["diagnose", "-i", str(missing)])
    assert code == 4
    err = capsys.readouterr().err.replace("\n", "")  # the console wraps long lines (the path)
    assert "inventory not found" in err and str(missing) in err


def test_summarize_prefers_the_activity_result_and_explains_failures():
    results = [
        {"court": "a", "activity": "IT-DRILL", "status": "ok", "summary": "restored"},
        {
            "court": "a",
            "activity": "W7",
            "status": "warning",
            "summary": "1 action",
            "outputs": {"actions": [{"text": "x", "ok": True}], "remaining": [{"id": "load-high"}]},
        },
        {"court": "b", "activity": "?", "status": "unreachable", "summary": "ssh: no route"},
    ]
    out = diagnose_cmd.summarize(results, "W7", ["a", "b", "c"])
    assert out["a"]["status"] == "warning" and out["a"]["remaining"] == [{"id": "load-high"}]
    assert [r["activity"] for r in out["a"]["results"]] == ["IT-DRILL", "W7"]
    assert out["b"]["status"] == "unreachable" and out["b"]["summary"] == "ssh: no route"
    assert out["c"]["status"] is None and out["c"]["problems"] == []


def test_record_run_stores_the_troubleshooting_records_of_results_once(tmp_path):
    record = {
        "problem": "PHP-FPM is down",
        "finding_rule": "php-fpm-down",
        "actions": ["Restarted php8.2-fpm"],
        "who": "operator1",
        "outcome": "resolved",
        "evidence": {"unit": "php8.2-fpm"},
    }
    run = {
        "run_id": "r-1",
        "name": "remediate",
        "started": "2026-11-23T10:00:00+00:00",
        "finished": "2026-11-23T10:02:00+00:00",
        "results": [
            {
                "court": "pn-tais",
                "activity": "W7",
                "status": "ok",
                "started": "2026-11-23T10:00:05+00:00",
                "finished": "2026-11-23T10:01:35+00:00",
                "troubleshooting": [record],
            },
            {"court": "pn-bangil", "activity": "W7", "status": "ok"},
        ],
    }
    with store.HistoryStore(tmp_path / "h.sqlite") as history:
        assert history.record_run(run) is True
        assert history.record_run(run) is False  # the same run again: no second copy
        found = history.troubleshooting()
        assert len(found) == 1
        stored = found[0]
        assert (stored["court"], stored["activity"], stored["run_id"]) == ("pn-tais", "W7", "r-1")
        assert stored["started"] == "2026-11-23T10:00:05+00:00" and stored["duration_s"] == 90.0
        assert stored["actions"] == ["Restarted php8.2-fpm"] and stored["outcome"] == "resolved"
        bad = dict(run, run_id="r-2", results=[dict(run["results"][0], troubleshooting=[{"court": "x"}])])
        with pytest.raises(store.StoreError, match="problem"):
            history.record_run(bad)
        assert history.run("r-2") is None  # nothing of a rejected run is kept
