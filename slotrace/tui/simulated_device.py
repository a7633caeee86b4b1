"""Provides `SimulatedDevice`: a driver that first starts its driver's simulator, then connects.

``slotrace demo`` and ``slotrace open --device sim`` use it, so the app runs the real
driver (codec, polling, reconnects) against the simulated control unit in the app's own
event loop. The simulator comes through the driver registry, never by importing a driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from slotrace.drivers_api import (
    ClockMark,
    Driver,
    DriverCommand,
    DriverError,
    DriverEvent,
    LinkStats,
    LocalProtocolError,
    Simulator,
    load_driver,
)


class SimulatedDevice(Driver):
    """Wraps ``driver_class`` connected to ``driver_class.simulator(**simulator_options)``.

    It declares the wrapped driver's capabilities (`Capability.CLOCK_CONTINUITY` included) and
    forwards `continue_clock` to it, so a resumed demo heat keeps the journal's epochs.
    """

    name: ClassVar[str] = "sim"
    description: ClassVar[str] = "a driver connected to its own simulator"
    target_help: ClassVar[str] = "sim"

    def __init__(self, driver_class: type[Driver], **simulator_options: Any) -> None:
        simulator = driver_class.simulator(**simulator_options)
        if simulator is None:
            raise DriverError(f"the {driver_class.name} driver has no simulator")
        self._driver_class = driver_class
        self._simulator: Simulator = simulator
        self._inner: Driver | None = None
        self.capabilities = driver_class.capabilities  # type: ignore[misc]
        self.target = ""

    @classmethod
    def for_driver(cls, name: str = "carrera", **simulator_options: Any) -> SimulatedDevice:
        """The simulator of the driver registered as ``name`` (default: Carrera)."""
        return cls(load_driver(name), **simulator_options)

    @classmethod
    def open(cls, target: str, **options: Any) -> SimulatedDevice:
        return cls.for_driver(target or "carrera", **options)

    @property
    def simulator(self) -> Simulator:  # type: ignore[override]
        return self._simulator

    def continue_clock(self, mark: ClockMark) -> None:
        """A resumed heat: the wrapped driver gets the mark when it is created in `start`.

        It then decides itself whether the (new) simulator's clock restarted, exactly as it
        does for a real control unit, so the resumed heat keeps its epochs.
        """
        super().continue_clock(mark)
        if self._inner is not None:
            self._inner.continue_clock(mark)

    async def start(self) -> None:
        self.target = await self._simulator.start()
        self._inner = self._driver_class.open(self.target, **self._simulator.driver_options())
        if self.clock_mark is not None:
            self._inner.continue_clock(self.clock_mark)
        try:
            await self._inner.start()
        except BaseException:
            await self._simulator.stop()
            raise

    async def close(self) -> None:
        try:
            if self._inner is not None:
                await self._inner.close()
        finally:
            await self._simulator.stop()

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        if self._inner is None:
            return
        async for event in self._inner.events():
            yield event

    def send(self, command: DriverCommand) -> None:
        if self._inner is None:
            raise LocalProtocolError("the simulated control unit is not connected yet")
        self._inner.send(command)

    @property
    def stats(self) -> LinkStats:
        return self._inner.stats if self._inner is not None else LinkStats()
