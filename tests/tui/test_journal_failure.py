"""A journal write failure in race control: banner, link down, START refused, self-recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from helpers import lights_out, race_app, status
from scripted_driver import ScriptedDriver

from slotrace.drivers_api import CarPassed, StartLight
from slotrace.engine import SessionPhase
from slotrace.raceday import MemoryJournal
from slotrace.store import EventFile
from slotrace.store.connection import translate
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.widgets.link_status import LinkStatusBar
from slotrace.tui.widgets.problem_banner import ProblemBanner

EVENT = Path("event.slotrace")


class FailingJournal(MemoryJournal):
    """A memory journal whose disk can fill up (the store's own disk-full error) and be freed."""

    def __init__(self) -> None:
        super().__init__()
        self.full = False

    def append(self, item: Any) -> tuple[int, Any]:
        if self.full:
            raise translate(EVENT, sqlite3.OperationalError("database or disk is full"),
                            "journaling heat 1")
        return super().append(item)


def record_notifications(app) -> list[str]:
    said: list[str] = []
    notify = app.notify

    def recording(message: str, **options: Any) -> None:
        said.append(message)
        notify(message, **options)

    app.notify = recording  # type: ignore[method-assign]
    return said


def banner(app) -> ProblemBanner:
    return app.race_screen.query_one(ProblemBanner)


def link_line(app) -> str:
    return str(app.race_screen.query_one(LinkStatusBar).render())


async def test_disk_full_mid_heat_shows_a_banner_refuses_start_and_recovers() -> None:
    journal = FailingJournal()
    app, driver, _ = race_app(laps=10, cars=(1,), journal=journal)
    said = record_notifications(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("s")
        lights_out(driver)
        driver.crossing(1, 1000)
        driver.crossing(1, 5000)
        await pilot.pause()
        assert app.session.state.cars[1].laps == 1
        assert not banner(app).display and "LINK UP" in link_line(app)
        committed = list(journal.items)

        journal.full = True  # the disk fills up
        driver.crossing(1, 9000)
        await pilot.pause()
        shown = str(banner(app).render())
        assert banner(app).display
        assert "EVENT FILE NOT WRITTEN" in shown and "disk full while journaling heat 1" in shown
        assert ("1 control unit event(s) waiting to be written; START and steward commands "
                "refused until a write succeeds") in shown
        assert "LINK DOWN" in link_line(app) and "disk full" in link_line(app)
        assert any("cannot be written" in s and "disk full" in s for s in said)
        await pilot.press("y")  # a steward's command is not applied either
        await pilot.pause()
        assert not app.session.state.yellow
        await pilot.press("s")
        await pilot.pause()
        assert any(s.startswith("START refused: the event file cannot be written: ")
                   and "disk full" in s for s in said)
        await pilot.press("r")  # the link bar says down, but reconnecting is not the cure
        await pilot.pause()
        assert any("the event file is what cannot be written" in s for s in said)
        assert journal.items == committed  # what was committed is kept, nothing half-written
        assert app.session.state.cars[1].laps == 1

        journal.full = False  # space freed: the next input is journaled, no restart
        driver.crossing(1, 13000)
        await pilot.pause()
        assert not banner(app).display
        assert "LINK UP" in link_line(app)
        assert "the event file accepts writes again; journaling resumed" in said
        # the lap driven during the outage waited in order and counts: nothing was lost
        assert app.session.state.cars[1].laps == 3
        assert journal.items[:len(committed)] == committed
        assert journal.items[-2:] == [CarPassed(1, 1, 9000), CarPassed(1, 1, 13000)]
        assert app.session.state.phase is SessionPhase.RUNNING


async def test_a_really_full_event_file_keeps_its_journal_and_recovers(tmp_path: Path) -> None:
    """The real store on a file that may not grow (SQLite's page limit as a full disk)."""
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    event_file = EventFile.open(path)
    app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
    app.session._clock = lambda: 0.0
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("s")
            lights_out(app.driver)
            await pilot.pause()
            conn = event_file._conn
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
            device_ms = 1000
            for _ in range(2000):  # bounded: each page holds a few dozen crossings
                device_ms += 4000
                app.driver.crossing(1, device_ms)
                await pilot.pause()
                if app.session.journal_problem:
                    break
            assert app.session.journal_problem
            assert banner(app).display and "disk full" in str(banner(app).render())
            assert "LINK DOWN" in link_line(app)
            applied = app.session.inputs_applied
            with EventFile.open(path, read_only=True) as reader:
                assert len(list(reader.journal(app.heat_id))) == applied

            assert app.session.waiting_inputs == 1
            conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
            # a quiet grid: no new crossing; race control's 1 s tick writes what waited
            app.retry_journal()
            await pilot.pause()
            assert not app.session.journal_problem and app.session.waiting_inputs == 0
            assert not banner(app).display and "LINK UP" in link_line(app)
            with EventFile.open(path, read_only=True) as reader:
                assert len(list(reader.journal(app.heat_id))) == applied + 1
            assert app.session.inputs_applied == applied + 1  # journaled, then applied
    finally:
        event_file.close()


async def test_disk_full_at_the_start_press_sends_no_start_to_the_control_unit() -> None:
    journal = FailingJournal()
    app, driver, _ = race_app(journal=journal)
    said = record_notifications(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        journal.full = True  # the StartSequence itself cannot be journaled
        await pilot.press("s")
        await pilot.pause()
        assert any(s.startswith("START not applied: ") and "disk full" in s for s in said)
        assert driver.sent == []  # the lights never come on for a start nobody recorded
        assert app.session.state.phase is SessionPhase.GRID
        assert banner(app).display and "LINK DOWN" in link_line(app)
        journal.full = False
        driver.push(status(StartLight.OFF, fuel=14))  # the next input is journaled
        await pilot.pause()
        assert not banner(app).display
        await pilot.press("s")
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.STARTING and driver.sent
