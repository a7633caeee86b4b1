"""Golden replay of a recorded race file (tests/engine/data/make_golden.py) and the replay CLI."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.drivers_api import CarPassed
from slotrace.engine import SessionConfig, SessionKind, fold, standings
from slotrace.engine.control import input_from_record

GOLDEN = Path(__file__).with_name("data") / "golden_race.jsonl"
ARGS = ["replay", str(GOLDEN), "--laps", "30", "--sensors", "3", "--cars", "1,2,3"]


def test_golden_race_standings_are_known(capsys):
    assert main([*ARGS, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["phase"] == "finished"
    rows = [
        (r["car"], r["laps"], r["total_ms"], r["best_lap_ms"], r["gap"])
        for r in result["standings"]
    ]
    assert rows == [
        (2, 30, 117_601, 3648, None),
        (1, 30, 120_254, 3629, {"ms": 2653}),  # includes the 3 s penalty at the end of the file
        (3, 30, 120_470, 3651, {"ms": 2869}),
    ]


def test_golden_laps_and_best_laps_match_an_independent_count():
    records = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    events = [input_from_record(r) for r in records]
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=30, cars=(1, 2, 3), sensor_groups=3)
    state = fold(config, events)
    for car in (1, 2, 3):
        times = [
            e.device_ms for e in events if type(e) is CarPassed and e.car == car and e.sensor == 1
        ]
        laps = [b - a for a, b in pairwise(times)][:30]
        assert state.cars[car].laps == 30
        assert state.cars[car].best_lap_ms == min(laps)
        assert state.cars[car].total_ms == sum(laps)
    assert [r.car for r in standings(state)] == [2, 1, 3]


def test_replay_prints_a_table(capsys):
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["Pos", "Car", "Laps", "Total", "Best", "Gap", "Status"]
    assert "117.601" in out and "+2.653" in out


def test_bad_line_names_line_number_and_field(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    lines = GOLDEN.read_text().splitlines()[:3]
    lines.append(json.dumps({"type": "CarPassed", "car": 1, "sensor": "one", "device_ms": 5}))
    path.write_text("\n".join(lines) + "\n")
    assert main(["replay", str(path), "--laps", "3"]) == 1
    err = capsys.readouterr().err
    assert "line 4" in err and "CarPassed.sensor" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json\n", "line 1: not JSON"), ('{"type": "Teleport"}\n', "line 1: unknown event type")],
)
def test_unreadable_records_are_reported(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["replay", str(path), "--laps", "3"]) == 1
    assert expected in capsys.readouterr().err


def test_race_needs_a_distance(capsys):
    assert main(["replay", str(GOLDEN), "--session", "race"]) == 1
    assert "--laps N or --minutes M" in capsys.readouterr().err


def test_missing_file_is_reported(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.jsonl"), "--laps", "3"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_replay_without_cars_scores_the_cars_in_the_recording(capsys):
    args = [a for a in ARGS if a not in ("--cars", "1,2,3")]
    assert main([*args, "--json"]) == 0
    cars = [r["car"] for r in json.loads(capsys.readouterr().out)["standings"]]
    assert sorted(cars) == [1, 2, 3]
