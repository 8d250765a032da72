"""The os_hardening role refuses inventory values that would end up in apt's sources or AIDE's configuration.

The role runs on this machine in check mode; each refusal comes before any task that could change it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_role(tmp_path: Path, extra: dict) -> subprocess.CompletedProcess:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    court: {ansible_connection: local}\n")
    playbook = tmp_path / "play.yml"
    playbook.write_text("- hosts: court\n  gather_facts: false\n  roles: [pn.website.os_hardening]\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["SOPANSIBLE_DATA"] = str(tmp_path / "data")
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory), str(playbook)]
    command += ["--check", "--tags", "os_updates", "-e", json.dumps(extra)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=300
    )


@pytest.mark.parametrize(
    "mirror",
    [
        "http://deb.debian.org/debian-security bookworm main\ndeb http://evil.example/debian",
        "http://deb.debian.org/debian-security\n",
        "http://deb.debian.org/debian-security [trusted=yes]",
        "file:///srv/mirror",
        "http://-oProxyCommand=x/",
        "http://deb.debian.org/debian-security;touch /tmp/pn-website-pwned",
    ],
)
def test_a_security_mirror_that_is_not_a_plain_url_is_refused(tmp_path, mirror):
    proc = run_role(tmp_path, {"pn_os_hardening_security_mirror": mirror})
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, output[-3000:]
    assert "pn_os_hardening_security_mirror must be a plain http(s) URL" in output


def test_a_plain_security_mirror_passes_the_check(tmp_path):
    proc = run_role(
        tmp_path,
        {"pn_os_hardening_security_mirror": "https://mirror.example.ac.id:8443/debian-security/"},
    )
    output = " ".join((proc.stdout + proc.stderr).split())
    assert "must be a plain http(s) URL" not in output
    assert "Check the security mirror given by the inventory" in output


def test_an_integrity_checksum_that_aide_should_not_trust_is_refused(tmp_path):
    proc = run_role(tmp_path, {"pn_os_hardening_integrity_checksums": ["md5"]})
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, output[-3000:]
    assert "pn_os_hardening_integrity_checksums" in output and "md5" in output
