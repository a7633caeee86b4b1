"""Provides the engine's immutable state snapshots: `RaceState`, `CarState`, laps and alerts.

Snapshots are `NamedTuple`s (immutable and cheap to build on every event) holding
`History` sequences that share storage between versions, so keeping every snapshot of a
24-hour race costs little and a fold never copies a car's whole history.
"""

from __future__ import annotations

import statistics as _stats
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import NamedTuple

from slotrace.drivers_api.events import LightPhase, StartLight
from slotrace.engine.config import SessionConfig
from slotrace.engine.control import RaceControl
from slotrace.engine.persistent import History

NO_LIGHTS = StartLight.of(LightPhase.OFF)
"""The start light of a device showing no lights (idle or racing)."""

FUEL_STEPS = 15
"""A full tank in `CarState.fuel` steps (the fuel gauge the faces draw: 0..15, Carrera's own
levels), whatever scale the device reports on."""


class SessionPhase(Enum):
    GRID = "grid"
    """Before the start: cars may roll but are not scored (races)."""
    STARTING = "starting"
    """Start lights on: a crossing now is a false start."""
    RUNNING = "running"
    SUSPENDED = "suspended"
    """Track call: laps are not counted; the clock pauses if configured."""
    FINISHING = "finishing"
    """Distance or time reached: cars are taking the chequered flag."""
    FINISHED = "finished"


class AlertKind(Enum):
    MISSED_LAP = "missed_lap"
    """Check lanes saw a full lap without a finish-line crossing."""
    FALSE_START = "false_start"
    LAP_TOO_LONG = "lap_too_long"
    """A lap longer than max_lap_ms was not counted."""
    TIMER_RESET = "timer_reset"
    """The device clock was reset mid-lap; that lap could not be timed or counted."""
    STOP_AND_GO_SERVED = "stop_and_go_served"
    REVOKE_REJECTED = "revoke_rejected"
    DECISION_IGNORED = "decision_ignored"
    """A decision named a car that is not taking part."""
    START_NOT_SEEN = "start_not_seen"
    """Lights-out happened while the link to the device was interrupted; the start was taken
    from what the device reported afterwards (no lights, or cars crossing)."""
    START_INTERRUPTED = "start_interrupted"
    """The device's clock restarted while the link was interrupted during the start: the
    start it was running is gone; the heat is back on the grid."""


class LightsKnown(Enum):
    """How much the engine knows of the device's start lights."""

    NOT_REPORTED = "not_reported"
    """No status in this heat yet: a device without hardware start lights reports none."""
    FOLLOWED = "followed"
    """Every light the device reported reached the engine."""
    MISSED = "missed"
    """The link broke during the start (`LinkDown`, or a `LinkUp` after race control was
    restarted): what the lights did since is unknown until the device reports again."""


class Alert(NamedTuple):
    """Something the steward should look at."""

    kind: AlertKind
    car: int | None
    message: str
    device_ms: int | None = None
    epoch: int = 0


class Crossing(NamedTuple):
    """One accepted sensor crossing (duplicates and sensor bounce are dropped).

    ``scored`` is False for crossings before the start, after the car finished, or of cars
    not taking part; ``neutralised`` is True under yellow flag or while suspended.
    """

    car: int
    sensor: int
    device_ms: int
    epoch: int
    neutralised: bool = False
    scored: bool = True


class Lap(NamedTuple):
    """One lap driven by a car (counted or not).

    Attributes:
        number: 1-based position in the car's lap list (counted or not).
        lap_ms: lap time in ms.
        sectors: one entry per sensor group (empty with one group); None = sector missing
            because the car skipped a check lane.
        counted: whether the lap counts for the car's lap total.
        neutralised: completed under yellow flag or while suspended (not counted).
        device_ms, epoch: the crossing that ended the lap (estimated for a missed lap).
        estimated: a lap the check lanes saw without a finish-line crossing.
        pace_car: completed with the pace car out (counted but not clean).
        pit: the car was in the pit lane during this lap.
        too_long: longer than max_lap_ms (not counted).
    """

    number: int
    lap_ms: int
    sectors: tuple[int | None, ...]
    counted: bool
    neutralised: bool
    device_ms: int
    epoch: int
    estimated: bool = False
    pace_car: bool = False
    pit: bool = False
    too_long: bool = False

    @property
    def clean(self) -> bool:
        """Counted, not estimated, not under pace car, no pit stop: fit for statistics."""
        return self.counted and not (self.estimated or self.pace_car or self.pit)


@dataclass(frozen=True, slots=True)
class LapStatistics:
    """Statistics over a car's clean laps (None when there are none)."""

    clean_laps: int
    mean_ms: float | None
    median_ms: float | None
    stdev_ms: float | None


class CarState(NamedTuple):
    """Everything the engine knows about one car.

    Attributes:
        laps: laps counted from crossings (including auto-added missed laps), before steward
            corrections; `scored_laps` applies them.
        lap_list: every lap driven, counted or not.
        total_ms: sum of ``lap_ms`` of the counted laps (never includes penalties).
        race_ms: session clock when the car completed its last counted lap; with
            ``penalty_ms`` this ranks cars on the same lap.
        lap_adjustment: steward corrections: AddLap - RemoveLap - LapPenalty laps.
        fuel_fraction: the device's fuel reading as a fraction of a full tank (0.0..1.0);
            None when the device reports no fuel for the car (`fuel` is the gauge of it).
        crossings: every accepted crossing of this car.
        lap_start_ms, lap_start_epoch: the crossing that started the current lap.
        split_marks: device times of sensor groups 2 and 3 in the current lap.
    """

    car: int
    laps: int = 0
    lap_list: History[Lap] = History()
    last_lap_ms: int | None = None
    best_lap_ms: int | None = None
    last_sectors: tuple[int | None, ...] = ()
    best_sectors: tuple[int | None, ...] = ()
    total_ms: int = 0
    race_ms: int | None = None
    best_lap_race_ms: int | None = None
    pit_stops: int = 0
    in_pit: bool = False
    finished: bool = False
    disqualified: bool = False
    penalty_ms: int = 0
    lap_adjustment: int = 0
    warnings: int = 0
    stop_and_go_owed: int = 0
    false_started: bool = False
    crossings: History[Crossing] = History()
    lap_start_ms: int | None = None
    lap_start_epoch: int = 0
    split_marks: tuple[int | None, int | None] = (None, None)
    pit_in_lap: bool = False
    fuel_fraction: float | None = None

    @property
    def fuel(self) -> int | None:
        """The fuel reading on the faces' gauge, 0..`FUEL_STEPS` (Carrera's own levels)."""
        fraction = self.fuel_fraction
        return None if fraction is None else int(fraction * FUEL_STEPS + 0.5)

    @property
    def scored_laps(self) -> int:
        """Laps for the classification: counted laps plus steward corrections."""
        return self.laps + self.lap_adjustment

    @property
    def started(self) -> bool:
        return self.lap_start_ms is not None or self.laps > 0

    @property
    def statistics(self) -> LapStatistics:
        """Mean, median and standard deviation of clean laps (computed on demand)."""
        clean = [lap.lap_ms for lap in self.lap_list if lap.clean]
        if not clean:
            return LapStatistics(0, None, None, None)
        return LapStatistics(
            clean_laps=len(clean),
            mean_ms=_stats.fmean(clean),
            median_ms=float(_stats.median(clean)),
            stdev_ms=_stats.stdev(clean) if len(clean) > 1 else None,
        )


class StewardDecision(NamedTuple):
    """One entry of the stewards' log: every race-control command, numbered from 1."""

    number: int
    command: RaceControl
    revoked: bool = False


class SessionClock(NamedTuple):
    """Where the session clock stands: elapsed ms at a device-time anchor.

    ``anchor_ms`` is None until the first timed event of an epoch fixes it; ``running`` is
    False while the clock is paused (before the start, suspended, finished).
    """

    running: bool = False
    anchor_epoch: int = 0
    anchor_ms: int | None = None
    anchor_elapsed: int = 0


class StartMark(NamedTuple):
    """The device time of the start (zero of the session clock)."""

    device_ms: int | None
    epoch: int


class RaceState(NamedTuple):
    """An immutable snapshot of the whole session.

    Attributes:
        start: device time of the start once known (the first timed event after
            lights-out: `StatusReport` carries no time).
        elapsed_ms: session clock at the last timed event.
        cars: state of every car taking part (config.cars).
        unscored: crossings of cars not taking part.
        stewards_log: every race-control command, numbered.
        alerts: things for the steward to look at.
        time_up: a timed session's clock ran out (or EndSession) - the flag is out.
        flag_car: with LEADER_THEN_NEXT_CROSSING, the car that took the flag first.
        start_light: the device's start light as last reported (read its ``phase``).
        lights: whether the engine followed the device's lights (see `LightsKnown`).
        cars_held: the device holds the cars under the current start's lights
            (`StartSequence.cars_held`): a crossing then is no false start.
    """

    config: SessionConfig
    phase: SessionPhase = SessionPhase.GRID
    start: StartMark | None = None
    elapsed_ms: int = 0
    yellow: bool = False
    pace_car: bool = False
    start_light: StartLight = NO_LIGHTS
    cars: MappingProxyType[int, CarState] = MappingProxyType({})
    unscored: History[Crossing] = History()
    stewards_log: tuple[StewardDecision, ...] = ()
    alerts: tuple[Alert, ...] = ()
    clock: SessionClock = SessionClock()
    leader: int | None = None
    time_up: bool = False
    flag_car: int | None = None
    epoch: int = 0
    last_device_ms: int | None = None
    lights: LightsKnown = LightsKnown.NOT_REPORTED
    cars_held: bool = False
