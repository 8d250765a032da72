# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule code on many rows at once (Analyzer.apply_rules_to) and the rule set's cache of what
matches a kind of row (RuleSet.events) give what the rules give one row at a time."""

from __future__ import annotations

import collections
import itertools
import time

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import analyzer as analyzer_module
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


class _ReferenceEvidence:
    """The evidence of one (rule, address) as the rule code kept it one event at a time."""

    def __init__(self):
        self.count = 0
        self.first = None
        self.last = None
        self.samples = []
        self.distinct = set()
        self.window = collections.deque()
        self.fired = False
        self.statuses = collections.Counter()
        self.served = 0


def _reference_record(analyzer, rule, key, row, when, distinct=None, served=False):
    """One event of ``rule`` for ``key``: the evidence and whether the rule fires, as the rule
    code recorded it one event at a time (the analyzer now does it inside its loop over rows)."""
    evidences = analyzer._evidence  # noqa: SLF001
    evidence = evidences.get((rule.id, key))
    if evidence is None:
        if len(evidences) >= analyzer_module.MAX_KEYS:
            evidences = analyzer._evidence = {k: e for k, e in evidences.items() if e.fired}  # noqa: SLF001
            analyzer.evidence_dropped = True
        evidence = evidences[(rule.id, key)] = _ReferenceEvidence()
    evidence.count += 1
    if evidence.first is None or when[0] < evidence.first[0]:
        evidence.first = when
    if evidence.last is None or when[0] >= evidence.last[0]:
        evidence.last = when
    evidence.statuses[row[FIELD_STATUS]] += 1
    evidence.served += served
    new_distinct = True
    if distinct is not None:
        if distinct in evidence.distinct:
            new_distinct = False
        elif len(evidence.distinct) < analyzer_module.DISTINCT_KEPT:
            evidence.distinct.add(distinct)
    if len(evidence.samples) < analyzer.max_samples and new_distinct:
        evidence.samples.append(analyzer._line_of(row))  # noqa: SLF001
    if evidence.fired:
        return
    if rule.count <= 1:
        evidence.fired = True
        return
    if distinct is not None and not new_distinct:
        return
    window = evidence.window
    window.append(when[0])
    if rule.window:
        while window and when[0] - window[0] > rule.window:
            window.popleft()
    if len(window) >= rule.count:
        evidence.fired = True
        window.clear()


def _reference_apply(analyzer, row, target_flags, agent_flags):
    """The rule code on one row as it was before the events cache and the batches."""
    ip, status = row[FIELD_IP], row[FIELD_STATUS]
    when = analyzer.clock.epoch(row[FIELD_HOUR], row[FIELD_REST_OF_TIME])
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
        _reference_record(analyzer, rule, key, row, when, distinct, served)


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


# --- floods of addresses: the evidence of every (rule, address), one event at a time or in the loop

_PROBES = (
    "/.env",
    "/.git/config",
    "/wp-login.php",
    "/xmlrpc.php",
    "/phpmyadmin/index.php",
    "/pma/setup.php",
    "/admin/login.php",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/solr/admin/info/system",
    "/actuator/env",
    "/shell.php",
    "/HNAP1/",
    "/wp-content/plugins/a%d/readme.txt",
    "/kegiatan%d.php",
    "/berita/%d",
    "/?author=%d",
    "/index.php?option=com_x%d",
    "/berita/1?q=%d",
)
_AGENTS = (
    "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.31.0",
    corpus.PEOPLE_UA[0],
    corpus.GOOGLEBOT_UA,
    "sqlmap/1.7",
)
_ZONES = (("+0700", 7 * 3600), ("+0000", 0), ("-0100", -3600))

_flood_event = st.tuples(
    st.integers(0, 3),  # address (a few: many events each)
    # seconds after the previous line: the same second, out of order, on the edge of a window
    st.sampled_from((0, 0, 1, 2, -1, -5, 30, 59, 60, 61, 300, 599, 600, 601, 900)),
    st.integers(0, len(_ZONES) - 1),
    st.integers(0, len(_PROBES) - 1),
    st.integers(0, 6),  # the number in a probe
    st.sampled_from((b"GET", b"POST")),
    st.sampled_from((b"200", b"301", b"403", b"404", b"500", b"503")),
    st.integers(0, len(_AGENTS) - 1),
)


def _flood_rows(events):
    rows, epoch = [], corpus.START
    for address, step, zone, probe, number, method, status, agent in events:
        epoch += step
        zone_text, offset = _ZONES[zone]  # the same second in another time zone: another stamp
        local = time.gmtime(epoch + offset)
        stamp = "%02d/%s/%04d:%02d:%02d:%02d" % (
            local.tm_mday,
            corpus.MONTHS[local.tm_mon - 1],
            local.tm_year,
            local.tm_hour,
            local.tm_min,
            local.tm_sec,
        )
        target = (_PROBES[probe] % number if "%d" in _PROBES[probe] else _PROBES[probe]).encode()
        rows.append(
            (
                b"",
                b"45.0.0.%d" % address,
                stamp[:14].encode(),
                (stamp[14:20] + " " + zone_text).encode(),
                method,
                target,
                b"HTTP/1.1",
                status,
                b"162",
                b"-",
                _AGENTS[agent].encode(),
                b"line %d" % len(rows),  # the line (evidence), as the polars reader hands it over
            )
        )
    return rows


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(_flood_event, min_size=1, max_size=300),
    batch=st.integers(1, 64),
    max_keys=st.sampled_from((4, 16, 200000)),
    distinct_kept=st.sampled_from((2, 10000)),
    max_samples=st.sampled_from((0, 1, 5)),
    count=st.integers(1, 4),
    window=st.sampled_from((0, 1, 60, 600)),
)
# Two requests exactly a window apart are within it; the same second in two time zones: the last
# of them is the last seen.
@example(
    events=[(0, 0, 0, 0, 0, b"GET", b"404", 0), (0, 60, 0, 0, 0, b"GET", b"404", 0)],
    batch=2,
    max_keys=200000,
    distinct_kept=10000,
    max_samples=5,
    count=2,
    window=60,
)
@example(
    events=[(0, 0, 0, 0, 0, b"GET", b"404", 0), (0, 0, 1, 0, 0, b"GET", b"404", 0)],
    batch=2,
    max_keys=200000,
    distinct_kept=10000,
    max_samples=5,
    count=1,
    window=0,
)
def test_flood_evidence_in_the_loop_is_the_evidence_of_one_event_at_a_time(
    events, batch, max_keys, distinct_kept, max_samples, count, window
):
    """Whatever the order of times, the caps (addresses kept, distinct values kept) and the
    thresholds, recording the evidence inside the loop over rows gives the findings of the rule
    code that recorded one event at a time."""
    rows = _flood_rows(events)
    thresholds = {
        rule: {"count": count, "window": window}
        for rule in ("http-probing", "admin-interface-probing", "wordpress-plugin-scan", "sensitive-files")
    }
    old_keys, old_kept = analyzer_module.MAX_KEYS, analyzer_module.DISTINCT_KEPT
    analyzer_module.MAX_KEYS, analyzer_module.DISTINCT_KEPT = max_keys, distinct_kept
    try:
        one = Analyzer(fmt="combined", thresholds=thresholds, max_samples=max_samples)
        many = Analyzer(fmt="combined", thresholds=thresholds, max_samples=max_samples)
        tflags = [one.classify_target(row[FIELD_TARGET]) for row in rows]
        aflags = [one.classify_user_agent(row[FIELD_AGENT]) for row in rows]
        for row, t, a in zip(rows, tflags, aflags):  # noqa: B905
            _reference_apply(one, row, t, a)
        for start in range(0, len(rows), batch):
            many.apply_rules_to(
                rows[start : start + batch], tflags[start : start + batch], aflags[start : start + batch]
            )
        assert many.findings() == one.findings()
        assert many.evidence_dropped == one.evidence_dropped
    finally:
        analyzer_module.MAX_KEYS, analyzer_module.DISTINCT_KEPT = old_keys, old_kept
