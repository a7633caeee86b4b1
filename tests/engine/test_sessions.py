"""Sessions: start, clock, finish rules, practice/qualifying ranking and the grid."""

from __future__ import annotations

from engine.helpers import START, by_time, laps_of, light, race, timed_race
from slotrace.drivers_api import CarPassed
from slotrace.engine import (
    CarFinished,
    CarStatus,
    FinishRule,
    Gap,
    Resume,
    SessionConfig,
    SessionFinished,
    SessionKind,
    SessionPhase,
    SessionStarted,
    Suspend,
    apply,
    fold,
    grid,
    initial_state,
    standings,
)


def test_crossings_on_the_grid_are_not_scored_in_a_race():
    state = fold(race(), [*laps_of(1, 1000, 3000, 3000)])
    assert state.phase is SessionPhase.GRID
    assert state.cars[1].laps == 0
    assert len(state.cars[1].crossings) == 3


def test_lights_out_7_to_0_starts_the_session():
    state = initial_state(race())
    emitted_all = []
    for event in START:
        state, emitted = apply(state, event)
        emitted_all += emitted
    assert state.phase is SessionPhase.RUNNING
    assert emitted_all.count(SessionStarted()) == 1


def test_quick_start_1_to_0_starts_the_session():
    state = fold(race(), [light(1), light(0)])
    assert state.phase is SessionPhase.RUNNING


def test_aborted_countdown_goes_back_to_the_grid():
    state = fold(race(), [light(1), light(2), light(3), light(0)])
    assert state.phase is SessionPhase.GRID


def test_session_clock_starts_at_lights_out_not_before():
    events = [*laps_of(1, 1000, 3000), *START, *laps_of(1, 10_000, 3000)]
    state = fold(race(), events)
    assert state.elapsed_ms == 3000
    assert state.cars[1].laps == 1


def test_clock_pauses_while_suspended_when_configured():
    events = [*START, CarPassed(1, 1, 1000), Suspend(device_ms=2000), Resume(device_ms=12_000)]
    events.append(CarPassed(1, 1, 15_000))
    assert fold(race(), events).elapsed_ms == 4000
    keep_running = race(pause_clock_when_suspended=False)
    assert fold(keep_running, events).elapsed_ms == 14_000


def test_laps_completed_while_suspended_are_not_counted():
    events = [*START, CarPassed(1, 1, 1000), Suspend(device_ms=2000), CarPassed(1, 1, 4000)]
    state = fold(race(), events)
    assert state.cars[1].laps == 0 and state.cars[1].lap_list[0].neutralised


def test_lap_race_leader_finishes_then_others_on_next_crossing():
    one = laps_of(1, 1000, 3000, 3000, 3000)  # reaches 3 laps at 10_000
    two = laps_of(2, 1100, 3500, 3500, 3500)  # 2 laps at 8_100, next crossing 11_600
    state = fold(race(laps=3), [*START, *by_time(one, two)])
    assert state.phase is SessionPhase.FINISHED
    rows = standings(state)
    assert [(r.car, r.laps, r.status) for r in rows] == [
        (1, 3, CarStatus.FINISHED),
        (2, 3, CarStatus.FINISHED),
    ]


def test_leader_rule_lets_a_lapped_car_finish_a_lap_down():
    one = laps_of(1, 1000, 3000, 3000, 3000)  # finishes at 10_000
    two = laps_of(2, 1100, 5000, 5000)  # 2 laps at 11_100: finishes a lap down
    state = fold(race(laps=3), [*START, *by_time(one, two)])
    rows = standings(state)
    assert rows[1].laps == 2 and rows[1].status is CarStatus.FINISHED
    assert rows[1].gap == Gap(laps=1)


def test_all_complete_rule_waits_for_every_car_to_do_the_distance():
    one = laps_of(1, 1000, 3000, 3000, 3000)
    two = laps_of(2, 1100, 5000, 5000)
    config = race(laps=3, finish_rule=FinishRule.ALL_COMPLETE_LAPS)
    state = fold(config, [*START, *by_time(one, two)])
    assert state.phase is SessionPhase.FINISHING
    assert not state.cars[2].finished
    state = fold(config, [*START, *by_time(one, two), CarPassed(2, 1, 16_100)])
    assert state.phase is SessionPhase.FINISHED and state.cars[2].laps == 3


def test_laps_after_the_flag_are_not_counted():
    state = fold(race(laps=1, cars=(1,)), [*START, *laps_of(1, 1000, 3000, 3000)])
    assert state.cars[1].laps == 1


def test_time_race_ends_when_time_is_up_and_each_car_completes_its_lap():
    config = timed_race(10_000, finish_rule=FinishRule.ALL_COMPLETE_LAPS)
    one = laps_of(1, 0, 3000, 3000, 3000, 3000, 3000)  # crosses 9000, then 12000 (time up)
    two = laps_of(2, 500, 4000, 4000, 4000, 4000)  # crosses 8500, then 12500
    state = fold(config, [*START, *by_time(one, two)])
    assert state.phase is SessionPhase.FINISHED
    assert state.cars[1].laps == 4 and state.cars[2].laps == 3


def test_time_race_leader_rule_others_finish_after_the_leader():
    config = timed_race(10_000)
    one = laps_of(1, 0, 3000, 3000, 3000, 3000)  # leader: 4 laps at 12_000
    two = laps_of(2, 500, 3500, 3500, 3500, 3500)  # 3 laps at 11_000 (before the leader)
    state = fold(config, [*START, *by_time(one, two)])
    # car 2 crossed at 11_000 after time was up but before the leader: not finished yet,
    # finishes at 14_500 after the leader took the flag at 12_000.
    assert state.cars[2].laps == 4
    assert state.phase is SessionPhase.FINISHED


def test_practice_ranks_by_best_lap_and_starts_without_lights():
    config = SessionConfig(kind=SessionKind.PRACTICE, cars=(1, 2, 3))
    events = by_time(laps_of(1, 0, 3500, 3400), laps_of(2, 100, 3300, 3900))
    state = fold(config, events)
    assert state.phase is SessionPhase.RUNNING
    rows = standings(state)
    assert [r.car for r in rows] == [2, 1, 3]
    assert rows[1].gap == Gap(ms=100)


def test_qualifying_gives_a_grid_pole_first_cars_without_time_last():
    config = SessionConfig(kind=SessionKind.QUALIFYING, cars=(1, 2, 3, 4))
    events = by_time(laps_of(3, 0, 3500), laps_of(1, 100, 3300), laps_of(4, 50, 3900))
    assert grid(fold(config, [*START, *events])) == (1, 3, 4, 2)


def test_qualifying_by_time_counts_the_lap_in_progress_when_time_is_up():
    config = SessionConfig(kind=SessionKind.QUALIFYING, duration_ms=5000, cars=(1,))
    state = fold(config, [*START, *laps_of(1, 0, 4000, 3000, 2500)])
    assert state.cars[1].laps == 2 and state.cars[1].best_lap_ms == 3000
    assert state.phase is SessionPhase.FINISHED


def test_car_finished_events_give_positions():
    state = fold(race(laps=1), [*START, CarPassed(1, 1, 0), CarPassed(2, 1, 100)])
    state, first = apply(state, CarPassed(1, 1, 3000))
    state, second = apply(state, CarPassed(2, 1, 3400))
    assert CarFinished(1, 1) in first
    assert CarFinished(2, 2) in second and SessionFinished() in second
