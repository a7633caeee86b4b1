"""Golden recorded simulator race (tests/engine/data/make_sim_golden.py): known standings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from slotrace.cli import main

DATA = Path(__file__).with_name("data")
sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))

from sim_recording import REPLAY_ARGS, truth_standings  # noqa: E402

EXPECTED = [  # (car, laps, total_ms, best_lap_ms), printed by make_sim_golden.py
    (1, 5, 25970, 4881),
    (2, 5, 27478, 5354),
    (3, 5, 28934, 5630),
]


def test_recorded_simulator_race_replays_to_its_known_standings(capsys) -> None:
    assert main(["replay", str(DATA / "sim_race.jsonl"), *REPLAY_ARGS, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["standings"]
    assert [(r["car"], r["laps"], r["total_ms"], r["best_lap_ms"]) for r in rows] == EXPECTED


def test_the_golden_recording_agrees_with_the_simulators_truth() -> None:
    truth = (DATA / "sim_race.truth.jsonl").read_text().splitlines()
    recording = [json.loads(line) for line in (DATA / "sim_race.jsonl").read_text().splitlines()]
    assert truth_standings(truth, recording) == EXPECTED
