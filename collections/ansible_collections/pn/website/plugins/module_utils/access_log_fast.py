# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side fast path of the access-log engine, on polars (columnar and vectorised).

Gives exactly the results of :class:`access_log.Analyzer` (the parity tests compare the JSON
output on many logs) because everything that decides a result is the stdlib engine's own code:
the reading loop (blocks, gzip, incremental offsets, very long lines), format detection, the
classification of paths and user agents (per distinct value), every rule's state machine and
evidence (``Analyzer._hot``, run on the "hot" rows only, in log order), the Googlebot ranges and
the summary. Thresholds, patterns and word lists therefore have one source
(``access_log`` / ``access_log_data``). What polars replaces is the per-line work of the
combined format: blocks are gathered into chunks of about CHUNK_BYTES (memory stays bounded
for any file size), cut into fields with the CSV reader (separator ``"``, no quoting),
checked with a few vectorised patterns, and counted with group-bys; a line the vectorised check
does not vouch for is parsed by the stdlib regular expression (same fields by construction).
Other formats (common, vcombined) go through the stdlib code block by block.

Bytes are held in polars as Latin-1 text (one character per byte), so any byte sequence,
binary garbage included, survives, and counts are per byte sequence as in the stdlib engine.

Counters keep the stdlib order (first occurrence), so ties in top lists come out the same, and
sample lines are the same: the verbatim lines (without line end) of the first matching requests.
Results are identical as long as the memory caps of the stdlib engine are not reached (MAX_KEYS
distinct values per counter, 2 * MAX_KEYS visitors); beyond them both engines drop the rarest
values, not necessarily the same ones.

Controller only: needs polars (``HAS_POLARS``); court servers use the stdlib engine. Set
``POLARS_MAX_THREADS`` before the first import of polars to limit its threads.
"""

from __future__ import annotations

import collections
import io

from ansible_collections.pn.website.plugins.module_utils import access_log as _al

try:
    import polars as pl
except ImportError:  # court servers and ansible-test: the stdlib engine is used instead
    pl = None

HAS_POLARS = pl is not None

CHUNK_BYTES = 16 * 1024 * 1024
READ_BYTES = 4 * 1024 * 1024
_NCOLS = 6  # quote-separated fields read: head, request, status and size, referrer, " ", user agent
_COLS = ["c%d" % i for i in range(_NCOLS)]
_FIELDS = ("vhost", "ip", "hour", "rest", "method", "target", "proto", "status", "size", "ref", "ua")
# Columns of a chunk's parsed frame (vhost is always empty in the combined format).
_FRAME = (
    "idx",
    "ip",
    "hour",
    "method",
    "target",
    "status",
    "size",
    "ref",
    "ua",
    "line",
    "rest",
    "proto",
    "c0",
    "c1",
)

# Shapes of the quote-separated parts of a combined line for which cutting at the quotes gives the
# same fields as the stdlib regular expression (access_log._FORMAT_BODY["combined"]): no escapes,
# a full request line with an ASCII protocol, an ASCII head with a time zone. Anything else is
# parsed by that regular expression itself.
_HEAD_RE = (
    r"^[!-~]+ [!-~]+ [!-~]+ \[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] $"
)
# The request line "METHOD TARGET PROTOCOL", checked part by part after cutting at the first two
# spaces: a method of letters, a target without white space or backslash, an ASCII protocol.
_METHOD_RE = r"^[A-Za-z]{1,16}$"
_TARGET_BAD_RE = r"[ \t\n\r\x0b\x0c\\]"
_PROTO_RE = r"^[!#-\[\]-~]{1,16}$"
_MIDDLE_RE = r"^ [0-9]{3} (?:[0-9]+|-) $"


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


def _b(text) -> bytes:
    return text.encode("latin-1") if text is not None else b""


class FastAnalyzer(_al.Analyzer):
    """:class:`access_log.Analyzer` with the combined-format block work done by polars."""

    def __init__(self, *args, **kwargs):
        if not HAS_POLARS:
            raise RuntimeError("the fast access-log engine needs the polars package")
        self.chunk_bytes = kwargs.pop("chunk_bytes", CHUNK_BYTES)
        self.read_bytes = kwargs.pop("read_bytes", READ_BYTES)
        super().__init__(*args, **kwargs)
        self._pending = []
        self._pending_size = 0
        self._visitor_frames = []
        self._tflags_text = {}
        self._uflags_text = {}
        self._page_text = {}
        self._groups = None
        self._distinct_targets = []

    # -- feeding ------------------------------------------------------------------------------------

    def feed_block(self, block: bytes, fmt: str) -> None:
        if fmt != "combined":
            self._flush()
            super().feed_block(block, fmt)
            return
        self._pending.append(block)
        self._pending_size += len(block)
        if self._pending_size >= self.chunk_bytes:
            self._flush()

    def feed_stream(self, stream, fmt=None, complete_only: bool = False) -> int:
        """As :meth:`access_log.Analyzer.feed_stream` (same format choice, same lines, same offset
        reached), reading combined-format logs in large pieces."""
        chosen = fmt or (None if self.fmt == "auto" else self.fmt)
        head = stream.read(_al.BLOCK_BYTES)
        if chosen is None:
            cut = head.rfind(b"\n")
            if cut >= 0:  # the stdlib engine's first block: same detection
                chosen = self.detect_format(head[: cut + 1])
        if chosen != "combined":
            consumed = super().feed_stream(_Prepended(head, stream), fmt=chosen, complete_only=complete_only)
            self._flush()
            return consumed
        return self._feed_combined(head, stream, complete_only)

    def _feed_combined(self, head: bytes, stream, complete_only: bool) -> int:
        consumed = 0
        pieces = [head] if head else []
        size = len(head)
        skipping = False
        done = not head
        while not done:
            data = stream.read(self.read_bytes)
            if skipping and data:  # the rest of a line already counted as too long
                cut = data.find(b"\n")
                if cut < 0:
                    consumed += len(data)
                    continue
                consumed += cut + 1
                data = data[cut + 1 :]
                skipping = False
            if data:
                pieces.append(data)
                size += len(data)
            else:
                done = True
            if size < self.chunk_bytes and not done:
                continue
            buf = b"".join(pieces)
            cut = buf.rfind(b"\n")
            if cut >= 0:
                self._process(buf[: cut + 1])
                consumed += cut + 1
                buf = buf[cut + 1 :]
            if len(buf) > _al.MAX_LINE_BYTES:  # an unfinished line already too long: malformed
                self.lines += 1
                self.malformed += 1
                consumed += len(buf)
                buf = b""
                skipping = True
            pieces = [buf] if buf else []
            size = len(buf)
        if pieces and not complete_only:
            self._process(pieces[0] + b"\n")
            consumed += len(pieces[0])
        return consumed

    def _flush(self) -> None:
        if not self._pending:
            return
        chunk = b"".join(self._pending)
        self._pending = []
        self._pending_size = 0
        self._process(chunk)

    def _process(self, chunk: bytes) -> None:
        self._fold()  # counts of stdlib-parsed blocks first: keeps first-occurrence order
        self._feed_chunk(chunk)

    # -- one chunk of combined lines ----------------------------------------------------------------

    @staticmethod
    def _csv(text: bytes, separator: str, columns):
        return pl.read_csv(
            io.BytesIO(text),
            has_header=False,
            separator=separator,
            quote_char=None,
            infer_schema=False,
            truncate_ragged_lines=True,
            empty_string_is_null=False,
            schema={name: pl.String for name in columns},
            raise_if_empty=False,
            missing_columns="insert",
            extra_columns="ignore",
        )

    def _read(self, chunk: bytes, n: int):
        """(lines, quote-separated parts) of a chunk, or None when the CSV reader would not see
        exactly the chunk's lines (a separator for whole lines must be a byte the chunk lacks)."""
        text = chunk if chunk.isascii() else chunk.decode("latin-1").encode("utf-8")
        separator = next(
            (chr(b) for b in b"\x01\x02\x03\x04\x05\x06\x07\x08\x1f" if bytes((b,)) not in text), None
        )
        if separator is None:
            return None
        lines = self._csv(text, separator, ["line"])
        parts = self._csv(text, '"', _COLS)
        if lines.height != n or parts.height != n:
            return None
        return pl.concat([lines, parts], how="horizontal").with_row_index("idx")

    def _feed_chunk(self, chunk: bytes) -> None:
        n = chunk.count(b"\n")
        ascii_only = chunk.isascii()
        raw = self._read(chunk, n)
        c = pl.col
        if raw is None:  # parse every line with the stdlib regex
            raw = pl.DataFrame(
                {
                    "idx": pl.Series(range(n), dtype=pl.UInt32),
                    "line": [x.decode("latin-1") for x in chunk.split(b"\n")[:n]],
                },
                schema={"idx": pl.UInt32, "line": pl.String},
            )
            plain_mask = pl.lit(False)
        else:
            raw = raw.with_columns(c("c1").str.split_exact(" ", 2).struct.unnest())
            plain_mask = (
                c("c0").str.contains(_HEAD_RE)
                & c("field_0").str.contains(_METHOD_RE)
                & ~c("field_1").str.contains(_TARGET_BAD_RE)
                & c("field_2").str.contains(_PROTO_RE)
                & c("c2").str.contains(_MIDDLE_RE)
                & ~c("c3").str.contains("\\", literal=True)
                & (c("c4") == " ")
                & ~c("c5").str.contains("\\", literal=True)
                # The user agent's closing quote ends the line (a line with other text after it,
                # or with an empty user agent, goes to the regex).
                & (c("c5") != "")
                & c("line").str.ends_with('"')
            ).fill_null(False)
        self.lines += n
        # Lines longer than MAX_LINE_BYTES are malformed (the CSV reader drops a carriage return
        # before the line end: for a line of exactly the limit, look at the bytes).
        long_rows = raw.filter(c("line").str.len_chars() >= _al.MAX_LINE_BYTES).select("idx", "line").rows()
        if long_rows:
            lines = None
            drop = []
            for idx, line in long_rows:
                if len(line) == _al.MAX_LINE_BYTES:
                    if lines is None:
                        lines = chunk.split(b"\n")
                    if len(lines[idx]) <= _al.MAX_LINE_BYTES:
                        continue
                drop.append(idx)
            if drop:
                raw = raw.filter(~c("idx").is_in(pl.Series(drop, dtype=pl.UInt32).implode()))
                n_kept = raw.height
            else:
                n_kept = n
        else:
            n_kept = n
        is_plain = raw.select(plain_mask.alias("plain")).to_series()
        plain_count = int(is_plain.sum())
        frames = []
        if plain_count:
            rows = raw if plain_count == n_kept else raw.filter(is_plain)
            head = c("c0")
            size = c("c2").str.slice(5).str.strip_chars_end(" ")
            frames.append(
                rows.select(
                    "idx",
                    head.str.slice(0, head.str.find(" ", literal=True)).alias("ip"),
                    head.str.slice(-28, 14).alias("hour"),
                    c("field_0").alias("method"),
                    c("field_1").alias("target"),
                    c("c2").str.slice(1, 3).alias("status"),
                    pl.when(size == "-").then(pl.lit("")).otherwise(size).alias("size"),
                    c("c3").alias("ref"),
                    c("c5").alias("ua"),
                    "line",
                    # Needed for the few rows that reach the rule code only: taken from these later.
                    pl.lit(None, dtype=pl.String).alias("rest"),
                    pl.lit(None, dtype=pl.String).alias("proto"),
                    c("c0"),
                    c("c1"),
                )
            )
        if plain_count < n_kept:
            odd = self._parse_odd(raw.filter(~is_plain))
            if odd is not None:
                frames.append(odd)
        good = sum(f.height for f in frames)
        self.malformed += n - good
        if not good:
            return
        frame = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
        self.formats_seen["combined"] += good
        self._count_columns(frame)
        self._rules(frame, ascii_only)
        self._prune()

    def _parse_odd(self, odd):
        """Rows the vectorised check does not vouch for, parsed by the stdlib regex; rows that do
        not parse are left out (malformed)."""
        rows = odd.select("idx", "line").rows()
        texts = [_b(line) for _i, line in rows]
        parsed = _al.LINE_RES["combined"].findall(b"\n".join(texts) + b"\n")
        keep = [k for k, row in enumerate(parsed) if row[_al.F_IP]]
        if not keep:
            return None
        data = {"idx": pl.Series([rows[k][0] for k in keep], dtype=pl.UInt32)}
        for pos, name in enumerate(_FIELDS):
            data[name] = pl.Series([parsed[k][pos].decode("latin-1") for k in keep], dtype=pl.String)
        data["line"] = pl.Series([rows[k][1] for k in keep], dtype=pl.String)
        data["c0"] = data["c1"] = pl.Series([None] * len(keep), dtype=pl.String)
        return pl.DataFrame(data).select(_FRAME)

    def _count_columns(self, frame) -> None:
        """Per-value counts in first-occurrence order, as the stdlib counters hold them."""

        def grouped(source, keys, count=None, *extra):
            size = pl.len() if count is None else pl.col(count).sum()
            return source.group_by(keys).agg(size.alias("n"), pl.col("idx").min(), *extra).sort("idx")

        def add(counter, table, column):
            counter.update(dict(zip(map(_b, table[column].to_list()), table["n"].to_list())))  # noqa: B905

        # One group per (address, hour, agent, status, method): the per-field counts, the visitors
        # and, with the rows of each group, the rule selection of _rules.
        groups = grouped(frame, ["ip", "hour", "ua", "status", "method"], None, pl.col("idx").alias("rows"))
        self._groups = groups
        for counter, column in (
            (self.ips, "ip"),
            (self.hours, "hour"),
            (self.uas, "ua"),
            (self.statuses, "status"),
            (self.methods, "method"),
        ):
            add(counter, grouped(groups, column, "n"), column)
        triples = groups.select("ip", "hour", "ua")
        targets = grouped(frame, "target")
        self._distinct_targets = targets["target"].to_list()
        add(self.targets, targets, "target")
        add(self.refs, grouped(frame, "ref"), "ref")
        sizes = frame.select("size").filter(pl.col("size") != "")
        short = pl.col("size").str.len_bytes() <= 18
        self.bytes_sent += int(sizes.filter(short)["size"].cast(pl.Int64).sum() or 0)
        self.bytes_sent += sum(int(x) for x in sizes.filter(~short)["size"].to_list())
        self._visitor_frames.append(
            triples.select("ip", pl.col("hour").str.slice(0, 11).alias("day"), "ua").unique()
        )
        if len(self._visitor_frames) > 8:
            self._visitor_frames = [pl.concat(self._visitor_frames).unique()]

    def _rules(self, frame, ascii_only: bool) -> None:
        """Run the stdlib rule code (``Analyzer._hot``) on the rows that can produce evidence, in
        log order. The stdlib engine sends more rows there (every status >= 400): the extra ones
        only count towards the not-found summary, which is counted here with a group-by."""
        tflags, uflags, pages = self._tflags_text, self._uflags_text, self._page_text
        targets = self._distinct_targets
        for value in targets:
            if value not in tflags:
                if len(tflags) > _al.MAX_KEYS:
                    tflags.clear()
                    pages.clear()
                raw = _b(value)
                tflags[value] = _al.classify_target(raw)
                pages[value] = _al.path_kind(_al._split_target(raw)[0]) == "page"
        groups = self._groups
        uas = groups["ua"].unique().to_list()
        for value in uas:
            if value not in uflags:
                if len(uflags) > _al.MAX_KEYS:
                    uflags.clear()
                uflags[value] = _al.classify_user_agent(_b(value))
        c = pl.col
        google_uas = [u for u in uas if uflags[u] & _al.U_GOOGLEBOT]
        claims = c("ua").is_in(google_uas)
        verified = []
        if google_uas:  # the same cached verdicts the rule code uses
            for ip in groups.filter(claims)["ip"].unique().to_list():
                if self._is_google(_b(ip)):
                    verified.append(ip)
        genuine = claims & c("ip").is_in(verified)
        errors = frame.filter(c("status") >= "400")
        if errors.height:
            counted = errors.group_by("target").agg(pl.len().alias("n"), c("idx").min()).sort("idx")
            self.err_targets.update(
                dict(zip(map(_b, counted["target"].to_list()), counted["n"].to_list()))  # noqa: B905
            )
        # Rows chosen by address, agent, status and method: decided per group, not per row.
        by_group = groups.filter(
            ~c("method").is_in(["GET", "HEAD"])
            | c("ua").is_in([u for u in uas if uflags[u] & _al.U_BAD])
            | (claims & ~genuine)
            | c("status").str.starts_with("5")
        )["rows"].explode()
        # Rows chosen by their target: attack patterns, and 403/404 on pages (probing).
        by_target = frame.filter(c("target").is_in([t for t in targets if tflags[t]]))["idx"]
        probing = errors.filter(
            c("status").is_in(["403", "404"]) & c("target").is_in([t for t in targets if pages[t]]) & ~genuine
        )["idx"]
        mask = c("idx").is_in(pl.concat([by_group, by_target, probing]).unique().implode())
        hot = (
            frame.filter(mask)
            .sort("idx")
            .with_columns(
                pl.lit("").alias("vhost"),
                pl.coalesce(c("rest"), c("c0").str.slice(-14, 12)).alias("rest"),
                pl.coalesce(c("proto"), c("c1").str.extract(r" ([!-~]{1,16})$", 1)).alias("proto"),
            )
            .select(*_FIELDS, "line")
        )
        if not hot.height:
            return
        keys = hot.select("target", "ua").rows()
        if ascii_only:  # the text is the bytes: let polars hand them over
            rows = hot.select(pl.all().cast(pl.Binary)).iter_rows()
        else:
            rows = (tuple(map(_b, r)) for r in hot.iter_rows())
        hot_rule = self._hot
        counted_errors, self.err_targets = self.err_targets, collections.Counter()  # counted above
        try:
            for (target, ua), row in zip(keys, rows):  # noqa: B905
                hot_rule(row, tflags[target], uflags[ua])
        finally:
            self.err_targets = counted_errors

    def _raw_line(self, row) -> bytes:
        if len(row) > 11:
            return row[11].rstrip(b"\r")
        return super()._raw_line(row)

    # -- results ------------------------------------------------------------------------------------

    def _visitor_stats(self, crawler_ua: dict):
        frames = list(self._visitor_frames)
        if self.visitors:
            ips, days, uas = zip(*self.visitors)  # noqa: B905
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
            key = _b(ua)
            bot = crawler_ua.get(key)
            if bot is None:
                bot = crawler_ua[key] = _al.is_crawler(key)
            if bot:
                bots.append(ua)
        crawler_visitors = visitors.filter(pl.col("ua").is_in(bots)).height
        daily = visitors.group_by("day").len()
        per_day = collections.Counter(
            dict(zip(map(_b, daily["day"].to_list()), daily["len"].to_list()))  # noqa: B905
        )
        return visitors.height, per_day, crawler_visitors


def analyze(paths, fmt: str = "auto", state=None, include_rotated: bool = False, **options):
    """:func:`access_log.analyze` with the fast engine."""
    return _al.analyze(
        paths, fmt=fmt, state=state, include_rotated=include_rotated, analyzer_class=FastAnalyzer, **options
    )


def analyze_bytes(data: bytes, fmt: str = "auto", **options) -> dict:
    """:func:`access_log.analyze_bytes` with the fast engine."""
    return _al.analyze_bytes(data, fmt=fmt, analyzer_class=FastAnalyzer, **options)
