"""Timing rules: laps, min/max lap, sectors, missed laps, epochs, duplicates, pits, statistics."""

from __future__ import annotations

import pytest

from engine.helpers import START, by_time, laps_of, light, pit_status, race
from slotrace.drivers_api import CarPassed, EpochStarted
from slotrace.engine import (
    AlertKind,
    LapCompleted,
    MissedLap,
    MissedLapPolicy,
    apply,
    fold,
    initial_state,
)


def test_first_crossing_starts_lap_one_and_each_next_completes_a_lap():
    state = fold(race(), [*START, *laps_of(1, 1000, 3000, 3100)])
    car = state.cars[1]
    assert car.laps == 2
    assert [lap.lap_ms for lap in car.lap_list] == [3000, 3100]
    assert car.last_lap_ms == 3100 and car.best_lap_ms == 3000
    assert car.total_ms == 6100


def test_crossing_sooner_than_min_lap_is_ignored():
    events = [*START, *laps_of(1, 1000, 3000), CarPassed(1, 1, 4500), CarPassed(1, 1, 7100)]
    state = fold(race(min_lap_ms=2000), events)
    assert state.cars[1].laps == 2
    assert [lap.lap_ms for lap in state.cars[1].lap_list] == [3000, 3100]


def test_min_lap_is_configurable():
    events = [*START, *laps_of(1, 1000, 1500, 1500)]
    assert fold(race(min_lap_ms=2000), events).cars[1].laps == 1  # 1000->2500 dropped; 4000 counts
    assert fold(race(min_lap_ms=1000), events).cars[1].laps == 2


def test_lap_over_max_lap_is_listed_not_counted_and_alerts():
    state = fold(race(max_lap_ms=10_000), [*START, *laps_of(1, 1000, 3000, 12_000, 3000)])
    car = state.cars[1]
    assert car.laps == 2
    assert [(lap.lap_ms, lap.counted, lap.too_long) for lap in car.lap_list][1] == (
        12_000,
        False,
        True,
    )
    assert [a.kind for a in state.alerts] == [AlertKind.LAP_TOO_LONG]


def test_exact_duplicate_timer_event_is_dropped():
    events = [*START, CarPassed(1, 1, 1000), CarPassed(1, 1, 4000), CarPassed(1, 1, 4000)]
    state = fold(race(min_lap_ms=0), events)
    assert state.cars[1].laps == 1
    assert len(state.cars[1].crossings) == 2


def test_three_sector_times_from_check_lanes():
    events = [*START, CarPassed(1, 1, 1000), CarPassed(1, 2, 2000), CarPassed(1, 3, 3500)]
    events.append(CarPassed(1, 1, 4200))
    state = fold(race(sensor_groups=3), events)
    assert state.cars[1].lap_list[0].sectors == (1000, 1500, 700)
    assert state.cars[1].best_sectors == (1000, 1500, 700)


def test_two_sensor_groups_give_two_sectors():
    events = [*START, CarPassed(1, 1, 1000), CarPassed(1, 2, 2200), CarPassed(1, 1, 4000)]
    state = fold(race(sensor_groups=2), events)
    assert state.cars[1].last_sectors == (1200, 1800)


def test_skipped_check_lane_marks_its_sectors_missing_not_bogus():
    events = [*START, CarPassed(1, 1, 1000), CarPassed(1, 3, 3500), CarPassed(1, 1, 4200)]
    state = fold(race(sensor_groups=3), events)
    assert state.cars[1].lap_list[0].sectors == (None, None, 700)
    assert state.cars[1].laps == 1


def test_best_sectors_are_the_best_of_each_sector_separately():
    events = [*START, CarPassed(1, 1, 0), CarPassed(1, 2, 1000), CarPassed(1, 1, 3000)]
    events += [CarPassed(1, 2, 3900), CarPassed(1, 1, 6200)]
    state = fold(race(sensor_groups=2), events)
    assert state.cars[1].best_sectors == (900, 2000)


@pytest.mark.parametrize("policy", list(MissedLapPolicy))
def test_check_lane_twice_without_finish_line_is_a_missed_lap(policy):
    # start 1000, S2 at 2000, finish line at ~4000 not reported, S2 again at 5000.
    events = [*START, CarPassed(1, 1, 1000), CarPassed(1, 2, 2000), CarPassed(1, 2, 5000)]
    events.append(CarPassed(1, 1, 7000))
    state = fold(race(sensor_groups=2, missed_lap_policy=policy), events)
    car = state.cars[1]
    missed = car.lap_list[0]
    assert missed.estimated and missed.lap_ms == 3000
    assert missed.counted is (policy is MissedLapPolicy.ADD_LAP)
    assert car.laps == (2 if policy is MissedLapPolicy.ADD_LAP else 1)
    # The lap after the missed one is timed from the estimated finish crossing (1000 + 3000).
    assert car.lap_list[1].lap_ms == 3000
    assert [a.kind for a in state.alerts] == [AlertKind.MISSED_LAP]


def test_missed_lap_is_emitted_for_the_ui():
    state = fold(race(sensor_groups=2), [*START, CarPassed(1, 1, 1000), CarPassed(1, 2, 2000)])
    state, emitted = apply(state, CarPassed(1, 2, 5000))
    assert MissedLap(1, 3000, False) in emitted


def test_timer_reset_never_creates_a_lap():
    events = [*START, *laps_of(1, 50_000, 3000), EpochStarted(1, "timer reset")]
    events += [CarPassed(1, 1, 100, epoch=1), CarPassed(1, 1, 3200, epoch=1)]
    state = fold(race(), events)
    car = state.cars[1]
    assert [lap.lap_ms for lap in car.lap_list] == [3000, 3100]
    assert car.laps == 2
    assert AlertKind.TIMER_RESET in [a.kind for a in state.alerts]


def test_pit_stop_counted_on_entering_the_pit_lane_only():
    events = [*START, *laps_of(1, 1000, 3000)]
    events += [pit_status(pit=frozenset({1})), pit_status(pit=frozenset({1})), pit_status()]
    events += [pit_status(pit=frozenset({1, 2})), pit_status()]
    state = fold(race(), events)
    assert state.cars[1].pit_stops == 2
    assert state.cars[2].pit_stops == 1


def test_fuel_level_only_with_pit_lane_adapter():
    fuel = (9, 4, 0, 0, 0, 0, 0, 0)
    with_adapter = fold(race(), [pit_status(fuel=fuel)])
    assert with_adapter.cars[1].fuel == 9 and with_adapter.cars[2].fuel == 4
    assert fold(race(), [light(0)]).cars[1].fuel is None


def test_statistics_of_clean_laps_exclude_pit_laps():
    events = [*START, *laps_of(1, 1000, 3000, 3200, 3400)]
    events.insert(-1, pit_status(pit=frozenset({1})))  # in the pit during the last lap
    stats = fold(race(), events).cars[1].statistics
    assert stats.clean_laps == 2
    assert stats.mean_ms == 3100 and stats.median_ms == 3100
    assert stats.stdev_ms == pytest.approx(141.42, abs=0.01)


def test_lap_completed_event_carries_counted_lap_number():
    state = fold(race(), [*START, CarPassed(1, 1, 1000)])
    _, emitted = apply(state, CarPassed(1, 1, 4000))
    assert LapCompleted(1, 1, 3000) in emitted


def test_crossings_of_cars_not_taking_part_are_kept_but_not_scored():
    state = fold(race(cars=(1,)), [*START, *laps_of(3, 1000, 3000)])
    assert 3 not in state.cars
    assert [c.car for c in state.unscored] == [3, 3]


def test_apply_rejects_what_the_engine_cannot_fold():
    with pytest.raises(TypeError, match="cannot fold"):
        apply(initial_state(race()), "lap")  # type: ignore[arg-type]


def test_best_lap_event_flags_overall_best():
    events = by_time([*laps_of(1, 1000, 3000)], [*laps_of(2, 1100, 3500)])
    state = fold(race(), [*START, *events])
    _, emitted = apply(state, CarPassed(2, 1, 1100 + 3500 + 2900))
    assert any(getattr(e, "overall", False) and e.car == 2 for e in emitted)
