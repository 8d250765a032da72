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
