"""Provides ``slotrace devices``: installed drivers, their device syntax, and what is connected."""

from __future__ import annotations

import argparse
import asyncio

from slotrace.drivers_api import (
    DiscoveredDevice,
    DriverError,
    installed_drivers,
    load_driver,
)

HELP_TEXT = """\
List the drivers installed on this machine with the device strings they accept, then the
devices each driver finds: serial ports (the Carrera PC-Unit cable is a USB serial adapter)
and, when this machine has Bluetooth, control units advertising over Bluetooth LE.

Pass one of the listed device strings to `slotrace record`, `slotrace open --device`, etc.
On Linux a USB serial adapter is listed by its stable /dev/serial/by-id/... name, which
stays the same when the cable is re-plugged (its /dev/ttyUSBn number may not).

examples:
  slotrace devices                  list drivers, ports and BLE control units (3 s scan)
  slotrace devices --timeout 8      scan Bluetooth longer
  slotrace devices --no-scan        only list the installed drivers
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="list installed drivers, serial ports and Bluetooth control units",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="how long to scan for Bluetooth LE control units (default: 3)",
    )
    parser.add_argument(
        "--no-scan", action="store_true", help="do not look for devices, only list drivers"
    )
    parser.set_defaults(handler=run_devices)


def run_devices(args: argparse.Namespace) -> int:
    drivers = installed_drivers()
    if not drivers:
        print("No drivers installed (is slotrace installed with `pip install -e .`?)")
        return 1
    print("Installed drivers:")
    loaded = []
    for installed in drivers:
        try:
            cls = load_driver(installed.name)
        except DriverError as exc:
            print(f"  {installed.name:<10} BROKEN: {exc}")
            continue
        loaded.append(cls)
        print(f"  {installed.name:<10} {cls.description}  [{installed.distribution}]")
        print(f"  {'':<10} device strings: {cls.target_help}")
    if args.no_scan:
        return 0
    for cls in loaded:
        print()
        print(f"Devices found by {cls.name}:")
        try:
            found, notes = asyncio.run(cls.survey(args.timeout))
        except DriverError as exc:
            found, notes = [], [f"search failed: {exc}"]
        print(_render(found))
        for note in notes:
            print(f"  note: {note}")
    return 0


def _render(found: list[DiscoveredDevice]) -> str:
    if not found:
        return "  (none)"
    width = max(len(device.device) for device in found)
    return "\n".join(f"  {device.device:<{width}}  {device.description}" for device in found)
