"""Provides `PollSession`: the Carrera poll loop (one request outstanding, commands
interleaved, reconnect with backoff) that turns replies into driver events.

The Control Unit only speaks when spoken to. The session keeps exactly one request on
the wire: it writes a request, waits (bounded by ``request_timeout``) for the reply,
turns the reply into events, then writes the next request. Queued commands take turns
with polls (command, poll, command, poll, ...) so a burst of commands never starves lap
events. What it guarantees to the layers above:

* every timer frame that arrives intact becomes exactly one `CarPassed`; a frame equal to
  the previous timer frame (the CU or a BLE stack delivering it twice) is dropped and
  counted;
* a backwards jump of the CU clock (timer reset, power cycle, reconnect to a restarted CU)
  starts a new epoch (`EpochStarted`) instead of producing a bogus lap;
* `StatusReport` is emitted only when the status changed;
* malformed replies are counted and logged, never fatal;
* a lost link is reported (`LinkDown`), retried with backoff and reported again when it is
  back (`LinkUp`); the firmware version is requested on every (re)connect and the ignore
  mask is re-sent after a reconnect and whenever a start sequence begins.

Time is injected: ``sleep`` (backoff delays) can be replaced in tests, and all timeouts are
constructor arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slotrace.drivers_api import (
    CarPassed,
    DriverCommand,
    DriverEvent,
    EpochStarted,
    FirmwareVersion,
    LinkDown,
    LinkStats,
    LinkUp,
    ModeFlags,
    ResetTimer,
    SetIgnoreMask,
    StartLight,
    StatusReport,
    TransportError,
)
from slotrace_carrera.protocol import (
    POLL,
    VERSION_REQUEST,
    Acknowledgement,
    BadFrame,
    HostConnection,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
    encode_commands,
)
from slotrace_carrera.transport import Transport

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]


class _LinkLost(Exception):
    """The current connection is unusable; the reason is for the organiser."""


@dataclass(frozen=True, slots=True)
class _QueuedFrame:
    """One request body waiting for its turn, and the command it belongs to."""

    body: bytes
    command: DriverCommand | None
    """``None`` for the session's own requests (version, mask re-send)."""


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """Timing of a `PollSession`.

    Attributes:
        request_timeout: seconds to wait for the reply to one request.
        connect_timeout: seconds to wait for the first reply (the version) after connecting.
        max_consecutive_timeouts: unanswered requests in a row before the link counts as lost.
        min_reconnect_delay: first delay before a reconnect attempt, in seconds.
        max_reconnect_delay: cap of the delay, which grows by ``reconnect_backoff`` per attempt.
        reconnect_backoff: growth factor of the reconnect delay.
    """

    request_timeout: float = 1.0
    connect_timeout: float = 3.0
    max_consecutive_timeouts: int = 3
    min_reconnect_delay: float = 0.5
    max_reconnect_delay: float = 8.0
    reconnect_backoff: float = 1.5

    def __post_init__(self) -> None:
        if self.request_timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("request_timeout and connect_timeout must be > 0 seconds")
        if self.max_consecutive_timeouts < 1:
            raise ValueError("max_consecutive_timeouts must be >= 1")
        if not 0 <= self.min_reconnect_delay <= self.max_reconnect_delay:
            raise ValueError("need 0 <= min_reconnect_delay <= max_reconnect_delay")
        if self.reconnect_backoff < 1:
            raise ValueError("reconnect_backoff must be >= 1")

    def reconnect_delay(self, attempt: int) -> float:
        """Delay before reconnect attempt ``attempt`` (0 = first)."""
        return min(
            self.max_reconnect_delay, self.min_reconnect_delay * self.reconnect_backoff**attempt
        )


def status_report(reply: StatusReply) -> StatusReport:
    """Turn a decoded status reply into the driver API's `StatusReport`.

    Raises:
        ValueError: the start-light nibble is outside 0..9.
    """
    fuel = tuple(reply.fuel[:8])
    return StatusReport(
        fuel=fuel,
        start_light=StartLight(reply.start),
        mode=ModeFlags(reply.mode & 0x0F),
        pit=frozenset(car for car in range(1, 9) if reply.pit >> (car - 1) & 1),
        display=reply.display,
    )


class PollSession:
    """The poll loop for one Carrera Control Unit behind one transport.

    Usage::

        session = PollSession(transport, settings=SessionSettings(request_timeout=0.5))
        await session.start()           # connects; TransportError if the CU does not answer
        session.submit(PressButton(Button.START_ENTER))
        event = await session.next_event()
        await session.close()
    """

    def __init__(
        self,
        transport: Transport,
        *,
        settings: SessionSettings | None = None,
        first_epoch: int = 0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._transport = transport
        self._settings = settings or SessionSettings()
        self._sleep = sleep
        self._events: asyncio.Queue[DriverEvent | None] = asyncio.Queue()
        self._session_frames: deque[_QueuedFrame] = deque()
        self._command_frames: deque[_QueuedFrame] = deque()
        self._last_was_command = False
        self._mask: SetIgnoreMask | None = None
        self._epoch = first_epoch
        self._last_timestamp: int | None = None
        self._last_timer: TimerReply | None = None
        self._last_status: StatusReport | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._connected = False
        self._host = HostConnection(transport.framing)
        self._pending_version: FirmwareVersion | None = None
        # counters (LinkStats is a frozen snapshot of these)
        self._polls = 0
        self._bad_frames = 0
        self._timeouts = 0
        self._reconnects = 0
        self._duplicates = 0
        self._commands_sent = 0

    # ------------------------------------------------------------------ public API

    @property
    def description(self) -> str:
        return f"carrera on {self._transport.description}"

    @property
    def stats(self) -> LinkStats:
        return LinkStats(
            polls=self._polls,
            bad_frames=self._bad_frames,
            timeouts=self._timeouts,
            reconnects=self._reconnects,
            duplicates_dropped=self._duplicates,
            commands_sent=self._commands_sent,
        )

    @property
    def epoch(self) -> int:
        """The current device-clock epoch."""
        return self._epoch

    @property
    def connected(self) -> bool:
        return self._connected

    def submit(self, command: DriverCommand) -> None:
        """Queue ``command``; it goes out in FIFO order, one frame per round trip.

        Raises:
            LocalProtocolError: the Control Unit cannot take this command.
        """
        if self._closed:
            raise TransportError(f"{self.description} is closed; open the driver again")
        frames = encode_commands(command)  # validates before anything is queued
        if isinstance(command, SetIgnoreMask):
            self._mask = command
        self._command_frames.extend(_QueuedFrame(body, command) for body in frames)

    async def start(self) -> None:
        """Connect and start polling.

        Raises:
            TransportError: the device cannot be opened or no control unit answered within
                ``connect_timeout``.
        """
        if self._task is not None:
            raise RuntimeError("PollSession.start() called twice")
        try:
            await self._connect()
        except _LinkLost as exc:
            await self._transport.close()
            raise TransportError(str(exc)) from None
        self._task = asyncio.create_task(self._run(), name=f"poll {self.description}")

    async def close(self) -> None:
        """Stop polling, close the transport and end the event stream. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._transport.close()
        if self._connected:
            self._connected = False
            self._emit(LinkDown(reason="closed by slotrace"))
        self._events.put_nowait(None)

    async def next_event(self) -> DriverEvent | None:
        """The next event, or ``None`` once the session is closed and drained."""
        return await self._events.get()

    # ------------------------------------------------------------------ connection

    async def _connect(self) -> None:
        """Open the transport and ask for the version; LinkUp once the CU answered."""
        try:
            await self._transport.open()
        except TransportError as exc:
            raise _LinkLost(str(exc)) from None
        self._host = HostConnection(self._transport.framing)
        self._last_was_command = False
        answered = await self._round_trip(
            _QueuedFrame(VERSION_REQUEST, None), self._settings.connect_timeout
        )
        if not answered:
            raise _LinkLost(
                f"no control unit answered on {self._transport.description} within "
                f"{self._settings.connect_timeout:g} s — is it switched on and connected?"
            )
        self._connected = True
        self._emit(LinkUp(description=self.description, reconnects=self._reconnects))
        if self._pending_version is not None:
            self._emit(self._pending_version)
            self._pending_version = None
        if self._mask is not None:
            self._queue_mask("reconnect" if self._reconnects else "connect")

    async def _run(self) -> None:
        attempt = 0
        while not self._closed:
            try:
                await self._poll_until_lost()
            except _LinkLost as exc:
                reason = str(exc)
            except Exception as exc:  # a bug must not silently end the event stream
                logger.exception("%s: internal error in the poll loop", self.description)
                reason = f"internal error in the Carrera driver ({exc!r}); reconnecting"
            self._connected = False
            await self._transport.close()
            logger.warning("%s: link lost: %s", self.description, reason)
            self._emit(LinkDown(reason=reason))
            attempt = 0
            while not self._closed:
                delay = self._settings.reconnect_delay(attempt)
                attempt += 1
                await self._sleep(delay)
                try:
                    self._reconnects += 1
                    await self._connect()
                    break
                except _LinkLost as exc:
                    self._reconnects -= 1
                    await self._transport.close()
                    logger.info(
                        "%s: reconnect attempt %d failed: %s", self.description, attempt, exc
                    )

    async def _poll_until_lost(self) -> None:
        consecutive_timeouts = 0
        timeout = self._settings.request_timeout
        while True:
            frame = self._next_frame()
            if await self._round_trip(frame, timeout):
                consecutive_timeouts = 0
                continue
            consecutive_timeouts += 1
            if frame.command is not None:
                logger.warning(
                    "%s: no acknowledgement for %r; not repeating it (it may have been carried "
                    "out)",
                    self.description,
                    frame.command,
                )
            if consecutive_timeouts >= self._settings.max_consecutive_timeouts:
                raise _LinkLost(
                    f"the control unit on {self._transport.description} stopped answering "
                    f"({consecutive_timeouts} requests in a row got no reply within "
                    f"{timeout:g} s)"
                )

    def _next_frame(self) -> _QueuedFrame:
        if self._session_frames:
            self._last_was_command = False
            return self._session_frames.popleft()
        if self._command_frames and not self._last_was_command:
            self._last_was_command = True
            return self._command_frames.popleft()
        self._last_was_command = False
        return _QueuedFrame(POLL, None)

    async def _round_trip(self, frame: _QueuedFrame, timeout: float) -> bool:
        """Write one request and handle its reply; False if none came within ``timeout``."""
        transport = self._transport
        try:
            await transport.write(self._host.frame_request(frame.body))
        except TransportError as exc:
            if frame.command is not None:  # never went out: keep its place in the queue
                self._command_frames.appendleft(frame)
            raise _LinkLost(str(exc)) from None
        if frame.command is not None:
            self._commands_sent += 1
            if isinstance(frame.command, ResetTimer):
                self._start_epoch("timer reset by race control")
        try:
            async with asyncio.timeout(timeout):
                items = []
                while not items:
                    data = await transport.read()
                    if not data:
                        raise TransportError(f"{transport.description} closed the connection")
                    items = self._host.receive_data(data)
        except TimeoutError:
            self._timeouts += 1
            logger.debug("%s: no reply to %r within %g s", self.description, frame.body, timeout)
            return False
        except TransportError as exc:
            raise _LinkLost(str(exc)) from None
        self._polls += 1
        for item in items:
            self._handle(item)
        return True

    # ------------------------------------------------------------------ replies -> events

    def _handle(self, item: object) -> None:
        if isinstance(item, TimerReply):
            self._handle_timer(item)
        elif isinstance(item, StatusReply):
            self._handle_status(item)
        elif isinstance(item, BadFrame):
            self._bad_frame(item.data, str(item.error))
        elif isinstance(item, VersionReply):
            version = FirmwareVersion(version=item.version)
            if self._connected:
                self._emit(version)
            else:  # during the handshake: emitted right after LinkUp
                self._pending_version = version
        elif isinstance(item, UnknownCommandReply):
            logger.warning(
                "%s: the control unit did not understand a request ('#' reply); "
                "its firmware may be too old for that command",
                self.description,
            )
        elif isinstance(item, Acknowledgement):
            logger.debug("%s: acknowledged %r", self.description, item)

    def _bad_frame(self, data: bytes, why: str) -> None:
        self._bad_frames += 1
        logger.warning("%s: ignored a malformed reply %r: %s", self.description, data, why)

    def _handle_timer(self, reply: TimerReply) -> None:
        if reply == self._last_timer:
            self._duplicates += 1
            logger.info("%s: dropped a repeated timer frame %r", self.description, reply)
            return
        try:
            # validate before touching any state, so a bad frame changes nothing
            CarPassed(car=reply.address, sensor=reply.sector, device_ms=reply.timestamp_ms)
        except ValueError as exc:
            self._bad_frame(b"", f"timer frame out of range: {exc}")
            return
        self._last_timer = reply
        if self._last_timestamp is not None and reply.timestamp_ms < self._last_timestamp:
            self._start_epoch(
                f"control unit clock jumped back from {self._last_timestamp} ms to "
                f"{reply.timestamp_ms} ms (timer reset or power cycle)"
            )
        self._last_timestamp = reply.timestamp_ms
        self._emit(
            CarPassed(
                car=reply.address,
                sensor=reply.sector,
                device_ms=reply.timestamp_ms,
                epoch=self._epoch,
            )
        )

    def _handle_status(self, reply: StatusReply) -> None:
        try:
            report = status_report(reply)
        except ValueError as exc:
            self._bad_frame(b"", f"status frame out of range: {exc}")
            return
        previous = self._last_status
        if report == previous:
            return
        self._last_status = report
        self._emit(report)
        was_lit = previous is not None and previous.start_light is not StartLight.OFF
        if report.start_light is not StartLight.OFF and not was_lit and self._mask is not None:
            self._queue_mask("start sequence")

    def _start_epoch(self, reason: str) -> None:
        self._epoch += 1
        self._last_timestamp = None
        logger.info("%s: epoch %d: %s", self.description, self._epoch, reason)
        self._emit(EpochStarted(epoch=self._epoch, reason=reason))

    def _queue_mask(self, why: str) -> None:
        assert self._mask is not None
        logger.info("%s: re-sending the ignore mask after %s", self.description, why)
        for body in encode_commands(self._mask):
            self._session_frames.append(_QueuedFrame(body, None))

    def _emit(self, event: DriverEvent) -> None:
        self._events.put_nowait(event)
