# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incremental reading across logrotate: nothing read twice, nothing skipped."""

from __future__ import annotations

import gzip
import json
import os

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import log_files
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)


class Site:
    """Writes numbered requests to a log directory the way a web server and logrotate do."""

    def __init__(self, directory):
        self.dir = directory
        self.log = os.path.join(directory, "access.log")
        self.written = 0

    def write(self, n, partial=False):
        with open(self.log, "a", encoding="utf-8") as handle:
            for i in range(n):
                self.written += 1
                ip = "10.1.0.%d" % (self.written % 250 + 1)
                text = corpus.line(ip, corpus.START + self.written, "GET", "/n/%d" % self.written, 200, 100)
                handle.write(text + ("" if partial and i == n - 1 else "\n"))

    def finish_partial(self):
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write("\n")

    def rotate(self, keep=4):
        """logrotate with delaycompress: .1 stays plain, older ones are gzipped."""
        for i in range(keep, 0, -1):
            for suffix in (".gz", ""):
                src = "%s.%d%s" % (self.log, i, suffix)
                if os.path.exists(src):
                    if i == 1:
                        with open(src, "rb") as plain, gzip.open("%s.2.gz" % self.log, "wb") as packed:
                            packed.write(plain.read())
                        os.remove(src)
                    else:
                        os.replace(src, "%s.%d%s" % (self.log, i + 1, suffix))
        os.replace(self.log, self.log + ".1")
        open(self.log, "w").close()

    def copytruncate(self):
        with open(self.log, "r+b") as handle:
            handle.truncate(0)


def seen_paths(result):
    return {p["path"] for p in result["summary"]["top_pages"]}


def run(site, state):
    result, new_state = al.analyze([site.log], state=state, include_rotated=True, top=1000)
    assert result["errors"] == []
    json.dumps(new_state)  # the state must travel as JSON (Ansible facts, files)
    return result, new_state


def test_logrotate_sequence_reads_each_line_once(tmp_path):
    site = Site(str(tmp_path))
    site.write(100)
    total = 0
    seen = set()

    def step(expected):
        nonlocal state, total
        result, state = run(site, state)
        assert result["lines"] == expected
        assert result["malformed"] == 0
        paths = seen_paths(result)
        assert not paths & seen, "lines read twice"
        seen.update(paths)
        total += result["lines"]

    state = {}
    step(100)  # first run reads everything there is
    step(0)  # nothing new
    site.write(50)
    step(50)
    site.write(10)  # written just before rotation, not yet read
    site.rotate()
    site.write(30)
    step(40)  # the rest of access.log.1 and the new access.log
    site.write(5)
    site.rotate()  # access.log.1 -> access.log.2.gz, access.log -> access.log.1
    site.rotate()  # and again: .2.gz -> .3.gz, .1 -> .2.gz
    site.write(20)
    step(25)  # 5 unread lines now inside access.log.2.gz, 20 in the new file
    assert os.path.exists(site.log + ".3.gz")
    site.write(3, partial=True)  # last line still being written
    step(2)
    site.finish_partial()
    step(1)
    site.copytruncate()
    site.write(4)
    step(4)
    assert total == site.written
    assert seen == {"/n/%d" % i for i in range(1, site.written + 1)}
    entries = state["files"].values()
    assert site.log in {e["path"] for e in entries}
    for entry in entries:
        assert set(entry) >= {"inode", "size", "offset", "path"}


def test_without_state_everything_is_read(tmp_path):
    site = Site(str(tmp_path))
    site.write(10)
    site.rotate()
    site.rotate()
    site.write(7)
    result, state = al.analyze([site.log], include_rotated=True)
    assert state is None
    assert result["lines"] == 17
    assert [os.path.basename(f) for f in result["files"]] == ["access.log.2.gz", "access.log.1", "access.log"]


def test_rotated_files_listed_oldest_first(tmp_path):
    for name in (
        "access.log",
        "access.log.1",
        "access.log.2.gz",
        "access.log.10.gz",
        "access.log.old",
        "other.log.1",
    ):
        (tmp_path / name).write_text("")
    paths = log_files.expand_paths([str(tmp_path / "access.log")], include_rotated=True)
    assert [os.path.basename(p) for p in paths] == [
        "access.log.10.gz",
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    assert log_files.expand_paths([str(tmp_path / "*.log")]) == [str(tmp_path / "access.log")]


def test_same_content_under_two_names_read_once(tmp_path):
    site = Site(str(tmp_path))
    site.write(12)
    site.rotate()
    # logrotate compressing: for a moment both access.log.2 and access.log.2.gz exist
    with open(site.log + ".1", "rb") as plain:
        data = plain.read()
    (tmp_path / "access.log.2.gz").write_bytes(gzip.compress(data))
    result, _unused = al.analyze([site.log], state={}, include_rotated=True)
    assert result["lines"] == 12


def test_corrupt_state_is_ignored(tmp_path):
    site = Site(str(tmp_path))
    site.write(6)
    for state in ({"files": {"x": "y"}}, {"files": []}, {"bogus": 1}):
        result, new_state = al.analyze([site.log], state=state)
        assert result["lines"] == 6
        assert len(new_state["files"]) == 1


def test_compressed_rotations_are_not_decompressed_again(tmp_path, monkeypatch):
    site = Site(str(tmp_path))
    site.write(20)
    site.rotate()
    site.rotate()  # access.log.2.gz holds the 20 lines
    site.write(5)
    _result, state = al.analyze([site.log], state={}, include_rotated=True)
    opened = []
    original = log_files.feed_file

    def feed_file(reader, path, offset=0, complete_only=False):
        opened.append(os.path.basename(path))
        return original(reader, path, offset=offset, complete_only=complete_only)

    monkeypatch.setattr(log_files, "feed_file", feed_file)
    site.write(2)
    result, state = al.analyze([site.log], state=state, include_rotated=True)
    assert result["lines"] == 2
    assert "access.log.2.gz" not in opened
    assert any(entry["path"].endswith(".2.gz") for entry in state["files"].values())
