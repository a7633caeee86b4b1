"""Provides ``slotrace record``: capture every driver event to a JSON-lines file."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from slotrace.drivers_api import (
    Button,
    LinkStats,
    PressButton,
    open_device,
    to_record,
)
from slotrace.errors import SlotraceError
from slotrace.store.outputs import atomic_output, check_target

HELP_TEXT = """\
Connect to a control unit and write every event the driver reports -- car crossings,
status changes, firmware version, link up/down, new clock epochs -- as one JSON object per
line. Each line is the event's record (see slotrace.drivers_api.records) plus "received",
the wall-clock time it arrived (UTC, ISO 8601). A one-line link summary (polls, polls per
second, bad frames, timeouts, reconnects) goes to stderr at the end.

DEVICE is DRIVER:TARGET:
  carrera:/dev/ttyUSB0              PC-Unit cable on Linux (macOS: /dev/cu.usbserial-...)
  carrera:COM3                      PC-Unit cable on Windows
  carrera:socket://127.0.0.1:7878   a simulator started with `slotrace simulate`
  carrera:rfc2217://HOST:PORT       a network serial server
  carrera:ble:D4:8B:39:00:00:01     AppConnect over Bluetooth LE (a UUID on macOS)
Run `slotrace devices` to see what is connected.

examples:
  slotrace record carrera:/dev/ttyUSB0 --seconds 60 -o practice.jsonl
  slotrace simulate --listen 127.0.0.1:7878 &
  slotrace record carrera:socket://127.0.0.1:7878 --seconds 30 --start -o race.jsonl
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "record",
        help="write every event from a control unit to a JSON-lines file",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("device", metavar="DEVICE", help="DRIVER:TARGET, see above")
    parser.add_argument(
        "--seconds",
        type=_positive_float,
        required=True,
        metavar="N",
        help="how long to record (seconds of wall-clock time)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE.jsonl",
        help="file to write (replaced if it exists); '-' for standard output",
    )
    parser.add_argument(
        "--start",
        action="store_true",
        help="press START twice after connecting, so the start lights run and a race begins",
    )
    parser.add_argument(
        "--sim-speedup",
        type=_positive_float,
        default=None,
        metavar="X",
        help="the device is a simulator started with --speedup X: its clock runs X times "
        "wall time, which the driver's plausibility checks must allow for",
    )
    parser.set_defaults(handler=run_record)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def run_record(args: argparse.Namespace) -> int:
    options = {"clock_rate": 1000.0 * args.sim_speedup} if args.sim_speedup else {}
    driver = open_device(args.device, **options)  # bad device strings fail before any file
    if args.start and not driver.capabilities.start_key:
        raise SlotraceError(
            f"--start: {args.device} has no start lights slotrace can run; start the race on "
            "the device itself, or record without --start"
        )
    if str(args.output) == "-":
        stats, elapsed, count = asyncio.run(_record(driver, args, sys.stdout))
    else:
        check_target(args.output)  # refused before connecting: event files, folders...
        stats, elapsed, count = asyncio.run(_record(driver, args, None))
    print(link_summary(stats, elapsed, count), file=sys.stderr)
    return 0


async def _record(
    driver, args: argparse.Namespace, stream: TextIO | None
) -> tuple[LinkStats, float, int]:
    await driver.start()  # fails (TransportError) before the output file is created
    began = time.monotonic()
    count = 0
    try:
        with contextlib.ExitStack() as closing:
            out = stream if stream is not None else closing.enter_context(
                atomic_output(args.output)  # complete file renamed into place at the end
            )
            if args.start:
                driver.send(PressButton(Button.START))
                driver.send(PressButton(Button.START))
            events = driver.events()
            try:
                async with asyncio.timeout(args.seconds):
                    async for event in events:
                        record = to_record(event)
                        record["received"] = datetime.now(UTC).isoformat(timespec="milliseconds")
                        out.write(json.dumps(record) + "\n")
                        out.flush()
                        count += 1
            except TimeoutError:
                pass
    finally:
        elapsed = time.monotonic() - began
        await driver.close()
    return driver.stats, elapsed, count


def link_summary(stats: LinkStats, elapsed: float, events: int) -> str:
    """The one-line summary printed after recording."""
    rate = stats.polls / elapsed if elapsed > 0 else 0.0
    return (
        f"recorded {events} events in {elapsed:.1f} s; link: {stats.polls} polls "
        f"({rate:.1f} polls/s), {stats.bad_frames} bad frames, {stats.timeouts} timeouts, "
        f"{stats.reconnects} reconnects, {stats.duplicates_dropped} duplicates dropped"
        + (
            f", {stats.quarantined} implausible timestamps quarantined (not counted as laps)"
            if stats.quarantined
            else ""
        )
    )
