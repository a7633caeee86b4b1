"""Provides `ResultsScreen`: the heat's classification with penalties and a lap-time chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from slotrace.engine import standings
from slotrace.tui import format as fmt
from slotrace.tui.widgets.lap_chart import LapChart

if TYPE_CHECKING:
    from slotrace.tui.app import SlotraceApp


class ResultsScreen(Screen[None]):
    """Heat classification (race time incl. penalties, best lap, decisions) and lap chart."""

    app: SlotraceApp

    def compose(self) -> ComposeResult:
        yield Label("", id="results-title", classes="section-title")
        yield DataTable(id="heat-results", cursor_type="row", zebra_stripes=True)
        yield LapChart(self.app.roster, id="lap-chart")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#heat-results", DataTable)
        for key, label in (("pos", "Pos"), ("no", "No."), ("driver", "Driver"), ("car", "Car"),
                           ("laps", "Laps"), ("time", "Time"), ("penalty", "Penalty"),
                           ("best", "Best"), ("status", "Status")):
            table.add_column(label, key=key)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        state = self.app.session.state
        self.query_one("#results-title", Label).update(
            f"{self.app.heat_title}: classification ({state.phase.name.lower()})"
        )
        table = self.query_one("#heat-results", DataTable)
        table.clear()
        for standing in standings(state):
            entry = self.app.roster[standing.car]
            table.add_row(
                str(standing.position), entry.number, entry.driver, entry.car,
                str(standing.laps), fmt.lap_time(standing.total_ms),
                fmt.lap_time(standing.penalty_ms) if standing.penalty_ms else "",
                fmt.lap_time(standing.best_lap_ms), standing.status.name,
            )
        self.query_one(LapChart).show(state)
