"""Provides the pure reducer: `initial_state`, `apply` (state, event -> state, race events), `fold`.

No clock, no I/O: the same events always give the same state. Driver events come from
the journal, race-control commands are journaled beside them; a correction is an event too.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

from slotrace.drivers_api.events import (
    CarPassed,
    DeviceRefused,
    EpochStarted,
    FirmwareVersion,
    LinkDown,
    LinkUp,
    ModeFlags,
    StartLight,
    StatusReport,
)
from slotrace.engine import clock as session_clock
from slotrace.engine.config import SessionConfig
from slotrace.engine.control import RACE_CONTROL_TYPES, EngineInput
from slotrace.engine.decisions import begin_start, on_control, resume, suspend
from slotrace.engine.race_events import FalseStart, PitEntered, RaceEvent, SessionStarted
from slotrace.engine.state import Alert, AlertKind, CarState, RaceState, SessionPhase
from slotrace.engine.timing import Out, on_crossing

_LIGHTS_ON = frozenset(StartLight(v) for v in range(1, 7))
"""READY and the countdown: cars are held, a crossing is a false start."""


def initial_state(config: SessionConfig) -> RaceState:
    """The state before the first event: every car of ``config.cars`` on the grid."""
    cars = MappingProxyType({number: CarState(car=number) for number in config.cars})
    return RaceState(config=config, cars=cars)


def _lights_out(state: RaceState, out: Out) -> RaceState:
    if out is not None:
        out.append(SessionStarted())
    return state._replace(phase=SessionPhase.RUNNING, clock=session_clock.start_pending())


def _on_start_light(state: RaceState, light: StartLight, out: Out) -> RaceState:
    previous = state.start_light
    state = state._replace(start_light=light)
    phase = state.phase
    if light.is_false_start:
        if previous.is_false_start:
            return state
        if out is not None:
            out.append(FalseStart(None))
        message = "the control unit reported a false start (car not identified)"
        alert = Alert(AlertKind.FALSE_START, None, message, state.last_device_ms, state.epoch)
        state = state._replace(alerts=(*state.alerts, alert))
        if phase is SessionPhase.STARTING:
            state = state._replace(phase=SessionPhase.GRID)
        return state
    lights_out = light is StartLight.GO or (
        light is StartLight.OFF and previous in (StartLight.READY, StartLight.GO)
    )
    if lights_out:
        if phase in (SessionPhase.GRID, SessionPhase.STARTING):
            return _lights_out(state, out)
        if phase is SessionPhase.SUSPENDED:
            return resume(state, None, state.epoch)
        return state
    if light in _LIGHTS_ON:
        if phase is SessionPhase.GRID:
            return begin_start(state)
        if phase in (SessionPhase.RUNNING, SessionPhase.FINISHING) and light is StartLight.READY:
            return suspend(state, None, state.epoch)  # START pressed on the control unit
        return state
    if light is StartLight.OFF and phase is SessionPhase.STARTING:
        return state._replace(phase=SessionPhase.GRID)  # countdown aborted
    return state


def _on_status(state: RaceState, event: StatusReport, out: Out) -> RaceState:
    if event.start_light is not state.start_light:
        state = _on_start_light(state, event.start_light, out)
    has_fuel = bool(event.mode & ModeFlags.PIT_LANE)
    pit = event.pit
    changed: dict[int, CarState] = {}
    alerts = state.alerts
    for number, car in state.cars.items():
        fuel = event.fuel[number - 1] if has_fuel else None
        in_pit = number in pit
        if fuel == car.fuel and in_pit == car.in_pit:
            continue
        if in_pit and not car.in_pit:
            owed = car.stop_and_go_owed
            if owed:
                message = f"car {number}: stop-and-go served"
                alert = Alert(
                    AlertKind.STOP_AND_GO_SERVED, number, message, state.last_device_ms, state.epoch
                )
                alerts = (*alerts, alert)
            car = car._replace(
                pit_stops=car.pit_stops + 1,
                in_pit=True,
                pit_in_lap=True,
                fuel=fuel,
                stop_and_go_owed=max(0, owed - 1),
            )
            if out is not None:
                out.append(PitEntered(number, car.pit_stops))
        else:
            car = car._replace(fuel=fuel, in_pit=in_pit)
        changed[number] = car
    if not changed:
        return state
    cars = dict(state.cars)
    cars.update(changed)
    return state._replace(cars=MappingProxyType(cars), alerts=alerts)


def _on_epoch(state: RaceState, event: EpochStarted, out: Out) -> RaceState:
    return state._replace(epoch=event.epoch)


def _unchanged(state: RaceState, event: Any, out: Out) -> RaceState:
    return state


_HANDLERS: dict[type, Callable[[RaceState, Any, Out], RaceState]] = {
    CarPassed: on_crossing,
    StatusReport: _on_status,
    EpochStarted: _on_epoch,
    FirmwareVersion: _unchanged,
    LinkUp: _unchanged,
    LinkDown: _unchanged,
    DeviceRefused: _unchanged,
}
for _command_type in RACE_CONTROL_TYPES:
    _HANDLERS[_command_type] = on_control


def apply(state: RaceState, event: EngineInput) -> tuple[RaceState, tuple[RaceEvent, ...]]:
    """Fold one driver event or race-control command; also return the race events it caused.

    Raises:
        TypeError: ``event`` is neither a driver event nor a race-control command.
    """
    out: list[RaceEvent] = []
    return _handler(event)(state, event, out), tuple(out)


def _handler(event: object) -> Callable[[RaceState, Any, Out], RaceState]:
    try:
        return _HANDLERS[type(event)]
    except KeyError:
        raise TypeError(f"the engine cannot fold {type(event).__name__}: {event!r}") from None


def fold_from(state: RaceState, events: Iterable[EngineInput]) -> RaceState:
    """Fold ``events`` onto an existing state (emitting nothing).

    The cyclic garbage collector is paused during the fold (and restored after): snapshots
    hold no reference cycles, and scanning a growing history of small tuples cost about a
    quarter of the fold time of a 12-hour race (measured with bench/replay.py).
    """
    handlers = _HANDLERS
    collecting = gc.isenabled()
    gc.disable()
    try:
        for event in events:
            handler = handlers.get(type(event))
            if handler is None:
                handler = _handler(event)
            state = handler(state, event, None)
    finally:
        if collecting:
            gc.enable()
    return state


def fold(config: SessionConfig, events: Iterable[EngineInput]) -> RaceState:
    """The state after all ``events``, from scratch."""
    return fold_from(initial_state(config), events)
