"""Provides stage scoring (reference §6.3-6.7): speed, PC, PM, CO and CT from a car's crossings.

Input is small and engine-independent: per car, its crossings in the leg run as
(sensor group, device milliseconds) in time order (`CarRun`). `runs_from_race_state` builds
them from an engine `RaceState` and the heat's controller addresses. Times are rounded to
hundredths before scoring, mirroring the Mille Miglia's 1/100 s timing; all arithmetic is done
in whole hundredths so results never depend on float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from slotrace.rules.model import (
    AverageSpeedTrial,
    Checkpoint,
    Heat,
    Leg,
    PassageControl,
    PrecisionTrial,
    SpeedTrial,
    TimeControl,
    Track,
    TrialKind,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from slotrace.engine import RaceState


@dataclass(frozen=True, slots=True)
class Crossing:
    """A car passing a sensor group at a device time (ms)."""

    sensor: int
    time_ms: int

    @property
    def cs(self) -> int:
        """Time in whole hundredths, rounded half up."""
        return (self.time_ms + 5) // 10


@dataclass(frozen=True, slots=True)
class CarRun:
    """One car's crossings during a leg run, in time order."""

    crossings: tuple[Crossing, ...]

    @staticmethod
    def of(pairs: Sequence[tuple[int, int]]) -> CarRun:
        """From (sensor, time_ms) pairs."""
        return CarRun(tuple(Crossing(s, t) for s, t in sorted(pairs, key=lambda p: p[1])))


@dataclass(frozen=True, slots=True)
class TrialScore:
    """The result of one trial for one car.

    ``penalty`` counts towards the regularity score (0 for SPEED); ``measured_s`` is the time
    taken (PC, SPEED), the arrival time (CO) or None; ``missed`` is True when a sensor needed
    was never crossed; ``laps`` and ``avg_scale_kmh`` are set for SPEED.
    """

    trial: str
    kind: TrialKind
    penalty: int
    measured_s: float | None
    deviation_s: float | None
    missed: bool
    detail: str
    laps: int = 0
    avg_scale_kmh: float | None = None
    classified: bool = True


def _sensor(track: Track, place: str) -> int:
    sensor = track.place(place).sensor
    if sensor is None:
        raise KeyError(f"place {place!r} on track {track.name!r} has no sensor group")
    return sensor


def _nth_after(crossings: Sequence[Crossing], sensor: int, n: int, after: int) -> int | None:
    """Index of the n-th crossing of ``sensor`` strictly after index ``after``."""
    seen = 0
    for i in range(after + 1, len(crossings)):
        if crossings[i].sensor == sensor:
            seen += 1
            if seen == n:
                return i
    return None


def leg_start_index(run: CarRun, track: Track, leg: Leg) -> int | None:
    """Index of the crossing that starts the car's leg (first pass of the start place)."""
    return _nth_after(run.crossings, _sensor(track, leg.start_place), 1, -1)


def score_precision(run: CarRun, track: Track, trial: PrecisionTrial, start: int | None
                    ) -> TrialScore:
    """PC: 1 point per hundredth early or late, capped; missed sensor = cap (§6.4)."""
    c = run.crossings
    a = None if start is None else _nth_after(c, _sensor(track, trial.start), trial.pass_no,
                                              start - 1)
    b = None if a is None else _nth_after(c, _sensor(track, trial.end), trial.end_crossing, a)
    if a is None or b is None:
        which = trial.start if a is None else trial.end
        return TrialScore(trial.name, trial.kind, trial.max_penalty, None, None, True,
                          f"missed: no crossing at {which}")
    taken = c[b].cs - c[a].cs
    target = round(trial.target_s * 100)
    deviation = abs(taken - target)
    penalty = min(trial.max_penalty, deviation)
    sign = "late" if taken > target else "early" if taken < target else "exact"
    return TrialScore(trial.name, trial.kind, penalty, taken / 100, deviation / 100, False,
                      f"{taken / 100:.2f} s for {trial.target_s:.2f} s ({sign})")


def pm_distance_m(track: Track, start: str, place: str, crossing: int) -> float:
    """Distance from ``start`` to the ``crossing``-th pass of ``place`` along the full lap."""
    delta = (track.place(place).distance_m - track.place(start).distance_m) % track.lap_length_m
    if delta == 0:
        delta = track.lap_length_m
    return (crossing - 1) * track.lap_length_m + delta


def score_average_speed(run: CarRun, track: Track, trial: AverageSpeedTrial, start: int | None,
                        scale: int) -> TrialScore:
    """PM: per secret checkpoint |t - ideal| in whole seconds (or hundredths), capped (§6.5)."""
    c = run.crossings
    a = None if start is None else _nth_after(c, _sensor(track, trial.start), trial.pass_no,
                                              start - 1)
    total, parts, missed = 0, [], False
    deviation = Fraction(0)
    for cp in trial.checkpoints:
        ideal_cs = pm_ideal_cs(track, trial, cp, scale)
        k = None if a is None else _nth_after(c, _sensor(track, cp.place), cp.crossing, a)
        if k is None or a is None:
            total += trial.max_penalty
            missed = True
            parts.append(f"{cp.place}: missed")
            continue
        # the crossings are timed to the hundredth, the ideal time is exact (§6.5): 0.998 s
        # late is under a second, 0 points
        dev_cs = abs(c[k].cs - c[a].cs - ideal_cs)
        deviation += dev_cs
        pen = round(dev_cs) if trial.hundredths else math.floor(dev_cs / 100)
        total += min(trial.max_penalty, pen)
        parts.append(f"{cp.place}: {(c[k].cs - c[a].cs) / 100:.2f} s for "
                     f"{float(ideal_cs) / 100:.3f} s")
    return TrialScore(trial.name, trial.kind, total, None,
                      None if missed else float(deviation) / 100, missed, "; ".join(parts))


def pm_ideal_cs(track: Track, trial: AverageSpeedTrial, checkpoint: Checkpoint, scale: int
                ) -> Fraction:
    """Exact ideal passing time (hundredths) of a PM checkpoint: distance / (V / 3.6 / S)."""
    distance = Fraction(pm_distance_m(track, trial.start, checkpoint.place, checkpoint.crossing))
    speed = Fraction(trial.target_kmh) / Fraction(36, 10) / scale
    return distance / speed * 100


def score_time_control(run: CarRun, track: Track, trial: TimeControl, start: int | None
                       ) -> TrialScore:
    """CO: whole virtual 'minutes' early/late x 100; beyond max lateness a fixed penalty (§6.6)."""
    c = run.crossings
    k = None if start is None else _nth_after(c, _sensor(track, trial.place), trial.crossing,
                                              start)
    if k is None or start is None:
        return TrialScore(trial.name, trial.kind, trial.over_max_late_penalty, None, None, True,
                          f"missed: never reached {trial.place}")
    actual_cs = c[k].cs - c[start].cs
    ideal_cs = round(trial.allotted_s * 100)
    unit_cs = round(trial.unit_s * 100)
    units = actual_cs // unit_cs - ideal_cs // unit_cs
    late_s = (actual_cs - ideal_cs) / 100
    if trial.max_late_s is not None and late_s > trial.max_late_s:
        penalty, how = trial.over_max_late_penalty, f"{late_s:.2f} s late, beyond the maximum"
    elif units > 0:
        penalty = trial.penalty_per_unit * units if trial.penalise_late else 0
        how = f"{units} unit(s) late"
    elif units < 0:
        penalty = trial.penalty_per_unit * -units if trial.penalise_early else 0
        how = f"{-units} unit(s) early"
    else:
        penalty, how = 0, "on time"
    return TrialScore(trial.name, trial.kind, penalty, actual_cs / 100, late_s, False,
                      f"arrived {actual_cs / 100:.2f} s for {trial.allotted_s:.2f} s: {how}")


def score_passage(run: CarRun, track: Track, trial: PassageControl, start: int | None
                  ) -> TrialScore:
    """CT: the places must be seen in order during the leg; each one missed costs (§6.7)."""
    seen = [] if start is None else [x.sensor for x in run.crossings[start:]]
    position, missed_places = 0, []
    for place in trial.places:
        sensor = _sensor(track, place)
        try:
            position = seen.index(sensor, position) + 1
        except ValueError:
            missed_places.append(place)
    penalty = trial.penalty_per_miss * len(missed_places)
    detail = "all stamps" if not missed_places else f"missed {', '.join(missed_places)}"
    return TrialScore(trial.name, trial.kind, penalty, None, None, bool(missed_places), detail)


def score_speed(run: CarRun, track: Track, trial: SpeedTrial, start: int | None, scale: int
                ) -> TrialScore:
    """Speed stage: elapsed time over ``laps`` laps and average scale km/h (§6.3)."""
    c = run.crossings
    sensor = _sensor(track, trial.start)
    a = None if start is None else _nth_after(c, sensor, 1, start - 1)
    if a is None:
        return TrialScore(trial.name, trial.kind, 0, None, None, True, "did not start",
                          classified=False)
    laps_done, end = 0, a
    for lap in range(1, trial.laps + 1):
        nxt = _nth_after(c, sensor, 1, end)
        if nxt is None:
            break
        laps_done, end = lap, nxt
    elapsed_cs = c[end].cs - c[a].cs
    if laps_done < trial.laps:
        return TrialScore(trial.name, trial.kind, 0, elapsed_cs / 100 if laps_done else None,
                          None, True, f"DNF after {laps_done} of {trial.laps} laps",
                          laps=laps_done, classified=False)
    distance = trial.laps * track.lap_length_m
    kmh = distance / (elapsed_cs / 100) * 3.6 * scale
    classified = True
    detail = f"{elapsed_cs / 100:.2f} s, {kmh:.1f} scale km/h"
    if trial.min_average_kmh is not None and kmh < trial.min_average_kmh:
        classified, detail = False, detail + f" (below the {trial.min_average_kmh} km/h bar)"
    return TrialScore(trial.name, trial.kind, 0, elapsed_cs / 100, None, False, detail,
                      laps=laps_done, avg_scale_kmh=kmh, classified=classified)


def score_run(run: CarRun | None, track: Track, leg: Leg, scale: int) -> tuple[TrialScore, ...]:
    """Every trial of ``leg`` for one car; a car with no run misses everything."""
    run = run or CarRun(())
    start = leg_start_index(run, track, leg)
    scores = []
    for trial in leg.trials:
        if isinstance(trial, PrecisionTrial):
            scores.append(score_precision(run, track, trial, start))
        elif isinstance(trial, AverageSpeedTrial):
            scores.append(score_average_speed(run, track, trial, start, scale))
        elif isinstance(trial, TimeControl):
            scores.append(score_time_control(run, track, trial, start))
        elif isinstance(trial, PassageControl):
            scores.append(score_passage(run, track, trial, start))
        else:
            scores.append(score_speed(run, track, trial, start, scale))
    return tuple(scores)


def score_leg(
    leg: Leg, track: Track, runs: Mapping[int, CarRun], entry_nos: Sequence[int], scale: int
) -> dict[int, tuple[TrialScore, ...]]:
    """Scores of every entry in ``entry_nos`` (those without a run missed the leg)."""
    return {n: score_run(runs.get(n), track, leg, scale) for n in entry_nos}


def runs_from_race_state(state: RaceState | Any, heat: Heat) -> dict[int, CarRun]:
    """Adapter: an engine `RaceState` of one heat -> entry_no -> `CarRun`.

    Uses the engine's accepted crossings that are ``scored`` (not before the start, not of
    cars outside the session). Crossings from a later device-clock epoch than the car's first
    (a control unit reset mid-heat) cannot be put on the same time line and are dropped.
    """
    runs: dict[int, CarRun] = {}
    for slot in heat.slots:
        car = state.cars.get(slot.address)
        if car is None:
            continue
        crossings = [x for x in car.crossings if getattr(x, "scored", True)]
        if not crossings:
            runs[slot.entry_no] = CarRun(())
            continue
        epoch = crossings[0].epoch
        runs[slot.entry_no] = CarRun(tuple(
            Crossing(x.sensor, x.device_ms) for x in crossings if x.epoch == epoch
        ))
    return runs


def score_event(
    event_legs: Sequence[Leg],
    track: Track,
    leg_runs: Sequence[Mapping[int, CarRun]],
    entry_nos: Sequence[int],
    scale: int,
) -> dict[int, tuple[TrialScore, ...]]:
    """All trial scores of every entry over the event, legs in order (missing leg = all missed)."""
    scores: dict[int, tuple[TrialScore, ...]] = {n: () for n in entry_nos}
    for index, leg in enumerate(event_legs):
        runs = leg_runs[index] if index < len(leg_runs) else {}
        for n, leg_scores in score_leg(leg, track, runs, entry_nos, scale).items():
            scores[n] += leg_scores
    return scores


def laps_driven(run: CarRun, track: Track, leg: Leg) -> int:
    """Completed laps in a run: crossings of the leg's start place after the first one."""
    sensor = _sensor(track, leg.start_place)
    return max(0, sum(1 for x in run.crossings if x.sensor == sensor) - 1)
