"""What controller-side tasks keep between jobs, in the history store (:data:`sopansible.store.STATE_KINDS`).

W1's probe state (content fingerprints, link / sitemap / robots.txt baselines) and W4's announced renewal
thresholds used to be JSON files in the controller's data folder; an AWX job in a fresh container never
saw the last job's. They live in the history store now (``SOPANSIBLE_DB``, else
``$SOPANSIBLE_DATA/history.sqlite``), read and written on the controller by the collection's action
plugins (``pn.website.site_probe``, ``pn.website.renewal_check``) and by ``sopansible renewals``.

The files of earlier versions are taken over once: a court the store has no state of yet gets the
one its file holds (read within the kind's size limit), and the next write puts it into the store. The
files are left where they are (a downgrade still finds them) and are not read again for that court.

Nothing here raises for a store that cannot be reached or a value that cannot be kept: the caller
gets the reason as text and goes on (a probe without its baselines is still a probe), so that one
court's state never stops the fleet.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from sopansible import store as _store

_MAX_PROBLEM = 500


def _problem(error: Exception) -> str:
    return _redact.redact_text(str(error))[:_MAX_PROBLEM]


#: The largest file of an earlier version read: W4's one file held the state of every court.
MAX_LEGACY_FILE = 64 * 1024 * 1024


def read_json_file(path: str | os.PathLike | None, cap: int = MAX_LEGACY_FILE) -> Any:
    """The JSON value of an earlier version's state file, or None (missing, unreadable, damaged, or
    larger than ``cap`` bytes: such a file is not read to the end)."""
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return None
    if len(data) > cap:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return None


def limit(kind: str) -> int:
    """The largest value of ``kind`` kept, in bytes of JSON text."""
    return _store.STATE_KINDS[kind][1]


def load(
    kind: str, names: Iterable[str], legacy: Callable[[str], Any] | None = None, history: Any = None
) -> tuple[dict[str, Any], str | None]:
    """``({name: value}, problem)``: the state of ``kind`` kept for ``names``; for a name the store
    has none of, ``legacy(name)`` (an earlier version's file) when it gives a value of the kind's type.
    ``problem`` is the reason when the store cannot be read (the values are then the files' only)."""
    names = [name for name in names if isinstance(name, str)]
    expected = _store.STATE_KINDS[kind][0]
    kept: dict[str, Any] = {}
    problem = None
    try:
        if history is not None:
            kept = history.state(kind, names)
        else:
            with _store.HistoryStore() as own:
                kept = own.state(kind, names)
    except _store.StoreError as error:
        problem = _problem(error)
    if legacy is not None:
        for name in names:
            if name not in kept:
                value = legacy(name)
                if isinstance(value, expected):
                    kept[name] = value
    return kept, problem


def save(kind: str, values: Mapping[str, Any], history: Any = None) -> list[str]:
    """Keep ``{name: value}`` in one transaction. A value that cannot be kept (a bad court name, too
    large, not JSON) is left out and named in the answer; the others are kept. Returns the problems."""
    problems: list[str] = []
    good = {}
    for name, value in values.items():
        try:
            _store.check_state(kind, name, value)
        except _store.StoreError as error:
            problems.append(_problem(error))
        else:
            good[name] = value
    if not good:
        return problems
    try:
        if history is not None:
            history.put_state(kind, good)
        else:
            with _store.HistoryStore() as own:
                own.put_state(kind, good)
    except _store.StoreError as error:
        problems.append(_problem(error))
    return problems
