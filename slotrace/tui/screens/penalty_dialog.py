"""Provides `PenaltyDialog`: a steward's penalty for one car, with a required reason."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from slotrace.engine import Disqualify, LapPenalty, TimePenalty, Warning
from slotrace.tui.roster import Roster

PENALTY_KINDS = (
    ("Time penalty (seconds)", "time"),
    ("Lap penalty (laps)", "laps"),
    ("Warning", "warning"),
    ("Disqualify", "dsq"),
)


class PenaltyDialog(ModalScreen[Any]):
    """Choose a car, a penalty and a reason; dismisses with the engine command or None."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, roster: Roster, car: int | None, author: str) -> None:
        super().__init__()
        self.roster = roster
        self.car = car
        self.author = author

    def compose(self) -> ComposeResult:
        options = [
            (f"#{self.roster[c].number} {self.roster[c].driver}", c)
            for c in self.roster.controllers()
        ]
        with Grid(classes="dialog"):
            yield Label("Penalty", classes="dialog-title")
            yield Label("Car")
            yield Select(options, value=self.car if self.car else Select.NULL, id="car")
            yield Label("Penalty")
            yield Select(PENALTY_KINDS, value="time", id="kind", allow_blank=False)
            yield Label("Amount")
            yield Input("5", id="amount", type="number")
            yield Label("Reason (required)")
            yield Input(placeholder="why, for the stewards' log", id="reason")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="error", id="apply")
                yield Button("Cancel", id="cancel")

    def build_command(self) -> Any:
        """The penalty as an engine command; raises ValueError with what is missing."""
        car = self.query_one("#car", Select).value
        if not isinstance(car, int):
            raise ValueError("choose a car")
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise ValueError("a reason is required for the stewards' log")
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

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        try:
            command = self.build_command()
        except ValueError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(command)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
