"""Provides `ArcDriver`: a Scalextric ARC Pro powerbase as a slotrace `Driver`, over BLE.

Registered in the ``slotrace.drivers`` entry-point group as ``arc``. Targets:

=============================  ==============================================
``ble:D4:8B:39:00:00:01``       the powerbase over Bluetooth LE (macOS: a UUID)
``socket://127.0.0.1:7879``     ``slotrace simulate --driver arc`` (GATT over TCP)
=============================  ==============================================

On connect the driver subscribes to Slot (laps), Throttle (clock heartbeat) and Track
(faults), then writes the Command it wants (racing, full power): the base sends no Slot data
before a first Command write. `SetSpeed` sets a car's power multiplier (0 stops it while the
clock runs on); `SetTrackPower` holds every car (all multipliers 0 in the racing state, the
clock ticking on: the way the hardware stops cars without stopping its clock) and gives each
its own multiplier back; `ResetTimer` zeroes the clock. It reconnects by itself after a link
loss and re-writes the current Command (a base left racing keeps its power through a BLE
drop, so held cars stay held); lap baselines survive, so a lap made while disconnected is
reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, ClassVar

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    DeviceStringError,
    DiscoveredDevice,
    Driver,
    DriverCommand,
    DriverError,
    DriverEvent,
    LinkDown,
    LinkStats,
    LinkUp,
    LocalProtocolError,
    RemoteProtocolError,
    ResetTimer,
    SetSpeed,
    SetTrackPower,
    Simulator,
    TransportError,
)
from slotrace.drivers_api.support import BleLink, scan_ble
from slotrace.drivers_api.support.gatt_socket import socket_client_factory
from slotrace_arc.protocol import (
    ADVERTISED_PREFIX,
    CARS,
    COMMAND_UUID,
    SERVICE_UUID,
    SLOT_UUID,
    THROTTLE_UUID,
    TRACK_UUID,
    Command,
    LapDetector,
    RaceState,
    decode_slot,
    decode_throttle,
    decode_track,
    power_multiplier,
)

logger = logging.getLogger(__name__)

TARGET_HELP = "arc:ble:MAC (or arc:ble:UUID on macOS), arc:socket://HOST:PORT (simulator)"
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_UUID = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")
_OPTIONS = {
    "backend", "client_factory", "connect_timeout", "reconnect_delay", "first_epoch", "clock_rate",
}
"""``clock_rate`` (device ms per real second, given by faces for a sped-up simulator) is accepted
and unused: the ARC driver has no wall-clock plausibility check to scale."""
DEVICE = "ARC powerbase"


def link_for(target: str, **options: Any) -> BleLink:
    """The BLE link a target names (not opened yet).

    Raises:
        DeviceStringError: the target is neither ``ble:ADDRESS`` nor ``socket://HOST:PORT``.
    """
    common: dict[str, Any] = {
        "notify": (SLOT_UUID,),
        "optional_notify": (THROTTLE_UUID, TRACK_UUID),
        "device": DEVICE,
        "connect_timeout": float(options.get("connect_timeout", 10.0)),
    }
    if target.lower().startswith("ble:"):
        address = target[4:]
        if not (_MAC.match(address) or _UUID.match(address)):
            raise DeviceStringError(
                f"Bluetooth address {address!r} in 'arc:{target}' is neither a MAC "
                "(D4:8B:39:00:00:01) nor a macOS UUID (8-4-4-4-12 hex digits); "
                "run `slotrace devices` to see the powerbases in range"
            )
        return BleLink(
            address,
            backend=options.get("backend"),
            client_factory=options.get("client_factory"),
            **common,
        )
    if target.lower().startswith("socket://"):
        where = target[len("socket://") :]
        host, _, port = where.rpartition(":")
        if not host or not port.isdigit():
            raise DeviceStringError(
                f"'arc:{target}' needs a host and a port, e.g. socket://127.0.0.1:7879"
            )
        return BleLink(target, client_factory=socket_client_factory(host, int(port)), **common)
    raise DeviceStringError(f"'arc:{target}' is not a Bluetooth address; accepted: {TARGET_HELP}")


class ArcDriver(Driver):
    """Scalextric ARC Pro (ARC Air / ARC One) powerbase over Bluetooth LE."""

    name: ClassVar[str] = "arc"
    description: ClassVar[str] = (
        "Scalextric ARC Pro / Air / One powerbase (Bluetooth LE, simulator)"
    )
    target_help: ClassVar[str] = TARGET_HELP
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_cars=CARS,
        sensor_groups=1,
        flags=Capability.TIMER_RESET | Capability.SPEED_LIMIT | Capability.TRACK_POWER,
    )

    def __init__(self, link: BleLink, **options: Any) -> None:
        unknown = set(options) - _OPTIONS
        if unknown:
            raise DriverError(
                f"arc driver: unknown option(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(_OPTIONS))})"
            )
        self.link = link
        self._reconnect_delay = float(options.get("reconnect_delay", 1.0))
        self._detector = LapDetector(int(options.get("first_epoch", 0)))
        self._command = Command()
        """The Command wanted with the track powered (each car's own multiplier)."""
        self._powered = True
        self._events: asyncio.Queue[DriverEvent | None] = asyncio.Queue()
        self._writes: asyncio.Queue[bytes] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._stats = LinkStats()

    @classmethod
    def open(cls, target: str, **options: Any) -> ArcDriver:
        """A driver for ``target`` (see the module docstring); does not connect yet.

        Options: ``backend`` (a fake bleak backend), ``client_factory``, ``connect_timeout``,
        ``reconnect_delay`` (s), ``first_epoch``; ``clock_rate`` is accepted and unused.
        """
        return cls(link_for(target, **options), **options)

    @property
    def epoch(self) -> int:
        """The current device-clock epoch."""
        return self._detector.epoch

    async def start(self) -> None:
        await self._connect(reconnects=0)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.link.close()
        self._events.put_nowait(None)

    async def events(self) -> AsyncIterator[DriverEvent]:  # type: ignore[override]
        while True:
            event = await self._events.get()
            if event is None:
                self._events.put_nowait(None)
                return
            yield event

    def _wire(self, state: RaceState | None = None) -> bytes:
        """The Command to write: the wanted one, every multiplier 0 while the power is cut."""
        command = self._command if self._powered else replace(self._command, power=(0,) * CARS)
        return (command if state is None else replace(command, state=state)).encode()

    def send(self, command: DriverCommand) -> None:
        if isinstance(command, SetSpeed):
            self.capabilities.check_car(command.car, "the ARC powerbase")
            power = list(self._command.power)
            power[command.car - 1] = power_multiplier(command.level)
            self._command = replace(self._command, power=tuple(power))
            self._writes.put_nowait(self._wire())
            return
        if isinstance(command, SetTrackPower):
            self._powered = command.on
            self._writes.put_nowait(self._wire())
            return
        if isinstance(command, ResetTimer):
            self._writes.put_nowait(self._wire(RaceState.NO_POWER_TIMER_TICKING))
            self._writes.put_nowait(self._wire())
            self._emit(self._detector.new_epoch("timer reset by race control"))
            return
        raise LocalProtocolError(
            f"the ARC powerbase cannot carry out {type(command).__name__} "
            "(check the driver's capabilities first)"
        )

    @property
    def stats(self) -> LinkStats:
        return self._stats

    # --- the link ---
    def _emit(self, event: DriverEvent) -> None:
        self._events.put_nowait(event)

    def _count(self, **changes: int) -> None:
        stats = self._stats
        self._stats = replace(stats, **{k: getattr(stats, k) + v for k, v in changes.items()})

    async def _connect(self, reconnects: int) -> None:
        await self.link.open()
        await self.link.write(COMMAND_UUID, self._wire())
        self._count(commands_sent=1)
        self._emit(LinkUp(f"arc on {self.link.description}", reconnects))

    async def _run(self) -> None:
        reconnects = 0
        while not self._closed:
            try:
                await self._pump()
            except TransportError as exc:
                self._emit(LinkDown(str(exc)))
            delay = self._reconnect_delay
            while not self._closed:
                await asyncio.sleep(delay)
                try:
                    await self._connect(reconnects + 1)
                except TransportError as exc:
                    logger.info("reconnecting: %s", exc)
                    delay = min(delay * 2, 10.0)
                    continue
                reconnects += 1
                self._count(reconnects=1)
                break

    async def _pump(self) -> None:
        writer = asyncio.get_running_loop().create_task(self._write_queued())
        reading: asyncio.Future[Any] | None = None
        try:
            while True:
                reading = asyncio.ensure_future(self.link.read())
                done, _ = await asyncio.wait({reading, writer}, return_when=asyncio.FIRST_COMPLETED)
                if reading in done:
                    self._on_notification(reading.result())  # raises when the link is lost
                else:
                    reading.cancel()
                if writer in done:
                    writer.result()  # raises the TransportError that ended it
        finally:
            if reading is not None:
                reading.cancel()
                if reading.done() and not reading.cancelled():
                    reading.exception()  # retrieved: the link is closing anyway
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, TransportError):
                await writer

    async def _write_queued(self) -> None:
        while True:
            data = await self._writes.get()
            try:
                await self.link.write(COMMAND_UUID, data)
            except TransportError:
                # the current desired state is re-written on reconnect; this one is stale
                raise
            self._count(commands_sent=1)

    def _on_notification(self, notification: Any) -> None:
        self._count(polls=1)
        try:
            if notification.uuid == SLOT_UUID:
                events = self._detector.receive(decode_slot(notification.data))
            elif notification.uuid == THROTTLE_UUID:
                events = self._detector.clock(decode_throttle(notification.data).ticks)
            elif notification.uuid == TRACK_UUID:
                decode_track(notification.data)
                events = []
            else:
                events = []
        except RemoteProtocolError as exc:
            self._count(bad_frames=1)
            logger.warning("%s: %s", self.link.description, exc)
            return
        for event in events:
            self._emit(event)

    # --- discovery and simulator ---
    @classmethod
    async def discover(cls, timeout: float = 3.0) -> list[DiscoveredDevice]:
        found, _notes = await cls.survey(timeout)
        return found

    @classmethod
    async def survey(cls, timeout: float = 3.0) -> tuple[list[DiscoveredDevice], list[str]]:
        """ARC powerbases advertising in range, or a note saying why none could be searched."""
        try:
            units = await scan_ble(
                timeout,
                names=lambda name: name.lower().startswith(ADVERTISED_PREFIX),
                service_uuid=SERVICE_UUID,
                device=DEVICE,
            )
        except TransportError as exc:
            return [], [f"Bluetooth LE not searched: {exc}"]
        return [
            DiscoveredDevice(
                f"arc:ble:{address}", f"{name.strip() or 'Scalextric ARC'}, BLE, RSSI {rssi}"
            )
            for address, name, rssi in units
        ], []

    @classmethod
    def simulator(cls, **options: Any) -> Simulator:
        """The powerbase simulator, served as GATT over TCP (`slotrace_arc.sim_server`)."""
        from slotrace_arc.sim_server import ArcSimulator

        return ArcSimulator(**options)
