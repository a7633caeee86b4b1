"""A fake bleak backend: an AppConnect dongle whose control unit is the simulator's model.

`fake_cu_backend(model)` returns a ``BaseBleakClient`` subclass for
``BleakClient(address, backend=...)`` (the seam bleak supports). Each write to the
AppConnect write characteristic is decoded with ``DeviceConnection(Framing.BLE)``,
answered by the pure `ControlUnitModel` and sent back as one notification, exactly as the
dongle does: version/poll replies without their leading letter and with a ``$``.
The model's clock advances a fixed step per request, so runs are deterministic and
nothing sleeps. `hang_up()` simulates the dongle dropping the link; with ``outage_ms``
the control unit is power-cycled too and the dongle is not found until that much model
time has passed (each failed connect attempt lets `OUTAGE_STEP_MS` pass).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError

from slotrace_carrera.ble import NOTIFY_UUID, SERVICE_UUID, WRITE_UUID
from slotrace_carrera.protocol import BadFrame, DeviceConnection, Framing
from slotrace_carrera.simulator import ControlUnitModel

MS_PER_REQUEST = 25
"""Model time that passes per request (roughly a BLE connection interval)."""
OUTAGE_STEP_MS = 5000
"""Model time that passes per failed connect attempt while the CU is away."""


def fake_cu_backend(model: ControlUnitModel, ms_per_request: float = MS_PER_REQUEST) -> type:
    """A ``BaseBleakClient`` class bound to ``model`` (one instance per connect)."""

    class FakeCUClient(_FakeCUClientBase):
        pass

    FakeCUClient.model = model
    FakeCUClient.ms_per_request = ms_per_request
    FakeCUClient.instances = []
    FakeCUClient.away_until_ms = 0.0
    return FakeCUClient


class _FakeCUClientBase(BaseBleakClient):
    model: ControlUnitModel
    ms_per_request: float
    instances: list[_FakeCUClientBase]
    away_until_ms: float

    def __init__(self, address_or_ble_device: Any, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 10.0),
        )
        self._connected = False
        self._callbacks: dict[int, Any] = {}
        self._device = DeviceConnection(Framing.BLE)
        self.writes: list[tuple[bytes, bool]] = []
        type(self).instances.append(self)

    # --- connection ---
    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def name(self) -> str:
        return "Control_Unit"

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        model = self.model
        if model.now_ms < type(self).away_until_ms:  # the power-cycled CU is not back yet
            model.advance_to(model.now_ms + OUTAGE_STEP_MS)
            raise BleakError(f"Device with address {self.address} was not found")
        services = BleakGATTServiceCollection()
        service = BleakGATTService(None, 1, SERVICE_UUID)
        services.add_service(service)
        for handle, uuid, properties in (
            (2, WRITE_UUID, ["write-without-response", "write"]),
            (4, NOTIFY_UUID, ["notify"]),
        ):
            services.add_characteristic(
                BleakGATTCharacteristic(None, handle, uuid, properties, lambda: 20, service)
            )
        self.services = services
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False

    def hang_up(self, outage_ms: float | None = None) -> None:
        """The dongle drops the link (as AppConnect does on iOS every ~90 s); with
        ``outage_ms`` the CU is power-cycled and away for that much model time."""
        self._connected = False
        self.model.record_hangup()
        if outage_ms is not None:
            self.model.power_cycle()
            type(self).away_until_ms = self.model.now_ms + outage_ms
        if self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    # --- GATT ---
    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: Any, **kwargs: Any
    ) -> None:
        self._callbacks[characteristic.handle] = callback

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._callbacks.pop(characteristic.handle, None)

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, **kwargs: Any
    ) -> bytearray:
        raise BleakError("the AppConnect characteristics are not readable")

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
        if characteristic.uuid != WRITE_UUID:
            raise BleakError(f"characteristic {characteristic.uuid} is not writable")
        self.writes.append((bytes(data), response))
        model = self.model
        model.advance_to(model.now_ms + self.ms_per_request)
        for item in self._device.receive_data(bytes(data)):
            reply = model.handle_bad_frame() if isinstance(item, BadFrame) else model.handle(item)
            if reply is not None:
                self._notify(self._device.frame_reply(reply))

    def _notify(self, notification: bytes) -> None:
        callback = self._callbacks.get(self.services.get_characteristic(NOTIFY_UUID).handle)
        if callback is not None:
            asyncio.get_running_loop().call_soon(callback, bytearray(notification))
