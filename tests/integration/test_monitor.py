"""SOP W1 on the court fleet: sop_monitor.yml probes the containers' sites from the controller."""

from __future__ import annotations

import pytest
import yaml

from sopansible.cli import main
from sopansible.store import HistoryStore

pytestmark = pytest.mark.fleet

INDEX = "/var/www/court/index.php"
# Shown to Googlebot only: the cloaked gambling spam found on real court sites.
CLOAKED = (
    "<?php if (stripos($_SERVER['HTTP_USER_AGENT'] ?? '', 'Googlebot') !== false) {"
    " echo '<html><head><title>Slot Gacor Hari Ini</title></head><body><h1>Situs slot gacor maxwin</h1>"
    '<p>Daftar judi online dan togel terpercaya.</p><a href="https://slot-gacor-maxwin.example/">'
    "slot gacor</a></body></html>'; exit; } ?>"
)
DEFACED = "<html><head><title>Hacked</title></head><body><h1>Hacked by Anonymous</h1></body></html>"
# PHP's opcache looks at a script's time stamp at most every 2 seconds: a page asked for just
# before (by the test before) would still be served as it was. Reloading PHP-FPM empties the cache.
RELOAD_PHP = "systemctl reload $(basename /lib/systemd/system/php*-fpm.service .service)"


def run_monitor(inventory, data) -> dict:
    assert main(["run", "sop_monitor", "-i", str(inventory)]) in (0, 1, 2)
    store = HistoryStore(data / "history.sqlite")
    try:
        return {court: results["W1"] for court, results in store.latest_all().items()}
    finally:
        store.close()


def with_shared_hosting_court(fleet, path):
    """The fleet's inventory plus a court on shared hosting (no SSH at all) whose site is a fleet site."""
    inventory = yaml.safe_load(fleet.inventory.read_text())
    site = fleet.courts[0].vars()
    server_only = ("court_webroot", "court_db", "court_backup_targets")
    hosted = {key: val for key, val in site.items() if key.startswith("court_") and key not in server_only}
    hosted["ansible_host"] = "127.0.0.254"  # nothing listens: W1 must not need SSH
    inventory["all"]["children"]["courts"]["children"]["shared_hosting"] = {"hosts": {"pn-hosted": hosted}}
    path.write_text(yaml.safe_dump(inventory))
    return path


def test_monitor_probes_every_court_and_every_served_name(fleet, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    results = run_monitor(with_shared_hosting_court(fleet, tmp_path / "inventory.yml"), data)
    assert set(results) == {court.name for court in fleet.courts} | {"pn-hosted"}
    assert results["pn-hosted"]["status"] == "ok", results["pn-hosted"]
    for court in fleet.courts:
        result = results[court.name]
        outputs = result["outputs"]
        assert result["status"] == "ok", result
        assert outputs["status"] == 200 and outputs["keyword_found"] is True
        assert outputs["tls_valid"] is True and outputs["tls_days_left"] > 80  # the fleet CA's 90 days
        assert outputs["content_age_days"] is not None
        assert outputs["hostnames"] == [
            {
                "host": f"www.{court.domain}",
                "reachable": True,
                "status": 200,
                "tls_valid": True,
                "tls_days_left": outputs["hostnames"][0]["tls_days_left"],
            }
        ]


def test_monitor_finds_cloaked_gambling_spam_and_defacement(fleet, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    cloaked, defaced = fleet.courts[0], fleet.courts[1]
    for court in (cloaked, defaced):
        fleet.exec(court.name, f"cp -p {INDEX} /root/index.php.orig")
    try:
        fleet.exec(cloaked.name, f"{{ echo {quote(CLOAKED)}; cat /root/index.php.orig; }} > {INDEX}")
        fleet.exec(defaced.name, f"echo {quote(DEFACED)} > {INDEX}")
        for court in (cloaked, defaced):
            fleet.exec(court.name, RELOAD_PHP)
        results = run_monitor(fleet.inventory, data)
    finally:
        for court in (cloaked, defaced):
            fleet.exec(court.name, f"cp -p /root/index.php.orig {INDEX}; {RELOAD_PHP}")

    spam = results[cloaked.name]
    rules = {finding["rule"] for finding in spam["findings"]}
    assert spam["status"] == "critical"
    assert {"cloaking", "gambling-spam"} <= rules, spam["findings"]
    assert spam["outputs"]["keyword_found"] is True  # people still see the real homepage

    hacked = results[defaced.name]
    rules = {finding["rule"] for finding in hacked["findings"]}
    assert hacked["status"] == "critical"
    assert "defacement" in rules, hacked["findings"]
    assert hacked["outputs"]["keyword_found"] is False


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
