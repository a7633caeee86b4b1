"""Resume after reopening an event file, and the read-only board following the same file."""

from __future__ import annotations

from pathlib import Path

from helpers import lights_out
from scripted_driver import ScriptedDriver

from slotrace.store import EventFile
from slotrace.tui.board_app import BoardApp
from slotrace.tui.board_feed import BoardFeed
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.widgets.board_table import BoardTable
from slotrace.tui.widgets.leaderboard import Leaderboard

ENTRIES = [
    {
        "entry_no": no,
        "race_number": number,
        "entrant": name,
        "nationality": "IT",
        "car": {"marque": marque, "model": model, "category": "S"},
    }
    for no, number, name, marque, model in (
        (1, 7, "Biondetti", "Alfa Romeo", "8C 2900B"),
        (2, 722, "Moss", "Mercedes-Benz", "300 SLR"),
    )
]


def make_event_file(path: Path) -> None:
    with EventFile.create(path, name="Test Mille") as event_file:
        event_file.set_entries(ENTRIES)


async def test_a_heat_in_progress_resumes_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    make_event_file(path)
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=10)
        driver = app.driver
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.press("s")
            lights_out(driver)
            for device_ms in (1000, 5000, 9000):
                driver.crossing(1, device_ms)
            driver.crossing(2, 1200)
            await pilot.pause()
            assert app.session.state.cars[1].laps == 2
    # Race control crashed or was closed; reopen the file.
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=10)
        driver = app.driver
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            assert "(resumed)" in app.heat_title
            table = app.race_screen.query_one(Leaderboard)
            assert [str(table.get_row("p1")[i]) for i in (1, 4)] == ["007", "2"]
            # The control unit's clock restarted: new crossings continue the heat.
            driver.crossing(1, 500)
            driver.crossing(1, 4500)
            await pilot.pause()
            assert app.session.state.cars[1].laps >= 3
            assert str(table.get_row("p1")[4]) == str(app.session.state.cars[1].laps)


async def test_board_follows_the_file_read_only(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    make_event_file(path)
    with EventFile.open(path) as writer, EventFile.open(path, read_only=True) as reader:
        race = prepare_race_control(writer, ScriptedDriver(), laps=10)
        board = BoardApp(BoardFeed(reader), poll_seconds=0, page_seconds=0)
        async with (
            race.run_test(size=(140, 30)) as race_pilot,
            board.run_test(size=(120, 30)) as board_pilot,
        ):
            await race_pilot.press("s")
            lights_out(race.driver)
            for device_ms in (1000, 5000):
                race.driver.crossing(2, device_ms)
            await race_pilot.pause()
            board.poll_file()
            await board_pilot.pause()
            live = board.query_one("#board-live", BoardTable)
            assert (live.rows[0].number, live.rows[0].laps) == ("722", 1)
            assert "Moss" in str(live.render().columns[2]._cells)
    assert reader.read_only
