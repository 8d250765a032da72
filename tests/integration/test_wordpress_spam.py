"""Spam the way it arrives on WordPress, found by W1 and removed by W7: real WordPress (Debian's package) on a
court container, real restic snapshots.

One court (pn-tais, nginx, WordPress). The clean site is backed up and the history sees it whole. Then it is
compromised as such sites are: gambling links written into the database (a post's content, and the footer
widget the Twenty Twenty-One theme renders on every page), and a plugin file dropped into wp-content/plugins
and switched on through the active_plugins option, that adds gambling links for Googlebot only (cloaking).
The nightly backup backs the compromised site up. W1 reports the spam and the cloaking with their
evidence; `sopansible remediate` restores the database and wp-content from the last known-good snapshot (not
the latest), and a second W1 probe sees the site clean for a browser and for Googlebot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sopansible import store
from tests import fleet as fleet_lib

pytestmark = pytest.mark.fleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COURT = "pn-tais"
WP_CONTENT = "/var/lib/wordpress/wp-content"
PLUGIN = "wp-cache-helper/wp-cache-helper.php"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
# What the attacker puts in: links to gambling sites (each host appears in one place only, so that what a
# page shows tells where it came from).
POST_SPAM = (
    '<div style="display:none"><a href="https://slot-gacor-maxwin.example/">slot gacor maxwin</a> '
    '<a href="https://bandar-togel.example/">bandar togel terpercaya</a></div>'
)
WIDGET_SPAM = (
    '<p class="mitra">Mitra kami: <a href="https://judi-bola.example/">situs judi bola</a> '
    '<a href="https://rtp-live.example/">rtp live slot</a></p>'
)
CLOAKED_HOST = "sbobet-resmi.example"
PLUGIN_CODE = f"""<?php
/*
Plugin Name: WP Cache Helper
Description: Speeds up page delivery.
Version: 1.4.2
*/
add_action('wp_footer', function () {{
    $agent = isset($_SERVER['HTTP_USER_AGENT']) ? $_SERVER['HTTP_USER_AGENT'] : '';
    if (stripos($agent, 'googlebot') !== false) {{
        echo '<div class="wpch"><a href="https://{CLOAKED_HOST}/">agen sbobet resmi</a> '
            . '<a href="https://{CLOAKED_HOST}/daftar">daftar casino online</a></div>';
    }}
}});
"""
SPAM_HOSTS = ("slot-gacor-maxwin.example", "bandar-togel.example", "judi-bola.example", "rtp-live.example")


@pytest.fixture(scope="module")
def wp(tmp_path_factory):
    """One WordPress court, backed up once while clean (the backup role sets up its nightly timer)."""
    if shutil.which("podman") is None:
        pytest.fail("podman is needed for fleet tests: run `make system-deps`")
    name = f"wps{os.getpid()}"
    started = time.monotonic()
    try:
        running = fleet_lib.start(name, count=1, webservers=["nginx"], cms="wordpress")
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the WordPress fleet did not start: {error}")
    print(f"\nWordPress court ready in {time.monotonic() - started:.1f}s")
    data = tmp_path_factory.mktemp("wps-data")
    env = dict(os.environ, SOPANSIBLE_DATA=str(data), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(running.inventory), "playbooks/sop_backup.yml"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    yield {"fleet": running, "env": env, "data": data}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def get(wp, path: str, agent: str = BROWSER) -> tuple[int, str]:
    """GET over HTTPS from the court's loopback address with its Host header (the fleet CA verifies)."""
    fleet = wp["fleet"]
    court = fleet.court(COURT)
    context = ssl.create_default_context(cafile=str(fleet.directory / "ca.pem"))
    context.check_hostname = False  # the address is no name of the certificate; the CA still signs it
    request = urllib.request.Request(
        f"https://{court.address}{path}", headers={"Host": court.domain, "User-Agent": agent}
    )
    try:
        with urllib.request.urlopen(request, timeout=20, context=context) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def sql(wp, query: str) -> str:
    """One query in the court's WordPress database, handed over base64-encoded (no shell quoting)."""
    encoded = base64.b64encode(query.encode()).decode()
    return wp["fleet"].exec(COURT, f"echo {encoded} | base64 -d | mysql -N -B wordpress").stdout.strip()


def quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def option(wp, name: str) -> str:
    return sql(wp, f"SELECT option_value FROM wp_options WHERE option_name={quoted(name)}")


def php_string(text: str) -> str:
    """A string as PHP's serialize() writes it (its length in bytes)."""
    return f's:{len(text.encode())}:"{text}";'


def snapshots(wp) -> list[dict]:
    """The court's snapshots, oldest first, listed with restic itself on the court."""
    config = json.loads(wp["fleet"].exec(COURT, "cat /etc/pn-website/backup.json").stdout)
    out = wp["fleet"].exec(
        COURT,
        f"RESTIC_PASSWORD_FILE={config['password_file']} restic -r {config['targets'][0]['repository']} "
        "snapshots --json",
    )
    return sorted(json.loads(out.stdout), key=lambda s: s["time"])


def nightly_backup(wp) -> dict:
    """What the backup timer does at night: back up the site as it is now."""
    wp["fleet"].exec(COURT, "systemctl start pn-website-backup.service")
    return snapshots(wp)[-1]


def run_w1(wp) -> dict:
    """SOP W1 through sopansible (the real site_probe in the playbook); the court's W1 result as stored."""
    proc = subprocess.run(
        [
            str(BIN / "sopansible"),
            "run",
            "W1",
            "-i",
            str(wp["fleet"].inventory),
            "--no-report",
            "--no-notify",
        ],
        capture_output=True,
        text=True,
        env=wp["env"],
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode in (0, 1, 2), proc.stdout[-2000:] + proc.stderr[-2000:]
    with store.HistoryStore(wp["data"] / "history.sqlite") as history:
        return history.latest(COURT)["W1"]


def newest_post(wp) -> tuple[int, str]:
    """(ID, permalink path) of the newest published post."""
    post_id, date, slug = sql(
        wp,
        "SELECT ID, DATE_FORMAT(post_date, '%Y/%m'), post_name FROM wp_posts WHERE post_type='post' "
        "AND post_status='publish' ORDER BY post_date_gmt DESC LIMIT 1",
    ).split("\t")
    return int(post_id), f"/{date}/{slug}/"


def compromise(wp) -> None:
    """Spam in the database (a post, the footer widget) and a cloaking plugin switched on in it."""
    post_id, _path = newest_post(wp)
    sql(wp, f"UPDATE wp_posts SET post_content=CONCAT(post_content, {quoted(POST_SPAM)}) WHERE ID={post_id}")
    # The footer widget area (sidebar-1) of the theme: the search block gets the links appended.
    widgets = option(wp, "widget_block")
    search = "<!-- wp:search /-->"
    assert php_string(search) in widgets, widgets
    widgets = widgets.replace(php_string(search), php_string(search + WIDGET_SPAM), 1)
    sql(wp, f"UPDATE wp_options SET option_value={quoted(widgets)} WHERE option_name='widget_block'")
    # The plugin, written as the web server's user (an upload through a vulnerable form), switched on.
    code = base64.b64encode(PLUGIN_CODE.encode()).decode()
    folder, path = f"{WP_CONTENT}/plugins/{PLUGIN.split('/')[0]}", f"{WP_CONTENT}/plugins/{PLUGIN}"
    wp["fleet"].exec(
        COURT,
        f"install -d -o www-data -g www-data {folder} && echo {code} | base64 -d > {path}"
        f" && chown www-data:www-data {path}",
    )
    active = "a:1:{i:0;" + php_string(PLUGIN) + "}"
    sql(wp, f"UPDATE wp_options SET option_value={quoted(active)} WHERE option_name='active_plugins'")


def spam_on(page: str) -> set[str]:
    return {host for host in (*SPAM_HOSTS, CLOAKED_HOST) if host in page}


def test_database_and_plugin_spam_is_found_and_removed_from_the_last_known_good_snapshot(wp):
    f = wp["fleet"]
    clean = snapshots(wp)[-1]
    clean_widgets, clean_plugins = option(wp, "widget_block"), option(wp, "active_plugins")
    post_id, post_path = newest_post(wp)
    clean_post = sql(wp, f"SELECT post_content FROM wp_posts WHERE ID={post_id}")
    first = run_w1(wp)  # the daily check sees the site whole
    assert first["status"] == "ok", first
    assert not [x for x in first["findings"] if x["rule"] in ("gambling-spam", "cloaking", "hidden-links")]

    compromise(wp)
    # What the attack shows, fetched for real: the widget's links on every page, the post's on its own page
    # (hidden), the plugin's for Googlebot only.
    status, home = get(wp, "/")
    # the front page lists the post as an excerpt (its text, not its links)
    assert status == 200 and spam_on(home) == {"judi-bola.example", "rtp-live.example"}
    status, post = get(wp, post_path)
    assert status == 200 and spam_on(post) == set(SPAM_HOSTS)
    status, page = get(wp, "/layanan-ptsp/")
    assert status == 200 and spam_on(page) == {"judi-bola.example", "rtp-live.example"}
    status, bot_home = get(wp, "/", GOOGLEBOT)
    assert status == 200 and CLOAKED_HOST in bot_home and "judi-bola.example" in bot_home
    assert CLOAKED_HOST not in home

    compromised = nightly_backup(wp)  # the latest snapshot now holds the compromise
    assert compromised["id"] != clean["id"]

    # W1 reports the spam and the cloaking, with evidence.
    found = run_w1(wp)
    assert found["status"] == "critical", found
    spam = {x["evidence"].get("variant"): x for x in found["findings"] if x["rule"] == "gambling-spam"}
    browser = spam["browser"]["evidence"]
    assert {link["href"] for link in browser["links"]} >= {
        "https://judi-bola.example/",
        "https://rtp-live.example/",
    }, browser
    assert "judi bola" in browser["terms"] and browser["excerpt"]
    # the post, read whole from the feed (the front page shows its excerpt, without the links)
    feed = spam["feed"]["evidence"]
    assert feed["feed"] == f"https://{f.court(COURT).domain}/feed/"
    (entry,) = feed["entries"]
    assert entry["link"] == f"https://{f.court(COURT).domain}{post_path}"
    assert {link["href"] for link in entry["links"]} == {
        "https://slot-gacor-maxwin.example/",
        "https://bandar-togel.example/",
    }
    (cloaking,) = [x for x in found["findings"] if x["rule"] == "cloaking"]
    assert cloaking["severity"] == "critical"
    differences = {d["variant"]: d for d in cloaking["evidence"]["differences"]}
    assert "gambling" in differences["googlebot"]["reasons"]
    assert set(differences["googlebot"]["extra_links"]) == {
        f"https://{CLOAKED_HOST}/",
        f"https://{CLOAKED_HOST}/daftar",
    }
    assert "google_referer" not in differences  # the plugin cloaks for Googlebot only
    assert spam["googlebot"]["evidence"]["only_for_variant"]["links"], spam["googlebot"]

    # W7: the database and wp-content come back from the last known-good snapshot, not the latest.
    proc = subprocess.run(
        [
            str(BIN / "sopansible"),
            "--lang",
            "en",
            "remediate",
            "-i",
            str(f.inventory),
            "--limit",
            COURT,
            "--yes",
            "--json",
            "--no-report",
        ],
        capture_output=True,
        text=True,
        env=wp["env"],
        cwd=ROOT,
        check=False,
    )
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"sopansible remediate printed no JSON (rc {proc.returncode}): {proc.stderr[-3000:]}")
    (action,) = [a for a in out["courts"][COURT]["actions"] if a["action"] == "restore-site"]
    assert action["ok"] is True, action
    details = action["details"]
    assert details["snapshot"] == clean["short_id"], (details, clean["short_id"], compromised["short_id"])
    assert details["basis"] == "history" and details["database"] is True
    assert details["restore"]["tables_verified"] > 0
    assert details["verification"]["whole"] and details["verification"]["status"] == 200

    # The files and the database are as before the attack.
    assert f.exec(COURT, f"test -e {WP_CONTENT}/plugins/{PLUGIN.split('/')[0]}", check=False).returncode != 0
    assert option(wp, "active_plugins") == clean_plugins
    assert option(wp, "widget_block") == clean_widgets
    assert sql(wp, f"SELECT post_content FROM wp_posts WHERE ID={post_id}") == clean_post
    assert f.exec(COURT, f"readlink {WP_CONTENT}/plugins/akismet").stdout.strip() == (
        "/usr/share/wordpress/wp-content/plugins/akismet"
    )
    # WordPress still serves, with no spam for a browser nor for Googlebot.
    for agent in (BROWSER, GOOGLEBOT):
        for path in ("/", post_path, "/layanan-ptsp/"):
            status, page = get(wp, path, agent)
            assert status == 200 and not spam_on(page), (agent, path)
            assert f.court(COURT).court_name in page
    status, login = get(wp, "/wp-login.php")
    assert status == 200 and 'name="log"' in login

    # The second W1 probe proves the site clean.
    again = run_w1(wp)
    assert again["status"] == "ok", again
    assert not [x for x in again["findings"] if x["rule"] in ("gambling-spam", "cloaking", "hidden-links")]
    assert again["outputs"]["keyword_found"] is True and again["outputs"]["status"] == 200
