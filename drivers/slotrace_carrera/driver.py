"""Provides `CarreraDriver`: the Carrera DIGITAL 124/132 Control Unit as a slotrace `Driver`.

Registered in the ``slotrace.drivers`` entry-point group as ``carrera``. The target (the
part of the device string after ``carrera:``) picks the transport:

=============================  ==============================================
``/dev/ttyUSB0``, ``COM3``      PC-Unit cable (USB serial), 19200 baud
``socket://127.0.0.1:7878``     a simulator (``slotrace simulate``) or TCP bridge
``rfc2217://host:port``         a network serial server
``ble:D4:8B:39:00:00:01``       AppConnect over Bluetooth LE (macOS: a UUID)
=============================  ==============================================
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    ClockMark,
    DeviceStringError,
    DiscoveredDevice,
    Driver,
    DriverCommand,
    DriverError,
    DriverEvent,
    LinkStats,
    Simulator,
    TransportError,
)
from slotrace_carrera.clock import ClockRules
from slotrace_carrera.session import PollSession, SessionSettings
from slotrace_carrera.transport import Transport

TARGET_HELP = (
    "carrera:/dev/ttyUSB0 (Linux/macOS serial), carrera:COM3 (Windows), "
    "carrera:socket://HOST:PORT (simulator), carrera:rfc2217://HOST:PORT, "
    "carrera:ble:MAC (or ble:UUID on macOS)"
)

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_UUID = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")
_COM = re.compile(r"^(\\\\\.\\)?COM[1-9][0-9]*$", re.IGNORECASE)
_URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110")

_SESSION_OPTIONS = {
    "request_timeout",
    "connect_timeout",
    "max_consecutive_timeouts",
    "min_reconnect_delay",
    "max_reconnect_delay",
    "reconnect_backoff",
}
_DRIVER_OPTIONS = {"first_epoch", "baudrate", "clock_rate"}


def transport_for(target: str, baudrate: int = 19200) -> Transport:
    """The transport a target string names (not opened yet).

    Raises:
        DeviceStringError: the target is none of the accepted forms.
    """
    if target.lower().startswith("ble:"):
        address = target[4:]
        if not (_MAC.match(address) or _UUID.match(address)):
            raise DeviceStringError(
                f"Bluetooth address {address!r} in 'carrera:{target}' is neither a MAC "
                "(D4:8B:39:00:00:01) nor a macOS UUID (8-4-4-4-12 hex digits); "
                "run `slotrace devices` to see the control units in range"
            )
        from slotrace_carrera.ble import BleTransport  # bleak only when BLE is asked for

        return BleTransport(address)
    from slotrace_carrera.serial import SerialTransport

    scheme, sep, rest = target.partition("://")
    if sep:
        if scheme.lower() not in _URL_SCHEMES:
            raise DeviceStringError(
                f"'carrera:{target}': unknown URL scheme {scheme!r} "
                f"(expected one of: {', '.join(_URL_SCHEMES)}); accepted: {TARGET_HELP}"
            )
        if scheme.lower() in ("socket", "rfc2217") and not re.match(r"^[^:/]+:\d+", rest):
            raise DeviceStringError(
                f"'carrera:{target}' needs a host and a port, e.g. {scheme}://127.0.0.1:7878"
            )
        return SerialTransport(target, baudrate)
    if target.startswith("/") or _COM.match(target):
        return SerialTransport(target, baudrate)
    raise DeviceStringError(
        f"'carrera:{target}' is not a serial port, pyserial URL or Bluetooth address; "
        f"accepted: {TARGET_HELP}"
    )


class CarreraDriver(Driver):
    """Carrera DIGITAL 124/132 Control Unit over the PC-Unit cable, TCP or Bluetooth LE."""

    name: ClassVar[str] = "carrera"
    description: ClassVar[str] = (
        "Carrera DIGITAL 124/132 Control Unit (PC-Unit cable, AppConnect BLE, simulator)"
    )
    target_help: ClassVar[str] = TARGET_HELP
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_cars=8,
        sensor_groups=3,
        heat_cars=6,  # six controllers race; cars 7 and 8 are the CU's ghost and pace cars
        flags=Capability.START_LIGHTS
        | Capability.REMOTE_BUTTONS
        | Capability.SECTORS
        | Capability.FUEL
        | Capability.PIT_LANE
        | Capability.IGNORE_MASK
        | Capability.SPEED_BRAKE_FUEL
        | Capability.POSITION_TOWER
        | Capability.TIMER_RESET
        | Capability.PACE_CAR
        | Capability.CLOCK_CONTINUITY,
    )

    def __init__(self, transport: Transport, **options: Any) -> None:
        unknown = set(options) - _SESSION_OPTIONS - _DRIVER_OPTIONS
        if unknown:
            raise DriverError(
                f"carrera driver: unknown option(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(_SESSION_OPTIONS | _DRIVER_OPTIONS))})"
            )
        settings = SessionSettings(
            **{key: value for key, value in options.items() if key in _SESSION_OPTIONS}
        )
        self.transport = transport
        rules = ClockRules(rate=float(options.get("clock_rate", 1000.0)))
        self._session = PollSession(
            transport,
            settings=settings,
            first_epoch=int(options.get("first_epoch", 0)),
            rules=rules,
        )

    @classmethod
    def open(cls, target: str, **options: Any) -> CarreraDriver:
        """A driver for ``target`` (see the module docstring); does not connect yet.

        Options: ``request_timeout``, ``connect_timeout`` (s), ``max_consecutive_timeouts``,
        ``min_reconnect_delay``, ``max_reconnect_delay`` (s), ``reconnect_backoff``,
        ``first_epoch`` (continue epoch numbering of an earlier run), ``baudrate``,
        ``clock_rate`` (device ms per second: 1000 for a real CU; a simulator sped up N
        times runs at N*1000, so the plausibility checks must know).
        """
        transport = transport_for(target, int(options.get("baudrate", 19200)))
        return cls(transport, **options)

    async def start(self) -> None:
        """Connect and start polling; after `close` (or a failed start) a fresh session
        carries on the old one's clock, so race control's reconnect key works."""
        if self._session.used:
            self._session = self._session.restarted()
        await self._session.start()

    async def close(self) -> None:
        await self._session.close()

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        while True:
            event = await self._session.next_event()
            if event is None:
                return
            yield event

    def send(self, command: DriverCommand) -> None:
        self._session.submit(command)

    def continue_clock(self, mark: ClockMark) -> None:
        """Resume a journaled heat: keep ``mark.epoch`` unless the CU clock restarted."""
        super().continue_clock(mark)
        self._session.continue_clock(mark)

    @property
    def refused(self) -> frozenset[str]:
        """Commands this CU's firmware answered ``#`` to (e.g. ``"START"`` before 5331)."""
        return frozenset(self._session.host.refused)

    @property
    def stats(self) -> LinkStats:
        return self._session.stats

    @property
    def epoch(self) -> int:
        """The current device-clock epoch (continue from it with ``first_epoch``)."""
        return self._session.epoch

    @classmethod
    async def discover(cls, timeout: float = 3.0) -> list[DiscoveredDevice]:
        """Serial ports on this machine, plus BLE control units when Bluetooth exists."""
        found, _notes = await cls.survey(timeout)
        return found

    @classmethod
    async def survey(cls, timeout: float = 3.0) -> tuple[list[DiscoveredDevice], list[str]]:
        """Serial ports and BLE control units, with a note when Bluetooth is unavailable."""
        found = serial_ports()
        notes: list[str] = []
        try:
            found.extend(await ble_control_units(timeout))
        except TransportError as exc:
            notes.append(f"Bluetooth LE not searched: {exc}")
        return found, notes

    @classmethod
    def simulator(cls, **options: Any) -> Simulator:
        """The Control Unit simulator (``slotrace_carrera.simulator_server``)."""
        from slotrace_carrera.simulator_server import SimulatorServer

        return SimulatorServer(**options)


BY_ID_DIR = Path("/dev/serial/by-id")
"""Where udev keeps stable names for USB serial adapters (Linux)."""


def stable_names(by_id_dir: Path = BY_ID_DIR) -> dict[str, str]:
    """Device path -> its stable ``/dev/serial/by-id/...`` name (empty where there are none).

    A re-plugged adapter can come back as another ``/dev/ttyUSBn``; its by-id name stays.
    """
    names: dict[str, str] = {}
    try:
        entries = sorted(by_id_dir.iterdir())
    except OSError:
        return names
    for entry in entries:
        with contextlib.suppress(OSError):
            names.setdefault(str(entry.resolve()), str(entry))
    return names


def serial_ports(by_id_dir: Path = BY_ID_DIR) -> list[DiscoveredDevice]:
    """Serial ports pyserial sees, USB adapters (the PC-Unit cable is one) first; a port
    with a stable ``/dev/serial/by-id`` name is listed under that name."""
    from serial.tools import list_ports

    stable = stable_names(by_id_dir)
    usb, other = [], []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        path = stable.get(str(Path(port.device).resolve()), port.device)
        also = f" = {port.device}" if path != port.device else ""
        if port.vid is not None:
            maker = port.manufacturer or f"USB {port.vid:04x}:{port.pid or 0:04x}"
            usb.append(
                DiscoveredDevice(
                    f"carrera:{path}", f"USB serial ({maker}) {port.description}{also}"
                )
            )
        else:
            other.append(DiscoveredDevice(f"carrera:{path}", f"serial port (no USB adapter){also}"))
    return usb + other


async def ble_control_units(timeout: float) -> list[DiscoveredDevice]:
    """Control units advertising over BLE.

    Raises:
        TransportError: Bluetooth is missing or off, or bleak is not usable (the message
            says which).
    """
    try:
        from slotrace_carrera.ble import scan_control_units
    except ImportError as exc:
        raise TransportError(f"the BLE transport cannot be loaded ({exc})") from exc

    return await scan_control_units(timeout)
