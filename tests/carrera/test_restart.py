"""A stopped Carrera driver starts again (race control's reconnect key) and keeps its clock."""

from __future__ import annotations

from slotrace.drivers_api import CarPassed, EpochStarted, LinkDown, LinkUp
from slotrace_carrera.driver import CarreraDriver
from slotrace_carrera.sim_config import CarSpec, ModelConfig
from slotrace_carrera.simulator_server import SimulatorServer


async def crossings(driver: CarreraDriver, count: int) -> list[object]:
    events: list[object] = []
    async for event in driver.events():
        events.append(event)
        if sum(isinstance(e, CarPassed) for e in events) >= count:
            return events
    raise AssertionError(f"the event stream ended after {events}")


async def test_a_closed_driver_starts_again_and_keeps_its_epoch() -> None:
    # a CU on for 10 minutes: a restarted clock could not be that far, so it kept running
    config = ModelConfig(cars=(CarSpec(1, lap_ms=1000, jitter_ms=0),), clock_start_ms=600_000)
    async with SimulatorServer(config, speedup=10) as sim:
        driver = CarreraDriver.open(sim.target, **sim.driver_options())
        await driver.start()
        first = await crossings(driver, 2)
        await driver.close()
        assert [e for e in first if isinstance(e, LinkUp)] == [LinkUp(first[0].description)]
        rest = [e async for e in driver.events()]
        assert any(isinstance(e, LinkDown) for e in rest)

        await driver.start()  # before: RuntimeError "PollSession.start() called twice"
        again = await crossings(driver, 2)
        await driver.close()
    assert any(isinstance(e, LinkUp) for e in again)
    assert not any(isinstance(e, EpochStarted) for e in again)  # the CU kept running
    times = [e.device_ms for e in first + again if isinstance(e, CarPassed)]
    assert times == sorted(times) and len(set(times)) == len(times)
