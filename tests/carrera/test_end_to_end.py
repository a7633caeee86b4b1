"""End-to-end: the Carrera driver against the simulator over socket:// and a pty, with faults.

A simulated race (4 cars, 3 sensor groups) runs at 25x speed with a simulator that
behaves worse than hardware: 2% corrupted replies, 2% dropped replies, 2% duplicated
timer frames, 2% non-consecutive repeats (A, B, A), 10% of the crossings reported out of
order, 8% of the timer replies with a checksum-valid garbled timestamp, 2% replies
without their ``$``, 2% noise bytes, a hang-up every 20 simulated seconds, the second of
them a CU power cycle whose clock comes back ahead of the last timestamp (the link stays
down 45 s), and a timer reset with a crossing stamped by the old clock still queued. The
driver's output is compared with the simulator's ground truth programmatically: every
timer frame delivered intact appears exactly once, in order and in the right clock epoch
(none lost, doubled or invented), every garbled one is quarantined, bad-frame, duplicate
and timeout counts match the truth exactly (a dropped reply whose wait a hang-up cut
short is a lost link, not a timeout), and every crossing is accounted for: handed out
once, lost in the power cycle, or exactly one of those still queued in the simulated CU. The same
faults (those a BLE notification can carry) run over the fake AppConnect backend.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from slotrace.drivers_api import (
    Button,
    CarPassed,
    DriverEvent,
    EpochStarted,
    LinkDown,
    LinkUp,
    PressButton,
    ResetTimer,
    load_driver,
)
from slotrace_carrera.ble import BleTransport
from slotrace_carrera.clock import ClockRules
from slotrace_carrera.session import PollSession, SessionSettings
from slotrace_carrera.sim_config import Faults, ModelConfig, default_cars
from slotrace_carrera.sim_truth import Crossing, Fate, TruthLog
from slotrace_carrera.simulator import ControlUnitModel

from .fake_ble import fake_cu_backend
from .waiting import until

SPEEDUP = 25.0
OUTAGE_S = 45.0
"""The power cycle at 40 s keeps the link down until 85 s: the clock comes back at ~45 s,
ahead of the ~40 s the driver saw last."""
RESET_AT_MODEL_MS = 86_000
"""After the outage, with the cars running again."""
RACE_MODEL_MS = 99_000
"""Simulated time to run at most: start sequence, a hang-up at 20 s, the power cycle at
40 s (the hang-ups due during the outage are skipped), the timer reset, and stop before
the next hang-up at 100 s."""
AFTER_RESET = 4
"""Crossings delivered on the reset clock before the race may end early."""

WORSE_THAN_HARDWARE = {
    "corrupt_rate": 0.02,
    "drop_rate": 0.02,
    "duplicate_rate": 0.02,
    "repeat_rate": 0.02,
    "reorder_rate": 0.1,  # of crossings (a race has ~80): reported after the next one
    "garble_rate": 0.08,  # of timer replies
    "crossing_at_reset": True,
}

DRIVER_OPTIONS = {
    "request_timeout": 0.15,  # real seconds; generous for a loaded 2-core machine
    "connect_timeout": 2.0,
    "max_consecutive_timeouts": 4,
    "min_reconnect_delay": 0.05,
    "max_reconnect_delay": 0.2,
    "clock_rate": 1000 * SPEEDUP,  # the simulated CU clock runs SPEEDUP times faster
}

TRANSPORTS = [
    "tcp",
    pytest.param(
        "pty", marks=pytest.mark.skipif(os.name != "posix", reason="ptys need Linux or macOS")
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("over", TRANSPORTS)
async def test_faulty_race_reaches_the_driver_exactly_as_the_simulator_delivered_it(over):
    carrera = load_driver("carrera")
    faults = Faults(
        **WORSE_THAN_HARDWARE,
        unterminated_rate=0.02,
        noise_rate=0.02,
        hangup_every_s=20.0,
        power_cycle_every=2,
        outage_s=OUTAGE_S,
        seed=7,
    )
    sim = carrera.simulator(over=over, speedup=SPEEDUP, faults=faults, cars=4, sensor_groups=3)
    target = await sim.start()
    driver = carrera.open(target, **DRIVER_OPTIONS)
    events: list[DriverEvent] = []

    async def collect() -> None:
        async for event in driver.events():
            events.append(event)

    try:
        await driver.start()
        collector = asyncio.create_task(collect())
        driver.send(PressButton(Button.START))
        driver.send(PressButton(Button.START))
        await until(lambda: sim.model_ms() >= RESET_AT_MODEL_MS, 30, "the power cycle")
        await until(lambda: sum(isinstance(e, LinkUp) for e in events) == 3, 10, "the link")
        driver.send(ResetTimer())
        truth = sim.truth

        def race_over() -> bool:
            on_reset_clock = truth.delivered_intact_epochs().count(sim.model.timer_epoch)
            return sim.model.timer_epoch == 2 and on_reset_clock >= AFTER_RESET

        await until(
            lambda: race_over() or sim.model_ms() >= RACE_MODEL_MS, 30, "the simulated race"
        )
        # End cleanly: a last hang-up lets the reply in flight reach the driver, then the
        # simulator stops so no further reply can be delivered behind the comparison's back.
        downs = sum(isinstance(e, LinkDown) for e in events)
        await sim.hang_up()
        await sim.stop()
        await until(
            lambda: sum(isinstance(e, LinkDown) for e in events) > downs, 5, "the final LinkDown"
        )
    finally:
        await driver.close()
        await sim.stop()
    await asyncio.wait_for(collector, 5)

    stats = driver.stats
    assert_exactly_as_delivered(
        events, truth, restarts=sim.model.timer_epoch, still_in_cu=sim.model.queued()
    )

    # the faults really happened, and the race really ran
    assert truth.hangups >= 3, truth.summary()
    assert truth.unterminated_replies > 0 and truth.noise > 0, truth.summary()
    assert truth.power_cycles == 1 and set(truth.delivered_intact_epochs()) == {0, 1, 2}
    assert len(truth.delivered_intact()) > 60

    # the driver's counters match the ground truth
    assert stats.bad_frames == truth.corrupted_replies + truth.noise
    assert stats.duplicates_dropped == truth.duplicated + truth.repeated
    assert stats.quarantined == truth.garbled
    # every dropped or unterminated reply is a timeout, except where a hang-up ended the
    # wait first
    assert stats.timeouts == (
        truth.dropped_replies
        + truth.unterminated_replies
        - truth.dropped_then_hung_up
        - truth.unterminated_then_hung_up
    )
    assert stats.reconnects == truth.hangups - 1  # the final hang-up is not reconnected
    assert sum(isinstance(e, LinkUp) for e in events) == truth.hangups


def assert_exactly_as_delivered(
    events: list[DriverEvent], truth: TruthLog, restarts: int, still_in_cu: list[Crossing]
) -> None:
    """None lost, doubled or invented, in the order and the clock epoch delivered;
    ``restarts`` = how often the CU clock restarted (``=``, power cycles), ``still_in_cu``
    = the crossings the simulated CU still holds at the end."""
    passed = [(e.car, e.sensor, e.device_ms) for e in events if isinstance(e, CarPassed)]
    assert passed == truth.delivered_intact(), truth.summary()
    # epochs: a new one exactly where the CU clock restarted (reset, power cycle) between
    # two delivered crossings, and nowhere else. A restart that no delivered crossing came
    # from (its every crossing lost) cannot be seen, so epochs are compared as where they
    # change, not by number
    epochs = [e.epoch for e in events if isinstance(e, CarPassed)]
    clocks = truth.delivered_intact_epochs()
    assert epochs == sorted(epochs), "an epoch went back"
    assert [i for i in range(1, len(epochs)) if epochs[i] != epochs[i - 1]] == [
        i for i in range(1, len(clocks)) if clocks[i] != clocks[i - 1]
    ], (epochs, clocks)
    started = sum(isinstance(e, EpochStarted) for e in events)
    assert started == len(set(epochs)) - 1 <= restarts
    # the faults really happened
    assert truth.corrupted_replies > 0 and truth.dropped_replies > 0, truth.summary()
    assert truth.duplicated + truth.repeated > 0 and truth.reordered > 0, truth.summary()
    assert truth.garbled > 0, truth.summary()
    # the crossing queued at the reset (old clock) is in the truth; if it arrived intact,
    # the comparisons above placed it in the epoch before the reset
    assert [c for c in truth.crossings if c.timer_epoch == restarts - 1]
    # every crossing is accounted for exactly: handed out by the CU once (intact ones
    # reached the driver exactly once, above), lost by the CU in its power cycle, or still
    # waiting in the CU's queue; hang-ups lost nothing still queued and nothing overflowed
    assert not truth.with_fate(Fate.OVERFLOWED)
    handed_out = [c.seq for c in truth.handed_out()]
    assert len(set(handed_out)) == len(handed_out), "a crossing was handed out twice"
    lost_by_cu = [c.seq for c in truth.with_fate(Fate.POWER_CYCLED)]
    waiting = [c.seq for c in still_in_cu]
    assert sorted(handed_out + lost_by_cu + waiting) == list(range(len(truth.crossings)))
    # the ones not delivered yet are exactly those still queued in the simulated CU
    assert sorted(waiting) == [c.seq for c in truth.with_fate(Fate.QUEUED)], truth.summary()


BLE_MS_PER_REQUEST = 100
"""Model time per BLE request: a 100 s race in about 1,000 round trips."""


async def test_faulty_race_over_the_fake_ble_backend_matches_the_truth():
    """The same race over the fake AppConnect dongle, with the faults a notification can
    carry (no lost '$' or noise: one notification is one reply). Host time is model time,
    so the clock judge works at the hardware's rate (1000 device ms per second)."""
    faults = Faults(**WORSE_THAN_HARDWARE, seed=7)
    cu = ControlUnitModel(ModelConfig(cars=default_cars(4), sensor_groups=3), faults)
    backend = fake_cu_backend(cu, BLE_MS_PER_REQUEST)
    session = PollSession(
        BleTransport("D4:8B:39:00:00:01", backend=backend),
        settings=SessionSettings(
            request_timeout=0.1,  # real seconds; the fake answers at once
            connect_timeout=2.0,
            max_consecutive_timeouts=4,
            min_reconnect_delay=0.0,
            max_reconnect_delay=0.01,
        ),
        rules=ClockRules(rate=1000.0),
        clock=lambda: cu.now_ms / 1000,
    )
    events: list[DriverEvent] = []
    hangups = 0

    def hang_up(outage_ms: float | None = None) -> None:
        nonlocal hangups
        live = [client for client in backend.instances if client.is_connected]
        live[-1].hang_up(outage_ms)
        hangups += 1

    async def collect() -> None:
        while (event := await session.next_event()) is not None:
            events.append(event)

    await session.start()
    collector = asyncio.create_task(collect())
    try:
        session.submit(PressButton(Button.START))
        session.submit(PressButton(Button.START))
        await until(lambda: cu.now_ms >= 20_000, 30, "the first hang-up")
        hang_up()
        await until(lambda: cu.now_ms >= 40_000, 30, "the power cycle")
        hang_up(outage_ms=OUTAGE_S * 1000)
        await until(lambda: cu.now_ms >= RESET_AT_MODEL_MS, 30, "the end of the outage")
        session.submit(ResetTimer())
        await until(
            lambda: cu.truth.delivered_intact_epochs().count(2) >= AFTER_RESET,
            30,
            "crossings on the reset clock",
        )
        downs = sum(isinstance(e, LinkDown) for e in events)
        backend.away_until_ms = float("inf")  # the dongle is gone: no reconnect after this
        hang_up()  # the reply in flight arrives; then the session is closed
        await until(
            lambda: sum(isinstance(e, LinkDown) for e in events) > downs, 5, "the last LinkDown"
        )
    finally:
        await session.close()
    await asyncio.wait_for(collector, 5)

    truth = cu.truth
    assert_exactly_as_delivered(events, truth, restarts=cu.timer_epoch, still_in_cu=cu.queued())
    stats = session.stats
    assert stats.bad_frames == truth.corrupted_replies
    assert stats.duplicates_dropped == truth.duplicated + truth.repeated
    assert stats.quarantined == truth.garbled
    assert stats.timeouts == truth.dropped_replies - truth.dropped_then_hung_up
    assert sum(isinstance(e, LinkUp) for e in events) == hangups
