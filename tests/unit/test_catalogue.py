"""The SOP catalogue: data, cycles, standard times and per-court overrides."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sopansible import catalogue
from sopansible.catalogue import CatalogueError, parse_duration

WEBSITE = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def test_packaged_catalogue_has_website_and_it_activities(cat):
    assert [a.id for a in cat.of_sop("website")] == WEBSITE
    assert {"IT-ATTACK", "IT-AUDIT", "IT-DRILL", "IT-RECAP"} <= set(cat.ids())
    for activity in cat.activities:
        assert activity.aktivitas and activity.activity_en and activity.output and activity.output_en
        assert activity.pelaksana, activity.id
        for performer in activity.pelaksana:
            assert cat.performer(performer, "id") != performer
            assert cat.performer(performer, "en") != performer


def test_catalogue_ids_are_accepted_by_the_court_contract(cat):
    """Every activity id can be used in court_sop_times without the inventory check rejecting it."""
    contract = pytest.importorskip(
        "ansible_collections.pn.website.plugins.module_utils.inventory.court_contract"
    )
    times = {activity_id: "2 jam" for activity_id in cat.ids()}
    problems = contract.validate_court("pn-x", {"court_name": "PN X", "court_sop_times": times})
    assert not [p for p in problems if "court_sop_times" in p.variable]


@pytest.mark.parametrize(
    "text", ["2 jam", "1,5 jam", "1.500 menit", "1 jam - 3 hari", "relatif", "2", "dua jam"]
)
def test_contract_and_catalogue_agree_on_standard_times(text):
    contract = pytest.importorskip(
        "ansible_collections.pn.website.plugins.module_utils.inventory.court_contract"
    )
    court = {
        "court_name": "PN A",
        "court_type": "PN",
        "court_domain": "pn-a.go.id",
        "court_sop_times": {"W1": text},
    }
    contract_accepts = not contract.validate_court("pn-a", court)
    try:
        parse_duration(text)
        catalogue_accepts = True
    except CatalogueError:
        catalogue_accepts = False
    assert contract_accepts == catalogue_accepts


def test_wording_follows_the_sop(cat):
    assert "ketersediaan akses online website" in cat.activity("W1").aktivitas
    assert "backup" in cat.activity("W2").aktivitas
    assert cat.activity("W2").output.startswith("ADK")
    assert cat.performers_of("W4", "id")[1] == "Kasubbag Umum dan Keuangan"
    assert cat.activity("W5").waktu.text == "15 menit"
    assert cat.activity("W1").waktu.max_s == 2 * 3600
    assert cat.activity("W3").waktu.relative


def test_sop_header_data(cat):
    website = cat.sop("website")
    laws = " ".join(website["dasar_hukum"])
    for text in (
        "Nomor 14 Tahun 2008",
        "Nomor 25 Tahun 2009",
        "Nomor 1 Tahun 2010",
        "2-144/KMA/SK/VIII/2022",
    ):
        assert text in laws
    assert website["keterkaitan"] and website["peringatan"] and website["pencatatan"]
    assert "Informasi dan Transaksi Elektronik" in " ".join(cat.sop("it")["dasar_hukum"])
    with pytest.raises(CatalogueError, match="SOP 'nope'"):
        cat.sop("nope")


def test_cycles_and_playbooks(cat):
    assert [a.id for a in catalogue.cycle("harian")] == ["W1", "W2", "W3"]
    assert catalogue.cycle_playbooks("harian") == ["sop_monitor.yml", "sop_backup.yml", "sop_logs.yml"]
    assert {a.id for a in cat.cycle("mingguan")} == {"IT-ATTACK", "IT-AUDIT"}
    assert cat.cycle_playbooks("mingguan") == ["sop_audit.yml"]
    assert {a.id for a in cat.cycle("bulanan")} == {"W4", "IT-DRILL", "IT-RECAP"}
    assert cat.cycle_playbooks("bulanan") == ["sop_renewal.yml", "sop_restore_drill.yml"]
    assert cat.activity("W4").playbook == "sop_renewal.yml"
    with pytest.raises(CatalogueError, match="siklus 'tahunan'"):
        cat.cycle("tahunan")


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2 jam", 7200, 7200),
        ("15 menit", 900, 900),
        ("1 hari", 86400, 86400),
        ("6 Jam", 21600, 21600),
        ("30 Menit", 1800, 1800),
        ("1 jam - 3 hari", 3600, 3 * 86400),
        ("1 jam-3hari", 3600, 3 * 86400),
        ("1 - 3 hari", 86400, 3 * 86400),
        ("1 hari 2 jam 47 menit", 86400 + 2 * 3600 + 47 * 60, 86400 + 2 * 3600 + 47 * 60),
        ("1.500 menit", 90000, 90000),
        ("1,5 jam", 5400, 5400),
        ("1 minggu", 7 * 86400, 7 * 86400),
        ("2 hours", 7200, 7200),
    ],
)
def test_parse_duration(text, low, high):
    parsed = parse_duration(text)
    assert (parsed.min_s, parsed.max_s) == (low, high)
    assert parsed.text == text
    assert parsed.is_range == (low != high)


@pytest.mark.parametrize("text", ["relatif", "Relatif", " RELATIF ", "relative", "-"])
def test_relative_has_no_fixed_time(text):
    parsed = parse_duration(text)
    assert parsed.relative
    assert parsed.max_s is None
    assert parsed.within(10**9) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2", "satuan waktu tidak ada"),
        ("2 tahun", "satuan 'tahun' tidak dikenal"),
        ("sebentar", "tidak dikenali"),
        ("3 hari - 1 jam", "batas bawah lebih besar"),
        ("1 jam - ", "tidak dikenali"),
        (5, "bukan int"),
        (None, "bukan NoneType"),
        (["2 jam"], "bukan list"),
    ],
)
def test_parse_duration_errors_name_the_value(value, message):
    with pytest.raises(CatalogueError, match=message):
        parse_duration(value)


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["menit", "jam", "hari", "minggu"]))
def test_parse_duration_scales_units(number, unit):
    factor = {"menit": 60, "jam": 3600, "hari": 86400, "minggu": 604800}[unit]
    assert parse_duration(f"{number} {unit}").max_s == number * factor


def test_within_standard_time():
    two_hours = parse_duration("2 jam")
    assert two_hours.within(7199) is True
    assert two_hours.within(7201) is False
    assert two_hours.within(None) is None
    assert parse_duration("1 jam - 3 hari").within(2 * 86400) is True


def test_court_overrides(cat):
    court = cat.for_court(
        {"court_sop_times": {"W1": "4 jam", "W3": "relatif", "W7": "1 jam - 3 hari"}}, "pn-tais"
    )
    assert court.court == "pn-tais"
    assert court.activity("W1").waktu.max_s == 4 * 3600
    assert court.activity("W1").overridden
    assert court.activity("W3").waktu.relative
    assert court.activity("W7").waktu.min_s == 3600
    assert not court.activity("W2").overridden
    # the shared catalogue is unchanged
    assert cat.activity("W1").waktu.max_s == 2 * 3600
    assert catalogue.for_court({}).activity("W1").waktu.text == "2 jam"


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ({"W9": "2 jam"}, r"pn-x: court_sop_times\.W9: aktivitas SOP tidak dikenal"),
        ({"W1": "dua jam"}, r"pn-x: court_sop_times\.W1: waktu baku 'dua jam'"),
        ({"W1": 2}, r"pn-x: court_sop_times\.W1: waktu baku harus berupa teks"),
        (["W1"], r"pn-x: court_sop_times harus berupa dict"),
    ],
)
def test_bad_court_overrides_are_named(cat, times, message):
    with pytest.raises(CatalogueError, match=message):
        cat.for_court({"court_sop_times": times}, "pn-x")


def test_bad_catalogue_files(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("activities: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="bukan YAML"):
        catalogue.load(broken)
    missing = tmp_path / "missing.yml"
    missing.write_text(
        "performers: {op: {id: Operator, en: Operator}}\nsops: {website: {}}\ncycles: {}\n"
        "activities:\n  - {id: W1, sop: website, nomor: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"activities\[0\] \(W1\): kolom hilang: aktivitas"):
        catalogue.load(missing)
    with pytest.raises(CatalogueError, match="tidak dapat dibaca"):
        catalogue.load(tmp_path / "nope.yml")


def test_unknown_activity_lookup(cat):
    with pytest.raises(CatalogueError, match="aktivitas SOP 'X1' tidak dikenal"):
        cat.activity("X1")
    assert cat.get("X1") is None


def test_format_seconds():
    assert catalogue.format_seconds(1.94) == "1.9 detik"
    assert catalogue.format_seconds(95) == "1 menit 35 detik"
    assert catalogue.format_seconds(3 * 3600 + 60) == "3 jam 1 menit"
    assert catalogue.format_seconds(90000, "en") == "1 d 1 h"
    assert catalogue.format_seconds(None) == "-"


def test_as_dict_is_plain_data(cat):
    data = cat.for_court({"court_sop_times": {"W1": "4 jam"}}, "pn-x").as_dict()
    w1 = data["activities"][0]
    assert w1["id"] == "W1" and w1["waktu"] == {
        "text": "4 jam",
        "min_s": 14400,
        "max_s": 14400,
        "relative": False,
    }


def test_unknown_names_are_lookup_errors_and_activities_read_like_rows(cat):
    with pytest.raises(LookupError):
        cat.activity("harian")
    with pytest.raises(LookupError):
        cat.cycle("W1")
    w1 = cat.activity("W1")
    assert w1["playbook"] == w1.get("playbook") == "sop_monitor.yml"
    assert w1.get("nope", "x") == "x"
    with pytest.raises(KeyError):
        w1["nope"]
