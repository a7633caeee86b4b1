"""Issue 9 item 5 on the command line: entries after heats have run.

One reduced sample event (12 entries, entry 11 rejected at scrutineering, 8 planned heats) runs
its first heat on the simulator; every test works on its own copy of that file. A replacing
import is refused and changes nothing; --add and --update keep what is recorded; withdraw,
reinstate, dns and swap-car are recorded with reason and author and the heat plan
(``slotrace heats`` and the saved plan ``slotrace run --next`` uses) respects them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.store import EntryAction, EventFile, HeatStatus


def _error(*args: str | Path) -> str:
    """Run a command that must fail with exit 1; returns its stderr."""
    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, f"{args}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stderr


def _sample_rows() -> list[dict[str, str]]:
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(
        "\n".join(line for line in text.splitlines() if not line.startswith("#")))))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), "utf-8")
    return path


def _recorded(event: Path) -> tuple[list, list, list]:
    """Entries, verdicts and the saved plan's cars, as stored."""
    with EventFile.open(event, read_only=True) as ef:
        return ef.entries(), ef.verdicts(), [p.cars for p in ef.planned_heats()]


def _heats_json(event: Path) -> dict:
    return json.loads(slotrace("heats", event, "--json"))


def _cars_by_leg(plan: dict) -> dict[int, set[int]]:
    legs: dict[str, set[int]] = {}
    for heat in plan["heats"]:
        legs.setdefault(heat["leg"], set()).update(c["entry_no"] for c in heat["cars"])
    return {i: cars for i, cars in enumerate(legs.values())}


@pytest.fixture(scope="module")
def raced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, dict[str, str]]]:
    """An event whose first planned heat ran; returns the file and the imported rows."""
    folder = tmp_path_factory.mktemp("raced")
    event = folder / "club.slotrace"
    rows = reduced_sample(folder / "entries.csv")
    slotrace("new", event)
    slotrace("entries", "import", event, folder / "entries.csv")
    slotrace("scrutineer", event, "--record", expect=3)  # entry 11 rejected on purpose
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    slotrace("run", event, "--next", "--device", "sim", "--speedup", "100", "--laps", "2",
             "--timeout", "120")
    with EventFile.open(event, read_only=True) as ef:
        assert [h.status for h in ef.heats()] == [HeatStatus.FINISHED]
    return event, rows


@pytest.fixture
def event(raced, tmp_path: Path) -> Path:
    copy = tmp_path / "club.slotrace"
    shutil.copy(raced[0], copy)
    return copy


def test_a_replacing_import_after_heats_is_refused_and_changes_nothing(
    event: Path, raced, tmp_path: Path
) -> None:
    late = _write_csv(tmp_path / "late.csv", _sample_rows()[20:25])
    before = _recorded(event)
    refused = _error("entries", "import", event, late)
    assert "already records 1 heats" in refused and "--add" in refused
    assert "nothing changed" in refused
    assert _recorded(event) == before
    listed = slotrace("entries", "list", event)
    assert f"{len(raced[1])} entries" in listed


def test_add_numbers_late_entries_after_the_highest_and_keeps_everything_else(
    event: Path, raced, tmp_path: Path
) -> None:
    rows = [dict(r, race_number="") for r in _sample_rows()[20:22]]
    late = _write_csv(tmp_path / "late.csv", rows)
    before_entries, before_verdicts, before_plan = _recorded(event)
    highest = max(raced[1])
    out = slotrace("entries", "import", event, late, "--add")
    assert f"added 2 late entries (entry_no {highest + 1}..{highest + 2})" in out
    entries, verdicts, plan = _recorded(event)
    assert entries[: len(before_entries)] == before_entries
    assert [(e["entry_no"], e["entrant"]) for e in entries[len(before_entries):]] == [
        (highest + 1, rows[0]["entrant"]), (highest + 2, rows[1]["entrant"])]
    assert verdicts == before_verdicts and plan == before_plan


def test_add_refuses_a_race_number_another_entry_has(event: Path, tmp_path: Path) -> None:
    with EventFile.open(event, read_only=True) as ef:
        taken = next(e["race_number"] for e in ef.entries() if e["race_number"] is not None)
    late = _write_csv(tmp_path / "late.csv", [dict(_sample_rows()[20], race_number=str(taken))])
    before = _recorded(event)
    assert f"race number {taken} is already entry" in _error(
        "entries", "import", event, late, "--add")
    assert _recorded(event) == before


def test_update_keeps_race_numbers_and_verdicts(event: Path, raced, tmp_path: Path) -> None:
    entries_before, verdicts_before, plan_before = _recorded(event)
    row = dict(raced[1][3], entrant="Corrected Name", race_number="")
    out = slotrace("entries", "import", event, _write_csv(tmp_path / "fix.csv", [row]),
                   "--update")
    assert "updated 1 entries (race numbers and verdicts kept)" in out
    entries, verdicts, plan = _recorded(event)
    changed = {e["entry_no"]: e for e in entries}[3]
    assert changed["entrant"] == "Corrected Name"
    assert changed["race_number"] == {e["entry_no"]: e for e in entries_before}[3]["race_number"]
    assert changed["race_number"] is not None
    assert verdicts == verdicts_before and plan == plan_before
    assert [e for e in entries if e["entry_no"] != 3] == [
        e for e in entries_before if e["entry_no"] != 3]


def test_update_refuses_an_unknown_entry(event: Path, raced, tmp_path: Path) -> None:
    row = dict(raced[1][3], entry_no="999")
    before = _recorded(event)
    refused = _error("entries", "import", event, _write_csv(tmp_path / "x.csv", [row]),
                     "--update")
    assert "no entry_no 999" in refused and "--add" in refused
    assert _recorded(event) == before


def _waiting_car(event: Path) -> int:
    """A car of planned heat 2 (leg 1, not run yet)."""
    with EventFile.open(event, read_only=True) as ef:
        return next(iter(ef.planned_heat(2).cars.values()))


def test_a_withdrawn_car_is_left_out_of_the_plan_with_its_reason_and_reinstated(
    event: Path,
) -> None:
    car = _waiting_car(event)
    out = slotrace("entries", "withdraw", event, car, "--reason", "gearbox broken",
                   "--by", "clerk")
    assert f"entry {car}: withdraw recorded ('gearbox broken', by clerk)" in out
    plan = _heats_json(event)
    assert all(car not in cars for cars in _cars_by_leg(plan).values())
    assert {"entry_no": car, "reason": "withdrawn: gearbox broken (by clerk)"} in plan[
        "not_planned"]
    assert f"not planned: entry {car} " in slotrace("heats", event)
    with EventFile.open(event, read_only=True) as ef:
        assert car not in ef.planned_heat(2).cars.values()  # the saved plan too
        [decision] = ef.entry_decisions(car)
        assert (decision.action, decision.reason, decision.author) == (
            EntryAction.WITHDRAW, "gearbox broken", "clerk")

    slotrace("entries", "reinstate", event, car, "--reason", "repaired", "--by", "clerk")
    plan = _heats_json(event)
    assert all(car in cars for cars in _cars_by_leg(plan).values())
    assert car not in {m["entry_no"] for m in plan["not_planned"]}
    with EventFile.open(event, read_only=True) as ef:
        assert car in ef.planned_heat(2).cars.values()
        assert [d.action for d in ef.entry_decisions(car)] == [
            EntryAction.WITHDRAW, EntryAction.REINSTATE]


def test_the_next_heat_runs_without_the_withdrawn_car(event: Path) -> None:
    car = _waiting_car(event)
    slotrace("entries", "withdraw", event, car, "--reason", "no show", "--by", "clerk")
    slotrace("run", event, "--next", "--device", "sim", "--speedup", "100", "--laps", "2",
             "--timeout", "120")
    with EventFile.open(event, read_only=True) as ef:
        heat = ef.heat(ef.planned_heat(2).heat_id)
        assert heat.status is HeatStatus.FINISHED  # did not wait for the absent car
        assert car not in heat.cars.values() and heat.cars
        assert sorted(heat.config["cars"]) == sorted(heat.cars)


def test_dns_for_one_leg_and_for_the_event(event: Path) -> None:
    with EventFile.open(event, read_only=True) as ef:
        one_leg, whole = list(ef.planned_heat(2).cars.values())[:2]
    slotrace("entries", "dns", event, one_leg, "--leg", "2", "--reason", "late at the venue",
             "--by", "clerk")
    slotrace("entries", "dns", event, whole, "--reason", "ill", "--by", "clerk")
    plan = _heats_json(event)
    legs = _cars_by_leg(plan)
    assert one_leg not in legs[1] and all(one_leg in legs[i] for i in (0, 2, 3))
    assert all(whole not in cars for cars in legs.values())
    reasons = {m["entry_no"]: m["reason"] for m in plan["not_planned"]}
    assert reasons[one_leg] == "non-starter in leg 2: late at the venue (by clerk)"
    assert reasons[whole] == "non-starter: ill (by clerk)"
    with EventFile.open(event, read_only=True) as ef:
        leg2 = [p for p in ef.planned_heats() if p.leg == 1]
        assert all(one_leg not in p.cars.values() for p in leg2)
        assert whole not in ef.planned_heat(2).cars.values()


def test_swap_car_keeps_number_and_verdicts_and_records_both_cars(event: Path) -> None:
    entries, verdicts, _ = _recorded(event)
    before = {e["entry_no"]: e for e in entries}[2]
    out = slotrace("entries", "swap-car", event, 2, "--set", "model=166 MM",
                   "--reason", "spare car after a crash", "--by", "chief scrutineer")
    assert "entry 2: swap-car recorded ('spare car after a crash', by chief scrutineer)" in out
    entries_after, verdicts_after, _ = _recorded(event)
    after = {e["entry_no"]: e for e in entries_after}[2]
    assert after["car"]["model"] == "166 MM"
    assert after["race_number"] == before["race_number"] and verdicts_after == verdicts
    assert {k: v for k, v in after["car"].items() if k != "model"} == {
        k: v for k, v in before["car"].items() if k != "model"}
    with EventFile.open(event, read_only=True) as ef:
        [swap] = ef.entry_decisions(2)
        assert swap.detail["old_car"] == before["car"] and swap.detail["new_car"] == after["car"]
    legs = _cars_by_leg(_heats_json(event))  # still planned: a swap is not a withdrawal
    assert all(2 in cars for cars in legs.values())


def test_a_swapped_car_is_scrutineered_again_by_the_heat_plan(event: Path) -> None:
    slotrace("entries", "swap-car", event, 2, "--set", "model=212 Export", "--reason", "spare",
             "--by", "clerk")
    reasons = {m["entry_no"]: m["reason"] for m in _heats_json(event)["not_planned"]}
    assert "212 Export is not in the Mille Miglia register" in reasons[2]


def test_a_bad_swap_names_the_field_and_changes_nothing(event: Path) -> None:
    before = _recorded(event)
    refused = _error("entries", "swap-car", event, 2, "--set", "displacement_cc=lots",
                     "--reason", "spare", "--by", "clerk")
    assert "displacement_cc" in refused and "nothing changed" in refused
    assert _recorded(event) == before


def test_a_decision_without_a_reason_is_refused(event: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "slotrace", "entries", "withdraw", str(event),
                           "2", "--by", "clerk"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--reason" in done.stderr
    assert "a reason" in _error("entries", "withdraw", event, 2, "--reason", " ", "--by", "clerk")
