"""Voice in race control (opt-in): what a fake speaker is asked to say during a heat."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROSTER, lights_out
from scripted_driver import ScriptedDriver

from slotrace.cli import build_parser
from slotrace.cli.open import voice_note
from slotrace.engine import SessionConfig, SessionKind
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.store import EventFile
from slotrace.tui.app import SlotraceApp
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.voice import Announcement, AnnouncementKind, SilentSpeaker, open_speaker


class RecordingSpeaker:
    """Stands in for the speech engine: keeps every announcement race control hands it."""

    def __init__(self) -> None:
        self.said: list[Announcement] = []
        self.closed = False

    def say(self, announcement: Announcement) -> None:
        self.said.append(announcement)

    def close(self) -> None:
        self.closed = True

    @property
    def texts(self) -> list[str]:
        return [a.text for a in self.said]


async def test_start_yellow_flag_last_lap_and_best_lap_are_announced() -> None:
    speaker = RecordingSpeaker()
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=4, cars=(1, 2))
    app = SlotraceApp(driver=ScriptedDriver(), roster=ROSTER, heat_title="Heat 1",
                      session=LiveHeat(config, MemoryJournal(), clock=lambda: 0.0),
                      author="steward", speaker=speaker)
    async with app.run_test(size=(120, 30)) as pilot:
        driver = app.driver
        await pilot.press("s")
        await pilot.pause()
        assert speaker.said == []  # the first press only lights the lights
        lights_out(driver)
        await pilot.pause()
        assert speaker.texts == ["Start!"]
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert speaker.texts[1:] == ["Yellow flag", "Track clear"]
        assert speaker.said[1].kind is AnnouncementKind.YELLOW_FLAG
        for device_ms in (1000, 5000, 9000, 12600):  # car 1's third lap is its best (3.6 s)
            driver.crossing(1, device_ms)
            driver.crossing(2, device_ms + 700)
        await pilot.pause()
        assert "Last lap, #007 leads" in speaker.texts
        assert "Best lap #007, 3.60 s" in speaker.texts
        spoken = [a.spoken for a in speaker.said]
        assert "New best lap, number 7, 3 point 60 seconds." in spoken


async def test_a_completed_trial_is_announced_with_its_deviation(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    speaker = RecordingSpeaker()
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), author="steward",
                                   speaker=speaker)
        app.session._clock = lambda: 0.0
        async with app.run_test(size=(160, 30)) as pilot:
            number = app.roster[1].number
            await pilot.press("s")
            lights_out(app.driver)
            app.driver.crossing(1, 1000)
            await pilot.pause()
            app.driver.crossing(1, 8620, sensor=2)  # PC 1 asks 7.50 s: 12 hundredths late
            await pilot.pause()
            trials = [a for a in speaker.said if a.kind is AnnouncementKind.TRIAL_RESULT]
            assert [a.text for a in trials] == [
                f"#{number}, PC 1 Desenzano del Garda, plus 12 hundredths"]
            assert trials[0].spoken == (
                f"number {int(number)}, PC 1 Desenzano del Garda, plus 12 hundredths.")


async def test_race_control_is_silent_without_voice() -> None:
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=2, cars=(1,))
    app = SlotraceApp(driver=ScriptedDriver(), roster=ROSTER,
                      session=LiveHeat(config, MemoryJournal(), clock=lambda: 0.0))
    assert isinstance(app.speaker, SilentSpeaker)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("s")
        lights_out(app.driver)
        app.driver.crossing(1, 1000)
        app.driver.crossing(1, 5000)
        await pilot.pause()
        assert app.session.state.cars[1].laps == 1  # the heat runs as ever


@pytest.mark.parametrize("command", ["demo", "open"])
def test_voice_is_opt_in_on_demo_and_open(command: str) -> None:
    extra = ["ev.slotrace", "--device", "sim"] if command == "open" else []
    parser = build_parser()
    assert parser.parse_args([command, *extra]).voice is False
    assert parser.parse_args([command, *extra, "--voice"]).voice is True


def test_voice_without_a_speech_engine_is_harmless_and_says_why(monkeypatch) -> None:
    monkeypatch.setattr("slotrace.voice.speaker.find_engine", lambda: None)  # no espeak-ng
    speaker = open_speaker(True)
    assert isinstance(speaker, SilentSpeaker)
    speaker.say(Announcement(AnnouncementKind.START, "Start!", "Go!"))  # nothing happens
    assert voice_note(speaker, asked=True) == (
        "Voice: no speech engine found (install espeak-ng, or use macOS). ")
    assert voice_note(open_speaker(False), asked=False) == ""
