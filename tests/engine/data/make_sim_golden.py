"""Writes sim_race.jsonl and sim_race.truth.jsonl: a Carrera simulator race captured with the
real ``slotrace record --start`` (3 cars, 3 sensor groups, seed 3, 20x speed, 2.5 s), and the
simulator's ground truth for it. tests/engine/test_sim_golden.py asserts the standings.

Run from the repository root: .venv/bin/python tests/engine/data/make_sim_golden.py
then update the expected rows in tests/engine/test_sim_golden.py (the script prints them).
The simulator is seeded, but which crossings fall inside the 2.5 s depends on the machine's
timing, so a new recording can differ from the old one: regenerate only on purpose.
"""

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from sim_recording import record_sim_race, truth_standings  # noqa: E402

here = Path(__file__).parent
recording = here / "sim_race.jsonl"
truth = asyncio.run(record_sim_race(recording, seconds=2.5, speedup=20, seed=3))
(here / "sim_race.truth.jsonl").write_text("\n".join(truth) + "\n", encoding="utf-8")
records = [json.loads(line) for line in recording.read_text().splitlines()]
print(f"wrote {len(records)} records to {recording}; truth standings:")
for row in truth_standings(truth, records):
    print(f"    {row},")
