"""Provides `Leaderboard`: the live standings table of the running heat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from slotrace.tui import format as fmt
from slotrace.tui.roster import Roster

COLUMNS: tuple[tuple[str, str], ...] = (
    ("pos", "Pos"),
    ("number", "No."),
    ("car", "Car"),
    ("driver", "Driver"),
    ("laps", "Laps"),
    ("last", "Last"),
    ("best", "Best"),
    ("gap", "Gap"),
    ("interval", "Int"),
    ("s1", "S1"),
    ("s2", "S2"),
    ("s3", "S3"),
    ("pits", "Pits"),
    ("fuel", "Fuel"),
    ("status", "Status"),
)

OVERALL_BEST_STYLE = "bold magenta"
PERSONAL_BEST_STYLE = "bold green"


def _sector(sectors: Sequence[int | None] | None, index: int) -> int | None:
    if not sectors or index >= len(sectors):
        return None
    return sectors[index]


STATUS_WORDS = {
    "NOT_STARTED": "grid",
    "RUNNING": "",
    "IN_PIT": "pit",
    "FINISHED": "finished",
    "DSQ": "DSQ",
}
"""How each car status reads on the leaderboard (running cars need no word)."""


def _status_text(standing: Any) -> str:
    status = getattr(standing, "status", None)
    name = getattr(status, "name", str(status or ""))
    return STATUS_WORDS.get(name, name.replace("_", " ").lower())


def _same(value: Any) -> Any:
    """What decides whether a cell must be redrawn (a Text's style counts, not only its text)."""
    return (value.plain, str(value.style)) if isinstance(value, Text) else value


def _width(value: Any) -> int:
    return len(value.plain) if isinstance(value, Text) else len(str(value))


class Leaderboard(DataTable):
    """Standings with one row per position (row keys ``p1``, ``p2``, ...).

    Rows are keyed by position, so a change of order rewrites cells in place and the
    table never re-sorts or jumps. Only cells whose content changed are rewritten, and a
    column is re-measured only when a value is wider than anything it showed before
    (re-measuring every column on every lap was the largest CPU cost of race control).
    The overall best lap is magenta, a car's own best lap green when its last lap was its
    best.
    """

    DEFAULT_CSS = """
    Leaderboard { height: auto; max-height: 100%; }
    """

    def __init__(self, roster: Roster | None = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.roster = roster or Roster()
        self._rows = 0
        self._shown: dict[str, list[Any]] = {}
        self._widths: dict[str, int] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def car_at_cursor(self) -> int | None:
        """The controller number of the highlighted row, if any."""
        if not self.row_count:
            return None
        row = self.get_row_at(self.cursor_row)
        number = str(row[1])
        for controller in self.roster.controllers():
            if self.roster[controller].number == number:
                return controller
        return int(number) if number.isdigit() else None

    def show(self, standings: Sequence[Any]) -> None:
        """Render the engine's standings (position order)."""
        overall_best = min(
            (s.best_lap_ms for s in standings if s.best_lap_ms is not None), default=None
        )
        for index, standing in enumerate(standings, start=1):
            cells = self._cells(standing, overall_best)
            key = f"p{index}"
            shown = self._shown.get(key)
            if index > self._rows:
                self.add_row(*cells, key=key)
                self._rows += 1
                for (column, _), value in zip(COLUMNS, cells, strict=True):
                    self._widths[column] = max(self._widths.get(column, 0), _width(value))
            elif shown != [_same(c) for c in cells]:
                for (column, _), value, old in zip(COLUMNS, cells, shown or cells, strict=True):
                    if shown is not None and _same(value) == old:
                        continue
                    wider = _width(value) > self._widths.get(column, 0)
                    if wider:
                        self._widths[column] = _width(value)
                    self.update_cell(key, column, value, update_width=wider)
            self._shown[key] = [_same(c) for c in cells]
        while self._rows > len(standings):
            self._shown.pop(f"p{self._rows}", None)
            self.remove_row(f"p{self._rows}")
            self._rows -= 1

    def _cells(self, standing: Any, overall_best: int | None) -> list[Any]:
        entry = self.roster[standing.car]
        best = standing.best_lap_ms
        last = standing.last_lap_ms
        best_style = OVERALL_BEST_STYLE if best is not None and best == overall_best else ""
        last_style = ""
        if last is not None and last == best:
            last_style = OVERALL_BEST_STYLE if best == overall_best else PERSONAL_BEST_STYLE
        last_sectors = getattr(standing, "last_sectors", None)
        fuel = getattr(standing, "fuel", None)
        return [
            str(standing.position),
            entry.number,
            entry.car,
            entry.driver,
            str(standing.laps),
            Text(fmt.lap_time(last), style=last_style),
            Text(fmt.lap_time(best), style=best_style),
            fmt.gap(getattr(standing, "gap", None)),
            fmt.gap(getattr(standing, "interval", None)),
            fmt.lap_time(_sector(last_sectors, 0)),
            fmt.lap_time(_sector(last_sectors, 1)),
            fmt.lap_time(_sector(last_sectors, 2)),
            str(getattr(standing, "pit_stops", 0)),
            fmt.fuel_bar(fuel),
            _status_text(standing),
        ]
