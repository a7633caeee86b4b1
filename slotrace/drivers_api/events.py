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

CAR_LIMIT = 255
"""Highest car number an event or command may carry. A sanity bound only (car numbers fit a
byte on every system we know: Carrera 1-8, ARC 1-6, oXigen 1-20): how many cars a driver
really runs is its own declaration, `Capabilities.max_cars`, which the conformance kit checks
against what the driver reports and refuses."""

MAX_CAR = 8
"""Carrera's address range (1-6 controllers, 7 ghost, 8 pace car). Neither the driver API nor
the engine caps car numbers at it (both take 1..`CAR_LIMIT`); only the Carrera driver uses it."""

START_LIGHT_COUNT = 5
"""How many red lights a `StartLight` countdown has (the F1-style gantry every face draws)."""


class LightPhase(IntEnum):
    """Where a start-light sequence is, whatever the hardware: with `StartLight.lit` this is
    the neutral reading of the lights (count + phase)."""

    OFF = 0
    """No sequence: idle or racing."""
    ARMED = 1
    """All lights on, cars held, waiting for the countdown."""
    COUNTDOWN = 2
    """Lights going on one by one (`StartLight.lit` says how many)."""
    GO = 3
    """Lights out: the race starts."""
    FALSE_START = 4
    """A car moved before lights-out."""


class StartLight(IntEnum):
    """Start-light state as a device reports it. The values are Carrera's status nibble 0..9;
    other drivers build one from a count and a phase with `StartLight.of`, and readers should
    use `phase` and `lit` rather than the values."""

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
        """How many of the `START_LIGHT_COUNT` red lights are on."""
        if self is StartLight.READY:
            return START_LIGHT_COUNT
        if StartLight.COUNT_1 <= self <= StartLight.COUNT_5:
            return int(self) - 1
        return 0

    @property
    def phase(self) -> LightPhase:
        """The neutral phase of this state."""
        return _PHASES[self]

    @property
    def is_false_start(self) -> bool:
        return self in (StartLight.FALSE_START, StartLight.FALSE_START_HELD)

    @classmethod
    def of(cls, phase: LightPhase, lit: int = 0, *, total: int = START_LIGHT_COUNT) -> StartLight:
        """The state for ``lit`` of ``total`` lights in ``phase`` (a device with another number
        of lights is scaled to five, rounding up, so a lit light is never shown as none; all
        five only when all of the device's are lit).

        Raises:
            ValueError: ``lit`` outside 0..total, or a countdown with no light lit.
        """
        if total < 1 or not 0 <= lit <= total:
            raise ValueError(f"lit must be 0..{total} of {total} lights, got {lit}")
        if phase is LightPhase.COUNTDOWN:
            shown = -(-lit * START_LIGHT_COUNT // total)
            if lit < total:
                shown = min(shown, START_LIGHT_COUNT - 1)
            if shown == 0:
                raise ValueError("a countdown has at least one light lit")
            return cls(int(cls.COUNT_1) + shown - 1)
        return {
            LightPhase.OFF: cls.OFF,
            LightPhase.ARMED: cls.READY,
            LightPhase.GO: cls.GO,
            LightPhase.FALSE_START: cls.FALSE_START,
        }[phase]


_PHASES = {
    StartLight.OFF: LightPhase.OFF,
    StartLight.READY: LightPhase.ARMED,
    **{StartLight(v): LightPhase.COUNTDOWN for v in range(2, 7)},
    StartLight.GO: LightPhase.GO,
    StartLight.FALSE_START: LightPhase.FALSE_START,
    StartLight.FALSE_START_HELD: LightPhase.FALSE_START,
}


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
    if not 1 <= car <= CAR_LIMIT:
        raise ValueError(f"car must be 1..{CAR_LIMIT}, got {car}")


@dataclass(frozen=True, slots=True)
class CarPassed:
    """A car crossed a sensor group.

    Attributes:
        car: car (controller) number 1..`Capabilities.max_cars` as the driver numbers them
            (Carrera 7 = ghost, 8 = pace).
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
        fuel: fuel level 0..``fuel_scale`` of cars 1, 2, ... (``fuel_scale`` = full), as many
            as the device reports (Carrera: 8, all 0 without a pit-lane adapter); empty for a
            system without fuel. Read it as a fraction with `fuel_fraction`.
        start_light: start-light state (read `StartLight.phase` and `StartLight.lit`).
        mode: mode bits.
        pit: cars currently in the pit lane.
        display: how many drivers the position tower shows (6 or 8).
        fuel_scale: the level that means a full tank (Carrera 15). Levels stay integers so a
            replayed journal is exact.
    """

    fuel: tuple[int, ...]
    start_light: StartLight
    mode: ModeFlags
    pit: frozenset[int] = field(default_factory=frozenset)
    display: int = 6
    fuel_scale: int = 15

    def __post_init__(self) -> None:
        if self.fuel_scale < 1:
            raise ValueError(f"fuel_scale must be >= 1, got {self.fuel_scale}")
        if len(self.fuel) > CAR_LIMIT or any(not 0 <= f <= self.fuel_scale for f in self.fuel):
            raise ValueError(
                f"fuel must be up to {CAR_LIMIT} levels 0..{self.fuel_scale}, got {self.fuel!r}"
            )
        for car in self.pit:
            _check_car(car)

    def fuel_of(self, car: int) -> int:
        """Fuel level 0..``fuel_scale`` of ``car`` (0 for a car the report has no level for)."""
        _check_car(car)
        return self.fuel[car - 1] if car <= len(self.fuel) else 0

    def fuel_fraction(self, car: int) -> float | None:
        """Fuel of ``car`` as a fraction of a full tank (0.0..1.0); None if not reported."""
        _check_car(car)
        if car > len(self.fuel):
            return None
        return self.fuel[car - 1] / self.fuel_scale


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
