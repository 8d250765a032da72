# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polars fast engine gives exactly the stdlib engine's results (JSON output compared)."""

from __future__ import annotations

import gc
import gzip
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import analyzer, log_files, log_formats
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import test_access_log_fuzz as fuzz

af = pytest.importorskip("ansible_collections.pn.website.plugins.module_utils.logs.polars_reader")
if not af.HAS_POLARS:
    pytest.skip("polars is not installed", allow_module_level=True)

SMALL_CHUNK = 64 * 1024  # several chunks even for small test logs


def same(paths, chunk_bytes=SMALL_CHUNK, **options):
    """Run both engines; assert equal JSON; return the result."""
    slow, slow_state = al.analyze(paths, **options)
    fast, fast_state = al.analyze(
        paths,
        engine="polars",
        chunk_bytes=chunk_bytes,
        **options,
    )
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert fast_state == slow_state
    return fast


def same_bytes(data: bytes, **options):
    slow = al.analyze_bytes(data, **options)
    fast = al.analyze_bytes(data, engine="polars", chunk_bytes=4096, **options)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    return fast


def attacks():
    out = []
    for rule in corpus.ATTACKERS:
        out.extend(corpus.attack_lines(rule))
    return out


@pytest.fixture(scope="module")
def benign():
    return corpus.benign_lines(30000, seed=21)


def test_benign_heavy_traffic(tmp_path, benign):
    corpus.write_log(tmp_path / "access.log", benign)
    result = same([str(tmp_path / "access.log")])
    assert result["lines"] == 30000 and result["summary"]["unique_visitors"] > 100


def test_every_attack_type_mixed_in(tmp_path, benign):
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign, attacks()))
    result = same([str(tmp_path / "access.log")], site_hosts=[corpus.HOST])
    assert {f["rule"] for f in result["findings"]} == set(corpus.ATTACKERS)


def test_every_rule_family_with_its_benign_twin_mixed_in(tmp_path, benign):
    """The families of the rule file (one request or a burst, by path, query, user agent, status,
    garbage request lines), their look-alikes, a court's own rule and tuned rules: same results."""
    extra = []
    for rule in corpus.FAMILY_ATTACKERS:
        extra += corpus.family_attack(rule) + corpus.family_twin(rule)
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign, attacks() + extra))
    result = same([str(tmp_path / "access.log")], site_hosts=[corpus.HOST])
    assert {f["rule"] for f in result["findings"]} >= set(corpus.ATTACKERS) | set(corpus.FAMILY_ATTACKERS)
    court_rule = {
        "id": "court-thumbnails",
        "severity": "low",
        "messages": {"id": "Gambar kecil hilang: {distinct}.", "en": "Missing thumbnails: {distinct}."},
        "match": {"path": "-150x150\\.jpg$", "status": [404], "size": {"max": 10000}},
        "threshold": {"count": 5, "window": 3600, "distinct": "path"},
    }
    tuned = same(
        [str(tmp_path / "access.log")],
        extra_rules=[court_rule],
        rule_overrides={"spam-bot": {"enabled": False}, "exploit-log4shell": {"severity": "high"}},
    )
    rules = {f["rule"]: f["severity"] for f in tuned["findings"]}
    assert "spam-bot" not in rules and rules["exploit-log4shell"] == "high"
    assert "court-thumbnails" in rules


@pytest.mark.parametrize("engine", ["python", "polars"])
def test_an_analysis_makes_no_cyclic_garbage(tmp_path, benign, engine):
    """analyze() pauses the cyclic garbage collector, which is only safe while the engines make no
    reference cycles: none is left to collect after a run over attacks, rotation and bad lines."""
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign, attacks()))
    with gzip.open(tmp_path / "access.log.1.gz", "wb") as handle:
        handle.write(b"garbage \x00\xff line\n" + b"x" * 70000 + b"\n")
    gc.collect()
    with al.gc_paused():
        result, _state = al.analyze(
            [str(tmp_path / "access.log")],
            state={},
            include_rotated=True,
            engine=engine,
            chunk_bytes=SMALL_CHUNK,
        )
        assert result["malformed"] == 2
        assert gc.collect() == 0
    assert gc.isenabled()


def test_trusted_sources_and_thresholds(tmp_path, benign):
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign[:5000], attacks()))
    same(
        [str(tmp_path / "access.log")],
        trusted=[corpus.ATTACKERS["sqli-probing"], "185.220.101.0/24"],
        thresholds={"admin-bruteforce": {"count": 3, "window": 60}, "error-spike": {"count": 5}},
        max_samples=2,
        top=3,
    )


def test_malformed_binary_truncated_and_gigantic_lines(tmp_path, benign):
    rng = random.Random(5)
    good = [x.encode() for x in corpus.merged(benign[:4000], attacks())]
    odd = [
        b"",
        b"\x00\x01\x02 binary \xff\xfe garbage",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 - - [16/Nov/2026:00:00:01 +0700] "
        b'"\\x16\\x03\\x01" 400 157 "-" "-"',
        good[10][:40],
        good[11] + b' "extra" "fields" 0.002',
        good[12].replace(b"HTTP/1.1", b"HTTP/1.1\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
        good[13].replace(b"GET /", b"GET /caf\xe9/"),
        good[14].replace(b" +0700]", b"]"),
        good[15] + b"\r",
        good[16].replace(b'"GET ', b'"GET  '),
        good[17].replace(b"Mozilla", b'Mo\\"zilla'),
        good[18].replace(b"GET", b"-"),
        b'203.0.113.5 - - [16/Nov/2026:00:00:01 +0700] "-" 400 0 "-" "-"',
        b'203.0.113.5 - - [16/Nov/2026:00:00:02 +0700] "GET /x HTTP/1.1" 200 99999999999999999999999 "-" "-"',
        b"A" * (log_files.MAX_LINE_BYTES + 10),
        # valid lines of exactly the length limit, and one byte over it (carriage return)
        good[21][:-1] + b"x" * (log_files.MAX_LINE_BYTES - len(good[21])) + b'"',
        good[22][:-1] + b"x" * (log_files.MAX_LINE_BYTES - len(good[22])) + b'"\r',
        good[23][:-1] + b"x" * (log_files.MAX_LINE_BYTES - len(good[23]) - 1) + b'"\r',
        b"203.0.113.5 " + b"B" * (2 * log_files.MAX_LINE_BYTES),
        b'"' * 20,
    ]
    lines = list(good)
    for item in odd:
        lines.insert(rng.randrange(len(lines)), item)
    (tmp_path / "access.log").write_bytes(b"\n".join(lines) + b"\n" + good[20][:50])  # unfinished last line
    result = same([str(tmp_path / "access.log")])
    assert result["malformed"] >= 6
    same([str(tmp_path / "access.log")], state={})
    same([str(tmp_path / "access.log")], chunk_bytes=1 << 30)
    at_limit = good[21][:-1] + b"x" * (log_files.MAX_LINE_BYTES - len(good[21])) + b'"'
    over = at_limit + b"\r"  # one byte over the limit
    both = same_bytes(at_limit + b"\n" + over + b"\n" + good[0] + b"\r\n")
    assert (both["lines"], both["malformed"]) == (3, 1)


@pytest.mark.parametrize("fmt", log_formats.FORMATS)
def test_formats(tmp_path, benign, fmt):
    lines = corpus.in_format(fmt, corpus.merged(benign[:3000], attacks()))
    corpus.write_log(tmp_path / "access.log", lines)
    result = same([str(tmp_path / "access.log")])
    assert (result["format"], result["formats"], result["malformed"]) == (fmt, {fmt: len(lines)}, 0)
    same([str(tmp_path / "access.log")], fmt=fmt)


@pytest.mark.parametrize("first", ["combined", "common", "syslog_combined"])
def test_a_file_mixing_formats(tmp_path, benign, first):
    """Both engines read a file mixing formats line by line alike, whichever format it starts with
    (combined: the polars reader's own path; the others: the stdlib code)."""
    mix = (
        first,
        "vcombined",
        "common",
        "main",
        "syslog_main",
        "syslog_vcombined",
        "combined",
        "syslog_common",
    )
    lines = corpus.merged(benign[:4000], attacks())
    lines = [corpus.FORMAT_WRITERS[mix[(i // 300) % len(mix)]](x, i) for i, x in enumerate(lines)]
    lines[1234] = "garbage between formats"
    corpus.write_log(tmp_path / "access.log", lines)
    result = same([str(tmp_path / "access.log")], site_hosts=[corpus.HOST])
    assert result["malformed"] == 1 and len(result["formats"]) >= 6
    assert result["summary"]["vhosts"]
    same([str(tmp_path / "access.log")], chunk_bytes=1 << 30)
    assert same([str(tmp_path / "access.log")], fmt="combined")["malformed"] > 1000


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_gzip(tmp_path, benign, damage):
    packed = bytearray(gzip.compress(("\n".join(benign[:6000]) + "\n").encode()))
    if damage == "truncated":
        packed = packed[: len(packed) * 2 // 3]
    else:
        packed[len(packed) // 2 : len(packed) // 2 + 32] = bytes(32)
    (tmp_path / "access.log.2.gz").write_bytes(bytes(packed))
    corpus.write_log(tmp_path / "access.log", benign[6000:7000])
    result = same([str(tmp_path / "access.log")], include_rotated=True)
    (error,) = result["errors"]
    assert error["path"].endswith("access.log.2.gz") and error["lines_read"] > 0
    same([str(tmp_path / "access.log")], include_rotated=True, state={})


def test_gzip_rotated_and_mixed_formats(tmp_path, benign):
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign[:3000], attacks()))
    (tmp_path / "access.log.1").write_text("\n".join(benign[3000:6000]) + "\n")
    (tmp_path / "access.log.2.gz").write_bytes(gzip.compress(("\n".join(benign[6000:9000]) + "\n").encode()))
    packed = gzip.compress(("\n".join(x.rsplit(' "', 2)[0] for x in benign[9000:9500]) + "\n").encode())
    (tmp_path / "access.log.3.gz").write_bytes(packed[: len(packed) // 2])  # truncated, common format
    result = same([str(tmp_path / "access.log")], include_rotated=True)
    assert len(result["files"]) == 4
    same([str(tmp_path / "access.log")], include_rotated=True, state={})


def test_chunk_size_does_not_matter(tmp_path, benign):
    corpus.write_log(tmp_path / "access.log", corpus.merged(benign[:8000], attacks()))
    one = same([str(tmp_path / "access.log")], chunk_bytes=1 << 30)
    many = same([str(tmp_path / "access.log")], chunk_bytes=7000)
    assert one == many


@settings(settings.get_profile("access_log"), max_examples=60)
@given(st.lists(fuzz.line_strategy, max_size=40), st.sampled_from(["auto", "combined"]))
def test_fuzzed_lines(lines, fmt):
    data = b"\n".join(x.replace(b"\n", b" ") for x in lines) + b"\n"
    same_bytes(data, fmt=fmt)


def test_googlebot_dns_verification(benign):
    fake, real = "5.188.62.140", "203.0.113.66"

    def reverse(ip):
        if ip == real:
            return "crawl-203-0-113-66.googlebot.com"
        raise OSError("no PTR")

    def forward(name):
        return {real}

    claims = [
        corpus.line(ip, corpus.START + i, "GET", "/", 200, 10, "-", corpus.GOOGLEBOT_UA)
        for i, ip in enumerate((fake, real, fake, real))
    ]
    data = ("\n".join(corpus.merged(benign[:2000], claims)) + "\n").encode()
    result = same_bytes(data, dns=True, resolver=(reverse, forward))
    assert [f["ip"] for f in result["findings"] if f["rule"] == "fake-googlebot"] == [fake]


def test_engine_needs_polars(monkeypatch):
    monkeypatch.setattr(af, "HAS_POLARS", False)
    with pytest.raises(RuntimeError, match="polars"):
        af.PolarsReader()


# -- the fast paths of the chunk reader: each case compared with the stdlib engine ------------------


def _plain(i: int, ip: str = "198.51.100.7", ua: str = corpus.PEOPLE_UA[0], size="1234") -> bytes:
    return (
        '%s - - [16/Nov/2026:10:%02d:%02d +0700] "GET /berita/%d HTTP/1.1" 200 %s "-" "%s"'
        % (ip, (i // 60) % 60, i % 60, i % 7, size, ua)
    ).encode()


@pytest.mark.parametrize("chunk_bytes", [1500, 1 << 20])
@pytest.mark.parametrize("backslashes", [True, False])
def test_bytes_that_turn_off_the_clean_chunk_shortcut(chunk_bytes, backslashes):
    """A chunk with a backslash anywhere gets the per-row checks for escapes; the other chunks do
    not need them. Tabs, carriage returns, vertical tabs and form feeds, with or without a
    backslash in the chunk, are caught by the other checks. Same results either way."""
    odd = [
        _plain(1).replace(b"Mozilla", b'Mo\\"zilla'),  # escaped quote in the user agent
        _plain(2).replace(b'"-"', b'"https://example.net/a\\\\b"'),  # escaped backslash (referrer)
        _plain(3).replace(b"GET /berita/3", b"GET /a\\x41b"),  # escape in the target
        _plain(4).replace(b"GET /berita/4", b"GET /a\tb"),  # tab in the target: no method
        _plain(5).replace(b"Windows", b"Win\x0bdows"),  # vertical tab in the user agent
        _plain(6).replace(b"Windows", b"Win\rdows"),  # carriage return inside the line
        _plain(7).replace(b'"-"', b'"https://example.net/\x0c"'),  # form feed in the referrer
        _plain(8).replace(b"GET /berita/1", b"GET /..\\..\\etc/passwd"),  # traversal with backslashes
    ]
    if not backslashes:
        odd = [item for item in odd if b"\\" not in item]
    lines = [_plain(i, ip="203.0.113.%d" % (i % 5)) for i in range(60)]
    for pos, item in enumerate(odd):
        lines.insert(7 * pos + 3, item)
    data = b"\n".join(lines) + b"\n"
    slow = al.analyze_bytes(data, fmt="combined")
    fast = al.analyze_bytes(data, fmt="combined", engine="polars", chunk_bytes=chunk_bytes)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert fast["lines"] == len(lines)
    assert fast["summary"]["methods"].get("-") == 1  # the tab: no valid request line, no method
    assert ("path-traversal" in {f["rule"] for f in fast["findings"]}) == backslashes


@pytest.mark.parametrize(
    "data",
    [
        b"\r\n".join(_plain(i) for i in range(50)) + b"\r\n",  # CRLF line ends
        b"\n\n".join(_plain(i) for i in range(50)) + b"\n",  # empty lines in between
        b"\n" + b"\n".join(_plain(i) + b" " for i in range(50)) + b"\n",  # text after the agent
        b"\n".join(_plain(i) + (b"\r" if i % 3 else b"") for i in range(50)) + b"\n",  # some CRLF
        b"\n".join(_plain(i) for i in range(50)) + b"\n" * 3000 + _plain(51) + b"\n",  # empty chunks
        b"\n" * 50,
        b"\r\n" * 50,
    ],
    ids=["crlf", "empty-lines", "trailing-space", "mixed-crlf", "empty-chunks", "only-empty", "only-crlf"],
)
@pytest.mark.parametrize("fmt", ["auto", "combined"])
def test_line_counts_when_the_csv_reader_would_see_other_lines(data, fmt):
    result = same_bytes(data, fmt=fmt)
    assert result["lines"] == data.count(b"\n")


def _same_in_chunks(data: bytes, chunk_bytes: int) -> dict:
    slow = al.analyze_bytes(data, fmt="combined")
    fast = al.analyze_bytes(data, fmt="combined", engine="polars", chunk_bytes=chunk_bytes)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    return fast


@pytest.mark.parametrize("chunk_bytes", [700, 1 << 20])
@pytest.mark.parametrize(
    "odd",
    [
        _plain(1)[:-1],  # five quotes: the user agent is not closed, malformed
        _plain(1)[:-1] + b"x",  # five, the last one not at the end
        _plain(1) + b'"',  # seven
        _plain(1) + b' "x" "y"',  # ten
        _plain(1).replace(b"Mozilla", b'Mo\\"zilla'),  # seven, one of them escaped
        _plain(1).replace(b'"-"', b'"-" "-"'),  # eight, text after the agent (a vcombined-like line)
        _plain(1).replace(b'"-" "', b'"-" ""'),  # seven, the first in the agent
    ],
    ids=["five", "five-open", "seven", "ten", "escaped", "eight", "empty-agent-and-more"],
)
def test_lines_with_other_than_six_quotes(chunk_bytes, odd):
    """Where every line of a read has six quotes, only their parts are read (a line is the
    quote-join of its parts). A line with fewer or more quotes, anywhere in a read or in the line
    a read cuts, makes polars read the lines as well. Same results."""
    for where in (0, 3, 30, 59):
        lines = [_plain(i) for i in range(60)]
        lines[where] = odd
        result = _same_in_chunks(b"\n".join(lines) + b"\n", chunk_bytes)
        assert result["lines"] == 60


def test_five_and_seven_quotes_in_one_read():
    """Seven quotes and five: as many quotes and bytes as two lines of six."""
    lines = [_plain(i) for i in range(60)]
    lines[20], lines[21] = _plain(20) + b'"', _plain(21)[:-1]
    result = _same_in_chunks(b"\n".join(lines) + b"\n", 1 << 20)
    assert (result["lines"], result["malformed"]) == (60, 1)


@pytest.mark.parametrize("extra", [b"", b" ", b" trailing text", b"\\"])
@pytest.mark.parametrize("agent", [b"", b"agent"])
def test_six_quotes_text_after_the_agent_and_empty_agents(extra, agent):
    lines = [
        _plain(i, ua=agent.decode() if i % 5 == 1 else corpus.PEOPLE_UA[0]) + (extra if i % 7 == 3 else b"")
        for i in range(60)
    ]
    result = _same_in_chunks(b"\n".join(lines) + b"\n", 1 << 20)
    assert (result["lines"], result["malformed"]) == (60, 0)


def test_six_quotes_and_the_line_length_limit():
    """With six quotes per line the line length is summed from the parts: lines of exactly the
    limit are read, a line one byte over it is malformed."""
    at_limit = _plain(1)[:-1] + b"x" * (log_files.MAX_LINE_BYTES - len(_plain(1))) + b'"'
    over = _plain(2)[:-1] + b"x" * (log_files.MAX_LINE_BYTES + 1 - len(_plain(2))) + b'"'
    lines = [_plain(0), at_limit, over, at_limit.replace(b"Mozilla", b"Browser"), _plain(3)]
    result = _same_in_chunks(b"\n".join(lines) + b"\n", 1 << 20)
    assert (result["lines"], result["malformed"]) == (5, 1)


def test_methods_and_protocols_outside_the_known_lists():
    """Methods and protocols the fast check does not list go through the regex: same results."""
    requests = [
        b"MKCOL /dav/ HTTP/1.1",  # WebDAV
        b"get /berita/1 HTTP/1.1",  # lower case
        b"ABCDEFGHIJKLMNOP /x HTTP/1.1",  # 16 letters: a method for the regex
        b"ABCDEFGHIJKLMNOPQ /x HTTP/1.1",  # 17 letters: no method
        b"POST /login.php RTSP/1.0",
        b"GET / HTTP/9.9",
        b"GET /a",  # no protocol (optional in the regex)
        b"GET / HTTP/1.1 extra",  # text after the protocol: no method
    ]
    lines = [_plain(i) for i in range(40)]
    for pos, request in enumerate(requests):
        lines.insert(5 * pos + 2, _plain(2, ip="203.0.113.9").replace(b"GET /berita/2 HTTP/1.1", request))
    result = same_bytes(b"\n".join(lines) + b"\n", fmt="combined")
    assert result["malformed"] == 0
    assert result["summary"]["methods"] == {
        "GET": 42,
        "POST": 1,
        "MKCOL": 1,
        "get": 1,
        "ABCDEFGHIJKLMNOP": 1,
        "-": 2,
    }


def test_one_target_from_several_request_lines():
    """Targets and methods are summed from the counts per request line: a target requested with
    several methods and protocols, some of its lines parsed by the regex, keeps its place (first
    occurrence) and its counts; a 403 on one request line and a 404 on another both count."""

    def line(i, request, status=200, ua=corpus.PEOPLE_UA[0]):
        return (
            _plain(i, ua=ua)
            .replace(b"GET /berita/%d HTTP/1.1" % (i % 7), request)
            .replace(b'" 200 ', b'" %d ' % status)
        )

    lines = [
        line(0, b"GET /b HTTP/1.1"),
        line(1, b"HEAD /a HTTP/1.0"),
        line(2, b"GET /a HTTP/1.1", 404),
        line(3, b"POST /b HTTP/2.0", 403),
        line(4, b"GET /a HTTP/1.1", ua='Mo\\"zilla'),  # parsed by the regex
        line(5, b"get /a HTTP/1.1", 404),  # a method the lists lack: parsed by the regex
        line(6, b"GET /c HTTP/1.1", 500),
        line(7, b"HEAD /b HTTP/1.0"),
        line(8, b"GET /wp-login.php HTTP/1.1"),
        line(9, b"POST /wp-login.php HTTP/1.1"),
    ] * 3
    result = same_bytes(b"\n".join(lines) + b"\n", top=10)
    summary = result["summary"]
    assert result["malformed"] == 0
    assert summary["methods"] == {"GET": 15, "HEAD": 6, "POST": 6, "get": 3}
    pages = [(x["path"], x["count"]) for x in summary["top_pages"]]
    assert pages[:2] == [("/b", 6), ("/a", 6)]  # a tie: in the order of first occurrence
    errors = [(x["path"], x["count"]) for x in summary["top_not_found"]]
    assert errors == [("/a", 6), ("/b", 3), ("/c", 3)]
    # Probing pages that first fail with a 500 on another request line: still not-found pages.
    probe = [
        line(i, b"%s /lama-%d HTTP/1.1" % (method, i // 2), status).replace(b"198.51.100.7", b"203.0.113.66")
        for i, (method, status) in enumerate([(b"POST", 500), (b"GET", 404)] * 20)
    ]
    result = same_bytes(b"\n".join(lines + probe) + b"\n")
    assert "http-probing" in {f["rule"] for f in result["findings"]}


def test_pages_are_counted_per_path_whatever_their_queries(monkeypatch):
    """A page shared with a tracking token (or searched with words) is one request line per visit:
    the page is counted per path, so it stays at the top however many distinct request lines there
    are, rather than being dropped one request line at a time by the memory cap (lowered here to
    keep the log small)."""
    monkeypatch.setattr(analyzer, "MAX_KEYS", 40)
    rng = random.Random(5)
    lines = []
    for i in range(600):
        if i % 3:
            request = b"GET /berita/sidang-keliling?fbclid=IwAR%016x HTTP/1.1" % rng.getrandbits(64)
        else:
            request = b"GET /berita/%d HTTP/1.1" % (i % 30)
        lines.append(_plain(i).replace(b"GET /berita/%d HTTP/1.1" % (i % 7), request))
    result = same_bytes(b"\n".join(lines) + b"\n", top=3)
    pages = [(x["path"], x["count"]) for x in result["summary"]["top_pages"]]
    assert pages == [("/berita/sidang-keliling", 400), ("/berita/0", 20), ("/berita/3", 20)]


def test_rows_per_target_summed_per_path_in_folds_as_in_one_sum(monkeypatch):
    """The stdlib engine sums the rows per target into counts per path every PENDING_TARGETS
    distinct targets (lowered here): the counts per path, of pages and of failed requests, and the
    order of ties (first occurrence) are those of one sum at the end."""
    lines = []
    for i in range(300):
        request = b"GET /berita/%d?id=%d HTTP/1.1" % (i % 13, i)  # a target per row, 13 paths
        line = _plain(i).replace(b"GET /berita/%d HTTP/1.1" % (i % 7), request)
        lines.append(line.replace(b" 200 ", b" 404 ") if i % 5 == 0 else line)
    data = b"\n".join(lines) + b"\n"
    at_the_end = same_bytes(data, top=20)["summary"]
    monkeypatch.setattr(analyzer, "PENDING_TARGETS", 3)
    folded = same_bytes(data, top=20)["summary"]
    assert folded == at_the_end
    # Ties in the order of their first row (of an error row, for the failed requests).
    pages = [int(x["path"].rsplit("/", 1)[1]) for x in folded["top_pages"] if x["count"] == 19]
    assert pages == [0, 1, 3, 6, 8, 11]
    not_found = [int(x["path"].rsplit("/", 1)[1]) for x in folded["top_not_found"]]
    assert not_found == [0, 5, 10, 2, 7, 12, 4, 9, 1, 6, 11, 3, 8]


def test_sizes_summed_exactly_whatever_their_length():
    sizes = ["0", "-", "999999999999", "1000000000000", "123456789012345678", "99999999999999999999999"]
    lines = [_plain(i, size=sizes[i % len(sizes)]) for i in range(60)]
    result = same_bytes(b"\n".join(lines) + b"\n")
    expected = sum(int(sizes[i % len(sizes)]) for i in range(60) if sizes[i % len(sizes)] != "-")
    assert result["summary"]["bandwidth_bytes"] == expected


def test_first_occurrence_order_with_rows_parsed_by_the_regex():
    """Ties in the top lists are broken by first occurrence; here the first request of an address
    is a line the regex parses (escaped quote), the next ones are plain."""
    first = _plain(0, ip="192.0.2.1").replace(b"Mozilla", b'Mo\\"zilla')
    lines = [first] + [_plain(i, ip="192.0.2.2" if i % 2 else "192.0.2.1") for i in range(1, 8)]
    result = same_bytes(b"\n".join(lines) + b"\n")
    assert [v["ip"] for v in result["summary"]["top_visitors"]] == ["192.0.2.1", "192.0.2.2"]
    assert [v["count"] for v in result["summary"]["top_visitors"]] == [4, 4]


@pytest.mark.parametrize("chunk_bytes", [97, 300, 1000, 1024, 5000, 1 << 16])
def test_reads_and_chunk_cuts(tmp_path, chunk_bytes):
    """Lines longer than a read, cut anywhere: every line is seen once, whole, by the stdlib code
    (a line a read cuts) or by polars (the lines in between, read in place)."""
    rng = random.Random(3)
    lines = [_plain(i, ua="agent-" + "x" * rng.choice((1, 50, 400, 2500, 9000))) for i in range(80)]
    (tmp_path / "access.log").write_bytes(b"\n".join(lines) + b"\n" + lines[0][:30])
    result = same([str(tmp_path / "access.log")], chunk_bytes=chunk_bytes)
    assert result["lines"] == 81 and result["malformed"] == 1
    _result, state = al.analyze(
        [str(tmp_path / "access.log")],
        state={},
        engine="polars",
        chunk_bytes=chunk_bytes,
    )
    assert _result["lines"] == 80  # with a state, the unfinished last line waits for its end


def test_not_found_pages_from_genuine_and_fake_googlebot(benign):
    """404s on pages are probing evidence, except from Googlebot at a Google address."""
    genuine, fake = corpus.GOOGLEBOT_IPS[0], "198.51.100.99"
    crawl = [
        corpus.line(ip, corpus.START + 5 * i + k, "GET", "/hilang-%d" % i, 404, 10, "-", corpus.GOOGLEBOT_UA)
        for i in range(30)
        for k, ip in enumerate((genuine, fake))
    ]
    data = ("\n".join(corpus.merged(benign[:3000], crawl)) + "\n").encode()
    result = same_bytes(data)
    flagged = {(f["rule"], f["ip"]) for f in result["findings"]}
    assert ("http-probing", fake) in flagged and ("fake-googlebot", fake) in flagged
    assert not {rule for rule, ip in flagged if ip == genuine}


def test_auto_takes_polars_for_large_logs_only(tmp_path, monkeypatch):
    assert al.choose_engine("auto", al.AUTO_POLARS_MIN_BYTES - 1) == "python"
    assert al.choose_engine("auto", al.AUTO_POLARS_MIN_BYTES) == "polars"
    assert al.choose_engine("polars", 0) == "polars"
    assert al.choose_engine("python", 1 << 40) == "python"
    with pytest.raises(ValueError, match="turbo"):
        al.choose_engine("turbo", 0)
    # analyze() weighs the files it is given, rotations included
    corpus.write_log(tmp_path / "access.log", corpus.benign_lines(100, seed=2))
    corpus.write_log(tmp_path / "access.log.1", corpus.benign_lines(50, seed=3))
    sizes = []
    choose = al.choose_engine
    monkeypatch.setattr(al, "choose_engine", lambda engine, size: sizes.append(size) or choose(engine, size))
    al.analyze([str(tmp_path / "access.log")], engine="auto", include_rotated=True)
    assert sizes == [(tmp_path / "access.log").stat().st_size + (tmp_path / "access.log.1").stat().st_size]
    # without polars, auto takes the standard library and polars is refused
    monkeypatch.setattr(af, "HAS_POLARS", False)
    assert choose("auto", 1 << 40) == "python"
    with pytest.raises(al.EngineUnavailable, match="polars"):
        choose("polars", 0)


@pytest.mark.parametrize("court_rules", [False, True])
def test_many_distinct_targets_decided_at_once(tmp_path, court_rules):
    """A read with many new targets has most of them decided at once by polars (the vectorised
    "no rule can match" test); mixed with percent-encoded, mixed-case, "+"-encoded attacks, targets
    only one rule matches and benign twins, repeated and answered 200, 404 and 500: same results."""
    from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (  # noqa: PLC0415
        test_access_log_prefilter as edges,
    )

    targets = [t for t in edges.EDGE_TARGETS if t and " " not in t] + edges._benign(600)
    lines = []
    for i, target in enumerate(targets * 3):
        ip = "203.0.113.%d" % (i % 5 + 1)
        status = ("200", "404", "500")[i % 3]
        line = _plain(i, ip=ip).replace(b"/berita/%d" % (i % 7), target.encode("latin-1"))
        lines.append(line.replace(b" 200 ", b" %s " % status.encode()))
    (tmp_path / "access.log").write_bytes(b"\n".join(lines) + b"\n")
    options = {"extra_rules": edges.COURT_RULES} if court_rules else {}
    result = same([str(tmp_path / "access.log")], chunk_bytes=1 << 20, **options)
    found = {f["rule"] for f in result["findings"]}
    assert {"sensitive-files", "sqli-probing", "xss-probing"} <= found
    assert ("court-secret-folder" in found) == court_rules


@pytest.mark.parametrize(
    "ends",
    [[b"\n"], [b"\r\n"], [b' "x"\n'], [b" \r\n"], [b"\n", b"\r\n", b' "x"\r\n']],
    ids=["lf", "crlf", "text-after-agent", "space-crlf", "mixed"],
)
def test_sample_lines_whatever_ends_the_lines(ends):
    """Held rows keep the parts of a line where every line of a read has six quotes (the line is
    made of them for a sample) and the line itself otherwise; samples come without the carriage
    return the rule code drops, either way."""
    lines = attacks()
    data = b"".join(line.encode("latin-1") + ends[i % len(ends)] for i, line in enumerate(lines))
    result = same_bytes(data, fmt="combined")
    samples = [s for finding in result["findings"] for s in finding["samples"]]
    assert samples and not any(s.endswith("\r") for s in samples)
