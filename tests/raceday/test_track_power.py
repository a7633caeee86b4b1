"""A device that can cut the track power holds the cars while race control's lights are on and
while the race is suspended (a car cannot jump lights it cannot move under), and lets them go
at lights-out, on resuming and after the finish."""

from __future__ import annotations

from typing import Any

import pytest

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    DriverError,
    LinkDown,
    LinkUp,
    SetTrackPower,
)
from slotrace.engine import (
    AbortStart,
    LightsOut,
    Resume,
    SessionConfig,
    SessionKind,
    SessionPhase,
    StartSequence,
    Suspend,
)
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.raceday.live import track_power_wanted
from tests.raceday.scripted_run import run_heat_on

CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=2, cars=(1, 2))
RC = {"author": "race control"}


class PowerDriver:
    def __init__(self, flags: Capability = Capability.TRACK_POWER) -> None:
        self.capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=flags)
        self.sent: list[Any] = []
        self.refuse = False

    def send(self, command: Any) -> None:
        if self.refuse:
            raise DriverError("the powerbase is not connected")
        self.sent.append(command)

    @property
    def power(self) -> list[bool]:
        return [c.on for c in self.sent if isinstance(c, SetTrackPower)]


def heat(driver: PowerDriver) -> LiveHeat:
    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.drive_device(driver)
    live.offer(LinkUp("test"))
    return live


def test_the_cars_are_held_under_the_lights_and_while_suspended_and_nowhere_else() -> None:
    driver = PowerDriver()
    live = heat(driver)
    # on the grid the cars drive: said when the heat takes the driver and again at each
    # LinkUp (a device that restarted knows nothing of slotrace's hold)
    assert driver.power == [True, True]
    driver.sent.clear()
    live.command(StartSequence(reason="start", **RC))
    assert driver.power == [False]
    live.command(LightsOut(reason="go", **RC))
    assert live.state.phase is SessionPhase.RUNNING
    assert driver.power == [False, True]
    live.offer(CarPassed(1, 1, 1000))
    live.offer(CarPassed(2, 1, 1100))
    live.command(Suspend(reason="crash at the hairpin", **RC))
    live.command(Resume(reason="track clear", **RC))
    assert driver.power == [False, True, False, True]
    for at in (9000, 9100, 17000, 17100):
        live.offer(CarPassed(1 if at % 1000 == 0 else 2, 1, at))
    assert live.state.phase is SessionPhase.FINISHED
    assert driver.power == [False, True, False, True]  # after the flag: to the pits


def test_an_aborted_start_gives_the_power_back_and_a_reconnect_says_it_again() -> None:
    driver = PowerDriver()
    live = heat(driver)
    driver.sent.clear()
    live.command(StartSequence(reason="start", **RC))
    live.offer(LinkDown("out of range"))
    live.offer(LinkUp("test", reconnects=1))  # a base that restarted forgot the hold
    assert driver.power == [False, False]
    live.command(AbortStart(reason="a car is off the track", **RC))
    assert driver.power == [False, False, True]


def test_a_refused_power_command_is_named_and_tried_again_at_the_next_input() -> None:
    driver = PowerDriver()
    live = heat(driver)
    driver.sent.clear()
    driver.refuse = True
    live.command(StartSequence(reason="start", **RC))
    assert live.power_problem == "track power not cut: the powerbase is not connected"
    driver.refuse = False
    live.offer(CarPassed(1, 1, 500))  # any input
    assert driver.power == [False]
    assert live.power_problem == ""


@pytest.mark.parametrize("flags", [
    Capability.NONE,  # nothing to cut
    Capability.TRACK_POWER | Capability.START_LIGHTS,  # its own lights hold the cars
])
def test_only_a_lightless_device_that_can_cut_the_power_is_sent_any(flags: Capability) -> None:
    driver = PowerDriver(flags)
    live = heat(driver)
    live.command(StartSequence(reason="start", **RC))
    live.command(LightsOut(reason="go", **RC))
    assert driver.sent == []


def test_the_power_follows_the_phase() -> None:
    assert [phase for phase in SessionPhase if not track_power_wanted(phase)] == [
        SessionPhase.STARTING, SessionPhase.SUSPENDED]


class RefusingPowerbase:
    """A lightless base whose driver refuses every track-power command (a face must say so)."""

    capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=Capability.TRACK_POWER)

    def continue_clock(self, mark: Any) -> None:
        pass

    def send(self, command: Any) -> None:
        if isinstance(command, SetTrackPower):
            raise DriverError("the base refused the Command write")

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def events(self) -> Any:
        yield LinkUp("refusing base")
        for lap in range(3):
            for car in (1, 2):
                yield CarPassed(car, 1, 1000 + 8000 * lap + 100 * car)


def test_slotrace_run_says_once_that_the_track_power_could_not_be_switched(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from slotrace.store import EventFile

    path = tmp_path / "e.slotrace"
    with EventFile.create(path) as ef:
        ef.start_heat("Heat 1", CONFIG)
    live, lines = run_heat_on(path, RefusingPowerbase(), CONFIG, monkeypatch)
    assert live.finished
    # said once while it lasts (every crossing after it would repeat it), not per event
    assert [line for line in lines if "track power" in line] == [
        "  WARNING: track power not restored: the base refused the Command write"], lines
