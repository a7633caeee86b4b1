"""Provides `BleTransport` (Carrera AppConnect over BLE) and `scan_control_units`.

The link itself is the driver API's shared `BleLink` (bleak, imported only when a link is
opened or a scan starts, every way Bluetooth can be missing mapped to a `TransportError`
that says so); this module adds only what is Carrera's: the AppConnect GATT UUIDs, the name
it advertises, and the device strings. One write to characteristic 39df8888-… is one
request body (write without response); one notification on 39df9999-… is one reply.
Framing (the missing leading letter of version/poll replies) is the protocol's job
(`Framing.BLE`), not this module's. Tests pass ``backend=`` (a fake ``BaseBleakClient``
class) or a whole ``client_factory`` / ``scanner_factory``.
"""

from __future__ import annotations

import re

from slotrace.drivers_api import DiscoveredDevice
from slotrace.drivers_api.support import BleLink, scan_ble
from slotrace.drivers_api.support.ble import (
    DEFAULT_CONNECT_TIMEOUT,
    ClientFactory,
    ScannerFactory,
)
from slotrace_carrera.transport import Framing, Transport

SERVICE_UUID = "39df7777-b1b4-b90b-57f1-7144ae4e4a6a"
WRITE_UUID = "39df8888-b1b4-b90b-57f1-7144ae4e4a6a"
NOTIFY_UUID = "39df9999-b1b4-b90b-57f1-7144ae4e4a6a"
ADVERTISED_NAME = re.compile(r"control.unit", re.IGNORECASE)
"""AppConnect advertises ``Control_Unit`` (some stacks render the ``_`` differently)."""

DEVICE = "Carrera AppConnect dongle"
"""What the organiser checks when the link fails (it is powered by the control unit)."""


class BleTransport(Transport):
    """A Bluetooth LE link to one Control Unit through the Carrera AppConnect dongle.

    Args:
        address: MAC address (Linux, Windows) or CoreBluetooth UUID (macOS).
        client_factory: builds the client instead of ``bleak.BleakClient`` (tests).
        backend: a ``BaseBleakClient`` subclass handed to ``bleak.BleakClient`` (tests).
        connect_timeout: seconds to find and connect to the device.
    """

    framing = Framing.BLE

    def __init__(
        self,
        address: str,
        *,
        client_factory: ClientFactory | None = None,
        backend: type | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.address = address
        self._link = BleLink(
            address,
            notify=(NOTIFY_UUID,),
            device=DEVICE,
            client_factory=client_factory,
            backend=backend,
            connect_timeout=connect_timeout,
        )

    @property
    def description(self) -> str:
        return self._link.description

    async def open(self) -> None:
        await self._link.open()

    async def close(self) -> None:
        await self._link.close()

    async def write(self, data: bytes) -> None:
        await self._link.write(WRITE_UUID, data, response=False)

    async def read(self) -> bytes:
        return (await self._link.read()).data


async def scan_control_units(
    timeout: float,
    *,
    scanner_factory: ScannerFactory | None = None,
    backend: type | None = None,
) -> list[DiscoveredDevice]:
    """Control units advertising over BLE within ``timeout`` seconds, strongest first.

    Raises:
        TransportError: Bluetooth is missing, off or not permitted (the message says which).
    """
    units = await scan_ble(
        timeout,
        names=lambda name: bool(ADVERTISED_NAME.search(name)),
        service_uuid=SERVICE_UUID,
        backend=backend,
        scanner_factory=scanner_factory,
        device="control unit",
    )
    return [
        DiscoveredDevice(f"carrera:ble:{address}", f"{name or 'Control_Unit'}, BLE, RSSI {rssi}")
        for address, name, rssi in units
    ]
