"""The test fleet's site per court: the custom PHP site or WordPress from Debian's package, chosen
for every court or court by court, and an inventory the court contract accepts either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import validate_court
from tests import fleet


def court(cms: str) -> fleet.Court:
    host, name, court_type, region, domain, webserver = fleet.COURTS[0]
    return fleet.Court(
        host, name, court_type, region, domain, webserver, "127.77.9.10", "c", Path("/k"), cms=cms
    )


def test_cms_for_every_court_or_court_by_court():
    assert fleet.parse_cms([]) is None
    assert fleet.parse_cms(["wordpress"]) == "wordpress"
    assert fleet.parse_cms(["pt-bengkulu=wordpress", "pn-tais=custom"]) == {
        "pt-bengkulu": "wordpress",
        "pn-tais": "custom",
    }
    with pytest.raises(fleet.FleetError, match="either one CMS"):
        fleet.parse_cms(["wordpress", "pn-tais=custom"])


@pytest.mark.parametrize(
    ("count", "cms", "message"),
    [
        (2, "joomla", "unknown CMS joomla"),
        (2, {"pn-tais": "drupal"}, "unknown CMS drupal"),
        (2, {"pt-bengkulu": "wordpress"}, "no court pt-bengkulu among the fleet's 2"),
    ],
)
def test_a_wrong_cms_is_refused_before_any_container_starts(count, cms, message):
    with pytest.raises(fleet.FleetError, match=message):
        fleet.start("cms-test", count, cms=cms)


def test_a_wordpress_court_is_debians_layout_and_passes_the_contract():
    wordpress = court("wordpress").vars()
    assert wordpress["court_cms"] == "wordpress"
    assert wordpress["court_webroot"] == "/var/lib/wordpress/wp-content"
    assert wordpress["court_db"] == {"engine": "mariadb", "name": "wordpress", "user": "wordpress"}
    custom = court("custom").vars()
    assert (custom["court_cms"], custom["court_webroot"]) == ("custom", "/var/www/court")
    for variables in (wordpress, custom):
        assert validate_court("pn-tais", variables) == []
