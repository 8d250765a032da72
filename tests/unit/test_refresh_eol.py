"""scripts/refresh_eol.py compiles endoflife.date's API answers (files given on the command line, never the
network) into the end-of-life table the audit ships, and refuses an answer of the wrong shape by name."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.appsec import eol, eol_data

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("refresh_eol", ROOT / "scripts" / "refresh_eol.py")
refresh_eol = importlib.util.module_from_spec(spec)
sys.modules["refresh_eol"] = refresh_eol
spec.loader.exec_module(refresh_eol)

# endoflife.date's answer format, with the fields the table does not keep
PHP = [
    {
        "cycle": "8.4",
        "releaseDate": "2024-11-21",
        "support": "2026-12-31",
        "eol": "2028-12-31",
        "latest": "8.4.14",
    },
    {
        "cycle": "7.4",
        "releaseDate": "2019-11-28",
        "support": "2021-11-28",
        "eol": "2022-11-28",
        "latest": "7.4.33",
    },
]
WORDPRESS = [{"cycle": "6.8", "eol": False, "lts": False}, {"cycle": "3.6", "eol": True}]


def answers(tmp_path, **products):
    paths = []
    for product, answer in products.items():
        path = tmp_path / f"{product}.json"
        path.write_text(json.dumps(answer))
        paths.append(f"{product}={path}")
    return paths


def load(path: Path) -> dict:
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # the module written, as Python reads it
    return namespace["DATA"]


def test_answers_become_the_shipped_module(tmp_path):
    out = tmp_path / "eol_data.py"
    args = answers(tmp_path, php=PHP, wordpress=WORDPRESS)
    assert refresh_eol.main([*args, "--compiled", "2027-01-15", "--out", str(out)]) == 0
    table = load(out)
    assert table == {
        "compiled": "2027-01-15",
        "source": "endoflife.date",
        "products": {
            "php": [{"cycle": "8.4", "eol": "2028-12-31"}, {"cycle": "7.4", "eol": "2022-11-28"}],
            "wordpress": [{"cycle": "6.8", "eol": False}, {"cycle": "3.6", "eol": True}],
        },
    }
    eol.check_data(table)


def test_json_for_a_refreshed_table_in_the_inventory(tmp_path, capsys):
    assert (
        refresh_eol.main([*answers(tmp_path, php=PHP), "--format", "json", "--compiled", "2027-01-15"]) == 0
    )
    table = json.loads(capsys.readouterr().out)
    assert table["products"]["php"][1] == {"cycle": "7.4", "eol": "2022-11-28"}
    eol.check_data(table)


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"cycle": "8.4"}, "php: the answer is not a list"),
        ([{"cycle": "8.4", "eol": "someday"}], "php 8.4: eol must be a date"),
        ([{"cycle": "8.4", "eol": "2028-02-30"}], "day is out of range"),
        ([{"cycle": "../8", "eol": True}], "php: item 0 has no usable cycle"),
        ([], "php: the answer lists no cycle"),
    ],
)
def test_a_wrong_answer_is_refused_by_name(tmp_path, capsys, answer, named):
    out = tmp_path / "eol_data.py"
    assert refresh_eol.main([*answers(tmp_path, php=answer), "--out", str(out)]) == 2
    assert named in capsys.readouterr().err
    assert not out.exists()


def test_the_shipped_table_is_the_scripts_own_output():
    """The shipped module is written by the script (not by hand): compiling its own table again gives the
    same file."""
    shipped = Path(eol_data.__file__).read_text(encoding="utf-8")
    assert refresh_eol.python_module(eol_data.DATA) == shipped


# endoflife.date's debian answer: ``eol`` is the end of regular security support, ``extendedSupport`` the LTS
DEBIAN = [
    {"cycle": "12", "codename": "Bookworm", "eol": "2026-06-10", "extendedSupport": "2028-06-30"},
    {"cycle": "11", "codename": "Bullseye", "eol": "2024-08-14", "extendedSupport": "2026-08-31"},
    {"cycle": "14", "codename": "Forky", "eol": False, "extendedSupport": False},
]


def test_a_distribution_answer_becomes_the_release_lts_end(tmp_path):
    out = tmp_path / "eol_data.py"
    args = answers(tmp_path, php=PHP, debian=DEBIAN)
    source = "vendors' published schedules, compiled by hand"
    assert refresh_eol.main([*args, "--compiled", "2027-01-15", "--source", source, "--out", str(out)]) == 0
    table = load(out)
    assert table["source"] == source
    assert table["distributions"] == {
        "debian": [
            {"cycle": "12", "eol": "2028-06-30"},
            {"cycle": "11", "eol": "2026-08-31"},
            {"cycle": "14", "eol": False},
        ]
    }
    assert "debian" not in table["products"]
    eol.check_data(table)
    packaged = {"php": {"version": "7.4.33", "package": "7.4.33-1+deb11u8"}}
    (row,) = eol.check(
        packaged, dt.date(2026, 1, 5), data=table, os_release={"id": "debian", "version_id": "11"}
    )["software"]
    assert row["basis"] == "distribution" and row["eol"] == "2026-08-31"
