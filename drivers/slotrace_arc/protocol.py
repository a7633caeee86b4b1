"""Provides the Scalextric ARC powerbase protocol, sans-I/O: characteristic UUIDs, the Command
write, Slot / Throttle / Track notification decoders and `LapDetector`, which turns Slot
snapshots into crossings on clock epochs.

Facts and their certainty are listed in docs/arc.md. No sockets, clocks or threads here:
bytes in, values out.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from slotrace.drivers_api import (
    CarPassed,
    EpochStarted,
    LocalProtocolError,
    RemoteProtocolError,
    level_steps,
)

SERVICE = 0x3B08


def _uuid(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


SERVICE_UUID = _uuid(SERVICE)
THROTTLE_UUID = _uuid(0x3B09)
COMMAND_UUID = _uuid(0x3B0A)
SLOT_UUID = _uuid(0x3B0B)
TRACK_UUID = _uuid(0x3B0C)
CAR_ID_UUID = _uuid(0x3B0D)
PROFILE_UUIDS = tuple(_uuid(0xFF01 + index) for index in range(6))
"""Throttle profile characteristics of cars 1..6."""

ADVERTISED_PREFIX = "scalextric arc"
"""The advertised name is "Scalextric ARC" plus two spaces: match the prefix, case-blind."""

CARS = 6
"""Digital car IDs 1..6 (analog mode: 1..2)."""
TICK_MS = 10
"""One Slot / Throttle timestamp tick is 10 ms (hardware-measured; the maker's doc says 1 ms)."""
COMMAND_LENGTH = 20
FULL_POWER = 0x3F
DIRECT_DRIVE = 0x80
TICK_WRAP = 1 << 32


class RaceState(enum.IntEnum):
    """Byte 0 of the Command write: track power and what the timestamp clock does."""

    NO_POWER_TIMER_STOPPED = 0
    """Clock zeroed and stopped."""
    NO_POWER_TIMER_TICKING = 1
    """Clock zeroed and held at 0 until `POWER_ON_RACING` (despite the name)."""
    POWER_ON_RACE_TRIGGER = 2
    """Clock halted ("yellow flag")."""
    POWER_ON_RACING = 3
    """Normal racing: the clock ticks, car output = trigger x power multiplier."""
    POWER_ON_TIMER_HALT = 4
    """Clock halted; on an ARC Pro the track power is cut."""

    @property
    def clock_runs(self) -> bool:
        return self is RaceState.POWER_ON_RACING


def power_multiplier(level: float) -> int:
    """The power multiplier 0..63 for a neutral speed level 0.0..1.0 (`SetSpeed`): 0.0 stops
    the car, 1.0 is full power; levels between are nominal (hardware found the response
    non-linear)."""
    if not 0.0 <= level <= 1.0:
        raise LocalProtocolError(f"speed must be a fraction 0.0..1.0, got {level}")
    return level_steps(level, FULL_POWER)


REBOOT = 5
"""Command 5 puts the track CPU into firmware-update mode: never sent, refused by `command`."""


@dataclass(frozen=True, slots=True)
class Command:
    """The 20-byte Command write.

    Attributes:
        state: race state (byte 0).
        power: power multiplier 0..63 of cars 1..6 (bytes 1..6, bit 7 clear).
        direct: cars 1..6 driven by the host at ``power`` level (bit 7 set), ghost cars.
        rumble: rumble 0..255 of cars 1..6 (bytes 7..12).
        kers: cars whose KERS is triggered (byte 19).
    """

    state: RaceState = RaceState.POWER_ON_RACING
    power: tuple[int, ...] = (FULL_POWER,) * CARS
    direct: frozenset[int] = frozenset()
    rumble: tuple[int, ...] = (0,) * CARS
    kers: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if len(self.power) != CARS or any(not 0 <= p <= FULL_POWER for p in self.power):
            raise LocalProtocolError(f"power must be {CARS} multipliers 0..63, got {self.power}")
        if len(self.rumble) != CARS or any(not 0 <= r <= 255 for r in self.rumble):
            raise LocalProtocolError(f"rumble must be {CARS} values 0..255, got {self.rumble}")
        for car in self.direct | self.kers:
            if not 1 <= car <= CARS:
                raise LocalProtocolError(f"car must be 1..{CARS}, got {car}")

    def encode(self) -> bytes:
        """The bytes to write to `COMMAND_UUID` (brake bytes 13..18 reserved: 0)."""
        power = bytes(
            p | (DIRECT_DRIVE if car in self.direct else 0)
            for car, p in enumerate(self.power, start=1)
        )
        kers = sum(1 << (car - 1) for car in self.kers)
        return bytes([self.state]) + power + bytes(self.rumble) + bytes(CARS) + bytes([kers])


def decode_command(data: bytes) -> Command:
    """The Command a write carries (the simulator's side).

    Raises:
        LocalProtocolError: wrong length, command 5 (reboot) or an unknown state.
    """
    if len(data) != COMMAND_LENGTH:
        raise LocalProtocolError(f"a Command write is {COMMAND_LENGTH} bytes, got {len(data)}")
    if data[0] == REBOOT:
        raise LocalProtocolError("command 5 (reboot into firmware update) is never allowed")
    try:
        state = RaceState(data[0])
    except ValueError:
        raise LocalProtocolError(f"unknown race state {data[0]} in byte 0") from None
    power = tuple(b & FULL_POWER for b in data[1:7])
    direct = frozenset(car for car, b in enumerate(data[1:7], start=1) if b & DIRECT_DRIVE)
    kers = frozenset(car for car in range(1, CARS + 1) if data[19] & (1 << (car - 1)))
    return Command(state, power, direct, tuple(data[7:13]), kers)


@dataclass(frozen=True, slots=True)
class SlotReport:
    """One Slot notification: the last crossings of one car, in ticks (0 = none since reset).

    Attributes:
        sequence: packet counter byte.
        car: car ID 1..6.
        finish: last start/finish crossing on lane 1 and lane 2.
        second: last crossing of the powerbase's second sensor on lane 1 and lane 2.
    """

    sequence: int
    car: int
    finish: tuple[int, int]
    second: tuple[int, int]

    def encode(self) -> bytes:
        return struct.pack("<BB4I2x", self.sequence, self.car, *self.finish, *self.second)


def decode_slot(data: bytes) -> SlotReport:
    """Decode a Slot notification (18 bytes per the maker's doc, 20 on hardware).

    Raises:
        RemoteProtocolError: too short or a car ID outside 1..6.
    """
    if len(data) < 18:
        raise RemoteProtocolError(f"Slot notification of {len(data)} bytes (expected 20)", data)
    sequence, car, l1, l2, s1, s2 = struct.unpack_from("<BB4I", data)
    if not 1 <= car <= CARS:
        raise RemoteProtocolError(f"Slot notification for car {car} (expected 1..{CARS})", data)
    return SlotReport(sequence, car, (l1, l2), (s1, s2))


@dataclass(frozen=True, slots=True)
class ThrottleReport:
    """One Throttle notification: controllers and a live reading of the tick clock.

    Attributes:
        sequence: packet counter.
        trigger: trigger position 0..63 of cars 1..6.
        ticks: the timestamp clock now (same clock as the Slot stamps).
        digital: digital mode (else analog).
        controllers: cars whose controller is present (version byte not 0xFF).
    """

    sequence: int
    trigger: tuple[int, ...]
    ticks: int
    digital: bool
    controllers: frozenset[int]

    def encode(self) -> bytes:
        versions = bytes(0x0D if car in self.controllers else 0xFF for car in range(1, CARS + 1))
        return (
            bytes([self.sequence, *self.trigger])
            + struct.pack("<I", self.ticks)
            + bytes([1 if self.digital else 0, 0, 0])
            + versions
        )


def decode_throttle(data: bytes) -> ThrottleReport:
    """Decode a Throttle notification (20 bytes).

    Raises:
        RemoteProtocolError: shorter than 20 bytes.
    """
    if len(data) < 20:
        raise RemoteProtocolError(f"Throttle notification of {len(data)} bytes (expected 20)", data)
    (ticks,) = struct.unpack_from("<I", data, 7)
    trigger = tuple(b & 0x3F for b in data[1:7])
    present = frozenset(car for car, b in enumerate(data[14:20], start=1) if b != 0xFF)
    return ThrottleReport(data[0], trigger, ticks, bool(data[11] & 1), present)


class LaneStatus(enum.IntEnum):
    """A lane's state in a Track notification."""

    NORMAL = 0
    OVER_CURRENT = 1
    UNDER_VOLTAGE = 2


@dataclass(frozen=True, slots=True)
class TrackReport:
    """One Track notification: the lanes' power state and when the last fault happened."""

    sequence: int
    lanes: tuple[LaneStatus, LaneStatus]
    ticks: int

    def encode(self) -> bytes:
        return bytes([self.sequence, *self.lanes]) + struct.pack("<I", self.ticks)


def decode_track(data: bytes) -> TrackReport:
    """Decode a Track notification (7 bytes).

    Raises:
        RemoteProtocolError: wrong length or an unknown lane status.
    """
    if len(data) < 7:
        raise RemoteProtocolError(f"Track notification of {len(data)} bytes (expected 7)", data)
    try:
        lanes = (LaneStatus(data[1]), LaneStatus(data[2]))
    except ValueError:
        raise RemoteProtocolError(f"unknown lane status in {data[1:3].hex(' ')}", data) from None
    return TrackReport(data[0], lanes, struct.unpack_from("<I", data, 3)[0])


def linear_profile_blocks() -> tuple[bytes, ...]:
    """The four 20-byte writes of the linear default throttle curve (entry i = 4(i+1) - 1)."""
    table = [256 * (i + 1) // 64 - 1 for i in range(64)]
    return tuple(
        bytes([block, *table[16 * block : 16 * block + 16]]) + bytes(3) for block in range(4)
    )


class LapDetector:
    """Turns Slot snapshots into `CarPassed` events, numbering device-clock epochs.

    Baselines survive reconnects (a crossing made while disconnected is still in the snapshot
    and is reported once); the first snapshot of each car only seeds its baseline. A stamp
    that goes backwards means the base's clock was zeroed: one new epoch per reset, not one
    per car. Crossings are reported on sensor group 1; the lane is kept in `last_lane`.

    Args:
        epoch: the epoch the current clock belongs to.
    """

    def __init__(self, epoch: int = 0) -> None:
        self.epoch = epoch
        self._baseline: dict[int, tuple[tuple[int, int], int]] = {}
        self.last_lane: dict[int, int] = {}
        self._last_ticks: int | None = None
        self._ticks_before_reset: int | None = None

    def new_epoch(self, reason: str) -> EpochStarted:
        """Start an epoch because we zeroed the clock (timer reset); returns the event."""
        self._ticks_before_reset = self._last_ticks
        return self._next_epoch(reason)

    def _next_epoch(self, reason: str) -> EpochStarted:
        self.epoch += 1
        return EpochStarted(self.epoch, reason)

    def clock(self, ticks: int) -> list[EpochStarted]:
        """Note a live clock reading (Throttle heartbeat); a backwards step starts an epoch."""
        if self._ticks_before_reset is not None:
            if ticks >= self._ticks_before_reset:
                return []  # read before our reset reached the base
            self._ticks_before_reset = None
            self._last_ticks = ticks
            return []
        last, self._last_ticks = self._last_ticks, ticks
        if last is not None and ticks < last:
            return [
                self._next_epoch(f"the powerbase clock went back {(last - ticks) * TICK_MS} ms")
            ]
        return []

    def receive(self, report: SlotReport) -> list[CarPassed | EpochStarted]:
        """Events one Slot snapshot implies, in time order."""
        seen = self._baseline.get(report.car)
        self._baseline[report.car] = (report.finish, self.epoch)
        if seen is None:
            return []
        (old, epoch) = seen
        out: list[CarPassed | EpochStarted] = []
        if epoch == self.epoch and any(n < o for n, o in zip(report.finish, old, strict=True)):
            out.append(self._next_epoch("the powerbase clock was zeroed"))
            self._baseline[report.car] = (report.finish, self.epoch)
            old = (0, 0)
        elif epoch != self.epoch:
            if report.finish == old and any(old):
                self._baseline[report.car] = seen  # sent before the reset reached the base
                return []
            old = (0, 0)  # the clock was zeroed since this car's last snapshot
        crossings = sorted(
            (new, lane)
            for lane, (new, before) in enumerate(zip(report.finish, old, strict=True), start=1)
            if new != before and new > 0
        )
        for ticks, lane in crossings:
            self.last_lane[report.car] = lane
            out.append(CarPassed(report.car, 1, ticks * TICK_MS, self.epoch))
        return out
