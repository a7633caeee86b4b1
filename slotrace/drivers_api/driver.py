"""Provides the `Driver` interface every control-unit driver implements, and link statistics.

A driver owns one link to one device. Lifecycle::

    driver = DriverClass.open("socket://127.0.0.1:7878")
    async with driver:                       # connects, starts polling / listening
        driver.send(PressButton(Button.START))   # queued, never blocks
        async for event in driver.events():  # ends when the driver is closed
            ...

Drivers reconnect by themselves after a link loss (emitting `LinkDown`, then `LinkUp`);
``events()`` only ends on ``close()``. A driver is found by name through the
``slotrace.drivers`` entry-point group (see `slotrace.drivers_api.registry`).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

from slotrace.drivers_api.capabilities import Capabilities
from slotrace.drivers_api.commands import DriverCommand
from slotrace.drivers_api.events import DriverEvent


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Counters of a driver's link since it was opened.

    Attributes:
        polls: requests answered (for polled devices) or messages received.
        bad_frames: frames rejected (bad checksum, wrong length, garbage), counted and logged.
        timeouts: requests that got no answer in time.
        reconnects: times the link was re-established after a loss.
        duplicates_dropped: repeated frames that were recognised and dropped.
        commands_sent: commands written to the device.
        quarantined: frames with an implausible device time, logged and not counted as laps.
    """

    polls: int = 0
    bad_frames: int = 0
    timeouts: int = 0
    reconnects: int = 0
    duplicates_dropped: int = 0
    commands_sent: int = 0
    quarantined: int = 0


@dataclass(frozen=True, slots=True)
class ClockMark:
    """Where a resumed heat left the device clock: the last device time it journaled.

    Attributes:
        epoch: the epoch of that device time.
        device_ms: the last device time journaled in that epoch.
        wall_s: the writer's wall clock (seconds since 1970) when it journaled it.
    """

    epoch: int
    device_ms: int
    wall_s: float


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """A device a driver found on this machine (for ``slotrace devices``).

    Attributes:
        device: the full device string to pass to ``--device``, e.g. ``carrera:/dev/ttyUSB0``.
        description: what it is, e.g. ``"USB serial (FTDI)"`` or ``"Control_Unit, BLE, RSSI -60"``.
    """

    device: str
    description: str


class Simulator(abc.ABC):
    """A stand-in for a driver's hardware that a face can run in-process (demo, tests)."""

    @abc.abstractmethod
    async def start(self) -> str:
        """Start serving; return the target string to pass to the driver's ``open``."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop serving and release sockets / ptys."""

    def driver_options(self) -> dict[str, Any]:
        """Options to pass to the driver's ``open`` with the target (e.g. how fast a sped-up
        simulator's clock runs, so the driver's plausibility checks accept it). Default: none."""
        return {}


class Driver(abc.ABC):
    """One link to one control unit."""

    name: ClassVar[str]
    """Entry-point name, e.g. ``"carrera"``."""
    description: ClassVar[str]
    """One line for ``slotrace devices``."""
    target_help: ClassVar[str]
    """The accepted target syntax, shown in ``--help`` and errors."""
    capabilities: ClassVar[Capabilities]
    clock_mark: ClockMark | None = None
    """Set by `continue_clock` when a heat is resumed; None for a fresh heat."""

    @classmethod
    @abc.abstractmethod
    def open(cls, target: str, **options: Any) -> Driver:
        """Create a driver for ``target`` (the part of the device string after ``name:``).

        Does not connect yet. Raises `DeviceStringError` if the target is malformed.
        """

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and begin talking to the device; raises `TransportError` on failure."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop, release the device and end ``events()``."""

    @abc.abstractmethod
    def events(self) -> AsyncIterator[DriverEvent]:
        """Every event in the order the device reported it; ends after ``close()``."""

    @abc.abstractmethod
    def send(self, command: DriverCommand) -> None:
        """Queue a command for the device; never blocks. Raises `LocalProtocolError` if the
        driver cannot carry it out."""

    def continue_clock(self, mark: ClockMark) -> None:
        """Called by the core BEFORE `start` when resuming a heat: where the journal left the
        device clock. A driver that declares `Capability.CLOCK_CONTINUITY` numbers its epochs
        from ``mark.epoch`` and emits ``EpochStarted(mark.epoch + 1, reason)`` before its first
        timed event only if evidence says the device clock restarted (it stepped back, or
        advanced less than the wall clock since ``mark.wall_s`` allows); otherwise its events
        carry ``epoch == mark.epoch``. Default: store the mark on ``self.clock_mark``."""
        self.clock_mark = mark

    @property
    @abc.abstractmethod
    def stats(self) -> LinkStats:
        """Link counters so far."""

    @classmethod
    async def discover(cls, timeout: float = 3.0) -> list[DiscoveredDevice]:
        """Devices of this kind on this machine. Default: none can be discovered."""
        return []

    @classmethod
    async def survey(cls, timeout: float = 3.0) -> tuple[list[DiscoveredDevice], list[str]]:
        """Like `discover`, plus one-line notes on what could not be searched and why
        (e.g. "Bluetooth: no adapter on this machine"). Default: `discover`, no notes."""
        return await cls.discover(timeout), []

    @classmethod
    def simulator(cls, **options: Any) -> Simulator | None:
        """A simulator of this driver's hardware, if the driver ships one."""
        return None

    async def __aenter__(self) -> Driver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
