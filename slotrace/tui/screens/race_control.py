"""Provides `RaceControlScreen`: start lights, clock, live leaderboard, alerts and steward keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label

from slotrace.drivers_api import Button, Capability, PressButton, StartLight
from slotrace.engine import (
    EndSession,
    PaceCar,
    Resume,
    SessionPhase,
    Suspend,
    YellowFlag,
    standings,
)
from slotrace.tui.screens.car_settings_dialog import CarSettingsDialog
from slotrace.tui.screens.end_heat_dialog import EndHeatDialog
from slotrace.tui.screens.lap_correction_dialog import LapCorrectionDialog
from slotrace.tui.screens.penalty_dialog import PenaltyDialog
from slotrace.tui.screens.quit_dialog import QuitDialog
from slotrace.tui.screens.revoke_dialog import RevokeDialog
from slotrace.tui.screens.web_board_dialog import WebBoardDialog
from slotrace.tui.widgets.alert_list import AlertList
from slotrace.tui.widgets.key_bar import KeyBar
from slotrace.tui.widgets.leaderboard import Leaderboard
from slotrace.tui.widgets.link_status import LinkStatusBar
from slotrace.tui.widgets.problem_banner import ProblemBanner
from slotrace.tui.widgets.session_header import SessionHeader, laps_to_go
from slotrace.tui.widgets.start_lights import StartLights
from slotrace.tui.widgets.stewards_log import StewardsLog, revocable

CLOCK_TICK_SECONDS = 1.0
"""How often the session clock / time to go is re-drawn between events."""

FLASH_SECONDS = 4.0
"""How long a just-completed trial result stays highlighted on the leaderboard."""

if TYPE_CHECKING:
    from slotrace.tui.app import SlotraceApp


class RaceControlScreen(Screen[None]):
    """The steward's main screen for the running heat. Every action is in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start"),
        Binding("p", "suspend_resume", "Pause/Resume"),
        Binding("y", "yellow_flag", "Yellow"),
        Binding("c", "pace_car", "Pace"),
        Binding("e", "end_heat", "End"),
        Binding("x", "penalty", "Penalty"),
        Binding("l", "lap_correction", "Lap fix"),
        Binding("t", "tune_car", "Tune car"),
        Binding("v", "revoke", "Revoke"),
        Binding("n", "next_heat", "Next heat"),
        Binding("r", "reconnect", "Reconnect"),
        Binding("w", "web_board", "Web board"),
    ]

    MID_HEAT: ClassVar[frozenset[SessionPhase]] = frozenset(
        {SessionPhase.STARTING, SessionPhase.RUNNING, SessionPhase.SUSPENDED,
         SessionPhase.FINISHING}
    )
    """Phases in which q and e ask before they act."""

    NEEDS: ClassVar[dict[str, Capability]] = {
        "pace_car": Capability.PACE_CAR,
        "tune_car": Capability.SPEED_BRAKE_FUEL | Capability.SPEED_LIMIT,
    }
    """Keys offered only when the driver declares the capability, or one of several
    (hidden otherwise)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reconnect":  # offered only while the link is down
            return not self.app.session.link.up
        if action == "web_board":  # offered when race control knows the board's address
            return self.app.board_link is not None
        needed = self.NEEDS.get(action)
        if needed is None:
            return True
        capabilities = getattr(self.app.driver, "capabilities", None)
        return capabilities is not None and bool(capabilities.flags & needed)

    app: SlotraceApp

    def compose(self) -> ComposeResult:
        roster = self.app.roster
        with Vertical(id="race-top"):
            with Horizontal(id="race-status"):
                yield SessionHeader(id="session-header")
                yield StartLights(id="start-lights")
            yield Label("", id="last-event")
        yield ProblemBanner(id="problem-banner")
        regular = getattr(self.app, "regularity", None) is not None
        yield Leaderboard(roster, regularity=regular, id="leaderboard")
        with Horizontal(id="race-bottom"):
            with Vertical(id="alerts-pane"):
                yield Label("Alerts", classes="section-title")
                yield AlertList(roster, id="alerts")
            with Vertical(id="log-pane"):
                yield Label("Stewards' log", classes="section-title")
                yield StewardsLog(roster, id="stewards-log")
        yield LinkStatusBar(id="link-status")
        yield KeyBar(id="key-bar")

    def on_mount(self) -> None:
        self._trials_done: dict[int, int] = {}
        self._announce_trials = False  # trials done before a resume are not announced again
        self.query_one(SessionHeader).title = self.app.heat_title
        self.show(self.app.session.state, ())
        self._announce_trials = True
        self.set_interval(CLOCK_TICK_SECONDS, self.tick_clock)

    def tick_clock(self) -> None:
        """Run the session clock on between events (estimated from the last crossing), and
        retry writing the event file while it fails."""
        self.app.retry_journal()
        header = self.query_one(SessionHeader)
        if header.state is not None and header.state.clock.running:
            header.clock_ms = self.app.session.live_elapsed_ms()

    def show(self, state: Any, race_events: tuple[Any, ...]) -> None:
        """Render the engine state after an input (called for every lap, never skipped)."""
        header = self.query_one(SessionHeader)
        header.state = state
        header.clock_ms = self.app.session.live_elapsed_ms()
        lights = self.query_one(StartLights)
        lights.suspended = state.phase is SessionPhase.SUSPENDED
        light = state.start_light or StartLight.OFF
        if (state.phase is SessionPhase.STARTING
                and Capability.START_LIGHTS not in self.app.driver.capabilities.flags):
            light = StartLight.READY  # race control's own lights: all on until its lights-out
        lights.held = state.cars_held
        lights.light = light
        regularity = getattr(self.app, "regularity", None)
        live = regularity.by_address(state) if regularity is not None else None
        board = self.query_one(Leaderboard)
        finished_trial = self._flash_new_results(board, live) if live is not None else ""
        board.show(standings(state), live)
        self.query_one(AlertList).alerts = tuple(state.alerts)
        self.query_one(StewardsLog).show(state.stewards_log)
        link = self.query_one(LinkStatusBar)
        if link.status.up != self.app.session.link.up:
            self.refresh_bindings()  # the reconnect key comes and goes with the link
        link.status = self.app.session.link
        link.stats = self.app.driver.stats
        banner = self.query_one(ProblemBanner)
        banner.title, banner.message = self.app.problem()
        if finished_trial:
            self.query_one("#last-event", Label).update(finished_trial)
        elif race_events:
            self.query_one("#last-event", Label).update(describe_race_event(race_events[-1], self))

    def _flash_new_results(self, board: Leaderboard, live: dict[int, Any]) -> str:
        """Flash the cars that completed a trial since the last update; the ticker line."""
        words = ""
        for car, regular in live.items():
            done = len(regular.completed)
            if done > self._trials_done.get(car, 0) and regular.last_result is not None:
                board.flashing.add(car)
                self.set_timer(FLASH_SECONDS, lambda car=car: self._unflash(car))
                words = describe_trial_result(self.app.roster[car].number, regular.last_result)
                if self._announce_trials:
                    self.app.announce_trial(car, regular.last_result)
            self._trials_done[car] = done
        return words

    def _unflash(self, car: int) -> None:
        board = self.query_one(Leaderboard)
        board.flashing.discard(car)
        self.show(self.app.session.state, ())

    def _selected_car(self) -> int | None:
        return self.query_one(Leaderboard).car_at_cursor()

    def action_start(self) -> None:
        """First press journals the start and shows READY; the second starts the countdown.

        The event core refuses START while the link is down or the event file cannot be
        written; the reason is shown.
        """
        self.app.press_start()

    def action_next_heat(self) -> None:
        """After a finish: open the next planned heat without leaving race control."""
        self.app.open_next_heat()

    def action_reconnect(self) -> None:
        self.app.reconnect()

    def action_web_board(self) -> None:
        """The web board's URL and QR code, for spectators to scan."""
        if self.app.board_link is not None:
            self.app.push_screen(WebBoardDialog(self.app.board_link))

    def action_suspend_resume(self) -> None:
        app = self.app
        phase = app.session.state.phase
        if phase is SessionPhase.SUSPENDED:
            app.control(Resume(reason="resumed by race control", author=app.author))
        elif phase is SessionPhase.RUNNING:
            app.control(Suspend(reason="suspended by race control", author=app.author))
        else:
            app.notify(f"nothing to suspend or resume while {phase.name.lower()}")
            return
        capabilities = app.driver.capabilities
        if capabilities.start_key:  # the control unit pauses with its START key
            app.send_to_driver(PressButton(Button.START))
        elif phase is SessionPhase.RUNNING and not capabilities.holds_cars:  # else: LiveHeat
            app.notify(
                "suspended in slotrace only: this control unit cannot stop the cars from here, "
                "so ask the drivers to stop", severity="warning", timeout=10)

    def action_yellow_flag(self) -> None:
        app = self.app
        on = not app.session.state.yellow
        app.control(YellowFlag(on=on, reason="yellow flag", author=app.author))

    def action_pace_car(self) -> None:
        app = self.app
        on = not app.session.state.pace_car
        app.control(PaceCar(on=on, reason="pace car", author=app.author))
        app.send_to_driver(PressButton(Button.PACE_CAR))

    def action_end_heat(self) -> None:
        """Ask (with what is left to drive) and take a reason; a heat on the grid ends at once."""
        app = self.app
        state = app.session.state
        if state.phase is SessionPhase.FINISHED:
            app.notify("the heat is already finished")
            return
        if state.phase not in self.MID_HEAT:
            app.control(EndSession(reason="heat ended on the grid", author=app.author))
            return
        to_go = laps_to_go(state)
        left = f"{to_go} lap(s) for the leader" if to_go is not None else ""
        app.push_screen(EndHeatDialog(app.author, left), self._apply_decision)

    def action_quit_race_control(self) -> None:
        """Quit at once on the grid or after the finish; mid-heat ask first."""
        phase = self.app.session.state.phase
        if phase not in self.MID_HEAT:
            self.app.exit()
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.app.exit()

        self.app.push_screen(QuitDialog(phase.name.lower()), answered)

    def action_penalty(self) -> None:
        app = self.app
        dialog = PenaltyDialog(app.roster, self._selected_car(), app.author)
        app.push_screen(dialog, self._apply_decision)

    def action_lap_correction(self) -> None:
        app = self.app
        dialog = LapCorrectionDialog(app.roster, self._selected_car(), app.author)
        app.push_screen(dialog, self._apply_decision)

    def action_tune_car(self) -> None:
        car = self._selected_car()
        if car is None:
            self.app.notify("select a car in the leaderboard first", severity="warning")
            return
        capabilities = getattr(self.app.driver, "capabilities", None)
        flags = capabilities.flags if capabilities is not None else Capability.NONE
        fields = (("speed", "brake", "fuel") if flags & Capability.SPEED_BRAKE_FUEL
                  else ("speed",))  # SPEED_LIMIT: a maximum speed only
        self.app.push_screen(CarSettingsDialog(self.app.roster, car, fields),
                             self._send_settings)

    def action_revoke(self) -> None:
        app = self.app
        decisions = revocable(app.session.state.stewards_log)
        if not decisions:
            app.notify("no decision to revoke (penalties and lap corrections can be)",
                       severity="warning")
            return
        log = self.query_one(StewardsLog)
        chosen = None
        if log.row_count:
            chosen = int(str(log.get_row_at(log.cursor_row)[0]))
        app.push_screen(RevokeDialog(app.roster, decisions, app.author, chosen),
                        self._apply_decision)

    def _apply_decision(self, command: Any) -> None:
        if command is not None:
            self.app.control(command)

    def _send_settings(self, commands: list[Any] | None) -> None:
        for command in commands or ():
            self.app.send_to_driver(command)


RACE_EVENT_WORDS = {
    "SessionStarted": "lights out: the heat is running",
    "LapCompleted": "lap",
    "LapNeutralised": "lap neutralised (yellow flag)",
    "LapNotCounted": "lap not counted",
    "BestLap": "best lap",
    "NewLeader": "takes the lead",
    "FalseStart": "false start",
    "MissedLap": "missed lap",
    "PitEntered": "in the pit lane",
    "CarFinished": "finished",
    "SessionFinished": "heat finished",
    "DecisionLogged": "stewards' decision logged",
}
"""How each engine race event reads in the one-line ticker above the leaderboard."""


def describe_trial_result(number: str, result: Any) -> str:
    """``#722 PC 1 Desenzano: +12 hundredths, 12 points`` for a trial just completed."""
    from slotrace.rules.live import signed_hundredths

    dev = signed_hundredths(result.deviation_cs)
    how = f"{dev} hundredths, " if dev else ""
    points = "1 point" if result.penalty == 1 else f"{result.penalty} points"
    return f"#{number} {result.trial}: {how}{points}"


def describe_race_event(event: Any, screen: RaceControlScreen) -> str:
    """A short line about the latest race event (``#723 best lap 7.812``)."""
    from slotrace.tui import format as fmt

    car = getattr(event, "car", None)
    who = f"#{screen.app.roster[car].number} " if car is not None else ""
    name = type(event).__name__
    words = RACE_EVENT_WORDS.get(name, name)
    if name == "BestLap" and getattr(event, "overall", False):
        words = "fastest lap of the heat"
    if name == "CarFinished":
        words = f"finished P{event.position}"
    lap_ms = getattr(event, "lap_ms", None)
    detail = f" {fmt.lap_time(lap_ms)}" if lap_ms is not None else ""
    return f"{who}{words}{detail}"
