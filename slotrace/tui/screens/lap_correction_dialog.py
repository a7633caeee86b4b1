"""Provides `LapCorrectionDialog`: add or remove a lap by hand, with a required reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import Label, Select

from slotrace.engine import AddLap, RemoveLap
from slotrace.tui.roster import Roster
from slotrace.tui.screens.steward_dialog import StewardDialog


class LapCorrectionDialog(StewardDialog):
    """Dismisses with `AddLap` / `RemoveLap` for the chosen car, or None."""

    TITLE_TEXT = "Lap correction"
    REASON_PLACEHOLDER = "e.g. car slid over the line, lap not counted"

    def __init__(self, roster: Roster, car: int | None, author: str, *, add: bool = True) -> None:
        super().__init__(author)
        self.roster = roster
        self.car = car
        self.add = add

    def compose_fields(self) -> Iterable[Widget]:
        yield Label("Car")
        yield self.car_select(self.roster, self.car)
        yield Label("Correction")
        yield Select(
            (("Add a missed lap", "add"), ("Remove a lap", "remove")),
            value="add" if self.add else "remove",
            id="direction",
            allow_blank=False,
        )

    def build_command(self) -> Any:
        car = self.chosen_car()
        reason = self.reason()
        command = AddLap if self.query_one("#direction", Select).value == "add" else RemoveLap
        return command(car=car, reason=reason, author=self.author)
