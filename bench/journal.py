"""Benchmark of the event-file journal: append throughput, 24-hour replay, file size.

Run:  .venv/bin/python bench/journal.py [--dir DIR] [--hours 24]

Figures printed:
* appends/s with the durability promise kept (each `append` committed before it returns),
  for synchronous=FULL (default, survives power cuts) and NORMAL (survives kill -9 only),
  single appends and batches of 10 (`append_many`), next to a peer: a plain JSON-lines file
  with write + fsync per event (what a hand-rolled logger would do);
* replay-to-standings time of a 24-hour, 6-car race (about 104,000 crossings);
* file size per 100,000 journal events.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionConfig, SessionKind, standings
from slotrace.store import EventFile, Synchronous
from slotrace.store.replay import replay_heat


def crossing(n: int) -> CarPassed:
    return CarPassed(n % 6 + 1, 1, 1000 + n * 833)


def bench_appends(folder: Path, sync: Synchronous, count: int, batch: int) -> float:
    path = folder / f"append-{sync.value}-{batch}.slotrace"
    with EventFile.create(path, synchronous=sync) as ef:
        recorder = ef.start_heat("bench", {})
        start = time.perf_counter()
        for n in range(0, count, batch):
            if batch == 1:
                recorder.append(crossing(n))
            else:
                recorder.append_many([crossing(n + i) for i in range(batch)])
        return count / (time.perf_counter() - start)


def bench_peer_jsonl(folder: Path, count: int) -> float:
    path = folder / "peer.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    start = time.perf_counter()
    for n in range(count):
        c = crossing(n)
        line = json.dumps(
            {"type": "CarPassed", "car": c.car, "sensor": 1, "device_ms": c.device_ms}
        )
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    elapsed = time.perf_counter() - start
    os.close(fd)
    return count / elapsed


def race_items(hours: float, seed: int = 24) -> list:
    """Six cars, ~5 s laps with jitter, a status report every minute, for ``hours``."""
    rng = random.Random(seed)
    fuel = (15,) * 8
    items: list = [
        StatusReport(fuel, StartLight.GO, ModeFlags.NONE),
        StatusReport(fuel, StartLight.OFF, ModeFlags.NONE),
    ]
    end_ms = int(hours * 3600_000)
    timed: list[tuple[int, object]] = []
    for car in range(1, 7):
        t, pace = 1000 + car * 100, rng.randrange(4600, 5400)
        while t < end_ms:
            timed.append((t, CarPassed(car, 1, t)))
            t += pace + rng.randrange(-200, 400)
    for minute in range(1, int(hours * 60)):  # fuel going down, a report a minute
        level = 15 - (minute % 15)
        timed.append((minute * 60_000, StatusReport((level,) * 8, StartLight.OFF, ModeFlags.NONE)))
    timed.sort(key=lambda pair: pair[0])
    return items + [event for _, event in timed]


def bench_replay(folder: Path, hours: float) -> tuple[int, float, float, int, int]:
    items = race_items(hours)
    config = SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=int(hours * 3600_000) + 1)
    path = folder / "24h.slotrace"
    with EventFile.create(path, synchronous=Synchronous.NORMAL) as ef:
        recorder = ef.start_heat("24 hours", config)
        for n in range(0, len(items), 1000):
            recorder.append_many(items[n : n + 1000])
    size = path.stat().st_size + sum(p.stat().st_size for p in (Path(f"{path}-wal"),) if p.exists())
    with EventFile.open(path, read_only=True) as ro:
        start = time.perf_counter()
        state = replay_heat(ro, 1)
        table = standings(state)
        replay_s = time.perf_counter() - start
        start = time.perf_counter()
        rows = sum(1 for _ in ro.journal(1))
        read_s = time.perf_counter() - start
    assert rows == len(items)
    return len(items), replay_s, read_s, size, table[0].laps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to write files (default: a temp dir)")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--full-count", type=int, default=500, help="appends timed with FULL")
    parser.add_argument("--normal-count", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        print(f"journal append throughput (files in {folder}, every append committed):")
        rows = [
            ("FULL, single appends (default)", Synchronous.FULL, args.full_count, 1),
            ("FULL, append_many x10", Synchronous.FULL, args.full_count * 10, 10),
            ("NORMAL, single appends", Synchronous.NORMAL, args.normal_count, 1),
        ]
        for label, sync, count, batch in rows:
            rate = bench_appends(folder, sync, count, batch)
            print(f"  {label:34s} {rate:10,.0f} events/s")
        peer = bench_peer_jsonl(folder, args.full_count)
        print(f"  {'peer: JSON lines, write+fsync each':34s} {peer:10,.0f} events/s")
        events, replay_s, read_s, size, leader_laps = bench_replay(folder, args.hours)
        print(f"{args.hours:g}-hour 6-car race: {events:,} events, leader {leader_laps:,} laps")
        print(f"  replay to standings (read + decode + fold): {replay_s:6.2f} s")
        print(f"  of which reading the rows:                   {read_s:6.2f} s")
        per_100k = size / events * 100_000 / 1e6
        print(f"  file size: {size / 1e6:.1f} MB = {per_100k:.1f} MB per 100,000 events")


if __name__ == "__main__":
    main()
