"""Provides the race journal: durable appends for one heat and cheap reads for followers.

The durability promise (docs/durability.md): when `HeatRecorder.append` returns, the item
is committed to the event file. With the default ``synchronous=FULL`` it survives the
program being killed (kill -9, crash) **and** a power cut or OS crash; the face must call
``append`` before it applies the item to the engine or shows its effect, so nothing the
screen showed can be missing after a restart. `append_many` commits several items in one
transaction (one fsync) and returns only after that commit, so the promise holds for it too.

Readers (the spectator board) use `JournalFollower`, which polls ``PRAGMA data_version``
(a few microseconds) and reads only rows after the last sequence number it saw.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slotrace.store import codec
from slotrace.store.connection import sqlite_errors

WallClock = Callable[[], float]
"""Seconds since 1970, like `time.time`; injectable for tests."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One committed journal row.

    Attributes:
        seq: global sequence number, increasing in commit order, never reused.
        heat: the heat's id.
        wall_ms: the writer's wall clock at the append (ms since 1970).
        record: the JSON record (``{"type": "CarPassed", ...}``).
    """

    seq: int
    heat: int
    wall_ms: int
    record: dict[str, Any]

    @property
    def type(self) -> str:
        return self.record["type"]

    def item(self) -> Any:
        """The driver event or race-control command this row holds."""
        return codec.decode(self.record)


def _entry(row: tuple[int, int, int, str]) -> JournalEntry:
    return JournalEntry(seq=row[0], heat=row[1], wall_ms=row[2], record=json.loads(row[3]))


def read_journal(
    conn: sqlite3.Connection,
    path: Path,
    *,
    heat: int | None = None,
    after_seq: int = 0,
    upto_seq: int | None = None,
) -> Iterator[JournalEntry]:
    """Committed rows in sequence order, optionally of one heat and within a seq range."""
    sql = "SELECT seq, heat, wall_ms, payload FROM journal WHERE seq > ?"
    params: list[Any] = [after_seq]
    if heat is not None:
        sql += " AND heat = ?"
        params.append(heat)
    if upto_seq is not None:
        sql += " AND seq <= ?"
        params.append(upto_seq)
    sql += " ORDER BY seq"
    with sqlite_errors(path, "reading the journal"):
        rows = conn.execute(sql, params).fetchall()
    for row in rows:
        yield _entry(row)


class HeatRecorder:
    """Appends one heat's driver events and race-control commands, durably.

    Get one from `EventFile.start_heat` or `EventFile.resume_heat`; do not build it yourself.

    Items are stored exactly as given (a resumed heat keeps the driver's epochs; see
    `EventFile.resume_heat`). `current_epoch` is the highest device-clock epoch journaled.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        heat: int,
        *,
        current_epoch: int = 0,
        wall_clock: WallClock = time.time,
    ) -> None:
        self._conn = conn
        self._path = path
        self.heat = heat
        self.current_epoch = current_epoch
        self._wall_clock = wall_clock
        self.last_seq = 0

    def append(self, item: Any) -> tuple[int, Any]:
        """Journal one item; returns ``(seq, item as stored)`` once it is committed.

        The stored item is the given one. Raises an `EventFileError` (e.g. `StorageFullError`)
        if the commit failed; then nothing of this item was written.
        """
        [(seq, stored)] = self.append_many((item,))
        return seq, stored

    def append_many(self, items: Iterable[Any]) -> list[tuple[int, Any]]:
        """Journal several items in one transaction (one fsync); all or none are committed."""
        prepared = []
        for item in items:
            prepared.append((item, codec.encode(item)))
        if not prepared:
            return []
        wall_ms = int(self._wall_clock() * 1000)
        results = []
        with sqlite_errors(self._path, f"journaling heat {self.heat}"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for stored, record in prepared:
                    cursor = self._conn.execute(
                        "INSERT INTO journal (heat, wall_ms, type, payload) VALUES (?, ?, ?, ?)",
                        (self.heat, wall_ms, record["type"], codec.dumps(record)),
                    )
                    seq = int(cursor.lastrowid or 0)
                    if not codec.is_driver_event(stored):  # race control
                        self._conn.execute(
                            "INSERT INTO stewards_log (seq, heat, wall_ms, action, car, reason,"
                            " author) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                seq,
                                self.heat,
                                wall_ms,
                                record["type"],
                                record.get("car"),
                                record.get("reason", ""),
                                record.get("author", ""),
                            ),
                        )
                    results.append((seq, stored))
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        for stored, record in prepared:
            epoch = record.get("epoch")
            if codec.is_driver_event(stored) and isinstance(epoch, int):
                self.current_epoch = max(self.current_epoch, epoch)
        self.last_seq = results[-1][0]
        return results


class JournalFollower:
    """Follows a journal from a (usually read-only) connection: `poll` returns new rows.

    ``poll`` first compares ``PRAGMA data_version`` with the last value seen, so polling a
    file nobody writes costs one tiny query; only when another connection committed does it
    read the rows after the last sequence number seen.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        heat: int | None = None,
        after_seq: int = 0,
    ) -> None:
        self._conn = conn
        self._path = path
        self.heat = heat
        self.last_seq = after_seq
        self._data_version: int | None = None

    def poll(self) -> list[JournalEntry]:
        """Rows committed since the last poll (empty if nothing changed)."""
        with sqlite_errors(self._path, "checking for new journal rows"):
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return []
        self._data_version = version
        rows = list(read_journal(self._conn, self._path, heat=self.heat, after_seq=self.last_seq))
        if rows:
            self.last_seq = rows[-1].seq
        return rows
