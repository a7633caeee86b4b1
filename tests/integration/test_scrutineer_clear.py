"""``slotrace scrutineer --override ENTRY --clear``: the chief scrutineer removes one car's
override, recorded with who and why like the override; the automatic checks decide for the
car again everywhere (report, start list, the event core's plan, entries screen). A car
without an override is refused and nothing is recorded. Also: a stored entry that does not
validate is named with its field by the scrutineer command and by the event core."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_scrutineer_override import REASON, event, slotrace, verdict_of

from slotrace.raceday import day_plan
from slotrace.store import EventFile, EventFileError
from slotrace.tui.screens.entries import verdict_summary

__all__ = ["event"]  # the fixture: the first 11 sample rows, entry 11 rejected (E2)


def test_clearing_an_override_lets_the_checks_decide_again(event: Path) -> None:
    slotrace("scrutineer", event, "--override", "11", "--pass", "--by", "A. Rossi",
             "--reason", REASON)
    assert verdict_of(event, 11)["passed"] is True
    done = slotrace("scrutineer", event, "--override", "11", "--clear", "--by", "B. Verdi",
                    "--reason", "register entry was for another chassis")
    assert "override of entry 11 cleared by B. Verdi: register entry was for another " \
           "chassis" in done.stdout
    assert "REJECTED" in done.stdout and "OVERRIDDEN" not in done.stdout
    verdict = verdict_of(event, 11)
    assert verdict["passed"] is False and verdict["override"] is None
    assert verdict["status"] == "REJECTED"
    assert "not started: entry 11" in slotrace("startlist", event).stdout
    with EventFile.open(event, read_only=True) as ef:
        plan = day_plan(ef)
        rows = [v for v in ef.verdicts(11) if v["code"] == "OVERRIDE"]
        summary = verdict_summary(ef.verdicts(11))
    assert plan is not None and 11 in plan.excluded
    # both decisions stay in the file, the clearing one with who and why
    assert [(r["severity"], r["decided_by"]) for r in rows] == [
        ("pass", "A. Rossi"), ("clear", "B. Verdi")]
    assert rows[1]["reason"] == "register entry was for another chassis" and rows[1]["decided_at"]
    assert summary.startswith("reject: E2")


def test_a_cleared_car_can_be_overridden_again(event: Path) -> None:
    slotrace("scrutineer", event, "--override", "11", "--pass", "--by", "A", "--reason", "ok")
    slotrace("scrutineer", event, "--override", "11", "--clear", "--by", "A", "--reason", "no")
    slotrace("scrutineer", event, "--override", "11", "--pass", "--by", "C", "--reason", "yes")
    assert verdict_of(event, 11)["override"]["by"] == "C"


@pytest.mark.parametrize(("args", "message"), [
    (["--override", "11", "--clear", "--by", "A", "--reason", "x"],
     "entry 11 has no chief scrutineer's override to clear; nothing was recorded"),
    (["--override", "11", "--clear", "--by", "A"], "say why with --reason"),
    (["--override", "11", "--clear", "--reason", "x"], "who decided with --by"),
    (["--clear", "--reason", "x"], "go with --override ENTRY"),
])
def test_clearing_without_an_override_or_who_and_why_is_refused(
        event: Path, args: list[str], message: str) -> None:
    done = slotrace("scrutineer", event, *args, expect=1)
    assert message in done.stderr
    with EventFile.open(event, read_only=True) as ef:
        assert not [v for v in ef.verdicts() if v["code"] == "OVERRIDE"]


def test_clear_and_pass_together_are_refused(event: Path) -> None:
    done = slotrace("scrutineer", event, "--override", "11", "--pass", "--clear", "--by", "A",
                    "--reason", "x", expect=2)
    assert "not allowed with argument" in done.stderr


def test_a_stored_entry_that_does_not_validate_is_named_with_its_field(event: Path) -> None:
    with sqlite3.connect(event) as conn:  # an entry edited by hand
        conn.execute("UPDATE entries SET data = json_set(data, '$.car.displacement_cc', -5)"
                     " WHERE entry_no = 4")
    done = slotrace("scrutineer", event, expect=1)
    assert "stored entry 4 is not valid: car.displacement_cc" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    with EventFile.open(event, read_only=True) as ef, pytest.raises(EventFileError) as caught:
        day_plan(ef)
    assert "stored entry 4 is not valid: car.displacement_cc" in str(caught.value)
