"""The conformance kit against the ARC driver and its powerbase model (fake bleak backend,
virtual time: nothing sleeps); the faults are lost notifications, hang-ups and power cycles
(the clock restarts, so epochs are compared with the model's count of resets)."""

from __future__ import annotations

import asyncio

import pytest

from slotrace.drivers_api import Driver, DriverEvent
from slotrace.drivers_api.conformance import Crossing, DriverConformance, Harness, wait_for
from slotrace_arc.driver import ArcDriver
from slotrace_arc.fake_ble import fake_powerbase_backend
from slotrace_arc.sim_model import ArcFaults, PowerbaseModel, SimCar


class ArcHarness(Harness):
    name = "arc"
    bad_devices = ("arc:ble:not-an-address", "arc:/dev/ttyUSB0", "arc:socket://nohost")
    unreachable_device = "arc:socket://127.0.0.1:9"

    def __init__(self) -> None:
        self.model = PowerbaseModel([])
        self.backend: type | None = None

    async def open(self, faults: bool) -> Driver:
        cars = [SimCar(1, 4.1, 0.2), SimCar(2, 4.6, 0.3), SimCar(5, 5.0, 0.1)]
        chosen = ArcFaults(drop=0.15, hangup_s=17, power_cycle_s=29) if faults else ArcFaults()
        self.model = PowerbaseModel(cars, seed=11, faults=chosen)
        self.backend = fake_powerbase_backend(self.model)
        return ArcDriver.open("ble:D4:8B:39:00:00:01", backend=self.backend, reconnect_delay=0)

    def model_ms(self) -> float:
        return self.model.now_ms

    async def hang_up(self) -> None:
        assert self.backend is not None
        self.backend.instances[-1].hang_up()

    async def settle(self, driver: Driver, events: list[DriverEvent]) -> None:
        assert self.backend is not None and isinstance(driver, ArcDriver)
        self.backend.paused = True
        await wait_for(
            lambda: not driver.link.pending and driver.link.is_open, self.timeout, "the backlog"
        )
        for _ in range(20):
            await asyncio.sleep(0)

    def truth(self) -> list[Crossing]:
        return [Crossing(c.car, 1, c.device_ms, c.reset) for c in self.model.reported()]

    def hangups(self) -> int:
        return self.model.hangups


class TestArcConformance(DriverConformance):
    @pytest.fixture
    def harness(self) -> ArcHarness:
        return ArcHarness()
