"""A driver without hardware start lights can start a race: race control's own `LightsOut`
after `StartSequence` starts it, and the device clock then times the laps."""

from __future__ import annotations

from slotrace.drivers_api import CarPassed
from slotrace.engine import LightsOut, SessionPhase, StartSequence, apply, fold, initial_state
from slotrace.engine.race_events import SessionStarted
from tests.engine.helpers import race as laps_race


def test_lights_out_starts_the_race_and_laps_count() -> None:
    config = laps_race(3, cars=(1, 2))
    state = fold(config, [StartSequence()])
    assert state.phase is SessionPhase.STARTING
    state, out = apply(state, LightsOut())
    assert state.phase is SessionPhase.RUNNING
    assert SessionStarted() in out
    for device_ms in (1000, 6200, 11500):
        state, _ = apply(state, CarPassed(1, 1, device_ms))
    assert state.cars[1].laps >= 2
    assert not state.cars[1].false_started


def test_lights_out_straight_from_the_grid_and_twice_is_harmless() -> None:
    state, _ = apply(initial_state(laps_race(3, cars=(1,))), LightsOut())
    assert state.phase is SessionPhase.RUNNING
    again, out = apply(state, LightsOut())
    assert again.phase is SessionPhase.RUNNING
    assert SessionStarted() not in out
