"""`SimulatedDevice` passes a resumed heat's clock mark to the driver it wraps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

from helpers import lights_out
from scripted_driver import ScriptedDriver

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    ClockMark,
    Driver,
    DriverCommand,
    DriverEvent,
    EpochStarted,
    LinkStats,
    Simulator,
)
from slotrace.engine import SessionConfig, SessionKind
from slotrace.raceday import LiveHeat, MemoryJournal, OpenedHeat, continue_clock
from slotrace.store import EventFile
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
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


async def test_race_control_resuming_a_demo_heat_hands_the_journal_mark_through(
        tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    with EventFile.open(path) as event_file:  # first run: the heat starts, two crossings
        app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
        app.session._clock = lambda: 0.0
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("s")
            lights_out(app.driver)
            app.driver.crossing(1, 41_000)
            app.driver.crossing(2, 42_500)
            await pilot.pause()
        heat = app.heat_id
    ContinuingDriver.made.clear()
    with EventFile.open(path) as event_file:  # race control again: the heat is resumed
        device = SimulatedDevice(ContinuingDriver)
        app = prepare_race_control(event_file, device, author="steward")
        assert app.heat_id == heat and "(resumed)" in app.heat_title
        await device.start()
        [inner] = ContinuingDriver.made
        assert inner.calls == ["continue_clock epoch 0", "start"]
        assert (inner.clock_mark.epoch, inner.clock_mark.device_ms) == (0, 42_500)
        await device.close()
        items = [row.item() for row in event_file.journal(heat)]
        assert not any(isinstance(item, EpochStarted) for item in items)  # the driver decides
        assert sum(isinstance(item, CarPassed) for item in items) == 2
