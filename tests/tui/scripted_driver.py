"""Provides `ScriptedDriver`: a fake control-unit driver whose events the test pushes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    Driver,
    DriverCommand,
    DriverEvent,
    LinkStats,
    LinkUp,
    ModeFlags,
    StartLight,
    StatusReport,
)

_CLOSED = object()


class ScriptedDriver(Driver):
    """Implements the `Driver` ABC; `push` delivers events, `sent` records commands."""

    name: ClassVar[str] = "scripted"
    description: ClassVar[str] = "scripted fake driver for tests"
    target_help: ClassVar[str] = "anything"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_cars=6, sensor_groups=1, flags=Capability.START_LIGHTS | Capability.FUEL
    )

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.sent: list[DriverCommand] = []
        self.started = False
        self.closed = False
        self._stats = LinkStats()

    @classmethod
    def open(cls, target: str, **options: Any) -> ScriptedDriver:
        return cls()

    async def start(self) -> None:
        self.started = True
        self.push(LinkUp("scripted control unit"))

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(_CLOSED)

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        while True:
            item = await self._queue.get()
            if item is _CLOSED:
                return
            yield item

    def send(self, command: DriverCommand) -> None:
        self.sent.append(command)

    @property
    def stats(self) -> LinkStats:
        return self._stats

    def set_stats(self, **counters: int) -> None:
        self._stats = LinkStats(**counters)

    # -- scripting helpers ---------------------------------------------------------------

    def push(self, *events: DriverEvent) -> None:
        for event in events:
            self._queue.put_nowait(event)

    def lights(self, light: StartLight, fuel: int = 15) -> None:
        """Push a status report with ``light`` and every car's fuel at ``fuel``."""
        self.push(StatusReport(fuel=(fuel,) * 8, start_light=light, mode=ModeFlags.FUEL))

    def crossing(self, car: int, device_ms: int, sensor: int = 1, epoch: int = 0) -> None:
        self.push(CarPassed(car=car, sensor=sensor, device_ms=device_ms, epoch=epoch))
