"""Provides the simulator's settings: cars, track, control-unit options and fault injection.

All values are frozen and validated on construction, so a bad ``--cars`` or ``--faults``
string is rejected with a message naming the offending part before anything starts.
The parsers here turn the ``slotrace simulate`` option strings into these objects.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from slotrace.drivers_api import MAX_CAR, ModeFlags
from slotrace.errors import SlotraceError


class SimulatorConfigError(SlotraceError, ValueError):
    """A simulator setting is out of range or an option string could not be parsed."""


DEFAULT_LAP_MS = (5200, 5450, 5700, 5950, 6200, 6450, 6700, 6950)
"""Base lap times of cars 1..8 when only a car count is given."""

DEFAULT_SENSOR_FRACTIONS: dict[int, tuple[float, ...]] = {1: (), 2: (0.5,), 3: (0.35, 0.7)}
"""Where along the lap the Check Lane groups 2 (and 3) sit, by number of sensor groups."""

VERSION_CHARS = "0123456789:;<=>?"
"""Characters a firmware version can be made of (nibble characters)."""


@dataclass(frozen=True, slots=True)
class CarSpec:
    """One simulated car.

    Attributes:
        car: controller address 1..8 (7 = ghost car, 8 = pace car).
        lap_ms: mean lap time at full speed, in milliseconds.
        jitter_ms: standard deviation of the lap time (a driver's inconsistency).
        schedule: the laps the crew plans to drive, from its first finish-line crossing on:
            per lap its time in ms, or its times from sensor group to sensor group (finish
            line to group 2, ..., last group to the finish line). Lap k of the run is driven
            to ``schedule[k - 1]``, with the jitter on top; after the schedule, and from the
            grid to the first crossing, the car laps in ``lap_ms``.
    """

    car: int
    lap_ms: int = 6000
    jitter_ms: int = 150
    schedule: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.car <= MAX_CAR:
            raise SimulatorConfigError(f"car number must be 1..{MAX_CAR}, got {self.car}")
        if self.lap_ms < 1000:
            raise SimulatorConfigError(
                f"car {self.car}: lap time must be at least 1000 ms, got {self.lap_ms} ms"
            )
        if not 0 <= self.jitter_ms <= self.lap_ms // 4:
            raise SimulatorConfigError(
                f"car {self.car}: jitter must be 0..{self.lap_ms // 4} ms "
                f"(a quarter of the lap), got {self.jitter_ms} ms"
            )
        for number, lap in enumerate(self.schedule, start=1):
            if not lap or any(part <= 0 for part in lap) or sum(lap) < 1000:
                raise SimulatorConfigError(
                    f"car {self.car}: scheduled lap {number} must take at least 1000 ms in "
                    f"positive parts, got {'+'.join(str(part) for part in lap)} ms"
                )


def default_cars(count: int) -> tuple[CarSpec, ...]:
    """Cars 1..count with staggered default lap times."""
    if not 1 <= count <= MAX_CAR:
        raise SimulatorConfigError(f"number of cars must be 1..{MAX_CAR}, got {count}")
    return tuple(CarSpec(car=n, lap_ms=DEFAULT_LAP_MS[n - 1]) for n in range(1, count + 1))


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Everything that shapes a `ControlUnitModel` apart from the button presses it gets.

    Attributes:
        cars: the cars on the track (distinct addresses).
        sensor_groups: 1 (finish line only), 2 or 3 (Check Lanes).
        sensor_fractions: lap fraction of each extra group (len = sensor_groups - 1).
        seed: seeds every car's lap-time randomness; same seed, same race.
        version: firmware version string answered to ``0`` (4 characters).
        status_length: 16 (older firmware) or 18 (two extra characters).
        mode: mode bits reported in the status (fuel, real fuel, pit lane, lap counter).
        display: drivers shown on the position tower (6 or 8).
        countdown_step_ms: time between start-light steps 2..7.
        go_ms: how long the light shows 7 ("go") before returning to 0.
        false_start_car: a car that jumps the start during the first countdown, or None.
        fuel_per_lap: tank levels (of 15) burnt per lap in normal fuel mode (real: x1.5).
        pit_below: a car enters the pit lane at the finish line below this fuel level
            (only with the pit-lane adapter).
        refuel_ms_per_level: pit time per tank level refilled.
        pit_lane_ms: extra time driving through the pit lane.
        mask_cleared_by_start: the first START clears the ignore mask (as openlap assumes).
        clock_start_ms: CU clock value at model time 0 (how long it was on already).
        queue_limit: timer events kept at most (oldest dropped beyond), or None.
        tower_counts_laps: the CU writes its own count to the position tower at every
            counted finish-line crossing (assumed of a real CU; what the PC sends overrides
            it until the next crossing).
    """

    cars: tuple[CarSpec, ...] = field(default_factory=lambda: default_cars(4))
    sensor_groups: int = 1
    sensor_fractions: tuple[float, ...] | None = None
    seed: int = 0
    version: str = "5337"
    status_length: int = 16
    mode: ModeFlags = ModeFlags.LAP_COUNTER
    display: int = 8
    countdown_step_ms: int = 1000
    go_ms: int = 1000
    false_start_car: int | None = None
    fuel_per_lap: float = 0.75
    pit_below: float = 4.0
    refuel_ms_per_level: int = 200
    pit_lane_ms: int = 1500
    mask_cleared_by_start: bool = True
    clock_start_ms: int = 0
    queue_limit: int | None = None
    tower_counts_laps: bool = True

    def __post_init__(self) -> None:
        addresses = [spec.car for spec in self.cars]
        if len(set(addresses)) != len(addresses):
            raise SimulatorConfigError(f"each car may appear once, got cars {addresses}")
        for spec in self.cars:
            parted = {len(lap) for lap in spec.schedule if len(lap) > 1}
            if parted - {self.sensor_groups}:
                raise SimulatorConfigError(
                    f"car {spec.car}: a scheduled lap in parts needs one part per sensor group "
                    f"({self.sensor_groups}), got {', '.join(map(str, sorted(parted)))}"
                )
        if self.sensor_groups not in (1, 2, 3):
            raise SimulatorConfigError(f"sensor groups must be 1, 2 or 3, got {self.sensor_groups}")
        fractions = self.fractions
        bounds = (0.0, *fractions, 1.0)
        if len(fractions) != self.sensor_groups - 1 or any(
            not low < high for low, high in itertools.pairwise(bounds)
        ):
            raise SimulatorConfigError(
                f"sensor fractions must be {self.sensor_groups - 1} increasing values "
                f"strictly between 0 and 1, got {fractions}"
            )
        if len(self.version) != 4 or any(char not in VERSION_CHARS for char in self.version):
            raise SimulatorConfigError(
                f"firmware version must be 4 characters of {VERSION_CHARS!r}, got {self.version!r}"
            )
        if self.status_length not in (16, 18):
            raise SimulatorConfigError(f"status length must be 16 or 18, got {self.status_length}")
        if self.display not in (6, 8):
            raise SimulatorConfigError(f"display must be 6 or 8 drivers, got {self.display}")
        if self.false_start_car is not None and self.false_start_car not in addresses:
            raise SimulatorConfigError(
                f"false-start car {self.false_start_car} is not on the track (cars {addresses})"
            )
        if self.countdown_step_ms <= 0 or self.go_ms <= 0:
            raise SimulatorConfigError("start-light step times must be positive")
        if self.queue_limit is not None and self.queue_limit < 1:
            raise SimulatorConfigError(f"queue limit must be >= 1, got {self.queue_limit}")
        if not 0 <= self.clock_start_ms < 2**32:
            raise SimulatorConfigError("clock start must fit the CU's 32-bit millisecond clock")

    @property
    def fractions(self) -> tuple[float, ...]:
        """Lap fractions of sensor groups 2.. (group 1, the finish line, is at 0)."""
        if self.sensor_fractions is not None:
            return tuple(self.sensor_fractions)
        return DEFAULT_SENSOR_FRACTIONS.get(self.sensor_groups, ())


REORDER_WITHIN_MS = 1500
"""Out-of-order delivery swaps two queued crossings at most this far apart (device ms)."""

_POLL_RATES = ("corrupt_rate", "drop_rate", "duplicate_rate", "repeat_rate")
_OWN_RATES = ("reorder_rate", "garble_rate")
_WIRE_RATES = ("unterminated_rate", "noise_rate")


@dataclass(frozen=True, slots=True)
class Faults:
    """Line and control-unit faults the simulator injects, drawn from one seeded generator.

    The rates apply to replies to polls (``?``) only, so commands are never in doubt
    (``polls_only=False`` applies corrupt/drop to every reply). Per poll at most one of
    the poll faults happens: corrupted (checksum character changed), dropped (no reply),
    duplicated (the previous timer frame again; only right after an intact timer frame),
    repeated (an intact timer frame from 2-4 replies back again: A, B, A). A timer reply
    no poll fault hit may be garbled (drawn per timer reply): its timestamp is hours
    ahead in a high nibble, with a checksum that matches, so the host must quarantine
    it. Reordering is drawn per crossing: the CU
    reports it only after the next one, when that comes within `REORDER_WITHIN_MS` (a
    late report; the queue may look empty meanwhile). A garble
    is only sent once the current clock has delivered an intact timer frame: the first
    crossing after a connect bounds nothing, so no host can tell it is wrong.

    Wire faults (serial servers only, at most one per reply, drawn separately): the
    reply loses its ``$`` (unterminated) or a noise byte goes before it.

    Control-unit faults: at ``=`` a car reaches its next sensor just before the CU takes
    the reset (``crossing_at_reset``: one crossing queued with the old clock after the
    host drained the queue), and every ``power_cycle_every``-th hang-up is a power cycle:
    the clock restarts from 0, the queue is lost, the link stays down for ``outage_s``
    model seconds and the cars wait until the host asks again, so after an outage longer
    than the clock's value the clock comes back *ahead* of the last timestamp.

    Attributes:
        corrupt_rate: share of poll replies sent with a wrong checksum.
        drop_rate: share of polls left unanswered.
        duplicate_rate: share of polls answered with the previous timer frame again.
        hangup_every_s: the server closes the link every this many model seconds
            (pty: the pty is replaced and the stable path re-pointed); None = never.
        seed: seeds the fault draws.
        polls_only: restrict corrupt/drop to poll replies.
        repeat_rate: share of polls answered with an older intact timer frame again.
        reorder_rate: share of crossings reported after the next one (out of order).
        garble_rate: share of timer replies sent with a checksum-valid impossible timestamp.
        unterminated_rate: share of poll replies sent without their ``$`` (serial).
        noise_rate: share of poll replies preceded by a noise byte (serial).
        crossing_at_reset: a crossing stamped with the old clock is queued at each ``=``.
        power_cycle_every: every this many hang-ups is a CU power cycle; None = never.
        outage_s: model seconds the link stays down at a power cycle.
    """

    corrupt_rate: float = 0.0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    hangup_every_s: float | None = None
    seed: int = 0
    polls_only: bool = True
    repeat_rate: float = 0.0
    reorder_rate: float = 0.0
    garble_rate: float = 0.0
    unterminated_rate: float = 0.0
    noise_rate: float = 0.0
    crossing_at_reset: bool = False
    power_cycle_every: int | None = None
    outage_s: float = 0.0

    def __post_init__(self) -> None:
        for name in (*_POLL_RATES, *_WIRE_RATES, *_OWN_RATES):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise SimulatorConfigError(f"fault {name} must be 0..1, got {rate}")
        if sum(getattr(self, name) for name in _POLL_RATES) > 1.0:
            raise SimulatorConfigError("poll fault rates add up to more than 1")
        if sum(getattr(self, name) for name in _WIRE_RATES) > 1.0:
            raise SimulatorConfigError("wire fault rates (nodollar, noise) add up to more than 1")
        if self.hangup_every_s is not None and self.hangup_every_s <= 0:
            raise SimulatorConfigError(
                f"hang-up interval must be positive seconds, got {self.hangup_every_s}"
            )
        if self.power_cycle_every is not None and self.power_cycle_every < 1:
            raise SimulatorConfigError(
                f"power cycle every N hang-ups needs N >= 1, got {self.power_cycle_every}"
            )
        if self.outage_s < 0:
            raise SimulatorConfigError(f"outage must be >= 0 seconds, got {self.outage_s}")

    @property
    def any(self) -> bool:
        """True when some fault is switched on."""
        return bool(
            any(getattr(self, name) for name in (*_POLL_RATES, *_WIRE_RATES, *_OWN_RATES))
            or self.crossing_at_reset
            or self.hangup_every_s
        )


NO_FAULTS = Faults()


def parse_schedule(text: str) -> tuple[tuple[int, ...], ...]:
    """``"25/7.5+7+11.2"`` -> ((25000,), (7500, 7000, 11200)): laps in seconds, split by ``/``,
    each a lap time or its sensor-to-sensor times joined by ``+``.

    Raises:
        ValueError: an empty lap or a part that is not a number of seconds.
    """
    return tuple(tuple(round(float(part) * 1000) for part in lap.split("+"))
                 for lap in text.split("/"))


def parse_cars(spec: str) -> tuple[CarSpec, ...]:
    """Parse ``--cars``: a count (``"4"``) or ``CAR:LAP_S[:JITTER_S[:SCHEDULE]]`` items.

    Example: ``"1:5.2,2:5.6:0.3,3:6:0.1:6.5/5.8/2+2+1.9"`` = car 1 laps in 5.2 s (default
    jitter 2.5%), car 2 in 5.6 s with 0.3 s jitter; car 3 drives its first three laps
    (from its first finish-line crossing) in 6.5 s, 5.8 s and 2 s + 2 s + 1.9 s from sensor
    group to sensor group, then 6 s laps (`CarSpec.schedule`).
    """
    text = spec.strip()
    if text.isdigit():
        return default_cars(int(text))
    cars = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if not 2 <= len(parts) <= 4:
            raise SimulatorConfigError(
                f"cannot read car {item.strip()!r} in --cars {spec!r}: expected CAR:LAP_SECONDS, "
                "CAR:LAP_SECONDS:JITTER_SECONDS or CAR:LAP_SECONDS:JITTER_SECONDS:SCHEDULE, "
                "e.g. 1:5.2:0.15 or 1:5.2:0.15:5.0/5.5"
            )
        try:
            car = int(parts[0])
            lap_ms = round(float(parts[1]) * 1000)
            jitter_ms = round(float(parts[2]) * 1000) if len(parts) >= 3 else lap_ms // 40
        except ValueError:
            raise SimulatorConfigError(
                f"cannot read car {item.strip()!r} in --cars {spec!r}: car must be a whole "
                "number and times must be seconds such as 5.2"
            ) from None
        try:
            schedule = parse_schedule(parts[3]) if len(parts) == 4 else ()
        except ValueError:
            raise SimulatorConfigError(
                f"cannot read the schedule of car {item.strip()!r} in --cars {spec!r}: expected "
                "laps in seconds split by '/', each a lap time (25.1) or its sensor-to-sensor "
                "times joined by '+' (7.5+7+11.2)"
            ) from None
        cars.append(CarSpec(car=car, lap_ms=lap_ms, jitter_ms=jitter_ms, schedule=schedule))
    return tuple(cars)


_FAULT_KEYS = {
    "corrupt": "corrupt_rate",
    "drop": "drop_rate",
    "dup": "duplicate_rate",
    "duplicate": "duplicate_rate",
    "repeat": "repeat_rate",
    "reorder": "reorder_rate",
    "garble": "garble_rate",
    "nodollar": "unterminated_rate",
    "noise": "noise_rate",
    "resetrace": "crossing_at_reset",
    "hangup": "hangup_every_s",
    "powercycle": "power_cycle_every",
    "outage": "outage_s",
}
_WHOLE_KEYS = {"power_cycle_every"}
_FLAG_KEYS = {"crossing_at_reset"}


def parse_faults(spec: str, seed: int = 0) -> Faults:
    """Parse ``--faults``: ``corrupt=0.02,drop=0.02,dup=0.02,hangup=20`` (any subset).

    Also ``repeat``, ``reorder``, ``garble``, ``nodollar``, ``noise`` (rates),
    ``resetrace=1`` (a crossing at each ``=``), ``powercycle=N`` (every Nth hang-up) and
    ``outage=SECONDS`` (link down at a power cycle).
    """
    values: dict[str, float | int | bool] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        field_name = _FAULT_KEYS.get(key.strip())
        if not sep or field_name is None:
            raise SimulatorConfigError(
                f"cannot read fault {item.strip()!r} in --faults {spec!r}: expected KEY=VALUE "
                f"with KEY one of {', '.join(sorted(_FAULT_KEYS))}"
            )
        try:
            number = float(value)
            if field_name in _WHOLE_KEYS:
                values[field_name] = int(number)
            elif field_name in _FLAG_KEYS:
                values[field_name] = bool(number)
            else:
                values[field_name] = number
        except ValueError:
            raise SimulatorConfigError(
                f"fault {key.strip()!r} in --faults {spec!r} needs a number, got {value!r}"
            ) from None
    return Faults(seed=seed, **values)  # type: ignore[arg-type]
