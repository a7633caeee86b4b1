"""Provides `EventScreen`: legs, heats run and to run, the next heat's car-ID plan, day estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from slotrace.raceday import DayPlan, planned_heats_done
from slotrace.store import EventFile, HeatStatus
from slotrace.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from slotrace.tui.app import SlotraceApp


def hours_minutes(minutes: float) -> str:
    """``7 h 09 min`` for 429 minutes."""
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest:02d} min"


class EventScreen(Screen[None]):
    """What the organiser needs to run the day: what ran, what runs next, how long it takes.

    With the rules' heat plan (an event with legs and entries) the re-coding sheet is the
    plan's next heat after the one on track: which model gets which controller ID and which
    cars must be re-coded before it. Without a plan it lists the cars of this heat.
    """

    app: SlotraceApp

    def __init__(self, event_file: EventFile, plan: DayPlan | None = None) -> None:
        super().__init__()
        self.event_file = event_file
        self.plan = plan

    def compose(self) -> ComposeResult:
        yield Label("", id="event-title", classes="section-title")
        yield Static("", id="event-summary")
        yield Label("Legs", classes="section-title")
        yield DataTable(id="legs", cursor_type="row")
        yield Label("Heats run", classes="section-title")
        yield DataTable(id="heats", cursor_type="row")
        yield Label("", id="recoding-title", classes="section-title")
        yield DataTable(id="recoding", cursor_type="row")
        yield KeyBar(classes="docked")

    def on_mount(self) -> None:
        legs = self.query_one("#legs", DataTable)
        for key in ("Leg", "Name", "Laps", "Heats", "Finished"):
            legs.add_column(key, key=key.lower())
        heats = self.query_one("#heats", DataTable)
        for key in ("Heat", "Name", "Status", "Cars"):
            heats.add_column(key, key=key.lower())
        recoding = self.query_one("#recoding", DataTable)
        for label, key in (("ID", "id"), ("Re-code", "recode"), ("No.", "no"), ("Car", "car"),
                           ("Crew", "crew")):
            recoding.add_column(label, key=key)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        ef = self.event_file
        heats = ef.heats()
        self.query_one("#event-title", Label).update(ef.name)
        self._fill_heats(heats)
        if self.plan is None:
            self._without_plan(len(heats))
            return
        plan = self.plan
        done = planned_heats_done(heats)
        finished = sum(1 for h in plan.heats if h.number in done)
        left = len(plan.heats) - finished
        remaining = left * plan.event.heat_minutes + max(0, left - 1) * (
            plan.event.changeover_minutes
        )
        self.query_one("#event-summary", Static).update(
            f"{len(plan.entries)} entries, {len(plan.numbers)} on the start list "
            f"({len(plan.excluded)} did not pass scrutineering) · {len(plan.event.legs)} legs\n"
            f"Progress: {finished} of {len(plan.heats)} heats finished · day estimate "
            f"{hours_minutes(plan.total_minutes)} ({plan.event.heat_minutes:g} min per heat + "
            f"{plan.event.changeover_minutes:g} min changeover) · about "
            f"{hours_minutes(remaining)} to go"
        )
        legs = self.query_one("#legs", DataTable)
        legs.clear()
        for index, leg in enumerate(plan.event.legs):
            of_leg = [h for h in plan.heats if h.leg == index]
            legs.add_row(str(index + 1), leg.name, str(leg.laps), str(len(of_leg)),
                         str(sum(1 for h in of_leg if h.number in done)))
        self._fill_recoding(done)

    def _fill_heats(self, heats: list) -> None:
        table = self.query_one("#heats", DataTable)
        table.clear()
        for heat in heats:
            table.add_row(str(heat.id), heat.name, str(heat.status), str(len(heat.cars)))

    def _fill_recoding(self, done: set[int]) -> None:
        assert self.plan is not None
        on_track = self._heat_on_track()
        upcoming = self.plan.next_heat(done | ({on_track} if on_track else set()))
        title = self.query_one("#recoding-title", Label)
        table = self.query_one("#recoding", DataTable)
        table.clear()
        if upcoming is None:
            title.update("Next heat: none - every planned heat has run")
            return
        sheet = self.plan.recoding_sheet(upcoming)
        recodes = sum(1 for line in sheet if line.recode)
        title.update(
            f"Next heat: {self.plan.heat_name(upcoming)} · car IDs "
            f"({recodes} to re-code before it)"
        )
        for line in sheet:
            if not line.recode:
                mark = Text("keep")
            elif line.previous_address is None:
                mark = Text("CODE (first)", style="bold yellow")
            else:
                mark = Text(f"RE-CODE (was {line.previous_address})", style="bold yellow")
            table.add_row(str(line.address), mark, line.number, line.car, line.crew)

    def _heat_on_track(self) -> int | None:
        """The planned heat number race control is running now, if any."""
        heat_id = getattr(self.app, "heat_id", None)
        if heat_id is None:
            return None
        heat = self.event_file.heat(heat_id)
        if heat.status is not HeatStatus.RUNNING or not heat.plan:
            return None
        number = heat.plan.get("number")
        return int(number) if number is not None else None

    def _without_plan(self, heats_run: int) -> None:
        entries = self.event_file.entries()
        self.query_one("#event-summary", Static).update(
            f"{len(entries)} entries · {heats_run} heats started · no heat plan (the event "
            "has no legs or no entries), heats take the next six entries"
        )
        self.query_one("#legs", DataTable).clear()
        self.query_one("#recoding-title", Label).update("This heat: cars on controllers")
        table = self.query_one("#recoding", DataTable)
        table.clear()
        roster = self.app.roster
        for controller in roster.controllers():
            entry = roster[controller]
            table.add_row(str(controller), "", entry.number, entry.car, entry.driver)
