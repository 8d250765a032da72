# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The court registry: one row per court (CSV or YAML), turned into inventory hosts and groups.

A central team keeps hundreds of courts in a spreadsheet-like registry instead of hand-writing
an inventory. One engine for two doors: the ``pn.website.court_registry`` inventory plugin and
``sopansible inventory generate``. Every row is checked against the court contract
(``court_contract``); a bad row is reported with its line and field and never stops the others.

Registry columns (CSV header or YAML keys), short name or the contract variable itself:

- ``name``: inventory host name (required), e.g. ``pn-tais``
- ``court_name``, ``type`` (court_type), ``region`` (court_region), ``domain`` (court_domain)
- ``hosting``: ``server`` (reached over SSH, group court_servers; the default) or ``shared``
  (shared hosting, controller-side checks only, group shared_hosting)
- ``address`` (ansible_host), ``port`` (ansible_port), ``user`` (ansible_user)
- ``webserver``, ``webroot``, ``cms``, ``url``, ``keyword`` (court_webserver ... court_keyword)
- ``hostnames`` and ``probe_resolve``: lists; in CSV separated by spaces, ``|`` or ``;``
- any other documented court variable (``court_contract.COURT_VARIABLES``: ``court_db``,
  ``court_services``, ...) by its own name (in CSV a cell starting with ``[`` or ``{`` is read as a
  YAML/JSON list or mapping)

A registry is untrusted input: whoever can edit one row must not get further than that court's
data. So a registry sets only the documented court variables and three connection values, checked
to be plain (``ansible_host``, ``ansible_port``, ``ansible_user``). Any other ``ansible_*`` or
``pn_*`` column (ssh arguments, interpreters, become settings, role settings such as controller
file paths) is refused in every row that fills it, naming the row and the column; the row is then
handled as an invalid one (``on_invalid``). Other unknown columns are reported once and ignored.
A registry file is at most MAX_BYTES, and YAML anchors/aliases (the "billion laughs") and deep
nesting are refused, so that reading one is bounded in time and memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re

from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import (
    CONNECTION_VARIABLES,
    COURT_TYPES,
    COURT_VARIABLES,
    is_host_name,
    shown,
    validate_court,
)

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core on the controller
    yaml = None

COURTS_GROUP = "courts"
SERVERS_GROUP = "court_servers"
SHARED_GROUP = "shared_hosting"
INVALID_GROUP = "registry_invalid"
ON_INVALID = ("keep", "skip", "error")
#: File names of a configuration of the pn.website.court_registry inventory plugin.
CONFIG_SUFFIXES = ("pn_registry.yml", "pn_registry.yaml", "court_registry.yml", "court_registry.yaml")
#: Largest registry file read (a registry of every court of the country is well under 2 MiB).
MAX_BYTES = 8 * 1024 * 1024
#: Deepest nesting of YAML collections (a row of court_services with a contact is 6 deep).
MAX_DEPTH = 32

#: Short registry columns and the inventory variable each one fills.
COLUMNS = {
    "court_name": "court_name",
    "type": "court_type",
    "region": "court_region",
    "domain": "court_domain",
    "address": "ansible_host",
    "port": "ansible_port",
    "user": "ansible_user",
    "webserver": "court_webserver",
    "webroot": "court_webroot",
    "cms": "court_cms",
    "url": "court_url",
    "keyword": "court_keyword",
    "hostnames": "court_hostnames",
    "probe_resolve": "court_probe_resolve",
}
LIST_VARS = ("court_hostnames", "court_probe_resolve", "court_renewal_thresholds_days")
INT_VARS = ("ansible_port", "court_content_max_age_days", "court_watch_interval_minutes")
#: The variables a registry may set: the documented court variables and plain connection values.
ALLOWED = frozenset(COURT_VARIABLES) | frozenset(CONNECTION_VARIABLES)
#: Columns refused in every row that fills them: Ansible's connection/execution options
#: (ssh arguments, interpreters, become, ...) and role settings belong to the team's own inventory.
FORBIDDEN = re.compile(r"(ansible|pn)_.*", re.IGNORECASE | re.DOTALL)
HOSTING = {"server": SERVERS_GROUP, "shared": SHARED_GROUP}
_LIST_SPLIT = re.compile(r"[\s|;]+")

MESSAGES = {
    "name_missing": (
        "kolom 'name' (nama host inventori) wajib diisi",
        "column 'name' (inventory host) is required",
    ),
    "name_invalid": (
        "nama host '{value}' tidak sah (huruf, angka, '.', '_', '-')",
        "host name '{value}' is not valid (letters, digits, '.', '_', '-')",
    ),
    "duplicate": (
        "nama host '{value}' sudah dipakai pada {first}; baris ini diabaikan",
        "host name '{value}' already used at {first}; this row is ignored",
    ),
    "hosting": (
        "nilai '{value}' tidak dikenal; pilihan: server, shared",
        "unknown value '{value}'; choose from: server, shared",
    ),
    "column": (
        "kolom '{value}' tidak dikenal dan diabaikan",
        "unknown column '{value}' is ignored",
    ),
    "forbidden": (
        "kolom '{value}' tidak boleh diisi dari registri: opsi koneksi/eksekusi Ansible dan pengaturan "
        "peran (ansible_*, pn_*) hanya dari inventori/group_vars milik tim; yang boleh: address "
        "(ansible_host), port (ansible_port), user (ansible_user)",
        "column '{value}' may not be set from a registry: Ansible connection/execution options and "
        "role settings (ansible_*, pn_*) belong in the team's own inventory/group_vars; allowed: "
        "address (ansible_host), port (ansible_port), user (ansible_user)",
    ),
    "integer": ("'{value}' harus bilangan bulat", "'{value}' must be a whole number"),
    "structure": (
        "'{value}' bukan daftar/mapping YAML yang sah",
        "'{value}' is not a valid YAML list/mapping",
    ),
    "cells": (
        "baris berisi {count} sel lebih banyak dari kepala kolom",
        "the row has {count} more cells than the header",
    ),
    "row": ("baris harus berupa mapping kolom: nilai", "a row must be a mapping of column: value"),
    "template": (
        "'{value}' berisi templat Jinja ({{{{ / {{%); registri hanya berisi data",
        "'{value}' holds a Jinja template ({{{{ / {{%); a registry holds data only",
    ),
}
_TEMPLATE = re.compile(r"{{|{%|{#")


def _has_template(value):
    if isinstance(value, str):
        return bool(_TEMPLATE.search(value))
    if isinstance(value, dict):
        return any(_has_template(k) or _has_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_template(item) for item in value)
    return False


class RegistryError(ValueError):
    """The registry cannot be read at all (missing file, not CSV/YAML, wrong top-level shape)."""


class RowProblem:
    """One problem of one registry row (or of the header, row 0 / line 1)."""

    __slots__ = ("where", "host", "field", "code", "params", "text")

    def __init__(self, where, host, field, code=None, text=None, **params):
        self.where = where
        self.host = host
        self.field = field
        self.code = code
        self.params = params
        self.text = text  # (id, en) from the court contract

    def message(self, lang="id"):
        if self.text is not None:
            return self.text[1] if lang == "en" else self.text[0]
        text_id, text_en = MESSAGES[self.code]
        params = {k: shown(v) for k, v in self.params.items()}
        return (text_en if lang == "en" else text_id).format(**params)

    def line(self, lang="id"):
        host = " (%s)" % self.host if self.host else ""
        return "%s%s: %s: %s" % (self.where, host, self.field, self.message(lang))

    def as_dict(self, lang="id"):
        return {
            "where": self.where,
            "host": self.host,
            "field": self.field,
            "code": self.code or "contract",
            "message": self.message(lang),
        }

    def __repr__(self):
        return self.line("en")


class Registry:
    """Courts of a registry: per host its variables, the groups, and every problem found."""

    def __init__(self, source):
        self.source = source
        self.hosts = {}  # host -> variables (insertion order = registry order)
        self.groups = {}  # group -> list of hosts
        self.problems = []
        self.invalid = set()  # hosts with contract problems

    def add_group(self, group, host):
        members = self.groups.setdefault(group, [])
        if host not in members:
            members.append(host)

    def as_inventory(self):
        """A YAML-inventory structure (``all: children: courts: ...``) of the registry's courts."""
        children = {}
        for group in sorted(self.groups):
            if group == COURTS_GROUP:
                continue
            hosts = self.groups[group]
            if group in (SERVERS_GROUP, SHARED_GROUP):
                children[group] = {"hosts": {host: self.hosts[host] for host in hosts}}
            else:
                children[group] = {"hosts": {host: None for host in hosts}}
        # hosting groups first, so that each host's variables are written once, where it is defined
        ordered = {g: children[g] for g in (SERVERS_GROUP, SHARED_GROUP) if g in children}
        ordered.update((g, v) for g, v in children.items() if g not in ordered)
        return {"all": {"children": {COURTS_GROUP: {"children": ordered}}}}


def group_name(prefix, value):
    """``region_pt_bengkulu`` from ("region", "PT Bengkulu"): lower case, runs of other chars -> '_'."""
    slug = re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")
    return "%s_%s" % (prefix, slug) if slug else ""


if yaml is not None:

    class _BoundedLoader(yaml.SafeLoader):
        """SafeLoader refusing aliases and deep nesting: a registry is data, never a YAML bomb."""

        _depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    "alias *%s: anchors/aliases are not allowed in a registry" % event.anchor,
                    event.start_mark,
                )
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, "nested deeper than %d levels" % MAX_DEPTH, self.peek_event().start_mark
                    )
                return super(_BoundedLoader, self).compose_node(parent, index)
            finally:
                self._depth -= 1


def safe_yaml(text):
    """TEXT parsed as YAML without aliases and nesting at most MAX_DEPTH; raises yaml.YAMLError."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_text(path, limit=MAX_BYTES):
    """The text of a registry (or registry configuration) file, refused beyond LIMIT bytes."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise RegistryError(
                "registri lebih besar dari %d MiB / registry larger than %d MiB: %s"
                % (limit // 1048576, limit // 1048576, path)
            )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegistryError(
            "registri tidak dapat dibaca / registry cannot be read: %s: %s" % (path, error)
        ) from None


def read_rows(text, name):
    """(where, row) pairs of a CSV or YAML registry; NAME (a file name) selects the format."""
    lower = name.lower()
    if lower.endswith((".yml", ".yaml", ".json")):
        return _yaml_rows(text, name)
    if lower.endswith((".csv", ".tsv", ".txt")):
        return _csv_rows(text, name)
    raise RegistryError("format registri tidak dikenal (CSV atau YAML) / unknown registry format: %s" % name)


def _yaml_rows(text, name):
    if yaml is None:
        raise RegistryError("PyYAML is needed to read %s" % name)
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as error:
        raise RegistryError("%s: YAML tidak sah / invalid YAML: %s" % (name, error)) from None
    if isinstance(data, dict) and "courts" in data:
        data = data["courts"]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise RegistryError(
            "%s: harus berupa daftar pengadilan (atau courts: [...]) / must be a list of courts "
            "(or courts: [...])" % name
        )
    return [("%s #%d" % (name, index + 1), row) for index, row in enumerate(data)]


def _csv_rows(text, name):
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0]
    delimiter = max(",;\t", key=header.count) if any(c in header for c in ",;\t") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if not any((value or "").strip() for key, value in row.items() if key is not None):
                continue
            rows.append(("%s:%d" % (name, reader.line_num), row))
    except csv.Error as error:
        raise RegistryError(
            "%s:%d: CSV tidak sah / invalid CSV: %s" % (name, reader.line_num, error)
        ) from None
    return rows


def _cell(value, variable, where, host, problems):
    """One CSV/YAML cell converted to the variable's type; None when empty or unusable."""
    if _has_template(value):
        problems.append(RowProblem(where, host, variable, "template", value=value))
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if variable == "court_type":
            value = value.upper()
        if value[:1] in "[{":
            try:
                value = safe_yaml(value) if yaml is not None else json.loads(value)
            except Exception:
                problems.append(RowProblem(where, host, variable, "structure", value=value))
                return None
    if value is None:
        return None
    if variable in LIST_VARS and isinstance(value, str):
        value = [item for item in _LIST_SPLIT.split(value) if item]
    if variable == "court_renewal_thresholds_days" and isinstance(value, list):
        value = [int(item) if isinstance(item, str) and item.isdigit() else item for item in value]
    if variable in INT_VARS and isinstance(value, str):
        if not re.match(r"^\d+$", value):
            problems.append(RowProblem(where, host, variable, "integer", value=value))
            return None
        value = int(value)
    return value


def build(rows, source="registry", on_invalid="keep", validate=True):
    """A Registry from (where, row) pairs; problems never stop the other rows.

    ON_INVALID decides what happens to a court whose variables break the contract: ``keep`` it in
    the inventory (and in the group ``registry_invalid``; the preflight role then fails that court
    with the variable named in every run's report), ``skip`` it, or ``error`` (the caller stops).
    Rows without a usable host name, and duplicates, are always left out.
    """
    if on_invalid not in ON_INVALID:
        raise RegistryError("on_invalid: %r; choose from %s" % (on_invalid, ", ".join(ON_INVALID)))
    registry = Registry(source)
    seen = {}
    unknown = set()
    for where, row in rows:
        if not isinstance(row, dict):
            registry.problems.append(RowProblem(where, "", "-", "row"))
            continue
        extra = row.get(None)
        row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        host = row.get("name")
        host = host.strip() if isinstance(host, str) else host
        if not host:
            registry.problems.append(RowProblem(where, "", "name", "name_missing"))
            continue
        host = str(host)
        if not is_host_name(host):
            registry.problems.append(RowProblem(where, "", "name", "name_invalid", value=host))
            continue
        if host in seen:
            registry.problems.append(
                RowProblem(where, host, "name", "duplicate", value=host, first=seen[host])
            )
            continue
        seen[host] = where
        problems = []
        if extra:
            problems.append(RowProblem(where, host, "-", "cells", count=len(extra)))
        variables = {}
        hosting = SERVERS_GROUP
        for column, value in row.items():
            if column == "name":
                continue
            if column == "hosting":
                text = str(value or "").strip().lower() or "server"
                if text not in HOSTING:
                    problems.append(RowProblem(where, host, "hosting", "hosting", value=value))
                else:
                    hosting = HOSTING[text]
                continue
            variable = COLUMNS.get(column) or (column if column in ALLOWED else None)
            if variable is None and FORBIDDEN.match(column):
                # an attempt to reach Ansible's connection options or a role setting: this row
                # is invalid (on_invalid), not just a column to ignore
                if not (value is None or (isinstance(value, str) and not value.strip())):
                    problems.append(RowProblem(where, host, column, "forbidden", value=column))
                continue
            if variable is None:
                if column not in unknown:
                    unknown.add(column)
                    registry.problems.append(RowProblem(where, host, column, "column", value=column))
                continue
            converted = _cell(value, variable, where, host, problems)
            if converted is not None:
                variables[variable] = converted
        if validate:
            for problem in validate_court(host, variables, shared_hosting=hosting == SHARED_GROUP):
                problems.append(
                    RowProblem(
                        where, host, problem.variable, text=(problem.message("id"), problem.message("en"))
                    )
                )
        registry.problems.extend(problems)
        if problems:
            if on_invalid == "skip":
                continue
            registry.invalid.add(host)
        registry.hosts[host] = variables
        registry.add_group(COURTS_GROUP, host)
        registry.add_group(hosting, host)
        if problems:
            registry.add_group(INVALID_GROUP, host)
        region = variables.get("court_region")
        if isinstance(region, str) and group_name("region", region):
            registry.add_group(group_name("region", region), host)
        court_type = variables.get("court_type")
        if isinstance(court_type, str) and court_type.upper() in COURT_TYPES:
            registry.add_group(group_name("type", court_type), host)
    return registry


def forbidden(variable):
    """Whether a registry may never set VARIABLE (an Ansible option or role setting)."""
    return variable not in ALLOWED and bool(FORBIDDEN.match(str(variable)))


def load(path, on_invalid="keep", validate=True):
    """Read and build the registry file at PATH (CSV or YAML), at most MAX_BYTES."""
    text = read_text(path)
    rows = read_rows(text, os.path.basename(str(path)))
    return build(rows, source=str(path), on_invalid=on_invalid, validate=validate)
