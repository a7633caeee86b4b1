"""Provides `ImportEntriesDialog`: import an entries CSV, with progress and every problem listed.

The CSV is read and checked by the rules (`parse_entries_csv`) in a thread worker, so the
screen stays live for a big file. If the rules find any problem, every one is listed by row
and column and nothing is imported. Before anything is recorded the entries replace the event
file's entries in one transaction; once racing has begun (heats, verdicts, a plan or
decisions recorded) only rows whose entry_no is not in the file yet are added, as late
entries, and the rows already entered are kept exactly as recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ListItem, ListView, ProgressBar
from textual.worker import Worker

from slotrace.store import EventFile

STEPS = ("reading the file", "checking every row", "saving the entries")


class ImportEntriesDialog(ModalScreen[int | None]):
    """Dismisses with the number of entries imported, or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, event_file: EventFile, path: str = "") -> None:
        super().__init__()
        self.event_file = event_file
        self.initial_path = path
        self.problems: list[str] = []
        self.import_worker: Worker[None] | None = None
        self.recorded = event_file.recorded()
        """What the file already records; non-empty: late entries are added, never replaced."""

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog"):
            yield Label(self._title(), classes="dialog-title")
            yield Input(self.initial_path, placeholder="path/to/entries.csv", id="csv-path")
            yield ProgressBar(total=len(STEPS), show_eta=False, id="import-progress")
            yield Label("", id="import-status")
            yield ListView(id="import-problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", variant="primary", id="import")
                yield Button("Close", id="cancel")

    @on(Button.Pressed, "#import")
    @on(Input.Submitted, "#csv-path")
    def start_import(self) -> None:
        text = self.query_one("#csv-path", Input).value.strip()
        if not text:
            self._status("give the path of an entries CSV file")
            return
        self.query_one("#import-problems", ListView).clear()
        self.query_one("#import-progress", ProgressBar).update(progress=0)
        self.query_one("#import", Button).disabled = True
        self.import_worker = self.run_import(Path(text).expanduser())

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, path: Path) -> None:
        """Read and check ``path`` off the UI thread; save only if every row is fine."""
        from slotrace.rules.errors import InputFileError
        from slotrace.rules.files import parse_entries_csv

        call = self.app.call_from_thread
        call(self._step, 0)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            call(self._failed, f"cannot read {path}: {exc}", [])
            return
        call(self._step, 1)
        try:
            entries = parse_entries_csv(text, str(path))
        except InputFileError as exc:
            problems = [str(p) for p in exc.problems]
            call(self._failed, f"{path}: {len(problems)} problems, nothing imported", problems)
            return
        call(self._step, 2)
        call(self._save, entries)

    def _title(self) -> str:
        if self.recorded:
            return ("Add late entries from CSV (racing has begun: rows already entered are "
                    "kept as recorded)")
        return "Import entries from CSV (replaces the entry list)"

    def _save(self, entries: list[Any]) -> None:
        from slotrace.errors import SlotraceError

        try:
            if self.recorded:
                known = {e["entry_no"] for e in self.event_file.entries()}
                late = [e for e in entries if e.entry_no not in known]
                added = self.event_file.add_entries(late)
                done = (f"{len(added)} late entries added, {len(entries) - len(late)} rows "
                        "already entered kept as recorded")
            else:
                self.event_file.set_entries(entries)
                added, done = [e.entry_no for e in entries], f"{len(entries)} entries imported"
        except SlotraceError as exc:
            self._failed(f"not saved: {exc}", [])
            return
        self.query_one("#import-progress", ProgressBar).update(progress=len(STEPS))
        self.app.notify(done)
        self.dismiss(len(added))

    def _step(self, index: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=index)
        self._status(f"{STEPS[index]} ...")

    def _failed(self, summary: str, problems: list[str]) -> None:
        self.problems = problems
        self._status(summary)
        listing = self.query_one("#import-problems", ListView)
        for problem in problems:
            listing.append(ListItem(Label(problem)))
        self.query_one("#import", Button).disabled = False

    def _status(self, text: str) -> None:
        self.query_one("#import-status", Label).update(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
