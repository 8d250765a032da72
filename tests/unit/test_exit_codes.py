"""One exit-code scheme for every command (sopansible/exitcodes.py, README "Exit codes"): 0 ok, 1 warning,
2 critical, 3 a court (or a step) failed or was unreachable, 4 bad input or usage, 130 cancelled.

The codes each command returns that its own tests do not already check: real playbooks through the
pipeline on local and shared-hosting courts (sites on loopback HTTP servers, a court server on a closed
loopback port), real log files, a real crontab command that refuses, a real PDF step that fails.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    KEYWORD,
    Server,
    court_page,
    rss,
)
from sopansible import cli, exitcodes, store

ROOT = Path(__file__).resolve().parents[2]
LOCAL = (
    "all:\n  children:\n    courts:\n      hosts:\n        pn-lokal:\n          ansible_connection: local\n"
    "          ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
)
# A court result with the status given by -e pn_test_status; "failed" fails the task instead.
STATUS_PLAYBOOK = """\
- name: W1 Test activity
  hosts: courts
  gather_facts: false
  tasks:
    - name: Reach the court
      ansible.builtin.ping:
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: kegagalan uji
      when: pn_test_status == 'failed'
    - name: Record the SOP result
      ansible.builtin.set_fact:
        pn_sop_result: {activity: W1, status: "{{ pn_test_status }}", summary: uji}
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def court_server(name: str) -> str:
    """An inventory entry of a court server whose SSH port is closed (unreachable)."""
    return (
        f"            {name}:\n"
        "              ansible_host: 127.0.0.1\n"
        f"              ansible_port: {closed_port()}\n"
        "              ansible_user: operator\n"
        f"              court_name: Pengadilan Negeri {name}\n"
        "              court_type: PN\n"
        f"              court_domain: {name}.go.id\n"
        f"              court_url: https://{name}.go.id/\n"
    )


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


# -- the command line itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "harian"],  # -i is required
        ["probe", "https://x.go.id/", "--no-such-option"],
        ["logs"],  # an action is required
        ["lgos", "analyze"],  # no such command
        ["--lang", "fr", "report"],
        ["run", "harian", "-i", "x", "--timeout", "soon"],
    ],
)
def test_a_usage_error_exits_4(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == exitcodes.USAGE == 4
    assert "usage:" in capsys.readouterr().err


def test_no_command_prints_the_help_and_exits_4(capsys):
    assert cli.main([]) == 4
    assert "COMMAND" in capsys.readouterr().out


def test_help_and_version_exit_0(capsys):
    for argv in (["--help"], ["--version"], ["run", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 0


class Silent(BaseHTTPRequestHandler):
    """Accepts the request and never answers (until the test lets it go)."""

    release = threading.Event()
    seen = threading.Event()

    def do_GET(self):
        Silent.seen.set()
        Silent.release.wait()

    def log_message(self, *args):
        pass


def test_ctrl_c_during_a_command_exits_130():
    """Ctrl-C in a command that runs no playbook (a probe waiting for a site that does not answer)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sopansible.cli", "probe", f"http://pn-diam.go.id:{port}/"]
            + ["--resolve", f"pn-diam.go.id:{port}:127.0.0.1", "--timeout", "600"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            # as at a terminal: a shell that starts jobs in the background (CI, cron) has them ignore Ctrl-C
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        while not Silent.seen.wait(0.2) and proc.poll() is None:
            pass
        assert Silent.seen.is_set(), proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate()
    finally:
        Silent.release.set()
        httpd.shutdown()
        httpd.server_close()
    assert proc.returncode == exitcodes.CANCELLED == 130, err
    assert "cancelled" in err and "Traceback" not in err


# -- run --------------------------------------------------------------------------------------------------


@pytest.fixture
def local_run(tmp_path, data_dir):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(LOCAL)
    playbook = tmp_path / "sop_uji.yml"
    playbook.write_text(STATUS_PLAYBOOK)

    def run(*extra: str) -> int:
        return cli.main(["run", str(playbook), "-i", str(inventory), "--no-report", "--no-notify", *extra])

    return run


@pytest.mark.parametrize("status, code", [("ok", 0), ("warning", 1), ("critical", 2), ("failed", 3)])
def test_run_exits_with_the_worst_result(local_run, status, code):
    assert local_run("-e", f"pn_test_status={status}") == code


def test_run_of_an_unreachable_court_exits_3(tmp_path, data_dir):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    courts:\n      children:\n        court_servers:\n          hosts:\n"
        + court_server("pn-mati")
    )
    playbook = tmp_path / "sop_uji.yml"
    playbook.write_text(STATUS_PLAYBOOK)
    argv = ["run", str(playbook), "-i", str(inventory), "-e", "pn_test_status=ok", "--no-report"]
    assert cli.main(argv) == 3


def test_run_refuses_bad_input_with_4(local_run, tmp_path, data_dir, monkeypatch, capsys):
    assert local_run("-e", "no-equals-sign") == 4
    assert "KEY=VALUE" in capsys.readouterr().err
    assert cli.main(["run", "W99", "-i", str(tmp_path / "hosts.yml")]) == 4
    assert "W99" in capsys.readouterr().err
    assert cli.main(["run", "W1", "-i", str(tmp_path / "missing.yml")]) == 4
    assert "inventory not found" in capsys.readouterr().err
    monkeypatch.setenv("SOPANSIBLE_TASK_TIMEOUT", "an hour")
    assert local_run("-e", "pn_test_status=ok") == 4
    assert "SOPANSIBLE_TASK_TIMEOUT" in capsys.readouterr().err
    assert not (data_dir / "runs").exists()  # nothing ran


def test_run_with_an_unusable_history_exits_4(local_run, data_dir, capsys):
    data_dir.mkdir(parents=True)
    (data_dir / "history.sqlite").write_bytes(b"this is not a database" * 100)
    assert local_run("-e", "pn_test_status=ok") == 4
    err = "".join(capsys.readouterr().err.split())
    assert "history.sqlite" in err and "Traceback" not in err


# -- diagnose and remediate -------------------------------------------------------------------------------


def page(body: str, ctype: str = "text/html; charset=utf-8"):
    return lambda _handler: (200, {"Content-Type": ctype}, body)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Courts on shared hosting, served by one loopback web server whose homepage names "Pengadilan Negeri
    Contoh" (with fresh news): pn-contoh's site is whole, pn-curup's lacks its court's name; and a court
    server, pn-mati, that does not answer."""
    routes = {"/": page(court_page()), "/feed.xml": page(rss([1, 3, 10]), "application/rss+xml")}
    server = Server(sites={"pn-contoh": routes, "pn-curup": routes})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    inventory = tmp_path_factory.mktemp("sites") / "hosts.yml"
    entries = ""
    for name, court_name in (("pn-contoh", KEYWORD), ("pn-curup", "Pengadilan Negeri Curup")):
        entries += (
            f"            {name}:\n"
            f"              court_name: {court_name}\n"
            "              court_type: PN\n"
            f"              court_domain: {name}.go.id\n"
            f"              court_url: http://{name}.go.id:{server.port}/\n"
            f'              court_probe_resolve: ["{name}.go.id:{server.port}:127.0.0.1"]\n'
        )
    inventory.write_text(
        "all:\n  children:\n    courts:\n      children:\n        shared_hosting:\n          hosts:\n"
        + entries
        + "        court_servers:\n          hosts:\n"
        + court_server("pn-mati")
    )
    yield inventory
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "court, code", [("pn-contoh", 0), ("pn-curup", 1), ("pn-mati", 3)], ids=["ok", "warning", "unreachable"]
)
def test_diagnose_exits_with_the_worst_result(sites, data_dir, court, code):
    assert cli.main(["diagnose", "-i", str(sites), "--limit", court, "--json", "--no-report"]) == code


def test_diagnose_refuses_a_bad_extra_variable_with_4(sites, data_dir, capsys):
    assert cli.main(["diagnose", "-i", str(sites), "-e", "pn_diagnose_lang"]) == 4
    assert "KEY=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize("court, code", [("pn-contoh", 0), ("pn-mati", 3)], ids=["ok", "unreachable"])
def test_remediate_exits_with_the_worst_result(sites, data_dir, court, code):
    argv = ["remediate", "-i", str(sites), "--limit", court, "--yes", "--json", "--no-report"]
    assert cli.main(argv) == code


# -- logs, renewals, report, schedule ---------------------------------------------------------------------


def test_logs_with_only_medium_findings_exit_1(tmp_path, capsys):
    log = tmp_path / "access.log"
    corpus.write_log(log, corpus.merged(corpus.benign_lines(500, seed=3), corpus.attack_lines("xss-probing")))
    assert cli.main(["logs", "analyze", str(log), "--json"]) == 1
    assert "xss-probing" in capsys.readouterr().out


def renewals_inventory(tmp_path, court_vars: str) -> Path:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    courts:\n      children:\n        shared_hosting:\n          hosts:\n"
        "            pn-uji:\n"
        "              court_type: PN\n"
        "              court_domain: pn-uji.go.id\n"
        "              court_url: https://pn-uji.go.id/\n" + court_vars
    )
    return inventory


def test_renewals_exit_0_when_every_contract_is_far_off(tmp_path, data_dir):
    later = (datetime.date.today() + datetime.timedelta(days=900)).isoformat()
    inventory = renewals_inventory(
        tmp_path,
        "              court_name: Pengadilan Negeri Uji\n"
        "              court_services:\n"
        "                - {kind: hosting, provider: Hosting Uji, service: Paket Web, "
        f'paid_until: "{later}"}}\n',
    )
    assert cli.main(["renewals", "-i", str(inventory), "--only", "contracts", "--no-state-update"]) == 0


def test_renewals_of_a_court_that_cannot_be_checked_exit_3(tmp_path, data_dir, capsys):
    inventory = renewals_inventory(tmp_path, "")  # no court_name
    assert cli.main(["--lang", "en", "renewals", "-i", str(inventory), "--only", "contracts", "--json"]) == 3
    (court,) = json.loads(capsys.readouterr().out)["courts"]
    assert court["status"] == "failed" and court["error"] == "variable court_name is missing"


def test_report_whose_pdf_cannot_be_printed_exits_3(tmp_path, capsys):
    db = tmp_path / "history.sqlite"
    with store.HistoryStore(db) as history:
        history.record_run(
            {
                "run_id": "r-1",
                "name": "harian",
                "started": "2026-11-23T02:00:00+00:00",
                "courts": {"pn-uji": {"court_name": "Pengadilan Negeri Uji"}},
                "results": [{"court": "pn-uji", "activity": "W1", "status": "ok", "summary": "baik"}],
            }
        )
    out = tmp_path / "reports"
    (out / "pn-uji" / "laporan.pdf").mkdir(parents=True)  # a folder where the PDF must go
    assert cli.main(["report", "--db", str(db), "--out", str(out), "--pdf"]) == 3
    assert "laporan.pdf" in "".join(capsys.readouterr().err.split())
    assert (out / "pn-uji" / "laporan.html").is_file()  # the HTML reports are still written


def test_schedule_whose_crontab_refuses_exits_3(tmp_path, data_dir, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    crontab = bin_dir / "crontab"
    # a crontab that has no table yet and refuses a new one, as when cron.allow leaves the user out
    crontab.write_text(
        '#!/bin/sh\ncase "$1" in\n  -l) echo "no crontab for $USER" >&2; exit 1;;\n'
        '  *) echo "You ($USER) are not allowed to use this program" >&2; exit 1;;\nesac\n'
    )
    crontab.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # a user's own crontab, not /etc/cron.d
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all: {}\n")
    assert cli.main(["--lang", "en", "schedule", "install", "-i", str(inventory)]) == 3
    assert "not allowed" in capsys.readouterr().err
