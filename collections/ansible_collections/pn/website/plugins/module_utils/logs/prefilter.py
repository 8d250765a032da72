# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python regular expressions rewritten for the Rust regex engine (polars ``str.contains``) as
*necessary conditions*: on printable ASCII text, whatever the Python pattern matches, the rewritten
pattern matches too. The polars reader uses them to rule out, all at once, the many request targets
no rule can match; every other target is classified by the Python patterns themselves, so a
rewritten pattern that matches more than the original only costs time, never a result.

How: the pattern is parsed by Python's own parser and written out again in Rust syntax, construct
by construct, ignoring case as ``(?i:...)`` (on ASCII text both engines fold the ASCII letters
only). Look-arounds are left out, back-references and conditionals become "anything", atomic
groups and possessive repeats ordinary ones (each matches at least what the original does). A
pattern with flags that change what matches otherwise (multi-line, locale) or a construct not
known here is not rewritten (None): the reader then classifies every target in Python.

Only valid for haystacks of printable ASCII without line ends (the reader checks that first):
there, Python's ASCII and Rust's Unicode classes (``\\w``, ``\\d``, ``\\s``, ``\\b``) agree, and
Python's ``$`` (end, or before a final line end) is the end of the text.

Standard library only, Python 3.8+.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as sre_constants  # pylint: disable=no-name-in-module
    from re import _parser as sre_parse  # pylint: disable=no-name-in-module
except ImportError:  # Python 3.8 - 3.10
    import sre_constants  # pylint: disable=deprecated-module
    import sre_parse  # pylint: disable=deprecated-module

_C = sre_constants
# Flags that do not change what a pattern matches on printable ASCII text without line ends.
_HARMLESS_FLAGS = re.DOTALL | re.VERBOSE | re.ASCII | re.UNICODE | getattr(re, "DEBUG", 0)
_WRITTEN_FLAGS = _HARMLESS_FLAGS | re.IGNORECASE
_CATEGORIES = {
    _C.CATEGORY_DIGIT: r"\d",
    _C.CATEGORY_NOT_DIGIT: r"\D",
    _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S",
    _C.CATEGORY_WORD: r"\w",
    _C.CATEGORY_NOT_WORD: r"\W",
}
_AT = {
    _C.AT_BEGINNING: r"\A",
    _C.AT_BEGINNING_STRING: r"\A",
    _C.AT_END: r"\z",  # no line end in the haystack: end of the text
    _C.AT_END_STRING: r"\z",
    _C.AT_BOUNDARY: r"\b",
    _C.AT_NON_BOUNDARY: r"\B",
}
_ANYTHING = r"(?s:.*)"
_MAX_COUNT = 1000  # larger counts are written as "at least" (a superset; Rust caps repeats)


class _Unsupported(Exception):
    pass


def _char(code: int) -> str:
    return r"\x{%x}" % code


def _items(items) -> str:
    out = []
    for op, arg in items:
        if op is _C.LITERAL:
            out.append(_char(arg))
        elif op is _C.RANGE:
            out.append("%s-%s" % (_char(arg[0]), _char(arg[1])))
        elif op is _C.CATEGORY and arg in _CATEGORIES:
            out.append(_CATEGORIES[arg])
        elif op is _C.NEGATE:
            continue  # handled by the caller
        else:
            raise _Unsupported(op)
    return "".join(out)


def _sequence(items) -> str:
    return "".join(_node(op, arg) for op, arg in items)


def _node(op, arg) -> str:  # noqa: PLR0911, PLR0912 - one branch per construct
    if op is _C.LITERAL:
        return _char(arg)
    if op is _C.NOT_LITERAL:
        return "[^%s]" % _char(arg)
    if op is _C.ANY:
        return "(?s:.)"  # no line end in the haystack: "." matches any character there
    if op is _C.IN:
        negated = any(item_op is _C.NEGATE for item_op, _a in arg)
        body = _items(arg)
        if not body:
            raise _Unsupported(op)
        return "[%s%s]" % ("^" if negated else "", body)
    if op is _C.BRANCH:
        return "(?:%s)" % "|".join(_sequence(branch) for branch in arg[1])
    if op is _C.SUBPATTERN:
        add_flags, del_flags, pattern = arg[1], arg[2], arg[3]
        if (add_flags | del_flags) & ~_HARMLESS_FLAGS & ~(add_flags & re.IGNORECASE):
            raise _Unsupported("flags")
        return "(?%s:%s)" % ("i" if add_flags & re.IGNORECASE else "", _sequence(pattern))
    if op is getattr(_C, "ATOMIC_GROUP", None):
        return "(?:%s)" % _sequence(arg)
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT) or op is getattr(_C, "POSSESSIVE_REPEAT", None):
        low, high, item = arg
        low = min(low, _MAX_COUNT)
        if high is _C.MAXREPEAT or high > _MAX_COUNT:
            count = "{%d,}" % low
        else:
            count = "{%d,%d}" % (low, high)
        return "(?:%s)%s" % (_sequence(item), count)
    if op is _C.AT:
        if arg not in _AT:
            raise _Unsupported(arg)
        return _AT[arg]
    if op in (_C.ASSERT, _C.ASSERT_NOT):
        return ""  # a look-around only restricts where the rest matches
    if op is _C.GROUPREF:
        return _ANYTHING
    if op is _C.GROUPREF_EXISTS:
        yes, no = arg[1], arg[2]
        return "(?:%s|%s)" % (_sequence(yes), _sequence(no) if no else "")
    raise _Unsupported(op)


def _flags(parsed) -> int:
    state = getattr(parsed, "state", None) or getattr(parsed, "pattern", None)
    return getattr(state, "flags", 0)


def rust_pattern(pattern, anchored: bool = False):
    """The Rust-syntax necessary condition of a compiled Python pattern (see the module's
    docstring), searched anywhere or (``anchored``, as ``pattern.match``) at the start; None when
    it cannot be written."""
    if pattern.flags & ~_WRITTEN_FLAGS:
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        flags = _flags(parsed) | pattern.flags
        if flags & ~_WRITTEN_FLAGS:
            return None
        return "(?%s:%s%s)" % ("i" if flags & re.IGNORECASE else "", r"\A" * anchored, _sequence(parsed))
    except (_Unsupported, re.error, TypeError, ValueError, RecursionError):
        return None


def any_of(patterns):
    """One Rust pattern that matches where any of ``patterns`` may (an empty list: "" ), or None
    when one of them cannot be written."""
    parts = []
    for pattern in patterns:
        part = rust_pattern(pattern)
        if part is None:
            return None
        parts.append("(?:%s)" % part)
    return "|".join(parts)
