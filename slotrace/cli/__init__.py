"""Provides the ``slotrace`` command line: one subcommand per module in this package.

Each module ``slotrace/cli/<name>.py`` defines ``register(subparsers)``, which adds its
parser and sets ``handler=`` to a function taking the parsed arguments and returning an
exit code. Errors derived from `SlotraceError` are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from slotrace import __version__
from slotrace.errors import SlotraceError

# Order is the order shown in --help.
COMMAND_MODULES = (
    "demo",
    "open",
    "board",
    "new",
    "entries",
    "scrutineer",
    "startlist",
    "heats",
    "template",
    "run",
    "results",
    "stewards",
    "charity",
    "journal",
    "devices",
    "simulate",
    "record",
    "replay",
)

DESCRIPTION = """\
slotrace runs digital slot-car events: it talks to the track's control unit, turns sensor
crossings into laps, sectors and stage results, enforces the rules of a Mille Miglia-style
historic event, and shows it all in a terminal UI.

Start with `slotrace demo` (no hardware needed).

Devices are given as DRIVER:TARGET, for example:
  carrera:/dev/ttyUSB0              Carrera Control Unit on a USB serial cable (Linux)
  carrera:COM3                      the same on Windows
  carrera:socket://127.0.0.1:7878   a simulator started with `slotrace simulate`
  carrera:ble:D4:8B:39:00:00:01     AppConnect over Bluetooth LE (a UUID on macOS)
Run `slotrace devices` to list installed drivers and what is connected.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slotrace",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slotrace {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"slotrace.cli.{name}").register(subparsers)
    return parser


def _configure_logging(verbosity: int) -> None:
    import logging

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    _configure_logging(args.verbose)
    try:
        return int(args.handler(args) or 0)
    except SlotraceError as exc:
        print(f"slotrace {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"slotrace {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` or a pager that quit: not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
