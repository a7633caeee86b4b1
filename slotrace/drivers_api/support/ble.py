"""Provides `BleLink` (one Bluetooth LE peripheral over bleak: notifications in, writes out)
and `scan_ble`, with bleak / OS errors mapped to `TransportError`.

bleak is imported only when a link is opened or a scan starts. Every way Bluetooth can be
missing (bleak not importable, no BlueZ / D-Bus, no adapter, radio off, permission denied,
device out of range) becomes a `TransportError` naming the device and what to check. Tests
pass ``backend=`` (a ``BaseBleakClient`` subclass, the seam bleak supports) or a whole
``client_factory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slotrace.drivers_api.errors import TransportError

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 10.0

ClientFactory = Callable[..., Any]
"""``factory(address, disconnected_callback=..., timeout=...) -> BleakClient``-like object."""
ScannerFactory = Callable[[float], Awaitable[list[tuple[Any, Any]]]]
"""``factory(timeout) -> awaitable list of (BLEDevice, AdvertisementData)`` (tests)."""

_LINK_LOST = object()


@dataclass(frozen=True, slots=True)
class BleNotification:
    """One notification from the peripheral.

    Attributes:
        uuid: the characteristic it came from (lower-case 128-bit form).
        data: its payload.
    """

    uuid: str
    data: bytes


def full_uuid(short: int) -> str:
    """The 128-bit form of a 16-bit UUID on the Bluetooth base UUID."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


def _bleak() -> Any:
    try:
        import bleak
    except ImportError as exc:  # pragma: no cover - bleak is a hard dependency
        raise TransportError(
            f"Bluetooth LE needs the 'bleak' package, which cannot be imported ({exc}); "
            "reinstall slotrace"
        ) from exc
    return bleak


def explain_ble_error(what: str, exc: BaseException, device: str = "device") -> str:
    """A one-line, actionable explanation of a bleak / OS error while doing ``what``.

    Args:
        what: what we were doing, e.g. ``"connecting to BLE D4:8B:39:00:00:01"``.
        exc: the error bleak or the OS raised.
        device: what the user should check is switched on, e.g. ``"ARC powerbase"``.
    """
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
            f"no Bluetooth device {exc.identifier} found while {what} — is the {device} "
            "switched on and in range? (`slotrace devices` lists what is in range)"
        )
    if isinstance(exc, TimeoutError):
        return (
            f"timed out while {what}: the {device} is out of range, off, or connected to "
            "another app (it accepts one connection at a time)"
        )
    if isinstance(exc, bleak_exc.BleakCharacteristicNotFoundError):
        return f"the device answered but is not a {device} ({exc}) while {what}; check the address"
    text = str(exc) or type(exc).__name__
    if "adapter" in text.lower() or "powered" in text.lower():
        return f"Bluetooth is off or has no adapter while {what}: {text}"
    return f"Bluetooth error while {what}: {text}"


def mapped_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a BLE call may raise that `explain_ble_error` turns into words."""
    return (_bleak().exc.BleakError, OSError, TimeoutError)


class BleLink:
    """A Bluetooth LE link to one peripheral: subscribe to some characteristics, write others.

    Args:
        address: MAC address (Linux, Windows) or CoreBluetooth UUID (macOS).
        notify: characteristic UUIDs to subscribe to on connect (128-bit strings).
        optional_notify: UUIDs to subscribe to if the peripheral has them (best effort).
        device: what the peripheral is, for messages (``"ARC powerbase"``).
        client_factory: builds the client instead of ``bleak.BleakClient`` (tests).
        backend: a ``BaseBleakClient`` subclass handed to ``bleak.BleakClient`` (tests).
        connect_timeout: seconds to find and connect to the device.
    """

    def __init__(
        self,
        address: str,
        *,
        notify: Iterable[str],
        optional_notify: Iterable[str] = (),
        device: str = "device",
        client_factory: ClientFactory | None = None,
        backend: type | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.address = address
        self.device = device
        self._notify = tuple(uuid.lower() for uuid in notify)
        self._optional = tuple(uuid.lower() for uuid in optional_notify)
        self._client_factory = client_factory
        self._backend = backend
        self._connect_timeout = connect_timeout
        self._client: Any = None
        self._incoming: asyncio.Queue[Any] | None = None
        self._subscribed: list[str] = []

    @property
    def description(self) -> str:
        return f"BLE {self.address}"

    @property
    def pending(self) -> int:
        """Notifications received and not read yet."""
        return self._incoming.qsize() if self._incoming is not None else 0

    @property
    def is_open(self) -> bool:
        return self._client is not None and bool(self._client.is_connected)

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
        """Connect and subscribe; `TransportError` says what is missing."""
        await self.close()
        incoming: asyncio.Queue[Any] = asyncio.Queue()
        self._incoming = incoming
        client = None
        errors = mapped_errors()
        try:
            client = self._make_client()
            await client.connect()
            self._subscribed = []
            for uuid in self._notify:
                await client.start_notify(uuid, self._callback(uuid))
                self._subscribed.append(uuid)
            for uuid in self._optional:
                try:
                    await client.start_notify(uuid, self._callback(uuid))
                except _bleak().exc.BleakError as exc:
                    logger.info("%s: no %s (%s); carrying on", self.description, uuid, exc)
                else:
                    self._subscribed.append(uuid)
        except (*errors, TransportError) as exc:
            if client is not None:
                with contextlib.suppress(*errors, TransportError):
                    await client.disconnect()
            self._incoming = None
            if isinstance(exc, TransportError):
                raise
            raise TransportError(
                explain_ble_error(f"connecting to {self.description}", exc, self.device)
            ) from exc
        self._client = client
        logger.debug("connected to %s", self.description)

    async def close(self) -> None:
        """Unsubscribe and disconnect explicitly; safe to call twice or after a failed open."""
        client, self._client = self._client, None
        if self._incoming is not None:
            self._incoming.put_nowait(_LINK_LOST)
        if client is None:
            return
        with contextlib.suppress(*mapped_errors()):
            if client.is_connected:
                for uuid in self._subscribed:
                    await client.stop_notify(uuid)
            await client.disconnect()

    async def write(self, uuid: str, data: bytes, *, response: bool = True) -> None:
        """One GATT write; raises `TransportError` if the link is down or the write fails."""
        client = self._client
        if client is None or not client.is_connected:
            raise TransportError(f"{self.description} is not connected (the link was lost)")
        try:
            await client.write_gatt_char(uuid, bytes(data), response=response)
        except mapped_errors() as exc:
            raise TransportError(
                explain_ble_error(f"writing to {self.description}", exc, self.device)
            ) from exc

    async def read_char(self, uuid: str) -> bytes:
        """Read one characteristic's value; raises `TransportError`."""
        client = self._client
        if client is None or not client.is_connected:
            raise TransportError(f"{self.description} is not connected (the link was lost)")
        try:
            return bytes(await client.read_gatt_char(uuid))
        except mapped_errors() as exc:
            raise TransportError(
                explain_ble_error(f"reading from {self.description}", exc, self.device)
            ) from exc

    async def read(self) -> BleNotification:
        """Wait for the next notification; raises `TransportError` when the link is lost."""
        incoming = self._incoming
        if incoming is None:
            raise TransportError(f"{self.description} is not connected")
        item = await incoming.get()
        if item is _LINK_LOST:
            incoming.put_nowait(_LINK_LOST)  # every later read fails the same way
            raise TransportError(f"the Bluetooth link to {self.description} was lost")
        return item

    def _callback(self, uuid: str) -> Callable[[Any, bytearray], None]:
        def on_notification(_characteristic: Any, data: bytearray) -> None:
            if self._incoming is not None:
                self._incoming.put_nowait(BleNotification(uuid, bytes(data)))

        return on_notification

    def _on_disconnected(self, *_client: Any) -> None:
        logger.info("%s disconnected", self.description)
        if self._incoming is not None:
            self._incoming.put_nowait(_LINK_LOST)


async def scan_ble(
    timeout: float,
    *,
    names: Callable[[str], bool] = lambda _name: False,
    service_uuid: str | None = None,
    backend: type | None = None,
    scanner_factory: ScannerFactory | None = None,
    device: str = "device",
) -> list[tuple[str, str, int]]:
    """Peripherals advertising a matching name or service within ``timeout`` seconds.

    Returns ``(address, name, rssi)`` tuples, strongest first. ``backend`` (a
    ``BaseBleakScanner`` subclass) or ``scanner_factory`` replace the radio in tests.

    Raises:
        TransportError: Bluetooth is missing, off or not permitted (the message says which).
    """
    try:
        if scanner_factory is not None:
            found = list(await scanner_factory(timeout))
        else:
            kwargs = {"backend": backend} if backend is not None else {}
            result = await _bleak().BleakScanner.discover(
                timeout=timeout, return_adv=True, **kwargs
            )
            found = list(result.values())
    except mapped_errors() as exc:
        raise TransportError(explain_ble_error(f"scanning for {device}s", exc, device)) from exc
    units = []
    for ble_device, advertisement in found:
        name = advertisement.local_name or ble_device.name or ""
        wanted = service_uuid is not None and service_uuid in advertisement.service_uuids
        if names(name) or wanted:
            units.append((ble_device.address, name, advertisement.rssi))
    units.sort(key=lambda unit: -unit[2])
    return units
