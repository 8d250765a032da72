# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SOP result format: its scales, the status rule of each activity, and the builders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.pn.website.plugins.module_utils.backup import last_run
from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as sr

ROLES = Path(__file__).resolve().parents[5] / "roles"


def table(rule=None):
    """The status each severity gives under ``rule``, plus "none" for a result without findings."""
    out = {"none": sr.status_for([], rule)}
    out.update((severity, sr.status_for([{"severity": severity}], rule)) for severity in sr.SEVERITIES)
    return out


def refused(english, func, *args, **kwargs):
    """``func`` raises SopResultError whose English message holds ``english``; the error returned."""
    with pytest.raises(sr.SopResultError) as caught:
        func(*args, **kwargs)
    assert english in caught.value.message("en"), caught.value.message("en")
    return caught.value


def role_rule(path, activity):
    """The rule the pn.website.sop_result task of ``activity`` in a role's task file passes."""
    tasks = yaml.safe_load((ROLES / path).read_text())
    while len(tasks) == 1 and "block" in tasks[0]:
        tasks = tasks[0]["block"]
    (task,) = [t for t in tasks if (t.get("pn.website.sop_result") or {}).get("activity") == activity]
    return task["pn.website.sop_result"]["rule"]


def test_scales_in_order():
    assert sr.STATUSES == ("ok", "warning", "critical", "failed")
    assert sr.RUN_STATUSES == ("ok", "warning", "critical", "failed", "unreachable")
    assert sr.SEVERITIES == ("info", "low", "medium", "high", "critical")
    assert [sr.STATUS_RANK[s] for s in sr.RUN_STATUSES] == [0, 1, 2, 3, 4]
    assert [sr.SEVERITY_RANK[s] for s in sr.SEVERITIES] == [0, 1, 2, 3, 4]


def test_worst_status_ignores_unknown_names():
    assert sr.worst([]) == "ok"
    assert sr.worst(["ok", "warning", "ok"]) == "warning"
    assert sr.worst(["critical", "failed", "warning"]) == "failed"
    assert sr.worst(["failed", "unreachable"]) == "unreachable"
    assert sr.worst(["warning", "bogus", None]) == "warning"


def test_worst_severity():
    assert sr.worst_severity([]) is None
    assert sr.worst_severity([{"severity": "low"}, {"severity": "high"}, {"severity": "medium"}]) == "high"
    assert sr.worst_severity(["info", "critical"]) == "critical"
    refused(
        "findings[1]: unknown severity 'urgent'",
        sr.worst_severity,
        [{"severity": "low"}, {"severity": "urgent"}],
    )


def test_default_rule_w1_w4_w6():
    assert table() == {
        "none": "ok",
        "info": "ok",
        "low": "ok",
        "medium": "warning",
        "high": "warning",
        "critical": "critical",
    }
    assert sr.severity_status(None) == "ok"


def test_a_remediation_with_a_failed_step_fails_on_a_critical_problem():
    assert table(diagnosis.REMEDIATION_FAILED_RULE) == {
        "none": "ok",
        "info": "ok",
        "low": "ok",
        "medium": "warning",
        "high": "warning",
        "critical": "failed",
    }


def test_audit_rule_any_failed_control_warns_a_high_one_is_critical():
    assert table(role_rule("audit/tasks/main.yml", "IT-AUDIT")) == {
        "none": "ok",
        "info": "warning",
        "low": "warning",
        "medium": "warning",
        "high": "critical",
        "critical": "critical",
    }


def test_restore_rule_a_mismatch_fails_anything_else_warns():
    rule = yaml.safe_load((ROLES / "restore/vars/main.yml").read_text())["_pn_restore_rule"]
    assert role_rule("restore/tasks/restore.yml", "IT-DRILL") == "{{ _pn_restore_rule }}"
    assert table(rule) == {
        "none": "ok",
        "info": "warning",
        "low": "warning",
        "medium": "warning",
        "high": "warning",
        "critical": "failed",
    }


def test_backup_rule_no_or_failed_backup_fails_a_stale_one_warns():
    # the usual day's W2 is judged by pn.website.backup_status with this rule
    assert table(last_run.RULE) == {
        "none": "ok",
        "info": "ok",
        "low": "ok",
        "medium": "ok",
        "high": "warning",
        "critical": "failed",
    }


@pytest.mark.parametrize(
    ("rule", "english"),
    [
        ("critical", "rule must be a dict"),
        ({}, "rule must be a dict"),
        ({"unreachable": "high"}, "rule: status 'unreachable' cannot be used"),
        ({"ok": "info"}, "rule: status 'ok' cannot be used"),
        ({"warning": "severe"}, "rule.warning: unknown severity 'severe'"),
        ({"critical": "low", "warning": "high"}, "rule: critical from 'low' hides warning from 'high'"),
        ({"failed": "medium", "critical": "high"}, "rule: failed from 'medium' hides critical from 'high'"),
    ],
)
def test_a_rule_that_cannot_work_is_refused(rule, english):
    error = refused(english, sr.status_for, [{"severity": "high"}], rule)
    assert str(error) == error.message("id") != error.message("en")
    assert isinstance(error, ValueError)


def test_finding_builder():
    item = sr.finding("content-stale", "medium", "Tidak ada konten baru.", message_en="No new content.")
    assert item == {
        "rule": "content-stale",
        "severity": "medium",
        "message": "Tidak ada konten baru.",
        "evidence": {},
        "message_en": "No new content.",
    }
    evidence = {"age_days": 21}
    assert sr.finding("x", "low", "", evidence)["evidence"] is evidence
    for args, field in (
        (("", "low", "m"), "finding.rule"),
        (("x", "urgent", "m"), "finding.severity"),
        (("x", "low", None), "finding.message"),
        (("x", "low", "m", ["not", "a", "dict"]), "finding.evidence"),
    ):
        refused(field, sr.finding, *args)


def test_result_status_follows_the_findings_under_the_rule():
    findings = [sr.finding("a", "low", "a"), sr.finding("b", "high", "b")]
    assert sr.result("IT-AUDIT", findings=findings)["status"] == "warning"
    audit = sr.result("IT-AUDIT", findings=findings, rule={"critical": "high", "warning": "info"})
    assert audit == {
        "activity": "IT-AUDIT",
        "status": "critical",
        "summary": "",
        "outputs": {},
        "findings": findings,
    }
    assert audit["findings"][0] is not findings[0]  # copies: the caller's findings stay as they were
    assert sr.result("W1")["status"] == "ok"


def test_result_keeps_an_engines_own_status_and_extra_keys():
    built = sr.result(
        "W7",
        status="failed",
        findings=[],
        summary="1 tindakan gagal.",
        outputs={"actions": []},
        troubleshooting=[{"outcome": "unresolved"}],
    )
    assert built["status"] == "failed" and built["troubleshooting"] == [{"outcome": "unresolved"}]
    refused("unknown status 'unreachable'", sr.result, "W1", status="unreachable")


def test_result_summary_worded_by_status():
    summary = {"failed": "GAGAL.", "default": "Berhasil."}
    failed = [sr.finding("restore-files-mismatch", "critical", "x")]
    assert (
        sr.result("IT-DRILL", findings=failed, summary=summary, rule={"failed": "critical"})["summary"]
        == "GAGAL."
    )
    assert sr.result("IT-DRILL", summary=summary)["summary"] == "Berhasil."
    assert sr.result("W1", summary={"ok": "Baik."})["summary"] == "Baik."
    refused("summary: no text for status 'ok'", sr.result, "W1", summary={"failed": "x"})
    refused("summary: unknown key 'broken'", sr.result, "W1", summary={"ok": "x", "broken": "y"})


@pytest.mark.parametrize(
    ("kwargs", "english"),
    [
        ({"activity": ""}, "activity must be non-empty text"),
        ({"activity": "W1", "findings": {"rule": "x"}}, "findings must be a list"),
        ({"activity": "W1", "findings": ["x"]}, "findings[0] must be a dict"),
        (
            {"activity": "W1", "findings": [{"rule": "a", "severity": "low", "message": "m"}, {"rule": "b"}]},
            "findings[1].severity",
        ),
        ({"activity": "W1", "findings": [{"severity": "low", "message": "m"}]}, "findings[0].rule"),
        (
            {"activity": "W1", "findings": [{"rule": "a", "severity": "low", "message": 3}]},
            "findings[0].message",
        ),
        (
            {
                "activity": "W1",
                "findings": [{"rule": "a", "severity": "low", "message": "", "evidence": "x"}],
            },
            "findings[0].evidence",
        ),
        ({"activity": "W1", "outputs": ["x"]}, "outputs must be a dict"),
        ({"activity": "W1", "summary": 5}, "summary must be text"),
    ],
)
def test_a_result_that_does_not_fit_the_format_is_refused(kwargs, english):
    refused(english, sr.result, **kwargs)


def test_what_a_court_sent_is_cut_short_in_the_message():
    error = refused(
        "findings[0].message must be text, not ['",
        sr.result,
        "W3",
        findings=[{"rule": "x", "severity": "low", "message": ["A" * 100000]}],
    )
    assert len(error.message("en")) < 200 and len(str(error)) < 200


def test_bilingual_error():
    error = sr.BilingualError("berkas tidak ada", "file missing")
    assert str(error) == error.message() == error.message("id") == "berkas tidak ada"
    assert error.message("en") == "file missing"
    assert sr.BilingualError("hanya satu").message("en") == "hanya satu"
