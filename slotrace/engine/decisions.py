"""Provides race control: flags, suspension, the stewards' log, penalties and revocation."""

from __future__ import annotations

from types import MappingProxyType

from slotrace.engine import clock as session_clock
from slotrace.engine.config import FalseStartPenaltyKind
from slotrace.engine.control import (
    CAR_DECISION_TYPES,
    AbortStart,
    AddLap,
    CarDecision,
    Disqualify,
    EndSession,
    LapPenalty,
    LightsOut,
    PaceCar,
    RaceControl,
    RemoveLap,
    Resume,
    Revoke,
    StartSequence,
    StopAndGo,
    Suspend,
    TimePenalty,
    Warning,
    YellowFlag,
)
from slotrace.engine.race_events import (
    DecisionLogged,
    FalseStart,
    Out,
    SessionFinished,
    SessionStarted,
)
from slotrace.engine.state import (
    NO_LIGHTS,
    Alert,
    AlertKind,
    CarState,
    LightsKnown,
    RaceState,
    SessionPhase,
    StewardDecision,
)
from slotrace.engine.timing import finish_if_all_done, update_leader

ENGINE_AUTHOR = "engine"
"""Author of decisions the engine takes by itself (false-start penalties)."""


def _log(state: RaceState, command: RaceControl, out: Out) -> RaceState:
    number = len(state.stewards_log) + 1
    if out is not None:
        out.append(DecisionLogged(number))
    return state._replace(stewards_log=(*state.stewards_log, StewardDecision(number, command)))


def _alert(state: RaceState, kind: AlertKind, car: int | None, message: str) -> RaceState:
    return _alert_at(state, kind, car, message, state.last_device_ms)


def _alert_at(
    state: RaceState, kind: AlertKind, car: int | None, message: str, device_ms: int | None
) -> RaceState:
    alert = Alert(kind, car, message, device_ms, state.epoch)
    return state._replace(alerts=(*state.alerts, alert))


def _effect(car: CarState, decision: CarDecision, sign: int) -> CarState:
    """The car with a decision applied (sign=1) or taken back (sign=-1)."""
    if isinstance(decision, TimePenalty):
        return car._replace(penalty_ms=car.penalty_ms + sign * decision.ms)
    if isinstance(decision, LapPenalty):
        return car._replace(lap_adjustment=car.lap_adjustment - sign * decision.laps)
    if isinstance(decision, AddLap):
        return car._replace(lap_adjustment=car.lap_adjustment + sign)
    if isinstance(decision, RemoveLap):
        return car._replace(lap_adjustment=car.lap_adjustment - sign)
    if isinstance(decision, Warning):
        return car._replace(warnings=car.warnings + sign)
    if isinstance(decision, StopAndGo):
        return car._replace(stop_and_go_owed=max(0, car.stop_and_go_owed + sign))
    if isinstance(decision, Disqualify):
        return car._replace(disqualified=sign > 0)
    raise TypeError(f"not a car decision: {decision!r}")


def _replace_car(state: RaceState, car: CarState) -> RaceState:
    cars = dict(state.cars)
    cars[car.car] = car
    return state._replace(cars=MappingProxyType(cars))


def _car_decision(state: RaceState, decision: CarDecision, out: Out) -> RaceState:
    state = _log(state, decision, out)
    car = state.cars.get(decision.car)
    if car is None:
        return _alert(
            state,
            AlertKind.DECISION_IGNORED,
            decision.car,
            f"decision {len(state.stewards_log)} names car {decision.car}, which is not "
            f"taking part (cars: {', '.join(map(str, state.config.cars))}); it has no effect",
        )
    state = _replace_car(state, _effect(car, decision, 1))
    state = update_leader(state, out)
    if isinstance(decision, Disqualify):
        state = finish_if_all_done(state, out)
    return state


def _revoke(state: RaceState, revoke: Revoke, out: Out) -> RaceState:
    state = _log(state, revoke, out)
    log = state.stewards_log
    n = revoke.decision
    if n >= len(log):
        return _revoke_rejected(state, f"there is no earlier decision {n}")
    target = log[n - 1]
    decision = target.command
    if target.revoked:
        return _revoke_rejected(state, f"decision {n} is already revoked")
    if not isinstance(decision, CAR_DECISION_TYPES):
        name = type(decision).__name__
        return _revoke_rejected(
            state, f"decision {n} ({name}) is not a car decision; issue the opposite command"
        )
    log = (*log[: n - 1], target._replace(revoked=True), *log[n:])
    state = state._replace(stewards_log=log)
    car = state.cars.get(decision.car)
    if car is None:
        return state
    car = _effect(car, decision, -1)
    if isinstance(decision, Disqualify):
        still = any(
            isinstance(d.command, Disqualify) and d.command.car == car.car and not d.revoked
            for d in log
        )
        car = car._replace(disqualified=still)
    return update_leader(_replace_car(state, car), out)


def _revoke_rejected(state: RaceState, problem: str) -> RaceState:
    return _alert(state, AlertKind.REVOKE_REJECTED, None, f"cannot revoke: {problem}")


def false_start(state: RaceState, car: int, device_ms: int, epoch: int, out: Out) -> RaceState:
    """A car crossed a sensor before lights-out: alert, and the configured penalty."""
    if out is not None:
        out.append(FalseStart(car))
    state = _replace_car(state, state.cars[car]._replace(false_started=True))
    state = _alert(state, AlertKind.FALSE_START, car, f"car {car}: false start (before lights-out)")
    penalty = state.config.false_start_penalty
    why, who = "false start", ENGINE_AUTHOR
    decision: CarDecision
    if penalty.kind is FalseStartPenaltyKind.TIME:
        if penalty.time_ms <= 0:
            return state
        decision = TimePenalty(
            car=car, ms=penalty.time_ms, reason=why, author=who, device_ms=device_ms, epoch=epoch
        )
    elif penalty.kind is FalseStartPenaltyKind.STOP_AND_GO:
        decision = StopAndGo(car=car, reason=why, author=who, device_ms=device_ms, epoch=epoch)
    else:
        decision = Warning(car=car, reason=why, author=who, device_ms=device_ms, epoch=epoch)
    return _car_decision(state, decision, out)


def on_control(state: RaceState, command: RaceControl, out: Out) -> RaceState:
    """Fold one race-control command."""
    if isinstance(command, CAR_DECISION_TYPES):
        return _car_decision(state, command, out)
    if isinstance(command, Revoke):
        return _revoke(state, command, out)
    state = _log(state, command, out)
    phase = state.phase
    if isinstance(command, StartSequence):
        if phase is SessionPhase.GRID:
            return begin_start(state, cars_held=command.cars_held)
        return state
    if isinstance(command, LightsOut):
        if phase in (SessionPhase.GRID, SessionPhase.STARTING):
            return lights_out(state, out)
        return state
    if isinstance(command, AbortStart):
        if phase is not SessionPhase.STARTING:
            return state
        # The interrupted start's light is forgotten: a control unit that reports no lights
        # next (restarted, or its start cancelled) has not given lights-out (READY -> OFF).
        return state._replace(phase=SessionPhase.GRID, start_light=NO_LIGHTS)
    if isinstance(command, YellowFlag):
        return state._replace(yellow=command.on)
    if isinstance(command, PaceCar):
        return state._replace(pace_car=command.on)
    if isinstance(command, Suspend):
        return suspend(state, command.device_ms, command.epoch)
    if isinstance(command, Resume):
        return resume(state, command.device_ms, command.epoch)
    if isinstance(command, EndSession):
        return end_session(state, command.device_ms, command.epoch, out)
    raise TypeError(f"unknown race-control command {command!r}")


def begin_start(state: RaceState, cars_held: bool = False) -> RaceState:
    """The start sequence begins (race control's `StartSequence`, or the device's lights):
    crossings are false starts from now on (unless the device holds the cars), and the
    device's lights are followed afresh."""
    cars = {n: c._replace(false_started=False) for n, c in state.cars.items()}
    lights = LightsKnown.FOLLOWED if state.lights is LightsKnown.MISSED else state.lights
    return state._replace(phase=SessionPhase.STARTING, cars=MappingProxyType(cars), lights=lights,
                          cars_held=cars_held)


def lights_out(state: RaceState, out: Out) -> RaceState:
    """The race starts; the session clock's zero is the next timed event (lights carry no time)."""
    if out is not None:
        out.append(SessionStarted())
    return state._replace(phase=SessionPhase.RUNNING, clock=session_clock.start_pending())


def start_not_seen(state: RaceState, out: Out, evidence: str, device_ms: int | None) -> RaceState:
    """Lights-out happened while the link was broken during the start: start the race now.

    Called when, after the link to the device broke in STARTING (`LightsKnown.MISSED`), the
    device's first word shows the lights are out: a status with no lights (GO was never
    seen), or a crossing before any status. The device reports nothing more precise, so the
    race's time zero is the earliest timed evidence: that crossing, or for a status (which
    carries no time) the next crossing, exactly as after a GO that was seen. The true
    lights-out was earlier, somewhere between the sequence and this evidence; laps driven in
    between were never reported and are not counted, and a timed race runs its full length
    from this zero. An alert tells the steward the start was taken from the device.
    """
    state = lights_out(state, out)
    message = (
        "lights-out was not seen (the link to the control unit was interrupted during the "
        f"start); the start was taken from the control unit: {evidence}"
    )
    return _alert_at(state, AlertKind.START_NOT_SEEN, None, message, device_ms)


def start_interrupted(state: RaceState, reason: str) -> RaceState:
    """The device clock restarted while the link was broken during the start: whatever start
    the device was running is gone (switched off, reset), so the heat goes back to the grid,
    nobody penalised, and the start is run again."""
    state = state._replace(
        phase=SessionPhase.GRID, start_light=NO_LIGHTS, lights=LightsKnown.FOLLOWED
    )
    message = (
        f"the control unit's clock restarted during the start ({reason}) while the link was "
        "interrupted: back on the grid, run the start again"
    )
    return _alert_at(state, AlertKind.START_INTERRUPTED, None, message, None)


def suspend(state: RaceState, device_ms: int | None, epoch: int) -> RaceState:
    if state.phase not in (SessionPhase.RUNNING, SessionPhase.FINISHING):
        return state
    if state.config.pause_clock_when_suspended:
        clock, elapsed = session_clock.pause(state, device_ms, epoch)
        state = state._replace(clock=clock, elapsed_ms=elapsed)
    return state._replace(phase=SessionPhase.SUSPENDED)


def resume(state: RaceState, device_ms: int | None, epoch: int) -> RaceState:
    if state.phase is not SessionPhase.SUSPENDED:
        return state
    if state.config.pause_clock_when_suspended:
        state = state._replace(clock=session_clock.run(state, device_ms, epoch))
    finishing = state.time_up or state.flag_car is not None
    return state._replace(phase=SessionPhase.FINISHING if finishing else SessionPhase.RUNNING)


def end_session(state: RaceState, device_ms: int | None, epoch: int, out: Out) -> RaceState:
    if state.phase is SessionPhase.FINISHED:
        return state
    clock, elapsed = session_clock.pause(state, device_ms, epoch)
    cars = {
        n: c._replace(finished=True) if c.started and not c.disqualified else c
        for n, c in state.cars.items()
    }
    if out is not None:
        out.append(SessionFinished())
    return state._replace(
        phase=SessionPhase.FINISHED,
        clock=clock,
        elapsed_ms=elapsed,
        time_up=True,
        cars=MappingProxyType(cars),
    )
