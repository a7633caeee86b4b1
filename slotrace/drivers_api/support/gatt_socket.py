"""Provides GATT over TCP: `GattSocketServer` serves a simulated BLE peripheral on a socket and
`socket_client_factory` gives `BleLink` a client that reaches it, so a BLE driver can race a
simulator in another process (``slotrace simulate``) on any OS, without Bluetooth.

One ASCII line per message. Client to server: ``W <uuid> <hex>`` (write), ``R <uuid>``
(read). Server to client: ``N <uuid> <hex>`` (notification), ``A [<hex>]`` (write or read
done), ``E <text>`` (the write or read failed). One client at a time, like a powerbase.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from slotrace.drivers_api.errors import DriverError, TransportError

logger = logging.getLogger(__name__)

WriteHandler = Callable[[str, bytes], None]
"""``on_write(uuid, data)``; raise `DriverError` to fail the write."""
ReadHandler = Callable[[str], bytes]


class GattSocketServer:
    """Serves one simulated peripheral over TCP.

    Args:
        on_write: called for each GATT write.
        on_read: called for each GATT read.
        on_connect: called with True when a client connects, False when it leaves.
    """

    def __init__(
        self,
        on_write: WriteHandler,
        on_read: ReadHandler,
        on_connect: Callable[[bool], None] = lambda _up: None,
    ) -> None:
        self._on_write = on_write
        self._on_read = on_read
        self._on_connect = on_connect
        self._server: asyncio.Server | None = None
        self._client: asyncio.StreamWriter | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen; returns the (host, port) bound."""
        self._server = await asyncio.start_server(self._serve, host, port)
        bound = self._server.sockets[0].getsockname()
        return bound[0], bound[1]

    async def stop(self) -> None:
        self.hang_up()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    @property
    def connected(self) -> bool:
        return self._client is not None

    def notify(self, uuid: str, data: bytes) -> None:
        """Send a notification to the connected client (dropped if none)."""
        if self._client is not None and not self._client.is_closing():
            self._client.write(f"N {uuid} {data.hex()}\n".encode())

    def hang_up(self) -> None:
        """Drop the connected client (the peripheral went out of range)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
            self._on_connect(False)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._client is not None:
            writer.write(b"E the peripheral accepts one connection at a time\n")
            writer.close()
            return
        self._client = writer
        self._on_connect(True)
        try:
            while line := await reader.readline():
                writer.write(self._answer(line.decode("ascii", "replace").split()))
        except (ConnectionError, OSError) as exc:
            logger.debug("client left: %s", exc)
        finally:
            if self._client is writer:
                self.hang_up()

    def _answer(self, words: list[str]) -> bytes:
        try:
            if len(words) == 3 and words[0] == "W":
                self._on_write(words[1], bytes.fromhex(words[2]))
                return b"A\n"
            if len(words) == 2 and words[0] == "R":
                return f"A {self._on_read(words[1]).hex()}\n".encode()
            return b"E malformed request\n"
        except (DriverError, ValueError) as exc:
            return f"E {exc}\n".encode()


class _SocketGattClient:
    """The subset of ``BleakClient`` that `BleLink` uses, over a `GattSocketServer`."""

    def __init__(
        self,
        host: str,
        port: int,
        disconnected_callback: Callable[..., None] | None,
        timeout: float,
    ) -> None:
        self._where = f"socket://{host}:{port}"
        self._host, self._port, self._timeout = host, port, timeout
        self._callback = disconnected_callback
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._listeners: dict[str, Callable[[Any, bytearray], None]] = {}
        self._answers: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def is_connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        except ConnectionRefusedError:
            raise TransportError(
                f"nothing is listening at {self._where} (connection refused) — "
                "is `slotrace simulate` running?"
            ) from None
        except (OSError, TimeoutError) as exc:
            raise TransportError(f"cannot connect to {self._where}: {exc}") from exc
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def disconnect(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    async def start_notify(self, uuid: str, callback: Callable[[Any, bytearray], None]) -> None:
        self._listeners[uuid.lower()] = callback

    async def stop_notify(self, uuid: str) -> None:
        self._listeners.pop(uuid.lower(), None)

    async def write_gatt_char(self, uuid: str, data: bytes, response: bool = True) -> None:
        await self._request(f"W {uuid.lower()} {bytes(data).hex()}")

    async def read_gatt_char(self, uuid: str) -> bytearray:
        return bytearray.fromhex(await self._request(f"R {uuid.lower()}"))

    async def _request(self, line: str) -> str:
        async with self._lock:
            writer = self._writer
            if writer is None or writer.is_closing():
                raise TransportError(f"{self._where} is not connected (the link was lost)")
            writer.write(line.encode() + b"\n")
            try:
                async with asyncio.timeout(self._timeout):
                    answer = await self._answers.get()
            except TimeoutError:
                raise TransportError(
                    f"no answer from {self._where} within {self._timeout:g} s"
                ) from None
        if answer.startswith("E"):
            raise TransportError(f"{self._where} refused: {answer[2:]}")
        return answer[2:]

    async def _listen(self) -> None:
        assert self._reader is not None
        try:
            while line := await self._reader.readline():
                text = line.decode("ascii", "replace").strip()
                if text.startswith("N "):
                    _, uuid, payload = text.split(" ", 2)
                    listener = self._listeners.get(uuid)
                    if listener is not None:
                        listener(None, bytearray.fromhex(payload))
                else:
                    self._answers.put_nowait(text)
        except (ConnectionError, OSError, ValueError) as exc:
            logger.debug("%s: %s", self._where, exc)
        finally:
            self._answers.put_nowait("E the link was lost")
            was = self._writer is not None
            self._writer = None
            if was and self._callback is not None:
                self._callback(self)


def socket_client_factory(host: str, port: int) -> Callable[..., Any]:
    """A ``client_factory`` for `BleLink` that reaches a `GattSocketServer` at host:port."""

    def factory(
        _address: str,
        *,
        disconnected_callback: Callable[..., None] | None = None,
        timeout: float = 10.0,
    ) -> _SocketGattClient:
        return _SocketGattClient(host, port, disconnected_callback, timeout)

    return factory
