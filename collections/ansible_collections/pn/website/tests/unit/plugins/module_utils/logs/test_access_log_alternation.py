# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alternations merged where they begin alike: the merged pattern matches exactly where the
pattern as written does, for every pattern of the rule file and the built-in classifiers."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import alternation, rule_set, rules
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)


@pytest.mark.parametrize(
    ("source", "branches"),
    [
        (rb"^/a|^/b(?:x|y)|[|]c|\|d", [rb"^/a", rb"^/b(?:x|y)", rb"[|]c", rb"\|d"]),
        (rb"[]|]x|y", [rb"[]|]x", rb"y"]),
        (rb"[^]|]x|^z", [rb"[^]|]x", rb"^z"]),
        (rb"a[\]|]b|c", [rb"a[\]|]b", rb"c"]),
    ],
)
def test_alternatives_split_at_the_top_level_only(source, branches):
    assert alternation.branches(source) == branches


@pytest.mark.parametrize(
    ("source", "flags", "merged"),
    [
        (rb"slot88|slot777|sbobet|casino", 0, rb"s(?:lot(?:88|777)|bobet)|casino"),
        (rb"abc|ab|a", 0, rb"a(?:b(?:c|)|)"),  # an alternative that ends: an empty one
        (rb"(?:\.env|\.git/|id_rsa)", 0, rb"\.(?:env|git/)|id_rsa"),  # the group that is all of it
        (rb"^/solr/|^/actuator|x", 0, rb"^/(?:solr/|actuator)|x"),
        (rb"Nikto|nmap|NESSUS", re.I, rb"N(?:ikto|map|ESSUS)"),  # letters of either case, any case
        (rb"Nikto|nmap", 0, rb"Nikto|nmap"),  # ... but not without re.I
        (rb"a?b|ac|a*d|a{2}e", 0, rb"a?b|ac|a*d|a{2}e"),  # a quantified first character stays
        (rb"\d1|\d2|\w3|\.4|\.5", 0, rb"\d1|\d2|\w3|\.(?:4|5)"),  # classes are not characters
        (rb"[ab]x|[ab]y|(?:c)x|(?:c)y", 0, rb"[ab]x|[ab]y|c(?:x|y)"),
        (rb"(a)x\1|ay", 0, rb"(a)x\1|ay"),  # back-references: groups keep their numbers
        (rb"(?i)ab|ac", 0, rb"(?i)ab|ac"),  # flags for the whole pattern stay in front
        # A leading group is spread over its tail ("(?:a|b)c" is "ac|bc"), unless repeated,
        # named, or of more than 8 alternatives with a tail to write again for each.
        (rb"(?:a|b)c|(?:a|b)d", 0, rb"a(?:c|d)|b(?:c|d)"),
        (rb"(?:^|&)a=1|(?:^|&)b=2|#x", 0, rb"^(?:a=1|b=2)|&(?:a=1|b=2)|#x"),
        (rb"(?:a|b)?c|(?:a|b)*d", 0, rb"(?:a|b)?c|(?:a|b)*d"),
        (rb"(?P<n>a|b)c|(?:a)d", 0, rb"(?P<n>a|b)c|ad"),
        (rb"(?:a|b|c|d|e|f|g|h|i)x|y", 0, rb"(?:a|b|c|d|e|f|g|h|i)x|y"),
        (rb"(?:a|b|c|d|e|f|g|h|i)|y", 0, rb"a|b|c|d|e|f|g|h|i|y"),
        (rb"ab|ac", re.X, rb"ab|ac"),  # verbose: spaces and comments are not characters
    ],
)
def test_alternatives_that_begin_alike_are_merged(source, flags, merged):
    assert alternation.merged(source, flags) == merged
    assert alternation.compile_merged(source, flags).pattern == merged


def _sources():
    """(source, flags) of every pattern the classification searches: the rule file's patterns
    (alone and joined per part, as the quick test joins them) and the built-in classifiers."""
    with open(rule_set.DATA_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    found = {"path": [], "query": [], "target": [], "user_agent": []}
    for rule in data["rules"]:
        blocks = rule["match"] if isinstance(rule["match"], list) else [rule["match"]]
        for block in blocks:
            for name, patterns in found.items():
                if name in block:
                    patterns.append(block[name].encode("utf-8"))
    out = []
    for name, patterns in found.items():
        flags = re.I if name == "user_agent" else 0
        out += [(p, flags) for p in patterns]
        out.append((b"|".join(b for p in patterns for b in alternation.branches(p)), flags))
    rules.classify_target(b"/")  # the built-in classifiers, compiled
    out += [(source, pattern.flags) for pattern, source in alternation.WRITTEN.items()]
    return out


SOURCES = _sources()


def _texts():
    """Lower-cased and as-written targets and user agents of the corpus' attack, twin and benign
    lines: what the patterns match, and near misses."""
    lines = list(corpus.benign_lines(2000, seed=5))
    for rule in corpus.ATTACKERS:
        lines += corpus.attack_lines(rule)
    for rule in corpus.FAMILY_ATTACKERS:
        lines += corpus.family_attack(rule) + corpus.family_twin(rule)
    texts = set()
    for line in lines:
        parts = line.split('"')
        request = parts[1].split(" ")
        values = [request[1]] if len(request) == 3 else []
        values += [parts[-2]] if len(parts) >= 6 else []
        for value in values:
            raw = value.encode("latin-1", "replace")
            texts.update((raw, raw.lower(), raw.partition(b"?")[0], raw.partition(b"?")[2]))
    return sorted(texts)


def _same_matches(texts):
    for source, flags in SOURCES:
        written = re.compile(source, flags)
        merged = re.compile(alternation.merged(source, flags), flags)  # compiles, or this fails
        for text in texts:
            assert bool(written.search(text)) == bool(merged.search(text)), (source, text)
            assert bool(written.match(text)) == bool(merged.match(text)), (source, text)


def test_merged_patterns_match_where_the_written_ones_do():
    texts = _texts()
    assert len(SOURCES) > 40 and len(texts) > 500
    assert sum(alternation.merged(s, f) != s for s, f in SOURCES) > 10  # it merges something
    _same_matches(texts)


_PIECES = (
    "/", "wp-", "wp-content/plugins/", "wp-login.php", "xmlrpc.php", "admin", "administrator/",
    "phpmyadmin", "setup.php", ".env", ".git/", "config", ".php", ".bak", "?", "&", "=", "author=",
    "1", "option=com_", "../", "%2e", "${jndi:", "invokefunction", "slot", "gacor", "togel", "sqlmap",
    "nikto", "Nikto", "zgrab", "bot", "x", "-", "_", " ", "(", ")", "{", "}", ";", "#",
)  # fmt: skip


@settings(deadline=None, max_examples=80)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), min_size=1, max_size=40))
def test_merged_patterns_match_where_the_written_ones_do_on_pieces(pieces):
    _same_matches([p.encode() for p in pieces])
