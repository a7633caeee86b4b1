"""ARC protocol: the reference's byte examples decode and encode, and Slot snapshots become
crossings exactly once, on the right clock epoch."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slotrace.drivers_api import CarPassed, EpochStarted, LocalProtocolError, RemoteProtocolError
from slotrace_arc.protocol import (
    Command,
    LapDetector,
    RaceState,
    SlotReport,
    decode_command,
    decode_slot,
    decode_throttle,
    decode_track,
    linear_profile_blocks,
    power_multiplier,
)


def test_full_power_racing_command() -> None:
    assert Command().encode() == bytes.fromhex("03 3F 3F 3F 3F 3F 3F") + bytes(13)


def test_mixed_command_example() -> None:
    command = Command(
        power=(0x3F, 0x20, 0x3F, 0x3F, 0x3F, 0x18), direct=frozenset({6}), kers=frozenset({1})
    )
    expected = "03 3F 20 3F 3F 3F 98 00 00 00 00 00 00 00 00 00 00 00 00 01"
    assert command.encode() == bytes.fromhex(expected)
    assert decode_command(command.encode()) == command


def test_reboot_and_bad_lengths_are_refused() -> None:
    with pytest.raises(LocalProtocolError, match="command 5"):
        decode_command(bytes([5]) + bytes(19))
    with pytest.raises(LocalProtocolError, match="20 bytes"):
        decode_command(bytes(18))
    with pytest.raises(LocalProtocolError, match=r"0\.\.63"):
        Command(power=(64,) * 6)


def test_slot_example() -> None:
    report = decode_slot(bytes.fromhex("2A 03 40 E2 01 00") + bytes(14))
    assert report == SlotReport(0x2A, 3, (123456, 0), (0, 0))
    assert decode_slot(report.encode()) == report


def test_throttle_example() -> None:
    data = bytes.fromhex("10 68 BF 00 00 00 00 CD 81 01 00 09 12 21 0D 0D FF FF FF FF")
    report = decode_throttle(data)
    assert report.ticks == 98765
    assert report.trigger[:2] == (40, 63)
    assert report.digital
    assert report.controllers == {1, 2}


def test_track_and_profiles() -> None:
    track = decode_track(bytes([7, 1, 0, 10, 0, 0, 0]))
    assert track.lanes[0].name == "OVER_CURRENT" and track.ticks == 10
    blocks = linear_profile_blocks()
    assert blocks[0] == bytes.fromhex("00 03 07 0B 0F 13 17 1B 1F 23 27 2B 2F 33 37 3B 3F 00 00 00")
    assert blocks[3] == bytes.fromhex("03 C3 C7 CB CF D3 D7 DB DF E3 E7 EB EF F3 F7 FB FF 00 00 00")


@given(st.binary(max_size=30))
def test_arbitrary_bytes_raise_only_our_error(data: bytes) -> None:
    for decode in (decode_slot, decode_throttle, decode_track):
        with contextlib.suppress(RemoteProtocolError):
            decode(data)


def _slot(car: int, lane1: int, lane2: int = 0) -> SlotReport:
    return SlotReport(0, car, (lane1, lane2), (0, 0))


def test_first_snapshot_seeds_without_phantom_laps() -> None:
    detector = LapDetector()
    assert detector.receive(_slot(1, 5000)) == []
    assert detector.receive(_slot(1, 5000)) == []
    assert detector.receive(_slot(1, 5520)) == [CarPassed(1, 1, 55200, 0)]


def test_lane_change_reports_the_new_lane() -> None:
    detector = LapDetector()
    detector.receive(_slot(2, 100, 0))
    assert detector.receive(_slot(2, 100, 650)) == [CarPassed(2, 1, 6500, 0)]
    assert detector.last_lane[2] == 2


def test_clock_zeroed_starts_one_epoch_not_one_per_car() -> None:
    detector = LapDetector()
    detector.receive(_slot(1, 9000))
    detector.receive(_slot(2, 9100))
    events = detector.receive(_slot(1, 300))
    assert events == [EpochStarted(1, "the powerbase clock was zeroed"), CarPassed(1, 1, 3000, 1)]
    assert detector.receive(_slot(2, 410)) == [CarPassed(2, 1, 4100, 1)]


def test_heartbeat_going_back_starts_an_epoch() -> None:
    detector = LapDetector()
    assert detector.clock(1000) == []
    assert detector.clock(1030) == []
    (event,) = detector.clock(10)
    assert event.epoch == 1


def test_snapshot_sent_before_our_reset_is_not_a_lap() -> None:
    detector = LapDetector()
    detector.receive(_slot(1, 9000))
    detector.new_epoch("timer reset by race control")
    assert detector.receive(_slot(1, 9000)) == []
    assert detector.receive(_slot(1, 0)) == []
    assert detector.receive(_slot(1, 520)) == [CarPassed(1, 1, 5200, 1)]


def test_race_state_clock() -> None:
    assert RaceState.POWER_ON_RACING.clock_runs
    assert not RaceState.POWER_ON_TIMER_HALT.clock_runs


def test_heartbeat_after_a_detected_reset_keeps_counting() -> None:
    detector = LapDetector()
    detector.clock(5000)
    detector.clock(20)
    assert detector.clock(50) == []
    assert [e.epoch for e in detector.clock(10)] == [2]


def test_our_reset_absorbs_stale_and_zeroed_heartbeats() -> None:
    detector = LapDetector()
    detector.clock(5000)
    detector.new_epoch("timer reset by race control")
    assert detector.clock(5030) == []  # read before the reset
    assert detector.clock(0) == []
    assert detector.clock(30) == []
    assert detector.epoch == 1


@pytest.mark.parametrize(("level", "multiplier"), [(0.0, 0), (0.5, 32), (0.6, 38), (1.0, 0x3F)])
def test_a_speed_level_is_a_power_multiplier(level: float, multiplier: int) -> None:
    assert power_multiplier(level) == multiplier


def test_a_speed_beyond_the_range_is_our_error() -> None:
    with pytest.raises(LocalProtocolError, match=r"0\.0\.\.1\.0"):
        power_multiplier(1.5)
