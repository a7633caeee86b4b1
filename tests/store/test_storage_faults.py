"""Issue 9 item 7, store part: a full disk or a read-only medium is named, loses nothing
committed, and the journal goes on once the cause is fixed (no real disk is filled: SQLite's
``max_page_count`` gives the file a size limit, OS errors are injected)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from slotrace.drivers_api import CarPassed
from slotrace.store import EventFile, ReadOnlyEventFileError, StorageFullError, connection, lock


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    return tmp_path / "mille.slotrace"


def _fill_until_full(ef: EventFile, recorder, spare_pages: int = 3) -> list[tuple[int, int]]:
    """Append crossings until the disk is full; returns the (seq, device_ms) committed."""
    pages = ef._conn.execute("PRAGMA page_count").fetchone()[0]
    ef._conn.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
    committed = []
    with pytest.raises(StorageFullError) as full:
        for n in range(100_000):
            seq, _ = recorder.append(CarPassed(1, 1, n))
            committed.append((seq, n))
    message = str(full.value)
    assert str(ef.path) in message and "disk full while journaling heat" in message
    assert "everything saved before it is intact" in message
    return committed


def test_after_a_full_disk_is_freed_the_next_append_succeeds(event_path: Path) -> None:
    ef = EventFile.create(event_path)
    recorder = ef.start_heat("Heat 1", {})
    committed = _fill_until_full(ef, recorder)
    failed_ms = committed[-1][1] + 1
    assert recorder.last_seq == committed[-1][0]  # the failed item got no seq
    assert [e.seq for e in ef.journal(1)][-1] == committed[-1][0]

    ef._conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    seq, stored = recorder.append(CarPassed(1, 1, failed_ms))  # the same recorder goes on
    assert seq == committed[-1][0] + 1 and stored == CarPassed(1, 1, failed_ms)
    ef.close()
    with EventFile.open(event_path, read_only=True) as again:
        journal = [(e.seq, e.record["device_ms"]) for e in again.journal(1)]
    assert journal == [*committed, (seq, failed_ms)]


def test_a_batch_on_a_full_disk_is_all_or_nothing(event_path: Path) -> None:
    ef = EventFile.create(event_path)
    recorder = ef.start_heat("Heat 1", {})
    committed = _fill_until_full(ef, recorder, spare_pages=6)
    before = list(ef.journal(1))
    with pytest.raises(StorageFullError):
        recorder.append_many([CarPassed(2, 1, n) for n in range(2_000)])
    assert list(ef.journal(1)) == before and len(before) == len(committed)
    ef.close()


def test_a_full_disk_when_taking_the_lock_is_named_and_leaves_no_lock(
    event_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    EventFile.create(event_path).close()

    def no_space(handle: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(lock.os, "write", no_space)
        with pytest.raises(StorageFullError, match=r"disk full: cannot write the lock file"):
            EventFile.open(event_path, writer="slotrace run")
    assert lock.current_holder(event_path) is None
    EventFile.open(event_path).close()  # nothing left held


def test_a_read_only_medium_is_named_as_such_on_open(
    event_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    EventFile.create(event_path).close()
    real_open = os.open

    def read_only_fs(path, flags, *args):
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)

    with monkeypatch.context() as patch:
        patch.setattr(lock.os, "open", read_only_fs)
        with pytest.raises(ReadOnlyEventFileError, match="read-only medium"):
            EventFile.open(event_path)
    with EventFile.open(event_path, read_only=True) as ro:  # viewing still works
        assert ro.heats() == []


def _readonly_error(path: Path) -> sqlite3.Error:
    """The error SQLite gives when a write meets a medium it cannot write."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("INSERT INTO meta VALUES ('x', 'y')")
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("the write was not refused")


def test_a_journal_write_on_a_medium_turned_read_only_names_it(
    event_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    EventFile.create(event_path).close()
    error = _readonly_error(event_path)
    plain = connection.translate(event_path, error, "journaling heat 1")
    assert isinstance(plain, ReadOnlyEventFileError) and "permissions" in str(plain)
    monkeypatch.setattr(connection.os, "statvfs",
                        lambda where: SimpleNamespace(f_flag=os.ST_RDONLY))
    named = connection.translate(event_path, error, "journaling heat 1")
    assert isinstance(named, ReadOnlyEventFileError)
    assert str(named).startswith(f"{event_path}: cannot write while journaling heat 1: the "
                                 "file is on a read-only medium")
    assert "everything saved before is intact" in str(named)
