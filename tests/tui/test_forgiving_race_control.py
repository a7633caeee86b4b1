"""Race control that forgives: q and e ask mid-heat, the cursor follows the car, wording."""

from __future__ import annotations

import pytest
from helpers import ROSTER, lights_out, race_app, status
from textual.widgets import Input, Select

from slotrace.drivers_api import StartLight
from slotrace.engine import EndSession, SessionPhase
from slotrace.tui.screens.end_heat_dialog import EndHeatDialog
from slotrace.tui.screens.penalty_dialog import PenaltyDialog
from slotrace.tui.screens.quit_dialog import QuitDialog
from slotrace.tui.widgets.leaderboard import Leaderboard
from slotrace.tui.widgets.start_lights import StartLights


def _record_exit(app) -> list[bool]:
    exits: list[bool] = []
    app.exit = lambda *a, **k: exits.append(True)  # type: ignore[method-assign]
    return exits


async def _running(pilot) -> None:
    await pilot.press("s")
    lights_out(pilot.app.driver)
    pilot.app.driver.crossing(1, 1000)
    pilot.app.driver.crossing(2, 1300)
    await pilot.pause()
    assert pilot.app.session.state.phase is SessionPhase.RUNNING


async def test_q_on_the_grid_quits_at_once() -> None:
    app, _, _ = race_app()
    exits = _record_exit(app)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert exits == [True]
        assert not isinstance(app.screen, QuitDialog)


async def test_q_mid_heat_asks_and_escape_stays() -> None:
    app, _, _ = race_app()
    exits = _record_exit(app)
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert exits == [] and not isinstance(app.screen, QuitDialog)
        await pilot.press("q")
        await pilot.pause()
        await pilot.click("#quit")
        await pilot.pause()
        assert exits == [True]


async def test_e_mid_heat_asks_for_a_reason_before_it_ends_the_heat() -> None:
    app, _, journal = race_app(laps=5)
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EndHeatDialog)
        assert "5 lap(s)" in dialog.left
        await pilot.click("#apply")  # no reason yet: refused, heat still running
        await pilot.pause()
        assert "reason is required" in str(dialog.query_one("#error").render())
        assert app.session.state.phase is SessionPhase.RUNNING
        dialog.query_one("#reason", Input).focus()
        await pilot.press(*"track blocked", "enter")
        await pilot.pause()
        ended = [i for i in journal.items if isinstance(i, EndSession)]
        assert [e.reason for e in ended] == ["track blocked"]
        assert app.session.state.phase is not SessionPhase.RUNNING


async def test_suspended_says_p_resumes_not_s() -> None:
    app, driver, _ = race_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(pilot)
        await pilot.press("p")
        driver.push(status(StartLight.READY))  # the control unit shows READY while paused
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.SUSPENDED
        caption = str(app.race_screen.query_one(StartLights).render())
        assert "press p to resume" in caption and "press s" not in caption


@pytest.mark.parametrize("start_key", [True, False], ids=["carrera-like", "no-start-key"])
async def test_p_pauses_the_control_unit_only_where_its_start_key_does(start_key: bool) -> None:
    """On Carrera the START key pauses and resumes the race, so p presses it; a control unit
    without a START key slotrace can press is sent nothing (no "refused" error) and the
    organiser is told that only slotrace's count has stopped."""
    from test_journal_failure import record_notifications

    from slotrace.drivers_api import Button, Capabilities, Capability, PressButton

    app, driver, _ = race_app()
    flags = Capability.START_LIGHTS | (Capability.REMOTE_BUTTONS if start_key else Capability.NONE)
    driver.capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=flags)
    said = record_notifications(app)
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(pilot)
        sent_before = len(driver.sent)
        await pilot.press("p")
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.SUSPENDED
        presses = [c for c in driver.sent[sent_before:] if c == PressButton(Button.START)]
        warned = [m for m in said if "cannot stop the cars" in m]
        assert (len(presses), len(warned)) == ((1, 0) if start_key else (0, 1))
        await pilot.press("p")
        await pilot.pause()
        assert app.session.state.phase is not SessionPhase.SUSPENDED
        presses = [c for c in driver.sent[sent_before:] if c == PressButton(Button.START)]
        assert len(presses) == (2 if start_key else 0)


async def test_on_a_device_that_cuts_the_track_power_the_lights_and_p_hold_the_cars() -> None:
    """ARC-like: no start lights, no keys, but the power can be cut. Race control's own lights
    hold the cars (nobody can jump them), p holds them too, with no warning and no key."""
    from scripted_driver import ScriptedDriver
    from test_journal_failure import record_notifications

    from slotrace.drivers_api import Capabilities, Capability, PressButton, SetTrackPower
    from slotrace.engine import SessionConfig, SessionKind
    from slotrace.raceday import LiveHeat, MemoryJournal
    from slotrace.tui.app import SlotraceApp

    class PowerbaseLike(ScriptedDriver):
        capabilities = Capabilities(max_cars=6, sensor_groups=1,
                                    flags=Capability.TRACK_POWER | Capability.SPEED_LIMIT)

    driver = PowerbaseLike()
    session = LiveHeat(SessionConfig(kind=SessionKind.RACE_LAPS, laps=3, cars=(1, 2)),
                       MemoryJournal(), clock=lambda: 0.0)
    app = SlotraceApp(driver=driver, session=session, roster=ROSTER, heat_title="Heat 1",
                      author="steward")
    said = record_notifications(app)

    def power() -> list[bool]:
        return [c.on for c in driver.sent if isinstance(c, SetTrackPower)]

    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        driver.sent.clear()
        await pilot.press("s")  # race control's lights on
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.STARTING and power() == [False]
        shown = str(app.race_screen.query_one(StartLights).render())
        assert "READY, cars held: press s again to start" in shown
        await pilot.press("s")  # race control's lights-out
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.RUNNING and power() == [False, True]
        driver.crossing(1, 1000)
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.SUSPENDED and power()[-1] is False
        await pilot.press("p")
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.RUNNING and power()[-1] is True
        assert power() == [False, True, False, True]
        assert not [c for c in driver.sent if isinstance(c, PressButton)]
        assert not [m for m in said if "cannot stop the cars" in m]


async def test_a_track_power_command_the_driver_refuses_is_named_in_the_red_banner() -> None:
    from scripted_driver import ScriptedDriver

    from slotrace.drivers_api import Capabilities, Capability, LocalProtocolError, SetTrackPower
    from slotrace.engine import SessionConfig, SessionKind
    from slotrace.raceday import LiveHeat, MemoryJournal
    from slotrace.tui.app import SlotraceApp

    class StuckPowerbase(ScriptedDriver):
        capabilities = Capabilities(max_cars=6, sensor_groups=1, flags=Capability.TRACK_POWER)
        stuck = False

        def send(self, command):
            if self.stuck and isinstance(command, SetTrackPower):
                raise LocalProtocolError("the powerbase refused the Command write")
            super().send(command)

    driver = StuckPowerbase()
    session = LiveHeat(SessionConfig(kind=SessionKind.RACE_LAPS, laps=3, cars=(1, 2)),
                       MemoryJournal(), clock=lambda: 0.0)
    app = SlotraceApp(driver=driver, session=session, roster=ROSTER, heat_title="Heat 1",
                      author="steward")
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        driver.stuck = True
        await pilot.press("s")
        await pilot.pause()
        title, message = app.problem()
        assert title == "TRACK POWER NOT SWITCHED"
        assert message.startswith("track power not cut: the powerbase refused the Command write")
        driver.stuck = False
        driver.crossing(1, 500)  # the next event from the control unit: tried again
        await pilot.pause()
        assert app.problem() == ("", "")


async def test_penalty_dialog_preselects_the_followed_car_after_a_reorder() -> None:
    app, driver, _ = race_app(laps=5, cars=(1, 2))
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(pilot)
        driver.crossing(1, 5000)
        await pilot.pause()
        board = app.race_screen.query_one(Leaderboard)
        board.move_cursor(row=1)  # car 2, second
        assert board.car_at_cursor() == 2
        driver.crossing(2, 5100)
        driver.crossing(2, 8000)  # car 2 takes the lead: its row moves up
        await pilot.pause()
        assert board.cursor_row == 0 and board.car_at_cursor() == 2
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, PenaltyDialog)
        assert app.screen.query_one("#car", Select).value == 2


async def test_keys_the_driver_cannot_do_are_hidden() -> None:
    app, _, _ = race_app()  # the scripted driver has no pace car and no car settings
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        bindings = app.screen.active_bindings.values()
        shown = {b.action for _, b, enabled, _ in bindings if enabled}
        assert "pace_car" not in shown and "tune_car" not in shown
        assert {"start", "end_heat", "penalty", "quit_race_control"} <= shown


async def test_a_driver_with_only_a_speed_limit_offers_tune_car_with_speed_alone() -> None:
    """ARC Pro sets a car's maximum power but has no brake or fuel settings: `t` is offered and
    asks for the speed only, and what it sends is the one SetSpeed."""
    from slotrace.drivers_api import Capabilities, Capability, SetSpeed
    from slotrace.tui.screens.car_settings_dialog import CarSettingsDialog

    app, driver, _ = race_app(cars=(1, 2))
    driver.capabilities = Capabilities(
        max_cars=6, sensor_groups=1, flags=Capability.START_LIGHTS | Capability.SPEED_LIMIT)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        shown = {b.action for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}
        assert "tune_car" in shown
        await pilot.press("t")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CarSettingsDialog)
        assert [i.id for i in dialog.query(Input)] == ["speed"]
        dialog.query_one("#speed", Input).value = "60"
        await pilot.press("enter")
        await pilot.pause()
        assert driver.sent[-1] == SetSpeed(dialog.car, 0.6)


@pytest.mark.parametrize(("groups", "warned"), [(1, True), (3, False)])
async def test_race_control_warns_on_the_grid_of_trials_the_control_unit_cannot_time(
        groups: int, warned: bool) -> None:
    """A leg timing the castle gate (sensor group 2) on a control unit that sees only the
    finish line: the red banner says so before the start, naming the trial."""
    from slotrace.drivers_api import Capabilities, Capability
    from slotrace.rules.files import load_template, load_track
    from slotrace.rules.live import HeatRegularity
    from slotrace.rules.model import Heat, HeatSlot
    from slotrace.tui.widgets.problem_banner import ProblemBanner

    track = load_track("mini-mille-miglia")
    event = load_template("mille-miglia-2020", track)
    heat = Heat(leg=0, number=1, slots=(HeatSlot(entry_no=1, address=1, recode=False),))
    app, driver, _ = race_app(cars=(1,))
    driver.capabilities = Capabilities(max_cars=6, sensor_groups=groups,
                                       flags=Capability.START_LIGHTS)
    app.regularity = HeatRegularity(heat, event.legs[0], track, event.scale)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        driver.push(status(StartLight.OFF))
        await pilot.pause()
        banner = app.screen.query_one(ProblemBanner)
        assert (banner.title == "TRIALS THIS CONTROL UNIT CANNOT TIME") is warned
        assert ("PC 1 Desenzano del Garda" in banner.message) is warned
        assert ("castle gate (sensor group 2)" in banner.message) is warned


async def test_a_heat_with_more_cars_than_the_control_unit_runs_is_named_and_not_started() -> None:
    """A heat planned with car 7 on a 6-car control unit would never finish: the banner names
    the controllers and START is refused with the same words."""
    from slotrace.tui.widgets.problem_banner import ProblemBanner

    app, driver, _ = race_app(cars=(1, 7))  # the scripted driver runs cars 1..6
    said: list[str] = []
    app.notify = lambda message, **_: said.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(140, 30)) as pilot:
        driver.push(status(StartLight.OFF))
        await pilot.pause()
        banner = app.screen.query_one(ProblemBanner)
        assert banner.title == "HEAT DOES NOT FIT THIS CONTROL UNIT"
        assert ("this heat has cars on controller 7, but the scripted driver runs cars 1..6"
                in banner.message)
        await pilot.press("s")
        await pilot.pause()
        assert app.session.state.phase is SessionPhase.GRID
        assert any(m.startswith("START refused: this heat has cars on controller 7") for m in said)
