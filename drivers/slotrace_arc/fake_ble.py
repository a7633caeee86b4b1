"""Provides `fake_powerbase_backend`: a bleak client backend whose peripheral is a
`PowerbaseModel`, for ``BleakClient(address, backend=...)`` (the seam bleak supports).

A pump task moves the model's time while connected and delivers its notifications: in
virtual time (one 300 ms packet step per event-loop turn, nothing sleeps) or in real time
at ``speedup`` model seconds per second. A fault hang-up or `hang_up()` drops the link the
way a powerbase going out of range does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError

from slotrace.drivers_api import LocalProtocolError
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

_CHARACTERISTICS = (
    (THROTTLE_UUID, ["notify"]),
    (COMMAND_UUID, ["write"]),
    (SLOT_UUID, ["notify", "read"]),
    (TRACK_UUID, ["notify"]),
    (CAR_ID_UUID, ["write"]),
    *((uuid, ["write"]) for uuid in PROFILE_UUIDS),
)


def fake_powerbase_backend(model: PowerbaseModel, speedup: float | None = None) -> type:
    """A ``BaseBleakClient`` class bound to ``model`` (one instance per connect).

    Args:
        model: the powerbase.
        speedup: ``None`` for virtual time, else model seconds per real second.
    """

    class FakePowerbaseClient(_FakePowerbaseBase):
        pass

    FakePowerbaseClient.model = model
    FakePowerbaseClient.speedup = speedup
    FakePowerbaseClient.instances = []
    return FakePowerbaseClient


VIRTUAL_TURNS = 8
"""Event-loop turns per 300 ms packet step in virtual time."""


class _FakePowerbaseBase(BaseBleakClient):
    model: PowerbaseModel
    speedup: float | None
    paused: bool = False
    """Virtual time only: hold the model's clock (tests drain the driver, then look)."""
    instances: list[_FakePowerbaseBase]

    def __init__(self, address_or_ble_device: Any, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 10.0),
        )
        self._connected = False
        self._callbacks: dict[str, Any] = {}
        self._pump: asyncio.Task[None] | None = None
        type(self).instances.append(self)

    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def name(self) -> str:
        return "Scalextric ARC  "

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        if self.model.connected:
            raise BleakError("the powerbase accepts one connection at a time")
        services = BleakGATTServiceCollection()
        service = BleakGATTService(None, 1, SERVICE_UUID)
        services.add_service(service)
        for handle, (uuid, properties) in enumerate(_CHARACTERISTICS, start=2):
            services.add_characteristic(
                BleakGATTCharacteristic(None, handle, uuid, properties, lambda: 20, service)
            )
        self.services = services
        self._connected = True
        self.model.connected = True
        self._pump = asyncio.get_running_loop().create_task(self._run())

    async def disconnect(self) -> None:
        self._drop(notify=False)
        pump, self._pump = self._pump, None
        if pump is not None and pump is not asyncio.current_task():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    def hang_up(self) -> None:
        """The powerbase drops the link (out of range, switched off)."""
        self.model.connected = False
        self.model.hangups += 1
        self._drop(notify=True)

    def _drop(self, notify: bool) -> None:
        was = self._connected
        self._connected = False
        self.model.connected = False
        if was and notify and self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started, base = loop.time(), self.model.now_ms
        while self._connected:
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
                callback = self._callbacks.get(uuid)
                if callback is not None and self._connected:
                    callback(bytearray(data))
            if self._connected and not self.model.connected:
                self._drop(notify=True)

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: Any, **kwargs: Any
    ) -> None:
        self._callbacks[characteristic.uuid] = callback

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._callbacks.pop(characteristic.uuid, None)

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, **kwargs: Any
    ) -> bytearray:
        try:
            return bytearray(self.model.read(characteristic.uuid))
        except LocalProtocolError as exc:
            raise BleakError(str(exc)) from exc

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, **kwargs: Any
    ) -> bytearray:
        raise BleakError("no descriptors in this fake")

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakError("no descriptors in this fake")

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        if not self._connected:
            raise BleakError("Not connected")
        try:
            self.model.write(characteristic.uuid, bytes(data))
        except LocalProtocolError as exc:
            raise BleakError(f"write refused by the powerbase: {exc}") from exc
