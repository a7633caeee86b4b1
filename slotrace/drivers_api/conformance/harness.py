"""Provides `Harness`, what a driver package implements so the conformance kit can drive its
driver against its simulator, `HardwareHarness` for a real device, and bounded waiting.

The kit never sleeps and hopes: it waits on conditions with a bound (`wait_for`) and compares
what the driver delivered with the simulator's ground truth.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable
from typing import Any, NamedTuple

from slotrace.drivers_api.capabilities import Capability
from slotrace.drivers_api.commands import DriverCommand
from slotrace.drivers_api.driver import Driver
from slotrace.drivers_api.events import DriverEvent
from slotrace.drivers_api.registry import load_driver, parse_device


class Crossing(NamedTuple):
    """A crossing as truth and driver both state it."""

    car: int
    sensor: int
    device_ms: int
    epoch: int


async def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds; `AssertionError` naming ``what`` after ``timeout`` s."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.002)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None


class collect_events:
    """Start ``driver`` and collect its events into a list until the block ends (then close)."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.events: list[DriverEvent] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> list[DriverEvent]:
        await self.driver.start()
        self._task = asyncio.get_running_loop().create_task(self._collect())
        return self.events

    async def _collect(self) -> None:
        async for event in self.driver.events():
            self.events.append(event)

    async def __aexit__(self, *exc: object) -> None:
        await self.driver.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)


class Harness(abc.ABC):
    """How the kit drives one driver and a fresh simulator of its hardware.

    Attributes:
        name: the driver's entry-point name.
        bad_devices: device strings the driver must refuse with `DeviceStringError`.
        unreachable_device: a well-formed device string nothing answers at.
        timeout: real seconds any one wait may take.
        compare_epochs: the simulator's truth numbers epochs as the driver must (else only
            car, sensor and device time are compared).
    """

    name: str
    bad_devices: tuple[str, ...] = ()
    unreachable_device: str | None = None
    timeout: float = 30.0
    compare_epochs: bool = True

    @property
    def driver_class(self) -> type[Driver]:
        return load_driver(self.name)

    @abc.abstractmethod
    async def open(self, faults: bool) -> Driver:
        """A fresh simulator (with its faults injected if ``faults``) and a driver for it,
        not started yet."""

    async def begin(self, driver: Driver) -> None:
        """Make the cars run (e.g. press START). Default: nothing needed."""
        return None

    @abc.abstractmethod
    def model_ms(self) -> float:
        """The simulator's time so far."""

    @abc.abstractmethod
    async def hang_up(self) -> None:
        """The simulated device drops the link."""

    @abc.abstractmethod
    async def settle(self, driver: Driver, events: list[DriverEvent]) -> None:
        """Stop the simulator's clock and wait until the driver has everything it was sent."""

    @abc.abstractmethod
    def truth(self) -> list[Crossing]:
        """Every crossing the simulator delivered, which the driver must report exactly once."""

    def hangups(self) -> int:
        """How many times the simulator dropped the link (faults and `hang_up`)."""
        return 0

    async def close(self) -> None:
        """Stop the simulator."""
        return None

    def exercise(self, capability: Capability) -> DriverCommand | None:
        """A command exercising ``capability`` (None: the capability has no command)."""
        from slotrace.drivers_api import commands as c

        return {
            Capability.REMOTE_BUTTONS: c.PressButton(c.Button.SPEED),
            Capability.SPEED_BRAKE_FUEL: c.SetSpeed(1, 0.8),
            Capability.SPEED_LIMIT: c.SetSpeed(1, 0.8),
            Capability.IGNORE_MASK: c.SetIgnoreMask(frozenset()),
            Capability.POSITION_TOWER: c.SetLapCounter(1),
            Capability.TIMER_RESET: c.ResetTimer(),
            Capability.FUEL: c.SetFuel(1, 1.0),
            Capability.TRACK_POWER: c.SetTrackPower(on=True),
        }.get(capability)


class HardwareHarness:
    """The read-only subset's view of a real device (``--hardware DEVICE``)."""

    def __init__(self, device: str, **options: Any) -> None:
        self.device = device
        self.name, self.target = parse_device(device)
        self.options = options
        self.timeout = 15.0

    @property
    def driver_class(self) -> type[Driver]:
        return load_driver(self.name)

    async def open(self, faults: bool = False) -> Driver:
        return self.driver_class.open(self.target, **self.options)
