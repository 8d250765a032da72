# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-of-life comparison against a fixed data table (not the shipped one, whose dates move), and the
shipped table's own shape."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import eol, eol_data
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

DATA = {
    "compiled": "2026-01-15",
    "source": "endoflife.date",
    "products": {
        "php": [
            {"cycle": "8.3", "eol": "2027-12-31"},
            {"cycle": "8.2", "eol": "2026-12-31"},
            {"cycle": "7.4", "eol": "2022-11-28"},
        ],
        "mariadb": [{"cycle": "10.11", "eol": "2028-02-16"}, {"cycle": "10.1", "eol": "2020-10-17"}],
        "wordpress": [{"cycle": "6.7", "eol": False}, {"cycle": "3.6", "eol": True}],
        "joomla": [{"cycle": "3.10", "eol": "2023-08-17"}],
    },
}
TODAY = datetime.date(2026, 12, 2)


def by_product(result):
    return {row["product"]: row for row in result["software"]}


def test_past_soon_and_supported_versions():
    result = eol.check(
        {"php": "7.4.33", "mariadb": "10.11.6", "joomla": "3.10.12", "wordpress": None},
        TODAY,
        warn_days=60,
        data=DATA,
        lang="en",
    )
    rows = by_product(result)
    assert rows["php"]["status"] == "eol" and rows["php"]["cycle"] == "7.4" and rows["php"]["days_left"] < 0
    assert rows["mariadb"]["status"] == "supported"
    # 10.1 must not match 10.11 (nor 10.11 match 10.1)
    assert rows["mariadb"]["cycle"] == "10.11"
    assert rows["joomla"]["status"] == "eol" and rows["joomla"]["cycle"] == "3.10"
    assert "wordpress" not in rows  # not detected: not judged
    rules = sorted((f["rule"], f["severity"], f["evidence"]["product"]) for f in result["findings"])
    assert rules == [("software-eol", "high", "joomla"), ("software-eol", "high", "php")]
    php = next(f for f in result["findings"] if f["evidence"]["product"] == "php")
    assert php["evidence"]["eol"] == "2022-11-28" and php["evidence"]["version"] == "7.4.33"
    assert php["evidence"]["data_compiled"] == "2026-01-15"
    assert "PHP 7.4.33" in php["message"] and "2022-11-28" in php["message"]
    for finding in result["findings"]:
        sop_result.check_finding(finding)


def test_within_the_warning_window_and_on_its_edge():
    soon = eol.check({"php": "8.2.26"}, TODAY, warn_days=29, data=DATA)
    assert by_product(soon)["php"]["days_left"] == 29
    assert [(f["rule"], f["severity"]) for f in soon["findings"]] == [("software-eol-soon", "medium")]
    later = eol.check({"php": "8.2.26"}, TODAY, warn_days=28, data=DATA)
    assert later["findings"] == [] and by_product(later)["php"]["status"] == "supported"
    # the last day of support is still supported; the day after is past the end
    last = eol.check({"php": "8.2.1"}, datetime.date(2026, 12, 31), warn_days=0, data=DATA)
    assert [f["rule"] for f in last["findings"]] == ["software-eol-soon"]
    after = eol.check({"php": "8.2.1"}, datetime.date(2027, 1, 1), warn_days=0, data=DATA)
    assert [f["rule"] for f in after["findings"]] == ["software-eol"]


def test_ended_without_a_date_not_ended_and_unknown_versions():
    result = eol.check({"wordpress": "3.6.1", "mariadb": "11.9.1", "php": "garbage"}, TODAY, data=DATA)
    rows = by_product(result)
    assert rows["wordpress"]["status"] == "eol" and rows["wordpress"]["eol"] is None
    assert rows["mariadb"]["status"] == "unknown" and rows["php"]["status"] == "unknown"
    assert [f["rule"] for f in result["findings"]] == ["software-eol"]
    assert eol.check({"wordpress": "6.7.1"}, TODAY, data=DATA)["findings"] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"products": {}},
        {"compiled": "yesterday", "products": {}},
        {"compiled": "2026-01-01", "products": {"php": [{"cycle": 8.2, "eol": "2026-12-31"}]}},
        {"compiled": "2026-01-01", "products": {"php": [{"cycle": "8.2", "eol": "soon"}]}},
    ],
)
def test_malformed_data_is_refused(bad):
    with pytest.raises(eol.EolDataError):
        eol.check({"php": "8.2.1"}, TODAY, data=bad)


def test_the_shipped_data_has_its_date_and_the_products_the_audit_reads():
    eol.check_data(eol_data.DATA)
    assert set(eol_data.DATA["products"]) == set(eol.PRODUCTS)
    datetime.date.fromisoformat(eol_data.DATA["compiled"])


# What the audit reads on a Debian court: the running release and, for PHP and MariaDB, the version of the
# Debian package that installed the binary which answered (none for a build from source).
BOOKWORM = {"id": "debian", "version_id": "12"}
BULLSEYE = {"id": "debian", "version_id": "11"}


def test_debian_packaged_php_is_judged_by_the_release_support_in_the_shipped_data():
    """PHP 8.2 from Debian 12's package is patched by Debian after upstream's end (2026-12-31): no finding
    while Debian 12 is supported (LTS until 2028-06-30); the row says both ends and which one was used."""
    packaged = {"php": {"version": "8.2.29", "package": "8.2.29-1~deb12u1"}}
    result = eol.check(packaged, datetime.date(2027, 3, 1), os_release=BOOKWORM)
    assert result["findings"] == []
    (row,) = result["software"]
    assert row["status"] == "supported" and row["basis"] == "distribution"
    assert row["eol"] == "2028-06-30" and row["upstream_eol"] == "2026-12-31"
    assert row["distribution"] == "debian 12" and row["distribution_eol"] == "2028-06-30"
    assert row["package"] == "8.2.29-1~deb12u1"
    # a MariaDB package (its version has an epoch) is read the same way
    mariadb = {"mariadb": {"version": "10.11.14", "package": "1:10.11.14-0+deb12u2"}}
    (row,) = eol.check(mariadb, datetime.date(2028, 3, 1), os_release=BOOKWORM)["software"]
    assert row["basis"] == "distribution" and row["eol"] == "2028-06-30"


@pytest.mark.parametrize(
    "package",
    [
        None,  # built from source: no package owns the binary
        "8.2.29-1+0~20250703.103+debian12~1.gbp2c1c9c",  # a third-party repository's build, not Debian's
        "8.2.20-1~deb11u1",  # a package left over from Debian 11 on Debian 12: no longer patched
    ],
)
def test_php_not_from_the_release_package_keeps_the_upstream_end(package):
    result = eol.check(
        {"php": {"version": "8.2.29", "package": package}},
        datetime.date(2027, 3, 1),
        os_release=BOOKWORM,
        lang="en",
    )
    (finding,) = result["findings"]
    assert finding["rule"] == "software-eol" and finding["severity"] == "high"
    evidence = finding["evidence"]
    assert evidence["basis"] == "upstream" and evidence["eol"] == "2026-12-31"
    assert evidence["upstream_eol"] == "2026-12-31" and evidence["distribution"] is None
    assert evidence["data_source"] == eol_data.DATA["source"]
    sop_result.check_finding(finding)


def test_debian_packaged_php_ends_with_the_release_lts():
    """Debian 11's PHP 7.4 package was patched until Debian 11 LTS ended (2026-08-31), long after upstream
    (2022-11-28); past that it is end of life, and the finding names both ends and the release."""
    packaged = {"php": {"version": "7.4.33", "package": "7.4.33-1+deb11u8"}}
    result = eol.check(packaged, datetime.date(2026, 9, 15), os_release=BULLSEYE, lang="en")
    (finding,) = result["findings"]
    assert finding["rule"] == "software-eol" and finding["severity"] == "high"
    evidence = finding["evidence"]
    assert evidence["basis"] == "distribution" and evidence["eol"] == "2026-08-31"
    assert evidence["upstream_eol"] == "2022-11-28"
    assert evidence["distribution"] == "debian 11" and evidence["distribution_eol"] == "2026-08-31"
    assert evidence["package"] == "7.4.33-1+deb11u8" and evidence["days_left"] == -15
    assert "2026-08-31" in finding["message"] and "debian 11" in finding["message"]
    # still supported the day before Debian 11 LTS ended: a warning, not an end
    before = eol.check(packaged, datetime.date(2026, 8, 1), os_release=BULLSEYE)["findings"]
    assert [f["rule"] for f in before] == ["software-eol-soon"]


def test_a_release_the_data_does_not_list_keeps_the_upstream_end():
    packaged = {"php": {"version": "8.2.29", "package": "8.2.29-1~deb12u1"}}
    without = dict(eol_data.DATA, distributions={"debian": [{"cycle": "13", "eol": "2030-06-30"}]})
    (finding,) = eol.check(packaged, datetime.date(2027, 3, 1), data=without, os_release=BOOKWORM)["findings"]
    assert finding["evidence"]["basis"] == "upstream" and finding["rule"] == "software-eol"
    # a table without distributions (an older refreshed one in the inventory) is still accepted
    older = dict((k, v) for k, v in eol_data.DATA.items() if k != "distributions")
    assert eol.check(packaged, datetime.date(2027, 3, 1), data=older, os_release=BOOKWORM)["findings"]


def test_the_shipped_data_lists_the_debian_releases_with_their_support_ends():
    ends = {item["cycle"]: item["eol"] for item in eol_data.DATA["distributions"]["debian"]}
    assert ends == {"10": "2024-06-30", "11": "2026-08-31", "12": "2028-06-30", "13": "2030-06-30"}
    assert "endoflife.date API" in eol_data.DATA["source"] and "by hand" in eol_data.DATA["source"]


def test_debians_wordpress_package_is_judged_by_the_release_though_the_data_has_no_cycle_for_it():
    """WordPress 6.1 from Debian 12's package (6.1.9+dfsg1-0+deb12u1): the shipped data has no WordPress 6.1
    cycle, the release's end judges it; the same version unpacked by hand stays unknown, not judged."""
    packaged = {"wordpress": {"version": "6.1.9", "package": "6.1.9+dfsg1-0+deb12u1"}}
    (row,) = eol.check(packaged, datetime.date(2027, 3, 1), os_release=BOOKWORM)["software"]
    assert row["status"] == "supported" and row["basis"] == "distribution"
    assert row["cycle"] is None and row["upstream_eol"] is None
    assert row["eol"] == "2028-06-30" and row["distribution"] == "debian 12"
    (finding,) = eol.check(packaged, datetime.date(2028, 7, 1), os_release=BOOKWORM, lang="en")["findings"]
    assert finding["rule"] == "software-eol" and finding["evidence"]["basis"] == "distribution"
    assert "WordPress 6.1.9" in finding["message"] and "debian 12" in finding["message"]
    sop_result.check_finding(finding)
    by_hand = {"wordpress": {"version": "6.1.9", "package": None}}
    result = eol.check(by_hand, datetime.date(2028, 7, 1), os_release=BOOKWORM)
    assert result["findings"] == [] and result["software"][0]["status"] == "unknown"
    assert result["software"][0]["basis"] is None
