"""Provides ``slotrace scrutineer``: eligibility checks E1-E11, one verdict per entry."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slotrace.errors import SlotraceError
from slotrace.rules.model import Entry, Event, Track

EPILOG = """\
examples:
  slotrace scrutineer mille-2025.slotrace
  slotrace scrutineer mille-2025.slotrace --json > verdicts.json
  slotrace scrutineer entries.csv --template mille-miglia-2020     (no event file needed)
  slotrace scrutineer mille-2025.slotrace --record --by "chief scrutineer"

Checks (reference §6.1): E1 scale, E2 register, E3 build year, E4 replica year, E5 livery,
E6 number format, E7 number placement, E8 detail, E9 unique number, E10 class, E11 period
decals. E1-E3, E6 and E9 always reject; the others reject in strict mode and warn in open
mode. Exit code 0 when every entry passed, 3 when some were rejected.
"""


@dataclass(frozen=True)
class RulesInput:
    """What the rules commands work on: the event, its track and its entries."""

    event: Event
    track: Track
    entries: list[Entry]
    source: str


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="EVENT", type=Path,
                        help="event file, or an entries .csv file")
    parser.add_argument("--template", default="mille-miglia-2020",
                        help="with a CSV: event template name or .toml (default: %(default)s)")
    parser.add_argument("--track", default=None,
                        help="with a CSV: track name or .toml (default: the template's track)")


def load_input(args: argparse.Namespace) -> RulesInput:
    """Event, track and entries from an event file or from an entries CSV plus a template."""
    from slotrace.rules import files

    source: Path = args.source
    if source.suffix.lower() == ".csv":
        if not source.is_file():
            raise SlotraceError(f"{source}: no such entries file")
        entries = list(files.load_entries_csv(source).entries)  # any encoding Excel saves
        event = files.load_template(args.template)
        track = files.load_track(args.track or event.track)
        return RulesInput(files.load_template(args.template, track), track, entries, str(source))
    from pydantic import ValidationError

    from slotrace.store import EventFile

    with EventFile.open(source, read_only=True) as event_file:
        definition = event_file.event_definition()
        raw_entries = event_file.entries()
        track = event_file.track() if definition.get("track") else None  # the stored copy
    try:
        event = Event.model_validate(definition)
        entries = [Entry.model_validate(e) for e in raw_entries]
    except ValidationError as exc:
        raise SlotraceError(f"{source}: the stored event or entries are not valid: {exc}") from None
    if not entries:
        raise SlotraceError(f"{source}: no entries yet; run: slotrace entries import "
                            f"{source} entries.csv")
    return RulesInput(event, track or files.load_track(event.track), entries, str(source))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scrutineer", help="check every entry's eligibility (E1-E11)",
        description="Scrutineer the entries of an event: one verdict per entry (PASSED, "
        "PASSED WITH WARNINGS or REJECTED with the reasons) and a summary. Cars that did "
        "not pass cannot be put on the grid.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--record", action="store_true",
                        help="also record the verdicts in the event file")
    parser.add_argument("--by", default="slotrace", help="who decided, for --record")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules.scrutineer import scrutineer, summarise

    data = load_input(args)
    verdicts = scrutineer(data.entries, data.event)
    summary = summarise(verdicts)
    if args.json:
        print(json.dumps({
            "source": data.source, "rules_mode": data.event.rules_mode.value,
            "verdicts": [{
                "entry_no": v.entry_no, "entry": v.label, "status": v.status,
                "class": v.class_code,
                "findings": [{"code": f.check.code, "check": f.check.value,
                              "severity": f.severity.value, "reason": f.reason}
                             for f in v.findings],
            } for v in verdicts],
            "summary": {"entries": summary.entries, "passed": summary.passed,
                        "passed_with_warnings": summary.warned,
                        "rejected": summary.rejected, "by_check": dict(summary.by_check)},
        }, indent=2, ensure_ascii=False))
    else:
        print(f"Scrutineering {data.source} ({data.event.rules_mode.value} mode)")
        for v in verdicts:
            print(f"{v.status:<21} {v.label}  [class {v.class_code or '-'}]")
            for f in v.findings:
                print(f"{'':<21}   {f.check.value}: {f.reason} ({f.severity.value})")
        by_check = ", ".join(f"{code} x{n}" for code, n in summary.by_check) or "none"
        print(f"\n{summary.entries} entries: {summary.passed} passed, {summary.warned} passed "
              f"with warnings, {summary.rejected} rejected (findings: {by_check})")
    if args.record:
        _record(args, verdicts)
    return 0 if summary.rejected == 0 else 3


def _record(args: argparse.Namespace, verdicts: Any) -> None:
    if args.source.suffix.lower() == ".csv":
        raise SlotraceError("--record needs an event file, not a CSV")
    from slotrace.store import EventFile

    with EventFile.open(args.source, writer="slotrace scrutineer --record") as event_file:
        for v in verdicts:
            if not v.findings:
                event_file.add_verdict(v.entry_no, "OK", "pass", "passed every check", args.by)
            for f in v.findings:
                event_file.add_verdict(v.entry_no, f.check.code, f.severity.value, f.reason,
                                       args.by)
