# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rotated logs to archive: listed as ansible.builtin.find lists ``*.gz``, checksums kept
across runs while a file is unchanged (also when logrotate renames it)."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import types
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.logs import log_files


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - what ansible.builtin.find's checksum is


def checksum_of(files, path) -> str:
    return next(f for f in files if f["path"] == str(path))["checksum"]


def gz(path, text):
    path.write_bytes(gzip.compress(text.encode()))
    return path


@pytest.fixture()
def logdir(tmp_path):
    d = tmp_path / "nginx"
    d.mkdir()
    gz(d / "access.log.2.gz", "a\n" * 100)
    gz(d / "error.log.2.gz", "e\n")
    (d / "access.log").write_text("live\n")
    (d / "access.log.1").write_text("plain rotation\n")
    return d


class CountingSha1:
    """The engine's hashlib, its sha1 counting the files hashed (the tests' own hashlib untouched)."""

    def __init__(self, monkeypatch):
        self.calls = 0

        def sha1(*args, **kwargs):
            self.calls += 1
            return hashlib.sha1(*args, **kwargs)  # noqa: S324

        monkeypatch.setattr(log_files, "hashlib", types.SimpleNamespace(sha1=sha1, sha256=hashlib.sha256))


def test_lists_the_gz_files_with_their_sha1(logdir):
    files, cache, notes = log_files.list_rotated([str(logdir)])
    assert notes == []
    assert [f["path"] for f in files] == [str(logdir / "access.log.2.gz"), str(logdir / "error.log.2.gz")]
    for f in files:
        with open(f["path"], "rb") as handle:
            data = handle.read()
        assert f["checksum"] == sha1(data)
        assert f["size"] == len(data)
        assert f["mtime"] == os.stat(f["path"]).st_mtime
    assert len(cache) == 2


def test_not_recursive_not_hidden_only_regular_files_no_symlinks(logdir, tmp_path, monkeypatch):
    outside = gz(tmp_path / "secret.gz", "outside the log directory\n")
    (logdir / "link.gz").symlink_to(outside)
    (logdir / "dangling.gz").symlink_to(tmp_path / "missing.gz")
    (logdir / "dir.gz").mkdir()
    gz(logdir / "dir.gz" / "nested.gz", "nested\n")
    sub = logdir / "old"
    sub.mkdir()
    gz(sub / "access.log.9.gz", "deeper\n")
    gz(logdir / ".hidden.gz", "hidden\n")
    os.mkfifo(logdir / "fifo.gz")
    monkeypatch.chdir(logdir)  # a socket's path is at most 107 bytes: bound by its relative name
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock.gz")
        files, _cache, notes = log_files.list_rotated([str(logdir)])
    assert [os.path.basename(f["path"]) for f in files] == ["access.log.2.gz", "error.log.2.gz"]
    assert notes == []


def test_a_file_replaced_by_a_symlink_after_listing_is_not_read(logdir, tmp_path):
    """Between listing and hashing, a symlink put in place of the file is not followed."""
    outside = gz(tmp_path / "secret.gz", "outside\n")
    st = os.stat(logdir / "access.log.2.gz")
    os.unlink(logdir / "access.log.2.gz")
    (logdir / "access.log.2.gz").symlink_to(outside)
    with pytest.raises(OSError):
        log_files._sha1_of(str(logdir / "access.log.2.gz"), st)
    # a regular file in its place is another file: not hashed under the old one's listing
    os.unlink(logdir / "access.log.2.gz")
    gz(logdir / "access.log.2.gz", "another\n")
    assert log_files._sha1_of(str(logdir / "access.log.2.gz"), os.stat(outside)) is None


def test_a_missing_directory_is_a_note_and_duplicates_are_listed_once(logdir, tmp_path):
    files, _cache, notes = log_files.list_rotated([str(logdir), str(logdir) + "/", str(tmp_path / "none")])
    assert len(files) == 2
    assert len(notes) == 1 and str(tmp_path / "none") in notes[0]


def test_the_cache_spares_hashing_an_unchanged_file_even_renamed(logdir, monkeypatch):
    counting = CountingSha1(monkeypatch)
    first, cache, _notes = log_files.list_rotated([str(logdir)])
    assert counting.calls == 2
    again, cache2, _notes = log_files.list_rotated([str(logdir)], cache)
    assert counting.calls == 2  # nothing hashed again
    assert again == first and cache2 == cache
    # logrotate: access.log.2.gz -> access.log.3.gz, the same inode, size and time
    os.rename(logdir / "access.log.2.gz", logdir / "access.log.3.gz")
    renamed, cache3, _notes = log_files.list_rotated([str(logdir)], cache2)
    assert counting.calls == 2
    assert {f["checksum"] for f in renamed} == {f["checksum"] for f in first}
    assert str(logdir / "access.log.3.gz") in [f["path"] for f in renamed]
    assert cache3 == cache2


def test_the_cache_is_reused_only_when_every_key_matches(logdir, monkeypatch):
    counting = CountingSha1(monkeypatch)
    target = logdir / "access.log.2.gz"
    _files, cache, _notes = log_files.list_rotated([str(target.parent)])
    st = os.stat(target)
    # Same size, same modification time, other bytes (in place): the cached checksum is kept (the
    # price of not reading every file every day; logrotate never rewrites a .gz in place).
    data = bytearray(target.read_bytes())
    data[-8] ^= 0xFF
    with open(target, "r+b") as handle:
        handle.write(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    calls = counting.calls
    files, cache, _notes = log_files.list_rotated([str(logdir)], cache)
    assert counting.calls == calls
    assert checksum_of(files, target) != sha1(bytes(data))
    # Another modification time: hashed again.
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    files, cache, _notes = log_files.list_rotated([str(logdir)], cache)
    assert counting.calls == calls + 1
    assert checksum_of(files, target) == sha1(bytes(data))
    # Another size: hashed again.
    with open(target, "ab") as handle:
        handle.write(b"\0")
    files, cache, _notes = log_files.list_rotated([str(logdir)], cache)
    assert counting.calls == calls + 2
    assert checksum_of(files, target) == sha1(target.read_bytes())
    # Another file (new inode) with the same size and time: hashed again.
    st = os.stat(target)
    replacement = logdir / "new.tmp"
    replacement.write_bytes(bytes(st.st_size))
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(replacement, target)
    files, cache, _notes = log_files.list_rotated([str(logdir)], cache)
    assert counting.calls == calls + 3
    assert checksum_of(files, target) == sha1(bytes(st.st_size))


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"x": "not an entry"},
        "garbage",
    ],
)
def test_a_cache_of_another_shape_is_ignored(logdir, bad):
    files, cache, _notes = log_files.list_rotated([str(logdir)], bad)
    assert len(files) == 2 and len(cache) == 2


def test_a_forged_cache_entry_is_not_trusted_as_a_checksum(logdir):
    _files, cache, _notes = log_files.list_rotated([str(logdir)])
    for entry in cache.values():
        entry["sha1"] = "../../../etc/passwd"
    files, _cache, _notes = log_files.list_rotated([str(logdir)], cache)
    assert all(f["checksum"] == sha1(Path(f["path"]).read_bytes()) for f in files)


def test_the_cap_keeps_the_newest_and_says_so(tmp_path, monkeypatch):
    counting = CountingSha1(monkeypatch)
    for i in range(12):
        path = gz(tmp_path / ("access.log.%d.gz" % i), "line %d\n" % i)
        os.utime(path, (1_700_000_000 + 86400 * (12 - i), 1_700_000_000 + 86400 * (12 - i)))
    files, cache, notes = log_files.list_rotated([str(tmp_path)], limit=5)
    assert sorted(os.path.basename(f["path"]) for f in files) == ["access.log.%d.gz" % i for i in range(5)]
    assert counting.calls == 5 and len(cache) == 5  # the others are not read
    assert len(notes) == 1 and "12 rotated logs found" in notes[0] and "newest 5" in notes[0]
