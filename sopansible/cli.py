"""The `sopansible` command. Each sub-command lives in sopansible/commands/<name>.py and
exposes ``register(subparsers)``; this module only finds and dispatches them."""

from __future__ import annotations

import argparse
import gc
import importlib
import pkgutil
import sys

from sopansible import __version__, commands, exitcodes


class Parser(argparse.ArgumentParser):
    """argparse's parser, with a usage error ending in exit code 4 like every bad-input error of
    sopansible (exitcodes.py) rather than argparse's 2, which means critical findings here. Sub-command
    parsers are made of the same class."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(exitcodes.USAGE, f"{self.prog}: error: {message}\n")


def _command_names() -> list:
    """The sub-command modules (a module whose name starts with ``_`` is shared code, not a command)."""
    return sorted(
        info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_")
    )


def _named_command(argv, names) -> str | None:
    """The sub-command module named on the command line, when only --lang options come before it
    (its parser then parses exactly as with every sub-command loaded); otherwise None."""
    pos = 0
    while pos < len(argv):
        token = argv[pos]
        if token == "--lang":
            pos += 2
        elif token.startswith("--lang="):
            pos += 1
        else:
            return token if token in names else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. With ``argv``, only the sub-command it names is loaded (start-up time:
    each sub-command imports its own libraries); any other command line loads them all."""
    names = _command_names()
    wanted = _named_command(argv, names) if argv is not None else None
    parser = Parser(
        prog="sopansible",
        description="Menjalankan SOP Pengelolaan dan Pemeliharaan Website pengadilan dan menulis laporannya.",
    )
    parser.add_argument("--version", action="version", version=f"sopansible {__version__}")
    parser.add_argument(
        "--lang", choices=("id", "en"), default="id", help="bahasa keluaran / output language (default: id)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [wanted] if wanted else names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        module.register(subparsers)
    if wanted and wanted not in subparsers.choices:  # the module registers other names: load all
        return build_parser()
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return exitcodes.USAGE
    try:
        return int(args.handler(args) or exitcodes.OK)
    except KeyboardInterrupt:
        print("Dibatalkan / cancelled.", file=sys.stderr)
        return exitcodes.CANCELLED


def run() -> None:
    """The ``sopansible`` command: :func:`main`, then the exit status."""
    code = main()
    # The process ends here: the interpreter's final garbage collection would only walk every
    # object once more (tens of milliseconds once polars is loaded).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
