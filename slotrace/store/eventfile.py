"""Provides `EventFile`: one SQLite file per event, its contents and its heats' journals.

Typical use by a face (TUI, CLI)::

    ef = EventFile.create("mille-2025.slotrace", event, name="Mini Mille Miglia 2025")
    ef.set_entries(entries)                      # rules Entry models (or dicts)
    recorder = ef.start_heat("Stage 1 heat 1", session_config, stage=1, cars={1: 14})
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
from enum import StrEnum
from pathlib import Path
from typing import Any

from slotrace.store import connection, schema
from slotrace.store.connection import OpenMode, Synchronous, sqlite_errors
from slotrace.store.contents import EventContents, _json_data, _now
from slotrace.store.decisions import EventDecisions
from slotrace.store.errors import (
    CorruptEventFileError,
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
from slotrace.store.lock import WriterLock
from slotrace.store.planned import PlannedHeats

DEFAULT_WRITER = "slotrace"
"""The program named in the writer lock when a caller does not say which it is."""


class HeatStatus(StrEnum):
    """Where a heat stands."""

    RUNNING = "running"
    FINISHED = "finished"
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class HeatInfo:
    """A heat as stored (its journal is read separately).

    Attributes:
        cars: controller address (1..8) -> entry_no of the entry driving it.
        plan: the rules' Heat (slots) as JSON data, if the heat came from the heat plan.
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
    plan: dict[str, Any] | None = None


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


class EventFile(EventContents, PlannedHeats, EventDecisions):
    """An open event file. Use `create` or `open`, and `close` (or ``with``) when done."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        read_only: bool,
        wall_clock: WallClock = time.time,
        lock: WriterLock | None = None,
    ) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._wall_clock = wall_clock
        self._lock = lock

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        event: Any = None,
        *,
        name: str | None = None,
        synchronous: Synchronous = Synchronous.FULL,
        writer: str = DEFAULT_WRITER,
        meta: Mapping[str, Any] | None = None,
    ) -> EventFile:
        """Create a new event file holding ``event`` (the rules' Event model or JSON data).

        ``meta`` adds JSON values to the file's ``meta`` table in the same transaction
        (e.g. the resolved track, see `EventFile.track`). The new file is returned open for
        writing, with its writer lock held by ``writer``.

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
                    for key, value in (meta or {}).items():
                        conn.execute(
                            "INSERT INTO meta (key, value) VALUES (?, ?)",
                            (key, json.dumps(_json_data(value))),
                        )
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
        return cls.open(path, synchronous=synchronous, writer=writer)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        synchronous: Synchronous = Synchronous.FULL,
        wall_clock: WallClock = time.time,
        writer: str = DEFAULT_WRITER,
    ) -> EventFile:
        """Open an existing event file; ``read_only=True`` uses SQLite ``mode=ro``.

        A writable open first takes the writer lock in the name of ``writer`` (the program,
        e.g. "slotrace run"; `EventFileLockedError` names the holder if another process has
        it), then checks the file (``quick_check``) and migrates an older file forward. A
        read-only open never locks and is never blocked. Raises `NotAnEventFileError`,
        `CorruptEventFileError`, `NewerSchemaError` or another `EventFileError`.
        """
        path = Path(path)
        if read_only:
            conn = connection.connect(path, OpenMode.READ_ONLY, synchronous)
            ef = cls(conn, path, read_only=True, wall_clock=wall_clock)
            try:
                ef.name  # noqa: B018 - reads a page of the file: corrupt files fail here
            except BaseException:
                conn.close()
                raise
            return ef
        if not path.is_file():
            connection.connect(path, OpenMode.READ_WRITE, synchronous)  # raises: names why
        lock = WriterLock.acquire(path, writer)
        try:
            conn = connection.connect(path, OpenMode.READ_WRITE, synchronous)
            ef = cls(conn, path, read_only=False, wall_clock=wall_clock, lock=lock)
        except BaseException:
            lock.release()
            raise
        try:
            ef.check_before_writing()
            ef.store_track_copy()  # an older file becomes self-contained
        except BaseException:
            ef.close()
            raise
        return ef

    def check_before_writing(self) -> None:
        """Refuse to write into a damaged file (`CorruptEventFileError` says how to recover)."""
        try:
            self.name  # noqa: B018 - reads a page of the file
            self.quick_check()
        except CorruptEventFileError as exc:
            raise CorruptEventFileError(
                self.path,
                f"{exc.args[0].removeprefix(f'{self.path}: ')}. Nothing was written. "
                f"Restore your latest backup copy, or rescue what is readable with "
                f"`sqlite3 {self.path} .recover | sqlite3 rescued.slotrace` and open "
                "rescued.slotrace",
            ) from exc

    def close(self) -> None:
        self._conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> EventFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- heats -------------------------------------------------------------------------

    _HEAT_COLUMNS = (
        "id, stage, name, config, cars, status, started_at, finished_at, epoch_offset, plan"
    )

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
            plan=json.loads(row[9]) if row[9] else None,
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
        plan: Any = None,
    ) -> HeatRecorder:
        """Create a running heat and return its recorder.

        Args:
            name: shown to people ("Stage 2, heat 3").
            config: the engine's ``SessionConfig`` (or its JSON data).
            stage: the stage number this heat belongs to, if any.
            cars: controller address (1..8) -> entry_no; taken from ``plan`` if not given.
            plan: the rules' ``Heat`` (slots) this heat runs, if it comes from the heat plan.
        """
        if stage is not None and stage not in {s["number"] for s in self.stages()}:
            known = ", ".join(str(s["number"]) for s in self.stages()) or "none yet"
            raise UnknownHeatError(self.path, f"has no stage {stage} (stages: {known})")
        plan_data = _json_data(plan) if plan is not None else None
        if cars is None and isinstance(plan_data, dict):
            cars = {s["address"]: s["entry_no"] for s in plan_data.get("slots", ())}
        heat_id = self._write(
            "starting a heat",
            [
                (
                    "INSERT INTO heats (stage, name, config, cars, status, started_at, plan)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?)",
                    (
                        stage,
                        name,
                        json.dumps(_json_data(config)),
                        json.dumps({str(k): v for k, v in (cars or {}).items()}),
                        _now(),
                        json.dumps(plan_data) if plan_data is not None else None,
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

        Driver events are stored exactly as the driver reports them: the epoch changes only
        when the driver (or the event core, for a driver that cannot continue the control
        unit's clock) journals an ``EpochStarted``. The resume is logged in ``heat_resumes``.
        """
        heat = self.heat(heat_id)
        if heat.status is not HeatStatus.RUNNING:
            raise EventFileError(self.path, f"heat {heat_id} is {heat.status}; cannot resume")
        epoch = self.last_epoch(heat_id)
        after = self.last_seq(heat_id)
        self._write(
            "resuming a heat",
            [
                (
                    "INSERT INTO heat_resumes (heat, resumed_at, after_seq, epoch_offset)"
                    " VALUES (?, ?, ?, ?)",
                    (heat_id, _now(), after, 0),
                ),
            ],
        )
        recorder = HeatRecorder(
            self._conn,
            self.path,
            heat_id,
            current_epoch=epoch,
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

    def track(self) -> Any:
        """The event's track (rules ``Track``): the copy stored in the file at ``new``.

        Files made before tracks were stored fall back to loading the track by the name the
        event definition gives: a shipped track, or a path taken from the current folder and
        then from the event file's folder. A writable open stores that copy in the file
        (see `store_track_copy`), so the fallback is needed at most once per old file.

        Raises:
            RulesError: (``TrackFileError``) the event has no stored track and its track name
                cannot be loaded from here.
        """
        from slotrace.rules.model import Track

        rows = self._query("reading the track", "SELECT value FROM meta WHERE key = 'track'")
        if rows:
            return Track.model_validate(json.loads(rows[0][0]))
        return self._track_by_name()

    def has_stored_track(self) -> bool:
        """Whether the file holds its own copy of the track (files made by ``new`` do)."""
        return bool(self._query("reading the track",
                                "SELECT 1 FROM meta WHERE key = 'track'"))

    def template(self) -> dict[str, Any] | None:
        """The event template the file was made from, as stored by ``new``: ``{"source":
        the name or path given, "event": the template's rules Event as JSON data}``; None
        for files made before templates were stored."""
        rows = self._query("reading the template",
                           "SELECT value FROM meta WHERE key = 'template'")
        return json.loads(rows[0][0]) if rows else None

    def store_track_copy(self) -> bool:
        """Store the track the event names in the file if it holds none yet (an older file);
        returns whether a copy was stored. Does nothing if the track cannot be loaded."""
        from slotrace.errors import SlotraceError

        if self.read_only or self.has_stored_track():
            return False
        definition = self.event_definition()
        if not isinstance(definition, dict) or not definition.get("track"):
            return False
        try:
            track = self._track_by_name()
        except (SlotraceError, OSError, ValueError):
            return False
        self._write("storing the track in the event file", [(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('track', ?)",
            (json.dumps(_json_data(track)),),
        )])
        return True

    def _track_by_name(self) -> Any:
        from slotrace.rules import files

        name = self.event_definition()["track"]
        beside = self.path.parent / name
        if not Path(name).is_absolute() and not Path(name).exists() and beside.is_file():
            return files.load_track(beside)
        return files.load_track(name)

    def stewards_log(self, heat: int | None = None) -> list[StewardsLogRow]:
        sql = "SELECT seq, heat, wall_ms, action, car, reason, author FROM stewards_log"
        params: tuple[Any, ...] = ()
        if heat is not None:
            sql, params = sql + " WHERE heat = ?", (heat,)
        rows = self._query("reading the stewards' log", sql + " ORDER BY seq", params)
        return [StewardsLogRow(*r) for r in rows]


__all__ = ["EventFile", "HeatInfo", "HeatStatus", "StewardsLogRow", "schema"]
