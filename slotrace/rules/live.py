"""Provides live regularity: per car the trial in progress, its target, the running deviation.

Built on `slotrace.rules.scoring` (a completed trial is scored exactly as the results report
scores it), for race control and the spectator boards while a heat runs. Pure: a car's
crossings so far in, `LiveCar` values out.

* A trial is *completed* once scoring finds all its crossings (PC, PM, CO, speed) or every
  stamp (CT); its penalty then counts in ``points``.
* The *trial in progress* is the first trial of the leg not completed yet.
* The *running deviation* (hundredths, + late, - early) is measured at the car's last
  crossing: for a PC over N laps, the time since the trial start against the pro-rata target
  at each intermediate pass (``target * k / N``); for a PM, the last secret checkpoint passed;
  for a CO, the last pass of its place against the pro-rata allotted time. None otherwise.
* The *provisional rank* orders the cars by points of the completed trials (lower first),
  then by more trials completed, then by the smaller absolute running deviation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slotrace.rules.model import (
    AverageSpeedTrial,
    Event,
    Heat,
    Leg,
    PrecisionTrial,
    SpeedTrial,
    TimeControl,
    Track,
    TrialKind,
    trial_target,
)
from slotrace.rules.scoring import (
    CarRun,
    TrialScore,
    _nth_after,
    _sensor,
    leg_start_index,
    pm_distance_m,
    runs_from_race_state,
    score_run,
)


@dataclass(frozen=True, slots=True)
class TrialResult:
    """A completed trial: its name, kind, penalty points and signed deviation (hundredths)."""

    trial: str
    kind: TrialKind
    penalty: int
    deviation_cs: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class LiveCar:
    """One car's regularity so far in this heat.

    Attributes:
        entry_no: the entry.
        trial: name of the trial in progress (None: leg not started or every trial done).
        kind: its kind.
        target: what it asks for, in words ("12.40 s", "38 km/h", "3 laps").
        deviation_cs: running deviation in hundredths (+ late, - early), None if not measurable.
        points: penalty points of the trials completed in this heat.
        completed: results of the completed trials, in leg order.
        rank: provisional rank among the cars of the heat (1 = best).
    """

    entry_no: int
    trial: str | None
    kind: TrialKind | None
    target: str
    deviation_cs: int | None
    points: int
    completed: tuple[TrialResult, ...]
    rank: int = 0

    @property
    def last_result(self) -> TrialResult | None:
        """The most recently completed trial (what a board flashes)."""
        return self.completed[-1] if self.completed else None


def is_regularity_leg(leg: Leg) -> bool:
    """True when the leg has a trial other than a speed stage (sprint legs keep the lap view)."""
    return any(not isinstance(t, SpeedTrial) for t in leg.trials)


def _completed(score: TrialScore) -> bool:
    return not score.missed


def _signed_cs(score: TrialScore, trial: object) -> int | None:
    if isinstance(trial, PrecisionTrial) and score.measured_s is not None:
        return round(score.measured_s * 100) - round(trial.target_s * 100)
    if isinstance(trial, TimeControl) and score.deviation_s is not None:
        return round(score.deviation_s * 100)
    return None


def _running_cs(run: CarRun, track: Track, trial: object, start: int | None) -> int | None:
    """Signed deviation at the car's last crossing inside the trial in progress."""
    c = run.crossings
    if start is None or not c:
        return None
    if isinstance(trial, PrecisionTrial):
        a = _nth_after(c, _sensor(track, trial.start), trial.pass_no, start - 1)
        if a is None:
            return None
        passes, last = _passes_so_far(run, _sensor(track, trial.end), trial.end_crossing, a)
        if last is None:
            return None
        target_cs = trial.target_s * 100 * passes / trial.end_crossing
        return c[last].cs - c[a].cs - round(target_cs)
    if isinstance(trial, TimeControl):
        passes, last = _passes_so_far(run, _sensor(track, trial.place), trial.crossing, start)
        if last is None:
            return None
        allotted = trial.allotted_s * 100 * passes / trial.crossing
        return c[last].cs - c[start].cs - round(allotted)
    return None


def _passes_so_far(run: CarRun, sensor: int, wanted: int, after: int) -> tuple[int, int | None]:
    """How many of the ``wanted`` crossings of ``sensor`` after index ``after`` the car has
    made so far, and the index of the last of them (None: none yet)."""
    passes, k, last = 0, after, None
    while passes < wanted:
        nxt = _nth_after(run.crossings, sensor, 1, k)
        if nxt is None:
            break
        passes, k, last = passes + 1, nxt, nxt
    return passes, last


def _pm_running_cs(run: CarRun, track: Track, trial: AverageSpeedTrial, start: int | None,
                   scale: int) -> int | None:
    """Signed deviation at the last secret checkpoint the car has passed."""
    c = run.crossings
    if start is None:
        return None
    a = _nth_after(c, _sensor(track, trial.start), trial.pass_no, start - 1)
    if a is None:
        return None
    speed = trial.target_kmh / 3.6 / scale
    found = None
    for cp in trial.checkpoints:
        k = _nth_after(c, _sensor(track, cp.place), cp.crossing, a)
        if k is None:
            break
        ideal = round(pm_distance_m(track, trial.start, cp.place, cp.crossing) / speed * 100)
        found = c[k].cs - c[a].cs - ideal
    return found


def live_car(entry_no: int, run: CarRun | None, track: Track, leg: Leg, scale: int,
             *, done: bool = False) -> LiveCar:
    """The regularity of one car so far (rank left at 0; `live_heat` ranks).

    ``done``: the car's heat is over for it (it took the flag, or the heat finished): no trial
    is in progress any more, and a trial it did not complete is a missed one, scored as the
    classification scores it.
    """
    run = run or CarRun(())
    scores = score_run(run, track, leg, scale)
    start = leg_start_index(run, track, leg)
    completed: list[TrialResult] = []
    current = None
    for trial, score in zip(leg.trials, scores, strict=True):
        if (done or _completed(score)) and current is None:
            completed.append(TrialResult(score.trial, score.kind, score.penalty,
                                         _signed_cs(score, trial), score.detail))
        elif current is None:
            current = trial
    deviation = None
    if current is not None and start is not None:
        if isinstance(current, AverageSpeedTrial):
            deviation = _pm_running_cs(run, track, current, start, scale)
        else:
            deviation = _running_cs(run, track, current, start)
    return LiveCar(
        entry_no=entry_no,
        trial=current.name if current is not None and start is not None else None,
        kind=current.kind if current is not None and start is not None else None,
        target=trial_target(current) if current is not None else "",
        deviation_cs=deviation,
        points=sum(r.penalty for r in completed),
        completed=tuple(completed),
    )


def live_heat(runs: Mapping[int, CarRun], entry_nos: Sequence[int], track: Track, leg: Leg,
              scale: int, done: Collection[int] = ()) -> dict[int, LiveCar]:
    """Every car of the heat, entry_no -> `LiveCar`, with its provisional rank (``done``: the
    entries whose heat is over, see `live_car`)."""
    cars = [live_car(n, runs.get(n), track, leg, scale, done=n in done) for n in entry_nos]
    order = sorted(cars, key=lambda car: (car.points, -len(car.completed),
                                           abs(car.deviation_cs or 0), car.entry_no))
    return {car.entry_no: replace(car, rank=rank) for rank, car in enumerate(order, start=1)}


def signed_hundredths(deviation_cs: int | None) -> str:
    """'+12', '-7', '0' or '' (what every face prints for a deviation)."""
    if deviation_cs is None:
        return ""
    return f"{deviation_cs:+d}" if deviation_cs else "0"


@dataclass(frozen=True)
class HeatRegularity:
    """What live regularity needs about one heat: its leg, the track, the scale, the slots."""

    heat: Heat
    leg: Leg
    track: Track
    scale: int

    def out_of_reach(self, device_groups: int) -> str:
        """What of this leg a control unit with ``device_groups`` sensor groups cannot time,
        in one sentence (`slotrace.rules.legs.trials_out_of_reach`); empty if nothing."""
        from slotrace.rules.legs import out_of_reach_text, trials_out_of_reach

        unseen = trials_out_of_reach(self.leg, self.track, device_groups)
        return out_of_reach_text(unseen, self.track, device_groups) if unseen else ""

    def by_address(self, state: Any) -> dict[int, LiveCar]:
        """Controller address -> `LiveCar`, from an engine `RaceState` of this heat."""
        runs = runs_from_race_state(state, self.heat)
        from slotrace.engine import SessionPhase

        over = state.phase is SessionPhase.FINISHED
        done = {s.entry_no for s in self.heat.slots
                if over or getattr(state.cars.get(s.address), "finished", False)}
        cars = live_heat(runs, [s.entry_no for s in self.heat.slots], self.track, self.leg,
                         self.scale, done)
        return {s.address: cars[s.entry_no] for s in self.heat.slots}


def heat_regularity(definition: Mapping[str, Any] | None, plan: Mapping[str, Any] | None,
                    track_of: Callable[[], Track] | None = None) -> HeatRegularity | None:
    """The live-regularity context of a stored heat; None for a sprint leg or without rules.

    Args:
        definition: the event file's rules ``Event`` as JSON data.
        plan: the heat's rules ``Heat`` as JSON data (heats from the heat plan carry one).
        track_of: gives the event's track (``EventFile.track``: the copy in the file);
            default: load it by the name in ``definition``.
    """
    from slotrace.rules.files import load_track

    if not definition or not plan or not definition.get("legs"):
        return None
    event = Event.model_validate(definition)
    heat = Heat.model_validate(plan)
    if not 0 <= heat.leg < len(event.legs) or not is_regularity_leg(event.legs[heat.leg]):
        return None
    track = track_of() if track_of is not None else load_track(event.track)
    return HeatRegularity(heat, event.legs[heat.leg], track, event.scale)
