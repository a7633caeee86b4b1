"""Provides ``slotrace journal``: export a heat's raw journal as a ``slotrace record`` file."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slotrace.store import EventFile
from slotrace.store.outputs import check_target, write_output

EPILOG = """\
examples:
  slotrace journal mille-2025.slotrace                 list heats and journal sizes
  slotrace journal mille-2025.slotrace --heat 3 -o heat3.jsonl
  slotrace replay heat3.jsonl --session race --laps 20

The output has one JSON record per line, exactly as `slotrace record` writes it (the
driver event or race-control command, plus "received": the wall time it was journaled,
and "seq": its journal sequence number), so `slotrace replay` reads it. The event file is
opened read-only: this works while a race is being written.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "journal",
        help="list heats or export a heat's raw journal (JSON lines)",
        description="Export the raw journal of one heat in the `slotrace record` format, or "
        "list the heats of an event file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="event file")
    parser.add_argument("--heat", type=int, help="heat id to export (see the list)")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="OUT.jsonl", help="write here (default: stdout)"
    )
    parser.set_defaults(handler=run)


def _received(wall_ms: int) -> str:
    return datetime.fromtimestamp(wall_ms / 1000, UTC).isoformat(timespec="milliseconds")


def run(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_target(args.output, protected=[args.file])
    with EventFile.open(args.file, read_only=True) as event_file:
        if args.heat is None:
            for heat in event_file.heats():
                events = sum(1 for _ in event_file.journal(heat.id))
                print(f"heat {heat.id}: {heat.name!r} {heat.status} ({events} journal entries)")
            return 0
        event_file.heat(args.heat)  # a clear error for an unknown heat
        lines = [
            json.dumps({**entry.record, "received": _received(entry.wall_ms), "seq": entry.seq})
            for entry in event_file.journal(args.heat)
        ]
    text = "".join(line + "\n" for line in lines)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_output(args.output, text, protected=[args.file])
        print(f"wrote {len(lines)} records of heat {args.heat} to {args.output}", file=sys.stderr)
    return 0
