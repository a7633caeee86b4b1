"""Provides `prepare_race_control`: opens (or resumes) a heat on an event file and builds the app.

Used by ``slotrace demo`` and ``slotrace open``. A heat still marked running in the file is
resumed (its journal is replayed into the engine and new inputs continue in a later
device-clock epoch); otherwise the next heat is started with the next cars of the entry list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slotrace.drivers_api import Driver
from slotrace.engine import SessionConfig, SessionKind
from slotrace.store import EventFile, HeatRecorder
from slotrace.tui.app import SlotraceApp
from slotrace.tui.roster import Roster, roster_for_heat
from slotrace.tui.screens.entries import EntriesScreen
from slotrace.tui.screens.event_overview import EventScreen
from slotrace.tui.screens.results import ResultsScreen
from slotrace.tui.session import RaceSession

CAR_CAPACITY = 6
"""Cars the control unit runs at once (Carrera: 6 controllers)."""


@dataclass(frozen=True, slots=True)
class HeatPlan:
    """The heat race control will run: its name, rules and controller → entry_no map."""

    name: str
    config: SessionConfig
    cars: dict[int, int]


def _entry_numbers(entries: Sequence[dict[str, Any]]) -> list[int]:
    return [e["entry_no"] for e in entries if isinstance(e.get("entry_no"), int)]


def next_heat_plan(event_file: EventFile, *, laps: int = 10) -> HeatPlan:
    """The next heat: the next `CAR_CAPACITY` entries that have not run yet, on controllers 1..6.

    When every entry has run, starts again from the top of the entry list.
    """
    heats = event_file.heats()
    ran = {number for heat in heats for number in heat.cars.values()}
    numbers = _entry_numbers(event_file.entries())
    waiting = [n for n in numbers if n not in ran] or numbers
    chosen = waiting[:CAR_CAPACITY]
    cars = {controller: number for controller, number in enumerate(chosen, start=1)}
    config = SessionConfig(
        kind=SessionKind.RACE_LAPS, laps=laps, cars=tuple(cars) or (1,)
    )
    return HeatPlan(name=f"Heat {len(heats) + 1}", config=config, cars=cars)


def prepare_race_control(
    event_file: EventFile,
    driver: Driver,
    *,
    laps: int = 10,
    author: str = "race control",
    extra_screens: dict[str, Any] | None = None,
) -> SlotraceApp:
    """Resume the running heat or start the next one, and return the race-control app."""
    running = event_file.heat_in_progress()
    replay: list[Any] = []
    recorder: HeatRecorder
    if running is not None:
        replay = [row.item() for row in event_file.journal(running.id)]
        recorder = event_file.resume_heat(running.id)
        config = SessionConfig.model_validate(running.config)
        name, cars = running.name, running.cars
        title = f"{name} (resumed)"
    else:
        plan = next_heat_plan(event_file, laps=laps)
        recorder = event_file.start_heat(plan.name, plan.config, cars=plan.cars)
        config, name, cars, title = plan.config, plan.name, plan.cars, plan.name
    screens = {
        "event": EventScreen(event_file),
        "entries": EntriesScreen(event_file),
        "results": ResultsScreen(),
        **(extra_screens or {}),
    }
    session = RaceSession(config, recorder, replay=replay, epoch=recorder.current_epoch)
    roster: Roster = roster_for_heat(event_file.entries(), cars)
    app = SlotraceApp(
        driver=driver,
        session=session,
        roster=roster,
        heat_title=title,
        author=author,
        extra_screens=screens,
        on_heat_finished=lambda: event_file.finish_heat(recorder.heat),
    )
    app.heat_id = recorder.heat
    return app
