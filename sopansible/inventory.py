"""Read an Ansible inventory the way ansible-playbook sees it (group_vars applied).

``ansible-inventory`` runs bounded: an inventory is not always the team's own work (a court
registry, a file another office edits), and a YAML alias bomb or a vault password script that never
answers must not hang every command. It gets SOPANSIBLE_INVENTORY_TIMEOUT seconds (DEFAULT_TIMEOUT)
and its listing at most MAX_LISTING bytes; beyond either it is stopped with a clear error.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.pn.website.plugins.module_utils.inventory import court_contract, court_registry
from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact
from sopansible.paths import PROJECT_ROOT

COURTS_GROUP = "courts"
SHARED_HOSTING_GROUP = "shared_hosting"
#: Seconds ``ansible-inventory`` may take (environment: SOPANSIBLE_INVENTORY_TIMEOUT).
DEFAULT_TIMEOUT = 120.0
#: Largest ``ansible-inventory --list`` output read back: a fleet of a thousand courts is a few MiB.
MAX_LISTING = 256 * 1024 * 1024
#: First line of an inventory written by ``sopansible inventory generate`` (its data is registry data).
GENERATED_HEADER = "# Dibuat oleh `sopansible inventory generate`"
_SECRET = court_contract.SECRET_NAME


class InventoryError(Exception):
    """The inventory cannot be read at all (missing path, syntax error)."""


@dataclass
class Inventory:
    source: str
    hostvars: dict[str, dict]
    groups: dict[str, set[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    limit: str | None = None

    @property
    def courts(self) -> list[str]:
        return sorted(self.groups.get(COURTS_GROUP, set()))

    def in_group(self, host: str, group: str) -> bool:
        return host in self.groups.get(group, set())

    def court_vars(self, host: str) -> dict:
        return {k: v for k, v in self.hostvars.get(host, {}).items() if k.startswith("court_")}

    def contract_vars(self, host: str) -> dict:
        """The variables the court contract checks: court_* and the connection values."""
        connection = court_contract.CONNECTION_VARIABLES
        return {
            k: v for k, v in self.hostvars.get(host, {}).items() if k.startswith("court_") or k in connection
        }

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


def inventory_timeout() -> float:
    """Seconds ``ansible-inventory`` may take: SOPANSIBLE_INVENTORY_TIMEOUT or DEFAULT_TIMEOUT."""
    text = os.environ.get("SOPANSIBLE_INVENTORY_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:
        raise InventoryError(
            f"SOPANSIBLE_INVENTORY_TIMEOUT={text!r}: harus detik 1-86400 / must be seconds 1-86400"
        )
    return value


def _limit_output(max_bytes: int):
    def limit() -> None:  # runs in the child before exec: no file it writes grows past MAX_BYTES
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


def _tail(handle, size: int = 65536) -> str:
    handle.seek(0, os.SEEK_END)
    handle.seek(max(0, handle.tell() - size))
    return handle.read().decode("utf-8", "replace")


def _run_bounded(command: list[str], env: dict, source: str, timeout: float, max_listing: int) -> str:
    """stdout of COMMAND, stopped (with its children) after TIMEOUT s or MAX_LISTING bytes."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,  # a process group: its helpers (vault scripts) stop with it
            preexec_fn=_limit_output(max_listing),
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise InventoryError(
                f"ansible-inventory tidak selesai dalam {timeout:g} detik / did not finish within "
                f"{timeout:g} s: {source}\n"
                "Mungkin bom alias YAML ('billion laughs') di berkas variabel, atau skrip kata sandi vault "
                "yang tidak menjawab; inventori yang sangat besar: naikkan SOPANSIBLE_INVENTORY_TIMEOUT. / "
                "Perhaps a YAML alias bomb ('billion laughs') in a variables file, or a vault password "
                "script that never answers; for a very large inventory raise SOPANSIBLE_INVENTORY_TIMEOUT."
            ) from None
        finally:
            if proc.poll() is None:  # pragma: no cover - interrupted (Ctrl-C): leave nothing behind
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if os.fstat(out.fileno()).st_size >= max_listing:  # stopped at the bound (RLIMIT_FSIZE)
            raise InventoryError(
                f"keluaran ansible-inventory lebih dari {max_listing // 1048576} MiB / listing larger than "
                f"{max_listing // 1048576} MiB: {source} (bom alias YAML? / a YAML alias bomb?)"
            )
        if proc.returncode != 0:
            detail = "\n".join(line for line in _tail(err).splitlines() if line.strip())
            raise InventoryError(
                f"inventori tidak dapat dibaca / inventory cannot be read: {source}\n{detail}"
            )
        out.seek(0)
        return out.read().decode("utf-8", "replace")


def load(
    sources: str | os.PathLike | list,
    limit: str | None = None,
    vault_password_file: str | None = None,
    timeout: float | None = None,
    max_listing: int = MAX_LISTING,
) -> Inventory:
    """Run ``ansible-inventory --list`` on SOURCES and return hosts, groups and merged variables.

    LIMIT is an Ansible host pattern (``pn-*:&region_pt_bengkulu:!pn-manna``), applied by Ansible.
    TIMEOUT (seconds, default :func:`inventory_timeout`) and MAX_LISTING (bytes of output) bound
    the run; beyond them InventoryError names the inventory.
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
    timeout = inventory_timeout() if timeout is None else timeout
    listing = json.loads(_run_bounded(command, env, source, timeout, max_listing))
    hostvars = listing.get("_meta", {}).get("hostvars", {})
    groups = {name: _members(listing, name) for name in listing if name != "_meta"}
    for host in _members(listing, "all"):
        hostvars.setdefault(host, {})
    return Inventory(source=source, hostvars=hostvars, groups=groups, sources=sources, limit=limit)


def check(inventory: Inventory) -> list:
    """Contract problems of every court (hosts of the ``courts`` group; none if there are no
    courts), and the problems of every court registry the inventory is built from."""
    problems = []
    for host in inventory.courts:
        problems.extend(
            court_contract.validate_court(
                host,
                inventory.contract_vars(host),
                shared_hosting=inventory.in_group(host, SHARED_HOSTING_GROUP),
            )
        )
    problems.extend(registry_problems(inventory))
    return problems


@dataclass
class SourceProblem:
    """A problem of an inventory source (a court registry row), shaped like a contract problem."""

    host: str
    variable: str
    code: str
    where: str
    text: tuple[str, str]

    def message(self, lang: str = "id") -> str:
        return f"{self.where}: {self.text[1] if lang == 'en' else self.text[0]}"

    def as_dict(self, lang: str = "id") -> dict:
        return {
            "host": self.host,
            "variable": self.variable,
            "code": self.code,
            "message": self.message(lang),
        }


_MAX_SOURCE_FILES = 10000


def _source_files(sources: list[str]) -> list[Path]:
    """The files of the inventory sources (directories walked as Ansible does, without *_vars)."""
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_file():
            files.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(
                d for d in dirs if d not in ("group_vars", "host_vars") and not d.startswith(".")
            )
            files.extend(Path(root) / name for name in sorted(names) if not name.startswith("."))
            if len(files) > _MAX_SOURCE_FILES:
                return files[:_MAX_SOURCE_FILES]
    return files


def registry_problems(inventory: Inventory) -> list[SourceProblem]:
    """Problems of the court registries behind INVENTORY: every row problem of a
    ``pn.website.court_registry`` source (what the plugin refused or dropped, and the courts it
    left out), and, in an inventory written by ``sopansible inventory generate``, any variable a
    registry may not set (Ansible connection options or role settings from an older generator)."""
    found: list[SourceProblem] = []
    for path in _source_files(inventory.sources):
        try:
            if path.name.endswith(court_registry.CONFIG_SUFFIXES):
                found += _plugin_problems(path, inventory)
            elif path.suffix in (".yml", ".yaml", "") and _generated(path):
                found += _generated_problems(path)
        except court_registry.RegistryError as error:
            found.append(SourceProblem("", "registry", "registry", str(path), (str(error), str(error))))
    if inventory.limit:
        found = [p for p in found if p.host in inventory.hostvars]
    return found


def _generated(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(GENERATED_HEADER)).decode("utf-8", "replace") == GENERATED_HEADER
    except OSError:
        return False


def _from_row(row, code: str | None = None) -> SourceProblem:
    text = (row.message("id"), row.message("en"))
    return SourceProblem(str(row.host), str(row.field), code or row.code or "contract", str(row.where), text)


def _plugin_problems(path: Path, inventory: Inventory) -> list[SourceProblem]:
    config = court_registry.safe_yaml(court_registry.read_text(path, limit=1024 * 1024))
    if not isinstance(config, dict) or config.get("plugin") not in (
        "pn.website.court_registry",
        "court_registry",
    ):
        return []
    source = Path(os.path.expanduser(str(config.get("registry") or "")))
    if not source.is_absolute():
        source = path.parent / source
    built = court_registry.load(source, on_invalid="keep")
    # contract problems of courts in the inventory are reported by the contract check itself
    return [
        _from_row(row) for row in built.problems if row.code is not None or row.host not in inventory.hostvars
    ]


def _generated_problems(path: Path) -> list[SourceProblem]:
    """Variables a registry may not set, in an inventory written by ``inventory generate``
    (``all: children: courts: children: GROUP: hosts: HOST: VARIABLES``)."""
    try:
        data = court_registry.safe_yaml(court_registry.read_text(path))
    except court_registry.yaml.YAMLError as error:
        raise court_registry.RegistryError(f"{path}: YAML tidak sah / invalid YAML: {error}") from None

    def child(value, *keys):
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, dict) else {}

    problems = []
    for group in child(data, "all", "children", court_registry.COURTS_GROUP, "children").values():
        for host, variables in child(group, "hosts").items():
            for name in sorted(variables or {}, key=str) if isinstance(variables, dict) else ():
                if court_registry.forbidden(name):
                    problems.append(
                        _from_row(court_registry.RowProblem(path, host, name, "forbidden", value=name))
                    )
    return problems
