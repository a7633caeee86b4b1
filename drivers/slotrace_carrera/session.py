"""Provides `PollSession`: the thin asyncio shell around the Carrera `HostLink` state machine.

The shell only moves bytes and time: it asks `HostLink.next_request` what to write,
writes it, reads until `HostLink.receive_data` has the reply (bounded by
``request_timeout``; otherwise `HostLink.timed_out`), and passes the host time each time.
Every decision (epochs, repeats, status diffs, mask re-send, command interleaving,
plausibility, ``#`` refusals) is the state machine's; see `slotrace_carrera.host`.
What the shell adds: connecting (version handshake within ``connect_timeout``), reporting
a lost link (`LinkDown`) and reconnecting with backoff until closed (`LinkUp` again).

Time is injected: ``sleep`` (backoff delays), ``clock`` (monotonic seconds) and ``wall``
(seconds since 1970, only to compare with a journal's `ClockMark`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slotrace.drivers_api import (
    ClockMark,
    DriverCommand,
    DriverEvent,
    LinkDown,
    LinkStats,
    LinkUp,
    TransportError,
)
from slotrace_carrera.clock import ClockRules
from slotrace_carrera.host import HostLink, status_report
from slotrace_carrera.transport import Transport

__all__ = ["PollSession", "SessionSettings", "status_report"]

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]


class _LinkLost(Exception):
    """The current connection is unusable; the reason is for the organiser."""


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


class PollSession:
    """The poll loop for one Carrera Control Unit behind one transport.

    Usage::

        session = PollSession(transport, settings=SessionSettings(request_timeout=0.5))
        await session.start()           # connects; TransportError if the CU does not answer
        session.submit(PressButton(Button.START))
        event = await session.next_event()
        await session.close()
    """

    def __init__(
        self,
        transport: Transport,
        *,
        settings: SessionSettings | None = None,
        first_epoch: int = 0,
        rules: ClockRules | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self._transport = transport
        self._settings = settings or SessionSettings()
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self.host = HostLink(transport.framing, rules=rules, first_epoch=first_epoch)
        self._events: asyncio.Queue[DriverEvent | None] = asyncio.Queue()
        self._handshake: list[DriverEvent] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._connected = False

    # ------------------------------------------------------------------ public API

    @property
    def description(self) -> str:
        return f"carrera on {self._transport.description}"

    @property
    def stats(self) -> LinkStats:
        return self.host.stats

    @property
    def epoch(self) -> int:
        """The current device-clock epoch."""
        return self.host.clock.epoch

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def used(self) -> bool:
        """True once started or closed: `start` cannot run again, use `restarted`."""
        return self._task is not None or self._closed

    def restarted(self) -> PollSession:
        """A fresh session on the same transport that carries on this one's host state.

        For a driver started again after `close` (race control's reconnect key): the epoch
        judge sees the time in between as a link loss, so a CU restarted meanwhile starts a
        new epoch and one that kept running keeps its laps; commands still queued go out.
        """
        fresh = PollSession(self._transport, settings=self._settings, sleep=self._sleep,
                            clock=self._clock, wall=self._wall)
        fresh.host = self.host
        for event in self.host.link_lost(self._clock()):
            fresh._events.put_nowait(event)
        return fresh

    def continue_clock(self, mark: ClockMark) -> None:
        """Resume a journaled heat (call before `start`)."""
        self.host.continue_clock(mark, self._clock(), self._wall())

    def submit(self, command: DriverCommand) -> None:
        """Queue ``command``; it goes out in FIFO order, one frame per round trip.

        Raises:
            LocalProtocolError: the Control Unit cannot take this command.
        """
        if self._closed:
            raise TransportError(f"{self.description} is closed; open the driver again")
        self.host.submit(command)

    async def start(self) -> None:
        """Connect and start polling.

        Raises:
            TransportError: the device cannot be opened, no control unit answered within
                ``connect_timeout``, or it has no firmware.
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
            self._events.put_nowait(LinkDown(reason="closed by slotrace"))
        self._events.put_nowait(None)

    async def next_event(self) -> DriverEvent | None:
        """The next event, or ``None`` once the session is closed and drained."""
        return await self._events.get()

    # ------------------------------------------------------------------ connection

    async def _connect(self) -> None:
        """Open the transport and handshake; LinkUp once the CU gave a real answer."""
        try:
            await self._transport.open()
        except TransportError as exc:
            raise _LinkLost(str(exc)) from None
        host = self.host
        host.connected(self._clock())
        self._handshake = []
        deadline = self._clock() + self._settings.connect_timeout
        while not host.answered and not host.fatal:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise _LinkLost(
                    f"no control unit answered on {self._transport.description} within "
                    f"{self._settings.connect_timeout:g} s — is it switched on and connected?"
                )
            await self._round_trip(remaining)
        first = host.reconnects == 0
        if host.fatal and first:
            raise _LinkLost(f"{self._transport.description}: {host.fatal_reason}")
        self._connected = True
        self._emit(LinkUp(description=self.description, reconnects=host.reconnects))
        handshake, self._handshake = self._handshake, []
        for event in handshake:
            self._emit(event)

    async def _run(self) -> None:
        host = self.host
        while not self._closed:
            try:
                await self._poll_until_lost()
            except _LinkLost as exc:
                reason = str(exc)
            except Exception as exc:  # a bug must not silently end the event stream
                logger.exception("%s: internal error in the poll loop", self.description)
                reason = f"internal error in the Carrera driver ({exc!r}); reconnecting"
                self._lost()
            self._connected = False
            await self._transport.close()
            logger.warning("%s: link lost: %s", self.description, reason)
            self._events.put_nowait(LinkDown(reason=reason))
            attempt = 0
            while not self._closed:
                await self._sleep(self._settings.reconnect_delay(attempt))
                attempt += 1
                try:
                    host.reconnects += 1
                    await self._connect()
                    break
                except _LinkLost as exc:
                    host.reconnects -= 1
                    await self._transport.close()
                    logger.info(
                        "%s: reconnect attempt %d failed: %s", self.description, attempt, exc
                    )

    async def _poll_until_lost(self) -> None:
        if hasattr(self._transport, "push"):
            await self._poll_pushed()
            return
        consecutive_timeouts = 0
        timeout = self._settings.request_timeout
        while True:
            if self.host.fatal:  # nothing to ask a CU without firmware: wait for close()
                await asyncio.Event().wait()
            if await self._round_trip(timeout):
                consecutive_timeouts = 0
                continue
            consecutive_timeouts += 1
            if consecutive_timeouts >= self._settings.max_consecutive_timeouts:
                self._lost()
                raise _LinkLost(
                    f"the control unit on {self._transport.description} stopped answering "
                    f"({consecutive_timeouts} requests in a row got no reply within "
                    f"{timeout:g} s)"
                )

    async def _poll_pushed(self) -> None:
        """The poll loop without a task switch per poll (transports with ``push``).

        Each reply is handled in the transport's receive callback, which writes the next
        request at once; timeouts come from one timer that re-arms itself at the current
        deadline. Returns (raises `_LinkLost`) when the link is lost.
        """
        transport: Any = self._transport
        host, clock, emit = self.host, self._clock, self._emit
        loop = asyncio.get_running_loop()
        settings = self._settings
        timeout = settings.request_timeout
        stop: asyncio.Future[None] = loop.create_future()
        watchdog: asyncio.TimerHandle | None = None
        deadline = 0.0
        timeouts = 0

        def fail(exc: BaseException) -> None:
            if not stop.done():
                stop.set_exception(exc)

        def send_next() -> None:
            nonlocal watchdog, deadline
            request = host.next_request(clock())
            if request is None:  # a CU without firmware: nothing to ask until closed
                return
            try:
                transport.write_now(host.wire(request))
            except TransportError as exc:
                self._lost()
                host.requeue(request)
                fail(_LinkLost(str(exc)))
                return
            deadline = loop.time() + timeout
            if watchdog is None:
                watchdog = loop.call_at(deadline, on_watchdog)

        def on_watchdog() -> None:
            nonlocal watchdog, timeouts
            watchdog = None
            if stop.done() or host.awaiting is None:
                return
            if loop.time() < deadline:
                watchdog = loop.call_at(deadline, on_watchdog)
                return
            try:
                for event in host.timed_out(clock()):
                    emit(event)
                timeouts += 1
                if timeouts >= settings.max_consecutive_timeouts:
                    self._lost()
                    fail(
                        _LinkLost(
                            f"the control unit on {transport.description} stopped answering "
                            f"({timeouts} requests in a row got no reply within {timeout:g} s)"
                        )
                    )
                    return
                send_next()
            except Exception as exc:  # a bug: reported by _run, never a silent stall
                fail(exc)

        def on_data(data: bytes) -> None:
            nonlocal timeouts
            if stop.done():
                return
            try:
                for event in host.receive_data(data, clock()):
                    emit(event)
                if host.awaiting is None:
                    timeouts = 0
                    send_next()
            except Exception as exc:
                fail(exc)

        def on_lost() -> None:
            if not stop.done():
                self._lost()
                fail(_LinkLost(transport.lost_reason()))

        transport.push(on_data, on_lost)
        try:
            if host.awaiting is None and not stop.done():
                send_next()
            await stop
        finally:
            if watchdog is not None:
                watchdog.cancel()
            with contextlib.suppress(TransportError):
                transport.push(None)

    async def _round_trip(self, timeout: float) -> bool:
        """Write the next request and handle its reply; False if none came within ``timeout``."""
        host = self.host
        transport = self._transport
        clock = self._clock
        request = host.next_request(clock())
        if request is None:
            return True
        try:
            await transport.write(host.wire(request))
        except TransportError as exc:
            self._lost()
            host.requeue(request)
            raise _LinkLost(str(exc)) from None
        deadline = asyncio.get_running_loop().time() + timeout
        emit = self._emit
        try:
            while host.awaiting is not None:
                data = await _read_before(transport, deadline)
                if data is None:
                    for event in host.timed_out(clock()):
                        emit(event)
                    logger.debug(
                        "%s: no reply to %r within %g s", self.description, request, timeout
                    )
                    return False
                for event in host.receive_data(data, clock()):
                    emit(event)
        except TransportError as exc:
            self._lost()
            raise _LinkLost(str(exc)) from None
        return True

    def _lost(self) -> None:
        """Tell the state machine the link is gone; emit what it still completes."""
        for event in self.host.link_lost(self._clock()):
            self._emit(event)

    def _emit(self, event: DriverEvent) -> None:
        if self._connected:
            self._events.put_nowait(event)
        else:  # during the handshake: emitted right after LinkUp
            self._handshake.append(event)


async def _read_before(transport: Transport, deadline: float) -> bytes | None:
    """What the transport delivers before loop time ``deadline``, or None after it.

    Transports may offer a cheaper ``read_before`` (the serial one does); otherwise one
    timeout context bounds `Transport.read`.
    """
    cheap = getattr(transport, "read_before", None)
    if cheap is not None:
        return await cheap(deadline)
    try:
        async with asyncio.timeout_at(deadline):
            return await transport.read()
    except TimeoutError:
        return None
