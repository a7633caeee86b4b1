"""Provides ``slotrace scrutineer``: eligibility checks E1-E11, one verdict per entry."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slotrace.errors import SlotraceError
from slotrace.rules.model import Entry, Event, Track

if TYPE_CHECKING:
    from slotrace.rules.scrutineer import Override, Verdict

EPILOG = """\
examples:
  slotrace scrutineer mille-2025.slotrace
  slotrace scrutineer mille-2025.slotrace --json > verdicts.json
  slotrace scrutineer entries.csv --template mille-miglia-2020     (no event file needed)
  slotrace scrutineer mille-2025.slotrace --record --by "chief scrutineer"
  slotrace scrutineer mm.slotrace --override 11 --pass --by "A. Rossi" --reason "in register"
  slotrace scrutineer mm.slotrace --override '#722' --reject --by "A. Rossi" --reason "no ballast"
  slotrace scrutineer mm.slotrace --override 11 --clear --by "A. Rossi" --reason "recorded in error"

--override ENTRY (an entry_no, or a race number as #722) records the chief scrutineer's
decision on one car with why (--reason) and who took it (--by), both required. It wins over
the automatic checks for that car in the start list, the heat plan, the results and this
report (shown OVERRIDDEN, with who and why), also after a later --record; a newer override of
the same car replaces it, and every override stays listed in the event file's verdicts.
--override ENTRY --clear (with --by and --reason, recorded the same way) removes the car's
override: the automatic checks decide for it again. A car without an override is an error.

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
    overrides: dict[int, Override] = field(default_factory=dict)

    def verdicts(self) -> tuple[Verdict, ...]:
        """Every entry's verdict: the automatic checks, an override recorded for a car wins."""
        from slotrace.rules.scrutineer import apply_overrides, scrutineer

        return apply_overrides(scrutineer(self.entries, self.event), self.overrides)


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
    from slotrace.rules.scrutineer import recorded_overrides
    from slotrace.store import EventFile

    with EventFile.open(source, read_only=True) as event_file:
        event = event_file.event_model()  # typed read models: errors name entry and field
        if event is None:
            raise SlotraceError(f"{source}: the event file has no event definition (it was "
                                "not made from a template with slotrace new)")
        entries = event_file.entry_models()
        overrides = recorded_overrides(event_file.verdicts())
        track = event_file.track()  # the stored copy (or the track the event names)
    if not entries:
        raise SlotraceError(f"{source}: no entries yet; run: slotrace entries import "
                            f"{source} entries.csv")
    return RulesInput(event, track, entries, str(source), overrides)


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
    parser.add_argument("--by", default=None,
                        help="who decided: for --record (default: slotrace), required with "
                        "--override")
    override = parser.add_argument_group("chief scrutineer's override of one car")
    override.add_argument("--override", metavar="ENTRY",
                          help="entry_no (or #race number) of the car to decide on")
    decision = override.add_mutually_exclusive_group()
    decision.add_argument("--pass", dest="verdict", action="store_const", const="pass",
                          help="let the car start whatever the checks found")
    decision.add_argument("--reject", dest="verdict", action="store_const", const="reject",
                          help="keep the car off the grid whatever the checks found")
    decision.add_argument("--clear", dest="verdict", action="store_const", const="clear",
                          help="remove the car's override: the checks decide again")
    override.add_argument("--reason", help="why (required with --override)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slotrace.rules.scrutineer import summarise

    if args.override is None and (args.verdict or args.reason):
        raise SlotraceError("--pass, --reject, --clear and --reason go with --override ENTRY")
    if args.override is not None:
        return _override(args)
    data = load_input(args)
    verdicts = data.verdicts()
    summary = summarise(verdicts)
    if args.json:
        print(json.dumps({
            "source": data.source, "rules_mode": data.event.rules_mode.value,
            "verdicts": [{
                "entry_no": v.entry_no, "entry": v.label, "status": v.status,
                "class": v.class_code, "passed": v.passed,
                "override": None if v.override is None else {
                    "passed": v.override.passed, "reason": v.override.reason,
                    "by": v.override.author, "at": v.override.decided_at},
                "findings": [{"code": f.check.code, "check": f.check.value,
                              "severity": f.severity.value, "reason": f.reason}
                             for f in v.findings],
            } for v in verdicts],
            "summary": {"entries": summary.entries, "passed": summary.passed,
                        "passed_with_warnings": summary.warned,
                        "rejected": summary.rejected, "overridden": summary.overridden,
                        "by_check": dict(summary.by_check)},
        }, indent=2, ensure_ascii=False))
    else:
        print(f"Scrutineering {data.source} ({data.event.rules_mode.value} mode)")
        for v in verdicts:
            _print_verdict(v)
        by_check = ", ".join(f"{code} x{n}" for code, n in summary.by_check) or "none"
        overridden = f", {summary.overridden} overridden" if summary.overridden else ""
        print(f"\n{summary.entries} entries: {summary.passed} passed, {summary.warned} passed "
              f"with warnings, {summary.rejected} rejected{overridden} (findings: {by_check})")
    if args.record:
        _record(args, verdicts)
    return 0 if summary.rejected == 0 else 3


def _print_verdict(v: Verdict) -> None:
    print(f"{v.status:<21} {v.label}  [class {v.class_code or '-'}]")
    for f in v.findings:
        print(f"{'':<21}   {f.check.value}: {f.reason} ({f.severity.value})")
    if v.override is not None:
        print(f"{'':<21}   OVERRIDE: {v.override}")


def _find_entry(text: str, entries: list[Entry], source: Path) -> int:
    """``ENTRY`` of --override: an entry_no, or a race number written #722."""
    by_number = {e.race_number: e.entry_no for e in entries if e.race_number is not None}
    known = {e.entry_no for e in entries}
    try:
        if text.startswith("#"):
            number = int(text[1:])
            if number in by_number:
                return by_number[number]
            raise SlotraceError(f"{source}: no entry carries race number {text}")
        entry_no = int(text)
    except ValueError:
        raise SlotraceError(f"--override {text!r}: give an entry_no (e.g. 11) or a race "
                            "number (e.g. #722)") from None
    if entry_no not in known:
        raise SlotraceError(f"{source}: has no entry {entry_no} (entries {min(known)}-"
                            f"{max(known)}; a race number is written #722)")
    return entry_no


def _override(args: argparse.Namespace) -> int:
    """Record the chief scrutineer's decision on one car; print its verdict now."""
    from slotrace.rules.scrutineer import (
        OVERRIDE_CLEARED,
        OVERRIDE_CODE,
        recorded_overrides,
    )
    from slotrace.store import EventFile

    if args.source.suffix.lower() == ".csv":
        raise SlotraceError("--override needs an event file, not a CSV (it is recorded there)")
    if args.verdict is None:
        raise SlotraceError("--override needs --pass or --reject (or --clear to remove the "
                            "car's override)")
    if args.record:
        raise SlotraceError("--override and --record are separate steps; run them one by one")
    data = load_input(args)
    entry_no = _find_entry(args.override, data.entries, args.source)
    reason, by = (args.reason or "").strip(), (args.by or "").strip()
    clearing = args.verdict == OVERRIDE_CLEARED
    if not reason or not by:
        raise SlotraceError(f"--override {args.override}: say why with --reason \"...\" and who "
                            "decided with --by \"...\"")
    with EventFile.open(args.source, writer="slotrace scrutineer --override") as event_file:
        if clearing and entry_no not in recorded_overrides(event_file.verdicts()):
            raise SlotraceError(f"{args.source}: entry {entry_no} has no chief scrutineer's "
                                "override to clear; nothing was recorded")
        event_file.add_verdict(entry_no, OVERRIDE_CODE, args.verdict, reason, by)
    verdict = next(v for v in load_input(args).verdicts() if v.entry_no == entry_no)
    if args.json:
        print(json.dumps({"entry_no": entry_no, "status": verdict.status,
                          "passed": verdict.passed, "cleared": clearing, "reason": reason,
                          "by": by}, indent=2, ensure_ascii=False))
    else:
        if clearing:
            print(f"recorded in {args.source}: override of entry {entry_no} cleared by {by}: "
                  f"{reason}; the checks decide again:")
        else:
            print(f"recorded in {args.source}:")
        _print_verdict(verdict)
    return 0


def _record(args: argparse.Namespace, verdicts: Any) -> None:
    if args.source.suffix.lower() == ".csv":
        raise SlotraceError("--record needs an event file, not a CSV")
    from slotrace.store import EventFile

    by = args.by or "slotrace"
    with EventFile.open(args.source, writer="slotrace scrutineer --record") as event_file:
        for v in verdicts:
            if not v.findings:
                event_file.add_verdict(v.entry_no, "OK", "pass", "passed every check", by)
            for f in v.findings:
                event_file.add_verdict(v.entry_no, f.check.code, f.severity.value, f.reason,
                                       by)
