"""Provides `BleTransport` (Carrera AppConnect over BLE via bleak) and `scan_control_units`.

One write to characteristic 39df8888-… is one request body (write without response);
one notification on 39df9999-… is one reply. Framing (the missing leading letter of
version/poll replies) is the protocol's job (`Framing.BLE`), not this module's.

bleak is imported only when a BLE link is opened or a scan starts, and every way
Bluetooth can be missing (bleak not installed, no BlueZ/D-Bus, no adapter, radio off,
permission denied) becomes a `TransportError` that says so, never a traceback.
Tests pass ``backend=`` (a fake ``BaseBleakClient`` / ``BaseBleakScanner`` class) or a
whole ``client_factory`` / ``scanner_factory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any

from slotrace.drivers_api import DiscoveredDevice, TransportError
from slotrace_carrera.transport import Framing, Transport

logger = logging.getLogger(__name__)

SERVICE_UUID = "39df7777-b1b4-b90b-57f1-7144ae4e4a6a"
WRITE_UUID = "39df8888-b1b4-b90b-57f1-7144ae4e4a6a"
NOTIFY_UUID = "39df9999-b1b4-b90b-57f1-7144ae4e4a6a"
ADVERTISED_NAME = re.compile(r"control.unit", re.IGNORECASE)
"""AppConnect advertises ``Control_Unit`` (some stacks render the ``_`` differently)."""

DEFAULT_CONNECT_TIMEOUT = 10.0

ClientFactory = Callable[..., Any]
"""``factory(address, disconnected_callback=..., timeout=...) -> BleakClient``-like object."""
ScannerFactory = Callable[..., Any]
"""``factory(timeout) -> awaitable list of (BLEDevice, AdvertisementData)``."""

_LINK_LOST = object()


def _bleak() -> Any:
    try:
        import bleak
    except ImportError as exc:  # pragma: no cover - bleak is a hard dependency
        raise TransportError(
            f"Bluetooth LE needs the 'bleak' package, which cannot be imported ({exc}); "
            "use the PC-Unit cable instead, or reinstall slotrace"
        ) from exc
    return bleak


def explain_ble_error(what: str, exc: BaseException) -> str:
    """A one-line, actionable explanation of a bleak / OS error while doing ``what``."""
    bleak_exc = _bleak().exc
    if isinstance(exc, bleak_exc.BleakBluetoothNotAvailableError):
        reason = exc.reason.name.replace("_", " ").lower()
        return f"no Bluetooth on this machine ({reason}) while {what}: {exc.args[0]}"
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        return (
            f"no Bluetooth on this machine while {what}: the BlueZ / D-Bus system service is "
            "not running or not installed (Linux: install bluez and start bluetooth.service)"
        )
    if isinstance(exc, bleak_exc.BleakDeviceNotFoundError):
        return (
            f"no Bluetooth device {exc.identifier} found while {what} — is the AppConnect "
            "dongle plugged into the control unit and the CU switched on? "
            "(`slotrace devices` lists the control units in range)"
        )
    if isinstance(exc, TimeoutError):
        return f"timed out while {what}: the control unit is out of range or busy with another app"
    if isinstance(exc, bleak_exc.BleakCharacteristicNotFoundError):
        return (
            f"the device answered but is not a Carrera AppConnect ({exc}) while {what}; "
            "check the address"
        )
    text = str(exc) or type(exc).__name__
    if "adapter" in text.lower() or "powered" in text.lower():
        return f"Bluetooth is off or has no adapter while {what}: {text}"
    return f"Bluetooth error while {what}: {text}"


def _mapped_errors() -> tuple[type[BaseException], ...]:
    return (_bleak().exc.BleakError, OSError, TimeoutError)


class BleTransport(Transport):
    """A Bluetooth LE link to one Control Unit through the Carrera AppConnect dongle.

    Args:
        address: MAC address (Linux, Windows) or CoreBluetooth UUID (macOS).
        client_factory: builds the client instead of ``bleak.BleakClient`` (tests).
        scanner_factory: accepted for symmetry with `scan_control_units`; unused here.
        backend: a ``BaseBleakClient`` subclass handed to ``bleak.BleakClient`` (tests).
        connect_timeout: seconds to find and connect to the device.
    """

    framing = Framing.BLE

    def __init__(
        self,
        address: str,
        *,
        client_factory: ClientFactory | None = None,
        scanner_factory: ScannerFactory | None = None,
        backend: type | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.address = address
        self._client_factory = client_factory
        self._scanner_factory = scanner_factory
        self._backend = backend
        self._connect_timeout = connect_timeout
        self._client: Any = None
        self._incoming: asyncio.Queue[Any] | None = None

    @property
    def description(self) -> str:
        return f"BLE {self.address}"

    def _make_client(self) -> Any:
        if self._client_factory is not None:
            return self._client_factory(
                self.address,
                disconnected_callback=self._on_disconnected,
                timeout=self._connect_timeout,
            )
        return _bleak().BleakClient(
            self.address,
            disconnected_callback=self._on_disconnected,
            timeout=self._connect_timeout,
            backend=self._backend,
        )

    async def open(self) -> None:
        """Connect and subscribe to notifications; `TransportError` says what is missing."""
        await self.close()
        incoming: asyncio.Queue[Any] = asyncio.Queue()
        self._incoming = incoming
        client = None
        try:
            client = self._make_client()
            await client.connect()
            await client.start_notify(NOTIFY_UUID, self._on_notification)
        except _mapped_errors() as exc:
            if client is not None:
                with contextlib.suppress(*_mapped_errors()):
                    await client.disconnect()
            self._incoming = None
            raise TransportError(
                explain_ble_error(f"connecting to {self.description}", exc)
            ) from exc
        self._client = client
        logger.debug("connected to %s", self.description)

    async def close(self) -> None:
        client, self._client = self._client, None
        if self._incoming is not None:
            self._incoming.put_nowait(_LINK_LOST)
        if client is None:
            return
        with contextlib.suppress(*_mapped_errors()):
            if client.is_connected:
                await client.stop_notify(NOTIFY_UUID)
            await client.disconnect()

    async def write(self, data: bytes) -> None:
        client = self._client
        if client is None or not client.is_connected:
            raise TransportError(f"{self.description} is not connected (the link was lost)")
        try:
            await client.write_gatt_char(WRITE_UUID, bytes(data), response=False)
        except _mapped_errors() as exc:
            raise TransportError(explain_ble_error(f"writing to {self.description}", exc)) from exc

    async def read(self) -> bytes:
        incoming = self._incoming
        if incoming is None:
            raise TransportError(f"{self.description} is not connected")
        item = await incoming.get()
        if item is _LINK_LOST:
            incoming.put_nowait(_LINK_LOST)  # every later read fails the same way
            raise TransportError(f"the Bluetooth link to {self.description} was lost")
        return item

    def _on_notification(self, _characteristic: Any, data: bytearray) -> None:
        if self._incoming is not None:
            self._incoming.put_nowait(bytes(data))

    def _on_disconnected(self, _client: Any) -> None:
        logger.info("%s disconnected", self.description)
        if self._incoming is not None:
            self._incoming.put_nowait(_LINK_LOST)


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
    try:
        if scanner_factory is not None:
            found = await scanner_factory(timeout)
        else:
            kwargs = {"backend": backend} if backend is not None else {}
            result = await _bleak().BleakScanner.discover(
                timeout=timeout, return_adv=True, **kwargs
            )
            found = list(result.values())
    except _mapped_errors() as exc:
        raise TransportError(explain_ble_error("scanning for control units", exc)) from exc
    units = []
    for device, advertisement in found:
        name = advertisement.local_name or device.name or ""
        if ADVERTISED_NAME.search(name) or SERVICE_UUID in advertisement.service_uuids:
            units.append((advertisement.rssi, device.address, name))
    units.sort(key=lambda unit: -unit[0])
    return [
        DiscoveredDevice(f"carrera:ble:{address}", f"{name or 'Control_Unit'}, BLE, RSSI {rssi}")
        for rssi, address, name in units
    ]
