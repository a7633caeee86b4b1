"""Car numbers beyond Carrera's eight: the engine takes 1..CAR_LIMIT (the driver's
`Capabilities.max_cars` says which of them a device runs)."""

from __future__ import annotations

import pytest

from engine.helpers import START, by_time, laps_of, race
from slotrace.drivers_api import CAR_LIMIT
from slotrace.engine import CarStatus, SessionConfig, TimePenalty, fold, standings

TWELVE = tuple(range(1, 13))


def test_a_twelve_car_race_laps_and_classifies_car_12() -> None:
    config = race(3, cars=TWELVE)
    car_12 = laps_of(12, 1000, 3000, 3000, 3000)
    car_9 = laps_of(9, 1100, 3100, 3100, 3100)
    state = fold(config, [*START, *by_time(car_12, car_9)])
    rows = standings(state)
    assert [r.car for r in rows[:2]] == [12, 9]
    assert rows[0].laps == 3 and rows[0].status is CarStatus.FINISHED
    assert rows[0].total_ms == 9000
    assert sorted(r.car for r in rows) == list(TWELVE)


def test_a_steward_decision_may_name_a_car_above_eight() -> None:
    penalty = TimePenalty(car=12, ms=2000, reason="jump start", author="steward")
    state = fold(race(3, cars=TWELVE), [*START, penalty])
    assert state.cars[12].penalty_ms == 2000


@pytest.mark.parametrize("car", [0, CAR_LIMIT + 1])
def test_car_numbers_outside_1_to_car_limit_are_refused_by_name(car: int) -> None:
    with pytest.raises(ValueError, match=rf"car numbers are 1\.\.{CAR_LIMIT}, got {car}"):
        SessionConfig(laps=3, cars=(1, car))
    with pytest.raises(ValueError, match=rf"TimePenalty: car must be 1\.\.{CAR_LIMIT}"):
        TimePenalty(car=car, ms=1000, reason="r", author="a")
