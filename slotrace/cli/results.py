"""Provides ``slotrace results``: export results (CSV, JSON or a printable HTML page)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from slotrace.store import EventFile
from slotrace.store.export_formats import to_csv, to_html, to_json, to_text
from slotrace.store.outputs import check_target, write_output
from slotrace.store.results import build_report

EPILOG = """\
examples:
  slotrace results mille-2025.slotrace --format html -o results.html
  slotrace results mille-2025.slotrace --format csv --stage 2 -o stage2.csv
  slotrace results mille-2025.slotrace --format json | jq '.charity.total'
  slotrace results mille-2025.slotrace --format text

Everything is rebuilt by replaying the race journal, so the export always matches the
stewards' latest decisions. The event file is opened read-only: this works during a race.
HTML is one printable page (no internet needed) with a lap-time chart per heat; text is a
short summary (classification and charity). Every format names the charity, venue and date.
"""

RENDERERS = {"csv": to_csv, "json": to_json, "html": to_html, "text": to_text}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "results",
        help="export stage results, classifications, charity totals and the stewards' log",
        description="Export stage results, overall and side classifications, charity totals "
        "and the stewards' log as CSV, JSON, a printable HTML page or a text summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="event file")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="html")
    parser.add_argument("--stage", type=int, metavar="N", help="only the heats of stage N")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="default: stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_target(args.output, protected=[args.file])  # refuse before the long export
    with EventFile.open(args.file, read_only=True) as event_file:
        report = build_report(event_file, stage=args.stage)
    text = RENDERERS[args.format](report)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_output(args.output, text, protected=[args.file])
        print(f"wrote {args.format} results to {args.output}", file=sys.stderr)
    return 0
