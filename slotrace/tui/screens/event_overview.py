"""Provides `EventScreen`: legs, heats run and to run, the next heat's car-ID plan, day estimate."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from slotrace.store import EventFile

if TYPE_CHECKING:
    from slotrace.tui.app import SlotraceApp

CAR_CAPACITY = 6


def day_estimate_minutes(definition: dict[str, Any], entries: int) -> float:
    """Minutes the whole day takes: heats per leg x legs x (heat + changeover minutes)."""
    capacity = int(definition.get("car_capacity", CAR_CAPACITY)) or CAR_CAPACITY
    legs = max(len(definition.get("legs", ())), 1)
    per_heat = float(definition.get("heat_minutes", 6.0)) + float(
        definition.get("changeover_minutes", 3.0)
    )
    return math.ceil(entries / capacity) * legs * per_heat


class EventScreen(Screen[None]):
    """What the organiser needs to run the day: what ran, what runs next, how long it takes."""

    app: SlotraceApp

    def __init__(self, event_file: EventFile) -> None:
        super().__init__()
        self.event_file = event_file

    def compose(self) -> ComposeResult:
        yield Label("", id="event-title", classes="section-title")
        yield Static("", id="event-summary")
        yield Label("Legs", classes="section-title")
        yield DataTable(id="legs", cursor_type="row")
        yield Label("Heats", classes="section-title")
        yield DataTable(id="heats", cursor_type="row")
        yield Label(
            "This heat: cars on controllers (re-code before the start)", classes="section-title"
        )
        yield DataTable(id="recoding", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        legs = self.query_one("#legs", DataTable)
        legs.add_column("Leg", key="leg")
        legs.add_column("Name", key="name")
        heats = self.query_one("#heats", DataTable)
        for key in ("Heat", "Name", "Status", "Cars"):
            heats.add_column(key, key=key.lower())
        recoding = self.query_one("#recoding", DataTable)
        for key in ("Controller", "No.", "Driver", "Car"):
            recoding.add_column(key, key=key.lower())
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        ef = self.event_file
        definition = ef.event_definition()
        entries = ef.entries()
        heats = ef.heats()
        self.query_one("#event-title", Label).update(ef.name)
        estimate = day_estimate_minutes(definition, len(entries))
        legs_defined = definition.get("legs", ())
        capacity = int(definition.get("car_capacity", CAR_CAPACITY)) or CAR_CAPACITY
        planned = math.ceil(len(entries) / capacity) * max(len(legs_defined), 1)
        finished = sum(1 for h in heats if str(h.status) == "finished")
        self.query_one("#event-summary", Static).update(
            f"{len(entries)} entries · {len(legs_defined)} legs · {planned} heats planned · "
            f"{finished} finished · "
            f"day estimate {int(estimate // 60)} h {int(estimate % 60):02d} min"
        )
        legs = self.query_one("#legs", DataTable)
        legs.clear()
        for index, leg in enumerate(legs_defined, start=1):
            legs.add_row(str(index), str(leg.get("name", "")))
        table = self.query_one("#heats", DataTable)
        table.clear()
        for heat in heats:
            table.add_row(str(heat.id), heat.name, str(heat.status), str(len(heat.cars)))
        recoding = self.query_one("#recoding", DataTable)
        recoding.clear()
        roster = self.app.roster
        for controller in roster.controllers():
            entry = roster[controller]
            recoding.add_row(str(controller), entry.number, entry.driver, entry.car)
