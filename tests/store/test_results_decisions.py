"""Stewards' decisions on entries and heats in the results: the exported stewards' log lists them
(race number, name, what, reason, by whom, when), and a voided heat is left out of the
classification with its reason listed. The HTML names cars by race number and name.

The event: entries 1 and 2 (#101, #102) run leg 1 in heat 1, where entry 1 gets a 5 s time
penalty and each car drives 5 laps (6 crossings); the stewards void heat 1 and the planned
heat runs again as heat 2 with 3 laps each (4 crossings) and no penalty. So the classification
counts 3 laps per car (charity lines) and no sanction; the log still shows the penalty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionConfig, SessionKind, TimePenalty
from slotrace.rules.model import Heat, HeatSlot
from slotrace.store import EntryAction, EventFile
from slotrace.store.export_formats import parse_csv

CAR = {"marque": "Alfa Romeo", "model": "8C 2300", "replica_year": 1932, "build_year": 1932,
       "displacement_cc": 2336, "supercharged": True, "category": "S", "body_colour": "red",
       "number_positions": ["left", "right", "nose"]}
ENTRIES = [
    {"entry_no": n, "race_number": 100 + n, "entrant": name, "nationality": "IT", "car": CAR,
     "entry_fee": 10.0, "pledges": [{"sponsor": "Bar", "per_lap": 1.0}]}
    for n, name in ((1, "Anna Neri"), (2, "Bruno Galli"), (3, "Carla Fontana"))
]
PLAN = Heat(leg=0, number=1, slots=(HeatSlot(entry_no=1, address=1, recode=False),
                                    HeatSlot(entry_no=2, address=2, recode=False)))
NAME = "Heat 1 (leg 1: Brescia -> Cervia-Milano Marittima)"


def heat_stream(crossings: int, penalty: bool) -> list:
    items: list = [StatusReport((15,) * 8, light, ModeFlags.NONE)
                   for light in (StartLight.READY, StartLight.GO, StartLight.OFF)]
    passes = [CarPassed(car, 1, 1000 + car * 300 + 25_000 * i)
              for car in (1, 2) for i in range(crossings)]
    items += sorted(passes, key=lambda c: c.device_ms)
    if penalty:
        items.append(TimePenalty(car=1, ms=5000, reason="corner cutting", author="chief steward"))
    return items


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = tmp_path / "decisions.slotrace"
    assert main(["new", str(path)]) == 0
    config = SessionConfig(kind=SessionKind.RACE_LAPS, laps=10)
    with EventFile.open(path) as ef:
        ef.set_entries(ENTRIES)
        first = ef.start_heat(NAME, config, stage=1, plan=PLAN)
        first.append_many(heat_stream(6, penalty=True))
        ef.finish_heat(first.heat)
        ef.void_heat(first.heat, reason="wrong lane power", author="clerk")
        second = ef.start_heat(NAME, config, stage=1, plan=PLAN)
        second.append_many(heat_stream(4, penalty=False))
        ef.finish_heat(second.heat)
        ef.decide_entry(3, EntryAction.DNS, leg=1, reason="late", author="clerk")
        ef.decide_entry(3, EntryAction.WITHDRAW, reason="car broken", author="clerk")
        ef.decide_entry(2, EntryAction.CAR_SWAP, car={"model": "8C 2600"},
                        reason="spare car", author="chief scrutineer")
    return path


def _export(path: Path, fmt: str, out: Path) -> str:
    assert main(["results", str(path), "--format", fmt, "-o", str(out)]) == 0
    return out.read_text("utf-8")


def test_void_heat_is_left_out_of_the_classification_with_its_reason(event, tmp_path):
    report = json.loads(_export(event, "json", tmp_path / "r.json"))
    assert report["excluded_heats"] == [
        f"heat 1 {NAME}: void (wrong lane power; by clerk, heat decision #1); not counted in "
        "the classification"]
    with EventFile.open(event, read_only=True) as ef:
        first_heat_day = ef.heats()[0].started_at[:10]
    assert report["date"] == first_heat_day  # the template has no date: the day it ran
    [void, rerun] = report["heats"]
    assert [s["number"] for s in rerun["standings"]] == ["#101", "#102"]
    assert void["excluded"].startswith("void (wrong lane power") and rerun["excluded"] == ""
    rows = {r["entry_no"]: r for r in report["overall"]}
    assert rows[1]["sanctions"] == [] and rows[1]["other_penalty"] == 0  # heat 1's penalty
    laps = {line["entry_no"]: line["laps"] for line in report["charity"]["lines"]}
    assert laps == {1: 3, 2: 3, 3: 0}  # heat 2 only: 4 crossings = 3 laps
    assert report["charity"]["pledges"] == 6.0  # 1.00 per lap x 3 laps x 2 cars


def test_stewards_log_lists_heat_and_entry_decisions(event, tmp_path):
    report = json.loads(_export(event, "json", tmp_path / "r.json"))
    log = report["stewards_log"]
    penalty = next(e for e in log if e["decision"] == "TimePenalty")
    assert (penalty["ref"], penalty["race_number"], penalty["detail"]) == (
        "heat 1 #1", 101, "+5.00 s")  # still listed, though heat 1 no longer counts
    by_ref = {e["ref"]: e for e in log}
    void = by_ref["heat decision #1"]
    assert (void["decision"], void["detail"], void["reason"], void["author"]) == (
        "void heat", f"heat 1 {NAME}: does not count in the classification; it runs again",
        "wrong lane power", "clerk")
    assert void["at"]  # when it was decided
    entry_rows = [(e["ref"], e["decision"], e["race_number"], e["detail"], e["reason"],
                   e["author"]) for e in log if e["ref"].startswith("entry decision")]
    assert entry_rows == [
        ("entry decision #1", "dns", 103,
         "does not start leg 2 (Cervia-Milano Marittima -> Roma)", "late", "clerk"),
        ("entry decision #2", "withdraw", 103, "withdrawn from the event", "car broken", "clerk"),
        ("entry decision #3", "car swap", 102,
         "car swap: Alfa Romeo 8C 2300 1932 -> Alfa Romeo 8C 2600 1932", "spare car",
         "chief scrutineer"),
    ]
    assert all(e["name"].startswith(f"#{e['race_number']} ") for e in log
               if e["ref"].startswith("entry decision"))
    csv_log = [r for r in parse_csv(_export(event, "csv", tmp_path / "r.csv"))
               if r["section"] == "stewards"]
    assert [r["group"] for r in csv_log] == [e["ref"] for e in log]
    html = _export(event, "html", tmp_path / "r.html")
    assert "withdrawn from the event" in html and "wrong lane power" in html
    assert "Heats not counted" in html


def test_html_heats_name_cars_by_race_number_and_name_without_doubled_headings(event, tmp_path):
    html = _export(event, "html", tmp_path / "r.html")
    assert f"<h2>{NAME.replace('>', '&gt;')}</h2>" in html  # the heat's own name, once
    assert "Heat 1: Heat 1" not in html and "Heat 2: Heat 1" not in html
    assert "<td>#101</td><td>Anna Neri (Alfa Romeo 8C 2300)</td>" in html
    assert "&#9632;</span> #101 Anna Neri" in html  # chart legend
    assert "<title>#102 Bruno Galli</title>" in html
    assert ">car 1<" not in html and "<title>car 1</title>" not in html
