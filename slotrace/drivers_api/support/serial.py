"""Provides `SerialLink` (a serial port, pty or pyserial URL on pyserial-asyncio-fast, opened
exclusively) and the organiser-friendly wording of serial errors (`explain_serial_error`,
`no_answer`).

pyserial is imported only when a link is opened, so importing this module keeps the driver
API pure. Accepts device paths (``/dev/ttyUSB0``), Windows ports (``COM3``) and pyserial URLs
(``socket://127.0.0.1:7878`` reaches a simulator on any OS, ``rfc2217://host:port``).

A poll loop may run all day, so reading is a bare protocol callback (no StreamReader):
received chunks wait in a list, a read that finds none parks one future, and
`SerialLink.read_before` bounds the wait with one long-lived timer that re-arms itself at the
current deadline when it fires early, instead of a timeout context (or a timer handle
created and cancelled) per request. `SerialLink.push` hands chunks over as they arrive.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

from slotrace.drivers_api.errors import TransportError

logger = logging.getLogger(__name__)


def no_answer(url: str, seconds: float, device: str = "control unit") -> str:
    """The message for a device that stays silent: "no control unit answered on X within 3 s"."""
    return (
        f"no {device} answered on {url} within {seconds:g} s — is it switched on and is this "
        "the right port? (`slotrace devices` lists the ports on this machine)"
    )


def explain_serial_error(
    url: str,
    exc: BaseException,
    device: str = "control unit",
    *,
    cable: str | None = None,
    other_programs: str = "",
) -> str:
    """A one-line explanation of why ``url`` could not be opened, with what to check.

    Args:
        url: the port or pyserial URL.
        exc: what pyserial or the OS raised.
        device: what is at the other end (``"control unit"``).
        cable: what connects it, for "is the X plugged in?" (default: the device's cable).
        other_programs: programs that may hold the port, named when it is busy.
    """
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
        what = cable or f"{device}'s cable"
        return (
            f"{url} does not exist — is the {what} plugged in? "
            "(see `slotrace devices` for the ports on this machine)"
        )
    if (
        number in (errno.EACCES, errno.EPERM)
        or "permissionerror" in lowered
        or "permission denied" in lowered
        or "access is denied" in lowered
    ):
        return (
            f"permission denied on {url} — add your user to the dialout group "
            "(Linux: `sudo usermod -aG dialout $USER`, then log in again) or close the other "
            "program using the port (Windows)"
        )
    if number in (errno.EBUSY, errno.EAGAIN) or "busy" in lowered or "exclusively" in lowered:
        others = f" ({other_programs})" if other_programs else ""
        return f"{url} is in use by another program — close it{others} and try again"
    if "could not open port" not in lowered and isinstance(exc, ValueError):
        return f"{url} is not a serial port or pyserial URL pyserial understands: {text}"
    return f"cannot open {url}: {text}"


def _serial_modules() -> tuple[Any, Any]:
    import serial
    import serial_asyncio_fast

    return serial, serial_asyncio_fast


_READ_SIZE = 4096
"""Bytes one socket read may take: a Carrera reply is at most 20, a burst a few hundred."""


class _Receiver(asyncio.BufferedProtocol):
    """Keeps what the port delivers until the link reads it.

    A `BufferedProtocol`, so a ``socket://`` link (asyncio's socket transport) reads into one
    small buffer kept for the link's life. As a plain `Protocol` asyncio reads each chunk with
    ``recv(256 KiB)``: a fresh 256 KiB allocation per reply, which glibc serves with mmap,
    mremap and munmap, three system calls per poll on top of the read itself. A serial port
    (pyserial-asyncio-fast's transport) calls `data_received` as before.
    """

    def __init__(self) -> None:
        self._buffer = bytearray(_READ_SIZE)
        self._view = memoryview(self._buffer)
        self.chunks: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None
        self.lost: str | None = None
        self.on_data: Callable[[bytes], None] | None = None
        """Push mode: called with each chunk instead of keeping it."""
        self.on_lost: Callable[[], None] | None = None

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self._view[:nbytes]))

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


class SerialLink:
    """A byte link over a serial port or pyserial URL, in the caller's event loop.

    Args:
        url: a device path, ``COMn``, or a pyserial URL such as ``socket://127.0.0.1:7878``.
        baudrate: line speed.
        device: what is at the other end, for messages (``"control unit"``).
        cable: what connects it, for messages (``"PC-Unit cable"``).
        other_programs: programs that may hold the port, for the "in use" message.
        exclusive: lock the port (POSIX), so a second program gets a clear error instead of
            stealing replies.
    """

    def __init__(
        self,
        url: str,
        baudrate: int = 19200,
        device: str = "control unit",
        *,
        cable: str | None = None,
        other_programs: str = "",
        exclusive: bool = True,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.device = device
        self.cable = cable
        self.other_programs = other_programs
        self.exclusive = exclusive
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
        serial, serial_asyncio_fast = _serial_modules()
        receiver = _Receiver()
        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {"exclusive": True} if self.exclusive else {}
        try:
            self._transport, _ = await serial_asyncio_fast.create_serial_connection(
                loop, lambda: receiver, url=self.url, baudrate=self.baudrate, **options
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(
                explain_serial_error(
                    self.url,
                    exc,
                    self.device,
                    cable=self.cable,
                    other_programs=self.other_programs,
                )
            ) from exc
        self._receiver = receiver
        logger.debug("opened %s at %d baud", self.url, self.baudrate)

    async def close(self) -> None:
        """Close the port; safe to call twice or after a failed open."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        transport, self._transport, self._receiver = self._transport, None, None
        if transport is None:
            return
        try:
            transport.close()
        except OSError as exc:  # pyserial's SerialException is one
            logger.debug("closing %s: %s", self.url, exc)
        await asyncio.sleep(0)  # let the loop run the transport's connection_lost

    async def write(self, data: bytes) -> None:
        """Send bytes. Raises `TransportError` if the link is down."""
        self.write_now(data)

    def write_now(self, data: bytes) -> None:
        """`write` without the coroutine (for push mode). Raises `TransportError`."""
        transport = self._transport
        if transport is None or transport.is_closing():
            raise TransportError(f"{self.url} is not open (the link was lost)")
        try:
            transport.write(data)
        except OSError as exc:  # pyserial's SerialException is one
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
        """Why the link is gone, for the organiser (after a read failed or ``on_lost``)."""
        receiver = self._receiver
        reason = receiver.lost if receiver is not None else None
        if reason:
            return f"lost the link on {self.url}: {reason} (cable unplugged or {self.device} off?)"
        return (
            f"{self.url} closed the link (cable unplugged, {self.device} off, or the "
            "simulator hung up)"
        )

    async def read(self, timeout: float | None = None) -> bytes:
        """Whatever bytes arrived next; `TransportError` on a lost link or ``timeout`` s of
        silence (worded as `no_answer`)."""
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        data = await self.read_before(deadline)
        if data is None:
            raise TransportError(no_answer(self.url, timeout or 0, self.device))
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
                    timer.cancel()  # armed for a later deadline
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
            raise TransportError(self.lost_reason())
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
