"""Provides ``slotrace simulate``: a simulated control unit to race against without hardware."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from slotrace.drivers_api import Simulator, load_driver
from slotrace.errors import SlotraceError

HELP_TEXT = """\
Start a simulated control unit and keep it running until Ctrl-C (or --seconds). It prints
the device string to give `slotrace record`, `slotrace open --device`, carreralib, etc.

The simulator behaves like a Carrera DIGITAL 124/132 Control Unit: cars lap with realistic
jitter over 1-3 sensor groups (Check Lanes), START runs the start-light sequence, the
timer queue hands out one event per poll, `=` resets the clock, fuel burns and cars pit.
Faults (corrupted checksums, dropped replies, duplicated frames, periodic hang-ups) can be
injected, and --truth writes what really happened (every crossing and its fate) as JSON
lines when it stops, so a recording can be checked against it.

Serving:
  --listen HOST:PORT   TCP, reached as socket://HOST:PORT (default 127.0.0.1:7878;
                       port 0 picks a free one). Works on every OS.
  --pty                a pseudo-terminal behind a stable path (Linux/macOS), like a USB
                       serial adapter; the path is re-pointed after each hang-up.

Cars (--cars): a count, or CAR:LAP_SECONDS[:JITTER_SECONDS[:SCHEDULE]] items:
  --cars 4                        cars 1-4 with lap times from 5.2 s to 6.0 s
  --cars 1:5.2,2:5.4:0.3,7:6.5    car 2 jitters 0.3 s; 7 is the ghost car
  --cars 1:25:0.1:25.5/7.5+7+11   car 1 drives a schedule, then 25 s laps
A SCHEDULE plans the laps from the car's first finish-line crossing after the start, split
by '/': each a lap time, or (Carrera) its times from sensor group to sensor group joined by
'+', one per group (--sensors); the jitter comes on top. ARC adds the parts up.

Faults (--faults): corrupt=RATE,drop=RATE,dup=RATE,hangup=SECONDS (any subset); rates are
shares of poll replies (0.02 = 2%), hang-ups happen every SECONDS of race time. Carrera
also takes repeat, reorder, garble, nodollar, noise (rates), resetrace=1, powercycle=N and
outage=SECONDS: a simulator worse than hardware (see docs/carrera.md).

examples:
  slotrace simulate
  slotrace simulate --cars 6 --sensors 3 --pace
  slotrace simulate --listen 127.0.0.1:0 --speedup 10 --seconds 30 --truth truth.jsonl
  slotrace simulate --pty --faults corrupt=0.02,drop=0.02,dup=0.02,hangup=20 --seed 7
  slotrace simulate --fuel normal --pit-lane --false-start 3
"""

DEFAULT_LISTEN = "127.0.0.1:7878"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run a simulated control unit (no hardware needed)",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve = parser.add_mutually_exclusive_group()
    serve.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=DEFAULT_LISTEN,
        help=f"serve over TCP (default {DEFAULT_LISTEN}; only this machine can connect)",
    )
    serve.add_argument("--pty", action="store_true", help="serve over a pty (Linux/macOS)")
    parser.add_argument("--driver", default="carrera", help="whose simulator (default carrera)")
    parser.add_argument("--cars", default="4", metavar="SPEC", help="cars: a count or a list")
    parser.add_argument(
        "--sensors", type=int, choices=(1, 2, 3), default=1, help="sensor groups (default 1)"
    )
    parser.add_argument(
        "--pace", action="store_true", help="answer at 19200-baud serial line speed"
    )
    parser.add_argument(
        "--speedup",
        type=float,
        default=1.0,
        metavar="X",
        help="race time runs X times faster than real time (default 1)",
    )
    parser.add_argument("--faults", default="", metavar="SPEC", help="faults to inject")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same race (default 0)")
    parser.add_argument("--truth", type=Path, metavar="FILE", help="write the ground truth here")
    parser.add_argument(
        "--seconds", type=float, metavar="N", help="stop after N real seconds (default: Ctrl-C)"
    )
    parser.add_argument(
        "--fuel",
        choices=("off", "normal", "real"),
        default="off",
        help="the CU's fuel switch (default off)",
    )
    parser.add_argument("--pit-lane", action="store_true", help="a pit-lane adapter is connected")
    parser.add_argument(
        "--false-start", type=int, metavar="CAR", help="this car jumps the first start"
    )
    parser.add_argument(
        "--status-length",
        type=int,
        choices=(16, 18),
        default=16,
        help="status frame length: 16, or 18 like newer firmware (default 16)",
    )
    parser.add_argument(
        "--firmware", default="5337", metavar="VERSION", help="firmware version (default 5337)"
    )
    parser.set_defaults(handler=run_simulate)


class SimulateError(SlotraceError):
    """A ``slotrace simulate`` option is wrong."""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` -> (host, port); host defaults to 127.0.0.1."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SimulateError(
            f"--listen {text!r}: expected HOST:PORT with PORT 0..65535, e.g. 127.0.0.1:7878"
        )
    return host, int(port)


def simulator_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options for the driver's ``simulator(**options)``."""
    mode = 0x8  # a position tower is connected
    mode |= {"off": 0, "normal": 0x1, "real": 0x2}[args.fuel]
    if args.pit_lane:
        mode |= 0x4
    options: dict[str, Any] = {
        "cars": args.cars,
        "sensor_groups": args.sensors,
        "pace": args.pace,
        "speedup": args.speedup,
        "faults": args.faults,
        "seed": args.seed,
        "mode": mode,
        "status_length": args.status_length,
        "version": args.firmware,
    }
    if args.false_start is not None:
        options["false_start_car"] = args.false_start
    if args.pty:
        options["over"] = "pty"
    else:
        host, port = parse_listen(args.listen)
        options.update(over="tcp", host=host, port=port)
    return options


def run_simulate(args: argparse.Namespace) -> int:
    if args.seconds is not None and args.seconds <= 0:
        raise SimulateError(f"--seconds must be positive, got {args.seconds}")
    if args.truth is not None and not args.truth.parent.is_dir():
        raise SimulateError(f"--truth {args.truth}: folder {args.truth.parent} does not exist")
    driver = load_driver(args.driver)
    simulator = driver.simulator(**simulator_options(args))
    if simulator is None:
        raise SimulateError(f"the {args.driver} driver has no simulator")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, simulator))
    return 0


async def _serve(args: argparse.Namespace, simulator: Simulator) -> None:
    target = await simulator.start()
    main_task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if main_task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, main_task.cancel)
    try:
        print(f"{args.driver}:{target}", flush=True)
        print(
            f"simulator running; try: slotrace record {args.driver}:{target} --seconds 30 "
            "-o race.jsonl   (Ctrl-C stops)",
            file=sys.stderr,
            flush=True,
        )
        if args.seconds is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(args.seconds)
    except asyncio.CancelledError:
        pass
    finally:
        await simulator.stop()
        _report(args, simulator)


def _report(args: argparse.Namespace, simulator: Simulator) -> None:
    truth = getattr(simulator, "truth", None)
    if truth is not None and hasattr(truth, "summary"):
        summary = ", ".join(f"{key} {value}" for key, value in truth.summary().items())
        print(f"simulator stopped: {summary}", file=sys.stderr)
    if args.truth is None:
        return
    lines = getattr(simulator, "truth_lines", None)
    if lines is None:
        print(f"the {args.driver} simulator keeps no ground truth", file=sys.stderr)
        return
    _write_atomically(args.truth, lines())
    print(f"ground truth written to {args.truth}", file=sys.stderr)


def _write_atomically(path: Path, lines: Any) -> None:
    """Write all lines to a temporary file beside ``path``, then rename it into place."""
    from slotrace.store.outputs import atomic_output

    with atomic_output(path) as out:
        for line in lines:
            out.write(line + "\n")
