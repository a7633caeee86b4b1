"""Peer conformance with carreralib 2.0.0: what we encode, carreralib's ``protocol.unpack``
reads back; what carreralib's ``protocol.pack`` builds, we decode to the same values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slotrace_carrera.protocol import (
    ButtonRequest,
    MaskRequest,
    ResetRequest,
    StatusReply,
    TimerReply,
    VersionReply,
    VersionRequest,
    WordRequest,
    decode_reply,
    decode_request,
    encode_commands,
    encode_reply,
)

from . import strategies

carrera_protocol = pytest.importorskip("carreralib.protocol")

# carreralib's own request formats (cu.py), keyed by command letter.
REQUEST_FORMATS = {b"J": "cBYYC", b":": "cBC", b"T": "cYC", b"=": "cYYC", b"0": "c"}


@given(strategies.commands)
def test_carreralib_unpacks_every_command_we_encode(command) -> None:
    for body in encode_commands(command):
        fields = carrera_protocol.unpack(REQUEST_FORMATS[body[:1]], body)  # checks the checksum
        request = decode_request(body)
        if isinstance(request, WordRequest):
            word_and_address, value, repeat = fields[1:]
            assert word_and_address == request.word | request.address << 5
            assert (value, repeat) == (request.value, request.repeat)
        elif isinstance(request, MaskRequest):
            assert fields[1:] == (request.mask,)
        elif isinstance(request, ButtonRequest):
            assert fields[1:] == (request.button,)
        elif isinstance(request, ResetRequest):
            assert fields[1:] == (1, 0)
        else:
            assert isinstance(request, VersionRequest) and fields == (b"0",)


@given(strategies.timer_replies)
def test_timer_frames_agree_both_ways(reply: TimerReply) -> None:
    packed = carrera_protocol.pack("cYIYC", b"?", reply.address, reply.timestamp_ms, reply.sector)
    assert decode_reply(packed) == reply
    assert carrera_protocol.unpack("xYIYC", encode_reply(reply)) == (
        reply.address,
        reply.timestamp_ms,
        reply.sector,
    )


@given(strategies.status_replies.filter(lambda s: s.extra in (b"", b"00")))
def test_status_frames_agree_both_ways(reply: StatusReply) -> None:
    fields = (*reply.fuel, reply.start, reply.mode, reply.pit, reply.display)
    long_form = bool(reply.extra)
    packed = carrera_protocol.pack("cc8YYYBYxxC" if long_form else "cc8YYYBYC", b"?", b":", *fields)
    assert decode_reply(packed) == reply
    unpack_format = "2x8YYYBYxxC" if long_form else "2x8YYYBYC"
    assert carrera_protocol.unpack(unpack_format, encode_reply(reply)) == fields


@given(strategies.version_replies.filter(lambda v: v.version.isdigit()))
def test_version_frames_agree_both_ways(reply: VersionReply) -> None:
    packed = carrera_protocol.pack("c4sC", b"0", reply.version.encode())
    assert decode_reply(packed) == reply
    assert carrera_protocol.unpack("x4sC", encode_reply(reply)) == (reply.version.encode(),)


@given(st.integers(0, 31), st.integers(0, 7), st.integers(0, 15), st.integers(1, 15))
def test_word_requests_packed_by_carreralib_decode_as_the_cu_reads_them(
    word: int, address: int, value: int, repeat: int
) -> None:
    body = carrera_protocol.pack("cBYYC", b"J", word | address << 5, value, repeat)
    assert decode_request(body) == WordRequest(word, address, value, repeat)


def test_carreralib_test_vectors_decode_identically() -> None:
    # carreralib's own test frames; its unpack and our decoder agree on every field.
    assert carrera_protocol.unpack("x4sC", b"05321;") == (b"5321",)
    assert decode_reply(b"05321;") == VersionReply("5321")
    for frame in (b"?2003037?>1=", b"?20030:9211<", b"?200301<?618"):
        address, timestamp, sector = carrera_protocol.unpack("xYIYC", frame)
        assert decode_reply(frame) == TimerReply(address, timestamp, sector)
