"""Provides ``slotrace entries``: import an entries CSV into an event file, or list entries."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from slotrace.errors import SlotraceError

EPILOG = """\
examples:
  slotrace entries import mille-2025.slotrace entries.csv
  slotrace entries list mille-2025.slotrace

The CSV has one row per entry, as a spreadsheet saves it: comma, semicolon or tab separated,
UTF-8 (with or without BOM) or Windows-1252, decimal commas (25,00) in semicolon files.
Headings ignore case and spacing and accept common names (Driver name, Marque/Make, cc,
Replica Year...); columns slotrace does not use are ignored with a note. Required columns:
entrant, nationality, marque, model, replica_year, build_year, displacement_cc,
category (S, GT or T), body_colour. Optional:
entry_no, race_number, co_driver, ladies_crew, team, supercharged, body_style (open/closed),
secondary_colours and number_positions (separated by ';', e.g. left;right;nose), has_driver,
has_glazing, has_interior, visible_mechanicals, modern_decals (yes/no), scale,
documented_livery_ref, replicated_entry_ref, entry_fee, pledge_sponsor, pledge_per_lap,
pledge_cap, pledge_fixed. A missing optional column is stated as a note with the default
every car gets (no number_positions column: left;right). Leading '#' lines are comments.
A sample with 82 entries ships as slotrace/rules/data/sample-entries.csv.
Any problem (misspelt column, bad number, duplicate number, unknown marque with the nearest
registered one) is listed by row and column and NOTHING is imported. Importing replaces the
event's entry list, which is refused once anything is recorded (verdicts, a heat plan, heats);
then use --add for late entries and --update to correct entries (number and verdicts kept).

Decisions (each with --reason and --by; listed by `slotrace stewards log EVENT`):
  slotrace entries withdraw mille-2025.slotrace 17 --reason "car broken" --by "clerk"
  slotrace entries dns mille-2025.slotrace 17 --leg 2 --reason "late" --by "clerk"
  slotrace entries reinstate mille-2025.slotrace 17 --reason "repaired" --by "clerk"
  slotrace entries swap-car mille-2025.slotrace 17 --set model="750 Sport" --reason "spare
      car" --by "chief scrutineer"
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "entries", help="import or list an event's entries",
        description="Import the entries of an event from a CSV file, or list them.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="import entries from a CSV file (replace, add or "
                             "update)")
    imp.add_argument("event", type=Path, metavar="EVENT", help="event file")
    imp.add_argument("csv", type=Path, metavar="CSV", help="entries CSV file")
    how = imp.add_mutually_exclusive_group()
    how.add_argument("--add", action="store_true",
                     help="add the CSV's rows as late entries (numbered after the highest)")
    how.add_argument("--update", action="store_true",
                     help="change the entries with the CSV's entry_no (race number and "
                     "verdicts kept)")
    imp.set_defaults(handler=run_import)
    lst = actions.add_parser("list", help="list the entries of an event file")
    lst.add_argument("event", type=Path, metavar="EVENT", help="event file")
    lst.set_defaults(handler=run_list)
    for action, help_text in DECISIONS.items():
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument("event", type=Path, metavar="EVENT", help="event file")
        sub.add_argument("entry", type=int, metavar="ENTRY", help="entry_no (see: entries list)")
        sub.add_argument("--reason", required=True, help="why (shown in the stewards' log)")
        sub.add_argument("--by", required=True, help="who decided (e.g. 'clerk of the course')")
        if action == "dns":
            sub.add_argument("--leg", type=int, metavar="N",
                             help="only leg N (1-based; default: the whole event)")
        if action == "swap-car":
            sub.add_argument("--set", action="append", required=True, metavar="FIELD=VALUE",
                             dest="fields", help="a field of the new car, e.g. model=750 "
                             "(repeat; the others are kept)")
        sub.set_defaults(handler=run_decision, decision=action)


DECISIONS = {
    "withdraw": "withdraw an entry (left out of heats not yet run)",
    "reinstate": "undo a withdrawal or non-start",
    "dns": "mark an entry a non-starter (the event, or one leg)",
    "swap-car": "record a car swap (the entry keeps its number and verdicts)",
}


def run_import(args: argparse.Namespace) -> int:
    from slotrace.rules.files import load_entries_csv
    from slotrace.store import EventFile

    if not args.csv.is_file():
        raise SlotraceError(f"{args.csv}: no such entries file")
    read = load_entries_csv(args.csv)
    entries = list(read.entries)
    with EventFile.open(args.event, writer="slotrace entries import") as event_file:
        if args.add:
            numbers = event_file.add_entries(entries)
            done = f"added {len(numbers)} late entries (entry_no {_span(numbers)})"
        elif args.update:
            numbers = event_file.update_entries(entries)
            done = f"updated {len(numbers)} entries (race numbers and verdicts kept)"
        else:
            event_file.set_entries(entries)  # refused once anything is recorded
            done = f"imported {len(entries)} entries"
    for warning in read.warnings:
        print(f"note: {warning}")
    print(f"{done} from {args.csv} ({read.delimiter.label}-separated, {read.encoding}) into "
          f"{args.event}")
    print(f"next: slotrace scrutineer {args.event}")
    return 0


def _span(numbers: list[int]) -> str:
    if not numbers:
        return "none"
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}..{numbers[-1]}"


def run_decision(args: argparse.Namespace) -> int:
    from slotrace.store import EntryAction, EventFile

    action = {"withdraw": EntryAction.WITHDRAW, "reinstate": EntryAction.REINSTATE,
              "dns": EntryAction.DNS, "swap-car": EntryAction.CAR_SWAP}[args.decision]
    car: dict[str, Any] | None = None
    if action is EntryAction.CAR_SWAP:
        car = {}
        for item in args.fields:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise SlotraceError(f"--set {item!r}: expected FIELD=VALUE, e.g. model=750")
            car[key.strip()] = value.strip()
    leg = args.leg - 1 if getattr(args, "leg", None) else None
    with EventFile.open(args.event, writer=f"slotrace entries {args.decision}") as event_file:
        if car is not None:
            _check_car(event_file, args.entry, car)
        decision = event_file.decide_entry(args.entry, action, reason=args.reason,
                                           author=args.by, leg=leg, car=car)
    where = f" in leg {args.leg}" if leg is not None else ""
    print(f"entry {decision.entry_no}: {args.decision}{where} recorded ({decision.reason!r}, "
          f"by {decision.author}); see: slotrace stewards log {args.event}")
    return 0


def _check_car(event_file: Any, entry_no: int, car: dict[str, Any]) -> None:
    """Refuse a swap whose car the rules would not accept (names the field)."""
    from pydantic import ValidationError

    from slotrace.rules.model import Entry

    entry = next((e for e in event_file.entries() if e["entry_no"] == entry_no), None)
    if entry is None:
        return  # the store names the unknown entry
    try:
        checked = Entry.model_validate({**entry, "car": {**entry["car"], **car}})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}"
                             for e in exc.errors())
        raise SlotraceError(f"swap-car of entry {entry_no}: {problems} (nothing changed)") from None
    car.update({k: v for k, v in checked.car.model_dump(mode="json").items() if k in car})


def run_list(args: argparse.Namespace) -> int:
    from slotrace.store import EventFile

    with EventFile.open(args.event, read_only=True) as event_file:
        entries = event_file.entry_models()
    for e in entries:
        print(f"{e.entry_no:>4}  {e.label}  {e.nationality}  {e.car.replica_year}")
    print(f"{len(entries)} entries")
    return 0
