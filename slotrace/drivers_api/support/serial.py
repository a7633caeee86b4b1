"""Provides `SerialLink` (a serial port, pty or pyserial URL on pyserial-asyncio-fast) and the
organiser-friendly wording of serial errors (`explain_serial_error`, `no_answer`).

pyserial is imported only when a link is opened, so importing this module keeps the driver
API pure. Accepts device paths (``/dev/ttyUSB0``), Windows ports (``COM3``) and pyserial URLs
(``socket://127.0.0.1:7878`` reaches a simulator on any OS, ``rfc2217://host:port``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import urllib.parse
from typing import Any

from slotrace.drivers_api.errors import TransportError

logger = logging.getLogger(__name__)

READ_CHUNK = 4096


def no_answer(url: str, seconds: float, device: str = "control unit") -> str:
    """The message for a device that stays silent: "no control unit answered on X within 3 s"."""
    return (
        f"no {device} answered on {url} within {seconds:g} s — is it switched on and is this "
        "the right port? (`slotrace devices` lists the ports on this machine)"
    )


def explain_serial_error(url: str, exc: BaseException, device: str = "control unit") -> str:
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
    if number == errno.ENOENT or "no such file" in lowered or "cannot find the file" in lowered:
        return (
            f"{url} does not exist — is the {device}'s cable plugged in? "
            "(see `slotrace devices` for the ports on this machine)"
        )
    if (
        number in (errno.EACCES, errno.EPERM)
        or "permission denied" in lowered
        or ("access is denied" in lowered)
    ):
        return (
            f"permission denied on {url} — add your user to the dialout group "
            "(Linux: `sudo usermod -aG dialout $USER`, then log in again) or close the other "
            "program using the port (Windows)"
        )
    if number == errno.EBUSY or "busy" in lowered:
        return f"{url} is in use by another program — close it and try again"
    if "could not open port" not in lowered and isinstance(exc, ValueError):
        return f"{url} is not a serial port or pyserial URL pyserial understands: {text}"
    return f"cannot open {url}: {text}"


def _serial_modules() -> tuple[Any, Any]:
    import serial
    import serial_asyncio_fast

    return serial, serial_asyncio_fast


class SerialLink:
    """A byte link over a serial port or pyserial URL, in the caller's event loop.

    Args:
        url: a device path, ``COMn``, or a pyserial URL such as ``socket://127.0.0.1:7878``.
        baudrate: line speed.
        device: what is at the other end, for messages (``"control unit"``).
    """

    def __init__(self, url: str, baudrate: int = 19200, device: str = "control unit") -> None:
        self.url = url
        self.baudrate = baudrate
        self.device = device
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def description(self) -> str:
        return self.url

    async def open(self) -> None:
        """Open the port. Raises `TransportError` naming the port and what to check."""
        await self.close()
        serial, serial_asyncio_fast = _serial_modules()
        try:
            self._reader, self._writer = await serial_asyncio_fast.open_serial_connection(
                url=self.url, baudrate=self.baudrate
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(explain_serial_error(self.url, exc, self.device)) from exc
        logger.debug("opened %s at %d baud", self.url, self.baudrate)

    async def close(self) -> None:
        """Close the port; safe to call twice or after a failed open."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        serial, _ = _serial_modules()
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
        except (OSError, serial.SerialException, TimeoutError) as exc:
            logger.debug("closing %s: %s", self.url, exc)

    async def write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise TransportError(f"{self.url} is not open (the link was lost)")
        serial, _ = _serial_modules()
        try:
            writer.write(data)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"writing to {self.url} failed: {exc}") from exc

    async def read(self, timeout: float | None = None) -> bytes:
        """Whatever bytes arrived next; `TransportError` on a lost link or ``timeout`` s of
        silence (worded as `no_answer`)."""
        reader = self._reader
        if reader is None:
            raise TransportError(f"{self.url} is not open (the link was lost)")
        serial, _ = _serial_modules()
        try:
            async with asyncio.timeout(timeout):
                data = await reader.read(READ_CHUNK)
        except TimeoutError:
            raise TransportError(no_answer(self.url, timeout or 0, self.device)) from None
        except (serial.SerialException, OSError) as exc:
            raise TransportError(
                f"lost the link on {self.url}: {exc} (cable unplugged or {self.device} off?)"
            ) from exc
        if not data:
            raise TransportError(
                f"{self.url} closed the link (cable unplugged, {self.device} off, or the "
                "simulator hung up)"
            )
        return data
