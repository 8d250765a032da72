"""`sopansible acknowledge`, `sopansible problem` and `sopansible renewals record` through
sopansible.cli.main, on a real SQLite history (and a real inventory read by ansible-inventory)."""

from __future__ import annotations

import json
import textwrap

import pytest

from sopansible import cli, exitcodes
from sopansible.store import HistoryStore

HOSTING = {"kind": "hosting", "provider": "PT Awan", "service": "VPS", "paid_until": "2026-12-10"}
ITEM = "hosting:pt-awan:vps"
DOWN = {"rule": "site-down", "severity": "critical", "message": "Website tidak dapat diakses"}


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_DATA", str(tmp_path / "data"))
    path = tmp_path / "data" / "history.sqlite"
    with HistoryStore(path) as store:
        store.record_run(
            {
                "run_id": "r1",
                "name": "harian",
                "started": "2026-11-20T08:00:00Z",
                "courts": {
                    "pn-tais": {
                        "court_name": "Pengadilan Negeri Tais",
                        "court_sop_times": {"W7": "1 jam - 3 hari"},
                        "court_services": [HOSTING],
                    }
                },
                "results": [
                    {
                        "court": "pn-tais",
                        "activity": "W1",
                        "status": "critical",
                        "started": "2026-11-20T08:00:00Z",
                        "findings": [DOWN],
                    }
                ],
            }
        )
    return path


def main(*argv) -> int:
    """The command's exit code, argparse's own refusals included."""
    try:
        return cli.main(list(argv))
    except SystemExit as exit_:
        return int(exit_.code)


# -- acknowledge ------------------------------------------------------------------------------------------
def test_acknowledge_records_who_when_note_and_the_signed_pdf(db, tmp_path, capsys):
    pdf = tmp_path / "laporan ttd.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    code = main(
        "acknowledge", "pn-tais", "--by", "Dra. Siti Aminah", "--at", "2026-11-25",
        "--note", "Lanjutkan perpanjangan hosting", "--document", str(pdf),
    )  # fmt: skip
    assert code == exitcodes.OK
    assert "Dra. Siti Aminah" in capsys.readouterr().out
    with HistoryStore(db) as store:
        [ack] = store.acknowledgements_all()["pn-tais"]
    assert (ack["who"], ack["acknowledged"], ack["document"]) == (
        "Dra. Siti Aminah",
        "2026-11-25T00:00:00+00:00",
        str(pdf),
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pn-lain", "--by", "X"], "pn-lain"),  # unknown court
        (["pn-tais", "--by", "X", "--at", "25-11-2026"], "25-11-2026"),  # not a date
        (["pn-tais", "--by", "X", "--document", "/nowhere/laporan.pdf"], "/nowhere/laporan.pdf"),
        (["pn-tais", "--by", "X", "--document=-rf.pdf"], "-rf.pdf"),
        (["pn-tais", "--by", "X", "--document", "$(touch /tmp/pwned)"], "pdf"),
        (["pn-tais", "--by", "X", "--role", "operator"], "operator"),
    ],
)
def test_acknowledge_refuses_bad_input_with_exit_code_4(db, capsys, argv, words):
    assert main("acknowledge", *argv) == exitcodes.USAGE
    assert words in capsys.readouterr().err
    with HistoryStore(db) as store:
        assert store.acknowledgements_all() == {}


def test_a_directory_is_not_a_document(db, tmp_path, capsys):
    folder = tmp_path / "arsip.pdf"
    folder.mkdir()
    assert main("acknowledge", "pn-tais", "--by", "X", "--document", str(folder)) == exitcodes.USAGE
    assert "bukan berkas biasa" in capsys.readouterr().err


# -- problem ----------------------------------------------------------------------------------------------
def test_problem_note_then_resolved_closes_it_with_its_time(db, capsys):
    code = main(
        "problem", "note", "pn-tais", "site-down", "--by", "Budi", "--action", "Lapor gangguan ke ISP",
        "--party", "ISP Telkom", "--ticket", "TK-99812", "--at", "2026-11-20T09:00:00Z",
    )  # fmt: skip
    assert code == exitcodes.OK
    out = capsys.readouterr().out
    assert "Website tidak dapat diakses" in out
    code = main(
        "--lang", "en", "problem", "note", "pn-tais", "site-down", "--by", "Budi",
        "--action", "ISP replaced the router", "--party", "ISP Telkom", "--at", "2026-11-20T13:00:00Z",
        "--resolved", "--json",
    )  # fmt: skip
    assert code == exitcodes.OK
    record = json.loads(capsys.readouterr().out)
    assert (record["outcome"], record["duration_s"], record["within_standard"]) == (
        "resolved",
        5 * 3600,
        True,
    )
    assert [n["ticket"] for n in record["notes"]] == ["TK-99812", None]
    assert main("problem", "list", "pn-tais") == exitcodes.OK
    assert "Tidak ada masalah terbuka" not in capsys.readouterr().out  # the finding is still open


def test_problem_note_on_an_unknown_court_or_problem_is_exit_code_4(db, capsys):
    assert main("problem", "note", "pn-lain", "site-down", "--by", "B", "--action", "x") == exitcodes.USAGE
    assert "pn-lain" in capsys.readouterr().err
    assert main("problem", "note", "pn-tais", "dns-broken", "--by", "B", "--action", "x") == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "dns-broken" in err and "site-down" in err  # names the open problems
    assert main("--lang", "en", "problem", "note", "pn-tais", "99", "--by", "B", "--action", "x") == 4
    assert "no problem '99'" in capsys.readouterr().err
    assert main("problem", "note", "pn-tais", "site-down", "--by", "B") == exitcodes.USAGE  # no --action
    argv = ("--lang", "en", "problem", "note", "pn-tais", "site-down", "--by", "B", "--action", "x")
    assert main(*argv, "--at", "kemarin") == exitcodes.USAGE
    assert "--at: 'kemarin' is not an ISO 8601 date/time" in capsys.readouterr().err
    with HistoryStore(db) as store:
        assert store.problems("pn-tais") == []


# -- renewals record --------------------------------------------------------------------------------------
def test_renewal_workflow_is_recorded_in_order(db, tmp_path, capsys):
    invoice = tmp_path / "INV-2026-0117.pdf"
    invoice.write_bytes(b"%PDF-1.4\n")
    base = ["renewals", "record", "pn-tais", ITEM]
    assert (
        main(
            *base,
            "invoice",
            "--date",
            "2026-11-01",
            "--by",
            "Budi",
            "--amount",
            "4800000",
            "--document",
            str(invoice),
        )
        == exitcodes.OK
    )
    assert main(*base, "requested", "--date", "2026-11-02", "--by", "Budi") == exitcodes.OK
    assert main(*base, "paid", "--date", "2026-11-05", "--by", "Bendahara") == exitcodes.OK
    capsys.readouterr()
    assert (
        main(*base, "renewed", "--date", "2026-11-06", "--by", "Budi", "--paid-until", "2027-12-10", "--json")
        == exitcodes.OK
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["workflow"]["paid_until"] == "2027-12-10" and answer["workflow"]["next"] == "invoice"
    assert [s["stage"] for s in answer["workflow"]["cycle"]] == ["invoice", "requested", "paid", "renewed"]
    assert answer["workflow"]["cycle"][0]["document"] == str(invoice)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pn-lain", ITEM, "invoice"], "pn-lain"),
        (["pn-tais", "hosting:lain:x", "invoice"], ITEM),  # names the known services
        (["pn-tais", ITEM, "paid"], "invoice"),  # out of order
        (["pn-tais", ITEM, "invoice", "--date", "1/11/2026"], "1/11/2026"),
        (["pn-tais", ITEM, "invoice", "--document", "invoice.exe"], "invoice.exe"),
    ],
)
def test_renewal_steps_refused_with_exit_code_4(db, capsys, argv, words):
    assert main("renewals", "record", *argv, "--by", "Budi") == exitcodes.USAGE
    assert words in capsys.readouterr().err
    with HistoryStore(db) as store:
        assert store.renewal_steps_all() == {}


def test_renewals_check_reads_the_paid_until_date_from_the_records(db, tmp_path, capsys):
    inv = tmp_path / "inventory"
    (inv / "host_vars").mkdir(parents=True)
    (inv / "hosts.yml").write_text("all:\n  children:\n    courts:\n      hosts:\n        pn-tais:\n")
    (inv / "host_vars" / "pn-tais.yml").write_text(
        textwrap.dedent(
            """\
            court_name: Pengadilan Negeri Tais
            court_services:
              - {kind: hosting, provider: PT Awan, service: VPS, paid_until: "2026-12-10"}
            """
        )
    )
    argv = ["renewals", "-i", str(inv), "--only", "contracts", "--today", "2026-11-23", "--json"]
    assert main(*argv, "--no-state-update") == exitcodes.WARNING  # 17 days left
    capsys.readouterr()
    for stage, extra in (
        ("invoice", []),
        ("requested", []),
        ("paid", []),
        ("renewed", ["--paid-until", "2027-12-10"]),
    ):
        assert (
            main("renewals", "record", "pn-tais", ITEM, stage, "--date", "2026-11-20", "--by", "Budi", *extra)
            == 0
        )
    capsys.readouterr()
    assert main(*argv, "--no-state-update") == exitcodes.OK
    [item] = json.loads(capsys.readouterr().out)["courts"][0]["items"]
    assert (item["date"], item["paid_until_source"]) == ("2027-12-10", "workflow")


def test_renewals_check_still_needs_an_inventory(capsys):
    assert main("renewals", "--only", "contracts") == exitcodes.USAGE
    assert "-i/--inventory" in capsys.readouterr().err


def test_a_playbook_run_reads_the_recorded_renewal(db, tmp_path, capsys):
    """`sopansible run` hands the recorded steps to the W4 role (pn_renewal_workflow): the real role and
    module, run on the controller for a court with contracts only (no network)."""
    import sys

    inv = tmp_path / "inventory"
    (inv / "host_vars").mkdir(parents=True)
    (inv / "hosts.yml").write_text("all:\n  children:\n    courts:\n      hosts:\n        pn-tais:\n")
    (inv / "host_vars" / "pn-tais.yml").write_text(
        textwrap.dedent(
            f"""\
            ansible_connection: local
            ansible_python_interpreter: {sys.executable}
            court_name: Pengadilan Negeri Tais
            court_services:
              - {{kind: hosting, provider: PT Awan, service: VPS, paid_until: "2026-12-10"}}
            """
        )
    )
    playbook = tmp_path / "w4.yml"
    playbook.write_text("- hosts: courts\n  gather_facts: false\n  roles: [pn.website.renewal]\n")
    for stage, extra in (
        ("invoice", []),
        ("requested", []),
        ("paid", []),
        ("renewed", ["--paid-until", "2099-12-10"]),
    ):
        assert (
            main("renewals", "record", "pn-tais", ITEM, stage, "--date", "2026-11-20", "--by", "Budi", *extra)
            == 0
        )
    code = main("run", str(playbook), "-i", str(inv), "--no-report", "--no-notify")
    assert code == exitcodes.OK, capsys.readouterr()
    with HistoryStore(db) as store:
        w4 = store.latest("pn-tais")["W4"]
    [item] = w4["outputs"]["items"]
    assert (item["date"], item["paid_until_source"]) == ("2099-12-10", "workflow")
