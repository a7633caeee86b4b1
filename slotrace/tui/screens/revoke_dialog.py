"""Provides `RevokeDialog`: undo a steward's decision by its number, with a required reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from slotrace.engine import Revoke
from slotrace.tui.roster import Roster
from slotrace.tui.widgets.stewards_log import decision_action


class RevokeDialog(ModalScreen[Revoke | None]):
    """Choose a decision that can still be revoked and say why; dismisses with `Revoke`."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(
        self, roster: Roster, decisions: Sequence[Any], author: str, chosen: int | None = None
    ) -> None:
        super().__init__()
        self.roster = roster
        self.decisions = list(decisions)
        self.author = author
        numbers = {d.number for d in self.decisions}
        self.chosen = chosen if chosen in numbers else None

    def compose(self) -> ComposeResult:
        options = []
        for decision in self.decisions:
            command = decision.command
            car = getattr(command, "car", None)
            who = f" #{self.roster[car].number}" if car is not None else ""
            options.append(
                (f"#{decision.number} {decision_action(command)}{who}: {command.reason}",
                 decision.number)
            )
        with Grid(classes="dialog"):
            yield Label("Revoke a decision", classes="dialog-title")
            yield Label("Decision")
            yield Select(options, value=self.chosen or Select.NULL, id="decision")
            yield Label("Reason (required)")
            yield Input(placeholder="why it is revoked, for the stewards' log", id="reason")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Revoke", variant="warning", id="apply")
                yield Button("Cancel", id="cancel")

    def build_command(self) -> Revoke:
        number = self.query_one("#decision", Select).value
        if not isinstance(number, int):
            raise ValueError("choose the decision to revoke")
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise ValueError("a reason is required for the stewards' log")
        return Revoke(decision=number, reason=reason, author=self.author)

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
