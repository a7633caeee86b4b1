"""The conformance kit against the Carrera driver over the fake AppConnect BLE backend
(bleak's ``backend=`` seam; the control unit is the simulator's pure model)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from bleak.exc import BleakError

from slotrace.drivers_api import Driver, DriverEvent, LinkDown
from slotrace.drivers_api.conformance import Crossing, DriverConformance, Harness, wait_for
from slotrace_carrera.ble import BleTransport
from slotrace_carrera.driver import CarreraDriver
from slotrace_carrera.sim_config import CarSpec, ModelConfig
from slotrace_carrera.simulator import ControlUnitModel
from tests.carrera.fake_ble import fake_cu_backend

HANGUPS_AT_MS = (20_000, 40_000)


class CarreraBleHarness(Harness):
    name = "carrera"
    compare_epochs = False  # the truth keeps no epochs; the driver may start one per link
    bad_devices = ("carrera:ble:nonsense", "carrera:ble:12:34")

    def __init__(self) -> None:
        self.cu: ControlUnitModel | None = None
        self.backend: type | None = None
        self._hangups = 0
        self._task: asyncio.Task[None] | None = None

    async def open(self, faults: bool) -> Driver:
        cars = (CarSpec(1, lap_ms=2000, jitter_ms=50), CarSpec(3, lap_ms=2500, jitter_ms=80))
        self.cu = ControlUnitModel(ModelConfig(cars=cars, sensor_groups=3, version="5337"))
        self.backend = fake_cu_backend(self.cu)
        transport = BleTransport("D4:8B:39:00:00:01", backend=self.backend)
        if faults:
            self._task = asyncio.get_running_loop().create_task(self._hang_ups())
        return CarreraDriver(
            transport,
            request_timeout=2.0,
            connect_timeout=2.0,
            min_reconnect_delay=0.01,
            max_reconnect_delay=0.05,
            clock_rate=1e9,  # model time outruns the host
        )

    async def _hang_ups(self) -> None:
        for at in HANGUPS_AT_MS:
            while self.cu.now_ms < at:
                await asyncio.sleep(0.001)
            await self.hang_up()

    def model_ms(self) -> float:
        return self.cu.now_ms

    async def hang_up(self) -> None:
        live = [c for c in self.backend.instances if c.is_connected]
        if live:
            live[-1].hang_up()
            self._hangups += 1

    async def settle(self, driver: Driver, events: list[DriverEvent]) -> None:
        downs = sum(isinstance(e, LinkDown) for e in events)

        async def refuse(*_args: object, **_kwargs: object) -> None:
            raise BleakError("the harness has settled: the dongle takes no more connections")

        self.backend.connect = refuse  # no reconnect, so no new reply can be in flight
        await self.hang_up()
        # the reply in flight is queued before the loss, so once the driver has noticed the
        # hang-up it has also read that reply: only then may it be closed
        await wait_for(
            lambda: sum(isinstance(e, LinkDown) for e in events) > downs,
            self.timeout,
            "the driver to notice the hang-up",
        )
        await driver.close()

    def truth(self) -> list[Crossing]:
        return [
            Crossing(car, sensor, ms, 0) for car, sensor, ms in self.cu.truth.delivered_intact()
        ]

    def hangups(self) -> int:
        return self._hangups

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class TestCarreraBleConformance(DriverConformance):
    @pytest.fixture
    def harness(self) -> CarreraBleHarness:
        return CarreraBleHarness()
