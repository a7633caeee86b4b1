"""Chief scrutineer's override of one car, on the command line: recorded with who and why, shown
as overridden, and obeyed by the start list, the heat plan (printed, saved and the event
core's) even after the automatic checks are recorded again.

The event is the first 11 rows of the shipped sample: entry 11 is rejected on purpose (E2).
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

from slotrace.raceday import day_plan
from slotrace.store import EventFile

REASON = "register entry confirmed by the marque club"


def slotrace(*args: str | Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    """Run the real command line; returns the finished process (stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done


@pytest.fixture()
def event(tmp_path: Path) -> Path:
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(
        "\n".join(line for line in text.splitlines() if not line.startswith("#")))))[:11]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    entries = tmp_path / "entries.csv"
    entries.write_text(out.getvalue(), "utf-8")
    path = tmp_path / "mille.slotrace"
    slotrace("new", path)
    slotrace("entries", "import", path, entries)
    report = slotrace("scrutineer", path, "--record", expect=3).stdout
    assert next(x for x in report.splitlines() if "Chiara Bruno" in x).startswith("REJECTED ")
    return path


def verdict_of(path: Path, entry_no: int) -> dict:
    """Entry ``entry_no``'s verdict in ``slotrace scrutineer --json`` (exit 0 or 3)."""
    done = subprocess.run([sys.executable, "-m", "slotrace", "scrutineer", str(path), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3), done.stderr
    return next(v for v in json.loads(done.stdout)["verdicts"] if v["entry_no"] == entry_no)


def test_a_rejected_car_passed_by_override_starts_and_is_planned(event: Path) -> None:
    before = slotrace("startlist", event).stdout
    assert "not started: entry 11" in before

    done = slotrace("scrutineer", event, "--override", "11", "--pass", "--reason", REASON,
                    "--by", "A. Rossi (chief scrutineer)")
    assert "PASSED (OVERRIDDEN)" in done.stdout
    assert f"OVERRIDE: passed by A. Rossi (chief scrutineer): {REASON}" in done.stdout

    report = slotrace("scrutineer", event).stdout  # every car passes now: exit 0
    line = next(x for x in report.splitlines() if x.startswith("PASSED (OVERRIDDEN)"))
    assert "Chiara Bruno" in line
    assert "E2 REGISTER" in report  # the automatic finding is still shown
    assert "11 entries: " in report and "0 rejected, 1 overridden" in report
    verdict = verdict_of(event, 11)
    assert verdict["passed"] is True
    assert verdict["override"]["by"] == "A. Rossi (chief scrutineer)"
    assert verdict["override"]["reason"] == REASON and verdict["override"]["at"]

    assert "not started" not in slotrace("startlist", event).stdout
    heats = json.loads(slotrace("heats", event, "--json").stdout)
    assert 11 in {car["entry_no"] for h in heats["heats"] for car in h["cars"]}
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")  # the recorded E2 reject no longer blocks it
    with EventFile.open(event, read_only=True) as ef:
        assert 11 in {n for p in ef.planned_heats() for n in p.cars.values()}
        assert [v["reason"] for v in ef.verdicts(11) if v["code"] == "OVERRIDE"] == [REASON]


def test_a_passed_car_rejected_by_override_is_left_out_with_the_reason(event: Path) -> None:
    slotrace("scrutineer", event, "--override", "3", "--reject", "--by", "A. Rossi",
             "--reason", "loose guide blade")
    slotrace("scrutineer", event, "--record", expect=3)  # checks again: the override stays
    report = slotrace("scrutineer", event, expect=3).stdout
    assert "REJECTED (OVERRIDDEN)" in report
    assert "OVERRIDE: rejected by A. Rossi: loose guide blade" in report
    start = slotrace("startlist", event).stdout
    assert ("not started: entry 3 " in start
            and "did not pass scrutineering (rejected by A. Rossi: loose guide blade)" in start)
    heats = json.loads(slotrace("heats", event, "--json").stdout)
    assert 3 not in {car["entry_no"] for h in heats["heats"] for car in h["cars"]}
    with EventFile.open(event, read_only=True) as ef:
        plan = day_plan(ef)  # the plan race control and `slotrace run` compute
    assert plan is not None and 3 in plan.excluded and 11 in plan.excluded


def test_the_latest_override_of_a_car_wins(event: Path) -> None:
    slotrace("scrutineer", event, "--override", "11", "--pass", "--by", "A", "--reason", "ok")
    slotrace("scrutineer", event, "--override", "11", "--reject", "--by", "B", "--reason", "no")
    override = verdict_of(event, 11)["override"]
    assert (override["passed"], override["reason"], override["by"]) == (False, "no", "B")
    assert "not started: entry 11" in slotrace("startlist", event).stdout


def test_a_race_number_names_the_car(event: Path) -> None:
    slotrace("startlist", event, "--save")
    with EventFile.open(event, read_only=True) as ef:
        number = next(e["race_number"] for e in ef.entries() if e["entry_no"] == 2)
    slotrace("scrutineer", event, "--override", f"#{number:03d}", "--reject", "--by", "A",
             "--reason", "no ballast")
    assert verdict_of(event, 2)["status"] == "REJECTED (OVERRIDDEN)"


@pytest.mark.parametrize(("args", "message"), [
    (["--override", "11", "--pass", "--by", "A"], "say why with --reason"),
    (["--override", "11", "--by", "A", "--reason", "x"], "needs --pass or --reject"),
    (["--override", "11", "--pass", "--reason", "x"], "who decided with --by"),
    (["--override", "99", "--pass", "--by", "A", "--reason", "x"], "has no entry 99"),
    (["--override", "#999", "--pass", "--by", "A", "--reason", "x"],
     "no entry carries race number #999"),
    (["--override", "eleven", "--pass", "--by", "A", "--reason", "x"], "give an entry_no"),
    (["--pass", "--reason", "x"], "go with --override ENTRY"),
])
def test_an_incomplete_override_is_refused_and_records_nothing(
        event: Path, args: list[str], message: str) -> None:
    done = slotrace("scrutineer", event, *args, expect=1)
    assert message in done.stderr
    with EventFile.open(event, read_only=True) as ef:
        assert not [v for v in ef.verdicts() if v["code"] == "OVERRIDE"]


def test_the_entries_screen_says_the_override_decided(event: Path) -> None:
    from slotrace.tui.screens.entries import verdict_summary

    slotrace("scrutineer", event, "--override", "11", "--pass", "--by", "A. Rossi",
             "--reason", REASON)
    with EventFile.open(event, read_only=True) as ef:
        assert verdict_summary(ef.verdicts(11)) == "pass (overridden by A. Rossi): E2, OVERRIDE"
