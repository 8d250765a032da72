# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The software of a court website against its end-of-life dates (the weekly audit, SOP IT-AUDIT).

The versions are read on the court server by :mod:`..diagnosis.server_evidence` (PHP, MariaDB, the CMS
core); the dates come from :mod:`.eol_data` (compiled from endoflife.date, refreshed with
``scripts/refresh_eol.py``). A version past its end of life is a ``software-eol`` finding, one whose end
is at most ``warn_days`` away a ``software-eol-soon`` finding; each carries the version, the cycle, the
end-of-life date and the day the data was compiled. A version the data does not know is shown, never
judged.

Standard library only, Python 3.8+ (it runs on court servers).
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.pn.website.plugins.module_utils.appsec import eol_data
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

#: The rule ids of this engine's findings.
RULES = ("software-eol", "software-eol-soon")
#: Product key in the data -> the name shown.
PRODUCTS = {"php": "PHP", "mariadb": "MariaDB", "wordpress": "WordPress", "joomla": "Joomla"}
DEFAULT_WARN_DAYS = 90
_VERSION = re.compile(r"^(\d{1,4})(?:\.(\d{1,4}))?")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EolDataError(ValueError):
    """The end-of-life data does not have the expected shape (the message names the part)."""


def check_data(data):
    """The data checked for shape: {compiled, source, products: {product: [{cycle, eol}]}}."""
    if not isinstance(data, dict) or not isinstance(data.get("products"), dict):
        raise EolDataError("end-of-life data: 'products' must be a mapping")
    if not isinstance(data.get("compiled"), str) or not _DATE.match(data["compiled"]):
        raise EolDataError("end-of-life data: 'compiled' must be a date YYYY-MM-DD")
    for product, cycles in data["products"].items():
        if not isinstance(cycles, list):
            raise EolDataError("end-of-life data: %s must be a list of cycles" % product)
        for item in cycles:
            eol = item.get("eol") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(item.get("cycle"), str):
                raise EolDataError("end-of-life data: %s has a cycle without a 'cycle' text" % product)
            if not (isinstance(eol, bool) or (isinstance(eol, str) and _DATE.match(eol))):
                raise EolDataError(
                    "end-of-life data: %s %s: 'eol' must be a date or true/false" % (product, item["cycle"])
                )
    return data


def find_cycle(cycles, version):
    """The cycle of ``version`` (``"10.11.6"`` is in ``"10.11"``, ``"5"`` cycles match on the major
    version), or None."""
    match = _VERSION.match(str(version or ""))
    if not match:
        return None
    major, minor = match.group(1), match.group(2)
    names = ["%s.%s" % (major, minor)] if minor is not None else []
    names.append(major)
    for name in names:
        for item in cycles:
            if item["cycle"] == name:
                return item
    return None


def judge(product, version, data, today, warn_days=DEFAULT_WARN_DAYS):
    """One software row: {product, name, version, cycle, eol, days_left, status, data_compiled}; status
    is ``eol``, ``eol-soon``, ``supported`` or ``unknown`` (a version or product the data lacks)."""
    row = {
        "product": product,
        "name": PRODUCTS.get(product, product),
        "version": str(version)[:40] if version else None,
        "cycle": None,
        "eol": None,
        "days_left": None,
        "status": "unknown",
        "data_compiled": data["compiled"],
    }
    item = find_cycle(data["products"].get(product) or [], version) if version else None
    if item is None:
        return row
    row["cycle"] = item["cycle"]
    eol = item["eol"]
    if eol is True:
        row["status"] = "eol"
    elif eol is False:
        row["status"] = "supported"
    else:
        row["eol"] = eol
        days = (datetime.date(*[int(p) for p in eol.split("-")]) - today).days
        row["days_left"] = days
        row["status"] = "eol" if days < 0 else "eol-soon" if days <= warn_days else "supported"
    return row


def _message(row, lang):
    # a cycle that ended without a published date has no date to show
    when = row["eol"] or ("date not published" if lang == "en" else "tanggal tidak diumumkan")
    if row["status"] == "eol":
        if lang == "en":
            return "%s %s has passed its end of life (%s): it gets no security fixes." % (
                row["name"],
                row["version"],
                when,
            )
        return "%s %s sudah melewati akhir masa dukungan (%s): tidak ada lagi perbaikan keamanan." % (
            row["name"],
            row["version"],
            when,
        )
    if lang == "en":
        return "%s %s reaches its end of life in %d days (%s)." % (
            row["name"],
            row["version"],
            row["days_left"],
            when,
        )
    return "%s %s mencapai akhir masa dukungan dalam %d hari (%s)." % (
        row["name"],
        row["version"],
        row["days_left"],
        when,
    )


def check(versions, today=None, warn_days=DEFAULT_WARN_DAYS, data=None, lang="id"):
    """{"software": [rows], "findings": [...]} for ``versions`` ({product: version or None}); a product
    without a version (not installed, not detected) is left out."""
    data = check_data(data if data is not None else eol_data.DATA)
    today = today or datetime.date.today()
    software, findings = [], []
    for product, version in versions.items():
        if not version:
            continue
        row = judge(product, version, data, today, warn_days)
        software.append(row)
        if row["status"] in ("eol", "eol-soon"):
            rule = "software-eol" if row["status"] == "eol" else "software-eol-soon"
            severity = "high" if row["status"] == "eol" else "medium"
            evidence = dict((k, row[k]) for k in ("product", "version", "cycle", "eol", "days_left"))
            evidence["data_compiled"] = data["compiled"]
            evidence["data_source"] = str(data.get("source") or "")
            findings.append(sop_result.finding(rule, severity, _message(row, lang), evidence))
    return {"software": software, "findings": findings, "data_compiled": data["compiled"]}
