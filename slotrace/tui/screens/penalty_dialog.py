"""Provides `PenaltyDialog`: a steward's penalty for one car, with a required reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import Input, Label, Select

from slotrace.engine import Disqualify, LapPenalty, TimePenalty, Warning
from slotrace.tui.roster import Roster
from slotrace.tui.screens.steward_dialog import StewardDialog

PENALTY_KINDS = (
    ("Time penalty (seconds)", "time"),
    ("Lap penalty (laps)", "laps"),
    ("Warning", "warning"),
    ("Disqualify", "dsq"),
)


class PenaltyDialog(StewardDialog):
    """Choose a car, a penalty and a reason; dismisses with the engine command or None."""

    TITLE_TEXT = "Penalty"
    APPLY_VARIANT = "error"

    def __init__(self, roster: Roster, car: int | None, author: str) -> None:
        super().__init__(author)
        self.roster = roster
        self.car = car

    def compose_fields(self) -> Iterable[Widget]:
        yield Label("Car")
        yield self.car_select(self.roster, self.car)
        yield Label("Penalty")
        yield Select(PENALTY_KINDS, value="time", id="kind", allow_blank=False)
        yield Label("Amount")
        yield Input("5", id="amount", type="number")

    def build_command(self) -> Any:
        """The penalty as an engine command; raises ValueError with what is missing."""
        car = self.chosen_car()
        reason = self.reason()
        kind = self.query_one("#kind", Select).value
        amount_text = self.query_one("#amount", Input).value.strip()
        common = {"car": car, "reason": reason, "author": self.author}
        if kind == "warning":
            return Warning(**common)
        if kind == "dsq":
            return Disqualify(**common)
        try:
            amount = float(amount_text)
        except ValueError:
            raise ValueError(f"amount must be a number, got {amount_text!r}") from None
        if amount <= 0:
            raise ValueError("amount must be more than 0")
        if kind == "laps":
            return LapPenalty(laps=int(amount), **common)
        return TimePenalty(ms=int(amount * 1000), **common)
