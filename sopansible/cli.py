"""The `sopansible` command. Each sub-command lives in sopansible/commands/<name>.py and
exposes ``register(subparsers)``; this module only finds and dispatches them."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from sopansible import __version__, commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sopansible",
        description="Menjalankan SOP Pengelolaan dan Pemeliharaan Website pengadilan dan menulis laporannya.",
    )
    parser.add_argument("--version", action="version", version=f"sopansible {__version__}")
    parser.add_argument(
        "--lang", choices=("id", "en"), default="id", help="bahasa keluaran / output language (default: id)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("Dibatalkan / cancelled.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
