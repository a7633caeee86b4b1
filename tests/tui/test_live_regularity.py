"""Race control and board in a regularity leg: trial, deviation, points, rank, flash."""

from __future__ import annotations

from pathlib import Path

from helpers import lights_out, status
from scripted_driver import ScriptedDriver

from slotrace.drivers_api import CarPassed, StartLight
from slotrace.engine import StartSequence
from slotrace.store import EventFile
from slotrace.tui.board_feed import BoardFeed
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.widgets.leaderboard import Leaderboard


def _demo(tmp_path: Path):
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    event_file = EventFile.open(path)
    return prepare_race_control(event_file, ScriptedDriver(), author="steward"), event_file


def _row_of(board: Leaderboard, car: int) -> list[str]:
    return [str(c) for c in board.get_row_at(board._order.index(car))]


async def test_a_completed_pc_shows_its_points_and_flashes(tmp_path: Path) -> None:
    app, event_file = _demo(tmp_path)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            board = app.screen.query_one(Leaderboard)
            assert board.regularity
            await pilot.press("s")
            lights_out(app.driver)
            app.driver.crossing(1, 1000)
            app.driver.crossing(2, 1300)
            await pilot.pause()
            assert "PC 1 Desenzano del Garda" in _row_of(board, 1)
            assert "7.50 s" in _row_of(board, 1)
            app.driver.crossing(1, 8620, sensor=2)  # 7.62 s for 7.50 s: 12 hundredths late
            app.driver.crossing(2, 8800, sensor=2)  # exact
            await pilot.pause()
            row1, row2 = _row_of(board, 1), _row_of(board, 2)
            assert row1[7] == "12" and row2[7] == "0"  # Pts
            assert "PC 1 Desenzano del Garda: 12 pts (+12)" in row1
            # provisional rank by points: the cars on 0 points first, the late car last
            assert row2[0] == "1" and row1[0] == str(len(board._order))
            assert {1, 2} <= board.flashing
            ticker = str(app.screen.query_one("#last-event").render())
            assert "PC 1 Desenzano del Garda" in ticker and "points" in ticker
    finally:
        event_file.close()


async def test_the_cursor_follows_the_car_when_the_order_changes(tmp_path: Path) -> None:
    app, event_file = _demo(tmp_path)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            board = app.screen.query_one(Leaderboard)
            await pilot.press("s")
            lights_out(app.driver)
            app.driver.crossing(1, 1000)
            app.driver.crossing(2, 1300)
            await pilot.pause()
            board.move_cursor(row=board._order.index(2))
            assert board.car_at_cursor() == 2
            app.driver.crossing(1, 9500, sensor=2)  # 85 late: car 1 drops behind car 2
            app.driver.crossing(2, 8800, sensor=2)
            await pilot.pause()
            assert board.car_at_cursor() == 2
            assert board.cursor_row == board._order.index(2)
    finally:
        event_file.close()


def test_board_feed_flashes_a_result_for_a_few_seconds(tmp_path: Path) -> None:
    app, writer = _demo(tmp_path)
    now = [50.0]
    reader = EventFile.open(writer.path, read_only=True)
    try:
        feed = BoardFeed(reader, clock=lambda: now[0])
        app.session.feed(StartSequence(reason="start", author="steward"))
        for item in (status(StartLight.GO), status(StartLight.OFF), CarPassed(1, 1, 1000)):
            app.session.feed(item)
        feed.poll()
        number = app.roster[1].number
        row = next(r for r in feed.live_rows() if r.number == number)
        assert row.trial == "PC 1 Desenzano del Garda" and row.target == "7.50 s"
        app.session.feed(CarPassed(1, 2, 8620))
        feed.poll()
        row = next(r for r in feed.live_rows() if r.points == "12")
        assert row.fresh and row.result.endswith("(+12)")
        now[0] += 10
        row = next(r for r in feed.live_rows() if r.points == "12")
        assert not row.fresh
    finally:
        reader.close()
        writer.close()
