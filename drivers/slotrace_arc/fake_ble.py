"""Provides `fake_powerbase_backend`: a bleak client backend whose peripheral is a
`PowerbaseModel`, for ``BleakClient(address, backend=...)`` (the seam bleak supports), built
on the driver API's shared `FakePeripheral`.

A pump task moves the model's time while connected and delivers its notifications: in
virtual time (one 300 ms packet step per event-loop turn, nothing sleeps) or in real time
at ``speedup`` model seconds per second. A fault hang-up or `hang_up()` drops the link the
way a powerbase going out of range does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar

from bleak.exc import BleakError

from slotrace.drivers_api import LocalProtocolError
from slotrace.drivers_api.support.fake_ble import FakePeripheral, fake_backend
from slotrace_arc.protocol import (
    CAR_ID_UUID,
    COMMAND_UUID,
    PROFILE_UUIDS,
    SERVICE_UUID,
    SLOT_UUID,
    THROTTLE_UUID,
    TRACK_UUID,
)
from slotrace_arc.sim_model import PACKET_MS, PowerbaseModel

VIRTUAL_TURNS = 8
"""Event-loop turns per 300 ms packet step in virtual time."""


def fake_powerbase_backend(model: PowerbaseModel, speedup: float | None = None) -> type:
    """A ``BaseBleakClient`` class bound to ``model`` (one instance per connect).

    Args:
        model: the powerbase.
        speedup: ``None`` for virtual time, else model seconds per real second.
    """
    return fake_backend(_FakePowerbase, model=model, speedup=speedup)


class _FakePowerbase(FakePeripheral):
    service_uuid = SERVICE_UUID
    characteristics = (
        (THROTTLE_UUID, ("notify",)),
        (COMMAND_UUID, ("write",)),
        (SLOT_UUID, ("notify", "read")),
        (TRACK_UUID, ("notify",)),
        (CAR_ID_UUID, ("write",)),
        *((uuid, ("write",)) for uuid in PROFILE_UUIDS),
    )
    advertised_name = "Scalextric ARC  "
    model: ClassVar[PowerbaseModel]
    speedup: ClassVar[float | None]
    paused: bool = False
    """Virtual time only: hold the model's clock (tests drain the driver, then look)."""

    _pump: asyncio.Task[None] | None = None

    def arrive(self) -> None:
        if self.model.connected:
            raise BleakError("the powerbase accepts one connection at a time")

    def connected(self) -> None:
        self.model.connected = True
        self._pump = asyncio.get_running_loop().create_task(self._run())

    async def departed(self) -> None:
        pump, self._pump = self._pump, None
        if pump is not None and pump is not asyncio.current_task():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    def dropped(self) -> None:
        self.model.connected = False

    def hang_up(self) -> None:
        """The powerbase drops the link (out of range, switched off)."""
        self.model.connected = False
        self.model.hangups += 1
        super().hang_up()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started, base = loop.time(), self.model.now_ms
        while self.is_connected:
            if self.speedup is None:
                for _turn in range(VIRTUAL_TURNS):  # let the driver keep up
                    await asyncio.sleep(0)
                if self.paused:
                    continue
                now = self.model.now_ms + PACKET_MS
            else:
                await asyncio.sleep(PACKET_MS / 1000 / self.speedup)
                now = base + (loop.time() - started) * 1000 * self.speedup
            for uuid, data in self.model.advance_to(now):
                self.notify(uuid, data)
            if self.is_connected and not self.model.connected:
                self._drop(notify=True)

    def read(self, uuid: str) -> bytes:
        try:
            return self.model.read(uuid)
        except LocalProtocolError as exc:
            raise BleakError(str(exc)) from exc

    def written(self, uuid: str, data: bytes, response: bool) -> None:
        try:
            self.model.write(uuid, data)
        except LocalProtocolError as exc:
            raise BleakError(f"write refused by the powerbase: {exc}") from exc
