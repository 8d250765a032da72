# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading access-log files: plain and gzip files (a truncated or corrupt gzip file is read up
to where it breaks and reported as an error naming the file and the lines read), logrotate's
siblings (FILE.1, FILE.2.gz...), blocks of complete lines with a bound on line length, and
incremental reading: a state remembers how far each file was read, and a file keeps its place
when logrotate renames or compresses it.

Standard library only, Python 3.8+ (runs on court servers). What reads the lines is a *reader*:
anything with ``feed_stream(stream, fmt=None, complete_only=False)`` returning the number of
bytes it consumed (the analyzer, or the polars reader on the controller).
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import heapq
import os
import re
import stat as stat_module
import zlib

from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import detect_format

MAX_LINE_BYTES = 64 * 1024  # a longer line (without its line end) is counted as malformed
BLOCK_BYTES = 64 * 1024  # small blocks keep the parsed rows in the CPU caches


def is_gzip(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


class DamagedLog(Exception):
    """A gzip log that breaks (truncated or corrupt): what came before the damage was read."""

    def __init__(self, path: str, reason: str, lines: int, offset: int):
        super().__init__(
            "%s: %s; %d lines read up to where the file breaks, the rest of it is lost (lines just"
            " before the break may be garbled: counted as malformed)" % (path, reason, lines)
        )
        self.lines = lines
        self.offset = offset


class _SafeGzip:
    """A streaming gzip reader (multi-member) that returns everything decompressible and stops at
    a truncated or corrupt end, noting it in ``damage`` (None while the data is whole) and counting
    the line ends it returned in ``newlines``."""

    def __init__(self, path):
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._zip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buffer = b""
        self._pos = 0
        self._done = False
        self.damage = None
        self.newlines = 0
        self.unfinished = 0  # bytes returned after the last line end (a line not ended yet)

    def _decompress(self, data):
        out = self._zip.decompress(data)
        while self._zip.eof and self._zip.unused_data:  # the next member
            rest = self._zip.unused_data
            self._zip = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._zip.decompress(rest)
        return out

    def _salvage(self, data):
        """What ``data`` gives up to the damage: zlib keeps nothing of a call that fails, so the
        read that failed is decompressed again from before it, a small piece at a time."""
        pieces = []
        try:
            for start in range(0, len(data), 256):
                pieces.append(self._decompress(data[start : start + 256]))
        except zlib.error:
            pass
        return b"".join(pieces)

    def _more(self):
        """Decompress the next piece into the buffer; False at the end."""
        while not self._done:
            data = self._raw.read(64 * 1024)
            before = self._zip.copy()
            try:
                if not data:
                    if not self._zip.eof:
                        self.damage = "the gzip data ends before its end (truncated)"
                    out = self._zip.flush()
                    self._done = True
                else:
                    out = self._decompress(data)
            except zlib.error as exc:
                self.damage = "corrupt gzip data (%s)" % exc
                self._done = True
                self._zip = before
                out = self._salvage(data)
            if out:
                self._buffer = self._buffer[self._pos :] + out if self._pos < len(self._buffer) else out
                self._pos = 0
                return True
        return False

    def read(self, size=-1):
        if size is None or size < 0:
            size = 1 << 62
        pieces = []
        wanted = size
        while wanted > 0:
            available = len(self._buffer) - self._pos
            if available <= 0:
                if not self._more():
                    break
                continue
            take = min(available, wanted)
            pieces.append(self._buffer[self._pos : self._pos + take])
            self._pos += take
            wanted -= take
        out = b"".join(pieces)
        if out:
            ends = out.count(b"\n")
            self.newlines += ends
            self.unfinished = len(out) - out.rfind(b"\n") - 1 if ends else self.unfinished + len(out)
        return out

    def close(self):
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_log(path: str):
    if is_gzip(path):
        return _SafeGzip(path)
    return open(path, "rb")


def _skip(stream, offset: int) -> None:
    if hasattr(stream, "seek") and not isinstance(stream, _SafeGzip):
        stream.seek(offset)
        return
    remaining = offset
    while remaining > 0:
        data = stream.read(min(remaining, BLOCK_BYTES))
        if not data:
            break
        remaining -= len(data)


def fingerprint(path: str) -> str | None:
    """SHA-256 of the first line (decompressed for gzip), None while the file has no complete
    line yet. The same content keeps the same fingerprint when logrotate renames or compresses it.
    Two files starting with the very same line (same second, client and request) are taken as one:
    with rotations days apart, their first lines differ."""
    with open_log(path) as stream:
        head = stream.read(8192)
        damage = getattr(stream, "damage", None)
    cut = head.find(b"\n")
    if cut < 0:
        if damage:
            raise DamagedLog(path, damage, 0, 0)
        return None
    return hashlib.sha256(head[: cut + 1]).hexdigest()


_ROTATED_RE = re.compile(r"\.(\d+)(?:\.gz)?$")


def expand_paths(patterns, include_rotated: bool = False) -> list:
    """Expand globs; with ``include_rotated`` also the logrotate siblings (FILE.1, FILE.2.gz...).
    Oldest first, so the time series come out in order."""
    found = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for path in matches:
            if include_rotated and not _ROTATED_RE.search(path):
                directory = os.path.dirname(path) or "."
                base = os.path.basename(path)
                try:
                    names = os.listdir(directory)
                except OSError:
                    names = []
                siblings = []
                for name in names:
                    if fnmatch.fnmatchcase(name, base + ".*"):
                        m = _ROTATED_RE.search(name)
                        if m and name[: m.start()] == base:
                            siblings.append((int(m.group(1)), os.path.join(directory, name)))
                found.extend(p for _n, p in sorted(siblings, reverse=True))
            found.append(path)
    unique = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


# --- reading lines ---------------------------------------------------------------------------------


def read_blocks(stream, sink, fmt=None, complete_only: bool = False) -> int:
    """Read a binary stream to its end in blocks of complete lines, handed to
    ``sink.feed_block(block, fmt)``; a line longer than MAX_LINE_BYTES is counted as a malformed
    line with ``sink.add_lines(1, 1)``. ``fmt`` None: detected from the first block. Returns the
    number of bytes consumed (only complete lines when ``complete_only``)."""
    consumed = 0
    pending = b""
    skipping = False
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            break
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                consumed += len(data)
                continue
            consumed += cut + 1
            data = data[cut + 1 :]
            skipping = False
        buf = pending + data if pending else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            pending = buf
        else:
            block, pending = buf[: cut + 1], buf[cut + 1 :]
            consumed += len(block)
            # Only the first line can be longer than MAX_LINE_BYTES (pending never is, and a
            # read is BLOCK_BYTES): such a line is malformed, however the reads cut it.
            first = block.find(b"\n")
            if first > MAX_LINE_BYTES:
                sink.add_lines(1, 1)
                block = block[first + 1 :]
            if block:
                if fmt is None:
                    fmt = detect_format(block[:65536])
                sink.feed_block(block, fmt)
        if len(pending) > MAX_LINE_BYTES:
            sink.add_lines(1, 1)
            consumed += len(pending)
            pending = b""
            skipping = True
    if pending and not complete_only:
        if fmt is None:
            fmt = detect_format(pending[:65536])
        sink.feed_block(pending + b"\n", fmt)
        consumed += len(pending)
    return consumed


def feed_file(reader, path: str, offset: int = 0, complete_only: bool = False) -> int:
    """Read a plain or gzip file into ``reader`` from ``offset`` (decompressed bytes); returns the
    offset reached. DamagedLog (after reading what is whole) when a gzip file breaks."""
    with open_log(path) as stream:
        if offset:
            _skip(stream, offset)
        lines_before = getattr(stream, "newlines", 0)
        reached = offset + reader.feed_stream(stream, complete_only=complete_only)
        damage = getattr(stream, "damage", None)
        if damage:
            # a last, unfinished line is read as a line unless only complete lines are; one too
            # long to be a line is counted (malformed) either way, as read_blocks counts it
            unfinished = stream.unfinished
            counted = unfinished > MAX_LINE_BYTES or (unfinished and not complete_only)
            lines = stream.newlines - lines_before + (1 if counted else 0)
            raise DamagedLog(path, damage, lines, reached)
        return reached


# --- incremental reading ---------------------------------------------------------------------------


def _resume_offset(saved, packed: bool, size: int):
    """Where to go on reading a file from its entry in the saved state: an offset, or None for a
    compressed rotation read before (never appended to)."""
    if not isinstance(saved, dict):
        return 0
    try:
        offset = max(int(saved.get("offset", 0) or 0), 0)
    except (TypeError, ValueError):
        offset = 0
    if packed and saved.get("gzip") is True and saved.get("size") == size:
        return None
    if not packed and offset > size:
        return 0  # truncated in place (copytruncate)
    return offset


def _damage(path: str, exc: DamagedLog) -> dict:
    return {"path": path, "error": str(exc), "lines_read": exc.lines}


def read_logs(reader, paths, state=None, include_rotated: bool = False):
    """Read log files into ``reader``. Returns ``(files read, errors, new state)``.

    Without ``state`` (None) every file is read entirely and the new state is None. With a state
    (a dict, possibly empty, from a previous run) only what was not read before is read: files are
    recognised by the fingerprint of their first line, so a renamed (access.log -> access.log.1)
    or compressed (access.log.2.gz) file resumes at its saved offset and a new or truncated file
    starts at 0. Only complete lines are consumed; a line still being written is read next time.
    """
    incremental = state is not None
    saved_files = state.get("files") if isinstance(state, dict) else None
    if not isinstance(saved_files, dict):
        saved_files = {}
    files, errors, new_files = [], [], {}
    for path in expand_paths(paths, include_rotated=include_rotated):
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                raise OSError("not a regular file")
            if not incremental:
                try:
                    feed_file(reader, path)
                except DamagedLog as exc:
                    errors.append(_damage(path, exc))
                files.append(path)
                continue
            fp = fingerprint(path)
            if fp is None or fp in new_files:
                continue  # nothing complete yet, or the same content seen under another name
            packed = is_gzip(path)
            saved = saved_files.get(fp)
            offset = _resume_offset(saved, packed, st.st_size)
            if offset is None:  # already read: keep its entry
                new_files[fp] = dict(saved, path=path, inode=st.st_ino)
                continue
            try:
                reached = feed_file(reader, path, offset=offset, complete_only=True)
            except DamagedLog as exc:
                reached = exc.offset
                errors.append(_damage(path, exc))
            files.append(path)
            new_files[fp] = {
                "path": path,
                "inode": st.st_ino,
                "size": st.st_size,
                "offset": reached,
                "gzip": packed,
            }
        except DamagedLog as exc:  # not even one line before the damage
            errors.append(_damage(path, exc))
        except (OSError, EOFError, ValueError) as exc:
            errors.append({"path": path, "error": str(exc) or exc.__class__.__name__})
    return files, errors, ({"version": 1, "files": new_files} if incremental else None)


# --- rotated logs to archive -----------------------------------------------------------------------

#: Most rotated logs listed per run; a directory holding more keeps only the newest (the ones not
#: archived yet) and says so. A year of daily rotations of an access and an error log is about 730.
MAX_ROTATED = 2000
_HASH_BLOCK = 1024 * 1024
_ROTATED_CACHE_KEYS = ("size", "mtime_ns", "inode", "dev")
_SHA1_RE = re.compile(r"^[0-9a-f]{40}$")


def _sha1_of(path: str, st):
    """SHA-1 hex of the regular file ``path`` if it is still the file ``st`` describes; None when
    it became something else (replaced, or a symlink). Opened without following a symlink and
    without blocking on a FIFO put in its place."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if not stat_module.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return None
        digest = hashlib.sha1()  # noqa: S324 - a content name, as ansible.builtin.find gives it
        while True:
            block = handle.read(_HASH_BLOCK)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def list_rotated(directories, cache=None, limit: int = MAX_ROTATED):
    """The rotated logs to archive: the regular ``*.gz`` files directly in ``directories`` (not
    hidden, not recursive, symlinks not followed), as ansible.builtin.find with ``patterns: *.gz``
    lists them. Returns ``(files, new_cache, notes)``: ``files`` sorted by path, each
    ``{path, checksum (SHA-1 hex of its bytes), size, mtime}``; ``notes`` what was left out and why.

    ``cache`` (from the previous run's ``new_cache``) spares hashing a file again: an entry is
    reused when the file's inode, device, size and modification time (ns) are all the same. It is
    keyed by inode, not by path, because logrotate renames access.log.2.gz to access.log.3.gz every
    day without changing it. ``new_cache`` holds the files listed now only (bounded by ``limit``).
    """
    if not isinstance(cache, dict):
        cache = {}
    notes = []
    found = []  # (mtime_ns, path, stat) of the newest ``limit`` files
    total = 0
    seen_dirs = set()
    for directory in directories:
        if os.path.normpath(directory) in seen_dirs:
            continue
        seen_dirs.add(os.path.normpath(directory))
        try:
            entries = os.scandir(directory)
        except OSError as exc:
            notes.append("%s: not listed (%s)" % (directory, exc.strerror or exc))
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not fnmatch.fnmatchcase(name, "*.gz"):
                    continue
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone while listing
                total += 1
                # paths are unique within a directory: the stat result is never compared
                item = (st.st_mtime_ns, entry.path, st)
                if len(found) < limit:
                    heapq.heappush(found, item)
                elif item[:2] > found[0][:2]:
                    heapq.heapreplace(found, item)
    if total > len(found):
        notes.append(
            "%d rotated logs found, more than the %d listed: only the newest %d are listed (archive or"
            " remove the older ones)" % (total, limit, len(found))
        )
    files, new_cache = [], {}
    for _mtime, path, st in sorted(found, key=lambda item: item[1]):
        key = "%d:%d" % (st.st_dev, st.st_ino)
        if key in new_cache:
            continue  # the same file through another spelling of its directory
        entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino, "dev": st.st_dev}
        saved = cache.get(key)
        checksum = None
        if (
            isinstance(saved, dict)
            and all(saved.get(k) == entry[k] for k in _ROTATED_CACHE_KEYS)
            and isinstance(saved.get("sha1"), str)
            and _SHA1_RE.match(saved["sha1"]) is not None
        ):
            checksum = saved["sha1"]
        else:
            try:
                checksum = _sha1_of(path, st)
            except OSError as exc:
                notes.append("%s: not listed (%s)" % (path, exc.strerror or exc))
                continue
            if checksum is None:
                notes.append("%s: not listed (changed into something else than a file)" % path)
                continue
        new_cache[key] = dict(entry, sha1=checksum)
        files.append({"path": path, "checksum": checksum, "size": st.st_size, "mtime": st.st_mtime})
    return files, new_cache, notes
