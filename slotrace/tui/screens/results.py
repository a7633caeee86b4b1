"""Provides `ResultsScreen`: this heat, the stage, overall and side classifications, a car's stage
sheet (every trial: target, measured, deviation, points, coefficient) and the charity total.

The classifications are the store's results report (`slotrace.store.results.build_report`:
every heat replayed from its journal and classified by the rules), computed in a thread
worker on its own read-only connection so race control never waits for it. The heat tab
shows the live engine state of the heat on track with a lap-time chart per car.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane
from textual.worker import Worker

from slotrace.engine import standings
from slotrace.rules.standings import coefficient_text, position_text, score_text
from slotrace.tui import format as fmt
from slotrace.tui.widgets.key_bar import KeyBar
from slotrace.tui.widgets.lap_chart import LapChart

if TYPE_CHECKING:
    from slotrace.tui.app import SlotraceApp

LADIES = "Coppa delle Dame"
NATIONS = "Coppa delle Nazioni"
CLASSIFICATION_TABLES = ("overall", "stage", "classes", "ladies", "nations")


def charity_line(charity: dict[str, Any] | None) -> str:
    """``Charity total 1,234.50 for X (fees 800.00 · pledges 300.50 · auctions 100.00 · ...)``
    (parts that are 0 are left out, the fees always shown)."""
    if not charity:
        return "Charity total: no event definition"
    name = f" for {charity['name']}" if charity.get("name") else ""
    parts = [("fees", charity["fees"]), ("pledges", charity["pledges"]),
             ("auctions", charity["auctions"]), ("donations", charity.get("donations", 0)),
             ("buckets", charity.get("buckets", 0)), ("other", charity["other_donations"])]
    shown = " · ".join(f"{k} {v:,.2f}" for i, (k, v) in enumerate(parts) if v or i == 0)
    return f"Charity total {charity['total']:,.2f}{name} ({shown})"


SHEET_COLUMNS = (("leg", "Leg"), ("trial", "Trial"), ("kind", "Kind"), ("target", "Target"),
                 ("measured", "Measured"), ("dev", "Dev. 1/100 s"), ("penalty", "Penalty"),
                 ("points", "Points"), ("coefficient", "Coeff."), ("note", ""))


def sheet_rows(row: dict[str, Any]) -> list[tuple[str, ...]]:
    """A classification row's stage sheet lines (report data), as table cells."""
    return [
        (str(t["leg"] + 1), t["trial"], str(t["kind"]), t["target"], t["measured"],
         "" if t["deviation_cs"] is None else str(t["deviation_cs"]), str(t["penalty"]),
         "" if t["points"] is None else str(t["points"]), coefficient_text(t["coefficient"]),
         "" if t["counted"] else "not yet decided")
        for t in row.get("trials", ())
    ]


def sheet_total(row: dict[str, Any]) -> str:
    """How the car's score is made up, and the stewards' decisions that count in it."""
    decisions = "; ".join(f"{s['kind']} {s['points'] or ''} ({s['ref']}: {s['reason']})"
                          for s in row.get("sanctions", ()))
    return (f"Regularity {row['regularity_penalty']} · controls {row['control_penalty']} · "
            f"other {row['other_penalty']} · points {row['points']} · coefficient "
            f"{coefficient_text(row['coefficient'])} = score "
            f"{score_text(row['score'], row['status'])} ({row['status']})"
            + (f"\nStewards: {decisions}" if decisions else ""))


class ResultsScreen(Screen[None]):
    """Heat classification, the rules' classifications and the charity total.

    Args:
        event_path: the event file to build the results report from (None: heat tab only).
        stage: the stage of the heat on track, shown in the Stage tab.
        numbers: entry_no -> race number from the start list (the No. column).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('heat')", "Heat"),
        Binding("2", "tab('overall')", "Overall"),
        Binding("3", "tab('stage')", "Stage"),
        Binding("4", "tab('classes')", "Classes"),
        Binding("5", "tab('ladies')", "Ladies"),
        Binding("6", "tab('nations')", "Nations"),
        Binding("7", "tab('sheet')", "Sheet"),
        Binding("r", "recompute", "Recompute"),
    ]

    app: SlotraceApp

    def __init__(
        self,
        event_path: Path | None = None,
        stage: int | None = None,
        numbers: dict[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.event_path = event_path
        self.stage = stage
        self.numbers = numbers or {}
        self.report: dict[str, Any] | None = None
        self.sheet_entry: int | None = None
        """entry_no whose stage sheet is shown (the overall table's highlighted row)."""
        self.report_worker: Worker[None] | None = None
        """The latest classification worker (tests await it)."""

    def compose(self) -> ComposeResult:
        yield Label("", id="results-title", classes="section-title")
        yield Static("", id="charity")
        with TabbedContent(initial="heat", id="results-tabs"):
            with TabPane("This heat", id="heat"):
                yield DataTable(id="heat-results", cursor_type="row", zebra_stripes=True)
                yield LapChart(self.app.roster, id="lap-chart")
            with TabPane("Overall", id="overall"):
                yield DataTable(id="overall-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Stage", id="stage"):
                yield Label("", id="stage-title")
                yield DataTable(id="stage-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Classes", id="classes"):
                yield DataTable(id="classes-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Ladies", id="ladies"):
                yield DataTable(id="ladies-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Nations", id="nations"):
                yield DataTable(id="nations-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Stage sheet", id="sheet"):
                yield Label("Pick a car in the Overall tab", id="sheet-title")
                yield DataTable(id="sheet-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="sheet-total")
        yield KeyBar(classes="docked")

    def on_mount(self) -> None:
        table = self.query_one("#heat-results", DataTable)
        for key, label in (("pos", "Pos"), ("no", "No."), ("driver", "Driver"), ("car", "Car"),
                           ("laps", "Laps"), ("time", "Time"), ("penalty", "Penalty"),
                           ("best", "Best"), ("status", "Status")):
            table.add_column(label, key=key)
        for name in CLASSIFICATION_TABLES:
            classification = self.query_one(f"#{name}-table", DataTable)
            if name == "classes":
                classification.add_column("Class", key="table")
            for key, label in (("pos", "Pos"), ("no", "No."), ("entry", "Entry"),
                               ("score", "Score"), ("raw", "Raw"), ("coefficient", "Coeff.")):
                classification.add_column(label, key=key)
        sheet = self.query_one("#sheet-table", DataTable)
        for key, label in SHEET_COLUMNS:
            sheet.add_column(label, key=key)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def action_recompute(self) -> None:
        self.report_worker = self.compute_report()

    def refresh_view(self) -> None:
        """Show the heat on track now and recompute the classifications in the background."""
        self._show_heat()
        self.report_worker = self.compute_report()

    def _show_heat(self) -> None:
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

    @work(thread=True, exclusive=True, group="results", exit_on_error=False)
    def compute_report(self) -> None:
        """Build the results report on a read-only connection of its own (a thread)."""
        if self.event_path is None:
            self.app.call_from_thread(self._show_problem, "no event file: heat results only")
            return
        from slotrace.errors import SlotraceError
        from slotrace.store import EventFile
        from slotrace.store.results import build_report

        self.app.call_from_thread(self._show_problem, "computing the classifications ...")
        try:
            with EventFile.open(self.event_path, read_only=True) as reader:
                report = build_report(reader)
                stage = build_report(reader, stage=self.stage) if self.stage else None
        except SlotraceError as exc:
            self.app.call_from_thread(self._show_problem, f"results not available: {exc}")
            return
        self.app.call_from_thread(self.show_report, report, stage)

    def _show_problem(self, text: str) -> None:
        self.query_one("#charity", Static).update(text)

    def show_report(self, report: dict[str, Any], stage: dict[str, Any] | None) -> None:
        """Fill the classification tabs from a results report (`build_report` data)."""
        self.report = report
        self.query_one("#charity", Static).update(
            charity_line(report.get("charity"))
            + f" · {_heats(len(report.get('heats', ())))} in the report"
        )
        side = report.get("side", {})
        self._fill("overall", report.get("overall", []))
        self._fill("stage", stage.get("overall", []) if stage else [])
        self.query_one("#stage-title", Label).update(
            f"Stage {self.stage}: {len(stage.get('heats', ()))} heats so far"
            if stage else "The heat on track belongs to no stage"
        )
        self._show_sheet()
        self._fill("ladies", side.get(LADIES, []))
        self._fill("nations", side.get(NATIONS, []))
        classes = self.query_one("#classes-table", DataTable)
        classes.clear()
        for name, rows in side.items():
            if name in (LADIES, NATIONS):
                continue
            for row in rows:
                classes.add_row(name, *self._cells(row))

    def _fill(self, name: str, rows: list[dict[str, Any]]) -> None:
        table = self.query_one(f"#{name}-table", DataTable)
        table.clear()
        for row in rows:
            key = str(row["entry_no"]) if name == "overall" and "entry_no" in row else None
            table.add_row(*self._cells(row), key=key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The overall table's highlighted car is the one whose stage sheet is shown."""
        if event.data_table.id == "overall-table" and event.row_key.value is not None:
            self.sheet_entry = int(event.row_key.value)
            self._show_sheet()

    def _show_sheet(self) -> None:
        rows = (self.report or {}).get("overall", [])
        row = next((r for r in rows if r["entry_no"] == self.sheet_entry), None)
        row = row or (rows[0] if rows else None)
        table = self.query_one("#sheet-table", DataTable)
        table.clear()
        if row is None:
            return
        self.query_one("#sheet-title", Label).update(
            f"Stage sheet: {row['label']}" + (f" (position {row['position']})"
                                              if row.get("position") else ""))
        for cells in sheet_rows(row):
            table.add_row(*cells)
        self.query_one("#sheet-total", Static).update(sheet_total(row))

    def _cells(self, row: dict[str, Any]) -> tuple[str, ...]:
        number = self.numbers.get(row.get("entry_no"))  # type: ignore[arg-type]
        status = str(row.get("status", ""))
        return (position_text(row.get("position"), status),
                f"{number:03d}" if number is not None else "",
                str(row.get("label", row.get("entry_no", ""))),
                score_text(row.get("score"), status), score_text(row.get("raw"), status),
                coefficient_text(row.get("coefficient")))


def _heats(count: int) -> str:
    return f"{count} heat" if count == 1 else f"{count} heats"
