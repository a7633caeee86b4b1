"""Benchmark: engine replay throughput and re-fold time after a steward correction.

Run: .venv/bin/python bench/replay.py [--hours 24]

Synthesises a 6-car, 3-sensor race (about 400,000 driver events for 24 hours), then prints:
  * fold throughput of the engine (events/s) - immutable snapshots, every lap and crossing kept;
  * the same events through a naive mutable lap counter (peer baseline, clearly simpler:
    laps, last/best lap and sectors with a min-lap filter, no history, no race control);
  * the time to rebuild the standings after a steward correction at car 1's lap 5,000:
    a retroactive yellow flag around that lap inserted into the journal, re-folded from
    scratch and from the nearest checkpoint; and a penalty appended at the end (one apply).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # engine.synthetic

from checkpoints import fold_with_checkpoints
from engine.synthetic import SyntheticRace, synthetic_events

from slotrace.drivers_api import CarPassed
from slotrace.engine import (
    SessionConfig,
    SessionKind,
    TimePenalty,
    YellowFlag,
    apply,
    fold,
    standings,
)


def naive_lap_counter(events: list, min_lap_ms: int = 2000) -> dict[int, dict]:
    """Peer baseline: a straightforward mutable loop, as a UI-loop lap counter would do."""
    cars: dict[int, dict] = {}
    for event in events:
        if type(event) is not CarPassed:
            continue
        car = cars.setdefault(event.car, {"laps": 0, "start": None, "marks": {}, "best": None})
        if event.sensor != 1:
            car["marks"][event.sensor] = event.device_ms
            continue
        start = car["start"]
        if start is not None:
            lap = event.device_ms - start
            if lap < min_lap_ms:
                continue
            car["laps"] += 1
            car["last"] = lap
            if car["best"] is None or lap < car["best"]:
                car["best"] = lap
            marks = car["marks"]
            car["sectors"] = (
                marks.get(2, start) - start,
                marks.get(3, start) - marks.get(2, start),
                event.device_ms - marks.get(3, start),
            )
        car["start"] = event.device_ms
        car["marks"] = {}
    return cars


def timed(label: str, func, *args):
    """Result and CPU seconds of this process (wall time is unreliable on a shared machine)."""
    gc.collect()
    started = time.process_time()
    result = func(*args)
    seconds = time.process_time() - started
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    duration = int(args.hours * 3600 * 1000)
    events = list(synthetic_events(SyntheticRace(duration_ms=duration)))
    config = SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=duration, sensor_groups=3)
    print("times are CPU seconds of this process (time.process_time)")
    print(f"synthetic race: {args.hours:g} h, 6 cars, 3 sensor groups, {len(events):,} events")

    fold_s = min(timed("fold", fold, config, events)[1] for _ in range(args.repeat))
    naive_s = min(timed("naive", naive_lap_counter, events)[1] for _ in range(args.repeat))
    state = fold(config, events)
    print(f"engine fold:          {len(events) / fold_s:>10,.0f} events/s  ({fold_s:.2f} s)")
    print(
        f"naive mutable loop:   {len(events) / naive_s:>10,.0f} events/s  ({naive_s:.2f} s)"
        "  [peer baseline: laps/best/sectors only]"
    )
    print(f"car 1: {state.cars[1].laps:,} laps, {len(state.cars[1].crossings):,} crossings kept")

    # Steward correction at car 1's lap 5,000 (a shorter race: its middle lap): find the
    # crossing that ends it.
    finish_line = [
        i for i, e in enumerate(events) if type(e) is CarPassed and e.car == 1 and e.sensor == 1
    ]
    if len(finish_line) < 2:
        raise SystemExit(f"--hours {args.hours:g}: car 1 completes no lap; give a longer race")
    lap = min(5000, (len(finish_line) - 1) // 2 or 1)
    index = finish_line[lap]  # the first crossing is the start, not a lap
    corrected = [
        *events[: index - 1],
        YellowFlag(on=True, reason="oil on track", author="steward"),
        *events[index - 1 : index + 1],
        YellowFlag(on=False, reason="track clear", author="steward"),
        *events[index + 1 :],
    ]
    (_, checkpoints), build_s = timed("checkpoints", fold_with_checkpoints, config, events)
    scratch_state, scratch_s = timed("scratch", fold, config, corrected)
    ckpt_state, ckpt_s = timed("ckpt", checkpoints.refold, corrected, index - 1)
    assert ckpt_state == scratch_state, "checkpointed re-fold must equal a full re-fold"
    _, rows_s = timed("standings", standings, ckpt_state)
    penalty = TimePenalty(car=1, ms=10_000, reason="jump start", author="steward")
    _, append_s = timed("append", apply, state, penalty)
    share = 1 - (index // checkpoints.every * checkpoints.every) / len(corrected)
    print(f"correction at lap {lap:,} (event {index:,}, re-folding {share:.0%} of the journal):")
    print(f"  re-fold from scratch:          {scratch_s:.2f} s")
    print(
        f"  re-fold from checkpoint:       {ckpt_s:.2f} s  (checkpoints every "
        f"{checkpoints.every:,} events, built during the first fold in {build_s:.2f} s)"
    )
    print(f"  standings after re-fold:       {rows_s * 1000:.1f} ms")
    print(f"  penalty appended (one apply):  {append_s * 1000:.3f} ms")


if __name__ == "__main__":
    main()
