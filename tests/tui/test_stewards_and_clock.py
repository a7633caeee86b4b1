"""Stewards' log view with Revoke, and the session clock running on between events."""

from __future__ import annotations

from helpers import ROSTER, lights_out, race_app
from scripted_driver import ScriptedDriver
from test_race_control import leaderboard_numbers

from slotrace.engine import (
    Revoke,
    SessionConfig,
    SessionKind,
    TimePenalty,
    YellowFlag,
)
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.tui.app import SlotraceApp
from slotrace.tui.widgets.session_header import SessionHeader
from slotrace.tui.widgets.stewards_log import StewardsLog


async def test_revoking_a_penalty_from_the_stewards_log_restores_the_order() -> None:
    app, driver, journal = race_app(laps=2, cars=(1, 2))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        for device_ms in (1000, 5000, 9000):
            driver.crossing(1, device_ms)
            driver.crossing(2, device_ms + 300)
        await pilot.pause()
        app.control(YellowFlag(on=True, reason="oil on track", author="steward"))
        app.control(TimePenalty(car=1, ms=5000, reason="cut the chicane", author="steward"))
        await pilot.pause()
        assert leaderboard_numbers(app) == ["722", "007"]
        log = app.race_screen.query_one(StewardsLog)
        rows = [[str(c) for c in log.get_row_at(i)] for i in range(log.row_count)]
        # StartSequence, YellowFlag, TimePenalty: numbered, with author and reason.
        assert [r[0] for r in rows] == ["1", "2", "3"]
        assert rows[2][1:5] == ["TimePenalty 5 s", "#007", "steward", "cut the chicane"]
        await pilot.press("v")
        await pilot.pause()
        dialog = app.screen
        # Only decisions about a car can be revoked; the log cursor (newest) is preselected.
        assert dialog.query_one("#decision").value == 3
        await pilot.click("#apply")
        await pilot.pause()
        assert "reason is required" in str(dialog.query_one("#error").render())
        await pilot.click("#reason")
        await pilot.press(*"video shows no cut", "enter")
        await pilot.pause()
        revoke = journal.items[-1]
        assert isinstance(revoke, Revoke) and revoke.decision == 3
        assert revoke.reason == "video shows no cut" and revoke.author == "steward"
        assert leaderboard_numbers(app) == ["007", "722"]
        rows = [[str(c) for c in log.get_row_at(i)] for i in range(log.row_count)]
        assert rows[2][5] == "REVOKED" and rows[3][1] == "Revoke #3"


async def test_the_session_clock_runs_on_between_crossings() -> None:
    now = [100.0]
    config = SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=60_000, cars=(1, 2))
    session = LiveHeat(config, MemoryJournal(), clock=lambda: now[0])
    driver = ScriptedDriver()
    app = SlotraceApp(driver=driver, session=session, roster=ROSTER, heat_title="Heat 1")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        driver.crossing(1, 1000)  # anchors the clock: 0:00
        driver.crossing(1, 5000)  # 4 s into the race
        await pilot.pause()
        header = app.race_screen.query_one(SessionHeader)
        assert "00:04" in str(header.render()) and "00:56 left" in str(header.render())
        now[0] += 7.4  # no crossing for 7.4 s: the face runs the clock on
        app.race_screen.tick_clock()
        await pilot.pause()
        assert "00:11" in str(header.render()) and "00:48 left" in str(header.render())
        assert app.session.state.elapsed_ms == 4000  # the engine only knows the last event
