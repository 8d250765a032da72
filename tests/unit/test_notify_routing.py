"""Every critical finding reaches someone: the routing table covers every rule id an engine emits, the
documentation shows that table, and the findings that used to reach nobody (a domain on hold, a webshell,
gambling doorway pages, an invalid certificate, hidden links, a failed audit) are sent once per problem
through the real path (the engines' own findings, the history store, a real SMTP server on loopback)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis
from ansible_collections.pn.website.plugins.module_utils.hardening import (
    hardening_audit,
    hardening_audit_data,
)
from ansible_collections.pn.website.plugins.module_utils.logs import access_log
from ansible_collections.pn.website.plugins.module_utils.logs import rules as access_log_rules
from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe
from ansible_collections.pn.website.plugins.module_utils.renewals import renewals
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import ProbeFleet
from sopansible import notify_routing as routing
from sopansible.notify import NotifyError, notify_run, parse_config, problems_of
from tests.unit.rule_ids import emitted_rule_ids
from tests.unit.test_notify import T0, config, record, secrets, smtp, smtp_tls, store  # noqa: F401

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"
AUDIT_RULE = {"critical": "high", "warning": "info"}  # roles/audit: the IT-AUDIT status rule
LOG_RULE = {"critical": "high", "warning": "medium"}  # the W3 status rule


# -- the table -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emitted() -> set[str]:
    return emitted_rule_ids()


def test_every_rule_an_engine_emits_has_a_route(emitted):
    missing = sorted(emitted - set(routing.ROUTING))
    assert missing == [], "route these rules in sopansible/notify_routing.py (and regenerate the doc table)"
    assert set(routing.ROUTING) - emitted == routing.NOTIFIER_RULES


def test_the_documentation_shows_the_routing_table():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- routing-table -->\n(.*?)<!-- /routing-table -->", text, re.S)
    assert match, "docs/notifications.md lost its routing table markers"
    assert match.group(1) == routing.markdown_table(), (
        "the table in docs/notifications.md differs from sopansible/notify_routing.py: "
        "python -m sopansible.notify_routing prints it"
    )


def test_severities_follow_the_engines_own_tables():
    tables = {
        "access log": dict(access_log_rules.RULE_SEVERITY),
        "diagnosis": {rule: data["severity"] for rule, data in diagnosis.RULES.items()},
        "audit": {rule: data[1] for rule, data in hardening_audit_data.CONTROLS.items()},
    }
    wrong = [
        (name, rule, severity, routing.ROUTING[rule][0])
        for name, table in tables.items()
        for rule, severity in table.items()
        if severity not in routing.ROUTING[rule][0]
    ]
    assert wrong == []


def test_every_critical_finding_alerts_by_default():
    for rule, (severities, route, _source) in routing.ROUTING.items():
        assert route in routing.ROUTES
        if "critical" in severities:
            # an audit control or a W2 finding alerts in its activity's alert, any other on its own
            assert route != routing.REPORT, rule
            assert routing.alerts(rule, "critical", "W6", {}) is None, rule
    # a rule no table knows yet (a newer engine) is never silent when critical
    assert routing.alerts("brand-new-rule", "critical", "W1", {}) is None
    assert routing.alerts("brand-new-rule", "high", "W1", {}) == ()


# -- the findings that reached nobody ------------------------------------------------------------------
@pytest.fixture(scope="module")
def probe_fleet(tmp_path_factory):
    fleet = ProbeFleet(str(tmp_path_factory.mktemp("notify-probe"))).start()
    yield fleet
    fleet.stop()


def _w1(fleet, label: str) -> dict:
    """A real W1 result: the site probe against a loopback site."""
    (result,) = site_probe.probe([fleet.site(label)], {"ca_file": fleet.ca_file})
    return site_probe.sop_result(result)


def _w3(*lines: str) -> dict:
    """A real W3 result: the access-log engine over log lines."""
    findings = access_log.analyze_bytes(("\n".join(lines) + "\n").encode())["findings"]
    return sop_result.result("W3", findings=findings, rule=LOG_RULE, summary="W3")


def _w4(statuses: list[str]) -> dict:
    """A real W4 result: the renewal engine with a registry lookup that reports these statuses."""
    court = {"court_name": "Pengadilan Negeri Uji", "court_domain": "pn-uji.go.id"}
    lookup = {"ok": True, "source": "rdap", "status": statuses, "expires": "2027-08-01T00:00:00Z"}
    options = {"check_tls": False, "check_contracts": False}
    checked = renewals.check_court(
        court, {}, court_id="pn-uji", today=dt.date(2026, 11, 23), options=options, domain_result=lookup
    )
    return renewals.sop_result(checked)


def _audit(*failing: str) -> dict:
    """A real IT-AUDIT result: the audit engine's findings for these failed controls."""
    controls = [
        hardening_audit._control(cid, "fail" if cid in failing else "pass", "x", "y")
        for cid in ("ssh-root-login", "ssh-password-auth", "ssh-x11-forwarding")
    ]
    findings = hardening_audit.findings(hardening_audit.summarize(controls))
    return sop_result.result("IT-AUDIT", findings=findings, rule=AUDIT_RULE, summary="Skor audit")


def _run(n: int, result: dict) -> dict:
    started = (T0 + dt.timedelta(days=n)).isoformat()
    return {
        "run_id": f"run-{n}",
        "name": "harian",
        "started": started,
        "courts": {"pn-uji": {"court_name": "Pengadilan Negeri Uji"}},
        "results": [dict(result, court="pn-uji", started=started)],
    }


def _items(answer: dict) -> list[tuple[str, str]]:
    return sorted((i["status"], i["rule"]) for e in answer["sent"] for i in e["items"])


WEBSHELL = corpus.line("103.164.203.7", corpus.START, "POST", "/images/berita/a.phtml", 200, 9)
DOORWAY = corpus.line("182.2.40.1", corpus.START, "GET", "/?link=slot88-maxwin", 200, 9)
QUIET = corpus.line("182.2.40.1", corpus.START, "GET", "/berita/1", 200, 9)


@pytest.mark.parametrize(
    ("case", "rule", "title"),
    [
        ("domain-on-hold", "domain-on-hold", "Domain ditangguhkan (on hold)"),
        ("webshell-post", "webshell-post", "Tanda webshell di log akses"),
        ("gambling-doorway", "gambling-doorway", "Halaman judi (doorway) di log akses"),
        ("tls-invalid", "tls-invalid", "Sertifikat TLS tidak valid"),
        ("hidden-links", "hidden-links", "Tautan tersembunyi di website"),
        ("audit", "audit-failed", "Audit keamanan (IT-AUDIT) gagal"),
    ],
)
def test_findings_that_reached_nobody_are_sent_once(case, rule, title, store, smtp, probe_fleet):  # noqa: F811
    bad, clean = {
        "domain-on-hold": lambda: (_w4(["clientHold"]), _w4(["active"])),
        "webshell-post": lambda: (_w3(WEBSHELL), _w3(QUIET)),
        "gambling-doorway": lambda: (_w3(DOORWAY), _w3(QUIET)),
        "tls-invalid": lambda: (_w1(probe_fleet, "selfsigned"), _w1(probe_fleet, "good")),
        "hidden-links": lambda: (_w1(probe_fleet, "hidden"), _w1(probe_fleet, "good")),
        "audit": lambda: (_audit("ssh-root-login", "ssh-x11-forwarding"), _audit()),
    }[case]()
    assert bad["status"] == "critical" and clean["status"] in ("ok", "warning")
    cfg = config(smtp)

    first = notify_run(store, record(store, _run(0, bad)), cfg)
    assert first["errors"] == [] and ("new", rule) in _items(first)
    assert len(smtp.messages) == 1
    body = smtp.messages[0][1].get_body(("plain",)).get_content()
    assert f"[MASALAH] {title}" in body

    # seen again by the next run: not sent again
    again = notify_run(store, record(store, _run(1, bad)), cfg)
    assert again["sent"] == [] and len(smtp.messages) == 1

    # gone: resolved once
    cleared = notify_run(store, record(store, _run(2, clean)), cfg)
    assert ("resolved", rule) in _items(cleared) and ("new", rule) not in _items(cleared)
    assert f"[SELESAI] {title}" in smtp.messages[-1][1].get_body(("plain",)).get_content()


def test_failed_audit_names_its_serious_controls_and_changes_with_them(store, smtp):  # noqa: F811
    cfg = config(smtp)
    notify_run(store, record(store, _run(0, _audit("ssh-root-login", "ssh-x11-forwarding"))), cfg)
    body = smtp.messages[0][1].get_body(("plain",)).get_content()
    assert "ssh-root-login" in body and "ssh-x11-forwarding" not in body
    # only a low control more: nothing new to say
    assert notify_run(store, record(store, _run(1, _audit("ssh-root-login"))), cfg)["sent"] == []
    # another high control fails: the problem changed
    worse = notify_run(store, record(store, _run(2, _audit("ssh-root-login", "ssh-password-auth"))), cfg)
    assert _items(worse) == [("changed", "audit-failed")]
    # an audit that could not run at all is a failed audit too
    broken = {"activity": "IT-AUDIT", "status": "failed", "error": "sudo: a password is required"}
    assert problems_of(_run(3, broken))[0].key == "pn-uji|audit-failed|audit"


# -- the team's own routes -------------------------------------------------------------------------------
def test_routing_settings_change_the_defaults(store, smtp, probe_fleet):  # noqa: F811
    hidden = _w1(probe_fleet, "hidden")
    run = _run(0, hidden)
    rules = {p.rule for p in problems_of(run)}
    assert "hidden-links" in rules
    quiet = config(smtp, routing={"hidden-links": "report", "keyword-missing": "alert"})
    assert "hidden-links" not in {p.rule for p in problems_of(run, settings=quiet.routing)}
    # a rule routed to some channels only is planned for those channels only
    only = config(smtp, routing={"hidden-links": ["telegram"]})
    answer = notify_run(store, record(store, run), only)
    assert "hidden-links" not in {i["rule"] for e in answer["sent"] for i in e["items"]}
    # a high finding a team wants at once
    stale = {"rule": "keyword-missing", "severity": "high", "message": "Kata kunci hilang", "evidence": {}}
    w1 = {"activity": "W1", "status": "critical", "findings": [stale]}
    assert [p.rule for p in problems_of(_run(1, w1))] == []
    assert [p.rule for p in problems_of(_run(1, w1), settings=quiet.routing)] == ["keyword-missing"]
    # a failed audit can be turned off like any other alert
    off = config(smtp, routing={"audit-failed": "report"})
    assert problems_of(_run(2, _audit("ssh-root-login")), settings=off.routing) == []


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ({"no-such-rule": "alert"}, "routing.no-such-rule: aturan tidak dikenal"),
        ({"hidden-links": "sometimes"}, "routing.hidden-links: harus salah satu dari alert, critical"),
        ({"hidden-links": ["sms"]}, "routing.hidden-links: harus salah satu"),
        ({"hidden-links": []}, "routing.hidden-links: harus salah satu"),
        (["hidden-links"], "routing: harus mapping"),
    ],
)
def test_bad_routing_settings_name_the_rule(routes, expected):
    with pytest.raises(NotifyError, match=re.escape(expected)):
        parse_config({"email": {"host": "h", "from": "a@b.c", "to": ["x@y.z"]}, "routing": routes})
