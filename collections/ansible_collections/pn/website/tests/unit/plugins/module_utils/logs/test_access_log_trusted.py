# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trusted sources (the monitor's own probes) are counted but never reported."""

from __future__ import annotations

import pytest

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import addresses
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)

CONTROLLER = "10.88.0.1"
STRANGER = "5.188.62.140"


def probe(ip, offset=0, target="/", status=200):
    return corpus.line(ip, corpus.START + offset, "GET", target, status, 900, "-", corpus.GOOGLEBOT_UA)


def data(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_googlebot_probe_from_trusted_address_is_counted_not_flagged():
    log = data([probe(CONTROLLER, 0), probe(CONTROLLER, 60), probe(STRANGER, 120)])
    result = al.analyze_bytes(log, trusted=[CONTROLLER])
    assert [(f["rule"], f["ip"]) for f in result["findings"]] == [("fake-googlebot", STRANGER)]
    assert result["summary"]["requests"] == 3
    assert {v["ip"]: v["count"] for v in result["summary"]["top_visitors"]} == {CONTROLLER: 2, STRANGER: 1}
    untrusted = al.analyze_bytes(log)
    assert sorted(f["ip"] for f in untrusted["findings"]) == [CONTROLLER, STRANGER]


def test_trusted_networks_cover_every_rule_but_keep_the_summary():
    attack = []
    for rule in corpus.ATTACKERS:
        attack.extend(corpus.attack_lines(rule))
    lines = [x.replace(x.split(" ", 1)[0], "10.20.0.7", 1) for x in attack]
    result = al.analyze_bytes(data(lines), trusted=["10.20.0.0/16"])
    assert result["findings"] == []
    assert result["summary"]["requests"] == len(lines)
    # Not-found paths still show up in the summary.
    assert result["summary"]["top_not_found"]
    assert al.analyze_bytes(data(lines))["findings"]


def test_ipv6_and_mapped_addresses():
    nets = addresses.parse_trusted(["2001:db8::/32", "192.0.2.0/24"])
    assert addresses.is_trusted("2001:db8::5", nets)
    assert addresses.is_trusted("::ffff:192.0.2.9", nets)
    assert not addresses.is_trusted("2001:db9::5", nets)
    assert not addresses.is_trusted("not-an-ip", nets)


def test_bad_trusted_entry_is_a_clear_error():
    with pytest.raises(ValueError, match="'bogus' is not an IP address"):
        al.analyze_bytes(b"", trusted=["bogus"])


def test_controller_address_from_environment_or_ancestor(tmp_path):
    assert addresses.ssh_client_address({"SSH_CONNECTION": "10.88.0.1 40000 10.88.0.5 22"}) == "10.88.0.1"
    assert addresses.ssh_client_address({"SSH_CLIENT": "2001:db8::1 40000 22"}) == "2001:db8::1"
    assert addresses.ssh_client_address({"SSH_CLIENT": "garbage"}) is None
    # sudo resets the environment: the address is found in an ancestor (fake /proc tree).
    import os

    me = os.getppid()
    chain = {
        me: (4242, b"PATH=/usr/bin\0SUDO_USER=sopadmin\0"),
        4242: (1, b"SSH_CONNECTION=10.88.0.9 1 2 22\0"),
    }
    for pid, (ppid, env) in chain.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "environ").write_bytes(env)
        (tmp_path / str(pid) / "stat").write_bytes(b"%d (sudo (x)) S %d 1 1" % (pid, ppid))
    assert addresses.ssh_client_address({}, proc_root=str(tmp_path)) == "10.88.0.9"
    # Environments not readable (containers): the login message of the ancestor sshd.
    for pid in chain:
        (tmp_path / str(pid) / "environ").unlink()
    (tmp_path / "4242" / "stat").write_bytes(b"4242 (sshd) S 1 1 1")
    asked = []

    def messages(pids):
        asked.append(pids)
        return "Received disconnect\nAccepted publickey for sopadmin from 10.88.0.7 port 5 ssh2: ED25519\n"

    assert addresses.ssh_client_address({}, proc_root=str(tmp_path), messages=messages) == "10.88.0.7"
    assert asked == [[4242]]
    assert addresses.ssh_client_address({}, proc_root=str(tmp_path), messages=lambda pids: "") is None
    chain_no_ssh = tmp_path / "none"
    chain_no_ssh.mkdir()
    assert addresses.ssh_client_address({}, proc_root=str(chain_no_ssh)) is None
