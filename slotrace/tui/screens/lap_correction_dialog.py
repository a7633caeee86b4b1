"""Provides `LapCorrectionDialog`: add or remove a lap by hand, with a required reason."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from slotrace.engine import AddLap, RemoveLap
from slotrace.tui.roster import Roster


class LapCorrectionDialog(ModalScreen[Any]):
    """Dismisses with `AddLap` / `RemoveLap` for the chosen car, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, roster: Roster, car: int | None, author: str, *, add: bool = True) -> None:
        super().__init__()
        self.roster = roster
        self.car = car
        self.author = author
        self.add = add

    def compose(self) -> ComposeResult:
        options = [
            (f"#{self.roster[c].number} {self.roster[c].driver}", c)
            for c in self.roster.controllers()
        ]
        with Grid(classes="dialog"):
            yield Label("Lap correction", classes="dialog-title")
            yield Label("Car")
            yield Select(options, value=self.car if self.car else Select.NULL, id="car")
            yield Label("Correction")
            yield Select(
                (("Add a missed lap", "add"), ("Remove a lap", "remove")),
                value="add" if self.add else "remove",
                id="direction",
                allow_blank=False,
            )
            yield Label("Reason (required)")
            yield Input(placeholder="e.g. car slid over the line, lap not counted", id="reason")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="warning", id="apply")
                yield Button("Cancel", id="cancel")

    def build_command(self) -> Any:
        car = self.query_one("#car", Select).value
        if not isinstance(car, int):
            raise ValueError("choose a car")
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise ValueError("a reason is required for the stewards' log")
        command = AddLap if self.query_one("#direction", Select).value == "add" else RemoveLap
        return command(car=car, reason=reason, author=self.author)

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
