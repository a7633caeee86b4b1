"""Provides ``slotrace board``: the read-only spectator board on an event file."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP_TEXT = """\
Show the spectator board for an event file: the current heat's live order in large text
above the overall classification, paging through long lists by itself. It runs as a
separate process that opens the file READ-ONLY and follows it while race control writes
the race; it cannot change anything.

Keys: f cycles the class filter, n turns the page, q quits.

To show it in a browser (still read-only, one board process per viewer):
  textual serve --host 127.0.0.1 --port 8000 "slotrace board FILE"
then open http://127.0.0.1:8000. Keep --host 127.0.0.1 unless the network is trusted:
textual serve has no login.

examples:
  slotrace board mm2026.slotrace
  slotrace board mm2026.slotrace --class S1100 --page-seconds 10

--class is the entry's class in the rules' register (S1100, GT2000, ...), the class of the
class classification; an unknown class is an error that lists the event's classes.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "board",
        help="read-only spectator board that follows an event file",
        description=HELP_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the event file")
    parser.add_argument(
        "--class", dest="entry_class", metavar="CLASS", help="show only this class"
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=8.0,
        metavar="S",
        help="seconds before the next page of a long list (0: do not page)",
    )
    parser.set_defaults(handler=run_board)


def run_board(args: argparse.Namespace) -> int:
    from slotrace.errors import SlotraceError
    from slotrace.store import EventFile
    from slotrace.tui.board_app import BoardApp
    from slotrace.tui.board_feed import BoardFeed

    with EventFile.open(args.file, read_only=True) as event_file:
        feed = BoardFeed(event_file)
        try:
            feed.check_class(args.entry_class)
        except ValueError as exc:
            raise SlotraceError(f"{args.file}: {exc}") from None
        app = BoardApp(feed, entry_class=args.entry_class, page_seconds=args.page_seconds)
        app.run()
    return 0
