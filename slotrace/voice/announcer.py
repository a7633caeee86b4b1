"""Provides the announcer: which race moments are worth saying aloud, and the sentence for each.

Pure: engine race events, race-control commands and trial results in, `Announcement`s out; no
audio, no clock, no threads. Who speaks them is `slotrace.voice.speaker`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from slotrace.engine.control import YellowFlag
from slotrace.engine.race_events import (
    BestLap,
    CarFinished,
    FalseStart,
    LapCompleted,
    RaceEvent,
    SessionFinished,
    SessionStarted,
)
from slotrace.rules.model import format_race_number


class AnnouncementKind(IntEnum):
    """What an announcement is about; a higher value is more urgent when speech falls behind."""

    BEST_LAP = 1
    TRIAL_RESULT = 2
    FINISH = 3
    LAST_LAP = 4
    START = 5
    FALSE_START = 6
    YELLOW_FLAG = 7


@dataclass(frozen=True, slots=True)
class Announcement:
    """One thing to say: ``text`` for a caption, ``spoken`` for the speech engine."""

    kind: AnnouncementKind
    text: str
    spoken: str


@dataclass
class Announcer:
    """Turns a heat's race events into announcements, each moment once.

    ``laps`` is the heat's lap target (None for timed or open sessions: no last-lap call).
    ``roster`` maps controller/car addresses to painted race numbers; unknown cars are 'car N'.
    Best laps are called only once a car has ``settled_laps`` counted laps, so the first laps
    of a heat (each one a new best) stay quiet.
    """

    laps: int | None = None
    settled_laps: int = 2
    _laps_done: dict[int, int] = field(default_factory=dict)
    _last_lap_called: bool = False

    def on_race_events(
        self, events: Iterable[RaceEvent], roster: Mapping[int, int] | None = None
    ) -> tuple[Announcement, ...]:
        """The announcements for one batch of engine events (what `engine.apply` returned)."""
        roster = roster or {}
        said: list[Announcement] = []
        for event in events:
            said.extend(self._on_event(event, roster))
        return tuple(said)

    def _on_event(self, event: RaceEvent, roster: Mapping[int, int]) -> list[Announcement]:
        if isinstance(event, SessionStarted):
            self._laps_done.clear()
            self._last_lap_called = False
            return [Announcement(AnnouncementKind.START, "Start!", "Go! The heat has started.")]
        if isinstance(event, LapCompleted):
            self._laps_done[event.car] = event.lap
            if self.laps and not self._last_lap_called and event.lap == self.laps - 1:
                self._last_lap_called = True
                text, spoken = _car(event.car, roster)
                return [Announcement(AnnouncementKind.LAST_LAP, f"Last lap, {text} leads",
                                     f"Last lap. {spoken} leads.")]
            return []
        if isinstance(event, BestLap):
            if not event.overall or self._laps_done.get(event.car, 0) < self.settled_laps:
                return []
            text, spoken = _car(event.car, roster)
            seconds = event.lap_ms / 1000
            return [Announcement(AnnouncementKind.BEST_LAP, f"Best lap {text}, {seconds:.2f} s",
                                 f"New best lap, {spoken}, {_spoken_seconds(event.lap_ms)}.")]
        if isinstance(event, FalseStart):
            if event.car is None:
                return [Announcement(AnnouncementKind.FALSE_START, "False start",
                                     "False start.")]
            text, spoken = _car(event.car, roster)
            return [Announcement(AnnouncementKind.FALSE_START, f"False start, {text}",
                                 f"False start, {spoken}.")]
        if isinstance(event, CarFinished) and event.position == 1:
            text, spoken = _car(event.car, roster)
            return [Announcement(AnnouncementKind.FINISH, f"{text} takes the flag first",
                                 f"Chequered flag. {spoken} finishes first.")]
        if isinstance(event, SessionFinished):
            return [Announcement(AnnouncementKind.FINISH, "Heat finished", "The heat is over.")]
        return []

    def on_command(self, command: object) -> tuple[Announcement, ...]:
        """Announcements for a race-control command (yellow flag out and in)."""
        if isinstance(command, YellowFlag):
            if command.on:
                return (Announcement(AnnouncementKind.YELLOW_FLAG, "Yellow flag",
                                     "Yellow flag. Yellow flag. Laps do not count."),)
            return (Announcement(AnnouncementKind.YELLOW_FLAG, "Track clear",
                                 "Track clear. Green flag."),)
        return ()

    def on_trial_result(
        self, race_number: int | None, trial: str, deviation_cs: int | None, car: int = 0
    ) -> Announcement:
        """'#722, PC 3, plus 12 hundredths': a finished trial, deviation signed (+ = late).

        ``deviation_cs`` None means the trial was missed (no crossing where one was needed);
        ``car`` names the car when it has no race number.
        """
        text, spoken = _car(car, {car: race_number} if race_number is not None else {})
        if deviation_cs is None:
            shown, said = "missed", "missed"
        elif deviation_cs == 0:
            shown, said = "exact", "exactly on time"
        else:
            sign = "plus" if deviation_cs > 0 else "minus"
            amount = abs(deviation_cs)
            unit = "hundredth" if amount == 1 else "hundredths"
            shown = f"{sign} {amount} {unit}"
            said = shown
        return Announcement(AnnouncementKind.TRIAL_RESULT, f"{text}, {trial}, {shown}",
                            f"{spoken}, {trial}, {said}.")


def _car(car: int, roster: Mapping[int, int]) -> tuple[str, str]:
    number = roster.get(car)
    if number is None:
        return f"car {car}", f"car {car}"
    return f"#{format_race_number(number)}", f"number {number}"


def _spoken_seconds(lap_ms: int) -> str:
    seconds, rest = divmod(round(lap_ms / 10), 100)
    return f"{seconds} point {rest:02d} seconds" if rest else f"{seconds} seconds"
