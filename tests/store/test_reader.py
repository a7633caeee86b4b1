"""A read-only reader (the spectator board) follows a write-heavy heat and can never write."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from slotrace.drivers_api import CarPassed
from slotrace.store import EventFile, ReadOnlyEventFileError, Synchronous

EVENTS = 3000


def _write_heat(path: str, ready_fd: int) -> None:
    try:
        ef = EventFile.open(path, synchronous=Synchronous.NORMAL)
        recorder = ef.start_heat("Heat 1", {})
        os.write(ready_fd, b"go")
        for n in range(EVENTS):
            recorder.append(CarPassed(n % 6 + 1, 1, n * 10))
        ef.finish_heat(recorder.heat)
    finally:
        os._exit(0)


def test_board_follows_a_heavy_heat_without_errors_and_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "live.slotrace"
    EventFile.create(path).close()
    board = EventFile.open(path, read_only=True)
    follower = board.follow()
    read_fd, write_fd = os.pipe()
    writer = multiprocessing.get_context("fork").Process(
        target=_write_heat, args=(str(path), write_fd)
    )
    writer.start()
    os.close(write_fd)
    assert os.read(read_fd, 2) == b"go"
    seen: list[int] = []
    polls_with_rows = 0
    while writer.is_alive() or len(seen) < EVENTS:
        rows = follower.poll()
        if rows:
            polls_with_rows += 1
        seen.extend(row.record["device_ms"] for row in rows)
        if not writer.is_alive() and not rows and len(seen) < EVENTS:
            seen.extend(row.record["device_ms"] for row in follower.poll())
            break
    writer.join(timeout=10)
    os.close(read_fd)
    assert writer.exitcode == 0
    assert seen == [n * 10 for n in range(EVENTS)]  # every row once, in order, none torn
    assert polls_with_rows > 1  # it really read while the heat was being written
    assert follower.poll() == []  # nothing new: a cheap data_version check
    with pytest.raises(ReadOnlyEventFileError):
        board.finish_heat(1)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        board._conn.execute("DELETE FROM journal")
    board.close()
    with EventFile.open(path, read_only=True) as again:
        assert again.last_seq() == EVENTS
