"""Provides standings (classification with gaps) and the qualifying grid, computed from state.

Races rank by scored laps (more first), then by the session clock at the last counted
lap plus time penalties (earlier first); disqualified cars come last. Practice and
qualifying rank by best lap (cars without a lap after those with one, by car number).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from slotrace.engine.control import CAR_DECISION_TYPES
from slotrace.engine.state import CarState, RaceState, StewardDecision


class CarStatus(Enum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    IN_PIT = "in_pit"
    FINISHED = "finished"
    DSQ = "dsq"


@dataclass(frozen=True, slots=True)
class Gap:
    """A gap: in time (``ms``) or in whole laps (``laps`` > 0) when lapped."""

    ms: int | None = None
    laps: int = 0

    def __str__(self) -> str:
        if self.laps:
            return f"+{self.laps} lap" + ("s" if self.laps != 1 else "")
        if self.ms is None:
            return ""
        return f"+{self.ms / 1000:.3f}"


@dataclass(frozen=True, slots=True)
class Standing:
    """One row of the standings.

    Attributes:
        laps: scored laps (counted laps plus steward corrections).
        total_ms: races: session clock at the last counted lap plus time penalties;
            practice/qualifying: sum of counted lap times. None before the first lap.
        gap, interval: to the leader and to the car ahead (None for the leader).
        fuel: the fuel gauge, 0..15 steps of a full tank whatever the device's scale
            (`CarState.fuel`; None when the device reports no fuel).
        decisions: the stewards' log entries about this car (revoked ones included).
    """

    position: int
    car: int
    laps: int
    total_ms: int | None
    best_lap_ms: int | None
    last_lap_ms: int | None
    gap: Gap | None
    interval: Gap | None
    last_sectors: tuple[int | None, ...]
    best_sectors: tuple[int | None, ...]
    pit_stops: int
    fuel: int | None
    status: CarStatus
    penalty_ms: int
    warnings: int
    stop_and_go_owed: int
    decisions: tuple[StewardDecision, ...]


_FAR = 1 << 62


def race_key(car: CarState) -> tuple[int, int, int, int]:
    """Sort key of a car in a race (smaller is better)."""
    time = _FAR if car.race_ms is None else car.race_ms + car.penalty_ms
    return (1 if car.disqualified else 0, -car.scored_laps, time, car.car)


def best_lap_key(car: CarState) -> tuple[int, int, int, int]:
    """Sort key of a car in practice or qualifying (smaller is better)."""
    if car.best_lap_ms is None:
        return (1 if car.disqualified else 0, _FAR, _FAR, car.car)
    set_at = car.best_lap_race_ms if car.best_lap_race_ms is not None else _FAR
    return (1 if car.disqualified else 0, car.best_lap_ms, set_at, car.car)


def ranked(state: RaceState) -> list[CarState]:
    """The cars in classification order."""
    key = race_key if state.config.kind.is_race else best_lap_key
    return sorted(state.cars.values(), key=key)


def _status(car: CarState) -> CarStatus:
    if car.disqualified:
        return CarStatus.DSQ
    if car.finished:
        return CarStatus.FINISHED
    if not car.started:
        return CarStatus.NOT_STARTED
    if car.in_pit:
        return CarStatus.IN_PIT
    return CarStatus.RUNNING


def _race_gap(car: CarState, ahead: CarState) -> Gap:
    laps = ahead.scored_laps - car.scored_laps
    if laps > 0:
        return Gap(laps=laps)
    if car.race_ms is None or ahead.race_ms is None:
        return Gap()
    return Gap(ms=(car.race_ms + car.penalty_ms) - (ahead.race_ms + ahead.penalty_ms))


def _best_lap_gap(car: CarState, ahead: CarState) -> Gap:
    if car.best_lap_ms is None or ahead.best_lap_ms is None:
        return Gap()
    return Gap(ms=car.best_lap_ms - ahead.best_lap_ms)


def standings(state: RaceState) -> tuple[Standing, ...]:
    """The classification now, with gaps, sectors, pit stops and stewards' decisions."""
    is_race = state.config.kind.is_race
    order = ranked(state)
    gap_of = _race_gap if is_race else _best_lap_gap
    by_car: dict[int, list[StewardDecision]] = {}
    for decision in state.stewards_log:
        if isinstance(decision.command, CAR_DECISION_TYPES):
            by_car.setdefault(decision.command.car, []).append(decision)
    rows = []
    for index, car in enumerate(order):
        if is_race:
            total = None if car.race_ms is None else car.race_ms + car.penalty_ms
        else:
            total = car.total_ms if car.laps else None
        rows.append(
            Standing(
                position=index + 1,
                car=car.car,
                laps=car.scored_laps,
                total_ms=total,
                best_lap_ms=car.best_lap_ms,
                last_lap_ms=car.last_lap_ms,
                gap=None if index == 0 else gap_of(car, order[0]),
                interval=None if index == 0 else gap_of(car, order[index - 1]),
                last_sectors=car.last_sectors,
                best_sectors=car.best_sectors,
                pit_stops=car.pit_stops,
                fuel=car.fuel,
                status=_status(car),
                penalty_ms=car.penalty_ms,
                warnings=car.warnings,
                stop_and_go_owed=car.stop_and_go_owed,
                decisions=tuple(by_car.get(car.car, ())),
            )
        )
    return tuple(rows)


def grid(state: RaceState) -> tuple[int, ...]:
    """Starting grid from a practice or qualifying session: car numbers, pole first.

    Cars without a lap time start behind those with one, by car number; disqualified
    cars start last.
    """
    return tuple(car.car for car in sorted(state.cars.values(), key=best_lap_key))
