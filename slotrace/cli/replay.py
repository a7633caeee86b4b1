"""Provides ``slotrace replay``: fold a recorded event file through the engine, print standings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from slotrace.drivers_api import CarPassed
from slotrace.drivers_api.records import RecordError
from slotrace.engine import (
    EngineInput,
    FinishRule,
    MissedLapPolicy,
    SessionConfig,
    SessionKind,
    Standing,
    fold,
    input_from_record,
    standings,
)
from slotrace.errors import SlotraceError


class ReplayError(SlotraceError):
    """The event file or the options given to ``slotrace replay`` are unusable."""


EPILOG = """\
examples:
  slotrace replay race.jsonl --session race --laps 20
  slotrace replay race.jsonl --session race --minutes 30 --sensors 3
  slotrace replay quali.jsonl --session qualifying --json > quali.json

FILE is written by `slotrace record`: one JSON record per line (driver events, and
race-control commands such as {"type": "TimePenalty", "car": 3, "ms": 5000, ...}).
The same file and options always give the same standings.
"""

SESSIONS = ("practice", "qualifying", "race")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay a recorded event file and print the standings",
        description="Fold a recorded event file through the race engine and print the final "
        "standings (position, car, laps, total time, best lap, gap).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE.jsonl", help="file from slotrace record")
    parser.add_argument("--session", choices=SESSIONS, default="race", help="default: race")
    parser.add_argument("--laps", type=int, help="race distance in laps")
    parser.add_argument("--minutes", type=float, help="session length (race by time)")
    parser.add_argument(
        "--min-lap", type=float, default=2.0, metavar="SECONDS", help="minimum lap (default 2.0)"
    )
    parser.add_argument("--max-lap", type=float, metavar="SECONDS", help="maximum lap time")
    parser.add_argument(
        "--sensors", type=int, default=1, choices=(1, 2, 3), help="sensor groups (default 1)"
    )
    parser.add_argument(
        "--cars",
        default=None,
        help="cars taking part, comma-separated (default: every car that crossed a sensor)",
    )
    parser.add_argument(
        "--finish",
        choices=("leader", "all"),
        default="leader",
        help="leader: everyone finishes on the crossing after the leader (default); "
        "all: every car completes the distance",
    )
    parser.add_argument(
        "--add-missed-laps",
        action="store_true",
        help="count laps the check lanes saw without a finish-line crossing",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable standings")
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace, seen_cars: tuple[int, ...] = ()) -> SessionConfig:
    """The session configuration the options describe.

    Without ``--cars``, the cars taking part are ``seen_cars`` (those in the recording), or
    1-6 when the recording has no crossings at all.
    """
    if args.session == "race":
        if args.laps is None and args.minutes is None:
            raise ReplayError("a race needs --laps N or --minutes M")
        kind = SessionKind.RACE_LAPS if args.laps is not None else SessionKind.RACE_TIME
    else:
        kind = SessionKind.PRACTICE if args.session == "practice" else SessionKind.QUALIFYING
    try:
        if args.cars is None:
            cars = seen_cars or (1, 2, 3, 4, 5, 6)
        else:
            cars = tuple(int(c) for c in args.cars.split(",") if c.strip())
    except ValueError:
        raise ReplayError(f"--cars: expected numbers like 1,2,3, got {args.cars!r}") from None
    try:
        return SessionConfig(
            kind=kind,
            laps=args.laps if kind is SessionKind.RACE_LAPS else None,
            duration_ms=None if args.minutes is None else round(args.minutes * 60_000),
            min_lap_ms=round(args.min_lap * 1000),
            max_lap_ms=None if args.max_lap is None else round(args.max_lap * 1000),
            sensor_groups=args.sensors,
            cars=cars,
            finish_rule=FinishRule.ALL_COMPLETE_LAPS
            if args.finish == "all"
            else FinishRule.LEADER_THEN_NEXT_CROSSING,
            missed_lap_policy=MissedLapPolicy.ADD_LAP
            if args.add_missed_laps
            else MissedLapPolicy.FLAG,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors()
        )
        raise ReplayError(f"invalid options: {problems}") from None


def read_events(path: Path) -> list[EngineInput]:
    """Every record of an event file, in order.

    Raises:
        ReplayError: naming the file, line number and field of the first bad record.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ReplayError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    events: list[EngineInput] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        try:
            events.append(input_from_record(record))
        except RecordError as exc:
            raise ReplayError(f"{path}, line {number}: {exc}") from None
    return events


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.3f}"


def standing_to_json(row: Standing) -> dict[str, Any]:
    def gap(g: Any) -> dict[str, int] | None:
        if g is None:
            return None
        return {"laps": g.laps} if g.laps else {"ms": g.ms}

    return {
        "position": row.position,
        "car": row.car,
        "laps": row.laps,
        "total_ms": row.total_ms,
        "best_lap_ms": row.best_lap_ms,
        "last_lap_ms": row.last_lap_ms,
        "gap": gap(row.gap),
        "interval": gap(row.interval),
        "best_sectors": list(row.best_sectors),
        "pit_stops": row.pit_stops,
        "status": row.status.value,
        "penalty_ms": row.penalty_ms,
        "warnings": row.warnings,
        "decisions": [
            {"number": d.number, "type": type(d.command).__name__, "revoked": d.revoked}
            for d in row.decisions
        ],
    }


def format_table(rows: tuple[Standing, ...]) -> str:
    header = f"{'Pos':>3}  {'Car':>3}  {'Laps':>5}  {'Total':>10}  {'Best':>8}  {'Gap':>10}"
    lines = [header + "  Status"]
    for row in rows:
        gap = "" if row.gap is None else str(row.gap)
        status = row.status.value.upper().replace("_", " ")
        if row.penalty_ms:
            status += f" (+{row.penalty_ms / 1000:g}s pen)"
        lines.append(
            f"{row.position:>3}  {row.car:>3}  {row.laps:>5}  {_seconds(row.total_ms):>10}  "
            f"{_seconds(row.best_lap_ms):>8}  {gap:>10}  {status}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    events = read_events(args.file)
    seen = tuple(sorted({e.car for e in events if isinstance(e, CarPassed)}))
    config = config_from_args(args, seen)
    state = fold(config, events)
    rows = standings(state)
    if args.json:
        payload = {
            "session": config.kind.value,
            "phase": state.phase.value,
            "elapsed_ms": state.elapsed_ms,
            "standings": [standing_to_json(row) for row in rows],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(format_table(rows))
        for alert in state.alerts:
            print(f"alert: {alert.message}")
    return 0
