"""Provides capability flags: what a driver's hardware can do. Faces branch on these,
never on a driver's name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto


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


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a driver supports.

    Attributes:
        max_cars: how many cars race at once (controller addresses 1..max_cars).
        sensor_groups: how many sensor groups a crossing can come from (1..3).
        flags: supported features.
    """

    max_cars: int
    sensor_groups: int
    flags: Capability

    def __contains__(self, item: Capability) -> bool:
        return item in self.flags
