"""`sopansible logs analyze` and `sopansible logs correlate` on real log files."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)
from sopansible import cli


@pytest.fixture(scope="module")
def court_logs(tmp_path_factory):
    base = tmp_path_factory.mktemp("courts")
    benign = corpus.benign_lines(4000, seed=9)
    attacker = corpus.ATTACKERS["sqli-probing"]
    logs = {}
    for court, rules in (
        ("pn-bangil", ["sqli-probing", "gambling-doorway"]),
        ("pn-tais", ["sqli-probing"]),
        ("pn-contoh", []),
    ):
        lines = []
        for rule in rules:
            lines += corpus.attack_lines(rule)
        path = base / court / "access.log"
        path.parent.mkdir()
        corpus.write_log(path, corpus.merged(benign, lines))
        logs[court] = path
    # a rotated, compressed log of the same court
    gz = base / "pn-bangil" / "access.log.2.gz"
    gz.write_bytes(gzip.compress(("\n".join(benign[:500]) + "\n").encode()))
    logs["pn-bangil.gz"] = gz
    logs["attacker"] = attacker
    return logs


def analyze_json(capsys, *argv):
    code = cli.main(["logs", "analyze", *map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_analyze_json_shape(court_logs, capsys):
    code, result = analyze_json(capsys, court_logs["pn-bangil"])
    assert code == 2  # findings present, the worst high or critical
    assert set(result) >= {"lines", "malformed", "format", "summary", "findings"}
    assert result["lines"] == 4000 + 3 + 3
    assert result["malformed"] == 0
    assert result["format"] == "combined"
    for finding in result["findings"]:
        assert set(finding) >= {"rule", "severity", "ip", "count", "first_seen", "last_seen", "samples"}
    assert {f["rule"] for f in result["findings"]} == {"sqli-probing", "gambling-doorway"}


def test_analyze_clean_log_exit_zero(court_logs, capsys):
    code, result = analyze_json(capsys, court_logs["pn-contoh"], "--format", "combined", "--top", "3")
    assert code == 0
    assert result["findings"] == []
    assert len(result["summary"]["top_pages"]) == 3


def test_analyze_several_files_including_gzip(court_logs, capsys):
    code, result = analyze_json(capsys, court_logs["pn-bangil.gz"], court_logs["pn-bangil"])
    assert result["lines"] == 500 + 4006
    assert len(result["files"]) == 2


def test_analyze_human_output_in_both_languages(court_logs, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["logs", "analyze", str(court_logs["pn-bangil"])]) == 2
    out = capsys.readouterr().out
    assert "Log aktivitas pengunjung" in out
    assert "Aktivitas mencurigakan" in out
    assert "sqli-probing" in out
    assert "&quot;" not in out  # evidence shown as the original text in a terminal
    assert cli.main(["--lang", "en", "logs", "analyze", str(court_logs["pn-contoh"])]) == 0
    out = capsys.readouterr().out
    assert "Visitor activity log" in out
    assert "No suspicious activity." in out


def test_analyze_missing_file(tmp_path, capsys):
    assert cli.main(["logs", "analyze", str(tmp_path / "nope.log")]) == 4
    assert "nope.log" in capsys.readouterr().out


def test_correlate_reports_campaign(court_logs, tmp_path, capsys):
    saved = []
    for court in ("pn-bangil", "pn-tais", "pn-contoh"):
        _code, result = analyze_json(capsys, court_logs[court])
        path = tmp_path / f"{court}.json"
        path.write_text(json.dumps(result))
        saved.append(path)
    code = cli.main(["logs", "correlate", *map(str, saved), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2  # a campaign is a high finding
    assert out["courts"] == ["pn-bangil", "pn-contoh", "pn-tais"]
    (campaign,) = out["findings"]
    assert campaign["rule"] == "campaign"
    assert campaign["ip"] == court_logs["attacker"]
    assert campaign["courts"] == ["pn-bangil", "pn-tais"]
    code = cli.main(["logs", "correlate", f"PN Bangil={saved[0]}", str(saved[2])])
    assert code == 0
    assert "Tidak ada aktivitas mencurigakan" in capsys.readouterr().out


def test_correlate_rejects_bad_result(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert cli.main(["logs", "correlate", str(bad)]) == 4
    assert "bad.json" in capsys.readouterr().out


def test_engines_give_the_same_json(court_logs, capsys):
    results = {}
    for name in ("python", "polars", "auto"):
        code, results[name] = analyze_json(
            capsys, court_logs["pn-bangil.gz"], court_logs["pn-bangil"], "--engine", name
        )
        assert code == 2
    assert results["python"] == results["polars"] == results["auto"]


def test_polars_engine_required_but_missing(court_logs, capsys, monkeypatch):
    from ansible_collections.pn.website.plugins.module_utils.logs import polars_reader

    monkeypatch.setattr(polars_reader, "HAS_POLARS", False)
    assert cli.main(["logs", "analyze", str(court_logs["pn-contoh"]), "--engine", "polars"]) == 4
    assert "polars" in capsys.readouterr().out
    code, result = analyze_json(capsys, court_logs["pn-contoh"])  # auto falls back to python
    assert code == 0 and result["lines"] == 4000


def test_trusted_address_is_not_reported(court_logs, capsys):
    attacker = court_logs["attacker"]
    code, result = analyze_json(capsys, court_logs["pn-tais"], "--trust", attacker)
    assert code == 0 and result["findings"] == []
    assert result["summary"]["requests"] == result["lines"] == 4003  # still counted
    assert cli.main(["logs", "analyze", str(court_logs["pn-tais"]), "--trust", "bogus"]) == 4
    assert "bogus" in capsys.readouterr().out


def test_only_the_named_command_is_loaded_and_other_lines_load_all():
    def commands(argv):
        parser = cli.build_parser(argv)
        return set(parser._subparsers._group_actions[0].choices)

    everything = commands(None)
    assert {"logs", "run", "report", "inventory"} <= everything
    assert commands(["logs", "analyze", "x.log", "--json"]) == {"logs"}
    assert commands(["--lang", "en", "logs", "analyze", "x.log"]) == {"logs"}
    assert commands(["--lang=en", "logs", "correlate"]) == {"logs"}
    # help, an unknown word or an option before the command: every command, as before
    assert commands(["--help"]) == everything
    assert commands(["lgos", "analyze"]) == everything
    assert commands(["--version", "logs"]) == everything


@pytest.mark.parametrize("court, code", [("pn-bangil", 2), ("pn-contoh", 0)])
def test_the_command_prints_whole_json_and_exits_with_the_result(court_logs, court, code):
    """`python -m sopansible.cli` (what the `sopansible` script runs): the whole JSON document
    reaches the pipe and the exit status is the analysis verdict."""
    proc = subprocess.run(
        [sys.executable, "-m", "sopansible.cli", "logs", "analyze", str(court_logs[court]), "--json"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == code, proc.stderr
    result = json.loads(proc.stdout)
    assert result["lines"] == len(court_logs[court].read_bytes().splitlines())
    assert bool(result["findings"]) == bool(code)


def test_analyze_with_a_court_rule_file_and_a_rule_switched_off(tmp_path, capsys):
    log = tmp_path / "access.log"
    attack = corpus.family_attack("wordpress-plugin-scan")
    sipp = [corpus.line("198.51.100.40", corpus.START + i, "GET", "/sipp/admin/", 200, 900) for i in range(3)]
    corpus.write_log(log, attack + sipp)
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "rules:\n"
        "  - id: court-sipp-admin\n"
        "    severity: high\n"
        "    messages: {id: 'Admin SIPP: {count}.', en: 'SIPP admin: {count}.'}\n"
        "    match: {path: '^/sipp/admin'}\n"
        "    threshold: {count: 3, window: 60}\n",
        encoding="utf-8",
    )
    code, data = analyze_json(capsys, log, "--rules", rules, "--disable", "wordpress-plugin-scan")
    assert [f["rule"] for f in data["findings"]] == ["court-sipp-admin"]
    assert code == 2
    rules.write_text("rules:\n  - id: court-sipp-admin\n    severity: urgent\n", encoding="utf-8")
    code = cli.main(["logs", "analyze", str(log), "--rules", str(rules), "--json"])
    assert code == 4
    error = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "rule 'court-sipp-admin', field 'severity': 'urgent' is not one of" in error


def test_syslog_and_mixed_formats_and_a_damaged_gzip(tmp_path, capsys):
    """nginx logging to syslog, a file mixing formats, and a rotation whose gzip is cut: every line
    read in its format, the lines of each counted, the damaged file named with the lines read."""
    traffic = corpus.benign_lines(600, seed=4) + corpus.attack_lines("sqli-probing")
    log = tmp_path / "access.log"
    corpus.write_log(
        log, corpus.in_format("syslog_combined", traffic[:400]) + corpus.in_format("common", traffic[400:])
    )
    packed = gzip.compress(("\n".join(traffic) + "\n").encode())
    (tmp_path / "access.log.1.gz").write_bytes(packed[: len(packed) // 2])
    code, result = analyze_json(capsys, log)
    assert result["malformed"] == 0
    assert result["formats"] == {"syslog_combined": 400, "common": len(traffic) - 400}
    assert code == 2 and "sqli-probing" in {f["rule"] for f in result["findings"]}
    code, result = analyze_json(capsys, tmp_path / "access.log.1.gz", "--format", "combined")
    (error,) = result["errors"]
    assert code == 4 and error["path"].endswith("access.log.1.gz") and error["lines_read"] == result["lines"]
    code = cli.main(["--lang", "en", "logs", "analyze", str(log)])
    out = capsys.readouterr().out
    assert "syslog_combined: 400" in out and "sqli" in out
