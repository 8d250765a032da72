# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where requests and sessions come from: Googlebot's published address ranges and Google's DNS
check, trusted addresses (counted in the summary, never reported), and the address of the SSH
client a module runs for (the controller, as the court server sees it).

Standard library only, Python 3.8+ (runs on court servers).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket

from ansible_collections.pn.website.plugins.module_utils.logs import rule_data

# --- Googlebot verification ----------------------------------------------------------------------

_GOOGLEBOT_V4_NETWORKS = tuple(ipaddress.ip_network(n) for n in rule_data.GOOGLEBOT_IPV4)
_GOOGLEBOT_V6_NETWORK = ipaddress.ip_network(rule_data.GOOGLEBOT_IPV6_PREFIX + "::/48")


def in_google_ranges(ip: str) -> bool:
    """True if ``ip`` lies in the copy of Googlebot's published ranges."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if addr.version == 4:
        return any(addr in net for net in _GOOGLEBOT_V4_NETWORKS)
    if addr not in _GOOGLEBOT_V6_NETWORK:
        return False
    group = (int(addr) >> 64) & 0xFFFF
    return any(lo <= group <= hi for lo, hi in rule_data.GOOGLEBOT_IPV6_SUBNETS)


def _system_resolver():
    def reverse(ip):
        return socket.gethostbyaddr(ip)[0]

    def forward(name):
        return {info[4][0] for info in socket.getaddrinfo(name, None)}

    return reverse, forward


def verify_googlebot_dns(ip: str, resolver=None) -> bool | None:
    """Google's documented check: reverse DNS in googlebot.com/google.com and forward DNS back to
    the same address. None when DNS gives no answer (unknown)."""
    reverse, forward = resolver or _system_resolver()
    try:
        name = reverse(ip).rstrip(".").lower()
    except (OSError, ValueError):
        return None
    if not name.endswith(rule_data.GOOGLEBOT_DNS_SUFFIXES):
        return False
    try:
        addresses = forward(name)
    except (OSError, ValueError):
        return None
    return ip in addresses


# --- trusted sources -----------------------------------------------------------------------------


def parse_trusted(addresses) -> tuple:
    """Networks of trusted sources ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32"); a clear
    ValueError names the entry that is not an address or network."""
    if isinstance(addresses, (str, bytes)):
        addresses = [addresses]
    networks = []
    for entry in addresses or ():
        text = entry.decode("ascii", "replace") if isinstance(entry, bytes) else str(entry)
        text = text.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError("trusted address %r is not an IP address or network" % text) from None
    return tuple(networks)


def is_trusted(ip: str, networks) -> bool:
    """True if the address ``ip`` (as logged) lies in one of the trusted ``networks``."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    for net in networks:
        if addr.version == net.version and addr in net:
            return True
        if mapped is not None and net.version == 4 and mapped in net:
            return True
    return False


# --- the SSH client -------------------------------------------------------------------------------

_SSH_LOGIN_RE = re.compile(r"Accepted \S+ for \S+ from (\S+) port \d+")


def _login_messages(pids) -> str:
    """sshd's log messages of the given processes, newest first (journald, else auth.log)."""
    import subprocess

    for journalctl in ("/usr/bin/journalctl", "/bin/journalctl"):
        if os.path.exists(journalctl):
            try:
                proc = subprocess.run(
                    [journalctl, "-o", "cat", "--no-pager", "-q", "-r", "-n", "200"]
                    + ["_PID=%d" % pid for pid in pids],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    timeout=20,
                    check=False,
                )
                if proc.stdout:
                    return proc.stdout.decode("utf-8", "replace")
            except (OSError, subprocess.SubprocessError):
                pass
            break
    tags = tuple("sshd[%d]:" % pid for pid in pids) + tuple("sshd-session[%d]:" % pid for pid in pids)
    try:
        with open("/var/log/auth.log", "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(line for line in reversed(lines) if any(tag in line for tag in tags))


def ssh_client_address(environ=None, proc_root: str = "/proc", max_depth: int = 32, messages=None):
    """Address of the SSH client this process runs for (the controller as the server sees it),
    None when not run over SSH. In order: SSH_CONNECTION or SSH_CLIENT of this process; of the
    nearest ancestor whose environment is readable (sudo resets the environment); the "Accepted
    ... from ADDRESS" login message of the ancestor sshd processes (``messages(pids)``, by default
    from journald or /var/log/auth.log), for servers where the environment of other processes is
    not readable."""

    def pick(value):
        words = value.split()
        if not words:
            return None
        text = words[0].decode("ascii", "replace") if isinstance(words[0], bytes) else words[0]
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return None

    env = os.environ if environ is None else environ
    for key in ("SSH_CONNECTION", "SSH_CLIENT"):
        if env.get(key):
            return pick(env[key])
    sshd = []
    pid = os.getppid()
    for _unused in range(max_depth):
        if pid <= 1:
            break
        try:
            with open("%s/%d/stat" % (proc_root, pid), "rb") as handle:
                stat = handle.read()
        except OSError:
            break
        try:
            with open("%s/%d/environ" % (proc_root, pid), "rb") as handle:
                items = handle.read().split(b"\0")
        except OSError:
            items = []
        for key in (b"SSH_CONNECTION=", b"SSH_CLIENT="):
            for item in items:
                if item.startswith(key):
                    return pick(item[len(key) :])
        name, _sep, rest = stat.partition(b"(")[2].rpartition(b")")
        if name.startswith(b"sshd"):
            sshd.append(pid)
        try:
            pid = int(rest.split()[1])  # "pid (comm) state ppid ..."
        except (IndexError, ValueError):
            break
    if not sshd:
        return None
    for line in (messages or _login_messages)(sshd).splitlines():
        found = _SSH_LOGIN_RE.search(line)
        if found:
            return pick(found.group(1))
    return None
