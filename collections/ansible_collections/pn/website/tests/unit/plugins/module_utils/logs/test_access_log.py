# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access-log engine: parsing, visitor summary, detection rules and campaign correlation."""

from __future__ import annotations

import collections
import gzip
import importlib.util
import sys
import zlib

import pytest

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import (
    addresses,
    analyzer,
    log_files,
    log_formats,
)
from ansible_collections.pn.website.plugins.module_utils.logs.rules import (
    TARGET_BACKDOOR,
    TARGET_GAMBLING,
    TARGET_LOGIN,
    TARGET_SENSITIVE_FILE,
    TARGET_SQLI,
    TARGET_TRAVERSAL,
    TARGET_UPLOADED_PHP,
    TARGET_XSS,
    classify_target,
)
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITIES
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)

RULES = list(corpus.ATTACKERS)


def as_bytes(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def benign():
    return corpus.benign_lines(40000, seed=3)


@pytest.fixture(scope="module")
def benign_result(benign):
    return al.analyze_bytes(as_bytes(benign))


# --- parsing ------------------------------------------------------------------------------------------

COMBINED = (
    '203.0.113.9 - - [20/Nov/2026:13:55:36 +0700] "GET /berita/1 HTTP/1.1" 200 2326 '
    '"https://www.google.com/" "Mozilla/5.0 (Windows NT 10.0)"'
)
COMMON = '203.0.113.9 - frank [20/Nov/2026:13:55:36 +0700] "GET /berita/1 HTTP/1.0" 200 2326'
VCOMBINED = "pn-contoh.go.id:443 " + COMBINED


@pytest.mark.parametrize(
    ("line", "fmt"),
    [(COMBINED, "combined"), (COMMON, "common"), (VCOMBINED, "vcombined")],
)
def test_format_detected_and_fields_read(line, fmt):
    result = al.analyze_bytes(as_bytes([line] * 3))
    assert result["format"] == fmt
    assert result["lines"] == 3
    assert result["malformed"] == 0
    summary = result["summary"]
    assert summary["requests"] == 3
    assert summary["bandwidth_bytes"] == 3 * 2326
    assert summary["status_codes"] == {"200": 3}
    assert summary["top_pages"] == [{"path": "/berita/1", "count": 3}]
    if fmt == "vcombined":
        assert summary["vhosts"] == [{"host": "pn-contoh.go.id", "count": 3}]
    if fmt != "common":
        assert summary["top_referrers"] == [{"host": "www.google.com", "count": 3}]


@pytest.mark.parametrize("fmt", log_formats.FORMATS)
@pytest.mark.parametrize("given", ["auto", "fixed"])
def test_every_format_court_servers_write_is_parsed(fmt, given):
    lines = corpus.in_format(fmt, [COMBINED] * 6)
    result = al.analyze_bytes(as_bytes(lines), fmt="auto" if given == "auto" else fmt)
    assert (result["lines"], result["malformed"]) == (6, 0), lines[0]
    assert result["format"] == fmt
    assert result["formats"] == {fmt: 6}
    summary = result["summary"]
    assert summary["requests"] == 6
    assert summary["bandwidth_bytes"] == 6 * 2326
    assert summary["status_codes"] == {"200": 6}
    assert summary["top_pages"] == [{"path": "/berita/1", "count": 6}]
    assert summary["daily"][0]["date"] == "2026-11-20"  # the access line's time, not syslog's
    assert summary["vhosts"] == ([{"host": "pn-contoh.go.id", "count": 6}] if "vcombined" in fmt else [])
    if not fmt.endswith("common"):
        assert summary["top_referrers"] == [{"host": "www.google.com", "count": 6}]
        assert summary["top_user_agents"] == [{"user_agent": "Mozilla/5.0 (Windows NT 10.0)", "count": 6}]


@pytest.fixture(scope="module")
def traffic(benign):
    return corpus.merged(benign[:6000], [x for rule in RULES for x in corpus.attack_lines(rule)])


def _key(finding):
    return (finding["rule"], finding["severity"], finding["ip"], finding["count"], finding["first_seen"])


@pytest.mark.parametrize("fmt", [f for f in log_formats.FORMATS if not f.endswith("common")])
def test_detection_holds_in_every_format(traffic, fmt):
    """The same traffic gives the same findings and summary in every format with a user agent, and
    the evidence is the lines as that format wrote them."""
    base = al.analyze_bytes(as_bytes(traffic), site_hosts=[corpus.HOST])
    lines = corpus.in_format(fmt, traffic)
    result = al.analyze_bytes(as_bytes(lines), site_hosts=[corpus.HOST])
    assert (result["malformed"], result["formats"]) == (0, {fmt: len(lines)})
    assert [_key(f) for f in result["findings"]] == [_key(f) for f in base["findings"]]
    assert {f["rule"] for f in result["findings"]} == set(RULES)
    written = dict(zip(traffic, lines))  # noqa: B905
    for finding, expected in zip(result["findings"], base["findings"]):  # noqa: B905
        assert finding["samples"] == [written[x] for x in expected["samples"]]
    del result["summary"]["vhosts"], base["summary"]["vhosts"]
    assert result["summary"] == base["summary"]


def test_a_file_mixing_formats_is_read_line_by_line(traffic):
    """Runs of lines in several formats (a server whose logging changed, logs concatenated): each
    line is parsed in its own format, counted per format, and its evidence is the line itself."""
    mix = ("vcombined", "combined", "syslog_combined", "main", "syslog_vcombined", "syslog_main")
    lines, expected = [], collections.Counter()
    for i, text in enumerate(traffic):
        fmt = mix[(i // 7) % len(mix)]
        lines.append(corpus.FORMAT_WRITERS[fmt](text, i))
        # the file is taken as combined (the format most of its first lines fit: a main line fits
        # it too, anything may follow the agent), the other lines as what they are
        expected["combined" if fmt == "main" else fmt] += 1
    base = al.analyze_bytes(as_bytes(traffic), site_hosts=[corpus.HOST])
    result = al.analyze_bytes(as_bytes(lines), site_hosts=[corpus.HOST])
    assert (result["lines"], result["malformed"]) == (len(lines), 0)
    assert result["format"] == "combined"
    assert result["formats"] == dict(expected.most_common())
    assert [_key(f) for f in result["findings"]] == [_key(f) for f in base["findings"]]
    written = dict(zip(traffic, lines))  # noqa: B905
    for finding, expected_finding in zip(result["findings"], base["findings"]):  # noqa: B905
        assert finding["samples"] == [written[x] for x in expected_finding["samples"]]
    assert (
        sum(v["count"] for v in result["summary"]["vhosts"])
        == expected["vcombined"] + expected["syslog_vcombined"]
    )
    del result["summary"]["vhosts"], base["summary"]["vhosts"]
    assert result["summary"] == base["summary"]


def test_common_lines_among_combined_ones_are_not_malformed():
    lines = [COMBINED, COMMON, COMBINED, "Dec  2 10:00:01 web01 nginx: " + COMMON, "garbage"]
    result = al.analyze_bytes(as_bytes(lines))
    assert (result["lines"], result["malformed"]) == (5, 1)
    assert result["formats"] == {"combined": 2, "common": 1, "syslog_common": 1}
    assert result["summary"]["bandwidth_bytes"] == 4 * 2326


def test_explicit_format_counts_other_lines_as_malformed():
    result = al.analyze_bytes(as_bytes([COMBINED, COMMON]), fmt="combined")
    assert (result["lines"], result["malformed"]) == (2, 1)


def test_unknown_format_rejected():
    with pytest.raises(ValueError, match="unknown log format"):
        analyzer.Analyzer(fmt="w3c")


def test_malformed_binary_and_odd_lines_counted_not_fatal():
    lines = [
        COMBINED,
        "",
        "complete garbage",
        "\x00\x01\x02\xff binary",
        COMBINED.replace("200 2326", "200 -"),  # no body size
        '198.51.100.7 - - [20/Nov/2026:13:55:37 +0700] "-" 400 0 "-" "-"',  # nginx empty request
        '198.51.100.7 - - [20/Nov/2026:13:55:38 +0700] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"',  # TLS on :80
        COMBINED.replace("Windows NT 10.0", 'say \\"hi\\"'),  # escaped quote in the user agent
        COMBINED[:60],  # truncated
    ]
    data = as_bytes(lines)[:-1] + b"\xc3"  # ends in the middle of a UTF-8 sequence
    result = al.analyze_bytes(data)
    assert result["lines"] == len(lines)
    assert result["malformed"] == 4  # empty, garbage, binary, truncated (last line also cut)
    assert result["summary"]["status_codes"] == {"200": 3, "400": 2}


def test_crlf_lines():
    result = al.analyze_bytes((COMBINED + "\r\n").encode() * 2)
    assert (result["lines"], result["malformed"]) == (2, 0)


def test_gigantic_line_counted_as_malformed(tmp_path):
    path = tmp_path / "access.log"
    with open(path, "wb") as handle:
        handle.write((COMBINED + "\n").encode())
        handle.write(b"A" * (log_files.MAX_LINE_BYTES * 3) + b"\n")
        handle.write((COMBINED + "\n").encode())
    result, _unused = al.analyze([str(path)])
    assert result["lines"] == 3
    assert result["malformed"] == 1
    assert result["summary"]["requests"] == 2


def test_gzip_and_plain_files_give_the_same_summary(tmp_path, benign):
    data = as_bytes(benign[:3000])
    plain = tmp_path / "access.log.1"
    plain.write_bytes(data)
    packed = tmp_path / "access.log.2.gz"
    packed.write_bytes(gzip.compress(data))
    r_plain, _unused = al.analyze([str(plain)])
    r_gzip, _unused = al.analyze([str(packed)])
    assert r_plain["lines"] == r_gzip["lines"] == 3000
    assert r_plain["summary"] == r_gzip["summary"]


@pytest.mark.parametrize("state", [None, {}])
def test_truncated_gzip_is_read_up_to_the_break_and_reported(tmp_path, benign, state):
    packed = gzip.compress(as_bytes(benign[:5000]))
    path = tmp_path / "access.log.3.gz"
    path.write_bytes(packed[: len(packed) // 2])
    result, _unused = al.analyze([str(path)], state=state)
    assert 0 < result["lines"] < 5000
    (error,) = result["errors"]
    assert error["path"] == str(path)
    # every line before the break is read (the last one, cut, is malformed; or left for later)
    assert error["lines_read"] == result["lines"]
    assert str(path) in error["error"] and "truncated" in error["error"]
    assert "%d lines read" % result["lines"] in error["error"]
    assert result["files"] == [str(path)]


@pytest.mark.parametrize("state", [None, {}])
@pytest.mark.parametrize("engine", ["python"] + (["polars"] if importlib.util.find_spec("polars") else []))
def test_a_break_after_a_line_too_long_counts_that_line_once(tmp_path, benign, state, engine):
    """Damage often leaves garbage without line ends: the unfinished stretch past MAX_LINE_BYTES
    is one malformed line to the reader, so the damaged file's lines read count it too."""
    packed = gzip.compress(as_bytes(benign[:300]) + b"x" * (3 * log_files.MAX_LINE_BYTES))
    path = tmp_path / "access.log.3.gz"
    path.write_bytes(packed[:-12])
    result, _unused = al.analyze([str(path)], state=state, engine=engine)
    (error,) = result["errors"]
    assert result["lines"] == 301 and result["malformed"] == 1
    assert error["lines_read"] == result["lines"]


@pytest.mark.parametrize("state", [None, {}])
@pytest.mark.parametrize("where", [0.1, 0.5])
def test_corrupt_gzip_is_reported_with_the_lines_read(tmp_path, benign, state, where):
    data = as_bytes(benign[:5000])
    packed = bytearray(gzip.compress(data))
    at = int(len(packed) * where)
    packed[at : at + 64] = bytes(64)  # a damaged disk block, or a tampered file
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(bytes(packed))
    whole = tmp_path / "access.log.1"
    whole.write_bytes(as_bytes(benign[6000:6010]))  # another first line: another file
    result, _unused = al.analyze([str(path), str(whole)], state=state)
    (error,) = result["errors"]
    assert error["path"] == str(path) and "corrupt gzip data" in error["error"]
    assert 0 <= error["lines_read"] < 5000
    assert "%d lines read" % error["lines_read"] in error["error"]
    assert result["lines"] == error["lines_read"] + 10  # the other file is read all the same


def test_missing_file_is_an_error_entry_not_a_crash(tmp_path):
    result, _unused = al.analyze([str(tmp_path / "nope.log")])
    assert result["lines"] == 0
    assert result["errors"][0]["path"].endswith("nope.log")


# --- visitor summary --------------------------------------------------------------------------------


def test_summary_of_benign_traffic(benign_result):
    s = benign_result["summary"]
    assert benign_result["malformed"] == 0
    assert s["requests"] == 40000
    assert sum(s["status"].values()) == 40000
    assert 500 < s["unique_visitors"] < 40000
    assert s["top_documents"][0]["path"].endswith((".pdf", ".xlsx", ".docx", ".doc"))
    assert s["top_pages"][0]["path"] == "/"
    assert {r["host"] for r in s["top_referrers"]} >= {"www.google.com", "pn-contoh.go.id"}
    assert s["crawlers"]["requests"] > 0 and s["people"]["requests"] > s["crawlers"]["requests"]
    assert s["crawlers"]["requests"] + s["people"]["requests"] == s["requests"]
    assert sum(d["requests"] for d in s["daily"]) == 40000
    assert [d["date"] for d in s["daily"]][:2] == ["2026-11-16", "2026-11-17"]
    assert sum(s["hour_of_day"]) == 40000
    assert sum(h["requests"] for h in s["hourly"]) == 40000
    assert s["hourly"][0]["hour"].startswith("2026-11-16T")


def test_site_hosts_removed_from_referrers(benign):
    result = al.analyze_bytes(as_bytes(benign[:4000]), site_hosts=["pn-contoh.go.id"])
    assert "pn-contoh.go.id" not in {r["host"] for r in result["summary"]["top_referrers"]}


def test_unique_visitor_is_address_day_and_agent():
    lines = [
        corpus.line("10.0.0.1", corpus.START + 10, "GET", "/", 200, 10),
        corpus.line("10.0.0.1", corpus.START + 20, "GET", "/kontak", 200, 10),
        corpus.line("10.0.0.1", corpus.START + 30, "GET", "/", 200, 10, ua=corpus.PEOPLE_UA[1]),
        corpus.line("10.0.0.1", corpus.START + 86400, "GET", "/", 200, 10),
        corpus.line("10.0.0.2", corpus.START + 40, "GET", "/", 200, 10, ua=corpus.BINGBOT_UA),
    ]
    s = al.analyze_bytes(as_bytes(lines))["summary"]
    assert s["unique_visitors"] == 4
    assert s["crawlers"] == {"requests": 1, "visitors": 1}
    assert s["daily"] == [
        {"date": "2026-11-16", "requests": 4, "visitors": 3},
        {"date": "2026-11-17", "requests": 1, "visitors": 1},
    ]


# --- detection rules --------------------------------------------------------------------------------


def test_benign_traffic_raises_no_finding(benign_result):
    assert benign_result["findings"] == []


@pytest.mark.parametrize("rule", RULES)
def test_rule_fires_on_crafted_attack(rule, benign):
    attack = corpus.attack_lines(rule)
    result = al.analyze_bytes(as_bytes(corpus.merged(benign[:6000], attack)))
    found = [f for f in result["findings"] if f["rule"] == rule]
    assert len(found) == 1, result["findings"]
    finding = found[0]
    assert finding["ip"] == corpus.ATTACKERS[rule]
    assert finding["severity"] in SEVERITIES
    assert finding["count"] >= 1
    assert finding["first_seen"].startswith("2026-11-19T") and finding["first_seen"].endswith("+07:00")
    assert finding["first_seen"] <= finding["last_seen"]
    assert 1 <= len(finding["samples"]) <= analyzer.MAX_SAMPLES
    assert finding["message"] and finding["message_en"]
    # Nothing else in the mixed log is flagged, except rules the same requests also match.
    others = {f["rule"] for f in result["findings"]} - {rule}
    assert others <= {"bad-user-agent", "http-probing", "sensitive-files", "fake-googlebot"}, others


def test_all_attacks_together_each_rule_once(benign):
    attacks = []
    for rule in RULES:
        attacks.extend(corpus.attack_lines(rule))
    result = al.analyze_bytes(as_bytes(corpus.merged(benign[:8000], attacks)))
    assert {f["rule"] for f in result["findings"]} == set(RULES)
    severities = [SEVERITIES.index(f["severity"]) for f in result["findings"]]
    assert severities == sorted(severities, reverse=True)
    assert analyzer.sop_status(result["findings"]) == "critical"


def test_samples_are_the_raw_lines_with_control_characters_escaped():
    """Evidence is the line as logged (HTML is escaped where a report is rendered, not here), and
    a terminal escape sequence in a request cannot reach whoever reads the output."""
    evil = corpus.line(
        "94.156.64.3", corpus.START, "GET", "/?q=<script>alert(1)</script>", 200, 5, ua='<b>x</b>\x1b[2J"'
    ).replace("\\x1b", "\x1b")
    assert "\x1b" in evil
    result = al.analyze_bytes(as_bytes([evil, evil]))
    (finding,) = [f for f in result["findings"] if f["rule"] == "xss-probing"]
    sample = finding["samples"][0]
    assert sample == evil.replace("\x1b", "\\x1b")
    assert "<script>alert(1)</script>" in sample and "&lt;" not in sample and "&quot;" not in sample
    assert all(ch.isprintable() for ch in sample)


def test_samples_are_the_verbatim_lines():
    lines = corpus.attack_lines("sensitive-files")
    result = al.analyze_bytes(as_bytes(lines))
    (finding,) = [f for f in result["findings"] if f["rule"] == "sensitive-files"]
    assert finding["samples"] == lines[: analyzer.MAX_SAMPLES]


def test_document_harvesting_is_not_probing():
    ip = "180.250.1.1"
    lines = [
        corpus.line(
            ip, corpus.START + i, "GET", "/wp-content/uploads/putusan-%d.pdf" % i, 404 if i % 2 else 200, 9
        )
        for i in range(300)
    ]
    assert al.analyze_bytes(as_bytes(lines))["findings"] == []


def test_probing_needs_enough_distinct_paths_in_the_window():
    ip = "185.220.101.4"
    few = [corpus.line(ip, corpus.START + i, "GET", "/x%d" % i, 404, 9) for i in range(14)]
    same = [corpus.line(ip, corpus.START + i, "GET", "/same", 404, 9) for i in range(100)]
    slow = [corpus.line(ip, corpus.START + i * 3600, "GET", "/y%d" % i, 404, 9) for i in range(40)]
    for lines in (few, same, slow):
        assert al.analyze_bytes(as_bytes(lines))["findings"] == []
    fired = al.analyze_bytes(as_bytes(few + [corpus.line(ip, corpus.START + 20, "GET", "/z", 404, 9)]))
    assert [f["rule"] for f in fired["findings"]] == ["http-probing"]
    assert fired["findings"][0]["evidence"]["distinct_paths"] == 15


def test_genuine_googlebot_404s_are_not_probing():
    lines = [
        corpus.line("66.249.66.1", corpus.START + i, "GET", "/lama/%d" % i, 404, 9, ua=corpus.GOOGLEBOT_UA)
        for i in range(50)
    ]
    assert al.analyze_bytes(as_bytes(lines))["findings"] == []


def test_admin_bruteforce_threshold_and_window():
    ip = "141.98.11.22"
    below = [corpus.line(ip, corpus.START + i * 10, "POST", "/wp-login.php", 200, 9) for i in range(9)]
    spread = [corpus.line(ip, corpus.START + i * 900, "POST", "/wp-login.php", 200, 9) for i in range(30)]
    for lines in (below, spread):
        assert al.analyze_bytes(as_bytes(lines))["findings"] == []
    joomla = [
        corpus.line(ip, corpus.START + i, "POST", "/administrator/index.php", 200, 9) for i in range(10)
    ]
    admin = [corpus.line(ip, corpus.START + i, "POST", "/admin/login.php", 200, 9) for i in range(10)]
    for lines in (joomla, admin):
        assert [f["rule"] for f in al.analyze_bytes(as_bytes(lines))["findings"]] == ["admin-bruteforce"]
    custom = al.analyze_bytes(as_bytes(below), thresholds={"admin-bruteforce": {"count": 5, "window": 120}})
    assert [f["rule"] for f in custom["findings"]] == ["admin-bruteforce"]


def test_bad_threshold_rejected():
    with pytest.raises(ValueError, match="unknown rule"):
        analyzer.Analyzer(thresholds={"no-such-rule": {"count": 1}})
    with pytest.raises(ValueError, match="positive"):
        analyzer.Analyzer(thresholds={"http-probing": {"count": 0}})


def test_webshell_post_needs_post_200_under_upload_folder():
    ip = "103.164.203.7"
    quiet = [
        corpus.line(ip, corpus.START, "POST", "/wp-content/uploads/x.php", 404, 9),
        corpus.line(ip, corpus.START, "POST", "/wp-admin/admin-ajax.php", 200, 9),
        corpus.line(ip, corpus.START, "POST", "/images/foto.jpg", 200, 9),
    ]
    assert al.analyze_bytes(as_bytes(quiet))["findings"] == []
    loud = [corpus.line(ip, corpus.START, "POST", "/images/berita/a.phtml", 200, 9)]
    (finding,) = al.analyze_bytes(as_bytes(loud))["findings"]
    assert (finding["rule"], finding["severity"]) == ("webshell-post", "critical")


def test_gambling_pages_only_flagged_when_served():
    lines = [corpus.line("182.2.40.1", corpus.START, "GET", "/slot-gacor-hari-ini/", 404, 9)]
    assert al.analyze_bytes(as_bytes(lines))["findings"] == []
    lines = [corpus.line("182.2.40.1", corpus.START, "GET", "/?link=slot88-maxwin", 200, 9)]
    (finding,) = al.analyze_bytes(as_bytes(lines))["findings"]
    assert finding["rule"] == "gambling-doorway" and finding["ip"] is None


def test_error_spike_needs_a_burst():
    spread = [corpus.line("182.3.0.1", corpus.START + i * 120, "GET", "/", 500, 9) for i in range(100)]
    assert al.analyze_bytes(as_bytes(spread))["findings"] == []
    burst = spread + [
        corpus.line("182.3.0.2", corpus.START + 99 * 120 + 200 + i, "GET", "/", 502, 9) for i in range(25)
    ]
    (finding,) = al.analyze_bytes(as_bytes(burst))["findings"]
    assert finding["rule"] == "error-spike"
    assert finding["count"] >= 20
    assert finding["evidence"]["top_ips"][0][0] == "182.3.0.2"


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("66.249.66.1", True),
        ("66.249.79.200", True),
        ("192.178.5.10", True),
        ("2001:4860:4801:10::1", True),
        ("2001:4860:4801:11::1", False),
        ("66.249.80.1", False),
        ("5.188.62.140", False),
        ("not-an-ip", False),
    ],
)
def test_google_ranges(ip, expected):
    assert addresses.in_google_ranges(ip) is expected


def test_fake_googlebot_dns_verification_with_stub_resolver():
    calls = []

    def reverse(ip):
        calls.append(ip)
        return {"8.8.4.4": "crawl-8-8-4-4.googlebot.com", "5.188.62.140": "evil.example.net"}[ip]

    def forward(name):
        return {"crawl-8-8-4-4.googlebot.com": {"8.8.4.4"}}.get(name, set())

    lines = [
        corpus.line(ip, corpus.START + i, "GET", "/", 200, 9, ua=corpus.GOOGLEBOT_UA)
        for i, ip in enumerate(["8.8.4.4", "5.188.62.140", "66.249.66.1"] * 2)
    ]
    without_dns = al.analyze_bytes(as_bytes(lines))
    assert {f["ip"] for f in without_dns["findings"]} == {"8.8.4.4", "5.188.62.140"}
    assert calls == []
    with_dns = al.analyze_bytes(as_bytes(lines), dns=True, resolver=(reverse, forward))
    assert [f["ip"] for f in with_dns["findings"]] == ["5.188.62.140"]
    assert sorted(calls) == ["5.188.62.140", "8.8.4.4"]  # once per address, never for Google's ranges


def test_dns_failure_means_unverified():
    def reverse(ip):
        raise OSError("no answer")

    assert addresses.verify_googlebot_dns("8.8.4.4", (reverse, lambda name: set())) is None


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/?s=jadwal+sidang",
        "/berita/2026/11/kegiatan-1?utm_source=facebook",
        "/wp-content/uploads/2026/11/putusan-1-pid.b-2026-pn.pdf",
        "/index.php/informasi/7",
        "/wp-admin/admin-ajax.php",
        "/about.php",
        "/?p=123&preview=true",
        "/feed/",
        "/search?q=order+by+tanggal",
        "/?s=select+putusan+from+2025",
    ],
)
def test_benign_targets_are_not_flagged(target):
    assert classify_target(target.encode()) & ~TARGET_LOGIN == 0


@pytest.mark.parametrize(
    ("target", "flag"),
    [
        ("/.env", TARGET_SENSITIVE_FILE),
        ("/.git/HEAD", TARGET_SENSITIVE_FILE),
        ("/db_backup.sql.gz", TARGET_SENSITIVE_FILE),
        ("/%2e%2e/%2e%2e/etc/passwd", TARGET_TRAVERSAL),
        ("/x?f=%252e%252e%252fetc%252fpasswd", TARGET_TRAVERSAL),
        ("/?id=1+union+select+1,2", TARGET_SQLI),
        ("/?q=%3Csvg/onload=alert(1)%3E", TARGET_XSS),
        ("/wp-content/themes/x/b374k.php", TARGET_BACKDOOR),
        ("/uploads/shell.php", TARGET_BACKDOOR | TARGET_UPLOADED_PHP),
        ("/judi-online-terpercaya", TARGET_GAMBLING),
        ("/wp-login.php", TARGET_LOGIN),
        ("/administrator/", TARGET_LOGIN),
        ("/admin/login.php", TARGET_LOGIN),
    ],
)
def test_attack_targets_are_flagged(target, flag):
    assert classify_target(target.encode()) & flag == flag


# --- campaign ------------------------------------------------------------------------------------------


def test_campaign_reported_once_across_courts(benign):
    results = {}
    for court, rules in (
        ("pn-bangil", ["sqli-probing", "admin-bruteforce"]),
        ("pn-tais", ["sqli-probing"]),
        ("pn-contoh", ["error-spike"]),
    ):
        attack = []
        for rule in rules:
            lines = corpus.attack_lines(rule)
            if rule == "admin-bruteforce":  # same attacker address as the SQL injection
                lines = [x.replace(corpus.ATTACKERS[rule], corpus.ATTACKERS["sqli-probing"]) for x in lines]
            attack += lines
        results[court] = al.analyze_bytes(as_bytes(corpus.merged(benign[:2000], attack)))
    campaigns = analyzer.correlate_campaigns(results)
    assert len(campaigns) == 1
    campaign = campaigns[0]
    assert campaign["rule"] == "campaign"
    assert campaign["ip"] == corpus.ATTACKERS["sqli-probing"]
    assert campaign["courts"] == ["pn-bangil", "pn-tais"]
    assert campaign["rules"] == ["admin-bruteforce", "sqli-probing"]
    assert campaign["count"] == 3 + 37 + 3
    assert campaign["first_seen"] <= campaign["last_seen"]
    assert campaign["samples"][0].startswith("[pn-bangil] ")
    assert analyzer.correlate_campaigns(results, min_courts=3) == []
    assert analyzer.correlate_campaigns({"a": {}, "b": {"findings": []}}) == []


def test_samples_verbatim_for_vhost_lines_matching_two_rules():
    line = "pn-contoh.go.id:443 " + corpus.line(
        "45.148.10.81", corpus.START, "GET", "/.env", 404, 12, ua="sqlmap/1.8"
    )
    result = al.analyze_bytes(as_bytes([line]))
    assert {f["rule"] for f in result["findings"]} == {"sensitive-files", "bad-user-agent"}
    for finding in result["findings"]:
        assert finding["samples"] == [line]


def test_memory_bounds_keep_fired_evidence(monkeypatch):
    monkeypatch.setattr(analyzer, "MAX_KEYS", 50)
    lines = [
        corpus.line(
            "10.9.%d.%d" % (i // 250, i % 250),
            corpus.START + i,
            "GET",
            "/gone-%d" % i,
            404,
            9,
            ua="UA %d" % i,
        )
        for i in range(600)
    ]
    attacker = corpus.attack_lines("http-probing")
    result = al.analyze_bytes(as_bytes(attacker + lines + attacker))
    assert [f["ip"] for f in result["findings"]] == [corpus.ATTACKERS["http-probing"]]
    assert result["summary"]["requests"] == 600 + 2 * len(attacker)
    assert len(result["summary"]["top_visitors"]) == 10
    assert result["summary"]["unique_visitors_capped"] is True


@pytest.mark.parametrize(
    ("rule", "status", "severity"),
    [
        ("sensitive-files", 404, "low"),
        ("sensitive-files", 200, "high"),
        ("backdoor-access", 404, "medium"),
        ("backdoor-access", 200, "critical"),
        ("path-traversal", 404, "medium"),
        ("path-traversal", 200, "high"),
    ],
)
def test_severity_rises_when_the_site_serves_the_request(rule, status, severity):
    target = {
        "sensitive-files": "/.env",
        "backdoor-access": "/wso.php",
        "path-traversal": "/?f=../../etc/passwd",
    }[rule]
    result = al.analyze_bytes(as_bytes([corpus.line("198.51.100.1", corpus.START, "GET", target, status, 9)]))
    (finding,) = result["findings"]
    assert (finding["rule"], finding["severity"]) == (rule, severity)


def test_fast_and_regex_paths_give_identical_results(monkeypatch, benign):
    attacks = []
    for rule in RULES:
        attacks.extend(corpus.attack_lines(rule))
    data = as_bytes(corpus.merged(benign[:20000], attacks))
    fast = al.analyze_bytes(data, fmt="combined")
    taken = []
    original = log_formats.split_combined
    monkeypatch.setattr(analyzer, "split_combined", lambda block: taken.append(original(block) is not None))
    slow = al.analyze_bytes(data, fmt="combined")
    assert taken and all(taken)  # every block of this log can take the fast path
    assert fast == slow


def test_auto_engine_where_the_polars_reader_is_missing(monkeypatch):
    """Court servers get only the module_utils their module imports, not the polars reader."""
    reader = "ansible_collections.pn.website.plugins.module_utils.logs.polars_reader"
    monkeypatch.setitem(sys.modules, reader, None)  # as if it were not there
    assert al.choose_engine("auto", 1 << 40) == "python"
    with pytest.raises(al.EngineUnavailable, match="polars"):
        al.choose_engine("polars", 0)


@pytest.mark.parametrize("where", [0.3, 0.6, 0.85])
def test_corrupt_gzip_is_read_up_to_the_damage_itself(tmp_path, benign, where):
    """zlib returns nothing of a read that fails: without decompressing that read again in small
    pieces, up to 64 KiB of compressed lines (thousands) before the damage would be lost."""
    data = as_bytes(benign)
    packed = bytearray(gzip.compress(data))
    at = int(len(packed) * where)
    packed[at : at + 64] = b"\xff" * 64
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(bytes(packed))
    whole_before = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bytes(packed[:at])).count(b"\n")
    result, _unused = al.analyze([str(path)])
    (error,) = result["errors"]
    assert "corrupt gzip data" in error["error"]
    assert whole_before - 50 <= error["lines_read"] == result["lines"] < len(benign)
    assert result["lines"] - result["malformed"] >= whole_before - 50
