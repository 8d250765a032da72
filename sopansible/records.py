"""Checks for what people record by hand (SOP W4, W5, W7): names, free text and document paths.

A document (a signed report, an invoice, a receipt) is kept as a path and nothing else: the path is
checked as text (no control characters, not an option, not a URL, a known file type), made absolute
and required to name a regular file when recorded; it is never opened, run or handed to a shell, and
reports show it as text.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact

MAX_NAME = 200
MAX_TEXT = 2000
MAX_PATH = 1024
PDF = (".pdf",)
DOCUMENTS = (".pdf", ".jpg", ".jpeg", ".png")


class RecordError(ValueError):
    """A value that cannot be recorded, with a message in Indonesian and English."""

    def __init__(self, id_text: str, en_text: str) -> None:
        self.texts = {"id": id_text, "en": en_text}
        super().__init__(id_text)

    def message(self, lang: str = "id") -> str:
        return self.texts.get(lang) or self.texts["id"]


def _control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def name(value: object, field: str) -> str:
    """A person's or a party's name: one line of text, at most MAX_NAME characters."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{field} wajib diisi", f"{field} is required")
    text = value.strip()
    if _control(text) or len(text) > MAX_NAME:
        raise RecordError(
            f"{field}: satu baris teks, paling banyak {MAX_NAME} karakter",
            f"{field}: one line of text, at most {MAX_NAME} characters",
        )
    return text


def optional_name(value: object, field: str) -> str | None:
    return None if value in (None, "") else name(value, field)


def free_text(value: object, field: str, required: bool = False) -> str | None:
    """Free text (a note, an action): at most MAX_TEXT characters; credentials in it are masked."""
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(f"{field} wajib diisi", f"{field} is required")
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} harus teks", f"{field} must be text")
    text = value.strip()
    if len(text) > MAX_TEXT or any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise RecordError(
            f"{field}: teks biasa, paling banyak {MAX_TEXT} karakter",
            f"{field}: plain text, at most {MAX_TEXT} characters",
        )
    return _redact.redact_text(text)


def document(
    value: object, field: str, suffixes: Iterable[str] = DOCUMENTS, must_exist: bool = True
) -> str | None:
    """The absolute path of a document, checked (see the module documentation); None when not given."""
    if value in (None, ""):
        return None
    suffixes = tuple(suffixes)
    kinds = ", ".join(suffixes)
    if not isinstance(value, str) or _control(value) or len(value) > MAX_PATH:
        raise RecordError(
            f"{field}: path berkas satu baris, paling banyak {MAX_PATH} karakter",
            f"{field}: a one-line file path, at most {MAX_PATH} characters",
        )
    text = value.strip()
    if not text or text.startswith("-") or "://" in text:
        raise RecordError(
            f"{field}: '{text}' bukan path berkas (bukan opsi atau URL)",
            f"{field}: '{text}' is not a file path (not an option or a URL)",
        )
    if not text.lower().endswith(suffixes):
        raise RecordError(
            f"{field}: '{text}' harus berkas {kinds}",
            f"{field}: '{text}' must be a {kinds} file",
        )
    path = os.path.abspath(text)
    if must_exist:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise RecordError(
                f"{field}: berkas {path} tidak dapat dibaca ({exc.strerror})",
                f"{field}: the file {path} cannot be read ({exc.strerror})",
            ) from None
        if not stat.S_ISREG(mode):
            raise RecordError(f"{field}: {path} bukan berkas biasa", f"{field}: {path} is not a regular file")
    return path
