"""Framer tests: the reply table through `HostConnection` whole, byte by byte and with the
next frame's start attached (serial and BLE), `#` handling, bounded buffers, and the CU side."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slotrace_carrera.protocol import (
    MAX_MESSAGE_SIZE,
    BadFrame,
    ButtonRequest,
    DeviceConnection,
    Framing,
    HostConnection,
    PollRequest,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
    VersionRequest,
    WordRequest,
)

from .frames import CASE_IDS, REPLY_CASES, RESYNCED, Bad

NEXT_FRAME = b"?20030:9211<"
NEXT_REPLY = TimerReply(2, 236050, 1)


def assert_matches(results: list, expected, frame: bytes) -> None:
    if frame in RESYNCED and len(results) == 2:
        (noise, reply), (bad, good) = RESYNCED[frame], results
        assert isinstance(bad, BadFrame) and noise.message in str(bad.error)
        assert good == reply
        return
    assert len(results) == 1, results
    (result,) = results
    if isinstance(expected, Bad):
        assert isinstance(result, BadFrame), result
        assert result.data == frame
        assert expected.message in str(result.error)
    else:
        assert result == expected


@pytest.mark.parametrize(("frame", "expected"), REPLY_CASES, ids=CASE_IDS)
def test_serial_whole_bytewise_and_with_trailing_bytes(frame: bytes, expected) -> None:
    wire = frame + b"$"
    assert_matches(HostConnection(Framing.SERIAL).receive_data(wire), expected, frame)

    bytewise = HostConnection(Framing.SERIAL)
    results = [item for byte in wire for item in bytewise.receive_data(bytes((byte,)))]
    assert_matches(results, expected, frame)

    trailing = HostConnection(Framing.SERIAL)
    assert_matches(trailing.receive_data(wire + NEXT_FRAME[:5]), expected, frame)
    assert trailing.receive_data(NEXT_FRAME[5:] + b"$") == [NEXT_REPLY]


@pytest.mark.parametrize(("frame", "expected"), REPLY_CASES, ids=CASE_IDS)
def test_ble_notification_as_the_cu_sends_it(frame: bytes, expected) -> None:
    # Version and poll replies lose their leading letter and gain a '$'; others go as they are.
    notification = frame[1:] + b"$" if frame[:1] in (b"0", b"?") else frame
    results = HostConnection(Framing.BLE).receive_data(notification)
    if isinstance(expected, Bad):
        assert len(results) == 1 and isinstance(results[0], BadFrame)
        assert results[0].data == notification
    else:
        assert results == [expected]
    assert DeviceConnection(Framing.BLE).frame_reply(frame) == notification


def test_lone_hash_is_a_complete_reply_with_or_without_dollar() -> None:
    host = HostConnection(Framing.SERIAL)
    assert host.receive_data(b"#") == [UnknownCommandReply()]
    assert host.receive_data(b"05321;$#$#") == [
        VersionReply("5321"),
        UnknownCommandReply(),
        UnknownCommandReply(),
    ]
    assert host.receive_data(b"$" + NEXT_FRAME + b"$") == [NEXT_REPLY]


def test_hash_inside_a_frame_does_not_split_it() -> None:
    (result,) = HostConnection(Framing.SERIAL).receive_data(b"?20#30:9211<$")
    assert isinstance(result, BadFrame)
    assert "byte 3" in str(result.error)


def test_empty_message_is_a_bad_frame() -> None:
    (result,) = HostConnection(Framing.SERIAL).receive_data(b"$")
    assert isinstance(result, BadFrame) and "empty reply" in str(result.error)


def test_garbage_without_terminator_is_cut_into_bounded_bad_frames() -> None:
    host = HostConnection(Framing.SERIAL)
    results = host.receive_data(b"x" * (3 * MAX_MESSAGE_SIZE + 5))
    assert [len(r.data) for r in results] == [MAX_MESSAGE_SIZE] * 3
    assert all("without a terminating '$'" in str(r.error) for r in results)
    assert host.receive_data(b"$" + NEXT_FRAME + b"$")[-1] == NEXT_REPLY


def test_frame_request_wraps_serial_and_leaves_ble_bare() -> None:
    assert HostConnection(Framing.SERIAL).frame_request(b"?") == b'"?$'
    assert HostConnection(Framing.BLE).frame_request(b"J60910") == b"J60910"


def test_device_frames_serial_replies_with_dollar_but_hash_alone() -> None:
    device = DeviceConnection(Framing.SERIAL)
    assert device.frame_reply(b"05321;") == b"05321;$"
    assert device.frame_reply(b"#") == b"#"


def test_device_reads_serial_requests_and_reports_junk_and_cut_requests() -> None:
    device = DeviceConnection(Framing.SERIAL)
    results = device.receive_data(b'xx"?$"0$"J6:415$"?"T22$"T2')
    assert results[1:4] == [PollRequest(), VersionRequest(), WordRequest(6, 5, 4, 1)]
    assert isinstance(results[0], BadFrame) and results[0].data == b"xx"
    assert isinstance(results[4], BadFrame) and "cut off" in str(results[4].error)
    assert results[5] == ButtonRequest(2)
    assert device.receive_data(b"2$") == [ButtonRequest(2)]


def test_device_reads_one_ble_write_as_one_request() -> None:
    assert DeviceConnection(Framing.BLE).receive_data(b"?") == [PollRequest()]
    (bad,) = DeviceConnection(Framing.BLE).receive_data(b"T2")
    assert isinstance(bad, BadFrame)


def _comparable(items: list) -> list:
    """Exceptions do not compare equal; compare bad frames by their bytes and message."""
    return [(i.data, str(i.error)) if isinstance(i, BadFrame) else i for i in items]


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


WIRE_ALPHABET = st.sampled_from([*list(b'?:0123=<#$"J8x'), 0, 255])


@given(st.lists(WIRE_ALPHABET, max_size=200).map(bytes), st.lists(st.integers(0, 400)))
def test_host_output_never_depends_on_how_bytes_are_split(data: bytes, cuts: list[int]) -> None:
    whole = HostConnection(Framing.SERIAL).receive_data(data)
    split = HostConnection(Framing.SERIAL)
    pieces = [item for chunk in _split(data, cuts) for item in split.receive_data(chunk)]
    assert _comparable(pieces) == _comparable(whole)


@given(st.lists(WIRE_ALPHABET, max_size=200).map(bytes), st.lists(st.integers(0, 400)))
def test_device_output_never_depends_on_how_bytes_are_split(data: bytes, cuts: list[int]) -> None:
    whole = DeviceConnection(Framing.SERIAL).receive_data(data)
    split = DeviceConnection(Framing.SERIAL)
    pieces = [item for chunk in _split(data, cuts) for item in split.receive_data(chunk)]
    assert _comparable(pieces) == _comparable(whole)


@given(st.binary(max_size=300))
def test_framers_never_raise_on_arbitrary_bytes(data: bytes) -> None:
    for framing in Framing:
        for item in HostConnection(framing).receive_data(data):
            assert not isinstance(item, BadFrame) or item.error.data is not None
        DeviceConnection(framing).receive_data(data)


TIMER_A = b"?2003037?>1="
TIMER_B = b"?20030:9211<"
STATUS = b"?:>>>>>>>>060088"


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        # a reply that lost its '$' does not take the next intact reply with it
        (TIMER_A + TIMER_B + b"$", [TimerReply(2, 226287, 1), TimerReply(2, 236050, 1)]),
        (STATUS + TIMER_A + b"$", ["status", TimerReply(2, 226287, 1)]),
        # a noise byte before a reply, or between two replies
        (
            b"\x07" + TIMER_A + b"$" + b"~" + TIMER_B + b"$",
            ["bad", TimerReply(2, 226287, 1), "bad", TimerReply(2, 236050, 1)],
        ),
        # a garbled reply with a lost '$' glued to an intact one: only the garbled one is lost
        (TIMER_A[:-1] + b"0" + TIMER_B + b"$", ["bad", TimerReply(2, 236050, 1)]),
    ],
    ids=["lost-dollar", "lost-dollar-after-status", "noise-bytes", "garbled-and-lost-dollar"],
)
def test_framer_resynchronises_at_the_next_reply(wire: bytes, expected: list) -> None:
    for chunks in ([wire], [bytes((b,)) for b in wire]):
        host = HostConnection(Framing.SERIAL)
        results = [item for chunk in chunks for item in host.receive_data(chunk)]
        kinds = [
            "bad"
            if isinstance(r, BadFrame)
            else "status"
            if type(r).__name__ == "StatusReply"
            else r
            for r in results
        ]
        assert kinds == expected
