"""Every rule id a finding can carry, read from the engines, the roles and the store: the tests of the
report's advice and of the notifications' routing table check their tables against it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis
from ansible_collections.pn.website.plugins.module_utils.hardening import hardening_audit_data
from ansible_collections.pn.website.plugins.module_utils.logs import rules as access_log_rules
from ansible_collections.pn.website.plugins.module_utils.renewals import renewals
from sopansible import store

COLLECTION = Path(__file__).resolve().parents[2] / "collections" / "ansible_collections" / "pn" / "website"


def _literals(node: ast.AST) -> set[str]:
    """The rule ids a value can be: a string, either branch of ``a if c else b``, a tuple's first item."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    if isinstance(node, ast.Tuple) and node.elts:
        return _literals(node.elts[0])
    return set()


def _is_rule(target: ast.AST) -> bool:
    """``rule = ...`` or ``rule, severity = ...``."""
    first = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
    return isinstance(first, ast.Name) and first.id == "rule"


def _python_rules(source: str) -> set[str]:
    """Rule ids written in engine code: the first argument of a ``*finding(...)`` call, a value given to
    ``rule``, a ``{"rule": ...}`` item, and tuples appended to a list that is unpacked into ``rule``."""
    ids: set[str] = set()
    appended: dict[str, list[ast.Tuple]] = {}
    unpacked: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.endswith("finding") and node.args:
                ids |= _literals(node.args[0])
            if (
                name == "append"
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                appended.setdefault(func.value.id, []).append(node.args[0])
        elif isinstance(node, ast.Assign) and any(_is_rule(t) for t in node.targets):
            ids |= _literals(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "rule":
                    ids |= _literals(value)
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and isinstance(node.iter, ast.Name)
        ):
            names = [getattr(e, "id", None) for e in node.target.elts]
            if "rule" in names:
                unpacked.append((node.iter.id, names.index("rule")))
    for var, index in unpacked:
        ids |= {r for t in appended.get(var, []) if index < len(t.elts) for r in _literals(t.elts[index])}
    return ids


_TEMPLATE_RULE = re.compile(r"""['"]rule['"]:\s*'([a-z0-9-]+)'(?:\s+if\s[^\n]*?\selse\s+'([a-z0-9-]+)')?""")
_YAML_RULE = re.compile(r"^\s*-?\s*rule:\s*([a-z0-9-]+)\s*$", re.MULTILINE)


def emitted_rule_ids() -> set[str]:
    """Every rule id a finding can carry: read from the engines' code and the roles' result templates
    and tasks, plus the engines' rule tables and the store's own rule."""
    ids: set[str] = set()
    for path in (COLLECTION / "plugins" / "module_utils").rglob("*.py"):
        ids |= _python_rules(path.read_text(encoding="utf-8"))
    for path in (COLLECTION / "roles").rglob("*"):
        if path.suffix in (".j2", ".yml", ".yaml") and path.is_file():
            text = path.read_text(encoding="utf-8")
            ids |= {rule for match in _TEMPLATE_RULE.finditer(text) for rule in match.groups() if rule}
            ids |= set(_YAML_RULE.findall(text))
    ids |= set(access_log_rules.RULE_SEVERITY)  # the log audit's rules are table keys
    ids |= set(diagnosis.RULES)  # W6/W7 findings carry the problem id
    ids |= set(hardening_audit_data.CONTROLS)  # IT-AUDIT findings carry the control id
    ids |= {f"{kind}-{state}" for kind in renewals.KINDS for state in ("expired", "expiring")}
    ids.add(store.INVALID_RULE)
    return ids
