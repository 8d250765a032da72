# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SOP result (``pn_sop_result``, CONTRIBUTING.md "SOP results"): the one format every SOP activity
hands to the history store, and the scales it speaks in.

* :data:`STATUSES` an activity may give a court (``ok`` < ``warning`` < ``critical`` < ``failed``) and
  :data:`RUN_STATUSES`, which adds ``unreachable`` (only the runner records it, for a court it could
  not reach); :data:`STATUS_RANK` orders them, :func:`worst` picks the worst.
* :data:`SEVERITIES` of findings (``info`` < ``low`` < ``medium`` < ``high`` < ``critical``),
  :data:`SEVERITY_RANK`, :func:`worst_severity`.
* The rule from the findings' severities to a status: a mapping ``{status: lowest severity}``, e.g.
  :data:`DEFAULT_RULE` ``{"critical": "critical", "warning": "medium"}``: the worst finding decides, and
  the worst status whose severity it reaches wins; no finding, or none that reaches one, is ``ok``.
  Activities that judge differently pass their own rule (:func:`status_for`).
* :func:`finding` and :func:`result` build the dicts and refuse what does not fit the format, with a
  :class:`SopResultError` in Indonesian and English (:class:`BilingualError`).

Standard library only, Python 3.8+: the engines that use it also run on court servers.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

from collections.abc import Mapping

STATUSES = ("ok", "warning", "critical", "failed")
RUN_STATUSES = STATUSES + ("unreachable",)
STATUS_RANK = dict((name, rank) for rank, name in enumerate(RUN_STATUSES))
SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = dict((name, rank) for rank, name in enumerate(SEVERITIES))
#: Statuses a rule can give, worst first (``ok`` is what remains).
RULE_STATUSES = ("failed", "critical", "warning")
#: W1 availability and content, W4 renewals, W6 diagnosis, W7 remediation: a critical finding makes
#: the result critical, a high or medium one a warning.
DEFAULT_RULE = {"critical": "critical", "warning": "medium"}


class BilingualError(Exception):
    """An error with its message in Indonesian (``str()``) and English (:meth:`message` with ``"en"``)."""

    def __init__(self, text_id, text_en=None):
        super(BilingualError, self).__init__(text_id)
        self.text_en = text_en or text_id

    def message(self, lang="id"):
        return self.text_en if lang == "en" else str(self)


class SopResultError(BilingualError, ValueError):
    """A finding, result or rule that does not fit the SOP result format; the message names the field."""


def _choices(names):
    return ", ".join(names)


def _shown(value):
    """``value`` as it appears in a message, cut short: it may come from a court or a website."""
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "..."


def _severity(value, where):
    if value not in SEVERITY_RANK:
        raise SopResultError(
            "%s: tingkat %s tidak dikenal; pilihan: %s" % (where, _shown(value), _choices(SEVERITIES)),
            "%s: unknown severity %s; choose from: %s" % (where, _shown(value), _choices(SEVERITIES)),
        )
    return value


def _text(value, where, required=True):
    if not isinstance(value, str) or (required and not value.strip()):
        raise SopResultError(
            "%s harus berupa teks%s, bukan %s"
            % (where, " yang tidak kosong" if required else "", _shown(value)),
            "%s must be %stext, not %s" % (where, "non-empty " if required else "", _shown(value)),
        )
    return value


def _mapping(value, where):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SopResultError(
            "%s harus berupa dict, bukan %s" % (where, type(value).__name__),
            "%s must be a dict, not %s" % (where, type(value).__name__),
        )
    return dict(value)


# -- scales --------------------------------------------------------------------------------------------


def worst(statuses):
    """The worst of ``statuses`` (unknown names are ignored); ``ok`` when there is none."""
    found = "ok"
    for status in statuses:
        if STATUS_RANK.get(status, 0) > STATUS_RANK[found]:
            found = status
    return found


def worst_severity(findings):
    """The highest severity among ``findings`` (dicts with ``severity``, or severities), None when none."""
    found = None
    for index, item in enumerate(findings or ()):
        severity = _severity(
            item.get("severity") if isinstance(item, Mapping) else item, "findings[%d]" % index
        )
        if found is None or SEVERITY_RANK[severity] > SEVERITY_RANK[found]:
            found = severity
    return found


def check_rule(rule=None):
    """``rule`` (``{status: lowest severity}``, default :data:`DEFAULT_RULE`) checked, as a dict.

    A worse status may not need a lower severity than a milder one: that status would hide the other."""
    rule = DEFAULT_RULE if rule is None else rule
    if not isinstance(rule, Mapping) or not rule:
        raise SopResultError(
            "rule harus berupa dict {status: tingkat terendah}, bukan %s" % _shown(rule),
            "rule must be a dict {status: lowest severity}, not %s" % _shown(rule),
        )
    checked = {}
    for status, severity in rule.items():
        if status not in RULE_STATUSES:
            raise SopResultError(
                "rule: status %s tidak dapat dipakai; pilihan: %s"
                % (_shown(status), _choices(RULE_STATUSES)),
                "rule: status %s cannot be used; choose from: %s" % (_shown(status), _choices(RULE_STATUSES)),
            )
        checked[status] = _severity(severity, "rule.%s" % status)
    ordered = [status for status in RULE_STATUSES if status in checked]
    for index in range(1, len(ordered)):
        worse, milder = ordered[index - 1], ordered[index]
        if SEVERITY_RANK[checked[worse]] < SEVERITY_RANK[checked[milder]]:
            raise SopResultError(
                "rule: %s mulai dari '%s' menutupi %s mulai dari '%s'"
                % (worse, checked[worse], milder, checked[milder]),
                "rule: %s from '%s' hides %s from '%s'" % (worse, checked[worse], milder, checked[milder]),
            )
    return checked


def severity_status(severity, rule=None):
    """The status one severity (or None: nothing found) gives under ``rule``."""
    rule = check_rule(rule)
    if severity is None:
        return "ok"
    rank = SEVERITY_RANK[_severity(severity, "severity")]
    for status in RULE_STATUSES:
        if status in rule and rank >= SEVERITY_RANK[rule[status]]:
            return status
    return "ok"


def status_for(findings, rule=None):
    """The status of a result with ``findings``: the worst finding's severity under ``rule``."""
    return severity_status(worst_severity(findings), rule)


# -- builders ------------------------------------------------------------------------------------------


def finding(rule, severity, message, evidence=None, **extra):
    """One finding: a stable ``rule`` id, a severity, a message and its evidence; ``extra`` keys (e.g.
    ``message_en``) are kept."""
    _mapping(evidence, "finding.evidence")
    item = {
        "rule": _text(rule, "finding.rule"),
        "severity": _severity(severity, "finding.severity"),
        "message": _text(message, "finding.message", required=False),
        "evidence": {} if evidence is None else evidence,
    }
    item.update(extra)
    return item


def check_finding(item, where="finding"):
    """A copy of a finding dict built elsewhere (a template, an engine), checked like :func:`finding`."""
    if not isinstance(item, Mapping):
        raise SopResultError(
            "%s harus berupa dict, bukan %s" % (where, type(item).__name__),
            "%s must be a dict, not %s" % (where, type(item).__name__),
        )
    _text(item.get("rule"), where + ".rule")
    _severity(item.get("severity"), where + ".severity")
    _text(item.get("message"), where + ".message", required=False)
    if item.get("evidence") is not None:
        _mapping(item["evidence"], where + ".evidence")
    return dict(item)


def _summary(summary, status):
    """The summary text; a mapping ``{status: text, "default": text}`` gives the one for ``status``."""
    if isinstance(summary, Mapping):
        unknown = ", ".join(
            sorted(_shown(key) for key in summary if key not in STATUSES and key != "default")
        )
        if unknown:
            raise SopResultError(
                "summary: kunci %s tidak dikenal; pilihan: %s, default" % (unknown, _choices(STATUSES)),
                "summary: unknown key %s; choose from: %s, default" % (unknown, _choices(STATUSES)),
            )
        if status not in summary and "default" not in summary:
            raise SopResultError(
                "summary: tidak ada teks untuk status '%s' (dan tidak ada 'default')" % status,
                "summary: no text for status '%s' (and no 'default')" % status,
            )
        return _text(summary.get(status, summary.get("default")), "summary.%s" % status, required=False)
    return _text(summary, "summary", required=False)


def result(activity, status=None, findings=None, summary="", outputs=None, rule=None, **extra):
    """A ``pn_sop_result``. Without ``status`` it follows from the findings under ``rule`` (default
    :data:`DEFAULT_RULE`); a status given (an engine's own judgement) must be one of :data:`STATUSES`.
    ``summary`` is a text, or ``{status: text, "default": text}`` to word it by the status found.
    ``extra`` keys (e.g. ``troubleshooting``) are kept."""
    _text(activity, "activity")
    if findings is None:
        findings = []
    if not isinstance(findings, (list, tuple)):
        raise SopResultError(
            "findings harus berupa daftar, bukan %s" % type(findings).__name__,
            "findings must be a list, not %s" % type(findings).__name__,
        )
    checked = [check_finding(item, "findings[%d]" % index) for index, item in enumerate(findings)]
    if rule is not None:
        check_rule(rule)
    if status is None:
        status = status_for(checked, rule)
    elif status not in STATUSES:
        raise SopResultError(
            "status %s tidak dikenal; pilihan: %s" % (_shown(status), _choices(STATUSES)),
            "unknown status %s; choose from: %s" % (_shown(status), _choices(STATUSES)),
        )
    built = {
        "activity": activity,
        "status": status,
        "summary": _summary(summary, status),
        "outputs": _mapping(outputs, "outputs"),
        "findings": checked,
    }
    built.update(extra)
    return built
