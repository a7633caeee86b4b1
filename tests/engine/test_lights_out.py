"""How a race leaves the start: race control's own `LightsOut` (a driver without hardware
start lights), and the device's word when slotrace did not see its lights-out (race control
killed or the link lost during the start)."""

from __future__ import annotations

from slotrace.drivers_api import CarPassed, EpochStarted, LinkDown, LinkUp
from slotrace.engine import (
    AbortStart,
    AlertKind,
    FalseStart,
    LightsOut,
    RaceState,
    SessionPhase,
    StartMark,
    StartSequence,
    apply,
    fold,
    fold_from,
    initial_state,
)
from slotrace.engine.race_events import SessionStarted
from tests.engine.helpers import START, by_time, laps_of, light, pit_status
from tests.engine.helpers import race as laps_race

WHO = {"reason": "test", "author": "race control"}


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


# --- lights-out while slotrace was not listening --------------------------------------------
#
# Race control journaled StartSequence, then was killed -9 (or the link dropped); the control
# unit ran its countdown meanwhile, went GO and then OFF, and the cars are racing. What the
# journal holds is replayed; the new connection's LinkUp and reports follow.

JOURNAL = [LinkUp("carrera on /dev/ttyUSB0"), light(0), StartSequence(**WHO)]
"""A heat whose race control died right after journaling the start sequence."""


def _not_seen_alerts(state: RaceState) -> list[str]:
    return [a.message for a in state.alerts if a.kind is AlertKind.START_NOT_SEEN]


def _penalised(state: RaceState) -> list[int]:
    return [n for n, car in state.cars.items() if car.false_started or car.penalty_ms]


def test_relaunched_race_control_takes_the_unseen_lights_out_from_the_device() -> None:
    state = fold(laps_race(3, cars=(1, 2)), JOURNAL)
    assert state.phase is SessionPhase.STARTING
    state = fold_from(state, [LinkUp("carrera on /dev/ttyUSB0", reconnects=0)])
    state, out = apply(state, light(0))  # the first live status: no lights, no GO ever seen
    assert state.phase is SessionPhase.RUNNING
    assert SessionStarted() in out
    [message] = _not_seen_alerts(state)
    assert "lights-out was not seen" in message and "taken from the control unit" in message
    crossings = by_time(laps_of(1, 40_000, 3000, 3000), laps_of(2, 40_500, 3100, 3100))
    state = fold_from(state, crossings)
    assert _penalised(state) == []
    assert (state.cars[1].laps, state.cars[2].laps) == (2, 2)
    assert state.start == StartMark(40_000, 0)  # the earliest timed evidence after the start


def test_a_countdown_seen_before_the_kill_then_no_lights_is_a_start_not_an_abort() -> None:
    journal = [*JOURNAL, light(1), light(2), light(3)]
    state = fold(laps_race(3, cars=(1, 2)), [*journal, LinkUp("cu"), light(0)])
    assert state.phase is SessionPhase.RUNNING
    assert len(_not_seen_alerts(state)) == 1


def test_a_crossing_before_any_live_status_starts_the_race_at_that_crossing() -> None:
    state = fold(laps_race(3, cars=(1, 2)), [*JOURNAL, light(1), LinkUp("cu")])
    state, out = apply(state, CarPassed(2, 1, 61_000))
    assert state.phase is SessionPhase.RUNNING
    assert SessionStarted() in out
    assert not any(isinstance(e, FalseStart) for e in out)
    [alert] = [a for a in state.alerts if a.kind is AlertKind.START_NOT_SEEN]
    assert "car 2 crossed sensor 1 at 61000 ms" in alert.message and alert.device_ms == 61_000
    assert state.start == StartMark(61_000, 0) and state.cars[2].lap_start_ms == 61_000
    state = fold_from(state, [CarPassed(2, 1, 64_000), CarPassed(1, 1, 64_100)])
    assert state.cars[2].laps == 1 and _penalised(state) == []


def test_a_link_lost_during_the_countdown_is_followed_by_the_device_too() -> None:
    live = [*JOURNAL, light(1), light(2), LinkDown("no answer"), LinkUp("cu", reconnects=1)]
    state = fold(laps_race(3, cars=(1,)), [*live, light(0)])
    assert state.phase is SessionPhase.RUNNING and _not_seen_alerts(state)


def test_a_crossing_while_the_device_reports_its_lights_is_still_a_false_start() -> None:
    state = fold(laps_race(3, cars=(1, 2)), [*JOURNAL, LinkUp("cu"), light(1), light(3)])
    assert state.phase is SessionPhase.STARTING
    state, out = apply(state, CarPassed(1, 1, 50_000))
    assert FalseStart(1) in out and state.phase is SessionPhase.STARTING
    assert _not_seen_alerts(state) == []
    state = fold_from(state, [light(7), light(0), *laps_of(2, 60_000, 3000)])
    assert state.phase is SessionPhase.RUNNING and _not_seen_alerts(state) == []
    assert _penalised(state) == [1]


def test_without_a_link_break_a_status_with_no_lights_keeps_the_start_waiting() -> None:
    """Live: a status that changed for another reason (fuel) before START reached the control
    unit is not lights-out, and a car moving then is a false start, as always."""
    state = fold(laps_race(3, cars=(1, 2)), [*JOURNAL, pit_status()])
    assert state.phase is SessionPhase.STARTING and _not_seen_alerts(state) == []
    state, out = apply(state, CarPassed(1, 1, 1000))
    assert FalseStart(1) in out


def test_a_device_that_reports_no_lights_at_all_keeps_false_starts_after_a_link_break() -> None:
    """No status ever (a driver without hardware lights, race control counts down itself):
    the link breaking during race control's countdown proves nothing about the start."""
    events = [LinkUp("arc"), StartSequence(**WHO), LinkDown("gone"), LinkUp("arc", reconnects=1)]
    state, out = apply(fold(laps_race(3, cars=(1,)), events), CarPassed(1, 1, 1000))
    assert FalseStart(1) in out and state.phase is SessionPhase.STARTING


def test_a_device_clock_restarted_during_the_unseen_start_sends_the_heat_back_to_the_grid() -> None:
    events = [*JOURNAL, light(1), LinkUp("cu"), EpochStarted(1, "clock jumped back 61000 ms")]
    state = fold(laps_race(3, cars=(1,)), events)
    assert state.phase is SessionPhase.GRID
    assert [a.kind for a in state.alerts] == [AlertKind.START_INTERRUPTED]
    state, out = apply(state, light(0))
    assert state.phase is SessionPhase.GRID and SessionStarted() not in out
    state, out = apply(state, CarPassed(1, 1, 2000, epoch=1))
    assert not any(isinstance(e, FalseStart) for e in out)
    assert fold_from(state, [StartSequence(**WHO), *START]).phase is SessionPhase.RUNNING


def test_a_resume_that_journals_abort_start_still_waits_for_a_new_start() -> None:
    """The event core's AbortStart on resume (back to the grid) is kept as it was: the device's
    lights decide only a start the engine is still in."""
    state = fold(laps_race(3, cars=(1,)), [*JOURNAL, AbortStart(**WHO), LinkUp("cu"), light(0)])
    assert state.phase is SessionPhase.GRID and _not_seen_alerts(state) == []
