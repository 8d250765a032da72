# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Troubleshooting (SOP W6, W7): evidence about a court website -> known problems.

Pure functions, standard library only. The evidence is one dict::

    {"court": {"name": "pn-tais", "domain": "pn-tais.go.id", "webserver": "nginx"},
     "server": <server_evidence.gather()> or None (shared hosting: no SSH),
     "probe": <one site_probe result> or None,
     "dns": {"checked": True, "name": "pn-tais.go.id", "addresses": [...], "expected": [...]} or None,
     "hardening": {"checked": True, "failed": [{"id", "severity", "description"}]} or None}

The known problems, the signs in the evidence that point to each, their texts, solutions and whom to
call are data (``diagnosis_rules.py``); this engine reads the evidence into facts and evaluates the
rules on them. :func:`diagnose` returns the problems found, worst first, each with an Indonesian and
English title and explanation and ranked solutions. Each solution says who carries it out:

``auto``         the remediation playbook does it (with confirmation), action id in ``action``
``operator``     the court's website operator, with a sopansible command or a manual step
``maintenance``  the equipment-maintenance section (Subbag Umum dan Keuangan): hardware, disk, power
``third_party``  a named third party (hosting, domain registrar, Internet provider, vendor) with the
                 contact taken from the inventory (``court_services`` and ``court_contacts.third_parties``)

:func:`troubleshooting_records` and :func:`sop_result` turn a diagnosis (W6) or a remediation (W7)
into the history's troubleshooting records and the ``pn_sop_result`` of the play.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.pn.website.plugins.module_utils.diagnosis.diagnosis_rules import (
    PARTIES,
    RULES,
    THRESHOLDS,
)
from ansible_collections.pn.website.plugins.module_utils.diagnosis.server_evidence import (
    FAILED_UNITS_LIMIT,
    UNIT_NAME,
)
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as sr
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import SEVERITY_RANK

#: A remediation (W7) with a failed step: a critical problem left makes it failed, not only critical.
REMEDIATION_FAILED_RULE = {"failed": "critical", "warning": "medium"}
ACTION_ORDER = ("free-logs", "restore-config", "restart-service", "restore-site", "backup")
SERVICE_ORDER = {"database": 0, "php-fpm": 1, "webserver": 2}
#: Findings that show a compromised site (what the restore-site action fixes), per activity that looks at
#: the site: W1 (site_probe rules), W6 and W7 (problem ids). A site restore comes from a snapshot taken
#: while the site was seen whole, never from one taken after these were first seen (the nightly backup
#: timer keeps backing up the compromised site).
COMPROMISE_RULES = {
    "W1": ("defacement", "gambling-spam", "hidden-links"),
    "W6": ("site-defaced", "gambling-spam"),
    "W7": ("site-defaced", "gambling-spam"),
}
#: Findings after which the site cannot be called whole, although no compromise was named.
UNCLEAR_RULES = {"W1": ("keyword-missing",), "W6": ("content-changed",), "W7": ("content-changed",)}


class _Blank(dict):
    def __missing__(self, key):
        return "-"


def _fmt(text, values):
    return text.format_map(_Blank({k: ("-" if v is None or v == "" else v) for k, v in values.items()}))


def _contact_from(person, role, source):
    if not isinstance(person, dict):
        return None
    contact = {"role": role, "source": source}
    for key in ("name", "email", "phone"):
        if person.get(key):
            contact[key] = str(person[key])
    return contact if len(contact) > 2 else None


def resolve_contact(party, contacts):
    """The contact for a party kind (hosting, domain, connection, vendor) from the inventory, or None."""
    contacts = contacts or {}
    kind, roles = PARTIES.get(party, (None, (party,)))
    if kind:
        for service in contacts.get("services") or []:
            if isinstance(service, dict) and service.get("kind") == kind:
                contact = _contact_from(service.get("contact") or {}, kind, "court_services")
                if contact is not None:
                    contact["provider"] = service.get("provider") or contact.get("name")
                    return contact
                if service.get("provider"):
                    return {"role": kind, "name": service["provider"], "source": "court_services"}
    for role in roles:
        for person in contacts.get("third_parties") or []:
            if isinstance(person, dict) and person.get("role") == role:
                contact = _contact_from(person, role, "court_contacts.third_parties")
                if contact is not None:
                    return contact
    return None


def make_problem(rule_id, values, evidence, contacts=None, target=None, severity=None):
    """A problem dict from a rule of :data:`RULES`, its text values and evidence."""
    rule = RULES[rule_id]
    solutions = []
    for rank, (fix, action, text_id, text_en) in enumerate(rule["solutions"], start=1):
        solution = {
            "rank": rank,
            "fix": fix,
            "action": action if fix == "auto" else None,
            "text": {"id": _fmt(text_id, values), "en": _fmt(text_en, values)},
            "contact": None,
            "party": action if fix == "third_party" else None,
        }
        if fix == "third_party":
            solution["contact"] = resolve_contact(action, contacts)
        if fix == "auto" and target:
            solution["target"] = target
        solutions.append(solution)
    auto = next((s for s in solutions if s["fix"] == "auto"), None)
    escalation = next((s for s in solutions if s["fix"] == "third_party"), None)
    return {
        "id": rule_id,
        "severity": severity or rule["severity"],
        "title": {"id": rule["title"][0], "en": rule["title"][1]},
        "explanation": {
            "id": _fmt(rule["explanation"][0], values),
            "en": _fmt(rule["explanation"][1], values),
        },
        "evidence": evidence,
        "solutions": solutions,
        "auto": auto is not None,
        "action": {"action": auto["action"], "target": target} if auto else None,
        "escalation": (
            {"party": escalation["party"], "contact": escalation["contact"]} if escalation else None
        ),
    }


# -- facts: what the evidence says -------------------------------------------------------------------


class _Facts(dict):
    """Facts about the evidence that the rules of diagnosis_rules read by name.

    A derived fact is worked out when a rule first reads it: evidence that no rule needs is never
    required, and evidence that a problem found needs but lacks raises (KeyError, TypeError or
    ValueError: the caller reports the evidence as unreadable). A fact not found here is read from
    ``parent`` (the facts of the whole court, for one disk, service or finding)."""

    def __init__(self, known, derived=None, parent=None):
        dict.__init__(self, known)
        self.derived = derived or {}
        self.parent = parent

    def read(self, key):
        if key in self:
            return self[key]
        if key in self.derived:
            self[key] = self.derived[key](self)
            return self[key]
        return self.parent.read(key) if self.parent is not None else None


def _server_part(name):
    return lambda facts: (facts.read("server") or {}).get(name) or {}


def _first_error(test):
    """The first error line of a configuration test's output, without nginx's time stamp and pid."""
    output = test["config"].get("output") or ""
    first = next((line for line in output.splitlines() if "emerg" in line or "rror" in line), "")
    first = first or (output.splitlines() or [""])[0]
    first = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: ", r"\1 ", first.strip())
    return first.strip()[:300]


#: One run of the web server's configuration test.
CONFIG_FACTS = {
    "first_error": _first_error,
    "file_line": lambda test: (
        "%s:%s" % (test["config"]["file"], test["config"]["line"]) if test["config"].get("file") else "-"
    ),
    "where": lambda test: " di %s" % test.read("file_line") if test["config"].get("file") else "",
    "where_en": lambda test: " at %s" % test.read("file_line") if test["config"].get("file") else "",
    "unit": lambda test: (
        "apache2" if (test.read("server").get("webserver") or "nginx") == "apache" else "nginx"
    ),
    "output": lambda test: (test["config"].get("output") or "")[-1500:],
    "service_active": lambda test: (
        (test.read("server").get("services") or {}).get(test.read("unit")) or {}
    ).get("active"),
}


def _config_tests(facts):
    config = (facts.read("server") or {}).get("config_test")
    return [_Facts({"config": config}, CONFIG_FACTS, facts)] if config else []


def _services(facts):
    """The site's services in the order they are started: database, PHP-FPM, web server."""
    services = (facts.read("server") or {}).get("services") or {}
    ordered = sorted(services.items(), key=lambda kv: SERVICE_ORDER.get(kv[1].get("role"), 9))
    journal = {"journal": lambda service: (service["state"].get("journal") or [])[-10:]}
    return [_Facts({"unit": unit, "state": state}, journal, facts) for unit, state in ordered]


def _logs_on(disk):
    """The biggest log files on the partition."""
    mount = disk.read("mount")
    logs = disk.read("server").get("biggest_logs") or []
    return [
        item for item in logs if item["path"] == mount or item["path"].startswith(mount.rstrip("/") + "/")
    ]


def _logs_share(disk):
    """The share (%) of the partition's used space that its biggest log files take."""
    log_bytes = sum(item["size_bytes"] for item in disk.read("logs"))
    return 100.0 * log_bytes / disk["disk"]["used_bytes"] if disk["disk"].get("used_bytes") else 0.0


#: One partition of the server that was measured (its mount point is known: see _disks).
DISK_FACTS = {
    "free_floor": lambda disk: min(
        disk.read("limits")["disk_min_free_bytes"], disk["disk"]["total_bytes"] * 0.05
    ),
    "free_mb": lambda disk: round(disk["disk"]["free_bytes"] / 1048576.0, 1),
    "logs": _logs_on,
    "logs_top": lambda disk: disk.read("logs")[:5],
    "logs_share": _logs_share,
    "logs_share_pct": lambda disk: round(disk.read("logs_share"), 1),
    "logs_text": lambda disk: (
        ", ".join(
            "%s (%.1f MB)" % (item["path"], item["size_bytes"] / 1048576.0) for item in disk.read("logs")[:3]
        )
        or "-"
    ),
}


def _disks(facts):
    """The server's partitions; one that was measured (used_pct) is named by its mount point or path."""
    disks = []
    for disk in (facts.read("server") or {}).get("disk") or []:
        known = {"disk": disk}
        if "used_pct" in disk:
            known["mount"] = disk.get("mount") or disk["path"]
        disks.append(_Facts(known, DISK_FACTS, facts))
    return disks


def _probe_host(facts):
    """The host name the controller's probe asked (else the court's domain)."""
    url_host = (facts.read("probe").get("url") or "").split("/")[2:3]
    return url_host[0] if url_host else facts.read("court").get("domain", "-")


def _findings(facts):
    """The probe's findings by rule."""
    found = {}
    for finding in (facts.read("probe") or {}).get("findings") or []:
        if isinstance(finding.get("rule"), str):
            found.setdefault(finding["rule"], []).append(finding)
    return found


#: One finding of the controller's probe.
FINDING_FACTS = {
    "details": lambda item: item["finding"].get("evidence") or {},
    "host": lambda item: item.read("details").get("host") or item.read("probe_host"),
    "days_left": lambda item: int(item.read("details").get("days_left") or 0),
}


def _finding_items(facts):
    return {
        rule: [_Facts({"finding": finding}, FINDING_FACTS, facts) for finding in findings]
        for rule, findings in facts.read("findings").items()
    }


def _defacement_terms(facts):
    terms = []
    for item in facts.read("findings").get("defacement", []):
        terms.extend((item.get("evidence") or {}).get("terms") or [])
    return ", ".join(sorted(set(terms))[:6]) or "-"


def _spam_terms(facts):
    spam, terms = facts.read("spam_findings"), []
    for item in spam:
        details = item.get("evidence") or {}
        terms.extend(details.get("terms") or details.get("matches") or [])
    return ", ".join(sorted({str(t) for t in terms})[:6]) or spam[0].get("message_en")


def _failed_unit_names(server):
    """Names of the failed units the server listed, checked again here (the server is not trusted): valid
    unit names only, at most :data:`FAILED_UNITS_LIMIT`."""
    part = (server or {}).get("failed_units")
    listed = part.get("units") if isinstance(part, dict) else None
    names = [u.get("unit") for u in listed if isinstance(u, dict)] if isinstance(listed, list) else []
    names = [n for n in names if isinstance(n, str) and UNIT_NAME.match(n)]
    return list(dict.fromkeys(names))[:FAILED_UNITS_LIMIT]


def _failed_units(facts):
    """The failed units, less the site's own services: those are named by their own problems
    (webserver-down, php-fpm-down, database-down)."""
    server = facts.read("server") or {}
    site = {"%s.service" % unit for unit in server.get("services") or {}}
    return [name for name in _failed_unit_names(server) if name not in site]


def _hardening_worst(facts):
    """The severity of the worst failed control (low when unknown)."""
    worst = max((SEVERITY_RANK.get(f.get("severity"), 1) for f in facts.read("hardening_failed")), default=1)
    return next(name for name, rank in SEVERITY_RANK.items() if rank == worst)


#: Facts of the whole court, derived from the evidence.
FACTS = {
    # the server
    "config_tests": _config_tests,
    "services": _services,
    "disks": _disks,
    "backup": _server_part("backup"),
    "updates": _server_part("updates"),
    "security_updates": lambda facts: facts.read("updates").get("security", 0),
    "security_count": lambda facts: facts.read("updates")["security"],
    "security_packages": lambda facts: ", ".join(facts.read("updates").get("security_packages", [])[:8]),
    "clock": _server_part("time"),
    "memory": _server_part("memory"),
    "memory_total_mb": lambda facts: round(facts.read("memory")["total_bytes"] / 1048576.0),
    "load": _server_part("load"),
    "load_limit": lambda facts: (
        facts.read("limits")["load_per_cpu"] * max(1, facts.read("load").get("cpus") or 1)
    ),
    "failed_units": _failed_units,
    "failed_units_count": lambda facts: len(facts.read("failed_units")),
    "failed_units_text": lambda facts: ", ".join(facts.read("failed_units")[:8]),
    "local_http": lambda facts: (facts.read("server") or {}).get("local_http") or None,
    "recent": _server_part("recent_webroot_changes"),
    "recent_count": lambda facts: facts.read("recent").get("count", "?"),
    # the controller's probe
    "probe_host": _probe_host,
    "findings": _findings,
    "finding_items": _finding_items,
    "hostnames": lambda facts: [
        _Facts({"entry": entry}, parent=facts) for entry in (facts.read("probe") or {}).get("hostnames") or []
    ],
    "defacement_terms": _defacement_terms,
    "spam_findings": lambda facts: (
        facts.read("findings").get("gambling-spam", []) + facts.read("findings").get("hidden-links", [])
    ),
    "spam_terms": _spam_terms,
    "keyword": lambda facts: (
        (facts.read("probe").get("keyword") or {}).get("expected")
        or facts.read("court").get("keyword")
        or "-"
    ),
    # DNS
    "dns_addresses": lambda facts: sorted(set(facts.read("dns").get("addresses") or [])),
    "dns_expected": lambda facts: sorted(set(facts.read("dns").get("expected") or [])),
    "dns_addresses_text": lambda facts: ", ".join(facts.read("dns_addresses")) or "-",
    "dns_expected_text": lambda facts: ", ".join(facts.read("dns_expected")) or "-",
    "dns_error": lambda facts: facts.read("dns").get("error") or "NXDOMAIN",
    # the hardening audit
    "hardening_failed": lambda facts: facts.read("hardening").get("failed") or [],
    "hardening_worst": _hardening_worst,
    "hardening_count": lambda facts: len(facts.read("hardening_failed")),
    "hardening_controls": lambda facts: ", ".join(
        f.get("id", "?") for f in facts.read("hardening_failed")[:8]
    ),
    "hardening_kept": lambda facts: [
        dict((k, f.get(k)) for k in ("id", "severity", "observed", "expected"))
        for f in facts.read("hardening_failed")[:30]
    ],
}


def _facts(evidence, limits):
    """The facts of one court: the evidence as given (court, server, probe, dns, hardening), the
    thresholds (limits) and, when a rule reads them, the facts of :data:`FACTS`."""
    known = {
        "court": evidence.get("court") or {},
        "server": evidence.get("server") or None,
        "probe": evidence.get("probe") or None,
        "dns": evidence.get("dns"),
        "hardening": evidence.get("hardening"),
        "limits": limits,
    }
    return _Facts(known, FACTS)


# -- the rules, evaluated ------------------------------------------------------------------------------

OPERATORS = {
    "==": lambda left, right: left == right,
    "!=": lambda left, right: left != right,
    "<": lambda left, right: left < right,
    ">": lambda left, right: left > right,
    ">=": lambda left, right: left >= right,
    "is": lambda left, right: left is right,
    "is not": lambda left, right: left is not right,
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
    "startswith": lambda left, right: left.startswith(right),
    "mentions": lambda left, right: right in str(left).lower(),
    "disjoint": lambda left, right: not set(left) & set(right),
    "has": lambda left, right: right in left,
    "truthy": lambda left, right: bool(left),
    "falsy": lambda left, right: not left,
}


def _get(facts, path):
    """The fact at a dotted path (None where a part is missing)."""
    value = facts
    for key in path.split("."):
        if isinstance(value, _Facts):
            value = value.read(key)
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _holds(condition, facts):
    if isinstance(condition, list):
        return all(_holds(part, facts) for part in condition)
    if isinstance(condition, dict):
        if "any" in condition:
            return any(_holds(part, facts) for part in condition["any"])
        return not _holds(condition["not"], facts)
    path, operator, operand = (tuple(condition) + (None,))[:3]
    if isinstance(operand, str) and operand.startswith("$"):
        operand = _get(facts, operand[1:])
    return bool(OPERATORS[operator](_get(facts, path), operand))


def _shape(spec, facts):
    """A dict from ``{key: path}`` (``"*"``: every key of the dict at that path first)."""
    shaped = dict(_get(facts, spec["*"]) or {}) if "*" in spec else {}
    shaped.update((key, _get(facts, path)) for key, path in spec.items() if key != "*")
    return shaped


def _problem(rule_id, sign, facts, contacts):
    severity = _get(facts, sign["severity_from"]) if sign.get("severity_from") else None
    if sign.get("raise_to") and _holds(sign["raise_to"][1], facts):
        severity = sign["raise_to"][0]
    return make_problem(
        rule_id,
        _shape(sign.get("values") or {}, facts),
        _shape(sign.get("evidence") or {}, facts),
        contacts,
        target=_get(facts, sign["target"]) if sign.get("target") else None,
        severity=severity,
    )


def _problems(facts, contacts):
    """The problems of :data:`RULES` whose signs the facts show, in the order of RULES."""
    found = []
    for rule_id, rule in RULES.items():
        if any(problem["id"] in rule.get("unless", ()) for problem in found):
            continue
        for sign in rule.get("signs") or [rule]:
            for item in (_get(facts, sign["each"]) or []) if sign.get("each") else [facts]:
                if _holds(sign.get("when") or [], item):
                    found.append(_problem(rule_id, sign, item, contacts))
    return found


def diagnose(evidence, contacts=None, thresholds=None):
    """Problems found in ``evidence`` (see the module documentation), worst first."""
    limits = dict(THRESHOLDS)
    limits.update(thresholds or {})
    evidence = evidence or {}
    problems = _problems(_facts(evidence, limits), contacts)
    if not evidence.get("server"):
        # No SSH to the court (shared hosting): nothing can be fixed automatically from here.
        for problem in problems:
            for solution in problem["solutions"]:
                if solution["fix"] == "auto":
                    solution.update(fix="operator", action=None)
            problem.update(auto=False, action=None)
    order = {rule: index for index, rule in enumerate(RULES)}
    problems.sort(key=lambda p: (-SEVERITY_RANK[p["severity"]], order[p["id"]]))
    return problems


def _number(value):
    """A finite number from the server, else None (the server is not trusted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return value if abs(value) < 1e18 else None


#: A Debian package name (with an architecture qualifier).
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]{0,100}(:[a-z0-9-]{1,20})?$")


def health(server, disks_limit=10):
    """The server's health in a few values, for a report: disk and inode use per mount, memory
    available, load, the failed units and the pending security updates. Read from the evidence of
    :func:`server_evidence.gather` as an untrusted server gave it: numbers or None, short texts, bounded
    lists; a part not gathered is None."""
    server = server if isinstance(server, dict) else {}
    disks = []
    for disk in server.get("disk") or []:
        if not isinstance(disk, dict) or _number(disk.get("used_pct")) is None:
            continue
        disks.append(
            {
                "mount": str(disk.get("mount") or disk.get("path") or "?")[:120],
                "used_pct": _number(disk.get("used_pct")),
                "free_bytes": _number(disk.get("free_bytes")),
                "inodes_used_pct": _number(disk.get("inodes_used_pct")),
            }
        )
        if len(disks) >= disks_limit:
            break
    memory = server.get("memory") if isinstance(server.get("memory"), dict) else None
    load = server.get("load") if isinstance(server.get("load"), dict) else None
    units = server.get("failed_units") if isinstance(server.get("failed_units"), dict) else None
    updates = server.get("updates") if isinstance(server.get("updates"), dict) else None
    names = _failed_unit_names(server) if units and units.get("checked") else None
    return {
        "disks": disks,
        "memory_available_pct": _number(memory.get("available_pct")) if memory else None,
        "load5": _number(load.get("load5")) if load else None,
        "cpus": _number(load.get("cpus")) if load else None,
        "failed_units": names,
        "failed_units_count": (
            max(len(names), int(_number(units.get("count")) or 0)) if names is not None else None
        ),
        "security_updates": (
            _number(updates.get("security")) if updates and updates.get("checked") is True else None
        ),
        # their names (Debian package names only: anything else from the server is dropped)
        "security_packages": (
            [
                name
                for name in (updates.get("security_packages") or [])[:20]
                if isinstance(name, str) and _PACKAGE.match(name)
            ]
            if updates
            and updates.get("checked") is True
            and isinstance(updates.get("security_packages"), list)
            else None
        ),
    }


def findings(problems, lang="id"):
    """The problems as SOP findings of another activity (the weekly audit): rule = the problem id, the
    title and explanation in ``lang``, the problem's evidence."""
    return [
        sr.finding(
            p["id"],
            p["severity"],
            "%s: %s" % (_lang(p["title"], lang), _lang(p["explanation"], lang)),
            p.get("evidence") or {},
        )
        for p in problems
    ]


#: Problems of the controller's probe that say a site is not whole (after a restore, for example).
SITE_NOT_WHOLE = ("site-defaced", "gambling-spam", "content-changed", "site-error", "site-unreachable")


def site_check(probe, court=None):
    """Whether the controller's probe saw the court's site whole (how a restored site is checked).

    Returns ``{"checked", "whole", "reachable", "status", "problems", "checked_at"}``: ``problems`` are the
    ids of the probe's problems that say the site is not whole (defaced, gambling spam, court name missing,
    error page, unreachable); ``whole`` is true when the site was reached and there is none.
    """
    if not probe:
        return {"checked": False, "whole": False, "reachable": None, "status": None, "problems": []}
    found = _problems(_facts({"probe": probe, "court": court or {}}, dict(THRESHOLDS)), None)
    problems = sorted((p["id"] for p in found if p["id"] in SITE_NOT_WHOLE), key=SITE_NOT_WHOLE.index)
    if not probe.get("reachable") and not problems:
        problems = ["site-unreachable"]
    return {
        "checked": True,
        "whole": bool(probe.get("reachable")) and not problems,
        "reachable": bool(probe.get("reachable")),
        "status": probe.get("status"),
        "problems": problems,
        "checked_at": probe.get("checked_at"),
    }


def plan(problems, allowed=None):
    """The automatic actions for ``problems``, in the order they must run, without duplicates."""
    steps, seen = [], set()
    for problem in problems:
        action = problem.get("action")
        if not action or (allowed is not None and action["action"] not in allowed):
            continue
        key = (action["action"], action.get("target"))
        if key in seen:
            continue
        seen.add(key)
        steps.append(dict(action, problem=problem["id"]))
    restart_order = {"database-down": 0, "php-fpm-down": 1, "webserver-down": 2}
    steps.sort(
        key=lambda s: (
            ACTION_ORDER.index(s["action"]) if s["action"] in ACTION_ORDER else 99,
            restart_order.get(s["problem"], 9),
        )
    )
    return steps


# -- records -------------------------------------------------------------------------------------------


def _lang(value, lang):
    return value.get(lang) or value.get("id") if isinstance(value, dict) else value


def troubleshooting_records(
    court,
    activity,
    problems,
    lang="id",
    who=None,
    started=None,
    finished=None,
    actions=None,
    remaining=None,
    run_id=None,
):
    """One troubleshooting record per problem (shape of ``HistoryStore.add_troubleshooting``).

    For W6 (diagnosis) the actions are the ranked solutions proposed; the outcome is ``escalated`` when
    the problem needs a third party and nothing automatic can fix it, else ``in_progress``. For W7
    (remediation) ``actions`` are the steps carried out ({problem, text, ok}) and ``remaining`` the
    problems found after them: ``resolved`` when the problem is gone, ``escalated`` when it stays and
    needs a third party, else ``unresolved``.
    """
    remaining_ids = None if remaining is None else {p["id"] for p in remaining}
    records = []
    for problem in problems:
        third = problem.get("escalation") or {}
        contact = third.get("contact")
        if activity == "W6":
            steps = [
                "%d. [%s] %s" % (s["rank"], s["fix"], _lang(s["text"], lang)) for s in problem["solutions"]
            ]
            if problem.get("auto"):
                outcome = "in_progress"
            elif contact or third:
                outcome = "escalated"
            else:
                outcome = "in_progress"
        else:
            steps = [
                "%s%s"
                % (a["text"], "" if a.get("ok", True) else (" (GAGAL)" if lang == "id" else " (FAILED)"))
                for a in actions or []
                if a.get("problem") == problem["id"]
            ]
            gone = remaining_ids is not None and problem["id"] not in remaining_ids
            if gone:
                outcome = "resolved"
            elif third and not problem.get("auto"):
                outcome = "escalated"
            else:
                outcome = "unresolved"
        record = {
            "court": court,
            "activity": activity,
            "problem": "%s: %s" % (_lang(problem["title"], lang), _lang(problem["explanation"], lang)),
            "finding_rule": problem["id"],
            "evidence": problem.get("evidence"),
            "actions": steps,
            "who": who,
            "third_party": contact
            if contact
            else (third.get("party") if third and outcome == "escalated" else None),
            "started": started,
            "finished": finished,
            "outcome": outcome,
        }
        if run_id:
            record["run_id"] = run_id
        records.append(record)
    return records


def sop_result(
    court,
    activity,
    problems,
    lang="id",
    who=None,
    started=None,
    finished=None,
    actions=None,
    remaining=None,
    outputs=None,
):
    """``pn_sop_result`` of a diagnosis (W6) or a remediation (W7), with its troubleshooting records."""
    en = lang == "en"
    findings = [
        sr.finding(
            p["id"],
            p["severity"],
            "%s: %s" % (_lang(p["title"], lang), _lang(p["explanation"], lang)),
            {"auto": p["auto"], "escalation": p.get("escalation")},
        )
        for p in (problems if activity == "W6" else (remaining or []))
    ]
    if activity == "W6":
        if not problems:
            summary = "No problem found." if en else "Tidak ditemukan masalah."
        else:
            auto = sum(1 for p in problems if p["auto"])
            third = sum(1 for p in problems if not p["auto"] and p.get("escalation"))
            summary = (
                "%d problem(s): %s; %d can be fixed automatically, %d may need a third party."
                if en
                else "%d masalah: %s; %d dapat diperbaiki otomatis, %d mungkin perlu pihak ketiga."
            ) % (len(problems), ", ".join(p["id"] for p in problems), auto, third)
    else:
        done = [a for a in actions or [] if a.get("ok")]
        failed_steps = [a for a in actions or [] if not a.get("ok")]
        fixed = [p["id"] for p in problems if p["id"] not in {r["id"] for r in remaining or []}]
        if not actions:
            summary = "No automatic action needed." if en else "Tidak ada tindakan otomatis yang diperlukan."
        else:
            summary = (
                "%d action(s) done, %d failed; fixed: %s; remaining: %s."
                if en
                else "%d tindakan dilakukan, %d gagal; teratasi: %s; tersisa: %s."
            ) % (
                len(done),
                len(failed_steps),
                ", ".join(fixed) or "-",
                ", ".join(r["id"] for r in remaining or []) or "-",
            )
    rule = sr.DEFAULT_RULE
    if activity != "W6" and any(not a.get("ok") for a in actions or []):
        rule = REMEDIATION_FAILED_RULE
    recorded = problems
    if activity != "W6":
        # A remediation records what it acted on and the serious problems it leaves, not every remark.
        acted = {a.get("problem") for a in actions or []}
        recorded = [
            p for p in problems if p["id"] in acted or SEVERITY_RANK[p["severity"]] >= SEVERITY_RANK["high"]
        ]
    records = troubleshooting_records(
        court,
        activity,
        recorded,
        lang,
        who,
        started,
        finished,
        actions,
        remaining if activity != "W6" else None,
    )
    result_outputs = {
        "problems": [dict((k, v) for k, v in p.items() if k != "evidence") for p in problems],
        "remaining": [dict((k, v) for k, v in p.items() if k != "evidence") for p in remaining or []],
        "actions": actions or [],
    }
    result_outputs.update(outputs or {})
    return sr.result(
        activity,
        findings=findings,
        summary=summary,
        outputs=result_outputs,
        rule=rule,
        troubleshooting=records,
    )
