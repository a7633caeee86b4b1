"""Provides ``slotrace startlist``: start order and start-time race numbers of the passed cars."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from slotrace.cli.scrutineer import add_input_arguments, load_input
from slotrace.errors import SlotraceError

if TYPE_CHECKING:
    from slotrace.rules.startorder import StartList

EPILOG = """\
examples:
  slotrace startlist mille-2025.slotrace
  slotrace startlist entries.csv --json
  slotrace startlist mille-2025.slotrace --save    (store the race numbers in the event file)

Historic mode (1949-1957): smallest classes first, Touring before GT before Sport, a seeded
draw inside a class; the race number is the start time HHMM on the virtual race clock
(#722 = 07:22, #006 = 00:06). Numbers an entry already carries, and numbers the organiser
pinned in the event (e.g. an auctioned #1), keep their time. Only cars that passed
scrutineering are on the list.

--save writes the race numbers into the event file's entries. Save before planning heats:
the heats follow the start order, and stored numbers keep every car's start time (and so its
place in the order) however the entry list changes later. Once heats have run, --save needs
--force (the numbers in earlier results would change).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "startlist", help="start order and start-time race numbers",
        description="Make the start list: order, race numbers, virtual start clock and the "
        "real release time of every car that passed scrutineering.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--save", action="store_true",
                        help="store the race numbers in the event file's entries")
    parser.add_argument("--force", action="store_true",
                        help="with --save: renumber even though heats have run")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules.model import format_race_number
    from slotrace.rules.startorder import make_start_list

    data = load_input(args)
    start = make_start_list(data.entries, data.event, data.verdicts())
    labels = {e.entry_no: e for e in data.entries}
    if args.force and not args.save:
        raise SlotraceError("--force only goes with --save")
    if args.save:
        _save(args, start)
    if args.json:
        print(json.dumps({
            "mode": start.mode.value,
            "slots": [{"position": s.position, "entry_no": s.entry_no,
                       "race_number": s.race_number, "clock": s.clock, "start_s": s.start_s,
                       "real_offset_s": s.real_offset_s, "class": s.class_code,
                       "pinned": s.pinned} for s in start.slots],
            "not_started": list(start.excluded),
            "not_started_reasons": {m.entry_no: m.reason for m in start.not_placed},
        }, indent=2, ensure_ascii=False))
        return 0
    print(f"Start list ({start.mode.value} mode), {len(start.slots)} cars")
    print(f"{'pos':>3}  {'no.':>4}  {'clock':8}  {'release':>8}  {'class':8}  entry")
    for s in start.slots:
        e = labels[s.entry_no]
        crew = e.entrant + (f" / {e.co_driver}" if e.co_driver else "")
        release = f"+{s.real_offset_s:,.0f} s"
        pin = " (pinned)" if s.pinned else ""
        print(f"{s.position:>3}  {format_race_number(s.race_number):>4}  {s.clock:8}  "
              f"{release:>8}  {s.class_code or '-':8}  {crew} ({e.car.marque} {e.car.model} "
              f"{e.car.replica_year}){pin}")
    for missing in start.not_placed:
        print(f"not started: entry {missing.entry_no} {labels[missing.entry_no].entrant}: "
              f"{missing.reason}")
    if args.save:
        print(f"saved the race numbers of {len(start.slots)} cars in {args.source}; "
              f"next: slotrace heats {args.source} --save")
    return 0


def _save(args: argparse.Namespace, start: StartList) -> None:
    """Write the start list's race numbers into the event file's entries (all or nothing)."""
    from slotrace.store import EventFile

    if args.source.suffix.lower() == ".csv":
        raise SlotraceError("--save needs an event file, not a CSV")
    with EventFile.open(args.source, writer="slotrace startlist --save") as event_file:
        ran = event_file.heats()
        if ran and not args.force:
            raise SlotraceError(
                f"{args.source}: {len(ran)} heats have already run with the current race "
                "numbers; renumbering would change earlier results. Use --force to renumber "
                "anyway"
            )
        event_file.set_race_numbers({s.entry_no: s.race_number for s in start.slots})
