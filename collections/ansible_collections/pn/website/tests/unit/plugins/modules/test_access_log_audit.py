# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pn.website.access_log_audit with patched module arguments on real log files."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.logs import log_files
from ansible_collections.pn.website.plugins.modules import access_log_audit
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)


def run(args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with set_module_args(args), patch_exits():
        try:
            access_log_audit.main()
        except AnsibleExitJson as exc:
            return exc.result
        except AnsibleFailJson as exc:
            raise AssertionError("module failed: %s" % exc.result) from exc
    raise AssertionError("module did not exit")


def fail(args):
    with set_module_args(args), patch_exits(), pytest.raises(AnsibleFailJson) as exc:
        access_log_audit.main()
    return exc.value.result


@pytest.fixture()
def logs(tmp_path):
    benign = corpus.benign_lines(3000, seed=5)
    attacks = corpus.attack_lines("admin-bruteforce") + corpus.attack_lines("webshell-post")
    corpus.write_log(tmp_path / "access.log.1", benign[:1500])
    (tmp_path / "access.log.2.gz").write_bytes(gzip.compress(("\n".join(benign[1500:2000]) + "\n").encode()))
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign[2000:], attacks))
    return tmp_path


def test_module_reports_summary_and_findings(logs):
    result = run({"paths": [str(logs / "access.log")], "include_rotated": True})
    assert result["changed"] is False
    assert result["lines"] == 3000 + 37 + 2
    assert result["malformed"] == 0
    assert result["format"] == "combined"
    assert len(result["files"]) == 3
    assert {f["rule"] for f in result["findings"]} == {"admin-bruteforce", "webshell-post"}
    assert result["status"] == "critical"
    assert "read_state" not in result
    assert result["summary"]["requests"] == result["lines"]
    json.dumps(result)


def test_module_check_mode_is_the_same_audit(logs):
    normal = run({"paths": [str(logs / "access.log")]})
    checked = run({"paths": [str(logs / "access.log")]}, check_mode=True)
    assert normal["findings"] == checked["findings"]
    assert normal["lines"] == checked["lines"]


def test_module_incremental_state(logs):
    first = run({"paths": [str(logs / "access.log")], "include_rotated": True, "read_state": {}})
    assert first["lines"] == 3039
    second = run(
        {"paths": [str(logs / "access.log")], "include_rotated": True, "read_state": first["read_state"]}
    )
    assert second["lines"] == 0
    assert second["findings"] == []
    assert second["status"] == "ok"


def test_module_thresholds_and_glob(logs):
    result = run(
        {
            "paths": [str(logs / "access.log*")],
            "thresholds": {"admin-bruteforce": {"count": 100, "window": 60}},
            "max_samples": 1,
        }
    )
    assert {f["rule"] for f in result["findings"]} == {"webshell-post"}
    assert all(len(f["samples"]) <= 1 for f in result["findings"])
    assert result["lines"] == 3039


def test_module_rejects_unknown_rule(logs):
    result = fail({"paths": [str(logs / "access.log")], "thresholds": {"nope": {"count": 1}}})
    assert "unknown rule" in result["msg"]


def test_module_rejects_bad_threshold(logs):
    result = fail({"paths": [str(logs / "access.log")], "thresholds": {"http-probing": {"count": 0}}})
    assert "positive" in result["msg"]


def test_module_fails_when_nothing_readable(tmp_path):
    result = fail({"paths": [str(tmp_path / "missing.log")]})
    assert result["msg"] == "no access log could be read"
    assert result["errors"][0]["path"].endswith("missing.log")


def test_module_keeps_its_state_file(logs, monkeypatch):
    monkeypatch.setattr(access_log_audit, "ssh_client_address", lambda: None)
    state_file = logs / "state" / "access-log-state.json"
    args = {"paths": [str(logs / "access.log")], "include_rotated": True, "state_file": str(state_file)}
    checked = run(args, check_mode=True)
    assert checked["changed"] is True and checked["lines"] == 3039
    assert not state_file.exists()  # check mode writes nothing
    first = run(args)
    assert first["changed"] is True and first["lines"] == 3039
    assert json.loads(state_file.read_text()) == first["read_state"]
    assert oct(state_file.stat().st_mode & 0o777) == "0o600"
    second = run(args)
    assert second["changed"] is False and second["lines"] == 0
    with open(logs / "access.log", "a") as handle:
        handle.write(corpus.line("203.0.113.50", corpus.START, "GET", "/", 200, 10) + "\n")
    third = run(args)
    assert third["changed"] is True and third["lines"] == 1


def test_module_corrupt_state_file_reads_everything(logs, monkeypatch):
    monkeypatch.setattr(access_log_audit, "ssh_client_address", lambda: None)
    state_file = logs / "state.json"
    state_file.write_text("{not json")
    warned = []
    monkeypatch.setattr(access_log_audit.AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    result = run(
        {"paths": [str(logs / "access.log")], "include_rotated": True, "state_file": str(state_file)}
    )
    assert result["lines"] == 3039
    assert any("not valid JSON" in w for w in warned)
    assert json.loads(state_file.read_text()) == result["read_state"]


def test_module_state_file_and_read_state_exclusive(logs):
    result = fail({"paths": [str(logs / "access.log")], "read_state": {}, "state_file": str(logs / "s")})
    assert "mutually exclusive" in result["msg"]


def test_module_trusts_the_controller_and_listed_addresses(tmp_path, monkeypatch):
    lines = [
        corpus.line(ip, corpus.START + i, "GET", "/", 200, 900, "-", corpus.GOOGLEBOT_UA)
        for i, ip in enumerate(("10.88.0.1", "192.0.2.7", "5.188.62.140"))
    ]
    corpus.write_log(tmp_path / "access.log", lines)
    monkeypatch.setattr(access_log_audit, "ssh_client_address", lambda: "10.88.0.1")
    result = run({"paths": [str(tmp_path / "access.log")], "trusted_addresses": ["192.0.2.0/24"]})
    assert result["trusted_addresses"] == ["192.0.2.0/24", "10.88.0.1"]
    assert [f["ip"] for f in result["findings"]] == ["5.188.62.140"]
    assert result["summary"]["requests"] == 3
    off = run({"paths": [str(tmp_path / "access.log")], "trust_controller": False})
    assert sorted(f["ip"] for f in off["findings"]) == ["10.88.0.1", "192.0.2.7", "5.188.62.140"]


def test_module_rejects_bad_trusted_address(logs):
    result = fail({"paths": [str(logs / "access.log")], "trusted_addresses": ["10.0.0.300"]})
    assert "trusted_addresses" in result["msg"] and "10.0.0.300" in result["msg"]


# Run in a fresh interpreter where polars and the polars reader cannot be imported, as on a court
# server (Ansible ships the module_utils the module imports, not the controller's polars reader):
# any attempt to import them is noted. "auto" would take polars for a log of any size here.
_SERVER_RUN = """
import json, sys

attempts = []


class ServerImports:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "polars" or name.endswith(".logs.polars_reader"):
            attempts.append(name)
            raise ModuleNotFoundError(name, name=name)
        return None


sys.meta_path.insert(0, ServerImports())
from ansible_collections.pn.website.plugins.module_utils.logs import access_log
from ansible_collections.pn.website.plugins.module_utils.logs import log_files
from ansible_collections.pn.website.plugins.modules import access_log_audit
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson, patch_exits, set_module_args,
)

access_log.AUTO_POLARS_MIN_BYTES = 0
with set_module_args(json.loads(sys.argv[1])), patch_exits():
    try:
        access_log_audit.main()
    except AnsibleExitJson as exc:
        print(json.dumps({"lines": exc.result["lines"], "attempts": attempts}))
"""


def test_the_module_never_tries_polars(logs):
    """Court servers run the standard-library engine: the module does not even try to import
    polars or the polars reader."""
    collections_dir = Path(access_log_audit.__file__).resolve().parents[5]
    args = {"paths": [str(logs / "access.log")], "include_rotated": True, "trust_controller": False}
    proc = subprocess.run(
        [sys.executable, "-c", _SERVER_RUN, json.dumps(args)],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(collections_dir)),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert json.loads(proc.stdout) == {"lines": 3039, "attempts": []}


def _rule_data():
    from ansible_collections.pn.website.plugins.module_utils.logs import rule_set

    return json.loads(json.dumps(rule_set.default_data()))  # as the role sends it: plain data


def test_module_takes_the_rules_as_data_and_the_court_tunes_them(logs):
    """What a court server gets: the rule data as a parameter, the court's rules and overrides."""
    extra = {
        "id": "court-upload-probe",
        "severity": "medium",
        "messages": {"id": "Unggahan dicoba: {count}.", "en": "Upload tried: {count}."},
        "match": {"path": "/uploads/.*\\.php$", "method": "GET"},
    }
    result = run(
        {
            "paths": [str(logs / "access.log")],
            "rules": _rule_data(),
            "extra_rules": [extra],
            "rule_overrides": {"admin-bruteforce": {"enabled": False}, "webshell-post": {"severity": "high"}},
        }
    )
    found = {f["rule"]: f["severity"] for f in result["findings"]}
    assert found == {"webshell-post": "high", "court-upload-probe": "medium"}


def test_module_names_the_rule_and_field_of_a_mistake(logs):
    bad = {"id": "court-x", "severity": "medium", "messages": {"id": "x", "en": "x"}, "match": {"path": "("}}
    result = fail({"paths": [str(logs / "access.log")], "rules": _rule_data(), "extra_rules": [bad]})
    assert "'court-x', field 'match.path': not a valid regular expression" in result["msg"]
    result = fail({"paths": [str(logs / "access.log")], "rule_overrides": {"spam-bot": {"enabled": "maybe"}}})
    assert "'spam-bot', field 'overrides.enabled'" in result["msg"]


def test_module_without_rules_where_the_rule_file_is_not_shipped(logs, monkeypatch):
    """On a court server Ansible ships the Python files only: the rules must come as a parameter."""
    from ansible_collections.pn.website.plugins.module_utils.logs import rule_set

    monkeypatch.setattr(rule_set, "_DEFAULT_DATA", None)
    monkeypatch.setattr(rule_set, "DATA_FILE", str(logs / "no-such-rules.yml"))
    result = fail({"paths": [str(logs / "access.log")]})
    assert result["msg"].startswith("rules: not given, and the collection's rule file cannot be read here")


def test_module_reads_the_format_the_inventory_names(tmp_path):
    """A court logging through syslog: detected (auto) or named (pn_logs_format); a named format
    counts the lines of other formats as malformed; a cut gzip rotation is named in errors."""
    traffic = corpus.benign_lines(300, seed=8)
    lines = corpus.in_format("syslog_main", traffic)
    corpus.write_log(tmp_path / "access.log", lines + corpus.in_format("common", traffic[:10]))
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "access.log.1.gz").write_bytes(packed[: len(packed) // 2])
    auto = run({"paths": [str(tmp_path / "access.log")]})
    assert (auto["format"], auto["formats"], auto["malformed"]) == (
        "syslog_main",
        {"syslog_main": 300, "common": 10},
        0,
    )
    named = run({"paths": [str(tmp_path / "access.log")], "format": "syslog_main", "include_rotated": True})
    assert (
        named["formats"]["syslog_main"] > 300 and named["malformed"] == 10 + 1
    )  # + the line cut by the damage
    (error,) = named["errors"]
    assert error["path"].endswith("access.log.1.gz") and error["lines_read"] == named["lines"] - 310
    assert fail({"paths": [str(tmp_path / "access.log")], "format": "w3c"})["msg"].startswith(
        "value of format"
    )


# --- the rotated logs to archive (rotated_dirs) ---------------------------------------------------


def test_module_lists_the_rotated_logs_with_the_analysis(logs, monkeypatch):
    """One module run analyses the logs and lists the *.gz files to archive, checksums kept in the
    state file: a second run hashes nothing again."""
    monkeypatch.setattr(access_log_audit, "ssh_client_address", lambda: None)
    (logs / "error.log.3.gz").write_bytes(gzip.compress(b"an error\n"))
    state_file = logs / "state" / "access-log-state.json"
    args = {
        "paths": [str(logs / "access.log")],
        "include_rotated": True,
        "state_file": str(state_file),
        "rotated_dirs": [str(logs)],
    }
    first = run(args)
    assert first["lines"] == 3039
    assert [r["path"] for r in first["rotated"]] == [
        str(logs / "access.log.2.gz"),
        str(logs / "error.log.3.gz"),
    ]
    for r in first["rotated"]:
        assert r["checksum"] == hashlib.sha1(Path(r["path"]).read_bytes()).hexdigest()  # noqa: S324
        assert r["size"] == Path(r["path"]).stat().st_size
    # archived under the name without the rotation number, with the checksum (a renamed file keeps it)
    assert [r["name"] for r in first["rotated"]] == [
        "access.log-%s.gz" % first["rotated"][0]["checksum"][:16],
        "error.log-%s.gz" % first["rotated"][1]["checksum"][:16],
    ]
    assert first["pn_sop_result"]["outputs"]["archived_files"] == []  # no archive_dir: named nowhere
    named = run(dict(args, archive_dir="/srv/archive/pn-tais/"))
    assert named["pn_sop_result"]["outputs"]["archived_files"] == [
        "/srv/archive/pn-tais/" + r["name"] for r in first["rotated"]
    ]
    assert first["rotated_notes"] == []
    saved = json.loads(state_file.read_text())
    assert saved == first["read_state"] and len(saved["rotated"]) == 2 and saved["files"]
    hashed = []
    real = log_files._sha1_of
    monkeypatch.setattr(log_files, "_sha1_of", lambda p, st: hashed.append(p) or real(p, st))
    second = run(args)
    assert hashed == [] and second["rotated"] == first["rotated"]
    assert second["changed"] is False and second["lines"] == 0
    os.utime(logs / "error.log.3.gz", (1_700_000_000, 1_700_000_000))
    third = run(args)
    assert hashed == [str(logs / "error.log.3.gz")]
    assert third["changed"] is True  # the new time is kept for the next run


def test_module_lists_only_without_paths(logs, monkeypatch):
    """The analysis switched off: no paths, no rules needed, only the listing (and its cache)."""
    monkeypatch.setattr(access_log_audit, "default_data", lambda: pytest.fail("rules read"))
    state_file = logs / "state.json"
    args = {"rotated_dirs": [str(logs)], "state_file": str(state_file)}
    checked = run(args, check_mode=True)
    assert not state_file.exists()  # check mode writes nothing
    result = run(args)
    assert checked["rotated"] == result["rotated"]
    assert [r["path"] for r in result["rotated"]] == [str(logs / "access.log.2.gz")]
    assert "lines" not in result and "findings" not in result and "status" not in result
    assert json.loads(state_file.read_text()) == {"rotated": result["read_state"]["rotated"]}
    assert run(args)["changed"] is False


def test_module_reads_the_state_of_the_previous_version(logs, monkeypatch):
    """A state file written before the rotated logs' cache existed: the read position is kept, the
    cache added."""
    monkeypatch.setattr(access_log_audit, "ssh_client_address", lambda: None)
    state_file = logs / "state.json"
    args = {"paths": [str(logs / "access.log")], "include_rotated": True, "state_file": str(state_file)}
    old = run(args)
    assert "rotated" not in json.loads(state_file.read_text())
    listed = run(dict(args, rotated_dirs=[str(logs)]))
    assert listed["lines"] == 0  # nothing read again
    assert listed["changed"] is True and len(listed["read_state"]["rotated"]) == 1
    assert listed["read_state"]["files"] == old["read_state"]["files"]
    # list-only keeps the read position too
    run({"rotated_dirs": [str(logs)], "state_file": str(state_file)})
    assert json.loads(state_file.read_text())["files"] == old["read_state"]["files"]


def test_module_caps_the_listing(tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(access_log_audit.AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    for i in range(4):
        (tmp_path / ("access.log.%d.gz" % i)).write_bytes(gzip.compress(b"x\n"))
    result = run({"rotated_dirs": [str(tmp_path)], "max_rotated": 3})
    assert len(result["rotated"]) == 3
    assert len(result["rotated_notes"]) == 1 and "4 rotated logs found" in result["rotated_notes"][0]
    assert warned == result["rotated_notes"]
    assert "at least 1" in fail({"rotated_dirs": [str(tmp_path)], "max_rotated": 0})["msg"]


def test_module_needs_paths_or_rotated_dirs():
    assert "one of the following is required" in fail({})["msg"]


# --- the W3 result judged by the module (pn_sop_result) -------------------------------------------------
def test_module_judges_w3_from_its_own_analysis(logs):
    result = run({"paths": [str(logs / "access.log")], "include_rotated": True})
    w3 = result["pn_sop_result"]
    assert (w3["activity"], w3["status"]) == ("W3", result["status"]) == ("W3", "critical")
    assert w3["findings"] == result["findings"]
    assert w3["summary"] == "%d permintaan, %d pengunjung unik, %d temuan (%d baris log baru, 0 rusak)" % (
        result["summary"]["requests"],
        result["summary"]["unique_visitors"],
        len(result["findings"]),
        result["lines"],
    )
    outputs = w3["outputs"]
    assert (outputs["lines"], outputs["format"], outputs["files"]) == (
        result["lines"],
        "combined",
        result["files"],
    )
    assert outputs["unreadable_logs"] == result["errors"] == []
    assert outputs["summary"] == result["summary"]


def test_a_court_whose_logs_could_not_be_copied_gets_w3_failed_with_the_reason():
    reason = {"rule": "logs-hosting-pull-failed", "severity": "high", "message": "login gagal"}
    reason["evidence"] = {"kind": "auth"}
    result = run({"paths": [], "extra_findings": [reason], "judged_status": "failed"})
    w3 = result["pn_sop_result"]
    assert (w3["status"], w3["findings"]) == ("failed", [reason])
    assert w3["summary"] == "0 permintaan, 0 pengunjung unik, 0 temuan (0 baris log baru, 0 rusak)"
    assert "lines" not in result  # nothing was read


def test_no_logs_to_read_keeps_the_read_positions(logs, tmp_path):
    state_file = tmp_path / "state.json"
    run({"paths": [str(logs / "access.log")], "state_file": str(state_file)})
    before = state_file.read_text()
    again = run({"paths": [], "rotated_dirs": [str(logs)], "state_file": str(state_file)})
    assert again["pn_sop_result"]["status"] == "ok" and again["pn_sop_result"]["outputs"]["lines"] == 0
    assert json.loads(state_file.read_text())["files"] == json.loads(before)["files"]


def test_a_malformed_extra_finding_fails_naming_it():
    loud = {"rule": "x", "severity": "loud", "message": "?"}
    assert "extra_findings" in fail({"paths": [], "extra_findings": [loud]})["msg"]


def test_the_rules_as_json_text_are_the_rules(logs):
    """The role passes the rules as JSON text (one string to template per court): same analysis."""
    data = access_log_audit.default_data()
    args = {"paths": [str(logs / "access.log")], "include_rotated": True, "trust_controller": False}
    as_mapping = run(dict(args, rules=data))
    as_text = run(dict(args, rules=json.dumps(data)))
    assert as_text["findings"] and as_text["findings"] == as_mapping["findings"]
    assert as_text["pn_sop_result"] == as_mapping["pn_sop_result"]
