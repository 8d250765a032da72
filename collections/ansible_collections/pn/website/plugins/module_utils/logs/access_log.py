# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access-log engine (SOP W3): visitor summary ("Log aktivitas pengunjung") and
suspicious-activity detection for Apache/nginx logs in the common, combined, vhost-combined and
nginx main formats, also behind a syslog prefix (``log_formats.FORMATS``; detected per file, and a
file mixing formats is read line by line). :func:`analyze` reads log files (plain or gzip, whole
or incrementally), and :func:`analyze_bytes` log content held in memory, with one of two engines
that give the same result:

- ``python``: the standard library only (Python 3.8+), what court servers run (the module
  ``pn.website.access_log_audit``);
- ``polars``: the controller's fast path (``polars_reader``), several times faster on large logs;
- ``auto``: polars where it is installed and the logs are large enough to repay importing it.

Its parts: ``log_formats`` (lines and fields), ``log_files`` (files, rotation, incremental
state), ``rules`` and ``rule_data`` (what is detected), ``addresses`` (Googlebot, trusted sources,
the SSH client), ``analyzer`` (counts, rule evidence, findings, summary, campaigns across courts)
and ``polars_reader``.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os

from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import Analyzer
from ansible_collections.pn.website.plugins.module_utils.logs.log_files import expand_paths, read_logs

ENGINES = ("auto", "python", "polars")
#: Below this many bytes of log (on disk), "auto" takes the stdlib engine: starting polars takes
#: longer than it saves (on one core both engines took about as long for 80,000 lines, 19 MB).
AUTO_POLARS_MIN_BYTES = 16 * 1024 * 1024

# The polars reader is imported by name: Ansible ships every module_utils a module's code names in
# an import statement to the court servers, and this one is for the controller only.
_POLARS_READER = "ansible_collections.pn.website.plugins.module_utils.logs.polars_reader"


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (polars is not installed)."""


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector off for a while. An analysis makes millions of short-lived
    tuples and no reference cycles (a unit test checks this): the collector would only spend time
    walking them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _polars_reader():
    """The polars reader module, None where it or polars is not installed."""
    try:
        with gc_paused():  # importing polars makes many objects and no garbage
            module = importlib.import_module(_POLARS_READER)
    except ModuleNotFoundError as error:
        if error.name != _POLARS_READER:
            raise
        return None  # a court server: Ansible ships only what the module imports
    return module if module.HAS_POLARS else None


def choose_engine(engine: str, size: int) -> str:
    """The engine that runs (``python`` or ``polars``) for the one asked for (``auto``,
    ``python`` or ``polars``) and ``size`` bytes of log. EngineUnavailable for ``polars`` without
    polars."""
    if engine not in ENGINES:
        raise ValueError("unknown engine %r (use %s)" % (engine, ", ".join(ENGINES)))
    if engine == "python" or (engine == "auto" and size < AUTO_POLARS_MIN_BYTES):
        return "python"
    if _polars_reader() is not None:
        return "polars"
    if engine == "polars":
        raise EngineUnavailable("polars is not installed")
    return "python"


def _open(engine: str, size: int, chunk_bytes, options: dict):
    """(reader, analyzer) of the engine chosen for ``engine`` and ``size``; ``chunk_bytes`` is the
    polars reader's read size (None: its default)."""
    if choose_engine(engine, size) == "polars":
        extra = {} if chunk_bytes is None else {"chunk_bytes": chunk_bytes}
        reader = _polars_reader().PolarsReader(**extra, **options)
        return reader, reader.analyzer
    analyzer = Analyzer(**options)
    return analyzer, analyzer


def _size_on_disk(paths, include_rotated: bool) -> int:
    """Bytes of the log files (a compressed rotation counts for its compressed size)."""
    total = 0
    for path in expand_paths(paths, include_rotated=include_rotated):
        try:
            total += os.path.getsize(path)
        except OSError:
            pass  # reported when it is read
    return total


@gc_paused()
def analyze(
    paths,
    fmt: str = "auto",
    state: dict | None = None,
    include_rotated: bool = False,
    engine: str = "python",
    chunk_bytes: int | None = None,
    **options,
):
    """Analyse log files. Returns ``(result, new_state)``. ``options`` are the analyzer's
    (thresholds, dns, site_hosts, trusted, top, max_samples...).

    Without ``state`` (None) every file is read entirely. With a state (a dict, possibly empty,
    from a previous run) only what was not read before is analysed: files are recognised by the
    fingerprint of their first line, so a renamed (access.log -> access.log.1) or compressed
    (access.log.2.gz) file resumes at its saved offset and a new or truncated file starts at 0.
    Only complete lines are consumed; a line still being written is read next time.
    """
    size = _size_on_disk(paths, include_rotated) if engine == "auto" else 0
    reader, analyzer = _open(engine, size, chunk_bytes, dict(options, fmt=fmt))
    files, errors, new_state = read_logs(reader, paths, state=state, include_rotated=include_rotated)
    result = analyzer.result(files)
    result["errors"] = errors
    return result, new_state


@gc_paused()
def analyze_bytes(
    data: bytes, fmt: str = "auto", engine: str = "python", chunk_bytes: int | None = None, **options
) -> dict:
    """Analyse log content held in memory (tests, stdin)."""
    reader, analyzer = _open(engine, len(data), chunk_bytes, dict(options, fmt=fmt))
    reader.feed_stream(io.BytesIO(data))
    result = analyzer.result()
    result["errors"] = []
    return result
