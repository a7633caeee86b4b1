"""Provides the session clock arithmetic: device times in epochs to elapsed session time."""

from __future__ import annotations

from slotrace.engine.state import RaceState, SessionClock


def advance(state: RaceState, epoch: int, device_ms: int) -> tuple[SessionClock, int]:
    """The clock and elapsed session time at a timed event.

    The first timed event of an epoch (or after the clock was started without a device
    time) anchors the clock at the elapsed time so far; later events in that epoch add
    their distance from the anchor. Elapsed time never runs backwards, even when a
    race-control command's estimated device time was a little ahead of the next crossing.
    """
    clock = state.clock
    if not clock.running:
        return clock, state.elapsed_ms
    if clock.anchor_ms is None or clock.anchor_epoch != epoch:
        return SessionClock(True, epoch, device_ms, state.elapsed_ms), state.elapsed_ms
    elapsed = clock.anchor_elapsed + device_ms - clock.anchor_ms
    if elapsed < state.elapsed_ms:
        elapsed = state.elapsed_ms
    return clock, elapsed


def command_time(state: RaceState, device_ms: int | None, epoch: int) -> tuple[int | None, int]:
    """A command's device time: its own estimate, else the last device time seen."""
    if device_ms is not None:
        return device_ms, epoch
    return state.last_device_ms, state.epoch


def pause(state: RaceState, device_ms: int | None, epoch: int) -> tuple[SessionClock, int]:
    """Stop the clock at a command's time (elapsed so far is kept)."""
    at, at_epoch = command_time(state, device_ms, epoch)
    clock, elapsed = (state.clock, state.elapsed_ms) if at is None else advance(state, at_epoch, at)
    return SessionClock(False, clock.anchor_epoch, None, elapsed), elapsed


def run(state: RaceState, device_ms: int | None, epoch: int) -> SessionClock:
    """Start (or restart) the clock at a command's time, or at the next timed event."""
    at, at_epoch = command_time(state, device_ms, epoch)
    return SessionClock(True, at_epoch, at, state.elapsed_ms)


def start_pending() -> SessionClock:
    """A running clock at zero whose anchor is the next timed event (lights-out has no time)."""
    return SessionClock(True, 0, None, 0)
