"""Provides the session configuration: what kind of session, how it ends, how laps are judged."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from slotrace.drivers_api.events import CAR_LIMIT


class SessionKind(Enum):
    """What the session ranks and how it ends."""

    PRACTICE = "practice"
    """Free practice: best lap ranks; ends on `EndSession` or when `duration_ms` is up."""
    QUALIFYING = "qualifying"
    """Qualifying by time: best lap ranks and gives the grid (`grid()`)."""
    RACE_LAPS = "race_laps"
    """Race over `laps` laps."""
    RACE_TIME = "race_time"
    """Race over `duration_ms` of session clock; each car then completes its current lap."""

    @property
    def is_race(self) -> bool:
        return self is _RACE_LAPS or self is _RACE_TIME


_RACE_LAPS = SessionKind.RACE_LAPS
_RACE_TIME = SessionKind.RACE_TIME


class FinishRule(Enum):
    """When a car has finished once the race distance is reached."""

    LEADER_THEN_NEXT_CROSSING = "leader_then_next_crossing"
    """The leader finishes on reaching the distance; everyone else on their next crossing."""
    ALL_COMPLETE_LAPS = "all_complete_laps"
    """Every car completes the distance (lap race) or its current lap once time is up."""


class MissedLapPolicy(Enum):
    """What to do when the check lanes show a full lap without a finish-line crossing."""

    FLAG = "flag"
    """Alert the steward (who may `AddLap`); the lap is listed but not counted."""
    ADD_LAP = "add_lap"
    """Count the lap automatically (as SmartRace does), marked as estimated."""


class FalseStartPenaltyKind(Enum):
    TIME = "time"
    """Add `time_ms` to the car's total time."""
    STOP_AND_GO = "stop_and_go"
    """The car owes a stop-and-go, served by its next pit entry."""
    WARNING = "warning"
    """Only a warning in the stewards' log."""


class FalseStartPenalty(BaseModel):
    """The penalty the engine gives a car that crosses a sensor before lights-out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FalseStartPenaltyKind = FalseStartPenaltyKind.TIME
    time_ms: int = Field(default=5000, ge=0)


DEFAULT_CARS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)


class SessionConfig(BaseModel):
    """Everything the engine needs to know about a session before the first event.

    Attributes:
        kind: practice, qualifying, race by laps or race by time.
        laps: race distance in laps (required for `RACE_LAPS`).
        duration_ms: session length on the session clock (required for `RACE_TIME`,
            optional for practice and qualifying).
        finish_rule: how cars finish once the distance is reached.
        min_lap_ms: finish-line crossings sooner than this after the lap start are ignored
            (sensor bounce, duplicates, a car spinning on the line).
        max_lap_ms: laps longer than this are not counted (alert for the steward).
        sensor_groups: sensor groups on the track: 1 (finish line only), 2 or 3 (Check Lanes).
        missed_lap_policy: what to do when check lanes show a lap without a finish crossing.
        false_start_penalty: penalty for a crossing before lights-out.
        pause_clock_when_suspended: stop the session clock while the race is suspended.
        cars: car numbers taking part (1..`CAR_LIMIT`); crossings of other cars are kept but
            not scored. How many cars a device runs is its driver's `Capabilities.max_cars`,
            which refuses commands for other cars; the engine does not know any device's range.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SessionKind = SessionKind.RACE_LAPS
    laps: int | None = Field(default=None, ge=1)
    duration_ms: int | None = Field(default=None, ge=1)
    finish_rule: FinishRule = FinishRule.LEADER_THEN_NEXT_CROSSING
    min_lap_ms: int = Field(default=2000, ge=0)
    max_lap_ms: int | None = Field(default=None, ge=1)
    sensor_groups: int = Field(default=1, ge=1, le=3)
    missed_lap_policy: MissedLapPolicy = MissedLapPolicy.FLAG
    false_start_penalty: FalseStartPenalty = FalseStartPenalty()
    pause_clock_when_suspended: bool = True
    cars: tuple[int, ...] = DEFAULT_CARS

    @model_validator(mode="after")
    def _check_consistent(self) -> SessionConfig:
        if self.kind is SessionKind.RACE_LAPS and self.laps is None:
            raise ValueError("a race by laps needs laps (the race distance)")
        if self.kind is SessionKind.RACE_TIME and self.duration_ms is None:
            raise ValueError("a race by time needs duration_ms (the race length)")
        if self.max_lap_ms is not None and self.max_lap_ms <= self.min_lap_ms:
            raise ValueError(
                f"max_lap_ms ({self.max_lap_ms}) must be greater than min_lap_ms "
                f"({self.min_lap_ms})"
            )
        if not self.cars:
            raise ValueError("cars must name at least one car")
        if len(set(self.cars)) != len(self.cars):
            raise ValueError(f"cars must not repeat a car number, got {self.cars}")
        for car in self.cars:
            if not 1 <= car <= CAR_LIMIT:
                raise ValueError(f"cars: car numbers are 1..{CAR_LIMIT}, got {car}")
        return self
