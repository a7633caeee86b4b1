"""`SimulatedDevice` passes a resumed heat's clock mark to the driver it wraps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    ClockMark,
    Driver,
    DriverCommand,
    DriverEvent,
    LinkStats,
    Simulator,
)
from slotrace.engine import SessionConfig, SessionKind
from slotrace.raceday import LiveHeat, MemoryJournal, OpenedHeat, continue_clock
from slotrace.tui.simulated_device import SimulatedDevice

MARK = ClockMark(epoch=3, device_ms=50_000, wall_s=1_000.0)


class FakeSimulator(Simulator):
    def __init__(self) -> None:
        self.running = False

    async def start(self) -> str:
        self.running = True
        return "fake-cu"

    async def stop(self) -> None:
        self.running = False

    def driver_options(self) -> dict[str, Any]:
        return {"clock_rate": 2000.0}


class ContinuingDriver(Driver):
    """Records what it was told, in order; declares clock continuity like the Carrera driver."""

    name: ClassVar[str] = "continuing"
    description: ClassVar[str] = "test driver"
    target_help: ClassVar[str] = "anything"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_cars=6, sensor_groups=1, flags=Capability.START_LIGHTS | Capability.CLOCK_CONTINUITY)
    made: ClassVar[list[ContinuingDriver]] = []

    def __init__(self, target: str, options: dict[str, Any]) -> None:
        self.target = target
        self.options = options
        self.calls: list[str] = []
        ContinuingDriver.made.append(self)

    @classmethod
    def open(cls, target: str, **options: Any) -> ContinuingDriver:
        return cls(target, options)

    @classmethod
    def simulator(cls, **options: Any) -> Simulator:
        return FakeSimulator()

    def continue_clock(self, mark: ClockMark) -> None:
        super().continue_clock(mark)
        self.calls.append(f"continue_clock epoch {mark.epoch}")

    async def start(self) -> None:
        self.calls.append("start")

    async def close(self) -> None:
        self.calls.append("close")

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        return
        yield

    def send(self, command: DriverCommand) -> None:
        self.calls.append(type(command).__name__)

    @property
    def stats(self) -> LinkStats:
        return LinkStats()


async def test_a_resumed_heat_hands_the_mark_to_the_wrapped_driver_before_it_starts() -> None:
    ContinuingDriver.made.clear()
    device = SimulatedDevice(ContinuingDriver)
    assert Capability.CLOCK_CONTINUITY in device.capabilities.flags
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=5, cars=(1, 2))
    journal = MemoryJournal()
    live = LiveHeat(config, journal, clock=lambda: 0.0)
    opened = OpenedHeat(live, "Heat 1", {1: 1, 2: 2}, True, MARK, heat=None)  # type: ignore[arg-type]
    continue_clock(opened, device, "steward")  # the event core, as race control calls it
    assert journal.items == []  # no new epoch journaled: the driver keeps the clock
    await device.start()
    [inner] = ContinuingDriver.made
    assert inner.calls == ["continue_clock epoch 3", "start"]
    assert inner.clock_mark == MARK and device.clock_mark == MARK
    assert inner.options == {"clock_rate": 2000.0}  # the simulator's options still reach it
    await device.close()
    assert inner.calls[-1] == "close"


async def test_the_mark_given_after_start_also_reaches_the_driver() -> None:
    ContinuingDriver.made.clear()
    device = SimulatedDevice(ContinuingDriver)
    await device.start()
    device.continue_clock(MARK)
    [inner] = ContinuingDriver.made
    assert inner.calls == ["start", "continue_clock epoch 3"]
    await device.close()


async def test_a_fresh_heat_passes_no_mark() -> None:
    ContinuingDriver.made.clear()
    device = SimulatedDevice(ContinuingDriver)
    await device.start()
    [inner] = ContinuingDriver.made
    assert inner.calls == ["start"] and inner.clock_mark is None
    await device.close()


async def test_the_carrera_simulator_device_declares_and_forwards_clock_continuity() -> None:
    device = SimulatedDevice.for_driver("carrera", cars=2)
    assert Capability.CLOCK_CONTINUITY in device.capabilities.flags
    device.continue_clock(MARK)
    await device.start()
    try:
        inner = device._inner
        assert inner is not None and type(inner).name == "carrera"
        assert inner.clock_mark == MARK
    finally:
        await device.close()
