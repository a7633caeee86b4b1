"""Provides the template check: can a crew driving the ideal times score 0 on every leg?

Every PC, PM checkpoint and CO of a leg fixes the time between two crossings of the car's run
(in whole hundredths, as scored): a PC exactly its target, a PM checkpoint within the window
its rounding scores 0, a CO inside its ideal unit. The car also drives forward, no faster
than a top speed (default 200 scale km/h). That is a system of difference constraints;
it is satisfiable exactly when its constraint graph has no negative cycle (Bellman-Ford).
A cycle names the trials that contradict each other; otherwise the shortest-path times are
a run that scores 0, and `check_leg` proves it by scoring that run with `rules.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from slotrace.rules.legs import LapLine, laps_for_leg
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
