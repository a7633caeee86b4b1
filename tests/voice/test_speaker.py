"""Speaking never blocks race control, drops the least urgent when behind, and really speaks."""

from __future__ import annotations

import shutil
import threading
import wave
from pathlib import Path

import pytest

from slotrace.voice import (
    Announcement,
    AnnouncementKind,
    BackgroundSpeaker,
    SilentSpeaker,
    SpeechEngine,
    find_engine,
    open_speaker,
    render_wav,
)

ENGINE = SpeechEngine("espeak-ng", "/usr/bin/espeak-ng")


def said(kind: AnnouncementKind, text: str) -> Announcement:
    return Announcement(kind, text, text)


class HeldRunner:
    """A speech engine that speaks only when the test lets it."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.started = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, command) -> None:
        self.commands.append(list(command))
        self.started.set()
        assert self.go_on.wait(5), "test never released the speech engine"


def test_say_returns_at_once_and_drops_the_least_urgent_when_behind():
    runner = HeldRunner()
    speaker = BackgroundSpeaker(ENGINE, runner=runner, max_pending=2)
    speaker.say(said(AnnouncementKind.START, "Go"))
    assert runner.started.wait(5)  # the engine is busy with "Go"; say() did not wait for it
    speaker.say(said(AnnouncementKind.BEST_LAP, "best 1"))
    speaker.say(said(AnnouncementKind.TRIAL_RESULT, "PC 1"))
    speaker.say(said(AnnouncementKind.YELLOW_FLAG, "Yellow"))
    speaker.say(said(AnnouncementKind.BEST_LAP, "best 2"))
    assert [a.text for a in speaker.dropped] == ["best 1", "best 2"]
    runner.go_on.set()
    assert speaker.wait_idle(5)
    assert [a.text for a in speaker.spoken] == ["Go", "PC 1", "Yellow"]
    assert runner.commands[0] == ["/usr/bin/espeak-ng", "--", "Go"]
    speaker.close()
    speaker.say(said(AnnouncementKind.START, "after close"))
    assert [a.text for a in speaker.spoken] == ["Go", "PC 1", "Yellow"]


def test_a_failing_engine_costs_the_announcement_not_the_caller():
    def broken(command) -> None:
        raise FileNotFoundError(command[0])

    speaker = BackgroundSpeaker(ENGINE, runner=broken)
    speaker.say(said(AnnouncementKind.START, "Go"))
    speaker.say(said(AnnouncementKind.LAST_LAP, "Last lap"))
    assert speaker.wait_idle(5) and len(speaker.spoken) == 2
    speaker.close()


def test_engine_per_platform_and_silence_without_one():
    programs = {"espeak-ng": "/usr/bin/espeak-ng", "say": "/usr/bin/say"}
    assert find_engine(programs.get, "linux") == SpeechEngine("espeak-ng", "/usr/bin/espeak-ng")
    assert find_engine({"espeak": "/bin/espeak"}.get, "linux").name == "espeak"
    assert find_engine(programs.get, "darwin") == SpeechEngine("say", "/usr/bin/say")
    assert find_engine(lambda name: None, "linux") is None
    off = open_speaker(False)
    assert isinstance(off, SilentSpeaker) and off.why == "voice is off"
    off.say(said(AnnouncementKind.START, "Go"))  # harmless
    off.close()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed "
                    "(.ci/run installs it)")
def test_espeak_ng_really_speaks_an_announcement_into_a_wav(tmp_path: Path):
    from slotrace.voice import Announcer

    engine = find_engine()
    assert engine is not None and engine.name == "espeak-ng"
    announcement = Announcer().on_trial_result(722, "PC 3", 12)
    path = render_wav(announcement.spoken, tmp_path / "out.wav", engine)
    with wave.open(str(path)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 1.0 < seconds < 10.0  # a sentence, not silence or an empty file
