"""Results exports: CSV and JSON carry the same numbers; HTML is one self-contained page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.engine import SessionConfig, SessionKind
from slotrace.rules.model import Heat, HeatSlot
from slotrace.store import EventFile
from slotrace.store.export_formats import parse_csv
from slotrace.store.planned import PlannedHeatSpec

from .race_stream import race_stream

ENTRY = {
    "entrant": "Stirling Moss",
    "nationality": "GB",
    "entry_fee": 20.0,
    "car": {
        "marque": "Mercedes-Benz",
        "model": "300 SLR",
        "replica_year": 1955,
        "build_year": 1955,
        "displacement_cc": 2982,
        "category": "S",
        "body_colour": "silver",
    },
    "pledges": [{"sponsor": "Bakery", "per_lap": 0.5, "cap": 3.0}],
}


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "mille.slotrace"
    assert main(["new", str(path)]) == 0
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=12)
    with EventFile.open(path) as ef:
        ef.set_entries([{**ENTRY, "entry_no": n, "race_number": 700 + n} for n in range(1, 7)])
        slots = tuple(HeatSlot(entry_no=n, address=n, recode=False) for n in range(1, 7))
        recorder = ef.start_heat(
            "Stage 1, heat 1", config, stage=1, plan=Heat(leg=0, number=1, slots=slots)
        )
        recorder.append_many(race_stream(3, laps=12))
    return path


def _export(path: Path, fmt: str, out: Path, *extra: str) -> str:
    assert main(["results", str(path), "--format", fmt, "-o", str(out), *extra]) == 0
    return out.read_text()


def test_csv_and_json_parse_back_to_the_same_numbers(event_file: Path, tmp_path: Path) -> None:
    report = json.loads(_export(event_file, "json", tmp_path / "r.json"))
    rows = parse_csv(_export(event_file, "csv", tmp_path / "r.csv"))
    [heat] = report["heats"]
    assert len(heat["standings"]) == 6 and heat["standings"][0]["laps"] > 0
    csv_heat = [r for r in rows if r["section"] == "heat"]
    assert [
        (r["position"], r["car"], r["entry_no"], r["laps"], r["total_ms"], r["best_lap_ms"])
        for r in csv_heat
    ] == [
        (s["position"], s["car"], s["entry_no"], s["laps"], s["total_ms"], s["best_lap_ms"])
        for s in heat["standings"]
    ]
    assert report["overall"] and report["side"]
    assert [
        (r["position"], r["entry_no"], r["score"]) for r in rows if r["section"] == "overall"
    ] == [(r["position"], r["entry_no"], r["score"]) for r in report["overall"]]
    totals = {r["label"]: r["amount"] for r in rows if r["group"] == "totals"}
    assert totals["total"] == report["charity"]["total"]
    assert report["charity"]["fees"] == 120.0  # six entries at 20.00
    pledged = {r["entry_no"]: r["amount"] for r in rows if r["group"] == "pledges"}
    assert pledged == {c["entry_no"]: c["pledged"] for c in report["charity"]["lines"]}
    assert all(0 < p <= 3.0 for p in pledged.values())  # capped per-lap pledge
    stewards = [r for r in rows if r["section"] == "stewards"]
    assert [r["trial"] for r in stewards] == [r["decision"] for r in report["stewards_log"]]
    assert "TimePenalty" in [r["decision"] for r in report["stewards_log"]]
    sheet = [r for r in rows if r["section"] == "trial" and r["entry_no"] == 1]
    assert sheet == [r for r in sheet if r["target"]] and len(sheet) == len(
        report["overall"][0]["trials"])


def test_after_one_heat_only_the_leg_driven_counts_and_decisions_trace(
    event_file: Path, tmp_path: Path
) -> None:
    report = json.loads(_export(event_file, "json", tmp_path / "r.json"))
    assert report["provisional"] is True  # three of four legs not driven yet
    for row in report["overall"]:
        assert row["legs_driven"] == [0]  # nothing counted from legs 2-4
        assert {t["leg"] for t in row["trials"]} == {0}
    log = {e["ref"]: e for e in report["stewards_log"]}
    penalised = next(r for r in report["overall"] if r["entry_no"] == 3)
    [sanction] = penalised["sanctions"]
    assert sanction["kind"] == "time penalty" and sanction["points"] == 500  # 5 s = 500 1/100
    assert penalised["other_penalty"] == 500
    entry = log[sanction["ref"]]
    assert (entry["decision"], entry["race_number"], entry["detail"]) == (
        "TimePenalty", 703, "+5.00 s")
    assert "#703" in entry["name"] and entry["reason"] == "corner cutting"
    flags = [e["detail"] for e in report["stewards_log"] if e["decision"] == "YellowFlag"]
    assert flags == ["yellow flag out", "yellow flag in"]


def test_html_is_one_printable_page_with_a_chart_and_no_external_assets(
    event_file: Path, tmp_path: Path
) -> None:
    html = _export(event_file, "html", tmp_path / "r.html")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 1
    assert "Stewards' log" in html and "corner cutting" in html and "Charity" in html
    assert html.count("class='sheet'") == 6  # a stage sheet per car
    assert "PROVISIONAL" in html
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in html.replace("http://www.w3.org/2000/svg", "")


def test_stage_filter_keeps_only_that_stages_heats(event_file: Path, tmp_path: Path) -> None:
    report = json.loads(_export(event_file, "json", tmp_path / "s2.json", "--stage", "2"))
    assert report["heats"] == [] and report["stewards_log"] == []


def test_text_lists_a_car_not_started_with_a_dash_not_a_perfect_zero(
    event_file: Path, tmp_path: Path
) -> None:
    with EventFile.open(event_file) as ef:  # a seventh entry, planned in a heat not run yet
        ef.add_entries([{**ENTRY, "entry_no": 7, "race_number": 707, "entrant": "Late Entrant"}])
        config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=12)
        ef.save_heat_plan([
            PlannedHeatSpec("Heat 1", Heat(leg=0, number=1, slots=tuple(
                HeatSlot(entry_no=n, address=n, recode=False) for n in range(1, 7))), config),
            PlannedHeatSpec("Heat 2", Heat(leg=0, number=2, slots=(
                HeatSlot(entry_no=7, address=1, recode=False),)), config),
        ])
    report = json.loads(_export(event_file, "json", tmp_path / "r.json"))
    text = _export(event_file, "text", tmp_path / "r.txt")
    lines = [line for line in text.splitlines() if "#70" in line]
    late = next(line for line in lines if "Late Entrant" in line)
    assert late.split()[0] == "NS" and " – " in late and "0.00" not in late
    ranked = [r for r in report["overall"] if r["position"] is not None]
    assert len(lines) == len(ranked) + 1
    for row, line in zip(ranked, lines, strict=False):
        assert line.split()[0] == str(row["position"]) and f"{row['score']:.2f}" in line
    # one column for the scores, whatever the length of the crew's names
    statuses = [r["status"] for r in report["overall"] if r["entry_no"] <= 7]
    assert len({len(line) - len(status) for line, status in zip(lines, statuses,
                                                                  strict=True)}) == 1


def test_an_entry_damaged_by_hand_is_named_with_its_field(
    event_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    with sqlite3.connect(event_file) as conn:  # someone "fixed" the file in a SQLite browser
        conn.execute("UPDATE entries SET data = json_set(data, '$.car.displacement_cc', -5)"
                     " WHERE entry_no = 3")
    assert main(["results", str(event_file), "--format", "json",
                 "-o", str(tmp_path / "r.json")]) != 0
    err = capsys.readouterr().err
    assert "stored entry 3 is not valid" in err and "car.displacement_cc" in err
    assert not (tmp_path / "r.json").exists()
