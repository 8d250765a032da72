"""`sopansible probe` against real HTTP/HTTPS servers on loopback."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import KEYWORD, ProbeFleet
from sopansible.cli import main


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    servers = ProbeFleet(str(tmp_path_factory.mktemp("probe-cli"))).start()
    yield servers
    servers.stop()


def args_for(fleet, *labels):
    argv = [fleet.urls[label] + "/" for label in labels]
    for label in labels:
        for entry in fleet.resolve(label):
            argv += ["--resolve", entry]
    return argv + ["--ca-file", fleet.ca_file, "--keyword", KEYWORD]


def test_json_output_healthy_site(fleet, capsys):
    rc = main(["probe", "--json", *args_for(fleet, "good")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out[0]["reachable"] is True and out[0]["status"] == 200
    assert out[0]["tls"]["verified"] is True
    assert out[0]["sop_result"]["activity"] == "W1" and out[0]["sop_result"]["status"] == "ok"
    assert "state" not in out[0]


def test_critical_site_exit_code_and_english(fleet, capsys):
    rc = main(["--lang", "en", "probe", "--json", *args_for(fleet, "cloaked", "defaced")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2
    rules = {f["rule"] for f in out[0]["findings"]}
    assert {"cloaking", "gambling-spam"} <= rules
    assert out[1]["sop_result"]["findings"][0]["message"].startswith("Signs of defacement")


def test_human_output_in_indonesian(fleet, capsys):
    rc = main(["probe", *args_for(fleet, "stale")])
    out = capsys.readouterr().out
    assert rc == 1  # stale content is a warning
    assert "Hasil pemeriksaan website" in out
    assert "content-stale" in out and "Tidak ada konten baru" in out


def test_page_text_is_not_rich_markup(fleet, capsys):
    main(["probe", *args_for(fleet, "defaced")])
    out = capsys.readouterr().out
    assert "HACKED BY" in out  # evidence excerpt printed verbatim


def test_state_file_keeps_baselines(fleet, tmp_path, capsys):
    state = tmp_path / "probe-state.json"
    argv = ["probe", "--json", "--state", str(state), *args_for(fleet, "good")]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first[0]["baseline"]["first_run"] is True
    stored = json.loads(state.read_text())
    assert stored[fleet.urls["good"] + "/"]["outbound_domains"] == ["mahkamahagung.go.id"]
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)
    assert second[0]["baseline"]["first_run"] is False


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["https://x.go.id/", "--resolve", "nonsense"], "HOST:PORT:ADDR"),
        (["ftp://x.go.id/"], "not an http(s) URL"),
        (["https://x.go.id/", "--ca-file", "/nonexistent/ca.pem"], "CA file"),
        (["https://x.go.id/", "--timeout", "0"], "total_timeout"),
    ],
)
def test_bad_input_is_a_clear_error(extra, needle, capsys):
    rc = main(["probe", *extra])
    err = capsys.readouterr().err
    assert rc == 4 and needle in err


def test_corrupt_state_file(tmp_path, capsys):
    state = tmp_path / "bad.json"
    state.write_text("{not json")
    rc = main(["probe", "--state", str(state), "https://x.go.id/", "--resolve", "x.go.id:443:127.0.0.1"])
    assert rc == 4 and "bad.json" in capsys.readouterr().err
