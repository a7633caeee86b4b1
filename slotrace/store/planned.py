"""Provides the saved heat plan: planned heats in the event file and which heat ran each.

`PlannedHeats` is a base of `slotrace.store.eventfile.EventFile`. ``slotrace heats --save``
stores the rules' heat plan (every leg's heats, controller addresses and re-coding flags)
together with the engine's ``SessionConfig`` of each heat; race control (``slotrace run``,
the TUI) then asks for the next planned heat and starts it, which links the planned heat to
the running heat and its journal::

    ef.save_heat_plan([PlannedHeatSpec(name, heat, config, stage=1), ...])
    planned = ef.next_planned_heat()              # a running one, else the first waiting
    if planned.status is PlannedHeatStatus.RUNNING:
        recorder = ef.resume_heat(planned.heat_id)     # interrupted: continue it
    else:
        recorder = ef.start_planned_heat(planned.number)

Re-planning never deletes a heat or its journal. It is refused once a planned heat has
started (unless ``force=True``, which keeps the planned heats that finished and replaces only
the others) and always while one is running.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slotrace.store.connection import sqlite_errors
from slotrace.store.contents import _json_data, _now
from slotrace.store.errors import EventFileError, UnknownHeatError
from slotrace.store.journal import HeatRecorder, WallClock


class PlannedHeatStatus(StrEnum):
    """Where a planned heat stands (from the heat that last ran it)."""

    WAITING = "waiting"  # never started
    RUNNING = "running"  # started and not finished: resume it (``resume_heat(heat_id)``)
    FINISHED = "finished"
    ABORTED = "aborted"  # may be started again


class HeatPlanLockedError(EventFileError):
    """The heat plan cannot be replaced now (heats of it already ran, or one is running)."""


@dataclass(frozen=True, slots=True)
class PlannedHeatSpec:
    """One heat to save in the plan.

    Attributes:
        name: shown to people ("Heat 3, leg 1: Brescia -> Cervia").
        plan: the rules' ``Heat`` (leg, number, slots) or its JSON data.
        config: the engine's ``SessionConfig`` (or its JSON data) the heat runs with.
        stage: the event file's stage number of the heat's leg, if stages are stored.
    """

    name: str
    plan: Any
    config: Any
    stage: int | None = None


@dataclass(frozen=True, slots=True)
class PlannedHeat:
    """A heat of the saved plan.

    Attributes:
        number: heat number in the plan (1-based over the whole event; rules ``Heat.number``).
        leg: index into the event's legs.
        plan: the rules' ``Heat`` as JSON data (``slotrace.rules.model.Heat`` validates it).
        config: the engine's ``SessionConfig`` as JSON data.
        heat_id: the id of the heat that last ran it (`EventFile.heat`), None if waiting.
    """

    number: int
    leg: int
    stage: int | None
    name: str
    plan: dict[str, Any]
    config: dict[str, Any]
    heat_id: int | None
    status: PlannedHeatStatus

    @property
    def cars(self) -> dict[int, int]:
        """Controller address -> entry_no."""
        return {s["address"]: s["entry_no"] for s in self.plan["slots"]}

    @property
    def recodes(self) -> dict[int, int]:
        """Controller address -> entry_no of the cars to re-code before this heat."""
        return {s["address"]: s["entry_no"] for s in self.plan["slots"] if s.get("recode")}


_COLUMNS = (
    "p.number, p.leg, p.stage, p.name, p.plan, p.config, p.heat, h.status"
    " FROM planned_heats p LEFT JOIN heats h ON h.id = p.heat"
)


def _planned(row: Sequence[Any]) -> PlannedHeat:
    return PlannedHeat(
        number=row[0],
        leg=row[1],
        stage=row[2],
        name=row[3],
        plan=json.loads(row[4]),
        config=json.loads(row[5]),
        heat_id=row[6],
        status=PlannedHeatStatus(row[7]) if row[7] else PlannedHeatStatus.WAITING,
    )


def _without(planned: PlannedHeat, out: frozenset[int]) -> PlannedHeat:
    """``planned`` without the cars ``out`` (slots and the session's cars)."""
    slots = [s for s in planned.plan["slots"] if s["entry_no"] not in out]
    if not out or not slots or len(slots) == len(planned.plan["slots"]):
        return planned  # a heat of only left-out cars stays as planned (the stewards decide)
    gone = {s["address"] for s in planned.plan["slots"]} - {s["address"] for s in slots}
    config = dict(planned.config)
    if isinstance(config.get("cars"), list):
        config["cars"] = [car for car in config["cars"] if car not in gone]
    return replace(planned, plan={**planned.plan, "slots": slots}, config=config)


class PlannedHeats:
    """Accessors of the saved heat plan (a base of `EventFile`).

    A heat not yet started is given as the stewards' decisions leave it: withdrawn cars and
    non-starters of its leg (`EventFile.entry_standings`) are not in it.
    """

    _conn: sqlite3.Connection
    _wall_clock: WallClock
    path: Path

    if TYPE_CHECKING:  # provided by EventContents

        def _writable(self, doing: str) -> None: ...
        def _query(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def _write(self, doing: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> int: ...
        def stages(self) -> list[dict[str, Any]]: ...
        def entries(self) -> list[dict[str, Any]]: ...
        def entry_standings(self) -> dict[int, Any]: ...

    def planned_heats(self) -> list[PlannedHeat]:
        """Every heat of the saved plan, by number (empty if no plan was saved)."""
        rows = self._query("reading the heat plan", f"SELECT {_COLUMNS} ORDER BY p.number")
        return self._in_force([_planned(r) for r in rows])

    def _in_force(self, planned: list[PlannedHeat]) -> list[PlannedHeat]:
        waiting = [p for p in planned if p.status in (PlannedHeatStatus.WAITING,
                                                      PlannedHeatStatus.ABORTED)]
        if not waiting:
            return planned
        standings = self.entry_standings()
        out = {leg: frozenset(n for n, s in standings.items() if not s.starts_in(leg))
               for leg in {p.leg for p in waiting}}
        return [_without(p, out[p.leg]) if p in waiting else p for p in planned]

    def planned_heat(self, number: int) -> PlannedHeat:
        """Planned heat ``number``; `UnknownHeatError` listing the plan's numbers otherwise."""
        rows = self._query(
            "reading the heat plan", f"SELECT {_COLUMNS} WHERE p.number = ?", (number,)
        )
        if not rows:
            numbers = [p.number for p in self.planned_heats()]
            known = f"{numbers[0]}..{numbers[-1]}" if numbers else "none; run: slotrace heats "
            raise UnknownHeatError(
                self.path,
                f"has no planned heat {number} (planned heats: "
                f"{known}{f'{self.path} --save' if not numbers else ''})",
            )
        return self._in_force([_planned(rows[0])])[0]

    def next_planned_heat(self) -> PlannedHeat | None:
        """The planned heat to run next, or None when all finished.

        A RUNNING one comes first (it was interrupted: resume it); otherwise the first by
        number that is waiting or was aborted.
        """
        planned = self.planned_heats()
        for status in (PlannedHeatStatus.RUNNING, None):
            for heat in planned:
                if heat.status is status or (
                    status is None and heat.status is not PlannedHeatStatus.FINISHED
                ):
                    return heat
        return None

    def save_heat_plan(
        self, heats: Sequence[PlannedHeatSpec], *, force: bool = False
    ) -> list[PlannedHeat]:
        """Replace the saved heat plan with ``heats``; all or nothing.

        Refused (`HeatPlanLockedError`) while a planned heat is running, and once a planned
        heat has started unless ``force``. With ``force`` the planned heats that finished are
        kept as they are (number, cars, settings and the heat that ran them); ``heats``
        replaces the others (waiting, or voided to run again) and must not reuse a kept
        number. Every heat keeps its journal.
        """
        self._writable("saving the heat plan")
        rows = self._validated(heats)
        started = [p for p in self.planned_heats() if p.heat_id is not None]
        kept = {p.number: p for p in started if p.status is PlannedHeatStatus.FINISHED}
        running = [p for p in started if p.status is PlannedHeatStatus.RUNNING]
        if running:
            p = running[0]
            raise HeatPlanLockedError(
                self.path,
                f"planned heat {p.number} ({p.name}) is still running as heat {p.heat_id}; "
                f"finish it first (slotrace run {self.path} --heat {p.number})",
            )
        if started and not force:
            numbers = ", ".join(str(p.number) for p in started)
            raise HeatPlanLockedError(
                self.path,
                f"planned heats {numbers} already ran; re-planning would change heats that "
                "have results. Use --force to re-plan only the heats not yet run (the heats "
                "that ran are kept with their journals and results)",
            )
        reused = sorted(kept.keys() & {row[0] for row in rows})
        if reused:
            p = kept[reused[0]]
            raise HeatPlanLockedError(
                self.path,
                f"planned heat {p.number} ({p.name}) already ran as heat {p.heat_id} and is "
                "kept; number the new heats around the heats that ran",
            )
        statements: list[tuple[str, Sequence[Any]]] = [(
            "DELETE FROM planned_heats WHERE heat IS NULL"
            " OR heat NOT IN (SELECT id FROM heats WHERE status = 'finished')", ())]
        statements += [
            (
                "INSERT INTO planned_heats (number, leg, stage, name, plan, config)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            for row in rows
        ]
        statements.append(
            (
                "INSERT INTO meta (key, value) VALUES ('heat_plan_saved_at', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (_now(),),
            )
        )
        self._write("saving the heat plan", statements)
        return self.planned_heats()

    def _validated(self, heats: Sequence[PlannedHeatSpec]) -> list[tuple[Any, ...]]:
        stages = {s["number"] for s in self.stages()}
        entry_nos = {e["entry_no"] for e in self.entries()}
        seen: set[int] = set()
        rows = []
        for index, spec in enumerate(heats, start=1):
            plan = _json_data(spec.plan)
            where = f"planned heat {index} ({spec.name!r})"
            if not isinstance(plan, Mapping) or not plan.get("slots"):
                raise EventFileError(self.path, f"{where}: the plan has no slots ({plan!r})")
            number, leg = plan.get("number"), plan.get("leg")
            if not isinstance(number, int) or not isinstance(leg, int):
                raise EventFileError(self.path, f"{where}: the plan needs integer number and leg")
            if number in seen:
                raise EventFileError(self.path, f"{where}: heat number {number} given twice")
            seen.add(number)
            if spec.stage is not None and spec.stage not in stages:
                known = ", ".join(map(str, sorted(stages))) or "none yet"
                raise UnknownHeatError(self.path, f"{where}: no stage {spec.stage} "
                                                  f"(stages: {known})")
            unknown = sorted({s["entry_no"] for s in plan["slots"]} - entry_nos)
            if unknown:
                raise UnknownHeatError(self.path, f"{where}: no entries {unknown} in this file")
            rows.append((number, leg, spec.stage, spec.name, json.dumps(plan),
                         json.dumps(_json_data(spec.config))))
        return rows

    def start_planned_heat(self, number: int, config: Any = None) -> HeatRecorder:
        """Start planned heat ``number`` as a running heat and return its recorder.

        The heat gets the plan's name, stage, cars and plan; ``config`` (the engine's
        ``SessionConfig``) overrides the planned one, e.g. for fewer laps. Refused while
        any heat is running, and for a heat that is running or finished.
        """
        self._writable("starting a planned heat")
        planned = self.planned_heat(number)
        if planned.status is PlannedHeatStatus.FINISHED:
            raise EventFileError(
                self.path, f"planned heat {number} already ran (heat {planned.heat_id})"
            )
        busy = self._query(
            "looking for a running heat",
            "SELECT id, name FROM heats WHERE status = 'running' ORDER BY id LIMIT 1",
        )
        if busy:
            raise EventFileError(
                self.path,
                f"heat {busy[0][0]} ({busy[0][1]}) is still running; resume or finish it "
                "before starting another",
            )
        config_data = _json_data(config) if config is not None else planned.config
        cars = {str(k): v for k, v in planned.cars.items()}
        with sqlite_errors(self.path, "starting a planned heat"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._conn.execute(
                    "INSERT INTO heats (stage, name, config, cars, status, started_at, plan)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?)",
                    (planned.stage, planned.name, json.dumps(config_data), json.dumps(cars),
                     _now(), json.dumps(planned.plan)),
                )
                heat_id = int(cursor.lastrowid or 0)
                self._conn.execute(
                    "UPDATE planned_heats SET heat = ? WHERE number = ?", (heat_id, number)
                )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return HeatRecorder(self._conn, self.path, heat_id, wall_clock=self._wall_clock)
