"""Provides `EndHeatDialog`: ending a heat early asks for confirmation and a reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.widget import Widget
from textual.widgets import Label

from slotrace.engine import EndSession
from slotrace.tui.screens.steward_dialog import StewardDialog


class EndHeatDialog(StewardDialog):
    """'End the heat now?' with what is left to drive; dismisses with `EndSession` or None."""

    TITLE_TEXT: ClassVar[str] = "End this heat now? A finished heat cannot be restarted."
    APPLY_LABEL: ClassVar[str] = "End the heat"
    APPLY_VARIANT: ClassVar[str] = "error"
    REASON_PLACEHOLDER: ClassVar[str] = "why the heat ends early (stewards' log)"

    def __init__(self, author: str, left: str) -> None:
        super().__init__(author)
        self.left = left

    def compose_fields(self) -> Iterable[Widget]:
        yield Label("Still to drive")
        yield Label(self.left or "nothing")

    def build_command(self) -> Any:
        return EndSession(reason=self.reason(), author=self.author)
