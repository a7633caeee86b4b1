"""Provides `PowerbaseModel`: a pure model of a Scalextric ARC Pro powerbase at the
characteristic level (Command writes in, Slot / Throttle / Track notifications out), with
ground truth of every crossing and its fate, and fault injection.

No clock of its own: callers move it with `advance_to(now_ms)` (virtual or real time). What
the model does that hardware has not confirmed is listed in docs/arc.md.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field

from slotrace.drivers_api import LocalProtocolError
from slotrace_arc.protocol import (
    CAR_ID_UUID,
    CARS,
    COMMAND_UUID,
    PROFILE_UUIDS,
    SLOT_UUID,
    THROTTLE_UUID,
    TICK_MS,
    TRACK_UUID,
    Command,
    RaceState,
    SlotReport,
    ThrottleReport,
    decode_command,
)

PACKET_MS = 300
"""The base sends one Slot and one Throttle notification every 300 ms (hardware-measured)."""


class Fate(enum.Enum):
    """What became of a crossing on its way to the host."""

    PENDING = "pending"
    """Not yet in a Slot notification that reached the host."""
    REPORTED = "reported"
    """A Slot notification carrying it was delivered."""
    OVERWRITTEN = "overwritten"
    """The car crossed the same sensor again before a snapshot got through: lost for good."""
    POWERED_OFF = "powered-off"
    """The base lost power before a snapshot carrying it got through: lost for good."""


@dataclass(slots=True)
class TrueCrossing:
    """One crossing as it really happened (ground truth)."""

    car: int
    lane: int
    device_ms: int
    reset: int
    """How many clock resets happened before it (the truth's own epoch count)."""
    fate: Fate = Fate.PENDING


@dataclass(frozen=True, slots=True)
class SimCar:
    """A simulated car: its lap time and lap-to-lap scatter, in seconds.

    ``schedule`` holds the times of the laps it plans from its first finish-line crossing
    after the clock was zeroed (lap k drives to ``schedule[k - 1]``, with the scatter on
    top); after it, and up to that crossing, the car laps in ``lap_s``.
    """

    car: int
    lap_s: float
    jitter_s: float = 0.1
    schedule: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class ArcFaults:
    """Faults to inject.

    Attributes:
        drop: share of notifications lost on the air (0.05 = 5 %).
        hangup_s: the link drops every this many seconds of model time (0 = never).
        power_cycle_s: the base loses power every this many seconds of model time (0 =
            never): the link drops, the clock and every stamp go to 0, the track stays dead
            and sends no Slot data until the host's next Command write (as after a real power
            cycle), and crossings not yet reported are lost.
    """

    drop: float = 0.0
    hangup_s: float = 0.0
    power_cycle_s: float = 0.0


@dataclass(slots=True)
class _CarRun:
    spec: SimCar
    lane: int
    next_ms: float
    crossed: int = 0
    """Finish-line crossings since the clock was zeroed."""
    stamps: list[int] = field(default_factory=lambda: [0, 0])
    pending: list[TrueCrossing | None] = field(default_factory=lambda: [None, None])


def parse_cars(spec: str | int) -> list[SimCar]:
    """``4`` or ``"1:5.2,2:5.4:0.3,3:6:0.1:6.5/5.8"`` -> cars (IDs 1..6).

    A fourth field is the car's schedule (`SimCar.schedule`): lap times in seconds split by
    ``/``; a lap given in sensor-to-sensor parts (``2+2+1.9``, as the Carrera simulator
    takes them) counts as their sum, since the powerbase sees the finish line only.

    Raises:
        ValueError: not a count or a list of CAR:LAP[:JITTER[:SCHEDULE]] items, or an ID
            outside 1..6.
    """
    text = str(spec).strip()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= CARS:
            raise ValueError(f"--cars {text}: the ARC powerbase runs 1..{CARS} cars")
        return [SimCar(car, 5.2 + 0.25 * (car - 1)) for car in range(1, count + 1)]
    cars = []
    for item in text.split(","):
        parts = item.strip().split(":")
        try:
            car, lap = int(parts[0]), float(parts[1])
            jitter = float(parts[2]) if len(parts) > 2 else 0.1
            schedule = tuple(sum(float(part) for part in lap_text.split("+"))
                             for lap_text in parts[3].split("/")) if len(parts) > 3 else ()
        except (ValueError, IndexError):
            raise ValueError(f"--cars item {item!r}: expected CAR:LAP_SECONDS[:JITTER"
                             "[:LAP/LAP/...]]") from None
        if (not 1 <= car <= CARS or lap <= 0 or len(parts) > 4
                or any(planned <= 0 for planned in schedule)):
            raise ValueError(f"--cars item {item!r}: car 1..{CARS}, lap seconds > 0")
        cars.append(SimCar(car, lap, jitter, schedule))
    return cars


class PowerbaseModel:
    """An ARC Pro powerbase in digital mode.

    Args:
        cars: the cars on the track (the others' snapshots are sent, always empty).
        seed: same seed, same race.
        faults: what to break.
        lane_change: chance per lap that a car changes lane.
    """

    def __init__(
        self,
        cars: list[SimCar],
        *,
        seed: int = 0,
        faults: ArcFaults = ArcFaults(),
        lane_change: float = 0.2,
        model: str = "Scalextric ARC PRO",
    ) -> None:
        self.model = model
        self.faults = faults
        self._rng = random.Random(seed)
        self._lane_change = lane_change
        self.now_ms = 0.0
        self.ticks = 0
        self._tick_rest = 0.0
        self.command = Command(state=RaceState.NO_POWER_TIMER_STOPPED, power=(0,) * CARS)
        self.awake = False
        """No Slot notifications after power-up until the first Command write (hardware)."""
        self.connected = False
        self.resets = 0
        self.truth: list[TrueCrossing] = []
        self.writes: list[tuple[str, bytes]] = []
        self.hangups = 0
        self.power_cycles = 0
        self._cars = {
            c.car: _CarRun(c, lane=1 + (c.car - 1) % 2, next_ms=self._lap_ms(c)) for c in cars
        }
        self._next_packet = float(PACKET_MS)
        self._next_hangup = faults.hangup_s * 1000 if faults.hangup_s > 0 else None
        self._next_power_cycle = faults.power_cycle_s * 1000 if faults.power_cycle_s > 0 else None
        self._round_robin = 0
        self._slot_seq = 0
        self._throttle_seq = 0

    # --- host side ---
    def write(self, uuid: str, data: bytes) -> None:
        """A GATT write from the host.

        Raises:
            LocalProtocolError: the write is malformed or forbidden (the GATT write fails).
        """
        uuid = uuid.lower()
        self.writes.append((uuid, bytes(data)))
        if uuid == COMMAND_UUID:
            command = decode_command(bytes(data))
            if command.state in (
                RaceState.NO_POWER_TIMER_STOPPED,
                RaceState.NO_POWER_TIMER_TICKING,
            ):
                self._zero()
            self.command = command
            self.awake = True
        elif uuid in PROFILE_UUIDS:
            if len(data) != 20 or data[0] > 3:
                raise LocalProtocolError("a throttle-profile write is 20 bytes, block 0..3")
        elif uuid == CAR_ID_UUID:
            if len(data) != 1 or data[0] > CARS:
                raise LocalProtocolError("a CarID write is one byte 0..6")
        else:
            raise LocalProtocolError(f"characteristic {uuid} is not writable")

    def read(self, uuid: str) -> bytes:
        """A GATT read: only Slot is readable (its latest snapshot of car 1)."""
        if uuid.lower() != SLOT_UUID:
            raise LocalProtocolError(f"characteristic {uuid} is not readable")
        return self._slot(1).encode()

    def power_cycle(self) -> None:
        """The base loses power and comes back: link dropped, clock and stamps zeroed, track
        dead until the next Command write; unreported crossings are lost."""
        for run in self._cars.values():
            for crossing in run.pending:
                if crossing is not None:
                    crossing.fate = Fate.POWERED_OFF
        self._zero()
        self.command = Command(state=RaceState.NO_POWER_TIMER_STOPPED, power=(0,) * CARS)
        self.awake = False
        self.power_cycles += 1
        if self.connected:
            self.connected = False
            self.hangups += 1

    def _zero(self) -> None:
        self.ticks = 0
        self._tick_rest = 0.0
        self.resets += 1
        for run in self._cars.values():
            run.stamps = [0, 0]
            run.pending = [None, None]
            run.crossed = 0
            run.next_ms = self._lap_ms(run.spec)

    # --- time ---
    def advance_to(self, now_ms: float) -> list[tuple[str, bytes]]:
        """Move model time to ``now_ms``; the notifications the base sent meanwhile (those a
        fault dropped or that went out while disconnected are not returned)."""
        out: list[tuple[str, bytes]] = []
        while self._next_packet <= now_ms:
            self._run_to(self._next_packet)
            self._next_packet += PACKET_MS
            if self._next_hangup is not None and self.now_ms >= self._next_hangup:
                self._next_hangup += self.faults.hangup_s * 1000
                if self.connected:
                    self.connected = False
                    self.hangups += 1
            if self._next_power_cycle is not None and self.now_ms >= self._next_power_cycle:
                self._next_power_cycle += self.faults.power_cycle_s * 1000
                self.power_cycle()
            out.extend(self._packets())
        self._run_to(now_ms)
        return out

    def _run_to(self, now_ms: float) -> None:
        step = now_ms - self.now_ms
        self.now_ms = now_ms
        if step <= 0 or not self.command.state.clock_runs:
            return
        self._tick_rest += step
        whole = int(self._tick_rest // TICK_MS)
        self._tick_rest -= whole * TICK_MS
        self.ticks += whole
        end_ms = self.ticks * TICK_MS
        for run in self._cars.values():
            if self.command.power[run.spec.car - 1] == 0:
                run.next_ms = max(run.next_ms, end_ms + 1)  # stopped on track: lap takes longer
                continue
            while run.next_ms <= end_ms:
                self._cross(run, int(run.next_ms // TICK_MS))
                run.crossed += 1
                run.next_ms += self._lap_ms(run.spec, run.crossed)

    def _lap_ms(self, car: SimCar, lap: int = 0) -> float:
        """Lap ``lap`` of the run (0: up to its first crossing), scatter included."""
        planned = car.schedule[lap - 1] if 1 <= lap <= len(car.schedule) else car.lap_s
        return max(1000.0, self._rng.gauss(planned, car.jitter_s) * 1000)

    def _cross(self, run: _CarRun, ticks: int) -> None:
        if self._rng.random() < self._lane_change:
            run.lane = 3 - run.lane
        index = run.lane - 1
        earlier = run.pending[index]
        if earlier is not None:
            earlier.fate = Fate.OVERWRITTEN
        crossing = TrueCrossing(run.spec.car, run.lane, ticks * TICK_MS, self.resets)
        self.truth.append(crossing)
        run.stamps[index] = ticks
        run.pending[index] = crossing

    def _slot(self, car: int) -> SlotReport:
        run = self._cars.get(car)
        stamps = (run.stamps[0], run.stamps[1]) if run else (0, 0)
        second = tuple(s + 30 if s else 0 for s in stamps)
        return SlotReport(self._slot_seq, car, stamps, second)  # type: ignore[arg-type]

    def _packets(self) -> list[tuple[str, bytes]]:
        out = []
        self._throttle_seq = (self._throttle_seq + 1) % 256
        throttle = ThrottleReport(
            self._throttle_seq,
            tuple(40 if c in self._cars else 0 for c in range(1, CARS + 1)),
            self.ticks,
            True,
            frozenset(self._cars),
        )
        if self.connected and self._rng.random() >= self.faults.drop:
            out.append((THROTTLE_UUID, throttle.encode()))
        if not self.awake:
            return out
        self._round_robin = self._round_robin % CARS + 1
        self._slot_seq = (self._slot_seq + 1) % 256
        car = self._round_robin
        if self.connected and self._rng.random() >= self.faults.drop:
            out.append((SLOT_UUID, self._slot(car).encode()))
            run = self._cars.get(car)
            if run is not None:
                for index, crossing in enumerate(run.pending):
                    if crossing is not None:
                        crossing.fate = Fate.REPORTED
                        run.pending[index] = None
        return out

    # --- truth ---
    def reported(self) -> list[TrueCrossing]:
        """Crossings a correct driver must deliver exactly once."""
        return [c for c in self.truth if c.fate is Fate.REPORTED]

    def summary(self) -> dict[str, int]:
        fates = {fate: 0 for fate in Fate}
        for crossing in self.truth:
            fates[crossing.fate] += 1
        return {
            "crossings": len(self.truth),
            **{fate.value: count for fate, count in fates.items()},
            "resets": self.resets,
            "hang-ups": self.hangups,
            "power cycles": self.power_cycles,
        }


NOTIFYING = (SLOT_UUID, THROTTLE_UUID, TRACK_UUID)
