"""Provides `SerialTransport`: the Carrera PC-Unit cable (or any pyserial URL) as a `Transport`.

Accepts device paths (``/dev/ttyUSB0``), Windows ports (``COM3``) and every pyserial URL
(``socket://127.0.0.1:7878`` for a simulator, ``rfc2217://host:port`` for a network serial
server). Runs on pyserial-asyncio-fast in the caller's event loop (no threads), at
19200 baud 8N1, opened exclusively (a second program on the same port gets a clear
error instead of stealing replies). pyserial and OS errors become `TransportError` with a
message a club organiser can act on.

The poll loop runs all day, so reading is a bare protocol callback (no StreamReader):
received chunks wait in a list, a read that finds none parks one future, and
`SerialTransport.read_before` bounds the wait with one long-lived timer that re-arms
itself at the current deadline when it fires early, instead of a timeout context (or a
timer handle created and cancelled) per request.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

import serial
import serial_asyncio_fast

from slotrace.drivers_api import TransportError
from slotrace_carrera.transport import Framing, Transport

logger = logging.getLogger(__name__)

BAUDRATE = 19200
"""The Control Unit's line speed (8N1, no flow control)."""

READ_CHUNK = 4096


def explain_open_error(url: str, exc: BaseException) -> str:
    """A one-line explanation of why ``url`` could not be opened, with what to check."""
    text = str(exc)
    number = getattr(exc, "errno", None)
    inner = exc.__cause__ or exc.__context__
    if number is None and isinstance(inner, OSError):
        number = inner.errno
    scheme = urllib.parse.urlparse(url).scheme if "://" in url else ""
    if scheme in ("socket", "rfc2217"):
        where = url.split("://", 1)[1]
        if isinstance(exc, ConnectionRefusedError) or number == errno.ECONNREFUSED:
            hint = " — is `slotrace simulate` running?" if scheme == "socket" else ""
            return f"nothing is listening at {url} (connection refused){hint}"
        if isinstance(exc, TimeoutError) or number == errno.ETIMEDOUT:
            return f"no answer from {where} ({url}): the host is unreachable or down"
        return f"cannot connect to {url}: {text}"
    lowered = text.lower()
    if (
        number == errno.ENOENT
        or "filenotfounderror" in lowered
        or "no such file" in lowered
        or "cannot find the file" in lowered
    ):
        return (
            f"{url} does not exist — is the PC-Unit cable plugged in? "
            "(see `slotrace devices` for the ports on this machine)"
        )
    if (
        number in (errno.EACCES, errno.EPERM)
        or "permissionerror" in lowered
        or ("permission denied" in lowered or "access is denied" in lowered)
    ):
        return (
            f"permission denied on {url} — add your user to the dialout group "
            "(Linux: `sudo usermod -aG dialout $USER`, then log in again) or close the other "
            "program using the port (Windows)"
        )
    if number in (errno.EBUSY, errno.EAGAIN) or "busy" in lowered or "exclusively" in lowered:
        return f"{url} is in use by another program — close it (RaceApp, SmartRace, a terminal)"
    if "could not open port" not in lowered and isinstance(exc, ValueError):
        return f"{url} is not a serial port or pyserial URL pyserial understands: {text}"
    return f"cannot open {url}: {text}"


class _Receiver(asyncio.Protocol):
    """Keeps what the port delivers until the session reads it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None
        self.lost: str | None = None
        self.transport: asyncio.BaseTransport | None = None
        self.on_data: Callable[[bytes], None] | None = None
        """Push mode: called with each chunk instead of keeping it."""
        self.on_lost: Callable[[], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        on_data = self.on_data
        if on_data is not None:
            on_data(data)
            return
        self.chunks.append(data)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.lost is None:
            self.lost = f"{exc}" if exc is not None else ""
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        on_lost = self.on_lost
        if on_lost is not None:
            on_lost()

    def eof_received(self) -> bool:
        self.connection_lost(None)
        return False


class SerialTransport(Transport):
    """A serial link (real port, pty, or pyserial URL) to one Control Unit.

    Args:
        url: a device path, ``COMn``, or a pyserial URL such as ``socket://127.0.0.1:7878``.
        baudrate: line speed; the Control Unit always uses 19200.
    """

    framing = Framing.SERIAL

    def __init__(self, url: str, baudrate: int = BAUDRATE) -> None:
        self.url = url
        self.baudrate = baudrate
        self._transport: Any = None
        self._receiver: _Receiver | None = None
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def description(self) -> str:
        return self.url

    async def open(self) -> None:
        """Open the port. Raises `TransportError` naming the port and what to check."""
        await self.close()
        receiver = _Receiver()
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await serial_asyncio_fast.create_serial_connection(
                loop, lambda: receiver, url=self.url, baudrate=self.baudrate, exclusive=True
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(explain_open_error(self.url, exc)) from exc
        self._receiver = receiver
        logger.debug("opened %s at %d baud", self.url, self.baudrate)

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        transport, self._transport, self._receiver = self._transport, None, None
        if transport is None:
            return
        try:
            transport.close()
        except (OSError, serial.SerialException) as exc:
            logger.debug("closing %s: %s", self.url, exc)
        await asyncio.sleep(0)  # let the loop run the transport's connection_lost

    async def write(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            raise TransportError(f"{self.url} is not open (the link was lost)")
        try:
            transport.write(data)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"writing to {self.url} failed: {exc}") from exc

    def write_now(self, data: bytes) -> None:
        """`write` without the coroutine (for push mode). Raises `TransportError`."""
        transport = self._transport
        if transport is None or transport.is_closing():
            raise TransportError(f"{self.url} is not open (the link was lost)")
        try:
            transport.write(data)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"writing to {self.url} failed: {exc}") from exc

    def push(
        self, on_data: Callable[[bytes], None] | None, on_lost: Callable[[], None] | None = None
    ) -> None:
        """Push mode: hand every received chunk to ``on_data`` as it arrives (from the event
        loop's callback, no task switch), and call ``on_lost`` when the link goes; ``None``
        returns to `read`. Chunks that arrived before are handed over first."""
        receiver = self._receiver
        if receiver is None:
            raise TransportError(f"{self.url} is not open (the link was lost)")
        receiver.on_data, receiver.on_lost = on_data, on_lost
        if on_data is not None and receiver.chunks:
            chunks = receiver.chunks[:]
            receiver.chunks.clear()
            for chunk in chunks:
                on_data(chunk)

    def lost_reason(self) -> str:
        """Why the link is gone, for the organiser (after ``on_lost`` was called)."""
        receiver = self._receiver
        reason = receiver.lost if receiver is not None else None
        if reason:
            return f"lost the link on {self.url}: {reason} (cable unplugged or control unit off?)"
        return (
            f"{self.url} closed the link (cable unplugged, control unit off, or the "
            "simulator hung up)"
        )

    async def read(self) -> bytes:
        data = await self.read_before(None)
        assert data is not None
        return data

    async def read_before(self, deadline: float | None) -> bytes | None:
        """What arrived, waiting until loop time ``deadline`` at most (None: no timeout).

        Returns None at the deadline. Raises `TransportError` when the link is lost.
        """
        receiver = self._receiver
        if receiver is None:
            raise TransportError(f"{self.url} is not open (the link was lost)")
        if not receiver.chunks and receiver.lost is None:
            loop = asyncio.get_running_loop()
            self._deadline = deadline
            timer = self._timer
            if deadline is not None and (timer is None or timer.when() > deadline):
                if timer is not None:
                    timer.cancel()  # armed for a later deadline (the connect's)
                self._timer = loop.call_at(deadline, self._on_timer, loop)
            waiter = receiver.waiter = loop.create_future()
            try:
                await waiter
            finally:
                receiver.waiter = None
        chunks = receiver.chunks
        if chunks:
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks.clear()
            return data
        if receiver.lost is not None:
            if receiver.lost:
                raise TransportError(
                    f"lost the link on {self.url}: {receiver.lost} (cable unplugged or "
                    "control unit off?)"
                )
            raise TransportError(
                f"{self.url} closed the link (cable unplugged, control unit off, or the "
                "simulator hung up)"
            )
        return None

    def _on_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake a read whose deadline passed; re-arm at a later deadline set meanwhile."""
        self._timer = None
        receiver, deadline = self._receiver, self._deadline
        if receiver is None or deadline is None:
            return
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, self._on_timer, loop)
            return
        waiter = receiver.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
