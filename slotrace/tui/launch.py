"""Provides `prepare_race_control`: opens (or resumes) a heat on an event file and builds the app.

Used by ``slotrace demo`` and ``slotrace open``. A heat still marked running in the file is
resumed (its journal is replayed into the engine and new inputs continue in a later
device-clock epoch); otherwise the next heat of the rules' heat plan is started (see
`slotrace.tui.heat_plan`), with the plan's rules `Heat` stored so the results report can
classify it.
"""

from __future__ import annotations

from typing import Any

from slotrace.drivers_api import Driver
from slotrace.engine import SessionConfig
from slotrace.rules.live import heat_regularity
from slotrace.store import EventFile, HeatRecorder
from slotrace.tui.app import SlotraceApp
from slotrace.tui.heat_plan import choose_next_heat, day_plan
from slotrace.tui.roster import Roster, roster_for_heat
from slotrace.tui.screens.entries import EntriesScreen
from slotrace.tui.screens.event_overview import EventScreen
from slotrace.tui.screens.results import ResultsScreen
from slotrace.tui.session import RaceSession


def prepare_race_control(
    event_file: EventFile,
    driver: Driver,
    *,
    laps: int | None = None,
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
    plan = day_plan(event_file)
    if running is None:
        chosen = choose_next_heat(event_file, laps=laps, plan=plan)
        if chosen.saved_number is not None:
            recorder = event_file.start_planned_heat(chosen.saved_number, chosen.config)
        else:
            recorder = event_file.start_heat(
                chosen.name, chosen.config, stage=chosen.stage, cars=chosen.cars,
                plan=chosen.plan,
            )
        config, name, cars, title = chosen.config, chosen.name, chosen.cars, chosen.name
    screens = {
        "event": EventScreen(event_file, plan),
        "entries": EntriesScreen(event_file),
        "results": ResultsScreen(
            event_file.path,
            event_file.heat(recorder.heat).stage,
            plan.numbers if plan is not None else None,
        ),
        **(extra_screens or {}),
    }
    session = RaceSession(config, recorder, replay=replay, epoch=recorder.current_epoch)
    numbers = plan.numbers if plan is not None else None
    roster: Roster = roster_for_heat(event_file.entries(), cars, numbers)
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
    app.regularity = heat_regularity(event_file.event_definition(),
                                     event_file.heat(recorder.heat).plan)
    return app
