"""The `voice-cecert` command.

Each subcommand lives in its own module under `voice_cecert.commands` and exposes
`register(subparsers)`; this file only discovers them, parses arguments, and turns a UserError
into one line on stderr with exit code 2. With no subcommand the assistant starts.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from voice_cecert import __version__, commands
from voice_cecert.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one line (no usage dump) and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"voice-cecert: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="voice-cecert", description="Practise CE-CERT skills by voice, offline.")
    parser.add_argument("--version", action="version", version=f"voice-cecert {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules = [
        importlib.import_module(f"{commands.__name__}.{info.name}")
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    ]
    for module in sorted(modules, key=lambda m: getattr(m, "ORDER", 50)):
        module.register(sub)
    return parser


_TOP_LEVEL_FLAGS = {"-h", "--help", "--version"}


def _route_to_assistant(argv: list[str]) -> list[str]:
    """`voice-cecert` and `voice-cecert --text ...` mean `voice-cecert assistant ...`."""
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_LEVEL_FLAGS):
        return ["assistant", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_route_to_assistant(list(sys.argv[1:] if argv is None else argv)))
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args) or 0)
    except UserError as exc:
        print(f"voice-cecert: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("voice-cecert: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
