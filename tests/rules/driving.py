"""Synthetic driving for rules tests: crossings of a car lapping a track at a chosen pace."""

from __future__ import annotations

import random

from slotrace.rules.model import Track
from slotrace.rules.scoring import CarRun, Crossing


def drive(
    track: Track,
    lap_times_s: list[float],
    start_ms: int = 1000,
    skip_loop_on: frozenset[int] = frozenset(),
    jitter_ms: int = 0,
    seed: int = 0,
) -> CarRun:
    """A car crossing every sensed place, each lap at constant speed for that lap.

    ``skip_loop_on`` holds lap indexes (0-based) where the car takes the short cut past the
    loops, so sensors on a loop are not crossed on those laps (time is unchanged for simplicity).
    """
    rng = random.Random(seed)
    sensed = sorted((p for p in track.places if p.sensor), key=lambda p: p.distance_m)
    crossings = [Crossing(sensed[0].sensor, start_ms)]
    t0 = start_ms
    for lap, lap_s in enumerate(lap_times_s):
        for place in sensed[1:]:
            if place.loop and lap in skip_loop_on:
                continue
            at = t0 + round(lap_s * 1000 * place.distance_m / track.lap_length_m)
            crossings.append(Crossing(place.sensor, at + rng.randint(-jitter_ms, jitter_ms)))
        t0 += round(lap_s * 1000)
        crossings.append(Crossing(sensed[0].sensor, t0 + rng.randint(-jitter_ms, jitter_ms)))
    return CarRun(tuple(crossings))
