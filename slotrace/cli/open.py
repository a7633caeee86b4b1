"""Provides ``slotrace open``: race control on an event file and a control unit."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP_TEXT = """\
Open race control on an event file. If a heat is still marked running in the file (the
laptop crashed, or race control was closed mid-heat) it is resumed: everything journaled
so far is replayed and the heat continues. Otherwise the next heat of the heat plan is
started (the plan saved with `slotrace heats FILE --save`, else the rules' plan of the
cars that passed scrutineering).

DEVICE is DRIVER:TARGET, or  sim  for the built-in simulator:
  carrera:/dev/ttyUSB0              PC-Unit cable on Linux (macOS: /dev/cu.usbserial-...)
  carrera:COM3                      PC-Unit cable on Windows
  carrera:socket://127.0.0.1:7878   a simulator started with `slotrace simulate`
  carrera:ble:D4:8B:39:00:00:01     AppConnect over Bluetooth LE (a UUID on macOS)
  sim                               start the Carrera simulator in-process (sim:arc: ARC's);
                                    its crews drive at the leg's regularity pace
Run `slotrace devices` to see what is connected.

examples:
  slotrace open mm2026.slotrace --device carrera:/dev/ttyUSB0
  slotrace open mm2026.slotrace --device sim
  slotrace open mm2026.slotrace --device sim --voice   announce the race (espeak-ng)
  slotrace open mm2026.slotrace --device sim --board-web 192.168.1.20:8080
      (w shows the web board's URL and QR code; serve it with
       slotrace board mm2026.slotrace --web 192.168.1.20:8080 in a second terminal)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "open",
        help="race control on an event file (resumes a heat in progress)",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the event file")
    parser.add_argument(
        "--device", required=True, metavar="DEVICE", help="DRIVER:TARGET or sim, see above"
    )
    parser.add_argument(
        "--laps", type=int, default=None, metavar="N",
        help="laps of a newly started heat (default: its leg's distance in the heat plan; "
        "10 for an event without legs)",
    )
    parser.add_argument(
        "--author", default="race control", help="name written to the stewards' log"
    )
    parser.add_argument(
        "--sim-speedup", type=float, default=None, metavar="X",
        help="the device is a simulator in another process started with --speedup X "
        "(`slotrace simulate`): its clock runs X times wall time, which the driver's "
        "plausibility checks must allow for",
    )
    add_race_day_options(parser)
    parser.set_defaults(handler=run_open)


def add_race_day_options(parser: argparse.ArgumentParser) -> None:
    """--board-web, --voice and --publish: what race control offers on the day (open, demo)."""
    from slotrace.voice import VOICE_OPTION_HELP

    parser.add_argument(
        "--board-web", nargs="?", const="", default=None, metavar="HOST:PORT",
        help="where `slotrace board FILE --web HOST:PORT` serves the web board (default "
        "127.0.0.1:8080): the w key shows its URL and QR code for spectators' phones",
    )
    parser.add_argument("--voice", action="store_true", help=VOICE_OPTION_HELP)
    parser.add_argument(
        "--publish", type=Path, metavar="DIR",
        help="keep a static results site for remote entrants in DIR (overall, per class, per "
        "car with its stage sheet), rewritten after every finished heat; a new or empty "
        "folder, or one slotrace published before",
    )


def run_open(args: argparse.Namespace) -> int:
    from slotrace.drivers_api import Driver, open_device
    from slotrace.errors import SlotraceError
    from slotrace.raceday import opening_simulator_options
    from slotrace.store import EventFile
    from slotrace.tui.launch import prepare_race_control
    from slotrace.tui.screens.web_board_dialog import web_board_link
    from slotrace.tui.simulated_device import SimulatedDevice
    from slotrace.voice import open_speaker

    if args.board_web is not None:
        web_board_link(args.board_web, args.file)  # a wrong HOST:PORT stops here, not later
    driver: Driver
    simulated = args.device == "sim" or args.device.startswith("sim:")
    if args.sim_speedup is not None and (simulated or args.sim_speedup <= 0):
        raise SlotraceError("--sim-speedup X (X > 0) is for a simulator in another process; "
                            "with --device sim the simulator runs in real time")
    if not simulated:
        rate = {"clock_rate": 1000.0 * args.sim_speedup} if args.sim_speedup else {}
        driver = open_device(args.device, **rate)
    speaker = open_speaker(args.voice)
    try:
        with EventFile.open(args.file, writer="slotrace open (race control)") as event_file:
            if simulated:  # crews at the leg's regularity pace past the track's sensors
                driver = SimulatedDevice.for_driver(
                    args.device.partition(":")[2] or "carrera", pace=True,
                    **opening_simulator_options(event_file, laps=args.laps))
            app = prepare_race_control(event_file, driver, laps=args.laps, author=args.author,
                                       speaker=speaker,
                                       publish=args.publish)
            app.startup_message = voice_note(speaker, args.voice) + (
                f"Spectator board in a second terminal: slotrace board {args.file}")
            show_board_link(app, args.board_web, args.file)
            app.run()
    finally:
        speaker.close()
    return 0


def show_board_link(app: Any, bind: str | None, path: Path) -> None:
    """``--board-web``: race control's w key shows the web board's URL and QR code."""
    if bind is None:
        return
    from slotrace.tui.screens.web_board_dialog import web_board_link

    app.board_link = web_board_link(bind, path)
    app.startup_message += f" · web board: {app.board_link.url} (w: QR code)"


def voice_note(speaker: object, asked: bool) -> str:
    """A line for the startup toast when --voice was asked for but cannot speak."""
    why = getattr(speaker, "why", "")
    return f"Voice: {why}. " if asked and why else ""
