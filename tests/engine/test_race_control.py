"""Race control: flags, false starts, penalties, lap corrections, revocation, the stewards' log."""

from __future__ import annotations

import typing

import pytest

from engine.helpers import START, by_time, laps_of, light, pit_status, race
from slotrace.drivers_api import CarPassed, RecordError
from slotrace.engine import (
    CAR_DECISION_TYPES,
    ENGINE_AUTHOR,
    AbortStart,
    AddLap,
    AlertKind,
    CarDecision,
    CarStatus,
    Disqualify,
    FalseStart,
    FalseStartPenalty,
    FalseStartPenaltyKind,
    LapNeutralised,
    LapPenalty,
    PaceCar,
    RemoveLap,
    Revoke,
    SessionPhase,
    SessionStarted,
    StartSequence,
    StopAndGo,
    TimePenalty,
    Warning,
    YellowFlag,
    apply,
    control_from_record,
    fold,
    fold_from,
    input_from_record,
    standings,
    to_record,
)

WHO = {"reason": "contact in turn 3", "author": "steward Anna"}


def test_laps_under_yellow_are_not_counted_but_shown_neutralised():
    events = [*START, CarPassed(1, 1, 1000), YellowFlag(on=True, **WHO), CarPassed(1, 1, 4000)]
    events += [YellowFlag(on=False, **WHO), CarPassed(1, 1, 7000)]
    state = fold(race(), events)
    car = state.cars[1]
    assert car.laps == 1
    assert [(lap.counted, lap.neutralised) for lap in car.lap_list] == [
        (False, True),
        (True, False),
    ]
    assert car.crossings[1].neutralised


def test_neutralised_lap_is_announced():
    state = fold(race(), [*START, CarPassed(1, 1, 1000), YellowFlag(on=True)])
    _, emitted = apply(state, CarPassed(1, 1, 4000))
    assert LapNeutralised(1, 3000) in emitted


def test_pace_car_laps_count_but_are_not_best_laps():
    events = [*START, *laps_of(1, 0, 3500), PaceCar(on=True), CarPassed(1, 1, 6000)]
    state = fold(race(), events)
    assert state.cars[1].laps == 2 and state.cars[1].best_lap_ms == 3500


@pytest.mark.parametrize(
    ("kind", "penalty_ms", "warnings", "owed"),
    [
        (FalseStartPenaltyKind.TIME, 5000, 0, 0),
        (FalseStartPenaltyKind.WARNING, 0, 1, 0),
        (FalseStartPenaltyKind.STOP_AND_GO, 0, 0, 1),
    ],
)
def test_crossing_before_lights_out_is_a_false_start_with_configured_penalty(
    kind, penalty_ms, warnings, owed
):
    config = race(false_start_penalty=FalseStartPenalty(kind=kind, time_ms=5000))
    events = [light(1), light(2), CarPassed(1, 1, 500), CarPassed(1, 2, 900), *START[2:]]
    state = fold(config, events)
    car = state.cars[1]
    assert (car.penalty_ms, car.warnings, car.stop_and_go_owed) == (penalty_ms, warnings, owed)
    assert [a.kind for a in state.alerts] == [AlertKind.FALSE_START]  # once per start
    if kind is not FalseStartPenaltyKind.WARNING or warnings:
        assert state.stewards_log[0].command.author == ENGINE_AUTHOR


def test_start_sequence_command_arms_false_start_detection():
    state = fold(race(), [StartSequence(author="rc", reason="start")])
    _, emitted = apply(state, CarPassed(2, 1, 100))
    assert FalseStart(2) in emitted


def test_under_lights_that_hold_the_cars_a_crossing_is_kept_and_no_false_start():
    """A device that cut the track power (``cars_held``): a crossing reported under the lights
    was made before the hold; it is journaled and kept, nobody is penalised, and the race
    starts at race control's lights-out as usual. The next start without a hold detects
    false starts again."""
    from slotrace.engine import LightsOut

    held = StartSequence(author="rc", reason="start", cars_held=True)
    state, out = apply(fold(race(), [held]), CarPassed(2, 1, 100))
    assert not any(isinstance(e, FalseStart) for e in out)
    assert not state.alerts and not state.stewards_log[1:]
    assert len(state.cars[2].crossings) == 1
    state = fold_from(state, [LightsOut(author="rc", reason="go"), CarPassed(2, 1, 3000),
                              CarPassed(2, 1, 11_000)])
    assert state.phase is SessionPhase.RUNNING and state.cars[2].laps == 1
    again = fold(race(), [held, AbortStart(**WHO), StartSequence(author="rc", reason="start")])
    _, out = apply(again, CarPassed(2, 1, 100))
    assert FalseStart(2) in out


def test_cars_held_is_journaled_and_an_old_start_sequence_without_it_reads_as_not_held():
    record = {"type": "StartSequence", "reason": "start", "author": "rc", "device_ms": None,
              "epoch": 0}
    assert control_from_record(record) == StartSequence(reason="start", author="rc")
    held = StartSequence(reason="start", author="rc", cars_held=True)
    assert input_from_record(to_record(held)) == held


def test_an_aborted_start_waits_for_a_new_start_sequence():
    """Interrupted at READY and aborted: a control unit that then reports no lights (restarted,
    or its start cancelled) has not given lights-out; the next full start starts the race."""
    state = fold(race(), [StartSequence(), light(1), AbortStart(**WHO)])
    state, out = apply(state, light(0))
    assert state.phase is SessionPhase.GRID
    assert SessionStarted() not in out
    state, out = apply(state, CarPassed(1, 1, 1000))
    assert not any(isinstance(e, FalseStart) for e in out)
    state = fold_from(state, START)
    assert state.phase is SessionPhase.RUNNING


def test_control_unit_false_start_8_alerts_without_a_car():
    state = initial = fold(race(), [light(1), light(2)])
    state, emitted = apply(initial, light(8))
    assert FalseStart(None) in emitted
    state, emitted = apply(state, light(9))
    assert emitted == ()
    assert [a.car for a in state.alerts] == [None]


def test_stop_and_go_is_served_by_the_next_pit_entry():
    state = fold(race(), [*START, StopAndGo(car=1, **WHO), pit_status(pit=frozenset({1}))])
    assert state.cars[1].stop_and_go_owed == 0
    assert AlertKind.STOP_AND_GO_SERVED in [a.kind for a in state.alerts]


def _two_car_race():
    one = laps_of(1, 1000, 3000, 3000)
    two = laps_of(2, 1100, 3050, 3050)
    return [*START, *by_time(one, two)]


def test_time_penalty_changes_the_order_of_cars_on_the_same_lap():
    state = fold(race(), [*_two_car_race(), TimePenalty(car=1, ms=1000, **WHO)])
    rows = standings(state)
    assert [r.car for r in rows] == [2, 1]
    # the clock starts at the first crossing after lights-out (1000): 6000 + penalty
    assert rows[1].penalty_ms == 1000 and rows[1].total_ms == 6000 + 1000


def test_lap_penalty_and_lap_corrections():
    events = [*_two_car_race(), LapPenalty(car=1, laps=2, **WHO), AddLap(car=2, **WHO)]
    rows = standings(fold(race(), events))
    assert [(r.car, r.laps) for r in rows] == [(2, 3), (1, 0)]
    removed = standings(fold(race(), [*_two_car_race(), RemoveLap(car=2, **WHO)]))
    assert [(r.car, r.laps) for r in removed] == [(1, 2), (2, 1)]


def test_disqualified_car_is_classified_last():
    rows = standings(fold(race(), [*_two_car_race(), Disqualify(car=1, **WHO)]))
    assert [(r.car, r.status) for r in rows] == [(2, CarStatus.RUNNING), (1, CarStatus.DSQ)]


def test_warning_is_logged_and_shown_in_standings():
    rows = standings(fold(race(), [*_two_car_race(), Warning(car=2, **WHO)]))
    row = next(r for r in rows if r.car == 2)
    assert row.warnings == 1
    assert [type(d.command) for d in row.decisions] == [Warning]


def test_revoke_undoes_a_decision_and_keeps_it_in_the_log():
    events = [*_two_car_race(), Disqualify(car=1, **WHO), TimePenalty(car=1, ms=100, **WHO)]
    events.append(Revoke(decision=1, reason="video review", author="chief steward"))
    state = fold(race(), events)
    assert not state.cars[1].disqualified and state.cars[1].penalty_ms == 100
    assert [(d.number, d.revoked) for d in state.stewards_log] == [
        (1, True),
        (2, False),
        (3, False),
    ]
    assert standings(state)[0].car == 1


def test_revoking_a_flag_or_a_missing_decision_is_rejected_with_an_alert():
    events = [YellowFlag(on=True), Revoke(decision=1, **WHO), Revoke(decision=7, **WHO)]
    state = fold(race(), events)
    assert [a.kind for a in state.alerts] == [AlertKind.REVOKE_REJECTED] * 2
    assert state.yellow


def test_car_decision_needs_reason_and_author():
    with pytest.raises(ValueError, match="reason"):
        TimePenalty(car=1, ms=1000, author="x")
    with pytest.raises(ValueError, match="author"):
        AddLap(car=1, reason="missed lap")


def test_race_control_records_round_trip():
    commands = [
        TimePenalty(car=3, ms=5000, device_ms=1234, epoch=2, **WHO),
        YellowFlag(on=True, author="rc"),
        Revoke(decision=4, **WHO),
    ]
    for command in commands:
        record = to_record(command)
        assert control_from_record({**record, "received": 1.5}) == command
        assert input_from_record(record) == command
    assert input_from_record(to_record(CarPassed(1, 2, 3))) == CarPassed(1, 2, 3)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "TimePenalty", "car": 1, "reason": "r", "author": "a"}, "missing field 'ms'"),
        ({"type": "YellowFlag", "on": "yes"}, "YellowFlag.on: expected true or false"),
        ({"type": "TimePenalty", "car": 1, "ms": 5, "author": "a"}, "needs a reason"),
        ({"type": "Nonsense"}, "unknown race-control type"),
    ],
)
def test_bad_race_control_records_name_the_field(record, message):
    with pytest.raises(RecordError, match=message):
        control_from_record(record)


def test_car_decision_types_are_exactly_the_car_decision_union() -> None:
    """CAR_DECISION_TYPES is spelled out (so isinstance narrows); it must name every class of
    CarDecision and nothing else, or a decision would escape revocation or the standings."""
    assert set(CAR_DECISION_TYPES) == set(typing.get_args(CarDecision))
