"""Provides the commands race control sends to a driver: frozen value objects.

Cars are numbered as in the events, 1..`Capabilities.max_cars` of the driver (the value objects
only check the neutral bound `CAR_LIMIT`). A driver that cannot carry out a command, or gets a
car it does not have, raises `LocalProtocolError` from ``send`` (check `Capabilities` first;
`Capabilities.check_car` says it in one line).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from slotrace.drivers_api.events import CAR_LIMIT


class Button(IntEnum):
    """Keys of a control unit that race control can press remotely, named by what they do
    (`Capability.REMOTE_BUTTONS`). Each driver maps them to its own key codes (Carrera: the
    ``T`` ids in its request encoder) and refuses, with `LocalProtocolError`, a key its
    device does not have. The values are slotrace's own numbering, not any device's.
    """

    START = 1
    """The start key: on the grid it runs the start lights; during a race on a device that
    pauses with it (Carrera), it pauses and resumes the race."""
    PACE_CAR = 2
    """Sends out or calls in the autonomous pace car (Carrera PACE CAR/ESC)."""
    SPEED = 3
    """The speed-setting key of a control unit's own menu."""
    BRAKE = 4
    """The brake-setting key."""
    FUEL = 5
    """The fuel-setting key."""
    CODE = 6
    """The key that codes controllers to cars."""


def _car(car: int) -> None:
    if not 1 <= car <= CAR_LIMIT:
        raise ValueError(f"car must be 1..{CAR_LIMIT}, got {car}")


def _level(name: str, level: float) -> None:
    if not 0.0 <= level <= 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be a fraction 0.0..1.0 of the device's range, got {level}")


def level_steps(level: float, top: int) -> int:
    """``level`` (0.0..1.0) on a device's scale 0..``top``: Carrera's 16 steps are
    ``level_steps(level, 15)``; the nearest step, so 0.0 and 1.0 are always the ends."""
    return round(level * top)


@dataclass(frozen=True, slots=True)
class PressButton:
    """Press a key on the control unit (Carrera: START twice runs the start-light sequence)."""

    button: Button


@dataclass(frozen=True, slots=True)
class SetIgnoreMask:
    """Tell the control unit not to count laps for these cars; empty = count all."""

    cars: frozenset[int]

    def __post_init__(self) -> None:
        for car in self.cars:
            _car(car)


@dataclass(frozen=True, slots=True)
class SetSpeed:
    """Set a car's maximum speed: 0.0 stops it, 1.0 is full speed.

    ``level`` is a fraction of the device's own range, whatever its resolution (Carrera has
    16 steps, ARC Pro a power multiplier 0..63): each driver maps it with `level_steps`.
    """

    car: int
    level: float

    def __post_init__(self) -> None:
        _car(self.car)
        _level("speed", self.level)


@dataclass(frozen=True, slots=True)
class SetBrake:
    """Set a car's brake strength: 0.0 weakest, 1.0 strongest.

    ``level`` is a fraction of the device's own range, whatever its resolution (Carrera has
    16 steps, ARC Pro a power multiplier 0..63): each driver maps it with `level_steps`.
    """

    car: int
    level: float

    def __post_init__(self) -> None:
        _car(self.car)
        _level("brake", self.level)


@dataclass(frozen=True, slots=True)
class SetFuel:
    """Set a car's fuel tank: 0.0 empty, 1.0 full.

    ``level`` is a fraction of the device's own range, whatever its resolution (Carrera has
    16 steps, ARC Pro a power multiplier 0..63): each driver maps it with `level_steps`.
    """

    car: int
    level: float

    def __post_init__(self) -> None:
        _car(self.car)
        _level("fuel", self.level)


@dataclass(frozen=True, slots=True)
class SetPosition:
    """Show a car at a position (1, 2, ...) on the position tower (that row shows the car)."""

    car: int
    position: int

    def __post_init__(self) -> None:
        _car(self.car)
        if not 1 <= self.position <= CAR_LIMIT:
            raise ValueError(f"position must be 1..{CAR_LIMIT}, got {self.position}")


@dataclass(frozen=True, slots=True)
class ClearPositions:
    """Clear the position tower (positions and lap counter)."""


@dataclass(frozen=True, slots=True)
class SetLapCounter:
    """Show slotrace's lap count (any lap >= 0) on the position tower's lap counter.

    The driver maps it onto what its display can show: a Carrera tower shows 0..249 and
    wraps (lap 250 shows as 0, 251 as 1).
    """

    lap: int

    def __post_init__(self) -> None:
        if self.lap < 0:
            raise ValueError(f"lap must be >= 0, got {self.lap}")


@dataclass(frozen=True, slots=True)
class ResetTimer:
    """Reset the control unit's timer (starts a new epoch; also refuels unless lights are on)."""


@dataclass(frozen=True, slots=True)
class SetRaceFinished:
    """Flag a car as finished (the tower blinks its number; laps still count)."""

    car: int

    def __post_init__(self) -> None:
        _car(self.car)


@dataclass(frozen=True, slots=True)
class SetTrackPower:
    """Cut (``on=False``) or restore power to every car on the track, the device clock running
    on (`Capability.TRACK_POWER`). Race control holds the cars with it while its own start
    lights are on and while a race is suspended; a driver keeps each car's `SetSpeed` level
    while the power is off and restores it with the power.
    """

    on: bool


@dataclass(frozen=True, slots=True)
class RequestVersion:
    """Ask the device for its firmware version (answered with `FirmwareVersion`)."""


DriverCommand = (
    PressButton
    | SetIgnoreMask
    | SetSpeed
    | SetBrake
    | SetFuel
    | SetPosition
    | ClearPositions
    | SetLapCounter
    | ResetTimer
    | SetRaceFinished
    | SetTrackPower
    | RequestVersion
)
"""Everything race control can send to a driver."""

DRIVER_COMMAND_TYPES: tuple[type, ...] = (
    PressButton,
    SetIgnoreMask,
    SetSpeed,
    SetBrake,
    SetFuel,
    SetPosition,
    ClearPositions,
    SetLapCounter,
    ResetTimer,
    SetRaceFinished,
    SetTrackPower,
    RequestVersion,
)
