"""End-to-end: the Carrera driver against the simulator over socket:// and a pty, with faults.

A simulated race (4 cars, 3 sensor groups, 2% corrupted replies, 2% dropped replies, 2%
duplicated timer frames, a hang-up every 20 simulated seconds) runs at 25x speed. The
driver's output is compared with the simulator's ground truth programmatically: every
timer frame delivered intact appears exactly once and in order (none lost, doubled or
invented), bad-frame, duplicate and timeout counts match the truth exactly (a dropped
reply whose wait a hang-up cut short is a lost link, not a timeout), and hang-ups lose
nothing still queued.
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
    load_driver,
)
from slotrace_carrera.sim_config import Faults
from slotrace_carrera.sim_truth import Fate

from .waiting import until

SPEEDUP = 25.0
RACE_MODEL_MS = 55_000
"""Simulated time to run: the ~7 s start sequence plus two scheduled hang-ups and more."""

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
        corrupt_rate=0.02, drop_rate=0.02, duplicate_rate=0.02, hangup_every_s=20.0, seed=7
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
        driver.send(PressButton(Button.START_ENTER))
        driver.send(PressButton(Button.START_ENTER))
        await until(lambda: sim.model_ms() >= RACE_MODEL_MS, 30, "the simulated race")
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

    truth = sim.truth
    stats = driver.stats
    passed = [(e.car, e.sensor, e.device_ms) for e in events if isinstance(e, CarPassed)]

    # the faults really happened, and the race really ran
    assert truth.hangups >= 3, truth.summary()
    assert truth.corrupted_replies > 0 and truth.dropped_replies > 0 and truth.duplicated > 0
    assert len(truth.delivered_intact()) > 60

    # none lost, none doubled, none invented, in the order delivered
    assert passed == truth.delivered_intact()
    assert all(e.epoch == 0 for e in events if isinstance(e, CarPassed))
    assert not [e for e in events if isinstance(e, EpochStarted)]

    # the driver's counters match the ground truth
    assert stats.bad_frames == truth.corrupted_replies
    assert stats.duplicates_dropped == truth.duplicated
    # every dropped reply is a timeout, except where a hang-up ended the wait first
    assert stats.timeouts == truth.dropped_replies - truth.dropped_then_hung_up
    assert stats.reconnects == truth.hangups - 1  # the final hang-up is not reconnected
    assert sum(isinstance(e, LinkUp) for e in events) == truth.hangups

    # hang-ups lose nothing still queued: every crossing was delivered (intact, corrupted
    # or dropped on purpose) or is still waiting; none vanished or overflowed
    assert not truth.with_fate(Fate.OVERFLOWED)
    assert all(
        c.fate in (Fate.INTACT, Fate.CORRUPTED, Fate.DROPPED, Fate.QUEUED) for c in truth.crossings
    )
    # and the driver kept up: only crossings after the last poll are still queued
    queued = truth.with_fate(Fate.QUEUED)
    assert all(c.seq > max(d.seq for d in truth.with_fate(Fate.INTACT)) for c in queued)
