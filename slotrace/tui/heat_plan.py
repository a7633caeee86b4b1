"""Provides the day's heat plan as race control sees it: the next heat, its re-codes, progress.

The plan is the rules' heat plan (`slotrace.rules.heats.plan_heats` over the start list of the
entries that passed scrutineering). If the event file holds a saved plan (``slotrace heats
EVENT --save``) that one is used, so race control runs exactly what was printed for the
stewards. A heat run from the plan stores the rules `Heat` with it, which is how the results
report knows which leg (stage) it belongs to. Event files without legs or entries (tests,
hand-made files) fall back to "the next six entries that have not run yet".

Textual-free: the screens, ``slotrace demo`` and the tests use it as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slotrace.engine import SessionConfig, SessionKind
from slotrace.store import EventFile, HeatInfo, HeatStatus

CAR_CAPACITY = 6
"""Cars a Carrera control unit runs at once, when the event does not say otherwise."""


@dataclass(frozen=True, slots=True)
class NextHeat:
    """The heat race control starts next.

    Attributes:
        name: shown to people ("Leg 1: Brescia - Ravenna · heat 3").
        config: the engine's session rules (laps of the heat's leg).
        cars: controller address -> entry_no.
        plan: the rules' ``Heat`` it comes from (None for the no-plan fallback).
        stage: the event file's stage of the heat's leg, if the file has stages.
        saved_number: the heat's number in the plan saved in the file (start it with
            ``EventFile.start_planned_heat``), None if the plan was computed on opening.
    """

    name: str
    config: SessionConfig
    cars: dict[int, int]
    plan: Any = None
    stage: int | None = None
    saved_number: int | None = None


@dataclass(frozen=True, slots=True)
class RecodeLine:
    """One car of a heat on the re-coding sheet."""

    address: int
    entry_no: int
    number: str
    car: str
    crew: str
    recode: bool
    previous_address: int | None


@dataclass(frozen=True)
class DayPlan:
    """The rules' plan for the whole day plus the names the screens show.

    Attributes:
        event: the rules' ``Event``.
        heats: every planned heat, leg by leg (rules ``Heat``).
        total_minutes: the rules' estimate for the day (heats + changeovers).
        numbers: entry_no -> race number from the start list.
        entries: entry_no -> rules ``Entry``.
        excluded: entries left out because they did not pass scrutineering.
    """

    event: Any
    heats: tuple[Any, ...]
    total_minutes: float
    numbers: dict[int, int]
    entries: dict[int, Any]
    excluded: tuple[int, ...] = ()

    def heat_name(self, heat: Any) -> str:
        legs = self.event.legs
        leg = f"Leg {heat.leg + 1}: {legs[heat.leg].name}" if heat.leg < len(legs) else "Heat"
        return f"{leg} · heat {heat.number}"

    def session_config(self, heat: Any) -> SessionConfig:
        """A lap race over the heat's leg distance on the heat's controller addresses."""
        legs = self.event.legs
        laps = legs[heat.leg].laps if heat.leg < len(legs) else 10
        addresses = tuple(sorted(slot.address for slot in heat.slots))
        return SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps, cars=addresses)

    def next_heat(self, done: set[int]) -> Any | None:
        """The first planned heat whose number is not in ``done``; None when all ran."""
        return next((h for h in self.heats if h.number not in done), None)

    def previous_addresses(self, heat: Any) -> dict[int, int]:
        """entry_no -> address each car had in the last planned heat before ``heat``."""
        current: dict[int, int] = {}
        for earlier in self.heats:
            if earlier.number >= heat.number:
                break
            for slot in earlier.slots:
                current[slot.entry_no] = slot.address
        return current

    def recoding_sheet(self, heat: Any) -> list[RecodeLine]:
        """Which model gets which ID in ``heat`` and which must be re-coded before it."""
        before = self.previous_addresses(heat)
        lines = []
        for slot in sorted(heat.slots, key=lambda s: s.address):
            entry = self.entries.get(slot.entry_no)
            number = self.numbers.get(slot.entry_no)
            crew = entry.entrant + (f" / {entry.co_driver}" if entry and entry.co_driver else "")
            lines.append(RecodeLine(
                address=slot.address,
                entry_no=slot.entry_no,
                number=f"{number:03d}" if number is not None else f"entry {slot.entry_no}",
                car=f"{entry.car.marque} {entry.car.model}" if entry else "?",
                crew=crew if entry else "?",
                recode=slot.recode,
                previous_address=before.get(slot.entry_no),
            ))
        return lines


def _saved_heats(event_file: EventFile) -> list[Any] | None:
    """The heat plan saved in the event file (``slotrace heats --save``), if the store has one."""
    planned = getattr(event_file, "planned_heats", None)
    if planned is None:
        return None
    from slotrace.rules.model import Heat

    saved = planned()
    if not saved:
        return None
    return [Heat.model_validate(item.plan) for item in saved]


def day_plan(event_file: EventFile) -> DayPlan | None:
    """The rules' heat plan of the event file; None if it has no event with legs or no entries.

    Raises the rules' errors if the stored event or entries do not validate (a file edited by
    hand), naming the file.
    """
    definition = event_file.event_definition()
    raw_entries = event_file.entries()
    if not definition or not definition.get("legs") or not raw_entries:
        return None
    from pydantic import ValidationError

    from slotrace.rules.errors import RulesError
    from slotrace.rules.heats import plan_heats
    from slotrace.rules.model import Entry, Event
    from slotrace.rules.scrutineer import scrutineer
    from slotrace.rules.startorder import make_start_list

    try:
        event = Event.model_validate(definition)
        entries = [Entry.model_validate(e) for e in raw_entries]
    except ValidationError as exc:
        raise RulesError(
            f"{event_file.path}: the stored event or entries are not valid: {exc}"
        ) from None
    start = make_start_list(entries, event, scrutineer(entries, event))
    computed = plan_heats(start, event)
    saved = _saved_heats(event_file)
    heats = tuple(saved) if saved else computed.heats
    minutes = len(heats) * event.heat_minutes + max(0, len(heats) - 1) * event.changeover_minutes
    return DayPlan(
        event=event,
        heats=heats,
        total_minutes=minutes,
        numbers={s.entry_no: s.race_number for s in start.slots},
        entries={e.entry_no: e for e in entries},
        excluded=tuple(start.excluded),
    )


def planned_heats_done(heats: Sequence[HeatInfo]) -> set[int]:
    """Numbers of the planned heats that finished (aborted and running ones run again)."""
    return {
        int(h.plan["number"])
        for h in heats
        if h.plan and h.status is HeatStatus.FINISHED and "number" in h.plan
    }


def _fallback_heat(event_file: EventFile, laps: int) -> NextHeat:
    """No plan: the next `CAR_CAPACITY` entries that have not run yet, on controllers 1..6."""
    heats = event_file.heats()
    ran = {number for heat in heats for number in heat.cars.values()}
    numbers = [e["entry_no"] for e in event_file.entries() if isinstance(e.get("entry_no"), int)]
    waiting = [n for n in numbers if n not in ran] or numbers
    cars = dict(enumerate(waiting[:CAR_CAPACITY], start=1))
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps, cars=tuple(cars) or (1,))
    return NextHeat(name=f"Heat {len(heats) + 1}", config=config, cars=cars)


def _saved_next(event_file: EventFile, laps: int | None) -> NextHeat | None:
    """The saved plan's next heat (not finished), if the file holds a saved plan."""
    if not getattr(event_file, "planned_heats", None) or not event_file.planned_heats():
        return None
    from slotrace.rules.model import Heat

    planned = event_file.next_planned_heat()
    if planned is None:
        return None
    config = SessionConfig.model_validate(planned.config)
    if laps is not None:
        config = config.model_copy(update={"laps": laps})
    return NextHeat(
        name=planned.name,
        config=config,
        cars=planned.cars,
        plan=Heat.model_validate(planned.plan),
        stage=planned.stage,
        saved_number=planned.number,
    )


def choose_next_heat(
    event_file: EventFile, *, laps: int | None = None, plan: DayPlan | None = None
) -> NextHeat:
    """The next planned heat (its addresses, its leg's laps); the fallback without a plan.

    ``laps`` overrides the leg's distance (a short demo heat). A plan saved in the file wins
    over one computed from the rules. When every planned heat has finished, the last one is
    offered again (a re-run) rather than inventing a heat the plan does not have.
    """
    saved = _saved_next(event_file, laps)
    if saved is not None:
        return saved
    plan = plan if plan is not None else day_plan(event_file)
    if plan is None or not plan.heats:
        return _fallback_heat(event_file, laps or 10)
    heat = plan.next_heat(planned_heats_done(event_file.heats())) or plan.heats[-1]
    stage_numbers = {s["number"] for s in event_file.stages()}
    stage = heat.leg + 1 if heat.leg + 1 in stage_numbers else None
    config = plan.session_config(heat)
    if laps is not None:
        config = config.model_copy(update={"laps": laps})
    return NextHeat(
        name=plan.heat_name(heat),
        config=config,
        cars={slot.address: slot.entry_no for slot in heat.slots},
        plan=heat,
        stage=stage,
    )


def saved_plan_specs(plan: DayPlan, event_file: EventFile) -> list[Any]:
    """The plan as the store saves it (``EventFile.save_heat_plan``): name, heat, config, stage."""
    from slotrace.store.planned import PlannedHeatSpec

    stage_numbers = {s["number"] for s in event_file.stages()}
    return [
        PlannedHeatSpec(
            name=plan.heat_name(heat),
            plan=heat,
            config=plan.session_config(heat),
            stage=heat.leg + 1 if heat.leg + 1 in stage_numbers else None,
        )
        for heat in plan.heats
    ]
