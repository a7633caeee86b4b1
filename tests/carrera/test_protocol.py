"""Codec tests: real frames of reference §2.3/§7.2 decode to the right values, commands
encode to the bytes carreralib sends, and malformed frames raise RemoteProtocolError only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from slotrace_carrera.protocol import (
    ButtonRequest,
    DeviceConnection,
    Framing,
    HostConnection,
    MaskRequest,
    PollRequest,
    ResetRequest,
    StatusReply,
    UnknownRequest,
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

from . import strategies
from .frames import CASE_IDS, REPLY_CASES, Bad

# Outgoing frames of reference §7.2 (carreralib column) and §2.3.
OUTGOING = [
    (ClearPositions(), b"J60910"),
    (SetPosition(car=6, position=4), b"J6:415"),
    (SetSpeed(car=1, level=1.0), b"J00?21"),
    (SetRaceFinished(car=3), b"J7411="),
    (SetIgnoreMask(frozenset({7, 8})), b":0<<"),
    (SetIgnoreMask(frozenset(range(1, 9))), b":??>"),
    (SetIgnoreMask(frozenset()), b":000"),
    (ResetTimer(), b"=101"),
    (PressButton(Button.START), b"T22"),
    (PressButton(Button.PACE_CAR), b"T11"),
    # the neutral keys land on the Control Unit's own T ids (reference: 5 SPEED .. 8 CODE)
    (PressButton(Button.SPEED), b"T55"),
    (PressButton(Button.BRAKE), b"T66"),
    (PressButton(Button.FUEL), b"T77"),
    (PressButton(Button.CODE), b"T88"),
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


@pytest.mark.parametrize(("lap", "shown"), [(0, 0), (249, 249), (250, 0), (251, 1), (300, 50),
                                           (499, 249), (500, 0), (1234, 234)])
def test_lap_counter_beyond_the_tower_wraps_at_250(lap: int, shown: int) -> None:
    high, low = (decode_request(body) for body in encode_commands(SetLapCounter(lap)))
    assert (high.value << 4 | low.value) == shown


def test_lap_counter_through_encode_command_points_to_encode_commands() -> None:
    with pytest.raises(LocalProtocolError, match="encode_commands"):
        encode_command(SetLapCounter(3))


@pytest.mark.parametrize(
    ("command", "word", "address"),
    [(SetSpeed(3, 0.6), 0, 2), (SetBrake(8, 0.6), 1, 7), (SetFuel(4, 0.6), 2, 3)],
)
def test_tuning_words_address_car_minus_one_and_repeat_twice(command, word, address) -> None:
    assert decode_request(encode_command(command)) == WordRequest(word, address, 9, 2)


@pytest.mark.parametrize("car", [5, 6, 7, 8])
def test_fuel_of_cars_above_4_is_refused_with_a_reason(car: int) -> None:
    with pytest.raises(LocalProtocolError, match=f"car {car}"):
        encode_command(SetFuel(car, 0.7))


def test_checksum_excludes_command_letter_as_slotbaer_reset_shows() -> None:
    assert checksum(b"10") == 1
    assert encode_command(ResetTimer())[-1:] == b"1"


@pytest.mark.parametrize(("frame", "expected"), REPLY_CASES, ids=CASE_IDS)
def test_reply_table_decodes(frame: bytes, expected) -> None:
    if isinstance(expected, Bad):
        with pytest.raises(RemoteProtocolError) as caught:
            decode_reply(frame)
        assert expected.message in str(caught.value)
        assert caught.value.data == frame
    else:
        assert decode_reply(frame) == expected
        assert encode_reply(expected) == frame


def test_esp32_example_frame_with_wrong_checksum_is_rejected_naming_the_byte() -> None:
    with pytest.raises(RemoteProtocolError, match="byte 11: checksum mismatch: expected '0'"):
        decode_reply(b"?100003:101=")


def test_18_byte_status_is_told_apart_by_length_and_keeps_extra() -> None:
    frame = encode_reply(StatusReply((15, 14, 13, 12, 0, 0, 0, 0), 3, 5, 0x21, 6, b"12"))
    assert len(frame) == 18
    assert decode_reply(frame) == StatusReply((15, 14, 13, 12, 0, 0, 0, 0), 3, 5, 0x21, 6, b"12")


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


@given(strategies.replies)
def test_every_reply_round_trips_through_the_codec_and_both_framings(reply) -> None:
    frame = encode_reply(reply)
    assert decode_reply(frame) == reply
    for framing in Framing:
        wire = DeviceConnection(framing).frame_reply(frame)
        assert HostConnection(framing).receive_data(wire) == [reply]


@given(strategies.requests)
def test_every_request_round_trips_through_the_codec_and_both_framings(request_) -> None:
    body = encode_request(request_)
    assert decode_request(body) == request_
    for framing in Framing:
        wire = HostConnection(framing).frame_request(body)
        assert DeviceConnection(framing).receive_data(wire) == [request_]


@given(strategies.commands)
def test_every_command_encodes_to_requests_the_cu_understands(command) -> None:
    for body in encode_commands(command):
        request_ = decode_request(body)
        assert not isinstance(request_, UnknownRequest)
        assert encode_request(request_) == body


@given(strategies.checksummed_replies, st.integers(1, 15))
def test_a_corrupted_checksum_is_always_rejected(reply, delta: int) -> None:
    frame = bytearray(encode_reply(reply))
    frame[-1] = 0x30 + ((frame[-1] - 0x30 + delta) & 0x0F)
    with pytest.raises(RemoteProtocolError, match="checksum mismatch"):
        decode_reply(bytes(frame))


@given(st.binary(max_size=40))
def test_arbitrary_bytes_raise_only_remote_protocol_error(data: bytes) -> None:
    for decode in (decode_reply, decode_request):
        try:
            decode(data)
        except RemoteProtocolError as error:
            assert error.data == data
