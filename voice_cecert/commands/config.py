"""`voice-cecert config [show | get KEY | set KEY VALUE | path]`: read and change settings."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses

from voice_cecert import config

ORDER = 80


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "config",
        help="show or change settings (voice, rate, wake phrase, crisis line...)",
        description="With no action: show every setting and its value.",
    )
    parser.set_defaults(handler=_show)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("show", help="every setting and its value").set_defaults(handler=_show)
    get = actions.add_parser("get", help="one setting's value")
    get.add_argument("key", choices=list(config.RULES), metavar="KEY")
    get.set_defaults(handler=_get)
    put = actions.add_parser("set", help="change one setting (checked before it is saved)")
    put.add_argument("key", choices=list(config.RULES), metavar="KEY")
    put.add_argument("value")
    put.set_defaults(handler=_set)
    actions.add_parser("path", help="where the settings file is").set_defaults(handler=_path)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _show(args: argparse.Namespace) -> int:
    settings = config.load_settings()
    for field in dataclasses.fields(settings):
        print(f"{field.name} = {_text(getattr(settings, field.name))}")
    return 0


def _get(args: argparse.Namespace) -> int:
    print(_text(getattr(config.load_settings(), args.key)))
    return 0


def _set(args: argparse.Namespace) -> int:
    value = config.parse_value(args.key, args.value)
    if args.key == "voice" and value:
        from voice_cecert import tts

        # espeak-ng would silently ignore a wrong name; without an engine, doctor reports it
        with contextlib.suppress(tts.TtsUnavailable):
            value = tts.resolve_voice(value)
    settings = config.load_settings().with_overrides(**{args.key: value})
    path = config.save_settings(settings)
    print(f"{args.key} = {_text(value)} (saved in {path})")
    return 0


def _path(args: argparse.Namespace) -> int:
    print(config.config_path())
    return 0
