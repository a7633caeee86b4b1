"""Snapshot tests of the four race-control screens and the board, on fixed data (sync tests).

The data is the demo event (Mini Mille Miglia template, shipped sample entries, heat plan):
deterministic, and what a new user sees first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lights_out, status
from scripted_driver import ScriptedDriver

from slotrace.drivers_api import CarPassed, StartLight
from slotrace.engine import StartSequence
from slotrace.store import EventFile
from slotrace.tui.board_app import BoardApp
from slotrace.tui.board_feed import BoardFeed
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.screens.results import ResultsScreen

SIZE = (130, 32)


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    return path


def _race_control(path: Path):
    event_file = EventFile.open(path)
    app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
    # no wall clock in a snapshot: the live clock stays at the last crossing (a fixed clock)
    app.session._clock = lambda: 0.0
    return app, event_file


async def _run_three_laps(pilot) -> None:
    app = pilot.app
    await pilot.press("s")
    lights_out(app.driver)
    for lap, device_ms in enumerate((1000, 5210, 9350, 13400)):
        app.driver.crossing(1, device_ms)
        app.driver.crossing(2, device_ms + 420 + 37 * lap)
    await pilot.pause()


@pytest.mark.parametrize("screen", ["race", "event", "entries", "results"])
def test_race_control_screens(snap_compare, event_path: Path, screen: str) -> None:
    app, event_file = _race_control(event_path)

    async def run_before(pilot) -> None:
        await _run_three_laps(pilot)
        if screen != "race":
            await pilot.press({"event": "f3", "entries": "f4", "results": "f5"}[screen])
            await pilot.pause()
        if isinstance(pilot.app.screen, ResultsScreen):
            worker = pilot.app.screen.report_worker
            assert worker is not None
            await worker.wait()
            await pilot.press("2")  # the overall classification tab
            await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        event_file.close()


def test_board(snap_compare, event_path: Path) -> None:
    app, writer = _race_control(event_path)  # starts heat 1 in the file
    app.session.feed(StartSequence(reason="start", author="steward"))
    for item in (status(StartLight.GO), status(StartLight.OFF)):
        app.session.feed(item)
    for car, device_ms in ((2, 1000), (1, 1200), (2, 5000), (1, 5400), (2, 9100)):
        app.session.feed(CarPassed(car, 1, device_ms))
    reader = EventFile.open(event_path, read_only=True)
    board = BoardApp(BoardFeed(reader), poll_seconds=0, page_seconds=0)
    try:
        assert snap_compare(board, terminal_size=(110, 24))
    finally:
        reader.close()
        writer.close()


def test_regularity_board(snap_compare, event_path: Path) -> None:
    """A regularity leg on the board: trial in progress, deviation, points, a fresh result."""
    app, writer = _race_control(event_path)
    app.session.feed(StartSequence(reason="start", author="steward"))
    for item in (status(StartLight.GO), status(StartLight.OFF)):
        app.session.feed(item)
    # car 1 reaches the castle gate 12 hundredths late (PC 1: 7.50 s), car 2 exactly on time
    for car, sensor, device_ms in ((1, 1, 1000), (2, 1, 1300), (2, 2, 8800), (1, 2, 8620),
                                   (3, 1, 1500)):
        app.session.feed(CarPassed(car, sensor, device_ms))
    reader = EventFile.open(event_path, read_only=True)
    board = BoardApp(BoardFeed(reader, clock=lambda: 100.0), poll_seconds=0, page_seconds=0)
    try:
        assert snap_compare(board, terminal_size=(110, 24))
    finally:
        reader.close()
        writer.close()


def test_race_control_at_80x24(snap_compare, event_path: Path) -> None:
    """The smallest terminal keeps laps, clock, link and every key (wrapped over two lines)."""
    app, event_file = _race_control(event_path)

    async def run_before(pilot) -> None:
        await _run_three_laps(pilot)

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        event_file.close()
