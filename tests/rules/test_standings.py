"""Provisional classification: only trials driven count, decisions move cars by their value."""

from __future__ import annotations

import pytest
from conftest import make_entry

from slotrace.rules.model import (
    ClassificationConfig,
    ClassificationMode,
    Event,
    Leg,
    PrecisionTrial,
    TimeControl,
    TrialKind,
)
from slotrace.rules.scoring import TrialScore
from slotrace.rules.standings import (
    DrivenLeg,
    RowStatus,
    Sanction,
    SanctionKind,
    provisional_classification,
)


def _leg(n: int) -> Leg:
    return Leg(name=f"Leg {n}", start_place="start", laps=2, trials=(
        PrecisionTrial(name=f"PC {n}", start="start", end="start", target_s=10.0),
        TimeControl(name=f"CO {n}", place="start", crossing=2, allotted_s=20.0, max_late_s=30),
    ))


def _event(mode: ClassificationMode = ClassificationMode.PENALTY) -> Event:
    return Event(name="Three legs", track="t", legs=(_leg(1), _leg(2), _leg(3)),
                 classification=ClassificationConfig(mode=mode, points_first=420, points_step=25))


def _pc(n: int, penalty: int, missed: bool = False) -> TrialScore:
    if missed:
        return TrialScore(f"PC {n}", TrialKind.PC, 300, None, None, True, "missed")
    return TrialScore(f"PC {n}", TrialKind.PC, penalty, 10 + penalty / 100, penalty / 100, False,
                      "")


def _co(n: int, penalty: int = 0, missed: bool = False, detail: str = "on time") -> TrialScore:
    return TrialScore(f"CO {n}", TrialKind.CO, 1000 if missed else penalty,
                      None if missed else 20.0, None, missed, "missed" if missed else detail)


def _leg_run(leg: int, pc: int, co: int = 0, in_progress: bool = False) -> DrivenLeg:
    return DrivenLeg(leg, (_pc(leg + 1, pc), _co(leg + 1, co)), in_progress)


# ten entries, all built 1932 (age coefficient 1.32), so coefficients cannot reorder them
ENTRIES = [make_entry(n, race_number=100 + n) for n in range(1, 11)]
# heat 1 = the first six cars on leg 1: PC deviations in hundredths
HEAT_1 = {1: 40, 2: 5, 3: 120, 4: 0, 5: 77, 6: 300}


def _after_heat_1(mode=ClassificationMode.PENALTY, sanctions=()):
    driven = {n: [_leg_run(0, pen)] for n, pen in HEAT_1.items()}
    return provisional_classification(_event(mode), ENTRIES, driven, sanctions,
                                      start_order=range(1, 11))


def test_after_one_heat_of_three_legs_the_order_is_the_order_of_the_trials_driven():
    overall = _after_heat_1().overall
    rows = overall.rows
    # by PC 1 penalty: 4 (0), 2 (5), 1 (40), 5 (77), 3 (120), 6 (300) -- no phantom legs 2-3
    assert [r.entry_no for r in rows[:6]] == [4, 2, 1, 5, 3, 6]
    assert [r.position for r in rows[:6]] == [1, 2, 3, 4, 5, 6]
    assert [r.score for r in rows[:6]] == [0.0, 6.6, 52.8, 101.64, 158.4, 396.0]  # x 1.32
    assert all(r.legs_driven == (0,) and r.trials_driven == 2 for r in rows[:6])
    # the four that have not run: below, unranked, "not started", never scored
    assert [(r.entry_no, r.position, r.status) for r in rows[6:]] == [
        (n, None, RowStatus.NOT_STARTED) for n in (7, 8, 9, 10)]
    assert all(r.score == 0 and r.trials == () for r in rows[6:])
    assert overall.provisional  # legs 2 and 3 still to drive


def test_points_mode_ranks_only_the_cars_that_drove_the_trial():
    rows = _after_heat_1(ClassificationMode.POINTS).overall.rows
    assert [r.entry_no for r in rows[:6]] == [4, 2, 1, 5, 3, 6]
    assert [r.points for r in rows[:6]] == [420, 395, 370, 345, 320, 295]  # 420 - 25 (rank - 1)
    assert [r.status for r in rows[6:]] == [RowStatus.NOT_STARTED] * 4
    assert all(r.points == 0 for r in rows[6:])


def test_per_leg_standings_and_the_heat_in_progress_is_provisional():
    driven = {n: [_leg_run(0, pen)] for n, pen in HEAT_1.items()}
    # car 4 is on leg 2 now: its PC 2 is done (25), its CO 2 not reached yet (not "missed")
    driven[4] = [_leg_run(0, 0), DrivenLeg(1, (_pc(2, 25), _co(2, missed=True)), True)]
    result = provisional_classification(_event(), ENTRIES, driven, start_order=range(1, 11))
    car4 = next(r for r in result.overall.rows if r.entry_no == 4)
    assert car4.status is RowStatus.PROVISIONAL and car4.trials_driven == 3
    assert car4.score == 33.0  # 1.32 x (0 + 25); the CO 2 not reached costs nothing yet
    assert [t.counted for t in car4.trials] == [True, True, True, False]
    leg2 = result.legs[1]
    assert leg2.provisional and leg2.rows[0].entry_no == 4
    assert [r.status for r in leg2.rows[1:]] == [RowStatus.NOT_STARTED] * 9
    leg1 = result.legs[0]
    assert [r.entry_no for r in leg1.rows[:6]] == [4, 2, 1, 5, 3, 6] and not leg1.provisional


@pytest.mark.parametrize("mode, sign", [(ClassificationMode.PENALTY, 1),
                                        (ClassificationMode.POINTS, -1)])
def test_a_time_penalty_moves_a_car_by_exactly_its_value(mode, sign):
    before = {r.entry_no: r.score for r in _after_heat_1(mode).overall.rows}
    penalty = Sanction(2, SanctionKind.TIME_PENALTY, "jump start", "heat 1 #3", 0, points=500)
    rows = _after_heat_1(mode, [penalty]).overall.rows
    after = {r.entry_no: r.score for r in rows}
    assert after[2] == round(before[2] + sign * 500, 2)  # 5.00 s = 500 hundredths, outside C
    assert {n for n in after if after[n] != before[n]} == {2}
    car2 = next(r for r in rows if r.entry_no == 2)
    assert car2.other_penalty == 500 and car2.sanctions[0].ref == "heat 1 #3"
    if mode is ClassificationMode.PENALTY:  # 6.6 + 500 = 506.6: behind car 3 (158.4) and 6 (396)
        assert [r.entry_no for r in rows[:6]] == [4, 1, 5, 3, 6, 2]


def test_a_disqualification_removes_the_car_with_the_reason_shown():
    dsq = Sanction(4, SanctionKind.DISQUALIFICATION, "illegal motor", "heat 1 #5", 0)
    rows = _after_heat_1(sanctions=[dsq]).overall.rows
    assert [r.entry_no for r in rows[:5]] == [2, 1, 5, 3, 6]
    assert [r.position for r in rows[:5]] == [1, 2, 3, 4, 5]
    car4 = rows[5]
    assert (car4.entry_no, car4.position, car4.status) == (4, None, RowStatus.DISQUALIFIED)
    assert car4.note == "disqualified: illegal motor (heat 1 #5)"


def test_exclusion_from_a_trial_scores_it_at_its_maximum():
    out = Sanction(4, SanctionKind.TRIAL_EXCLUSION, "cut the chicane", "heat 1 #6", 0,
                   trial="PC 1")
    car4 = next(r for r in _after_heat_1(sanctions=[out]).overall.rows if r.entry_no == 4)
    assert car4.regularity_penalty == 300 and car4.score == 396.0  # 1.32 x 300


def test_beyond_max_lateness_on_the_final_leg_excludes():
    late = "50.00 s late, beyond the maximum"
    driven = {1: [_leg_run(0, 0), _leg_run(1, 0),
                  DrivenLeg(2, (_pc(3, 0), _co(3, 1000, detail=late)))],
              2: [_leg_run(0, 10), _leg_run(1, 10), _leg_run(2, 10)]}
    rows = provisional_classification(_event(), ENTRIES[:2], driven).overall.rows
    assert [(r.entry_no, r.status) for r in rows] == [(2, RowStatus.CLASSIFIED),
                                                      (1, RowStatus.EXCLUDED)]
    assert "CO 3" in rows[1].note


def test_stage_sheet_lines_carry_target_measured_deviation_and_coefficient():
    from slotrace.rules.standings import TrialLine

    event = _event()
    driven = {1: [DrivenLeg(0, (_pc(1, 40), _co(1)))]}
    [row, *_] = provisional_classification(event, ENTRIES[:1], driven).overall.rows
    pc, co = row.trials
    assert pc == TrialLine(0, "PC 1", TrialKind.PC, "10.00 s", "10.40 s", 40, 40, None, 1.32,
                           True, "")
    assert (co.target, co.coefficient) == ("due at 20.00 s", 1.0)  # controls are not multiplied
