"""Provides `CarSettingsDialog`: set one car's speed, brake and fuel on the control unit (only
the settings the connected driver has)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from slotrace.drivers_api import DriverCommand, SetBrake, SetFuel, SetSpeed
from slotrace.tui.roster import Roster


class CarSettingsDialog(ModalScreen[list[DriverCommand] | None]):
    """Percent of the device's range (0-100), blank = leave unchanged; dismisses with the
    driver commands to send (each driver maps the level onto its own steps)."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, roster: Roster, car: int,
                 fields: tuple[str, ...] = ("speed", "brake", "fuel")) -> None:
        super().__init__()
        self.roster = roster
        self.car = car
        self.fields = fields
        """The settings offered (a driver with only a speed limit gets ``("speed",)``)."""

    def compose(self) -> ComposeResult:
        entry = self.roster[self.car]
        with Grid(classes="dialog"):
            yield Label(
                f"Car #{entry.number} {entry.driver} (controller {self.car})",
                classes="dialog-title",
            )
            for field in self.fields:
                yield Label(f"{field.title()} % 0-100 (blank: unchanged)")
                yield Input(id=field, type="integer")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Send", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def build_commands(self) -> list[DriverCommand]:
        commands: list[DriverCommand] = []
        for field, command in (("speed", SetSpeed), ("brake", SetBrake), ("fuel", SetFuel)):
            if field not in self.fields:
                continue
            text = self.query_one(f"#{field}", Input).value.strip()
            if not text:
                continue
            if not text.isdigit() or not 0 <= int(text) <= 100:
                raise ValueError(f"{field} must be a whole percent 0-100, got {text!r}")
            commands.append(command(self.car, int(text) / 100))
        return commands

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        try:
            commands = self.build_commands()
        except ValueError as exc:
            self.query_one("#error", Label).update(str(exc))
            return
        self.dismiss(commands)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
