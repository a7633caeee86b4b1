"""The engine reads a status the neutral way: lights by phase (`StartLight.phase`), fuel as a
fraction of the device's own scale (`StatusReport.fuel_fraction`), so a device that is not
shaped like a Carrera control unit starts a race and has its fuel read."""

from __future__ import annotations

from engine.helpers import pit_status, race
from slotrace.drivers_api import CarPassed, LightPhase, ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionPhase, SessionStarted, apply, fold, initial_state

TWELVE = tuple(range(1, 13))
TANKS = (100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 50)
"""Percent of a full tank for cars 1..12 (a device with fuel_scale=100)."""


def gantry(phase: LightPhase, lit: int = 0, fuel: tuple[int, ...] = TANKS) -> StatusReport:
    """A status from a device with a three-light gantry, twelve tanks in percent, no mode bits."""
    light = StartLight.of(phase, lit, total=3)
    return StatusReport(fuel, light, ModeFlags.NONE, fuel_scale=100)


THREE_LIGHT_START = [
    gantry(LightPhase.OFF),
    gantry(LightPhase.ARMED, 3),
    gantry(LightPhase.COUNTDOWN, 1),
    gantry(LightPhase.COUNTDOWN, 2),
    gantry(LightPhase.COUNTDOWN, 3),
    gantry(LightPhase.GO),
    gantry(LightPhase.OFF),
]


def test_a_three_light_gantry_starts_the_race_and_laps_count() -> None:
    state = initial_state(race(2, cars=TWELVE))
    emitted = []
    phases = []
    for status in THREE_LIGHT_START:
        state, out = apply(state, status)
        emitted += out
        phases.append(state.phase)
    assert phases[1:5] == [SessionPhase.STARTING] * 4
    assert state.phase is SessionPhase.RUNNING
    assert emitted.count(SessionStarted()) == 1
    for t in (1000, 5000, 9000):
        state, _ = apply(state, CarPassed(12, 1, t))
    assert state.cars[12].laps == 2 and state.cars[12].finished


def test_a_crossing_while_the_three_lights_count_down_is_a_false_start() -> None:
    state = fold(race(2, cars=TWELVE), THREE_LIGHT_START[:3])
    state, _ = apply(state, CarPassed(11, 1, 700))
    assert state.cars[11].false_started
    assert state.phase is SessionPhase.STARTING


def test_fuel_is_read_as_a_fraction_of_the_devices_scale() -> None:
    state = fold(race(2, cars=TWELVE), [gantry(LightPhase.OFF)])
    assert state.cars[1].fuel_fraction == 1.0
    assert state.cars[12].fuel_fraction == 0.5
    assert state.cars[11].fuel_fraction == 0.05
    # the 0..15 gauge the faces draw, rounded: 50 % is 7.5 steps, 5 % is 0.75
    assert (state.cars[1].fuel, state.cars[12].fuel, state.cars[11].fuel) == (15, 8, 1)


def test_a_car_the_status_has_no_level_for_has_no_fuel_reading() -> None:
    state = fold(race(2, cars=TWELVE), [gantry(LightPhase.OFF, fuel=(40, 60))])
    assert state.cars[2].fuel_fraction == 0.6
    assert state.cars[3].fuel is None and state.cars[12].fuel_fraction is None


def test_a_device_without_fuel_reports_none() -> None:
    state = fold(race(2, cars=TWELVE), [gantry(LightPhase.OFF, fuel=())])
    assert all(car.fuel is None for car in state.cars.values())


def test_carrera_levels_read_as_before() -> None:
    """Carrera: 0..15, so the gauge is the level itself; all-zero without the pit lane is
    'no reading' (the control unit sends zeros then), with the pit lane it is empty tanks."""
    levels = (15, 7, 1, 0, 0, 0, 0, 0)
    state = fold(race(), [pit_status(fuel=levels)])
    assert [state.cars[n].fuel for n in (1, 2)] == [15, 7]
    assert state.cars[2].fuel_fraction == 7 / 15
    idle = StatusReport((0,) * 8, StartLight.OFF, ModeFlags.FUEL)
    assert fold(race(), [idle]).cars[1].fuel is None
    assert fold(race(), [pit_status(fuel=(0,) * 8)]).cars[1].fuel == 0
