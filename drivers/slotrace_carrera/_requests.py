"""Provides the Carrera request side: driver commands -> wire bodies, and the CU's decoder.

Outgoing checksums exclude the command letter (reference §2.2: reset is ``=101``).
Bodies here carry no framing: the serial framer adds ``"`` and ``$``, BLE sends them bare.
"""

from __future__ import annotations

from dataclasses import dataclass

from slotrace.drivers_api import (
    Button,
    ClearPositions,
    DriverCommand,
    LocalProtocolError,
    PressButton,
    RemoteProtocolError,
    RequestVersion,
    ResetTimer,
    SetBrake,
    SetFuel,
    SetIgnoreMask,
    SetLapCounter,
    SetPosition,
    SetRaceFinished,
    SetSpeed,
    level_steps,
)
from slotrace_carrera._wire import (
    BYTE_OF_PAIR,
    LOW_NIBBLE,
    PAIR_OF_BYTE,
    checksum_char,
    describe_byte,
    first_non_nibble,
    nibble_char,
)

POLL = b"?"
VERSION_REQUEST = b"0"
KEY_IDS: dict[Button, int] = {
    Button.PACE_CAR: 1,
    Button.START: 2,
    Button.SPEED: 5,
    Button.BRAKE: 6,
    Button.FUEL: 7,
    Button.CODE: 8,
}
"""The Control Unit's ``T`` key ids (``T1`` PACE CAR/ESC, ``T2`` START/ENTER, ...)."""

WORD_SPEED = 0
WORD_BRAKE = 1
WORD_FUEL = 2
WORD_POSITION = 6
WORD_RACE_FINISHED = 7
WORD_LAP_HIGH = 17
WORD_LAP_LOW = 18
LAP_COUNTER_ADDRESS = 7
LAP_COUNTER_WRAP = 250
"""The position tower shows laps 0..249; lap 250 shows as 0 again (carreralib's RMS wraps)."""
CLEAR_POSITIONS_VALUE = 9
TUNING_REPEAT = 2
"""Speed/brake/fuel words are sent twice: car decoders act on a word only when repeated."""
FUEL_SETTABLE_CARS = range(1, 5)
"""Cars whose tank can be set over the protocol (tkem/openlap#225: not 5 and 6)."""


@dataclass(frozen=True, slots=True)
class VersionRequest:
    """``0``: ask for the firmware version."""


@dataclass(frozen=True, slots=True)
class PollRequest:
    """``?``: ask for the next timer event, or a status snapshot when none is pending."""


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """``=`` + 2 nibbles + C: reset the CU timer (carreralib and slotbaer send ``=101``)."""


@dataclass(frozen=True, slots=True)
class MaskRequest:
    """``:`` B(mask) C: stop counting laps for the cars whose bit is set (bit n = car n+1)."""

    mask: int


@dataclass(frozen=True, slots=True)
class ButtonRequest:
    """``T`` Y(button) C: press a CU key (1 ESC/pace car, 2 START, 5..8 SPEED/BRAKE/FUEL/CODE)."""

    button: int


@dataclass(frozen=True, slots=True)
class WordRequest:
    """``J`` B(word | address << 5) Y(value) Y(repeat) C: put a programming word on the rails."""

    word: int
    address: int
    value: int
    repeat: int


@dataclass(frozen=True, slots=True)
class UnknownRequest:
    """Any other request (firmware-update ``G``/``E``/``F``, garbage letters): CU answers ``#``."""

    body: bytes


Request = (
    VersionRequest
    | PollRequest
    | ResetRequest
    | MaskRequest
    | ButtonRequest
    | WordRequest
    | UnknownRequest
)

_REQUEST_SIZES = {ord("="): 4, ord(":"): 4, ord("T"): 3, ord("J"): 6, ord("0"): 1, ord("?"): 1}
_REQUEST_NAMES = {
    ord("="): "reset request",
    ord(":"): "mask request",
    ord("T"): "button request",
    ord("J"): "word request",
    ord("0"): "version request",
    ord("?"): "poll request",
}


def _with_checksum(letter: bytes, fields: bytes) -> bytes:
    return letter + fields + bytes((checksum_char(fields),))


def _word(word: int, address: int, value: int, repeat: int) -> bytes:
    return _with_checksum(
        b"J", PAIR_OF_BYTE[word | address << 5] + nibble_char(value) + nibble_char(repeat)
    )


def encode_request(request: Request) -> bytes:
    """Encode a decoded request back into its body (inverse of `decode_request`).

    Raises:
        LocalProtocolError: a field is out of range.
    """
    if isinstance(request, PollRequest):
        return POLL
    if isinstance(request, VersionRequest):
        return VERSION_REQUEST
    if isinstance(request, ResetRequest):
        return _with_checksum(b"=", b"10")
    if isinstance(request, MaskRequest):
        _check_range("mask", request.mask, 0, 255)
        return _with_checksum(b":", PAIR_OF_BYTE[request.mask])
    if isinstance(request, ButtonRequest):
        _check_range("button", request.button, 0, 15)
        return _with_checksum(b"T", nibble_char(request.button))
    if isinstance(request, WordRequest):
        _check_range("word", request.word, 0, 31)
        _check_range("word address", request.address, 0, 7)
        _check_range("word value", request.value, 0, 15)
        _check_range("word repeat", request.repeat, 0, 15)
        return _word(request.word, request.address, request.value, request.repeat)
    if isinstance(request, UnknownRequest):
        if not request.body or request.body[0] in _REQUEST_SIZES:
            raise LocalProtocolError(
                f"unknown request body must be non-empty and not start with a known "
                f"command letter, got {request.body!r}"
            )
        return bytes(request.body)
    raise LocalProtocolError(f"not a Carrera request: {request!r}")


def encode_commands(command: DriverCommand) -> tuple[bytes, ...]:
    """Encode a driver command as the request bodies that carry it out, in order.

    Almost every command is one body; `SetLapCounter` (wrapped at 250) needs two (word 17
    with the high nibble, then word 18 with the low nibble, both on address 7). Send each body
    as its own request and wait for its reply before the next.

    Raises:
        LocalProtocolError: the CU cannot take this command (e.g. fuel of cars 5..8).
    """
    if isinstance(command, SetLapCounter):
        if command.lap < 0:
            raise LocalProtocolError(f"lap counter must be >= 0, got {command.lap}")
        lap = command.lap % LAP_COUNTER_WRAP
        return (
            _word(WORD_LAP_HIGH, LAP_COUNTER_ADDRESS, lap >> 4, 1),
            _word(WORD_LAP_LOW, LAP_COUNTER_ADDRESS, lap & 0x0F, 1),
        )
    return (_encode_single(command),)


def encode_command(command: DriverCommand) -> bytes:
    """Encode a one-request command as its body incl. checksum, e.g. ``b"J6:415"``.

    Raises:
        LocalProtocolError: the CU cannot take this command, or it needs more than one
            request (`SetLapCounter`: use `encode_commands`).
    """
    if isinstance(command, SetLapCounter):
        raise LocalProtocolError(
            "SetLapCounter takes two requests (words 17 and 18); use encode_commands()"
        )
    return _encode_single(command)


def _encode_single(command: DriverCommand) -> bytes:
    if isinstance(command, RequestVersion):
        return VERSION_REQUEST
    if isinstance(command, PressButton):
        key = KEY_IDS.get(command.button)
        if key is None:
            raise LocalProtocolError(f"the Control Unit has no {command.button.name} key")
        return _with_checksum(b"T", nibble_char(key))
    if isinstance(command, SetIgnoreMask):
        mask = 0
        for car in command.cars:
            _check_range("ignored car", car, 1, 8)
            mask |= 1 << (car - 1)
        return _with_checksum(b":", PAIR_OF_BYTE[mask])
    if isinstance(command, SetSpeed | SetBrake | SetFuel):
        _check_range("car", command.car, 1, 8)
        value = level_steps(command.level, 15)  # the CU's 16 steps
        if isinstance(command, SetFuel) and command.car not in FUEL_SETTABLE_CARS:
            raise LocalProtocolError(
                f"the Carrera CU cannot set the fuel tank of car {command.car} remotely "
                "(only cars 1..4; set it on the control unit itself)"
            )
        word = {SetSpeed: WORD_SPEED, SetBrake: WORD_BRAKE, SetFuel: WORD_FUEL}[type(command)]
        return _word(word, command.car - 1, value, TUNING_REPEAT)
    if isinstance(command, SetPosition):
        _check_range("car", command.car, 1, 8)
        _check_range("position", command.position, 1, 8)
        return _word(WORD_POSITION, command.car - 1, command.position, 1)
    if isinstance(command, ClearPositions):
        return _word(WORD_POSITION, 0, CLEAR_POSITIONS_VALUE, 1)
    if isinstance(command, SetRaceFinished):
        _check_range("car", command.car, 1, 8)
        return _word(WORD_RACE_FINISHED, command.car - 1, 1, 1)
    if isinstance(command, ResetTimer):
        return _with_checksum(b"=", b"10")
    raise LocalProtocolError(f"the Carrera driver cannot send {type(command).__name__}")


def decode_request(body: bytes) -> Request:
    """Decode one request body (without ``"`` and ``$``), as the CU does.

    Unknown letters give `UnknownRequest` (the CU answers ``#``); a known letter with a
    wrong length, a non-nibble field or a bad checksum is malformed.

    Raises:
        RemoteProtocolError: the body is malformed (the only exception this raises).
    """
    body = bytes(body)
    if not body:
        raise RemoteProtocolError("empty request: expected a command letter", body)
    letter = body[0]
    size = _REQUEST_SIZES.get(letter)
    if size is None:
        return UnknownRequest(body)
    name = _REQUEST_NAMES[letter]
    if len(body) != size:
        raise RemoteProtocolError(
            f"{name} is {len(body)} bytes: expected {size} (in {body!r})", body
        )
    if size == 1:
        return PollRequest() if letter == ord("?") else VersionRequest()
    fields = body[1:-1]
    bad = first_non_nibble(body, 1, size - 1)
    if bad is not None:
        raise RemoteProtocolError(
            f"{name} byte {bad}: expected a nibble character '0'..'?', "
            f"got {describe_byte(body[bad])} (in {body!r})",
            body,
        )
    expected = checksum_char(fields)
    if body[-1] != expected:
        raise RemoteProtocolError(
            f"{name} byte {size - 1}: checksum mismatch: expected {describe_byte(expected)}, "
            f"got {describe_byte(body[-1])} (in {body!r})",
            body,
        )
    if letter == ord("="):
        return ResetRequest()
    if letter == ord(":"):
        return MaskRequest(BYTE_OF_PAIR[fields])
    if letter == ord("T"):
        return ButtonRequest(fields[0] & 0x0F)
    selector = BYTE_OF_PAIR[fields[0:2]]
    values = fields[2:4].translate(LOW_NIBBLE)
    return WordRequest(selector & 0x1F, selector >> 5, values[0], values[1])


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise LocalProtocolError(f"{name} must be {low}..{high}, got {value!r}")
