# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The software of a court website against its end-of-life dates (the weekly audit, SOP IT-AUDIT).

The versions are read on the court server by :mod:`..diagnosis.server_evidence` (PHP, MariaDB, the CMS
core); the dates come from :mod:`.eol_data` (the vendors' published schedules, refreshed with
``scripts/refresh_eol.py``). A version past its end of life is a ``software-eol`` finding, one whose end
is at most ``warn_days`` away a ``software-eol-soon`` finding; each carries the version, the cycle, the
end-of-life date and the day the data was compiled. A version the data does not know is shown, never
judged.

A product installed from the distribution's own package (Debian's ``php8.2-cli`` ``8.2.29-1~deb12u1``)
is patched by the distribution for as long as the release is supported, whatever upstream's date: when
the package's version carries the running release's stable/security suffix (``+deb12u1``, ``~deb12u1``)
and the data knows that release's end, that end is the product's end (``basis: distribution``). A
package built elsewhere (a backport, a third-party repository, a build from source) keeps upstream's date.

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
#: Debian's stable and security updates of release N carry "+debNuM" or "~debNuM" in their version.
_DEBIAN_BUILD = re.compile(r"[+~]deb(\d{1,3})u\d+")


class EolDataError(ValueError):
    """The end-of-life data does not have the expected shape (the message names the part)."""


def check_data(data):
    """The data checked for shape: {compiled, source, products: {product: [{cycle, eol}]}, distributions:
    {distribution: [{cycle, eol}]} (optional)}."""
    if not isinstance(data, dict) or not isinstance(data.get("products"), dict):
        raise EolDataError("end-of-life data: 'products' must be a mapping")
    if not isinstance(data.get("compiled"), str) or not _DATE.match(data["compiled"]):
        raise EolDataError("end-of-life data: 'compiled' must be a date YYYY-MM-DD")
    if not isinstance(data.get("distributions", {}), dict):
        raise EolDataError("end-of-life data: 'distributions' must be a mapping")
    parts = list(data["products"].items()) + list(data.get("distributions", {}).items())
    for product, cycles in parts:
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


def distribution_support(package, os_release, data):
    """{"distribution": "debian 12", "eol": date or bool} when PACKAGE (the installed package's version)
    is the distribution's own build for the running release OS_RELEASE ({"id", "version_id"}) and the
    data knows that release, else None."""
    os_release = os_release if isinstance(os_release, dict) else {}
    dist, release = str(os_release.get("id") or ""), str(os_release.get("version_id") or "")
    match = _DEBIAN_BUILD.search(str(package or ""))
    if dist != "debian" or not match or match.group(1) != release.split(".", 1)[0]:
        return None
    item = find_cycle(data.get("distributions", {}).get(dist) or [], release)
    if item is None:
        return None
    return {"distribution": "%s %s" % (dist, item["cycle"]), "eol": item["eol"]}


def judge(product, version, data, today, warn_days=DEFAULT_WARN_DAYS, package=None, os_release=None):
    """One software row: {product, name, version, cycle, eol, days_left, status, data_compiled, package,
    upstream_eol, distribution, distribution_eol, basis}; status is ``eol``, ``eol-soon``, ``supported``
    or ``unknown`` (a version or product the data lacks); ``eol`` is the end used, upstream's or (basis
    ``distribution``) the distribution release's."""
    row = {
        "product": product,
        "name": PRODUCTS.get(product, product),
        "version": str(version)[:40] if version else None,
        "cycle": None,
        "eol": None,
        "days_left": None,
        "status": "unknown",
        "data_compiled": data["compiled"],
        "package": str(package)[:80] if package else None,
        "upstream_eol": None,
        "distribution": None,
        "distribution_eol": None,
        "basis": None,
    }
    item = find_cycle(data["products"].get(product) or [], version) if version else None
    support = distribution_support(package, os_release, data) if version else None
    if item is None and support is None:
        return row
    eol = None
    if item is not None:
        row["cycle"] = item["cycle"]
        row["upstream_eol"] = eol = item["eol"]
        row["basis"] = "upstream"
    if support is not None:
        row["distribution"], row["distribution_eol"] = support["distribution"], support["eol"]
        row["basis"], eol = "distribution", support["eol"]
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
    if row["basis"] == "distribution":  # the package's end is its release's support, named
        when = "%s, %s %s" % (when, "support of" if lang == "en" else "dukungan", row["distribution"])
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


def check(versions, today=None, warn_days=DEFAULT_WARN_DAYS, data=None, lang="id", os_release=None):
    """{"software": [rows], "findings": [...]} for ``versions`` ({product: version, or {"version",
    "package"} with the installed package's version, or None}) on a server running OS_RELEASE
    ({"id", "version_id"} of /etc/os-release); a product without a version (not installed, not
    detected) is left out."""
    data = check_data(data if data is not None else eol_data.DATA)
    today = today or datetime.date.today()
    software, findings = [], []
    for product, found in versions.items():
        version, package = (
            (found.get("version"), found.get("package")) if isinstance(found, dict) else (found, None)
        )
        if not version:
            continue
        row = judge(product, version, data, today, warn_days, package, os_release)
        software.append(row)
        if row["status"] in ("eol", "eol-soon"):
            rule = "software-eol" if row["status"] == "eol" else "software-eol-soon"
            severity = "high" if row["status"] == "eol" else "medium"
            keys = ("product", "version", "cycle", "eol", "days_left", "package", "upstream_eol")
            evidence = dict((k, row[k]) for k in keys + ("distribution", "distribution_eol", "basis"))
            evidence["data_compiled"] = data["compiled"]
            evidence["data_source"] = str(data.get("source") or "")
            findings.append(sop_result.finding(rule, severity, _message(row, lang), evidence))
    return {"software": software, "findings": findings, "data_compiled": data["compiled"]}
