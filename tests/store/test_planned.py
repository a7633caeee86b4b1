"""Saved heat plan: planned heats, starting them in order, refusing re-plans that lose links."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from slotrace.drivers_api import CarPassed
from slotrace.store import (
    EventFile,
    EventFileError,
    HeatPlanLockedError,
    HeatStatus,
    PlannedHeatSpec,
    PlannedHeatStatus,
    UnknownHeatError,
    schema,
)

ENTRIES = [{"entry_no": n, "entrant": f"crew {n}"} for n in range(1, 5)]
CONFIG = {"kind": "race_laps", "laps": 3, "cars": [1, 2]}


def _heat(number: int, leg: int, *entry_nos: int, recode: bool = False) -> dict:
    slots = [{"entry_no": e, "address": a, "recode": recode}
             for a, e in enumerate(entry_nos, start=1)]
    return {"leg": leg, "number": number, "slots": slots}


PLAN = [
    PlannedHeatSpec("Heat 1, leg 1", _heat(1, 0, 1, 2, recode=True), CONFIG, stage=1),
    PlannedHeatSpec("Heat 2, leg 1", _heat(2, 0, 3, 4, recode=True), CONFIG, stage=1),
    PlannedHeatSpec("Heat 3, leg 2", _heat(3, 1, 1, 2), CONFIG, stage=2),
]


@pytest.fixture
def event_file(tmp_path: Path):
    with EventFile.create(tmp_path / "plan.slotrace", {"name": "Plan"}) as ef:
        ef.set_entries(ENTRIES)
        ef.set_stage(1, "leg 1")
        ef.set_stage(2, "leg 2")
        yield ef


def test_saved_plan_is_read_back_with_cars_and_recodes(event_file: EventFile) -> None:
    saved = event_file.save_heat_plan(PLAN)
    assert [p.number for p in saved] == [1, 2, 3]
    first = event_file.planned_heat(1)
    assert first.cars == {1: 1, 2: 2} and first.recodes == {1: 1, 2: 2}
    assert event_file.planned_heat(3).recodes == {}
    assert first.status is PlannedHeatStatus.WAITING and first.heat_id is None
    assert first.stage == 1 and first.leg == 0 and first.config == CONFIG


def test_planned_heats_run_in_order_and_link_to_their_journal(event_file: EventFile) -> None:
    event_file.save_heat_plan(PLAN)
    assert event_file.next_planned_heat().number == 1
    recorder = event_file.start_planned_heat(1)
    recorder.append(CarPassed(1, 1, 1000, 0))
    running = event_file.next_planned_heat()
    assert running.number == 1 and running.status is PlannedHeatStatus.RUNNING
    heat = event_file.heat(running.heat_id)
    assert heat.cars == {1: 1, 2: 2} and heat.plan == PLAN[0].plan and heat.stage == 1
    with pytest.raises(EventFileError, match="still running"):
        event_file.start_planned_heat(2)
    event_file.finish_heat(recorder.heat)
    assert event_file.next_planned_heat().number == 2
    with pytest.raises(EventFileError, match="already ran"):
        event_file.start_planned_heat(1)


def test_config_override_is_what_the_heat_runs_with(event_file: EventFile) -> None:
    event_file.save_heat_plan(PLAN)
    recorder = event_file.start_planned_heat(2, {**CONFIG, "laps": 1})
    assert event_file.heat(recorder.heat).config["laps"] == 1


def test_an_aborted_heat_can_be_started_again(event_file: EventFile) -> None:
    event_file.save_heat_plan(PLAN)
    first = event_file.start_planned_heat(1)
    event_file.finish_heat(first.heat, HeatStatus.ABORTED)
    assert event_file.next_planned_heat().status is PlannedHeatStatus.ABORTED
    again = event_file.start_planned_heat(1)
    assert again.heat != first.heat
    assert event_file.planned_heat(1).heat_id == again.heat


def test_replanning_after_a_heat_ran_needs_force_and_keeps_the_journal(
    event_file: EventFile,
) -> None:
    event_file.save_heat_plan(PLAN)
    recorder = event_file.start_planned_heat(1)
    recorder.append(CarPassed(1, 1, 1000, 0))
    with pytest.raises(HeatPlanLockedError, match="still running"):
        event_file.save_heat_plan(PLAN[1:], force=True)
    event_file.finish_heat(recorder.heat)
    with pytest.raises(HeatPlanLockedError, match=r"planned heats 1 already ran.*--force"):
        event_file.save_heat_plan(PLAN[1:])
    assert [p.number for p in event_file.planned_heats()] == [1, 2, 3]  # unchanged
    with pytest.raises(HeatPlanLockedError, match=r"planned heat 1 .* already ran as heat"):
        event_file.save_heat_plan(PLAN, force=True)  # would reuse the number of a heat that ran
    event_file.save_heat_plan(PLAN[1:], force=True)
    assert [p.number for p in event_file.planned_heats()] == [1, 2, 3]  # 1 kept as it ran
    assert event_file.planned_heat(1).heat_id == recorder.heat
    assert [e.item() for e in event_file.journal(recorder.heat)] == [CarPassed(1, 1, 1000, 0)]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([PLAN[0], PLAN[0]], "heat number 1 given twice"),
        ([PlannedHeatSpec("x", _heat(9, 0, 1, 99), CONFIG)], r"no entries \[99\]"),
        ([PlannedHeatSpec("x", _heat(9, 0, 1), CONFIG, stage=7)], "no stage 7"),
        ([PlannedHeatSpec("x", {"leg": 0, "number": 9, "slots": []}, CONFIG)], "no slots"),
    ],
)
def test_a_bad_plan_is_refused_and_the_old_one_kept(
    event_file: EventFile, plan: list, message: str
) -> None:
    event_file.save_heat_plan(PLAN[:1])
    with pytest.raises(EventFileError, match=message):
        event_file.save_heat_plan(plan)
    assert [p.number for p in event_file.planned_heats()] == [1]


def test_unknown_planned_heat_names_the_plan(event_file: EventFile) -> None:
    with pytest.raises(UnknownHeatError, match="none; run: slotrace heats"):
        event_file.planned_heat(1)
    event_file.save_heat_plan(PLAN)
    with pytest.raises(UnknownHeatError, match=r"planned heats: 1\.\.3"):
        event_file.planned_heat(4)


@pytest.mark.parametrize("old_version", [1, 2])
def test_files_from_older_versions_get_an_empty_plan_that_works(
    tmp_path: Path, old_version: int
) -> None:
    path = tmp_path / "old.slotrace"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, 0, to_version=old_version)
    conn.execute("INSERT INTO event VALUES (1, 'Old event', '{}', '2024-05-01')")
    conn.execute("INSERT INTO stages VALUES (1, 'leg 1', '{}'), (2, 'leg 2', '{}')")
    for entry in ENTRIES:
        conn.execute("INSERT INTO entries VALUES (?, NULL, ?)",
                     (entry["entry_no"], f'{{"entry_no": {entry["entry_no"]}}}'))
    conn.close()
    with EventFile.open(path) as ef:
        assert ef.planned_heats() == [] and ef.next_planned_heat() is None
        ef.save_heat_plan(PLAN)
        recorder = ef.start_planned_heat(1)
        assert ef.heat(recorder.heat).plan == PLAN[0].plan


def test_race_numbers_are_saved_without_losing_verdicts(event_file: EventFile) -> None:
    event_file.add_verdict(1, "OK", "pass", "passed every check", "scrutineer")
    event_file.set_race_numbers({1: 2100, 2: 2101})
    event_file.set_race_numbers({1: 2101, 2: 2100})  # swapping two numbers is fine
    assert [e.get("race_number") for e in event_file.entries()] == [2101, 2100, None, None]
    assert [v["code"] for v in event_file.verdicts(1)] == ["OK"]
    with pytest.raises(EventFileError, match="race number 2100 would be given to both"):
        event_file.set_race_numbers({3: 2100})
    with pytest.raises(EventFileError, match=r"no entries \[9\]"):
        event_file.set_race_numbers({9: 1})
    assert [e.get("race_number") for e in event_file.entries()] == [2101, 2100, None, None]


def test_an_interrupted_heat_comes_next_before_earlier_waiting_ones(event_file: EventFile) -> None:
    event_file.save_heat_plan(PLAN)
    event_file.start_planned_heat(2)
    assert event_file.next_planned_heat().number == 2
