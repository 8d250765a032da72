# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vectorised "no rule can match" test of the polars engine: the rules' patterns rewritten for
the Rust regex engine match wherever the Python ones do, and the targets it decides get exactly
the flags the Python classification gives them."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import prefilter, rule_set, rules
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)

af = pytest.importorskip("ansible_collections.pn.website.plugins.module_utils.logs.polars_reader")
if not af.HAS_POLARS:
    pytest.skip("polars is not installed", allow_module_level=True)
pl = af.pl

# Targets at the edges of the test: percent-encoded, "+" for a space, mixed case, absolute form,
# not ASCII, one rule only, and benign twins of attacks.
EDGE_TARGETS = [
    "/.env",
    "/.ENV",
    "/%2eenv",
    "/.env.bak",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/..%2f..%2fetc/passwd",
    "/?q=union+select+1,2",
    "/?q=UNION%20SELECT%201",
    "/?q=union+selected+works",  # twin: a word, not an injection
    "/?author=1",
    "/index.php?author=2",
    "/?Author=1",
    "/?authors=list",  # twin
    "/wp-json/wp/v2/users",
    "/wp-json/wp/v2/users?context=edit",  # twin: the block editor
    "/WP-JSON/WP/V2/USERS",
    "/wp-login.php",
    "/WP-LOGIN.PHP",
    "/wp-login%2ephp",
    "/wp-login.phpx",  # twin
    "/shell.php",
    "/SHELL.PHP",
    "/c99.php",
    "/wso.aspx",
    "/c99.php.bak",  # twin
    "/x.c99.php",  # twin
    "/uploads/x.php",
    "/uploads/x.asp",  # twin: a script, not PHP
    "/uploads/foto.jpg",  # twin
    "/Uploads/X.PHP",
    "/images/2026/x.phtml",
    "/putusan12.php",  # a scan's script: neither a backdoor's name nor uploaded
    "/sidang.jsp",
    "http://evil.example/.git/config",
    "http://evil.example",
    "/caf\xe9.php",
    "/caf\xe9",
    "/?x=slot+gacor",
    "/?x=slot%20gacor",
    "/?x=SLOT+GACOR",
    "/?x=slotgacor",
    "/berita?page=casino",
    "/?url=http://evil.example/shell.txt?",
    "/cgi-bin/luci",
    "/phpmyadmin/",
    "/PhpMyAdmin/index.php",
    "/phpmyadmin-docs/",  # twin
    "/manager/html",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/?%ADd+allow_url_include%3d1",
    "/index.php?s=/Index/\\think\\app/invokefunction",
    "/x%00.php",
    "/%0a",
    "/a+b.php",
    "/a.p+hp",
    "/berita/2026/kegiatan.PDF",
    "/berita/2026/kegiatan.pdf?download=1",
    "/?s=%3Cscript%3Ealert(1)%3C/script%3E",
    "/?s=<svg/onload=alert(1)>",
    "/rahasia/x",
    "/rahasia/y",
    "/RAHASIA/x",
    "/?Token=abc",
    "/?token=abc",
    "/?tok+en=abc",
    "/",
    "",
    "*",
]
# A court's own rules: a look-ahead, ignoring case inline, a query condition.
COURT_RULES = [
    {
        "id": "court-secret-folder",
        "severity": "medium",
        "messages": {"id": "Folder rahasia: {count}.", "en": "Secret folder: {count}."},
        "match": {"path": "^/rahasia/(?=x)"},
    },
    {
        "id": "court-token-leak",
        "severity": "low",
        "messages": {"id": "Token: {count}.", "en": "Token: {count}."},
        "match": {"query": "(?i)(?:^|&)token="},
    },
]


def _benign(n: int) -> list:
    rng = random.Random(7)
    out = []
    for i in range(n):
        roll = i % 4
        if roll == 0:
            out.append("/berita/2026/11/kegiatan-%d?fbclid=IwAR%016x" % (i, rng.getrandbits(64)))
        elif roll == 1:
            out.append("/?s=putusan+jadwal+%d" % i)
        elif roll == 2:
            out.append("/wp-content/uploads/2020/01/putusan-%d-pdt.g-2020-pn.pdf" % i)
        else:
            out.append("/assets/app-%d.js" % i)
    return out


def _decided(reader, targets):
    """(targets left to Python, the flags the vectorised test set)."""
    left = reader._quiet_targets(list(targets))
    return left, dict(reader._target_flags)


@pytest.mark.parametrize("extra", [[], COURT_RULES], ids=["rule-file", "court-rules"])
def test_decided_targets_get_the_python_flags(extra):
    reader = af.PolarsReader(extra_rules=extra)
    targets = EDGE_TARGETS + _benign(400)
    left, decided = _decided(reader, targets)
    assert decided, "the vectorised test decided nothing"
    assert len(left) < len(EDGE_TARGETS)  # most padding decided, the attacks left to Python
    python = reader.analyzer.rules.classify_target
    for target, flags in decided.items():
        assert flags == python(target.encode("latin-1")), target
    # Left to Python: percent-escapes, not ASCII, absolute form, and what a rule may match.
    for target in ("/%2eenv", "/caf\xe9", "http://evil.example", "/.env", "/?author=1"):
        assert target in left
    # Scripts with a flag of their own are left to Python, the others decided.
    assert {"/c99.php", "/wso.aspx", "/uploads/x.php", "/Uploads/X.PHP", "/images/2026/x.phtml"} <= set(left)
    assert {"/putusan12.php", "/sidang.jsp", "/uploads/x.asp", "/x.c99.php", "/a+b.php"} <= set(decided)
    if extra:
        assert {"/rahasia/x", "/?Token=abc", "/?token=abc"} <= set(left)


def test_a_pattern_that_cannot_be_rewritten_turns_the_test_off():
    multiline = dict(COURT_RULES[0], match={"path": "(?m)^/rahasia$"})
    reader = af.PolarsReader(extra_rules=[multiline])
    targets = _benign(300)
    left, decided = _decided(reader, targets)
    assert left == targets and not decided


@pytest.mark.parametrize(
    ("source", "flags", "text"),
    [
        (rb"a(?!b)", 0, "ab"),  # a look-ahead is left out: matches more
        (rb"(?<=x)a", 0, "a"),
        (rb"(a)\1", 0, "ab"),  # a back-reference is "anything"
        (rb"^(a)?(?(1)b|c)$", 0, "ac"),
        (rb"x{2000}", 0, "x" * 1500),  # a count above the Rust limit: "at least 1000"
    ],
)
def test_rewritten_patterns_match_at_least_as_much(source, flags, text):
    rust = prefilter.rust_pattern(re.compile(source, flags))
    assert pl.Series([text]).str.contains(rust).item()


def test_flags_that_change_matching_are_not_rewritten():
    assert prefilter.rust_pattern(re.compile(rb"^a$", re.M)) is None
    assert prefilter.rust_pattern(re.compile(rb"(?m)^a$")) is None
    assert prefilter.rust_pattern(re.compile(rb"(?i:a(?-i:b))")) is None
    assert prefilter.rust_pattern(re.compile(rb"A", re.I)) is not None
    assert prefilter.any_of([re.compile(rb"a"), re.compile(rb"(?m)^a$")]) is None


def _haystacks():
    """Printable-ASCII texts that the rules' patterns match, and near misses: the decoded, lower-cased
    parts of the edge targets and of the corpus' attack and benign lines."""
    texts = set()
    lines = list(corpus.benign_lines(3000, seed=3))
    for rule in corpus.ATTACKERS:
        lines += corpus.attack_lines(rule)
    for rule in corpus.FAMILY_ATTACKERS:
        lines += corpus.family_attack(rule) + corpus.family_twin(rule)
    targets = list(EDGE_TARGETS)
    for line in lines:
        request = line.split('"')[1].split(" ")
        if len(request) == 3:
            targets.append(request[1])
    for target in targets:
        raw = target.encode("latin-1", "replace")
        decoded = rules.decode_target(raw)
        path, query = rules.split_target(decoded)
        for text in (raw.lower(), decoded, path, query, raw):
            if all(0x20 <= b < 0x7F for b in text):
                texts.add(text)
    return sorted(texts)


def test_every_rule_pattern_rewritten_matches_where_python_does():
    """On printable ASCII, whatever a pattern of the rule file or a built-in test matches, its
    rewritten form matches too (it may match more)."""
    built = rule_set.build(extra=COURT_RULES)
    patterns = [(p, False) for keys in built.key_patterns for p in keys]
    patterns += [(p, False) for p in rules.HINT_PATTERNS]
    patterns += [(p, anchored) for _part, p, anchored in rules.FULL_TESTS]
    patterns.append((rules.UPLOAD_DIR_RE, False))
    texts = _haystacks()
    series = pl.Series([t.decode("ascii") for t in texts])
    for pattern, anchored in patterns:
        rust = prefilter.rust_pattern(pattern, anchored)
        assert rust is not None, pattern.pattern
        found = series.str.contains(rust).to_list()
        test = pattern.match if anchored else pattern.search
        for text, hit in zip(texts, found):  # noqa: B905
            if test(text):
                assert hit, (pattern.pattern, text)


_PIECES = (
    "/", "berita", "wp-", "wp-content/", "uploads/", "plugins/", "admin", "login", "shell", "x", "1",
    "-", "_", ".", ".php", ".js", ".pdf", ".env", ".bak", ".git/", "config", "?", "&", "=", "+",
    "author=1", "s=", "fbclid=IwAR", "option=com_", "..", "%2e", "Select", "union", "slot", "gacor",
    "~", "(", "'", "A", "c99", "wso", ".PHP", ".phtml", ".asp", ".cgi", "images/", "Uploads/", "tmp",
)  # fmt: skip


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.sampled_from(_PIECES), min_size=1, max_size=9).map("".join), min_size=1, max_size=300
    )
)
def test_targets_decided_in_two_steps_get_the_python_flags(pieces):
    """Whether or not a target has a hint (the built-in classes are then tested on it), every
    target the vectorised test decides gets the flags of the Python classification."""
    reader = af.PolarsReader()
    targets = sorted({"/" + p for p in pieces})
    left, decided = _decided(reader, targets)
    assert set(left) | set(decided) == set(targets) and not set(left) & set(decided)
    python = reader.analyzer.rules.classify_target
    for target, flags in decided.items():
        assert flags == python(target.encode("latin-1")), target
