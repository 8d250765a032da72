# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSH keys, authorized_keys entries and sshd log lines, checked against OpenSSH's own ssh-keygen."""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest

from ansible_collections.pn.website.plugins.module_utils.hardening import ssh_keys

needs_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")


def keygen(tmp_path, kind, name):
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(path)], check=True)
    public = path.with_suffix(".pub").read_text().strip()
    listed = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, check=True)
    return public, listed.stdout.split()[1]


@needs_keygen
@pytest.mark.parametrize("kind, key_type", [("ed25519", "ssh-ed25519"), ("rsa", "ssh-rsa"), ("ecdsa", None)])
def test_fingerprints_match_ssh_keygen(tmp_path, kind, key_type):
    public, expected = keygen(tmp_path, kind, "k")
    key = ssh_keys.parse_key(public)
    assert key["fingerprint"] == expected
    assert key["type"] == (key_type or public.split()[0])
    assert ssh_keys.parse_key(expected) == {"type": None, "fingerprint": expected}
    entry = ssh_keys.parse_authorized_line('from="10.0.0.0/8",no-pty ' + public)
    assert entry["fingerprint"] == expected and entry["options"] == {"from": "10.0.0.0/8", "no-pty": True}


def test_bad_keys_and_lines_are_not_keys():
    ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q"
    assert ssh_keys.parse_key(ed)["type"] == "ssh-ed25519"
    for bad in (
        "",
        "ssh-ed25519",
        "ssh-ed25519 !!!",
        "ssh-rsa " + ed.split()[1],
        "SHA256:short",
        None,
        "x" * 99,
    ):
        assert ssh_keys.parse_key(bad) is None, bad
    for line in ("", "   ", "# comment " + ed, 'command="x" garbage'):
        assert ssh_keys.parse_authorized_line(line) is None
    quoted = ssh_keys.parse_authorized_line('command="echo \\"a b\\", c",restrict ' + ed + " me@host")
    assert quoted["options"] == {"command": 'echo "a b", c', "restrict": True}


def test_from_patterns_follow_sshd():
    assert ssh_keys.address_matches("10.88.0.0/16", "10.88.0.1")
    assert ssh_keys.address_matches("192.0.2.*,10.88.0.?", "10.88.0.1")
    assert not ssh_keys.address_matches("192.0.2.0/24", "10.88.0.1")
    assert not ssh_keys.address_matches("10.88.0.0/16,!10.88.0.1", "10.88.0.1")
    assert not ssh_keys.address_matches("!192.0.2.1", "10.88.0.1")  # a negation alone admits nobody
    assert ssh_keys.address_matches("2001:db8::/32", "2001:db8::7")


def test_entry_problems_name_what_stops_the_key():
    ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q"
    today = datetime.date(2026, 11, 23)

    def problems(options, addr="10.88.0.1", algorithms=None):
        entry = ssh_keys.parse_authorized_line((options + " " if options else "") + ed)
        return ssh_keys.entry_problems(entry, addr, algorithms, today)

    assert problems("") == [] and problems("restrict,no-pty") == []
    assert "excludes 10.88.0.1" in problems('from="192.0.2.0/24"')[0]
    assert "has passed" in problems('expiry-time="20261122"')[0]
    assert problems('expiry-time="20261124"') == []
    assert "forces one command" in problems('command="/usr/bin/rsync"')[0]
    assert "a CA key" in problems("cert-authority")[0]
    assert "does not accept ssh-ed25519" in problems("", algorithms="rsa-sha2-512,rsa-sha2-256")[0]
    assert problems("", algorithms="ssh-ed25519*,rsa-sha2-512") == []
    assert ssh_keys.accepted_types("ssh-rsa", "rsa-sha2-256") and not ssh_keys.accepted_types(
        "ssh-rsa", "ssh-ed25519"
    )


def test_session_login_is_read_from_the_accepted_line_of_this_port():
    lines = [
        "Accepted publickey for sopadmin from 10.88.0.1 port 36010 ssh2: RSA SHA256:" + "A" * 43,
        "Failed publickey for sopadmin from 10.88.0.1 port 36018 ssh2: ED25519 SHA256:" + "C" * 43,
        "Accepted publickey for sopadmin from 10.88.0.1 port 36018 ssh2: ED25519 SHA256:" + "B" * 43,
        "Accepted password for backup from 10.88.0.1 port 36018 ssh2",
        "Accepted password for sopadmin from 10.88.0.9 port 4242 ssh2",
    ]
    assert ssh_keys.session_login(lines, "sopadmin", "10.88.0.1", 36018) == {
        "method": "publickey",
        "type": "ED25519",
        "fingerprint": "SHA256:" + "B" * 43,
    }
    assert ssh_keys.session_login(lines, "sopadmin", "10.88.0.9", "4242")["method"] == "password"
    assert ssh_keys.session_login(lines, "sopadmin", "10.88.0.2", 36018) is None
    assert ssh_keys.session_login([], "sopadmin", "10.88.0.1", 1) is None
