# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule code on many rows at once (Analyzer.apply_rules_to) and the rule set's cache of what
matches a kind of row (RuleSet.events) give what the rules give one row at a time."""

from __future__ import annotations

import itertools

from ansible_collections.pn.website.plugins.module_utils.logs import rule_set
from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import AGENT_SHIFT, Analyzer
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import (
    FIELD_AGENT,
    FIELD_HOUR,
    FIELD_IP,
    FIELD_METHOD,
    FIELD_REST_OF_TIME,
    FIELD_SIZE,
    FIELD_STATUS,
    FIELD_TARGET,
    LINE_PATTERNS,
)
from ansible_collections.pn.website.plugins.module_utils.logs.rules import AGENT_GOOGLEBOT, split_target
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)


def _rows(lines):
    parsed = LINE_PATTERNS["combined"].findall(("\n".join(lines) + "\n").encode())
    return [row for row in parsed if row[FIELD_IP]]


def _attack_rows():
    lines = corpus.benign_lines(600, seed=5)
    for rule in corpus.ATTACKERS:
        lines += corpus.attack_lines(rule)
    for rule in corpus.FAMILY_ATTACKERS:
        lines += corpus.family_attack(rule) + corpus.family_twin(rule)
    return _rows(corpus.merged(lines[:600], lines[600:]))


def _reference_events(rules, target_bits, agent_bits, method, status, size, verified):
    """What the rule code matched on a row before the cache: every candidate block that holds,
    a rule once (its first block that holds)."""
    found, seen = [], set()
    for matcher in rules.candidates(target_bits, agent_bits):
        if matcher.holds(method, status, size, verified) and matcher.rule not in seen:
            seen.add(matcher.rule)
            found.append((matcher.rule, matcher.has_target))
    return tuple(found)


def test_events_are_what_the_blocks_of_the_rules_match():
    analyzer = Analyzer(fmt="combined")
    rules = analyzer.rules
    rows = _attack_rows()
    assert len(rows) > 1000
    matched = 0
    for row in rows:
        tbits = analyzer.classify_target(row[FIELD_TARGET])
        abits = analyzer.classify_user_agent(row[FIELD_AGENT]) >> AGENT_SHIFT
        for verified in (False, True):
            args = (tbits, abits, row[FIELD_METHOD], row[FIELD_STATUS], row[FIELD_SIZE], verified)
            assert rules.events(*args) == _reference_events(rules, *args)
            matched += bool(rules.events(*args))
    assert matched > 100  # the attacks match rules


def test_the_events_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(rule_set, "EVENTS_CACHE", 8)
    rules = rule_set.build(
        extra=[
            {
                "id": "large-answer",
                "severity": "low",
                "messages": {"id": "Besar.", "en": "Large."},
                "match": {"path": "^/unduh/", "size": {"min": 1000}},
            }
        ]
    )
    bit = next(m.bit for m in rules.matchers if m.rule.id == "large-answer")
    sizes = [str(n).encode() for n in range(0, 4000, 10)]  # a size condition: sizes are keys
    for size, status in itertools.product(sizes, (b"200", b"404")):
        events = rules.events(bit, 0, b"GET", status, size, False)
        assert events == _reference_events(rules, bit, 0, b"GET", status, size, False)
        assert len(rules._events) <= 8  # noqa: SLF001 - the bound under test
    assert rules.events(bit, 0, b"GET", b"200", b"999", False) == ()
    assert [r.id for r, _t in rules.events(bit, 0, b"GET", b"200", b"1000", False)] == ["large-answer"]


def _reference_apply(analyzer, row, target_flags, agent_flags):
    """The rule code on one row as it was before the events cache and the batches."""
    ip, status = row[FIELD_IP], row[FIELD_STATUS]
    when = analyzer._clock.epoch(row[FIELD_HOUR], row[FIELD_REST_OF_TIME])  # noqa: SLF001
    googlebot = bool(agent_flags & AGENT_GOOGLEBOT) and analyzer.is_googlebot(ip)
    done = set()
    for matcher in analyzer.rules.candidates(target_flags, agent_flags >> AGENT_SHIFT):
        if not matcher.holds(row[FIELD_METHOD], status, row[FIELD_SIZE], googlebot) or matcher.rule in done:
            continue
        rule = matcher.rule
        done.add(rule)
        if rule.key == "episode":
            analyzer._episode(rule, row, when)  # noqa: SLF001
            continue
        distinct = {"path": split_target(row[FIELD_TARGET])[0], "target": row[FIELD_TARGET]}.get(
            rule.distinct
        )
        served = matcher.has_target and status[:1] == b"2"
        key = ip if rule.key == "address" else b""
        analyzer._record(rule, key, row, when, distinct, served)  # noqa: SLF001


def test_rows_at_once_give_the_evidence_of_rows_one_at_a_time():
    rows = _attack_rows()
    one, many = Analyzer(fmt="combined"), Analyzer(fmt="combined")
    tflags = [one.classify_target(row[FIELD_TARGET]) for row in rows]
    aflags = [one.classify_user_agent(row[FIELD_AGENT]) for row in rows]
    # Rows with their lines (the evidence), as the polars reader hands them over.
    lines = [row + (b"line %d" % i,) for i, row in enumerate(rows)]
    for row, t, a in zip(lines, tflags, aflags):  # noqa: B905
        _reference_apply(one, row, t, a)
    for start in range(0, len(lines), 97):  # batches cutting through the groups of an address
        many.apply_rules_to(lines[start : start + 97], tflags[start : start + 97], aflags[start : start + 97])
    assert one.findings() == many.findings()
    assert len(one.findings()) > 10
    assert {r.id for r in one.rules.rules.values()} >= {f["rule"] for f in one.findings()}
    assert any(f["rule"] == "error-spike" for f in one.findings()) or not any(
        row[FIELD_STATUS].startswith(b"5") for row in rows
    )


def test_the_per_path_caches_are_bounded_and_change_no_verdict(monkeypatch):
    targets = [row[FIELD_TARGET] for row in _attack_rows()]
    targets += [b"/berita/%d?fbclid=IwAR%d" % (n % 7, n) for n in range(300)]  # one path, many queries
    targets += [b"/wp-admin/setup-config.php?step=%d" % n for n in range(50)]
    fresh = [rule_set.build().classify_target(t) for t in targets]  # a rule set per target: no cache
    monkeypatch.setattr(rule_set, "PATH_CACHE", 4)
    rules = rule_set.build()
    for target, expected in zip(targets * 2, fresh * 2):  # noqa: B905 - the second time from the caches
        assert rules.classify_target(target) == expected
        assert len(rules._pages) <= 4  # noqa: SLF001 - the bounds under test
        assert len(rules._path_hits) <= 4  # noqa: SLF001
    assert any(fresh)
