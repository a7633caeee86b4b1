"""Records a simulator race with the real ``slotrace record`` and folds the simulator's truth.

Shared by tests/integration/test_record_replay.py and tests/engine/data/make_sim_golden.py.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from slotrace.drivers_api import CarPassed, event_from_record, load_driver
from slotrace.engine import SessionConfig, SessionKind, fold, standings

CARS = "1:5.2,2:5.45,3:5.7"
SENSORS = 3
LAPS = 5
REPLAY_ARGS = ["--laps", str(LAPS), "--sensors", str(SENSORS), "--cars", "1,2,3"]


async def record_sim_race(out: Path, *, seconds: float, speedup: float, seed: int) -> list[str]:
    """Serve a simulator in this process, run ``slotrace record --start`` against it.

    Writes the recording to ``out``; returns the simulator's truth as JSON lines.
    """
    simulator: Any = load_driver("carrera").simulator(
        cars=CARS, sensor_groups=SENSORS, speedup=speedup, seed=seed
    )
    target = await simulator.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "slotrace", "record", f"carrera:{target}", "--start",
            "--seconds", str(seconds), "-o", str(out), "--sim-speedup", str(speedup),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=seconds + 30)
        if process.returncode != 0:
            raise RuntimeError(f"slotrace record failed: {stderr.decode()}")
    finally:
        await simulator.stop()
    return list(simulator.truth_lines())


def truth_crossings(truth_lines: list[str]) -> list[CarPassed]:
    """The crossings the simulator delivered intact, in the order it queued them."""
    records = [json.loads(line) for line in truth_lines]
    crossings = [r for r in records if "seq" in r and "fate" in r]
    return [
        CarPassed(r["car"], r["sensor"], r["device_ms"], r["timer_epoch"])
        for r in sorted(crossings, key=lambda r: r["seq"])
        if r["fate"] == "intact"
    ]


def truth_stream(truth_lines: list[str], recording: list[dict[str, Any]]) -> list[Any]:
    """The ground-truth crossings with the control unit's other reports put back in place.

    The truth log holds crossings only; the start lights and statuses come from the
    recording, each placed before the first true crossing later (in device time) than the
    last crossing recorded before it.
    """
    reports: list[tuple[int, Any]] = []
    last_ms = -1
    for record in recording:
        item = event_from_record({k: v for k, v in record.items() if k != "received"})
        if isinstance(item, CarPassed):
            last_ms = max(last_ms, item.device_ms)
        else:
            reports.append((last_ms, item))
    stream: list[Any] = []
    for crossing in truth_crossings(truth_lines):
        while reports and reports[0][0] < crossing.device_ms:
            stream.append(reports.pop(0)[1])
        stream.append(crossing)
    return stream + [item for _, item in reports]


def truth_standings(truth_lines: list[str], recording: list[dict[str, Any]]) -> list[tuple]:
    """(car, laps, total_ms, best_lap_ms) rows from folding the truth through the engine."""
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=LAPS, sensor_groups=SENSORS,
                           cars=(1, 2, 3))
    rows = standings(fold(config, truth_stream(truth_lines, recording)))
    return [(r.car, r.laps, r.total_ms, r.best_lap_ms) for r in rows]
