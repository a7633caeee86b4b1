"""Provides ``slotrace stewards``: the stewards' log of an event, and voiding or reopening heats."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EPILOG = """\
examples:
  slotrace stewards log mille-2025.slotrace
  slotrace stewards log mille-2025.slotrace --json
  slotrace stewards void-heat mille-2025.slotrace 6 --reason "lane 2 power cut" --by "clerk"
  slotrace run mille-2025.slotrace --next --device carrera:/dev/ttyUSB0    # runs it again
  slotrace stewards reopen-heat mille-2025.slotrace 4 --reason "missed lap of #722"

log lists every decision on entries (withdraw, reinstate, dns, swap-car: made with
`slotrace entries ...`) and on heats (void, reopen), oldest first, with who took it, when
and why. Race-control decisions inside a heat (flags, penalties) are in each heat's own log:
`slotrace results EVENT`.

void-heat N: heat N no longer counts (it is marked aborted); its journal is kept as it was
and the heat stays listed. If it came from the saved heat plan, that planned heat is run again
by the next `slotrace run EVENT --next` (or from race control) as a new heat.
reopen-heat N: a finished heat is marked running again, so the next `slotrace open` resumes
it from its journal for the stewards to correct it in race control (l lap fix, x penalty,
v revoke; nothing is replaced). `slotrace run` cannot take corrections: it refuses such a
heat (naming it and why it was reopened) instead of finishing it again unchanged.
Heat numbers are the heat ids shown by `slotrace results` and `slotrace journal`.

Both need --reason and write the event file, so they are refused while race control or
`slotrace run` has it open (the message names who); log only reads and works meanwhile.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stewards", help="the stewards' log; void or reopen a heat",
        description="Read the stewards' log of an event, or void or reopen a heat, each as a "
        "recorded decision with a reason.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    log = actions.add_parser("log", help="list the decisions on entries and heats",
                             description="List every decision on entries and heats, oldest "
                             "first, with who took it, when and why.")
    log.add_argument("event", type=Path, metavar="EVENT", help="event file")
    log.add_argument("--json", action="store_true", help="print JSON instead of text")
    log.set_defaults(handler=run_log)
    for action, help_text in HEAT_ACTIONS.items():
        sub = actions.add_parser(action, help=help_text, description=help_text + ".")
        sub.add_argument("event", type=Path, metavar="EVENT", help="event file")
        sub.add_argument("heat", type=int, metavar="N", help="heat id (see: slotrace results)")
        sub.add_argument("--reason", required=True, help="why (shown in the stewards' log)")
        sub.add_argument("--by", default="stewards",
                         help="who decided (default: %(default)s)")
        sub.set_defaults(handler=run_heat_decision, decision=action)


HEAT_ACTIONS = {
    "void-heat": "void a heat: it no longer counts and its planned heat runs again",
    "reopen-heat": "reopen a finished heat so that it is resumed and corrected",
}


def _labels(event_file: Any) -> tuple[dict[int, str], dict[int, str]]:
    """entry_no -> "#722 Stirling Moss", heat id -> its name."""
    from slotrace.rules.model import format_race_number

    entries = {}
    for e in event_file.entries():
        number = e.get("race_number")
        shown = f"#{format_race_number(number)} " if number is not None else ""
        entries[e["entry_no"]] = f"{shown}{e.get('entrant', '')}".strip()
    return entries, {h.id: h.name for h in event_file.heats()}


def run_log(args: argparse.Namespace) -> int:
    from slotrace.store import EventFile

    with EventFile.open(args.event, read_only=True) as event_file:
        log = event_file.decision_log()
        entries, heats = _labels(event_file)
    if args.json:
        print(json.dumps([{
            "id": d.id, "kind": d.kind, "subject": d.subject,
            "label": entries.get(d.subject) if d.kind == "entry" else heats.get(d.subject),
            "action": d.action, "leg": None if d.leg is None else d.leg + 1,
            "reason": d.reason, "by": d.author, "at": d.decided_at, "detail": d.detail,
        } for d in log], indent=2, ensure_ascii=False))
        return 0
    if not log:
        print(f"{args.event}: no decisions on entries or heats yet")
        return 0
    for d in log:
        when = f"{d.decided_at[:19].replace('T', ' ')} UTC"  # to the second
        if d.kind == "entry":
            what = f"entry {d.subject} {entries.get(d.subject, '')}".rstrip()
            action = {"car_swap": "swap-car"}.get(d.action, d.action)
            if d.leg is not None:
                action += f" (leg {d.leg + 1})"
        else:
            what = f"heat {d.subject} {heats.get(d.subject, '')}".rstrip()
            action = f"{d.action}-heat"
        print(f"{when}  {action:<14} {what}: {d.reason} (by {d.author})")
        if d.detail.get("new_car"):
            old, new = d.detail.get("old_car", {}), d.detail["new_car"]
            changed = ", ".join(f"{k} {old.get(k)!r} -> {v!r}" for k, v in new.items()
                                if old.get(k) != v)
            print(f"{'':<37}car: {changed or 'unchanged'}")
    print(f"{len(log)} decision{'s' if len(log) != 1 else ''}")
    return 0


def run_heat_decision(args: argparse.Namespace) -> int:
    from slotrace.errors import SlotraceError
    from slotrace.store import EventFile

    if not args.reason.strip():
        raise SlotraceError(f"{args.decision}: say why with --reason \"...\" (it is shown in "
                            "the stewards' log; nothing changed)")
    with EventFile.open(args.event, writer="slotrace stewards") as event_file:
        heat = event_file.heat(args.heat)
        rows = len(list(event_file.journal(heat.id)))
        if args.decision == "void-heat":
            decision = event_file.void_heat(heat.id, reason=args.reason, author=args.by)
        else:
            decision = event_file.reopen_heat(heat.id, reason=args.reason, author=args.by)
        planned = next((p for p in event_file.planned_heats() if p.heat_id == heat.id), None)
    print(f"heat {heat.id} ({heat.name}): {decision.action} recorded ({decision.reason!r}, by "
          f"{decision.author}); its journal of {rows} rows is kept")
    if args.decision == "void-heat":
        if planned is not None:
            print(f"planned heat {planned.number} will run again as a new heat: slotrace run "
                  f"{args.event} --heat {planned.number} (or --next when it is its turn)")
        else:
            print("it is no longer counted in the results")
    else:
        print(f"correct it in race control: slotrace open {args.event} --device ... (l lap "
              "fix, x penalty, v revoke); slotrace run refuses it until then")
    return 0
