"""Provides the event file: one SQLite file per event, its crash-safe journal and exports.

Public API (see `slotrace.store.eventfile` for a worked example):

* `EventFile.create(path, event, name=..., writer=...)`, `EventFile.open(path, read_only=False,
  writer="slotrace run")`; a writable open holds the writer lock (`FILE.lock`, see
  `slotrace.store.lock`) until ``close`` and raises `EventFileLockedError` naming the holder
  if another process writes; read-only opens use SQLite ``mode=ro``, never lock, never write.
* Contents: `EventFile.event_definition`, `set_entries` / `entries`, `set_race_numbers`
  (keeps verdicts), `add_verdict` / `verdicts`, `set_stage` / `stages`, `stewards_log`,
  `track()`; entry and heat decisions (slotrace.store.decisions).
* Heats: `start_heat(name, config, stage=, cars=) -> HeatRecorder`, `heats()`, `heat(id)`,
  `heat_in_progress()`, `resume_heat(id) -> HeatRecorder` (epoch carried over),
  `finish_heat(id)`.
* Saved heat plan (slotrace.store.planned): `save_heat_plan([PlannedHeatSpec(name, heat,
  config, stage=)], force=False) -> list[PlannedHeat]`, `planned_heats()`,
  `planned_heat(number)`, `next_planned_heat() -> PlannedHeat | None` (a RUNNING one
  first: resume its ``heat_id`` with `resume_heat`; else the first not finished),
  `start_planned_heat(number, config=None) -> HeatRecorder`. `PlannedHeat` has number,
  leg, stage, name, plan (rules Heat JSON), config (SessionConfig JSON), heat_id, status
  (`PlannedHeatStatus`), ``cars`` and ``recodes`` (address -> entry_no).
  `HeatPlanLockedError` when re-planning is refused.
* Journal: `HeatRecorder.append(item) -> (seq, stored_item)` is durable on return (commit
  with ``synchronous=FULL``); apply ``stored_item`` to the engine and show it only after.
  `journal(heat)`, `last_seq()`, `data_version()`,
  `follow() -> JournalFollower` (``poll()`` for the spectator board).
* Replay: `slotrace.store.replay.replay_heat(event_file, heat_id) -> RaceState`.

The durability promise is written down in docs/durability.md.
"""

from slotrace.store.connection import Synchronous
from slotrace.store.decisions import (
    EntriesLockedError,
    EntryAction,
    EntryDecision,
    EntryStanding,
    HeatAction,
    HeatDecision,
)
from slotrace.store.errors import (
    CorruptEventFileError,
    EventFileBusyError,
    EventFileError,
    EventFileExistsError,
    NewerSchemaError,
    NotAnEventFileError,
    ReadOnlyEventFileError,
    StorageFullError,
    UnknownHeatError,
)
from slotrace.store.eventfile import EventFile, HeatInfo, HeatStatus, StewardsLogRow
from slotrace.store.journal import HeatRecorder, JournalEntry, JournalFollower
from slotrace.store.lock import EventFileLockedError, LockHolder, current_holder, lock_path
from slotrace.store.planned import (
    HeatPlanLockedError,
    PlannedHeat,
    PlannedHeatSpec,
    PlannedHeatStatus,
)
from slotrace.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "CorruptEventFileError",
    "EntriesLockedError",
    "EntryAction",
    "EntryDecision",
    "EntryStanding",
    "EventFile",
    "EventFileBusyError",
    "EventFileError",
    "EventFileExistsError",
    "EventFileLockedError",
    "HeatAction",
    "HeatDecision",
    "HeatInfo",
    "HeatPlanLockedError",
    "HeatRecorder",
    "HeatStatus",
    "JournalEntry",
    "JournalFollower",
    "LockHolder",
    "NewerSchemaError",
    "NotAnEventFileError",
    "PlannedHeat",
    "PlannedHeatSpec",
    "PlannedHeatStatus",
    "ReadOnlyEventFileError",
    "StewardsLogRow",
    "StorageFullError",
    "Synchronous",
    "UnknownHeatError",
    "current_holder",
    "lock_path",
]
