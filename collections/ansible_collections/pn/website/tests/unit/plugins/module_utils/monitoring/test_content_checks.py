# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.pn.website.plugins.module_utils.monitoring import content_checks as cc
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

SITE = "https://pn-contoh.go.id/"
KEYWORD = "Pengadilan Negeri Contoh"


def page(body, title=KEYWORD, head=""):
    return cc.parse_html(
        "<html><head><title>%s</title>%s</head><body>%s</body></html>" % (title, head, body), SITE
    )


def rules(findings):
    return {f["rule"]: f for f in findings}


@pytest.mark.parametrize(
    "text",
    [
        "Daftar SLOT GACOR hari ini",
        "situs judi online terpercaya",
        "bandar togel resmi",
        "bocoran RTP live",
        "Deposit-Pulsa tanpa potongan",
        "main slot88 sekarang",
    ],
)
def test_gambling_strong_phrases(text):
    result = cc.gambling_in_text(text)
    assert result["hit"] and result["strong"]
    assert result["excerpt"]


def test_gambling_weak_terms_need_three():
    assert not cc.gambling_in_text("Petugas menerima jackpot ucapan terima kasih.")["hit"]
    assert cc.gambling_in_text("scatter zeus jackpot malam ini")["hit"]


@pytest.mark.parametrize(
    "text",
    [
        "Jadwal sidang perkara pidana dan perdata Pengadilan Negeri Contoh",
        "Mekanisme slotting jadwal mediasi; togelan bukan kata",  # no whole-word match
        "Kepaniteraan menerbitkan salinan putusan, bet-on tidak ada",
    ],
)
def test_gambling_no_false_positive_on_court_text(text):
    assert not cc.gambling_in_text(text)["hit"]


def test_gambling_in_url_slugs():
    assert "slot gacor" in cc.gambling_in_url("https://pn-contoh.go.id/slot-gacor-maxwin/")
    assert cc.gambling_in_url("https://pn-contoh.go.id/?page=togel")
    assert cc.gambling_in_url("https://slotgacor.example/")
    assert cc.gambling_in_url("https://pn-contoh.go.id/berita/sidang-pidana") == []


def test_defacement_phrases_and_title():
    result = cc.defacement_in_text("HACKED BY xX Team. Greetz to all", "Hacked by xX")
    assert result["strong"] and result["in_title"]
    assert "hacked by" in result["terms"]
    findings = cc.check_page(page("<h1>h4ck3d by someone</h1>", title="x"), SITE, KEYWORD)
    assert rules(findings)["defacement"]["severity"] == "critical"
    assert "keyword-missing" in rules(findings)


def test_owned_by_alone_is_not_defacement():
    findings = cc.check_page(page("<p>%s. Gedung owned by negara.</p>" % KEYWORD), SITE, KEYWORD)
    assert "defacement" not in rules(findings)


def test_hidden_offscreen_gambling_links_are_critical():
    body = (
        "<p>%s</p><div style='position:absolute;left:-9999px'>"
        "<a href='https://slot-gacor.example/'>slot gacor</a></div>" % KEYWORD
    )
    found = rules(cc.check_page(page(body), SITE, KEYWORD))
    assert found["hidden-links"]["severity"] == "critical"
    assert found["hidden-links"]["evidence"]["blocks"][0]["reason"] == "off-screen"
    assert found["gambling-spam"]["evidence"]["links"]


def test_hidden_by_stylesheet_class_and_plain_external_links():
    head = "<style>.sp { display: none }</style>"
    body = "<p>%s</p><span class='sp'><a href='https://random-shop.example/'>toko</a></span>" % KEYWORD
    found = rules(cc.check_page(page(body, head=head), SITE, KEYWORD))
    assert found["hidden-links"]["severity"] == "medium"
    assert "gambling-spam" not in found


def test_hidden_menu_with_own_and_government_links_is_fine():
    head = "<style>.mobile-menu{display:none}</style>"
    body = (
        "<nav class='mobile-menu'><a href='/profil'>Profil</a>"
        "<a href='https://sipp.mahkamahagung.go.id/'>SIPP</a></nav><p>%s</p>" % KEYWORD
    )
    assert cc.check_page(page(body, head=head), SITE, KEYWORD) == []


def test_parse_html_text_links_and_feeds():
    parsed = page(
        "<script>var slot='gacor'</script><p>Halo <b>dunia</b></p><a href='/a'>A</a>",
        head="<link rel='alternate' type='application/rss+xml' href='/feed/'>",
    )
    assert parsed["text"] == "Halo dunia A"
    assert parsed["feeds"] == ["https://pn-contoh.go.id/feed/"]
    assert parsed["links"][0]["href"] == "https://pn-contoh.go.id/a"


def test_parse_html_survives_broken_markup():
    parsed = cc.parse_html("<div><p>unclosed <a href='x'>link<div></span></table>text", SITE)
    assert "text" in parsed["text"]


def test_outbound_domains_and_registrable_domain():
    assert cc.registrable_domain("sipp.pn-contoh.go.id") == "pn-contoh.go.id"
    assert cc.registrable_domain("www.example.com") == "example.com"
    parsed = page(
        "<a href='https://www.mahkamahagung.go.id/x'>MA</a><a href='https://pn-contoh.go.id/b'>b</a>"
    )
    assert cc.outbound_domains(parsed, SITE) == ["mahkamahagung.go.id"]


def test_newest_date_rss_atom_sitemap():
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    feed = (
        "<rss><channel><lastBuildDate>Sat, 10 Jan 2026 00:00:00 +0000</lastBuildDate>"
        "<item><pubDate>Mon, 05 Jan 2026 08:00:00 +0700</pubDate></item>"
        "<item><pubDate>Thu, 01 Jan 2026 08:00:00 +0700</pubDate></item></channel></rss>"
    )
    assert cc.newest_date(feed, now) == datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
    atom = "<feed><entry><updated>2026-01-03T10:00:00Z</updated></entry></feed>"
    assert cc.newest_date(atom, now) == datetime(2026, 1, 3, 10, tzinfo=timezone.utc)
    future = (
        "<urlset><url><lastmod>2030-01-01</lastmod></url><url><lastmod>2025-12-31</lastmod></url></urlset>"
    )
    assert cc.newest_date(future, now) == datetime(2025, 12, 31, tzinfo=timezone.utc)


def test_parse_date_formats():
    assert cc.parse_date("2026-01-02") == datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert cc.parse_date("2026-01-02T03:04:05.123+0700") == datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7))
    )
    assert cc.parse_date("Wed, 21 Oct 2015 07:28:00 GMT").year == 2015
    assert cc.parse_date("kemarin") is None


def test_parse_sitemap_and_index():
    parsed = cc.parse_sitemap(
        "<urlset><url><loc>https://a/x</loc></url><url><loc>https://a/y</loc></url></urlset>"
    )
    assert parsed["urls"] == ["https://a/x", "https://a/y"] and not parsed["index"]
    index = cc.parse_sitemap(
        "<sitemapindex><sitemap><loc>https://a/s1.xml</loc><lastmod>2026-01-01</lastmod></sitemap></sitemapindex>"
    )
    assert index["index"] and index["children"][0][0] == "https://a/s1.xml"
    assert not cc.parse_sitemap("<html>not a sitemap</html>")["valid"]


def test_parse_robots():
    robots = cc.parse_robots("User-agent: *\nDisallow: /admin # private\nSitemap: https://x/s.xml\njunk\n")
    assert robots["lines"] == ["user-agent: *", "disallow: /admin", "sitemap: https://x/s.xml"]
    assert robots["sitemaps"] == ["https://x/s.xml"]


def test_similarity_and_fingerprint():
    assert cc.similarity("a b c", "a b c") == 1.0
    assert cc.similarity("a b", "c d") == 0.0
    assert cc.fingerprint("Berita 12 Januari") == cc.fingerprint("berita  13 januari")
    assert cc.fingerprint("Berita satu") != cc.fingerprint("Berita dua")


def test_finding_and_severity_helpers():
    with pytest.raises(ValueError):
        cc.finding("x", "urgent", "a", "b")
    items = [cc.finding("a", "low", "", ""), cc.finding("b", "high", "", "")]
    assert sop_result.worst_severity(items) == "high"
    assert sop_result.worst_severity([]) is None
    assert cc.excerpt("x" * 500, 250, 255, width=20).startswith("...")


def test_hidden_block_extent_with_nested_elements():
    parsed = cc.parse_html(
        "<div hidden><div><a href='https://x.example/'>a</a></div>inside</div>"
        "<p>after <a href='https://y.example/'>b</a></p>",
        SITE,
    )
    assert parsed["hidden_blocks"][0]["reason"] == "hidden"
    assert parsed["hidden_blocks"][0]["text"] == "a inside"
    assert [lk["hidden"] for lk in parsed["links"]] == ["hidden", None]
    assert parsed["text"] == "after b"


def test_quoted_angle_bracket_and_entities():
    parsed = cc.parse_html("<a title='a > b' href='/x?a=1&amp;b=2'>Tom &amp; Jerry</a>", SITE)
    assert parsed["links"][0]["href"] == "https://pn-contoh.go.id/x?a=1&b=2"
    assert parsed["links"][0]["text"] == "Tom & Jerry"


def test_hidden_link_itself_and_meta_refresh():
    parsed = cc.parse_html(
        "<meta http-equiv='refresh' content='0; url=/baru'>"
        "<a style='font-size:0' href='https://judi.example/'>situs judi</a>",
        SITE,
    )
    assert parsed["meta_refresh"] == "https://pn-contoh.go.id/baru"
    assert parsed["links"][0]["hidden"] == "font-size:0"


def test_hidden_copy_of_a_visible_link_is_not_injection():
    head = "<style>.mobile-menu{display:none}</style>"
    body = (
        "<p>%s</p><a href='https://www.youtube.com/@pn'>YouTube</a>"
        "<nav class='mobile-menu'><a href='https://www.youtube.com/@pn'>YouTube</a></nav>" % KEYWORD
    )
    assert cc.check_page(page(body, head=head), SITE, KEYWORD) == []
    spam = body.replace("</nav>", "<a href='https://slot-gacor.example/'>x</a></nav>")
    assert (
        rules(cc.check_page(page(spam, head=head), SITE, KEYWORD))["hidden-links"]["severity"] == "critical"
    )


def test_feed_entries_rss_and_atom_and_bounded():
    rss = (
        "<rss><channel><item><title>A &amp; B</title><link>https://pn.go.id/a/</link>"
        "<description><![CDATA[ringkas]]></description>"
        "<content:encoded><![CDATA[<p>Isi <a href='https://slot.example/'>slot gacor</a></p>]]>"
        "</content:encoded>"
        "</item><item><title>C</title><link>/c/</link>"
        "<description>&lt;a href=&quot;https://togel.example/&quot;&gt;togel&lt;/a&gt;</description></item>"
        "</channel></rss>"
    )
    first, second = cc.feed_entries(rss)
    assert first["title"] == "A & B" and first["link"] == "https://pn.go.id/a/"
    assert "<a href='https://slot.example/'>slot gacor</a>" in first["html"] and "ringkas" in first["html"]
    assert second["html"] == '<a href="https://togel.example/">togel</a>'
    atom = "<feed><entry><title>T</title><link rel='alternate' href='https://x.go.id/t'/>" + (
        "<content type='html'>&lt;b&gt;judi online&lt;/b&gt;</content></entry>"
    )
    assert cc.feed_entries(atom) == [
        {"title": "T", "link": "https://x.go.id/t", "html": "<b>judi online</b>"}
    ]
    # at most MAX_FEED_ENTRIES entries; unclosed CDATA sections do not make it slow
    assert len(cc.feed_entries("<item><title>x</title></item>" * 100)) == cc.MAX_FEED_ENTRIES
    hostile = cc.feed_entries("<item><description><![CDATA[" * 100000)
    # an entry without its end is read within MAX_ENTRY_CHARS
    assert 0 < len(hostile) <= cc.MAX_FEED_ENTRIES and all(e["html"] == "" for e in hostile)
