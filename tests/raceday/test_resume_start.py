"""A heat resumed in STARTING (race control or ``slotrace run`` killed -9 during the start):
the control unit's first word after the resume decides, and nobody gets a false start.

Each case: the heat is started on an event file and START pressed (race control's
`StartSequence` journaled, START sent); the control unit's reports before the kill are
journaled; the program dies; a new one resumes the heat through the event core
(`open_heat`, `continue_clock`) and the scripted control unit says its first words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from slotrace.drivers_api import CarPassed, EpochStarted, LinkUp, StartLight
from slotrace.engine import (
    AbortStart,
    AlertKind,
    SessionConfig,
    SessionKind,
    SessionPhase,
    StartMark,
)
from slotrace.raceday import LiveHeat, continue_clock, open_heat, press_start
from slotrace.raceday.opening import START_NOT_REACHED_REASON
from slotrace.store import EventFile
from slotrace.store.replay import replay_heat
from tests.raceday.scripted_run import run_heat_on
from tests.raceday.test_live_heat import FakeDriver, status

CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=3, cars=(1, 2))
OFF, READY, GO = StartLight.OFF, StartLight.READY, StartLight.GO
COUNTDOWN = [StartLight.COUNT_1, StartLight.COUNT_2, StartLight.COUNT_3, StartLight.COUNT_4,
             StartLight.COUNT_5]


def laps(first_ms: int, car_2_offset: int = 400) -> list[CarPassed]:
    """Both cars crossing the finish line four times (three laps), car 1 first."""
    out = []
    for lap in range(4):
        out.append(CarPassed(1, 1, first_ms + lap * 3000))
        out.append(CarPassed(2, 1, first_ms + lap * 3100 + car_2_offset))
    return out


@dataclass(frozen=True)
class Case:
    name: str
    before_kill: list[Any]
    """The control unit's reports journaled after START was pressed, before the kill."""
    first_words: list[Any]
    """What the control unit says on the resumed connection."""
    phase: SessionPhase
    alert: AlertKind | None
    """The start alert shown (START_NOT_SEEN / START_INTERRUPTED), if any."""
    aborted: bool
    """The event core journaled AbortStart: back on the grid because START never arrived."""
    presses: int
    """START presses ``slotrace run`` still sends for this heat (0: nothing to do)."""


CASES = [
    Case("racing: the lights were on before the kill, none now",
         [status(READY)], [LinkUp("cu"), status(OFF), *laps(40_000)],
         SessionPhase.FINISHED, AlertKind.START_NOT_SEEN, False, 0),
    Case("racing: the countdown was seen before the kill",
         [status(READY), *map(status, COUNTDOWN[:3])], [LinkUp("cu"), status(OFF),
                                                       *laps(40_000)],
         SessionPhase.FINISHED, AlertKind.START_NOT_SEEN, False, 0),
    Case("racing: countdown seen, a car crossing is the first word (the unit's queue)",
         [status(READY), status(COUNTDOWN[4])], [LinkUp("cu"), *laps(40_000)],
         SessionPhase.FINISHED, AlertKind.START_NOT_SEEN, False, 0),
    Case("idle: no lights ever reported, a car driving freely is the first word",
         [], [LinkUp("cu"), *laps(40_000)],
         SessionPhase.GRID, None, True, 2),
    Case("START reached it after all: no lights before the kill, lights on now",
         [], [LinkUp("cu"), status(READY)],
         SessionPhase.STARTING, None, False, 1),
    Case("lights still on: keeps waiting for the countdown",
         [status(READY)], [LinkUp("cu"), status(READY)],
         SessionPhase.STARTING, None, False, 1),
    Case("counting down on its own: keeps following the lights",
         [status(READY)], [LinkUp("cu"), status(COUNTDOWN[1])],
         SessionPhase.STARTING, None, False, 0),
    Case("idle: START never reached the control unit, no lights now",
         [], [LinkUp("cu"), status(OFF), *laps(40_000)],
         SessionPhase.GRID, None, True, 2),
    Case("restarted: the control unit's clock went back during the start",
         [status(READY)], [LinkUp("cu"), EpochStarted(1, "clock jumped back"), status(OFF)],
         SessionPhase.GRID, AlertKind.START_INTERRUPTED, False, 2),
]


def _kill_during_start(path: Path, before_kill: list[Any]) -> None:
    with EventFile.create(path) as ef:
        ef.start_heat("Heat 1", CONFIG)
    with EventFile.open(path) as ef:
        live = open_heat(ef, clock=lambda: 0.0).live  # type: ignore[union-attr]
        live.feed(LinkUp("cu"))
        live.feed(status(OFF))
        press_start(live, FakeDriver(True), "rc")  # type: ignore[arg-type]
        assert live.state.phase is SessionPhase.STARTING
        for item in before_kill:
            live.feed(item)
        assert live.state.phase is SessionPhase.STARTING  # killed -9 here


@contextmanager
def _resumed(path: Path) -> Iterator[tuple[EventFile, LiveHeat]]:
    with EventFile.open(path) as ef:
        opened = open_heat(ef, clock=lambda: 0.0)
        assert opened is not None and opened.resumed
        continue_clock(opened, FakeDriver(True), "rc")  # type: ignore[arg-type]
        yield ef, opened.live


def _start_alerts(live: LiveHeat) -> list[AlertKind]:
    kinds = (AlertKind.START_NOT_SEEN, AlertKind.START_INTERRUPTED)
    return [a.kind for a in live.state.alerts if a.kind in kinds]


def _no_false_starts(live: LiveHeat) -> None:
    assert not [a for a in live.state.alerts if a.kind is AlertKind.FALSE_START]
    assert all(not car.false_started and car.penalty_ms == 0 and car.stop_and_go_owed == 0
               for car in live.state.cars.values())
    assert not [d for d in live.state.stewards_log
                if getattr(d.command, "reason", "") == "false start"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_control_units_first_word_decides_a_resumed_start(
    tmp_path: Path, case: Case
) -> None:
    from slotrace.cli.heat_runner import _try_start

    path = tmp_path / "e.slotrace"
    _kill_during_start(path, case.before_kill)
    with _resumed(path) as (ef, live):
        assert live.state.phase is SessionPhase.STARTING, "decided before the device spoke"
        for word in case.first_words:
            live.offer(word)
        assert live.state.phase is case.phase
        assert _start_alerts(live) == ([case.alert] if case.alert else [])
        aborts = [d.command for d in live.state.stewards_log if isinstance(d.command, AbortStart)]
        assert [a.reason for a in aborts] == ([START_NOT_REACHED_REASON] if case.aborted else [])
        _no_false_starts(live)
        assert live.state == replay_heat(ef, 1), "the decision is in the journal"
        driver = FakeDriver(True)
        done = _try_start(live, driver, "slotrace run", lambda line: None)  # type: ignore[arg-type]
        assert done and len(driver.sent) == case.presses


def test_a_race_taken_from_the_device_counts_laps_from_the_first_crossing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "e.slotrace"
    _kill_during_start(path, [status(READY)])
    with _resumed(path) as (_, live):
        live.offer(LinkUp("cu"))
        live.offer(status(OFF))
        assert live.state.phase is SessionPhase.RUNNING
        [alert] = [a for a in live.state.alerts if a.kind is AlertKind.START_NOT_SEEN]
        assert "lights-out was not seen" in alert.message
        for crossing in laps(40_000)[:4]:  # two crossings each: one lap
            live.offer(crossing)
        assert live.state.start == StartMark(40_000, 0)
        assert (live.state.cars[1].laps, live.state.cars[2].laps) == (1, 1)
        assert live.state.cars[1].last_lap_ms == 3000


def test_lights_still_on_then_the_countdown_starts_the_race_normally(tmp_path: Path) -> None:
    path = tmp_path / "e.slotrace"
    _kill_during_start(path, [status(READY)])
    with _resumed(path) as (_, live):
        for word in (LinkUp("cu"), status(READY)):
            live.offer(word)
        press_start(live, FakeDriver(True), "rc")  # type: ignore[arg-type]  # the countdown
        for word in (*map(status, COUNTDOWN), status(GO), status(OFF), *laps(50_000)):
            live.offer(word)
        assert live.state.phase is SessionPhase.FINISHED
        assert _start_alerts(live) == []
        _no_false_starts(live)


def test_an_idle_control_unit_is_back_on_the_grid_and_a_new_start_runs_normally(
    tmp_path: Path,
) -> None:
    path = tmp_path / "e.slotrace"
    _kill_during_start(path, [])
    with _resumed(path) as (ef, live):
        for word in (LinkUp("cu"), status(OFF), CarPassed(1, 1, 30_000)):
            live.offer(word)  # a marshal lets a car go before anyone pressed START again
        assert live.state.phase is SessionPhase.GRID
        _no_false_starts(live)
        driver = FakeDriver(True)
        press_start(live, driver, "rc")  # type: ignore[arg-type]
        press_start(live, driver, "rc")  # type: ignore[arg-type]
        for word in (status(READY), *map(status, COUNTDOWN), status(GO), status(OFF),
                     *laps(50_000)):
            live.offer(word)
        assert live.state.phase is SessionPhase.FINISHED
        assert _start_alerts(live) == []
        _no_false_starts(live)
        assert live.state == replay_heat(ef, 1)


def test_a_resumed_start_still_waiting_for_the_devices_word_presses_nothing(
    tmp_path: Path,
) -> None:
    """``slotrace run`` resumed in STARTING: before the control unit said anything the
    decision is the device's, so START is not pressed (it would arm a racing control unit)."""
    from slotrace.cli.heat_runner import _try_start

    path = tmp_path / "e.slotrace"
    _kill_during_start(path, [])
    with _resumed(path) as (_, live):
        live.offer(LinkUp("cu"))
        driver = FakeDriver(True)
        assert not _try_start(live, driver, "slotrace run", lambda line: None)  # type: ignore[arg-type]
        assert driver.sent == []


def test_a_start_killed_during_the_lights_on_a_device_without_lights_goes_back_to_the_grid(
    tmp_path: Path,
) -> None:
    """Race control's own countdown died with it: back on the grid, start again."""
    from slotrace.drivers_api import Capabilities, Capability

    path = tmp_path / "e.slotrace"
    with EventFile.create(path) as ef:
        ef.start_heat("Heat 1", CONFIG)
    lightless = FakeDriver(True)
    lightless.capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=Capability(0))
    with EventFile.open(path) as ef:
        live = open_heat(ef, clock=lambda: 0.0).live  # type: ignore[union-attr]
        live.feed(LinkUp("gate"))
        press_start(live, lightless, "rc")  # type: ignore[arg-type]
    with EventFile.open(path) as ef:
        opened = open_heat(ef, clock=lambda: 0.0)
        assert opened is not None
        continue_clock(opened, lightless, "rc")  # type: ignore[arg-type]
        assert opened.live.state.phase is SessionPhase.GRID
        opened.live.offer(CarPassed(1, 1, 900))
        _no_false_starts(opened.live)


class ScriptedControlUnit:
    """A control unit on the resumed connection: reports its lights, answers START presses
    (off -> all on -> countdown -> go) and, once racing, both cars' three laps."""

    capabilities = FakeDriver(True).capabilities

    def __init__(self, light: StartLight, racing: bool) -> None:
        self.light = light
        self.racing = racing
        self.presses = 0

    def continue_clock(self, mark: Any) -> None:
        pass

    def send(self, command: Any) -> None:
        from slotrace.drivers_api import PressButton

        if isinstance(command, PressButton):
            self.presses += 1
            self.light = READY if self.light is OFF else COUNTDOWN[0]

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def events(self) -> Any:
        yield LinkUp("scripted control unit")
        for _ in range(20):
            if self.light is COUNTDOWN[0]:
                for light in (*COUNTDOWN, GO):
                    yield status(light)
                self.light, self.racing = OFF, True
            yield status(self.light)
            if self.racing:
                for crossing in laps(40_000):
                    yield crossing
                return


@pytest.mark.parametrize(("before_kill", "light", "racing", "presses", "printed"), [
    ([status(READY)], OFF, True, 0, "lights-out was not seen"),
    ([status(READY)], READY, False, 1, "START pressed (the lights were on already)"),
    ([], OFF, False, 2, "back on the grid: the start was interrupted"),
], ids=["already racing", "lights still on", "idle: START never arrived"])
def test_slotrace_run_finishes_a_heat_resumed_in_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before_kill: list[Any],
    light: StartLight, racing: bool, presses: int, printed: str,
) -> None:
    path = tmp_path / "e.slotrace"
    _kill_during_start(path, before_kill)
    unit = ScriptedControlUnit(light, racing)
    live, lines = run_heat_on(path, unit, CONFIG, monkeypatch)
    assert live.finished
    with EventFile.open(path, read_only=True) as ef:
        assert live.state == replay_heat(ef, 1)
    assert unit.presses == presses
    assert any(printed in line for line in lines), lines
    assert (live.state.cars[1].laps, live.state.cars[2].laps) == (3, 3)
    _no_false_starts(live)
