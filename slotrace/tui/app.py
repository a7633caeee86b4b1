"""Provides `SlotraceApp`: the race-control app (driver worker, journal-first updates, screens)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from slotrace.drivers_api import Driver, DriverCommand, DriverError
from slotrace.engine import SessionPhase
from slotrace.errors import SlotraceError
from slotrace.tui.messages import DriverStopped, RaceAdvanced
from slotrace.tui.roster import Roster
from slotrace.tui.screens.race_control import RaceControlScreen
from slotrace.tui.session import RaceSession

log = logging.getLogger(__name__)


class SlotraceApp(App[None]):
    """Race control for one heat on one control unit.

    Data flow: the driver runs in a worker; every driver event and every command from
    race control goes through `RaceSession.feed` (journal first, then the engine), and
    the resulting state is posted as `RaceAdvanced` to the screens.

    Args:
        driver: the connected-to-be driver (real, simulator-backed, or a test fake).
        session: the heat's journal-first pipeline.
        roster: names for the controllers in this heat.
        heat_title: shown in the session header ("Stage 1 · Heat 1").
        author: who race-control decisions are logged as.
        extra_screens: name → screen factory for the event / entries / results screens.
        on_heat_finished: called once when the engine reports the heat finished (marks the
            heat finished in the event file).
    """

    CSS_PATH = "styles/app.tcss"
    TITLE = "slotrace race control"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "show('race')", "Race"),
        Binding("f3", "show('event')", "Event"),
        Binding("f4", "show('entries')", "Entries"),
        Binding("f5", "show('results')", "Results"),
        Binding("q", "quit_race_control", "Quit"),
    ]

    def __init__(
        self,
        *,
        driver: Driver,
        session: RaceSession,
        roster: Roster | None = None,
        heat_title: str = "",
        author: str = "race control",
        extra_screens: dict[str, Any] | None = None,
        on_heat_finished: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.driver = driver
        self.session = session
        self.roster = roster or Roster()
        self.heat_title = heat_title
        self.author = author
        self.driver_problem = ""
        self._extra_screens = extra_screens or {}
        self._on_heat_finished = on_heat_finished
        self.heat_id: int | None = None
        self.regularity: Any = None
        """The heat's `slotrace.rules.live.HeatRegularity` (None: sprint leg, lap view)."""
        self.startup_message = ""
        """Shown as a notification once the app is up (e.g. how to open the board)."""

    def on_mount(self) -> None:
        self.install_screen(RaceControlScreen(), "race")
        for name, factory in self._extra_screens.items():
            self.install_screen(factory, name)
        self.push_screen("race")
        self.run_driver()
        if self.startup_message:
            self.notify(self.startup_message, timeout=20)

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

    def action_quit_race_control(self) -> None:
        """q on any screen: quits at once between heats, asks first mid-heat."""
        self.race_screen.action_quit_race_control()

    @work(exclusive=True, group="driver", exit_on_error=False)
    async def run_driver(self) -> None:
        """Read driver events until the driver closes; journal and fold each one."""
        try:
            await self.driver.start()
        except SlotraceError as exc:
            self.post_message(DriverStopped(f"could not connect: {exc}"))
            return
        try:
            async for event in self.driver.events():
                race_events = self.session.feed(event)
                self.post_message(RaceAdvanced(self.session.state, race_events, event))
        finally:
            await self.driver.close()

    def control(self, command: Any) -> None:
        """Journal and apply a race-control command, stamped with the estimated CU clock."""
        command = self.session.stamp(command)
        try:
            race_events = self.session.feed(command)
        except (SlotraceError, ValueError) as exc:
            self.notify(f"not applied: {exc}", severity="error")
            return
        self.post_message(RaceAdvanced(self.session.state, race_events, command))

    def send_to_driver(self, command: DriverCommand) -> None:
        try:
            self.driver.send(command)
        except DriverError as exc:
            self.notify(f"control unit refused {type(command).__name__}: {exc}", severity="error")

    def on_race_advanced(self, message: RaceAdvanced) -> None:
        self.race_screen.show(message.state, message.race_events)
        if self._on_heat_finished and message.state.phase is SessionPhase.FINISHED:
            hook, self._on_heat_finished = self._on_heat_finished, None
            hook()
            self.notify("heat finished and saved; the next `slotrace open` starts the next heat")

    def on_driver_stopped(self, message: DriverStopped) -> None:
        self.driver_problem = message.reason
        self.notify(message.reason, severity="error", timeout=30)
