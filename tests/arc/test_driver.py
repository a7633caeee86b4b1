"""ARC driver against the fake bleak backend: every crossing the simulator's truth says was
reported arrives exactly once (drops, hang-ups, timer resets), at its exact device time."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from slotrace.drivers_api import (
    CarPassed,
    DeviceStringError,
    DriverError,
    EpochStarted,
    LinkDown,
    LinkUp,
    LocalProtocolError,
    ResetTimer,
    SetBrake,
    SetSpeed,
    open_device,
)
from slotrace_arc.driver import ArcDriver
from slotrace_arc.fake_ble import fake_powerbase_backend
from slotrace_arc.protocol import COMMAND_UUID
from slotrace_arc.sim_model import ArcFaults, Fate, PowerbaseModel, SimCar
from slotrace_arc.sim_server import parse_faults

ADDRESS = "ble:D4:8B:39:00:00:01"
CARS = [SimCar(1, 4.1, 0.2), SimCar(2, 4.6, 0.3), SimCar(3, 5.0, 0.1)]


async def race(model: PowerbaseModel, until_ms: float, **options) -> tuple[ArcDriver, list]:
    """Run a driver on ``model`` until model time ``until_ms`` (virtual time); all events."""
    backend = fake_powerbase_backend(model)
    driver = ArcDriver.open(ADDRESS, backend=backend, reconnect_delay=0, **options)
    events: list = []

    async def collect() -> None:
        async for event in driver.events():
            events.append(event)

    await driver.start()
    task = asyncio.create_task(collect())
    async with asyncio.timeout(30):
        while model.now_ms < until_ms:
            await asyncio.sleep(0)
        await drain(backend, driver)
    await driver.close()
    await task
    return driver, events


async def drain(backend: type, driver: ArcDriver) -> None:
    """Hold the model's clock and wait until the driver has read every notification."""
    backend.paused = True
    while driver.link.pending or not driver.link.is_open:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)


def crossings(events: list) -> list[tuple[int, int, int]]:
    return sorted((e.car, e.device_ms, e.epoch) for e in events if isinstance(e, CarPassed))


def truth(model: PowerbaseModel) -> list[tuple[int, int, int]]:
    return sorted((c.car, c.device_ms, c.reset) for c in model.reported())


async def test_clean_race_delivers_every_crossing_once() -> None:
    model = PowerbaseModel(CARS, seed=1, lane_change=0.3)
    _, events = await race(model, 120_000)
    assert isinstance(events[0], LinkUp)
    assert len(model.reported()) > 60
    assert crossings(events) == truth(model)


async def test_drops_and_hangups_lose_nothing_the_base_reported() -> None:
    model = PowerbaseModel(CARS, seed=2, faults=ArcFaults(drop=0.2, hangup_s=15))
    driver, events = await race(model, 150_000)
    assert model.hangups >= 5
    assert sum(isinstance(e, LinkDown) for e in events) == model.hangups
    assert [e.reconnects for e in events if isinstance(e, LinkUp)][-1] == model.hangups
    assert crossings(events) == truth(model)
    assert driver.stats.reconnects == model.hangups


async def test_base_writes_racing_command_on_every_connect() -> None:
    model = PowerbaseModel(CARS, seed=3, faults=ArcFaults(hangup_s=10))
    await race(model, 35_000)
    commands = [data for uuid, data in model.writes if uuid == COMMAND_UUID]
    assert len(commands) == model.hangups + 1
    assert all(data[0] == 3 for data in commands)


async def test_timer_reset_starts_one_epoch_and_later_laps_are_exact() -> None:
    model = PowerbaseModel(CARS, seed=4)
    backend = fake_powerbase_backend(model)
    driver = ArcDriver.open(ADDRESS, backend=backend, reconnect_delay=0)
    events: list = []

    async def collect() -> None:
        async for event in driver.events():
            events.append(event)

    await driver.start()
    task = asyncio.create_task(collect())
    async with asyncio.timeout(30):
        while model.now_ms < 30_000:
            await asyncio.sleep(0)
        driver.send(ResetTimer())
        while model.now_ms < 60_000:
            await asyncio.sleep(0)
        await drain(backend, driver)
    await driver.close()
    await task
    assert [e for e in events if isinstance(e, EpochStarted)] == [
        EpochStarted(1, "timer reset by race control")
    ]
    assert model.resets == 1
    assert crossings(events) == truth(model)


async def test_refuses_what_the_base_cannot_do() -> None:
    model = PowerbaseModel(CARS)
    driver = ArcDriver.open(ADDRESS, backend=fake_powerbase_backend(model))
    with pytest.raises(LocalProtocolError, match="SetBrake"):
        driver.send(SetBrake(1, 0.5))
    with pytest.raises(LocalProtocolError, match=r"car 7: the ARC powerbase runs cars 1\.\.6"):
        driver.send(SetSpeed(7, 0.5))


async def test_speed_zero_stops_a_car_while_the_clock_runs_and_its_lap_includes_the_stop() -> None:
    model = PowerbaseModel(CARS, seed=5, lane_change=0)
    backend = fake_powerbase_backend(model)
    driver = ArcDriver.open(ADDRESS, backend=backend, reconnect_delay=0)
    events: list = []

    async def collect() -> None:
        async for event in driver.events():
            events.append(event)

    await driver.start()
    task = asyncio.create_task(collect())
    async with asyncio.timeout(30):
        while model.now_ms < 20_000:
            await asyncio.sleep(0)
        driver.send(SetSpeed(2, 0.0))  # a track call for car 2 only
        while model.now_ms < 50_000:
            await asyncio.sleep(0)
        driver.send(SetSpeed(2, 1.0))
        while model.now_ms < 80_000:
            await asyncio.sleep(0)
        await drain(backend, driver)
    await driver.close()
    await task
    commands = [data for uuid, data in model.writes if uuid == COMMAND_UUID]
    assert [(c[0], c[2]) for c in commands] == [(3, 0x3F), (3, 0), (3, 0x3F)]
    assert all(c[1] == c[3] == 0x3F for c in commands)  # the other cars keep full power
    assert not any(isinstance(e, EpochStarted) for e in events)  # the clock never stopped
    assert crossings(events) == truth(model)
    def laps_of(car: int) -> list[int]:
        times = [e.device_ms for e in events if isinstance(e, CarPassed) and e.car == car]
        return [b - a for a, b in itertools.pairwise(times)]

    laps = {car: laps_of(car) for car in (1, 2, 3)}
    assert max(laps[2]) >= 25_000  # the lap spanning the stop includes it
    assert max(laps[1]) < 6_000 and max(laps[3]) < 6_000


@pytest.mark.parametrize("device", ["arc:ble:nonsense", "arc:/dev/ttyUSB0", "arc:socket://nohost"])
def test_bad_device_strings_say_what_is_accepted(device: str) -> None:
    with pytest.raises(DeviceStringError, match="arc:"):
        open_device(device)


def test_a_faces_clock_rate_is_accepted_and_unknown_options_are_named() -> None:
    # `slotrace run --sim-speedup` passes clock_rate to whichever driver it opens
    ArcDriver.open("socket://127.0.0.1:7879", clock_rate=50_000.0)
    with pytest.raises(DriverError, match=r"unknown option.*pace"):
        ArcDriver.open("socket://127.0.0.1:7879", pace=3)


async def test_power_cycles_start_one_epoch_each_and_lose_only_what_the_base_lost() -> None:
    model = PowerbaseModel(CARS, seed=6, faults=ArcFaults(drop=0.1, power_cycle_s=25))
    _, events = await race(model, 110_000)
    assert model.power_cycles == 4 and model.resets == 4
    # the clock restarted four times: one epoch each (not one per car), laps exact within them
    assert [e.epoch for e in events if isinstance(e, EpochStarted)] == [1, 2, 3, 4]
    assert crossings(events) == truth(model)
    assert any(c.fate is Fate.POWERED_OFF for c in model.truth)  # lost in the base, not by us
    # after each power cycle the base is woken by the driver's Command write on reconnect
    commands = [data for uuid, data in model.writes if uuid == COMMAND_UUID]
    assert len(commands) == 5 and all(data[0] == 3 for data in commands)


def test_the_simulator_knows_its_faults_by_name() -> None:
    assert parse_faults("drop=0.05,hangup=20,powercycle=60") == ArcFaults(0.05, 20, 60)
    with pytest.raises(DriverError, match="powercycle=SECONDS"):
        parse_faults("corrupt=0.1")
