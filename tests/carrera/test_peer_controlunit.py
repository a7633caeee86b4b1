"""carreralib 2.0.0's own ControlUnit, pointed at our simulator, reads what the CU would send.

carreralib is the reference host implementation; if it reads our simulator's version,
status and timer events correctly over ``socket://`` and over a pty, the simulator speaks
the real wire format (framing, nibble encoding, checksums) and not just our own codec's.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from carreralib import ControlUnit

from slotrace.drivers_api import ModeFlags
from slotrace_carrera.sim_config import CarSpec, ModelConfig, default_cars
from slotrace_carrera.simulator_server import ServeOver, SimulatorServer

TRANSPORTS = [
    ServeOver.TCP,
    pytest.param(
        ServeOver.PTY,
        marks=pytest.mark.skipif(sys.platform == "win32", reason="ptys exist on POSIX only"),
    ),
]


def _session(target: str, steps):  # type: ignore[no-untyped-def]
    """Run blocking carreralib calls against ``target``; return their results."""
    unit = ControlUnit(target, timeout=5)
    try:
        return [step(unit) for step in steps]
    finally:
        unit.close()


def _poll_until_status(unit: ControlUnit) -> list[ControlUnit.Timer]:
    timers = []
    for _ in range(10_000):
        reply = unit.poll()
        if isinstance(reply, ControlUnit.Status):
            return timers
        assert isinstance(reply, ControlUnit.Timer), reply
        timers.append(reply)
    raise AssertionError("carreralib never saw the queue empty")


@pytest.mark.parametrize("over", TRANSPORTS)
async def test_carreralib_reads_version_and_status(over: ServeOver) -> None:
    config = ModelConfig(
        cars=(CarSpec(1, 5000, 0), CarSpec(3, 5000, 0)),
        version="5336",
        mode=ModeFlags.FUEL | ModeFlags.PIT_LANE,
        display=6,
    )
    async with SimulatorServer(config, over=over) as server:
        version, first, _press, _drain, lights_on = await asyncio.to_thread(
            _session,
            server.target,
            [
                ControlUnit.version,
                ControlUnit.poll,
                ControlUnit.start,
                _poll_until_status,
                ControlUnit.poll,
            ],
        )
    assert version == "5336"
    assert isinstance(first, ControlUnit.Status)
    assert tuple(first.fuel) == (15, 15, 15, 15, 15, 15, 0, 0)
    assert first.start == 0
    assert first.mode == ControlUnit.Status.FUEL_MODE | ControlUnit.Status.PIT_LANE_MODE
    assert first.pit == (False,) * 8
    assert first.display == 6
    assert lights_on.start == 1, "carreralib's start() pressed START: all lights on"


@pytest.mark.parametrize("over", TRANSPORTS)
async def test_carreralib_reads_every_timer_event(over: ServeOver) -> None:
    config = ModelConfig(cars=default_cars(4), sensor_groups=3, seed=21)
    async with SimulatorServer(config, over=over, speedup=400) as server:

        def race(unit: ControlUnit) -> list[ControlUnit.Timer]:
            timers: list[ControlUnit.Timer] = []
            while len(timers) < 60:
                timers.extend(_poll_until_status(unit))
            return timers

        (timers,) = await asyncio.to_thread(_session, server.target, [race])
        truth = server.truth.delivered_intact()
    seen = [(timer.address + 1, timer.sector, timer.timestamp) for timer in timers]
    assert seen == truth
    assert {timer.sector for timer in timers} == {1, 2, 3}
    assert {timer.address for timer in timers} == {0, 1, 2, 3}


async def test_carreralib_commands_reach_the_model() -> None:
    async with SimulatorServer(ModelConfig(cars=default_cars(2))) as server:
        await asyncio.to_thread(
            _session,
            server.target,
            [
                lambda unit: unit.setspeed(1, 7),
                lambda unit: unit.setpos(0, 2),
                lambda unit: unit.setlap(37),
                lambda unit: unit.ignore(0b10),
                ControlUnit.reset,
            ],
        )
        model = server.model
        assert model.speed_of(2) == 7
        assert model.tower.positions == ((1, 2),) and model.tower.lap == 37
        assert model.mask == 0b10
        assert model.timer_epoch == 1
