"""Provides capability flags: what a driver's hardware can do. Faces branch on these,
never on a driver's name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto

from slotrace.drivers_api.errors import LocalProtocolError
from slotrace.drivers_api.events import CAR_LIMIT


class Capability(Flag):
    """Things a control unit may or may not support."""

    NONE = 0
    START_LIGHTS = auto()
    """Hardware start-light sequence reported in status."""
    REMOTE_BUTTONS = auto()
    """Keys can be pressed remotely (START, PACE CAR/ESC, ...)."""
    SECTORS = auto()
    """Intermediate sensor groups (2 and 3)."""
    FUEL = auto()
    """Fuel level per car."""
    PIT_LANE = auto()
    """Pit-lane presence per car."""
    IGNORE_MASK = auto()
    """Lap counting can be disabled per car on the device."""
    SPEED_BRAKE_FUEL = auto()
    """Per-car speed, brake and fuel-tank settings."""
    POSITION_TOWER = auto()
    """Position tower / lap counter display."""
    TIMER_RESET = auto()
    """The device clock can be reset remotely."""
    PACE_CAR = auto()
    """An autonomous pace car and ghost car."""
    CLOCK_CONTINUITY = auto()
    """The driver honours `Driver.continue_clock`: on resume it keeps the journaled epoch and
    starts a new one only on evidence that the device clock restarted."""
    SPEED_LIMIT = auto()
    """Per-car maximum speed (`SetSpeed`) without the brake and fuel settings of
    `SPEED_BRAKE_FUEL` (ARC: the power multiplier; 0 stops the car, the clock runs on)."""
    TRACK_POWER = auto()
    """`SetTrackPower` holds every car still and lets them go again, the clock running on
    (ARC: every power multiplier 0). Race control cuts the power while its own start lights
    are on and while a race is suspended."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a driver supports.

    Attributes:
        max_cars: the car numbers the device knows (1..max_cars in events and commands);
            the conformance kit checks the driver keeps to it.
        sensor_groups: how many sensor groups a crossing can come from (1..3).
        flags: supported features.
        heat_cars: how many driven cars a heat is planned with, if fewer than ``max_cars``
            (Carrera: 6 controllers; its cars 7 and 8 are the ghost and pace cars); None:
            ``max_cars``. Read `cars_per_heat`.
    """

    max_cars: int
    sensor_groups: int
    flags: Capability
    heat_cars: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_cars <= CAR_LIMIT:
            raise ValueError(f"max_cars must be 1..{CAR_LIMIT}, got {self.max_cars}")
        if self.heat_cars is not None and not 1 <= self.heat_cars <= self.max_cars:
            raise ValueError(f"heat_cars must be 1..max_cars ({self.max_cars}), "
                             f"got {self.heat_cars}")
        if not 1 <= self.sensor_groups <= 3:
            raise ValueError(f"sensor_groups must be 1..3, got {self.sensor_groups}")

    def __contains__(self, item: Capability) -> bool:
        return item in self.flags

    @property
    def cars_per_heat(self) -> int:
        """The most cars a heat on this device is planned with (``slotrace heats --driver``)."""
        return self.max_cars if self.heat_cars is None else self.heat_cars

    @property
    def holds_cars(self) -> bool:
        """Whether race control holds the cars by cutting the track power (`TRACK_POWER`)
        under its own start lights and while a race is suspended: a device without
        `START_LIGHTS` (one with them holds the cars under its own lights)."""
        return Capability.TRACK_POWER in self.flags and Capability.START_LIGHTS not in self.flags

    @property
    def start_key(self) -> bool:
        """Whether slotrace can press the START key of a device that runs its own start lights
        (`START_LIGHTS` and `REMOTE_BUTTONS`, as on Carrera), where the same key pauses and
        resumes a running race. Without it a suspension stops only slotrace's count.
        """
        return Capability.START_LIGHTS in self.flags and Capability.REMOTE_BUTTONS in self.flags

    def has_car(self, car: int) -> bool:
        """Whether ``car`` is one of this driver's car numbers 1..max_cars."""
        return 1 <= car <= self.max_cars

    def check_car(self, car: int, device: str = "the device") -> None:
        """For a driver's ``send``: refuse a car number the device does not have.

        Raises:
            LocalProtocolError: naming the car and the range, e.g. "car 7: the ARC powerbase
                runs cars 1..6".
        """
        if not self.has_car(car):
            raise LocalProtocolError(f"car {car}: {device} runs cars 1..{self.max_cars}")
