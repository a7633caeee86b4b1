"""Provides ``slotrace template check``: can a crew driving the ideal times score 0?"""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  slotrace template check mille-miglia-2020
  slotrace template check my-event.toml --max-scale-kmh 180

Every PC, PM checkpoint and CO of a leg fixes the time between two crossings of the car's
run; the check proves they can all be met at once (and scores that ideal run: 0 points),
or names the trials that contradict each other. Exit status 1 when a leg cannot be won.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "template", help="check an event template (every leg can be driven to 0 points)",
        description="Check event templates.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="prove every leg's controls can all score 0 on the track",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("template", metavar="FILE|NAME",
                       help="a template file (.toml) or a shipped template's name")
    check.add_argument("--max-scale-kmh", type=float, default=None, metavar="KMH",
                       help="the crew's top speed in scale km/h (default 200)")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from slotrace.rules.feasibility import MAX_SCALE_KMH, check_event
    from slotrace.rules.files import load_template, load_track

    event = load_template(args.template)
    track = load_track(event.track)
    event = load_template(args.template, track)  # every named place exists on the track
    top = args.max_scale_kmh or MAX_SCALE_KMH
    checks = check_event(event, track, top)
    print(f"{event.name}: {len(checks)} legs on track {track.name!r} "
          f"(top speed {top:g} scale km/h)")
    for check in checks:
        if check.ok:
            print(f"  ok   leg {check.leg + 1} {check.name}: the ideal run scores 0")
        else:
            names = " vs ".join(check.contradiction) or "the controls"
            print(f"  FAIL leg {check.leg + 1} {check.name}: {names} cannot all score 0")
            print(f"       {check.explanation}")
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"{len(failed)} of {len(checks)} legs cannot be won; change the trials named above")
        return 1
    print("every leg can be driven to 0 points")
    return 0
