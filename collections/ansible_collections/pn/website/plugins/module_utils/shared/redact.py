# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hide credentials inside free text: the one redaction rule for reports, messages and logs.

:func:`redact_text` finds, anywhere in a text:

- the password of a URL's user information, whatever it contains (``/``, ``@``, ``:``, ``%40``):
  ``rest:https://pn-tais:pa/ss@word@backup:8000/`` -> ``rest:https://pn-tais:***@backup:8000/``
  (or, with ``keep_user=False``, ``rest:https://backup:8000/``);
- secret query parameters: ``?token=...``, ``&access_token=``, ``api_key``, ``password``,
  ``X-Amz-Signature``, ``X-Amz-Credential``, ... -> ``?token=***``;
- Telegram bot tokens: ``/bot123456:AAE.../sendMessage`` -> ``/bot***/sendMessage``.

``sftp:user@host:/path`` (no password in that form) and ``mailto:`` addresses are left alone.
The text is cut into words at white space and quotes, and each word is handled with string
methods and anchored patterns: linear time, whatever the text (it may come from a hostile server).

Standard library only, Python 3.8+ (restic's engine uses it on court servers).
"""

from __future__ import annotations

import re

MASK = "***"

# A word: URLs in logs and messages end at white space, quotes or angle brackets.
_WORD = re.compile(r"[^\s\"'<>`]+")
_PARAM_SPLIT = re.compile(r"([?&;#])")
_NAME_PARTS = re.compile(r"[_.-]+")
# Query parameter names that hold a secret: one of these words as a part of the name
# (api_key, X-Amz-Signature, auth_token) or at its end (accessToken, client_secret).
_SECRET_PARTS = frozenset(
    ("token", "secret", "password", "passwd", "pass", "pwd", "passphrase", "key", "apikey", "signature")
    + ("sig", "credential", "credentials", "auth")
)
_SECRET_ENDS = ("token", "secret", "password", "passwd", "passphrase", "apikey", "signature", "credential")
_BOT_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(bot)?\d{5,}:[A-Za-z0-9_-]{20,}")
_NOT_IN_USER = ("/", "?", "#")
# Texts without any of these hold nothing to hide (most log samples, paths, messages): skip them.
_HINT = re.compile(r"://|=|\d{5}:")


def _userinfo(word: str, keep_user: bool) -> str:
    start = word.find("://")
    if start < 0:
        return word
    start += 3
    # The user information ends at the last "@" of the word: a password may hold "/", "@" or ":".
    at = word.rfind("@", start)
    if at < 0:
        return word
    user, colon, _password = word[start:at].partition(":")
    if any(char in user for char in _NOT_IN_USER):
        return word  # an "@" in the path or query (?email=a@b), not user information
    if not keep_user:
        return word[:start] + word[at + 1 :]
    if not colon:
        return word  # a user name alone
    return word[:start] + user + ":" + MASK + word[at:]


def _secret_name(name: str) -> bool:
    low = name.lower()
    if any(part in _SECRET_PARTS for part in _NAME_PARTS.split(low)):
        return True
    return _NAME_PARTS.sub("", low).endswith(_SECRET_ENDS)


def _params(word: str) -> str:
    pieces = _PARAM_SPLIT.split(word)
    for index in range(0, len(pieces), 2):
        name, equals, _value = pieces[index].partition("=")
        if equals and name and "/" not in name and _secret_name(name):
            pieces[index] = name + "=" + MASK
    return "".join(pieces)


def redact_text(text, keep_user: bool = True):
    """``text`` with URL passwords, secret query parameters and bot tokens masked.

    ``keep_user=False`` drops the whole user information of a URL (``user:pass@``), as restic's
    repository display does. Anything but a string is returned as it is."""
    if not isinstance(text, str) or not _HINT.search(text):
        return text

    def word(match):
        value = match.group(0)
        if "://" in value and "@" in value:
            value = _userinfo(value, keep_user)
        if "=" in value:
            value = _params(value)
        if ":" in value:
            value = _BOT_TOKEN.sub(lambda m: (m.group(1) or "") + MASK, value)
        return value

    return _WORD.sub(word, text)


def redact_data(value, keep_user: bool = True):
    """``value`` (JSON-like data) with :func:`redact_text` applied to every string in it."""
    if isinstance(value, str):
        return redact_text(value, keep_user)
    if isinstance(value, dict):
        return {key: redact_data(item, keep_user) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item, keep_user) for item in value]
    return value
