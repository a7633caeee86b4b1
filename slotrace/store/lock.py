"""Provides the event file's writer lock: one writing program at a time, readers never blocked.

A writable `EventFile` holds an OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows) on a sidecar file next to the event file, ``FILE.lock``, and writes who holds it
(program, host, process id, since when) into that file. The kernel drops the lock when the
holding process ends in any way, kill -9 included, so a crash never leaves the file locked;
the holder text left behind is only read while the lock is really held. Read-only opens never
touch the lock. Why this mechanism and not SQLite's own locking or a lease row is written down
in docs/durability.md.

Inside one process the lock is re-entrant: a second writable open of the same file shares it
(one program, one writer) and it is released when the last of them closes.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from slotrace.store.errors import EventFileError, ReadOnlyEventFileError, StorageFullError

LOCK_SUFFIX = ".lock"
_WINDOWS_LOCK_OFFSET = 1 << 30
"""Windows locks a byte range; lock one far past the holder text so it stays readable."""


def lock_path(event_path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of an event file (``FILE.lock``)."""
    path = Path(event_path)
    return path.with_name(path.name + LOCK_SUFFIX)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds an event file's writer lock.

    Attributes:
        program: what the holder said it is ("slotrace run", "slotrace open").
        host: the computer's name.
        pid: the holder's process id on that computer.
        since: when it took the lock (UTC, ISO 8601).
    """

    program: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        when = self.since.replace("T", " ").replace("+00:00", " UTC")
        return f"{self.program} on {self.host} (process {self.pid}) since {when}"


class EventFileLockedError(EventFileError):
    """Another program is writing this event file; the message names it."""

    def __init__(self, path: str | Path, holder: LockHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else "another program (it did not say which)"
        super().__init__(
            path,
            f"is being written by {who}. Only one program may write an event file at a "
            "time: close it there first. Viewing (slotrace board, results, journal) works "
            "meanwhile",
        )


def _read_holder(handle: int) -> LockHolder | None:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data = json.loads(os.read(handle, 4096).decode("utf-8"))
        return LockHolder(str(data["program"]), str(data["host"]), int(data["pid"]),
                          str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _try_lock(handle: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class _Held:
    handle: int
    count: int


_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


class WriterLock:
    """The writer lock of one event file, held by this process; `release` when done."""

    def __init__(self, key: Path) -> None:
        self._key = key
        self._released = False

    @classmethod
    def acquire(
        cls, event_path: str | os.PathLike[str], program: str, *, now: datetime | None = None
    ) -> WriterLock:
        """Take the lock at once or raise `EventFileLockedError` naming the holder.

        Raises:
            EventFileLockedError: another process holds it.
            ReadOnlyEventFileError: the folder is on a read-only medium or not writable.
        """
        path = Path(event_path)
        key = path.resolve()
        with _held_guard:
            held = _held.get(key)
            if held is not None:
                held.count += 1
                return cls(key)
            sidecar = lock_path(key)
            try:
                handle = os.open(sidecar, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise _unwritable(path, sidecar, exc) from exc
            try:
                if not _try_lock(handle):
                    raise EventFileLockedError(path, _read_holder(handle))
                since = (now or datetime.now(UTC)).isoformat(timespec="seconds")
                text = json.dumps({"program": program, "host": socket.gethostname(),
                                   "pid": os.getpid(), "since": since})
                try:
                    os.ftruncate(handle, 0)
                    os.lseek(handle, 0, os.SEEK_SET)
                    os.write(handle, text.encode("utf-8"))
                except OSError as exc:
                    raise _unwritable(path, sidecar, exc) from exc
            except BaseException:
                os.close(handle)
                raise
            _held[key] = _Held(handle, 1)
        return cls(key)

    def release(self) -> None:
        """Give the lock back (the last holder in this process really releases it)."""
        with _held_guard:
            if self._released:
                return
            self._released = True
            held = _held.get(self._key)
            if held is None:
                return
            held.count -= 1
            if held.count:
                return
            del _held[self._key]
            try:
                os.ftruncate(held.handle, 0)
                _unlock(held.handle)
            except OSError:
                pass  # closing the handle below releases it anyway
            finally:
                os.close(held.handle)


def current_holder(event_path: str | os.PathLike[str]) -> LockHolder | None:
    """Who holds the writer lock now, or None if nobody does (for status displays)."""
    sidecar = lock_path(Path(event_path).resolve())
    if Path(event_path).resolve() in _held:
        return None if not sidecar.exists() else _holder_text(sidecar)
    try:
        handle = os.open(sidecar, os.O_RDWR)
    except OSError:
        return None
    try:
        if _try_lock(handle):
            _unlock(handle)
            return None
        return _read_holder(handle)
    finally:
        os.close(handle)


def _holder_text(sidecar: Path) -> LockHolder | None:
    handle = os.open(sidecar, os.O_RDONLY)
    try:
        return _read_holder(handle)
    finally:
        os.close(handle)


def _unwritable(path: Path, sidecar: Path, exc: OSError) -> EventFileError:
    import errno

    if exc.errno == errno.EROFS:
        return ReadOnlyEventFileError(
            path, "is on a read-only medium (e.g. a locked SD card or a CD); copy it to a "
            "writable disk to change it, or open it read-only to view it"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(
            path, f"disk full: cannot write the lock file {sidecar}; nothing was changed. Free "
            "some space (or copy the event file elsewhere) and retry"
        )
    if isinstance(exc, PermissionError):
        return ReadOnlyEventFileError(
            path, f"cannot write in {sidecar.parent} (permission denied): the folder is not "
            "writable for you; copy the file somewhere writable or fix the permissions"
        )
    return EventFileError(path, f"cannot create the lock file {sidecar}: {exc.strerror}")
