"""Read an Ansible inventory the way ansible-playbook sees it (group_vars applied)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sopansible.paths import PROJECT_ROOT, engine

_redact = engine("redact")

COURTS_GROUP = "courts"
_SECRET = re.compile(r"pass(word)?|secret|token|private|(^|_)key$|credential", re.IGNORECASE)
SHARED_HOSTING_GROUP = "shared_hosting"


class InventoryError(Exception):
    """The inventory cannot be read at all (missing path, syntax error)."""


@dataclass
class Inventory:
    source: str
    hostvars: dict[str, dict]
    groups: dict[str, set[str]] = field(default_factory=dict)

    @property
    def courts(self) -> list[str]:
        return sorted(self.groups.get(COURTS_GROUP, set()))

    def in_group(self, host: str, group: str) -> bool:
        return host in self.groups.get(group, set())

    def court_vars(self, host: str) -> dict:
        return {k: v for k, v in self.hostvars.get(host, {}).items() if k.startswith("court_")}

    def public_court_vars(self, host: str) -> dict:
        """The court's variables without secrets, for the history store and reports."""
        return redact(self.court_vars(host))


def redact(value):
    """VALUE with every password, secret, token or key (and vault-encrypted value) removed."""
    if isinstance(value, dict):
        if "__ansible_vault" in value:
            return None
        return {k: redact(v) for k, v in value.items() if not (isinstance(k, str) and _SECRET.search(k))}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return _redact.redact_text(value)  # e.g. a repository URL with user:password@


def _ansible_bin(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def _members(listing: dict, group: str, seen: set[str] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if group in seen:
        return set()
    seen.add(group)
    entry = listing.get(group, {})
    hosts = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts |= _members(listing, child, seen)
    return hosts


def load(
    sources: str | os.PathLike | list,
    limit: str | None = None,
    vault_password_file: str | None = None,
) -> Inventory:
    """Run ``ansible-inventory --list`` on SOURCES and return hosts, groups and merged variables.

    LIMIT is an Ansible host pattern (``pn-*:&region_pt_bengkulu:!pn-manna``), applied by Ansible.
    """
    sources = [str(s) for s in (sources if isinstance(sources, list) else [sources])]
    source = ",".join(sources)
    command = [_ansible_bin("ansible-inventory"), "--list"]
    for path in sources:
        if not Path(path).exists():
            raise InventoryError(f"inventori tidak ditemukan / inventory not found: {path}")
        command += ["-i", str(Path(path).resolve())]
    if limit:
        command += ["--limit", limit]
    if vault_password_file:
        command += ["--vault-password-file", str(Path(vault_password_file).expanduser().resolve())]
    env = dict(
        os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="true", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true"
    )
    env.setdefault("ANSIBLE_CONFIG", str(PROJECT_ROOT / "ansible.cfg"))
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, check=False)
    if proc.returncode != 0:
        detail = "\n".join(line for line in proc.stderr.splitlines() if line.strip())
        raise InventoryError(f"inventori tidak dapat dibaca / inventory cannot be read: {source}\n{detail}")
    listing = json.loads(proc.stdout)
    hostvars = listing.get("_meta", {}).get("hostvars", {})
    groups = {name: _members(listing, name) for name in listing if name != "_meta"}
    for host in _members(listing, "all"):
        hostvars.setdefault(host, {})
    return Inventory(source=source, hostvars=hostvars, groups=groups)


def check(inventory: Inventory) -> list:
    """Contract problems of every court (hosts of the ``courts`` group); none if there are no courts."""
    contract = engine("court_contract")
    problems = []
    for host in inventory.courts:
        problems.extend(
            contract.validate_court(
                host,
                inventory.court_vars(host),
                shared_hosting=inventory.in_group(host, SHARED_HOSTING_GROUP),
            )
        )
    return problems
