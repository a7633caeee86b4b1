"""Provides `StewardDialog`: the frame every steward decision dialog shares.

A decision dialog shows its own fields, then a required reason, an error line and
Apply / Cancel. It dismisses with the engine command (`build_command`) or None; a
`ValueError` from `build_command` is shown on the error line and keeps the dialog open.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select

from slotrace.tui.roster import Roster


class StewardDialog(ModalScreen[Any]):
    """Base of the penalty, lap-correction and revoke dialogs."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    TITLE_TEXT: ClassVar[str] = ""
    APPLY_LABEL: ClassVar[str] = "Apply"
    APPLY_VARIANT: ClassVar[str] = "warning"
    REASON_PLACEHOLDER: ClassVar[str] = "why, for the stewards' log"

    def __init__(self, author: str) -> None:
        super().__init__()
        self.author = author

    def compose_fields(self) -> Iterable[Widget]:
        """The dialog's own labels and inputs, shown above the reason."""
        return ()

    def build_command(self) -> Any:
        """The engine command the dialog describes; ValueError says what is missing."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Grid(classes="dialog"):
            yield Label(self.TITLE_TEXT, classes="dialog-title")
            yield from self.compose_fields()
            yield Label("Reason (required)")
            yield Input(placeholder=self.REASON_PLACEHOLDER, id="reason")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.APPLY_LABEL, variant=self.APPLY_VARIANT, id="apply")
                yield Button("Cancel", id="cancel")

    def reason(self) -> str:
        """The reason typed in; raises ValueError when it is empty."""
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise ValueError("a reason is required for the stewards' log")
        return reason

    def chosen_car(self) -> int:
        """The car picked in the ``#car`` select; raises ValueError when none is."""
        car = self.query_one("#car", Select).value
        if not isinstance(car, int):
            raise ValueError("choose a car")
        return car

    @staticmethod
    def car_select(roster: Roster, car: int | None) -> Select:
        """A select of the heat's cars by race number and driver, ``car`` preselected."""
        options = [(f"#{roster[c].number} {roster[c].driver}", c) for c in roster.controllers()]
        return Select(options, value=car if car else Select.NULL, id="car")

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
