"""Alternatives in the reports are chosen by the exact rule id of a finding: every rule id the engines,
the roles and the store emit is either given advice or deliberately left with the generic advice, and a
rule id only resembling a listed one gets the generic advice."""

from __future__ import annotations

import json

import pytest

from sopansible.report import activities, advice, render_reports, texts
from sopansible.store import HistoryStore
from tests.unit.rule_ids import emitted_rule_ids
from tests.unit.test_report import NOW, make_run

# Rules the engines emit that get the generic advice (follow up under W6/W7) on purpose.
GENERIC = {
    "campaign",
    "contract-invalid",
    "error-spike",
    "os-time-sync",
    "result-invalid",
    "robots-changed",
    "sensitive-files",
    "site-error",
    "sitemap-new-entries",
    "time-unsynced",
    "unknown-links",
    "webroot-scan-incomplete",
}
# What an activity that is not ok without a finding of its own, or W8 without a backup after a fix,
# falls back to (sopansible.report.activities); no engine emits these.
ACTIVITY_RULES = {"site-down", "backup", "attack", "renew", "restore"}


@pytest.fixture(scope="module")
def emitted() -> set[str]:
    ids = emitted_rule_ids()
    # the grep reads each source: a rule from the site probe, the renewals, the roles and the tables
    assert {"unavailable", "domain-pending-delete", "tls-chain-invalid", "backup-dump-failed"} <= ids
    assert {"restore-drill-failed", "webshell-post", "hardening-drift", "ssh-ciphers"} <= ids
    return ids


# -- the tests -----------------------------------------------------------------------------------------
def test_every_rule_the_engines_emit_has_its_advice_decided(emitted):
    undecided = sorted(emitted - set(advice.ADVICE) - GENERIC)
    assert undecided == [], "give these rules advice in sopansible/report/advice.py or list them in GENERIC"
    assert not GENERIC & set(advice.ADVICE)


def test_advice_is_kept_only_for_rules_that_exist(emitted):
    assert sorted(set(advice.ADVICE) - emitted - ACTIVITY_RULES) == []
    assert sorted(GENERIC - emitted) == []
    fallbacks = {view.fallback_rule for view in activities.VIEWS.values()} - {""}
    assert fallbacks | {"backup"} == ACTIVITY_RULES
    assert sorted(ACTIVITY_RULES - set(advice.ADVICE)) == []


@pytest.mark.parametrize(
    ("rule", "topic"),
    [
        ("defacement", "defacement"),
        ("gambling-spam", "gambling"),
        ("webshell-post", "webshell"),
        ("admin-bruteforce", "login"),
        ("sqli-probing", "attack"),
        ("content-stale", "content"),
        ("tls-expiring", "tls"),
        ("domain-expiring", "renewal"),
        ("unavailable", "unavailable"),
        ("backup-failed", "backup"),
        ("php-expose", "updates"),
        ("ssh-ciphers", "hardening"),
        ("units-failed", "server"),
        ("disk-full", "server"),
    ],
)
def test_each_topic_is_given_in_both_languages(rule, topic):
    assert advice.advice(rule, "id") == texts.ADVICE[topic][0]
    assert advice.advice(rule, "en") == texts.ADVICE[topic][1]


@pytest.mark.parametrize(
    "rule", ["backup-new-check", "webshell", "scan-1", "sqli-probe", "ssh", "Defacement", "site-down-2", ""]
)
def test_a_rule_only_resembling_a_listed_one_gets_the_generic_advice(rule):
    assert advice.advice(rule, "id") == texts.ADVICE_GENERIC[0]
    assert advice.advice(rule, "en") == texts.ADVICE_GENERIC[1]


def test_report_shows_the_generic_advice_for_a_new_rule(tmp_path):
    """A W3 finding of a rule no engine emits (yet), named like the backup and TLS rules."""
    run = make_run(0, [0])
    w3 = next(r for r in run["results"] if r["activity"] == "W3")
    w3["findings"] = [{"rule": "tls-backup-probe", "severity": "high", "message": "baru", "evidence": {}}]
    with HistoryStore(tmp_path / "h.sqlite") as history:
        history.record_run(run)
        render_reports(history, tmp_path / "out", now=NOW)
    data = json.loads((tmp_path / "out" / "pn-uji-0" / "laporan.json").read_text(encoding="utf-8"))
    view = next(a for a in data["activities"] if a["id"] == "W3")
    assert view["alternatives"] == [texts.ADVICE_GENERIC[0]]
