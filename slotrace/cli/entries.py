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
event's entry list.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "entries", help="import or list an event's entries",
        description="Import the entries of an event from a CSV file, or list them.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="replace the entries with those of a CSV file")
    imp.add_argument("event", type=Path, metavar="EVENT", help="event file")
    imp.add_argument("csv", type=Path, metavar="CSV", help="entries CSV file")
    imp.set_defaults(handler=run_import)
    lst = actions.add_parser("list", help="list the entries of an event file")
    lst.add_argument("event", type=Path, metavar="EVENT", help="event file")
    lst.set_defaults(handler=run_list)


def run_import(args: argparse.Namespace) -> int:
    from slotrace.rules.files import load_entries_csv
    from slotrace.store import EventFile

    if not args.csv.is_file():
        raise SlotraceError(f"{args.csv}: no such entries file")
    read = load_entries_csv(args.csv)
    entries = list(read.entries)
    with EventFile.open(args.event, writer="slotrace entries import") as event_file:
        event_file.set_entries(entries)
    for warning in read.warnings:
        print(f"note: {warning}")
    print(f"imported {len(entries)} entries from {args.csv} ({read.delimiter.label}-separated, "
          f"{read.encoding}) into {args.event}")
    print(f"next: slotrace scrutineer {args.event}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from slotrace.rules.model import Entry
    from slotrace.store import EventFile

    with EventFile.open(args.event, read_only=True) as event_file:
        entries = [Entry.model_validate(e) for e in event_file.entries()]
    for e in entries:
        print(f"{e.entry_no:>4}  {e.label}  {e.nationality}  {e.car.replica_year}")
    print(f"{len(entries)} entries")
    return 0
