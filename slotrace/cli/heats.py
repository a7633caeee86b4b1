"""Provides ``slotrace heats``: heats of at most the car capacity and the re-coding plan."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from typing import TYPE_CHECKING, Any

from slotrace.cli.scrutineer import RulesInput, add_input_arguments, load_input
from slotrace.errors import SlotraceError

if TYPE_CHECKING:
    from slotrace.rules.heats import HeatPlan

EPILOG = """\
examples:
  slotrace heats mille-2025.slotrace
  slotrace heats entries.csv --capacity 6 --json
  slotrace heats mille-2025.slotrace --save        (store the plan; then: slotrace run)
  slotrace heats mille-2025.slotrace --driver arc  (heats for a Scalextric ARC base)

A Carrera control unit runs 6 cars at once (controller addresses 1..6); --driver NAME plans
for another control unit, with as many cars as its driver says a heat has. Every leg is run heat
by heat in start order; "RE-CODE" marks a car whose ID must be programmed before that heat
(first coding or a changed address). The day estimate is heats x heat length plus the
changeovers between heats.

--save stores the plan in the event file as planned heats, each with the laps its leg's
trials need; `slotrace run EVENT --next` then runs them in order. Saving needs the recorded
scrutineering (`slotrace scrutineer EVENT --record`: only passed cars are planned) and the
saved start list (`slotrace startlist EVENT --save`: the race numbers the start order gave).
Once a planned heat has run, saving a new plan needs --force, which keeps the planned heats
that finished as they ran (numbers, cars, journals, results) and re-plans only the rest: each
car for the legs it has not run yet, numbered around the heats that ran.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "heats", help="heats, controller IDs and re-coding plan",
        description="Split the start list into heats of at most the control unit's car "
        "capacity, assign controller addresses, list the re-codes and estimate the day.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(parser)
    parser.add_argument("--capacity", type=int, default=None,
                        help="cars per heat (default: the driver's with --driver, else the "
                        "event's car_capacity, 6)")
    parser.add_argument("--driver", metavar="NAME", default=None,
                        help="plan for the control units this installed driver runs: at most "
                        "its cars per heat (carrera 6, arc 6; `slotrace devices` lists the "
                        "drivers)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--save", action="store_true",
                        help="store the plan in the event file as planned heats")
    parser.add_argument("--force", action="store_true",
                        help="with --save: re-plan the heats not yet run of a plan whose heats "
                        "already started (the heats that ran are kept)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules.heats import plan_heats
    from slotrace.rules.model import format_race_number
    from slotrace.rules.startorder import make_start_list

    data = load_input(args)
    start = make_start_list(data.entries, data.event, data.verdicts())
    ran = _planned_heats_that_ran(args) if args.save and args.force else []
    capacity = _capacity(args.capacity, args.driver)
    plan = plan_heats(start, data.event, capacity, left_out=_left_out(args, ran))
    if ran:  # the new heats take the numbers the heats that ran do not use
        plan = _numbered_around(plan, {p.number for p in ran})
    number = {s.entry_no: s.race_number for s in start.slots}
    entries = {e.entry_no: e for e in data.entries}
    legs = data.event.legs
    if args.force and not args.save:
        raise SlotraceError("--force only goes with --save")
    if args.save:
        _save(args, data, plan)
    if args.json:
        print(json.dumps({
            "capacity": plan.capacity, "first_codings": plan.first_codings,
            "recodes": plan.recodes, "total_minutes": plan.total_minutes,
            "not_planned": [{"entry_no": m.entry_no, "reason": m.reason}
                            for m in plan.unplanned],
            "heats": [{"number": h.number, "leg": legs[h.leg].name if legs else None,
                       "cars": [{"address": s.address, "entry_no": s.entry_no,
                                 "race_number": number[s.entry_no], "recode": s.recode}
                                for s in h.slots]} for h in plan.heats],
        }, indent=2, ensure_ascii=False))
        return 0
    for leg_index in range(max(1, len(legs))):
        title = legs[leg_index].name if legs else "all cars"
        print(f"== Leg {leg_index + 1}: {title}")
        for heat in plan.heats_of_leg(leg_index):
            print(f"  Heat {heat.number}")
            for s in heat.slots:
                e = entries[s.entry_no]
                mark = "RE-CODE" if s.recode else "keep"
                print(f"    ID {s.address}  {mark:7}  #{format_race_number(number[s.entry_no])}"
                      f"  {e.car.marque} {e.car.model} ({e.entrant})")
    for missing in plan.unplanned:
        print(f"  not planned: entry {missing.entry_no} {entries[missing.entry_no].entrant}: "
              f"{missing.reason}")
    hours, minutes = divmod(round(plan.total_minutes), 60)
    print(f"\n{len(plan.heats)} heats of up to {plan.capacity} cars; {plan.first_codings} cars "
          f"coded before their first heat, {plan.recodes} re-codes after that.")
    print(f"Estimated day: {hours} h {minutes:02d} min ({plan.heat_minutes:g} min per heat + "
          f"{plan.changeover_minutes:g} min changeover)")
    if args.save:
        kept = ""
        if ran:
            numbers = ", ".join(str(p.number) for p in ran)
            kept = (f" (kept planned heat{'s' if len(ran) > 1 else ''} {numbers}, already run;"
                    f" re-planned the {len(plan.heats)} not yet run)")
        print(f"saved {len(plan.heats) + len(ran)} planned heats in {args.source}{kept}; "
              f"next: slotrace run {args.source} --next")
    return 0


def _capacity(capacity: int | None, driver: str | None) -> int | None:
    """Cars per heat: ``--capacity``, bounded by ``--driver``'s cars per heat (its default)."""
    if driver is None:
        return capacity
    from slotrace.drivers_api import load_driver

    per_heat = load_driver(driver).capabilities.cars_per_heat
    if capacity is not None and capacity > per_heat:
        raise SlotraceError(f"--capacity {capacity}: the {driver} driver runs at most "
                            f"{per_heat} cars in a heat")
    return per_heat if capacity is None else capacity


def _planned_heats_that_ran(args: argparse.Namespace) -> list[Any]:
    """The finished heats of the saved plan: ``--save --force`` keeps them as they ran."""
    from slotrace.store import EventFile, PlannedHeatStatus

    if args.source.suffix.lower() == ".csv":
        return []
    with EventFile.open(args.source, read_only=True) as event_file:
        return [p for p in event_file.planned_heats() if p.status is PlannedHeatStatus.FINISHED]


def _left_out(args: argparse.Namespace, ran: list[Any]) -> list[Any]:
    """The stewards' withdrawals and non-starters recorded in the event file (none for a CSV),
    and each car of a planned heat that ran for the leg it ran (it is not planned again)."""
    from slotrace.rules.heats import LeftOut
    from slotrace.store import EventFile

    if args.source.suffix.lower() == ".csv":
        return []
    with EventFile.open(args.source, read_only=True) as event_file:
        stewards = {out.entry_no: out for out in event_file.left_out()}
    legs_run: dict[int, dict[int, int]] = {}  # entry_no -> leg -> planned heat number
    for planned in ran:
        for entry_no in planned.cars.values():
            legs_run.setdefault(entry_no, {})[planned.leg] = planned.number
    for entry_no, legs in legs_run.items():
        why = "; ".join(f"already ran leg {leg + 1} in planned heat {number}"
                        for leg, number in sorted(legs.items()))
        decided = stewards.get(entry_no)
        if decided is not None and decided.legs is None:
            continue  # withdrawn from the whole event
        if decided is not None:
            stewards[entry_no] = LeftOut(entry_no, f"{decided.reason}; {why}",
                                         decided.legs | frozenset(legs))
        else:
            stewards[entry_no] = LeftOut(entry_no, why, frozenset(legs))
    return list(stewards.values())


def _numbered_around(plan: HeatPlan, taken: set[int]) -> HeatPlan:
    """``plan`` with its heats, in order, numbered 1, 2, ... skipping the numbers ``taken``."""
    free = (n for n in itertools.count(1) if n not in taken)
    heats = tuple(h.model_copy(update={"number": next(free)}) for h in plan.heats)
    return dataclasses.replace(plan, heats=heats)


def _save(args: argparse.Namespace, data: RulesInput, plan: HeatPlan) -> None:
    """Store ``plan`` as planned heats; refuses cars not passed or not numbered."""
    from slotrace.raceday import heat_settings
    from slotrace.rules.scrutineer import recorded_passes, require_passed
    from slotrace.store import EventFile, PlannedHeatSpec

    source = args.source
    if source.suffix.lower() == ".csv":
        raise SlotraceError("--save needs an event file, not a CSV")
    planned = sorted({s.entry_no for h in plan.heats for s in h.slots})
    require_passed(data.verdicts(), planned)
    with EventFile.open(source, writer="slotrace heats --save") as event_file:
        recorded = recorded_passes(event_file.verdicts())
        if not recorded:
            raise SlotraceError(f"{source}: no scrutineering recorded yet; run: slotrace "
                                f"scrutineer {source} --record")
        missing = [n for n in planned if n not in recorded]
        rejected = [n for n in planned if not recorded.get(n, True)]
        if missing or rejected:
            raise SlotraceError(
                f"{source}: cannot plan cars that were not recorded as passed at "
                f"scrutineering (not scrutineered: entries {missing or 'none'}; rejected: "
                f"entries {rejected or 'none'}); run: slotrace scrutineer {source} --record"
            )
        numbers = {e.entry_no: e.race_number for e in data.entries}
        unnumbered = [n for n in planned if numbers.get(n) is None]
        if unnumbered:
            raise SlotraceError(
                f"{source}: entries {', '.join(map(str, unnumbered[:10]))}"
                f"{' ...' if len(unnumbered) > 10 else ''} have no race number yet; the heats "
                f"follow the start order, so save it first: slotrace startlist {source} --save"
            )
        stages = {s["number"] for s in event_file.stages()}
        legs = data.event.legs
        specs = []
        for heat in plan.heats:
            leg = legs[heat.leg]
            specs.append(PlannedHeatSpec(
                name=f"Heat {heat.number} (leg {heat.leg + 1}: {leg.name})",
                plan=heat, config=heat_settings(heat, data.event, data.track),
                stage=heat.leg + 1 if heat.leg + 1 in stages else None,
            ))
        event_file.save_heat_plan(specs, force=args.force)
