"""Provides opening an event file's SQLite connection and mapping SQLite errors to ours.

Writers open ``file:...?mode=rw`` (``mode=rwc`` only while creating), set WAL,
``synchronous=FULL`` and foreign keys, and bring older files up to date with the
migrations in `slotrace.store.schema`. Readers open ``file:...?mode=ro`` and can never
write: SQLite itself refuses, whatever the code above does.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

from slotrace.store import schema
from slotrace.store.errors import (
    CorruptEventFileError,
    EventFileBusyError,
    EventFileError,
    NewerSchemaError,
    NotAnEventFileError,
    ReadOnlyEventFileError,
    StorageFullError,
)

BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another connection's lock before giving up."""


class OpenMode(Enum):
    """How an event file is opened."""

    CREATE = "rwc"
    READ_WRITE = "rw"
    READ_ONLY = "ro"


class Synchronous(Enum):
    """SQLite ``synchronous`` levels we choose between (see docs/durability.md)."""

    FULL = "FULL"
    """fsync the WAL at every commit: a commit survives a power cut."""
    NORMAL = "NORMAL"
    """fsync only at checkpoints: a commit survives kill -9 but maybe not a power cut."""


def translate(path: Path, exc: sqlite3.Error, doing: str) -> EventFileError:
    """Our error for a SQLite error met while ``doing`` something with ``path``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return StorageFullError(
            path,
            f"disk full while {doing}; that write was rolled back, everything saved "
            "before it is intact. Free some space (or copy the file elsewhere) and retry",
        )
    if name == "SQLITE_NOTADB" or "not a database" in text:
        return NotAnEventFileError(path, "is not a slotrace event file (not an SQLite database)")
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return CorruptEventFileError(
            path,
            f"the file is damaged ({text}) while {doing}; nothing more was written. Restore "
            f"your latest backup copy, or rescue what is readable with `sqlite3 {path} "
            ".recover | sqlite3 rescued.slotrace`",
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")) and (
        on_read_only_medium(path)
    ):
        return ReadOnlyEventFileError(
            path,
            f"cannot write while {doing}: the file is on a read-only medium (a locked SD "
            "card, a CD, a disk the system remounted read-only); everything saved before is "
            "intact. Copy it to a writable disk to go on, or open it read-only to view it",
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return ReadOnlyEventFileError(
            path,
            f"cannot write while {doing}: the file is open read-only or is not writable "
            "(check the file and folder permissions)",
        )
    if name.startswith("SQLITE_BUSY") or "locked" in text:
        return EventFileBusyError(
            path,
            f"another program is writing this event file (while {doing}); close it there and retry",
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return EventFileError(
            path,
            f"cannot open the file while {doing}: check the folder exists and you may "
            "read (and, to write, create files in) it",
        )
    if name.startswith("SQLITE_IOERR") or "disk I/O" in text:
        return EventFileError(path, f"disk error while {doing}: {text}")
    return EventFileError(path, f"SQLite error while {doing}: {text}")


def on_read_only_medium(path: Path) -> bool:
    """Whether the file system holding ``path`` (or its folder) is mounted read-only."""
    for where in (path, path.parent):
        try:
            return bool(os.statvfs(where).f_flag & os.ST_RDONLY)
        except (OSError, AttributeError):  # missing, or no statvfs (Windows)
            continue
    return False


@contextlib.contextmanager
def sqlite_errors(path: Path, doing: str) -> Iterator[None]:
    """Re-raise any `sqlite3.Error` inside the block as our error naming ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(path, exc, doing) from exc


def _uri(path: Path, mode: OpenMode) -> str:
    return f"{path.resolve().as_uri()}?mode={mode.value}"


def _check_header(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; raises unless it is a slotrace event file we can read."""
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if application_id != schema.APPLICATION_ID:
        if application_id == 0 and version == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
            what = "an empty file" if tables == 0 else "an SQLite database of another program"
            raise NotAnEventFileError(path, f"is not a slotrace event file ({what})")
        raise NotAnEventFileError(
            path, f"is not a slotrace event file (application id {application_id:#x})"
        )
    if version > schema.SCHEMA_VERSION:
        raise NewerSchemaError(
            path,
            f"was written by a newer slotrace (event file schema {version}; this version "
            f"reads up to {schema.SCHEMA_VERSION}). Update slotrace to open it; the file "
            "was not changed",
        )
    return version


def connect(
    path: str | os.PathLike[str],
    mode: OpenMode,
    synchronous: Synchronous = Synchronous.FULL,
) -> sqlite3.Connection:
    """Open ``path`` as an event file and return an autocommit connection.

    CREATE makes a new, empty version-`SCHEMA_VERSION` file (the caller checks it does not
    exist yet). READ_WRITE migrates older files forward. READ_ONLY reads a file as it is
    from `schema.OLDEST_READABLE` on and refuses older files (migrating would mean writing)
    with a message saying how to upgrade them.

    Raises:
        EventFileError: (a subclass of it) naming the file and what is wrong.
    """
    path = Path(path)
    if mode is not OpenMode.CREATE and not path.is_file():
        what = "is a folder, not an event file" if path.is_dir() else "does not exist"
        raise EventFileError(path, what)
    if mode is OpenMode.CREATE and not path.parent.is_dir():
        raise EventFileError(path, f"folder {path.parent} does not exist")
    with sqlite_errors(path, "opening"):
        conn = sqlite3.connect(
            _uri(path, mode), uri=True, isolation_level=None, check_same_thread=False
        )
    try:
        with sqlite_errors(path, "opening"):
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if mode is OpenMode.CREATE:
                conn.execute("PRAGMA journal_mode = WAL")
                version = 0
            else:
                version = _check_header(conn, path)
            if mode is OpenMode.READ_ONLY:
                if version < schema.OLDEST_READABLE:
                    raise ReadOnlyEventFileError(
                        path,
                        f"uses the older event file schema {version}; open it once for "
                        "writing (e.g. `slotrace open FILE`) to upgrade it, then retry",
                    )
                conn.execute("PRAGMA query_only = ON")
            else:
                mode_now = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode_now).lower() != "wal":
                    raise EventFileError(path, f"cannot switch to WAL journal (got {mode_now})")
                conn.execute(f"PRAGMA synchronous = {synchronous.value}")
                schema.migrate(conn, version)
    except BaseException:
        conn.close()
        raise
    return conn
