"""`sopansible inventory check`: validate the court inventory contract;
`sopansible inventory generate REGISTRY`: write a fleet inventory from a court registry (CSV/YAML).

Exit codes (sopansible/exitcodes.py): check gives 0 for a valid inventory and 4 (bad input) for one
that cannot be read, has no courts or holds a problem; generate gives 0, 1 when the inventory was
written with some rows set aside or flagged, and 4 for a registry that cannot be read or an inventory
not written (--on-invalid error)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ansible_collections.pn.website.plugins.module_utils.inventory import court_registry
from sopansible import exitcodes, inventory


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inventory", help="periksa inventori pengadilan / check the court inventory"
    )
    actions = parser.add_subparsers(dest="inventory_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validasi data setiap pengadilan / validate every court's data")
    check.add_argument("-i", "--inventory", required=True, help="path inventori / inventory path")
    check.add_argument("--limit", help="batasi ke pola host / limit to a host pattern")
    check.add_argument("--json", action="store_true", help="keluaran JSON / JSON output")
    check.set_defaults(handler=run_check)
    generate = actions.add_parser(
        "generate",
        help="buat inventori dari registri pengadilan (CSV/YAML) / build the inventory from a court registry",
        description=(
            "Satu baris per pengadilan: name, court_name, type, region, domain, hosting (server|shared), "
            "address, ... Setiap baris divalidasi; baris yang salah dilaporkan dengan nomor baris "
            "dan kolomnya. "
            "/ One row per court; every row is validated and a bad row is reported with its line and column."
        ),
    )
    generate.add_argument(
        "registry", metavar="REGISTRY", help="registri .csv atau .yml / .csv or .yml registry"
    )
    generate.add_argument("-o", "--output", help="tulis ke berkas ini / write to this file (default: stdout)")
    generate.add_argument(
        "--on-invalid",
        choices=("keep", "skip", "error"),
        default="keep",
        help="pengadilan dengan data salah: simpan (grup registry_invalid), lewati, atau gagal "
        "/ courts with bad data: keep (group registry_invalid), skip, or fail (default: keep)",
    )
    generate.add_argument("--json", action="store_true", help="ringkasan JSON / JSON summary on stdout")
    generate.set_defaults(handler=run_generate)


def run_check(args) -> int:
    console = Console(stderr=not args.json)
    try:
        inv = inventory.load(args.inventory, limit=args.limit)
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return exitcodes.USAGE
    problems = [problem.as_dict(args.lang) for problem in inventory.check(inv)]
    if args.json:
        print(json.dumps({"courts": len(inv.courts), "problems": problems}, indent=2, ensure_ascii=False))
        return exitcodes.USAGE if problems else exitcodes.OK
    if not inv.courts:
        console.print(
            "Tidak ada host dalam grup 'courts'." if args.lang == "id" else "No hosts in group 'courts'."
        )
        return exitcodes.USAGE
    if not problems:
        console.print(
            f"[green]{len(inv.courts)} pengadilan, data inventori sah.[/green]"
            if args.lang == "id"
            else f"[green]{len(inv.courts)} courts, inventory data valid.[/green]"
        )
        return exitcodes.OK
    table = Table(title="Masalah inventori" if args.lang == "id" else "Inventory problems")
    for column in (
        "Host",
        "Variabel" if args.lang == "id" else "Variable",
        "Masalah" if args.lang == "id" else "Problem",
    ):
        table.add_column(column)
    for problem in problems:
        table.add_row(Text(problem["host"]), Text(problem["variable"]), Text(problem["message"]))
    console.print(table)
    bad = len({p["host"] for p in problems})
    console.print(
        f"[red]{len(problems)} masalah pada {bad} dari {len(inv.courts)} pengadilan.[/red]"
        if args.lang == "id"
        else f"[red]{len(problems)} problems in {bad} of {len(inv.courts)} courts.[/red]"
    )
    return exitcodes.USAGE


def _problem_table(rows: list[tuple[str, str, str, str]], lang: str, title: tuple[str, str]) -> Table:
    table = Table(title=title[1] if lang == "en" else title[0])
    for column in (
        ("Baris", "Row"),
        ("Host", "Host"),
        ("Kolom/variabel", "Column/variable"),
        ("Masalah", "Problem"),
    ):
        table.add_column(column[1] if lang == "en" else column[0])
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def run_generate(args) -> int:
    """Build the inventory of a court registry; every bad row is reported, the others are written."""
    console = Console(stderr=True)
    try:
        registry = court_registry.load(args.registry, on_invalid=args.on_invalid)
    except court_registry.RegistryError as error:
        console.print(Text(str(error), style="red"))
        return exitcodes.USAGE
    problems = registry.problems
    written = not (args.on_invalid == "error" and problems)
    if written:
        text = (
            f"{inventory.GENERATED_HEADER} dari {Path(args.registry).name}; ubah\n"
            "# registrinya, bukan berkas ini. / Generated from the court registry; edit the registry,\n"
            "# not this file.\n"
            + yaml.safe_dump(registry.as_inventory(), sort_keys=False, allow_unicode=True)
        )
        if args.output:
            output = Path(args.output)
            output.parent.mkdir(parents=True, exist_ok=True)
            # the registry may carry contact data: not world-readable
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        elif not args.json:
            print(text, end="")
    if args.json:
        summary = {
            "registry": str(args.registry),
            "courts": len(registry.hosts),
            "invalid": sorted(registry.invalid),
            "groups": {group: len(hosts) for group, hosts in sorted(registry.groups.items())},
            "written": bool(written and args.output),
            "problems": [problem.as_dict(args.lang) for problem in problems],
        }
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    en = args.lang == "en"
    if problems:
        console.print(
            _problem_table(
                [(p.where, p.host, p.field, p.message(args.lang)) for p in problems],
                args.lang,
                ("Masalah registri", "Registry problems"),
            )
        )
    summary_line = (
        f"{len(registry.hosts)} courts, {len(problems)} problems"
        if en
        else f"{len(registry.hosts)} pengadilan, {len(problems)} masalah"
    )
    if args.output and written:
        summary_line += f" -> {args.output}"
    if not written:
        summary_line += "; inventory not written (--on-invalid error)" if en else "; inventori tidak ditulis"
    console.print(Text(summary_line, style="red" if problems else "green"))
    if not written:
        return exitcodes.USAGE
    return exitcodes.WARNING if problems else exitcodes.OK
