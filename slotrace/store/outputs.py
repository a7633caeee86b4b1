"""Provides safe output files: never onto an event file, always atomic (temporary file, rename).

Every export and recording (``results -o``, ``journal -o``, ``record -o``) writes through
`write_output` or `atomic_output`. They refuse a target that is an event file (any SQLite
file marked as slotrace's, and the ``protected`` files given) or one of its companions
(``-wal``, ``-shm``, ``-journal``, ``.lock``), whatever symlink or relative path leads there.
The data goes to a temporary file in the target's folder, is fsynced, and is renamed over the
target only when complete, so a failure or a kill leaves the old file (or none), never half
a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from slotrace.errors import SlotraceError
from slotrace.store.lock import LOCK_SUFFIX
from slotrace.store.schema import APPLICATION_ID

COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", LOCK_SUFFIX)
"""Files SQLite and the writer lock keep next to an event file."""

_SQLITE_MAGIC = b"SQLite format 3\x00"


class OutputError(SlotraceError):
    """An output file cannot be written where it was asked for (the message says why)."""


def _is_event_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(72)
    except OSError:
        return False
    return header.startswith(_SQLITE_MAGIC) and header[68:72] == APPLICATION_ID.to_bytes(4, "big")


def _guarded(paths: Iterable[str | os.PathLike[str]]) -> set[Path]:
    guarded: set[Path] = set()
    for path in paths:
        event = Path(path).resolve()
        guarded.add(event)
        guarded.update(event.with_name(event.name + s) for s in COMPANION_SUFFIXES)
    return guarded


def check_target(
    path: str | os.PathLike[str], *, protected: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """The resolved target, or `OutputError` if writing there would be refused."""
    target = Path(path)
    resolved = target.resolve()
    if resolved in _guarded(protected):
        raise OutputError(
            f"refusing to write to {target}: it is the event file or one of its companion "
            "files; choose another output name (e.g. results.html)"
        )
    for suffix in ("", *COMPANION_SUFFIXES):
        base = resolved.with_name(resolved.name.removesuffix(suffix)) if suffix else resolved
        if (suffix == "" or resolved.name.endswith(suffix)) and _is_event_file(base):
            what = "an event file" if suffix == "" else f"the {suffix} file of event file {base}"
            raise OutputError(
                f"refusing to write to {target}: it is {what}; choose another output name"
            )
    if resolved.is_dir():
        raise OutputError(f"cannot write to {target}: it is a folder; give a file name in it")
    folder = resolved.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: folder {target.parent} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write {target}: folder {target.parent} is not writable")
    if resolved.exists() and not os.access(resolved, os.W_OK):
        raise OutputError(f"cannot write {target}: the file is read-only")
    return resolved


def _output_mode(path: Path) -> int:
    """The permission bits a new output at ``path`` gets: those of the file it replaces, else
    0666 less the process umask (what ``open(path, "w")`` would create)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux): setting
    it to read it back would briefly change it for every thread (race control publishes in one)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str],
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
    encoding: str = "utf-8",
) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only when the block ends without error.

    Raises:
        OutputError: the target is refused (see `check_target`) or cannot be written.
    """
    target = Path(path)
    resolved = check_target(target, protected=protected)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{resolved.name}.", suffix=".partial", dir=resolved.parent
        )
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from exc
    temp = Path(temp_name)
    try:
        # mkstemp makes the file private (0600); an export is for sharing (a web host, a USB
        # stick), so it gets the mode a plain open() would give: the old file's, or umask's.
        os.fchmod(handle, _output_mode(resolved))
        with os.fdopen(handle, "w", encoding=encoding, newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, resolved)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        folder = os.open(resolved.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def write_output(
    path: str | os.PathLike[str],
    text: str,
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``text`` to ``path`` atomically; returns the resolved path written."""
    with atomic_output(path, protected=protected) as stream:
        stream.write(text)
    return Path(path).resolve()
