"""Provides the template check: can a crew driving the ideal times score 0 on every leg?

Every PC, PM checkpoint and CO of a leg fixes the time between two crossings of the car's run
(in whole hundredths, as scored): a PC exactly its target, a PM checkpoint within the window
its rounding scores 0, a CO inside its ideal unit. The car also drives forward, no faster
than a top speed (default 200 scale km/h). That is a system of difference constraints;
it is satisfiable exactly when its constraint graph has no negative cycle (Bellman-Ford).
A cycle names the trials that contradict each other; otherwise the shortest-path times are
a run that scores 0, and `check_leg` proves it by scoring that run with `rules.scoring`.

That earliest run is no crew's: it drives at top speed wherever nothing times it.
`ideal_sector_times` gives the schedule a crew (a simulated one in a dry run) drives instead:
per lap, its times from sensor to sensor, every timed stretch at the middle of what scores 0
and the free ones at the leg's regularity pace, proven by scoring it (`schedule_penalty`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from slotrace.rules.legs import LapLine, laps_for_leg, regularity_lap_s
from slotrace.rules.model import (
    AverageSpeedTrial,
    Event,
    Leg,
    PrecisionTrial,
    TimeControl,
    Track,
)
from slotrace.rules.scoring import CarRun, Crossing, pm_ideal_cs, score_run

DRIVING = "driving forward"
START_MS = 1000


@dataclass(frozen=True, slots=True)
class _Window:
    """elapsed(a -> b) in [lo, hi] hundredths, asked by ``trial``."""

    a: float
    b: float
    lo: int
    hi: int | None
    trial: str


@dataclass(frozen=True, slots=True)
class LegCheck:
    """The verdict for one leg: ``contradiction`` names the trials, empty when winnable."""

    leg: int
    name: str
    ok: bool
    contradiction: tuple[str, ...]
    explanation: str
    ideal_penalty: int | None  # what the ideal run scores (0 when ok)


def _key(position: float) -> float:
    return round(position, 6)


def _windows(leg: Leg, track: Track, line: LapLine, start: float, scale: int) -> list[_Window]:
    out = []
    for trial in leg.trials:
        if isinstance(trial, PrecisionTrial):
            a = line.nth_at_or_after(trial.start, trial.pass_no, start)
            b = line.nth_after(trial.end, trial.end_crossing, a)
            target = round(trial.target_s * 100)
            out.append(_Window(a, b, target, target, trial.name))
        elif isinstance(trial, AverageSpeedTrial):
            a = line.nth_at_or_after(trial.start, trial.pass_no, start)
            for cp in trial.checkpoints:
                b = line.nth_after(cp.place, cp.crossing, a)
                ideal = pm_ideal_cs(track, trial, cp, scale)
                if trial.hundredths:  # round(|dev|) == 0  <=>  |dev| <= 1/2
                    lo, hi = math.ceil(ideal - Fraction(1, 2)), math.floor(ideal + Fraction(1, 2))
                else:  # floor(|dev| / 100 cs) == 0  <=>  |dev| < 100 cs
                    lo, hi = math.floor(ideal - 100) + 1, math.ceil(ideal + 100) - 1
                out.append(_Window(a, b, lo, hi, f"{trial.name} ({cp.place})"))
        elif isinstance(trial, TimeControl):
            b = line.nth_after(trial.place, trial.crossing, start)
            unit = round(trial.unit_s * 100)
            m = round(trial.allotted_s * 100) // unit
            lo = m * unit if trial.penalise_early else 1
            if trial.penalise_late:
                hi: int | None = (m + 1) * unit - 1
            elif trial.max_late_s is not None:
                hi = round((trial.allotted_s + trial.max_late_s) * 100)
            else:
                hi = None
            out.append(_Window(start, b, lo, hi, trial.name))
    return out


def _negative_cycle(n: int, edges: list[tuple[int, int, int, str]]
                    ) -> tuple[list[int] | None, list[tuple[int, int, int, str]]]:
    """Bellman-Ford from a virtual source: (distances, []) or (None, edges of a cycle)."""
    dist = [0] * n
    pred: list[tuple[int, int, int, str] | None] = [None] * n
    changed = None
    for _ in range(n + 1):
        changed = None
        for edge in edges:
            u, v, w, _label = edge
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
                pred[v] = edge
                changed = v
        if changed is None:
            return dist, []
    v = changed
    for _ in range(n):  # step back into the cycle
        v = pred[v][0]  # type: ignore[index]
    cycle, u = [], v
    while True:
        edge = pred[u]
        assert edge is not None
        cycle.append(edge)
        u = edge[0]
        if u == v:
            break
    return None, cycle[::-1]


MAX_SCALE_KMH = 200.0
"""Default top speed of a crew (scale km/h): above Moss's 157.65 km/h record average."""


def check_leg(event: Event, track: Track, index: int, max_scale_kmh: float = MAX_SCALE_KMH
              ) -> LegCheck:
    """Whether leg ``index`` can be driven with every control at 0, and if not, why.

    Between two crossings the car covers the distance at most at ``max_scale_kmh``.
    """
    leg = event.legs[index]
    line = LapLine(track)
    start = line.nth_at_or_after(leg.start_place, 1, 0.0)
    windows = _windows(leg, track, line, start, event.scale)
    laps = laps_for_leg(leg, track)
    sensors = [p for p in track.places if p.sensor is not None]
    crossings = sorted({_key(p.distance_m + lap * track.lap_length_m)
                        for lap in range(laps + 2) for p in sensors
                        if p.distance_m + lap * track.lap_length_m >= start - 1e-6})
    crossings = sorted({*crossings, *(_key(x) for w in windows for x in (w.a, w.b))})
    node = {p: i for i, p in enumerate(crossings)}
    edges: list[tuple[int, int, int, str]] = []
    top_m_s = Fraction(max_scale_kmh) / Fraction(36, 10) / event.scale
    for i in range(len(crossings) - 1):  # t[i+1] - t[i] >= distance / top speed, >= 1 cs
        gap = max(1, math.ceil(Fraction(crossings[i + 1] - crossings[i]) / top_m_s * 100))
        edges.append((i + 1, i, -gap, DRIVING))
    for w in windows:
        a, b = node[_key(w.a)], node[_key(w.b)]
        if w.hi is not None:
            edges.append((a, b, w.hi, w.trial))
        edges.append((b, a, -w.lo, w.trial))
    dist, cycle = _negative_cycle(len(crossings), edges)
    if dist is None:
        names = tuple(dict.fromkeys(e[3] for e in cycle if e[3] != DRIVING))
        return LegCheck(index, leg.name, False, names, _explain(cycle, crossings, track), None)
    base = dist[node[_key(start)]]
    by_position = {p: (dist[i] - base) * 10 + START_MS for p, i in node.items()}
    place_at = {_key(p.distance_m): p.sensor for p in sensors}
    run = CarRun(tuple(
        Crossing(place_at[_key(p % track.lap_length_m)], ms)
        for p, ms in sorted(by_position.items())
        if _key(p % track.lap_length_m) in place_at
    ))
    penalty = sum(s.penalty for s in score_run(run, track, leg, event.scale))
    return LegCheck(index, leg.name, penalty == 0, (), "" if penalty == 0 else
                    f"the ideal run still scores {penalty} points", penalty)


def _explain(cycle: Sequence[tuple[int, int, int, str]], crossings: Sequence[float],
             track: Track) -> str:
    """'PC 2 asks at most ... while PM 1 asks at least ...' from the cycle's constraints."""
    parts = []
    lap = track.lap_length_m
    driving_cs = driving_m = 0.0
    for u, v, w, label in cycle:
        if label == DRIVING:
            driving_cs += -w
            driving_m += crossings[u] - crossings[v]
            continue
        a, b = sorted((crossings[u], crossings[v]))
        bound = (f"at most {w / 100:.2f} s" if crossings[v] > crossings[u]
                 else f"at least {-w / 100:.2f} s")
        parts.append(f"{label}: {bound} from {a:g} m to {b:g} m "
                     f"(lap {int(a // lap) + 1} to lap {int(b // lap) + 1})")
    if driving_m:
        parts.append(f"and driving the other {driving_m:g} m takes at least "
                     f"{driving_cs / 100:.2f} s at the top speed")
    return "; ".join(parts)


def check_event(event: Event, track: Track, max_scale_kmh: float = MAX_SCALE_KMH
                ) -> tuple[LegCheck, ...]:
    """`check_leg` for every leg."""
    return tuple(check_leg(event, track, i, max_scale_kmh) for i in range(len(event.legs)))


# --- the schedule a simulated crew drives -----------------------------------------------------

_PLANS = ((0.0, True), (0.5, True), (0.0, False), (0.5, False), (0.9, True), (0.9, False),
          (1.0, True), (1.0, False))
"""Tried in turn: how far from each window's middle the schedule may stray (share of its
half-width; the middle leaves the most room for a crew's lap-to-lap scatter), and whether
every stretch stays below the top speed (else only above `_MIN_SECTOR_S`)."""
_MIN_SECTOR_S = 0.3
"""No scheduled stretch between two sensors is shorter."""


def _sectors(track: Track) -> tuple[float, ...]:
    """Distances (m) of the sensor places along the lap, starting with the finish line at 0."""
    return tuple(sorted({p.distance_m for p in track.places if p.sensor is not None} | {0.0}))


def _time_coefficients(position: float, laps: int, track: Track) -> list[float]:
    """Time at ``position`` as a combination of the sector times (even pace within one)."""
    bounds = (*_sectors(track), track.lap_length_m)
    whole, rest = divmod(position, track.lap_length_m)
    k = int(whole)
    if k >= laps:  # the end of the last lap
        k, rest = laps - 1, track.lap_length_m
    out = []
    for lap in range(laps):
        for lo, hi in itertools.pairwise(bounds):
            if lap < k or (lap == k and rest >= hi - 1e-9):
                out.append(1.0)
            elif lap == k and rest > lo:
                out.append((rest - lo) / (hi - lo))
            else:
                out.append(0.0)
    return out


def _nearest(start: list[float], slabs: Sequence[tuple[list[float], float, float]],
             rounds: int = 3000) -> list[float] | None:
    """The point inside every slab ``lo <= a.x <= hi`` nearest ``start`` (Dykstra's
    alternating projections), or None when the slabs do not meet."""
    x = list(start)
    corrections = [[0.0] * len(x) for _ in slabs]
    rows = [[(j, v) for j, v in enumerate(a) if v] for a, _, _ in slabs]
    norms = [sum(v * v for _, v in row) for row in rows]
    for _ in range(rounds):
        moved = 0.0
        for i, (_, lo, hi) in enumerate(slabs):
            row, c = rows[i], corrections[i]
            value = sum(v * (x[j] + c[j]) for j, v in row)
            step = (lo - value if value < lo else hi - value if value > hi else 0.0) / norms[i]
            for j, v in row:  # x <- project(x + c), c <- (x + c) - x_new
                y = x[j] + c[j]
                new = y + step * v
                moved = max(moved, abs(new - x[j]))
                c[j], x[j] = y - new, new
        if moved < 1e-10:
            break
    worst = max((max(lo - v, v - hi, 0.0) for (a, lo, hi) in slabs
                 for v in [sum(ai * xi for ai, xi in zip(a, x, strict=True))]), default=0.0)
    return x if worst < 1e-6 else None


def schedule_penalty(event: Event, track: Track, index: int,
                     laps: Sequence[Sequence[float]]) -> int:
    """What a crew scores on leg ``index`` driving ``laps`` exactly: each lap as its sector
    times (seconds from sensor to sensor, `ideal_sector_times`), or one lap time driven at an
    even pace; the run starts at its first finish-line crossing. Scored by `rules.scoring`."""
    leg = event.legs[index]
    places = sorted((p for p in track.places if p.sensor is not None), key=lambda p: p.distance_m)
    bounds = (*_sectors(track), track.lap_length_m)
    crossings, now = [], float(START_MS)
    for lap in laps:
        parts = (list(lap) if len(lap) == len(bounds) - 1 else
                 [lap[0] * (hi - lo) / track.lap_length_m
                  for lo, hi in itertools.pairwise(bounds)])
        at = {}
        for lo, part in zip(bounds, parts, strict=False):
            at[lo] = now
            now += part * 1000
        crossings += [Crossing(p.sensor, round(at[p.distance_m])) for p in places
                      if p.sensor is not None]
    crossings.append(Crossing(places[0].sensor or 1, round(now)))
    return sum(s.penalty for s in score_run(CarRun(tuple(crossings)), track, leg, event.scale))


def ideal_sector_times(event: Event, track: Track, index: int, pace_s: float | None = None,
                       max_scale_kmh: float = MAX_SCALE_KMH) -> tuple[tuple[float, ...], ...]:
    """A crew's schedule that scores 0 on leg ``index``: per lap the heat runs
    (`laps_for_leg`), the times (seconds, to the millisecond) from sensor to sensor, the
    first from the finish line. Empty when the leg cannot be won (`check_leg`) or no such
    schedule is found.

    Unlike the earliest run `check_leg` proves, every timed stretch aims at the middle of
    what scores 0 (a PC's target, a PM checkpoint's ideal time, the middle of a CO's ideal
    unit), and otherwise the laps stay as near ``pace_s`` (default: the leg's
    `regularity_lap_s`) as those targets allow: a stretch nothing times is driven at the pace,
    a CO's slack is shared by the free stretches. Stretches stay below the top speed where
    the targets allow it with room to spare.
    """
    if not check_leg(event, track, index, max_scale_kmh).ok:
        return ()
    leg = event.legs[index]
    line = LapLine(track)
    start = line.nth_at_or_after(leg.start_place, 1, 0.0)
    laps = laps_for_leg(leg, track)
    windows = _windows(leg, track, line, start, event.scale)
    bounds = (*_sectors(track), track.lap_length_m)
    lengths = [hi - lo for lo, hi in itertools.pairwise(bounds)] * laps
    pace = pace_s or regularity_lap_s(leg) or _mean_lap_s(windows, track.lap_length_m) or 25.0
    top_m_s = max_scale_kmh / 3.6 / event.scale
    timed = []
    for w in windows:
        a, b = (_time_coefficients(x, laps, track) for x in (w.a, w.b))
        hi = w.hi if w.hi is not None else w.lo + 100
        timed.append(([bi - ai for ai, bi in zip(a, b, strict=True)], w.lo / 100, hi / 100))
    unit = [[1.0 if j == k else 0.0 for j in range(len(lengths))] for k in range(len(lengths))]
    for shrink, below_top in _PLANS:
        slabs = [(a, (lo + hi) / 2 - shrink * (hi - lo) / 2, (lo + hi) / 2 + shrink * (hi - lo) / 2)
                 for a, lo, hi in timed]
        floors = [(unit[k], max(_MIN_SECTOR_S, m / top_m_s if below_top else 0.0), math.inf)
                  for k, m in enumerate(lengths)]
        found = _nearest([pace * m / track.lap_length_m for m in lengths], [*slabs, *floors])
        if found is None:
            continue
        per_lap = len(bounds) - 1
        schedule = tuple(tuple(round(s, 3) for s in found[k:k + per_lap])
                         for k in range(0, len(found), per_lap))
        if schedule_penalty(event, track, index, schedule) == 0:
            return schedule
    return ()


def ideal_lap_times(event: Event, track: Track, index: int, pace_s: float | None = None,
                    max_scale_kmh: float = MAX_SCALE_KMH) -> tuple[float, ...]:
    """The lap times (seconds) of `ideal_sector_times`: its finish-line to finish-line times."""
    return tuple(round(sum(lap), 3)
                 for lap in ideal_sector_times(event, track, index, pace_s, max_scale_kmh))


def _mean_lap_s(windows: Sequence[_Window], lap_m: float) -> float | None:
    """The average lap time the leg's timed stretches ask for (a leg without a whole-lap PC)."""
    paces = [(w.lo + (w.hi if w.hi is not None else w.lo)) / 200 / ((w.b - w.a) / lap_m)
             for w in windows if w.b > w.a]
    return sum(paces) / len(paces) if paces else None
