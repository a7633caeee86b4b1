"""Provides what a driver's simulator needs to stand in for a heat's control unit.

One place for the dry runs of every face: race control on a simulator (``slotrace demo``,
``slotrace open --device sim``) and ``slotrace run --device sim``. Simulated crews drive the
leg's ideal run lap by lap (`slotrace.rules.feasibility.ideal_sector_times`: each PC, PM and
CO aimed at its middle, the free stretches at the leg's regularity pace), each crew with its
own consistency, and cross the event track's real sensor places, so every trial scores like
a real heat (and sectors show) instead of every car lapping at full speed past one sensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slotrace.engine import SessionConfig
from slotrace.raceday.plan import choose_next_heat
from slotrace.rules.feasibility import MAX_SCALE_KMH, ideal_sector_times
from slotrace.rules.legs import regularity_lap_s
from slotrace.rules.model import Event, Heat, Leg, Track
from slotrace.store import EventFile, HeatInfo

SIM_BASE_LAP_S = 5.2
SIM_LAP_STEP_S = 0.25
"""Without a regularity pace, simulated cars lap in 5.2 s (address 1), 5.45 s (address 2), ...
at full speed."""
CREW_OPTIONS = ("cars", "sensor_groups", "sensor_fractions")
"""The simulator options `EventSimulation.crews` decides per heat (how and where crews drive);
the others (speed-up, seed, line pacing) belong to the face's simulator."""
SIM_JITTER_S = (0.05, 0.10, 0.15, 0.25, 0.35, 0.50)
"""Simulated regularity crews aim at the leg's pace; their lap-to-lap scatter (by controller
address) makes some crews better than others, as at a real event."""


SIM_TOP_SPEED_FACTOR = 1.5
"""A simulated crew's ideal run may drive a stretch at up to this many times its regularity
pace's speed (at least `MAX_SCALE_KMH`): short demo legs are paced above a real top speed."""

Schedule = tuple[tuple[float, ...], ...]
"""Per lap of a heat's run, its times in seconds: the whole lap, or from sensor to sensor."""


def simulated_cars(config: SessionConfig, pace_s: float | None, schedule: Schedule = ()) -> str:
    """The simulator's ``cars`` option for a heat: regularity crews aiming at ``pace_s`` with
    different consistency, driving ``schedule`` lap by lap when given (then ``pace_s``), or
    cars at full speed when the leg sets no pace."""
    if pace_s is None:
        return ",".join(
            f"{car}:{SIM_BASE_LAP_S + SIM_LAP_STEP_S * (car - 1):.2f}" for car in config.cars
        )
    plan = "/".join("+".join(f"{part:g}" for part in lap) for lap in schedule)
    return ",".join(
        f"{car}:{pace_s:.2f}:{SIM_JITTER_S[(car - 1) % len(SIM_JITTER_S)]:.2f}"
        + (f":{plan}" if plan else "")
        for car in config.cars
    )


@dataclass(frozen=True, slots=True)
class EventSimulation:
    """How simulated crews drive an event.

    Attributes:
        pace_s_by_leg: the regularity lap time each leg's trials ask for
            (`slotrace.rules.legs.regularity_lap_s`); a leg without a whole-lap trial gets the
            event's median pace, None only if no leg has one.
        sensor_fractions: where the track's sensor groups 2 and 3 lie, as lap fractions
            (None: the track has no usable inner sensors).
        schedule_by_leg: each leg's ideal run (`ideal_sector_times` at that pace): per lap,
            its times from sensor to sensor; empty for a leg that cannot be won.
    """

    pace_s_by_leg: tuple[float | None, ...] = ()
    sensor_fractions: tuple[float, ...] | None = None
    schedule_by_leg: tuple[Schedule, ...] = ()

    def pace_s(self, leg: int | None) -> float | None:
        if leg is None or not 0 <= leg < len(self.pace_s_by_leg):
            return None
        return self.pace_s_by_leg[leg]

    def schedule(self, config: SessionConfig, leg: int | None) -> Schedule:
        """Leg ``leg``'s ideal run as the heat's simulator drives it: sector times where it
        has the track's sensor groups, else whole laps."""
        if leg is None or not 0 <= leg < len(self.schedule_by_leg):
            return ()
        laps = self.schedule_by_leg[leg]
        groups = 1 + len(self.sensor_fractions or ())
        if config.sensor_groups > 1 and groups == config.sensor_groups and all(
                len(lap) == groups for lap in laps):
            return laps
        return tuple((round(sum(lap), 3),) for lap in laps)

    def crews(self, config: SessionConfig, leg: int | None) -> dict[str, Any]:
        """THE per-heat part of the simulator's options (`CREW_OPTIONS`): the heat's cars at
        leg ``leg``'s ideal run (else its regularity pace), past the track's sensor places.
        Every face's dry run (``slotrace run``, race control, the demo) drives a heat with
        these."""
        crews: dict[str, Any] = {
            "cars": simulated_cars(config, self.pace_s(leg), self.schedule(config, leg)),
            "sensor_groups": config.sensor_groups,
        }
        if self.sensor_fractions is not None and config.sensor_groups > 1:
            crews["sensor_fractions"] = self.sensor_fractions[: config.sensor_groups - 1]
        return crews

    def options(self, config: SessionConfig, leg: int | None, *, seed: int = 0,
                speedup: float = 1.0) -> dict[str, Any]:
        """The keyword options of ``Driver.simulator(...)`` for a heat run with ``config``."""
        return {**self.crews(config, leg), "speedup": speedup, "seed": seed}


def event_simulation(event_file: EventFile) -> EventSimulation:
    """The event's simulated pace per leg and sensor places (from the file's own track)."""
    definition = event_file.event_definition() or {}
    paces = [regularity_lap_s(Leg.model_validate(leg)) for leg in definition.get("legs") or []]
    known = sorted(p for p in paces if p is not None)
    event_pace = known[len(known) // 2] if known else None  # for legs without a whole-lap PC
    pace_s_by_leg = tuple(event_pace if p is None else p for p in paces)
    event, track = (event_file.event_model(), event_file.track()) if definition.get(
        "track") else (None, None)
    return EventSimulation(
        pace_s_by_leg=pace_s_by_leg,
        sensor_fractions=_sensor_fractions(event_file) if definition.get("track") else None,
        schedule_by_leg=_schedules(event, track, pace_s_by_leg),
    )


def _schedules(event: Event | None, track: Track | None,
               paces: tuple[float | None, ...]) -> tuple[Schedule, ...]:
    """Each leg's ideal run at its pace (empty without a pace, a track or a winnable leg)."""
    if event is None or track is None:
        return ()
    out: list[Schedule] = []
    for index, pace in enumerate(paces):
        if pace is None:
            out.append(())
            continue
        pace_kmh = track.lap_length_m / pace * 3.6 * event.scale
        top_kmh = max(MAX_SCALE_KMH, SIM_TOP_SPEED_FACTOR * pace_kmh)
        out.append(ideal_sector_times(event, track, index, pace, top_kmh))
    return tuple(out)


def _sensor_fractions(event_file: EventFile) -> tuple[float, ...] | None:
    track = event_file.track()  # the copy stored in the file
    by_group = {p.sensor: p.distance_m / track.lap_length_m for p in track.places if p.sensor}
    fractions = tuple(by_group[g] for g in (2, 3) if g in by_group)
    # groups 2 and 3 must lie strictly inside the lap, in crossing order
    ordered = all(a < b for a, b in zip((0.0, *fractions), (*fractions, 1.0), strict=True))
    return fractions if fractions and ordered else None


def heat_crews(event_file: EventFile, heat: HeatInfo) -> dict[str, Any]:
    """`EventSimulation.crews` for an opened heat of the event file (its stored settings and
    its planned leg): race control re-paces its simulator with these for every heat."""
    return event_simulation(event_file).crews(*_settings_and_leg(heat))


def _settings_and_leg(heat: HeatInfo) -> tuple[SessionConfig, int | None]:
    config = SessionConfig.model_validate(heat.config)
    return config, Heat.model_validate(heat.plan).leg if heat.plan else None


def opening_simulator_options(event_file: EventFile, *, laps: int | None = None,
                              seed: int = 0, speedup: float = 1.0) -> dict[str, Any]:
    """Simulator options for the heat `open_heat` opens now (the running heat, else the next
    planned one); {} when there is none. Race control re-paces its simulator for each next
    heat (`heat_crews`)."""
    running = event_file.heat_in_progress()
    if running is not None:
        config, leg = _settings_and_leg(running)
    else:
        chosen = choose_next_heat(event_file, laps=laps)
        if chosen is None:
            return {}
        config, leg = chosen.config, chosen.plan.leg if chosen.plan is not None else None
    return event_simulation(event_file).options(config, leg, seed=seed, speedup=speedup)
