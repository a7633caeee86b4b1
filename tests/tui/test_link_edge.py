"""Race control at the link's edge: first connection retried with backoff, r, START refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import ROSTER
from scripted_driver import ScriptedDriver
from test_journal_failure import banner, link_line, record_notifications

from slotrace.drivers_api import Capabilities, Capability, TransportError
from slotrace.engine import SessionConfig, SessionKind, StartSequence
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.store import EventFile
from slotrace.tui.app import SlotraceApp
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.screens.web_board_dialog import web_board_link
from slotrace.tui.widgets.key_bar import KeyBar

NO_ANSWER = "no control unit answered on /dev/ttyUSB0 within 3 s"


class FlakyDriver(ScriptedDriver):
    """A scripted control unit that does not answer the first ``failures`` connections."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    async def start(self) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise TransportError(NO_ANSWER)
        self.closed = False
        await super().start()


class GatedSleep:
    """The app's backoff sleep: records each wait and returns only when the test opens it."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._gate: asyncio.Future[None] | None = None

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._gate = asyncio.get_running_loop().create_future()
        await self._gate

    def open(self) -> None:
        assert self._gate is not None
        self._gate.set_result(None)


class FlakyCarreraLike(FlakyDriver):
    """Declares the pace car and car settings too, so every key of race control is offered."""

    capabilities = Capabilities(
        max_cars=6, sensor_groups=3,
        flags=Capability.START_LIGHTS | Capability.FUEL | Capability.PACE_CAR
        | Capability.SPEED_BRAKE_FUEL)


def flaky_app(failures: int) -> tuple[SlotraceApp, FlakyDriver, MemoryJournal, GatedSleep]:
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=5, cars=(1, 2))
    journal = MemoryJournal()
    driver = FlakyDriver(failures)
    sleep = GatedSleep()
    app = SlotraceApp(driver=driver, session=LiveHeat(config, journal, clock=lambda: 0.0),
                      roster=ROSTER, heat_title="Heat 1", author="steward", sleep=sleep)
    return app, driver, journal, sleep


def keys(app) -> str:
    return str(app.race_screen.query_one(KeyBar).render())


async def test_first_connection_is_retried_with_backoff_and_start_waits_for_it() -> None:
    app, driver, journal, sleep = flaky_app(failures=3)
    said = record_notifications(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert sleep.waits == [1.0]
        shown = str(banner(app).render())
        assert "CONTROL UNIT NOT CONNECTED" in shown and NO_ANSWER in shown
        assert "(attempt 1); retrying in 1 s, r retries now" in shown
        assert "LINK DOWN" in link_line(app) and NO_ANSWER in link_line(app)
        assert "r Reconnect" in keys(app)

        await pilot.press("s")  # refused by the event core, with the reason
        await pilot.pause()
        assert f"START refused: the control unit link is down: could not connect: {NO_ANSWER}" \
            in said
        assert journal.items == [] and driver.sent == []

        sleep.open()  # 1 s later: attempt 2 fails, the next wait is longer
        await pilot.pause()
        assert sleep.waits == [1.0, 2.0]
        assert "(attempt 2); retrying in 2 s" in str(banner(app).render())
        assert sum(NO_ANSWER in s for s in said) == 2  # one toast (attempt 1) + START refused

        await pilot.press("r")  # retry now instead of waiting: attempt 3 fails too
        await pilot.pause()
        assert sleep.waits == [1.0, 2.0, 4.0]
        await pilot.press("r")  # attempt 4 answers
        await pilot.pause()
        assert driver.attempts == 4
        assert not banner(app).display
        assert "LINK UP" in link_line(app) and "Reconnect" not in keys(app)

        await pilot.press("s")
        await pilot.pause()
        assert any(isinstance(item, StartSequence) for item in journal.items)


async def test_r_reconnects_a_driver_that_stopped() -> None:
    app, driver, _, _ = flaky_app(failures=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "LINK UP" in link_line(app)
        await driver.close()  # the driver gave up (its events ended)
        await pilot.pause()
        assert "the control unit driver stopped; r reconnects" in str(banner(app).render())
        assert "LINK DOWN" in link_line(app) and "r Reconnect" in keys(app)
        await pilot.press("r")
        await pilot.pause()
        assert driver.attempts == 2
        assert not banner(app).display and "LINK UP" in link_line(app)


async def test_80x24_keeps_every_key_and_the_banner_while_the_link_is_down(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    event_file = EventFile.open(path)
    app = prepare_race_control(event_file, FlakyCarreraLike(failures=1), author="steward")
    app._sleep = GatedSleep()
    app.session._clock = lambda: 0.0
    app.board_link = web_board_link("192.168.1.20:8080", path)  # w too: the longest key bar
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            bar = app.race_screen.query_one(KeyBar)
            shown = keys(app)
            for key in ("s Start", "p Pause/Resume", "y Yellow", "c Pace", "e End", "x Penalty",
                        "l Lap fix", "t Tune car", "v Revoke", "n Next heat", "r Reconnect",
                        "w Web board", "f2 Race", "f3 Event", "f4 Entries", "f5 Results", "q Quit"):
                assert key in shown
            # every key line is on the screen: the bar wraps instead of cutting keys off
            assert bar.region.bottom <= 24 and bar.region.height >= 2
            assert banner(app).display and banner(app).region.height >= 1
            assert "LINK DOWN" in link_line(app)
    finally:
        event_file.close()


class BrokenDriver(FlakyDriver):
    """Its events fail with the driver's own error after the link came up."""

    async def events(self):  # type: ignore[override]
        async for event in super().events():
            yield event
            raise TransportError("the USB adapter was unplugged")


async def test_a_driver_that_fails_mid_heat_shows_why_and_r_reconnects() -> None:
    app, _, _, _ = flaky_app(failures=0)
    broken = BrokenDriver(failures=0)
    app.driver = broken
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = str(banner(app).render())
        assert "the control unit driver failed: the USB adapter was unplugged" in shown
        assert "r reconnects" in shown and "LINK DOWN" in link_line(app)
        assert broken.closed
        await pilot.press("r")
        await pilot.pause()
        assert broken.attempts == 2


class StartsOnce(FlakyDriver):
    """Like the Carrera session: a second start is refused with a plain RuntimeError."""

    async def start(self) -> None:
        if self.attempts:
            self.attempts += 1
            raise RuntimeError("PollSession.start() called twice")
        await super().start()


async def test_a_driver_that_cannot_restart_says_how_to_resume() -> None:
    app, _, _, _ = flaky_app(failures=0)
    app.driver = once = StartsOnce(failures=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await once.close()
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        shown = str(banner(app).render())
        assert "could not connect: PollSession.start() called twice" in shown
        assert "quit (q) and run slotrace open again: the heat resumes" in shown


class SlowToAnswer(FlakyDriver):
    """A connection attempt that takes until the test lets the control unit answer."""

    def __init__(self) -> None:
        super().__init__(failures=0)
        self.answer: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self.answer = asyncio.get_running_loop().create_future()
        await self.answer
        await super().start()


async def test_r_never_interrupts_a_connection_attempt_half_way() -> None:
    app, _, _, _ = flaky_app(failures=0)
    app.driver = slow = SlowToAnswer()
    said = record_notifications(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert "connecting to the control unit; one moment" in said
        assert slow.answer is not None and not slow.answer.cancelled()
        slow.answer.set_result(None)
        await pilot.pause()
        assert slow.attempts == 1 and "LINK UP" in link_line(app)
