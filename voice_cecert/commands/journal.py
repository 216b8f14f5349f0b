"""`voice-cecert journal`: hear or export the practice log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_cecert.errors import UserError
from voice_cecert.files import write_private_atomic
from voice_cecert.journal import Journal

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("journal", help="your practice log: summary or export")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("summary", help="how am I doing (default)")
    export = actions.add_parser("export", help="export the log as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", type=Path, help="file to write (default: print)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    journal = Journal()
    if getattr(args, "action", None) == "export":
        text = journal.export(args.format)
        if args.out is None:
            sys.stdout.write(text)
        else:
            if args.out.is_dir():
                raise UserError(f"{args.out} is a folder; give a file name for the export")
            write_private_atomic(args.out, text)
            print(f"Exported your journal to {args.out}.")
        return 0
    print(journal.summary().spoken())
    return 0
