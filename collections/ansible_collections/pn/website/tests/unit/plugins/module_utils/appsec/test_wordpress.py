# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WordPress plugins and themes read from a wp-content laid out as Debian's package does (themes and
plugins linking into the package's folder), with hostile entries: links out of bounds, FIFOs, oversized
and malformed headers, too many entries."""

from __future__ import annotations

import os

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import wordpress, wordpress_data
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

AKISMET = """<?php
/**
 * @package Akismet
 */
/*
Plugin Name: Akismet Anti-Spam
Plugin URI: https://akismet.com/
Version: 5.0.2
Requires PHP: 5.2
*/
"""
THEME = """@charset "UTF-8";

/*
Theme Name: Twenty Twenty-One
Requires PHP: 5.6
Version: 1.7
*/
"""


@pytest.fixture
def debian(tmp_path):
    """/usr/share/wordpress with its akismet and theme; /var/lib/wordpress/wp-content linking to them."""
    code = tmp_path / "usr/share/wordpress"
    (code / "wp-content/plugins/akismet").mkdir(parents=True)
    (code / "wp-content/plugins/akismet/akismet.php").write_text(AKISMET)
    (code / "wp-content/plugins/akismet/class.akismet.php").write_text("<?php class Akismet {}\n")
    (code / "wp-content/themes/twentytwentyone").mkdir(parents=True)
    (code / "wp-content/themes/twentytwentyone/style.css").write_text(THEME)
    content = tmp_path / "var/lib/wordpress/wp-content"
    for folder in ("plugins", "themes", "uploads"):
        (content / folder).mkdir(parents=True)
    (content / "plugins/akismet").symlink_to(code / "wp-content/plugins/akismet")
    (content / "themes/twentytwentyone").symlink_to(code / "wp-content/themes/twentytwentyone")
    (content / "plugins/index.php").write_text("<?php\n// Silence is golden.\n")
    return code, content


def test_debians_layout_lists_the_linked_plugin_and_theme_with_their_versions(debian):
    code, content = debian
    found = wordpress.extensions(str(content), [str(code)])
    (plugin,) = found["plugins"]
    assert plugin["slug"] == "akismet" and plugin["name"] == "Akismet Anti-Spam"
    assert plugin["version"] == "5.0.2"
    assert plugin["path"] == str(content / "plugins/akismet/akismet.php")
    assert plugin["link"] == str(code / "wp-content/plugins/akismet")
    (theme,) = found["themes"]
    assert (theme["slug"], theme["name"], theme["version"]) == ("twentytwentyone", "Twenty Twenty-One", "1.7")
    assert found["mu_plugins"] == [] and found["truncated"] is False
    # nothing is judged that the closed list does not name
    assert wordpress.judge(found) == []


def test_a_single_file_plugin_a_mu_plugin_and_a_plugin_added_to_wp_content(debian):
    code, content = debian
    (content / "plugins/hello.php").write_text("<?php\n/*\nPlugin Name: Hello Dolly\nVersion: 1.7.2\n*/\n")
    (content / "plugins/kontak").mkdir()
    (content / "plugins/kontak/readme.txt").write_text("Plugin Name: not here\n")
    (content / "plugins/kontak/a-helpers.php").write_text("<?php function x() {}\n")
    (content / "plugins/kontak/kontak.php").write_text(
        "<?php\n// Plugin Name: Formulir Kontak\n// Version: 2.1\n"
    )
    (content / "mu-plugins").mkdir()
    (content / "mu-plugins/loader.php").write_text("<?php include 'x.php';\n")
    found = wordpress.extensions(str(content), [str(code)])
    rows = {(p["slug"], p["name"], p["version"], p["link"]) for p in found["plugins"]}
    assert rows == {
        ("akismet", "Akismet Anti-Spam", "5.0.2", str(code / "wp-content/plugins/akismet")),
        ("hello", "Hello Dolly", "1.7.2", None),
        ("kontak", "Formulir Kontak", "2.1", None),
    }
    assert [(m["slug"], m["name"], m["version"]) for m in found["mu_plugins"]] == [
        ("loader", "loader.php", None)
    ]


def test_links_out_of_bounds_are_listed_not_read(debian, tmp_path):
    code, content = debian
    secret = tmp_path / "etc/secret"
    secret.mkdir(parents=True)
    (secret / "x.php").write_text("<?php\n/*\nPlugin Name: Rahasia\nVersion: 9\n*/\n")
    (content / "plugins/rahasia").symlink_to(secret)
    (content / "themes/luar").symlink_to(secret)
    # read without the package's folder allowed: Debian's links are out of bounds too
    found = wordpress.extensions(str(content), [])
    outside = {(r["kind"], r["slug"]) for r in found["plugins"] + found["themes"] if r.get("outside")}
    assert outside == {
        ("plugin", "rahasia"),
        ("theme", "luar"),
        ("plugin", "akismet"),
        ("theme", "twentytwentyone"),
    }
    assert all(r["name"] is None and r["version"] is None for r in found["plugins"] + found["themes"])
    # a main file that is itself a link inside a plugin folder is not opened
    (content / "plugins/tautan").mkdir()
    (content / "plugins/tautan/tautan.php").symlink_to(secret / "x.php")
    found = wordpress.extensions(str(content), [str(code)])
    assert "tautan" not in {p["slug"] for p in found["plugins"]}


def test_hostile_headers_fifos_and_bounds(debian):
    code, content = debian
    (content / "plugins/panjang").mkdir()
    # a version that is no version, a name with control characters, the header past 8 KiB ignored
    (content / "plugins/panjang/panjang.php").write_text(
        "<?php\n/*\nPlugin Name: Nama\x1b[31m" + "x" * 500 + "\nVersion: 1.0; rm -rf /\n*/\n"
    )
    (content / "plugins/jauh").mkdir()
    (content / "plugins/jauh/jauh.php").write_text("<?php\n" + "//\n" * 5000 + "/* Plugin Name: Jauh */\n")
    # a folder named to hide (a space, a control character) is still listed, its name made printable;
    # a hidden one is skipped, as WordPress does
    (content / "plugins/cache \x1b x").mkdir()
    (content / "plugins/cache \x1b x/c.php").write_text("<?php\n/* Plugin Name: Cache */\n")
    (content / "plugins/.tersembunyi").mkdir()
    (content / "plugins/.tersembunyi/t.php").write_text("<?php\n/* Plugin Name: T */\n")
    os.mkfifo(content / "plugins/pipa.php")
    (content / "themes/pipa").mkdir()
    os.mkfifo(content / "themes/pipa/style.css")
    found = wordpress.extensions(str(content), [str(code)])
    by_slug = {p["slug"]: p for p in found["plugins"]}
    assert set(by_slug) == {"akismet", "panjang", "cache ? x"}
    row = by_slug["panjang"]
    assert row["version"] is None and row["version_invalid"] == "1.0; rm -rf /"
    assert len(row["name"]) <= 120 and "\x1b" not in row["name"]
    assert [t["slug"] for t in found["themes"]] == ["twentytwentyone"]
    # too many entries: the list is cut and says so
    for number in range(30):
        (content / f"plugins/p{number:02d}.php").write_text(
            f"<?php\n/* Plugin Name: P{number}\nVersion: 1 */\n"
        )
    found = wordpress.extensions(str(content), [str(code)], {"max_entries": 10, "list_limit": 5})
    assert found["truncated"] is True and len(found["plugins"]) <= 5


def test_the_closed_list_judges_only_what_it_names_with_its_dated_source(debian):
    code, content = debian
    found = wordpress.extensions(str(content), [str(code)])
    data = {
        "compiled": "2026-12-03",
        "plugins": {
            "akismet": {
                "closed": "2026-01-02",
                "source": "https://wordpress.org/plugins/akismet/",
                "reason": "uji",
            },
            # an entry without its source is never used
            "hello": {"closed": "2026-01-02"},
        },
        "themes": {},
    }
    (finding,) = wordpress.judge(found, data, lang="en")
    assert finding["rule"] == "wordpress-extension-closed" and finding["severity"] == "high"
    assert finding["evidence"]["slug"] == "akismet" and finding["evidence"]["version"] == "5.0.2"
    assert finding["evidence"]["source"] == "https://wordpress.org/plugins/akismet/"
    assert "2026-01-02" in finding["message"]
    sop_result.check_finding(finding)
    assert found["plugins"][0]["closed"] == {
        "date": "2026-01-02",
        "source": "https://wordpress.org/plugins/akismet/",
    }


def test_the_shipped_closed_list_has_a_dated_source_for_every_entry():
    data = wordpress_data.DATA
    assert data["compiled"] and data["source"]
    for key in ("plugins", "themes"):
        for slug, entry in data[key].items():
            assert entry["closed"] and entry["source"].startswith("https://"), slug


def test_the_content_folder_of_debians_layout_and_of_a_plain_install(debian, tmp_path):
    code, content = debian
    assert wordpress.content_dir(str(content), str(code)) == str(content)
    plain = tmp_path / "var/www/html"
    (plain / "wp-content/plugins").mkdir(parents=True)
    assert wordpress.content_dir(str(plain), str(plain)) == str(plain / "wp-content")
    assert wordpress.content_dir(str(tmp_path / "nowhere"), None) is None
