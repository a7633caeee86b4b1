"""The live heat journals before it applies; a resume keeps the clock; failures are visible."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    ClockMark,
    EpochStarted,
    LinkUp,
    ModeFlags,
    StartLight,
    StatusReport,
)
from slotrace.engine import (
    SessionConfig,
    SessionKind,
    SessionPhase,
    StartSequence,
    fold,
    standings,
)
from slotrace.raceday import (
    LiveHeat,
    StartRefusedError,
    continue_clock,
    open_heat,
    press_start,
    start_refusal,
)
from slotrace.store import EventFile, EventFileError
from slotrace.store.replay import replay_heat
from tests.store.race_stream import race_stream

CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=30, cars=(1, 2, 3, 4, 5, 6))


def status(light: StartLight) -> StatusReport:
    return StatusReport(fuel=(15,) * 8, start_light=light, mode=ModeFlags.FUEL)


class FakeDriver:
    """Just what the core asks of a driver: capabilities, continue_clock, send."""

    def __init__(self, continuity: bool) -> None:
        flags = Capability.START_LIGHTS | (
            Capability.CLOCK_CONTINUITY if continuity else Capability(0))
        self.capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=flags)
        self.clock_mark: ClockMark | None = None
        self.sent: list[Any] = []

    def continue_clock(self, mark: ClockMark) -> None:
        self.clock_mark = mark

    def send(self, command: Any) -> None:
        self.sent.append(command)


def _start_heat(path: Path) -> None:
    with EventFile.create(path) as ef:
        ef.start_heat("Heat 1", CONFIG)


def test_live_state_always_equals_replaying_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "e.slotrace"
    stream = race_stream(11, laps=10)
    _start_heat(path)
    with EventFile.open(path) as ef:
        opened = open_heat(ef, clock=lambda: 0.0)
        assert opened is not None and opened.resumed
        for item in stream:
            opened.live.feed(item)
        assert opened.live.state == replay_heat(ef, opened.heat.id)
        assert standings(opened.live.state) == standings(fold(CONFIG, stream))


@pytest.mark.parametrize("continuity", [True, False])
def test_resume_keeps_the_epoch_and_counts_the_lap_across_the_restart(
    tmp_path: Path, continuity: bool
) -> None:
    path = tmp_path / "e.slotrace"
    _start_heat(path)
    with EventFile.open(path) as ef:
        live = open_heat(ef, clock=lambda: 0.0).live  # type: ignore[union-attr]
        for item in (StartSequence(), status(StartLight.READY), status(StartLight.GO),
                     status(StartLight.OFF), CarPassed(1, 1, 1000), CarPassed(1, 1, 5000)):
            live.feed(item)
        assert live.state.cars[1].laps == 1
    with EventFile.open(path) as ef:  # killed and reopened; the control unit kept running
        opened = open_heat(ef, clock=lambda: 0.0)
        assert opened is not None and opened.resumed
        driver = FakeDriver(continuity)
        continue_clock(opened, driver, "race control")  # type: ignore[arg-type]
        live = opened.live
        if continuity:
            assert driver.clock_mark is not None
            assert (driver.clock_mark.epoch, driver.clock_mark.device_ms) == (0, 5000)
            live.offer(CarPassed(1, 1, 9000))  # the lap spanning the restart
            assert live.state.cars[1].laps == 2
            assert not any(isinstance(row.item(), EpochStarted) for row in ef.journal(1))
        else:  # conservative: a new epoch, the lap in progress is not invented
            live.offer(CarPassed(1, 1, 9000, epoch=0))
            assert live.state.cars[1].laps == 1
            assert live.state.cars[1].crossings[-1].epoch == 1
        assert live.state == replay_heat(ef, opened.heat.id)


def test_start_is_refused_while_the_link_is_down(tmp_path: Path) -> None:
    live = LiveHeat(CONFIG, _ListJournal(), clock=lambda: 0.0)
    assert start_refusal(live) == "the control unit link is down"
    with pytest.raises(StartRefusedError, match="link is down"):
        press_start(live, FakeDriver(True), "rc")  # type: ignore[arg-type]
    live.feed(LinkUp("cu"))
    assert start_refusal(live) is None


class _ListJournal:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.failing: str = ""

    def append(self, item: Any) -> tuple[int, Any]:
        if self.failing:
            raise EventFileError(Path("e.slotrace"), self.failing)
        self.items.append(item)
        return len(self.items), item


def test_a_journal_write_failure_marks_the_link_down_and_recovers() -> None:
    journal = _ListJournal()
    live = LiveHeat(CONFIG, journal, clock=lambda: 0.0)
    live.feed(LinkUp("cu"))
    journal.failing = "the disk is full"
    assert live.offer(CarPassed(1, 1, 1000)) == ()
    assert not live.link.up and "the disk is full" in live.link.last_problem
    assert start_refusal(live) is not None and "cannot be written" in start_refusal(live)
    assert len(journal.items) == 1  # what was committed stays; nothing half-applied
    assert live.waiting_inputs == 1  # kept in memory, in order, not lost
    journal.failing = ""
    live.offer(CarPassed(1, 1, 2000))
    assert live.link.up and live.journal_problem == "" and live.lost_inputs == 0
    # the crossing that waited is journaled before the new one, and both are applied
    assert journal.items[1:] == [CarPassed(1, 1, 1000), CarPassed(1, 1, 2000)]
    assert live.inputs_applied == len(journal.items) == 3


def test_a_quiet_grid_recovers_without_a_new_input_and_commands_wait_their_turn() -> None:
    journal = _ListJournal()
    live = LiveHeat(CONFIG, journal, clock=lambda: 0.0)
    live.feed(LinkUp("cu"))
    journal.failing = "the disk is full"
    live.offer(CarPassed(1, 1, 1000))
    with pytest.raises(EventFileError, match="the disk is full"):
        live.command(StartSequence(reason="start", author="rc"))  # refused, not reordered
    assert live.lost_inputs == 1 and live.waiting_inputs == 1
    assert live.retry_journal() == () and live.journal_problem  # still full: still waiting
    journal.failing = ""
    live.retry_journal()  # race control's 1 s tick: no crossing needed
    assert live.journal_problem == "" and live.waiting_inputs == 0 and live.link.up
    assert journal.items[-1] == CarPassed(1, 1, 1000)
    assert start_refusal(live) is None


def test_a_real_disk_failure_in_the_event_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "e.slotrace"
    _start_heat(path)
    with EventFile.open(path) as ef:
        live = open_heat(ef, clock=lambda: 0.0).live  # type: ignore[union-attr]
        live.feed(LinkUp("cu"))
        live.feed(CarPassed(1, 1, 1000))
        blocker = sqlite3.connect(path, timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the file: writes fail
        try:
            live.offer(CarPassed(1, 1, 2000))
            assert live.journal_problem and not live.link.up
        finally:
            blocker.rollback()
            blocker.close()
        live.offer(CarPassed(1, 1, 3000))
        assert live.link.up
        assert live.state == replay_heat(ef, 1)


@pytest.mark.parametrize(("light", "presses"), [
    (StartLight.OFF, 2),  # lights on, then the countdown
    (StartLight.READY, 1),  # armed by a run killed after its first press: the countdown
    (StartLight.COUNT_3, 0),  # counting down already
])
def test_slotrace_run_presses_start_as_often_as_the_control_units_lights_still_need(
    light: StartLight, presses: int,
) -> None:
    from slotrace.cli.heat_runner import _try_start
    from slotrace.drivers_api import Button, PressButton
    from slotrace.raceday import MemoryJournal

    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.feed(LinkUp("cu"))
    live.feed(status(light))
    driver = FakeDriver(True)
    assert _try_start(live, driver, "rc", lambda line: None)  # type: ignore[arg-type]
    assert driver.sent == [PressButton(Button.START)] * presses
    assert live.state.phase is SessionPhase.STARTING


def test_without_start_lights_the_second_start_press_is_race_controls_lights_out() -> None:
    from slotrace.raceday import MemoryJournal

    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.feed(LinkUp("lap gate"))
    driver = FakeDriver(True)
    driver.capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=Capability(0))
    press_start(live, driver, "rc")  # type: ignore[arg-type]
    assert live.state.phase is SessionPhase.STARTING
    press_start(live, driver, "rc")  # type: ignore[arg-type]
    assert live.state.phase is SessionPhase.RUNNING
    assert driver.sent == []  # nothing to press on a device without start lights
    from slotrace.engine import LightsOut

    journaled = [type(item) for item in live.journal.items]  # type: ignore[attr-defined]
    assert journaled[-2:] == [StartSequence, LightsOut]
