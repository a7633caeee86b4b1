"""Provides ``slotrace demo``: the race-control TUI on a simulated control unit, no hardware."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

HELP_TEXT = """\
Run Mini Mille Miglia heats without any hardware: creates a temporary event file from the
demo template (the Mini Mille Miglia 2020 event with one short leg: four laps at 8 s a lap,
two precision trials, a passage control and a time control) and the shipped sample entries,
starts the Carrera Control Unit simulator, connects the real Carrera driver to it and opens
race control, ready to run the first heat (about 40 s).

In race control press  s  (lights on), s  again (countdown), and watch the crews drive at
regularity pace, each with its own consistency; after the finish  n  opens the next heat.
F2-F5 switch screens, q quits. The event file's path is printed first: open the
spectator board on it in a second terminal.

examples:
  slotrace demo
  slotrace demo --laps 2                 a shorter heat
  slotrace demo --keep my-demo.slotrace  keep the event file where you want it
  slotrace demo --voice                  announce start, last lap, results (espeak-ng)
  slotrace board /tmp/slotrace-demo-XXXX/mini-mille-miglia-demo.slotrace   (second terminal)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="race control on a simulated track (no hardware needed)",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--laps", type=int, default=None, metavar="N",
        help="laps of the demo heat (default: the leg's distance in the heat plan)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FILE",
        help="create the event file here instead of a temporary folder (must not exist)",
    )
    from slotrace.cli.open import add_race_day_options

    add_race_day_options(parser)
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from slotrace.cli.open import show_board_link, voice_note
    from slotrace.raceday import opening_simulator_options
    from slotrace.tui.demo_event import DEMO_TEMPLATE, create_demo_event
    from slotrace.tui.launch import prepare_race_control
    from slotrace.tui.simulated_device import SimulatedDevice
    from slotrace.voice import open_speaker

    if args.keep is not None:
        path = args.keep
    else:
        path = Path(tempfile.mkdtemp(prefix="slotrace-demo-")) / "mini-mille-miglia-demo.slotrace"
    event_file = create_demo_event(path, template=DEMO_TEMPLATE)
    print(f"demo event file: {path}")
    print(f"spectator board (second terminal): slotrace board {path}")
    speaker = open_speaker(args.voice)
    try:
        # crews at the leg's regularity pace, each with its own consistency, past the
        # track's three sensor groups: trials score and sectors show as at a real heat
        device = SimulatedDevice.for_driver(
            "carrera", pace=True, **opening_simulator_options(event_file, laps=args.laps))
        app = prepare_race_control(event_file, device, laps=args.laps, speaker=speaker,
                                     publish=args.publish)
        app.startup_message = voice_note(speaker, args.voice) + (
            f"Press s twice to start. Spectator board in a second terminal: slotrace board {path}"
        )
        show_board_link(app, args.board_web, path)
        app.run()
    finally:
        speaker.close()
        event_file.close()
    print(f"the event file stays at {path}")
    return 0
