# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Troubleshooting rules: evidence -> problems, solutions, contacts, plan, records; and the module."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.pn.website.plugins.module_utils.diagnosis import diagnosis as dg
from ansible_collections.pn.website.plugins.modules import diagnose as module
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

GB = 1024**3
CONTACTS = {
    "services": [
        {"kind": "hosting", "provider": "VPS Nusantara", "contact": {"name": "NOC VPS", "phone": "0211234"}},
        {"kind": "connection", "provider": "ISP Daerah", "contact": {"email": "noc@isp.example"}},
    ],
    "third_parties": [
        {"role": "registrar", "name": "PANDI Registrar", "email": "support@registrar.example"},
        {"role": "vendor", "name": "CV Web Pengadilan", "phone": "0812"},
    ],
}


def unit(name, role, active="active"):
    return {
        "unit": name,
        "role": role,
        "active": active,
        "sub": "running" if active == "active" else "dead",
        "result": "success",
        "loaded": "loaded",
        "running": active == "active",
        "journal": [],
    }


def healthy_server():
    return {
        "webserver": "nginx",
        "services": {
            "nginx": unit("nginx", "webserver"),
            "php8.2-fpm": unit("php8.2-fpm", "php-fpm"),
            "mariadb": unit("mariadb", "database"),
        },
        "config_test": {"command": "nginx -t", "ok": True, "output": "test is successful"},
        "disk": [
            {
                "path": "/",
                "mount": "/",
                "total_bytes": 20 * GB,
                "used_bytes": 8 * GB,
                "free_bytes": 12 * GB,
                "used_pct": 40.0,
                "inodes_total": 1000000,
                "inodes_free": 900000,
                "inodes_used_pct": 10.0,
            }
        ],
        "memory": {"total_bytes": 4 * GB, "available_bytes": 2 * GB, "available_pct": 50.0},
        "load": {"load1": 0.5, "load5": 0.4, "load15": 0.3, "cpus": 2},
        "failed_units": {"checked": True, "count": 0, "units": []},
        "updates": {"checked": True, "total": 0, "security": 0, "security_packages": []},
        "time": {"checked": True, "ntp": True, "synchronized": True},
        "backup": {"found": True, "status": "ok", "finished": "2026-11-23T01:30:00+00:00", "age_hours": 3.0},
        "biggest_logs": [{"path": "/var/log/nginx/access.log", "size_bytes": 10 * 1024**2}],
        "recent_webroot_changes": {"count": 0, "files": []},
        "local_http": {"ok": True, "status": 200, "keyword_found": True},
    }


def probe(reachable=True, **extra):
    result = {
        "url": "https://pn-tais.go.id/",
        "reachable": reachable,
        "reason": None,
        "error": None,
        "status": 200 if reachable else None,
        "tls": {"verified": True, "days_left": 80},
        "keyword": {"expected": "Pengadilan Negeri Tais", "found": True},
        "findings": [],
    }
    result.update(extra)
    return result


def evidence(server=None, site=None, dns=None, hardening=None):
    return {
        "court": {"name": "pn-tais", "domain": "pn-tais.go.id", "webserver": "nginx"},
        "server": server,
        "probe": site,
        "dns": dns,
        "hardening": hardening,
    }


def ids(problems):
    return [p["id"] for p in problems]


def test_healthy_court_has_no_problem():
    assert dg.diagnose(evidence(healthy_server(), probe()), CONTACTS) == []


def test_php_fpm_down_is_named_with_an_automatic_restart_and_the_502_is_not_repeated():
    server = healthy_server()
    server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm", "inactive")
    site = probe(False, reason="http", status=502, error="HTTP status 502")
    problems = dg.diagnose(evidence(server, site), CONTACTS)
    assert ids(problems) == ["php-fpm-down"]
    problem = problems[0]
    assert problem["severity"] == "critical" and problem["auto"] is True
    assert problem["action"] == {"action": "restart-service", "target": "php8.2-fpm"}
    assert [s["fix"] for s in problem["solutions"]] == ["auto", "operator", "maintenance"]
    assert [s["rank"] for s in problem["solutions"]] == [1, 2, 3]
    assert "php8.2-fpm" in problem["explanation"]["id"] and "php8.2-fpm" in problem["explanation"]["en"]
    assert problem["title"] == {"id": "PHP-FPM mati", "en": "PHP-FPM is down"}
    assert dg.plan(problems) == [
        {"action": "restart-service", "target": "php8.2-fpm", "problem": "php-fpm-down"}
    ]


def test_invalid_config_is_the_cause_not_the_stopped_web_server():
    server = healthy_server()
    server["services"]["nginx"] = unit("nginx", "webserver", "failed")
    server["config_test"] = {
        "command": "nginx -t",
        "ok": False,
        "file": "/etc/nginx/sites-enabled/court",
        "line": 26,
        "output": '2026/11/23 12:23:27 [emerg] 1099#1099: unknown directive "oops" in '
        "/etc/nginx/sites-enabled/court:26\nnginx: configuration file test failed",
    }
    problems = dg.diagnose(evidence(server, probe(False, reason="connect", error="refused")), CONTACTS)
    assert ids(problems) == ["webserver-config-invalid"]
    problem = problems[0]
    assert problem["action"] == {"action": "restore-config", "target": "nginx"}
    assert '[emerg] unknown directive "oops"' in problem["explanation"]["en"]
    assert "2026/11/23" not in problem["explanation"]["en"]
    assert "/etc/nginx/sites-enabled/court:26" in problem["solutions"][1]["text"]["id"]
    vendor = problem["solutions"][2]
    assert vendor["fix"] == "third_party" and vendor["contact"]["name"] == "CV Web Pengadilan"


def test_web_server_down_with_a_valid_config_is_restarted():
    server = healthy_server()
    server["services"]["nginx"] = unit("nginx", "webserver", "failed")
    problems = dg.diagnose(evidence(server, probe(False, reason="connect")), CONTACTS)
    assert ids(problems) == ["webserver-down"]
    assert problems[0]["action"]["action"] == "restart-service"


def test_database_down_then_order_of_restarts():
    server = healthy_server()
    server["services"]["mariadb"] = unit("mariadb", "database", "failed")
    server["services"]["nginx"] = unit("nginx", "webserver", "failed")
    server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm", "inactive")
    steps = dg.plan(dg.diagnose(evidence(server), CONTACTS))
    assert [s["target"] for s in steps] == ["mariadb", "php8.2-fpm", "nginx"]


def full_disk(mount, used_pct, logs):
    total = 8 * 1024**2 if mount.startswith("/var/log") else 20 * GB
    free = int(total * (100 - used_pct) / 100)
    return {
        "path": mount,
        "mount": mount,
        "total_bytes": total,
        "used_bytes": total - free,
        "free_bytes": free,
        "used_pct": used_pct,
        "inodes_total": 1000,
        "inodes_free": 990,
        "inodes_used_pct": 1.0,
    }, logs


def test_disk_full_of_logs_versus_disk_full_of_other_data():
    server = healthy_server()
    disk, _unused = full_disk("/var/log/nginx", 100.0, None)
    server["disk"].append(disk)
    server["biggest_logs"] = [{"path": "/var/log/nginx/access.log", "size_bytes": 8 * 1024**2 - 4096}]
    problems = dg.diagnose(evidence(server), CONTACTS)
    assert ids(problems) == ["disk-full-logs"]
    assert problems[0]["action"] == {"action": "free-logs", "target": "/var/log/nginx"}
    assert "/var/log/nginx/access.log" in problems[0]["explanation"]["en"]

    server = healthy_server()
    server["disk"][0].update(used_pct=97.0, free_bytes=int(0.6 * GB), used_bytes=int(19.4 * GB))
    problems = dg.diagnose(evidence(server), CONTACTS)
    assert ids(problems) == ["disk-full"]
    assert problems[0]["auto"] is False
    hosting = [s for s in problems[0]["solutions"] if s["fix"] == "third_party"][0]
    assert hosting["contact"] == {
        "role": "hosting",
        "source": "court_services",
        "name": "NOC VPS",
        "phone": "0211234",
        "provider": "VPS Nusantara",
    }
    assert [s["fix"] for s in problems[0]["solutions"]] == ["operator", "maintenance", "third_party"]


def test_inodes_exhausted():
    server = healthy_server()
    server["disk"][0].update(inodes_used_pct=99.5)
    assert ids(dg.diagnose(evidence(server))) == ["inode-full"]


def test_certificate_expired_invalid_and_expiring():
    expired = probe(
        False,
        reason="tls",
        error="certificate has expired",
        findings=[
            {
                "rule": "tls-invalid",
                "severity": "critical",
                "message_en": "The TLS certificate is invalid (expired)",
                "evidence": {"reason": "expired", "not_after": "2026-11-01T00:00:00+00:00"},
            }
        ],
    )
    problems = dg.diagnose(evidence(healthy_server(), expired), CONTACTS)
    assert ids(problems) == ["certificate-expired"]
    assert "2026-11-01" in problems[0]["explanation"]["id"]
    mismatch = probe(
        False,
        reason="tls",
        error="hostname mismatch",
        findings=[
            {
                "rule": "tls-invalid",
                "severity": "critical",
                "message_en": "x",
                "evidence": {"reason": "hostname-mismatch", "host": "www.pn-tais.go.id"},
            }
        ],
    )
    assert ids(dg.diagnose(evidence(None, mismatch))) == ["certificate-invalid"]
    soon = probe(
        findings=[
            {
                "rule": "tls-expiring",
                "severity": "high",
                "message_en": "x",
                "evidence": {"days_left": 5.4, "not_after": "2026-11-28"},
            }
        ]
    )
    problems = dg.diagnose(evidence(None, soon))
    assert ids(problems) == ["certificate-expiring"] and problems[0]["severity"] == "high"
    assert "5 days" in problems[0]["explanation"]["en"]


def test_dns_pointing_elsewhere_and_not_resolving_escalate_to_the_registrar():
    dns = {
        "checked": True,
        "name": "pn-tais.go.id",
        "addresses": ["198.51.100.66"],
        "expected": ["203.0.113.10"],
    }
    problems = dg.diagnose(evidence(healthy_server(), probe(), dns), CONTACTS)
    assert ids(problems) == ["dns-mismatch"]
    assert problems[0]["escalation"]["contact"]["name"] == "PANDI Registrar"
    assert "198.51.100.66" in problems[0]["explanation"]["en"]
    ok = dict(dns, addresses=["203.0.113.10", "2001:db8::1"])
    assert dg.diagnose(evidence(healthy_server(), probe(), ok)) == []
    gone = dict(dns, addresses=[], error="getent rc 2")
    site = probe(False, reason="dns", error="no address")
    assert ids(dg.diagnose(evidence(healthy_server(), site, gone), CONTACTS)) == ["dns-unresolved"]


def test_unreachable_from_outside_but_fine_on_the_server_points_at_the_network():
    site = probe(False, reason="timeout", error="no answer in 5s")
    problems = dg.diagnose(evidence(healthy_server(), site), CONTACTS)
    assert ids(problems) == ["site-unreachable"]
    parties = [s["contact"]["role"] for s in problems[0]["solutions"] if s["fix"] == "third_party"]
    assert parties == ["connection", "hosting"]
    assert "HTTP 200" in problems[0]["explanation"]["en"]


def test_application_error_when_services_run():
    server = healthy_server()
    server["local_http"] = {"ok": False, "status": 500}
    site = probe(False, reason="http", status=500, error="HTTP status 500")
    assert ids(dg.diagnose(evidence(server, site))) == ["site-error"]


def test_defacement_and_gambling_spam_restore_from_backup():
    deface = probe(
        keyword={"expected": "Pengadilan Negeri Tais", "found": False},
        findings=[
            {"rule": "defacement", "severity": "critical", "evidence": {"terms": ["hacked by"]}},
            {"rule": "gambling-spam", "severity": "critical", "evidence": {"terms": ["slot gacor"]}},
            {"rule": "keyword-missing", "severity": "high", "evidence": {}},
        ],
    )
    server = healthy_server()
    server["recent_webroot_changes"] = {"count": 2, "files": [{"path": "/var/www/court/index.php"}]}
    problems = dg.diagnose(evidence(server, deface), CONTACTS)
    assert ids(problems) == ["site-defaced"]
    assert problems[0]["action"] == {"action": "restore-site", "target": None}
    assert "hacked by" in problems[0]["explanation"]["en"] and "2 files" in problems[0]["explanation"]["en"]
    spam = probe(
        findings=[{"rule": "gambling-spam", "severity": "critical", "evidence": {"terms": ["togel"]}}]
    )
    problems = dg.diagnose(evidence(server, spam))
    assert ids(problems) == ["gambling-spam"] and problems[0]["auto"]
    missing = probe(findings=[{"rule": "keyword-missing", "severity": "high", "evidence": {}}])
    problems = dg.diagnose(evidence(server, missing))
    assert ids(problems) == ["content-changed"] and not problems[0]["auto"]


def test_health_problems_backup_updates_time_memory_load_hardening():
    server = healthy_server()
    server["backup"] = {
        "found": True,
        "status": "ok",
        "finished": "2026-11-20T01:30:00+00:00",
        "age_hours": 80.0,
    }
    server["updates"] = {
        "checked": True,
        "total": 4,
        "security": 2,
        "security_packages": ["openssl", "libssl3"],
    }
    server["time"] = {"checked": True, "ntp": False, "synchronized": False}
    server["memory"]["available_pct"] = 2.0
    server["load"]["load5"] = 9.0
    hardening = {"checked": True, "failed": [{"id": "ssh-root-login", "severity": "high", "observed": "yes"}]}
    problems = dg.diagnose(evidence(server, hardening=hardening), CONTACTS)
    assert sorted(ids(problems)) == sorted(
        ["backup-stale", "updates-pending", "time-unsynced", "memory-low", "load-high", "hardening-drift"]
    )
    by_id = {p["id"]: p for p in problems}
    assert by_id["backup-stale"]["action"]["action"] == "backup"
    assert "openssl" in by_id["updates-pending"]["explanation"]["en"]
    assert by_id["hardening-drift"]["severity"] == "medium"
    assert by_id["hardening-drift"]["evidence"]["failed"][0]["id"] == "ssh-root-login"
    # Worst first.
    ranks = [dg.SEVERITY_RANK[p["severity"]] for p in problems]
    assert ranks == sorted(ranks, reverse=True)
    server["backup"] = {"found": False, "path": "/var/lib/pn-website/backup-status.json"}
    assert "backup-missing" in ids(dg.diagnose(evidence(server)))
    assert dg.plan(problems, allowed=["restart-service"]) == []


def failed(*names):
    return {
        "checked": True,
        "count": len(names),
        "units": [{"unit": name, "load": "loaded", "sub": "failed"} for name in names],
    }


def test_failed_units_are_named_except_the_sites_own_services():
    """A failed unit is a problem of its own; a failed site service is named by its own problem only, and
    what the server gives that is not a unit name is not repeated."""
    server = healthy_server()
    server["failed_units"] = failed(
        "logrotate.service", "nginx.service", "x; rm -rf /", "pn-website-backup.service"
    )
    server["services"]["nginx"] = unit("nginx", "webserver", "failed")
    problems = dg.diagnose(evidence(server), CONTACTS)
    assert ids(problems) == ["webserver-down", "units-failed"]
    found = problems[1]
    assert found["severity"] == "medium"
    assert found["evidence"] == {"units": ["logrotate.service", "pn-website-backup.service"], "count": 2}
    assert found["explanation"]["en"].startswith(
        "2 systemd units are in the failed state: logrotate.service, pn-website-backup.service."
    )
    assert found["title"] == {"id": "Layanan sistem gagal", "en": "System services failed"}
    server["failed_units"] = failed("nginx.service")
    assert ids(dg.diagnose(evidence(server))) == ["webserver-down"]
    server["failed_units"] = {"checked": False, "error": "Failed to connect to bus"}
    assert ids(dg.diagnose(evidence(server))) == ["webserver-down"]
    for malformed in (["logrotate.service"], {"units": "logrotate.service"}, {"units": [["x.service"]]}):
        server["failed_units"] = malformed
        assert ids(dg.diagnose(evidence(server))) == ["webserver-down"]


def health_only(server):
    """Only the parts of the server evidence the weekly audit gathers."""
    keep = ("collected_at", "webserver", "disk", "memory", "load", "failed_units", "updates", "biggest_logs")
    return {key: value for key, value in server.items() if key in keep}


def test_health_of_a_server_in_a_few_checked_values():
    server = health_only(healthy_server())
    server["failed_units"] = failed("logrotate.service", "bad name.service")
    assert dg.health(server) == {
        "disks": [{"mount": "/", "used_pct": 40.0, "free_bytes": 12 * GB, "inodes_used_pct": 10.0}],
        "memory_available_pct": 50.0,
        "load5": 0.4,
        "cpus": 2,
        "failed_units": ["logrotate.service"],
        "failed_units_count": 2,
        "security_updates": 0,
        "security_packages": [],
    }
    hostile = {
        "disk": [{"mount": "/" * 5000, "used_pct": "99"}] + [{"mount": "/m", "used_pct": 1.0}] * 50,
        "memory": {"available_pct": float("nan")},
        "load": ["not", "a", "dict"],
        "failed_units": {"checked": True, "count": 10**30, "units": "logrotate.service"},
        "updates": {"checked": "yes", "security": 3},
    }
    shown = dg.health(hostile)
    assert len(shown["disks"]) == 10 and shown["disks"][0]["mount"] == "/m"
    assert shown["memory_available_pct"] is None and shown["load5"] is None
    assert shown["failed_units"] == [] and shown["failed_units_count"] == 0
    assert shown["security_updates"] is None and shown["security_packages"] is None
    assert dg.health(None)["disks"] == [] and dg.health(None)["failed_units"] is None


def test_health_names_the_pending_security_updates():
    """The names of the pending security updates reach the audit's health (Debian package names only, at
    most 20: the list comes from the server)."""
    server = health_only(healthy_server())
    server["updates"] = {
        "checked": True,
        "total": 3,
        "security": 3,
        "security_packages": ["libssl3", "php8.2-fpm", "<script>alert(1)</script>", "x" * 500] + ["a"] * 30,
    }
    shown = dg.health(server)
    assert shown["security_updates"] == 3
    assert shown["security_packages"] == ["libssl3", "php8.2-fpm"] + ["a"] * 16


def test_thresholds_can_be_overridden():
    server = healthy_server()
    server["disk"][0].update(used_pct=85.0)
    assert dg.diagnose(evidence(server)) == []
    assert ids(dg.diagnose(evidence(server), thresholds={"disk_used_pct": 80})) == ["disk-full"]


def test_contact_resolution_order_and_absence():
    assert dg.resolve_contact("connection", CONTACTS)["email"] == "noc@isp.example"
    assert dg.resolve_contact("domain", CONTACTS)["name"] == "PANDI Registrar"
    assert dg.resolve_contact("domain", {}) is None
    only_people = {"third_parties": [{"role": "isp", "name": "Telkom", "phone": "147"}]}
    assert dg.resolve_contact("connection", only_people) == {
        "role": "isp",
        "source": "court_contacts.third_parties",
        "name": "Telkom",
        "phone": "147",
    }


def test_w6_records_and_result():
    server = healthy_server()
    server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm", "inactive")
    dns = {
        "checked": True,
        "name": "pn-tais.go.id",
        "addresses": ["198.51.100.66"],
        "expected": ["203.0.113.10"],
    }
    problems = dg.diagnose(evidence(server, probe(), dns), CONTACTS)
    result = dg.sop_result(
        "pn-tais",
        "W6",
        problems,
        lang="en",
        who="operator1",
        started="2026-11-23T10:00:00+00:00",
        finished="2026-11-23T10:01:00+00:00",
    )
    assert result["activity"] == "W6" and result["status"] == "critical"
    assert "2 problem(s)" in result["summary"]
    assert [f["rule"] for f in result["findings"]] == ["php-fpm-down", "dns-mismatch"]
    records = {r["finding_rule"]: r for r in result["troubleshooting"]}
    assert records["php-fpm-down"]["outcome"] == "in_progress"
    assert records["php-fpm-down"]["actions"][0].startswith("1. [auto] Restart php8.2-fpm")
    assert records["dns-mismatch"]["outcome"] == "escalated"
    assert records["dns-mismatch"]["third_party"]["name"] == "PANDI Registrar"
    assert all(r["who"] == "operator1" and r["court"] == "pn-tais" for r in records.values())
    assert "evidence" not in result["outputs"]["problems"][0]


def test_w7_records_resolved_unresolved_escalated():
    server = healthy_server()
    server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm", "inactive")
    server["updates"] = {"checked": True, "total": 1, "security": 1, "security_packages": ["openssl"]}
    dns = {
        "checked": True,
        "name": "pn-tais.go.id",
        "addresses": ["198.51.100.66"],
        "expected": ["203.0.113.10"],
    }
    before = dg.diagnose(evidence(server, probe(), dns), CONTACTS)
    after_server = copy.deepcopy(server)
    after_server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm")
    remaining = dg.diagnose(evidence(after_server, probe(), dns), CONTACTS)
    actions = [
        {
            "problem": "php-fpm-down",
            "action": "restart-service",
            "text": "Restarted php8.2-fpm: active",
            "ok": True,
        }
    ]
    result = dg.sop_result("pn-tais", "W7", before, lang="en", actions=actions, remaining=remaining)
    records = {r["finding_rule"]: r for r in result["troubleshooting"]}
    # updates-pending (medium, no action) is not a troubleshooting record of the remediation.
    assert set(records) == {"php-fpm-down", "dns-mismatch"}
    assert records["php-fpm-down"]["outcome"] == "resolved"
    assert records["php-fpm-down"]["actions"] == ["Restarted php8.2-fpm: active"]
    assert records["dns-mismatch"]["outcome"] == "escalated"
    assert result["status"] == "critical"  # the DNS problem remains
    assert "fixed: php-fpm-down" in result["summary"]
    failed = dg.sop_result(
        "pn-tais", "W7", before[:1], lang="id", actions=[dict(actions[0], ok=False)], remaining=before[:1]
    )
    assert failed["status"] == "failed"
    assert failed["troubleshooting"][0]["outcome"] == "unresolved"
    assert failed["troubleshooting"][0]["actions"] == ["Restarted php8.2-fpm: active (GAGAL)"]


def run_module(args):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        module.main()
    return exc.value.result


def test_module_w6_and_w7():
    server = healthy_server()
    server["services"]["php8.2-fpm"] = unit("php8.2-fpm", "php-fpm", "inactive")
    out = run_module(
        {"court": "pn-tais", "evidence": evidence(server), "contacts": CONTACTS, "_ansible_check_mode": True}
    )
    assert out["changed"] is False
    assert ids(out["problems"]) == ["php-fpm-down"]
    assert out["plan"][0]["action"] == "restart-service"
    assert out["sop_result"]["activity"] == "W6"
    out7 = run_module(
        {
            "court": "pn-tais",
            "evidence": evidence(healthy_server()),
            "activity": "W7",
            "problems": out["problems"],
            "actions": [{"problem": "php-fpm-down", "action": "restart-service", "text": "ok", "ok": True}],
        }
    )
    assert out7["problems"] == [] and out7["sop_result"]["status"] == "ok"
    assert out7["sop_result"]["troubleshooting"][0]["outcome"] == "resolved"


def test_module_rejects_bad_thresholds_and_unreadable_evidence():
    bad = run_module(
        {"court": "pn-tais", "evidence": evidence(healthy_server()), "thresholds": {"x": "lots"}}
    )
    assert bad["failed"] and "threshold x must be a number" in bad["msg"]
    broken = healthy_server()
    broken["disk"] = [{"path": "/", "used_pct": 99.0}]
    bad = run_module({"court": "pn-tais", "evidence": evidence(broken)})
    assert bad["failed"] and "evidence of pn-tais cannot be read" in bad["msg"]


def test_module_keeps_only_the_problems_asked_for_as_findings_with_evidence():
    """The weekly audit's use: the server's health only, its problems as findings in the audit's language."""
    server = health_only(healthy_server())
    server["failed_units"] = failed("logrotate.service")
    server["memory"]["available_pct"] = 2.0
    server["updates"] = {"checked": True, "total": 1, "security": 1, "security_packages": ["openssl"]}
    out = run_module(
        {
            "court": "pn-tais",
            "evidence": {"court": {"name": "pn-tais"}, "server": server},
            "only": ["units-failed", "memory-low"],
            "lang": "en",
            "_ansible_check_mode": True,
        }
    )
    assert ids(out["problems"]) == ["memory-low", "units-failed"]
    assert out["findings"] == [
        {
            "rule": "memory-low",
            "severity": "medium",
            "message": "Memory nearly exhausted: 2.0% of 4096 MB memory available.",
            "evidence": server["memory"],
        },
        {
            "rule": "units-failed",
            "severity": "medium",
            "message": out["problems"][1]["title"]["en"] + ": " + out["problems"][1]["explanation"]["en"],
            "evidence": {"units": ["logrotate.service"], "count": 1},
        },
    ]
    assert out["health"]["failed_units"] == ["logrotate.service"] and out["health"]["security_updates"] == 1
    healthy = run_module(
        {"court": "pn-tais", "evidence": {"server": health_only(healthy_server())}, "only": ["units-failed"]}
    )
    assert healthy["problems"] == healthy["findings"] == []
    bad = run_module(
        {"court": "pn-tais", "evidence": {"server": server}, "only": ["units-failed", "disk-ful"]}
    )
    assert bad["failed"] and "only: unknown problem ids disk-ful" in bad["msg"]


def test_other_host_name_not_serving():
    site = probe(
        hostnames=[
            {"host": "www.pn-tais.go.id", "reachable": True, "status": 200},
            {"host": "sipp.pn-tais.go.id", "reachable": False, "reason": "tls", "error": "hostname mismatch"},
        ]
    )
    problems = dg.diagnose(evidence(healthy_server(), site), CONTACTS)
    assert ids(problems) == ["vhost-unreachable"]
    assert problems[0]["severity"] == "high"
    assert "sipp.pn-tais.go.id cannot be opened (tls: hostname mismatch)" in problems[0]["explanation"]["en"]
    assert problems[0]["escalation"]["contact"]["name"] == "PANDI Registrar"


def test_site_check_says_whether_a_restored_site_is_whole():
    court = {"name": "pn-tais", "domain": "pn-tais.go.id"}
    whole = dg.site_check(probe(checked_at="2026-11-23T09:00:00+00:00"), court)
    assert whole == {
        "checked": True,
        "whole": True,
        "reachable": True,
        "status": 200,
        "problems": [],
        "checked_at": "2026-11-23T09:00:00+00:00",
    }
    spam = probe(
        findings=[{"rule": "gambling-spam", "severity": "critical", "evidence": {"terms": ["togel"]}}]
    )
    assert dg.site_check(spam, court)["problems"] == ["gambling-spam"]
    assert not dg.site_check(spam, court)["whole"]
    defaced = probe(
        findings=[{"rule": "defacement", "severity": "critical", "evidence": {"terms": ["hacked"]}}]
    )
    assert dg.site_check(defaced, court)["problems"] == ["site-defaced"]
    missing = probe(findings=[{"rule": "keyword-missing", "severity": "high"}])
    assert dg.site_check(missing, court)["problems"] == ["content-changed"]
    down = dg.site_check(probe(reachable=False, reason="connect", error="refused"), court)
    assert down["whole"] is False and down["problems"] == ["site-unreachable"]
    assert dg.site_check(None, court) == {
        "checked": False,
        "whole": False,
        "reachable": None,
        "status": None,
        "problems": [],
    }
    # A TLS expiry warning does not make a restored site broken.
    expiring = probe(findings=[{"rule": "tls-expiring", "severity": "medium", "evidence": {"days_left": 9}}])
    assert dg.site_check(expiring, court)["whole"] is True
    out = run_module({"court": "pn-tais", "evidence": evidence(None, spam)})
    assert out["site"]["whole"] is False and out["site"]["problems"] == ["gambling-spam"]
