"""Templates that can be won, PM rounding per §6.5 and the MM-2009 merit formula (§6.8)."""

from __future__ import annotations

from pathlib import Path

from conftest import make_entry

from slotrace.cli import main
from slotrace.rules.coefficients import merit_coefficient
from slotrace.rules.feasibility import (
    check_event,
    ideal_lap_times,
    ideal_sector_times,
    schedule_penalty,
)
from slotrace.rules.files import load_template
from slotrace.rules.legs import laps_for_leg, regularity_lap_s
from slotrace.rules.model import (
    AverageSpeedTrial,
    Checkpoint,
    CoefficientTable,
    Leg,
    MeritFormula,
    PrecisionTrial,
    TimeControl,
)
from slotrace.rules.scoring import CarRun, score_run

START, GATE = "Brescia start line", "castle gate"  # sensor 1 at 0 m, sensor 2 at 9 m (30 m lap)


def test_the_shipped_template_can_be_driven_to_zero(event, track):
    assert [(c.ok, c.ideal_penalty) for c in check_event(event, track)] == [(True, 0)] * 4


def test_every_shipped_leg_has_a_crews_schedule_that_scores_zero(event, track):
    demo = load_template("mille-miglia-demo", track)
    # the demo's 8 s laps are above a real top speed: its check allows the simulated cars'
    for template, top_kmh in ((event, 200.0), (demo, 650.0)):
        for index, leg in enumerate(template.legs):
            laps = ideal_sector_times(template, track, index, max_scale_kmh=top_kmh)
            assert len(laps) == laps_for_leg(leg, track), leg.name
            assert all(len(lap) == 3 for lap in laps)  # sensors at 0, 9 and 17 m
            assert schedule_penalty(template, track, index, laps) == 0, leg.name
            # driven as whole laps at an even pace within each, it is close, not 0
            totals = ideal_lap_times(template, track, index, max_scale_kmh=top_kmh)
            assert totals == tuple(round(sum(lap), 3) for lap in laps)
            # a crew's pace, not the earliest run: no stretch faster than the top speed
            top_m_s = top_kmh / 3.6 / template.scale
            for lap in laps:
                assert all(part >= length / top_m_s - 1e-3
                           for part, length in zip(lap, (9.0, 8.0, 13.0), strict=True))


def test_a_stretch_nothing_times_is_driven_at_the_regularity_pace(event, track):
    # leg 1: PC 1 opens lap 1 (start line to the castle gate in 7.50 s); lap 4 is the PM at
    # 48 km/h (21.6 s and 19.2 s to its checkpoints); the CO (150-160 s) gets its middle
    laps = ideal_sector_times(event, track, 0)
    pace = regularity_lap_s(event.legs[0])
    assert pace == 25.0
    assert laps[0][0] == 7.5 and laps[3][:2] == (21.6, 19.2)
    assert abs(sum(map(sum, laps)) - 155.0) < 0.01
    # leg 4: PC 7 asks two laps in 50 s, PC 8 the gate-to-aqueduct of lap 3 in 9 s; lap 1
    # and lap 2 run at the pace, evenly
    laps = ideal_sector_times(event, track, 3)
    assert [round(sum(lap), 2) for lap in laps[:2]] == [25.0, 25.0]
    assert laps[0] == laps[1] == (7.5, 6.667, 10.833)
    assert laps[2][1] == 9.0


def test_a_leg_that_cannot_be_won_has_no_schedule(event, track):
    bad = _with_leg(event,
                    PrecisionTrial(name="PC lap", start=START, end=START, target_s=25.0),
                    PrecisionTrial(name="PC gate", start=START, end=GATE, target_s=23.0))
    assert ideal_sector_times(bad, track, 0) == () and ideal_lap_times(bad, track, 0) == ()


def test_a_schedule_off_its_targets_scores_what_it_misses(event, track):
    laps = ideal_sector_times(event, track, 0)
    late = ((laps[0][0] + 0.12, *laps[0][1:]), *laps[1:])  # the castle gate 12 cs late
    # PC 1 is 12 points late; PC 2 (from the 2nd pass of the gate) and the CO are untouched
    assert schedule_penalty(event, track, 0, late) == 12


def _with_leg(event, *trials, laps=3):
    return event.model_copy(update={"legs": (
        Leg(name="Test leg", start_place=START, laps=laps, trials=trials),)})


def test_contradictory_trials_are_named(event, track):
    # one lap in 25 s, yet the gate (9 m into it) 20 s in and the rest (21 m) in 2 s
    bad = _with_leg(event,
                    PrecisionTrial(name="PC lap", start=START, end=START, target_s=25.0),
                    PrecisionTrial(name="PC gate", start=START, end=GATE, target_s=23.0))
    [leg] = check_event(bad, track)
    assert not leg.ok and set(leg.contradiction) == {"PC lap", "PC gate"}
    assert "PC lap: at most 25.00 s" in leg.explanation


def test_a_time_control_that_a_pc_pace_cannot_reach(event, track):
    # PC: 3 laps in exactly 75 s; CO: the 3rd pass within the 100-110 s unit
    bad = _with_leg(event,
                    PrecisionTrial(name="PC 3 laps", start=START, end=START, end_crossing=3,
                                   target_s=75.0),
                    TimeControl(name="CO end", place=START, crossing=3, allotted_s=100.0))
    [leg] = check_event(bad, track)
    assert set(leg.contradiction) == {"PC 3 laps", "CO end"}


def test_template_check_command(tmp_path: Path, capsys):
    assert main(["template", "check", "mille-miglia-2020"]) == 0
    assert "every leg can be driven to 0 points" in capsys.readouterr().out
    shipped = Path(__file__).parents[2] / "slotrace/rules/templates/mille-miglia-2020.toml"
    broken = tmp_path / "broken.toml"
    # the 2020 template as it shipped before: PM 1 started on the 3rd pass of the start line
    broken.write_text(shipped.read_text("utf-8").replace(
        'name = "PM 1 Mantova - Ferrara"\n  start = "Brescia start line"\n  pass_no = 4',
        'name = "PM 1 Mantova - Ferrara"\n  start = "Brescia start line"\n  pass_no = 3'))
    assert main(["template", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "FAIL leg 1" in out and "PC 2 Sirmione vs PM 1 Mantova - Ferrara" in out


def _pm_run(event, track, elapsed_ms):
    leg = Leg(name="PM", start_place=START, laps=1, trials=(AverageSpeedTrial(
        name="PM", start=START, target_kmh=43.0, checkpoints=(Checkpoint(place=GATE),)),))
    run = CarRun.of([(1, 1000), (2, 1000 + elapsed_ms)])
    return score_run(run, track, leg, event.scale)[0]


def test_pm_ideal_time_is_not_rounded_before_flooring(event, track):
    # ideal: 9 m at 43 km/h / 3.6 / 32 = 9 * 115.2 / 43 = 24.1116 s
    assert _pm_run(event, track, 25_110).penalty == 0  # 0.998 s late: under a second
    assert _pm_run(event, track, 25_120).penalty == 1  # 1.008 s late
    assert _pm_run(event, track, 23_120).penalty == 0  # 0.992 s early


def test_mm_2009_merit_formula(register):
    table = CoefficientTable()
    alfa = make_entry()  # 8C 2300: first ran 1932 (period 0.30), 2336 cc (class 0.15), Sport
    # 2009: 1 + (0.30 + (0.15 - 0)) = 1.45; 2016: 1 + 0.30 + 0.15 + 0.20 + 0.05 (winner) = 1.70
    assert merit_coefficient(alfa, table, register, MeritFormula.MM2009) == 1.45
    assert merit_coefficient(alfa, table, register, MeritFormula.MM2016) == 1.70
    ran = alfa.model_copy(update={"car": alfa.car.model_copy(
        update={"replicated_entry_ref": "1932 #86"})})
    assert merit_coefficient(ran, table, register, MeritFormula.MM2009) == 1.55  # + 0.10
    fiat = make_entry(marque="Fiat", model="1100", replica_year=1947, build_year=1947,
                      displacement_cc=1089, supercharged=False, category="T")
    # the 1100 first ran in 1938 (period 0.25), <= 1100 cc (0.10), Turismo (0.20):
    # 1 + (0.25 + (0.10 - 0.20)) = 1.15
    assert merit_coefficient(fiat, table, register, MeritFormula.MM2009) == 1.15


def test_per_class_speed_time_bar(event, register):
    from slotrace.rules.classify import classify_standings
    from slotrace.rules.model import SpeedTrial, TrialKind
    from slotrace.rules.scoring import TrialScore
    from slotrace.rules.standings import DrivenLeg

    entries = [make_entry(1), make_entry(2), make_entry(3)]
    car = entries[0].car
    klass = register.class_for(car.replica_year, car.category, car.supercharged,
                               car.displacement_cc).code
    speed = SpeedTrial(name="Radicofani", start=START, laps=2,
                       class_min_average_kmh={klass: 120.0})
    timed = _with_leg(event, speed)

    def run(kmh: float, seconds: float) -> list[DrivenLeg]:
        return [DrivenLeg(0, (TrialScore("Radicofani", TrialKind.SPEED, 0, seconds, None, False,
                                         f"{seconds} s", laps=2, avg_scale_kmh=kmh),))]

    # 60 m at 1:32: 130 km/h = 1.128 m/s -> 53.17 s; 125 km/h 55.30 s; 110 km/h 62.84 s
    driven = {1: run(110.0, 62.84), 2: run(130.0, 53.17), 3: run(125.0, 55.30)}
    table = classify_standings(entries, timed, driven).speed["Radicofani"]
    assert [(r.entry_no, r.position) for r in table] == [(2, 1), (3, 2), (1, None)]
    assert f"below the class {klass} bar of 120 km/h" in table[2].detail
