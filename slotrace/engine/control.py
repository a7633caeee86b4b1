"""Provides race-control commands (flags, start, penalties) and their JSON record form.

Race control is journaled exactly like driver events and folded by the engine, so every
decision can be replayed and revoked. A command carries ``device_ms``/``epoch``: the face's
best estimate of the control-unit clock when it was given (the engine never reads a clock).
Steward decisions about a car (penalties, lap corrections, warnings) must name a
``reason`` and an ``author``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from slotrace.drivers_api.events import CAR_LIMIT, DriverEvent
from slotrace.drivers_api.records import event_from_record, from_record
from slotrace.drivers_api.records import to_record as driver_to_record


@dataclass(frozen=True, slots=True, kw_only=True)
class _Command:
    """Fields every race-control command carries."""

    reason: str = ""
    author: str = ""
    device_ms: int | None = None
    epoch: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class _CarDecision(_Command):
    """A steward's decision about one car: reason and author are required."""

    car: int

    def __post_init__(self) -> None:
        if not 1 <= self.car <= CAR_LIMIT:
            raise ValueError(f"{type(self).__name__}: car must be 1..{CAR_LIMIT}, got {self.car}")
        if not self.reason.strip():
            raise ValueError(f"{type(self).__name__} needs a reason for the stewards' log")
        if not self.author.strip():
            raise ValueError(f"{type(self).__name__} needs an author for the stewards' log")


@dataclass(frozen=True, slots=True, kw_only=True)
class StartSequence(_Command):
    """Race control starts the start-light sequence; crossings now are false starts.

    ``cars_held``: the device holds every car still under these lights (race control cut the
    track power, `Capability.TRACK_POWER`), so no car can jump them: a crossing reported now
    was made before the hold took effect (a device that reports late, a car coasting over the
    line) and is no false start.
    """

    cars_held: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AbortStart(_Command):
    """Race control abandons an interrupted start sequence: back to the grid, nobody penalised.

    The event core journals it when a heat is resumed during the lights (the program stopped
    before the countdown reached lights-out), so the start is run again cleanly.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class LightsOut(_Command):
    """Race control's own start countdown ended: the race starts now.

    For drivers without hardware start lights (no `Capability.START_LIGHTS`): the core runs
    the countdown itself after `StartSequence` and journals this at lights-out. With hardware
    lights the control unit's own GO starts the race and this is not needed (it is ignored
    unless the session is on the grid or starting).
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class Suspend(_Command):
    """Track call: the race is suspended (laps not counted, clock paused if configured)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume(_Command):
    """The suspended race resumes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class YellowFlag(_Command):
    """Yellow flag out (``on=True``) or in; laps completed under yellow are not counted."""

    on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PaceCar(_Command):
    """Pace car out (``on=True``) or in; laps count but are not clean (no best laps)."""

    on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class EndSession(_Command):
    """Race control ends the session now (chequered flag for everyone)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TimePenalty(_CarDecision):
    """Add ``ms`` to the car's classification time."""

    ms: int

    def __post_init__(self) -> None:
        _CarDecision.__post_init__(self)
        if self.ms <= 0:
            raise ValueError(f"TimePenalty.ms must be > 0, got {self.ms}")


@dataclass(frozen=True, slots=True, kw_only=True)
class LapPenalty(_CarDecision):
    """Deduct ``laps`` laps from the car."""

    laps: int

    def __post_init__(self) -> None:
        _CarDecision.__post_init__(self)
        if self.laps <= 0:
            raise ValueError(f"LapPenalty.laps must be > 0, got {self.laps}")


@dataclass(frozen=True, slots=True, kw_only=True)
class StopAndGo(_CarDecision):
    """The car owes a stop-and-go; it is served by the car's next pit entry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Disqualify(_CarDecision):
    """Disqualify the car: it is classified last, marked DSQ."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Warning(_CarDecision):
    """A warning to the car's driver, for the record."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AddLap(_CarDecision):
    """Credit the car with one lap (e.g. an uncounted lap seen by the steward)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveLap(_CarDecision):
    """Take one lap off the car (e.g. a lap counted for a car that left the track)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Revoke(_Command):
    """Undo an earlier steward decision, named by its number in the stewards' log."""

    decision: int

    def __post_init__(self) -> None:
        if self.decision < 1:
            raise ValueError(f"Revoke.decision must be >= 1, got {self.decision}")
        if not self.reason.strip() or not self.author.strip():
            raise ValueError("Revoke needs a reason and an author for the stewards' log")


CarDecision = TimePenalty | LapPenalty | StopAndGo | Disqualify | Warning | AddLap | RemoveLap
"""Decisions about one car; these (and only these) can be revoked."""

RaceControl = (
    StartSequence
    | LightsOut
    | AbortStart
    | Suspend
    | Resume
    | YellowFlag
    | PaceCar
    | EndSession
    | TimePenalty
    | LapPenalty
    | StopAndGo
    | Disqualify
    | Warning
    | AddLap
    | RemoveLap
    | Revoke
)
"""Every race-control command."""

RACE_CONTROL_TYPES: tuple[type, ...] = typing.get_args(RaceControl)
CAR_DECISION_TYPES = (TimePenalty, LapPenalty, StopAndGo, Disqualify, Warning, AddLap, RemoveLap)
"""The classes of `CarDecision`, spelled out so that ``isinstance`` narrows to them."""

EngineInput = DriverEvent | RaceControl
"""Everything the engine folds."""

_CONTROL_BY_NAME: dict[str, type] = {cls.__name__: cls for cls in RACE_CONTROL_TYPES}


def to_record(obj: EngineInput) -> dict[str, Any]:
    """The JSON-ready dict of a race-control command or driver event, with its ``type``."""
    return driver_to_record(obj)


def control_from_record(record: Any) -> RaceControl:
    """Rebuild a race-control command from its record; extra keys are ignored.

    Raises:
        RecordError: naming the type and field and what was expected.
    """
    command: RaceControl = from_record(record, _CONTROL_BY_NAME, "race-control")
    return command  # from_record builds only the classes of _CONTROL_BY_NAME


def is_race_control_record(record: Any) -> bool:
    """Whether a record names a race-control command (rather than a driver event)."""
    return isinstance(record, dict) and record.get("type") in _CONTROL_BY_NAME


def input_from_record(record: Any) -> EngineInput:
    """Rebuild whatever the engine folds (driver event or race-control command) from a record."""
    if is_race_control_record(record):
        return control_from_record(record)
    return event_from_record(record)
