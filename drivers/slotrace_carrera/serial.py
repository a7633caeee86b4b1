"""Provides `SerialTransport`: the Carrera PC-Unit cable (or any pyserial URL) as a `Transport`.

Accepts device paths (``/dev/ttyUSB0``), Windows ports (``COM3``) and every pyserial URL
(``socket://127.0.0.1:7878`` for a simulator, ``rfc2217://host:port`` for a network serial
server). Runs on pyserial-asyncio-fast in the caller's event loop (no threads), at
19200 baud 8N1, opened exclusively (a second program on the same port gets a clear
error instead of stealing replies). pyserial and OS errors become `TransportError` with a
message a club organiser can act on.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import urllib.parse

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
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def description(self) -> str:
        return self.url

    async def open(self) -> None:
        """Open the port. Raises `TransportError` naming the port and what to check."""
        await self.close()
        try:
            self._reader, self._writer = await serial_asyncio_fast.open_serial_connection(
                url=self.url, baudrate=self.baudrate, exclusive=True
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(explain_open_error(self.url, exc)) from exc
        logger.debug("opened %s at %d baud", self.url, self.baudrate)

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
        except (OSError, serial.SerialException, TimeoutError) as exc:
            logger.debug("closing %s: %s", self.url, exc)

    async def write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise TransportError(f"{self.url} is not open (the link was lost)")
        try:
            writer.write(data)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"writing to {self.url} failed: {exc}") from exc

    async def read(self) -> bytes:
        reader = self._reader
        if reader is None:
            raise TransportError(f"{self.url} is not open (the link was lost)")
        try:
            data = await reader.read(READ_CHUNK)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(
                f"lost the link on {self.url}: {exc} (cable unplugged or control unit off?)"
            ) from exc
        if not data:
            raise TransportError(
                f"{self.url} closed the link (cable unplugged, control unit off, or the "
                "simulator hung up)"
            )
        return data
