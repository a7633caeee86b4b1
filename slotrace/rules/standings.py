"""Provides the provisional classification (§6.9): per leg and overall, only trials driven count.

`provisional_classification` is the one function that ranks cars, at any moment of the day:

* a car is scored only on the legs it has driven (`DrivenLeg`); a leg still on track
  (``in_progress``) counts only the trials already decided (a trial not yet reached is not
  "missed"), and its rows are marked provisional;
* a car that has driven nothing is listed as "not started" below every car that has run;
* stewards' decisions (`Sanction`) enter the score: a time penalty as 1 point per hundredth
  (the PC unit, §6.4) outside the coefficient (§6.9 "other penalties"), a points penalty as
  such, an exclusion from a trial as that trial's maximum, a disqualification takes the car
  out of the ranking with the reason shown. Each carries ``ref``, the stewards' log entry;
* cars are compared on like terms: more trials driven first, then the score and the
  configured tie-break chain (so after one heat the order is the order of the trials driven).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from slotrace.rules.coefficients import age_coefficient, merit_coefficient
from slotrace.rules.model import (
    AverageSpeedTrial,
    ClassificationMode,
    Entry,
    Event,
    PassageControl,
    PrecisionTrial,
    TimeControl,
    Trial,
    TrialKind,
    trial_target,
)
from slotrace.rules.register import Register, load_register
from slotrace.rules.scoring import TrialScore

REGULARITY = (TrialKind.PC, TrialKind.PM)
CONTROLS = (TrialKind.CO, TrialKind.CT)
OVER_MAX_LATE = "beyond the maximum"


class RowStatus(StrEnum):
    """Where a car stands in a classification."""

    CLASSIFIED = "classified"
    PROVISIONAL = "provisional"  # a heat of this car is still on track
    EXCLUDED = "excluded"  # §6.6: beyond the maximum lateness on a single-leg event/final leg
    DISQUALIFIED = "disqualified"
    NOT_STARTED = "not started"


RANKED = (RowStatus.CLASSIFIED, RowStatus.PROVISIONAL)

_SHORT_STATUS = {RowStatus.NOT_STARTED: "NS", RowStatus.DISQUALIFIED: "DSQ",
                 RowStatus.EXCLUDED: "EXC"}


def position_text(position: int | None, status: str) -> str:
    """What a classification row shows in its position column: its position, or NS, DSQ or
    EXC for a car without one (every screen, board and export shows the same)."""
    if position is not None:
        return str(position)
    return _SHORT_STATUS.get(RowStatus(status), "") if status in _STATUSES else ""


def score_text(score: float | int | None, status: str) -> str:
    """A classification row's score as shown: a dash for a car that has not started (it has
    no score yet, and 0 would read as a perfect run); a coefficient-weighted score with two
    decimals, whole points as they are."""
    if status == RowStatus.NOT_STARTED or score is None:
        return "–"
    return f"{score:.2f}" if isinstance(score, float) else str(score)


def coefficient_text(coefficient: float | None) -> str:
    """A coefficient as shown, always with its two decimals (1.50, not 1.5), so a column of
    them lines up on every screen, board and export."""
    return "" if coefficient is None else f"{coefficient:.2f}"


_STATUSES = {s.value for s in RowStatus}


class SanctionKind(StrEnum):
    """Stewards' decisions that change a classification."""

    TIME_PENALTY = "time penalty"
    POINTS_PENALTY = "other penalty"
    TRIAL_EXCLUSION = "exclusion from a trial"
    DISQUALIFICATION = "disqualification"


@dataclass(frozen=True, slots=True)
class Sanction:
    """A decision against one entry; ``ref`` names its stewards' log entry ("heat 3 #2").

    ``points``: penalty points (a time penalty: its hundredths). ``leg``: the leg of the heat
    the decision was taken in (None: the event). ``trial``: the trial a car is excluded from.
    """

    entry_no: int
    kind: SanctionKind
    reason: str
    ref: str
    leg: int | None = None
    points: int = 0
    trial: str | None = None


@dataclass(frozen=True, slots=True)
class DrivenLeg:
    """The trial scores of one car in one leg it has driven (``in_progress``: still on track)."""

    leg: int
    scores: tuple[TrialScore, ...]
    in_progress: bool = False
    heat: int | None = None


@dataclass(frozen=True, slots=True)
class TrialLine:
    """One line of a car's stage sheet: what was asked, what was measured, what it cost."""

    leg: int
    trial: str
    kind: TrialKind
    target: str
    measured: str
    deviation_cs: int | None
    penalty: int
    points: int | None
    coefficient: float
    counted: bool
    detail: str


@dataclass(frozen=True, slots=True)
class StandingRow:
    """One car in a classification. ``score`` ranks (lower wins in penalty mode, higher in
    points mode); ``raw`` is the same without the coefficient (side tables)."""

    position: int | None
    entry_no: int
    label: str
    status: RowStatus
    score: float
    raw: float
    coefficient: float
    regularity_penalty: int
    control_penalty: int
    other_penalty: int
    points: int
    trials_driven: int
    legs_driven: tuple[int, ...]
    zero_trials: int
    within_5: int
    first_trial_penalty: int
    trials: tuple[TrialLine, ...]
    sanctions: tuple[Sanction, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Standings:
    """A ranked table: ``leg`` None for the overall classification."""

    title: str
    leg: int | None
    mode: ClassificationMode
    rows: tuple[StandingRow, ...]
    provisional: bool


@dataclass(frozen=True, slots=True)
class ProvisionalClassification:
    """Overall and per-leg standings at one moment of the event."""

    mode: ClassificationMode
    overall: Standings
    legs: tuple[Standings, ...]
    illustrative_coefficients: bool


def _trial_max(trial: Trial) -> int:
    if isinstance(trial, PrecisionTrial):
        return trial.max_penalty
    if isinstance(trial, AverageSpeedTrial):
        return trial.max_penalty * len(trial.checkpoints)
    if isinstance(trial, TimeControl):
        return trial.over_max_late_penalty
    if isinstance(trial, PassageControl):
        return trial.penalty_per_miss * len(trial.places)
    return 0


def _measured(score: TrialScore) -> str:
    if score.missed and score.measured_s is None:
        return "missed"
    if score.kind in (TrialKind.PC, TrialKind.CO, TrialKind.SPEED) and score.measured_s is not None:
        return f"{score.measured_s:.2f} s"
    return score.detail


def _counted(score: TrialScore, in_progress: bool) -> bool:
    """A trial counts once decided: always after the leg, while on track only if completed."""
    return not in_progress or not score.missed


@dataclass(frozen=True, slots=True)
class _Line:
    leg: int
    index: int
    trial: Trial | None  # None when scores come without their template (`classify`)
    score: TrialScore
    counted: bool
    penalty: int

    @property
    def kind(self) -> TrialKind:
        return self.score.kind


def _lines(event: Event, driven: Sequence[DrivenLeg], sanctions: Sequence[Sanction]
           ) -> list[_Line]:
    excluded = {(s.leg, s.trial) for s in sanctions if s.kind is SanctionKind.TRIAL_EXCLUSION}
    out = []
    for leg_run in driven:
        trials: Sequence[Trial | None] = (
            event.legs[leg_run.leg].trials if leg_run.leg < len(event.legs) else ())
        if len(trials) != len(leg_run.scores):
            trials = [None] * len(leg_run.scores)
        for i, (trial, score) in enumerate(zip(trials, leg_run.scores, strict=True)):
            hit = (leg_run.leg, score.trial) in excluded or (None, score.trial) in excluded
            counted = hit or _counted(score, leg_run.in_progress)
            penalty = _trial_max(trial) if hit and trial is not None else score.penalty
            out.append(_Line(leg_run.leg, i, trial, score, counted, penalty))
    return out


def _position_points(penalties: Mapping[int, int], first: int, step: int) -> dict[int, int]:
    """Rank by penalty ascending (equal penalty = equal rank) and award decreasing points."""
    rank_of: dict[int, int] = {}
    for i, pen in enumerate(sorted(penalties.values()), 1):
        rank_of.setdefault(pen, i)
    return {n: max(0, first - step * (rank_of[p] - 1)) for n, p in penalties.items()}


def _trial_points(lines: Mapping[int, list[_Line]], event: Event) -> dict[tuple[int, int, int],
                                                                         int]:
    """(entry_no, leg, trial index) -> position points, ranking only the cars that drove it."""
    config = event.classification
    by_trial: dict[tuple[int, int], dict[int, int]] = {}
    for n, car_lines in lines.items():
        for line in car_lines:
            if line.counted and line.kind in REGULARITY:
                by_trial.setdefault((line.leg, line.index), {})[n] = line.penalty
    out = {}
    for (leg, index), penalties in by_trial.items():
        for n, pts in _position_points(penalties, config.points_first, config.points_step).items():
            out[(n, leg, index)] = pts
    return out


def _exclusion(event: Event, lines: Sequence[_Line]) -> str:
    """§6.6: beyond the maximum lateness at a CO of a single-leg event or the final leg."""
    if not event.classification.exclude_over_max_late_on_final_leg:
        return ""
    final = len(event.legs) - 1
    for line in lines:
        if (line.counted and line.leg == final and line.kind is TrialKind.CO
                and OVER_MAX_LATE in line.score.detail):
            return f"excluded: {line.score.trial} {line.score.detail} on the final leg (§6.6)"
    return ""


def _row(entry: Entry, event: Event, coefficient: float, lines: Sequence[_Line],
         points_of: Mapping[tuple[int, int, int], int], sanctions: Sequence[Sanction],
         in_progress: bool) -> StandingRow:
    points_mode = event.classification.mode is ClassificationMode.POINTS
    counted = [x for x in lines if x.counted and x.kind is not TrialKind.SPEED]
    regular = [x.penalty for x in counted if x.kind in REGULARITY]
    controls = sum(x.penalty for x in counted if x.kind in CONTROLS)
    other = sum(s.points for s in sanctions if s.kind in (SanctionKind.TIME_PENALTY,
                                                         SanctionKind.POINTS_PENALTY))
    points = sum(points_of.get((entry.entry_no, x.leg, x.index), 0) for x in counted)
    if points_mode:
        raw = float(points - controls - other)
        score = round(coefficient * points - controls - other, 2)
    else:
        raw = float(sum(regular) + controls + other)
        score = round(coefficient * sum(regular) + controls + other, 2)
    dsq = next((s for s in sanctions if s.kind is SanctionKind.DISQUALIFICATION), None)
    excluded = _exclusion(event, lines)
    if dsq is not None:
        status, note = RowStatus.DISQUALIFIED, f"disqualified: {dsq.reason} ({dsq.ref})"
    elif not counted:
        status, note = RowStatus.NOT_STARTED, "not started"
    elif excluded:
        status, note = RowStatus.EXCLUDED, excluded
    else:
        status = RowStatus.PROVISIONAL if in_progress else RowStatus.CLASSIFIED
        note = "heat in progress" if in_progress else ""
    sheet = tuple(
        TrialLine(
            leg=x.leg, trial=x.score.trial, kind=x.kind,
            target=trial_target(x.trial) if x.trial is not None else "",
            measured=_measured(x.score),
            deviation_cs=None if x.score.deviation_s is None else round(x.score.deviation_s * 100),
            penalty=x.penalty,
            points=points_of.get((entry.entry_no, x.leg, x.index)) if points_mode else None,
            coefficient=coefficient if x.kind in REGULARITY else 1.0,
            counted=x.counted, detail=x.score.detail,
        )
        for x in lines
    )
    return StandingRow(
        position=None, entry_no=entry.entry_no, label=entry.label, status=status, score=score,
        raw=raw, coefficient=coefficient, regularity_penalty=sum(regular),
        control_penalty=controls, other_penalty=other, points=points,
        trials_driven=len(counted), legs_driven=tuple(sorted({x.leg for x in counted})),
        zero_trials=regular.count(0),
        within_5=sum(1 for x in counted if x.kind is TrialKind.PC
                     and x.score.deviation_s is not None and x.score.deviation_s <= 0.05),
        first_trial_penalty=regular[0] if regular else 0,
        trials=sheet, sanctions=tuple(sanctions), note=note,
    )


def rank(rows: Iterable[StandingRow], event: Event, entries: Mapping[int, Entry],
         use_raw: bool = False, start_order: Sequence[int] = ()) -> tuple[StandingRow, ...]:
    """Positions for ranked rows (more trials first, then score and tie-breaks); the rest
    follow without a position: excluded, disqualified, then not started."""
    config = event.classification
    points_mode = config.mode is ClassificationMode.POINTS
    start_pos = {n: i for i, n in enumerate(start_order)}

    def key(row: StandingRow) -> tuple:
        value = row.raw if use_raw else row.score
        keys: list = [-row.trials_driven, -value if points_mode else value]
        for name in config.tie_breaks:
            if name == "zero_trials":
                keys.append(-row.zero_trials)
            elif name == "within_5_hundredths":
                keys.append(-row.within_5)
            elif name == "older_build_year":
                keys.append(entries[row.entry_no].car.build_year)
            elif name == "first_trial":
                keys.append(row.first_trial_penalty)
            elif name == "race_number":
                keys.append(start_pos.get(row.entry_no, len(start_pos) + row.entry_no))
        return tuple(keys)

    rows = list(rows)
    ranked = sorted((r for r in rows if r.status in RANKED), key=lambda r: (key(r), r.entry_no))
    out, last, position = [], None, 0
    for i, row in enumerate(ranked, 1):
        if key(row) != last:
            position, last = i, key(row)
        out.append(replace(row, position=position, score=row.raw if use_raw else row.score))
    for status in (RowStatus.EXCLUDED, RowStatus.DISQUALIFIED, RowStatus.NOT_STARTED):
        out.extend(sorted((r for r in rows if r.status is status), key=lambda r: r.entry_no))
    return tuple(out)


def coefficient_of(entry: Entry, event: Event, register: Register) -> float:
    """The row coefficient: merit (points mode, §6.8) or age (penalty mode)."""
    config = event.classification
    if config.mode is ClassificationMode.POINTS:
        return merit_coefficient(entry, config.coefficients, register, config.merit_formula)
    return age_coefficient(entry.car.build_year)


def provisional_classification(
    event: Event,
    entries: Iterable[Entry],
    driven: Mapping[int, Sequence[DrivenLeg]],
    sanctions: Iterable[Sanction] = (),
    start_order: Sequence[int] = (),
    register: Register | None = None,
) -> ProvisionalClassification:
    """Overall and per-leg standings of ``entries`` (the starters) from the legs driven so far.

    ``driven``: entry_no -> its `DrivenLeg`s (absent or empty: not started). ``start_order``
    (entry numbers) breaks the last ties.
    """
    register = register or load_register()
    entries = list(entries)
    by_no = {e.entry_no: e for e in entries}
    sanctions = [s for s in sanctions if s.entry_no in by_no]
    sanctions_of = {n: [s for s in sanctions if s.entry_no == n] for n in by_no}
    lines = {n: _lines(event, driven.get(n, ()), sanctions_of[n]) for n in by_no}
    points_of = _trial_points(lines, event)
    coefficients = {n: coefficient_of(e, event, register) for n, e in by_no.items()}
    running = {n: {d.leg for d in driven.get(n, ()) if d.in_progress} for n in by_no}

    def table(leg: int | None) -> tuple[StandingRow, ...]:
        rows = []
        for n, entry in by_no.items():
            own = lines[n] if leg is None else [x for x in lines[n] if x.leg == leg]
            applied = [s for s in sanctions_of[n] if leg is None or s.leg in (None, leg)]
            live = bool(running[n]) if leg is None else leg in running[n]
            rows.append(_row(entry, event, coefficients[n], own, points_of, applied, live))
        return rank(rows, event, by_no, start_order=start_order)

    any_running = any(running.values())
    overall = table(None)
    all_done = all(r.status is not RowStatus.PROVISIONAL and
                   len(r.legs_driven) == len(event.legs) for r in overall
                   if r.status is not RowStatus.NOT_STARTED)
    mode = event.classification.mode
    return ProvisionalClassification(
        mode=mode,
        overall=Standings("Overall", None, mode, overall, any_running or not all_done),
        legs=tuple(
            Standings(leg.name, i, mode, rows := table(i),
                      any(r.status is RowStatus.PROVISIONAL for r in rows))
            for i, leg in enumerate(event.legs)
        ),
        illustrative_coefficients=event.classification.coefficients.illustrative,
    )
