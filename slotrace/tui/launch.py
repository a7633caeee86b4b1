"""Provides `prepare_race_control`: race control over the event core for one event file.

Used by ``slotrace demo`` and ``slotrace open``. The event core (`slotrace.raceday`) decides
everything: a heat still marked running is resumed (journal replayed, device clock
continued), otherwise the next planned heat is started with its settings from the one
`heat_settings` function; after a finish, ``n`` opens the next heat in the same program.
On a simulator (`SimulatedDevice`) every heat is driven at its own leg's regularity pace
(`slotrace.raceday.heat_crews`, as ``slotrace run --device sim`` does).

A heat the stewards reopened to correct it (``slotrace stewards reopen-heat``) already
finishes in its journal: race control does not mark it finished when it shows the finish,
but when the organiser ends the correction by opening the next heat (``n``); quitting
leaves it reopened for the next ``slotrace open``.
This module only turns the core's opened heat into what the app shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slotrace.drivers_api import Driver
from slotrace.errors import SlotraceError
from slotrace.raceday import OpenedHeat, continue_clock, day_plan, heat_crews, open_heat
from slotrace.rules.live import heat_regularity
from slotrace.store import EventFile
from slotrace.store.publish import publish_site
from slotrace.tui.app import HeatView, SlotraceApp
from slotrace.tui.roster import roster_for_heat
from slotrace.tui.screens.charity_dialog import CharityDesk
from slotrace.tui.screens.entries import EntriesScreen
from slotrace.tui.screens.event_overview import EventScreen
from slotrace.tui.screens.results import ResultsScreen
from slotrace.tui.simulated_device import SimulatedDevice
from slotrace.voice import Speaker


def _view(event_file: EventFile, opened: OpenedHeat, numbers: dict[int, int] | None) -> HeatView:
    heat_id = opened.heat.id
    if opened.reopened is not None:
        title = f"{opened.name} (reopened to correct: {opened.reopened.reason})"
    else:
        title = f"{opened.name} (resumed)" if opened.resumed else opened.name
    return HeatView(
        live=opened.live,
        roster=roster_for_heat(event_file.entries(), opened.cars, numbers),
        title=title,
        heat_id=heat_id,
        regularity=heat_regularity(event_file.event_definition(), opened.heat.plan,
                                   event_file.track),
        resumed=opened.resumed,
        # a reopened heat shows its finish at once: it is finished when the correction ends
        finish=None if opened.reopened is not None else lambda: event_file.finish_heat(heat_id),
        corrects=opened.reopened is not None,
    )


def _pace(driver: Driver, event_file: EventFile, opened: OpenedHeat) -> None:
    """A simulator drives the opened heat at its leg's regularity pace (`heat_crews`)."""
    if isinstance(driver, SimulatedDevice):
        driver.resimulate(heat_crews(event_file, opened.heat))


def _end_correction(event_file: EventFile, opened: OpenedHeat) -> None:
    """The organiser moves on from a reopened heat: its correction is over, mark it finished
    (unless something else already did)."""
    if opened.reopened is None:
        return
    running = event_file.heat_in_progress()
    if running is not None and running.id == opened.heat.id:
        event_file.finish_heat(opened.heat.id)


def prepare_race_control(
    event_file: EventFile,
    driver: Driver,
    *,
    laps: int | None = None,
    author: str = "race control",
    extra_screens: dict[str, Any] | None = None,
    speaker: Speaker | None = None,
    publish: Path | None = None,
) -> SlotraceApp:
    """Resume the running heat or start the next one, and return the race-control app.

    ``speaker`` (``--voice``, `slotrace.voice.open_speaker`) announces the race; silent if None.
    ``publish`` (``--publish DIR``) is written now (a refused folder raises before anything
    runs) and rewritten after every finished heat.
    """
    publish_now = None
    if publish is not None:
        folder = publish

        def publish_now() -> str:
            site = publish_site(event_file.path, folder)  # its own read-only connection
            return f"results site rewritten in {folder} ({len(site.pages)} pages)"

        publish_site(event_file, folder)
    cars_per_heat = driver.capabilities.cars_per_heat
    opened = open_heat(event_file, laps=laps, cars_per_heat=cars_per_heat)
    if opened is None:
        raise SlotraceError(f"{event_file.path}: every planned heat has run; see the results: "
                            f"slotrace results {event_file.path}")
    _pace(driver, event_file, opened)
    continue_clock(opened, driver, author)
    plan = day_plan(event_file)
    numbers = plan.numbers if plan is not None else None
    screens = {
        "event": EventScreen(event_file, plan),
        "entries": EntriesScreen(event_file),
        "results": ResultsScreen(event_file.path, opened.heat.stage, numbers),
        **(extra_screens or {}),
    }

    current = [opened]

    def next_heat() -> HeatView | None:
        _end_correction(event_file, current[0])
        following = open_heat(event_file, laps=laps, cars_per_heat=cars_per_heat)
        if following is None:
            return None
        current[0] = following
        _pace(driver, event_file, following)
        return _view(event_file, following, numbers)

    app = SlotraceApp(
        driver=driver,
        heat=_view(event_file, opened, numbers),
        author=author,
        extra_screens=screens,
        next_heat=next_heat,
        speaker=speaker,
        publish=publish_now,
    )
    app.charity = CharityDesk(event_file)  # m: money for the charity, into this file
    return app
