#!/usr/bin/env python3
"""Refresh the end-of-life table of the weekly audit from endoflife.date's API answers.

Download one JSON answer per product (a maintainer does this, by hand or in CI; this script never
touches the network), then compile them:

    curl -fsS -o php.json https://endoflife.date/api/php.json
    curl -fsS -o mariadb.json https://endoflife.date/api/mariadb.json
    curl -fsS -o wordpress.json https://endoflife.date/api/wordpress.json
    curl -fsS -o joomla.json https://endoflife.date/api/joomla.json
    curl -fsS -o debian.json https://endoflife.date/api/debian.json
    python scripts/refresh_eol.py php=php.json mariadb=mariadb.json wordpress=wordpress.json \\
        joomla=joomla.json debian=debian.json --compiled 2027-01-15

writes collections/ansible_collections/pn/website/plugins/module_utils/appsec/eol_data.py (the table
shipped in the collection; commit it with a changelog fragment). ``--format json --out FILE`` writes
the same table as JSON instead, for ``pn_audit_eol_data`` (a central team refreshing the table without
a new release of the collection).

An answer is a list of release cycles; the fields kept are ``cycle`` and ``eol`` (a date, or true/false);
for a distribution (``debian``) the end of its LTS, ``extendedSupport``, when that is a date, else ``eol``.
Anything else in it is ignored; an answer of the wrong shape stops the script with the product named.
Files written in the same format from the vendors' own pages are compiled the same way; ``--source`` then
says where the dates come from (it is shown beside every finding).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = ROOT / "collections/ansible_collections/pn/website/plugins/module_utils/appsec/eol_data.py"
PRODUCTS = ("php", "mariadb", "wordpress", "joomla")
#: Distributions whose own packages of the products are judged by the release's support (appsec/eol.py).
DISTRIBUTIONS = ("debian",)
ANSWER_LIMIT = 4 << 20  # bytes of an API answer read at most
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CYCLE = re.compile(r"^[0-9][0-9.]{0,15}$")

HEADER = '''# Copyright: (c) 2026, pn.website maintainers
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

'''


class RefreshError(Exception):
    """An answer that cannot be compiled (the message names the product and what is wrong)."""


def cycles_of(product: str, answer: object) -> list[dict]:
    """The {cycle, eol} of every cycle in one API answer, as the answer orders them."""
    if not isinstance(answer, list):
        raise RefreshError(f"{product}: the answer is not a list of cycles")
    out = []
    for index, item in enumerate(answer):
        if not isinstance(item, dict):
            raise RefreshError(f"{product}: item {index} is not an object")
        cycle, eol = str(item.get("cycle", "")), item.get("eol")
        if product in DISTRIBUTIONS and isinstance(item.get("extendedSupport"), str):
            eol = item["extendedSupport"]  # the LTS: the release's packages are patched until then
        if not _CYCLE.match(cycle):
            raise RefreshError(f"{product}: item {index} has no usable cycle ({cycle[:40]!r})")
        if not (isinstance(eol, bool) or (isinstance(eol, str) and _DATE.match(eol))):
            raise RefreshError(f"{product} {cycle}: eol must be a date or true/false, not {str(eol)[:40]!r}")
        if isinstance(eol, str):
            dt.date.fromisoformat(eol)  # a real day
        out.append({"cycle": cycle, "eol": eol})
    if not out:
        raise RefreshError(f"{product}: the answer lists no cycle")
    return out


def compile_table(answers: dict[str, Path], compiled: str, source: str = "endoflife.date") -> dict:
    products, distributions = {}, {}
    for product, path in sorted(answers.items()):
        if path.stat().st_size > ANSWER_LIMIT:
            raise RefreshError(f"{product}: {path} is larger than {ANSWER_LIMIT} bytes")
        try:
            answer = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise RefreshError(f"{product}: {path} is not JSON ({error})") from None
        (distributions if product in DISTRIBUTIONS else products)[product] = cycles_of(product, answer)
    table = {"compiled": compiled, "source": source, "products": products}
    if distributions:
        table["distributions"] = distributions
    return table


def python_module(table: dict) -> str:
    """The table as the eol_data module: one line per cycle, so that a refresh reads well in a diff."""
    lines = [
        HEADER + "DATA = {",
        f'    "compiled": "{table["compiled"]}",',
        f'    "source": {json.dumps(table["source"])},',
    ]
    for part in ("products", "distributions"):
        if part not in table:
            continue
        lines.append(f'    "{part}": {{')
        for product, cycles in table[part].items():
            lines.append(f'        "{product}": [')
            for item in cycles:
                eol = repr(item["eol"]) if isinstance(item["eol"], bool) else f'"{item["eol"]}"'
                lines.append(f'            {{"cycle": "{item["cycle"]}", "eol": {eol}}},')
            lines.append("        ],")
        lines.append("    },")
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = PRODUCTS + DISTRIBUTIONS
    parser.add_argument("answers", nargs="+", metavar="PRODUCT=FILE", help=f"products: {', '.join(names)}")
    parser.add_argument(
        "--compiled", default=dt.date.today().isoformat(), help="the day the answers were read"
    )
    parser.add_argument(
        "--source", default="endoflife.date", help="where the dates come from (shown beside every finding)"
    )
    parser.add_argument("--format", choices=("python", "json"), default="python")
    parser.add_argument("--out", type=Path, help=f"default (python): {DATA_FILE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    answers = {}
    for spec in args.answers:
        product, sep, path = spec.partition("=")
        if not sep or product not in names:
            parser.error(f"{spec}: expected PRODUCT=FILE with PRODUCT one of {', '.join(names)}")
        answers[product] = Path(path)
    try:
        dt.date.fromisoformat(args.compiled)
        table = compile_table(answers, args.compiled, args.source[:200])
    except (RefreshError, OSError, ValueError) as error:
        print(f"refresh_eol: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        text = json.dumps(table, indent=2) + "\n"
        if not args.out:
            sys.stdout.write(text)
            return 0
    else:
        text = python_module(table)
    (args.out or DATA_FILE).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
