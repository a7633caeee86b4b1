"""Issue 3 "Done means": a simulator race captured by ``slotrace record`` and replayed by
``slotrace replay --json`` gives exactly the standings of the simulator's ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sim_recording import (
    REPLAY_ARGS,
    record_sim_race,
    truth_crossings,
    truth_standings,
)


async def test_recorded_race_replays_to_the_ground_truth_standings(tmp_path: Path) -> None:
    recording = tmp_path / "race.jsonl"
    truth = await record_sim_race(recording, seconds=2.5, speedup=20, seed=5)
    records = [json.loads(line) for line in recording.read_text().splitlines()]
    recorded = [(r["car"], r["sensor"], r["device_ms"]) for r in records
                if r["type"] == "CarPassed"]
    sent = [(c.car, c.sensor, c.device_ms) for c in truth_crossings(truth)]
    # every crossing the simulator sent is recorded once, in order; only one still on the
    # wire when the recording stopped may be missing (the race finished long before)
    assert recorded == sent[: len(recorded)] and len(sent) - len(recorded) <= 1
    replay = subprocess.run(
        [sys.executable, "-m", "slotrace", "replay", str(recording), *REPLAY_ARGS, "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    rows = json.loads(replay.stdout)["standings"]
    replayed = [(r["car"], r["laps"], r["total_ms"], r["best_lap_ms"]) for r in rows]
    expected = truth_standings(truth, records)
    assert replayed == expected
    assert [laps for _, laps, _, _ in expected] == [5, 5, 5]  # the race reached its distance
