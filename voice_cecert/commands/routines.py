"""`voice-cecert routines [list|show ID|validate [PATH]]`: browse and check routine files."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from voice_cecert.errors import UserError
from voice_cecert.routines import loader, patterns
from voice_cecert.routines.durations import spoken_duration
from voice_cecert.routines.model import ELEMENT_TITLES
from voice_cecert.routines.script_text import script_lines

ORDER = 30


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "routines",
        help="list the practice routines, show one, or validate routine files",
        description="With no action: list routine ids grouped by CE-CERT element.",
    )
    parser.set_defaults(handler=_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("list", help="list routine ids by element").set_defaults(handler=_list)
    show = actions.add_parser("show", help="print a routine's script as text")
    show.add_argument("id")
    show.set_defaults(handler=_show)
    validate = actions.add_parser("validate", help="check routine files (a file or a folder)")
    validate.add_argument("path", nargs="?", type=Path, default=loader.DATA_DIR)
    validate.set_defaults(handler=_validate)
    actions.add_parser(
        "patterns", help="list breathing patterns (presets and your saved ones)"
    ).set_defaults(handler=_patterns)
    save = actions.add_parser(
        "save-pattern", help="save a breathing pattern under a name, e.g. evening 4-6"
    )
    save.add_argument("name")
    save.add_argument("spec", help="seconds: in-out (4-6), in-hold-out (4-7-8) or in-hold-out-hold")
    save.set_defaults(handler=_save_pattern)


def _list(args: argparse.Namespace) -> int:
    routines = {r.id: r for r in loader.load_all()}
    order = [i for ids in loader.catalog().values() for i in ids]
    extra = sorted(set(routines) - set(order))
    for element, title in ELEMENT_TITLES.items():
        ids = [i for i in order + extra if i in routines and routines[i].element == element]
        if not ids:
            continue
        print(f"{title}:")
        for routine_id in ids:
            r = routines[routine_id]
            print(f"  {r.id}: {r.summary} ({spoken_duration(r.length)})")
    return 0


def _show(args: argparse.Namespace) -> int:
    print("\n".join(script_lines(loader.load(args.id))))
    return 0


def _validate(args: argparse.Namespace) -> int:
    routines, problems = loader.validate_path(args.path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    print(f"{len(routines)} routine file(s) valid.")
    return 0


def _patterns(args: argparse.Namespace) -> int:
    book = patterns.PatternBook()
    for name, pattern in patterns.presets().items():
        print(f"{name}: {pattern.spec()} ({patterns.preset_descriptions()[name]})")
    for name, pattern in sorted(book.saved().items()):
        print(f"{name}: {pattern.spec()} (saved)")
    return 0


def _save_pattern(args: argparse.Namespace) -> int:
    try:
        pattern = patterns.parse_spec(args.spec)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    saved = patterns.PatternBook().save(args.name, pattern)
    print(
        f"Saved {saved.name}: {saved.spec()}. Use it with: voice-cecert run breathing "
        f"--pattern {shlex.quote(saved.name)}"
    )
    return 0
