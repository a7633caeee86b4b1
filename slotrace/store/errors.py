"""Provides the errors of the event file: each names the file and says what to do."""

from __future__ import annotations

from pathlib import Path

from slotrace.errors import SlotraceError


class EventFileError(SlotraceError):
    """Something is wrong with an event file (the message names the file)."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class NotAnEventFileError(EventFileError):
    """The file exists but is not a slotrace event file (another database, a text file...)."""


class CorruptEventFileError(EventFileError):
    """The file is a damaged event file (truncated, overwritten, disk error)."""


class NewerSchemaError(EventFileError):
    """The file was written by a newer slotrace; this version must not touch it."""


class EventFileExistsError(EventFileError):
    """`EventFile.create` was asked to overwrite an existing file."""


class ReadOnlyEventFileError(EventFileError):
    """A write was attempted on a file opened read-only, or the file/directory is not writable."""


class StorageFullError(EventFileError):
    """The disk (or the file's size limit) is full; the failed write was rolled back."""


class EventFileBusyError(EventFileError):
    """Another program holds the file's write lock for too long."""


class UnknownHeatError(EventFileError):
    """A heat, stage or entry that the file does not contain was asked for."""
