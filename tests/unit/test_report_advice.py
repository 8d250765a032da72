"""Alternatives in the reports are chosen by the exact rule id of a finding: every rule id the engines,
the roles and the store emit is either given advice or deliberately left with the generic advice, and a
rule id only resembling a listed one gets the generic advice."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis
from ansible_collections.pn.website.plugins.module_utils.hardening import hardening_audit_data
from ansible_collections.pn.website.plugins.module_utils.logs import rules as access_log_rules
from ansible_collections.pn.website.plugins.module_utils.renewals import renewals
from sopansible import store
from sopansible.report import activities, advice, render_reports, texts
from sopansible.store import HistoryStore
from tests.unit.test_report import NOW, make_run

COLLECTION = Path(__file__).resolve().parents[2] / "collections" / "ansible_collections" / "pn" / "website"

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
}
# What an activity that is not ok without a finding of its own, or W8 without a backup after a fix,
# falls back to (sopansible.report.activities); no engine emits these.
ACTIVITY_RULES = {"site-down", "backup", "attack", "renew", "restore"}


# -- the rule ids emitted ------------------------------------------------------------------------------
def _literals(node: ast.AST) -> set[str]:
    """The rule ids a value can be: a string, either branch of ``a if c else b``, a tuple's first item."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    if isinstance(node, ast.Tuple) and node.elts:
        return _literals(node.elts[0])
    return set()


def _is_rule(target: ast.AST) -> bool:
    """``rule = ...`` or ``rule, severity = ...``."""
    first = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
    return isinstance(first, ast.Name) and first.id == "rule"


def _python_rules(source: str) -> set[str]:
    """Rule ids written in engine code: the first argument of a ``*finding(...)`` call, a value given to
    ``rule``, a ``{"rule": ...}`` item, and tuples appended to a list that is unpacked into ``rule``."""
    ids: set[str] = set()
    appended: dict[str, list[ast.Tuple]] = {}
    unpacked: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.endswith("finding") and node.args:
                ids |= _literals(node.args[0])
            if (
                name == "append"
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                appended.setdefault(func.value.id, []).append(node.args[0])
        elif isinstance(node, ast.Assign) and any(_is_rule(t) for t in node.targets):
            ids |= _literals(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "rule":
                    ids |= _literals(value)
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and isinstance(node.iter, ast.Name)
        ):
            names = [getattr(e, "id", None) for e in node.target.elts]
            if "rule" in names:
                unpacked.append((node.iter.id, names.index("rule")))
    for var, index in unpacked:
        ids |= {r for t in appended.get(var, []) if index < len(t.elts) for r in _literals(t.elts[index])}
    return ids


_TEMPLATE_RULE = re.compile(r"""['"]rule['"]:\s*'([a-z0-9-]+)'(?:\s+if\s[^\n]*?\selse\s+'([a-z0-9-]+)')?""")
_YAML_RULE = re.compile(r"^\s*-?\s*rule:\s*([a-z0-9-]+)\s*$", re.MULTILINE)


def emitted_rule_ids() -> set[str]:
    """Every rule id a finding can carry: read from the engines' code and the roles' result templates
    and tasks, plus the engines' rule tables and the store's own rule."""
    ids: set[str] = set()
    for path in (COLLECTION / "plugins" / "module_utils").rglob("*.py"):
        ids |= _python_rules(path.read_text(encoding="utf-8"))
    for path in (COLLECTION / "roles").rglob("*"):
        if path.suffix in (".j2", ".yml", ".yaml") and path.is_file():
            text = path.read_text(encoding="utf-8")
            ids |= {rule for match in _TEMPLATE_RULE.finditer(text) for rule in match.groups() if rule}
            ids |= set(_YAML_RULE.findall(text))
    ids |= set(access_log_rules.RULE_SEVERITY)  # the log audit's rules are table keys
    ids |= set(diagnosis.RULES)  # W6/W7 findings carry the problem id
    ids |= set(hardening_audit_data.CONTROLS)  # IT-AUDIT findings carry the control id
    ids |= {f"{kind}-{state}" for kind in renewals.KINDS for state in ("expired", "expiring")}
    ids.add(store.INVALID_RULE)
    return ids


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
