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
    LightPhase,
    LinkDown,
    LinkUp,
    ModeFlags,
    StartLight,
    StatusReport,
)
from slotrace.engine.config import SessionConfig
from slotrace.engine.control import RACE_CONTROL_TYPES, EngineInput
from slotrace.engine.decisions import (
    begin_start,
    lights_out,
    on_control,
    resume,
    start_interrupted,
    start_not_seen,
    suspend,
)
from slotrace.engine.race_events import FalseStart, Out, PitEntered, RaceEvent
from slotrace.engine.state import (
    Alert,
    AlertKind,
    CarState,
    LightsKnown,
    RaceState,
    SessionPhase,
)
from slotrace.engine.timing import on_crossing

_OFF, _ARMED, _COUNTDOWN = LightPhase.OFF, LightPhase.ARMED, LightPhase.COUNTDOWN
_GO, _FALSE_START = LightPhase.GO, LightPhase.FALSE_START
_HELD = (_ARMED, _COUNTDOWN)
"""Lights on (armed or counting down): cars are held, a crossing is a false start."""


def initial_state(config: SessionConfig) -> RaceState:
    """The state before the first event: every car of ``config.cars`` on the grid."""
    cars = MappingProxyType({number: CarState(car=number) for number in config.cars})
    return RaceState(config=config, cars=cars)


def _on_start_light(state: RaceState, light: StartLight, out: Out, missed: bool) -> RaceState:
    """Follow the device's start light by its neutral phase (`StartLight.phase`).

    ``missed``: the link broke during the start, so the lights in between are unknown; a
    device then showing no lights has given lights-out unseen (`decisions.start_not_seen`).
    """
    previous = state.start_light.phase
    state = state._replace(start_light=light)
    now = light.phase
    phase = state.phase
    if missed and now is _OFF and phase is SessionPhase.STARTING:
        return start_not_seen(state, out, "it now reports no lights", state.last_device_ms)
    if now is _FALSE_START:
        if previous is _FALSE_START:
            return state
        if out is not None:
            out.append(FalseStart(None))
        message = "the control unit reported a false start (car not identified)"
        alert = Alert(AlertKind.FALSE_START, None, message, state.last_device_ms, state.epoch)
        state = state._replace(alerts=(*state.alerts, alert))
        if phase is SessionPhase.STARTING:
            state = state._replace(phase=SessionPhase.GRID)
        return state
    if now is _GO or (now is _OFF and (previous is _ARMED or previous is _GO)):
        if phase in (SessionPhase.GRID, SessionPhase.STARTING):
            return lights_out(state, out)
        if phase is SessionPhase.SUSPENDED:
            return resume(state, None, state.epoch)
        return state
    if now in _HELD:
        if phase is SessionPhase.GRID:
            return begin_start(state)
        if phase in (SessionPhase.RUNNING, SessionPhase.FINISHING) and now is _ARMED:
            return suspend(state, None, state.epoch)  # START pressed on the control unit
        return state
    if now is _OFF and phase is SessionPhase.STARTING:
        return state._replace(phase=SessionPhase.GRID)  # countdown aborted
    return state


def _reports_fuel(report: StatusReport) -> bool:
    """Whether a status's fuel levels are readings (`StatusReport.fuel_fraction` reads them).

    A device without fuel sends no levels. One that always sends the field fills it with zeros
    while it has nothing to report (Carrera without its pit-lane adapter, as `StatusReport`
    documents): a field of nothing but zeros is read only when the device says a pit lane is
    connected, so an idle field never shows every car with an empty tank.
    """
    return bool(report.fuel) and (any(report.fuel) or ModeFlags.PIT_LANE in report.mode)


def _on_status(state: RaceState, event: StatusReport, out: Out) -> RaceState:
    missed = state.lights is LightsKnown.MISSED
    if missed or event.start_light != state.start_light:
        state = _on_start_light(state, event.start_light, out, missed)
    if state.lights is not LightsKnown.FOLLOWED:
        state = state._replace(lights=LightsKnown.FOLLOWED)
    reports_fuel = _reports_fuel(event)
    pit = event.pit
    changed: dict[int, CarState] = {}
    alerts = state.alerts
    for number, car in state.cars.items():
        fraction = event.fuel_fraction(number) if reports_fuel else None
        in_pit = number in pit
        if fraction == car.fuel_fraction and in_pit == car.in_pit:
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
                fuel_fraction=fraction,
                stop_and_go_owed=max(0, owed - 1),
            )
            if out is not None:
                out.append(PitEntered(number, car.pit_stops))
        else:
            car = car._replace(fuel_fraction=fraction, in_pit=in_pit)
        changed[number] = car
    if not changed:
        return state
    cars = dict(state.cars)
    cars.update(changed)
    return state._replace(cars=MappingProxyType(cars), alerts=alerts)


def _on_link(state: RaceState, event: LinkUp | LinkDown, out: Out) -> RaceState:
    """A link lost or (re-)established during the start: the lights may change unseen."""
    if state.phase is SessionPhase.STARTING and state.lights is LightsKnown.FOLLOWED:
        return state._replace(lights=LightsKnown.MISSED)
    return state


def _on_epoch(state: RaceState, event: EpochStarted, out: Out) -> RaceState:
    restarted = state.phase is SessionPhase.STARTING and state.lights is LightsKnown.MISSED
    state = state._replace(epoch=event.epoch)
    return start_interrupted(state, event.reason) if restarted else state


def _unchanged(state: RaceState, event: Any, out: Out) -> RaceState:
    return state


_HANDLERS: dict[type, Callable[[RaceState, Any, Out], RaceState]] = {
    CarPassed: on_crossing,
    StatusReport: _on_status,
    EpochStarted: _on_epoch,
    FirmwareVersion: _unchanged,
    LinkUp: _on_link,
    LinkDown: _on_link,
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
