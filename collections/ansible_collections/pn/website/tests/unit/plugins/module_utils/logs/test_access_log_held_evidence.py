# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polars engine records rule evidence per (rule, address) pair at once, from events held over
the whole log (polars_reader._record_held); the stdlib engine records it one event at a time
(Analyzer.apply_rules_to, the definition). Both give the same JSON on attack traffic made to reach
every branch: thresholds with and without windows, distinct paths and targets, times that go back,
two time zones, non-ASCII bytes, trusted addresses, Googlebot claims, bursts of errors, and (with
the limits made small) pairs recorded by the rule code because their evidence exists already, and
pairs with more distinct values than are kept."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import analyzer

af = pytest.importorskip("ansible_collections.pn.website.plugins.module_utils.logs.polars_reader")
if not af.HAS_POLARS:
    pytest.skip("polars is not installed", allow_module_level=True)

ADDRESSES = ("45.1.1.1", "45.1.1.2", "203.0.113.9", "66.249.66.1", "10.9.8.7")
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# (method, target with {n} for a number, status, user agent)
REQUESTS = (
    ("GET", "/p{n}.php", 404, BROWSER),
    ("GET", "/phpmyadmin/index.php?x={n}", 404, BROWSER),
    ("GET", "/?author={n}", 301, BROWSER),
    ("GET", "/index.php?option=com_{n}", 200, BROWSER),
    ("GET", "/wp-content/plugins/p{n}/readme.txt", 404, BROWSER),
    ("POST", "/wp-login.php", 200, BROWSER),
    ("POST", "/xmlrpc.php", 200, BROWSER),
    ("GET", "/?id=1%27%20union%20select%20{n}--", 200, BROWSER),
    ("GET", "/.env", 404, "python-requests/2.31.0"),
    ("GET", "/.git/config", 200, BROWSER),
    ("GET", "/berita/{n}", 500, BROWSER),
    ("GET", "/", 200, GOOGLEBOT),
    ("GET", "/putusan/{n}.pdf", 200, "Mozilla/5.0 (X11; Linux) caf\xe9/1.0"),
    ("GET", "/p{n}.php", 404, "Mozilla/5.0 (X11; Linux) caf\xe9/1.0"),
    ("GET", "/", 200, BROWSER),
)
THRESHOLDS = {
    "http-probing": {"count": 3, "window": 60},
    "admin-interface-probing": {"count": 2, "window": 30},
    "joomla-component-scan": {"count": 2, "window": 0},
    "wordpress-plugin-scan": {"count": 3, "window": 120},
    "admin-bruteforce": {"count": 3, "window": 60},
    "wordpress-xmlrpc-abuse": {"count": 2, "window": 10},
    "error-spike": {"count": 3, "window": 10},
}

event = st.tuples(
    st.sampled_from(ADDRESSES),
    st.integers(min_value=0, max_value=len(REQUESTS) - 1),
    st.integers(min_value=0, max_value=6),  # the number in the target: values repeat
    # seconds since the line before: some go back, some end a window exactly
    st.sampled_from((0, 0, 1, 2, 10, 30, 60, 400, -2, -25, -90)),
    st.sampled_from(("+0700", "+0700", "+0700", "+0800")),
)


def _log(events) -> bytes:
    lines, now = [], 12 * 3600  # seconds since 16 Nov 2026 00:00 local time
    for ip, request, number, step, zone in events:
        now += step
        method, target, status, agent = REQUESTS[request]
        day, rest = divmod(now, 86400)
        stamp = "%02d/Nov/2026:%02d:%02d:%02d %s" % (
            16 + day,
            rest // 3600,
            rest % 3600 // 60,
            rest % 60,
            zone,
        )
        target = target.format(n=number)
        lines.append(
            '%s - - [%s] "%s %s HTTP/1.1" %d 512 "-" "%s"' % (ip, stamp, method, target, status, agent)
        )
    return ("\n".join(lines) + "\n").encode("latin-1")


def _both(data: bytes, **options) -> dict:
    slow = al.analyze_bytes(data, **options)
    fast = al.analyze_bytes(data, engine="polars", chunk_bytes=2048, **options)
    assert fast == slow
    return fast


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(event, min_size=1, max_size=160),
    st.sampled_from((1, 2, 5)),
    st.booleans(),
    st.booleans(),
)
def test_evidence_held_over_the_log_is_what_the_rule_code_records(events, samples, small_limits, trusted):
    options = {"thresholds": THRESHOLDS, "max_samples": samples}
    if trusted:
        options["trusted"] = ["10.9.8.0/24"]
    held, kept = (0, 2) if small_limits else (af.HELD_BYTES, analyzer.DISTINCT_KEPT)
    with (
        mock.patch.object(af, "HELD_BYTES", held),
        mock.patch.object(af, "DISTINCT_KEPT", kept),
        mock.patch.object(analyzer, "DISTINCT_KEPT", kept),
    ):
        _both(_log(events), **options)


def test_scans_judged_in_log_order():
    """The rule code keeps a window of times in log order: logged out of order, three probes of
    which two are 5 seconds apart do not make three within a minute (times 0, 100, 5), and three
    probes 50 and 5 seconds apart do (times 0, 50, 5)."""
    for steps, fires in (([0, 100, -95], False), ([0, 50, -45], True)):
        result = _both(
            _log([("45.1.1.1", 0, n, step, "+0700") for n, step in enumerate(steps)]),
            thresholds=THRESHOLDS,
        )
        fired = [f["ip"] for f in result["findings"] if f["rule"] == "http-probing"]
        assert fired == (["45.1.1.1"] if fires else []), steps


def test_pairs_recorded_partly_before_the_limit_and_partly_after():
    """Past HELD_BYTES the held events are recorded: a pair seen again later goes on from the
    evidence it has (its count, window, distinct values and samples)."""
    events = [("45.1.1.2", 0, n % 5, 20, "+0700") for n in range(60)]
    with mock.patch.object(af, "HELD_BYTES", 0):
        result = _both(_log(events), thresholds=THRESHOLDS, max_samples=3)
    (finding,) = [f for f in result["findings"] if f["rule"] == "http-probing"]
    assert finding["count"] == 60
    assert len(finding["samples"]) == 3


def test_values_past_the_kept_limit_are_new_every_time():
    """With two distinct paths kept per pair, a third is new each time it comes (it is never
    kept), and the kept ones are new only once: paths 1, 2, 3, 2, 2, 3, 3 are five new values."""
    events = [("45.1.1.1", 0, n, 1, "+0700") for n in (1, 2, 3, 2, 2, 3, 3)]
    thresholds = {"http-probing": {"count": 5, "window": 0}}
    with mock.patch.object(af, "DISTINCT_KEPT", 2), mock.patch.object(analyzer, "DISTINCT_KEPT", 2):
        result = _both(_log(events), thresholds=thresholds, max_samples=9)
        assert not _both(_log(events[:-1]), thresholds=thresholds)["findings"]
    (finding,) = result["findings"]
    assert finding["rule"] == "http-probing" and finding["count"] == 7
    assert len(finding["samples"]) == 5
    assert finding["evidence"]["distinct_paths"] == 2


@pytest.mark.parametrize(("later", "fires"), [(5, True), (61, False)])
def test_a_window_left_open_goes_on_in_a_later_read(later, fires):
    """Probes at 0, 50 and 100 seconds do not make three within a minute; the window the rule code
    keeps (50, 100) goes on in a later read recorded apart (HELD_BYTES 0): a probe 5 seconds later
    makes three within a minute, one 61 seconds later does not."""
    probes = [("45.1.1.1", 0, n, step, "+0700") for n, step in enumerate((0, 50, 50))]
    filler = [("203.0.113.9", len(REQUESTS) - 1, 0, 0, "+0700")] * 600  # more than the first read
    last = [("45.1.1.1", 0, 3, later, "+0700")]
    with mock.patch.object(af, "HELD_BYTES", 0):
        result = _both(_log(probes + filler + last), thresholds=THRESHOLDS)
    fired = [f["ip"] for f in result["findings"] if f["rule"] == "http-probing"]
    assert fired == (["45.1.1.1"] if fires else [])


def test_pairs_count_their_own_distinct_values():
    """Two addresses probing the same paths: each pair's values are new to it, whatever another
    pair saw before (the two scans fire alike, with the same distinct paths)."""
    events = [(ip, 0, n, 1, "+0700") for ip in ("45.1.1.1", "45.1.1.2") for n in range(4)]
    result = _both(_log(events), thresholds=THRESHOLDS)
    found = [
        (f["ip"], f["evidence"]["distinct_paths"]) for f in result["findings"] if f["rule"] == "http-probing"
    ]
    assert found == [("45.1.1.1", 4), ("45.1.1.2", 4)]


_PAGE = (
    '198.51.100.%d - - [16/Nov/2026:10:%02d:%02d +0700] "GET /berita/%d?utm_source=whatsapp HTTP/1.1" '
    '200 5120 "https://pn.example.go.id/berita/%d" '
    '"Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"\n'
)
_PROBE = '203.0.113.7 - - [16/Nov/2026:11:00:00 +0700] "GET /.env HTTP/1.1" 404 150 "-" "curl/8.5.0"\n'
_READ_BYTES = 1 << 21


def peak_memory_of_analysis(reads: int, path: str) -> int:
    """Writes a log of ``reads`` reads of 2 MiB (the same few hundred pages all along, a probe for
    /.env every 500 lines), analyzes it with the polars engine one read at a time and returns the
    peak memory of the process in KiB (run in a fresh process)."""
    per_read = _READ_BYTES // len(_PAGE % (1, 1, 1, 1, 1))
    with open(path, "w", encoding="ascii") as log:
        for r in range(reads):
            log.write(
                "".join(
                    _PAGE % (n % 250, n // 60 % 60, n % 60, n % 300, n % 300) + _PROBE * (n % 500 == 0)
                    for n in range(r * per_read, (r + 1) * per_read)
                )
            )
    result, _state = al.analyze([path], engine="polars", chunk_bytes=_READ_BYTES)
    assert any(f["rule"] == "sensitive-files" for f in result["findings"]), result["findings"]
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


_PEAK_RUN = (
    "import sys\n"
    "from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs.test_access_log_held_evidence"
    " import peak_memory_of_analysis\n"
    "print(peak_memory_of_analysis(int(sys.argv[1]), sys.argv[2]))"
)


def test_held_rows_do_not_keep_their_reads_in_memory(tmp_path):
    """The rows held for evidence are copied out of their read: a probe every 500 lines of a log
    read 2 MiB at a time must not keep each read's text in memory (it did: over 1 MiB more per
    read). Peak memory of a fresh process, 8 reads against 40 (64 MiB more log): it grows by
    less than a quarter of that."""
    collections = Path(al.__file__).parents[6]
    env = dict(os.environ, PYTHONPATH=str(collections), POLARS_MAX_THREADS="1")

    def peak_kib(reads):
        run = subprocess.run(
            [sys.executable, "-c", _PEAK_RUN, str(reads), str(tmp_path / f"{reads}.log")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(run.stdout)

    grown = peak_kib(40) - peak_kib(8)
    assert grown < 16 * 1024, f"peak memory grew by {grown} KiB for 64 MiB more log"
