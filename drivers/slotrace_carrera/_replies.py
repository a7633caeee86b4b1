"""Provides the Carrera reply types (CU -> host) and their strict decoder and encoder.

Replies are given in serial form without the terminating ``$`` (BLE notifications are
rebuilt into that form by the framer first). Decoding is table-driven: the valid frame
takes a fast path of a few C-level ``bytes`` operations; only a malformed frame pays for
`_explain_reply`, which names the byte position and what was expected there.
"""

from __future__ import annotations

from dataclasses import dataclass

from slotrace.drivers_api import LocalProtocolError, RemoteProtocolError
from slotrace_carrera._wire import (
    LOW_NIBBLE,
    NIBBLE_BASE,
    NIBBLE_CHARS,
    PAIR_OF_BYTE,
    checksum_char,
    describe_byte,
    encode_uint32,
    first_non_nibble,
    nibble_char,
)

ACKNOWLEDGED_LETTERS = b"=:TJGEF"
"""Command letters whose reply is an echo of the letter plus an undocumented payload."""

TIMER_FRAME_SIZE = 12
STATUS_FRAME_SIZES = (16, 18)
VERSION_FRAME_SIZE = 6

_QUESTION, _COLON, _ZERO, _HASH, _DOLLAR = b"?:0#$"


@dataclass(frozen=True, slots=True)
class VersionReply:
    """The CU firmware version, e.g. ``"5337"`` (4 characters)."""

    version: str


@dataclass(frozen=True, slots=True)
class TimerReply:
    """A car crossed a sensor group (raw wire values, no epoch).

    Attributes:
        address: wire address 1..8 (= car number; 7 ghost car, 8 pace car).
        timestamp_ms: the CU's 32-bit millisecond clock at the crossing.
        sector: sensor group 1..3 (1 = finish line, 2/3 = Check Lanes).
    """

    address: int
    timestamp_ms: int
    sector: int


@dataclass(frozen=True, slots=True)
class StatusReply:
    """A status snapshot, sent when no timer event is pending (raw wire values).

    Attributes:
        fuel: 8 nibbles, fuel of cars 1..8 (15 = full; all 0 without a pit-lane adapter).
        start: start-light nibble 0..15 as sent (0..9 are meaningful).
        mode: mode bit mask (0x1 fuel, 0x2 real fuel, 0x4 pit lane, 0x8 lap counter).
        pit: 8-bit mask, bit n set = car n+1 in the pit lane.
        display: number of cars the position tower shows (6 or 8).
        extra: the 2 unexplained characters of 18-byte frames (newer firmware), else ``b""``.
    """

    fuel: tuple[int, ...]
    start: int
    mode: int
    pit: int
    display: int
    extra: bytes = b""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The CU's reply to ``=``, ``:``, ``T``, ``J``, ``G``, ``E`` or ``F``: the letter echoed."""

    letter: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class UnknownCommandReply:
    """``#``: the CU did not understand the request (or has no firmware)."""


Reply = VersionReply | TimerReply | StatusReply | Acknowledgement | UnknownCommandReply


def decode_reply(frame: bytes) -> Reply:
    """Decode one serial-form reply without its ``$``, e.g. ``b"?2003037?>1="``.

    Status frames of 16 and 18 bytes are told apart by length; every checksum is checked.

    Raises:
        RemoteProtocolError: the frame is malformed (the only exception this raises).
    """
    size = len(frame)
    if size == TIMER_FRAME_SIZE and frame[0] == _QUESTION and frame[1] != _COLON:
        body = frame[1:11]
        if not body.translate(None, NIBBLE_CHARS) and NIBBLE_BASE + (sum(body) & 15) == frame[11]:
            v = body.translate(LOW_NIBBLE)
            address = v[0]
            sector = v[9]
            if 1 <= address <= 8 and 1 <= sector <= 3:
                return TimerReply(
                    address,
                    v[2] << 28
                    | v[1] << 24
                    | v[4] << 20
                    | v[3] << 16
                    | v[6] << 12
                    | v[5] << 8
                    | v[8] << 4
                    | v[7],
                    sector,
                )
    elif (size == 16 or size == 18) and frame[0] == _QUESTION and frame[1] == _COLON:
        fields = frame[2:15]
        if (
            not fields.translate(None, NIBBLE_CHARS)
            and NIBBLE_BASE + (sum(frame[1 : size - 1]) & 15) == frame[size - 1]
            and (size == 16 or _DOLLAR not in frame[15:17])
        ):
            v = fields.translate(LOW_NIBBLE)
            return StatusReply(
                tuple(v[0:8]), v[8], v[9], v[10] | v[11] << 4, v[12], bytes(frame[15 : size - 1])
            )
    elif size == VERSION_FRAME_SIZE and frame[0] == _ZERO:
        digits = frame[1:5]
        if not digits.translate(None, NIBBLE_CHARS) and checksum_char(digits) == frame[5]:
            return VersionReply(digits.decode("ascii"))
    elif size and frame[0] in ACKNOWLEDGED_LETTERS:
        return Acknowledgement(chr(frame[0]), bytes(frame[1:]))
    elif size == 1 and frame[0] == _HASH:
        return UnknownCommandReply()
    raise _explain_reply(bytes(frame))


def _explain_reply(frame: bytes) -> RemoteProtocolError:
    """Build the error for a frame `decode_reply` rejected, naming the offending byte."""
    size = len(frame)
    if not size:
        return _error("empty reply: expected at least one byte", frame)
    letter = frame[0]
    if letter == _HASH:
        return _error(f"unknown-command reply '#' must stand alone, got {size} bytes", frame)
    if letter == _ZERO:
        return _explain_fields("version frame", frame, VERSION_FRAME_SIZE, range(1, 5))
    if letter != _QUESTION:
        return _error(
            "reply byte 0: expected '0', '?', '#' or an acknowledgement letter "
            f"({ACKNOWLEDGED_LETTERS.decode()}), got {describe_byte(letter)}",
            frame,
        )
    if size == 1:
        return _error("poll reply is 1 byte: expected 12 (timer) or 16/18 (status)", frame)
    if frame[1] == _COLON:
        if size not in STATUS_FRAME_SIZES:
            return _error(f"status frame is {size} bytes: expected 16 or 18", frame)
        if size == 18 and _DOLLAR in frame[15:17]:
            return _error("status frame bytes 15-16: '$' cannot be part of a frame", frame)
        return _explain_fields("status frame", frame, size, range(2, 15))
    if size != TIMER_FRAME_SIZE:
        return _error(
            f"timer frame is {size} bytes: expected 12 (a status frame has ':' at byte 1)", frame
        )
    if not ord("1") <= frame[1] <= ord("8"):
        return _error(
            f"timer frame byte 1: expected car address '1'..'8', got {describe_byte(frame[1])}",
            frame,
        )
    if not ord("1") <= frame[10] <= ord("3"):
        return _error(
            f"timer frame byte 10: expected sensor group '1'..'3', got {describe_byte(frame[10])}",
            frame,
        )
    return _explain_fields("timer frame", frame, TIMER_FRAME_SIZE, range(2, 10))


def _explain_fields(kind: str, frame: bytes, size: int, nibbles: range) -> RemoteProtocolError:
    """Explain a bad length, a non-nibble field character or a checksum mismatch."""
    if len(frame) != size:
        return _error(f"{kind} is {len(frame)} bytes: expected {size}", frame)
    bad = first_non_nibble(frame, nibbles.start, nibbles.stop)
    if bad is not None:
        return _error(
            f"{kind} byte {bad}: expected a nibble character '0'..'?', "
            f"got {describe_byte(frame[bad])}",
            frame,
        )
    expected = checksum_char(frame[1 : size - 1])
    return _error(
        f"{kind} byte {size - 1}: checksum mismatch: expected {describe_byte(expected)}, "
        f"got {describe_byte(frame[size - 1])}",
        frame,
    )


def _error(message: str, frame: bytes) -> RemoteProtocolError:
    return RemoteProtocolError(f"{message} (in {frame!r})", frame)


def encode_reply(reply: Reply) -> bytes:
    """Encode a reply in serial form without ``$``, with a correct checksum.

    Raises:
        LocalProtocolError: a field is out of range (our own misuse).
    """
    if isinstance(reply, TimerReply):
        _check_range("timer address", reply.address, 1, 8)
        _check_range("timer timestamp_ms", reply.timestamp_ms, 0, 0xFFFFFFFF)
        _check_range("timer sector", reply.sector, 1, 3)
        body = nibble_char(reply.address) + encode_uint32(reply.timestamp_ms)
        body += nibble_char(reply.sector)
        return b"?" + body + bytes((checksum_char(body),))
    if isinstance(reply, StatusReply):
        if len(reply.fuel) != 8:
            raise LocalProtocolError(f"status fuel needs 8 values, got {len(reply.fuel)}")
        for car, level in enumerate(reply.fuel, start=1):
            _check_range(f"status fuel of car {car}", level, 0, 15)
        for name in ("start", "mode", "display"):
            _check_range(f"status {name}", getattr(reply, name), 0, 15)
        _check_range("status pit mask", reply.pit, 0, 255)
        if len(reply.extra) not in (0, 2) or b"$" in reply.extra:
            raise LocalProtocolError(
                f"status extra must be b'' or 2 bytes without '$', got {reply.extra!r}"
            )
        body = b":" + bytes(NIBBLE_BASE + level for level in reply.fuel)
        body += nibble_char(reply.start) + nibble_char(reply.mode) + PAIR_OF_BYTE[reply.pit]
        body += nibble_char(reply.display) + reply.extra
        return b"?" + body + bytes((checksum_char(body),))
    if isinstance(reply, VersionReply):
        digits = reply.version.encode("ascii", "replace")
        if len(digits) != 4 or digits.translate(None, NIBBLE_CHARS):
            raise LocalProtocolError(
                f"version must be 4 characters '0'..'?', got {reply.version!r}"
            )
        return b"0" + digits + bytes((checksum_char(digits),))
    if isinstance(reply, Acknowledgement):
        letter = reply.letter.encode("ascii", "replace")
        if len(letter) != 1 or letter not in ACKNOWLEDGED_LETTERS:
            raise LocalProtocolError(
                f"acknowledgement letter must be one of {ACKNOWLEDGED_LETTERS.decode()}, "
                f"got {reply.letter!r}"
            )
        if b"$" in reply.payload:
            raise LocalProtocolError(f"acknowledgement payload contains '$': {reply.payload!r}")
        return letter + reply.payload
    if isinstance(reply, UnknownCommandReply):
        return b"#"
    raise LocalProtocolError(f"not a Carrera reply: {reply!r}")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise LocalProtocolError(f"{name} must be {low}..{high}, got {value!r}")
