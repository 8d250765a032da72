# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access-log analyzer: the visitor summary ("Log aktivitas pengunjung"), the state and
evidence of every detection rule, the findings, and the correlation of findings across courts.

Standard library only, Python 3.8+ (runs on court servers).

Design of the hot path: a block of complete lines is parsed into columns (:mod:`log_formats`) and
the visitor summary is counted column by column with ``collections.Counter`` (C code). Only "hot"
rows (errors, suspicious paths or user agents, Googlebot claims) reach the per-row rule code
(:meth:`Analyzer.apply_rules`), and path and user-agent classification is cached per distinct
value.

Another reader (the polars reader on the controller) may parse and count lines itself and hand
the analyzer its counts (:meth:`Analyzer.add_lines`, :meth:`Analyzer.add_counts`), its visitors
(a :class:`Visitors` of its own) and its hot rows (:meth:`Analyzer.apply_rules`, with
:meth:`Analyzer.is_googlebot` to choose them): everything that decides a result (patterns,
thresholds, rule state, samples) stays here.
"""

from __future__ import annotations

import collections
from datetime import datetime
from itertools import compress, count

from ansible_collections.pn.website.plugins.module_utils.logs import rule_set as rule_sets
from ansible_collections.pn.website.plugins.module_utils.logs.addresses import (
    in_google_ranges,
    is_trusted,
    parse_trusted,
    verify_googlebot_dns,
)
from ansible_collections.pn.website.plugins.module_utils.logs.log_files import read_blocks
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import (
    FIELD_AGENT,
    FIELD_HOUR,
    FIELD_IP,
    FIELD_LINE,
    FIELD_METHOD,
    FIELD_PROTOCOL,
    FIELD_REFERRER,
    FIELD_REST_OF_TIME,
    FIELD_SIZE,
    FIELD_STATUS,
    FIELD_TARGET,
    FIELD_VHOST,
    FORMATS,
    LINE_PATTERNS,
    SYSLOG,
    VHOST_FORMATS,
    LogClock,
    hour_iso,
    iso_time,
    parse_other,
    row_of_columns,
    split_combined,
)
from ansible_collections.pn.website.plugins.module_utils.logs.rules import (
    AGENT_GOOGLEBOT,
    CAMPAIGN_MESSAGES,
    is_crawler,
    path_kind,
    split_target,
)
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITIES

#: W3: a high or critical finding makes the result critical, a medium one a warning.
W3_RULE = {"critical": "high", "warning": "medium"}

MAX_SAMPLES = 5
MAX_SAMPLE_CHARS = 600
MAX_KEYS = 200000  # distinct keys kept per counter before the rarest are dropped
MAX_FINDINGS_PER_RULE = 50
DISTINCT_KEPT = 10000  # distinct paths or targets kept per (rule, address)
PENDING_TARGETS = 20000  # distinct targets counted before they are summed per path
#: Agent flags as the rules see them: the built-in AGENT_* flags in the low bits, the bits of the
#: rule set's matchers above them.
AGENT_SHIFT = 2
#: Added to a finding's message when the site answered 2xx to a request the rule matched by its
#: target: the request reached something that exists.
SERVED_NOTES = (
    " Server menjawab {served} di antaranya dengan 2xx (berhasil): periksa apakah serangan berhasil.",
    " The server answered {served} of them with 2xx (success): check whether the attack worked.",
)


def _printable(raw: bytes, limit: int = 300) -> str:
    text = raw[:limit].decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else "?" for ch in text)


def sample_line(raw: bytes) -> str:
    """A log line as evidence: the line as it is, control bytes escaped (``\\x1b``), truncated.
    Not HTML-escaped: whatever shows it escapes it for its medium (the report's templates do)."""
    text = _printable(raw, MAX_SAMPLE_CHARS)
    if len(raw) > MAX_SAMPLE_CHARS:
        text += "..."
    return text


def _trim(counter) -> None:
    """Bounded memory: a counter with more than MAX_KEYS keys keeps the most common half."""
    if len(counter) > MAX_KEYS:
        keep = counter.most_common(MAX_KEYS // 2)
        counter.clear()
        counter.update(dict(keep))


class _RuleEvidence:
    """Evidence gathered for one (rule, address). Made for every address a flood of scanners
    brings, so the containers a rule does not need stay None: ``distinct`` (a set, for rules that
    count distinct paths or targets) and ``window`` (a deque, for rules with a count above one)."""

    __slots__ = ("count", "first", "last", "samples", "distinct", "window", "fired", "statuses", "served")

    def __init__(self, distinct, window):
        self.count = 0
        self.first = None
        self.last = None
        self.samples = []
        self.distinct = distinct
        self.window = window
        self.fired = False
        self.statuses = {}  # status -> events
        self.served = 0  # 2xx answers to requests matched by their target


def fills_window(window, now: int, rule) -> bool:
    """Adds an event at ``now`` to a rule's ``window`` (the times of its events within
    ``rule.window`` seconds; 0: the whole log). Whether it then holds ``rule.count`` events: the
    rule fires, and the window is emptied."""
    window.append(now)
    if rule.window:
        limit = now - rule.window
        while window and window[0] < limit:
            window.popleft()
    if len(window) >= rule.count:
        window.clear()
        return True
    return False


class Visitors:
    """The distinct visitors of a log: (address, day b"20/Nov/2026", user agent) in ``seen``, at
    most 2 * MAX_KEYS of them (``capped`` once more were left out). A reader that keeps visitors
    in another form extends :meth:`stats`."""

    def __init__(self):
        self.seen = set()
        self.capped = False

    def stats(self, crawler_agents: dict):
        """(unique visitors, visitors per day, visitors that are crawlers); ``crawler_agents``
        caches :func:`is_crawler` per user agent."""
        daily_visitors = collections.Counter()
        crawler_visitors = 0
        for _ip, day, ua in self.seen:
            daily_visitors[day] += 1
            bot = crawler_agents.get(ua)
            if bot is None:
                bot = crawler_agents[ua] = is_crawler(ua)
            crawler_visitors += bot
        return len(self.seen), daily_visitors, crawler_visitors


def make_rule_set(rules=None, extra_rules=(), rule_overrides=None, thresholds=None):
    """The compiled rule set: ``rules`` (the rule data, None: the collection's rule file, read on
    the controller) with a court's ``extra_rules``, ``rule_overrides`` and ``thresholds``
    ({rule: {"count": n, "window": seconds}}). RuleError (a ValueError) names the rule and field
    of a mistake."""
    if rules is None and not extra_rules and not rule_overrides and not thresholds:
        return rule_sets.default_rule_set()
    return rule_sets.build(rules, extra_rules, rule_overrides, thresholds)


class Analyzer:
    """Accumulates visitor statistics and rule evidence over one or more log files."""

    def __init__(
        self,
        fmt: str = "auto",
        thresholds: dict | None = None,
        dns: bool = False,
        resolver=None,
        site_hosts=(),
        max_samples: int = MAX_SAMPLES,
        top: int = 10,
        trusted=(),
        visitors: Visitors | None = None,
        rules=None,
        extra_rules=(),
        rule_overrides=None,
    ):
        if fmt != "auto" and fmt not in FORMATS:
            raise ValueError("unknown log format %r (use auto, %s)" % (fmt, ", ".join(FORMATS)))
        self.fmt = fmt
        self.formats_seen = collections.Counter()
        if isinstance(rules, rule_sets.RuleSet):
            self.rules = rules
        else:
            self.rules = make_rule_set(rules, extra_rules, rule_overrides, thresholds)
        # Which rows the rule code must see (see _rows_for_rules), agent masks shifted as the flags.
        self.hot_target_mask = self.rules.hot_target_mask
        self.hot_agent_mask = self.rules.hot_agent_mask << AGENT_SHIFT
        self.googlebot_agent_mask = self.rules.googlebot_agent_mask << AGENT_SHIFT
        self.row_only_statuses = frozenset(self.rules.row_only_statuses)
        self.dns = dns
        self.resolver = resolver
        self.site_hosts = {h.lower().encode() if isinstance(h, str) else h for h in site_hosts}
        self.max_samples = max_samples
        self.top = top
        self.trusted_networks = parse_trusted(trusted)
        self.lines = 0
        self.malformed = 0
        self.bytes_sent = 0
        # The summary's counters: value -> requests, in the order of first occurrence.
        self.ips = collections.Counter()
        self.statuses = collections.Counter()
        self.hours = collections.Counter()
        self.methods = collections.Counter()
        # Requests per path, the query left out: the summary shows pages, and tracking parameters
        # or search words would otherwise make nearly every request a key of its own, and the
        # memory cap would then drop the long tail of the most visited pages.
        self.paths = collections.Counter()
        self.error_paths = collections.Counter()
        self._path_of = {}  # request target -> its path (bounded: cleared past MAX_KEYS)
        # Rows (and error rows) per target, summed per path by _fold_targets: once per distinct
        # target and fold rather than once per block, which sees the site's pages again and again.
        self._targets = collections.Counter()
        self._error_targets = collections.Counter()
        self.referrers = collections.Counter()
        self.agents = collections.Counter()
        self.vhosts = collections.Counter()
        self.visitors = Visitors() if visitors is None else visitors
        self.evidence_dropped = False
        # One counter of (address, hour, user agent) gives visitors, per-address, per-hour and
        # per-agent counts at once; (status, method) pairs likewise. Folded into the counters
        # above by _fold().
        self._address_hour_agent = collections.Counter()
        self._status_method = collections.Counter()
        # Caches: classification per distinct target and agent, verdicts per address.
        self._target_flags = {}
        self._agent_flags = {}
        self._googlebot_verdicts = {}
        self._genuine_googlebots = set()
        self._trusted_verdicts = {}
        self.clock = LogClock()
        self._evidence = {}  # (rule, address) -> _RuleEvidence
        # A reader that records evidence later than it reads (polars_reader): a weak reference
        # (no reference cycle) to its method that records what it holds, called before results.
        self.record_pending = None
        self._episodes = {rule.id: ([], collections.deque(), [None]) for rule in self.rules.episode_rules()}
        # The block whose rows the rules are looking at, to find their lines (evidence).
        self._block = b""
        self._block_format = "combined"
        self._search_from = 0
        self._block_lines = None  # its lines, once a row numbered in it gives a sample
        self._sample_row = None
        self._sample_text = b""

    # -- reading with the standard library ------------------------------------------------------------

    def feed_stream(self, stream, fmt: str | None = None, complete_only: bool = False) -> int:
        """Read a binary stream to its end; returns the number of bytes consumed (only complete
        lines when ``complete_only``)."""
        return read_blocks(stream, self, fmt or (None if self.fmt == "auto" else self.fmt), complete_only)

    def feed_block(self, block: bytes, fmt: str) -> None:
        """Parse, count and check a block of complete lines (ending with a line end)."""
        parsed = self._parse_block(block, fmt)
        if parsed is None:
            return
        columns, row_at = parsed
        self._count_columns(columns, fmt)
        hot, target_flags, agent_flags = self._rows_for_rules(columns)
        if hot:
            targets, uas = columns[FIELD_TARGET], columns[FIELD_AGENT]
            self._block, self._block_format, self._search_from = block, fmt, 0
            order = sorted(hot)
            self.apply_rules_to(
                map(row_at, order),
                map(target_flags.__getitem__, map(targets.__getitem__, order)),
                map(agent_flags.__getitem__, map(uas.__getitem__, order)),
            )
            self._block, self._block_lines = b"", None
        if len(self._address_hour_agent) > MAX_KEYS:
            self._fold()
        elif len(self._targets) > PENDING_TARGETS:
            self._fold_targets()
        self._trim_counters()

    def _parse_block(self, block: bytes, fmt: str):
        """(columns of the well-formed rows, function giving row i), or None when there are none;
        counts the lines and the malformed ones."""
        plain = split_combined(block) if fmt == "combined" else None
        if plain is not None:
            columns, times, zones = plain
            rows = len(columns[FIELD_IP])
            self.lines += rows

            def row_at(i):  # with its line's number in the block (evidence, see _line_of)
                return row_of_columns(columns, times, zones, i) + (i,)

        else:
            parsed = LINE_PATTERNS[fmt].findall(block)
            if not parsed:
                return None
            self.lines += len(parsed)
            columns = tuple(zip(*parsed))  # noqa: B905 - Python 3.8 has no strict=
            bad = columns[FIELD_IP].count(b"")
            others = None
            if bad and self.fmt == "auto":
                others = self._parse_others(block, fmt, parsed)
                bad -= len(others)
            if bad or others:
                self.malformed += bad
                if bad:
                    keep = [i for i, row in enumerate(parsed) if row[FIELD_IP]]
                    if not keep:
                        return None
                    if others:
                        others = {k: others[i] for k, i in enumerate(keep) if i in others}
                    parsed = [parsed[i] for i in keep]
                columns = tuple(zip(*parsed))  # noqa: B905
            rows = len(parsed) - (len(others) if others else 0)
            row_at = parsed.__getitem__
            if others:

                def row_at(i):  # the rows of other formats come with their line (evidence)
                    line = others.get(i)
                    return parsed[i] if line is None else parsed[i] + (line,)

        self.formats_seen[fmt] += rows
        return columns, row_at

    def _parse_others(self, block: bytes, fmt: str, parsed: list) -> dict:
        """Parse the lines of ``block`` that do not fit ``fmt`` with the other formats (a file
        that mixes formats), in place in ``parsed``. Returns {row index: line} of those parsed."""
        lines = block.split(b"\n")
        others = {}
        for i, row in enumerate(parsed):
            if not row[FIELD_IP]:
                line = lines[i]
                line = line[:-1] if line[-1:] == b"\r" else line
                other = parse_other(line, fmt)
                if other is not None:
                    self.formats_seen[other[0]] += 1
                    parsed[i] = other[1]
                    others[i] = line
        return others

    def _count_columns(self, columns, fmt: str) -> None:
        (vhosts, ips, hours, _rest, methods, targets, _protocol, statuses, sizes, refs, uas) = columns
        self._address_hour_agent.update(zip(ips, hours, uas))  # noqa: B905
        self._status_method.update(zip(statuses, methods))  # noqa: B905
        self._targets.update(targets)
        self.referrers.update(refs)
        if fmt in VHOST_FORMATS:
            self.vhosts.update(vhosts)
        elif vhosts.count(b"") != len(vhosts):  # lines of a vhost format in a file of another
            self.vhosts.update(filter(None, vhosts))
        self.bytes_sent += sum(map(int, filter(bytes.isdigit, sizes)))

    def _rows_for_rules(self, columns):
        """(indices of the rows the rule code must see, flags per target, flags per agent). Each
        distinct value is classified once, then the rows are picked out in C. Error rows are
        also counted per target here."""
        ips, targets, statuses, uas = (
            columns[i] for i in (FIELD_IP, FIELD_TARGET, FIELD_STATUS, FIELD_AGENT)
        )
        distinct_targets = set(targets)
        target_flags = self._classified(self._target_flags, distinct_targets, self.classify_target)
        distinct_uas = set(uas)
        agent_flags = self._classified(self._agent_flags, distinct_uas, self.classify_user_agent)
        hot = set()
        mask = self.hot_target_mask
        hot_targets = {t for t in distinct_targets if target_flags[t] & mask}
        if hot_targets:
            hot.update(compress(count(), map(hot_targets.__contains__, targets)))
        error_statuses = {x for x in set(statuses) if x >= b"400"}
        if error_statuses:
            is_error = list(map(error_statuses.__contains__, statuses))
            self._error_targets.update(compress(targets, is_error))
            hot.update(compress(count(), is_error))
        mask = self.hot_agent_mask
        hot_agents = {u for u in distinct_uas if agent_flags[u] & mask}
        if hot_agents:
            hot.update(compress(count(), map(hot_agents.__contains__, uas)))
        # Googlebot claims matter (fake-googlebot) unless the address is known to be Google's.
        mask = self.googlebot_agent_mask
        googlebot_claims = {u for u in distinct_uas if agent_flags[u] & mask}
        if googlebot_claims:
            genuine = self._genuine_googlebots
            hot.update(
                i for i in compress(count(), map(googlebot_claims.__contains__, uas)) if ips[i] not in genuine
            )
        return hot, target_flags, agent_flags

    @staticmethod
    def _classified(cache: dict, values: set, classify) -> dict:
        """``cache`` with every one of ``values`` classified (bounded: cleared past MAX_KEYS)."""
        new = values.difference(cache)
        if new:
            if len(cache) > MAX_KEYS:
                cache.clear()
                new = values
            for value in new:
                cache[value] = classify(value)
        return cache

    def _fold(self) -> None:
        """Move the (address, hour, agent), (status, method) and per-target counts into the
        per-field counters and the visitors."""
        self._fold_targets()
        visitors = self.visitors
        seen = visitors.seen
        room = len(seen) < 2 * MAX_KEYS
        if not room:
            visitors.capped = True
        for (ip, hour, ua), n in self._address_hour_agent.items():
            self.ips[ip] += n
            self.hours[hour] += n
            self.agents[ua] += n
            if room:
                seen.add((ip, hour[:11], ua))
        self._address_hour_agent.clear()
        for (status, method), n in self._status_method.items():
            self.statuses[status] += n
            self.methods[method] += n
        self._status_method.clear()
        _trim(self.ips)
        _trim(self.agents)

    def _fold_targets(self) -> None:
        """Sum the rows per target counted so far into the counts per path."""
        for counter, pending in ((self.paths, self._targets), (self.error_paths, self._error_targets)):
            if pending:
                self._count_paths(counter, pending)
                pending.clear()

    def _trim_counters(self) -> None:
        _trim(self.paths)
        _trim(self.referrers)
        _trim(self.error_paths)

    def _count_paths(self, counter, targets) -> None:
        """Add ``targets`` (requests per target, in the order of first occurrence) to ``counter``
        per path."""
        path_of = self._path_of
        if len(path_of) > MAX_KEYS:
            path_of.clear()
        for target, n in targets.items():
            path = path_of.get(target)
            if path is None:
                path = path_of[target] = split_target(target)[0]
            counter[path] += n

    def classify_target(self, target: bytes) -> int:
        """The rule set's bits for a request target (whose target conditions hold)."""
        return self.rules.classify_target(target)

    def classify_user_agent(self, agent: bytes) -> int:
        """The built-in AGENT_* flags of a user agent, and above them (AGENT_SHIFT) the rule set's
        bits (whose agent conditions hold)."""
        bits, builtin = self.rules.classify_user_agent(agent)
        return bits << AGENT_SHIFT | builtin

    # -- for other readers -------------------------------------------------------------------------

    def add_lines(self, lines: int, malformed: int = 0) -> None:
        """Count lines read (``malformed`` of them do not fit the format)."""
        self.lines += lines
        self.malformed += malformed

    def add_counts(
        self,
        fmt: str,
        rows: int,
        ips,
        hours,
        agents,
        statuses,
        methods,
        targets,
        referrers,
        error_targets,
        bytes_sent: int,
        other_formats=(),
        vhosts=(),
        paths=None,
        error_paths=None,
    ) -> None:
        """Add the counts of ``rows`` well-formed lines of format ``fmt`` parsed by another
        reader: each a mapping of value to number of rows, in the order of first occurrence
        (``error_targets``: rows with a status of 400 or more, per target). Their lines are counted
        with :meth:`add_lines`, their visitors by the reader's :class:`Visitors`.
        ``other_formats``: the format of each of those rows that is of another format
        (:func:`log_formats.parse_other`), ``vhosts`` their virtual hosts, in log order.
        ``paths`` and ``error_paths``, when given, are ``targets`` and ``error_targets`` counted per
        path already (:func:`split_target`), in the order of first occurrence."""
        self._fold()  # the counts of blocks parsed here before: keeps first-occurrence order
        self.formats_seen[fmt] += rows - len(other_formats)
        self.formats_seen.update(other_formats)
        self.vhosts.update(vhosts)
        for counter, counts in (
            (self.ips, ips),
            (self.hours, hours),
            (self.agents, agents),
            (self.statuses, statuses),
            (self.methods, methods),
            (self.referrers, referrers),
        ):
            counter.update(counts)
        if paths is None:
            self._count_paths(self.paths, targets)
        else:
            self.paths.update(paths)
        if error_paths is None:
            self._count_paths(self.error_paths, error_targets)
        else:
            self.error_paths.update(error_paths)
        self.bytes_sent += bytes_sent
        self._trim_counters()

    # -- the rules ------------------------------------------------------------------------------------

    def is_googlebot(self, ip: bytes) -> bool:
        """Whether an address claiming to be Googlebot is Google's (its ranges, or DNS when
        enabled); cached per address."""
        verdict = self._googlebot_verdicts.get(ip)
        if verdict is None:
            text = ip.decode("ascii", "replace")
            if len(self._googlebot_verdicts) > MAX_KEYS:
                self._googlebot_verdicts.clear()
            verdict = in_google_ranges(text)
            if not verdict and self.dns:
                verdict = bool(verify_googlebot_dns(text, self.resolver))
            self._googlebot_verdicts[ip] = verdict
            if verdict:
                self._genuine_googlebots.add(ip)
        return verdict

    def is_trusted(self, ip: bytes) -> bool:
        """Whether an address is one of the trusted networks (our monitoring, declared partners);
        cached per address."""
        verdict = self._trusted_verdicts.get(ip)
        if verdict is None:
            if len(self._trusted_verdicts) > MAX_KEYS:
                self._trusted_verdicts.clear()
            verdict = self._trusted_verdicts[ip] = is_trusted(
                ip.decode("ascii", "replace"), self.trusted_networks
            )
        return verdict

    def apply_rules(self, row, target_flags: int, agent_flags: int) -> None:
        """Run every rule on one row (a tuple of the FIELD_* fields), in log order, given the
        flags of its target and user agent. The row may end with its log line (FIELD_LINE), the
        evidence, or with the number of its line in the block being read (a block split_combined
        parses); without either, the line is found in that block. Rows that cannot
        produce evidence may be left out: rows with an ordinary target and agent and a status
        below 400, other than Googlebot claims from addresses not known to be Google's."""
        self.apply_rules_to((row,), (target_flags,), (agent_flags,))

    def apply_rules_to(self, rows, target_flags, agent_flags, keys=None) -> None:
        """:meth:`apply_rules` on each of ``rows`` in turn, with the flags of its target and user
        agent at the same position of ``target_flags`` and ``agent_flags``: the same evidence, at a
        lower cost per row (what matches a row is looked up once per kind of row,
        :meth:`RuleSet.events`, and the time of rows of the same second computed once).

        The evidence of one event of a rule for a key (an address, or b"" for the site) is
        recorded here, in the loop: a flood of scanners brings hundreds of thousands of events
        for tens of thousands of addresses, a few each. Per event: the count, first and last
        time, statuses, 2xx answers to a target match (served), the distinct paths or targets
        (at most DISTINCT_KEPT), the first ``max_samples`` lines (of new distinct values for
        rules that count them), and whether the rule fires (``count`` events, new distinct
        values for rules that count them, within ``window`` seconds; 0: the whole log).

        ``keys``: only the evidence of these (rule id, key) pairs is recorded (and every episode),
        for a reader that records the other events itself (polars_reader)."""
        trusted = self.is_trusted if self.trusted_networks else None
        epoch = self.clock.epoch
        events_of = self.rules.events
        is_googlebot = self.is_googlebot
        evidences = self._evidence
        max_samples = self.max_samples
        line_of = self._line_of
        paths = {}  # target -> path (rules counting distinct paths), for this call
        clock_key, when, now = None, None, 0
        for row, tflags, aflags in zip(rows, target_flags, agent_flags):  # noqa: B905
            ip = row[FIELD_IP]
            if trusted is not None and trusted(ip):
                # Our own monitoring (the controller) and declared partners: counted in the
                # summary, never evidence against the site.
                continue
            status = row[FIELD_STATUS]
            googlebot = bool(aflags & AGENT_GOOGLEBOT) and is_googlebot(ip)
            events = events_of(
                tflags, aflags >> AGENT_SHIFT, row[FIELD_METHOD], status, row[FIELD_SIZE], googlebot
            )
            if not events:
                continue
            if (row[FIELD_HOUR], row[FIELD_REST_OF_TIME]) != clock_key:  # rows of one second
                clock_key = (row[FIELD_HOUR], row[FIELD_REST_OF_TIME])
                when = epoch(*clock_key)
                now = when[0]
            line = None  # the row's line, once a rule takes a sample
            for rule, by_target in events:
                keyed = rule.key
                if keyed == "episode":
                    self._episode(rule, row, when)
                    continue
                key = (rule.id, ip if keyed == "address" else b"")
                if keys is not None and key not in keys:
                    continue
                evidence = evidences.get(key)
                if evidence is None:
                    evidence = self.new_evidence(rule, key)
                    evidences = self._evidence
                evidence.count += 1
                first = evidence.first
                if first is None:
                    evidence.first = evidence.last = when
                else:
                    if now < first[0]:
                        evidence.first = when
                    if now >= evidence.last[0]:
                        evidence.last = when
                statuses = evidence.statuses
                statuses[status] = statuses.get(status, 0) + 1
                if by_target and status[:1] == b"2":
                    evidence.served += 1
                seen = evidence.distinct
                if seen is not None:
                    if rule.distinct == "path":
                        target = row[FIELD_TARGET]
                        distinct = paths.get(target)
                        if distinct is None:
                            distinct = paths[target] = split_target(target)[0]
                    else:
                        distinct = row[FIELD_TARGET]
                    if distinct in seen:
                        # Not a new value: no sample, and the rule's count does not move.
                        continue
                    if len(seen) < DISTINCT_KEPT:
                        seen.add(distinct)
                if len(evidence.samples) < max_samples:
                    if line is None:
                        line = line_of(row)
                    evidence.samples.append(line)
                if evidence.fired:
                    continue
                window = evidence.window
                if window is None or fills_window(window, now, rule):  # None: one event is enough
                    evidence.fired = True

    def has_evidence(self, key) -> bool:
        """Whether a (rule id, key) pair has evidence."""
        return key in self._evidence

    def new_evidence(self, rule, key) -> _RuleEvidence:
        """The empty evidence of a (rule id, key) pair, kept from now on. Bounded memory under
        floods of addresses: past MAX_KEYS pairs, the evidence that fired nothing is forgotten."""
        if len(self._evidence) >= MAX_KEYS:
            self._evidence = {k: e for k, e in self._evidence.items() if e.fired}
            self.evidence_dropped = True
        evidence = self._evidence[key] = _RuleEvidence(
            None if rule.distinct == "none" else set(),
            collections.deque() if rule.count > 1 else None,
        )
        return evidence

    def _episode(self, rule, row, when) -> None:
        """An event of a site-wide burst rule (error-spike: a 5xx answer): opens or extends an
        episode, when ``rule.count`` events fall within ``rule.window`` seconds."""
        episodes, window, current = self._episodes[rule.id]
        now = when[0]
        episode = current[0]
        if episode is not None and now - episode["last"][0] > rule.window:
            current[0] = episode = None
        window.append(now)
        while window and now - window[0] > rule.window:
            window.popleft()
        if episode is None and len(window) >= rule.count:
            episode = {
                "count": len(window) - 1,
                "first": (window[0], when[1]),
                "last": when,
                "samples": [],
                "ips": collections.Counter(),
            }
            episodes.append(episode)
            current[0] = episode
        if episode is not None:
            episode["count"] += 1
            episode["last"] = when
            episode["ips"][row[FIELD_IP]] += 1
            if len(episode["samples"]) < self.max_samples:
                episode["samples"].append(self._line_of(row))

    def _line_of(self, row) -> bytes:
        """The verbatim log line of a row (evidence), without its line end."""
        if len(row) > FIELD_LINE:
            line = row[FIELD_LINE]
            if line.__class__ is int:  # its number in the current block, a plain one (split_combined)
                if self._block_lines is None:
                    self._block_lines = self._block.split(b"\n")
                return self._block_lines[line]
            return line.rstrip(b"\r")
        if row is not self._sample_row:
            self._sample_row = row
            self._sample_text = self._find_line(row)
        return self._sample_text

    def _find_line(self, row) -> bytes:
        """The line of a row of the current block. Rows are visited in order, so the search
        resumes after the previous row's line."""
        block = self._block
        if row[FIELD_METHOD]:
            needle = (
                b"["
                + row[FIELD_HOUR]
                + row[FIELD_REST_OF_TIME]
                + b'] "'
                + row[FIELD_METHOD]
                + b" "
                + row[FIELD_TARGET]
            )
        else:
            needle = b"[" + row[FIELD_HOUR] + row[FIELD_REST_OF_TIME] + b"] "
        fmt = self._block_format
        head = row[FIELD_VHOST] if fmt in VHOST_FORMATS else row[FIELD_IP] + b" "
        syslog = fmt.startswith(SYSLOG)  # the line starts with the syslog prefix, then the head
        address = b" " + row[FIELD_IP] + b" "
        tail = b'" %s %s' % (row[FIELD_STATUS], row[FIELD_SIZE] or b"-")
        pos = self._search_from
        while True:
            found = block.find(needle, pos)
            if found < 0:
                break
            start = block.rfind(b"\n", 0, found) + 1
            end = block.find(b"\n", found)
            if end < 0:
                end = len(block)
            line = block[start:end]
            if (
                (b" " + head in line if syslog else line.startswith(head))
                and tail in line
                and row[FIELD_AGENT] in line
                and row[FIELD_REFERRER] in line
                and (head[-1:] == b" " or address in line)
            ):
                self._search_from = end + 1  # the next row is on a later line
                return line.rstrip(b"\r")
            pos = end
        return self._rebuilt_line(row)

    def _rebuilt_line(self, row) -> bytes:
        """A row's line rebuilt from its fields (when it is not found verbatim)."""
        request = (
            b" ".join(x for x in (row[FIELD_METHOD], row[FIELD_TARGET], row[FIELD_PROTOCOL]) if x) or b"-"
        )
        line = b'%s - - [%s%s] "%s" %s %s' % (
            row[FIELD_IP],
            row[FIELD_HOUR],
            row[FIELD_REST_OF_TIME],
            request,
            row[FIELD_STATUS],
            row[FIELD_SIZE] or b"-",
        )
        if not self._block_format.endswith("common"):
            line += b' "%s" "%s"' % (row[FIELD_REFERRER], row[FIELD_AGENT])
        return line

    # -- results --------------------------------------------------------------------------------------

    def findings(self) -> list:
        record_pending = self.record_pending and self.record_pending()
        if record_pending is not None:
            record_pending()
        out = []
        per_rule = collections.Counter()
        for (rule, key), evidence in sorted(self._evidence.items(), key=lambda kv: -kv[1].count):
            if not evidence.fired or per_rule[rule] >= MAX_FINDINGS_PER_RULE:
                continue
            per_rule[rule] += 1
            out.append(self._rule_finding(self.rules.rules[rule], key, evidence))
        for rule_id, (episodes, _window, _current) in self._episodes.items():
            rule = self.rules.rules[rule_id]
            for episode in episodes[:MAX_FINDINGS_PER_RULE]:
                top_ips = [[k.decode("ascii", "replace"), v] for k, v in episode["ips"].most_common(5)]
                out.append(
                    self._finding(
                        rule,
                        rule.severity,
                        None,
                        episode["count"],
                        episode["first"],
                        episode["last"],
                        episode["samples"],
                        {"top_ips": top_ips, "window_seconds": rule.window},
                    )
                )
        order = {s: i for i, s in enumerate(SEVERITIES)}
        out.sort(key=lambda f: (-order[f["severity"]], -f["count"], f["rule"], f["ip"] or ""))
        return out

    def _rule_finding(self, rule, key: bytes, evidence: _RuleEvidence) -> dict:
        severity = rule.severity
        details = {
            "statuses": {k.decode("ascii", "replace"): v for k, v in sorted(evidence.statuses.items())},
        }
        notes = None
        if evidence.served:
            details["served"] = evidence.served
            if rule.severity_served:
                severity = rule.severity_served
                notes = tuple(note.format(served=evidence.served) for note in SERVED_NOTES)
        if evidence.distinct:
            details["distinct_paths"] = len(evidence.distinct)
            details["paths"] = sorted(_printable(p, 200) for p in evidence.distinct)[:20]
        if rule.references:
            details["references"] = list(rule.references)
        ip = key.decode("ascii", "replace") if key else None
        return self._finding(
            rule,
            severity,
            ip,
            evidence.count,
            evidence.first,
            evidence.last,
            evidence.samples,
            details,
            notes,
        )

    def _finding(self, rule, severity, ip, count, first, last, samples, evidence, notes=None) -> dict:
        values = {"count": count, "distinct": evidence.get("distinct_paths", count)}
        msg_id, msg_en = rule.messages
        message, message_en = msg_id.format(**values), msg_en.format(**values)
        if notes:
            message, message_en = message + notes[0], message_en + notes[1]
        return {
            "rule": rule.id,
            "severity": severity,
            "ip": ip,
            "count": count,
            "first_seen": iso_time(*first) if first else None,
            "last_seen": iso_time(*last) if last else None,
            "samples": [sample_line(s) for s in samples],
            "message": message,
            "message_en": message_en,
            "evidence": evidence,
        }

    def summary(self) -> dict:
        self._fold()
        top = self.top
        requests = self.lines - self.malformed
        status_classes = collections.Counter()
        for code, n in self.statuses.items():
            status_classes[code[:1].decode("ascii", "replace") + "xx"] += n
        crawler_ua = {ua: is_crawler(ua) for ua in self.agents}
        crawler_requests = sum(n for ua, n in self.agents.items() if crawler_ua[ua])
        unique_visitors, daily_visitors, crawler_visitors = self.visitors.stats(crawler_ua)
        daily, hourly, hour_of_day = self._requests_by_time()
        day_visitors = {hour_iso(k + b":00")[:10]: v for k, v in daily_visitors.items()}
        pages, documents, static, not_found = self._requests_by_path()

        def top_list(counter, n=top, key="value"):
            return [{key: _printable(k), "count": v} for k, v in counter.most_common(n)]

        return {
            "requests": requests,
            "unique_visitors": unique_visitors,
            "unique_visitors_capped": self.visitors.capped,
            "bandwidth_bytes": self.bytes_sent,
            "status": {k: status_classes[k] for k in sorted(status_classes)},
            "status_codes": {k.decode("ascii", "replace"): v for k, v in sorted(self.statuses.items())},
            "methods": {_printable(k, 20) or "-": v for k, v in self.methods.most_common(10)},
            "static_requests": static,
            "top_pages": top_list(pages, key="path"),
            "top_documents": top_list(documents, key="path"),
            "top_not_found": top_list(not_found, key="path"),
            "top_referrers": top_list(self._referrer_hosts(), key="host"),
            "top_visitors": top_list(self.ips, key="ip"),
            "top_user_agents": top_list(self.agents, n=5, key="user_agent"),
            "vhosts": top_list(self.vhosts, key="host") if self.vhosts else [],
            "crawlers": {
                "requests": crawler_requests,
                "visitors": crawler_visitors,
            },
            "people": {
                "requests": requests - crawler_requests,
                "visitors": unique_visitors - crawler_visitors,
            },
            "daily": [
                {"date": d, "requests": daily[d], "visitors": day_visitors.get(d, 0)} for d in sorted(daily)
            ],
            "hourly": sorted(hourly, key=lambda h: h["hour"]),
            "hour_of_day": hour_of_day,
        }

    def _requests_by_time(self):
        """(requests per day, per hour, per hour of the day)."""
        daily = collections.Counter()
        hourly = []
        hour_of_day = [0] * 24
        for hour, n in self.hours.items():
            iso = hour_iso(hour)
            daily[iso[:10]] += n
            hourly.append({"hour": iso, "requests": n})
            if iso[11:13].isdigit() and int(iso[11:13]) < 24:
                hour_of_day[int(iso[11:13])] += n
        return daily, hourly, hour_of_day

    def _requests_by_path(self):
        """(answered requests per page, per document, answered requests for static files, failed
        requests per path)."""
        pages = collections.Counter()
        documents = collections.Counter()
        static = 0
        for path, n in self.paths.items():
            ok = n - self.error_paths.get(path, 0)
            if ok <= 0:
                continue
            kind = path_kind(path)
            if kind == "document":
                documents[path] += ok
            elif kind == "page":
                pages[path] += ok
            else:
                static += ok
        return pages, documents, static, collections.Counter(self.error_paths)

    def _referrer_hosts(self):
        """Requests per referring host, the site's own hosts left out."""
        referrers = collections.Counter()
        for ref, n in self.referrers.items():
            if ref in (b"", b"-"):
                continue
            host = ref.split(b"://", 1)[-1].split(b"/", 1)[0].split(b":", 1)[0].lower()
            if host in self.site_hosts:
                continue
            referrers[host] += n
        return referrers

    def formats(self) -> dict:
        """Well-formed lines per format seen, most first (ties in the order of FORMATS)."""
        order = {f: i for i, f in enumerate(FORMATS)}
        seen = sorted(
            (f for f, n in self.formats_seen.items() if n), key=lambda f: (-self.formats_seen[f], order[f])
        )
        return {f: self.formats_seen[f] for f in seen}

    def result(self, files=()) -> dict:
        """The analysis of what was read (``files``: the files it came from)."""
        formats = self.formats()
        if formats:
            fmt = next(iter(formats))
        else:
            fmt = self.fmt if self.fmt != "auto" else "unknown"
        return {
            "lines": self.lines,
            "malformed": self.malformed,
            "format": fmt,
            "formats": formats,
            "files": list(files),
            "summary": self.summary(),
            "findings": self.findings(),
        }


# --- results over several courts ---------------------------------------------------------------------

_CAMPAIGN_EXCLUDED = frozenset(("error-spike", "gambling-doorway", "campaign"))


def _parse_iso(value):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def correlate_campaigns(results: dict, min_courts: int = 2, max_samples: int = MAX_SAMPLES) -> list:
    """Given ``{court: result}`` (results of ``access_log.analyze``), report each address that attacks at
    least ``min_courts`` courts once, as a ``campaign`` finding."""
    by_ip = {}
    for court, result in sorted(results.items()):
        for finding in (result or {}).get("findings", []):
            ip = finding.get("ip")
            if not ip or finding.get("rule") in _CAMPAIGN_EXCLUDED:
                continue
            entry = by_ip.setdefault(ip, {"courts": {}, "rules": set(), "count": 0, "first": [], "last": []})
            entry["courts"].setdefault(court, []).extend(finding.get("samples", [])[:1])
            entry["rules"].add(finding["rule"])
            entry["count"] += int(finding.get("count", 0))
            for key, field in (("first", "first_seen"), ("last", "last_seen")):
                when = _parse_iso(finding.get(field))
                if when is not None:
                    entry[key].append((when, finding.get(field)))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out = []
    for ip, entry in by_ip.items():
        courts = sorted(entry["courts"])
        if len(courts) < min_courts:
            continue
        rules = sorted(entry["rules"])
        severity = "critical" if len(courts) >= 5 else "high"
        samples = []
        for court in courts:
            for sample in entry["courts"][court]:
                if len(samples) < max_samples:
                    samples.append("[%s] %s" % (court, sample))
        values = {"courts": len(courts), "rules": ", ".join(rules)}
        out.append(
            {
                "rule": "campaign",
                "severity": severity,
                "ip": ip,
                "count": entry["count"],
                "first_seen": min(entry["first"], key=lambda w: w[0])[1] if entry["first"] else None,
                "last_seen": max(entry["last"], key=lambda w: w[0])[1] if entry["last"] else None,
                "samples": samples,
                "courts": courts,
                "rules": rules,
                "message": CAMPAIGN_MESSAGES[0].format(**values),
                "message_en": CAMPAIGN_MESSAGES[1].format(**values),
                "evidence": {"courts": courts, "rules": rules},
            }
        )
    out.sort(key=lambda f: (-order[f["severity"]], -len(f["courts"]), -f["count"], f["ip"]))
    return out


def sop_status(findings) -> str:
    """ok | warning | critical for the SOP result, from the worst finding (:data:`W3_RULE`)."""
    return sop_result.status_for(findings, W3_RULE)


def w3_result(result, extra_findings=(), status=None) -> dict:
    """The court's W3 ``pn_sop_result`` from an analysis result (empty when only the rotated logs were
    listed): the engine's findings and status (:func:`sop_status`), the visitor summary and what was
    read. ``extra_findings`` are added (a court on shared hosting: why its logs could not be copied) and
    ``status`` replaces the engine's judgement when an earlier step decided it (a failed copy)."""
    summary = result.get("summary") or {}
    findings = list(result.get("findings") or [])
    text = "%s permintaan, %s pengunjung unik, %d temuan (%s baris log baru, %s rusak)" % (
        summary.get("requests", 0),
        summary.get("unique_visitors", 0),
        len(findings),
        result.get("lines", 0),
        result.get("malformed", 0),
    )
    outputs = {
        "lines": result.get("lines", 0),
        "malformed": result.get("malformed", 0),
        "format": result.get("format"),
        "formats": result.get("formats") or {},
        # logs that could not be read, or not entirely (a damaged gzip file: the lines read)
        "unreadable_logs": result.get("errors") or [],
        "files": result.get("files") or [],
        "summary": summary,
    }
    return sop_result.result(
        "W3",
        status=status or result.get("status") or "ok",
        summary=text,
        outputs=outputs,
        findings=findings + list(extra_findings),
    )
