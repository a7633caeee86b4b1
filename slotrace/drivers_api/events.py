"""Provides the events every driver emits: small frozen value objects, one per fact.

Drivers turn bytes into these once; the journal stores them; the engine folds them.
Times are device times (``device_ms`` on the control unit's own clock) within an
``epoch``: a new epoch starts whenever the device clock restarted (timer reset, power
cycle; the driver decides from evidence), and times from different epochs must never be
subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

MAX_CAR = 8
"""Highest car address any driver reports (Carrera: 1-6 controllers, 7 ghost, 8 pace car)."""


class StartLight(IntEnum):
    """Start-light state as the control unit reports it (Carrera status nibble 0..9)."""

    OFF = 0
    """No lights: race running or idle."""
    READY = 1
    """START pressed once: all five lights on, cars held, waiting for the second START."""
    COUNT_1 = 2
    COUNT_2 = 3
    COUNT_3 = 4
    COUNT_4 = 5
    COUNT_5 = 6
    GO = 7
    """Last countdown step, all lights out: the race starts (becomes OFF shortly after)."""
    FALSE_START = 8
    """A car moved before GO (first report)."""
    FALSE_START_HELD = 9
    """False start (follow-up report)."""

    @property
    def lit(self) -> int:
        """How many of the five red lights are on."""
        if self is StartLight.READY:
            return 5
        if StartLight.COUNT_1 <= self <= StartLight.COUNT_5:
            return int(self) - 1
        return 0

    @property
    def is_false_start(self) -> bool:
        return self in (StartLight.FALSE_START, StartLight.FALSE_START_HELD)


class ModeFlags(IntFlag):
    """Control-unit mode bits."""

    NONE = 0
    FUEL = 0x1
    """Fuel on ("normal")."""
    REAL_FUEL = 0x2
    """Fuel "real" mode."""
    PIT_LANE = 0x4
    """Pit-lane adapter connected (fuel is only reported with it)."""
    LAP_COUNTER = 0x8
    """Position tower / lap counter connected."""


def _check_car(car: int) -> None:
    if not 1 <= car <= MAX_CAR:
        raise ValueError(f"car must be 1..{MAX_CAR}, got {car}")


@dataclass(frozen=True, slots=True)
class CarPassed:
    """A car crossed a sensor group.

    Attributes:
        car: car (controller) number 1..8 as the driver numbers them (Carrera 7 = ghost, 8 = pace).
        sensor: sensor group 1..3; 1 is the finish line, 2 and 3 are intermediate (Check Lane).
        device_ms: the device clock at the crossing, in milliseconds.
        epoch: device-clock epoch this time belongs to.
    """

    car: int
    sensor: int
    device_ms: int
    epoch: int = 0

    def __post_init__(self) -> None:
        _check_car(self.car)
        if not 1 <= self.sensor <= 3:
            raise ValueError(f"sensor must be 1..3, got {self.sensor}")
        if self.device_ms < 0:
            raise ValueError(f"device_ms must be >= 0, got {self.device_ms}")


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A snapshot of the control unit's state; drivers emit it only when something changed.

    Attributes:
        fuel: fuel level 0..15 for cars 1..8 (15 = full); all 0 without a pit-lane adapter.
        start_light: start-light state.
        mode: mode bits.
        pit: cars (1..8) currently in the pit lane.
        display: how many drivers the position tower shows (6 or 8).
    """

    fuel: tuple[int, ...]
    start_light: StartLight
    mode: ModeFlags
    pit: frozenset[int] = field(default_factory=frozenset)
    display: int = 6

    def __post_init__(self) -> None:
        if len(self.fuel) != MAX_CAR or any(not 0 <= f <= 15 for f in self.fuel):
            raise ValueError(f"fuel must be {MAX_CAR} levels 0..15, got {self.fuel!r}")
        for car in self.pit:
            _check_car(car)

    def fuel_of(self, car: int) -> int:
        """Fuel level 0..15 of car 1..8."""
        _check_car(car)
        return self.fuel[car - 1]


@dataclass(frozen=True, slots=True)
class FirmwareVersion:
    """The device reported its firmware version (Carrera: e.g. ``"5337"``)."""

    version: str


@dataclass(frozen=True, slots=True)
class EpochStarted:
    """A new device-clock epoch begins; later ``device_ms`` values restart from here.

    Attributes:
        epoch: the new epoch number (increasing).
        reason: why, for the stewards' log ("timer reset", "clock jumped back 51234 ms").
    """

    epoch: int
    reason: str


@dataclass(frozen=True, slots=True)
class LinkUp:
    """The link to the device is (re-)established.

    Attributes:
        description: what we are connected to, e.g. ``"carrera on /dev/ttyUSB0"``.
        reconnects: how many times the link has been re-established after a loss, counting
            this one: 0 on the first connection, 1 on the first reconnect.
    """

    description: str
    reconnects: int = 0


@dataclass(frozen=True, slots=True)
class LinkDown:
    """The link to the device is lost; the driver keeps retrying unless closed.

    Attributes:
        reason: what happened, in words an organiser can act on.
    """

    reason: str


@dataclass(frozen=True, slots=True)
class DeviceRefused:
    """The device refused a request (Carrera answers ``#``): a command its firmware does not
    know, or every request because it has no firmware at all.

    Attributes:
        what: what was refused, e.g. ``"START"`` or ``"firmware"``.
        reason: in words a face shows as is, e.g. ``"START is not supported by firmware 5330"``.
        fatal: True when the device cannot be used at all (no firmware); the driver then stops
            polling it until it is reconnected.
    """

    what: str
    reason: str
    fatal: bool = False


DriverEvent = (
    CarPassed | StatusReport | FirmwareVersion | EpochStarted | LinkUp | LinkDown | DeviceRefused
)
"""Everything a driver can emit."""

DRIVER_EVENT_TYPES: tuple[type, ...] = (
    CarPassed,
    StatusReport,
    FirmwareVersion,
    EpochStarted,
    LinkUp,
    LinkDown,
    DeviceRefused,
)
