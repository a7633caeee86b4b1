"""Live regularity: the trial in progress, its running deviation, points so far, rank."""

from __future__ import annotations

from slotrace.rules.live import is_regularity_leg, live_heat, signed_hundredths
from slotrace.rules.model import Leg, PrecisionTrial, TrialKind
from slotrace.rules.scoring import CarRun, score_run

START, GATE = 1, 2


def test_before_the_start_nothing_is_in_progress(track, event):
    leg = event.legs[0]
    live = live_heat({}, [1], track, leg, event.scale)[1]
    assert live.trial is None
    assert live.points == 0
    assert live.rank == 1


def test_pc_in_progress_then_completed_with_signed_deviation(track, event):
    leg = event.legs[0]  # PC 1: start line -> castle gate in 7.50 s
    started = CarRun.of([(START, 0)])
    live = live_heat({1: started}, [1], track, leg, event.scale)[1]
    assert live.trial == "PC 1 Desenzano del Garda"
    assert live.kind is TrialKind.PC
    assert live.target == "7.50 s"
    assert live.completed == ()

    late = CarRun.of([(START, 0), (GATE, 7620)])  # 12 hundredths late
    live = live_heat({1: late}, [1], track, leg, event.scale)[1]
    assert [r.trial for r in live.completed] == ["PC 1 Desenzano del Garda"]
    assert live.last_result.deviation_cs == 12
    assert live.points == 12
    assert live.trial == "PC 2 Sirmione"


def test_running_deviation_is_pro_rata_over_the_laps_of_a_pc(track, event):
    line = "Brescia start line"
    three_laps = PrecisionTrial(name="PC 3 laps", start=line, end=line, end_crossing=3,
                                target_s=30.0)
    leg = Leg(name="test", start_place=line, laps=3, trials=(three_laps,))
    one_lap = CarRun.of([(START, 0), (START, 10120)])  # 12 hundredths behind 10.00 s a lap
    live = live_heat({1: one_lap}, [1], track, leg, event.scale)[1]
    assert live.trial == "PC 3 laps"
    assert live.deviation_cs == 12
    two_laps = CarRun.of([(START, 0), (START, 10120), (START, 19950)])
    assert live_heat({1: two_laps}, [1], track, leg, event.scale)[1].deviation_cs == -5


def test_rank_orders_by_points_then_trials_done(track, event):
    leg = event.legs[0]
    exact = CarRun.of([(START, 0), (GATE, 7500)])
    late = CarRun.of([(START, 0), (GATE, 7900)])
    waiting = CarRun.of([(START, 0)])
    cars = live_heat({1: late, 2: exact, 3: waiting}, [1, 2, 3], track, leg, event.scale)
    assert [cars[n].rank for n in (2, 3, 1)] == [1, 2, 3]
    assert cars[1].points == 40


def test_sprint_legs_are_not_regularity(event):
    assert is_regularity_leg(event.legs[0])


def test_signed_hundredths_reads_plus_minus():
    assert signed_hundredths(12) == "+12"
    assert signed_hundredths(-7) == "-7"
    assert signed_hundredths(0) == "0"
    assert signed_hundredths(None) == ""


def test_a_car_whose_heat_is_over_has_no_trial_in_progress_and_its_missed_trials_count(
        track, event):
    """Flagged after one PC of the leg: the racer must not read 'PC 2 in progress' for ever,
    and the points shown are those the classification will give (the missed trials at the cap)."""
    leg = event.legs[0]
    one_pc = CarRun.of([(START, 0), (GATE, 7510)])
    running = live_heat({1: one_pc}, [1], track, leg, event.scale)[1]
    assert running.trial == "PC 2 Sirmione" and running.points == 1
    over = live_heat({1: one_pc}, [1], track, leg, event.scale, done={1})[1]
    assert over.trial is None and over.target == ""
    assert [r.trial for r in over.completed] == [t.name for t in leg.trials]
    assert over.points == sum(s.penalty for s in score_run(one_pc, track, leg, event.scale))
    assert over.points > running.points


def test_running_deviation_of_a_time_control_is_pro_rata_over_its_crossings(track, event):
    line = "Brescia start line"
    leg = Leg.model_validate({"name": "co", "start_place": line, "laps": 3, "trials": [
        {"kind": "CO", "name": "CO 3 laps", "place": line, "crossing": 3, "allotted_s": 30}]})
    two_of_three = CarRun.of([(START, 0), (START, 10100), (START, 20300)])
    live = live_heat({1: two_of_three}, [1], track, leg, event.scale)[1]
    assert live.trial == "CO 3 laps" and live.target == "due at 30.00 s"
    assert live.deviation_cs == 30  # 20.30 s for two thirds of 30.00 s
