"""Provides the simulator's ground-truth log: every crossing it queued and what became of it.

End-to-end tests compare a driver's output with this log programmatically: every crossing
in `TruthLog.delivered_intact` must appear exactly once in the driver's events, and the
reply fault counters must match the driver's bad-frame and timeout counters. The log keeps
the order in which the CU really handed crossings out (`TruthLog.handed_out`, reordered
ones where they went out), so every crossing is accounted for exactly: handed out once,
lost by the CU (overflow, power cycle), or still waiting in the CU's queue.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field


class Fate(enum.Enum):
    """What happened to one queued crossing (its first delivery)."""

    @property
    def handed_out(self) -> bool:
        """The CU took it off its queue and answered a poll with it (in any shape)."""
        return self in _HANDED_OUT

    QUEUED = "queued"
    """Still waiting in the CU's timer queue (never polled out)."""
    INTACT = "intact"
    """Sent once with a correct checksum."""
    CORRUPTED = "corrupted"
    """Sent with a wrong checksum; the host should reject it, the CU will not resend it."""
    DROPPED = "dropped"
    """Taken off the queue but never sent (the poll got no answer)."""
    OVERFLOWED = "overflowed"
    """Pushed out of a full queue before anyone polled it."""
    GARBLED = "garbled"
    """Sent once with an impossible timestamp and a matching checksum; the host must
    quarantine it (the CU will not resend it)."""
    POWER_CYCLED = "power cycled"
    """Still queued when the CU was power-cycled: the CU lost it."""


_HANDED_OUT = frozenset({Fate.INTACT, Fate.CORRUPTED, Fate.DROPPED, Fate.GARBLED})


class ReplyKind(enum.Enum):
    """Which kind of poll reply a fault hit."""

    TIMER = "timer"
    STATUS = "status"
    OTHER = "other"


@dataclass(slots=True)
class Crossing:
    """One sensor crossing the CU queued.

    Attributes:
        seq: 0-based order in which crossings were queued.
        car: controller address 1..8.
        sensor: sensor group 1..3.
        device_ms: the CU timestamp sent with it.
        timer_epoch: how many clock restarts (``=`` or a power cycle) happened before it.
        fate: what happened on its first delivery attempt.
        duplicates: how many extra identical copies were sent after an intact delivery.
        handed_out: its place (0-based) in the order the CU answered polls with crossings,
            reorder faults included; None while it is queued or if the CU lost it.
    """

    seq: int
    car: int
    sensor: int
    device_ms: int
    timer_epoch: int
    fate: Fate = Fate.QUEUED
    duplicates: int = 0
    handed_out: int | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        """``(car, sensor, device_ms)``, what a driver's ``CarPassed`` carries."""
        return (self.car, self.sensor, self.device_ms)

    def to_record(self) -> dict[str, object]:
        record = asdict(self)
        record["fate"] = self.fate.value
        return record


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A crossing the CU did not queue (masked car, or a car running on an empty tank)."""

    car: int
    sensor: int
    device_ms: int
    reason: str


@dataclass(slots=True)
class TruthLog:
    """The ground truth of one simulator run.

    Attributes:
        crossings: every queued crossing in queue order.
        suppressed: crossings that were not queued, with the reason.
        corrupted: corrupted poll replies by kind (timer / status / other).
        dropped: unanswered polls by kind.
        duplicated: timer frames sent a second time.
        hangups: times the server closed the link.
        unanswered_at_hangup: requests the server received but closed the link on instead
            of answering (the host sees them as lost, nothing was taken off the queue).
        dropped_then_hung_up: dropped replies whose host was still waiting when the link
            was closed (it sees a lost link there, not a timeout, if its timeout is longer).
        repeated: older intact timer frames sent again (non-consecutive repeats).
        reordered: polls answered with the second queued crossing first.
        garbled: timer frames sent with an impossible, checksum-valid timestamp.
        unterminated: poll replies sent without their ``$`` by kind (the host waits for
            it in vain: a timeout, after which it can still decode the whole reply).
        unterminated_then_hung_up: unterminated replies whose host was still waiting when
            the link was closed (a lost link there, not a timeout).
        noise: noise bytes sent before a reply (a host's bad frame each).
        power_cycles: times the CU was power-cycled.
    """

    crossings: list[Crossing] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    corrupted: dict[ReplyKind, int] = field(default_factory=lambda: dict.fromkeys(ReplyKind, 0))
    dropped: dict[ReplyKind, int] = field(default_factory=lambda: dict.fromkeys(ReplyKind, 0))
    duplicated: int = 0
    hangups: int = 0
    unanswered_at_hangup: int = 0
    dropped_then_hung_up: int = 0
    repeated: int = 0
    reordered: int = 0
    garbled: int = 0
    unterminated: dict[ReplyKind, int] = field(default_factory=lambda: dict.fromkeys(ReplyKind, 0))
    unterminated_then_hung_up: int = 0
    noise: int = 0
    power_cycles: int = 0
    _handout_order: list[int] = field(default_factory=list)
    _delivery_order: list[int] = field(default_factory=list)

    # --- recording (used by the model and the server) ---
    def queue(self, car: int, sensor: int, device_ms: int, timer_epoch: int) -> Crossing:
        crossing = Crossing(len(self.crossings), car, sensor, device_ms, timer_epoch)
        self.crossings.append(crossing)
        return crossing

    def deliver(self, crossing: Crossing, fate: Fate) -> None:
        """Record ``crossing``'s fate as it leaves the queue (handed out or lost)."""
        if crossing.fate is not Fate.QUEUED:
            raise ValueError(f"crossing {crossing.seq} already left the queue ({crossing.fate})")
        crossing.fate = fate
        if fate.handed_out:
            crossing.handed_out = len(self._handout_order)
            self._handout_order.append(crossing.seq)
        if fate is Fate.INTACT:
            self._delivery_order.append(crossing.seq)

    # --- queries ---
    def delivered_intact_epochs(self) -> list[int]:
        """The ``timer_epoch`` of each entry of `delivered_intact`, in the same order."""
        return [self.crossings[seq].timer_epoch for seq in self._delivery_order]

    @property
    def unterminated_replies(self) -> int:
        return sum(self.unterminated.values())

    def delivered_intact(self) -> list[tuple[int, int, int]]:
        """``(car, sensor, device_ms)`` of every crossing sent intact, in delivery order.

        Duplicated crossings appear once. A host that neither loses nor doubles laps
        reports exactly this sequence (per timer epoch).
        """
        return [self.crossings[seq].key for seq in self._delivery_order]

    def handed_out(self) -> list[Crossing]:
        """Every crossing the CU answered a poll with (intact, corrupted, dropped or
        garbled), in the order it did so: a reordered crossing stands where it went out."""
        return [self.crossings[seq] for seq in self._handout_order]

    def with_fate(self, fate: Fate) -> list[Crossing]:
        return [crossing for crossing in self.crossings if crossing.fate is fate]

    def still_queued(self) -> list[tuple[int, int, int]]:
        return [crossing.key for crossing in self.with_fate(Fate.QUEUED)]

    @property
    def corrupted_replies(self) -> int:
        """All poll replies sent with a bad checksum (a host's bad-frame count)."""
        return sum(self.corrupted.values())

    @property
    def dropped_replies(self) -> int:
        """All polls left unanswered on purpose (a host's timeout count, hang-ups aside)."""
        return sum(self.dropped.values())

    def summary(self) -> dict[str, int]:
        """Counters for a one-line report."""
        return {
            "queued": len(self.crossings),
            "intact": len(self._delivery_order),
            "corrupted_timer": len(self.with_fate(Fate.CORRUPTED)),
            "dropped_timer": len(self.with_fate(Fate.DROPPED)),
            "still_queued": len(self.with_fate(Fate.QUEUED)),
            "overflowed": len(self.with_fate(Fate.OVERFLOWED)),
            "duplicated": self.duplicated,
            "corrupted_replies": self.corrupted_replies,
            "dropped_replies": self.dropped_replies,
            "hangups": self.hangups,
            "unanswered_at_hangup": self.unanswered_at_hangup,
            "dropped_then_hung_up": self.dropped_then_hung_up,
            "repeated": self.repeated,
            "reordered": self.reordered,
            "garbled": self.garbled,
            "unterminated_replies": self.unterminated_replies,
            "unterminated_then_hung_up": self.unterminated_then_hung_up,
            "noise": self.noise,
            "power_cycles": self.power_cycles,
            "suppressed": len(self.suppressed),
        }

    def json_lines(self) -> Iterable[str]:
        """The log as JSON lines: one ``crossing`` per queued crossing, then a ``summary``."""
        for crossing in self.crossings:
            yield json.dumps({"type": "crossing", **crossing.to_record()})
        for item in self.suppressed:
            yield json.dumps({"type": "suppressed", **asdict(item)})
        yield json.dumps({"type": "summary", **self.summary()})
