"""Provides `EntriesScreen`: the entry list with scrutineering verdicts, filterable and sortable."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from slotrace.store import EventFile
from slotrace.tui.roster import entry_label
from slotrace.tui.screens.import_dialog import ImportEntriesDialog
from slotrace.tui.widgets.key_bar import KeyBar

COLUMNS = (("no", "No."), ("driver", "Crew"), ("nat", "Nat"), ("car", "Car"),
           ("class", "Class"), ("verdict", "Verdict"))


def verdict_summary(verdicts: list[dict[str, Any]]) -> str:
    """``OK`` or the worst severity with the codes, e.g. ``reject: E2, E4``."""
    if not verdicts:
        return "not checked"
    codes = ", ".join(v.get("code", "?") for v in verdicts)
    overrides = [v for v in verdicts if v.get("code") == "OVERRIDE"]  # the latest one decides
    if overrides and overrides[-1].get("severity") != "clear":  # unless it cleared the last
        word = "pass" if overrides[-1].get("severity") == "pass" else "reject"
        return f"{word} (overridden by {overrides[-1].get('decided_by', '?')}): {codes}"
    severities = {str(v.get("severity", "")).lower() for v in verdicts
                  if v.get("code") != "OVERRIDE"}
    for worst in ("reject", "fail", "error", "warning", "warn"):
        if worst in severities:
            return f"{worst}: {codes}"
    return f"ok: {codes}"


class EntriesScreen(Screen[None]):
    """Type to filter (number, crew, car, class); click a header to sort; Enter shows verdicts.

    Ctrl+O imports an entries CSV (every problem listed by row and column, nothing imported
    on error).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "import_csv", "Import CSV"),
    ]

    def __init__(self, event_file: EventFile) -> None:
        super().__init__()
        self.event_file = event_file
        self._sort_reverse = False
        self._numbers: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield Label("Entries", classes="section-title")
        yield Input(placeholder="filter: number, crew, car or class", id="entry-filter")
        yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield Static("", id="verdict-detail")
        yield KeyBar(classes="docked")

    def on_mount(self) -> None:
        table = self.query_one("#entries", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self._load_numbers()
        self.fill("")

    def _load_numbers(self) -> None:
        """Race numbers from the start list, for entries that do not carry their own."""
        from slotrace.errors import SlotraceError
        from slotrace.raceday import day_plan

        try:
            plan = day_plan(self.event_file)
        except SlotraceError:
            plan = None
        self._numbers = plan.numbers if plan is not None else {}

    def fill(self, text: str) -> None:
        table = self.query_one("#entries", DataTable)
        table.clear()
        needle = text.strip().lower()
        verdicts = self.event_file.verdicts()
        for entry in self.event_file.entries():
            number = self._numbers.get(entry.get("entry_no"))  # type: ignore[arg-type]
            if entry.get("race_number") is None and number is not None:
                entry = {**entry, "race_number": number}
            label = entry_label(entry, 0)
            entry_no = entry.get("entry_no")
            mine = [v for v in verdicts if v.get("entry_no", v.get("number")) == entry_no]
            row = (label.number, label.driver, str(entry.get("nationality", "")), label.car,
                   label.entry_class, verdict_summary(mine))
            if needle and not any(needle in cell.lower() for cell in row):
                continue
            table.add_row(*row, key=str(entry.get("entry_no")))

    def action_import_csv(self) -> None:
        self.app.push_screen(ImportEntriesDialog(self.event_file), self._imported)

    def _imported(self, count: int | None) -> None:
        if count is not None:
            self._load_numbers()
            self.fill(self.query_one("#entry-filter", Input).value)

    @on(Input.Changed, "#entry-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(DataTable.HeaderSelected, "#entries")
    def sort_by(self, event: DataTable.HeaderSelected) -> None:
        self._sort_reverse = not self._sort_reverse
        event.data_table.sort(event.column_key, reverse=self._sort_reverse)

    @on(DataTable.RowHighlighted, "#entries")
    def show_verdicts(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        entry_no = int(event.row_key.value)
        verdicts = self.event_file.verdicts(entry_no)
        if not verdicts:
            text = f"entry {entry_no}: no scrutineering verdicts recorded"
        else:
            text = "\n".join(
                f"{v.get('code')} {v.get('severity')}: {v.get('reason')} ({v.get('decided_by')})"
                for v in verdicts
            )
        self.query_one("#verdict-detail", Static).update(text)
