# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The known problems, as data, only name what the engine knows.

A misspelt fact, operator or placeholder in diagnosis_rules would not fail: a missing fact reads as None
and a missing placeholder shows "-". These checks read the rules the way the engine does and name the
rule and the part that is wrong.
"""

from __future__ import annotations

import string

import pytest

from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis as dg
from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis_rules as rules

#: Facts of one item of an ``each`` list, as the engine builds them.
ITEM_FACTS = {
    "config_tests": {"config"} | set(dg.CONFIG_FACTS),
    "services": {"unit", "state", "journal"},
    "disks": {"disk", "mount"} | set(dg.DISK_FACTS),
    "hostnames": {"entry"},
}
COURT_FACTS = {"court", "server", "probe", "dns", "hardening", "limits"} | set(dg.FACTS)


def signs():
    for rule_id, rule in rules.RULES.items():
        for sign in rule.get("signs") or [rule]:
            yield rule_id, rule, sign


def conditions(condition):
    if isinstance(condition, list):
        for part in condition:
            yield from conditions(part)
    elif isinstance(condition, dict):
        for part in condition.get("any") or [condition.get("not")]:
            yield from conditions(part)
    else:
        yield condition


def paths(sign):
    for condition in conditions((sign.get("when") or []) + [(sign.get("raise_to") or ("", []))[1]]):
        yield condition[0]
        operand = condition[2] if len(condition) > 2 else None
        if isinstance(operand, str) and operand.startswith("$"):
            yield operand[1:]
    for spec in ("values", "evidence"):
        yield from (sign.get(spec) or {}).values()
    for key in ("target", "severity_from"):
        if sign.get(key):
            yield sign[key]


def placeholders(rule):
    texts = list(rule["title"]) + list(rule["explanation"])
    texts += [text for solution in rule["solutions"] for text in solution[2:]]
    return {part[1] for text in texts for part in string.Formatter().parse(text) if part[1]}


@pytest.mark.parametrize("rule_id,rule,sign", list(signs()), ids=[found[0] for found in signs()])
def test_a_rule_reads_known_facts_with_known_operators(rule_id, rule, sign):
    each = sign.get("each")
    known = set(COURT_FACTS)
    if each:
        known |= {"finding"} | set(dg.FINDING_FACTS) if each.startswith("finding_items.") else set()
        known |= ITEM_FACTS.get(each, set())
        assert each.split(".")[0] in COURT_FACTS, "%s: each %s" % (rule_id, each)
    for path in paths(sign):
        assert path.split(".")[0] in known, "%s: unknown fact %s" % (rule_id, path)
    for condition in conditions(sign.get("when") or []):
        assert condition[1] in dg.OPERATORS, "%s: unknown operator %s" % (rule_id, condition[1])
        if condition[1] == "mentions":
            assert condition[2] == condition[2].lower(), rule_id
    assert placeholders(rule) <= set(sign.get("values") or {}), "%s: a text shows what values lack" % rule_id


@pytest.mark.parametrize("rule_id", list(rules.RULES))
def test_a_rule_names_known_problems_solutions_and_parties(rule_id):
    rule = rules.RULES[rule_id]
    earlier = list(rules.RULES)[: list(rules.RULES).index(rule_id)]
    assert set(rule.get("unless", ())) <= set(earlier), (
        "%s: unless names a later or unknown problem" % rule_id
    )
    assert rule["severity"] in dg.SEVERITY_RANK
    assert (rule.get("raise_to") or ("info",))[0] in dg.SEVERITY_RANK
    for fix, action, text_id, text_en in rule["solutions"]:
        assert fix in rules.FIX_KINDS, rule_id
        if fix == "auto":
            assert action in dg.ACTION_ORDER, rule_id
        if fix == "third_party":
            assert action in rules.PARTIES, rule_id
        assert text_id and text_en and text_id != text_en, rule_id
