# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSH public keys, authorized_keys entries and sshd's login log lines (the SSH lockout guard).

Pure functions, standard library only (runs on court servers, Python 3.8+). Used by
:func:`hardening_audit.ssh_login_problems` to tell whether the key Ansible logs in with stays usable for
its account under a candidate sshd configuration: authorized (by fingerprint, not "some key is there"),
not limited by ``from=`` to other addresses, not expired, without a forced command, and of a type that
``PubkeyAcceptedAlgorithms`` still accepts.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import fnmatch
import hashlib
import ipaddress
import re
import struct

_KEY_TYPE = re.compile(
    r"^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com"
    r"|sk-ecdsa-sha2-nistp256@openssh\.com|[a-z0-9-]+-cert-v01@openssh\.com)$"
)
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}=?$")
#: Signature algorithms that can authenticate a key of each type (PubkeyAcceptedAlgorithms names them).
ALGORITHMS = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
    "ssh-rsa-cert-v01@openssh.com": (
        "rsa-sha2-512-cert-v01@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com",
        "ssh-rsa-cert-v01@openssh.com",
    ),
}
#: sshd's log line of a successful login (LogLevel INFO and above).
_ACCEPTED = re.compile(
    r"Accepted (?P<method>\S+) for (?P<user>\S+) from (?P<addr>\S+) port (?P<port>\d+) ssh2"
    r"(?:: (?P<type>\S+) (?P<fingerprint>SHA256:[A-Za-z0-9+/]+=?))?"
)
MAX_KEY_LINE = 16384


def fingerprint(blob):
    """OpenSSH's SHA256 fingerprint of a key blob: ``SHA256:`` and unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _decode(data):
    try:
        blob = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    # The blob starts with its own key type as an SSH string.
    if len(blob) < 4:
        return None
    (size,) = struct.unpack(">I", blob[:4])
    if size > len(blob) - 4:
        return None
    return blob[4 : 4 + size].decode("ascii", "replace"), blob


def parse_key(text):
    """A public key ``TYPE BASE64 [comment]`` (or a ``SHA256:`` fingerprint) as {type, fingerprint}.

    Returns None when ``text`` is neither.
    """
    text = str(text or "").strip()
    if _FINGERPRINT.match(text):
        return {"type": None, "fingerprint": text.rstrip("=")}
    parts = text.split()
    if len(parts) < 2 or not _KEY_TYPE.match(parts[0]) or len(parts[1]) > MAX_KEY_LINE:
        return None
    decoded = _decode(parts[1])
    if decoded is None or decoded[0] != parts[0]:
        return None
    return {"type": parts[0], "fingerprint": fingerprint(decoded[1])}


def split_options(text):
    """The leading options of an authorized_keys line and the rest: (options text, rest)."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif char in " \t" and not quoted:
            return text[:index], text[index:].strip()
    return text, ""


def parse_options(text):
    """``opt1,opt2="value, with comma"`` as {name (lower case): value or True}; repeated names kept last."""
    options = {}
    for match in re.finditer(r'([A-Za-z0-9-]+)(?:="((?:[^"\\]|\\.)*)")?(?:,|$)', text):
        name, value = match.group(1).lower(), match.group(2)
        options[name] = True if value is None else value.replace('\\"', '"')
    return options


def parse_authorized_line(line):
    """One authorized_keys line as {options, type, fingerprint}; None for blank, comment or bad lines."""
    line = (line or "").strip()
    if not line or line.startswith("#") or len(line) > MAX_KEY_LINE:
        return None
    options = {}
    if not _KEY_TYPE.match(line.split()[0]):
        head, line = split_options(line)
        options = parse_options(head)
    key = parse_key(line)
    if key is None or key["type"] is None:
        return None
    return {"options": options, "type": key["type"], "fingerprint": key["fingerprint"]}


def address_matches(patterns, addr):
    """Whether ``addr`` matches an sshd pattern list (``from=`` option): wildcards, CIDR, ``!`` negation.

    Host name patterns are matched against the address only (sshd would also try the reverse name when
    UseDNS is on); a pattern list no entry of which matches means the key is refused from ``addr``.
    """
    try:
        ip = ipaddress.ip_address((addr or "").strip())
    except ValueError:
        ip = None
    matched = False
    for pattern in (p.strip() for p in patterns.split(",")):
        if not pattern:
            continue
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        hit = False
        if "/" in pattern and ip is not None:
            try:
                hit = ip in ipaddress.ip_network(pattern, strict=False)
            except ValueError:
                hit = False
        else:
            hit = fnmatch.fnmatchcase(addr or "", pattern)
        if hit and negate:
            return False
        matched = matched or hit
    return matched


def _expired(value, today):
    digits = re.sub(r"[^0-9]", "", str(value))
    if len(digits) < 8:
        return False
    try:
        when = datetime.datetime.strptime(digits[:8], "%Y%m%d").date()
    except ValueError:
        return False
    return when < today


def accepted_types(key_type, algorithms):
    """Whether a key of ``key_type`` can sign with one of ``algorithms`` (PubkeyAcceptedAlgorithms)."""
    wanted = ALGORITHMS.get(key_type, (key_type,))
    offered = [a.strip() for a in (algorithms or "").split(",") if a.strip()]
    return any(fnmatch.fnmatchcase(name, pattern) for name in wanted for pattern in offered)


def entry_problems(entry, addr=None, algorithms=None, today=None):
    """Why an authorized_keys entry would not let Ansible in ([] when it would)."""
    problems = []
    options = entry.get("options") or {}
    if "cert-authority" in options:
        return ["cert-authority: kunci CA, bukan kunci login / a CA key, not a login key"]
    if options.get("from") and addr and not address_matches(str(options["from"]), addr):
        problems.append('from="%s" tidak memuat / excludes %s' % (options["from"], addr))
    if options.get("expiry-time") and _expired(options["expiry-time"], today or datetime.date.today()):
        problems.append("expiry-time=%s sudah lewat / has passed" % options["expiry-time"])
    if options.get("command"):
        problems.append(
            'command="..." memaksa satu perintah; modul Ansible tidak bisa berjalan / '
            "forces one command: Ansible's modules cannot run"
        )
    if algorithms is not None and not accepted_types(entry["type"], algorithms):
        problems.append(
            "PubkeyAcceptedAlgorithms tidak menerima / does not accept %s (%s)" % (entry["type"], algorithms)
        )
    return problems


def session_login(lines, user, addr, port):
    """How the SSH session from ``addr``:``port`` logged in as ``user``, from sshd's log lines.

    Returns {"method", "type", "fingerprint"} of the newest matching ``Accepted ...`` line, or None.
    """
    found = None
    port = str(port)
    for line in lines:
        if "Accepted " not in line:
            continue
        match = _ACCEPTED.search(line)
        if not match or match.group("user") != user or match.group("port") != port:
            continue
        if addr and match.group("addr") != addr:
            continue
        found = {
            "method": match.group("method"),
            "type": match.group("type"),
            "fingerprint": match.group("fingerprint"),
        }
    return found
