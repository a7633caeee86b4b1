"""Provides ``slotrace new``: create an event file from an event template and a track."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from slotrace.store import EventFile

EPILOG = """\
examples:
  slotrace new mille-2025.slotrace
  slotrace new mille-2025.slotrace --name "Mini Mille Miglia 2025 (Alzheimer's Research)"
  slotrace new club.slotrace --template my-event.toml --track my-track.toml
  slotrace new club-night.slotrace --rules-mode open     # scrutineering only warns

The event file is one SQLite file holding the event definition, the track and the template
(copied in, so the track file is no longer needed), entries, scrutineering, heats, the race
journal and the stewards' log. Copy it to back up or hand over the event: it runs from any
folder or laptop.
It is never overwritten: choose a new name for a new event.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new",
        help="create a new event file",
        description="Create a new event file from an event template (legs, trials, "
        "classification and charity settings) checked against a track.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="event file to create")
    parser.add_argument(
        "--template",
        default="mille-miglia-2020",
        help="shipped template name or a .toml file (default: mille-miglia-2020)",
    )
    parser.add_argument(
        "--track",
        default=None,
        help="shipped track name or a .toml file (default: the template's own track)",
    )
    parser.add_argument("--name", help="event name (default: the template's name)")
    parser.add_argument(
        "--rules-mode", choices=("strict", "open"), default=None,
        help="scrutineering: strict rejects cars failing E4/E5/E7/E8/E11, open only warns "
        "(default: the template's mode)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules import files

    template = files.load_template(args.template)
    track = files.load_track(args.track or template.track)
    event = files.load_template(args.template, track)  # checks every place is on the track
    changes: dict[str, Any] = {"track": args.track} if args.track else {}
    if args.name:
        changes["name"] = args.name
    if args.rules_mode:
        from slotrace.rules.model import RulesMode

        changes["rules_mode"] = RulesMode(args.rules_mode)
    if changes:
        event = event.model_copy(update=changes)
    # the track and the template go into the file: a copy of it runs on another laptop
    stored = {"track": track, "template": {"source": str(args.template),
                                           "event": template.model_dump(mode="json")}}
    with EventFile.create(args.file, event, name=event.name, writer="slotrace new",
                          meta=stored) as event_file:
        for number, leg in enumerate(event.legs, start=1):  # stage N = leg N
            event_file.set_stage(number, leg.name, leg)
        print(
            f"created {event_file.path}: {event_file.name!r}, {len(event.legs)} legs on track "
            f"{track.name!r} (schema {event_file.schema_version})"
        )
    print(f"next: slotrace entries import {args.file} entries.csv")
    return 0
