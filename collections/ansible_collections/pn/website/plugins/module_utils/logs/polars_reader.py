# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side fast path of the access-log engine, on polars (columnar and vectorised): a
reader that feeds an :class:`analyzer.Analyzer` through its public interface.

Gives exactly the results of the stdlib engine (the parity tests compare the JSON output on many
logs) because everything that decides a result is the stdlib engine's own code: the file reading
(gzip, incremental offsets, ``log_files``), format detection and the regular expressions
(``log_formats``), the classification of paths and user agents (``rules``, per distinct value),
what each kind of row matches (:meth:`RuleSet.events`), the Googlebot ranges and the summary (the
analyzer). Thresholds, patterns and word lists therefore have one source. What polars replaces is
the per-line work of the combined format: the log is read CHUNK_BYTES at a time (memory stays
bounded for any file size; the line a read ends in the middle of starts the next read); polars
cuts the lines into fields with the CSV reader (separator ``"``, no quoting), checks them with a
few vectorised patterns and list lookups, and counts them with group-bys; a line the vectorised
check does not vouch for is parsed by the stdlib regular expression (same fields by construction),
or, failing that (a file mixing formats), by the other formats' (``log_formats.parse_other``), as
the stdlib engine does. Files of other formats (common, vcombined, main, syslog_*) go through the
stdlib code block by block.

Per read: one pass of the CSV reader for the parts of the lines (when every line has six quotes, as
in a normal log, a line is the quote-join of its parts; otherwise a second pass reads the lines
themselves); one query for the check and the fields (a read without backslashes skips the per-row
checks for them); one group-by of the request lines, whose distinct values are then checked and cut
into method, target and protocol (a small table, not per row); one group-by of address, hour, agent
and status (polars' streaming engine), then one query plan for all counts (group-bys that keep the
row order, so values come out in first-occurrence order without sorting; the per-field counts are
summed from those groups, methods and targets from the counts per request line); two small queries
for the rows that can give rule evidence ("hot" rows). Classification of paths and user agents runs
once per distinct value as well; the many targets no rule can match (a read with hundreds of
thousands of distinct pages, tracking parameters, search words) are told apart all at once, by the
rules' patterns rewritten for polars as necessary conditions (:mod:`prefilter`), the others by the
Python patterns.

Rule evidence: a scan from thousands of addresses gives hundreds of thousands of events, a few per
(rule, address) pair and read. The events of the hot rows are held over the whole log (up to
HELD_BYTES) and each pair's evidence is then computed at once from all of its events, as
:meth:`Analyzer.apply_rules_to` (the definition) would have recorded them one by one: count,
first and last time, statuses, distinct values, samples, and whether the rule fired (decided by
polars where the pair's times never go back, by the rule code's own window test otherwise). Pairs
that already have evidence (past HELD_BYTES) and site-wide bursts go through the rule code itself,
in log order. The differential tests (``test_access_log_held_evidence``) compare both on traffic
made to reach every branch.

Bytes are held in polars as Latin-1 text (one character per byte), so any byte sequence,
binary garbage included, survives, and counts are per byte sequence as in the stdlib engine.

Counters keep the stdlib order (first occurrence), so ties in top lists come out the same, and
sample lines are the same: the verbatim lines (without line end) of the first matching requests.
Results are identical as long as the memory caps of the stdlib engine are not reached (MAX_KEYS
distinct values per counter, 2 * MAX_KEYS visitors); beyond them both engines drop the rarest
values, not necessarily the same ones.

Controller only: needs polars (``HAS_POLARS``); court servers use the stdlib engine.
``access_log.analyze`` chooses this reader (``engine="polars"`` or ``"auto"``) and only then
imports it. Set ``POLARS_MAX_THREADS`` before the first import of polars to limit its threads.
"""

from __future__ import annotations

import collections
import io
import weakref
from itertools import filterfalse, repeat

from ansible_collections.pn.website.plugins.module_utils.logs import prefilter
from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import (
    AGENT_SHIFT,
    DISTINCT_KEPT,
    MAX_KEYS,
    Analyzer,
    Visitors,
    fills_window,
)
from ansible_collections.pn.website.plugins.module_utils.logs.log_files import (
    BLOCK_BYTES,
    MAX_LINE_BYTES,
    read_blocks,
)
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import (
    FIELD_IP,
    FIELD_VHOST,
    LINE_PATTERNS,
    VHOST_FORMATS,
    detect_format,
    parse_other,
)
from ansible_collections.pn.website.plugins.module_utils.logs.rules import (
    AGENT_GOOGLEBOT,
    BACKDOOR_FILE_NAMES,
    DOCUMENT_EXT,
    FULL_TESTS,
    HINT_PATTERNS,
    PHP_EXT,
    SCRIPT_EXT,
    STATIC_EXT,
    UPLOAD_DIR_RE,
    is_crawler,
    split_target,
)

try:
    import polars as pl
except ImportError:  # court servers and ansible-test: the stdlib engine is used instead
    pl = None

HAS_POLARS = pl is not None

CHUNK_BYTES = 16 * 1024 * 1024  # bytes per read, processed at once
# Hot rows (those that give rule events) held before their evidence is recorded at once: the
# events of a (rule, address) pair are spread over the whole log, a few per read.
HELD_BYTES = 256 * 1024 * 1024
_PAIR_RULE = 1 << 32  # a (rule, key) pair as one number: rule number * _PAIR_RULE + key number
# The quote-separated parts of a line: the head (address, identity, user, [time]), the request
# line, status and size, the referrer, the space between referrer and user agent, the user agent and
# what follows the user agent's closing quote (nothing, in a plain line).
_PARTS = ["head", "request_line", "status_size", "referrer", "between", "agent", "after"]
# The columns of a row, in the order of log_formats' FIELD_* positions.
_ROW_FIELDS = ("vhost", "ip", "hour", "rest", "method", "target", "proto", "status", "size", "ref", "ua")
# Columns of a chunk's parsed frame. The request line is a key into the chunk's table of distinct
# requests (_REQUEST_COLUMNS), which has the method, target and protocol.
_FRAME_COLUMNS = ("idx", "ip", "hour", "request", "status", "size", "ref", "ua", "line", "rest", *_PARTS)
_REQUEST_COLUMNS = ("request", "method", "target", "proto")
# The parts of a held row's line (the referrer and agent are the "ref" and "ua" fields): the line is
# made of them only for the few rows that give a sample.
_HELD_PARTS = ("head", "request_line", "status_size", "ref", "between", "ua", "after")
_HELD_COLUMNS = ("pos", *_ROW_FIELDS, "line", *(x for x in _HELD_PARTS if x not in _ROW_FIELDS))

# Shapes of the quote-separated parts of a combined line for which cutting at the quotes gives the
# same fields as the stdlib regular expression (log_formats.LINE_PATTERNS["combined"]): no escapes,
# a full request line with an ASCII protocol, an ASCII head with a time zone. Anything else is
# parsed by that regular expression itself.
_HEAD_RE = (
    r"^[!-~]+ [!-~]+ [!-~]+ \[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] $"
)
# The request line "METHOD TARGET PROTOCOL", checked once per distinct request line, part by part
# after cutting at the first two spaces: a method and a protocol from these lists (any other
# method of 1-16 letters or protocol of 1-16 ASCII characters is parsed by the regex instead), a
# target without white space or backslash.
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND", "CONNECT", "TRACE"]
_PROTOCOLS = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/2", "HTTP/3"]
_TARGET_BAD_RE = r"[ \t\n\r\x0b\x0c\\]"
_STATUS_SIZE_RE = r"^ [0-9]{3} (?:[0-9]+|-) $"
# Polars' in-memory engine sets a query up faster than its streaming engine (the default), which
# is faster only for the four-key group-by of a read's rows (measured on one core).
_IN_MEMORY = "in-memory"
# The group-by keys of a chunk's counts, in the order the counters are updated.
_VISIT_KEYS = ["ip", "hour", "ua", "status"]
# Targets the vectorised "no rule can match" test may decide (see _quiet_targets): printable
# ASCII from a slash, without percent-escapes, whose decoding is then "+" as a space, lower case.
_QUIET_ELIGIBLE_RE = r"\A/[\x21-\x24\x26-\x7e]*\z"
_NOT_PAGE_EXT = sorted(x.decode("ascii") for x in DOCUMENT_EXT | STATIC_EXT)
_SCRIPT_EXT = sorted(x.decode("ascii") for x in SCRIPT_EXT)
_PHP_EXT = sorted(x.decode("ascii") for x in PHP_EXT)
_BACKDOOR_FILE_NAMES = sorted(x.decode("latin-1") for x in BACKDOOR_FILE_NAMES)
_QUIET_MIN = 256  # fewer new targets in a chunk: each is classified in Python


class _Prepended:
    """A stream whose first bytes were already read."""

    def __init__(self, head: bytes, stream):
        self._head = head
        self._stream = stream

    def read(self, size=-1):
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            out, self._head = self._head + self._stream.read(), b""
            return out
        out, self._head = self._head[:size], self._head[size:]
        if len(out) < size:
            out += self._stream.read(size - len(out))
        return out


def _line(read: bool = True, parts=None):
    """The "line" column: as read, else (a frame with the parts only) the quote-join of the
    ``parts`` (columns; _PARTS when not given)."""
    joined = pl.concat_str([pl.col(name) for name in parts or _PARTS], separator='"')
    return (pl.coalesce(pl.col("line"), joined) if read else joined).alias("line")


def _held_line():
    """The line of a held row (see PolarsReader._hot_rows) as the rule code takes a sample: without
    a carriage return at its end."""
    return _line(parts=_HELD_PARTS).str.strip_chars_end("\r")


def _before_query(name: str):
    """What comes before the first "?" of a column (all of it when there is none), as
    rules.split_target cuts; splitting at a literal costs a fraction of a regex with a group."""
    return pl.col(name).str.splitn("?", 2).struct.field("field_0")


def _after_query(name: str):
    """What comes after the first "?" of a column (null when there is none)."""
    return pl.col(name).str.splitn("?", 2).struct.field("field_1")


def _owned(frame):
    """A copy of ``frame`` whose text is its own. The text of a frame taken from a chunk's rows
    points into the chunk's buffers (polars' string views): held past its chunk, a few rows would
    keep every chunk's whole text in memory (a copy through Arrow IPC keeps only what it uses)."""
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return pl.read_ipc(buffer.getvalue())


def _bytes(text) -> bytes:
    return text.encode("latin-1") if text is not None else b""


def _bytes_of_column(series) -> list:
    """The values of a text column of ASCII chunks as bytes (the text is the bytes)."""
    return series.cast(pl.Binary).to_list()


def _bytes_of_text(series) -> list:
    """The values of a text column (bytes as Latin-1 text) as bytes."""
    return [_bytes(x) for x in series.to_list()]


def _byte_lists_of_column(series) -> list:
    """The values of a column of lists of text of ASCII chunks as lists of bytes."""
    return series.cast(pl.List(pl.Binary)).to_list()


def _byte_lists_of_text(series) -> list:
    """The values of a column of lists of text (bytes as Latin-1 text) as lists of bytes."""
    return [[_bytes(x) for x in values] for values in series.to_list()]


class FrameVisitors(Visitors):
    """Visitors as polars frames of distinct (ip, day, ua), besides those of the lines the
    analyzer parsed itself (``seen``)."""

    def __init__(self):
        super().__init__()
        self._frames = []

    def add_frame(self, frame) -> None:
        self._frames.append(frame)
        if len(self._frames) > 8:
            self._frames = [pl.concat(self._frames).unique()]

    def stats(self, crawler_agents: dict):
        frames = list(self._frames)
        if self.seen:
            ips, days, uas = zip(*self.seen)  # noqa: B905
            frames.append(
                pl.DataFrame(
                    {
                        "ip": [x.decode("latin-1") for x in ips],
                        "day": [x.decode("latin-1") for x in days],
                        "ua": [x.decode("latin-1") for x in uas],
                    },
                    schema={"ip": pl.String, "day": pl.String, "ua": pl.String},
                )
            )
        if not frames:
            return 0, collections.Counter(), 0
        visitors = pl.concat(frames).unique()
        bots = []
        for ua in visitors["ua"].unique().to_list():
            key = _bytes(ua)
            bot = crawler_agents.get(key)
            if bot is None:
                bot = crawler_agents[key] = is_crawler(key)
            if bot:
                bots.append(ua)
        crawler_visitors = visitors.filter(pl.col("ua").is_in(bots)).height
        daily = visitors.group_by("day").len()
        per_day = collections.Counter(
            dict(zip(map(_bytes, daily["day"].to_list()), daily["len"].to_list()))  # noqa: B905
        )
        return visitors.height, per_day, crawler_visitors


class PolarsReader:
    """Reads logs into an :class:`Analyzer` (``analyzer``, made with ``analyzer_options``), the
    combined-format lines with polars, ``chunk_bytes`` at a time."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES, **analyzer_options):
        if not HAS_POLARS:
            raise RuntimeError("the fast access-log engine needs the polars package")
        self.chunk_bytes = chunk_bytes
        self._visitors = FrameVisitors()
        self.analyzer = Analyzer(visitors=self._visitors, **analyzer_options)
        self._pending = []
        self._pending_size = 0
        # Per distinct value (as text): the analyzer's flags of targets and agents.
        self._target_flags = {}
        self._agent_flags = {}
        self._quiet = None  # the Rust patterns of _quiet_targets (False: none)
        # The format of each row of the chunk that is of another format, and their virtual hosts.
        self._other_formats = []
        self._other_vhosts = []
        # Rule events held until many are recorded at once (see _record_held): the hot rows of
        # each chunk, the flags of the targets and agents they name, and the position of the next
        # chunk's first line.
        self._held = []
        self._held_bytes = 0
        self._held_ascii = True
        self._held_target_flags = {}
        self._held_agent_flags = {}
        self._position = 0
        self._rules = list(self.analyzer.rules.rules.values())
        self._rule_numbers = {rule.id: number for number, rule in enumerate(self._rules)}
        self._by_address = [n for n, rule in enumerate(self._rules) if rule.key == "address"]
        self.analyzer.record_pending = weakref.WeakMethod(self._record_held)

    # -- feeding ------------------------------------------------------------------------------------

    def feed_stream(self, stream, fmt=None, complete_only: bool = False) -> int:
        """As :meth:`Analyzer.feed_stream` (same format choice, same lines, same offset reached),
        reading combined-format logs in large pieces."""
        fixed = self.analyzer.fmt
        chosen = fmt or (None if fixed == "auto" else fixed)
        head = stream.read(BLOCK_BYTES)
        if chosen is None:
            cut = head.rfind(b"\n")
            if cut >= 0:  # the stdlib engine's first block: same detection
                chosen = detect_format(head[: cut + 1])
        if chosen != "combined":
            consumed = read_blocks(_Prepended(head, stream), self, chosen, complete_only)
            self._flush()
            return consumed
        return self._feed_combined(head, stream, complete_only)

    def feed_block(self, block: bytes, fmt: str) -> None:
        """A block from :func:`read_blocks`: combined lines are gathered into a chunk for polars,
        other formats go to the analyzer."""
        if fmt != "combined":
            self._flush()
            self._record_held()  # the analyzer records its rows' events at once: in log order
            self.analyzer.feed_block(block, fmt)
            return
        self._pending.append(block)
        self._pending_size += len(block)
        if self._pending_size >= self.chunk_bytes:
            self._flush()

    def add_lines(self, lines: int, malformed: int = 0) -> None:
        self.analyzer.add_lines(lines, malformed)

    def _feed_combined(self, head: bytes, stream, complete_only: bool) -> int:
        """Read a chunk at a time and hand each read to polars; the line a read ends in the
        middle of starts the next read: read again from a plain file, carried over from a stream
        (gzip), where the next read is copied after it."""
        consumed = 0
        carry = b""  # the start of a line cut by the previous read
        skipping = False  # inside a line already counted as too long
        rewind = isinstance(stream, io.BufferedReader) and stream.seekable()
        data = head + stream.read(max(self.chunk_bytes - len(head), 1)) if head else b""
        while data:
            if skipping:
                cut = data.find(b"\n")
                if cut < 0:
                    consumed += len(data)
                    data = stream.read(self.chunk_bytes)
                    continue
                consumed += cut + 1
                data = data[cut + 1 :]
                skipping = False
            if carry:
                data, carry = carry + data, b""
            last = data.rfind(b"\n")
            if last < 0:
                carry = data
            else:
                self._process(data, last + 1)
                consumed += last + 1
                if rewind and last + 1 < len(data):
                    stream.seek(last + 1 - len(data), io.SEEK_CUR)
                else:
                    carry = data[last + 1 :]
            if len(carry) > MAX_LINE_BYTES:  # an unfinished line already too long: malformed
                self.analyzer.add_lines(1, 1)
                consumed += len(carry)
                carry = b""
                skipping = True
            data = stream.read(self.chunk_bytes)
        if carry and not complete_only:
            self._process(carry + b"\n")
            consumed += len(carry)
        return consumed

    def _flush(self) -> None:
        if not self._pending:
            return
        chunk = b"".join(self._pending)
        self._pending = []
        self._pending_size = 0
        self._process(chunk)

    # -- one chunk of combined lines ----------------------------------------------------------------

    @staticmethod
    def _csv(text: bytes, separator: str, columns, ragged: bool = True):
        """The lines of ``text`` cut at ``separator`` into ``columns`` (missing fields are empty);
        extra fields are dropped, or raise ComputeError unless ``ragged``."""
        return pl.read_csv(
            io.BytesIO(text),
            has_header=False,
            separator=separator,
            quote_char=None,
            infer_schema=False,
            truncate_ragged_lines=ragged,
            empty_string_is_null=False,
            schema={name: pl.String for name in columns},
            raise_if_empty=False,
            missing_columns="insert",
            extra_columns="ignore" if ragged else "raise",
        )

    def _read(self, text: bytes, end: int):
        """(frame of the lines in ``text[:end]``, number of lines, length of the longest
        line). The frame has the quote-separated parts of each line, and the line itself unless
        every line has exactly six quotes (a line is then the quote-join of its parts).
        It is None when the CSV reader would not see exactly these lines: a separator for whole
        lines must be a byte the text lacks, and a window (``end`` before a partial last line) is
        only read in place when every byte of it is accounted for."""
        partial = int(end < len(text))
        try:
            parts = self._csv(text, '"', _PARTS, ragged=False)
        except pl.exceptions.PolarsError:  # a line with more than six quotes (any other error recurs below)
            parts = None
        else:
            parts = parts.head(parts.height - partial)
            length = pl.sum_horizontal(pl.col(name).str.len_bytes() for name in _PARTS)
            total, longest = parts.select(length.sum().alias("total"), length.max().alias("longest")).row(0)
            quotes = len(_PARTS) - 1
            if (total or 0) + (quotes + 1) * parts.height == end:
                # Every byte but six quotes and the line end of each line is in the parts, and no
                # line has more than six quotes: each line has exactly six.
                longest = None if longest is None else longest + quotes
                return parts.with_row_index("idx"), parts.height, longest
        window = end < len(text)
        separator = next(
            (chr(b) for b in b"\x01\x02\x03\x04\x05\x06\x07\x08\x1f" if bytes((b,)) not in text), None
        )
        if separator is None:
            return None, text.count(b"\n", 0, end), None
        lines = self._csv(text, separator, ["line"])
        lines = lines.head(lines.height - partial)
        length = pl.col("line").str.len_bytes()
        total, longest = lines.select(length.sum().alias("total"), length.max().alias("longest")).row(0)
        if (total or 0) + lines.height == end:
            n = lines.height  # every byte but the line ends is in the frame: no line was left out
        else:
            n = text.count(b"\n", 0, end)
            if window or lines.height != n:
                return None, n, None
        if parts is None:
            parts = self._csv(text, '"', _PARTS)
            parts = parts.head(parts.height - partial)
        if parts.height != n:
            return None, n, None
        return pl.concat([lines, parts], how="horizontal").with_row_index("idx"), n, longest

    @staticmethod
    def _plain_mask(backslash: bool, six_quotes: bool):
        """Rows whose quote-separated parts give the stdlib regex's fields (see _HEAD_RE). The
        referrer and user agent are checked for escapes only in a chunk with a ``backslash``.
        When every line has ``six_quotes``, the sixth closes the user agent (the regex allows any
        text after it)."""
        c = pl.col
        mask = (
            c("head").str.contains(_HEAD_RE)
            & c("status_size").str.contains(_STATUS_SIZE_RE)
            & (c("between") == " ")
        )
        if not six_quotes:
            # The user agent's closing quote ends the line (a line with other text after it, or
            # with an empty user agent, as with five quotes, goes to the regex).
            mask = mask & (c("agent") != "") & c("line").str.ends_with('"')
        if backslash:
            mask = (
                mask
                & ~c("referrer").str.contains("\\", literal=True)
                & ~c("agent").str.contains("\\", literal=True)
            )
        return mask.fill_null(False)

    @staticmethod
    def _requests(request_lines):
        """The distinct request lines of a chunk (_REQUEST_COLUMNS), cut at their first two spaces,
        and "ok" where the cut gives the stdlib regex's fields (see _METHODS)."""
        c = pl.col
        ok = (
            c("method").is_in(_METHODS)
            & c("proto").is_in(_PROTOCOLS)
            # Nothing after the protocol (the cut keeps only the first three parts).
            & (
                c("request").str.len_bytes()
                == pl.sum_horizontal(c(x).str.len_bytes() for x in _REQUEST_COLUMNS[1:]) + 2
            )
            & ~c("target").str.contains(_TARGET_BAD_RE)
        )
        parts = c("request").str.split_exact(" ", 2).struct.rename_fields(list(_REQUEST_COLUMNS[1:]))
        return (
            request_lines.to_frame("request")
            .lazy()
            .with_columns(parts.struct.unnest())
            .with_columns(ok.fill_null(False).alias("ok"))
            .collect(engine=_IN_MEMORY)
        )

    def _process(self, data: bytes, end: int | None = None) -> None:
        """The lines in ``data[:end]``."""
        end = len(data) if end is None else end
        ascii_only = data.isascii()
        if end < len(data):  # a window of a read
            if ascii_only:
                raw, n, longest = self._read(data, end)
                if raw is not None:
                    self._feed_frame(raw, n, longest, data, end, True)
                    return
            data = data[:end]  # not in place: a copy
        chunk = data
        text = chunk if ascii_only else chunk.decode("latin-1").encode("utf-8")
        raw, n, longest = self._read(text, len(text))
        self._feed_frame(raw, n, longest, chunk, len(chunk), ascii_only)

    def _feed_frame(self, raw, n: int, longest, chunk: bytes, end: int, ascii_only: bool) -> None:
        if raw is None:  # parse every line with the stdlib regex
            lines = chunk.split(b"\n")[:n]
            raw = pl.DataFrame(
                {"idx": pl.Series(range(n), dtype=pl.UInt32), "line": [x.decode("latin-1") for x in lines]},
                schema={"idx": pl.UInt32, "line": pl.String},
            )
            longest = max(map(len, lines), default=None)
        # Lines longer than MAX_LINE_BYTES are malformed (the CSV reader drops a carriage return
        # before the line end: for a line of exactly the limit, look at the bytes).
        if longest is not None and longest >= MAX_LINE_BYTES:
            if "line" not in raw.columns:
                raw = raw.with_columns(_line(read=False))
            raw = self._drop_long(raw, chunk[:end])
        if "head" in raw.columns:
            backslash = chunk.find(b"\\", 0, end) >= 0  # a memchr scan
            frame, requests, per_request, odd = self._plain_rows(raw, backslash, ascii_only)
        else:
            frame, requests, per_request, odd = None, None, None, raw
        if odd is not None and odd.height:
            parsed = self._parse_odd(odd)
            if parsed is not None:
                rows, odd_requests = parsed
                frame = rows if frame is None else pl.concat([frame, rows], how="vertical").sort("idx")
                requests = odd_requests if requests is None else pl.concat([requests, odd_requests])
                per_request = None  # counted again, with these rows in their places
        good = frame.height if frame is not None else 0
        self.analyzer.add_lines(n, n - good)
        if good:
            self._count_and_rules(frame, requests, per_request, ascii_only)
        self._position += n

    def _plain_rows(self, raw, backslash: bool, ascii_only: bool):
        """(frame of the rows the vectorised checks vouch for, their distinct request lines, their
        counts per request line, the other rows as (idx, line) or None)."""
        c = pl.col
        six_quotes = "line" not in raw.columns
        head = c("head")
        ip_end = head.str.find(" ", literal=True)
        if ascii_only:  # bytes are characters: slicing bytes is cheaper
            ip = head.cast(pl.Binary).bin.slice(0, ip_end).cast(pl.String)
            hour = head.cast(pl.Binary).bin.slice(-28, 14).cast(pl.String)
        else:
            ip, hour = head.str.slice(0, ip_end), head.str.slice(-28, 14)
        frame = (
            raw.lazy()
            .select(
                "idx",
                ip.alias("ip"),
                hour.alias("hour"),
                c("request_line").alias("request"),
                c("status_size").str.slice(1, 3).alias("status"),
                c("status_size").str.slice(5).str.strip_chars_end(" ").alias("size"),  # "-" when none
                c("referrer").alias("ref"),
                c("agent").alias("ua"),
                pl.lit(None, dtype=pl.String).alias("line") if six_quotes else "line",
                # Needed for the few rows that reach the rule code only: taken from the head later.
                pl.lit(None, dtype=pl.String).alias("rest"),
                *_PARTS,
                self._plain_mask(backslash, six_quotes).alias("plain"),
            )
            .collect(engine=_IN_MEMORY)
        )
        plain = frame["plain"]
        everything = plain.all()  # the usual case
        # The counts per request line, which also give the distinct request lines to check.
        per_request = self._per_request(frame.lazy() if everything else frame.lazy().filter("plain"))
        requests = self._requests(per_request["request"])
        bad = requests.filter(~c("ok"))["request"]
        if bad.len():
            plain = plain & ~frame["request"].is_in(bad.implode())
            per_request = per_request.filter(~c("request").is_in(bad.implode()))
            everything = False
        requests = requests.filter("ok").drop("ok")
        odd = None if everything else frame.filter(~plain).select("idx", _line())
        frame = (frame if everything else frame.filter(plain)).drop("plain")
        return frame, requests, per_request, odd

    @staticmethod
    def _per_request(lf):
        """Rows per request line, in first-occurrence order."""
        return lf.group_by("request", maintain_order=True).agg(pl.len().alias("n")).collect(engine=_IN_MEMORY)

    @staticmethod
    def _drop_long(raw, chunk: bytes):
        c = pl.col
        long_rows = raw.filter(c("line").str.len_chars() >= MAX_LINE_BYTES).select("idx", "line").rows()
        lines = None
        drop = []
        for idx, line in long_rows:
            if len(line) == MAX_LINE_BYTES:
                if lines is None:
                    lines = chunk.split(b"\n")
                if len(lines[idx]) <= MAX_LINE_BYTES:
                    continue
            drop.append(idx)
        if not drop:
            return raw
        return raw.filter(~c("idx").is_in(pl.Series(drop, dtype=pl.UInt32).implode()))

    def _parse_odd(self, odd):
        """Rows the vectorised check does not vouch for, parsed by the stdlib regex: (their frame,
        their requests), or None when none parses (malformed). Their request keys are made of the
        parsed fields, joined by line ends: no request line read from a line has one."""
        rows = odd.select("idx", "line").rows()
        texts = [_bytes(line) for _i, line in rows]
        parsed = LINE_PATTERNS["combined"].findall(b"\n".join(texts) + b"\n")
        if self.analyzer.fmt == "auto":  # a file mixing formats: as the stdlib engine does
            for k, row in enumerate(parsed):
                if not row[FIELD_IP]:
                    text = texts[k][:-1] if texts[k][-1:] == b"\r" else texts[k]
                    other = parse_other(text, "combined")
                    if other is not None:
                        parsed[k] = other[1]
                        self._other_formats.append(other[0])
                        if other[0] in VHOST_FORMATS:
                            self._other_vhosts.append(other[1][FIELD_VHOST])
        keep = [k for k, row in enumerate(parsed) if row[FIELD_IP]]
        if not keep:
            return None
        fields = {
            name: [parsed[k][pos].decode("latin-1") for k in keep] for pos, name in enumerate(_ROW_FIELDS)
        }
        parts = zip(*(fields[x] for x in _REQUEST_COLUMNS[1:]))  # noqa: B905
        fields["request"] = ["\n".join(("", *request)) for request in parts]
        data = {"idx": pl.Series([rows[k][0] for k in keep], dtype=pl.UInt32)}
        for name in _FRAME_COLUMNS[1:]:
            values = fields.get(name, [None] * len(keep))
            data[name] = pl.Series(values, dtype=pl.String)
        data["line"] = pl.Series([rows[k][1] for k in keep], dtype=pl.String)
        requests = pl.DataFrame(
            {name: fields[name] for name in _REQUEST_COLUMNS},
            schema=dict.fromkeys(_REQUEST_COLUMNS, pl.String),
        )
        return pl.DataFrame(data).select(_FRAME_COLUMNS), requests.unique("request", maintain_order=True)

    def _count_and_rules(self, frame, requests, per_request, ascii_only: bool) -> None:
        """Per-value counts in first-occurrence order, as the stdlib counters hold them (group-bys
        that keep the order of the rows, which are in log order), then the rules. Methods and
        targets are summed from the counts per request line (``per_request``, counted here when
        None), in the order of first occurrence as well."""
        c = pl.col
        lf = frame.lazy()
        # One group per (address, hour, agent, status): the per-field counts, the visitors and the
        # agents and addresses the rule selection needs (the one query for the streaming engine).
        groups = lf.group_by(_VISIT_KEYS, maintain_order=True).agg(pl.len().alias("n")).collect().lazy()
        if per_request is None:
            per_request = self._per_request(lf)
        if per_request.height == requests.height and per_request["request"].equals(requests["request"]):
            # The usual case: the requests were made from these counts, row for row.
            by_request = per_request.hstack(requests.drop("request")).lazy()
        else:
            by_request = per_request.lazy().join(
                requests.lazy(), on="request", how="left", maintain_order="left"
            )
        errors = (
            lf.filter(c("status") >= "400")
            .group_by("request", maintain_order=True)
            .agg(pl.len().alias("n"))
            .join(requests.lazy(), on="request", how="left", maintain_order="left")
            .group_by("target", maintain_order=True)
            .agg(c("n").sum())
        )
        # Counts per path, when every target is in origin form (from "/"): its path is what comes
        # before the first "?" (rules.split_target); grouped in the order of the targets, so the
        # paths come in the order of their first target, as when the analyzer sums the targets.
        origin_form = requests.select(c("target").str.starts_with("/").all()).item()
        by_path = _before_query("target").alias("path")
        short = c("size").str.len_bytes() <= 12  # summed as 64-bit integers without overflow
        queries = [groups.group_by(key, maintain_order=True).agg(c("n").sum()) for key in _VISIT_KEYS]
        queries += [
            by_request.group_by("method", maintain_order=True).agg(c("n").sum()),
            by_request.group_by("target", maintain_order=True).agg(c("n").sum()),
            lf.group_by("ref", maintain_order=True).agg(pl.len().alias("n")),
            errors,
            lf.select(c("size").filter(short).cast(pl.Int64, strict=False).sum()),
            lf.filter(~short).select("size"),
            groups.select("ip", c("hour").str.slice(0, 11).alias("day"), "ua").unique(),
        ]
        if origin_form:
            queries += [
                query.with_columns(by_path).group_by("path", maintain_order=True).agg(c("n").sum())
                for query in (by_request.group_by("target", maintain_order=True).agg(c("n").sum()), errors)
            ]
        results = pl.collect_all(queries, engine=_IN_MEMORY)
        per_key = results[: len(_VISIT_KEYS)]
        methods, targets, refs, errors, sizes, big_sizes, visitors = results[
            len(_VISIT_KEYS) : len(_VISIT_KEYS) + 7
        ]
        paths, error_paths = results[len(_VISIT_KEYS) + 7 :] or (None, None)

        def counts(table):
            keys = table[table.columns[0]]
            values = keys.cast(pl.Binary).to_list() if ascii_only else [_bytes(x) for x in keys.to_list()]
            return dict(zip(values, table["n"].to_list()))  # noqa: B905

        ips, hours, uas, statuses = (counts(table) for table in per_key)
        bytes_sent = int(sizes.item() or 0) + sum(int(x) for x in big_sizes["size"].to_list() if x.isdigit())
        self.analyzer.add_counts(
            "combined",
            frame.height,
            ips=ips,
            hours=hours,
            agents=uas,
            statuses=statuses,
            methods=counts(methods),
            targets=counts(targets) if paths is None else {},
            referrers=counts(refs),
            error_targets=counts(errors),
            bytes_sent=bytes_sent,
            paths=None if paths is None else counts(paths),
            error_paths=None if error_paths is None else counts(error_paths),
            other_formats=self._other_formats,
            vhosts=self._other_vhosts,
        )
        self._other_formats, self._other_vhosts = [], []
        self._visitors.add_frame(visitors)
        agents = per_key[_VISIT_KEYS.index("ua")]["ua"].to_list()
        self._classify(targets["target"].to_list(), agents)
        hot = self._hot_rows(lf, requests, agents)
        if hot.height:
            self._hold(hot, ascii_only)

    def _classify(self, targets, uas) -> None:
        """Flags of every distinct target and agent of a chunk (text), once per value."""
        tflags, uflags = self._target_flags, self._agent_flags
        if len(tflags) > MAX_KEYS:  # bounded caches; this chunk's values stay until its end
            tflags.clear()
        if len(uflags) > MAX_KEYS:
            uflags.clear()
        classify_target = self.analyzer.classify_target
        classify_user_agent = self.analyzer.classify_user_agent
        new = list(filterfalse(tflags.__contains__, targets))
        if len(new) >= _QUIET_MIN:
            new = self._quiet_targets(new)
        for value in new:
            tflags[value] = classify_target(_bytes(value))
        for value in uas:
            if value not in uflags:
                uflags[value] = classify_user_agent(_bytes(value))

    def _hold(self, hot, ascii_only: bool) -> None:
        """Holds a chunk's hot rows until their events are recorded (see _record_held), with the
        flags of their targets and agents (the caches of flags are bounded: the held rows may
        outlive their entries). Records what is held past HELD_BYTES."""
        for names, flags, held in (
            ("target", self._target_flags, self._held_target_flags),
            ("ua", self._agent_flags, self._held_agent_flags),
        ):
            for value in hot[names].unique().to_list():
                held[value] = flags[value]
        rows = _owned(hot)
        self._held.append(rows)
        self._held_ascii &= ascii_only
        self._held_bytes += rows.estimated_size()  # the copy's own size: what stays in memory
        if self._held_bytes > HELD_BYTES:
            self._record_held()

    def _events(self, hot):
        """(the ``hot`` rows that give rule events (_HELD_COLUMNS); their events: position, rule
        number, whether the rule's match was by target, time, status, the number of the target
        and the (rule, key) pair as one number; the keys by number; the targets by number), or
        None when none gives one. What a row gives is decided per kind of row, as the rule code
        decides (RuleSet.events: flags of target and agent, method, status, size, a verified
        Googlebot)."""
        c = pl.col
        analyzer = self.analyzer
        if analyzer.trusted_networks:  # never evidence against the site (see Analyzer.apply_rules_to)
            ips = hot["ip"].unique(maintain_order=True).to_list()
            trusted = [ip for ip in ips if analyzer.is_trusted(_bytes(ip))]
            if trusted:
                hot = hot.filter(~c("ip").is_in(trusted))
        # The held flags have every target and agent of the held rows (see _hold).
        tflags, uflags = self._held_target_flags, self._held_agent_flags
        targets, agents = list(tflags), list(uflags)
        flag_ids, flags = {}, []  # flags (int) -> a number, and back

        def flag_id(value):
            number = flag_ids.get(value)
            if number is None:
                number = flag_ids[value] = len(flags)
                flags.append(value)
            return number

        verified = pl.lit(False)
        claims = [ua for ua in agents if uflags[ua] & AGENT_GOOGLEBOT]
        if claims:
            ips = hot.filter(c("ua").is_in(claims))["ip"].unique(maintain_order=True).to_list()
            genuine = [ip for ip in ips if analyzer.is_googlebot(_bytes(ip))]
            if genuine:
                verified = c("ua").is_in(claims) & c("ip").is_in(genuine)
        # The time of each row as LogClock.epoch gives it: the hour's start in its zone (once per
        # hour and zone), plus minutes and seconds; Python's own parse where they are not digits.
        # A log has one time zone, as a rule: the hour alone is then the key of the join (one of
        # two text columns costs several times more).
        rest = c("rest")
        zone = rest.str.slice(7).alias("zone")
        zones = hot.select(zone.unique())["zone"].to_list()
        lf = hot.lazy() if len(zones) == 1 else hot.lazy().with_columns(zone)
        keys = ["hour"] if len(zones) == 1 else ["hour", "zone"]
        hours = lf.select(keys).unique(maintain_order=True).collect(engine=_IN_MEMORY)
        clock = analyzer.clock
        hour_zones = zip(hours["hour"].to_list(), repeat(zones[0])) if len(zones) == 1 else hours.iter_rows()
        bases = [clock.hour(_bytes(hour), _bytes(zone)) for hour, zone in hour_zones]
        hours = hours.with_columns(
            pl.Series("base", [base for base, _offset in bases], dtype=pl.Int64),
            pl.Series("offset", [offset for _base, offset in bases], dtype=pl.Int64),
        )
        digits = rest.str.contains(r"\A:[0-9]{2}:[0-9]{2}")
        seconds = rest.str.slice(1, 2).cast(pl.Int64) * 60 + rest.str.slice(4, 2).cast(pl.Int64)
        size = c("size") if analyzer.rules.sized else pl.lit("")
        hot = (
            lf.join(hours.lazy(), on=keys, how="left", maintain_order="left")
            .with_columns(
                pl.when(digits).then(c("base") + seconds).otherwise(None).alias("now"),
                c("target")
                .replace_strict(targets, range(len(targets)), return_dtype=pl.UInt32)
                .alias("target_id"),
                c("ua").replace_strict(agents, [flag_id(uflags[u]) for u in agents]).alias("af"),
                verified.alias("verified"),
                size.alias("size_key"),
            )
            .with_columns(
                pl.lit(pl.Series([flag_id(tflags[t]) for t in targets])).gather(c("target_id")).alias("tf")
            )
            .drop("zone", "base", strict=False)
            .collect(engine=_IN_MEMORY)
        )
        odd = hot.filter(c("now").is_null())
        if odd.height:
            now = [clock.epoch(_bytes(h), _bytes(r))[0] for h, r in odd.select("hour", "rest").iter_rows()]
            fill = pl.DataFrame({"pos": odd["pos"], "odd_now": pl.Series(now, dtype=pl.Int64)})
            hot = (
                hot.join(fill, on="pos", how="left", maintain_order="left")
                .with_columns(pl.coalesce("now", "odd_now").alias("now"))
                .drop("odd_now")
            )
        kind = ["tf", "af", "method", "status", "size_key", "verified"]
        kinds = hot.select(kind).unique(maintain_order=True)
        numbers, by_target, keep = [], [], []
        events = analyzer.rules.events
        for tf, af, method, status, size_key, claim in kinds.iter_rows():
            found = events(
                flags[tf], flags[af] >> AGENT_SHIFT, _bytes(method), _bytes(status), _bytes(size_key), claim
            )
            keep.append(bool(found))
            numbers.append([self._rule_numbers[rule.id] for rule, _by in found])
            by_target.append([by for _rule, by in found])
        kinds = kinds.with_columns(
            pl.Series("rule", numbers, dtype=pl.List(pl.UInt32)),
            pl.Series("by_target", by_target, dtype=pl.List(pl.Boolean)),
        ).filter(pl.Series(keep, dtype=pl.Boolean))
        if not kinds.height:
            return None
        rows = hot.join(kinds, on=kind, how="inner", maintain_order="left")
        # Each event's (rule, key) pair as one number: the rule's number, and the number of its
        # key (0: the site; an address otherwise), so that pairs are told apart by integers.
        addresses = rows["ip"].unique(maintain_order=True).to_list()
        key = c("ip").replace_strict(addresses, range(1, len(addresses) + 1), return_dtype=pl.UInt64)
        pair = c("rule").cast(pl.UInt64) * _PAIR_RULE
        events = (
            rows.select("pos", "rule", "by_target", key.alias("key"), "now", "offset", "status", "target_id")
            .explode(["rule", "by_target"])
            .with_columns(
                pl.when(c("rule").is_in(self._by_address)).then(pair + c("key")).otherwise(pair).alias("pair")
            )
            .drop("key")
        )
        keys = [b""] + [_bytes(ip) for ip in addresses]  # 0: the site
        return (
            rows.select(_HELD_COLUMNS),
            events,
            keys,
            targets,
        )

    def _record_held(self) -> None:
        """Records the held events in the analyzer's evidence, as its rule code would have
        (Analyzer.apply_rules_to, the definition), at once per (rule, key) pair new to the
        evidence: its count, first and last time, statuses, 2xx answers to a target match, distinct
        values (the first DISTINCT_KEPT), samples (the first max_samples new values) and whether it
        fired. The rule code itself records the events of pairs that have evidence already (held
        beyond HELD_BYTES) and of site-wide bursts (episodes), in log order."""
        if not self._held:
            return
        c = pl.col
        analyzer = self.analyzer
        hot = pl.concat(self._held)
        as_bytes = _bytes_of_column if self._held_ascii else _bytes_of_text
        as_lists = _byte_lists_of_column if self._held_ascii else _byte_lists_of_text
        found = self._events(hot)
        tflags, uflags = self._held_target_flags, self._held_agent_flags
        self._held, self._held_bytes, self._held_ascii = [], 0, True
        self._held_target_flags, self._held_agent_flags = {}, {}
        if found is None:
            return
        rows, events, keys, targets = found
        rules = self._rules
        # The pairs in the order of their first event; "gid": the number of a pair new to the
        # evidence, in that order (null: recorded by the rule code).
        pairs = events["pair"].unique(maintain_order=True)
        kept, new, gids = set(), [], []
        for pair in pairs.to_list():
            rule, key = rules[pair // _PAIR_RULE], keys[pair % _PAIR_RULE]
            if rule.key == "episode" or analyzer.has_evidence((rule.id, key)):
                kept.add((rule.id, key))
                gids.append(None)
            else:
                gids.append(len(new))
                new.append((rule, (rule.id, key)))
        events = events.with_columns(
            c("pair").replace_strict(pairs, pl.Series(gids, dtype=pl.UInt32), default=None).alias("gid")
        )
        if kept:  # the rule code, in log order, on the rows with such events
            positions = events.filter(c("gid").is_null())["pos"].unique(maintain_order=True)
            chosen = rows.filter(c("pos").is_in(positions.implode())).with_columns(_held_line())
            analyzer.apply_rules_to(
                zip(*(as_bytes(chosen[name]) for name in (*_ROW_FIELDS, "line"))),  # noqa: B905
                map(tflags.__getitem__, chosen["target"].to_list()),
                map(uflags.__getitem__, chosen["ua"].to_list()),
                keys=kept,
            )
        if new:
            self._record_new(events.filter(c("gid").is_not_null()), rows, new, targets, as_bytes, as_lists)

    def _record_new(self, events, rows, new, targets, as_bytes, as_lists) -> None:
        """The evidence of the ``new`` (rule, (rule id, key)) pairs, numbered by "gid" in the
        order of their first event, from their ``events`` (in log order, with the number of their
        target in ``targets``); their sample lines from ``rows``. The events are sorted by pair
        (keeping the log order within each), so that what is computed per pair compares a row with
        the ones before it (a shift and a test that they are of the same pair), not a window
        expression per pair (several times slower)."""
        c = pl.col
        analyzer = self.analyzer
        rules = self._rules
        # The value a rule counts distinct ones of, by number (numbers compare faster than text):
        # the whole target (its number), or its path (as rules.split_target cuts it, once per
        # target; numbered in ``paths``). All values of a pair are of one kind, its rule's.
        by_path = [n for n, rule in enumerate(rules) if rule.distinct == "path"]
        by_target = [n for n, rule in enumerate(rules) if rule.distinct == "target"]
        value = pl.lit(None, dtype=pl.UInt32)
        if by_target:
            value = pl.when(c("rule").is_in(by_target)).then(c("target_id")).otherwise(value)
        paths = {}
        if by_path:
            numbers = events.filter(c("rule").is_in(by_path))["target_id"].unique().to_list()
            path_numbers = [
                paths.setdefault(split_target(_bytes(targets[n]))[0], len(paths)) for n in numbers
            ]
            path = c("target_id").replace_strict(numbers, path_numbers, default=None, return_dtype=pl.UInt32)
            value = pl.when(c("rule").is_in(by_path)).then(path).otherwise(value)
        value_names = {"target": [_bytes(t) for t in targets], "path": list(paths)}
        # A pair and a value as one number (values are below len(targets): a path is of a target),
        # whose first occurrences are those of each value within its pair (several times faster
        # than the same test per pair).
        pair_value = c("gid").cast(pl.UInt64) * len(targets) + c("value")
        events = (
            events.sort("gid", maintain_order=True)
            .with_columns(value.alias("value"))
            .with_columns(pair_value.is_first_distinct().alias("first"))
        )
        # A value is new the first time the pair sees it, or every time once DISTINCT_KEPT other
        # values were kept before it (its rank among the pair's values, by first occurrence).
        new_value = c("value").is_null() | c("first")
        kept_value = c("first") & c("value").is_not_null()
        values = events.filter(kept_value).group_by("gid").agg("value")
        if values.height and values["value"].list.len().max() > DISTINCT_KEPT:
            rank = kept_value.cast(pl.UInt32).cum_sum().over("gid")
            events = events.with_columns(rank.alias("rank"))
            new_value = new_value | (c("rank").first().over("gid", "value") > DISTINCT_KEPT)
            kept_value = kept_value & (c("rank") <= DISTINCT_KEPT)
            values = events.filter(kept_value).group_by("gid").agg("value")
        lf = events.lazy().with_columns(new_value.alias("new_value"))
        fresh = lf.filter("new_value").with_columns(pl.int_range(pl.len()).alias("row"))
        # The rank of a new event within its pair: its row less the row of the pair's first one.
        start = pl.when(c("gid") != c("gid").shift(1).fill_null(-1)).then(c("row")).forward_fill()
        one_zone = events["offset"].n_unique() == 1  # the usual log: first and last need no offsets
        offsets = (
            [pl.first("offset").alias("first_offset"), pl.first("offset").alias("last_offset")]
            if one_zone
            else [
                c("offset").get(c("now").arg_min()).alias("first_offset"),
                c("offset").reverse().get(c("now").reverse().arg_max()).alias("last_offset"),
            ]
        )
        summary, statuses, samples, windows = pl.collect_all(
            [
                lf.with_columns((c("by_target") & c("status").str.starts_with("2")).alias("served"))
                .group_by("gid")
                .agg(
                    pl.len().alias("count"),
                    c("now").min().alias("first"),
                    c("now").max().alias("last"),
                    *offsets,
                    c("served").sum(),
                    c("new_value").any(),
                )
                .sort("gid"),
                lf.group_by("gid", "status").agg(pl.len().alias("n")),
                fresh.filter(c("row") - start < analyzer.max_samples)
                .select("gid", "pos")
                .join(rows.lazy(), on="pos", how="left", maintain_order="left")
                .group_by("gid")
                .agg(_held_line()),
                self._windows(fresh),
            ],
            engine=_IN_MEMORY,
        )
        status_counts = collections.defaultdict(dict)
        status_rows = zip(statuses["gid"].to_list(), as_bytes(statuses["status"]), statuses["n"].to_list())  # noqa: B905
        for gid, status, n in status_rows:
            status_counts[gid][status] = n
        sample_lines = dict(zip(samples["gid"].to_list(), as_lists(samples["line"])))  # noqa: B905
        kept_values = dict(zip(values["gid"].to_list(), values["value"].to_list()))  # noqa: B905
        # Pairs whose rule needs more than one event: fired or not as found by polars, or their
        # window's events in log order for the rule code's own test (see _windows).
        fired = set(windows.filter("fired")["gid"].to_list())
        unsure = set(windows.filter(c("fired").is_null())["gid"].to_list())
        open_windows = windows.filter(~c("fired").fill_null(False))["gid"]  # unsure or not fired
        window_times = {}
        if open_windows.len():
            times = (
                fresh.filter(c("gid").is_in(open_windows.implode()))
                .group_by("gid")
                .agg("now")
                .collect(engine=_IN_MEMORY)
            )
            window_times = dict(zip(times["gid"].to_list(), times["now"].to_list()))  # noqa: B905
        for gid, count, first, last, first_offset, last_offset, served, any_new in summary.iter_rows():
            rule, key = new[gid]
            evidence = analyzer.new_evidence(rule, key)
            evidence.count = count
            evidence.first, evidence.last = (first, first_offset), (last, last_offset)
            evidence.statuses = status_counts[gid]
            evidence.served = served
            if evidence.distinct is not None:
                names = value_names[rule.distinct]
                evidence.distinct.update([names[n] for n in kept_values.get(gid, ())])
            evidence.samples = sample_lines.get(gid, [])
            window = evidence.window
            if window is None:  # one event is enough
                evidence.fired = any_new
            elif gid in fired:
                evidence.fired = True
            elif gid in unsure:
                times = window_times.get(gid, ())
                evidence.fired = any(fills_window(window, now, rule) for now in times)
            else:
                # Times that never go back and never fill the window: the window the rule code
                # would leave (for the pair's later events) holds some of the last count - 1.
                for now in window_times.get(gid, ())[1 - rule.count :]:
                    fills_window(window, now, rule)

    def _windows(self, fresh):
        """Per pair (gid) of a rule that needs ``count`` > 1 events, whether it fired, from the
        times of its new events (``fresh``, sorted by pair, in log order within each): where the
        times never go back, whether ``count`` of them fall within ``window`` seconds (0: the
        whole log), as the rule code's window then finds. Otherwise (null) the rule code's own
        test decides."""
        c = pl.col
        windowed = {n: (rule.count, rule.window) for n, rule in enumerate(self._rules) if rule.count > 1}
        same_pair = c("gid") == c("gid").shift(1)
        back = same_pair & (c("now") < c("now").shift(1))
        hit = pl.lit(False)
        for needed, seconds in set(windowed.values()):
            numbers = [n for n, value in windowed.items() if value == (needed, seconds)]
            holds = c("gid") == c("gid").shift(needed - 1)
            if seconds:
                holds = holds & (c("now") - c("now").shift(needed - 1) <= seconds)
            hit = pl.when(c("rule").is_in(numbers)).then(holds).otherwise(hit)
        return (
            fresh.filter(c("rule").is_in(list(windowed)))
            .with_columns(back.fill_null(False).alias("back"), hit.fill_null(False).alias("hit"))
            .group_by("gid")
            .agg(pl.when(c("back").any()).then(None).otherwise(c("hit").any()).alias("fired"))
        )

    def _quiet_filter(self):
        """The Rust patterns of the vectorised test (see _quiet_targets): the built-in hints, the
        built-in tests on the path and on the whole target, the rules' key patterns on the path,
        the query and the whole target, the folders of uploads on the path ("" when it cannot be
        written: any folder may be one); None when one of the other Python patterns cannot be
        written as one (see :mod:`prefilter`) or the Rust engine refuses one."""
        if self._quiet is None:
            patterns = [prefilter.any_of(HINT_PATTERNS)]
            for part in ("path", "target"):
                tests = [
                    prefilter.rust_pattern(pattern, anchored)
                    for where, pattern, anchored in FULL_TESTS
                    if where == part
                ]
                patterns.append(None if None in tests else "|".join("(?:%s)" % t for t in tests))
            patterns += [prefilter.any_of(keys) for keys in self.analyzer.rules.key_patterns]
            patterns.append(prefilter.rust_pattern(UPLOAD_DIR_RE) or "")
            self._quiet = False
            if None not in patterns:
                try:
                    pl.DataFrame({"t": ["/"]}).select(
                        pl.col("t").str.contains(p).alias(str(i)) for i, p in enumerate(patterns) if p
                    )
                except pl.exceptions.PolarsError:
                    pass
                else:
                    self._quiet = patterns
        return self._quiet or None

    def _quiet_targets(self, targets) -> list:
        """Sets the flags of the ``targets`` (text) no rule can match, decided for all of them at
        once by polars: the rule set's quiet bits (:meth:`RuleSet.quiet_target_bits`), what its
        classification gives them. Returns the others, for the Python classification.

        Decided here: printable-ASCII targets without percent-escapes (their decoding is then "+"
        as a space and lower case), without a built-in class (no hint in the lower-cased target, or
        none of the built-in tests on the decoded one), where no rule's key pattern may match the
        decoded path, query or target. The Rust patterns are necessary conditions of the Python
        ones on such text (:mod:`prefilter`), so a target they let through is only classified
        again in Python."""
        patterns = self._quiet_filter()
        if patterns is None:
            return targets
        hint, class_path, class_target, on_path, on_query, on_target, upload = patterns
        c = pl.col

        def extension(of):
            return c(of).str.extract(r"\.([^./]*)\z", 1).fill_null("")

        # The file-name tests of scripts (see rules.FULL_TESTS): a backdoor's name, or PHP in a
        # folder of uploads. Most scripts of a scan have neither and need no Python test.
        uploaded = c("path").str.contains(upload) if upload else pl.lit(True)
        named = c("path").str.extract(r"([^/]*)\.[^./]*\z", 1).is_in(_BACKDOOR_FILE_NAMES)
        script = extension("path").is_in(_SCRIPT_EXT) & (
            named | (extension("path").is_in(_PHP_EXT) & uploaded)
        )
        classed = [script]
        classed += [c("path").str.contains(class_path)] * bool(class_path)
        classed += [c("decoded").str.contains(class_target)] * bool(class_target)
        keyed = [c("path").str.contains(on_path)] * bool(on_path)
        keyed += [c("query").str.contains(on_query)] * bool(on_query)
        keyed += [c("decoded").str.contains(on_target)] * bool(on_target)
        candidate = c("t").str.contains(_QUIET_ELIGIBLE_RE)
        if keyed:
            candidate = candidate & ~pl.any_horizontal(*keyed)
        # Quiet: a candidate without a hint, or with one but none of the built-in classes (tested
        # on those only: most targets have no hint).
        frame = (
            pl.DataFrame({"t": targets}, schema={"t": pl.String})
            .lazy()
            .with_columns(c("t").str.to_lowercase().alias("low"))
            .with_columns(c("low").str.replace_all("+", " ", literal=True).alias("decoded"))
            .with_columns(
                _before_query("low").alias("raw_path"),
                _before_query("decoded").alias("path"),
                _after_query("decoded").fill_null("").alias("query"),
            )
            .select(
                "t",
                "path",
                "decoded",
                candidate.fill_null(False).alias("candidate"),
                (c("low").str.contains(hint) if hint else pl.lit(True)).fill_null(True).alias("hinted"),
                ~extension("raw_path").is_in(_NOT_PAGE_EXT).alias("page"),
            )
            .collect(engine=_IN_MEMORY)
        )
        hinted = frame.filter(c("candidate") & c("hinted")).with_columns(
            (~pl.any_horizontal(*classed)).fill_null(False).alias("quiet")
        )
        quiet_rows = pl.concat(
            [
                frame.filter(c("candidate") & ~c("hinted")).select("t", "page"),
                hinted.filter("quiet").select("t", "page"),
            ]
        )
        rules = self.analyzer.rules
        bits = {True: rules.quiet_target_bits(True), False: rules.quiet_target_bits(False)}
        self._target_flags.update(
            zip(quiet_rows["t"].to_list(), map(bits.__getitem__, quiet_rows["page"].to_list()))  # noqa: B905
        )
        return frame.filter(~c("candidate"))["t"].to_list() + hinted.filter(~c("quiet"))["t"].to_list()

    def _hot_rows(self, lf, requests, uas):
        """The rows that can produce evidence, in log order, as the rule code takes them: their
        position in the input ("pos"), the _ROW_FIELDS and the line (text; null where it is made
        of the parts of _HELD_PARTS, see _held_line). The stdlib engine sends more rows to the
        rule code (every status >= 400): the extra ones match no rule (their target and agent have
        no rule's bits and no rule looks at their status alone)."""
        c = pl.col
        analyzer = self.analyzer
        tflags, uflags = self._target_flags, self._agent_flags
        google_uas = [u for u in uas if uflags[u] & AGENT_GOOGLEBOT]
        hot_uas = [u for u in uas if uflags[u] & analyzer.hot_agent_mask]
        flagged_uas = [u for u in uas if uflags[u] & ~AGENT_GOOGLEBOT]
        claim_uas = [u for u in uas if uflags[u] & analyzer.googlebot_agent_mask]
        # The flags of each request's target (none: a request whose rows were all left out),
        # then the requests picked out by polars (hundreds of thousands on a busy site).
        flags = list(map(tflags.get, requests["target"].to_list(), repeat(0)))
        is_flagged = pl.Series(list(map(bool, flags)), dtype=pl.Boolean)
        is_hot = pl.Series(list(map(bool, map(analyzer.hot_target_mask.__and__, flags))), dtype=pl.Boolean)
        request_lines = requests["request"]
        flagged_requests = request_lines.filter(is_flagged)
        hot_requests = request_lines.filter(is_hot)
        plain_requests = request_lines.filter(~is_flagged)
        # Every row's request is in ``requests``: the shorter list decides (a rule of pages makes
        # nearly every request flagged).
        if len(plain_requests) < len(flagged_requests):
            flagged = ~c("request").is_in(plain_requests.implode()) if len(plain_requests) else pl.lit(True)
        else:
            flagged = c("request").is_in(flagged_requests.implode())
        # Rows chosen by status alone (rules without target or agent conditions, e.g. 5xx); by
        # target or agent whatever the status; by target or agent with an error status (rules
        # that look at 4xx/5xx answers only); as Googlebot from an address not Google's.
        selected = c("status").is_in(sorted(s.decode("ascii") for s in analyzer.row_only_statuses))
        if len(hot_requests):
            selected = selected | c("request").is_in(hot_requests.implode())
        if hot_uas:
            selected = selected | c("ua").is_in(hot_uas)
        error_flagged = [flagged] * bool(len(flagged_requests))
        error_flagged += [c("ua").is_in(flagged_uas)] * bool(flagged_uas)
        if error_flagged:
            selected = selected | ((c("status") >= "400") & pl.any_horizontal(*error_flagged))
        if claim_uas:
            # Both tests once, as columns (taking their rows first would copy every column).
            lf = lf.with_columns(selected.alias("selected"), c("ua").is_in(claim_uas).alias("claimed"))
            lf = lf.collect(engine=_IN_MEMORY).lazy()
            selected, claimed = c("selected"), c("claimed")
            ips = lf.filter((selected | claimed) & c("ua").is_in(google_uas))
            ips = ips.select(c("ip").unique(maintain_order=True)).collect(engine=_IN_MEMORY).to_series()
            # the same cached verdicts the rule code uses, asked in log order
            google_ips = [ip for ip in ips.to_list() if analyzer.is_googlebot(_bytes(ip))]
            genuine = c("ip").is_in(google_ips) if google_ips else pl.lit(False)
            selected = selected | (claimed & ~genuine)
        return (
            lf.filter(selected)
            .join(requests.lazy(), on="request", how="left", maintain_order="left")
            .with_columns(
                (c("idx").cast(pl.Int64) + self._position).alias("pos"),
                pl.lit("").alias("vhost"),
                pl.coalesce(c("rest"), c("head").str.slice(-14, 12)).alias("rest"),
                pl.when(c("size") == "-").then(pl.lit("")).otherwise(c("size")).alias("size"),
            )
            .select(_HELD_COLUMNS)
            .collect(engine=_IN_MEMORY)
        )
