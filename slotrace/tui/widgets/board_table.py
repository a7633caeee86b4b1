"""Provides `BoardTable`: a paged, high-contrast standings table for the spectator board."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from slotrace.tui.board_feed import BoardRow

FLASH_STYLE = "bold black on yellow"
"""A trial result just completed."""


def _position(row: BoardRow) -> str:
    """'3', or the row's status word when it has no position (not started, DSQ)."""
    return str(row.position) if row.position is not None else row.status


class BoardTable(Widget):
    """Shows one page of rows that fits the widget's height; `next_page` turns the page."""

    DEFAULT_CSS = """
    BoardTable { height: 1fr; }
    """

    rows: reactive[tuple[BoardRow, ...]] = reactive((), always_update=True)
    page: reactive[int] = reactive(0)

    def __init__(
        self, caption: str, *, show_last: bool = True, best_label: str = "Best", **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.caption = caption
        self.show_last = show_last
        self.best_label = best_label

    @property
    def rows_per_page(self) -> int:
        # Title line + header + a rule under it; each row takes one line.
        return max(self.size.height - 3, 1)

    @property
    def page_count(self) -> int:
        return max((len(self.rows) + self.rows_per_page - 1) // self.rows_per_page, 1)

    def next_page(self) -> None:
        self.page = (self.page + 1) % self.page_count

    def visible_rows(self) -> Sequence[BoardRow]:
        page = min(self.page, self.page_count - 1)
        start = page * self.rows_per_page
        return self.rows[start : start + self.rows_per_page]

    def render(self) -> Table:
        page = min(self.page, self.page_count - 1) + 1
        title = self.caption
        if self.page_count > 1:
            title += f"  (page {page}/{self.page_count})"
        table = Table(
            title=Text(title, style="bold"),
            expand=True,
            header_style="bold reverse",
            show_edge=False,
            pad_edge=False,
        )
        regular = any(row.trial or row.points for row in self.rows)
        if regular:
            return self._regularity_table(table)
        table.add_column("Pos", justify="right", style="bold", width=4)
        table.add_column("No.", justify="right", style="bold yellow", width=4)
        table.add_column("Driver", ratio=3, no_wrap=True)
        table.add_column("Car", ratio=3, no_wrap=True)
        table.add_column("Class", width=8, no_wrap=True)
        table.add_column("Laps", justify="right", width=5)
        table.add_column(self.best_label, justify="right", width=9)
        if self.show_last:
            table.add_column("Last", justify="right", width=9)
        table.add_column("Gap", justify="right", width=10)
        if not self.rows:
            return table
        for row in self.visible_rows():
            cells = [
                _position(row),
                row.number,
                row.driver,
                row.car,
                row.entry_class,
                str(row.laps),
                row.best,
            ]
            if self.show_last:
                cells.append(row.last)
            cells.append(row.gap)
            table.add_row(*cells)
        return table

    def _regularity_table(self, table: Table) -> Table:
        """A regularity leg: trial in progress, running deviation, points, last result."""
        table.add_column("Pos", justify="right", style="bold", width=4)
        table.add_column("No.", justify="right", style="bold yellow", width=5)
        table.add_column("Driver", ratio=3, no_wrap=True)
        table.add_column("Class", width=7, no_wrap=True)
        table.add_column("Trial", ratio=3, no_wrap=True)
        table.add_column("Target", width=10, no_wrap=True)
        table.add_column("Dev 1/100", justify="right", width=9)
        table.add_column("Pts", justify="right", width=5)
        table.add_column("Last trial", ratio=3, no_wrap=True)
        for row in self.visible_rows():
            table.add_row(
                _position(row), row.number, row.driver, row.entry_class, row.trial,
                row.target, row.deviation, row.points,
                Text(row.result, style=FLASH_STYLE if row.fresh else ""),
            )
        return table
