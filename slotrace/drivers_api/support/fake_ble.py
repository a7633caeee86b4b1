"""Provides `FakePeripheral` and `fake_backend`: a bleak client backend whose peripheral is a
simulator's model, for ``BleakClient(address, backend=...)`` (the seam bleak supports), so a
BLE driver and its simulator run as a pair in memory with no Bluetooth and no sleeping.

A driver's simulator subclasses `FakePeripheral`, declares its GATT table
(`FakePeripheral.service_uuid`, `FakePeripheral.characteristics`) and overrides the hooks it
needs: `FakePeripheral.arrive` (refuse a connect), `FakePeripheral.connected` (start a pump),
`FakePeripheral.written` / `FakePeripheral.read` (the model's GATT), and hands notifications
back with `FakePeripheral.notify`. `FakePeripheral.hang_up` drops the link the way a
peripheral going out of range does (bleak's disconnected callback runs).

bleak is imported when `FakePeripheral` is first taken from this module (it subclasses
bleak's ``BaseBleakClient``), so importing the module alone keeps the driver API pure; only
simulators and tests take it.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, TypeVar

FakePeripheral: type
"""The base class (built on first use, see `_define_fake_peripheral`)."""
Peripheral = TypeVar("Peripheral", bound=type)

_defined: dict[str, type] = {}


def fake_backend(base: Peripheral, **bound: Any) -> Peripheral:
    """A fresh subclass of ``base`` (a `FakePeripheral` subclass) with ``bound`` as class
    attributes (the model, options) and its own ``instances`` list, for one test or one
    simulated device."""
    name = f"Fake{base.__name__.lstrip('_')}"
    return type(name, (base,), {"instances": [], **bound})  # type: ignore[return-value]


def __getattr__(name: str) -> Any:
    if name != "FakePeripheral":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _defined:
        _defined[name] = _define_fake_peripheral()
    return _defined[name]


def _define_fake_peripheral() -> type:
    from bleak.backends.characteristic import BleakGATTCharacteristic
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.descriptor import BleakGATTDescriptor
    from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
    from bleak.exc import BleakError

    class FakePeripheral(BaseBleakClient):
        """One connection to a simulated peripheral (bleak makes one instance per client)."""

        service_uuid: ClassVar[str]
        characteristics: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]]
        """``(uuid, properties)`` rows, e.g. ``("…", ("notify", "read"))``."""
        advertised_name: ClassVar[str] = ""
        instances: ClassVar[list[Any]] = []
        """Every client made from this backend, oldest first (tests reach the live one)."""

        def __init__(self, address_or_ble_device: Any, **kwargs: Any) -> None:
            super().__init__(
                address_or_ble_device,
                disconnected_callback=kwargs.get("disconnected_callback"),
                timeout=kwargs.get("timeout", 10.0),
            )
            self._connected = False
            self._callbacks: dict[str, Any] = {}
            self.writes: list[tuple[str, bytes, bool]] = []
            """Every GATT write: ``(uuid, data, response)``."""
            type(self).instances.append(self)

        # --- hooks for a simulator ---
        def arrive(self) -> None:
            """Called before connecting; raise ``BleakError`` to refuse (away, busy)."""

        def connected(self) -> None:
            """Called once the link is up (start a pump here)."""

        async def departed(self) -> None:
            """Called on an explicit disconnect (stop a pump here)."""

        def dropped(self) -> None:
            """Called whenever the link goes down, either way."""

        def written(self, uuid: str, data: bytes, response: bool) -> None:
            """One GATT write; raise ``BleakError`` to fail it."""

        def read(self, uuid: str) -> bytes:
            """One GATT read; raise ``BleakError`` to fail it."""
            raise BleakError(f"characteristic {uuid} is not readable")

        # --- for a simulator ---
        def notify(self, uuid: str, data: bytes, *, soon: bool = False) -> None:
            """Send one notification, if the driver subscribed to ``uuid``.

            With ``soon`` it arrives on the next event-loop turn, as from a radio: one sent
            just before a hang-up still reaches the driver.
            """
            callback = self._callbacks.get(uuid)
            if callback is None or not self._connected:
                return
            if soon:
                asyncio.get_running_loop().call_soon(callback, bytearray(data))
            else:
                callback(bytearray(data))

        def hang_up(self) -> None:
            """The peripheral drops the link (out of range, switched off)."""
            self._drop(notify=True)

        def _drop(self, notify: bool) -> None:
            was, self._connected = self._connected, False
            if was:
                self.dropped()
            if was and notify and self._disconnected_callback is not None:
                asyncio.get_running_loop().call_soon(self._disconnected_callback)

        # --- BaseBleakClient ---
        @property
        def mtu_size(self) -> int:
            return 23

        @property
        def name(self) -> str:
            return self.advertised_name

        @property
        def is_connected(self) -> bool:
            return self._connected

        async def connect(self, pair: bool = False, **kwargs: Any) -> None:
            self.arrive()
            services = BleakGATTServiceCollection()
            service = BleakGATTService(None, 1, self.service_uuid)
            services.add_service(service)
            for handle, (uuid, properties) in enumerate(self.characteristics, start=2):
                services.add_characteristic(
                    BleakGATTCharacteristic(
                        None, handle, uuid, list(properties), lambda: 20, service
                    )
                )
            self.services = services
            self._connected = True
            self.connected()

        async def disconnect(self) -> None:
            self._drop(notify=False)
            await self.departed()

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
            return bytearray(self.read(characteristic.uuid))

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
            if not {"write", "write-without-response"} & set(characteristic.properties):
                raise BleakError(f"characteristic {characteristic.uuid} is not writable")
            self.writes.append((characteristic.uuid, bytes(data), response))
            self.written(characteristic.uuid, bytes(data), response)

    return FakePeripheral
