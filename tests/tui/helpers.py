"""Provides helpers for the TUI tests: a race-control app on the scripted driver, fixed data."""

from __future__ import annotations

from scripted_driver import ScriptedDriver

from slotrace.drivers_api import ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionConfig, SessionKind
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.tui.app import SlotraceApp
from slotrace.tui.roster import Roster, RosterEntry

ROSTER = Roster(
    [
        RosterEntry(1, "007", "Alfa Romeo 8C 2900B", "Biondetti", "S"),
        RosterEntry(2, "722", "Mercedes-Benz 300 SLR", "Moss / Jenkinson", "S"),
        RosterEntry(3, "351", "Ferrari 166 MM", "Ascari", "S"),
    ]
)


def status(light: StartLight, fuel: int = 15) -> StatusReport:
    return StatusReport(fuel=(fuel,) * 8, start_light=light, mode=ModeFlags.FUEL)


def race_app(
    laps: int = 3, cars: tuple[int, ...] = (1, 2, 3), journal: MemoryJournal | None = None
) -> tuple[SlotraceApp, ScriptedDriver, MemoryJournal]:
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps, cars=cars)
    journal = journal or MemoryJournal()
    session = LiveHeat(config, journal, clock=lambda: 0.0)
    driver = ScriptedDriver()
    app = SlotraceApp(
        driver=driver, session=session, roster=ROSTER, heat_title="Heat 1", author="steward"
    )
    return app, driver, journal


def lights_out(driver: ScriptedDriver) -> None:
    """The control unit runs the countdown to GO and lights out."""
    for light in (StartLight.READY, StartLight.COUNT_1, StartLight.COUNT_5, StartLight.GO):
        driver.push(status(light))
    driver.push(status(StartLight.OFF))
