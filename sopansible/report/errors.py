"""The one error of the report package, with its text in both languages."""

from __future__ import annotations

from typing import Any

from sopansible.report.texts import ERRORS, LANGS


class ReportError(Exception):
    """The reports cannot be produced as asked (unknown court, unwritable directory, no Chromium).
    ``str()`` is Indonesian; :meth:`message` gives the English text with ``lang="en"``."""

    def __init__(self, text_id: str, text_en: str | None = None) -> None:
        super().__init__(text_id)
        self.text_en = text_en or text_id

    def message(self, lang: str = "id") -> str:
        return self.text_en if lang == "en" else str(self)

    @classmethod
    def of(cls, key: str, suffix: str = "", **values: Any) -> ReportError:
        """The error ``key`` of :data:`~sopansible.report.texts.ERRORS` filled with ``values``; ``suffix``
        is another key appended when given (e.g. the list of known courts)."""
        text_id, text_en = (text.format(**values) for text in ERRORS[key])
        if suffix:
            more_id, more_en = (text.format(**values) for text in ERRORS[suffix])
            text_id, text_en = text_id + more_id, text_en + more_en
        return cls(text_id, text_en)


def check_lang(lang: str) -> str:
    """``lang`` when the reports speak it, else a ReportError that lists the choices."""
    if lang not in LANGS:
        raise ReportError.of("unknown_lang", lang=lang, choices=", ".join(LANGS))
    return lang
