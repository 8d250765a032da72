"""`sopansible inventory check`: validate the court inventory contract."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sopansible import inventory


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


def run_check(args) -> int:
    console = Console(stderr=not args.json)
    try:
        inv = inventory.load(args.inventory, limit=args.limit)
    except inventory.InventoryError as error:
        console.print(Text(str(error), style="red"))
        return 2
    problems = [problem.as_dict(args.lang) for problem in inventory.check(inv)]
    if args.json:
        print(json.dumps({"courts": len(inv.courts), "problems": problems}, indent=2, ensure_ascii=False))
        return 1 if problems else 0
    if not inv.courts:
        console.print(
            "Tidak ada host dalam grup 'courts'." if args.lang == "id" else "No hosts in group 'courts'."
        )
        return 1
    if not problems:
        console.print(
            f"[green]{len(inv.courts)} pengadilan, data inventori sah.[/green]"
            if args.lang == "id"
            else f"[green]{len(inv.courts)} courts, inventory data valid.[/green]"
        )
        return 0
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
    return 1
