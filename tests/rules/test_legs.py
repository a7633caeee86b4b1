"""Laps a leg needs for its trials, and the session a planned heat runs."""

from __future__ import annotations

import pytest

from slotrace.engine import FinishRule, SessionKind
from slotrace.rules.legs import heat_session_config, laps_for_leg, sensor_groups
from slotrace.rules.model import Heat, HeatSlot, Leg

# mini-mille-miglia: lap 30 m; start line 0 m (sensor 1), castle gate 9 m (2), aqueduct 17 m (3)
CASES = [
    ({"kind": "PC", "name": "gate to gate", "start": "castle gate", "pass_no": 2,
      "end": "castle gate", "target_s": 25}, 3),  # 2nd gate at 39 m, next gate at 69 m
    ({"kind": "CO", "name": "co", "place": "Brescia start line", "crossing": 4,
      "allotted_s": 100}, 4),
    ({"kind": "PM", "name": "pm", "start": "Brescia start line", "pass_no": 3,
      "target_kmh": 40, "checkpoints": [{"place": "Brescia start line"}]}, 3),  # 60 m -> 90 m
    ({"kind": "SPEED", "name": "speed", "start": "Brescia start line", "laps": 2}, 2),
    ({"kind": "CT", "name": "ct", "places": ["valley aqueduct", "valley aqueduct",
                                             "castle gate"]}, 3),  # 17, 47, 69 m
]


@pytest.mark.parametrize(("trial", "laps"), CASES)
def test_a_leg_lasts_until_its_last_scored_crossing(track, trial: dict, laps: int) -> None:
    leg = Leg(name="test", start_place="Brescia start line", laps=1, trials=(trial,))
    assert laps_for_leg(leg, track) == laps


def test_the_legs_own_lap_count_is_a_minimum(track) -> None:
    leg = Leg(name="long", start_place="Brescia start line", laps=7, trials=(CASES[3][0],))
    assert laps_for_leg(leg, track) == 7


def test_every_shipped_leg_is_long_enough_for_its_trials(event, track) -> None:
    assert [laps_for_leg(leg, track) for leg in event.legs] == [5, 5, 6, 4]


def test_heat_session_is_a_lap_race_every_car_completes(event, track) -> None:
    heat = Heat(leg=2, number=30, slots=(HeatSlot(entry_no=9, address=4, recode=False),
                                         HeatSlot(entry_no=3, address=1, recode=True)))
    config = heat_session_config(heat, event.legs[2], track)
    assert config.kind is SessionKind.RACE_LAPS and config.laps == 6
    assert config.finish_rule is FinishRule.ALL_COMPLETE_LAPS
    assert config.cars == (1, 4) and config.sensor_groups == sensor_groups(track) == 3
    assert heat_session_config(heat, event.legs[2], track, laps=2).laps == 2


def test_regularity_pace_is_what_the_legs_whole_lap_precision_trials_ask_for(event) -> None:
    from slotrace.rules.legs import regularity_lap_s

    # leg 1: PC 2 castle gate -> castle gate, one lap in 25.00 s; leg 2: PC 3 in 24.00 s;
    # leg 3 has no whole-lap PC
    assert [regularity_lap_s(leg) for leg in event.legs] == [25.0, 24.0, None, 25.0]
    two_laps = Leg.model_validate(
        {"name": "x", "start_place": "Brescia start line", "laps": 3,
         "trials": [{"kind": "PC", "name": "2 laps", "start": "castle gate",
                     "end": "castle gate", "end_crossing": 2, "target_s": 50.0}]}
    )
    assert regularity_lap_s(two_laps) == 25.0


def test_a_control_unit_with_fewer_sensor_groups_is_told_which_trials_it_cannot_time(
        event, track) -> None:
    """ARC Pro sees only the finish line: on the shipped leg 1 every trial that times the
    castle gate (group 2) or the aqueduct (group 3) would be missed by every car."""
    from slotrace.rules.legs import out_of_reach_text, trials_out_of_reach

    leg = event.legs[0]
    assert trials_out_of_reach(leg, track, 3) == ()
    unseen = trials_out_of_reach(leg, track, 1)
    assert unseen[0] == ("PC 1 Desenzano del Garda", ("castle gate",))
    needs = {t.name for t in leg.trials
             if any(track.place(p).sensor != 1 for p in _places(t))}
    assert {name for name, _ in unseen} == needs
    assert len(trials_out_of_reach(leg, track, 2)) < len(unseen)
    one = out_of_reach_text(unseen[:1], track, 1)
    assert one == ("PC 1 Desenzano del Garda times castle gate (sensor group 2); the control "
                   "unit has 1 sensor group, so every car will miss it")


def _places(trial) -> list[str]:
    data = trial.model_dump()
    found = [data[k] for k in ("start", "end", "place") if isinstance(data.get(k), str)]
    found += [cp["place"] for cp in data.get("checkpoints") or ()]
    return found + list(data.get("places") or ())
