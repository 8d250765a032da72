# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alternations of regular expressions (``a|b|c``): their top-level alternatives, and the same
alternation with the alternatives that begin alike merged (``slot88|slot777|sbobet`` ->
``s(?:lot(?:88|777)|bobet)``).

Python's engine tries every alternative of an alternation at every position of the text, so a
search for any of fifty words costs fifty tries per character; merged, the text's character picks
one branch at each level; and when every alternative begins with a character, the engine can skip
the positions where none of them is. The merged pattern matches exactly where the original does
(the same strings: a shared first character is written once, a leading group ``(?:a|b)c`` is
written ``ac|bc``), which is all the tests that use it ask (whether a pattern matches). Patterns
whose groups are numbered for back-references, and verbose or flag-led ones, are left as they are.

Standard library only, Python 3.8+ (runs on court servers).
"""

from __future__ import annotations

import re
import weakref

_QUANTIFIERS = frozenset(b"*+?{")
_SPECIAL = frozenset(b"\\[]()|.^$*+?{}")
# Back-references and conditionals name groups by number or name: moving alternatives, or
# writing some twice, would make them name other groups.
_REFERENCES_RE = re.compile(rb"\\[1-9]|\(\?P=|\(\?\(")
_LEADING_FLAGS_RE = re.compile(rb"\A\(\?[aiLmsux-]+[:)]")  # must stay first, and apply to all
_MAX_DEPTH = 32  # merged levels (each is one shared character): ample for words, and bounded
_MAX_EXPANDED = 8  # alternatives a leading group is spread into (its tail is written again for each)


def _structure(source: bytes):
    """(position, character, depth) of each "(", ")" and "|" of a regular expression's source
    that is not escaped nor in a character class: the depth of groups after it (0: top level)."""
    i, depth = 0, 0
    while i < len(source):
        ch = source[i : i + 1]
        if ch == b"\\":
            i += 2
            continue
        if ch == b"[":  # a character class, where | ( ) are plain; "]" first is plain too
            i += 1
            if source[i : i + 1] == b"^":
                i += 1
            if source[i : i + 1] == b"]":
                i += 1
            while i < len(source) and source[i : i + 1] != b"]":
                i += 2 if source[i : i + 1] == b"\\" else 1
            i += 1
            continue
        if ch in (b"(", b")", b"|"):
            depth += 1 if ch == b"(" else -1 if ch == b")" else 0
            yield i, ch, depth
        i += 1


def branches(source: bytes) -> list:
    """The top-level alternatives of a regular expression's source (``a|b`` -> [a, b])."""
    out, start = [], 0
    for i, ch, depth in _structure(source):
        if ch == b"|" and depth == 0:
            out.append(source[start:i])
            start = i + 1
    out.append(source[start:])
    return out


def refers_to_groups(source: bytes) -> bool:
    """Whether a pattern refers to its groups (a back-reference or a conditional): joined with
    other patterns, or rewritten, its references could name other groups."""
    return bool(_REFERENCES_RE.search(source))


def _group_end(source: bytes) -> int:
    """Where the first "(" of ``source`` closes (-1: nowhere)."""
    for i, ch, depth in _structure(source):
        if ch == b")" and depth == 0:
            return i
    return -1


def expanded(alternative: bytes) -> list:
    """An alternative that begins with a group of alternatives, ``(?:a|b)c``, as one alternative
    per alternative of the group (``ac``, ``bc``; at most _MAX_EXPANDED when there is a tail to
    write again): the same strings, with first characters that can be merged or searched for.
    Otherwise a list of itself."""
    end = _group_end(alternative) if alternative.startswith(b"(?:") else -1
    rest = alternative[end + 1 :]
    if end < 0 or rest[:1] and rest[0] in _QUANTIFIERS or refers_to_groups(alternative):
        return [alternative]
    if b"(?P<" in alternative:
        return [alternative]  # a named group would be written twice
    out = [x for part in branches(alternative[3:end]) for x in expanded(part + rest)]
    return out if len(out) <= _MAX_EXPANDED or not rest else [alternative]


def _first_atom(branch: bytes):
    """The character an alternative begins with, as written (``a``, ``\\.``, ``^``), when it can
    be taken apart from the rest: a plain or escaped literal, or the start anchor, that no
    quantifier follows. None otherwise."""
    if not branch:
        return None
    if branch[0] == 0x5C:  # backslash: a literal only when it escapes a punctuation character
        if len(branch) < 2 or branch[1] >= 0x80 or chr(branch[1]).isalnum():
            return None
        atom = branch[:2]
    elif branch[0] == 0x5E:  # ^
        atom = branch[:1]
    elif branch[0] in _SPECIAL or branch[0] in b" #\t\n\r\f\v":
        return None
    else:
        atom = branch[:1]
    if branch[len(atom) : len(atom) + 1] and branch[len(atom)] in _QUANTIFIERS:
        return None
    return atom


def _merge(alternatives: list, ignore_case: bool, depth: int) -> list:
    """The alternatives merged (fewer of them), in the order of their first appearance (any
    order matches the same strings)."""
    items = []  # an alternative kept whole, or the key of a group
    groups = {}  # the first character (folded) -> (the atom as written, the rests)
    for alternative in alternatives:
        atom = _first_atom(alternative) if depth < _MAX_DEPTH else None
        if atom is None:
            items.append(alternative)
            continue
        key = (atom.lower() if ignore_case else atom,)
        if key not in groups:
            groups[key] = (atom, [])
            items.append(key)
        groups[key][1].append(alternative[len(atom) :])
    out = []
    for item in items:
        if isinstance(item, bytes):
            out.append(item)
            continue
        atom, rests = groups[item]
        if len(rests) == 1:
            out.append(atom + rests[0])
        else:
            inner = _merge(rests, ignore_case, depth + 1)
            out.append(atom + inner[0] if len(inner) == 1 else atom + b"(?:" + b"|".join(inner) + b")")
    return out


def merged(source: bytes, flags: int = 0) -> bytes:
    """``source`` with its top-level alternatives that begin with the same character merged
    (recursively), after those that begin with a group are spread (:func:`expanded`): the same
    strings match, at the same positions. Unchanged when it has no alternatives to merge, or may
    not be rewritten (see the module's docstring)."""
    if flags & re.VERBOSE or refers_to_groups(source) or _LEADING_FLAGS_RE.match(source):
        return source
    alternatives = [x for alternative in branches(source) for x in expanded(alternative)]
    if len(alternatives) < 2:
        return source
    return b"|".join(_merge(alternatives, bool(flags & re.IGNORECASE), 0))


#: The source as written of each live pattern compiled by :func:`compile_merged` (for its tests).
WRITTEN = weakref.WeakKeyDictionary()


def compile_merged(source: bytes, flags: int = 0):
    """The compiled :func:`merged` pattern; ``source`` compiled as it is should the merged one
    not compile (re.error when neither does)."""
    try:
        pattern = re.compile(merged(source, flags), flags)
    except re.error:
        pattern = re.compile(source, flags)
    WRITTEN[pattern] = source
    return pattern
