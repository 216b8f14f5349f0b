"""One exception type for problems the user can fix.

The CLI turns a UserError into a single line on stderr and exit code 2, so every module can
raise it with a message written for the person at the keyboard (or the screen reader), never a
traceback.
"""


class UserError(Exception):
    """A problem caused by input, files or setup, with a one-line message saying what to do."""

    exit_code = 2
