"""Provides `StewardsLog`: every race-control decision of the heat, numbered, with who and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from slotrace.engine import CAR_DECISION_TYPES
from slotrace.tui.roster import Roster

COLUMNS = (("no", "#"), ("action", "Decision"), ("car", "Car"), ("author", "By"),
           ("reason", "Reason"), ("revoked", "Revoked"))


def decision_action(command: Any) -> str:
    """``TimePenalty 5.0 s``, ``YellowFlag on``, ``Revoke #3``: what was decided."""
    name = type(command).__name__
    for field, template in (("decision", "{name} #{v}"), ("ms", "{name} {sec} s"),
                            ("laps", "{name} {v}"),
                            ("on", "{name} {onoff}")):
        value = getattr(command, field, None)
        if value is not None:
            return template.format(name=name, v=value, onoff="on" if value else "off",
                                   sec=f"{value / 1000:g}" if isinstance(value, int) else "")
    return name


def revocable(decisions: Sequence[Any]) -> list[Any]:
    """The decisions a steward may still revoke: decisions about a car, not yet revoked."""
    return [d for d in decisions if isinstance(d.command, CAR_DECISION_TYPES) and not d.revoked]


class StewardsLog(DataTable):
    """The stewards' log of the heat (newest last); rows are re-drawn only when it changed."""

    DEFAULT_CSS = """
    StewardsLog { height: auto; max-height: 8; }
    """

    def __init__(self, roster: Roster | None = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.roster = roster or Roster()
        self._shown: tuple[Any, ...] = ()

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, decisions: Sequence[Any]) -> None:
        """Render the engine's ``stewards_log`` (cheap when nothing changed)."""
        key = tuple((d.number, d.revoked) for d in decisions)
        if key == self._shown:
            return
        self._shown = key
        self.clear()
        for decision in decisions:
            command = decision.command
            car = getattr(command, "car", None)
            style = "strike dim" if decision.revoked else ""
            self.add_row(
                str(decision.number),
                Text(decision_action(command), style=style),
                f"#{self.roster[car].number}" if car is not None else "",
                command.author,
                Text(command.reason, style=style),
                "REVOKED" if decision.revoked else "",
                key=str(decision.number),
            )
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
