# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access-log rule set: rules as data, checked and compiled for the analyzer.

The rules live in ``access_log_rules.yml`` next to this file (versioned with the collection). Each
rule has an id, a severity (and a higher one when the site answered 2xx), messages in Indonesian
and English, references, what it matches and a threshold (count within a window, or one request).
A court adds its own rules, and tunes or switches off rules one by one (``pn_logs_rules``,
``pn_logs_rule_overrides``); :func:`build` checks everything and names the rule and the field of
any mistake.

Standard library only, Python 3.8+: court servers receive the rule data as a module parameter (the
role reads the YAML file on the controller). :func:`default_data` reads the YAML file itself and
is for the controller only (PyYAML).

How a rule matches a row: its *target* conditions (``target_class``, ``path``, ``query``,
``target``) are decided once per distinct request target, its *agent* conditions
(``agent_class``, ``user_agent``) once per distinct user agent, each as one bit of an integer;
its *row* conditions (``method``, ``status``, ``size``, ``request``, ``verified_googlebot``) on
the few rows the analyzer sends to the rules. ``match`` may be a list of such blocks: the rule
fires on a row matching any of them.
"""

from __future__ import annotations

import os
import re

from ansible_collections.pn.website.plugins.module_utils.logs import rules as classes
from ansible_collections.pn.website.plugins.module_utils.logs.alternation import (
    branches,
    compile_merged,
    expanded,
    refers_to_groups,
)
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITIES

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "access_log_rules.yml")
DATA_VERSION = 1

#: Built-in classifiers a rule can name (``target_class``): the engine's own patterns.
TARGET_PAGE = 1 << 8  # a page (not a document or a static asset)
TARGET_CLASSES = {
    "sensitive-file": classes.TARGET_SENSITIVE_FILE,
    "traversal": classes.TARGET_TRAVERSAL,
    "sqli": classes.TARGET_SQLI,
    "xss": classes.TARGET_XSS,
    "backdoor": classes.TARGET_BACKDOOR,
    "uploaded-php": classes.TARGET_UPLOADED_PHP,
    "login": classes.TARGET_LOGIN,
    "gambling": classes.TARGET_GAMBLING,
    "page": TARGET_PAGE,
}
AGENT_CLASSES = {
    "attack-tool": classes.AGENT_ATTACK_TOOL,
    "googlebot": classes.AGENT_GOOGLEBOT,
}
KEYS = ("address", "site", "episode")
DISTINCT = ("none", "path", "target")
_RULE_FIELDS = {
    "id",
    "description",
    "severity",
    "severity_served",
    "messages",
    "references",
    "enabled",
    "match",
    "threshold",
    "key",
}
_MATCH_FIELDS = {
    "target_class",
    "path",
    "query",
    "target",
    "agent_class",
    "user_agent",
    "method",
    "status",
    "size",
    "request",
    "verified_googlebot",
}
_TARGET_FIELDS = ("target_class", "path", "query", "target")
_AGENT_FIELDS = ("agent_class", "user_agent")
_OVERRIDE_FIELDS = {"enabled", "severity", "severity_served", "count", "window"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_STATUS_RE = re.compile(r"^[1-5](?:[0-9]{2}|xx)$")
_METHOD_RE = re.compile(r"^[A-Z]{1,16}$")
MAX_RULES = 500
MAX_PATTERN = 4000
#: Distinct (target bits, agent bits, method, status, size, verified) kept by RuleSet.events.
EVENTS_CACHE = 65536
#: Distinct paths kept by the caches of RuleSet.classify_target (per path, for targets with queries).
PATH_CACHE = 65536


class RuleError(ValueError):
    """A rule, or an override of one, that cannot be used; the message names rule and field."""


def _fail(rule_id, field, problem):
    raise RuleError("access-log rule %r, field %r: %s" % (rule_id, field, problem))


# --- the rule data -------------------------------------------------------------------------------------

_DEFAULT_DATA = None  # the collection's rule file, parsed (controller only)
_DEFAULT_SET = None  # ... and compiled


def default_data():
    """The collection's rule data (parsed YAML). Controller only: needs PyYAML."""
    global _DEFAULT_DATA  # pylint: disable=global-statement
    if _DEFAULT_DATA is None:
        import yaml  # pylint: disable=import-outside-toplevel  # controller only

        with open(DATA_FILE, "rb") as handle:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            _DEFAULT_DATA = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return _DEFAULT_DATA


def default_rule_set():
    """The collection's rules compiled (cached). Controller only."""
    global _DEFAULT_SET  # pylint: disable=global-statement
    if _DEFAULT_SET is None:
        _DEFAULT_SET = build(default_data())
    return _DEFAULT_SET


def build(data=None, extra=(), overrides=None, thresholds=None):
    """The :class:`RuleSet` of ``data`` (the rule file: ``{"version": 1, "rules": [...]}``; None:
    the collection's), with ``extra`` rules added (a rule with the id of another replaces it),
    then ``overrides`` ({id: {enabled, severity, severity_served, count, window}}) and
    ``thresholds`` ({id: {count, window}}) applied. RuleError names the rule and field of any
    mistake."""
    if data is None:
        data = default_data()
    if not isinstance(data, dict):
        raise RuleError("access-log rules: the rule data must be a mapping with 'version' and 'rules'")
    if data.get("version") != DATA_VERSION:
        raise RuleError(
            "access-log rules: unsupported 'version' %r (this engine reads version %d)"
            % (data.get("version"), DATA_VERSION)
        )
    base = data.get("rules")
    if not isinstance(base, list):
        raise RuleError("access-log rules: 'rules' must be a list")
    if extra is None:
        extra = []
    if not isinstance(extra, (list, tuple)):
        raise RuleError("access-log rules: the extra rules must be a list")
    ordered = {}
    for position, raw in enumerate(list(base) + list(extra)):
        rule = _check_rule(raw, position)
        if rule["id"] in ordered and position < len(base):
            _fail(rule["id"], "id", "defined twice in the rule file")
        ordered[rule["id"]] = rule
    if len(ordered) > MAX_RULES:
        raise RuleError("access-log rules: more than %d rules" % MAX_RULES)
    for source, changes in (("overrides", overrides), ("thresholds", thresholds)):
        _apply_overrides(ordered, changes or {}, source)
    return RuleSet([r for r in ordered.values() if r["enabled"]], list(ordered))


def _check_rule(raw, position):
    if not isinstance(raw, dict):
        raise RuleError("access-log rule #%d: must be a mapping" % (position + 1))
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID_RE.match(rule_id):
        raise RuleError(
            "access-log rule #%d, field 'id': %r is not a rule id (lower-case letters, digits and "
            "dashes)" % (position + 1, rule_id)
        )
    unknown = sorted(set(raw) - _RULE_FIELDS)
    if unknown:
        _fail(rule_id, unknown[0], "unknown field (known: %s)" % ", ".join(sorted(_RULE_FIELDS)))
    if not isinstance(raw.get("description", ""), str):
        _fail(rule_id, "description", "must be a text")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        _fail(rule_id, "severity", "%r is not one of %s" % (severity, ", ".join(SEVERITIES)))
    served = raw.get("severity_served")
    if served is not None and (
        served not in SEVERITIES or SEVERITIES.index(served) < SEVERITIES.index(severity)
    ):
        _fail(rule_id, "severity_served", "must be a severity at least %r" % severity)
    messages = raw.get("messages")
    if not isinstance(messages, dict) or set(messages) != {"id", "en"}:
        _fail(rule_id, "messages", "must have exactly the keys 'id' (Indonesian) and 'en' (English)")
    for lang, text in messages.items():
        if not isinstance(text, str) or not text.strip():
            _fail(rule_id, "messages.%s" % lang, "must be a non-empty text")
        try:
            text.format(count=1, distinct=1)
        except (KeyError, IndexError, ValueError) as exc:
            _fail(rule_id, "messages.%s" % lang, "only {count} and {distinct} may be used (%s)" % exc)
    references = raw.get("references", [])
    if not isinstance(references, list) or not all(isinstance(x, str) for x in references):
        _fail(rule_id, "references", "must be a list of texts (CVE ids, links)")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        _fail(rule_id, "enabled", "must be true or false")
    key = raw.get("key", "address")
    if key not in KEYS:
        _fail(rule_id, "key", "%r is not one of %s" % (key, ", ".join(KEYS)))
    threshold = _check_threshold(rule_id, raw.get("threshold", {}))
    blocks = raw.get("match")
    if isinstance(blocks, dict):
        blocks = [blocks]
    if not isinstance(blocks, list) or not blocks:
        _fail(rule_id, "match", "must be a mapping of conditions, or a list of them")
    matchers = [
        _check_match(rule_id, block, i if len(blocks) > 1 else None) for i, block in enumerate(blocks)
    ]
    return {
        "id": rule_id,
        "severity": severity,
        "severity_served": served,
        "messages": (messages["id"], messages["en"]),
        "references": list(references),
        "enabled": enabled,
        "key": key,
        "threshold": threshold,
        "matchers": matchers,
    }


def _check_threshold(rule_id, raw):
    if not isinstance(raw, dict):
        _fail(rule_id, "threshold", "must be a mapping with count, window and distinct")
    unknown = sorted(set(raw) - {"count", "window", "distinct"})
    if unknown:
        _fail(rule_id, "threshold.%s" % unknown[0], "unknown field (known: count, window, distinct)")
    out = {"count": 1, "window": 0, "distinct": "none"}
    for name, lowest in (("count", 1), ("window", 0)):
        if name in raw:
            out[name] = _number(rule_id, "threshold." + name, raw[name], lowest)
    distinct = raw.get("distinct", "none")
    if distinct not in DISTINCT:
        _fail(rule_id, "threshold.distinct", "%r is not one of %s" % (distinct, ", ".join(DISTINCT)))
    out["distinct"] = distinct
    return out


def _number(rule_id, field, value, lowest):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        _fail(rule_id, field, "must be a whole number")
    try:
        number = int(value)
    except ValueError:
        _fail(rule_id, field, "must be a whole number, not %r" % value)
    if number < lowest or number > 10**9:
        _fail(rule_id, field, "must be positive" if lowest else "must not be negative")
    return number


def _pattern(rule_id, field, value, flags=0):
    if not isinstance(value, str) or not value or len(value) > MAX_PATTERN:
        _fail(rule_id, field, "must be a regular expression of 1 to %d characters" % MAX_PATTERN)
    try:
        re.compile(value.encode("utf-8"), flags)
    except re.error as exc:
        _fail(rule_id, field, "not a valid regular expression: %s" % exc)
    return compile_merged(value.encode("utf-8"), flags)  # matches where the pattern does, faster


def _listed(rule_id, field, value):
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, list) or not value:
        _fail(rule_id, field, "must be a value or a non-empty list of values")
    return value


def _check_match(rule_id, block, index):
    prefix = "match" if index is None else "match[%d]" % index
    if not isinstance(block, dict) or not block:
        _fail(rule_id, prefix, "must be a non-empty mapping of conditions")
    unknown = sorted(set(block) - _MATCH_FIELDS)
    if unknown:
        _fail(
            rule_id,
            "%s.%s" % (prefix, unknown[0]),
            "unknown condition (known: %s)" % ", ".join(sorted(_MATCH_FIELDS)),
        )
    field = "%s.%%s" % prefix
    out = {
        "target_classes": 0,
        "agent_classes": 0,
        "path": None,
        "query": None,
        "target": None,
        "user_agent": None,
        "methods": None,
        "statuses": None,
        "size": None,
        "malformed": None,
        "verified_googlebot": None,
    }
    for kind, table in (("target_class", TARGET_CLASSES), ("agent_class", AGENT_CLASSES)):
        if kind in block:
            mask = 0
            for name in _listed(rule_id, field % kind, block[kind]):
                if name not in table:
                    _fail(rule_id, field % kind, "%r is not one of %s" % (name, ", ".join(table)))
                mask |= table[name]
            out[kind.replace("_class", "_classes")] = mask
    for name in ("path", "query", "target"):
        if name in block:
            out[name] = _pattern(rule_id, field % name, block[name])
    if "user_agent" in block:
        out["user_agent"] = _pattern(rule_id, field % "user_agent", block["user_agent"], re.I)
    if "method" in block:
        methods = _listed(rule_id, field % "method", block["method"])
        if not all(isinstance(m, str) and _METHOD_RE.match(m) for m in methods):
            _fail(rule_id, field % "method", "methods are upper-case words such as GET or POST")
        out["methods"] = frozenset(m.encode("ascii") for m in methods)
    if "status" in block:
        statuses = set()
        for code in _listed(rule_id, field % "status", block["status"]):
            text = str(code)
            if isinstance(code, bool) or not _STATUS_RE.match(text):
                _fail(rule_id, field % "status", "%r is not a status code (404) or class (4xx)" % (code,))
            if text.endswith("xx"):
                statuses.update(("%s%02d" % (text[0], n)).encode("ascii") for n in range(100))
            else:
                statuses.add(text.encode("ascii"))
        out["statuses"] = frozenset(statuses)
    if "size" in block:
        size = block["size"]
        if not isinstance(size, dict) or not size or set(size) - {"min", "max"}:
            _fail(rule_id, field % "size", "must be a mapping with min and/or max (bytes)")
        out["size"] = (
            _number(rule_id, field % "size.min", size.get("min", 0), 0),
            _number(rule_id, field % "size.max", size.get("max", 10**9), 0),
        )
    if "request" in block:
        if block["request"] != "malformed":
            _fail(rule_id, field % "request", "the only value is 'malformed' (no method and target)")
        out["malformed"] = True
    if "verified_googlebot" in block:
        if not isinstance(block["verified_googlebot"], bool):
            _fail(rule_id, field % "verified_googlebot", "must be true or false")
        out["verified_googlebot"] = block["verified_googlebot"]
    out["has_target"] = any(k in block for k in _TARGET_FIELDS)
    out["has_agent"] = any(k in block for k in _AGENT_FIELDS)
    below_400 = out["statuses"] is None or any(s < b"400" for s in out["statuses"])
    if not out["has_target"] and not out["has_agent"] and below_400:
        _fail(
            rule_id,
            prefix,
            "needs a condition on the request target or the user agent, or statuses of 400 and above "
            "only (otherwise every request would have to be checked)",
        )
    out["below_400"] = below_400
    return out


def _apply_overrides(ordered, changes, source):
    if not isinstance(changes, dict):
        raise RuleError("access-log rule %s: must be a mapping of rule id to settings" % source)
    for rule_id, change in changes.items():
        if rule_id not in ordered:
            raise RuleError(
                "access-log rule %s: unknown rule %r; known rules: %s"
                % (source, rule_id, ", ".join(sorted(ordered)))
            )
        if not isinstance(change, dict):
            _fail(rule_id, source, "must be a mapping (%s)" % ", ".join(sorted(_OVERRIDE_FIELDS)))
        allowed = _OVERRIDE_FIELDS if source == "overrides" else {"count", "window"}
        unknown = sorted(set(change) - allowed)
        if unknown:
            _fail(
                rule_id,
                "%s.%s" % (source, unknown[0]),
                "unknown setting (known: %s)" % ", ".join(sorted(allowed)),
            )
        rule = ordered[rule_id]
        for name in ("count", "window"):
            if name in change:
                rule["threshold"][name] = _number(
                    rule_id, "%s.%s" % (source, name), change[name], 1 if name == "count" else 0
                )
        if "enabled" in change:
            if not isinstance(change["enabled"], bool):
                _fail(rule_id, source + ".enabled", "must be true or false")
            rule["enabled"] = change["enabled"]
        for name in ("severity", "severity_served"):
            if name in change:
                if change[name] not in SEVERITIES:
                    _fail(
                        rule_id,
                        "%s.%s" % (source, name),
                        "%r is not one of %s" % (change[name], ", ".join(SEVERITIES)),
                    )
                rule[name] = change[name]
        served = rule["severity_served"]
        if served is not None and SEVERITIES.index(served) < SEVERITIES.index(rule["severity"]):
            rule["severity_served"] = rule["severity"]


# --- the compiled rule set ---------------------------------------------------------------------------


class Rule:
    """One enabled rule (see the rule file for the meaning of the fields)."""

    __slots__ = (
        "id",
        "severity",
        "severity_served",
        "messages",
        "references",
        "key",
        "count",
        "window",
        "distinct",
    )

    def __init__(self, data):
        self.id = data["id"]
        self.severity = data["severity"]
        self.severity_served = data["severity_served"]
        self.messages = data["messages"]
        self.references = tuple(data["references"])
        self.key = data["key"]
        self.count = data["threshold"]["count"]
        self.window = data["threshold"]["window"]
        self.distinct = data["threshold"]["distinct"]


class Matcher:
    """One ``match`` block of a rule: its bit, and the row conditions checked per row."""

    __slots__ = (
        "rule",
        "bit",
        "has_target",
        "has_agent",
        "methods",
        "statuses",
        "size",
        "malformed",
        "verified_googlebot",
    )

    def __init__(self, rule, bit, block):
        self.rule = rule
        self.bit = bit
        self.has_target = block["has_target"]
        self.has_agent = block["has_agent"]
        self.methods = block["methods"]
        self.statuses = block["statuses"]
        self.size = block["size"]
        self.malformed = block["malformed"]
        self.verified_googlebot = block["verified_googlebot"]

    def holds(self, row_method, status, size, verified):
        """Whether the row conditions hold for a row."""
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.methods is not None and row_method not in self.methods:
            return False
        if self.malformed is not None and row_method:
            return False
        if self.verified_googlebot is not None and verified is not self.verified_googlebot:
            return False
        if self.size is not None:
            number = int(size) if size.isdigit() else 0
            if not self.size[0] <= number <= self.size[1]:
                return False
        return True


class _AnyOf:
    """Matches where any of some patterns does: the alternatives anchored at the start (``^...``)
    tried at the start only, the others searched (an alternation of many patterns searched at every
    position costs a try of each anchored one there too)."""

    __slots__ = ("_anchored", "_floating")

    def __init__(self, anchored, floating):
        self._anchored = anchored
        self._floating = floating

    def search(self, text: bytes) -> bool:
        return bool(
            (self._anchored is not None and self._anchored.match(text))
            or (self._floating is not None and self._floating.search(text))
        )


def _any_of(patterns, flags=0):
    """One test of whether any of ``patterns`` matches (a quick "nothing here" test), or None when
    they cannot be joined (a pattern with global flags, named groups or back-references)."""
    if not patterns or any(refers_to_groups(p.pattern) for p in patterns):
        return None  # joined, a pattern's back-references would name the groups of others
    anchored, floating = [], []
    for pattern in patterns:
        # "(?:^|&)a" is "^a" (tried at the start only) or "&a" (searched for): see expanded.
        parts = [x for part in branches(pattern.pattern) for x in expanded(part)]
        try:
            for part in parts:
                re.compile(part, flags)
        except re.error:  # a split the parser disagrees with: the pattern whole, in a group
            parts = [pattern.pattern]
            wrap = True
        else:
            wrap = False  # each part is one alternative: no "|" outside its groups
        for part in parts:
            (anchored if part.startswith(b"^") else floating).append(b"(?:%s)" % part if wrap else part)
    try:
        # The alternatives of all patterns in one, those that begin alike merged (alternation).
        return _AnyOf(
            compile_merged(b"|".join(anchored), flags) if anchored else None,
            compile_merged(b"|".join(floating), flags) if floating else None,
        )
    except re.error:
        return None


def _key_pattern(part):
    """(0 path, 1 query or 2 target, pattern) of a block's patterns: one that does not match an
    empty or root value (``^/$`` or a negative look-ahead matches nearly every request), when there
    is one."""
    found = [(i, p) for i, p in enumerate(part[2:]) if p is not None]
    for position, pattern in found:
        if not pattern.search(b"") and not pattern.search(b"/"):
            return position, pattern
    return found[0]


class RuleSet:
    """The enabled rules, compiled: classification of targets and agents into matcher bits, the
    masks that decide which rows the rule code must see, and the candidates per (target, agent)
    bits."""

    def __init__(self, rules, known_ids):
        self.rules = {}
        self.ids = tuple(known_ids)  # every rule id, enabled or not
        self.matchers = []
        target_parts = []  # (bit, classes, path, query, target)
        agent_parts = []  # (bit, classes, user agent)
        self.hot_target_mask = 0  # matchers that may fire on a row with status < 400
        self.hot_agent_mask = 0
        self.googlebot_agent_mask = 0  # ... only for an address that is not a verified Googlebot
        self.row_only_statuses = set()  # statuses of the matchers without target or agent conditions
        self.needs_page = False
        bit = 0
        for data in rules:
            rule = Rule(data)
            self.rules[rule.id] = rule
            for block in data["matchers"]:
                matcher = Matcher(rule, 1 << bit, block)
                bit += 1
                self.matchers.append(matcher)
                if block["has_target"]:
                    target_parts.append(
                        (matcher.bit, block["target_classes"], block["path"], block["query"], block["target"])
                    )
                    self.needs_page |= bool(block["target_classes"] & TARGET_PAGE)
                    if block["below_400"]:
                        self.hot_target_mask |= matcher.bit
                if block["has_agent"]:
                    agent_parts.append((matcher.bit, block["agent_classes"], block["user_agent"]))
                    if block["below_400"] and not block["has_target"]:
                        if block["verified_googlebot"] is False:
                            self.googlebot_agent_mask |= matcher.bit
                        else:
                            self.hot_agent_mask |= matcher.bit
                if not block["has_target"] and not block["has_agent"]:
                    self.row_only_statuses.update(block["statuses"])
        self._target_parts = target_parts
        self._agent_parts = agent_parts
        # Target and agent parts whose only conditions are built-in classes, per classes present.
        self._class_only_targets = [p for p in target_parts if not any(p[2:])]
        self._pattern_targets = [p for p in target_parts if any(p[2:])]
        # The quick "no pattern can match" test: per block, one pattern that must match (its key),
        # joined per part of the target.
        keys = ([], [], [])  # path, query and target keys
        for part in self._pattern_targets:
            position, pattern = _key_pattern(part)
            keys[position].append(pattern)
        self.key_patterns = keys
        self._any_path, self._any_query, self._any_target = (_any_of(k) for k in keys)
        self._joined = all(
            joined is not None or not k
            for joined, k in zip((self._any_path, self._any_query, self._any_target), keys)  # noqa: B905
        )
        # Most targets have no query: the answer for an empty one, once.
        self._empty_query_hit = bool(self._any_query is not None and self._any_query.search(b""))
        self._any_agent = _any_of([p[2] for p in agent_parts if p[2] is not None], re.I)
        self._class_masks = {}
        self._candidates = {}
        self._events = {}
        self._pages = {}  # path -> whether it is a page (classes.path_kind)
        self._path_hits = {}  # decoded path -> whether a key pattern of the path matches it
        # A row's size decides a match only for rules with a size condition: otherwise it is left
        # out of the events cache key (sizes vary nearly per row).
        self.sized = any(m.size is not None for m in self.matchers)

    def episode_rules(self):
        """The rules of site-wide bursts (``key: episode``)."""
        return [r for r in self.rules.values() if r.key == "episode"]

    def quiet_target_bits(self, page: bool) -> int:
        """The bits :meth:`classify_target` gives a target that none of ``classes.HINT_PATTERNS``
        matches (lower-cased) nor any of ``key_patterns`` (per block of a rule with patterns, one
        that must match, by part of the decoded target: path, query, whole), given whether its
        path is a page: the bits of the rules that need no more than "a page"."""
        return self._class_bits(TARGET_PAGE if page and self.needs_page else 0)

    def _class_bits(self, found: int) -> int:
        bits = self._class_masks.get(found)
        if bits is None:
            bits = 0
            for bit, wanted, _p, _q, _t in self._class_only_targets:
                if wanted & found:
                    bits |= bit
            self._class_masks[found] = bits
        return bits

    def classify_target(self, target: bytes) -> int:
        """Bits of the matchers whose target conditions hold for a request target."""
        found = classes.classify_target(target)
        if self.needs_page and self._is_page(classes.split_target(target)[0]):
            found |= TARGET_PAGE
        bits = self._class_bits(found)
        if not self._pattern_targets:
            return bits
        decoded = classes.decode_target(target)
        path, query = classes.split_target(decoded)
        if self._joined and not (
            (self._any_path is not None and self._path_hit(path))
            or (
                self._empty_query_hit
                if not query
                else self._any_query is not None and self._any_query.search(query)
            )
            or (self._any_target is not None and self._any_target.search(decoded))
        ):
            return bits
        for bit, wanted, path_re, query_re, target_re in self._pattern_targets:
            if wanted and not wanted & found:
                continue
            if path_re is not None and not path_re.search(path):
                continue
            if query_re is not None and not query_re.search(query):
                continue
            if target_re is not None and not target_re.search(decoded):
                continue
            bits |= bit
        return bits

    def _is_page(self, path: bytes) -> bool:
        """Whether a path (raw) is a page, cached per path: many targets share one (queries)."""
        verdict = self._pages.get(path)
        if verdict is None:
            if len(self._pages) >= PATH_CACHE:
                self._pages.clear()
            verdict = self._pages[path] = classes.path_kind(path) == "page"
        return verdict

    def _path_hit(self, path: bytes) -> bool:
        """Whether a key pattern of the path may match a (decoded) path, cached per path."""
        verdict = self._path_hits.get(path)
        if verdict is None:
            if len(self._path_hits) >= PATH_CACHE:
                self._path_hits.clear()
            verdict = self._path_hits[path] = self._any_path.search(path)
        return verdict

    def classify_user_agent(self, agent: bytes):
        """(bits of the matchers whose agent conditions hold, the built-in AGENT_* flags)."""
        found = classes.classify_user_agent(agent)
        bits = 0
        any_agent = self._any_agent
        pattern_hit = any_agent is None or any_agent.search(agent)
        for bit, wanted, agent_re in self._agent_parts:
            if wanted and not wanted & found:
                continue
            if agent_re is not None and (not pattern_hit or not agent_re.search(agent)):
                continue
            bits |= bit
        return bits, found

    def candidates(self, target_bits: int, agent_bits: int):
        """The matchers whose target and agent conditions hold, for these bits (cached)."""
        key = (target_bits, agent_bits)
        found = self._candidates.get(key)
        if found is None:
            found = [
                m
                for m in self.matchers
                if (not m.has_target or target_bits & m.bit) and (not m.has_agent or agent_bits & m.bit)
            ]
            found = tuple(found)
            if len(self._candidates) > 4096:
                self._candidates.clear()
            self._candidates[key] = found
        return found

    def events(self, target_bits: int, agent_bits: int, method: bytes, status: bytes, size: bytes, verified):
        """What one row gives: ``((rule, by target), ...)``, each rule whose conditions hold once,
        in rule order, with whether its first block that holds has a target condition (a 2xx
        answer then counts as served). ``verified``: whether the address is a verified Googlebot
        (False for a row without a Googlebot claim). Cached per distinct value of its arguments
        (the size only where a rule has a size condition), at most EVENTS_CACHE of them."""
        key = (target_bits, agent_bits, method, status, size if self.sized else None, verified)
        found = self._events.get(key)
        if found is None:
            found, seen = [], set()
            for matcher in self.candidates(target_bits, agent_bits):
                if matcher.rule not in seen and matcher.holds(method, status, size, verified):
                    seen.add(matcher.rule)
                    found.append((matcher.rule, matcher.has_target))
            found = tuple(found)
            if len(self._events) >= EVENTS_CACHE:
                self._events.clear()
            self._events[key] = found
        return found
