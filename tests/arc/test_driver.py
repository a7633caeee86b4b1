"""ARC driver against the fake bleak backend: every crossing the simulator's truth says was
reported arrives exactly once (drops, hang-ups, timer resets), at its exact device time."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

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
    SetTrackPower,
    open_device,
)
from slotrace_arc.driver import ArcDriver
from slotrace_arc.fake_ble import fake_powerbase_backend
from slotrace_arc.protocol import COMMAND_UUID, power_multiplier
from slotrace_arc.sim_model import ArcFaults, Fate, PowerbaseModel, SimCar
from slotrace_arc.sim_server import parse_faults

ADDRESS = "ble:D4:8B:39:00:00:01"
CARS = [SimCar(1, 4.1, 0.2), SimCar(2, 4.6, 0.3), SimCar(3, 5.0, 0.1)]


Step = tuple[float, Any]
"""``(model ms, what)``: at that model time send ``what`` (a command) or call it with the driver."""


async def race(model: PowerbaseModel, until_ms: float, steps: tuple[Step, ...] = (),
               on_event: Callable[[Any], object] | None = None,
               done: Callable[[], bool] = lambda: False,
               **options: Any) -> tuple[ArcDriver, list]:
    """Run a driver on ``model`` until model time ``until_ms`` or ``done()`` (virtual time),
    taking ``steps`` on the way; every event, each also handed to ``on_event``."""
    backend = fake_powerbase_backend(model)
    driver = ArcDriver.open(ADDRESS, backend=backend, reconnect_delay=0, **options)
    events: list = []

    async def collect() -> None:
        async for event in driver.events():
            events.append(event)
            if on_event is not None:
                on_event(event)

    await driver.start()
    task = asyncio.create_task(collect())
    async with asyncio.timeout(30):
        for at_ms, what in (*steps, (until_ms, None)):
            while model.now_ms < at_ms and not done():
                await asyncio.sleep(0)
            if callable(what):
                what(driver)
            elif what is not None:
                driver.send(what)
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
    _, events = await race(model, 60_000, steps=((30_000, ResetTimer()),))
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
    _, events = await race(model, 80_000, steps=(
        (20_000, SetSpeed(2, 0.0)),  # a track call for car 2 only
        (50_000, SetSpeed(2, 1.0)),
    ))
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


async def test_track_power_holds_every_car_keeps_each_cars_level_and_the_clock_runs() -> None:
    model = PowerbaseModel(CARS, seed=6, lane_change=0)
    _, events = await race(model, 70_000, steps=(
        (0, SetSpeed(3, 0.5)),  # car 3 limited to half power before the hold
        (20_000, SetTrackPower(on=False)),  # race control suspends the race
        (25_000, SetSpeed(1, 0.75)),  # a level changed during the hold waits for the power
        (50_000, SetTrackPower(on=True)),
    ))
    commands = [data for uuid, data in model.writes if uuid == COMMAND_UUID]
    assert [(c[0], tuple(c[1:4])) for c in commands] == [
        (3, (0x3F, 0x3F, 0x3F)),  # connect: racing, full power
        (3, (0x3F, 0x3F, power_multiplier(0.5))),  # car 3 at half
        (3, (0, 0, 0)),  # held, still racing (the clock runs on)
        (3, (0, 0, 0)),  # car 1's new level kept back while held
        (3, (power_multiplier(0.75), 0x3F, power_multiplier(0.5))),  # each its own level back
    ]
    held = [e for e in events if isinstance(e, CarPassed) and 21_000 < e.device_ms <= 50_000]
    assert held == []  # nobody crossed the line from just after the cut until the power came back
    assert not any(isinstance(e, EpochStarted) for e in events)
    assert crossings(events) == truth(model)
    after = [e for e in events if isinstance(e, CarPassed) and e.device_ms > 50_000]
    assert {e.car for e in after} == {1, 2, 3}  # they all drive again


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


async def test_race_controls_countdown_on_the_powerbase_holds_the_cars_so_nobody_jumps_it() -> None:
    """The seam: a live heat on the real driver and the powerbase model. Between race control's
    lights on and its lights-out (10 s of a countdown, cars that were driving on the grid), no
    car crosses the line, and a crossing made on the grid but reported under the lights (the
    base reports each car every 1.8 s) is no false start; after lights-out every car races."""
    from slotrace.engine import AlertKind, SessionConfig, SessionKind, SessionPhase
    from slotrace.raceday import LiveHeat, MemoryJournal, press_start

    model = PowerbaseModel(CARS, seed=7, lane_change=0)
    live = LiveHeat(SessionConfig(kind=SessionKind.RACE_LAPS, laps=3, cars=(1, 2, 3)),
                    MemoryJournal(), clock=lambda: 0.0)

    def start(driver: ArcDriver) -> None:
        live.drive_device(driver)

    def press(driver: ArcDriver) -> None:
        press_start(live, driver, "race control")

    await race(model, 120_000, on_event=live.offer, done=lambda: live.finished, steps=(
        (0, start),
        (15_000, press),  # lights on, after the cars drove around on the grid: power cut
        (25_000, press),  # lights-out after race control's countdown: power back
    ))
    assert [a for a in live.state.alerts if a.kind is AlertKind.FALSE_START] == []
    assert [c for c in model.truth if 16_000 < c.device_ms <= 25_000] == []  # held
    assert live.state.phase is SessionPhase.FINISHED
    assert all(car.laps == 3 for car in live.state.cars.values())
