"""Provides `SessionHeader`: phase, clock or laps to go, yellow-flag and pace-car flags."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from slotrace.tui import format as fmt

_PHASE_STYLE = {
    "GRID": "bold white on grey30",
    "STARTING": "bold black on red",
    "RUNNING": "bold black on green",
    "SUSPENDED": "bold black on orange1",
    "FINISHING": "bold black on white",
    "FINISHED": "bold white on blue",
}


def laps_to_go(state: Any) -> int | None:
    """Laps the leader still has to drive in a laps race; None for timed sessions."""
    laps = getattr(state.config, "laps", None)
    if not laps:
        return None
    leader = max((car.laps for car in state.cars.values()), default=0)
    return max(laps - leader, 0)


class SessionHeader(Widget):
    """``RUNNING Lap 7/20 · 13 to go  03:12  YELLOW FLAG  Leg 1 · heat 1``."""

    DEFAULT_CSS = """
    SessionHeader { height: 1; }
    """

    state: reactive[Any] = reactive(None, always_update=True)
    """The engine's `RaceState`."""
    clock_ms: reactive[int | None] = reactive(None)
    """Session clock to show; None uses the state's clock at its last event."""
    title: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text()
        state = self.state
        if state is None:
            return Text("no session")
        phase = state.phase.name
        text.append(f" {phase} ", style=_PHASE_STYLE.get(phase, "bold"))
        to_go = laps_to_go(state)
        if to_go is not None:
            done = state.config.laps - to_go
            text.append(f" Lap {done}/{state.config.laps} · {to_go} to go")
        elapsed = self.clock_ms if self.clock_ms is not None else state.elapsed_ms
        duration = getattr(state.config, "duration_ms", None)
        text.append(f"  {fmt.session_clock(elapsed)}")
        if duration:
            remaining = max(duration - (elapsed or 0), 0)
            text.append(f" · {fmt.session_clock(remaining)} left")
        if state.yellow:
            text.append("  YELLOW FLAG ", style="bold black on yellow")
        if state.pace_car:
            text.append("  PACE CAR ", style="bold black on orange1")
        if self.title:  # last, so a narrow terminal cuts the title, never laps or clock
            text.append(f"  {self.title}", style="bold")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
