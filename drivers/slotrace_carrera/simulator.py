"""Provides `ControlUnitModel`: a pure, deterministic model of the Carrera Control Unit.

The model plays the CU's side of the protocol without any I/O or clock of its own: the
caller moves time forward with `ControlUnitModel.advance_to` and feeds it decoded
requests with `ControlUnitModel.handle`, which returns the serial-form reply bytes
(without ``$``) or ``None`` when a fault drops the reply. Servers (TCP, pty) and fake
BLE backends wrap it; see `slotrace_carrera.simulator_server`.

Modelled behaviour (reference/carrera-cu-protocol.md §3-§5): cars with lap times and
jitter crossing 1-3 sensor groups; a timer queue handed out one event per poll, status
only when it is empty; the start-light sequence driven by START (1 = all lights on, a
second START counts 2..6 on the model clock, then 7 "go", then 0), ESC at 1 = quick
start, a configured car jumping the start (8, then 9), cars held while the lights are on;
fuel burn and pit stops (fuel and pit bits reported only with the pit-lane bit 0x4); the
ignore mask; J words (speed changes lap times a little, the position tower keeps what it was
told, and, as a CU is assumed to, writes its own count: at every finish-line crossing it
counts, the car's row by its own ranking and its own leader's lap); ``=`` restarting the
clock from 0 and refuelling unless the lights are on; ``#`` for unknown commands. Every
queued crossing and its fate go to `TruthLog`.

It can behave worse than a real CU is known to (`Faults`): corrupted, dropped,
duplicated, repeated (A, B, A), reordered and garbled (checksum-valid) timer replies, a
crossing stamped with the old clock at ``=``, power cycles; for serial servers it also
decides which replies lose their ``$`` or get a noise byte in front (`wire_faults`).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from slotrace.drivers_api import LocalProtocolError, ModeFlags
from slotrace_carrera.protocol import (
    Acknowledgement,
    ButtonRequest,
    MaskRequest,
    PollRequest,
    Request,
    ResetRequest,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    UnknownRequest,
    VersionReply,
    VersionRequest,
    WordRequest,
    encode_reply,
)
from slotrace_carrera.sim_config import NO_FAULTS, REORDER_WITHIN_MS, Faults, ModelConfig
from slotrace_carrera.sim_track import REAL_FUEL_FACTOR, CarMotion, FuelRules, TrackCrossing
from slotrace_carrera.sim_truth import Crossing, Fate, ReplyKind, Suppressed, TruthLog

BUTTON_ESC = 1
BUTTON_START = 2
FALSE_START_AT = 4
"""Start-light value at which a configured false-starter jumps (two lights lit)."""
FALSE_START_FIRST_MS = 500
"""How long the status shows 8 before switching to 9."""
WORD_SPEED, WORD_BRAKE, WORD_FUEL, WORD_POSITION, WORD_FINISHED = 0, 1, 2, 6, 7
WORD_LAP_HIGH, WORD_LAP_LOW = 17, 18
CLEAR_POSITIONS = 9
STATUS_EXTRA = b"00"
"""The two unexplained characters of an 18-byte status."""
UNKNOWN_COMMAND = b"#"
_CLOCK_WRAP = 2**32
REPEAT_FROM = 4
"""A non-consecutive repeat re-sends one of the last this many intact timer frames."""
GARBLE_AHEAD_MS = (2**20, 2**28)
"""How far ahead a garbled timestamp lands (17 minutes to 3 days), drawn uniformly: two
garbles in a row almost never agree with each other."""
NOISE_BYTES = b"\x00\x7f\x80\xff"
"""Noise a serial line may carry (never ``$``, ``#`` or a nibble character)."""


@dataclass(frozen=True, slots=True)
class TowerState:
    """What the position tower shows (told by the PC, or written by the CU's own count).

    A row shows one car and a car is in one row: setting a car's position moves it there.

    Attributes:
        positions: (car 1..8, position shown 1..8) pairs, by car.
        lap: lap counter 0..255 (words 17 + 18).
        finished: cars flagged "race finished" (word 7).
    """

    positions: tuple[tuple[int, int], ...] = ()
    lap: int = 0
    finished: frozenset[int] = frozenset()

    def order(self) -> tuple[int, ...]:
        """The cars shown, position 1 first."""
        return tuple(car for car, _ in sorted(self.positions, key=lambda pair: pair[1]))


class ControlUnitModel:
    """The control unit: cars, lights, timer queue and status, on an explicit clock."""

    def __init__(self, config: ModelConfig | None = None, faults: Faults = NO_FAULTS) -> None:
        self.config = config if config is not None else ModelConfig()
        self.faults = faults
        self.truth = TruthLog()
        self.mode = ModeFlags(self.config.mode)
        self._cars = {
            spec.car: CarMotion(spec, self.config.fractions, self.config.seed)
            for spec in self.config.cars
        }
        self._now = 0.0
        self._clock_offset = self.config.clock_start_ms
        self._timer_epoch = 0
        self._start = 0
        self._light_due: float | None = None
        self._false_start_pending = self.config.false_start_car
        self._mask = 0
        self._queue: deque[Crossing] = deque()
        self._fault_random = random.Random(f"slotrace-sim-faults-{faults.seed}")
        self._wire_random = random.Random(f"slotrace-sim-wire-faults-{faults.seed}")
        self._last_timer: tuple[Crossing, bytes] | None = None
        self._recent: deque[tuple[Crossing, bytes]] = deque(maxlen=REPEAT_FROM)
        self._intact_on_clock = False
        """An intact timer frame went out since the clock last restarted."""
        self._parked = False
        """Cars wait after a power cycle until the host asks again."""
        self._wire_kind: ReplyKind | None = None
        self._held_back: Crossing | None = None
        """A crossing the CU reports late (after the next one): out-of-order delivery."""
        """Kind of the last poll reply if a wire fault may hit it."""
        self._host_waiting_on_drop = False
        self._host_waiting_unterminated = False
        self._positions: dict[int, int] = {}
        self._own_laps: dict[int, int] = {}
        """The CU's own lap count per car since the tower was last cleared."""
        self._lap_high = 0
        self._lap_low = 0
        self._finished: set[int] = set()
        self.brake: dict[int, int] = {}
        self.tank: dict[int, int] = {}
        self.buttons_pressed: list[int] = []

    # --- clock ---
    @property
    def now_ms(self) -> float:
        """Model time: milliseconds since the model was created (never goes back)."""
        return self._now

    @property
    def device_ms(self) -> int:
        """The CU timer now (what a crossing now would carry)."""
        return self._device_ms(self._now)

    def _device_ms(self, model_ms: float) -> int:
        return (int(model_ms) + self._clock_offset) % _CLOCK_WRAP

    def advance_to(self, model_ms: float) -> None:
        """Move model time forward to ``model_ms``, queueing every crossing on the way.

        Raises:
            LocalProtocolError: ``model_ms`` is earlier than the model's current time.
        """
        if model_ms < self._now:
            raise LocalProtocolError(
                f"simulator clock cannot go back: at {self._now} ms, asked for {model_ms} ms"
            )
        while self._light_due is not None and self._light_due <= model_ms:
            due = self._light_due
            self._drive_to(due)
            self._step_light()
        self._drive_to(model_ms)

    def next_change_ms(self) -> float | None:
        """Model time of the next scheduled start-light change, if any (for schedulers)."""
        return self._light_due

    # --- state a test or UI may look at ---
    @property
    def start_light(self) -> int:
        """The start-light nibble 0..9 as the status reports it."""
        return self._start

    @property
    def cars_held(self) -> bool:
        """True while the lights hold the cars (1..6, 8, 9)."""
        return self._start not in (0, 7)

    @property
    def mask(self) -> int:
        """The ignore mask (bit n = car n+1 not counted)."""
        return self._mask

    @property
    def pending_events(self) -> int:
        """Timer events waiting in the queue (a crossing held back to be reported late too)."""
        return len(self._queue) + (self._held_back is not None)

    def queued(self) -> list[Crossing]:
        """The crossings waiting in the CU, in the order it will hand them out (a crossing
        held back to be reported late comes last)."""
        held = [self._held_back] if self._held_back is not None else []
        return [*self._queue, *held]

    @property
    def timer_epoch(self) -> int:
        """How many times the timer was reset."""
        return self._timer_epoch

    @property
    def tower(self) -> TowerState:
        return TowerState(
            tuple(sorted(self._positions.items())),
            self._lap_high << 4 | self._lap_low,
            frozenset(self._finished),
        )

    @property
    def own_laps(self) -> dict[int, int]:
        """Laps the CU counted itself per car since its tower was last cleared (START)."""
        return dict(self._own_laps)

    def speed_of(self, car: int) -> int:
        """Speed setting 0..15 of a car on the track."""
        return self._cars[car].speed

    def status(self) -> StatusReply:
        """The status snapshot the CU would send now."""
        pit_lane = bool(self.mode & ModeFlags.PIT_LANE)
        fuel = [0] * 8
        pit = 0
        if pit_lane:
            for address in range(1, 7):
                motion = self._cars.get(address)
                fuel[address - 1] = motion.fuel_level(self._now) if motion else 15
            for address, motion in self._cars.items():
                if motion.in_pit(self._now):
                    pit |= 1 << (address - 1)
        extra = STATUS_EXTRA if self.config.status_length == 18 else b""
        display = self.config.display
        return StatusReply(tuple(fuel), self._start, int(self.mode), pit, display, extra)

    def set_mode(self, mode: ModeFlags) -> None:
        """Flip the CU's switches / adapters (fuel mode, pit lane, lap counter)."""
        self.mode = ModeFlags(mode)

    # --- requests ---
    def handle(self, request: Request) -> bytes | None:
        """Answer one decoded request at the current model time.

        Returns the serial-form reply without ``$``, or ``None`` when a fault drops it.
        """
        self._host_waiting_on_drop = False
        self._host_waiting_unterminated = False
        self._parked = False
        self._wire_kind = None
        if isinstance(request, PollRequest):
            return self._poll()
        if self.faults.polls_only or not self.faults.any:
            return self._answer(request)
        return self._with_faults(self._answer(request))

    def handle_bad_frame(self) -> bytes:
        """Answer a request that could not be decoded (bad checksum, wrong length)."""
        self._host_waiting_on_drop = False
        self._host_waiting_unterminated = False
        self._wire_kind = None
        return UNKNOWN_COMMAND

    def record_hangup(self, unanswered: int = 0) -> None:
        """Note that the server closed the link; ``unanswered`` requests got no reply."""
        self.truth.hangups += 1
        self.truth.unanswered_at_hangup += unanswered
        if self._host_waiting_on_drop:
            self.truth.dropped_then_hung_up += 1
            self._host_waiting_on_drop = False
        if self._host_waiting_unterminated:
            self.truth.unterminated_then_hung_up += 1
            self._host_waiting_unterminated = False
        self._last_timer = None

    def power_cycle(self) -> None:
        """The CU loses power and comes back: clock from 0, queue and lights lost.

        The cars wait until the host asks again (the race director stops the race while
        the link is down), so after a long outage the clock is ahead of the last
        timestamp the host saw.
        """
        self.truth.power_cycles += 1
        self._release_held_back(late=False)
        while self._queue:
            self.truth.deliver(self._queue.popleft(), Fate.POWER_CYCLED)
        self._clock_offset = -int(self._now)
        self._timer_epoch += 1
        self._start = 0
        self._light_due = None
        self._mask = 0
        self._last_timer = None
        self._recent.clear()
        self._intact_on_clock = False
        self._parked = True

    def wire_faults(self, wire: bytes) -> bytes:
        """The serial bytes of the reply just returned by `handle`, after line faults.

        Only clean poll replies are hit (at most one fault each): the ``$`` is lost, or a
        noise byte goes before the reply.
        """
        kind, self._wire_kind = self._wire_kind, None
        faults = self.faults
        if kind is None or not (faults.unterminated_rate or faults.noise_rate):
            return wire
        roll = self._wire_random.random()
        if roll < faults.unterminated_rate and wire.endswith(b"$"):
            self.truth.unterminated[kind] += 1
            self._host_waiting_unterminated = True
            return wire[:-1]
        if roll < faults.unterminated_rate + faults.noise_rate:
            self.truth.noise += 1
            return bytes((self._wire_random.choice(NOISE_BYTES),)) + wire
        return wire

    def _answer(self, request: Request) -> bytes:
        if isinstance(request, VersionRequest):
            return encode_reply(VersionReply(self.config.version))
        if isinstance(request, ResetRequest):
            self._reset_timer()
            return encode_reply(Acknowledgement("=", b""))
        if isinstance(request, MaskRequest):
            self._mask = request.mask & 0xFF
            return encode_reply(Acknowledgement(":", b""))
        if isinstance(request, ButtonRequest):
            self._press(request.button)
            return encode_reply(Acknowledgement("T", b""))
        if isinstance(request, WordRequest):
            self._word(request)
            return encode_reply(Acknowledgement("J", b""))
        if isinstance(request, UnknownRequest):
            return encode_reply(UnknownCommandReply())
        return UNKNOWN_COMMAND

    def _poll(self) -> bytes | None:
        fault = self._draw_poll_fault()
        truth = self.truth
        faults = self.faults
        if fault == "duplicate" and self._last_timer is not None:
            crossing, frame = self._last_timer
            crossing.duplicates += 1
            truth.duplicated += 1
            return frame
        if fault == "repeat":
            last = self._last_timer[0] if self._last_timer is not None else None
            older = [entry for entry in self._recent if entry[0] is not last]
            if older:
                crossing, frame = self._fault_random.choice(older)
                crossing.duplicates += 1
                truth.repeated += 1
                self._last_timer = (crossing, frame)  # the previous frame now
                return frame
        queue = self._queue
        self._release_held_back(late=True)
        crossing = queue.popleft() if queue else None
        self._last_timer = None
        if crossing is None:
            frame = encode_reply(self.status())
            kind = ReplyKind.STATUS
        else:
            garble = fault is None and self._intact_on_clock and faults.garble_rate > 0
            if garble and self._fault_random.random() < faults.garble_rate:
                truth.garbled += 1
                truth.deliver(crossing, Fate.GARBLED)
                return encode_reply(
                    TimerReply(crossing.car, self._garbled(crossing.device_ms), crossing.sensor)
                )
            frame = encode_reply(TimerReply(crossing.car, crossing.device_ms, crossing.sensor))
            kind = ReplyKind.TIMER
        if fault == "drop":
            truth.dropped[kind] += 1
            self._host_waiting_on_drop = True
            if crossing is not None:
                truth.deliver(crossing, Fate.DROPPED)
            return None
        if fault == "corrupt":
            truth.corrupted[kind] += 1
            if crossing is not None:
                truth.deliver(crossing, Fate.CORRUPTED)
            return self._corrupt(frame)
        if crossing is not None:
            truth.deliver(crossing, Fate.INTACT)
            self._last_timer = (crossing, frame)
            self._recent.append((crossing, frame))
            self._intact_on_clock = True
        self._wire_kind = kind
        return frame

    def _draw_poll_fault(self) -> str | None:
        """One roll per poll: which poll fault (if any) hits this reply."""
        roll = self._fault_random.random()
        faults = self.faults
        for name, rate in (
            ("corrupt", faults.corrupt_rate),
            ("drop", faults.drop_rate),
            ("duplicate", faults.duplicate_rate),
            ("repeat", faults.repeat_rate),
        ):
            if roll < rate:
                return name
            roll -= rate
        return None

    def _garbled(self, device_ms: int) -> int:
        """A timestamp 17 minutes to 3 days ahead (bits 20..27 hit), each one independent."""
        low, high = GARBLE_AHEAD_MS
        return (device_ms + self._fault_random.randrange(low, high)) % _CLOCK_WRAP

    def _with_faults(self, frame: bytes) -> bytes | None:
        """Faults on non-poll replies (only with ``polls_only=False``)."""
        roll = self._fault_random.random()
        if roll < self.faults.corrupt_rate and len(frame) > 1:
            self.truth.corrupted[ReplyKind.OTHER] += 1
            return self._corrupt(frame)
        if roll < self.faults.corrupt_rate + self.faults.drop_rate:
            self.truth.dropped[ReplyKind.OTHER] += 1
            return None
        return frame

    def _corrupt(self, frame: bytes) -> bytes:
        """Replace the checksum character with a different nibble character."""
        wrong = 0x30 + ((frame[-1] & 0x0F) + self._fault_random.randrange(1, 16)) % 16
        return frame[:-1] + bytes((wrong,))

    # --- behaviour ---
    def _drive_to(self, model_ms: float) -> None:
        if model_ms <= self._now:
            return
        if not self.cars_held and not self._parked:
            rules = self._fuel_rules()
            crossings: list[TrackCrossing] = []
            for motion in self._cars.values():
                crossings.extend(motion.advance(self._now, model_ms, rules))
            crossings.sort(key=lambda crossing: (crossing.model_ms, crossing.car))
            for crossing in crossings:
                self._queue_crossing(crossing)
        self._now = model_ms

    def _fuel_rules(self) -> FuelRules:
        config = self.config
        burns = bool(self.mode & (ModeFlags.FUEL | ModeFlags.REAL_FUEL))
        real = bool(self.mode & ModeFlags.REAL_FUEL) and not self.mode & ModeFlags.FUEL
        return FuelRules(
            burns=burns,
            per_lap=config.fuel_per_lap * (REAL_FUEL_FACTOR if real else 1.0),
            has_pit_lane=bool(self.mode & ModeFlags.PIT_LANE),
            pit_below=config.pit_below,
            refuel_ms_per_level=config.refuel_ms_per_level,
            pit_lane_ms=config.pit_lane_ms,
        )

    def _queue_crossing(self, crossing: TrackCrossing) -> None:
        device_ms = self._device_ms(crossing.model_ms)
        if not crossing.counted or self._mask & (1 << (crossing.car - 1)):
            reason = "empty tank" if not crossing.counted else "masked"
            self.truth.suppressed.append(
                Suppressed(crossing.car, crossing.sensor, device_ms, reason)
            )
            return
        if crossing.sensor == 1 and self.config.tower_counts_laps:
            self._count_on_tower(crossing.car)
        record = self.truth.queue(crossing.car, crossing.sensor, device_ms, self._timer_epoch)
        held = self._held_back
        if held is not None:
            self._held_back = None
            if record.device_ms - held.device_ms <= REORDER_WITHIN_MS:
                self._queue.append(record)  # the later crossing is reported first
                self.truth.reordered += 1
                record = held
            else:
                self._queue.append(held)
        elif self.faults.reorder_rate and self._fault_random.random() < self.faults.reorder_rate:
            self._held_back = record  # reported after the next crossing, if one comes soon
            return
        self._queue.append(record)
        self._check_limit()

    def _release_held_back(self, late: bool) -> None:
        """Queue a held-back crossing once no later one came within the reorder window."""
        held = self._held_back
        if held is not None and (not late or self.device_ms - held.device_ms > REORDER_WITHIN_MS):
            self._held_back = None
            self._queue.append(held)
            self._check_limit()

    def _check_limit(self) -> None:
        limit = self.config.queue_limit
        if limit is not None and len(self._queue) > limit:
            self.truth.deliver(self._queue.popleft(), Fate.OVERFLOWED)

    def _press(self, button: int) -> None:
        self.buttons_pressed.append(button)
        if button == BUTTON_START:
            if self._start == 0 or self._start in (8, 9):
                self._lights_on()
            elif self._start == 1:
                self._start = 2
                self._light_due = self._now + self.config.countdown_step_ms
        elif button == BUTTON_ESC and self._start in (1, 8, 9):
            self._start = 0
            self._light_due = None

    def _lights_on(self) -> None:
        """First START: all lights on, cars held, tower cleared (and the mask dropped)."""
        self._start = 1
        self._light_due = None
        for motion in self._cars.values():
            motion.restart_run()
        if self.config.mask_cleared_by_start:
            self._mask = 0
        self._clear_tower()

    def _step_light(self) -> None:
        start = self._start
        self._light_due = None
        if 2 <= start <= 6:
            self._start = start + 1
            if self._start == FALSE_START_AT and self._false_start_pending is not None:
                self._false_start_pending = None
                self._start = 8
                self._light_due = self._now + FALSE_START_FIRST_MS
            elif self._start == 7:
                self._light_due = self._now + self.config.go_ms
            else:
                self._light_due = self._now + self.config.countdown_step_ms
        elif start == 7:
            self._start = 0
        elif start == 8:
            self._start = 9

    def _reset_timer(self) -> None:
        """``=``: the timer restarts from 0; tanks refill unless the lights are on.

        With ``Faults.crossing_at_reset`` the car nearest to a sensor reaches it just
        before the reset takes effect: a crossing stamped with the old clock stays queued.
        """
        if self.faults.crossing_at_reset and not self.cars_held and not self._parked:
            waiting = [
                (until, motion)
                for motion in self._cars.values()
                if (until := motion.until_next_sensor_ms()) is not None
            ]
            if waiting:
                _, motion = min(waiting, key=lambda item: item[0])
                self._queue_crossing(motion.reach_next_sensor(self._now, self._fuel_rules()))
        self._release_held_back(late=False)  # stamped before the reset: reported before it
        self._clock_offset = -int(self._now)
        self._timer_epoch += 1
        self._last_timer = None
        self._recent.clear()
        if self._start == 0:
            for motion in self._cars.values():
                motion.refuel()

    def _word(self, request: WordRequest) -> None:
        car = request.address + 1
        if request.word == WORD_SPEED:
            if car in self._cars:
                self._cars[car].speed = request.value
        elif request.word == WORD_BRAKE:
            self.brake[car] = request.value
        elif request.word == WORD_FUEL:
            self.tank[car] = request.value
        elif request.word == WORD_POSITION:
            if request.address == 0 and request.value == CLEAR_POSITIONS:
                self._clear_tower()
            elif 1 <= request.value <= 8:
                self._show_at(car, request.value)
        elif request.word == WORD_FINISHED:
            self._finished.add(car)
        elif request.word == WORD_LAP_HIGH:
            self._lap_high = request.value
        elif request.word == WORD_LAP_LOW:
            self._lap_low = request.value

    def _clear_tower(self) -> None:
        self._positions.clear()
        self._own_laps.clear()
        self._finished.clear()
        self._lap_high = self._lap_low = 0

    def _show_at(self, car: int, position: int) -> None:
        """A row shows one car: whoever was in ``position`` leaves it; ``car`` moves there."""
        for other in [c for c, p in self._positions.items() if p == position and c != car]:
            del self._positions[other]
        self._positions[car] = position

    def _count_on_tower(self, car: int) -> None:
        """The CU counts a finish-line crossing on its tower by itself (the first one after a
        clear starts lap 1): the car's row by the CU's count, the counter its leader's lap."""
        if car not in self._own_laps:
            self._own_laps[car] = 0
            return
        laps = self._own_laps[car] = self._own_laps[car] + 1
        position = 1 + sum(
            1 for other, other_laps in self._own_laps.items() if other != car and other_laps >= laps
        )
        if position <= self.config.display:
            self._show_at(car, position)
        lap = max(self._own_laps.values()) % 250
        self._lap_high, self._lap_low = lap >> 4, lap & 0x0F
