"""Writes golden_race.jsonl: a deterministic 3-car, 3-sensor, 150-second synthetic race in the
format of `slotrace record` (one record per line plus "received"), with one steward penalty.

Run from the repository root: .venv/bin/python tests/engine/data/make_golden.py
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: the engine test helpers

from engine.synthetic import SyntheticRace, synthetic_events

from slotrace.engine import TimePenalty, to_record

race = SyntheticRace(cars=3, duration_ms=150_000, sensor_groups=3, miss_probability=0.03, seed=7)
events = list(synthetic_events(race))
events.append(TimePenalty(car=1, ms=3000, reason="jump start", author="steward", device_ms=90_000))
path = Path(__file__).with_name("golden_race.jsonl")
with path.open("w", encoding="utf-8") as out:
    for n, event in enumerate(events):
        out.write(json.dumps({**to_record(event), "received": 1_700_000_000 + n / 10}) + "\n")
print(f"wrote {len(events)} records to {path}")
