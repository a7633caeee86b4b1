"""Provides speaking announcements through the platform's speech engine, never blocking the caller.

`find_engine` picks espeak-ng (or espeak) on Linux, ``say`` on macOS; `open_speaker` gives a
`BackgroundSpeaker` that runs the engine in a worker thread, or a `SilentSpeaker` when voice is
off or no engine exists. Race control calls `Speaker.say` and returns at once: announcements
queue (at most ``max_pending``), and when speech falls behind the least urgent waiting one is
dropped. Engine failures are swallowed: voice is a nicety and must never stop a heat.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from slotrace.voice.announcer import Announcement

Runner = Callable[[Sequence[str]], None]
"""Runs one engine command to completion (tests pass a fake; the real one is `_run`)."""


@dataclass(frozen=True, slots=True)
class SpeechEngine:
    """A speech program and how to ask it to speak or to write a WAV file."""

    name: str
    program: str

    def speak_command(self, text: str) -> list[str]:
        return [self.program, "--", text] if self.name != "say" else [self.program, text]

    def wav_command(self, text: str, path: Path) -> list[str]:
        if self.name == "say":
            return [self.program, "--data-format=LEI16@22050", "-o", str(path), text]
        return [self.program, "-w", str(path), "--", text]


def find_engine(
    which: Callable[[str], str | None] = shutil.which, platform: str = sys.platform
) -> SpeechEngine | None:
    """The speech engine on this computer, or None (``which`` and ``platform`` for tests)."""
    names = ("say",) if platform == "darwin" else ("espeak-ng", "espeak")
    for name in names:
        program = which(name)
        if program:
            return SpeechEngine(name, program)
    return None


def render_wav(text: str, path: Path, engine: SpeechEngine, timeout_s: float = 20.0) -> Path:
    """Speak ``text`` into a WAV file (to check an engine works, or for a recording)."""
    subprocess.run(engine.wav_command(text, path), check=True, capture_output=True,
                   timeout=timeout_s)
    return path


class Speaker(Protocol):
    """What race control talks to: say without waiting, close when the session ends."""

    def say(self, announcement: Announcement) -> None: ...

    def close(self) -> None: ...


class SilentSpeaker:
    """Voice off, or no speech engine: every announcement is ignored. ``why`` says which."""

    def __init__(self, why: str = "voice is off") -> None:
        self.why = why

    def say(self, announcement: Announcement) -> None:
        return None

    def close(self) -> None:
        return None


def _run(command: Sequence[str]) -> None:
    subprocess.run(command, capture_output=True, timeout=30, check=False)


class BackgroundSpeaker:
    """Speaks announcements one after another in a worker thread; `say` never waits.

    At most ``max_pending`` announcements wait; a new one beyond that drops the least urgent
    waiting one (the oldest among equals), or itself when it is the least urgent.
    """

    def __init__(self, engine: SpeechEngine, runner: Runner = _run, max_pending: int = 2) -> None:
        self.engine = engine
        self.spoken: list[Announcement] = []
        self.dropped: list[Announcement] = []
        self._runner = runner
        self._max_pending = max(1, max_pending)
        self._pending: list[Announcement] = []
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="slotrace-voice", daemon=True)
        self._thread.start()

    def say(self, announcement: Announcement) -> None:
        with self._changed:
            if self._closed:
                return
            self._pending.append(announcement)
            if len(self._pending) > self._max_pending:
                least = min(range(len(self._pending)), key=lambda i: self._pending[i].kind)
                self.dropped.append(self._pending.pop(least))
            self._changed.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until nothing is waiting or being spoken; False if ``timeout_s`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy,
                                          timeout_s)

    def close(self) -> None:
        """Stop after the announcement being spoken; what still waits is dropped."""
        with self._changed:
            self._closed = True
            self.dropped.extend(self._pending)
            self._pending.clear()
            self._changed.notify_all()

    def _work(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                announcement = self._pending.pop(0)
                self._busy = True
            # a broken engine costs the announcement, never the heat
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._runner(self.engine.speak_command(announcement.spoken))
            with self._changed:
                self._busy = False
                self.spoken.append(announcement)
                self._changed.notify_all()


def open_speaker(enabled: bool, engine: SpeechEngine | None = None) -> Speaker:
    """The speaker for ``--voice``: silent unless enabled and an engine is found."""
    if not enabled:
        return SilentSpeaker()
    engine = engine or find_engine()
    if engine is None:
        return SilentSpeaker("no speech engine found (install espeak-ng, or use macOS)")
    return BackgroundSpeaker(engine)
