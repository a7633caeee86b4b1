"""Provides ``slotrace heats``: heats of at most the car capacity and the re-coding plan."""

from __future__ import annotations

import argparse
import json
from typing import Any

from slotrace.cli.scrutineer import add_input_arguments, load_input

EPILOG = """\
examples:
  slotrace heats mille-2025.slotrace
  slotrace heats entries.csv --capacity 6 --json

A Carrera control unit runs 6 cars at once (controller addresses 1..6). Every leg is run heat
by heat in start order; "RE-CODE" marks a car whose ID must be programmed before that heat
(first coding or a changed address). The day estimate is heats x heat length plus the
changeovers between heats.
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
                        help="cars per heat (default: the event's car_capacity, 6)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules.heats import plan_heats
    from slotrace.rules.model import format_race_number
    from slotrace.rules.scrutineer import scrutineer
    from slotrace.rules.startorder import make_start_list

    data = load_input(args)
    start = make_start_list(data.entries, data.event, scrutineer(data.entries, data.event))
    plan = plan_heats(start, data.event, args.capacity)
    number = {s.entry_no: s.race_number for s in start.slots}
    entries = {e.entry_no: e for e in data.entries}
    legs = data.event.legs
    if args.json:
        print(json.dumps({
            "capacity": plan.capacity, "first_codings": plan.first_codings,
            "recodes": plan.recodes, "total_minutes": plan.total_minutes,
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
    hours, minutes = divmod(round(plan.total_minutes), 60)
    print(f"\n{len(plan.heats)} heats of up to {plan.capacity} cars; {plan.first_codings} cars "
          f"coded before their first heat, {plan.recodes} re-codes after that.")
    print(f"Estimated day: {hours} h {minutes:02d} min ({plan.heat_minutes:g} min per heat + "
          f"{plan.changeover_minutes:g} min changeover)")
    return 0
