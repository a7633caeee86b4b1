"""Provides `Leaderboard`: the live standings table of the running heat."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from slotrace.rules.live import LiveCar, signed_hundredths
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

REGULARITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pos", "Rank"),
    ("number", "No."),
    ("driver", "Driver"),
    ("laps", "Laps"),
    ("trial", "Trial"),
    ("target", "Target"),
    ("dev", "Dev 1/100"),
    ("points", "Pts"),
    ("result", "Last trial"),
    ("status", "Status"),
)
"""Columns in a regularity leg: rank is the provisional one (points of completed trials).
No car column and a short driver name, so an 80-column terminal still shows trial, deviation
and points."""

DRIVER_WIDTH = 18

OVERALL_BEST_STYLE = "bold magenta"
FLASH_STYLE = "bold black on yellow"
"""A trial result just completed (shown until the next update after the flash ends)."""
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


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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

    def __init__(self, roster: Roster | None = None, *, regularity: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.roster = roster or Roster()
        self.regularity = regularity
        self.columns_shown = REGULARITY_COLUMNS if regularity else COLUMNS
        self._rows = 0
        self._shown: dict[str, list[Any]] = {}
        self._widths: dict[str, int] = {}
        self._order: list[int] = []
        self.flashing: set[int] = set()
        """Cars whose just-completed trial result is flashing (set by race control)."""

    def on_mount(self) -> None:
        for key, label in self.columns_shown:
            self.add_column(label, key=key)

    def car_at_cursor(self) -> int | None:
        """The controller number of the highlighted row, if any."""
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    def show(self, standings: Sequence[Any], live: Mapping[int, LiveCar] | None = None) -> None:
        """Render the engine's standings (position order), or in a regularity leg ``live``
        (controller -> `LiveCar`) in provisional-rank order.

        The cursor stays on the car it was on, wherever the car moved to.
        """
        followed = self.car_at_cursor()
        if self.regularity and live is not None:
            standings = sorted(standings, key=lambda s: live[s.car].rank if s.car in live
                               else len(live) + s.position)
        overall_best = min(
            (s.best_lap_ms for s in standings if s.best_lap_ms is not None), default=None
        )
        self._order = [s.car for s in standings]
        for index, standing in enumerate(standings, start=1):
            if self.regularity:
                cells = self._regularity_cells(standing, (live or {}).get(standing.car))
            else:
                cells = self._cells(standing, overall_best)
            key = f"p{index}"
            shown = self._shown.get(key)
            if index > self._rows:
                self.add_row(*cells, key=key)
                self._rows += 1
                for (column, _), value in zip(self.columns_shown, cells, strict=True):
                    self._widths[column] = max(self._widths.get(column, 0), _width(value))
            elif shown != [_same(c) for c in cells]:
                for (column, _), value, old in zip(self.columns_shown, cells, shown or cells,
                                                   strict=True):
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
        if followed in self._order and self._order.index(followed) != self.cursor_row:
            self.move_cursor(row=self._order.index(followed), animate=False)

    def _regularity_cells(self, standing: Any, live: LiveCar | None) -> list[Any]:
        entry = self.roster[standing.car]
        result = live.last_result if live else None
        result_text = ""
        if result is not None:
            dev = signed_hundredths(result.deviation_cs)
            result_text = f"{result.trial}: {result.penalty} pts" + (f" ({dev})" if dev else "")
        style = FLASH_STYLE if standing.car in self.flashing else ""
        return [
            str(live.rank if live else standing.position),
            entry.number,
            _short(entry.driver, DRIVER_WIDTH),
            str(standing.laps),
            (live.trial or "") if live else "",
            live.target if live and live.trial else "",
            signed_hundredths(live.deviation_cs) if live else "",
            str(live.points) if live else "0",
            Text(result_text, style=style),
            _status_text(standing),
        ]

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
