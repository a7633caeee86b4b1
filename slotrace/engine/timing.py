"""Provides the crossing rules: laps from the finish line, sectors, missed laps, finishing."""

from __future__ import annotations

from types import MappingProxyType

from slotrace.drivers_api.events import CarPassed
from slotrace.engine import clock as session_clock
from slotrace.engine import hotpath
from slotrace.engine.config import FinishRule, MissedLapPolicy, SessionKind
from slotrace.engine.hotpath import sectors_of
from slotrace.engine.race_events import (
    BestLap,
    CarFinished,
    LapCompleted,
    LapNeutralised,
    LapNotCounted,
    MissedLap,
    NewLeader,
    Out,
    SessionFinished,
    SessionStarted,
)
from slotrace.engine.standings import best_lap_key, race_key, ranked
from slotrace.engine.state import (
    Alert,
    AlertKind,
    CarState,
    Crossing,
    Lap,
    LightsKnown,
    RaceState,
    SessionPhase,
    StartMark,
)

_RUNNING = SessionPhase.RUNNING
_SUSPENDED = SessionPhase.SUSPENDED
_FINISHING = SessionPhase.FINISHING
_NO_MARKS: tuple[int | None, int | None] = (None, None)


def _cars_with(state: RaceState, car: CarState) -> MappingProxyType[int, CarState]:
    """The state's cars with ``car`` replaced."""
    cars = dict(state.cars)
    cars[car.car] = car
    return MappingProxyType(cars)


def _with_car(state: RaceState, car: CarState) -> RaceState:
    return state._replace(cars=_cars_with(state, car))


def _leader(state: RaceState) -> int | None:
    key = race_key if state.config.kind.is_race else best_lap_key
    best = min(state.cars.values(), key=key)
    return best.car if best.started else None


def update_leader(state: RaceState, out: Out) -> RaceState:
    """Recompute the leader; emit `NewLeader` when it changes."""
    leader = _leader(state)
    if leader == state.leader:
        return state
    if out is not None and leader is not None:
        out.append(NewLeader(leader))
    return state._replace(leader=leader)


def on_crossing(state: RaceState, event: CarPassed, out: Out) -> RaceState:
    """Fold one sensor crossing."""
    fast = hotpath.fast_crossing(state, event, out)
    if fast is not None:
        return fast
    number, sensor, t, epoch = event.car, event.sensor, event.device_ms, event.epoch
    car = state.cars.get(number)
    clock, elapsed = session_clock.advance(state, epoch, t)
    if car is None:
        crossing = Crossing(number, sensor, t, epoch, False, False)
        return state._replace(
            unscored=state.unscored.appended(crossing),
            clock=clock,
            elapsed_ms=elapsed,
            epoch=epoch,
            last_device_ms=t,
        )
    last = car.crossings.last()
    if last is not None and last[1] == sensor and last[2] == t and last[3] == epoch:
        return state  # the same timer event delivered twice
    phase = state.phase
    if phase is not _RUNNING and phase is not _SUSPENDED and phase is not _FINISHING:
        return _crossing_outside_session(state, car, event, out)
    if car.finished:
        crossing = Crossing(number, sensor, t, epoch, False, False)
        car = car._replace(crossings=car.crossings.appended(crossing))
        return state._replace(
            cars=_cars_with(state, car), clock=clock, elapsed_ms=elapsed, last_device_ms=t
        )
    if state.start is None:
        state = state._replace(start=StartMark(t, epoch))
    config = state.config
    time_up = state.time_up
    if (
        not time_up
        and config.duration_ms is not None
        and config.kind is not SessionKind.RACE_LAPS
        and elapsed >= config.duration_ms
    ):
        time_up = True
        phase = _FINISHING if phase is _RUNNING else phase
    state = state._replace(
        clock=clock,
        elapsed_ms=elapsed,
        epoch=epoch,
        last_device_ms=t,
        time_up=time_up,
        phase=phase,
    )
    neutral = state.yellow or phase is _SUSPENDED
    if sensor == 1:
        return _finish_line(state, car, event, neutral, out)
    return _check_lane(state, car, event, neutral, out)


def _crossing_outside_session(
    state: RaceState, car: CarState, event: CarPassed, out: Out
) -> RaceState:
    """A crossing on the grid, during the lights, or after the session.

    During the lights a crossing is a false start, unless the link broke during the start
    and the device has reported nothing since (`LightsKnown.MISSED`): a car on the move is
    then the device's word that the lights went out unseen, and the race starts at it. Under
    lights that hold the cars (`RaceState.cars_held`) nobody can jump them: the crossing was
    made before the hold and is kept, unpenalised.
    """
    from slotrace.engine.decisions import false_start, start_not_seen

    t, epoch = event.device_ms, event.epoch
    config = state.config
    if state.phase is SessionPhase.STARTING and state.lights is LightsKnown.MISSED:
        evidence = f"car {car.car} crossed sensor {event.sensor} at {t} ms with no lights reported"
        state = start_not_seen(state, out, evidence, t)
        return on_crossing(state, event, out)
    if state.phase is SessionPhase.GRID and not config.kind.is_race:
        # Practice and qualifying start with the first car on track when nobody ran lights.
        if out is not None:
            out.append(SessionStarted())
        state = state._replace(
            phase=_RUNNING,
            clock=session_clock.start_pending(),
            elapsed_ms=0,
        )
        return on_crossing(state, event, out)
    crossing = Crossing(car.car, event.sensor, t, epoch, False, False)
    car = car._replace(crossings=car.crossings.appended(crossing))
    state = state._replace(cars=_cars_with(state, car), epoch=epoch, last_device_ms=t)
    if (state.phase is SessionPhase.STARTING and config.kind.is_race and not car.false_started
            and not state.cars_held):
        state = false_start(state, car.car, t, epoch, out)
    return state


def _finish_line(
    state: RaceState, car: CarState, event: CarPassed, neutral: bool, out: Out
) -> RaceState:
    config = state.config
    t, epoch = event.device_ms, event.epoch
    start_ms = car.lap_start_ms
    number = car.car
    if start_ms is not None and epoch == car.lap_start_epoch and t - start_ms < config.min_lap_ms:
        return state  # sensor bounce, or the car spun on the line: not a new lap
    crossing = Crossing(number, 1, t, epoch, neutral, True)
    crossings = car.crossings.appended(crossing)
    if start_ms is None or epoch != car.lap_start_epoch:
        alerts = state.alerts
        if start_ms is not None:
            message = f"car {number}: timer reset during a lap (epoch {epoch}); lap not counted"
            alerts = (*alerts, Alert(AlertKind.TIMER_RESET, number, message, t, epoch))
            if out is not None:
                out.append(LapNotCounted(number, None, "timer reset"))
        car = car._replace(
            crossings=crossings,
            lap_start_ms=t,
            lap_start_epoch=epoch,
            split_marks=_NO_MARKS,
            pit_in_lap=car.in_pit,
        )
        return state._replace(cars=_cars_with(state, car), alerts=alerts)
    lap_ms = t - start_ms
    too_long = config.max_lap_ms is not None and lap_ms > config.max_lap_ms
    counted = not neutral and not too_long
    groups = config.sensor_groups
    sectors = sectors_of(groups, start_ms, car.split_marks, t) if groups > 1 else ()
    lap = Lap(
        len(car.lap_list) + 1,
        lap_ms,
        sectors,
        counted,
        neutral,
        t,
        epoch,
        False,
        state.pace_car,
        car.pit_in_lap,
        too_long,
    )
    car = car._replace(
        lap_list=car.lap_list.appended(lap),
        crossings=crossings,
        last_lap_ms=lap_ms,
        last_sectors=sectors,
        lap_start_ms=t,
        lap_start_epoch=epoch,
        split_marks=_NO_MARKS,
        pit_in_lap=car.in_pit,
    )
    if too_long:
        message = f"car {number}: lap of {lap_ms} ms is over max_lap_ms ({config.max_lap_ms})"
        state = state._replace(
            alerts=(*state.alerts, Alert(AlertKind.LAP_TOO_LONG, number, message, t, epoch))
        )
        if out is not None:
            out.append(LapNotCounted(number, lap_ms, "too long"))
    elif neutral and out is not None:
        out.append(LapNeutralised(number, lap_ms))
    if counted:
        car = _count_lap(state, car, lap, out)
    state = _with_car(state, car)
    if counted:
        state = update_leader(state, out)
    return _maybe_finish(state, state.cars[number], out)


def _count_lap(state: RaceState, car: CarState, lap: Lap, out: Out) -> CarState:
    """The car with ``lap`` counted: lap total, times, personal and overall bests."""
    laps = car.laps + 1
    best_lap_ms, best_lap_race_ms = car.best_lap_ms, car.best_lap_race_ms
    best_sectors = car.best_sectors
    if out is not None:
        out.append(LapCompleted(car.car, laps, lap.lap_ms))
    if not lap.estimated and not lap.pace_car:
        if car.best_lap_ms is None or lap.lap_ms < car.best_lap_ms:
            best_lap_ms, best_lap_race_ms = lap.lap_ms, state.elapsed_ms
            if out is not None:
                others = [
                    c.best_lap_ms
                    for c in state.cars.values()
                    if c.car != car.car and c.best_lap_ms is not None
                ]
                out.append(BestLap(car.car, lap.lap_ms, not others or lap.lap_ms < min(others)))
        if lap.sectors:
            best = car.best_sectors or (None,) * len(lap.sectors)
            merged = tuple(
                s if s is not None and (b is None or s < b) else b
                for s, b in zip(lap.sectors, best, strict=True)
            )
            if merged != car.best_sectors:
                best_sectors = merged
    return car._replace(
        laps=laps,
        total_ms=car.total_ms + lap.lap_ms,
        race_ms=state.elapsed_ms,
        best_lap_ms=best_lap_ms,
        best_lap_race_ms=best_lap_race_ms,
        best_sectors=best_sectors,
    )


def _check_lane(
    state: RaceState, car: CarState, event: CarPassed, neutral: bool, out: Out
) -> RaceState:
    config = state.config
    number, sensor, t, epoch = event.car, event.sensor, event.device_ms, event.epoch
    crossing = Crossing(number, sensor, t, epoch, neutral, True)
    if sensor > config.sensor_groups or car.lap_start_ms is None or epoch != car.lap_start_epoch:
        car = car._replace(crossings=car.crossings.appended(crossing))
        return _with_car(state, car)
    index = sensor - 2
    previous = car.split_marks[index]
    if previous is None:
        marks = (t, car.split_marks[1]) if index == 0 else (car.split_marks[0], t)
        car = car._replace(crossings=car.crossings.appended(crossing), split_marks=marks)
        return _with_car(state, car)
    if t - previous < config.min_lap_ms:
        return state  # sensor bounce at the check lane
    return _missed_lap(state, car, crossing, t - previous, neutral, out)


def _missed_lap(
    state: RaceState, car: CarState, crossing: Crossing, lap_ms: int, neutral: bool, out: Out
) -> RaceState:
    """The car passed the same check lane twice without a finish-line crossing."""
    config = state.config
    number, t, epoch = car.car, crossing.device_ms, crossing.epoch
    assert car.lap_start_ms is not None
    finish_ms = min(car.lap_start_ms + lap_ms, t)
    added = config.missed_lap_policy is MissedLapPolicy.ADD_LAP and not neutral
    lap = Lap(
        len(car.lap_list) + 1,
        lap_ms,
        (None,) * config.sensor_groups if config.sensor_groups > 1 else (),
        added,
        neutral,
        finish_ms,
        epoch,
        True,
        state.pace_car,
        car.pit_in_lap,
        False,
    )
    marks = (t, None) if crossing.sensor == 2 else (None, t)
    car = car._replace(
        lap_list=car.lap_list.appended(lap),
        crossings=car.crossings.appended(crossing),
        last_lap_ms=lap_ms,
        last_sectors=lap.sectors,
        lap_start_ms=finish_ms,
        split_marks=marks,
        pit_in_lap=car.in_pit,
    )
    verb = "added automatically" if added else "not counted: steward may AddLap"
    message = (
        f"car {number}: check lane {crossing.sensor} saw a full lap ({lap_ms} ms) "
        f"without a finish-line crossing; {verb}"
    )
    state = state._replace(
        alerts=(*state.alerts, Alert(AlertKind.MISSED_LAP, number, message, t, epoch))
    )
    if out is not None:
        out.append(MissedLap(number, lap_ms, added))
    if added:
        car = _count_lap(state, car, lap, out)
        state = update_leader(_with_car(state, car), out)
        return _maybe_finish(state, state.cars[number], out)
    return _with_car(state, car)


def _maybe_finish(state: RaceState, car: CarState, out: Out) -> RaceState:
    """Apply the finish rule after a finish-line crossing (or an added lap)."""
    config = state.config
    kind = config.kind
    rule = config.finish_rule
    finishes = False
    flag_car = state.flag_car
    if kind is SessionKind.RACE_LAPS:
        assert config.laps is not None
        reached = car.scored_laps >= config.laps
        if rule is FinishRule.ALL_COMPLETE_LAPS:
            finishes = reached
        elif flag_car is not None:
            finishes = True
        elif reached:
            finishes, flag_car = True, car.car
    elif state.time_up:
        if kind is SessionKind.RACE_TIME and rule is FinishRule.LEADER_THEN_NEXT_CROSSING:
            if flag_car is not None:
                finishes = True
            elif ranked(state)[0].car == car.car:
                finishes, flag_car = True, car.car
        else:
            finishes = True
    if not finishes:
        return state
    phase = state.phase if state.phase is _SUSPENDED else _FINISHING
    cars = _cars_with(state, car._replace(finished=True))
    state = state._replace(cars=cars, flag_car=flag_car, phase=phase)
    if out is not None:
        position = next(i for i, c in enumerate(ranked(state), 1) if c.car == car.car)
        out.append(CarFinished(car.car, position))
    return finish_if_all_done(state, out)


def finish_if_all_done(state: RaceState, out: Out) -> RaceState:
    """End the session once every car that started and is not disqualified has finished."""
    if state.phase is SessionPhase.FINISHED:
        return state
    cars = state.cars.values()
    if any(c.started and not c.disqualified and not c.finished for c in cars):
        return state
    if out is not None:
        out.append(SessionFinished())
    clock, elapsed = session_clock.pause(state, None, state.epoch)
    return state._replace(phase=SessionPhase.FINISHED, clock=clock, elapsed_ms=elapsed)
