"""Behaviour of the pure Control Unit model: what a host polling it would see."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slotrace.drivers_api import LocalProtocolError, ModeFlags, RemoteProtocolError
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
    decode_reply,
)
from slotrace_carrera.sim_config import (
    CarSpec,
    Faults,
    ModelConfig,
    SimulatorConfigError,
    default_cars,
    parse_cars,
    parse_faults,
)
from slotrace_carrera.sim_truth import Fate
from slotrace_carrera.simulator import ControlUnitModel, TowerState

START = ButtonRequest(2)
ESC = ButtonRequest(1)


def poll(model: ControlUnitModel):
    reply = model.handle(PollRequest())
    assert reply is not None
    return decode_reply(reply)


def drain(model: ControlUnitModel) -> list[TimerReply]:
    """Poll until a status comes back; return the timer events on the way."""
    timers = []
    for _ in range(10_000):
        reply = poll(model)
        if isinstance(reply, StatusReply):
            return timers
        timers.append(reply)
    raise AssertionError("timer queue never emptied")


def status(model: ControlUnitModel) -> StatusReply:
    drain(model)
    reply = poll(model)
    assert isinstance(reply, StatusReply)
    return reply


def one_car(lap_ms: int = 5000, jitter_ms: int = 0, **options) -> ControlUnitModel:
    return ControlUnitModel(ModelConfig(cars=(CarSpec(1, lap_ms, jitter_ms),), **options))


def test_version_is_5337_by_default_and_configurable() -> None:
    assert decode_reply(ControlUnitModel().handle(VersionRequest())) == VersionReply("5337")
    model = ControlUnitModel(ModelConfig(version="5336"))
    assert decode_reply(model.handle(VersionRequest())) == VersionReply("5336")


@pytest.mark.parametrize("length", [16, 18])
def test_status_frame_has_the_configured_length(length: int) -> None:
    reply = ControlUnitModel(ModelConfig(status_length=length)).handle(PollRequest())
    assert len(reply) == length
    assert isinstance(decode_reply(reply), StatusReply)


def test_unknown_command_gets_hash() -> None:
    reply = ControlUnitModel().handle(UnknownRequest(b"GB2"))
    assert reply == b"#"
    assert decode_reply(reply) == UnknownCommandReply()


def test_timer_events_one_per_poll_in_time_order_then_status() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(4), sensor_groups=3, seed=7))
    model.advance_to(30_000)
    queued = model.pending_events
    assert queued > 20
    timers = drain(model)
    assert len(timers) == queued
    times = [timer.timestamp_ms for timer in timers]
    assert times == sorted(times)
    assert {timer.sector for timer in timers} == {1, 2, 3}
    assert {timer.address for timer in timers} == {1, 2, 3, 4}
    assert [(t.address, t.sector, t.timestamp_ms) for t in timers] == (
        model.truth.delivered_intact()
    )


def test_sensor_groups_are_crossed_in_order_each_lap() -> None:
    model = one_car(lap_ms=6000, sensor_groups=3)
    model.advance_to(60_000)
    sectors = [timer.sector for timer in drain(model)]
    assert sectors[:6] == [2, 3, 1, 2, 3, 1]
    assert len(sectors) == 30


def test_lap_times_follow_the_base_lap_time_with_jitter() -> None:
    model = one_car(lap_ms=5000, jitter_ms=200, seed=3)
    model.advance_to(200_000)
    stamps = [timer.timestamp_ms for timer in drain(model)]
    laps = [b - a for a, b in itertools.pairwise(stamps)]
    assert 4400 <= min(laps) < max(laps) <= 5600
    assert 4900 <= sum(laps) / len(laps) <= 5100


def test_same_seed_gives_the_same_race_however_often_it_is_polled() -> None:
    config = ModelConfig(cars=default_cars(3), sensor_groups=2, seed=11)
    rarely = ControlUnitModel(config)
    rarely.advance_to(40_000)
    often = ControlUnitModel(config)
    seen = []
    for now in range(0, 40_001, 37):
        often.advance_to(now)
        seen.extend(drain(often))
    assert drain(rarely) == seen


def test_clock_cannot_go_back() -> None:
    model = ControlUnitModel()
    model.advance_to(1000)
    with pytest.raises(LocalProtocolError, match="cannot go back"):
        model.advance_to(999)


def test_start_sequence_holds_cars_counts_down_and_releases() -> None:
    model = one_car(lap_ms=4000, countdown_step_ms=1000, go_ms=1000)
    assert decode_reply(model.handle(START)) == Acknowledgement("T", b"")
    assert status(model).start == 1
    model.advance_to(60_000)
    assert drain(model) == [], "cars are held while all lights are on"
    model.handle(START)
    seen = [status(model).start]
    for step in range(1, 8):
        model.advance_to(60_000 + step * 1000)
        seen.append(status(model).start)
    assert seen == [2, 3, 4, 5, 6, 7, 0, 0]
    assert model.pending_events == 0
    model.advance_to(65_000 + 4000)
    timers = drain(model)
    assert len(timers) == 1, "released at 7 (go): one lap of 4 s after 65 s"
    assert timers[0].timestamp_ms == 65_000 + 4000


def test_escape_at_all_lights_on_is_a_quick_start() -> None:
    model = one_car()
    model.handle(START)
    model.advance_to(2000)
    model.handle(ESC)
    assert status(model).start == 0
    assert not model.cars_held


def test_false_start_shows_8_then_9_and_a_new_start_works() -> None:
    model = ControlUnitModel(
        ModelConfig(cars=default_cars(2), false_start_car=2, countdown_step_ms=1000)
    )
    model.handle(START)
    model.handle(START)
    model.advance_to(1000)
    assert status(model).start == 3
    model.advance_to(2000)
    assert status(model).start == 8
    model.advance_to(2600)
    assert status(model).start == 9
    model.advance_to(30_000)
    assert status(model).start == 9 and drain(model) == [], "cars stay held after a false start"
    model.handle(START)
    assert status(model).start == 1
    model.handle(START)
    model.advance_to(36_000)
    assert status(model).start == 0, "the car jumps only once; the second start runs to 0"


def test_timer_reset_restarts_the_clock_and_refuels() -> None:
    model = one_car(lap_ms=3000, mode=ModeFlags.FUEL | ModeFlags.PIT_LANE, pit_below=0)
    model.advance_to(30_000)
    before = drain(model)
    assert before[-1].timestamp_ms == 30_000
    assert status(model).fuel[0] < 15
    assert decode_reply(model.handle(ResetRequest())) == Acknowledgement("=", b"")
    assert status(model).fuel[0] == 15
    model.advance_to(33_000)
    after = drain(model)
    assert [t.timestamp_ms for t in after] == [3000], "clock restarted from 0 at the reset"
    assert model.truth.crossings[-1].timer_epoch == 1


def test_reset_does_not_refuel_while_the_lights_are_on() -> None:
    model = one_car(lap_ms=3000, mode=ModeFlags.FUEL | ModeFlags.PIT_LANE, pit_below=0)
    model.advance_to(30_000)
    low = status(model).fuel[0]
    model.handle(START)
    model.handle(ResetRequest())
    assert status(model).fuel[0] == low < 15
    assert model.device_ms == 0


def test_fuel_and_pit_are_reported_only_with_the_pit_lane_adapter() -> None:
    model = one_car(lap_ms=3000, mode=ModeFlags.FUEL)
    model.advance_to(30_000)
    assert status(model).fuel == (0,) * 8
    model.set_mode(ModeFlags.FUEL | ModeFlags.PIT_LANE)
    reported = status(model)
    assert 0 < reported.fuel[0] < 15
    assert reported.mode == ModeFlags.FUEL | ModeFlags.PIT_LANE


def test_low_car_goes_into_the_pit_and_comes_out_full() -> None:
    model = one_car(
        lap_ms=3000,
        mode=ModeFlags.FUEL | ModeFlags.PIT_LANE,
        fuel_per_lap=2.0,
        pit_below=4.0,
        refuel_ms_per_level=100,
        pit_lane_ms=1000,
    )
    # 15 -> 13 -> ... -> 3 after 6 laps (18 s): below 4, the car enters the pit lane.
    model.advance_to(18_500)
    in_pit = status(model)
    assert in_pit.pit == 0b1
    assert 3 <= in_pit.fuel[0] < 15
    model.advance_to(18_000 + 1000 + 1200 + 100)  # 12 levels at 100 ms + 1 s lane
    out = status(model)
    assert out.pit == 0 and out.fuel[0] == 15
    laps = [t.timestamp_ms for t in drain(model) if t.sector == 1]
    model.advance_to(30_000)
    laps += [t.timestamp_ms for t in drain(model) if t.sector == 1]
    assert laps[0] - 18_000 == 3000 + 2200, "the pit stop (1 s lane + 12 levels) lengthened the lap"


def test_empty_tank_without_pit_lane_stops_counting() -> None:
    model = one_car(lap_ms=2000, mode=ModeFlags.FUEL, fuel_per_lap=5.0)
    model.advance_to(20_000)
    assert len(drain(model)) == 3, "15 - 3 * 5 = 0: later crossings are not counted"
    assert {item.reason for item in model.truth.suppressed} == {"empty tank"}


def test_mask_stops_counting_a_car_and_start_clears_it() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(2), seed=1))
    assert decode_reply(model.handle(MaskRequest(0b10))) == Acknowledgement(":", b"")
    model.advance_to(30_000)
    assert {timer.address for timer in drain(model)} == {1}
    assert {item.car for item in model.truth.suppressed} == {2}
    model.handle(START)
    assert model.mask == 0
    model.handle(ESC)
    model.advance_to(60_000)
    assert {timer.address for timer in drain(model)} == {1, 2}


def test_speed_word_slows_the_car_a_little() -> None:
    model = one_car(lap_ms=5000)
    assert decode_reply(model.handle(WordRequest(0, 0, 5, 2))) == Acknowledgement("J", b"")
    assert model.speed_of(1) == 5
    model.advance_to(50_000)
    stamps = [t.timestamp_ms for t in drain(model)]
    # the lap in progress keeps its time; later laps take 5000 * (1 + 0.02 * 10) = 6000 ms
    assert stamps[1] - stamps[0] == 6000


def test_position_tower_words_are_kept() -> None:
    model = ControlUnitModel()
    model.handle(WordRequest(6, 5, 4, 1))
    model.handle(WordRequest(7, 2, 1, 1))
    model.handle(WordRequest(17, 7, 1, 1))
    model.handle(WordRequest(18, 7, 2, 1))
    tower = model.tower
    assert tower.positions == ((6, 4),) and tower.finished == {3} and tower.lap == 0x12
    model.handle(WordRequest(6, 0, 9, 1))
    assert model.tower.positions == () and model.tower.lap == 0


def test_the_cu_writes_its_own_count_on_the_tower_and_a_pc_row_moves_a_car() -> None:
    model = ControlUnitModel(ModelConfig(cars=(CarSpec(1, 4000, 0), CarSpec(2, 5000, 0))))
    model.advance_to(12_500)  # car 1: 3 crossings = 2 laps; car 2: 2 crossings = 1 lap
    assert model.tower.order() == (1, 2) and model.tower.lap == 2
    model.handle(WordRequest(6, 1, 1, 1))  # the PC shows car 2 first: it takes row 1
    assert model.tower.order() == (2,) and model.tower.lap == 2
    model.handle(WordRequest(6, 0, 9, 1))
    model.advance_to(15_500)  # car 2 crosses: its first crossing since the clear, no lap
    assert model.tower.positions == () and model.tower.lap == 0
    quiet = ControlUnitModel(ModelConfig(cars=(CarSpec(1, 4000, 0),), tower_counts_laps=False))
    quiet.advance_to(10_500)
    assert quiet.tower == TowerState()


def test_queue_limit_drops_the_oldest() -> None:
    model = one_car(lap_ms=1000, queue_limit=5)
    model.advance_to(10_000)
    assert [t.timestamp_ms for t in drain(model)] == [6000, 7000, 8000, 9000, 10_000]
    assert len(model.truth.with_fate(Fate.OVERFLOWED)) == 5


def test_faults_are_accounted_for_in_the_truth_log() -> None:
    faults = Faults(corrupt_rate=0.1, drop_rate=0.1, duplicate_rate=0.1, seed=5)
    model = ControlUnitModel(ModelConfig(cars=default_cars(4), sensor_groups=3), faults)
    corrupted = dropped = duplicates = 0
    intact = []
    previous = None
    for now in range(0, 120_000, 50):
        model.advance_to(now)
        reply = model.handle(PollRequest())
        if reply is None:
            dropped += 1
            previous = None
            continue
        try:
            decoded = decode_reply(reply)
        except RemoteProtocolError:
            corrupted += 1
            previous = None
            continue
        if isinstance(decoded, TimerReply):
            if reply == previous:
                duplicates += 1
                continue
            intact.append((decoded.address, decoded.sector, decoded.timestamp_ms))
            previous = reply
        else:
            previous = None
    truth = model.truth
    assert intact == truth.delivered_intact()
    assert corrupted == truth.corrupted_replies and corrupted > 100
    assert dropped == truth.dropped_replies and dropped > 100
    assert duplicates == truth.duplicated > 10
    fates = {fate: len(truth.with_fate(fate)) for fate in Fate}
    assert fates[Fate.CORRUPTED] > 0 and fates[Fate.DROPPED] > 0
    assert sum(fates.values()) == len(truth.crossings)
    assert fates[Fate.INTACT] == len(intact)
    summary = truth.summary()
    assert summary["queued"] == len(truth.crossings)
    assert [line.count('"type"') for line in truth.json_lines()] == [1] * (
        len(truth.crossings) + len(truth.suppressed) + 1
    )


def test_commands_are_never_faulted_by_default() -> None:
    model = ControlUnitModel(faults=Faults(drop_rate=1.0))
    assert model.handle(PollRequest()) is None
    assert model.handle(VersionRequest()) is not None
    assert model.handle(WordRequest(6, 0, 9, 1)) == b"J"


def test_truth_knows_when_a_hangup_cut_short_the_wait_for_a_dropped_reply() -> None:
    model = ControlUnitModel(faults=Faults(drop_rate=1.0))
    assert model.handle(PollRequest()) is None
    model.record_hangup()
    assert model.handle(PollRequest()) is None
    model.handle(VersionRequest())  # the host gave up waiting and asked something else
    model.record_hangup()
    assert model.truth.dropped_replies == 2
    assert model.truth.dropped_then_hung_up == 1


def test_queued_events_survive_a_hangup() -> None:
    model = one_car(lap_ms=1000)
    model.advance_to(5000)
    model.record_hangup(unanswered=1)
    assert len(drain(model)) == 5
    assert model.truth.hangups == 1 and model.truth.unanswered_at_hangup == 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("9", "1..8"),
        ("1:0.5", "at least 1000 ms"),
        ("1:5.2,1:5.3", "once"),
        ("1-5.2", "CAR:LAP_SECONDS"),
        ("x:5", "whole number"),
        ("1:5:0.1:5/x", "schedule of car '1:5:0.1:5/x'"),
        ("1:5:0.1:5//6", "laps in seconds split by '/'"),
        ("1:5:0.1:5/0.4", "scheduled lap 2 must take at least 1000 ms"),
        ("1:5:0.1:2+2+1:9", "CAR:LAP_SECONDS:JITTER_SECONDS:SCHEDULE"),
        ("1:5:0.1:2+2+1", r"one part per sensor group \(1\), got 3"),
    ],
)
def test_bad_cars_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(SimulatorConfigError, match=message):
        ModelConfig(cars=parse_cars(spec))


def test_cars_and_faults_specs() -> None:
    assert parse_cars("1:5.2,3:6:0.3") == (CarSpec(1, 5200, 130), CarSpec(3, 6000, 300))
    assert parse_cars("2:6:0.1:6.5/2+2+1.9") == (
        CarSpec(2, 6000, 100, schedule=((6500,), (2000, 2000, 1900))),)
    assert len(parse_cars("6")) == 6
    faults = parse_faults("corrupt=0.02,drop=0.02,dup=0.02,hangup=20", seed=4)
    assert faults == Faults(0.02, 0.02, 0.02, 20.0, seed=4)
    with pytest.raises(SimulatorConfigError, match="KEY=VALUE"):
        parse_faults("lose=0.1")
    with pytest.raises(SimulatorConfigError, match=r"0\.\.1"):
        parse_faults("drop=2")


_OPERATIONS = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 20_000)),
    st.tuples(st.just("poll"), st.integers(1, 30)),
    st.tuples(
        st.just("request"),
        st.sampled_from(
            [
                START,
                ESC,
                ResetRequest(),
                MaskRequest(0b101),
                MaskRequest(0),
                WordRequest(0, 1, 3, 2),
            ]
        ),
    ),
)


@given(
    operations=st.lists(_OPERATIONS, max_size=40),
    seed=st.integers(0, 3),
    rates=st.tuples(st.floats(0, 0.3), st.floats(0, 0.3), st.floats(0, 0.3)),
)
@settings(max_examples=40)
def test_any_session_is_fully_accounted_for(operations, seed, rates) -> None:
    """Whatever a host does, every crossing has one fate and intact ones arrive once, in order;
    the ones never handed out are exactly those the CU still holds."""
    faults = Faults(*rates, reorder_rate=rates[0], seed=seed)
    config = ModelConfig(
        cars=default_cars(3),
        sensor_groups=3,
        seed=seed,
        false_start_car=2,
        mode=ModeFlags.FUEL | ModeFlags.PIT_LANE,
    )
    model = ControlUnitModel(config, faults)
    now = 0
    intact = []
    previous = None
    for kind, argument in operations:
        if kind == "advance":
            now += argument
            model.advance_to(now)
        elif kind == "request":
            assert model.handle(argument) is not None
        else:
            for _ in range(argument):
                reply = model.handle(PollRequest())
                try:
                    decoded = decode_reply(reply) if reply is not None else None
                except RemoteProtocolError:
                    decoded = None
                if isinstance(decoded, TimerReply):
                    if reply != previous:
                        intact.append((decoded.address, decoded.sector, decoded.timestamp_ms))
                    previous = reply
                else:
                    assert decoded is None or 0 <= decoded.start <= 9
                    previous = None
    truth = model.truth
    assert intact == truth.delivered_intact()
    assert model.pending_events == len(truth.with_fate(Fate.QUEUED))
    assert sum(len(truth.with_fate(fate)) for fate in Fate) == len(truth.crossings)
    assert [c.key for c in truth.handed_out() if c.fate is Fate.INTACT] == intact
    assert sorted(c.seq for c in model.queued()) == [c.seq for c in truth.with_fate(Fate.QUEUED)]


# --- worse than hardware -------------------------------------------------------------


def test_worse_than_hardware_faults_parse_from_the_command_line() -> None:
    faults = parse_faults(
        "repeat=0.02,reorder=0.1,garble=0.05,nodollar=0.02,noise=0.02,resetrace=1,"
        "hangup=20,powercycle=2,outage=45"
    )
    assert faults == Faults(
        hangup_every_s=20.0,
        repeat_rate=0.02,
        reorder_rate=0.1,
        garble_rate=0.05,
        unterminated_rate=0.02,
        noise_rate=0.02,
        crossing_at_reset=True,
        power_cycle_every=2,
        outage_s=45.0,
    )
    with pytest.raises(SimulatorConfigError, match="wire fault rates"):
        Faults(unterminated_rate=0.6, noise_rate=0.6)


def test_repeats_are_not_consecutive_and_counted() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(4)), Faults(repeat_rate=0.3, seed=3))
    model.advance_to(60_000)
    seen = [poll(model) for _ in range(40)]
    timers = [(r.address, r.timestamp_ms) for r in seen if isinstance(r, TimerReply)]
    assert model.truth.repeated > 0
    assert len(timers) - len(set(timers)) == model.truth.repeated
    assert all(a != b for a, b in itertools.pairwise(timers))  # never the previous frame


def test_garbled_timestamps_are_checksum_valid_far_ahead_and_never_first() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(4)), Faults(garble_rate=1.0))
    model.advance_to(30_000)
    queued = [c.device_ms for c in model.truth.crossings]
    first, *rest = [r for r in (poll(model) for _ in range(len(queued)))]
    assert first.timestamp_ms == queued[0]  # the first crossing on a clock is never garbled
    assert all(r.timestamp_ms >= q + 2**20 for r, q in zip(rest, queued[1:], strict=True))
    assert model.truth.garbled == len(rest) and not model.truth.with_fate(Fate.INTACT)[1:]


def test_reordered_crossings_are_reported_after_the_next_one() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(8)), Faults(reorder_rate=0.5, seed=1))
    model.advance_to(40_000)
    timers = drain(model)
    times = [t.timestamp_ms for t in timers]
    assert model.truth.reordered > 0
    assert sum(b < a for a, b in itertools.pairwise(times)) == model.truth.reordered
    assert all(a - b <= 1500 for a, b in itertools.pairwise(times))


def test_the_truth_records_reordered_crossings_where_they_were_handed_out() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(8)), Faults(reorder_rate=0.5, seed=1))
    model.advance_to(40_000)
    timers = drain(model)
    handed_out = model.truth.handed_out()
    assert [(c.car, c.sensor, c.device_ms) for c in handed_out] == [
        (t.address, t.sector, t.timestamp_ms) for t in timers
    ]
    assert [c.seq for c in handed_out] != sorted(c.seq for c in handed_out)  # reordered
    assert [c.handed_out for c in handed_out] == list(range(len(handed_out)))


def test_a_crossing_held_back_to_be_reported_late_is_still_queued_in_the_cu() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(1)), Faults(reorder_rate=1.0, seed=1))
    for now in range(100, 20_000, 100):  # a host polling the queue empty every 100 ms
        model.advance_to(now)
        drain(model)
        if model.queued():  # a crossing waits for a later one to overtake it
            break
    (held,) = model.queued()
    assert model.truth.with_fate(Fate.QUEUED) == [held]
    assert model.pending_events == 1


def test_a_crossing_at_the_reset_keeps_the_old_clock() -> None:
    model = ControlUnitModel(ModelConfig(cars=default_cars(2)), Faults(crossing_at_reset=True))
    model.advance_to(20_000)
    drain(model)
    assert model.handle(ResetRequest()) is not None
    (late,) = drain(model)
    assert late.timestamp_ms == 20_000  # stamped by the clock before the reset
    assert model.truth.crossings[-1].timer_epoch == 0 and model.timer_epoch == 1


def test_a_power_cycle_restarts_the_clock_and_parks_the_cars_until_asked() -> None:
    model = one_car(lap_ms=5000)
    model.advance_to(22_000)
    drain(model)
    model.handle(PollRequest())
    model.advance_to(23_000)
    model.power_cycle()
    model.advance_to(60_000)  # the link is down for 37 s: no crossing while the cars wait
    assert model.pending_events == 0 and model.device_ms == 37_000
    assert model.handle(VersionRequest()) is not None  # the host is back
    model.advance_to(66_000)
    (first,) = drain(model)
    assert first.timestamp_ms > 37_000  # ahead of the last timestamp before the cycle
    assert model.truth.power_cycles == 1 and model.timer_epoch == 1


def _released(model: ControlUnitModel, until_ms: int, at_ms: int = 0) -> list[TimerReply]:
    """The start sequence from ``at_ms`` (lights on, the countdown, lights out 5 s later),
    then drive on to ``until_ms``: every crossing after the start."""
    model.handle(START)
    model.handle(START)
    timers = []
    for now in (*range(at_ms + 1000, at_ms + 8000, 1000), until_ms):
        model.advance_to(now)
        timers += drain(model)
    return timers


GO = 5000


def test_a_car_drives_its_schedule_lap_by_lap_from_its_first_crossing() -> None:
    # grid to the line at the base 5 s; then 6.5 s, then 2 s + 3 s + 1.5 s between the
    # three sensor groups (at 0.3 and 0.6 of the lap); then 5 s laps again
    spec = CarSpec(1, 5000, 0, schedule=((6500,), (2000, 3000, 1500)))
    config = ModelConfig(cars=(spec,), sensor_groups=3, sensor_fractions=(0.3, 0.6))
    model = ControlUnitModel(config)
    timers = [(t.sector, t.timestamp_ms - GO) for t in _released(model, 40_000)]
    assert timers[:12] == [
        (2, 1500), (3, 3000), (1, 5000),  # from the grid at 5 s a lap
        (2, 5000 + 1950), (3, 5000 + 3900), (1, 11_500),  # 6.5 s, evenly
        (2, 13_500), (3, 16_500), (1, 18_000),  # in its parts
        (2, 19_500), (3, 21_000), (1, 23_000),  # the base lap again
    ]
    # cars drive before the start too: the schedule begins at the first crossing after it
    early = ControlUnitModel(config)
    early.advance_to(12_000)
    drain(early)
    finish = [t.timestamp_ms for t in _released(early, 60_000, at_ms=12_000) if t.sector == 1]
    assert [b - a for a, b in itertools.pairwise(finish)][:3] == [6500, 6500, 5000]


def test_scheduled_laps_keep_each_crews_own_scatter() -> None:
    planned = ((6500,),) * 30
    cars = tuple(CarSpec(n, 5000, jitter, schedule=planned) for n, jitter in ((1, 50), (2, 400)))
    timers = _released(ControlUnitModel(ModelConfig(cars=cars, seed=5)), 220_000)
    spread = {}
    for car, jitter in ((1, 50), (2, 400)):
        stamps = [t.timestamp_ms for t in timers if t.address == car][:31]
        laps = [b - a for a, b in itertools.pairwise(stamps)]
        assert abs(sum(laps) / len(laps) - 6500) < jitter
        assert len(set(laps)) > 10
        spread[car] = max(abs(lap - 6500) for lap in laps)
        assert spread[car] <= 3 * jitter + 1
    assert spread[1] < spread[2]
