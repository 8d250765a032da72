# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests: the parser never raises and accounts for every line."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import rules
from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import Analyzer
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import (
    FIELD_IP,
    FORMATS,
    LINE_PATTERNS,
    row_of_columns,
    split_combined,
)
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)

GOOD = corpus.line("203.0.113.9", corpus.START, "GET", "/berita/1", 200, 2326, "-", corpus.PEOPLE_UA[0])
FRAGMENTS = [
    GOOD,
    '"',
    "\\",
    "\\x22",
    "[",
    "]",
    " ",
    "\t",
    "\r",
    "\x00",
    "-",
    "GET",
    "/.env",
    "../",
    "%2e%2e",
    "union select",
    "<script>",
    "Googlebot",
    "sqlmap",
    "wp-login.php",
    "slot-gacor",
    "16/Nov/2026:00:00:07 +0700",
    "99/Foo/0000:99:99:99 +9999",
    "200",
    "503",
    "999999999999999999999999",
    "Dec  2 10:00:01 web01 nginx: ",
    "<190>1 2026-11-19T10:00:01Z web01 nginx - - - ",
    "pn-contoh.go.id:443 ",
    ' "10.0.0.1, 198.51.100.2"',
]

settings.register_profile(
    "access_log", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)

line_strategy = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12)
    .map("".join)
    .map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.builds(
        lambda i, cut: GOOD.encode()[:cut] + i,
        st.binary(max_size=20),
        st.integers(min_value=0, max_value=len(GOOD)),
    ),
)


def _count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


@settings(settings.get_profile("access_log"))
@given(st.lists(line_strategy, max_size=30), st.sampled_from(("auto",) + FORMATS))
def test_parser_never_raises_and_counts_every_line(lines, fmt):
    data = b"\n".join(lines)
    result = al.analyze_bytes(data, fmt=fmt)
    assert result["lines"] == _count_lines(data)
    assert 0 <= result["malformed"] <= result["lines"]
    assert result["summary"]["requests"] == result["lines"] - result["malformed"]
    for finding in result["findings"]:
        assert finding["rule"] in rules.RULES
        for sample in finding["samples"]:
            assert sample.isprintable()  # control characters escaped; HTML is the report's job


@settings(settings.get_profile("access_log"))
@given(st.lists(st.sampled_from(FRAGMENTS[1:]), max_size=8).map("".join), st.binary(max_size=40))
def test_prefilter_never_hides_a_flag(text, raw):
    for target in (text.encode("utf-8", "surrogatepass"), raw, b"/" + raw, ("/?q=" + text).encode()):
        full = rules.classify_target_full(target)
        assert rules.classify_target(target) == full


@settings(settings.get_profile("access_log"))
@given(st.lists(st.sampled_from([GOOD] + corpus.attack_lines("sqli-probing")), min_size=1, max_size=40))
def test_valid_lines_are_never_malformed(lines):
    result = al.analyze_bytes(("\n".join(lines) + "\n").encode())
    assert result["malformed"] == 0
    assert result["lines"] == len(lines)


PLAIN = [
    GOOD,
    corpus.line("66.249.66.1", corpus.START + 5, "HEAD", "/feed/", 304, "-", "-", corpus.GOOGLEBOT_UA),
    corpus.line(
        "2001:db8::1", corpus.START + 9, "POST", "/wp-login.php?x=1&y=2", 302, 0, "https://a.b/", "curl/8"
    ),
    corpus.line("10.0.0.1", corpus.START + 9, "GET", "", 400, 0, "", ""),
]
MUTATIONS = [
    lambda s: s,
    lambda s: s.replace(" HTTP/1.1", ""),  # no protocol
    lambda s: s.replace(" +0700]", "]"),  # no time zone
    lambda s: s.replace('"GET ', '"GET  '),  # two spaces in the request
    lambda s: s.replace('"GET ', '"-'),
    lambda s: s.replace(" 200 ", " 20 "),
    lambda s: s.replace(" - - ", " - "),
    lambda s: s + " extra",
    lambda s: s + ' "extra"',
    lambda s: s.replace("Mozilla", 'Moz\\"illa'),
    lambda s: s.replace("Mozilla", "Moz\\x22illa"),
    lambda s: s.replace("Mozilla", "Moz\tilla"),
    lambda s: s + "\r",
    lambda s: s[: len(s) // 2],
    lambda s: s.replace("[", "[ "),
    lambda s: s.replace('" 200', '"200'),
    lambda s: s.replace('" "', '"  "'),
    lambda s: s.replace("/berita/1", "/berita/1\x00"),
]


@settings(settings.get_profile("access_log"))
@given(
    st.lists(
        st.tuples(st.sampled_from(PLAIN), st.sampled_from(range(len(MUTATIONS)))), min_size=1, max_size=12
    ),
)
def test_fast_path_equals_the_regex_parser(lines):
    texts = [MUTATIONS[m](line) for line, m in lines]
    block = ("\n".join(texts) + "\n").encode()
    rows = LINE_PATTERNS["combined"].findall(block)
    fast = split_combined(block)
    if fast is not None:
        columns, ts, tzs = fast
        assert [row_of_columns(columns, ts, tzs, i) for i in range(len(columns[FIELD_IP]))] == rows
        assert _EMPTY not in rows
    analyzer = Analyzer(fmt="combined")
    analyzer.feed_block(block, "combined")
    assert (analyzer.lines, analyzer.malformed) == (len(rows), rows.count(_EMPTY))


_EMPTY = (b"",) * 11


def test_fast_path_taken_for_plain_lines():
    block = ("\n".join(PLAIN) + "\n").encode()
    assert split_combined(block) is not None
    assert split_combined(block.replace(b"Mozilla", b"Moz\\x22illa")) is None


# What split_combined accepts, per line, written as regular expressions (how it was first built):
# its column checks must accept exactly these lines, and the rows must be the regex parser's.
_WORD = rb'[^\s"\\\x00]+'
_HEAD = _WORD + b" " + _WORD + b" " + _WORD + rb" \[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "
_REQUEST = rb'[A-Za-z]{1,16} [^\s"\\\x00]* [^\s"\\\x00]{1,16}'
_PLAIN_LINE = re.compile(
    _HEAD + rb'"' + _REQUEST + rb'" \d{3} (?:\d+|-) "[^"\\\n\t\r\x0b\x0c\x00]*" "[^"\\\n\t\r\x0b\x0c\x00]*"'
)
_ADVERSARIAL = [
    GOOD.replace(" - - ", " - - x "),
    GOOD.replace(" - - ", " - "),
    GOOD.replace(" - - ", " -  - "),
    " " + GOOD,
    GOOD.replace("203.0.113.9", "2001:db8::9"),
    GOOD.replace("+0700", "-0000"),
    GOOD.replace("+0700", "0700"),
    GOOD.replace(":07 +0700", ":0 +07000"),
    GOOD.replace("/Nov/", "/N0v/"),
    GOOD.replace("/Nov/", "/Nove/"),
    GOOD.replace("16/", "6/"),
    GOOD.replace("] ", "]  "),
    GOOD.replace('" 200 ', '"  200 '),
    GOOD.replace(" 200 ", " 200  "),
    GOOD.replace(" 200 2326 ", " 200 23-6 "),
    GOOD.replace(" 200 2326 ", " 200 -- "),
    GOOD.replace(" 200 2326 ", " 200 - "),
    GOOD.replace(" 200 2326 ", " 2000 2326 "),
    GOOD.replace(" 200 2326 ", " 200 "),
    GOOD.replace(" 200 2326 ", " 200 2326 1 "),
    GOOD.replace(" 200 2326 ", " 200 " + "9" * 3000 + " "),
    GOOD.replace("GET ", "GETGETGETGETGETGE "),
    GOOD.replace("GET ", "GETGETGETGETGETG "),
    GOOD.replace("GET ", "G\u00e9T "),
    GOOD.replace("GET ", "G3T "),
    GOOD.replace("GET ", " "),
    GOOD.replace("/berita/1", ""),
    GOOD.replace("/berita/1", "/berita/1 x"),
    GOOD.replace("/berita/1", "/\x1c\x85\u00a0" + "x" * 5000),
    GOOD.replace("HTTP/1.1", "HTTP/1.1111111111111"),
    GOOD.replace("HTTP/1.1", "HTTP/1.11111111111111"),
    GOOD.replace("HTTP/1.1", "H\x0bTTP"),
    GOOD.replace("Mozilla", "Moz\x0cilla"),
    GOOD.replace('"-"', '""'),
    GOOD.replace('"-" "', '"-""'),
    GOOD + " ",
]


def _lines_of(block: bytes) -> list:
    return block.split(b"\n")[:-1] if block.endswith(b"\n") else [None]


@settings(settings.get_profile("access_log"))
@given(
    st.lists(st.sampled_from(PLAIN + _ADVERSARIAL + FRAGMENTS), min_size=1, max_size=8),
    st.sampled_from(["\n", "", "\n\n", "\r\n"]),
)
def test_fast_path_accepts_exactly_the_plain_lines(lines, end):
    block = "\n".join(lines).encode("utf-8", "surrogatepass") + end.encode()
    fast = split_combined(block)
    expected = all(line is not None and _PLAIN_LINE.fullmatch(line) for line in _lines_of(block))
    assert (fast is not None) == expected
    if fast is not None:
        columns, ts, tzs = fast
        rows = LINE_PATTERNS["combined"].findall(block)
        assert [row_of_columns(columns, ts, tzs, i) for i in range(len(columns[FIELD_IP]))] == rows


def test_fast_path_keeps_lines_apart():
    # Five words before the time on one line and three on the next: as many spaces in all.
    shifted = GOOD.replace(" - - ", " - - x ") + "\n" + GOOD.replace(" - - ", " - ") + "\n"
    assert split_combined(shifted.encode()) is None
    shifted = GOOD.replace("GET ", "GET x ") + "\n" + GOOD.replace(" HTTP/1.1", "") + "\n"
    assert split_combined(shifted.encode()) is None
    shifted = GOOD.replace(" 2326 ", " 2326 1 ") + "\n" + GOOD.replace(" 2326 ", " ") + "\n"
    assert split_combined(shifted.encode()) is None
    assert split_combined((GOOD + "\n" + GOOD + "\n").encode()) is not None
