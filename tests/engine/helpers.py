"""Builders for engine tests: plain lists of events, no simulator needed."""

from __future__ import annotations

from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionConfig, SessionKind

NO_FUEL = (0,) * 8


def light(value: int, pit: frozenset[int] = frozenset()) -> StatusReport:
    return StatusReport(NO_FUEL, StartLight(value), ModeFlags.NONE, pit)


def pit_status(
    fuel: tuple[int, ...] = (15,) * 8, pit: frozenset[int] = frozenset()
) -> StatusReport:
    return StatusReport(fuel, StartLight.OFF, ModeFlags.FUEL | ModeFlags.PIT_LANE, pit)


START = [light(1), light(2), light(3), light(4), light(5), light(6), light(7), light(0)]
"""A full start-light sequence ending in lights-out."""


def laps_of(car: int, start: int, *lap_ms: int, epoch: int = 0) -> list[CarPassed]:
    """Finish-line crossings: the start crossing, then one per lap time."""
    t = start
    events = [CarPassed(car, 1, t, epoch)]
    for ms in lap_ms:
        t += ms
        events.append(CarPassed(car, 1, t, epoch))
    return events


def by_time(*groups: list) -> list:
    """Crossings of several cars merged in device-time order."""
    merged = [e for group in groups for e in group]
    return sorted(merged, key=lambda e: e.device_ms)


def race(laps: int = 5, cars: tuple[int, ...] = (1, 2), **kw) -> SessionConfig:
    return SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps, cars=cars, **kw)


def timed_race(ms: int, cars: tuple[int, ...] = (1, 2), **kw) -> SessionConfig:
    return SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=ms, cars=cars, **kw)
