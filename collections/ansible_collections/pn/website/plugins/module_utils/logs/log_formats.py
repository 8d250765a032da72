# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access-log line formats: Apache/nginx's common, combined and vhost-combined lines, nginx's
``main`` (combined with the X-Forwarded-For header after the agent), each also behind a syslog
prefix (nginx logging to syslog); format detection, parsing a block of lines into rows of fields,
parsing one line of another format (a file that mixes formats), and the log's time fields.

Standard library only, Python 3.8+ (runs on court servers).

A block of complete lines is parsed one of two ways, giving the same rows: a block of plain
combined-format lines is cut into columns with C-level ``bytes.split`` and slicing after checks
over whole columns (counts, joins, byte translations: :func:`split_combined`); any other block
goes through one compiled regular expression per format (:data:`LINE_PATTERNS`) that turns it
into one tuple per line (a malformed line yields a tuple of empty fields, so malformed lines are
counted without a Python loop).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

#: The formats, in the order detection prefers them when several fit as many lines: a line of
#: nginx's main format also fits the combined one (which allows anything after the agent).
BASE_FORMATS = ("vcombined", "main", "combined", "common")
#: ``syslog_<format>``: the same line behind a syslog prefix, as rsyslog or syslog-ng write what
#: nginx sends with ``access_log syslog:server=...``.
SYSLOG = "syslog_"
FORMATS = BASE_FORMATS + tuple(SYSLOG + fmt for fmt in BASE_FORMATS)
#: Formats whose lines start with the virtual host.
VHOST_FORMATS = frozenset(("vcombined", SYSLOG + "vcombined"))

# --- the line patterns ---------------------------------------------------------------------------

_QUOTED = rb'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"'
# "METHOD TARGET PROTOCOL" (the protocol is optional), or any other quoted text (no fields).
_REQUEST_LINE = (
    rb'"(?:([A-Za-z]{1,16}) ([^\s"\\]*(?:\\.[^\s"\\]*)*)(?: ([^\s"\\]{1,16}))?"'
    rb'|[^"\\\n]*(?:\\.[^"\\\n]*)*")'
)
# Address, identity, user, [time], "request", status and size: what every format starts with.
_COMMON_FIELDS = (
    rb"(\S+) \S+ \S+ \[(\d\d/[A-Za-z]{3}/\d{4}:\d\d)(:\d\d:\d\d(?: [+-]\d{4})?)\] "
    + _REQUEST_LINE
    + rb" (\d{3}) (?:(\d+)|-)"
)
_VHOST_PREFIX = rb"([^\s:]+)(?::\d+)? "
_X_FORWARDED_FOR = rb' "[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_BASE_PATTERNS = {
    "vcombined": _VHOST_PREFIX + _COMMON_FIELDS + rb" " + _QUOTED + rb" " + _QUOTED + rb"[^\n]*?",
    "main": rb"()" + _COMMON_FIELDS + rb" " + _QUOTED + rb" " + _QUOTED + _X_FORWARDED_FOR + rb"[^\n]*?",
    "combined": rb"()" + _COMMON_FIELDS + rb" " + _QUOTED + rb" " + _QUOTED + rb"[^\n]*?",
    "common": rb"()" + _COMMON_FIELDS + rb"()()[ \t]*",
}
# What a syslog daemon writes before the message: an optional <priority> (and RFC 5424 version),
# the time (RFC 3164 "Dec  2 10:00:01", or ISO 8601 as rsyslog's file format and RFC 5424 have
# it), the host, then the tag ("nginx:", "nginx[812]:") or RFC 5424's app, process id, message id
# and structured data. The access line's own time is the one used.
_SYSLOG_PREFIX = (
    rb"(?:<\d{1,3}>(?:\d{1,2} )?)?"
    rb"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d"
    rb"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?) "
    rb"\S{1,255} "
    rb"(?:[^\s:\[]{1,64}(?:\[\d{1,10}\])?: "
    rb"|\S{1,48} \S{1,128} \S{1,32} (?:-|(?:\[[^\]\n]*\])+) (?:\xef\xbb\xbf)?)"
)
_FORMAT_PATTERNS = dict(_BASE_PATTERNS)
_FORMAT_PATTERNS.update({SYSLOG + fmt: _SYSLOG_PREFIX + body for fmt, body in _BASE_PATTERNS.items()})

# Field positions in a parsed row. The time is cut in two: the hour ("20/Nov/2026:13", the key of
# the hourly counts) and the rest of it (":45:07 +0700").
(
    FIELD_VHOST,
    FIELD_IP,
    FIELD_HOUR,
    FIELD_REST_OF_TIME,
    FIELD_METHOD,
    FIELD_TARGET,
    FIELD_PROTOCOL,
    FIELD_STATUS,
    FIELD_SIZE,
    FIELD_REFERRER,
    FIELD_AGENT,
) = range(11)
#: A row may be followed by its verbatim log line (a reader that has it at hand): evidence.
FIELD_LINE = 11
#: The row of a line that does not fit the format.
UNPARSED_ROW = (b"",) * 11

#: Block parsers: one row per line, UNPARSED_ROW for a line that does not fit the format.
LINE_PATTERNS = {
    fmt: re.compile(rb"(?:" + body + rb"\r?\n|[^\n]*\n)") for fmt, body in _FORMAT_PATTERNS.items()
}
_WHOLE_LINE_PATTERNS = {fmt: re.compile(body + rb"\r?$") for fmt, body in _FORMAT_PATTERNS.items()}


def detect_format(head: bytes) -> str:
    """The format matching most of the first lines of a file (combined when none does)."""
    lines = [line for line in head.split(b"\n")[:200] if line.strip()]
    best, best_hits = "combined", 0
    for fmt in FORMATS:
        whole_line = _WHOLE_LINE_PATTERNS[fmt]
        hits = sum(1 for line in lines if whole_line.match(line))
        if hits > best_hits:
            best, best_hits = fmt, hits
    return best


def parse_other(line: bytes, fmt: str):
    """``(format, row)`` of a line (without its line end) that does not fit ``fmt``: the first
    other format it fits, or None. A file that mixes formats is read line by line this way."""
    for other in FORMATS:
        if other != fmt:
            match = _WHOLE_LINE_PATTERNS[other].match(line)
            if match is not None:
                return other, match.groups(b"")
    return None


# --- plain combined blocks without regular expressions -----------------------------------------

# Blocks of well-formed combined lines are cut into fields with C-level bytes.split and slicing
# instead of one regex match per line. Every check below must hold for every line, or the block
# goes to LINE_PATTERNS (which then also counts malformed lines); the result is the same either
# way (see the unit tests). The checks are counts, joins and bytes.translate over whole columns
# (C loops), not regular expressions: they accept exactly the lines these would, per line:
#   head:    \S+ \S+ \S+ \[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] \n
#   request: [A-Za-z]{1,16} [^\s"\\]* [^\s"\\]{1,16}
#   status and size: " " \d{3} " " (\d+|-) " "
_NOT_PLAIN_BYTES = (b"\\", b"\t", b"\r", b"\x0b", b"\x0c", b"\x00")
_DIGITS = b"0123456789"
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Digits to "0", ASCII letters to "a", "-" to "+"; every other byte stays itself.
_SHAPE = bytes(
    ord("0") if b in _DIGITS else ord("a") if b in _LETTERS else ord("+") if b == ord("-") else b
    for b in range(256)
)
_TIME_SHAPE = b"[00/aaa/0000:00:00:00"
_ZONE_SHAPE = b"+0000]"
_NOT_SPACE_OR_NUL = bytes(b for b in range(256) if b not in b" \x00")
_DIGITS_AND_DASH = _DIGITS + b"-"


def split_combined(block: bytes):
    """``(columns, times, zones)`` of a block of combined-format lines, or None unless every line
    is plain (no escapes, tabs or control characters, full request line, time zone, nothing after
    the user agent). ``columns`` are indexed by the FIELD_* positions (the rest of the time is
    None: :func:`row_of_columns` makes it from ``times`` and ``zones`` for the rows that need it)."""
    n = block.count(b"\n")
    if not n:
        return None
    for byte in _NOT_PLAIN_BYTES:  # memchr scans, much faster than a regex character class
        if byte in block:
            return None
    parts = block.split(b'"')
    if len(parts) != 6 * n + 1 or parts[4::6].count(b" ") != n or parts[-1] != b"\n":
        return None  # six quotes a line
    # Heads: "ip identity user [time zone] \n" per line. All n newlines of the block are here,
    # each after a space, so each starts a word of the split below; five spaces a line, and the
    # newlines in words 5, 10, ... (n of them) put every line's five words in place.
    heads = parts[0] + b"".join(parts[6::6])
    if (
        heads.count(b" \n") != n  # so all n newlines of the block are in heads
        or heads.count(b" ") != 5 * n
        or heads.startswith(b" ")
        or b"  " in heads
        or b"\n " in heads
    ):
        return None
    words = heads.split(b" ")
    ips = b" ".join(words[0:-1:5])
    times, zones = words[3::5], words[4::5]
    if (
        ips.count(b"\n") != n - 1
        or words[-1] != b"\n"
        or b"\n".join(times).translate(_SHAPE) != (_TIME_SHAPE + b"\n") * (n - 1) + _TIME_SHAPE
        or b"\n".join(zones).translate(_SHAPE) != (_ZONE_SHAPE + b"\n") * (n - 1) + _ZONE_SHAPE
    ):
        return None
    # Requests: exactly two spaces each; a method of 1-16 letters, a protocol of 1-16 bytes.
    requests = b"\x00".join(parts[1::6]) + b"\x00"
    if requests.translate(None, _NOT_SPACE_OR_NUL) != b"  \x00" * n:
        return None
    words = requests.replace(b"\x00", b" ").split(b" ")
    methods, targets, protocols = words[0:-1:3], words[1::3], words[2::3]
    for method in set(methods):
        if not (0 < len(method) <= 16 and method.isalpha()):  # bytes.isalpha: ASCII letters
            return None
    for protocol in set(protocols):
        if not 0 < len(protocol) <= 16:
            return None
    # Status and size: " 200 1234 " or " 404 - ", exactly three spaces each.
    status_sizes = b"\x00".join(parts[2::6]) + b"\x00"
    if status_sizes.translate(None, _NOT_SPACE_OR_NUL) != b"   \x00" * n:
        return None
    words = status_sizes.replace(b"\x00", b"").split(b" ")
    statuses, sizes = words[1::3], words[2::3]
    sizes_joined = b"".join(sizes)
    if (
        any(words[0::3])
        or b" ".join(statuses).translate(_SHAPE) != (b"000 " * n)[:-1]
        or b"" in sizes
        or sizes_joined.translate(None, _DIGITS_AND_DASH)
        or sizes_joined.count(b"-") != sizes.count(b"-")
    ):
        return None
    ips = ips.replace(b"\n", b"").split(b" ")
    columns = (
        (b"",) * n,
        ips,
        [t[1:15] for t in times],
        None,
        methods,
        targets,
        protocols,
        statuses,
        sizes,
        parts[3::6],
        parts[5::6],
    )
    return columns, times, zones


def row_of_columns(columns, times, zones, i):
    """Row ``i`` of :func:`split_combined`'s columns, as LINE_PATTERNS would have parsed it."""
    size = columns[FIELD_SIZE][i]
    return (
        b"",
        columns[FIELD_IP][i],
        columns[FIELD_HOUR][i],
        times[i][15:] + b" " + zones[i][:-1],
        columns[FIELD_METHOD][i],
        columns[FIELD_TARGET][i],
        columns[FIELD_PROTOCOL][i],
        columns[FIELD_STATUS][i],
        b"" if size == b"-" else size,
        columns[FIELD_REFERRER][i],
        columns[FIELD_AGENT][i],
    )


# --- time fields ---------------------------------------------------------------------------------

MONTHS = {m.encode(): i for i, m in enumerate(calendar.month_abbr) if m}


class LogClock:
    """Turns the log's time fields into epoch seconds, with a cache per hour."""

    def __init__(self):
        self._hours = {}

    def epoch(self, hour: bytes, rest_of_time: bytes):
        """``(epoch seconds, offset of the time zone in seconds)`` of a row's time fields."""
        base = self.hour(hour, rest_of_time[7:])
        try:
            return base[0] + int(rest_of_time[1:3]) * 60 + int(rest_of_time[4:6]), base[1]
        except ValueError:
            return base

    def hour(self, hour: bytes, zone: bytes):
        """``(epoch seconds, offset of the time zone in seconds)`` of the start of an hour
        (b"20/Nov/2026:13") in a time zone (b"+0700"); (0, 0) when they do not parse."""
        key = (hour, zone)
        base = self._hours.get(key)
        if base is None:
            base = self._hour_epoch(hour, zone)
            if len(self._hours) > 50000:
                self._hours.clear()
            self._hours[key] = base
        return base

    @staticmethod
    def _hour_epoch(hour: bytes, zone: bytes):
        try:
            day, mon, year, hh = int(hour[0:2]), MONTHS[hour[3:6].title()], int(hour[7:11]), int(hour[12:14])
            offset = 0
            if len(zone) == 5:
                offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[:1] == b"-" else 1)
            return calendar.timegm((year, mon, day, hh, 0, 0)) - offset, offset
        except (KeyError, ValueError, OverflowError):
            return 0, 0


def iso_time(epoch: int, offset: int) -> str:
    try:
        return datetime.fromtimestamp(epoch, timezone(timedelta(seconds=offset))).isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


def hour_iso(hour: bytes) -> str:
    """b'20/Nov/2026:13' -> '2026-11-20T13'."""
    try:
        return "%s-%02d-%sT%s" % (
            hour[7:11].decode(),
            MONTHS[hour[3:6].title()],
            hour[0:2].decode(),
            hour[12:14].decode(),
        )
    except (KeyError, UnicodeDecodeError):
        return "unknown"
