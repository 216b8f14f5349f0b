"""`voice-cecert plan`: read or change the "Practicing your Practice" answers from the keyboard.

The worksheet is normally filled in by voice (routine `practice-plan`); this is the same data
for people who prefer typing, and a way to fix one answer without redoing the rest.
"""

from __future__ import annotations

import argparse

from voice_cecert.errors import UserError
from voice_cecert.journal import LIST_KEYS, PLAN_KEYS, Journal

ORDER = 61


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("plan", help="show or change your practice plan answers")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("show", help="print every answer (default)")
    setter = actions.add_parser("set", help="set one answer")
    setter.add_argument("key", help=f"one of: {', '.join(PLAN_KEYS)}")
    setter.add_argument("value", nargs="+", help="the answer; for lists, one item per argument")
    clear = actions.add_parser("clear", help="forget one answer")
    clear.add_argument("key")
    parser.set_defaults(handler=run)


def _check_key(key: str) -> str:
    if key not in PLAN_KEYS:
        raise UserError(f"unknown plan answer {key!r}; use one of: {', '.join(PLAN_KEYS)}")
    return key


def run(args: argparse.Namespace) -> int:
    journal = Journal()
    action = getattr(args, "action", None)
    if action == "set":
        key = _check_key(args.key)
        items = [v.strip() for v in args.value if v.strip()]
        if not items:
            raise UserError("the answer is empty; say what to save")
        journal.set_answer(key, "\n".join(items) if key in LIST_KEYS else " ".join(items))
        print(f"Saved {key}.")
        return 0
    if action == "clear":
        key = _check_key(args.key)
        print(f"Cleared {key}." if journal.clear_answer(key) else f"{key} was not set.")
        return 0
    answers = journal.answers()
    for key in PLAN_KEYS:
        value = answers.get(key)
        shown = "not saved yet" if value is None else value.replace("\n", "; ")
        print(f"{key}: {shown}")
    return 0
