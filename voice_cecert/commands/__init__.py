"""CLI subcommands: one module each, each exposing `register(subparsers)` and an ORDER int.

`register` adds a subparser and sets `handler=` (a function taking the parsed args and
returning an exit code) via `set_defaults`. Raise `voice_cecert.errors.UserError` for anything
the user can fix; the CLI prints it as one line and exits 2.
"""
