"""Provides `QuitDialog`: quitting race control while a heat runs asks first."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class QuitDialog(ModalScreen[bool]):
    """Dismisses True to quit, False to stay (Escape stays)."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "stay", "Stay")]

    def __init__(self, phase: str) -> None:
        super().__init__()
        self.phase = phase

    def compose(self) -> ComposeResult:
        with Grid(classes="dialog"):
            yield Label(f"The heat is {self.phase}. Quit race control?", classes="dialog-title")
            yield Label(
                "Everything so far is saved; `slotrace open` on the file resumes this heat.",
                classes="dialog-title",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Quit", variant="error", id="quit")
                yield Button("Stay in race control", variant="primary", id="stay")

    @on(Button.Pressed, "#quit")
    def action_quit_now(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#stay")
    def action_stay(self) -> None:
        self.dismiss(False)
