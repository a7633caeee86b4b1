"""Provides ``slotrace run``: run planned heats on a control unit without the terminal UI."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from slotrace.errors import SlotraceError

EPILOG = """\
examples:
  slotrace run mille-2025.slotrace --next --device carrera:/dev/ttyUSB0
  slotrace run mille-2025.slotrace --heat 7 --device carrera:socket://127.0.0.1:7878
  slotrace run mille-2025.slotrace --all --device sim --speedup 50     (a dry run)

The heats come from the saved plan (`slotrace heats EVENT --save`). Each heat is opened in
the event file, the driver connects, START is pressed twice (start lights), and every event
the control unit reports is journaled before it is applied; each lap is printed as it
happens. When every car has completed the heat's laps the heat is marked finished and its
standings printed. Ctrl-C stops at once and leaves the heat running in the event file: run
the same command again to resume it (a heat still running is always resumed first).

--device sim runs the driver's own simulator with the heat's cars (no hardware needed);
--speedup makes simulated heats run faster than real time. A simulator in another process
(`slotrace simulate --speedup X`) is a DRIVER:TARGET device given with --sim-speedup X.
--laps shortens (or lengthens) heats started now, e.g. for a rehearsal; the planned distance
is what the leg's trials need.

--publish DIR keeps a static results site for remote entrants in DIR (overall, a page per
class and per car with its stage sheet): written before the first heat and again after each
finished heat, always as a whole, ready to copy to any web host. DIR must be a new or empty
folder, or one slotrace published before.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run planned heats on a control unit (no terminal UI)",
        description="Run the heats of the saved heat plan on a control unit, journaling every "
        "event, printing laps as they happen and the standings after each heat.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="event file")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--heat", type=int, metavar="N", help="run planned heat N")
    which.add_argument("--next", action="store_true",
                       help="run the next planned heat (the default)")
    which.add_argument("--all", action="store_true",
                       help="run every remaining planned heat in order")
    parser.add_argument("--device", required=True, metavar="DEVICE",
                        help="DRIVER:TARGET (see `slotrace devices`), or sim")
    parser.add_argument("--speedup", type=_positive(float), default=1.0, metavar="X",
                        help="with --device sim: run the simulated track X times faster")
    parser.add_argument("--sim-speedup", type=_positive(float), metavar="X",
                        help="the device is a simulator in another process started with "
                        "--speedup X (`slotrace simulate`): its clock runs X times wall time, "
                        "which the driver's plausibility checks must allow for")
    parser.add_argument("--laps", type=_positive(int), metavar="N",
                        help="race distance of heats started now (default: the plan's)")
    parser.add_argument("--timeout", type=_positive(float), metavar="S",
                        help="give up on a heat that has not finished after S seconds "
                        "(it stays resumable)")
    parser.add_argument("--by", default="race control", metavar="NAME",
                        help="who runs race control, for the stewards' log")
    parser.add_argument("--publish", type=Path, metavar="DIR",
                        help="rewrite the static results site in DIR after every heat")
    parser.set_defaults(handler=run)


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
        return value

    return parse


def _say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    from slotrace.cli.heat_runner import RunOptions
    from slotrace.raceday import event_simulation
    from slotrace.store import EventFile

    if args.speedup != 1.0 and not (args.device == "sim" or args.device.startswith("sim:")):
        raise SlotraceError("--speedup only works with --device sim (a real track runs in "
                            "real time)")
    if args.sim_speedup is not None and (args.device == "sim" or args.device.startswith("sim:")):
        raise SlotraceError("--sim-speedup is for a simulator in another process; with "
                            "--device sim give --speedup")
    with EventFile.open(args.event, writer="slotrace run") as event_file:
        if not event_file.planned_heats():
            raise SlotraceError(f"{args.event}: no saved heat plan; run: slotrace heats "
                                f"{args.event} --save")
        options = RunOptions(device=args.device, speedup=args.speedup, laps=args.laps,
                             author=args.by, timeout_s=args.timeout,
                             sim_speedup=args.sim_speedup,
                             simulation=event_simulation(event_file))
        return asyncio.run(_run(event_file, args, options))


async def _run(event_file: Any, args: argparse.Namespace, options: Any) -> int:
    from slotrace.cli.heat_runner import run_heat, standings_lines
    from slotrace.store import PlannedHeatStatus

    labels = _labels(event_file)
    total = len(event_file.planned_heats())
    _publish(event_file, args.publish, first=True)  # a refused folder stops before any heat
    while True:
        if args.heat is not None:
            planned = event_file.planned_heat(args.heat)
        else:
            planned = event_file.next_planned_heat()
            if planned is None:
                _say(f"all {total} planned heats have run; next: slotrace results "
                     f"{args.event} --format html -o results.html")
                return 0
        done = sum(1 for p in event_file.planned_heats()
                   if p.status is PlannedHeatStatus.FINISHED)
        _say(f"[{done + 1}/{total}] {planned.name}: "
             + ", ".join(f"ID {a} {labels.get(e, e)}" for a, e in sorted(planned.cars.items())))
        try:
            live = await run_heat(event_file, planned, options, _say, labels)
        except (KeyboardInterrupt, asyncio.CancelledError):
            print(f"stopped; heat {planned.number} is left running: run the same command "
                  "again to resume it", file=sys.stderr)
            raise
        _say(f"finished {planned.name} (heat {live.heat_id}):")
        for line in standings_lines(live, planned, labels):
            _say(line)
        _publish(event_file, args.publish)
        if not args.all:
            return 0


def _publish(event_file: Any, folder: Path | None, *, first: bool = False) -> None:
    """``--publish``: a refused folder stops the first call; later the heats go on."""
    if folder is None:
        return
    from slotrace.store.publish import PublishError, publish_site

    try:
        site = publish_site(event_file, folder)
    except PublishError as exc:
        if first:
            raise
        print(f"warning: {exc}; the heats go on, the site is rewritten after the next heat",
              file=sys.stderr)
        return
    _say(f"published the results site in {folder} ({len(site.pages)} pages)")


def _labels(event_file: Any) -> dict[int, str]:
    labels = {}
    for entry in event_file.entries():
        number = entry.get("race_number")
        shown = f"#{number:03d} " if isinstance(number, int) else ""
        car = entry.get("car") or {}
        labels[entry["entry_no"]] = (f"{shown}{entry.get('entrant', '')} "
                                     f"({car.get('marque', '')} {car.get('model', '')})")
    return labels
