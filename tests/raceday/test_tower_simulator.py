"""End to end on the Carrera simulator: after a yellow flag and a correction the position tower
shows slotrace's standings, although the simulated CU writes its own count at every lap."""

from __future__ import annotations

import asyncio

from slotrace.drivers_api import LightPhase, StatusReport
from slotrace.engine import (
    AddLap,
    SessionConfig,
    SessionKind,
    SessionPhase,
    YellowFlag,
    standings,
)
from slotrace.raceday import LiveHeat, MemoryJournal, press_start
from slotrace_carrera.driver import CarreraDriver
from slotrace_carrera.sim_config import CarSpec
from slotrace_carrera.simulator_server import SimulatorServer
from tests.carrera.waiting import until

SPEEDUP = 20.0
CARS = (CarSpec(1, 4000, 0), CarSpec(2, 4300, 0), CarSpec(3, 4700, 0))
CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=200, cars=(1, 2, 3))


POLL_S = 0.005
"""Simulated seconds (before `SPEEDUP`) that pass per request the simulated CU answers."""


class PollClock:
    """The simulator's time source: it advances with the protocol exchange, one `POLL_S` per
    request answered, not with the wall clock, so a loaded machine slows the race and the
    polls alike and the test sees the same race. The test can stop it (the cars stop with it).
    """

    def __init__(self) -> None:
        self.sim: SimulatorServer | None = None
        self.frozen_at: float | None = None

    def __call__(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return 0.0 if self.sim is None else self.sim.requests_answered * POLL_S

    def freeze(self) -> None:
        self.frozen_at = self()


def cu_laps(sim: SimulatorServer) -> dict[int, int]:
    """Laps the simulated CU counted itself since the START."""
    return sim.model.own_laps


async def test_the_tower_shows_slotraces_order_after_a_yellow_flag_and_a_correction() -> None:
    clock = PollClock()
    sim = clock.sim = SimulatorServer(cars=CARS, speedup=SPEEDUP, clock=clock)
    target = await sim.start()
    # the simulated clock runs with the polls, as fast as the link goes: the driver's
    # plausibility bound on device time per wall second must not apply
    driver = CarreraDriver.open(target, clock_rate=1e9)
    live = LiveHeat(CONFIG, MemoryJournal())
    live.drive_device(driver)

    async def follow() -> None:
        async for event in driver.events():
            live.offer(event)

    await driver.start()
    follower = asyncio.create_task(follow())
    try:
        await until(lambda: live.link.up and live.tower_seats == 8, what="a tower reported")
        press_start(live, driver, "rc")
        await until(lambda: live.state.start_light.phase is LightPhase.ARMED, what="lights on")
        press_start(live, driver, "rc")
        await until(lambda: live.state.phase is SessionPhase.RUNNING, timeout=10,
                    what="the race running")

        def laps_of(car: int) -> int:
            return next(s.laps for s in standings(live.state) if s.car == car)

        await until(lambda: laps_of(3) >= 2, timeout=20, what="two laps of car 3")
        live.command(YellowFlag(on=True, reason="car off", author="marshal"))
        under_yellow = laps_of(1)
        await until(lambda: cu_laps(sim).get(1, 0) >= under_yellow + 2, timeout=20,
                    what="two laps of car 1 under yellow")
        live.command(YellowFlag(on=False, reason="clear", author="marshal"))
        await until(lambda: laps_of(3) >= 4, timeout=20, what="four laps of car 3")
        for _ in range(3):  # car 3 was missed by the sensor three times
            live.command(AddLap(car=3, reason="missed by the sensor", author="steward"))
        corrected = cu_laps(sim).get(1, 0)
        await until(lambda: cu_laps(sim).get(1, 0) >= corrected + 2, timeout=20,
                    what="two more laps of car 1, each written to the tower by the CU")
        clock.freeze()  # no crossing from here on: the CU writes nothing more by itself
        answered = sim.requests_answered
        await until(lambda: sim.requests_answered >= answered + 60, timeout=20,
                    what="the queued tower commands to reach the CU")
    finally:
        follower.cancel()
        await driver.close()
        await sim.stop()

    ours = [s for s in standings(live.state) if s.laps > 0]
    tower = sim.model.tower
    assert tower.order() == tuple(s.car for s in ours)
    assert tower.lap == max(s.laps for s in ours) % 250
    counted_by_cu = cu_laps(sim)
    assert counted_by_cu != {s.car: s.laps for s in ours}  # the CU's own count differs
    assert isinstance(live.last_status, StatusReport) and live.tower_problem == ""
