"""Provides ``slotrace charity``: record, revoke and list the money raised on the day."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from slotrace.rules.charity import MoneyKind
from slotrace.store import EventFile, EventFileError, EventFileLockedError
from slotrace.store.charity import add_money, raised_line, raised_on_the_day, revoke_money
from slotrace.store.export_formats import charity_text_lines
from slotrace.store.report_model import info_line
from slotrace.store.results import build_report

EPILOG = """\
examples:
  slotrace charity mille-2025.slotrace add --auction 150 --who "M. Rossi" --note "race number #1"
  slotrace charity mille-2025.slotrace add --bucket 83.40 --who "paddock bucket" --by "Anna"
  slotrace charity mille-2025.slotrace add --donation 50 --who "Bar Sport"
  slotrace charity mille-2025.slotrace revoke 2 --reason "counted twice"
  slotrace charity mille-2025.slotrace list

Every record keeps who gave the money, who recorded it and when. Nothing is ever deleted: a
mistake is revoked with a reason and stays listed, no longer counted. The totals (entry fees,
pledges per lap, auctions, donations, buckets) are the same as in `slotrace results`.
Recording needs the event file's writer lock: while race control has the file open, record
the money in race control (press m, Money, on any of its screens), or wait until race
control is closed.
"""

RACE_CONTROL_MONEY_KEY = "m"
"""Race control's key for the charity dialog (`slotrace.tui.app.SlotraceApp`)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "charity", help="record auctions, donations and bucket money raised on the day",
        description="Record, revoke and list the money raised for the charity on the day.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="event file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="record an auction result, a donation or a bucket")
    kind = add.add_mutually_exclusive_group(required=True)
    for money in MoneyKind:
        kind.add_argument(f"--{money.value}", metavar="AMOUNT",
                          help=f"the amount of the {money.value} (e.g. 150 or 12.50)")
    add.add_argument("--who", required=True,
                     help="the winning bidder or donor (for a bucket: which bucket or who counted)")
    add.add_argument("--note", default="", help="what for, e.g. 'race number #1'")
    add.add_argument("--by", default="organiser", help="who records it (default: organiser)")
    add.set_defaults(handler=run_add)

    revoke = actions.add_parser("revoke", help="take back a record (it stays listed)")
    revoke.add_argument("id", type=int, metavar="ID", help="the record's number (see list)")
    revoke.add_argument("--reason", required=True, help="why, e.g. 'counted twice'")
    revoke.add_argument("--by", default="organiser", help="who revokes it (default: organiser)")
    revoke.set_defaults(handler=run_revoke)

    listing = actions.add_parser("list", help="the totals and every record")
    listing.set_defaults(handler=run_list)


def _open_for_writing(path: Path, doing: str) -> EventFile:
    """The event file opened for writing; while race control holds it, says what to do."""
    try:
        return EventFile.open(path, writer="slotrace charity")
    except EventFileLockedError as exc:
        holder = exc.holder
        if holder is None or "race control" not in holder.program:
            raise
        instead = (f"record the money in race control: press {RACE_CONTROL_MONEY_KEY} (Money) "
                   "on any of its screens, or wait until race control is closed and run this "
                   "again" if doing == "record" else
                   f"take it back in race control: press {RACE_CONTROL_MONEY_KEY} (Money), then "
                   "Take back, or wait until race control is closed and run this again")
        done = "recorded" if doing == "record" else "revoked"
        raise EventFileError(
            path, f"race control has this event file open ({holder.describe()}), so nothing "
            f"was {done} here. To go on, {instead}") from exc


def run_add(args: argparse.Namespace) -> int:
    kind, amount = next((k, getattr(args, k.value)) for k in MoneyKind
                        if getattr(args, k.value) is not None)
    with _open_for_writing(args.file, "record") as event_file:
        money = add_money(event_file, kind, amount, who=args.who, note=args.note,
                          author=args.by)
        raised = raised_on_the_day(event_file)
    print(f"recorded #{money.id}: {money.kind} {money.amount:,.2f} from {money.who} "
          f"({money.recorded_at}, by {money.author})")
    print(raised_line(raised))
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    with _open_for_writing(args.file, "revoke") as event_file:
        revocation = revoke_money(event_file, args.id, reason=args.reason, author=args.by)
    print(f"revoked #{revocation.revokes} ({revocation.reason}; record #{revocation.id}, "
          f"by {revocation.author})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with EventFile.open(args.file, read_only=True) as event_file:
        report = build_report(event_file)
    print(report["event"])
    if info_line(report):
        print(info_line(report))
    print("\n".join(charity_text_lines(report)))
    return 0
