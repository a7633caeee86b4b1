"""Issue 9 item 6 on the command line: ``slotrace stewards`` log, void-heat and reopen-heat.

The reduced sample event runs its first planned heat on the simulator once; every test works
on its own copy. Voiding keeps the heat and its journal and lets ``slotrace run --next`` run
the planned heat again as a new heat; reopening makes the finished heat resumable; both are
refused without a reason and while another program writes the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.store import EventFile, HeatAction, HeatStatus, PlannedHeatStatus

RUN = ("--device", "sim", "--speedup", "100", "--laps", "2", "--timeout", "120")


def _fails(*args: str | Path, code: int = 1) -> str:
    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stderr


def _journal(event: Path, heat: int) -> list[tuple[int, dict]]:
    with EventFile.open(event, read_only=True) as ef:
        return [(row.seq, row.record) for row in ef.journal(heat)]


@pytest.fixture(scope="module")
def raced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stewards")
    event = folder / "club.slotrace"
    reduced_sample(folder / "entries.csv")
    slotrace("new", event)
    slotrace("entries", "import", event, folder / "entries.csv")
    slotrace("scrutineer", event, "--record", expect=3)
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    slotrace("run", event, "--next", *RUN)
    return event


@pytest.fixture
def event(raced: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "club.slotrace"
    shutil.copy(raced, copy)
    return copy


def test_void_keeps_the_journal_and_the_planned_heat_runs_again(event: Path) -> None:
    before = _journal(event, 1)
    assert before
    out = slotrace("stewards", "void-heat", event, 1, "--reason", "lane 2 lost power",
                   "--by", "clerk")
    assert "void recorded ('lane 2 lost power', by clerk)" in out
    assert f"journal of {len(before)} rows is kept" in out
    assert f"slotrace run {event} --heat 1" in out
    with EventFile.open(event, read_only=True) as ef:
        assert ef.heat(1).status is HeatStatus.ABORTED
        assert ef.planned_heat(1).status is PlannedHeatStatus.ABORTED
        assert ef.next_planned_heat().number == 1
    assert _journal(event, 1) == before

    run = slotrace("run", event, "--next", *RUN)
    assert "Heat 1" in run
    with EventFile.open(event, read_only=True) as ef:
        first, again = ef.heats()
        assert (first.id, first.status) == (1, HeatStatus.ABORTED)  # still listed, not replaced
        assert again.status is HeatStatus.FINISHED and again.cars == first.cars
        assert ef.planned_heat(1).heat_id == again.id
        assert ef.planned_heat(1).status is PlannedHeatStatus.FINISHED
        assert [d.action for d in ef.heat_decisions()] == [HeatAction.VOID]
    assert _journal(event, 1) == before


def test_a_void_heat_cannot_be_voided_twice_nor_reopened(event: Path) -> None:
    slotrace("stewards", "void-heat", event, 1, "--reason", "false start chaos")
    assert "already void" in _fails("stewards", "void-heat", event, 1, "--reason", "again")
    assert "only a finished heat can be reopened" in _fails(
        "stewards", "reopen-heat", event, 1, "--reason", "oops")
    with EventFile.open(event, read_only=True) as ef:
        assert len(ef.heat_decisions()) == 1


def test_reopen_makes_the_finished_heat_resumable_and_keeps_its_journal(event: Path) -> None:
    before = _journal(event, 1)
    out = slotrace("stewards", "reopen-heat", event, 1, "--reason", "missed lap of #722",
                   "--by", "chief steward")
    assert "reopen recorded ('missed lap of #722', by chief steward)" in out
    with EventFile.open(event, read_only=True) as ef:
        assert ef.heat_in_progress().id == 1
        assert ef.planned_heat(1).status is PlannedHeatStatus.RUNNING
    assert "only a finished heat" in _fails("stewards", "reopen-heat", event, 1,
                                            "--reason", "twice")
    # slotrace run cannot correct it: refused, instead of finishing it again unchanged
    assert "only race control can correct it" in _fails("run", event, "--next", *RUN)
    with EventFile.open(event, read_only=True) as ef:
        assert [h.id for h in ef.heats()] == [1]  # no new heat either
        assert ef.heat(1).status is HeatStatus.RUNNING
    assert _journal(event, 1) == before


def test_a_decision_needs_a_reason_and_nothing_changes_without_one(event: Path) -> None:
    assert "--reason" in _fails("stewards", "void-heat", event, 1, code=2)
    assert "say why" in _fails("stewards", "void-heat", event, 1, "--reason", "  ")
    assert "say why" in _fails("stewards", "reopen-heat", event, 1, "--reason", "")
    with EventFile.open(event, read_only=True) as ef:
        assert ef.heat_decisions() == [] and ef.heat(1).status is HeatStatus.FINISHED


def test_unknown_heat_is_named(event: Path) -> None:
    assert "has no heat 9 (heats: 1)" in _fails("stewards", "void-heat", event, 9,
                                                "--reason", "x")


def test_refused_while_another_program_writes_and_log_still_reads(event: Path) -> None:
    with EventFile.open(event, writer="slotrace open"):
        refused = _fails("stewards", "void-heat", event, 1, "--reason", "power cut")
        assert "is being written by slotrace open" in refused
        assert "no decisions" in slotrace("stewards", "log", event)
    with EventFile.open(event, read_only=True) as ef:
        assert ef.heat_decisions() == [] and ef.heat(1).status is HeatStatus.FINISHED


def test_log_lists_entry_and_heat_decisions_with_who_when_and_why(event: Path) -> None:
    assert "no decisions on entries or heats yet" in slotrace("stewards", "log", event)
    slotrace("entries", "withdraw", event, 3, "--reason", "gearbox", "--by", "clerk")
    slotrace("entries", "dns", event, 4, "--leg", "2", "--reason", "late", "--by", "clerk")
    slotrace("entries", "swap-car", event, 2, "--set", "model=166 MM", "--reason", "spare car",
             "--by", "chief scrutineer")
    slotrace("stewards", "void-heat", event, 1, "--reason", "timing fault", "--by", "stewards")
    slotrace("entries", "reinstate", event, 3, "--reason", "repaired", "--by", "clerk")

    text = slotrace("stewards", "log", event)
    lines = [line for line in text.splitlines() if " UTC  " in line]
    assert [line.split()[3] for line in lines] == [
        "withdraw", "dns", "swap-car", "void-heat", "reinstate"]
    assert "entry 3 " in lines[0] and ": gearbox (by clerk)" in lines[0]
    assert "dns (leg 2)" in lines[1] and "entry 4" in lines[1]
    assert "heat 1 Heat 1" in lines[3] and ": timing fault (by stewards)" in lines[3]
    assert "model '195 S' -> '166 MM'" in text
    assert "5 decisions" in text

    logged = json.loads(slotrace("stewards", "log", event, "--json"))
    assert [(d["kind"], d["subject"], d["action"]) for d in logged] == [
        ("entry", 3, "withdraw"), ("entry", 4, "dns"), ("entry", 2, "car_swap"),
        ("heat", 1, "void"), ("entry", 3, "reinstate")]
    assert logged[1]["leg"] == 2 and logged[0]["by"] == "clerk"
    assert logged[0]["reason"] == "gearbox" and logged[0]["at"].endswith("+00:00")
    assert logged[0]["label"].endswith("(proxy)") and logged[3]["label"].startswith("Heat 1")
    assert logged[2]["detail"]["new_car"]["model"] == "166 MM"
