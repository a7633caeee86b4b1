"""Provides `EventFile`: one SQLite file per event, its contents and its heats' journals.

Typical use by a face (TUI, CLI)::

    ef = EventFile.create("mille-2025.slotrace", event, name="Mini Mille Miglia 2025")
    ef.set_entries(entries)                      # rules Entry models (or dicts)
    recorder = ef.start_heat("Stage 1 heat 1", session_config, stage=1, cars={1: 722})
    for item in incoming:                        # driver events and race-control commands
        seq, stored = recorder.append(item)      # committed (durable) on return
        state, race_events = engine.apply(state, stored)   # only now apply and show
    ef.finish_heat(recorder.heat)

    # after a crash:
    ef = EventFile.open("mille-2025.slotrace")
    heat = ef.heat_in_progress()                 # HeatInfo or None
    if heat:                                     # offer to continue it
        state = replay_heat(ef, heat.id)         # slotrace.store.replay
        recorder = ef.resume_heat(heat.id)       # epoch carried over

    # spectator board / exports, in another process:
    board = EventFile.open("mille-2025.slotrace", read_only=True)   # SQLite mode=ro
    follower = board.follow()                    # .poll() -> new JournalEntry rows

All methods raise `EventFileError` subclasses naming the file. Writes on a read-only
`EventFile` raise `ReadOnlyEventFileError` (SQLite itself refuses them too).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from slotrace.store import connection, schema
from slotrace.store.connection import OpenMode, Synchronous, sqlite_errors
from slotrace.store.errors import (
    EventFileError,
    EventFileExistsError,
    ReadOnlyEventFileError,
    UnknownHeatError,
)
from slotrace.store.journal import (
    HeatRecorder,
    JournalEntry,
    JournalFollower,
    WallClock,
    read_journal,
)


class HeatStatus(StrEnum):
    """Where a heat stands."""

    RUNNING = "running"
    FINISHED = "finished"
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class HeatInfo:
    """A heat as stored (its journal is read separately).

    Attributes:
        cars: controller number (1..8) -> race number of the entry driving it.
        config: the engine's ``SessionConfig`` as JSON data.
        epoch_offset: added to driver epochs since the last resume (0 if never resumed).
    """

    id: int
    stage: int | None
    name: str
    config: dict[str, Any]
    cars: dict[int, int]
    status: HeatStatus
    started_at: str
    finished_at: str | None
    epoch_offset: int


@dataclass(frozen=True, slots=True)
class StewardsLogRow:
    """One steward decision as journaled (the engine decides whether it was revoked)."""

    seq: int
    heat: int
    wall_ms: int
    action: str
    car: int | None
    reason: str
    author: str


def _json_data(value: Any) -> Any:
    """JSON-ready data of a pydantic model, a dataclass-free mapping, or plain data."""
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    return value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EventFile:
    """An open event file. Use `create` or `open`, and `close` (or ``with``) when done."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        read_only: bool,
        wall_clock: WallClock = time.time,
    ) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._wall_clock = wall_clock

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        event: Any = None,
        *,
        name: str | None = None,
        synchronous: Synchronous = Synchronous.FULL,
    ) -> EventFile:
        """Create a new event file holding ``event`` (the rules' Event model or JSON data).

        The file is built under a temporary name and moved into place only when complete,
        so a failure never leaves a half-made file. Refuses to overwrite an existing file.
        """
        path = Path(path)
        if path.exists():
            raise EventFileExistsError(path, "already exists; choose another name")
        definition = _json_data(event) if event is not None else {}
        name = name or (definition.get("name") if isinstance(definition, dict) else None)
        name = name or path.stem
        temp = path.with_name(f".{path.name}.{os.getpid()}.creating")
        try:
            conn = connection.connect(temp, OpenMode.CREATE, synchronous)
            try:
                with sqlite_errors(path, "creating"):
                    conn.execute(
                        "INSERT INTO event (id, name, definition, created_at) VALUES (1, ?, ?, ?)",
                        (name, json.dumps(definition), _now()),
                    )
                    conn.execute("INSERT INTO meta (key, value) VALUES ('created_by', 'slotrace')")
            finally:
                conn.close()
            try:
                os.link(temp, path)  # fails instead of overwriting a file made meanwhile
            except FileExistsError as exc:
                raise EventFileExistsError(path, "already exists; choose another name") from exc
            except OSError as exc:
                raise EventFileError(path, f"cannot create the file: {exc.strerror}") from exc
        except PermissionError as exc:
            raise ReadOnlyEventFileError(
                path, f"cannot create a file in {path.parent}: permission denied"
            ) from exc
        finally:
            for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
                leftover.unlink(missing_ok=True)
        return cls.open(path, synchronous=synchronous)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        synchronous: Synchronous = Synchronous.FULL,
        wall_clock: WallClock = time.time,
    ) -> EventFile:
        """Open an existing event file; ``read_only=True`` uses SQLite ``mode=ro``.

        A writable open migrates an older file forward. Raises `NotAnEventFileError`,
        `CorruptEventFileError`, `NewerSchemaError` or another `EventFileError`.
        """
        path = Path(path)
        mode = OpenMode.READ_ONLY if read_only else OpenMode.READ_WRITE
        conn = connection.connect(path, mode, synchronous)
        ef = cls(conn, path, read_only=read_only, wall_clock=wall_clock)
        try:
            ef.name  # noqa: B018 - reads a page of the file: corrupt files fail here
        except BaseException:
            conn.close()
            raise
        return ef

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> EventFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _writable(self, doing: str) -> None:
        if self.read_only:
            raise ReadOnlyEventFileError(self.path, f"opened read-only; cannot write ({doing})")

    def _query(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with sqlite_errors(self.path, doing):
            return self._conn.execute(sql, params).fetchall()

    def _write(self, doing: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> int:
        """Run statements in one transaction; returns the last row id."""
        self._writable(doing)
        last = 0
        with sqlite_errors(self.path, doing):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    last = int(self._conn.execute(sql, params).lastrowid or 0)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return last

    # -- event, entries, verdicts, stages ----------------------------------------------

    @property
    def schema_version(self) -> int:
        return self._query("reading the schema version", "PRAGMA user_version")[0][0]

    @property
    def name(self) -> str:
        return self._query("reading the event", "SELECT name FROM event WHERE id = 1")[0][0]

    def event_definition(self) -> dict[str, Any]:
        """The event definition as JSON data (validate it with the rules' Event model)."""
        rows = self._query("reading the event", "SELECT definition FROM event WHERE id = 1")
        return json.loads(rows[0][0])

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Replace the entry list; each entry (model or dict) needs a unique race number.

        The race number is read from ``race_number`` (or ``number``). All or nothing.
        """
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM entries", ())]
        seen: set[int] = set()
        for position, entry in enumerate(entries, start=1):
            data = _json_data(entry)
            number = data.get("race_number", data.get("number"))
            if not isinstance(number, int) or isinstance(number, bool):
                raise EventFileError(self.path, f"entry {position} has no integer race number")
            if number in seen:
                raise EventFileError(self.path, f"entry {position}: race number {number} twice")
            seen.add(number)
            statements.append(
                (
                    "INSERT INTO entries (number, position, data) VALUES (?, ?, ?)",
                    (number, position, json.dumps(data)),
                )
            )
        self._write("saving entries", statements)

    def entries(self) -> list[dict[str, Any]]:
        """Entries as JSON data, in entry-list order."""
        rows = self._query("reading entries", "SELECT data FROM entries ORDER BY position")
        return [json.loads(r[0]) for r in rows]

    def add_verdict(
        self, number: int, code: str, severity: str, reason: str, decided_by: str
    ) -> None:
        """Record a scrutineering verdict for entry ``number``."""
        self._write(
            "saving a verdict",
            [
                (
                    "INSERT INTO verdicts (number, code, severity, reason, decided_by, decided_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (number, code, severity, reason, decided_by, _now()),
                )
            ],
        )

    def verdicts(self, number: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT number, code, severity, reason, decided_by, decided_at FROM verdicts"
        params: tuple[Any, ...] = ()
        if number is not None:
            sql, params = sql + " WHERE number = ?", (number,)
        keys = ("number", "code", "severity", "reason", "decided_by", "decided_at")
        return [
            dict(zip(keys, r, strict=True))
            for r in self._query("reading verdicts", sql + " ORDER BY id", params)
        ]

    def set_stage(self, number: int, name: str, definition: Any = None) -> None:
        """Add or replace stage ``number`` (definition: the rules' Stage model or data)."""
        self._write(
            "saving a stage",
            [
                (
                    "INSERT INTO stages (number, name, definition) VALUES (?, ?, ?)"
                    " ON CONFLICT(number)"
                    " DO UPDATE SET name = excluded.name, definition = excluded.definition",
                    (number, name, json.dumps(_json_data(definition) or {})),
                )
            ],
        )

    def stages(self) -> list[dict[str, Any]]:
        rows = self._query(
            "reading stages", "SELECT number, name, definition FROM stages ORDER BY number"
        )
        return [{"number": n, "name": name, "definition": json.loads(d)} for n, name, d in rows]

    # -- heats -------------------------------------------------------------------------

    _HEAT_COLUMNS = "id, stage, name, config, cars, status, started_at, finished_at, epoch_offset"

    @staticmethod
    def _heat(row: Sequence[Any]) -> HeatInfo:
        return HeatInfo(
            id=row[0],
            stage=row[1],
            name=row[2],
            config=json.loads(row[3]),
            cars={int(k): v for k, v in json.loads(row[4]).items()},
            status=HeatStatus(row[5]),
            started_at=row[6],
            finished_at=row[7],
            epoch_offset=row[8],
        )

    def heats(self) -> list[HeatInfo]:
        rows = self._query("reading heats", f"SELECT {self._HEAT_COLUMNS} FROM heats ORDER BY id")
        return [self._heat(r) for r in rows]

    def heat(self, heat_id: int) -> HeatInfo:
        rows = self._query(
            "reading a heat", f"SELECT {self._HEAT_COLUMNS} FROM heats WHERE id = ?", (heat_id,)
        )
        if not rows:
            known = ", ".join(str(h.id) for h in self.heats()) or "none yet"
            raise UnknownHeatError(self.path, f"has no heat {heat_id} (heats: {known})")
        return self._heat(rows[0])

    def heat_in_progress(self) -> HeatInfo | None:
        """The most recent heat still marked running (to offer resuming it), or None."""
        rows = self._query(
            "looking for a running heat",
            f"SELECT {self._HEAT_COLUMNS} FROM heats WHERE status = 'running'"
            " ORDER BY id DESC LIMIT 1",
        )
        return self._heat(rows[0]) if rows else None

    def start_heat(
        self,
        name: str,
        config: Any,
        *,
        stage: int | None = None,
        cars: Mapping[int, int] | None = None,
    ) -> HeatRecorder:
        """Create a running heat and return its recorder.

        Args:
            name: shown to people ("Stage 2, heat 3").
            config: the engine's ``SessionConfig`` (or its JSON data).
            stage: the stage number this heat belongs to, if any.
            cars: controller number -> race number.
        """
        heat_id = self._write(
            "starting a heat",
            [
                (
                    "INSERT INTO heats (stage, name, config, cars, status, started_at)"
                    " VALUES (?, ?, ?, ?, 'running', ?)",
                    (
                        stage,
                        name,
                        json.dumps(_json_data(config)),
                        json.dumps({str(k): v for k, v in (cars or {}).items()}),
                        _now(),
                    ),
                )
            ],
        )
        return HeatRecorder(self._conn, self.path, heat_id, wall_clock=self._wall_clock)

    def last_epoch(self, heat_id: int) -> int:
        """The highest device-clock epoch any journaled driver event of the heat carries."""
        rows = self._query(
            "reading the heat's epoch",
            "SELECT max(json_extract(payload, '$.epoch')) FROM journal WHERE heat = ?"
            " AND type IN ('CarPassed', 'EpochStarted')",
            (heat_id,),
        )
        return int(rows[0][0] or 0)

    def resume_heat(self, heat_id: int) -> HeatRecorder:
        """Continue a running heat after a restart; the recorder carries the epoch over.

        Driver events recorded from now on get ``epoch + last_epoch + 1``, so device times
        from before the restart are never subtracted from times after it.
        """
        heat = self.heat(heat_id)
        if heat.status is not HeatStatus.RUNNING:
            raise EventFileError(self.path, f"heat {heat_id} is {heat.status}; cannot resume")
        offset = self.last_epoch(heat_id) + 1
        after = self.last_seq(heat_id)
        self._write(
            "resuming a heat",
            [
                (
                    "INSERT INTO heat_resumes (heat, resumed_at, after_seq, epoch_offset)"
                    " VALUES (?, ?, ?, ?)",
                    (heat_id, _now(), after, offset),
                ),
                ("UPDATE heats SET epoch_offset = ? WHERE id = ?", (offset, heat_id)),
            ],
        )
        recorder = HeatRecorder(
            self._conn,
            self.path,
            heat_id,
            epoch_offset=offset,
            current_epoch=offset,
            wall_clock=self._wall_clock,
        )
        recorder.last_seq = after
        return recorder

    def finish_heat(self, heat_id: int, status: HeatStatus = HeatStatus.FINISHED) -> None:
        """Mark a heat finished (or aborted); its journal stays as it is."""
        self.heat(heat_id)
        self._write(
            "finishing a heat",
            [
                (
                    "UPDATE heats SET status = ?, finished_at = ? WHERE id = ?",
                    (str(status), _now(), heat_id),
                )
            ],
        )

    # -- journal -----------------------------------------------------------------------

    def journal(
        self, heat: int | None = None, *, upto_seq: int | None = None
    ) -> Iterator[JournalEntry]:
        """Committed journal rows in order (of one heat, and up to a seq, if given)."""
        return read_journal(self._conn, self.path, heat=heat, upto_seq=upto_seq)

    def changes_since(self, seq: int, heat: int | None = None) -> list[JournalEntry]:
        """Rows committed after ``seq`` (for a board that remembers the last seq it drew)."""
        return list(read_journal(self._conn, self.path, heat=heat, after_seq=seq))

    def last_seq(self, heat: int | None = None) -> int:
        """The highest committed seq (of one heat), 0 if none."""
        if heat is None:
            rows = self._query("reading the journal", "SELECT max(seq) FROM journal")
        else:
            rows = self._query(
                "reading the journal", "SELECT max(seq) FROM journal WHERE heat = ?", (heat,)
            )
        return int(rows[0][0] or 0)

    def data_version(self) -> int:
        """Changes whenever another connection commits (``PRAGMA data_version``)."""
        return self._query("polling", "PRAGMA data_version")[0][0]

    def follow(self, heat: int | None = None, after_seq: int = 0) -> JournalFollower:
        """A follower whose ``poll()`` returns rows committed since its last poll."""
        return JournalFollower(self._conn, self.path, heat=heat, after_seq=after_seq)

    def stewards_log(self, heat: int | None = None) -> list[StewardsLogRow]:
        sql = "SELECT seq, heat, wall_ms, action, car, reason, author FROM stewards_log"
        params: tuple[Any, ...] = ()
        if heat is not None:
            sql, params = sql + " WHERE heat = ?", (heat,)
        rows = self._query("reading the stewards' log", sql + " ORDER BY seq", params)
        return [StewardsLogRow(*r) for r in rows]

    # -- result snapshots and charity --------------------------------------------------

    def save_snapshot(self, heat_id: int, upto_seq: int, standings: Any) -> None:
        """Keep a projection of a heat's results (JSON data), folded up to ``upto_seq``."""
        self._write(
            "saving a result snapshot",
            [
                (
                    "INSERT INTO result_snapshots (heat, upto_seq, created_at, standings)"
                    " VALUES (?, ?, ?, ?)",
                    (heat_id, upto_seq, _now(), json.dumps(standings)),
                )
            ],
        )

    def latest_snapshot(self, heat_id: int) -> tuple[int, Any] | None:
        """``(upto_seq, standings)`` of the newest snapshot of a heat, or None."""
        rows = self._query(
            "reading result snapshots",
            "SELECT upto_seq, standings FROM result_snapshots WHERE heat = ?"
            " ORDER BY id DESC LIMIT 1",
            (heat_id,),
        )
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def add_donation(
        self,
        kind: str,
        amount: int,
        *,
        number: int | None = None,
        donor: str = "",
        cap: int | None = None,
        note: str = "",
    ) -> None:
        """Record money for charity, in minor units (pence/cents).

        ``kind`` is fee, fixed, per_lap (``amount`` per lap of car ``number``, up to
        ``cap``), auction or other.
        """
        if kind == "per_lap" and number is None:
            raise EventFileError(self.path, "a per-lap pledge needs the race number it backs")
        self._write(
            "saving a donation",
            [
                (
                    "INSERT INTO donations (kind, number, donor, amount, cap, note)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, number, donor, amount, cap, note),
                )
            ],
        )

    def donations(self) -> list[dict[str, Any]]:
        keys = ("kind", "number", "donor", "amount", "cap", "note")
        rows = self._query(
            "reading donations", f"SELECT {', '.join(keys)} FROM donations ORDER BY id"
        )
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def quick_check(self) -> None:
        """Run SQLite's ``quick_check``; raises `CorruptEventFileError` if damaged."""
        from slotrace.store.errors import CorruptEventFileError

        result = self._query("checking the file", "PRAGMA quick_check")
        if result != [("ok",)]:
            problems = "; ".join(r[0] for r in result[:3])
            raise CorruptEventFileError(self.path, f"is damaged: {problems}")


__all__ = ["EventFile", "HeatInfo", "HeatStatus", "StewardsLogRow", "schema"]
