"""Provides the race events the engine emits for faces: flashes, alerts, sounds, announcements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """Lights out (or, in practice without lights, the first crossing)."""


@dataclass(frozen=True, slots=True)
class LapCompleted:
    """A car completed a counted lap; ``lap`` is its counted lap total now."""

    car: int
    lap: int
    lap_ms: int


@dataclass(frozen=True, slots=True)
class LapNeutralised:
    """A car completed a lap under yellow flag or while suspended: shown, not counted."""

    car: int
    lap_ms: int


@dataclass(frozen=True, slots=True)
class LapNotCounted:
    """A lap was not counted for another reason (too long, across a timer reset)."""

    car: int
    lap_ms: int | None
    why: str


@dataclass(frozen=True, slots=True)
class BestLap:
    """A personal best (``overall`` when also the best of the session)."""

    car: int
    lap_ms: int
    overall: bool


@dataclass(frozen=True, slots=True)
class NewLeader:
    car: int


@dataclass(frozen=True, slots=True)
class FalseStart:
    """A false start: by ``car``, or None when the control unit reported it (8/9) unnamed."""

    car: int | None


@dataclass(frozen=True, slots=True)
class MissedLap:
    """Check lanes saw a full lap without a finish-line crossing; ``added`` if counted."""

    car: int
    lap_ms: int
    added: bool


@dataclass(frozen=True, slots=True)
class PitEntered:
    """The car entered the pit lane (its ``stops``-th stop)."""

    car: int
    stops: int


@dataclass(frozen=True, slots=True)
class DecisionLogged:
    """Race control logged a decision (number in the stewards' log)."""

    number: int


@dataclass(frozen=True, slots=True)
class CarFinished:
    car: int
    position: int


@dataclass(frozen=True, slots=True)
class SessionFinished:
    """Every car has taken the flag, or race control ended the session."""


RaceEvent = (
    SessionStarted
    | LapCompleted
    | LapNeutralised
    | LapNotCounted
    | BestLap
    | NewLeader
    | FalseStart
    | MissedLap
    | PitEntered
    | DecisionLogged
    | CarFinished
    | SessionFinished
)
"""Everything `apply` can emit."""

Out: TypeAlias = list[RaceEvent] | None
"""Where a handler appends the race events it causes (None while replaying: nothing is shown)."""

Finished = CarFinished
"""Alias used in issue 3's wording."""
