"""Provides `RevokeDialog`: undo a steward's decision by its number, with a required reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.widget import Widget
from textual.widgets import Label, Select

from slotrace.engine import Revoke
from slotrace.tui.roster import Roster
from slotrace.tui.screens.steward_dialog import StewardDialog
from slotrace.tui.widgets.stewards_log import decision_action


class RevokeDialog(StewardDialog):
    """Choose a decision that can still be revoked and say why; dismisses with `Revoke`."""

    TITLE_TEXT = "Revoke a decision"
    APPLY_LABEL = "Revoke"
    REASON_PLACEHOLDER = "why it is revoked, for the stewards' log"

    def __init__(
        self, roster: Roster, decisions: Sequence[Any], author: str, chosen: int | None = None
    ) -> None:
        super().__init__(author)
        self.roster = roster
        self.decisions = list(decisions)
        numbers = {d.number for d in self.decisions}
        self.chosen = chosen if chosen in numbers else None

    def compose_fields(self) -> Iterable[Widget]:
        options = []
        for decision in self.decisions:
            command = decision.command
            car = getattr(command, "car", None)
            who = f" #{self.roster[car].number}" if car is not None else ""
            label = f"#{decision.number} {decision_action(command)}{who}: {command.reason}"
            options.append((label, decision.number))
        yield Label("Decision")
        yield Select(options, value=self.chosen or Select.NULL, id="decision")

    def build_command(self) -> Revoke:
        number = self.query_one("#decision", Select).value
        if not isinstance(number, int):
            raise ValueError("choose the decision to revoke")
        return Revoke(decision=number, reason=self.reason(), author=self.author)
