"""Provides fast paths for the two commonest crossings of a running session.

A 24-hour race is hundreds of thousands of plain crossings: a check lane marking a
split, and a finish-line crossing completing an ordinary counted lap. These build the
new snapshots positionally (one list, one tuple) instead of through ``_replace``; they
return None for anything unusual, which `timing.on_crossing` then handles in full.

The fast path is not a second rule set: for every input it gives exactly the state and
the race events of the general path (the stateful machine in tests/engine/test_invariants.py
applies every event both ways). An ordinary lap is counted, not a personal best, best
sector, finish or over-long lap, so of the general path's race events only `LapCompleted`
and, in a race, `NewLeader` can follow. The leader is found incrementally: when
``state.leader`` is set it is the best car (every change to a ranking key goes through
`timing.update_leader`), and an ordinary lap improves only the lapping car's race key and
leaves every practice or qualifying key as it was. With no leader yet, the general path decides.
"""

from __future__ import annotations

from types import MappingProxyType

from slotrace.drivers_api.events import CarPassed
from slotrace.engine import clock as session_clock
from slotrace.engine.config import SessionKind
from slotrace.engine.race_events import LapCompleted, NewLeader, Out
from slotrace.engine.standings import race_key
from slotrace.engine.state import CarState, Crossing, Lap, RaceState, SessionPhase

_C = {name: i for i, name in enumerate(CarState._fields)}
_R = {name: i for i, name in enumerate(RaceState._fields)}
C_LAPS, C_LAP_LIST, C_LAST_LAP, C_LAST_SECTORS = (
    _C["laps"],
    _C["lap_list"],
    _C["last_lap_ms"],
    _C["last_sectors"],
)
C_TOTAL, C_RACE_MS, C_CROSSINGS = _C["total_ms"], _C["race_ms"], _C["crossings"]
C_START_MS, C_MARKS, C_PIT_IN_LAP = _C["lap_start_ms"], _C["split_marks"], _C["pit_in_lap"]
R_CARS, R_CLOCK, R_ELAPSED = _R["cars"], _R["clock"], _R["elapsed_ms"]
R_EPOCH, R_LAST_MS, R_LEADER = _R["epoch"], _R["last_device_ms"], _R["leader"]

_RUNNING = SessionPhase.RUNNING
_RACE_LAPS = SessionKind.RACE_LAPS
_RACE_TIME = SessionKind.RACE_TIME
_NO_MARKS: tuple[int | None, int | None] = (None, None)
_new = tuple.__new__


def sectors_of(
    groups: int, start_ms: int, marks: tuple[int | None, int | None], end_ms: int
) -> tuple[int | None, ...]:
    """Sector times of a lap; a sector whose bounding check lane was skipped is None."""
    if groups == 1:
        return ()
    bounds = (start_ms, *marks[: groups - 1], end_ms)
    result = []
    for i in range(groups):
        a, b = bounds[i], bounds[i + 1]
        result.append(b - a if a is not None and b is not None and b > a else None)
    return tuple(result)


def fast_crossing(state: RaceState, event: CarPassed, out: Out) -> RaceState | None:
    """The state after an ordinary crossing, or None when the general rules must decide."""
    if state.phase is not _RUNNING or state.start is None or state.yellow or state.leader is None:
        return None
    number, sensor, t, epoch = event.car, event.sensor, event.device_ms, event.epoch
    car = state.cars.get(number)
    if car is None or car.finished or car.lap_start_ms is None or car.lap_start_epoch != epoch:
        return None
    config = state.config
    kind = config.kind
    is_race = kind is _RACE_LAPS or kind is _RACE_TIME
    start_ms = car.lap_start_ms
    last = car.crossings.last()
    if last is not None and last[1] == sensor and last[2] == t and last[3] == epoch:
        return None
    clock, elapsed = session_clock.advance(state, epoch, t)
    duration = config.duration_ms
    if duration is not None and elapsed >= duration and kind is not _RACE_LAPS:
        return None  # time is up: the finishing rules apply
    if sensor == 1:
        lap_ms = t - start_ms
        if lap_ms < config.min_lap_ms or state.pace_car or state.flag_car is not None:
            return None
        if (config.max_lap_ms is not None and lap_ms > config.max_lap_ms) or (
            car.best_lap_ms is None or lap_ms < car.best_lap_ms
        ):
            return None  # too long, or a personal best: the general path announces it
        groups = config.sensor_groups
        sectors = sectors_of(groups, start_ms, car.split_marks, t) if groups > 1 else ()
        if sectors:
            for s, b in zip(sectors, car.best_sectors, strict=True):
                if s is not None and (b is None or s < b):
                    return None  # a best sector
        lap_list = car.lap_list
        lap = _new(
            Lap,
            (
                len(lap_list) + 1,
                lap_ms,
                sectors,
                True,
                False,
                t,
                epoch,
                False,
                False,
                car.pit_in_lap,
                False,
            ),
        )
        fields = list(car)
        laps = fields[C_LAPS] = car.laps + 1
        goal = config.laps
        if kind is _RACE_LAPS and goal is not None and laps + car.lap_adjustment >= goal:
            return None  # the finish
        fields[C_LAP_LIST] = lap_list.appended(lap)
        fields[C_LAST_LAP] = lap_ms
        fields[C_LAST_SECTORS] = sectors
        fields[C_TOTAL] = car.total_ms + lap_ms
        fields[C_RACE_MS] = elapsed
        fields[C_CROSSINGS] = car.crossings.appended(
            _new(Crossing, (number, 1, t, epoch, False, True))
        )
        fields[C_START_MS] = t
        fields[C_MARKS] = _NO_MARKS
        fields[C_PIT_IN_LAP] = car.in_pit
        new_car = _new(CarState, fields)
        cars = state.cars.copy()
        cars[number] = new_car
        leader = state.leader
        if out is not None:
            out.append(LapCompleted(number, laps, lap_ms))
        # Practice and qualifying rank by best lap: an ordinary lap leaves the order as it is.
        if is_race and leader != number and race_key(new_car) < race_key(cars[leader]):
            leader = number
            if out is not None:
                out.append(NewLeader(number))
    else:
        if sensor > config.sensor_groups:
            return None
        index = sensor - 2
        marks = car.split_marks
        if marks[index] is not None:
            return None  # a repeat: bounce or a missed finish line
        fields = list(car)
        fields[C_MARKS] = (t, marks[1]) if index == 0 else (marks[0], t)
        fields[C_CROSSINGS] = car.crossings.appended(
            _new(Crossing, (number, sensor, t, epoch, False, True))
        )
        cars = state.cars.copy()
        cars[number] = _new(CarState, fields)
        leader = state.leader
    race = list(state)
    race[R_CARS] = MappingProxyType(cars)
    race[R_CLOCK] = clock
    race[R_ELAPSED] = elapsed
    race[R_EPOCH] = epoch
    race[R_LAST_MS] = t
    race[R_LEADER] = leader
    return _new(RaceState, race)
