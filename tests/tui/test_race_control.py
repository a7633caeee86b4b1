"""Race control against the scripted driver: keys, journal-first updates, leaderboard."""

from __future__ import annotations

from helpers import lights_out, race_app, status

from slotrace.drivers_api import Button, CarPassed, PressButton, StartLight
from slotrace.engine import SessionPhase, StartSequence
from slotrace.tui.widgets.leaderboard import Leaderboard
from slotrace.tui.widgets.start_lights import StartLights


def leaderboard_numbers(app) -> list[str]:
    table = app.race_screen.query_one(Leaderboard)
    return [str(table.get_row(f"p{i}")[1]) for i in range(1, table.row_count + 1)]


async def test_full_heat_from_start_sequence_to_finish() -> None:
    app, driver, journal = race_app(laps=3, cars=(1, 2))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(journal.items[1], StartSequence)  # after the LinkUp
        assert driver.sent == [PressButton(Button.START)]
        driver.push(status(StartLight.READY))
        await pilot.pause()
        assert app.race_screen.query_one(StartLights).light is StartLight.READY
        await pilot.press("s")  # second START runs the countdown
        assert driver.sent[-1] == PressButton(Button.START)
        lights_out(driver)
        for device_ms in (1000, 5000, 9000, 13000):
            driver.crossing(1, device_ms)
            driver.crossing(2, device_ms + 300)
        await pilot.pause()
        state = app.session.state
        assert state.phase is SessionPhase.FINISHED
        assert leaderboard_numbers(app) == ["007", "722"]
        table = app.race_screen.query_one(Leaderboard)
        assert str(table.get_row("p1")[4]) == "3"
        assert str(table.get_row("p2")[7]) == "+0.300"
        # Every input was journaled, in order, before it reached the engine.
        assert app.session.inputs_applied == len(journal.items)
        assert sum(isinstance(i, CarPassed) for i in journal.items) == 8


async def test_yellow_flag_neutralises_laps_until_it_is_lifted() -> None:
    app, driver, journal = race_app(laps=10, cars=(1,))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        driver.crossing(1, 1000)
        driver.crossing(1, 5000)  # lap 1 counts
        await pilot.pause()
        await pilot.press("y")
        assert app.session.state.yellow
        driver.crossing(1, 9000)  # lap under yellow: neutralised, not counted
        await pilot.pause()
        assert app.session.state.cars[1].laps == 1
        header = app.race_screen.query_one("#session-header")
        assert "YELLOW FLAG" in str(header.render())
        await pilot.press("y")
        driver.crossing(1, 13000)
        await pilot.pause()
        assert not app.session.state.yellow
        assert app.session.state.cars[1].laps == 2
        flags = [type(i).__name__ for i in journal.items if type(i).__name__ == "YellowFlag"]
        assert flags == ["YellowFlag", "YellowFlag"]


async def test_time_penalty_from_the_dialog_changes_the_order() -> None:
    app, driver, journal = race_app(laps=2, cars=(1, 2))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        for device_ms in (1000, 5000, 9000):
            driver.crossing(1, device_ms)
            driver.crossing(2, device_ms + 300)
        await pilot.pause()
        assert leaderboard_numbers(app) == ["007", "722"]
        await pilot.press("x")  # leaderboard cursor is on P1, car 1
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#amount").value = "5"
        await pilot.click("#apply")
        await pilot.pause()
        assert "reason is required" in str(dialog.query_one("#error").render())
        await pilot.click("#reason")
        await pilot.press(*"jumped the start", "enter")
        await pilot.pause()
        assert leaderboard_numbers(app) == ["722", "007"]
        penalty = journal.items[-1]
        assert (type(penalty).__name__, penalty.car, penalty.ms) == ("TimePenalty", 1, 5000)
        assert penalty.reason == "jumped the start" and penalty.author == "steward"


async def test_missed_lap_raises_an_alert_and_the_steward_adds_it() -> None:
    app, driver, journal = race_app(laps=10, cars=(1,))
    app.session = type(app.session)(
        app.session.config.model_copy(update={"sensor_groups": 2}), journal, clock=lambda: 0.0
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        for device_ms, sensor in ((1000, 1), (3000, 2), (5000, 1), (7000, 2), (11000, 2)):
            driver.crossing(1, device_ms, sensor=sensor)
        await pilot.pause()
        alerts = app.race_screen.query_one("#alerts")
        assert "missed lap: #007" in str(alerts.render())
        assert str(app.race_screen.query_one(Leaderboard).get_row("p1")[4]) == "1"
        await pilot.press("l")
        await pilot.pause()
        await pilot.click("#reason")
        await pilot.press(*"check lane saw the lap", "enter")
        await pilot.pause()
        table = app.race_screen.query_one(Leaderboard)
        assert str(table.get_row("p1")[4]) == "2"  # the steward's lap is counted
        assert type(journal.items[-1]).__name__ == "AddLap"
