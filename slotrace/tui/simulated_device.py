"""Provides `SimulatedDevice`: a driver that first starts its driver's simulator, then connects.

``slotrace demo`` and ``slotrace open --device sim`` use it, so the app runs the real
driver (codec, polling, reconnects) against the simulated control unit in the app's own
event loop. The simulator comes through the driver registry, never by importing a driver.
Between heats `SimulatedDevice.resimulate` re-paces it for the next heat's leg: a new
simulator and a new connection behind the same event stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

from slotrace.drivers_api import (
    ClockMark,
    Driver,
    DriverCommand,
    DriverError,
    DriverEvent,
    LinkDown,
    LinkStats,
    LocalProtocolError,
    Simulator,
    load_driver,
)
from slotrace.raceday import CREW_OPTIONS


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
        self._options = dict(simulator_options)
        self._inner: Driver | None = None
        self._swap: asyncio.Task[None] | None = None
        """A `resimulate` under way: the old connection closing, the new one starting."""
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

    @property
    def options(self) -> dict[str, Any]:
        """The options the current simulator was made with."""
        return dict(self._options)

    def resimulate(self, crews: Mapping[str, Any]) -> bool:
        """Drive the next heat with ``crews`` (`slotrace.raceday.heat_crews`): its cars, pace
        and sensor places; the other options (speed-up, seed, line pacing) stay.

        Nothing changes when they are what the simulator already runs (the next heat of the
        same leg keeps the connection and its clock). Otherwise a new simulator replaces the
        old one: before `start` at once; on a running device in the background, the event
        stream carrying on with the new connection (the old one's closing `LinkDown` is not
        passed on). Returns True when the simulator is replaced. Raises the simulator's
        config error before anything changes.
        """
        options = {k: v for k, v in self._options.items() if k not in CREW_OPTIONS}
        options.update(crews)
        if options == self._options:
            return False
        simulator = self._driver_class.simulator(**options)
        if simulator is None:  # pragma: no cover - it had one a moment ago
            raise DriverError(f"the {self._driver_class.name} driver has no simulator")
        self._options = options
        if self._inner is None and self._swap is None:
            self._simulator = simulator
        else:
            previous = self._swap
            self._swap = asyncio.get_running_loop().create_task(
                self._replace(simulator, previous))
        return True

    async def _replace(self, simulator: Simulator, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await previous
        inner, self._inner = self._inner, None  # `send` refuses until the new one is up
        try:
            if inner is not None:
                await inner.close()  # ends its event stream
        finally:
            await self._simulator.stop()
        self._simulator = simulator
        self.target = await simulator.start()
        fresh = self._driver_class.open(self.target, **simulator.driver_options())
        try:
            await fresh.start()
        except BaseException:
            await simulator.stop()
            raise
        self._inner = fresh
        if self._swap is asyncio.current_task():
            self._swap = None

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
        swap, self._swap = self._swap, None
        if swap is not None and not swap.done():
            swap.cancel()
        try:
            if swap is not None:
                await asyncio.gather(swap, return_exceptions=True)
            if self._inner is not None:
                await self._inner.close()
        finally:
            await self._simulator.stop()

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        while True:
            inner = self._inner
            if inner is not None:
                async for event in inner.events():
                    if isinstance(event, LinkDown) and self._inner is not inner:
                        continue  # closed by `resimulate`: the new connection follows
                    yield event
            if self._inner is not None and self._inner is not inner:
                continue  # re-paced meanwhile: read the new connection
            swap = self._swap
            if swap is None:
                return  # closed, or never started
            await swap  # a failed re-pace ends the stream with its error

    def send(self, command: DriverCommand) -> None:
        if self._inner is None:
            why = "being re-paced for the next heat" if self._swap else "not connected yet"
            raise LocalProtocolError(f"the simulated control unit is {why}; try again")
        self._inner.send(command)

    @property
    def stats(self) -> LinkStats:
        return self._inner.stats if self._inner is not None else LinkStats()
