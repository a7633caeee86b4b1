"""Provides the sans-I/O Carrera framers: `HostConnection` (host) and `DeviceConnection` (CU).

Serial (reference §1.1): requests are ``"`` + body + ``$``; replies end with ``$``; a ``#``
at the start of a reply is a complete unknown-command reply (a ``$`` right after it is
swallowed, since whether the CU sends one is not known). BLE (§1.2): one write is one
request body; one notification is one reply, and version/poll replies arrive without
their leading letter but with a trailing ``$``.

Framers never raise on input: a malformed message becomes a `BadFrame`. Splitting the
input differently (whole, byte by byte, with the next frame's start attached) never
changes the output.
"""

from __future__ import annotations

from dataclasses import dataclass

from slotrace.drivers_api import RemoteProtocolError
from slotrace_carrera._replies import (
    Acknowledgement,
    Reply,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
    decode_reply,
)
from slotrace_carrera._requests import Request, decode_request
from slotrace_carrera.transport import Framing

MAX_MESSAGE_SIZE = 64
"""Longest message a framer buffers; longer runs without a terminator become `BadFrame`s.

The longest real reply is 18 bytes, so this only ever cuts garbage."""

_DOLLAR = ord("$")
_HASH = ord("#")
_QUOTE = ord('"')
_BLE_VERSION_SIZE = 5
"""Version notification without its ``$``: 4 digits + checksum."""


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A malformed message the framer skipped, and why (for counting and logging)."""

    data: bytes
    error: RemoteProtocolError


def _too_long(data: bytes) -> BadFrame:
    return BadFrame(
        data,
        RemoteProtocolError(
            f"{len(data)} bytes without a terminating '$': line noise or a wrong baud rate? "
            f"(starting {data[:16]!r})",
            data,
        ),
    )


def _reply_or_bad(frame: bytes, raw: bytes) -> Reply | BadFrame:
    try:
        return decode_reply(frame)
    except RemoteProtocolError as error:
        return BadFrame(raw, error)


_TAIL_SIZES = (18, 16, 12, 6)
"""Sizes of the replies that can end a message: status (18/16), timer, version. Longest
first: the last 12 characters of a status with a full tank can look like a timer frame."""
_LONGEST_ACK = 6
"""An acknowledgement longer than this is more likely garbage glued to a real reply."""


def _whole_size(frame: bytes) -> bool:
    """True when ``frame`` starts like a poll or version reply and has exactly its size."""
    first = frame[:1]
    if first == b"?":
        second = frame[1:2]
        return len(frame) in (16, 18) if second == b":" else len(frame) == 12
    return first == b"0" and len(frame) == 6


def _resync(frame: bytes) -> list[Reply | BadFrame]:
    """Decode one ``$``-terminated message; if it is not a reply, look for one at its end.

    A reply that lost its ``$`` is glued to the next one, and a noise byte can precede a
    reply: the intact reply at the end is recovered (and the part before it decoded on
    its own, or reported as a bad frame), so one fault never costs the next reply.
    """
    whole = _reply_or_bad(frame, frame)
    if _whole_size(frame):
        return [whole]  # one reply, intact or corrupted: its tail is no reply of its own
    if isinstance(whole, BadFrame) or (
        isinstance(whole, Acknowledgement) and len(frame) > _LONGEST_ACK
    ):
        for size in _TAIL_SIZES:
            if len(frame) > size:
                tail = _reply_or_bad(frame[-size:], frame[-size:])
                if isinstance(tail, TimerReply | StatusReply | VersionReply):
                    return [*_resync(frame[:-size]), tail]
    return [whole]


class HostConnection:
    """The driver's side of the link: frames requests, turns received bytes into replies."""

    def __init__(self, framing: Framing) -> None:
        self.framing = framing
        self._buffer = bytearray()
        self._after_hash = False

    @property
    def pending(self) -> bool:
        """True while part of a serial message is buffered."""
        return bool(self._buffer) or self._after_hash

    def frame_request(self, body: bytes) -> bytes:
        """Wrap a request body for the wire: serial ``"`` + body + ``$``; BLE the bare body."""
        if self.framing is Framing.SERIAL:
            return b'"' + body + b"$"
        return bytes(body)

    def receive_data(self, data: bytes) -> list[Reply | BadFrame]:
        """Feed received bytes (BLE: exactly one notification); return complete replies.

        Never raises. Partial serial messages are buffered until their ``$`` arrives.
        """
        if self.framing is Framing.BLE:
            return [self._receive_notification(bytes(data))]
        return self._receive_serial(data)

    def flush(self) -> list[Reply]:
        """End of input (a timeout or a lost link): decode the buffered serial bytes as if
        their ``$`` had come. Only a whole timer, status or version reply (right length,
        valid checksum) is returned; anything else is dropped. The buffer is emptied."""
        data = bytes(self._buffer)
        self._buffer.clear()
        self._after_hash = False
        if not data:
            return []
        return [
            item
            for item in _resync(data)
            if isinstance(item, TimerReply | StatusReply | VersionReply)
        ]

    def _receive_notification(self, data: bytes) -> Reply | BadFrame:
        if data.endswith(b"$"):
            core = data[:-1]
            frame = (b"0" if len(core) == _BLE_VERSION_SIZE else b"?") + core
        else:
            frame = data
        return _reply_or_bad(frame, data)

    def _receive_serial(self, data: bytes) -> list[Reply | BadFrame]:
        buffer = self._buffer
        buffer += data
        replies: list[Reply | BadFrame] = []
        start = 0
        size = len(buffer)
        while start < size:
            first = buffer[start]
            if self._after_hash:
                self._after_hash = False
                if first == _DOLLAR:
                    start += 1
                    continue
            if first == _HASH:
                replies.append(UnknownCommandReply())
                self._after_hash = True
                start += 1
                continue
            end = buffer.find(b"$", start)
            if (end if end >= 0 else size) - start >= MAX_MESSAGE_SIZE:
                replies.append(_too_long(bytes(buffer[start : start + MAX_MESSAGE_SIZE])))
                start += MAX_MESSAGE_SIZE
                continue
            if end < 0:
                break
            replies.extend(_resync(bytes(buffer[start:end])))
            start = end + 1
        del buffer[:start]
        return replies


class DeviceConnection:
    """The control unit's side of the link (for the simulator): requests in, replies out."""

    def __init__(self, framing: Framing) -> None:
        self.framing = framing
        self._buffer = bytearray()

    def frame_reply(self, reply_bytes: bytes) -> bytes:
        """Wrap an encoded reply for the wire.

        Serial: append ``$`` (a lone ``#`` stays ``#``). BLE: version and poll replies
        lose their leading ``0``/``?`` and gain a ``$``; other replies go as they are.
        """
        if self.framing is Framing.SERIAL:
            return reply_bytes if reply_bytes == b"#" else reply_bytes + b"$"
        if reply_bytes[:1] in (b"0", b"?"):
            return reply_bytes[1:] + b"$"
        return bytes(reply_bytes)

    def receive_data(self, data: bytes) -> list[Request | BadFrame]:
        """Feed received bytes (BLE: exactly one write); return complete requests. Never raises."""
        if self.framing is Framing.BLE:
            return [_request_or_bad(bytes(data))]
        return self._receive_serial(data)

    def _receive_serial(self, data: bytes) -> list[Request | BadFrame]:
        buffer = self._buffer
        buffer += data
        requests: list[Request | BadFrame] = []
        start = 0
        size = len(buffer)
        while start < size:
            if buffer[start] != _QUOTE:
                quote = buffer.find(b'"', start)
                stop = quote if quote >= 0 else size
                if stop - start >= MAX_MESSAGE_SIZE:
                    stop = start + MAX_MESSAGE_SIZE
                elif quote < 0:
                    break
                junk = bytes(buffer[start:stop])
                requests.append(
                    BadFrame(
                        junk,
                        RemoteProtocolError(
                            f"{len(junk)} bytes outside a request: expected '\"' "
                            f"(starting {junk[:16]!r})",
                            junk,
                        ),
                    )
                )
                start = stop
                continue
            dollar = buffer.find(b"$", start + 1)
            quote = buffer.find(b'"', start + 1)
            end = min(i for i in (dollar, quote, size) if i >= 0)
            if end - start >= MAX_MESSAGE_SIZE:
                requests.append(_too_long(bytes(buffer[start : start + MAX_MESSAGE_SIZE])))
                start += MAX_MESSAGE_SIZE
                continue
            if end == size:
                break
            body = bytes(buffer[start + 1 : end])
            if end == quote:
                requests.append(
                    BadFrame(
                        body,
                        RemoteProtocolError(
                            f"request {body!r} was cut off by a new '\"' before its '$'", body
                        ),
                    )
                )
                start = end
                continue
            requests.append(_request_or_bad(body))
            start = end + 1
        del buffer[:start]
        return requests


def _request_or_bad(body: bytes) -> Request | BadFrame:
    try:
        return decode_request(body)
    except RemoteProtocolError as error:
        return BadFrame(body, error)
