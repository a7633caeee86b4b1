"""Provides `SlotraceApp`: the race-control app (driver worker, journal-first updates, screens)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from slotrace.drivers_api import DeviceRefused, Driver, DriverCommand, DriverError, LinkUp
from slotrace.engine import SessionPhase
from slotrace.errors import SlotraceError
from slotrace.raceday import LiveHeat, StartRefusedError, cars_beyond, press_start
from slotrace.tui.messages import DriverStopped, RaceAdvanced
from slotrace.tui.roster import Roster
from slotrace.tui.screens.race_control import RaceControlScreen
from slotrace.voice import Announcement, Announcer, SilentSpeaker, Speaker

log = logging.getLogger(__name__)

CONNECT_RETRY_S = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Waits between attempts at the first connection (then every 15 s until it answers)."""


@dataclass(frozen=True, slots=True)
class HeatView:
    """One heat as race control shows it: the core's live heat plus names for the screens."""

    live: LiveHeat
    roster: Roster
    title: str
    heat_id: int | None = None
    regularity: Any = None
    resumed: bool = False
    finish: Callable[[], None] | None = None
    corrects: bool = False
    """A heat the stewards reopened to correct: its journal already finishes it, and the
    correction ends (the heat is finished again) when the organiser opens the next heat."""


class SlotraceApp(App[None]):
    """Race control for one heat on one control unit.

    Data flow: the driver runs in a worker; every driver event and every command from
    race control goes through `LiveHeat.feed` (journal first, then the engine), and
    the resulting state is posted as `RaceAdvanced` to the screens.

    Args:
        driver: the connected-to-be driver (real, simulator-backed, or a test fake).
        heat: the heat to show (from `slotrace.tui.launch`); or give ``session`` etc.
        session: the heat's journal-first live heat (`slotrace.raceday.LiveHeat`).
        roster: names for the controllers in this heat.
        heat_title: shown in the session header ("Stage 1 · Heat 1").
        author: who race-control decisions are logged as.
        extra_screens: name → screen factory for the event / entries / results screens.
        on_heat_finished: called once when the engine reports the heat finished (marks the
            heat finished in the event file).
        next_heat: opens the next heat in the event core (``n`` after a finish).
        sleep: awaited between connection attempts (tests pass a fake).
        speaker: says the start, last lap, trial results, new best laps and yellow flags
            (``--voice``; `slotrace.voice.open_speaker`); silent when not given.
        publish: rewrites the static results site (``--publish``) and returns what to tell
            the organiser; run in a thread after every finished heat (None: no site).
    """

    CSS_PATH = "styles/app.tcss"
    TITLE = "slotrace race control"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "show('race')", "Race"),
        Binding("f3", "show('event')", "Event"),
        Binding("f4", "show('entries')", "Entries"),
        Binding("f5", "show('results')", "Results"),
        Binding("m", "record_money", "Money"),
        Binding("q", "quit_race_control", "Quit"),
    ]

    def __init__(
        self,
        *,
        driver: Driver,
        session: LiveHeat | None = None,
        heat: HeatView | None = None,
        roster: Roster | None = None,
        heat_title: str = "",
        author: str = "race control",
        extra_screens: dict[str, Any] | None = None,
        on_heat_finished: Callable[[], None] | None = None,
        next_heat: Callable[[], HeatView | None] | None = None,
        sleep: Callable[[float], Any] | None = None,
        speaker: Speaker | None = None,
        publish: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self._publish = publish
        if heat is None:
            assert session is not None, "give heat= or session="
            heat = HeatView(session, roster or Roster(), heat_title, finish=on_heat_finished)
        self.driver = driver
        self.author = author
        self.driver_problem = ""
        self._extra_screens = extra_screens or {}
        self._next_heat = next_heat
        self._sleep = sleep
        self.speaker: Speaker = speaker or SilentSpeaker()
        self.connect_attempts = 0
        self.connected = False
        """True while the driver is started and its events are being read."""
        self.driver_started = False
        """The driver has been started once (a later start is a restart)."""
        self.connecting = False
        """A `Driver.start` is under way (r waits for it instead of interrupting it)."""
        self._retry_now: asyncio.Event | None = None
        self._journal_failing = False
        self._use(heat)
        self.startup_message = ""
        """Shown as a notification once the app is up (e.g. how to open the board)."""
        self.board_link: Any = None
        """The web board's `WebBoardLink` (``--board-web``): w shows its URL and QR code."""
        self.charity: Any = None
        """The `CharityDesk` (the open event file): m records money raised for the charity."""

    def on_mount(self) -> None:
        self.install_screen(RaceControlScreen(), "race")
        for name, factory in self._extra_screens.items():
            self.install_screen(factory, name)
        self.push_screen("race")
        self.run_driver()
        if self.startup_message:
            self.notify(self.startup_message, timeout=20)

    def _use(self, heat: HeatView) -> None:
        heat.live.drive_device(self.driver, follows=getattr(self, "session", None))
        self.session = heat.live
        self.roster = heat.roster
        self.heat_title = heat.title
        self.heat_id: int | None = heat.heat_id
        self.regularity: Any = heat.regularity
        """The heat's `slotrace.rules.live.HeatRegularity` (None: sprint leg, lap view)."""
        self._on_heat_finished = heat.finish
        self._corrects = heat.corrects
        self.announcer = Announcer(laps=getattr(heat.live.config, "laps", None))
        self._race_numbers = {
            car: int(self.roster[car].number) for car in self.roster.controllers()
            if self.roster[car].number.isdigit()
        }

    def open_next_heat(self) -> None:
        """After a finish: the event core opens the next heat; race control shows it."""
        if self.session.state.phase is not SessionPhase.FINISHED:
            self.notify("the heat is still running; end it first (e)", severity="warning")
            return
        if self._next_heat is None:
            self.notify("no event file: there is no next heat", severity="warning")
            return
        corrected = self.heat_title if self._corrects else None
        try:
            heat = self._next_heat()
        except SlotraceError as exc:
            self.notify(f"could not open the next heat: {exc}", severity="error")
            return
        if corrected is not None:  # the event core finished the corrected heat again
            self._corrects = False
            self.notify(f"{corrected}: correction over, heat finished and saved")
            self.publish_results()
        if heat is None:
            self.notify("every planned heat has run; see the results (F5)")
            return
        heat.live.link = self.session.link  # same connection, still up
        self._use(heat)
        self.switch_screen("results" if "results" in self._extra_screens else "race")
        self.uninstall_screen("race")
        self.install_screen(RaceControlScreen(), "race")
        self.switch_screen("race")
        self.notify(f"{heat.title}: press s twice to start")

    def press_start(self) -> None:
        """The START key: the event core decides (`press_start`), refusals are shown."""
        before = self.session.inputs_applied
        try:
            press_start(self.session, self.driver, self.author)
        except StartRefusedError as exc:
            self.notify(str(exc), severity="error", timeout=10)
        except DriverError as exc:
            self.notify(f"control unit refused START: {exc}", severity="error")
        except SlotraceError as exc:  # the start sequence could not be journaled
            self.notify(f"START not applied: {exc}", severity="error")
            self.watch_journal()
        if self.session.inputs_applied != before:
            self.post_message(RaceAdvanced(self.session.state, (), "start sequence"))
        else:
            self.refresh_race()

    @property
    def race_screen(self) -> RaceControlScreen:
        screen = self.get_screen("race")
        assert isinstance(screen, RaceControlScreen)
        return screen

    def action_show(self, name: str) -> None:
        if name != "race" and name not in self._extra_screens:
            self.notify(f"the {name} screen needs an event file", severity="warning")
            return
        self.switch_screen(name)

    def action_record_money(self) -> None:
        """m on any screen: record an auction, donation or bucket in the event file."""
        from slotrace.tui.screens.charity_dialog import CharityDialog

        if self.charity is None:
            self.notify("no event file: charity money is recorded in one", severity="warning")
        elif not isinstance(self.screen, ModalScreen):  # not on top of another dialog
            self.push_screen(CharityDialog(self.charity, self.author))

    def action_quit_race_control(self) -> None:
        """q on any screen: quits at once between heats, asks first mid-heat."""
        self.race_screen.action_quit_race_control()

    @work(exclusive=True, group="driver", exit_on_error=False)
    async def run_driver(self) -> None:
        """Connect (retrying with backoff), then journal and fold every driver event."""
        await self._connect()
        self.driver_problem = ""
        self.connected = True
        try:
            async for event in self.driver.events():
                session = self.session
                race_events = session.offer(event)  # a journal failure is kept, not raised
                if isinstance(event, DeviceRefused):
                    self.post_message(DriverStopped(f"control unit refused {event.what}: "
                                                    f"{event.reason}"))
                elif isinstance(event, LinkUp):
                    self.driver_problem = ""
                self.post_message(RaceAdvanced(session.state, race_events, event))
        except (SlotraceError, OSError) as exc:  # a driver's own error, never a crash of ours
            stopped = f"the control unit driver failed: {exc}"
        else:
            stopped = "the control unit driver stopped"
        finally:
            self.connected = False
            await self.driver.close()
        self.session.link = replace(self.session.link, up=False, last_problem=stopped)
        self.post_message(DriverStopped(f"{stopped}; r reconnects"))

    async def _connect(self) -> None:
        """Start the driver; after a failure wait 1, 2, 4, 8, then 15 s (r cuts a wait short)."""
        while True:
            self.connect_attempts += 1
            self.connecting = True
            try:
                await self.driver.start()
                self.driver_started = True
                return
            except Exception as exc:  # a driver is foreign code: show it, retry, race on
                attempt = self.connect_attempts
                wait = CONNECT_RETRY_S[min(attempt, len(CONNECT_RETRY_S)) - 1]
                problem = f"could not connect: {exc}"
                if self.driver_started:  # some drivers cannot be started a second time
                    problem += ("; if this persists, quit (q) and run slotrace open again: "
                                "the heat resumes where it stopped")
                self.session.link = replace(self.session.link, up=False, last_problem=problem)
                self.post_message(DriverStopped(
                    f"{problem} (attempt {attempt}); retrying in {wait:g} s, r retries now",
                    toast=attempt == 1))
            finally:
                self.connecting = False
            await self._wait_or_retry(wait)

    async def _wait_or_retry(self, seconds: float) -> None:
        sleep = self._sleep or asyncio.sleep
        self._retry_now = asyncio.Event()
        waits = [asyncio.ensure_future(sleep(seconds)),
                 asyncio.ensure_future(self._retry_now.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            self._retry_now = None

    def reconnect(self) -> None:
        """The reconnect key: retry now while connecting; reconnect a driver that stopped."""
        if self.connecting:  # never interrupt a connection attempt half-way
            self.notify("connecting to the control unit; one moment")
        elif self._retry_now is not None:
            self.notify("connecting to the control unit again now")
            self._retry_now.set()
        elif not self.connected:
            self.notify("connecting to the control unit again now")
            self.connect_attempts = 0
            self.run_driver()
        elif self.session.journal_problem:
            self.notify("the control unit is connected; the event file is what cannot be "
                        "written (free space; the next input retries)", severity="warning")
        elif self.session.link.up:
            self.notify("the control unit link is up; nothing to reconnect")
        else:
            self.notify("the driver is reconnecting by itself (see reconnects in the link bar)")

    def control(self, command: Any) -> None:
        """Journal and apply a race-control command, stamped with the estimated CU clock."""
        command = self.session.stamp(command)
        try:
            race_events = self.session.feed(command)
        except (SlotraceError, ValueError) as exc:
            self.notify(f"not applied: {exc}", severity="error")
            self.watch_journal()
            self.refresh_race()
            return
        self.post_message(RaceAdvanced(self.session.state, race_events, command))

    def say(self, announcement: Announcement) -> None:
        """Hand one announcement to the speaker (returns at once; silent without ``--voice``)."""
        self.speaker.say(announcement)

    def announce_trial(self, car: int, result: Any) -> None:
        """A car just completed a trial: '#722, PC 3, plus 12 hundredths'."""
        self.say(self.announcer.on_trial_result(
            self._race_numbers.get(car), result.trial, result.deviation_cs, car=car))

    def problem(self) -> tuple[str, str]:
        """What the red banner says now: ``(title, message)``, or two empty strings.

        A journal write failure comes first (the heat is not being recorded); then a link
        that is down for a reason race control knows (a first connection that failed); then a
        track power or position tower command the driver refused.
        """
        session = self.session
        if session.journal_problem:
            waiting, lost = session.waiting_inputs, session.lost_inputs
            refused = f", {lost} refused" if lost else ""
            return ("EVENT FILE NOT WRITTEN", f"{session.journal_problem} · {waiting} control "
                    f"unit event(s) waiting to be written{refused}; START and steward commands "
                    "refused until a write succeeds (retried every second)")
        if self.driver_problem and not session.link.up:
            return "CONTROL UNIT NOT CONNECTED", self.driver_problem
        if session.power_problem:  # the cars may be driving under the lights or suspended
            return ("TRACK POWER NOT SWITCHED", f"{session.power_problem}; tried again at the "
                    "next event from the control unit")
        if session.tower_problem:
            return "POSITION TOWER NOT UPDATED", session.tower_problem
        if session.state.phase is SessionPhase.GRID:
            beyond = cars_beyond(session.config, self.driver)
            if beyond:
                return "HEAT DOES NOT FIT THIS CONTROL UNIT", f"{beyond}; START is refused"
            unseen = self.trials_out_of_reach()
            if unseen:
                return ("TRIALS THIS CONTROL UNIT CANNOT TIME", unseen + ". Fit the sensors or "
                        "change the leg before the start, or run it knowing they score missed")
        return "", ""

    def trials_out_of_reach(self) -> str:
        """What of this heat's leg the connected driver cannot time for lack of a sensor
        group (`HeatRegularity.out_of_reach`), in words; empty if nothing."""
        capabilities = getattr(self.driver, "capabilities", None)
        if self.regularity is None or capabilities is None:
            return ""
        return str(self.regularity.out_of_reach(capabilities.sensor_groups))

    def retry_journal(self) -> None:
        """Every second while the event file cannot be written: write what waits, if it can
        now (a quiet grid sends no new input to retry with)."""
        session = self.session
        if not session.journal_problem:
            return
        race_events = session.retry_journal()
        if not session.journal_problem:
            self.post_message(RaceAdvanced(session.state, race_events, "journal recovered"))

    def watch_journal(self) -> None:
        """Tell the organiser once when journaling fails and once when it works again."""
        failing = bool(self.session.journal_problem)
        if failing == self._journal_failing:
            return
        self._journal_failing = failing
        if failing:
            self.notify(f"the event file cannot be written: {self.session.journal_problem}",
                        severity="error", timeout=30)
        else:
            self.notify("the event file accepts writes again; journaling resumed")

    def send_to_driver(self, command: DriverCommand) -> None:
        try:
            self.driver.send(command)
        except DriverError as exc:
            self.notify(f"control unit refused {type(command).__name__}: {exc}", severity="error")

    def on_race_advanced(self, message: RaceAdvanced) -> None:
        self.watch_journal()
        self.race_screen.show(message.state, message.race_events)
        said = self.announcer.on_race_events(message.race_events, self._race_numbers)
        for announcement in (*said, *self.announcer.on_command(message.cause)):
            self.say(announcement)
        if self._on_heat_finished and message.state.phase is SessionPhase.FINISHED:
            hook, self._on_heat_finished = self._on_heat_finished, None
            hook()
            self.notify("heat finished and saved; press n for the next heat")
            self.publish_results()

    def publish_results(self) -> None:
        """``--publish``: rewrite the results site off the UI thread (the race goes on)."""
        if self._publish is not None:
            self.run_worker(self._publish_in_thread, thread=True, group="publish",
                            exclusive=True, exit_on_error=False)

    def _publish_in_thread(self) -> None:
        assert self._publish is not None
        try:
            said, severity = self._publish(), "information"
        except (SlotraceError, OSError) as exc:
            said, severity = f"results site not published: {exc}", "error"
        self.call_from_thread(self.notify, said, severity=severity)

    def on_driver_stopped(self, message: DriverStopped) -> None:
        self.driver_problem = message.reason
        if message.reason and message.toast:
            self.notify(message.reason, severity="error", timeout=30)
        self.refresh_race()

    def refresh_race(self) -> None:
        """Redraw race control from the live heat (banner, link, keys) between inputs."""
        screen = self.race_screen
        if screen.is_mounted:
            screen.show(self.session.state, ())
