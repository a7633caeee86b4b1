"""Provides the root of slotrace's error hierarchy.

Every error slotrace raises on purpose derives from `SlotraceError`, so a face (CLI, TUI)
can catch one type and print its message. Messages are written for the person at the
track: they say what happened, where (file, row, field, byte, device) and what to do.
"""


class SlotraceError(Exception):
    """Base class for every error slotrace raises deliberately."""
