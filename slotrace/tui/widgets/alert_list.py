"""Provides `AlertList`: missed laps, false starts and other alerts for the steward."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from slotrace.tui.roster import Roster


def describe_alert(alert: Any, roster: Roster) -> str:
    """One line for an engine alert, naming the car by its start number."""
    message = getattr(alert, "message", None) or getattr(alert, "reason", None)
    kind = getattr(getattr(alert, "kind", None), "name", None) or type(alert).__name__
    car = getattr(alert, "car", None)
    who = f"#{roster[car].number} " if car is not None else ""
    return f"{kind.replace('_', ' ').lower()}: {who}{message or ''}".strip()


class AlertList(Widget):
    """The newest alerts first; shows how many there are in total."""

    DEFAULT_CSS = """
    AlertList { height: auto; max-height: 6; }
    """

    alerts: reactive[tuple[Any, ...]] = reactive((), always_update=True)

    def __init__(self, roster: Roster | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.roster = roster or Roster()

    def lines(self) -> Sequence[str]:
        return [describe_alert(alert, self.roster) for alert in reversed(self.alerts)]

    def render(self) -> Text:
        if not self.alerts:
            return Text("no alerts", style="dim")
        text = Text()
        for index, line in enumerate(self.lines()[:5]):
            if index:
                text.append("\n")
            text.append("⚠ ", style="bold yellow")
            text.append(line)
        return text
