"""Provides `CharityDialog`: race control records money raised for the charity (m key).

Race control holds the event file's writer lock all day, so `slotrace charity add` cannot
write while it runs; this dialog records through the same store function
(`slotrace.store.charity.add_money`) with the same checks of the amount ("25.00" and "25,00"
are both 25.00). It stays open after a save, showing what was saved and the new totals, so
the buckets of the day can be entered one after the other; Escape or Close ends it.
"Take back..." opens `TakeBackMoneyDialog`: a record saved by mistake is revoked with a reason
through `slotrace.store.charity.revoke_money` (as `slotrace charity revoke`); it stays listed,
no longer counted.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from slotrace.errors import SlotraceError
from slotrace.rules.charity import DayMoney, MoneyKind
from slotrace.store import EventFile
from slotrace.store.charity import (
    Clock,
    Revocation,
    add_money,
    day_money,
    raised_line,
    raised_on_the_day,
    revoke_money,
)
from slotrace.store.errors import EventFileError
from slotrace.store.results import build_report

KINDS = (("Donation", MoneyKind.DONATION.value), ("Bucket (counted)", MoneyKind.BUCKET.value),
         ("Auction (winning bid)", MoneyKind.AUCTION.value))


@dataclass(frozen=True, slots=True)
class CharityDesk:
    """Where race control records charity money: its open event file and the clock to stamp
    records with (None: the wall clock; tests pass a fixed one)."""

    event_file: EventFile
    clock: Clock | None = None


def _without_path(exc: SlotraceError) -> str:
    """The error's message without the event file's name in front (the dialog is in it)."""
    text = str(exc)
    if isinstance(exc, EventFileError):
        text = text.removeprefix(f"{exc.path}: ")
    return text


class CharityDialog(ModalScreen[list[DayMoney]]):
    """Kind, amount, from whom and a note; Save records it. Dismisses with what was saved."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "close", "Close")]

    def __init__(self, desk: CharityDesk, author: str) -> None:
        super().__init__()
        self.desk = desk
        self.author = author
        self.saved: list[DayMoney] = []

    def compose(self) -> ComposeResult:
        with Grid(classes="dialog", id="charity-dialog"):
            yield Label("Money for the charity", classes="dialog-title")
            yield Label("Kind")
            yield Select(KINDS, value=MoneyKind.DONATION.value, id="kind", allow_blank=False,
                         compact=True)
            yield Label("Amount")
            yield Input(placeholder="e.g. 25.00 or 25,00", id="amount", compact=True)
            yield Label("From")
            yield Input(placeholder="the bidder or donor, or which bucket", id="who",
                        compact=True)
            yield Label("Note")
            yield Input(placeholder="what for, e.g. race number #1 (optional)", id="note",
                        compact=True)
            yield Label("", id="error", classes="dialog-error")
            yield Label("", id="charity-saved")
            yield Label(self._raised_now(), id="charity-raised")
            yield Label("Raised in all: counting...", id="charity-raised-all")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="success", id="save")
                yield Button("Take back...", id="take-back")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()
        self._count_all()

    def _raised_now(self) -> str:
        try:
            return raised_line(raised_on_the_day(self.desk.event_file))
        except SlotraceError as exc:
            return f"Raised on the day: cannot read the ledger ({_without_path(exc)})"

    def _count_all(self) -> None:
        """The grand total (fees, pledges on the laps so far, the day's money), counted in a
        thread on its own read-only connection: race control goes on meanwhile."""
        self.run_worker(self._grand_total, thread=True, group="charity-total", exclusive=True)

    def _grand_total(self) -> None:
        try:
            with EventFile.open(self.desk.event_file.path, read_only=True) as reader:
                charity = build_report(reader)["charity"]
            text = ("Raised in all: no totals yet (no rules or no entries)" if not charity
                    else f"Raised in all (entry fees, pledges, the day): {charity['total']:,.2f}")
        except SlotraceError as exc:
            text = f"Raised in all: cannot count ({_without_path(exc)})"
        self.app.call_from_thread(self._show_all, text)

    def _show_all(self, text: str) -> None:
        with contextlib.suppress(NoMatches):  # closed meanwhile
            self.query_one("#charity-raised-all", Label).update(text)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        error = self.query_one("#error", Label)
        kind = str(self.query_one("#kind", Select).value)
        amount = self.query_one("#amount", Input)
        who = self.query_one("#who", Input)
        note = self.query_one("#note", Input)
        if not who.value.strip():
            error.update(f"From: who gave the {kind} (the bidder, the donor, or which bucket)")
            who.focus()
            return
        clock = {"clock": self.desk.clock} if self.desk.clock is not None else {}
        try:
            money = add_money(self.desk.event_file, kind, amount.value, who=who.value,
                              note=note.value, author=self.author, **clock)
        except SlotraceError as exc:
            error.update(f"Not saved: {_without_path(exc)}")
            amount.focus()
            return
        self.saved.append(money)
        error.update("")
        self.query_one("#charity-saved", Label).update(
            f"Saved #{money.id}: {money.kind} {money.amount:,.2f} from {money.who}")
        self.query_one("#charity-raised", Label).update(self._raised_now())
        self.query_one("#charity-raised-all", Label).update("Raised in all: counting...")
        self._count_all()
        for field in (amount, who, note):
            field.value = ""
        amount.focus()

    @on(Button.Pressed, "#take-back")
    def take_back(self) -> None:
        """Choose a counted record and revoke it with a reason (`TakeBackMoneyDialog`)."""
        try:
            counted = [m for m in day_money(self.desk.event_file) if m.counted]
        except SlotraceError as exc:
            self.query_one("#error", Label).update(f"Cannot read the ledger: {_without_path(exc)}")
            return
        if not counted:
            self.query_one("#error", Label).update("Nothing recorded on the day to take back")
            return
        self.app.push_screen(TakeBackMoneyDialog(self.desk, self.author, counted),
                             self._taken_back)

    def _taken_back(self, revocation: Revocation | None) -> None:
        if revocation is None:
            return
        self.query_one("#error", Label).update("")
        self.query_one("#charity-saved", Label).update(
            f"Took back #{revocation.revokes}: {revocation.reason} (listed, no longer counted)")
        self.query_one("#charity-raised", Label).update(self._raised_now())
        self.query_one("#charity-raised-all", Label).update("Raised in all: counting...")
        self._count_all()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.saved)


class TakeBackMoneyDialog(ModalScreen[Revocation | None]):
    """Which record to take back and why; dismisses with the revocation (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, desk: CharityDesk, author: str, counted: list[DayMoney]) -> None:
        super().__init__()
        self.desk = desk
        self.author = author
        self.counted = counted

    def compose(self) -> ComposeResult:
        choices = [(f"#{m.id} {m.kind} {m.amount:,.2f} from {m.who}", m.id)
                   for m in self.counted]
        with Grid(classes="dialog", id="take-back-dialog"):
            yield Label("Take back money recorded by mistake (it stays listed, not counted)",
                        classes="dialog-title")
            yield Label("Record")
            yield Select(choices, value=self.counted[-1].id, id="record", allow_blank=False,
                         compact=True)
            yield Label("Reason")
            yield Input(placeholder="e.g. counted twice", id="reason", compact=True)
            yield Label("", id="take-back-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Take back", variant="error", id="revoke")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Button.Pressed, "#revoke")
    @on(Input.Submitted)
    def revoke(self) -> None:
        record = self.query_one("#record", Select).value
        reason = self.query_one("#reason", Input).value
        clock = {"clock": self.desk.clock} if self.desk.clock is not None else {}
        try:
            revocation = revoke_money(self.desk.event_file, int(str(record)), reason=reason,
                                      author=self.author, **clock)
        except SlotraceError as exc:
            self.query_one("#take-back-error", Label).update(
                f"Not taken back: {_without_path(exc)}")
            return
        self.dismiss(revocation)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
