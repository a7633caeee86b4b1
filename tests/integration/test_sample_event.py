"""Issue 5 "Done means": from the sample CSV to a full classification, every step on the CLI.

A reduced event keeps this to a few seconds: the first 11 rows of the shipped sample (entry 11
is rejected at scrutineering on purpose) plus the first ladies' crew that passes, so 11 cars
run 2 heats in each of the 4 legs on the simulator, shortened to 2 laps at speedup 100.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from slotrace.store import EventFile, HeatStatus, PlannedHeatStatus
from slotrace.store.replay import replay_heat

LAPS = 2
REJECTED_ON_PURPOSE = {11, 21, 31, 41, 51, 61, 71, 76, 80, 81}


def slotrace(*args: str | Path, expect: int = 0) -> str:
    """Run the real command line in a subprocess; returns its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "slotrace", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done.stdout


def reduced_sample(path: Path) -> dict[int, dict[str, str]]:
    """Write the reduced entries CSV; returns its rows by entry_no."""
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(
        "\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    chosen = rows[:11]
    chosen.append(next(r for r in rows[11:] if r["ladies_crew"] == "yes"
                       and int(r["entry_no"]) not in REJECTED_ON_PURPOSE))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(chosen)
    path.write_text(out.getvalue(), "utf-8")
    return {int(r["entry_no"]): r for r in chosen}


@pytest.fixture(scope="module")
def event_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    folder = tmp_path_factory.mktemp("sample-event")
    event, entries_csv = folder / "mille.slotrace", folder / "entries.csv"
    rows = reduced_sample(entries_csv)
    assert "slotrace entries import" in slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    report = slotrace("scrutineer", event, "--record", expect=3)  # entry 11 rejected
    assert "REJECTED" in report
    startlist = slotrace("startlist", event, "--save")
    assert "not started: entry 11 Chiara Bruno: did not pass scrutineering" in startlist
    slotrace("heats", event, "--save")
    run = slotrace("run", event, "--all", "--device", "sim", "--speedup", "100", "--laps", LAPS,
                   "--timeout", "120")
    results = json.loads(slotrace("results", event, "--format", "json"))
    return event, rows, {"run": run, "results": results}


def test_every_planned_heat_ran_and_each_lap_was_printed(event_run) -> None:
    event, rows, out = event_run
    with EventFile.open(event, read_only=True) as ef:
        planned = ef.planned_heats()
        assert len(planned) == 8  # 11 starters = 2 heats per leg, 4 legs
        assert all(p.status is PlannedHeatStatus.FINISHED for p in planned)
        assert all(h.status is HeatStatus.FINISHED for h in ef.heats())
        started = {e for p in planned for e in p.cars.values()}
    assert started == set(rows) - {11}
    assert out["run"].count(" lap 1 ") == out["run"].count(f" lap {LAPS} ") == 11 * 4  # cars x legs
    assert "[8/8]" in out["run"] and "all 8 planned heats have run" in out["run"]


def test_results_have_class_ladies_and_nations_tables_and_the_charity_total(event_run) -> None:
    _, rows, out = event_run
    results = out["results"]
    starters = set(rows) - {11}
    assert {r["entry_no"] for r in results["overall"]} == starters
    assert [r["position"] for r in results["overall"]] == sorted(
        r["position"] for r in results["overall"])
    side = results["side"]
    assert any(name.startswith("class ") and table for name, table in side.items())
    ladies = {r["entry_no"] for r in side["Coppa delle Dame"]}
    assert ladies == {n for n in starters if rows[n]["ladies_crew"] == "yes"} != set()
    assert side["Coppa delle Nazioni"]
    charity = results["charity"]
    assert charity["fees"] == sum(float(r["entry_fee"] or 0) for r in rows.values())
    assert charity["total"] == pytest.approx(
        charity["fees"] + charity["pledges"] + charity["auctions"] + charity["other_donations"])
    assert charity["total"] > 0


def test_laps_and_pledges_match_the_journal(event_run) -> None:
    event, rows, out = event_run
    laps: dict[int, int] = {}
    with EventFile.open(event, read_only=True) as ef:
        for heat in ef.heats():
            state = replay_heat(ef, heat.id)
            for car, entry_no in heat.cars.items():
                laps[entry_no] = laps.get(entry_no, 0) + state.cars[car].laps
    assert laps == dict.fromkeys(set(rows) - {11}, 4 * LAPS)
    pledged = 0.0
    for line in out["results"]["charity"]["lines"]:
        assert line["laps"] == laps.get(line["entry_no"], 0)
        row = rows[line["entry_no"]]
        per_lap = float(row["pledge_per_lap"] or 0) * line["laps"]
        cap = float(row["pledge_cap"]) if row["pledge_cap"] else None
        expected = (min(per_lap, cap) if cap is not None else per_lap) + float(
            row["pledge_fixed"] or 0)
        if line["entry_no"] not in laps:  # never started: sponsors owe nothing, fee counts
            expected = 0.0
        assert line["pledged"] == pytest.approx(expected)
        pledged += line["pledged"]
    assert out["results"]["charity"]["pledges"] == pytest.approx(pledged)
    for heat in out["results"]["heats"]:
        assert [row["laps"] for row in heat["standings"]] == [LAPS] * len(heat["standings"])
