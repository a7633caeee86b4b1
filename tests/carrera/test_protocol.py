"""Codec tests: real frames of reference §2.3/§7.2 decode to the right values, commands
encode to the bytes carreralib sends, and malformed frames raise RemoteProtocolError only."""

from __future__ import annotations

import pytest
from slotrace_carrera.protocol import (
    Acknowledgement,
    ButtonRequest,
    MaskRequest,
    PollRequest,
    ResetRequest,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    UnknownRequest,
    VersionReply,
    VersionRequest,
    WordRequest,
    checksum,
    decode_reply,
    decode_request,
    encode_command,
    encode_commands,
    encode_reply,
    encode_request,
)

from slotrace.drivers_api import (
    Button,
    ClearPositions,
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
)

# Outgoing frames of reference §7.2 (carreralib column) and §2.3.
OUTGOING = [
    (ClearPositions(), b"J60910"),
    (SetPosition(car=6, position=4), b"J6:415"),
    (SetSpeed(car=1, value=15), b"J00?21"),
    (SetRaceFinished(car=3), b"J7411="),
    (SetIgnoreMask(frozenset({7, 8})), b":0<<"),
    (SetIgnoreMask(frozenset(range(1, 9))), b":??>"),
    (SetIgnoreMask(frozenset()), b":000"),
    (ResetTimer(), b"=101"),
    (PressButton(Button.START_ENTER), b"T22"),
    (PressButton(Button.PACE_CAR_ESC), b"T11"),
    (RequestVersion(), b"0"),
]


@pytest.mark.parametrize(("command", "wire"), OUTGOING, ids=[w.decode() for _, w in OUTGOING])
def test_command_encodes_to_carreralib_bytes(command, wire: bytes) -> None:
    assert encode_command(command) == wire
    assert encode_commands(command) == (wire,)


def test_lap_counter_is_two_words_high_nibble_first_on_address_7() -> None:
    assert encode_commands(SetLapCounter(5)) == (b"J1?011", b"J2?517")
    high, low = (decode_request(body) for body in encode_commands(SetLapCounter(0xA7)))
    assert high == WordRequest(word=17, address=7, value=0xA, repeat=1)
    assert low == WordRequest(word=18, address=7, value=0x7, repeat=1)


def test_lap_counter_through_encode_command_points_to_encode_commands() -> None:
    with pytest.raises(LocalProtocolError, match="encode_commands"):
        encode_command(SetLapCounter(3))


@pytest.mark.parametrize(
    ("command", "word", "address"),
    [(SetSpeed(3, 9), 0, 2), (SetBrake(8, 9), 1, 7), (SetFuel(4, 9), 2, 3)],
)
def test_tuning_words_address_car_minus_one_and_repeat_twice(command, word, address) -> None:
    assert decode_request(encode_command(command)) == WordRequest(word, address, 9, 2)


@pytest.mark.parametrize("car", [5, 6, 7, 8])
def test_fuel_of_cars_above_4_is_refused_with_a_reason(car: int) -> None:
    with pytest.raises(LocalProtocolError, match=f"car {car}"):
        encode_command(SetFuel(car, 10))


def test_checksum_excludes_command_letter_as_slotbaer_reset_shows() -> None:
    assert checksum(b"10") == 1
    assert encode_command(ResetTimer())[-1:] == b"1"


# Incoming frames of reference §2.3 and §7.2.
REAL_REPLIES = [
    (b"05321;", VersionReply("5321")),
    (b"?2003037?>1=", TimerReply(2, 226287, 1)),
    (b"?20030:9211<", TimerReply(2, 236050, 1)),
    (b"?200301<?618", TimerReply(2, 246127, 1)),
    (b"?2001287?216", TimerReply(2, 2193455, 1)),
    (b"?:>>>>>>>>060088", StatusReply((14,) * 8, 0, 6, 0, 8)),
    (b"053372", VersionReply("5337")),
    (b"05331<", VersionReply("5331")),
    (b"#", UnknownCommandReply()),
    (b"J", Acknowledgement("J", b"")),
]


@pytest.mark.parametrize(
    ("frame", "reply"), REAL_REPLIES, ids=[f.decode() for f, _ in REAL_REPLIES]
)
def test_real_frames_decode(frame: bytes, reply) -> None:
    assert decode_reply(frame) == reply
    if not isinstance(reply, Acknowledgement):
        assert encode_reply(reply) == frame


def test_esp32_example_frame_with_wrong_checksum_is_rejected_naming_the_byte() -> None:
    with pytest.raises(RemoteProtocolError, match="byte 11: checksum mismatch: expected '0'"):
        decode_reply(b"?100003:101=")


def test_18_byte_status_is_told_apart_by_length_and_keeps_extra() -> None:
    frame = encode_reply(StatusReply((15, 14, 13, 12, 0, 0, 0, 0), 3, 5, 0x21, 6, b"12"))
    assert len(frame) == 18
    assert decode_reply(frame) == StatusReply((15, 14, 13, 12, 0, 0, 0, 0), 3, 5, 0x21, 6, b"12")


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b"", "empty reply"),
        (b"?90030:9211<", "timer frame byte 1: expected car address '1'..'8', got '9'"),
        (b"?20030:9214<", "timer frame byte 10: expected sensor group '1'..'3', got '4'"),
        (b"?2003A:9211<", "timer frame byte 5: expected a nibble character"),
        (b"?2003037?>1", "timer frame is 11 bytes: expected 12"),
        (b"?:>>>>>>>>06008", "status frame is 15 bytes: expected 16 or 18"),
        (b"?:>>>>>>>>060089", "status frame byte 15: checksum mismatch"),
        (b"05321<", "version frame byte 5: checksum mismatch"),
        (b"x", "reply byte 0: expected"),
        (b"##", "'#' must stand alone"),
    ],
)
def test_malformed_reply_names_position_and_expectation(frame: bytes, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message.replace("?", r"\?").replace(".", r"\.")):
        decode_reply(frame)


@pytest.mark.parametrize(
    ("body", "request_"),
    [
        (b"?", PollRequest()),
        (b"0", VersionRequest()),
        (b"=101", ResetRequest()),
        (b":0<<", MaskRequest(0xC0)),
        (b"T22", ButtonRequest(2)),
        (b"J6:415", WordRequest(6, 5, 4, 1)),
        (b"GB2", UnknownRequest(b"GB2")),
    ],
)
def test_requests_decode_as_the_cu_reads_them(body: bytes, request_) -> None:
    assert decode_request(body) == request_
    assert encode_request(request_) == body


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"T2", "button request is 2 bytes: expected 3"), (b"J6:414", "checksum mismatch")],
)
def test_malformed_requests_raise_remote_protocol_error(body: bytes, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        decode_request(body)
