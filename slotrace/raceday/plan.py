"""Provides the day plan: entries and verdicts -> start list -> heats, and each heat's settings.

The plan is the rules' heat plan (`slotrace.rules.heats.plan_heats`) over the start list of
the entries that passed scrutineering. If the event file holds a saved plan (``slotrace heats
EVENT --save``) that one is used, so race control and ``slotrace run`` run exactly what was
printed for the stewards. Every heat's engine settings come from `heat_settings` (sensor
groups from the track, laps and finish rule from the leg): the saved plan, race control, the
demo and ``slotrace run`` all use it. Event files without legs or entries (tests, hand-made
files) fall back to "the next six entries that have not run yet".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slotrace.engine import FinishRule, SessionConfig, SessionKind
from slotrace.rules.errors import RulesError
from slotrace.rules.model import Entry, Event, Heat, Track
from slotrace.store import EventFile, HeatInfo, HeatStatus, PlannedHeatSpec

CAR_CAPACITY = 6
"""Cars a heat of the no-plan fallback has when the face names no driver's cars per heat."""
FALLBACK_LAPS = 10
"""Distance of a heat of an event without legs."""


@dataclass(frozen=True, slots=True)
class NextHeat:
    """The heat to run next.

    Attributes:
        name: shown to people ("Leg 1: Brescia - Ravenna · heat 3").
        config: the engine's session rules (from `heat_settings`).
        cars: controller address -> entry_no.
        plan: the rules' ``Heat`` it comes from (None for the no-plan fallback).
        stage: the event file's stage of the heat's leg, if the file has stages.
        saved_number: the heat's number in the plan saved in the file (started with
            ``EventFile.start_planned_heat``), None if the plan was computed on opening.
    """

    name: str
    config: SessionConfig
    cars: dict[int, int]
    plan: Heat | None = None
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


def heat_settings(
    heat: Heat, event: Event, track: Track | None, *, laps: int | None = None
) -> SessionConfig:
    """THE engine settings of a planned heat; every face and the saved plan use this.

    With the event's track: `slotrace.rules.legs.heat_session_config` (sensor groups from
    the track, laps long enough for the leg's trials, every car completes the distance).
    Without a loadable track: the leg's own laps on the finish line only. ``laps``
    overrides the distance (a short demo or rehearsal heat).
    """
    from slotrace.rules.legs import heat_session_config

    if heat.leg < len(event.legs) and track is not None:
        return heat_session_config(heat, event.legs[heat.leg], track, laps=laps)
    leg_laps = event.legs[heat.leg].laps if heat.leg < len(event.legs) else FALLBACK_LAPS
    return SessionConfig(
        kind=SessionKind.RACE_LAPS,
        laps=laps or leg_laps,
        finish_rule=FinishRule.ALL_COMPLETE_LAPS,
        cars=tuple(sorted(slot.address for slot in heat.slots)),
    )


def event_track(event: Event, event_file: EventFile | None = None) -> Track | None:
    """The event's track (sensor places): the copy stored in ``event_file`` if given, else
    loaded by name; None if it cannot be loaded from here."""
    from slotrace.rules.files import load_track

    try:
        return event_file.track() if event_file is not None else load_track(event.track)
    except (RulesError, OSError):
        return None


@dataclass(frozen=True)
class DayPlan:
    """The rules' plan for the whole day plus the names the screens show.

    Attributes:
        event: the rules' ``Event``.
        track: the event's track (None if it could not be loaded).
        heats: every planned heat, leg by leg.
        total_minutes: the rules' estimate for the day (heats + changeovers).
        numbers: entry_no -> race number from the start list.
        entries: entry_no -> rules ``Entry``.
        excluded: entries left out because they did not pass scrutineering (an
            override recorded with ``slotrace scrutineer --override`` decides for its car).
    """

    event: Event
    track: Track | None
    heats: tuple[Heat, ...]
    total_minutes: float
    numbers: dict[int, int]
    entries: dict[int, Entry]
    excluded: tuple[int, ...] = ()

    def heat_name(self, heat: Heat) -> str:
        legs = self.event.legs
        leg = f"Leg {heat.leg + 1}: {legs[heat.leg].name}" if heat.leg < len(legs) else "Heat"
        return f"{leg} · heat {heat.number}"

    def session_config(self, heat: Heat, *, laps: int | None = None) -> SessionConfig:
        """The heat's engine settings (`heat_settings`)."""
        return heat_settings(heat, self.event, self.track, laps=laps)

    def next_heat(self, done: set[int]) -> Heat | None:
        """The first planned heat whose number is not in ``done``; None when all ran."""
        return next((h for h in self.heats if h.number not in done), None)

    def previous_addresses(self, heat: Heat) -> dict[int, int]:
        """entry_no -> address each car had in the last planned heat before ``heat``."""
        current: dict[int, int] = {}
        for earlier in self.heats:
            if earlier.number >= heat.number:
                break
            for slot in earlier.slots:
                current[slot.entry_no] = slot.address
        return current

    def recoding_sheet(self, heat: Heat) -> list[RecodeLine]:
        """Which model gets which ID in ``heat`` and which must be re-coded before it."""
        before = self.previous_addresses(heat)
        lines = []
        for slot in sorted(heat.slots, key=lambda s: s.address):
            entry = self.entries.get(slot.entry_no)
            number = self.numbers.get(slot.entry_no)
            lines.append(RecodeLine(
                address=slot.address,
                entry_no=slot.entry_no,
                number=f"{number:03d}" if number is not None else f"entry {slot.entry_no}",
                car=f"{entry.car.marque} {entry.car.model}" if entry else "?",
                crew=(entry.entrant + (f" / {entry.co_driver}" if entry.co_driver else ""))
                if entry else "?",
                recode=slot.recode,
                previous_address=before.get(slot.entry_no),
            ))
        return lines


def _saved_heats(event_file: EventFile) -> list[Heat]:
    """The heat plan saved in the event file (``slotrace heats --save``); empty if none."""
    return [Heat.model_validate(item.plan) for item in event_file.planned_heats()]


def read_event(event_file: EventFile) -> tuple[Event, list[Entry]] | None:
    """The file's event and entries through the store's typed read models
    (`EventFile.event_model`, `EventFile.entry_models`); None without legs or entries.

    Raises `EventFileError` naming the file, and the entry and field, if a stored one does
    not validate (a file edited by hand).
    """
    if not event_file.event_definition().get("legs"):  # made without a template: no plan
        return None
    event = event_file.event_model()
    entries = event_file.entry_models()
    if event is None or not entries:
        return None
    return event, entries


def day_plan(event_file: EventFile) -> DayPlan | None:
    """The rules' heat plan of the event file; None if it has no event with legs or no entries."""
    from slotrace.rules.heats import plan_heats
    from slotrace.rules.scrutineer import apply_overrides, recorded_overrides, scrutineer
    from slotrace.rules.startorder import make_start_list

    read = read_event(event_file)
    if read is None:
        return None
    event, entries = read
    overrides = recorded_overrides(event_file.verdicts())  # the chief scrutineer's word wins
    start = make_start_list(entries, event, apply_overrides(scrutineer(entries, event), overrides))
    saved = _saved_heats(event_file)
    heats = tuple(saved) if saved else plan_heats(start, event,
                                                   left_out=event_file.left_out()).heats
    minutes = len(heats) * event.heat_minutes + max(0, len(heats) - 1) * event.changeover_minutes
    return DayPlan(
        event=event,
        track=event_track(event, event_file),
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


def _fallback_heat(event_file: EventFile, laps: int, cars_per_heat: int) -> NextHeat:
    """No plan: the next ``cars_per_heat`` entries that have not run yet, on controllers
    1, 2, ..."""
    heats = event_file.heats()
    ran = {number for heat in heats for number in heat.cars.values()}
    numbers = [e["entry_no"] for e in event_file.entries() if isinstance(e.get("entry_no"), int)]
    waiting = [n for n in numbers if n not in ran] or numbers
    cars = dict(enumerate(waiting[:cars_per_heat], start=1))
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps, cars=tuple(cars) or (1,))
    return NextHeat(name=f"Heat {len(heats) + 1}", config=config, cars=cars)


def _stage_of(event_file: EventFile, heat: Heat) -> int | None:
    stage_numbers = {s["number"] for s in event_file.stages()}
    return heat.leg + 1 if heat.leg + 1 in stage_numbers else None


def choose_next_heat(
    event_file: EventFile, *, laps: int | None = None, plan: DayPlan | None = None,
    number: int | None = None, cars_per_heat: int = CAR_CAPACITY,
) -> NextHeat | None:
    """The next planned heat (or planned heat ``number``) with its settings from `heat_settings`.

    ``laps`` overrides the distance; ``cars_per_heat`` (the connected driver's) sizes only the
    no-plan fallback, since a plan is the day's, shared with the board. A plan saved in the
    file wins over one computed from the rules. None when every heat of a saved plan has
    finished; without a saved plan the last computed heat is offered again (a re-run), and
    without any plan the fallback heat.
    """
    plan = plan if plan is not None else day_plan(event_file)
    if event_file.planned_heats():
        saved = (event_file.planned_heat(number) if number is not None
                 else event_file.next_planned_heat())
        if saved is None:
            return None
        heat = Heat.model_validate(saved.plan)
        config = SessionConfig.model_validate(saved.config)  # built by `heat_settings`
        if laps is not None:
            config = SessionConfig.model_validate({**config.model_dump(), "laps": laps})
        return NextHeat(name=saved.name, config=config, cars=saved.cars, plan=heat,
                        stage=saved.stage, saved_number=saved.number)
    if plan is None or not plan.heats:
        return _fallback_heat(event_file, laps or FALLBACK_LAPS, cars_per_heat)
    if number is not None:
        heat = next((h for h in plan.heats if h.number == number), plan.heats[-1])
    else:
        heat = plan.next_heat(planned_heats_done(event_file.heats())) or plan.heats[-1]
    return NextHeat(
        name=plan.heat_name(heat),
        config=plan.session_config(heat, laps=laps),
        cars={slot.address: slot.entry_no for slot in heat.slots},
        plan=heat,
        stage=_stage_of(event_file, heat),
    )


def saved_plan_specs(plan: DayPlan, event_file: EventFile) -> list[PlannedHeatSpec]:
    """The plan as the store saves it (``EventFile.save_heat_plan``): name, heat, config, stage."""
    return [
        PlannedHeatSpec(
            name=plan.heat_name(heat),
            plan=heat,
            config=plan.session_config(heat),
            stage=_stage_of(event_file, heat),
        )
        for heat in plan.heats
    ]
