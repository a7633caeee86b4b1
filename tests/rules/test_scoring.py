"""Each trial formula against hand-computed cases (reference §6.3-6.7) and the classification."""

from __future__ import annotations

import pytest
from conftest import make_entry
from driving import drive

from slotrace.rules.classify import (
    age_coefficient,
    charity_totals,
    classify,
    merit_coefficient,
    pledge_earned,
)
from slotrace.rules.model import (
    AverageSpeedTrial,
    Checkpoint,
    ClassificationConfig,
    ClassificationMode,
    CoefficientTable,
    Leg,
    PassageControl,
    Pledge,
    PrecisionTrial,
    SpeedTrial,
    TimeControl,
)
from slotrace.rules.scoring import CarRun, score_run

START, GATE, AQUEDUCT = 1, 2, 3  # sensor groups on mini-mille-miglia


def one(track, trial, run):
    leg = Leg(name="test", start_place="Brescia start line", laps=3, trials=(trial,))
    return score_run(run, track, leg, 32)[0]


PC = PrecisionTrial(name="PC", start="Brescia start line", end="castle gate", target_s=7.50)


@pytest.mark.parametrize(("end_ms", "penalty", "detail"), [
    (8_500, 0, "7.50 s for 7.50 s (exact)"),
    (8_620, 12, "late"),              # 7.62 s: 12 hundredths late
    (8_380, 12, "early"),             # early counts the same
    (8_504, 0, "exact"),              # 7.504 s rounds to 7.50
    (8_506, 1, "late"),               # 7.506 s rounds to 7.51
    (12_000, 300, "late"),            # 3.50 s late is capped at 300
])
def test_precision_trial(track, end_ms, penalty, detail):
    score = one(track, PC, CarRun.of([(START, 1_000), (GATE, end_ms)]))
    assert score.penalty == penalty and detail in score.detail and not score.missed


def test_precision_trial_missed_sensor_costs_the_cap(track):
    score = one(track, PC, CarRun.of([(START, 1_000), (AQUEDUCT, 9_000)]))
    assert (score.penalty, score.missed) == (300, True)
    assert one(track, PC, CarRun(())).penalty == 300


def test_precision_over_laps_and_later_pass(track):
    two_laps = PrecisionTrial(name="PC", start="Brescia start line", end="Brescia start line",
                              end_crossing=2, target_s=50.0)
    run = CarRun.of([(START, 0), (START, 25_000), (START, 50_230)])
    assert one(track, two_laps, run).penalty == 23
    second_pass = PrecisionTrial(name="PC", start="Brescia start line", pass_no=2,
                                 end="Brescia start line", target_s=25.0)
    assert one(track, second_pass, run).penalty == 23  # 25.23 s for 25.00


def test_average_speed_trial_secret_checkpoints(track):
    # 48 km/h at 1:32 = 0.41667 m/s: castle gate (9 m) ideal 21.60 s, aqueduct (17 m) 40.80 s
    pm = AverageSpeedTrial(name="PM", start="Brescia start line", target_kmh=48,
                           checkpoints=(Checkpoint(place="castle gate"),
                                        Checkpoint(place="valley aqueduct")))
    run = CarRun.of([(START, 10_000), (GATE, 33_990), (AQUEDUCT, 50_700)])
    score = one(track, pm, run)
    assert score.penalty == 2 + 0  # |23.99-21.60| = 2.39 s -> 2; |40.70-40.80| -> 0
    hundredths = one(track, pm.model_copy(update={"hundredths": True}), run)
    assert hundredths.penalty == 239 + 10
    missed = one(track, pm, CarRun.of([(START, 10_000), (GATE, 31_600)]))
    assert (missed.penalty, missed.missed) == (0 + 300, True)


def test_average_speed_distance_wraps_the_lap(track):
    # from the castle gate (9 m) to the start line is 21 m; its 2nd crossing is 51 m
    pm = AverageSpeedTrial(name="PM", start="castle gate", target_kmh=50,
                           checkpoints=(Checkpoint(place="Brescia start line", crossing=2),))
    speed = 50 / 3.6 / 32
    ideal_ms = round(51 / speed * 1000)
    run = CarRun.of([(START, 0), (GATE, 1_000), (START, 5_000), (START, 1_000 + ideal_ms)])
    assert one(track, pm, run).penalty == 0


CO = TimeControl(name="CO", place="Brescia start line", crossing=2, allotted_s=150.0,
                 unit_s=10.0, max_late_s=60.0)


@pytest.mark.parametrize(("arrive_s", "penalty"), [
    (150.00, 0), (159.99, 0),         # inside the ideal unit
    (160.00, 100), (171.00, 200),     # each unit late
    (149.99, 100), (139.99, 200),     # each unit or fraction early
    (210.01, 1000),                   # beyond the maximum lateness
])
def test_time_control(track, arrive_s, penalty):
    run = CarRun.of([(START, 5_000), (START, 80_000), (START, 5_000 + round(arrive_s * 1000))])
    assert one(track, CO, run).penalty == penalty


def test_time_control_early_or_late_can_be_switched_off(track):
    run = CarRun.of([(START, 0), (START, 1_000), (START, 120_000)])
    assert one(track, CO, run).penalty == 300
    assert one(track, CO.model_copy(update={"penalise_early": False}), run).penalty == 0
    assert one(track, CO, CarRun.of([(START, 0)])).penalty == 1000  # never arrived


def test_passage_control_counts_missed_stamps_in_order(track):
    ct = PassageControl(name="CT", places=("castle gate", "valley aqueduct", "valley aqueduct"))
    full = drive(track, [25, 25])
    assert one(track, ct, full).penalty == 0
    short_cut = drive(track, [25, 25], skip_loop_on=frozenset({1}))
    score = one(track, ct, short_cut)
    assert (score.penalty, score.detail) == (300, "missed valley aqueduct")
    wrong_order = CarRun.of([(START, 0), (AQUEDUCT, 5_000), (GATE, 9_000)])
    assert one(track, ct, wrong_order).penalty == 600


def test_speed_stage_scale_speed_and_dnf(track):
    speed = SpeedTrial(name="Speed", start="Brescia start line", laps=2)
    # Moss's 157.65 km/h at 1:32 is 1.3685 m/s: 60 m in 43.85 s
    score = one(track, speed, CarRun.of([(START, 0), (START, 21_900), (START, 43_850)]))
    assert score.measured_s == 43.85 and score.avg_scale_kmh == pytest.approx(157.65, abs=0.05)
    dnf = one(track, speed, CarRun.of([(START, 0), (START, 21_900)]))
    assert (dnf.classified, dnf.laps, dnf.detail) == (False, 1, "DNF after 1 of 2 laps")
    barred = one(track, speed.model_copy(update={"min_average_kmh": 160.0}),
                 CarRun.of([(START, 0), (START, 21_900), (START, 43_850)]))
    assert not barred.classified


def test_coefficients(register):
    assert age_coefficient(1927) == 1.27 and age_coefficient(1957) == 1.57
    table = CoefficientTable()
    om = make_entry(marque="OM", model="665 Superba", replica_year=1927, build_year=1927,
                    displacement_cc=1999, supercharged=False)
    # 1927-29 0.35 + over 1100 0.15 + Sport 0.20 = 1.70, plus winner 0.05 (OM won 1927)
    assert merit_coefficient(om, table, register) == 1.75
    chassis = om.model_copy(update={"car": om.car.model_copy(
        update={"replicated_entry_ref": "1927 #14"})})
    assert merit_coefficient(chassis, table, register) == 1.80  # the published OM 665 figure


def test_pledges_are_capped():
    entry = make_entry().model_copy(update={"pledges": (
        Pledge(sponsor="a", per_lap=2.0, cap=30.0), Pledge(sponsor="b", per_lap=0.5, fixed=10))})
    assert pledge_earned(entry, 20) == 30.0 + 10.0 + 10.0


def test_a_non_starter_counts_its_fee_but_earns_no_pledges(event):
    pledged = {"entry_fee": 25.0, "pledges": (Pledge(sponsor="a", per_lap=1.0, fixed=10),)}
    starter = make_entry(1).model_copy(update=pledged)
    rejected = make_entry(2).model_copy(update=pledged)  # never started (e.g. rejected)
    totals = charity_totals([starter, rejected], event, {1: 5}, starters=[1])
    assert totals.fees == 50.0  # the fee was paid either way
    assert [line.pledged for line in totals.lines] == [15.0, 0.0]
    assert totals.pledges == 15.0


def _scored(penalties_by_entry):
    from slotrace.rules.scoring import TrialScore
    return {n: tuple(TrialScore(f"T{i}", kind, p, None, d, False, "")
                     for i, (kind, p, d) in enumerate(rows))
            for n, rows in penalties_by_entry.items()}


def test_penalty_mode_applies_age_coefficient_and_tie_breaks(event):
    from slotrace.rules.model import TrialKind as K
    entries = [make_entry(1, build_year=1932), make_entry(2, build_year=1957, model="8C 2300"),
               make_entry(3, build_year=1932)]
    scores = _scored({
        1: [(K.PC, 100, 1.0), (K.CO, 100, None)],   # 1.32 * 100 + 100 = 232
        2: [(K.PC, 50, 0.5), (K.CO, 100, None)],    # 1.57 * 50 + 100 = 178.5
        3: [(K.PC, 100, 1.0), (K.CO, 100, None)],   # ties with 1: same build year, start later
    })
    result = classify(entries, event, scores, start_order=[3, 1, 2])
    assert [(r.entry_no, r.score, r.position) for r in result.overall] == [
        (2, 178.5, 1), (3, 232.0, 2), (1, 232.0, 3)]
    assert result.overall[0].raw == 150  # side tables use the raw sum


def test_points_mode_ranks_by_merit_points(event):
    from slotrace.rules.model import TrialKind as K
    points_event = event.model_copy(update={"classification": ClassificationConfig(
        mode=ClassificationMode.POINTS, points_first=420, points_step=25)})
    entries = [make_entry(1), make_entry(2), make_entry(3)]
    scores = _scored({1: [(K.PC, 0, 0.0)], 2: [(K.PC, 0, 0.0)], 3: [(K.PC, 7, 0.07)]})
    result = classify(entries, points_event, scores, start_order=[1, 2, 3])
    assert [r.points for r in result.overall] == [420, 420, 370]  # equal penalty, equal rank
    coefficient = result.overall[0].coefficient
    assert result.overall[0].score == round(coefficient * 420, 2)
