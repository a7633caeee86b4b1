"""Provides deterministic synthetic race journals (driver events) for tests and bench/replay.py.

A synthetic race is what a Carrera control unit would report for cars lapping at steady
pace with some scatter: a start-light sequence, finish-line and check-lane crossings in
time order, fuel that drops and is refilled by pit stops. Same arguments, same events.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass

from slotrace.drivers_api.events import (
    CarPassed,
    DriverEvent,
    ModeFlags,
    StartLight,
    StatusReport,
)


@dataclass(frozen=True, slots=True)
class SyntheticRace:
    """Parameters of a synthetic race.

    Attributes:
        cars: how many cars (numbered from 1).
        duration_ms: how long the cars lap (device time after lights-out).
        sensor_groups: 1 (finish line only), 2 or 3 (check lanes at 1/3 and 2/3 of a lap).
        base_lap_ms: lap time of car 1; each further car is ``spread_ms`` slower.
        jitter_ms: uniform scatter of each lap time.
        miss_probability: chance that a check-lane crossing is not reported.
        laps_per_fuel_unit: laps a car drives per fuel level (0 = no fuel simulation).
        seed: random seed.
    """

    cars: int = 6
    duration_ms: int = 24 * 3600 * 1000
    sensor_groups: int = 3
    base_lap_ms: int = 3900
    spread_ms: int = 25
    jitter_ms: int = 300
    miss_probability: float = 0.0
    laps_per_fuel_unit: int = 10
    seed: int = 1
    start_ms: int = 10_000


def _fuel_status(fuel: list[int], pit: set[int], light: StartLight) -> StatusReport:
    levels = tuple(fuel) + (0,) * (8 - len(fuel))
    mode = ModeFlags.FUEL | ModeFlags.PIT_LANE
    return StatusReport(levels, light, mode, frozenset(pit))


def synthetic_events(race: SyntheticRace) -> Iterator[DriverEvent]:
    """The driver events of ``race``, in the order a driver would emit them."""
    rng = random.Random(race.seed)
    fuel = [15] * race.cars
    pit: set[int] = set()
    yield _fuel_status(fuel, pit, StartLight.OFF)
    for light in (1, 2, 3, 4, 5, 6, 7, 0):
        yield _fuel_status(fuel, pit, StartLight(light))
    # Each car: next crossing (time, car, sensor, lap index); cars start just behind the line.
    heap: list[tuple[int, int, int, int]] = []
    pace = {car: race.base_lap_ms + (car - 1) * race.spread_ms for car in range(1, race.cars + 1)}
    for car in range(1, race.cars + 1):
        heapq.heappush(heap, (race.start_ms + 150 * car, car, 1, 0))
    end = race.start_ms + race.duration_ms
    split = 1 / race.sensor_groups
    pending_status: dict[int, str] = {}
    while heap:
        t, car, sensor, lap = heapq.heappop(heap)
        if sensor == 1 and t > end:
            continue  # this car is done
        if sensor == 1 or rng.random() >= race.miss_probability:
            yield CarPassed(car, sensor, t)
        if sensor == 1:
            state = pending_status.pop(car, None)
            if state == "out":
                pit.discard(car)
                yield _fuel_status(fuel, pit, StartLight.OFF)
            lap_ms = pace[car] + rng.randint(-race.jitter_ms, race.jitter_ms)
            if race.laps_per_fuel_unit and lap and lap % race.laps_per_fuel_unit == 0:
                fuel[car - 1] -= 1
                if fuel[car - 1] <= 2:
                    pit.add(car)
                    fuel[car - 1] = 15
                    pending_status[car] = "out"
                    lap_ms += 4000  # the stop
                yield _fuel_status(fuel, pit, StartLight.OFF)
            for group in range(2, race.sensor_groups + 1):
                heapq.heappush(heap, (t + int(lap_ms * split * (group - 1)), car, group, lap))
            heapq.heappush(heap, (t + lap_ms, car, 1, lap + 1))
