"""Provides opt-in voice announcements: what to say (`Announcer`), saying it (`open_speaker`)."""

from slotrace.voice.announcer import Announcement, AnnouncementKind, Announcer
from slotrace.voice.speaker import (
    BackgroundSpeaker,
    SilentSpeaker,
    Speaker,
    SpeechEngine,
    find_engine,
    open_speaker,
    render_wav,
)

VOICE_OPTION_HELP = (
    "speak the start, last lap, trial results, new best laps and yellow flags through the "
    "computer's speech engine (espeak-ng on Linux, say on macOS); off unless given, silent "
    "where no engine is installed"
)
"""The ``--voice`` option's help text, the same on every face that offers it."""

__all__ = [
    "VOICE_OPTION_HELP", "Announcement", "AnnouncementKind", "Announcer", "BackgroundSpeaker",
    "SilentSpeaker", "Speaker", "SpeechEngine", "find_engine", "open_speaker", "render_wav",
]
