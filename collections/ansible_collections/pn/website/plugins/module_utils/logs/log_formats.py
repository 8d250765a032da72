# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access-log line formats: Apache/nginx's common, combined and vhost-combined lines, nginx's
``main`` (combined with the X-Forwarded-For header after the agent), each also behind a syslog
prefix (nginx logging to syslog); format detection, parsing a block of lines into rows of fields,
parsing one line of another format (a file that mixes formats), and the log's time fields.

Standard library only, Python 3.8+ (runs on court servers).

A block of complete lines is parsed one of two ways, giving the same rows: a block of plain
combined-format lines is cut into columns with C-level ``bytes.split`` and slicing after three
whole-block checks (:func:`split_combined`); any other block goes through one compiled regular
expression per format (:data:`LINE_PATTERNS`) that turns it into one tuple per line (a malformed
line yields a tuple of empty fields, so malformed lines are counted without a Python loop).
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
# way (see the unit tests).
_NOT_PLAIN_BYTES = (b"\\", b"\t", b"\r", b"\x0b", b"\x0c", b"\x00")
_PLAIN_HEADS = re.compile(rb"(?:\S+ \S+ \S+ \[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] \n)*")
_PLAIN_REQUESTS = re.compile(rb'(?:[A-Za-z]{1,16} [^\s"\\\x00]* [^\s"\\\x00]{1,16}\x00)*')
_PLAIN_STATUS_SIZES = re.compile(rb"(?: \d{3} (?:\d+|-) \x00)*")


def split_combined(block: bytes):
    """``(columns, times, zones)`` of a block of combined-format lines, or None unless every line
    is plain (no escapes, tabs or control characters, full request line, time zone, nothing after
    the user agent). ``columns`` are indexed by the FIELD_* positions (the rest of the time is
    None: :func:`row_of_columns` makes it from ``times`` and ``zones`` for the rows that need it)."""
    n = block.count(b"\n")
    if not n or block.count(b'"') != 6 * n:
        return None
    for byte in _NOT_PLAIN_BYTES:  # memchr scans, much faster than a regex character class
        if byte in block:
            return None
    parts = block.split(b'"')
    if parts[4::6].count(b" ") != n or parts[-1] != b"\n":
        return None
    heads = parts[0] + b"".join(parts[6::6])  # "head\n" per line, where the newlines all are
    if heads.count(b"\n") != n or _PLAIN_HEADS.fullmatch(heads) is None:
        return None
    requests = b"\x00".join(parts[1::6]) + b"\x00"
    if _PLAIN_REQUESTS.fullmatch(requests) is None:
        return None
    status_sizes = b"\x00".join(parts[2::6]) + b"\x00"
    if _PLAIN_STATUS_SIZES.fullmatch(status_sizes) is None:
        return None
    words = heads.replace(b"\n", b"").split(b" ")
    ips, times, zones = words[0:-1:5], words[3::5], words[4::5]
    words = requests.replace(b"\x00", b" ").split(b" ")
    methods, targets, protocols = words[0:-1:3], words[1::3], words[2::3]
    words = status_sizes.replace(b"\x00", b"").split(b" ")
    statuses, sizes = words[1::3], words[2::3]
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
        key = (hour, rest_of_time[7:])
        base = self._hours.get(key)
        if base is None:
            base = self._hour_epoch(hour, rest_of_time[7:])
            if len(self._hours) > 50000:
                self._hours.clear()
            self._hours[key] = base
        try:
            return base[0] + int(rest_of_time[1:3]) * 60 + int(rest_of_time[4:6]), base[1]
        except ValueError:
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
