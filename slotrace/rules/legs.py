"""Provides what a heat needs from its leg: the laps its trials need and the session config.

A leg is run as a lap race on the control unit. Every car must drive far enough for the
last crossing any trial of the leg scores (a PC ending on the 2nd pass of the castle gate, a
CO on the 5th pass of the start line...), and at least the leg's own ``laps``. Places are
assumed to be crossed once per lap in distance order, with the finish line (the control
unit's lap sensor) at distance 0; a car's first finish-line crossing starts its run.
"""

from __future__ import annotations

import math
import statistics

from slotrace.engine import FinishRule, SessionConfig, SessionKind
from slotrace.rules.model import (
    AverageSpeedTrial,
    Heat,
    Leg,
    PassageControl,
    PrecisionTrial,
    SpeedTrial,
    TimeControl,
    Track,
    Trial,
)

EPSILON_M = 1e-6


class _LapLine:
    """Positions (metres driven since the car's first finish-line crossing) of crossings."""

    def __init__(self, track: Track) -> None:
        self.track = track
        self.lap = track.lap_length_m

    def nth_at_or_after(self, place: str, n: int, position: float) -> float:
        """Position of the n-th crossing of ``place`` at or after ``position``."""
        offset = self.track.place(place).distance_m
        first = offset + self.lap * math.ceil((position - offset) / self.lap - EPSILON_M)
        return first + (n - 1) * self.lap

    def nth_after(self, place: str, n: int, position: float) -> float:
        """Position of the n-th crossing of ``place`` strictly after ``position``."""
        offset = self.track.place(place).distance_m
        first = offset + self.lap * (math.floor((position - offset) / self.lap + EPSILON_M) + 1)
        return first + (n - 1) * self.lap


LapLine = _LapLine
"""Public name: positions of a car's crossings along its run (used by the template check)."""


def _trial_end(line: _LapLine, trial: Trial, start: float) -> float:
    """Position of the last crossing ``trial`` scores, for a leg started at ``start``."""
    if isinstance(trial, PrecisionTrial):
        a = line.nth_at_or_after(trial.start, trial.pass_no, start)
        return line.nth_after(trial.end, trial.end_crossing, a)
    if isinstance(trial, AverageSpeedTrial):
        a = line.nth_at_or_after(trial.start, trial.pass_no, start)
        return max(line.nth_after(cp.place, cp.crossing, a) for cp in trial.checkpoints)
    if isinstance(trial, TimeControl):
        return line.nth_after(trial.place, trial.crossing, start)
    if isinstance(trial, PassageControl):
        position = line.nth_at_or_after(trial.places[0], 1, start)
        for place in trial.places[1:]:
            position = line.nth_after(place, 1, position)
        return position
    assert isinstance(trial, SpeedTrial)
    return line.nth_at_or_after(trial.start, 1, start) + trial.laps * line.lap


def laps_for_leg(leg: Leg, track: Track) -> int:
    """Laps (finish-line crossings after the first) a car must drive for every trial of ``leg``.

    At least ``leg.laps``; more when a trial scores a crossing later than that.
    """
    line = _LapLine(track)
    start = line.nth_at_or_after(leg.start_place, 1, 0.0)
    furthest = max(_trial_end(line, trial, start) for trial in leg.trials)
    return max(leg.laps, math.ceil(furthest / line.lap - EPSILON_M))


def regularity_lap_s(leg: Leg) -> float | None:
    """The lap time the leg's precision trials ask for, or None if none of them is whole laps.

    A PC from a place back to the same place over N laps asks for ``target_s / N`` per lap;
    the median over the leg's such trials is the pace a regularity crew drives at.
    """
    per_lap = [
        trial.target_s / trial.end_crossing
        for trial in leg.trials
        if isinstance(trial, PrecisionTrial) and trial.start == trial.end
    ]
    return statistics.median(per_lap) if per_lap else None


def sensor_groups(track: Track) -> int:
    """Sensor groups the track uses (1 = finish line only, 2 or 3 with Check Lanes)."""
    return max((p.sensor for p in track.places if p.sensor is not None), default=1)


def heat_session_config(
    heat: Heat, leg: Leg, track: Track, *, laps: int | None = None
) -> SessionConfig:
    """The engine session a planned heat runs: a lap race long enough for the leg's trials.

    Every car completes the distance (``ALL_COMPLETE_LAPS``), since each car's trials are
    scored on its own run. ``laps`` overrides the distance (e.g. a shortened test heat).
    """
    return SessionConfig(
        kind=SessionKind.RACE_LAPS,
        laps=laps or laps_for_leg(leg, track),
        finish_rule=FinishRule.ALL_COMPLETE_LAPS,
        sensor_groups=sensor_groups(track),
        cars=tuple(sorted(slot.address for slot in heat.slots)),
    )


def trial_places(trial: Trial) -> tuple[str, ...]:
    """The places whose crossings ``trial`` times, in the order it uses them."""
    if isinstance(trial, PrecisionTrial):
        return (trial.start, trial.end)
    if isinstance(trial, AverageSpeedTrial):
        return (trial.start, *(cp.place for cp in trial.checkpoints))
    if isinstance(trial, TimeControl):
        return (trial.place,)
    if isinstance(trial, PassageControl):
        return tuple(trial.places)
    assert isinstance(trial, SpeedTrial)
    return (trial.start,)


def trials_out_of_reach(leg: Leg, track: Track, device_groups: int
                        ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a control unit with ``device_groups`` sensor groups cannot time in ``leg``:
    ``(trial name, places on a higher sensor group)`` per such trial, in leg order (empty:
    every trial can be scored). Such a trial is scored as missed for every car, so the
    organiser must know before the heat starts (e.g. ARC Pro sees the finish line only)."""
    found = []
    for trial in leg.trials:
        beyond = tuple(dict.fromkeys(p for p in trial_places(trial)
                                     if (track.place(p).sensor or 0) > device_groups))
        if beyond:
            found.append((trial.name, beyond))
    return tuple(found)


def out_of_reach_text(unseen: tuple[tuple[str, tuple[str, ...]], ...], track: Track,
                      device_groups: int) -> str:
    """One sentence for `trials_out_of_reach` (what race control and `slotrace run` say)."""
    places = dict.fromkeys(p for _, where in unseen for p in where)
    where = ", ".join(f"{p} (sensor group {track.place(p).sensor})" for p in places)
    groups = f"{device_groups} sensor group{'s' if device_groups != 1 else ''}"
    names = ", ".join(name for name, _ in unseen)
    one = len(unseen) == 1
    return (f"{names} {'times' if one else 'time'} {where}; the control unit has {groups}, "
            f"so every car will miss {'it' if one else 'them'}")
