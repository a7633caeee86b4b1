"""Provides the simulated cars' motion: lap progress, sensor crossings, fuel and pit stops.

Pure and deterministic: each car draws its lap times from its own seeded generator, so
the crossings depend only on the seed and on when cars were held or released, never on
how often anyone polled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from slotrace_carrera.sim_config import CarSpec

FULL_TANK = 15.0
SPEED_EFFECT_PER_STEP = 0.02
"""Lap-time increase per speed step below 15 (speed 0 drives 30% slower)."""
REAL_FUEL_FACTOR = 1.5
"""Real fuel mode burns this much more than normal mode."""


@dataclass(frozen=True, slots=True)
class FuelRules:
    """How fuel behaves this instant (derived from the CU mode bits and the config)."""

    burns: bool
    """Fuel mode is on (normal or real)."""
    per_lap: float
    """Tank levels burnt per lap."""
    has_pit_lane: bool
    """A pit-lane adapter is connected, so low cars go in and refuel."""
    pit_below: float
    refuel_ms_per_level: int
    pit_lane_ms: int


@dataclass(frozen=True, slots=True)
class TrackCrossing:
    """A car crossed a sensor group at model time ``model_ms`` (float, exact)."""

    car: int
    sensor: int
    model_ms: float
    counted: bool
    """False when the CU would not count it (tank empty)."""


class CarMotion:
    """One car going round: progress through the lap, crossings, fuel and pit stops."""

    def __init__(self, spec: CarSpec, fractions: tuple[float, ...], seed: int) -> None:
        self.spec = spec
        self._targets = (*fractions, 1.0)
        self._random = random.Random(f"slotrace-sim-{seed}-car-{spec.car}")
        self.speed = 15
        self.fuel = FULL_TANK
        self.progress = 0.0
        """Lap fraction covered since the last finish-line crossing."""
        self._next_target = 0
        self._laps_begun = 0
        """Laps begun at the finish line (0: still driving from the grid to it)."""
        self._parts_ms: tuple[float, ...] = ()
        """This lap's times from sensor group to sensor group, when its schedule has them."""
        self._lap_ms = self._draw_lap_ms()
        self.pit_until: float | None = None
        self._pit_entry_ms = 0.0
        self._pit_entry_fuel = 0.0
        self._refuel_ms_per_level = 1

    @property
    def car(self) -> int:
        return self.spec.car

    def in_pit(self, now: float) -> bool:
        return self.pit_until is not None and now < self.pit_until

    def fuel_level(self, now: float) -> int:
        """Tank level 0..15 as the CU reports it."""
        if self.pit_until is not None and now < self.pit_until:
            gained = (now - self._pit_entry_ms) / self._refuel_ms_per_level
            return int(min(FULL_TANK, self._pit_entry_fuel + max(0.0, gained)))
        return int(self.fuel)

    def refuel(self) -> None:
        self.fuel = FULL_TANK

    def restart_run(self) -> None:
        """The start lights come on: the car's scheduled run begins again at its next
        finish-line crossing (meanwhile it drives at its base lap time)."""
        if self.spec.schedule:
            self._laps_begun = 0
            self._lap_ms = self._draw_lap_ms()

    def _draw_lap_ms(self) -> float:
        """This lap's pace (ms a whole lap would take) from its planned time and the jitter;
        a lap scheduled in parts also gets them (`CarSpec.schedule`), scaled alike."""
        schedule = self.spec.schedule
        planned = (schedule[self._laps_begun - 1]
                   if 1 <= self._laps_begun <= len(schedule) else (self.spec.lap_ms,))
        lap_ms = sum(planned)
        base = lap_ms * (1 + SPEED_EFFECT_PER_STEP * (15 - self.speed))
        if self.spec.jitter_ms:
            spread = 3 * self.spec.jitter_ms
            base += max(-spread, min(spread, self._random.gauss(0.0, self.spec.jitter_ms)))
        base = max(base, 1.0)
        self._parts_ms = (tuple(part * base / lap_ms for part in planned)
                          if len(planned) == len(self._targets) else ())
        return base

    def _pace_ms(self) -> float:
        """Ms per whole lap at the car's present pace (the present part's, if in parts)."""
        if not self._parts_ms:
            return self._lap_ms
        part = self._next_target
        low = self._targets[part - 1] if part else 0.0
        return self._parts_ms[part] / (self._targets[part] - low)

    def advance(self, start: float, end: float, fuel: FuelRules) -> list[TrackCrossing]:
        """Drive from model time ``start`` to ``end`` (the car is released all along)."""
        crossings: list[TrackCrossing] = []
        now = start
        while now < end:
            if self.pit_until is not None:
                if end < self.pit_until:
                    return crossings
                now = max(now, self.pit_until)
                self.fuel = FULL_TANK
                self.pit_until = None
                continue
            target = self._targets[self._next_target]
            pace_ms = self._pace_ms()
            reach = now + (target - self.progress) * pace_ms
            if reach > end:
                self.progress += (end - now) / pace_ms
                return crossings
            now = reach
            counted = not (fuel.burns and self.fuel <= 0.0)
            if target >= 1.0:
                crossings.append(TrackCrossing(self.car, 1, now, counted))
                self._finish_lap(now, fuel)
            else:
                self.progress = target
                self._next_target += 1
                crossings.append(TrackCrossing(self.car, self._next_target + 1, now, counted))
        return crossings

    def until_next_sensor_ms(self) -> float | None:
        """Model ms until the car reaches its next sensor group (None: in the pit lane)."""
        if self.pit_until is not None:
            return None
        return (self._targets[self._next_target] - self.progress) * self._pace_ms()

    def reach_next_sensor(self, now: float, fuel: FuelRules) -> TrackCrossing:
        """The car reaches its next sensor group at ``now``, a little earlier than planned."""
        target = self._targets[self._next_target]
        counted = not (fuel.burns and self.fuel <= 0.0)
        if target >= 1.0:
            self._finish_lap(now, fuel)
            return TrackCrossing(self.car, 1, now, counted)
        self.progress = target
        self._next_target += 1
        return TrackCrossing(self.car, self._next_target + 1, now, counted)

    def _finish_lap(self, now: float, fuel: FuelRules) -> None:
        self.progress = 0.0
        self._next_target = 0
        if fuel.burns:
            self.fuel = max(0.0, self.fuel - fuel.per_lap)
            if fuel.has_pit_lane and self.fuel < fuel.pit_below:
                self._enter_pit(now, fuel)
        self._laps_begun += 1
        self._lap_ms = self._draw_lap_ms()

    def _enter_pit(self, now: float, fuel: FuelRules) -> None:
        self._pit_entry_ms = now
        self._pit_entry_fuel = self.fuel
        self._refuel_ms_per_level = max(1, fuel.refuel_ms_per_level)
        refuel_ms = (FULL_TANK - self.fuel) * self._refuel_ms_per_level
        self.pit_until = now + fuel.pit_lane_ms + refuel_ms
