# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-of-life dates of the software a court website runs on (the weekly audit compares with them).

Written by ``scripts/refresh_eol.py``, from endoflife.date's public API answers (one JSON file per
product, e.g. ``https://endoflife.date/api/php.json``) or, for the table shipped here, from the dates the
vendors publish (``source`` says which); do not edit by hand, refresh it (CONTRIBUTING.md "End-of-life
data"). ``compiled`` is the day the dates were read: the audit shows it and ``source`` beside every
end-of-life finding, so a stale table is visible in the report.

Each product is a list of release cycles: ``cycle`` (``"8.2"``), ``eol`` (a date ``YYYY-MM-DD``, ``True``
when support has ended without a published date, ``False`` when no end is announced). Where the dates are
published: PHP https://www.php.net/supported-versions.php (end of security support), MariaDB
https://mariadb.org/about/#maintenance-policy, WordPress (security fixes of older branches)
https://make.wordpress.org/core/handbook/about/release-cycle/, Joomla
https://docs.joomla.org/Joomla!_CMS_versions.

``distributions`` lists the releases of a distribution the same way; ``eol`` is the end of the release's
last security support, its LTS when it has one: the package of a product built by the distribution for
that release (PHP, MariaDB) is patched until then. Debian: https://www.debian.org/security/faq (regular
security support) and https://wiki.debian.org/LTS (LTS ends: Debian 10 2024-06-30, Debian 11 2026-08-31,
Debian 12 2028-06-30, Debian 13 2030-06-30).
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

DATA = {
    "compiled": "2026-12-02",
    "source": "vendors' published schedules, compiled by hand (not the endoflife.date API)",
    "products": {
        "joomla": [
            {"cycle": "5.4", "eol": "2027-10-13"},
            {"cycle": "5.3", "eol": "2025-10-14"},
            {"cycle": "5.2", "eol": "2025-04-08"},
            {"cycle": "5.1", "eol": "2024-10-15"},
            {"cycle": "5.0", "eol": "2024-04-16"},
            {"cycle": "4.4", "eol": "2025-10-17"},
            {"cycle": "4.3", "eol": "2023-10-17"},
            {"cycle": "4.2", "eol": "2023-04-18"},
            {"cycle": "4.1", "eol": "2022-08-16"},
            {"cycle": "4.0", "eol": "2022-02-15"},
            {"cycle": "3.10", "eol": "2023-08-17"},
            {"cycle": "3.9", "eol": "2021-08-24"},
        ],
        "mariadb": [
            {"cycle": "11.8", "eol": "2030-06-04"},
            {"cycle": "11.4", "eol": "2029-05-29"},
            {"cycle": "11.3", "eol": "2024-05-29"},
            {"cycle": "11.2", "eol": "2024-11-21"},
            {"cycle": "11.1", "eol": "2024-08-21"},
            {"cycle": "11.0", "eol": "2024-06-06"},
            {"cycle": "10.11", "eol": "2028-02-16"},
            {"cycle": "10.6", "eol": "2026-07-06"},
            {"cycle": "10.5", "eol": "2025-06-24"},
            {"cycle": "10.4", "eol": "2024-06-18"},
            {"cycle": "10.3", "eol": "2023-05-25"},
            {"cycle": "10.2", "eol": "2022-05-23"},
            {"cycle": "10.1", "eol": "2020-10-17"},
            {"cycle": "10.0", "eol": "2019-03-31"},
        ],
        "php": [
            {"cycle": "8.5", "eol": "2029-12-31"},
            {"cycle": "8.4", "eol": "2028-12-31"},
            {"cycle": "8.3", "eol": "2027-12-31"},
            {"cycle": "8.2", "eol": "2026-12-31"},
            {"cycle": "8.1", "eol": "2025-12-31"},
            {"cycle": "8.0", "eol": "2023-11-26"},
            {"cycle": "7.4", "eol": "2022-11-28"},
            {"cycle": "7.3", "eol": "2021-12-06"},
            {"cycle": "7.2", "eol": "2020-11-30"},
            {"cycle": "7.1", "eol": "2019-12-01"},
            {"cycle": "7.0", "eol": "2019-01-10"},
            {"cycle": "5.6", "eol": "2018-12-31"},
        ],
        "wordpress": [
            {"cycle": "4.0", "eol": "2022-12-01"},
            {"cycle": "3.9", "eol": "2022-12-01"},
            {"cycle": "3.8", "eol": "2022-12-01"},
            {"cycle": "3.7", "eol": "2022-12-01"},
            {"cycle": "3.6", "eol": True},
            {"cycle": "3.5", "eol": True},
        ],
    },
    "distributions": {
        "debian": [
            {"cycle": "13", "eol": "2030-06-30"},
            {"cycle": "12", "eol": "2028-06-30"},
            {"cycle": "11", "eol": "2026-08-31"},
            {"cycle": "10", "eol": "2024-06-30"},
        ],
    },
}
