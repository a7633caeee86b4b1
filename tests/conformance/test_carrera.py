"""The conformance kit against the Carrera driver: over TCP to its simulator (the serial path,
with corrupt/drop/duplicate faults and hang-ups) and over the fake AppConnect BLE backend."""

from __future__ import annotations

import pytest

from slotrace.drivers_api import (
    Button,
    Driver,
    DriverEvent,
    LinkDown,
    LinkUp,
    PressButton,
    load_driver,
)
from slotrace.drivers_api.conformance import Crossing, DriverConformance, Harness, wait_for
from slotrace_carrera.sim_config import Faults

SPEEDUP = 25.0
OPTIONS = {
    "request_timeout": 0.15,
    "connect_timeout": 2.0,
    "max_consecutive_timeouts": 4,
    "min_reconnect_delay": 0.05,
    "max_reconnect_delay": 0.2,
    "clock_rate": 1000 * SPEEDUP,
}


class CarreraSerialHarness(Harness):
    name = "carrera"
    compare_epochs = False  # the truth keeps no epochs; the driver may start one per link
    bad_devices = ("carrera:ble:nonsense", "carrera:ftp://x", "carrera:ttyUSB0")
    unreachable_device = "carrera:socket://127.0.0.1:9"

    def __init__(self) -> None:
        self.sim = None

    async def open(self, faults: bool) -> Driver:
        carrera = load_driver("carrera")
        chosen = (
            Faults(
                corrupt_rate=0.02, drop_rate=0.02, duplicate_rate=0.02, hangup_every_s=20.0, seed=7
            )
            if faults
            else Faults()
        )
        self.sim = carrera.simulator(
            over="tcp", speedup=SPEEDUP, faults=chosen, cars=4, sensor_groups=3
        )
        target = await self.sim.start()
        return carrera.open(target, **OPTIONS)

    async def begin(self, driver: Driver) -> None:
        driver.send(PressButton(Button.START))
        driver.send(PressButton(Button.START))

    def model_ms(self) -> float:
        return self.sim.model_ms()

    async def hang_up(self) -> None:
        await self.sim.hang_up()

    async def settle(self, driver: Driver, events: list[DriverEvent]) -> None:
        # a periodic hang-up may have just dropped the link: the final one must find it up
        def link_up() -> bool:
            links = [e for e in events if isinstance(e, LinkUp | LinkDown)]
            return bool(links) and isinstance(links[-1], LinkUp)

        await wait_for(
            link_up,
            self.timeout,
            "the link to be up before the final hang-up",
        )
        downs = sum(isinstance(e, LinkDown) for e in events)
        await self.sim.hang_up()
        await self.sim.stop()
        await wait_for(
            lambda: sum(isinstance(e, LinkDown) for e in events) > downs,
            self.timeout,
            "the final LinkDown",
        )

    def truth(self) -> list[Crossing]:
        return [
            Crossing(car, sensor, ms, 0) for car, sensor, ms in self.sim.truth.delivered_intact()
        ]

    def hangups(self) -> int:
        return self.sim.truth.hangups

    async def close(self) -> None:
        if self.sim is not None:
            await self.sim.stop()


@pytest.mark.slow
class TestCarreraSerialConformance(DriverConformance):
    @pytest.fixture
    def harness(self) -> CarreraSerialHarness:
        return CarreraSerialHarness()
