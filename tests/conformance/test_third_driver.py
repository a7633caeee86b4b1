"""A hobbyist's third driver: a few dozen lines over the shared serial link, installed into a
temporary folder with its own dist-info (entry point ``slotrace.drivers``), found by name and
run through the whole conformance kit against a small lap-gate simulator."""

from __future__ import annotations

import asyncio
import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from slotrace.drivers_api import CarPassed, Driver, DriverEvent, load_driver
from slotrace.drivers_api.conformance import Crossing, DriverConformance, Harness, wait_for

DRIVER_SOURCE = '''
"""Provides GateDriver: a DIY lap gate sending ``L CAR MS`` lines over a serial link."""

import asyncio
import contextlib

from slotrace.drivers_api import (
    Capabilities, Capability, CarPassed, DeviceStringError, Driver, LinkDown, LinkStats,
    LinkUp, LocalProtocolError, TransportError,
)
from slotrace.drivers_api.support import SerialLink


class GateDriver(Driver):
    name = "gate"
    description = "DIY lap gate (ASCII lines over USB serial)"
    target_help = "gate:/dev/ttyACM0 or gate:socket://HOST:PORT"
    capabilities = Capabilities(max_cars=4, sensor_groups=1, flags=Capability.NONE)

    def __init__(self, target):
        self.link = SerialLink(target, 115200, device="lap gate")
        self._events, self._task, self._stats = asyncio.Queue(), None, LinkStats()

    @classmethod
    def open(cls, target, **options):
        if not target.startswith(("/", "socket://")):
            raise DeviceStringError(f"'gate:{target}' is not a port; use {cls.target_help}")
        return cls(target)

    async def start(self):
        await self.link.open()
        self._events.put_nowait(LinkUp(f"gate on {self.link.url}"))
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self):
        rest, reconnects = b"", 0
        while True:
            try:
                rest += await self.link.read()
            except TransportError as exc:
                self._events.put_nowait(LinkDown(str(exc)))
                while True:
                    await asyncio.sleep(0.01)
                    with contextlib.suppress(TransportError):
                        await self.link.open()
                        break
                reconnects, rest = reconnects + 1, b""
                self._events.put_nowait(LinkUp(f"gate on {self.link.url}", reconnects))
                continue
            *lines, rest = rest.split(b"\\n")
            for line in lines:
                _, car, ms = line.split()
                self._events.put_nowait(CarPassed(int(car), 1, int(ms)))

    async def close(self):
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.link.close()
        self._events.put_nowait(None)

    async def events(self):
        while (event := await self._events.get()) is not None:
            yield event
        self._events.put_nowait(None)

    def send(self, command):
        raise LocalProtocolError(f"the lap gate takes no commands ({type(command).__name__})")

    @property
    def stats(self):
        return self._stats
'''


@pytest.fixture(scope="module")
def gate_installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The gate package plus a dist-info registering it, on sys.path for this module."""
    site = tmp_path_factory.mktemp("site")
    (site / "slotrace_gate").mkdir()
    (site / "slotrace_gate" / "__init__.py").write_text(textwrap.dedent(DRIVER_SOURCE))
    info = site / "slotrace_gate-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slotrace-gate\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[slotrace.drivers]\ngate = slotrace_gate:GateDriver\n")
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site
    sys.path.remove(str(site))
    sys.modules.pop("slotrace_gate", None)


class GateSimulator:
    """A lap gate on TCP: four cars cross every few model seconds; truth is what was sent."""

    STEP_MS = 100

    def __init__(self, faults: bool) -> None:
        self.now_ms = 0
        self.sent: list[Crossing] = []
        self.hangups = 0
        self.paused = False
        self._hangup_every = 15_000 if faults else 0
        self._writer: asyncio.StreamWriter | None = None
        self._server: asyncio.Server | None = None
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._pump = asyncio.get_running_loop().create_task(self._run())
        return f"socket://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _serve(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def hang_up(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            self.hangups += 1

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            if self.paused or self._writer is None:
                continue
            self.now_ms += self.STEP_MS
            for car in range(1, 5):
                if self.now_ms % (3000 + 400 * car) == 0:
                    self._writer.write(f"L {car} {self.now_ms}\n".encode())
                    self.sent.append(Crossing(car, 1, self.now_ms, 0))
            if self._hangup_every and self.now_ms % self._hangup_every == 0:
                self.hang_up()

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        self.hang_up()
        if self._server is not None:
            self._server.close()


class GateHarness(Harness):
    name = "gate"
    bad_devices = ("gate:COMX", "gate:ble:D4:8B:39:00:00:01")
    unreachable_device = "gate:socket://127.0.0.1:9"

    def __init__(self) -> None:
        self.sim = GateSimulator(False)

    async def open(self, faults: bool) -> Driver:
        self.sim = GateSimulator(faults)
        return load_driver("gate").open(await self.sim.start())

    def model_ms(self) -> float:
        return self.sim.now_ms

    async def hang_up(self) -> None:
        await wait_for(lambda: self.sim._writer is not None, self.timeout, "the gate's client")
        self.sim.hang_up()

    async def settle(self, driver: Driver, events: list[DriverEvent]) -> None:
        self.sim.paused = True
        await wait_for(
            lambda: sum(isinstance(e, CarPassed) for e in events) >= len(self.sim.sent),
            self.timeout,
            "every crossing sent",
        )

    def truth(self) -> list[Crossing]:
        return self.sim.sent

    def hangups(self) -> int:
        return self.sim.hangups

    async def close(self) -> None:
        await self.sim.stop()


@pytest.fixture
def harness(gate_installed: Path) -> GateHarness:
    return GateHarness()


class TestThirdDriverConformance(DriverConformance):
    pass


def test_the_gate_is_listed_beside_the_built_in_drivers(gate_installed: Path) -> None:
    from slotrace.drivers_api import installed_drivers

    names = {d.name: d.distribution for d in installed_drivers()}
    assert names["gate"] == "slotrace-gate"
    assert {"carrera", "arc"} <= set(names)
    source = (gate_installed / "slotrace_gate" / "__init__.py").read_text()
    assert len(source.splitlines()) < 90
