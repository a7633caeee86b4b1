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

For phones and browsers: --web serves a live board page from this ONE process to every
viewer (pushed as server-sent events, no internet needed). It listens on 127.0.0.1:8080
(this laptop only) unless you give a LAN address, e.g. --web 192.168.1.20:8080 or
--web 0.0.0.0:8080; it prints the URL and a QR code to scan. The page is read-only: the
file is opened read-only and the server answers only GET.

For remote entrants: --publish DIR (with --web) keeps a static results site in DIR: the
overall classification, a page per class and a page per car with its stage sheet. It is
written when the board starts and again whenever a heat starts or finishes, always as a
whole (built beside DIR, then swapped in), ready to copy to any web host. DIR must be a new
or empty folder, or one slotrace published before.

examples:
  slotrace board mm2026.slotrace
  slotrace board mm2026.slotrace --class S1100 --page-seconds 10
  slotrace board mm2026.slotrace --web 0.0.0.0:8080
  slotrace board mm2026.slotrace --web --publish results-site

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
    parser.add_argument(
        "--web", nargs="?", const="", default=None, metavar="HOST:PORT",
        help="serve the board to phones and browsers (default 127.0.0.1:8080)",
    )
    parser.add_argument(
        "--publish", type=Path, default=None, metavar="DIR",
        help="with --web: keep a static results site in DIR, rewritten after every heat",
    )
    parser.set_defaults(handler=run_board)


def run_board(args: argparse.Namespace) -> int:
    from slotrace.errors import SlotraceError
    from slotrace.store import EventFile
    from slotrace.tui.board_app import BoardApp
    from slotrace.tui.board_feed import BoardFeed

    if args.publish is not None and args.web is None:
        raise SlotraceError("--publish goes with --web (e.g. slotrace board FILE --web "
                            "--publish results-site)")
    with EventFile.open(args.file, read_only=True) as event_file:
        feed = BoardFeed(event_file)
        try:
            feed.check_class(args.entry_class)
        except ValueError as exc:
            raise SlotraceError(f"{args.file}: {exc}") from None
        if args.web is not None:
            return _serve_web(feed, args)
        app = BoardApp(feed, entry_class=args.entry_class, page_seconds=args.page_seconds)
        app.run()
    return 0


def _serve_web(feed: object, args: argparse.Namespace) -> int:
    from slotrace.board_web.qr import terminal_qr
    from slotrace.board_web.server import BoardServer, parse_bind, run_server

    host, port = parse_bind(args.web)
    server = BoardServer(feed, entry_class=args.entry_class,  # type: ignore[arg-type]
                         publish_folder=args.publish)
    if args.publish is not None:
        server.publish_now()  # a refused folder stops here, before anything is served
        print(f"results site: {args.publish.resolve() / 'index.html'}  (rewritten after "
              "every heat)")

    def ready(url: str) -> None:
        shown = url.replace("0.0.0.0", "<this laptop's address>")
        print(f"web board: {shown}  (read-only; Ctrl+C stops it)")
        if host not in ("0.0.0.0", "::"):
            print(terminal_qr(url))

    run_server(server, host, port, ready)
    return 0
