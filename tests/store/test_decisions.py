"""Stewards' decisions in the store: one log in the order made, what the heat plan leaves out,
and heats of the saved plan not yet run without the cars left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from slotrace.store import EntryAction, EventFile, EventFileError, PlannedHeatSpec

ENTRIES = [{"entry_no": n, "entrant": f"crew {n}"} for n in range(1, 5)]


def _heat(number: int, leg: int, *entry_nos: int) -> dict:
    slots = [{"entry_no": e, "address": a, "recode": False}
             for a, e in enumerate(entry_nos, start=1)]
    return {"leg": leg, "number": number, "slots": slots}


@pytest.fixture
def event_file(tmp_path: Path):
    with EventFile.create(tmp_path / "d.slotrace", {"name": "Decisions"}) as ef:
        ef.set_entries(ENTRIES)
        ef.set_stage(1, "leg 1")
        ef.set_stage(2, "leg 2")
        yield ef


def test_the_log_keeps_entry_and_heat_decisions_in_the_order_made(
    event_file: EventFile,
) -> None:
    recorder = event_file.start_heat("Heat 1", {}, cars={1: 1})
    event_file.finish_heat(recorder.heat)
    event_file.decide_entry(2, EntryAction.WITHDRAW, reason="broken", author="clerk")
    event_file.void_heat(recorder.heat, reason="timing fault", author="stewards")
    event_file.decide_entry(2, EntryAction.REINSTATE, reason="fixed", author="clerk")
    event_file.decide_entry(3, EntryAction.DNS, leg=1, reason="late", author="clerk")
    log = event_file.decision_log()
    assert [(d.kind, d.subject, d.action) for d in log] == [
        ("entry", 2, "withdraw"), ("heat", 1, "void"), ("entry", 2, "reinstate"),
        ("entry", 3, "dns")]
    assert [d.id for d in log] == [1, 1, 2, 3]  # numbered per kind, ordered as made
    assert [d.decided_at for d in log] == sorted({d.decided_at for d in log})  # all distinct
    assert log[3].leg == 1 and log[1].reason == "timing fault" and log[1].author == "stewards"


def test_a_decision_is_always_stamped_after_the_latest_one() -> None:
    from slotrace.store.decisions import _decided_at

    # the clock was set back (or two decisions fell in one millisecond)
    assert _decided_at("2999-01-01T10:00:00.998+00:00") == "2999-01-01T10:00:00.999+00:00"
    assert _decided_at("2999-01-01T10:00:00+00:00") == "2999-01-01T10:00:00.001+00:00"
    assert _decided_at("2000-01-01T00:00:00+00:00") > "2000-01-01T00:00:00+00:00"


def test_left_out_gives_each_car_its_reason_and_legs(event_file: EventFile) -> None:
    event_file.decide_entry(1, EntryAction.WITHDRAW, reason="engine", author="clerk")
    event_file.decide_entry(2, EntryAction.DNS, leg=1, reason="late", author="clerk")
    event_file.decide_entry(2, EntryAction.DNS, leg=3, reason="tired", author="clerk")
    event_file.decide_entry(3, EntryAction.DNS, reason="ill", author="doctor")
    event_file.decide_entry(4, EntryAction.WITHDRAW, reason="x", author="clerk")
    event_file.decide_entry(4, EntryAction.REINSTATE, reason="mistake", author="clerk")
    out = {x.entry_no: x for x in event_file.left_out()}
    assert set(out) == {1, 2, 3}
    assert (out[1].reason, out[1].legs) == ("withdrawn: engine (by clerk)", None)
    assert out[2].legs == frozenset({1, 3}) and out[2].starts_in(0) and not out[2].starts_in(1)
    assert out[2].reason == ("non-starter in leg 2: late (by clerk); "
                             "non-starter in leg 4: tired (by clerk)")
    assert out[3].reason == "non-starter: ill (by doctor)"
    assert event_file.entries_not_starting(1) == {1, 2, 3}  # the same reading


def test_waiting_heats_of_the_saved_plan_drop_cars_left_out(event_file: EventFile) -> None:
    config = {"kind": "race_laps", "laps": 3, "cars": [1, 2, 3]}
    event_file.save_heat_plan([
        PlannedHeatSpec("Heat 1", _heat(1, 0, 1, 2, 3), config, stage=1),
        PlannedHeatSpec("Heat 2", _heat(2, 1, 1, 2, 3), config, stage=2),
    ])
    recorder = event_file.start_planned_heat(1)
    event_file.finish_heat(recorder.heat)
    event_file.decide_entry(2, EntryAction.WITHDRAW, reason="crash", author="clerk")
    ran, waiting = event_file.planned_heats()
    assert ran.cars == {1: 1, 2: 2, 3: 3}  # what ran stays as it ran
    assert waiting.cars == {1: 1, 3: 3} and waiting.config["cars"] == [1, 3]
    started = event_file.start_planned_heat(2)
    assert event_file.heat(started.heat).cars == {1: 1, 3: 3}


def test_a_decision_needs_a_reason_an_author_and_a_known_entry(event_file: EventFile) -> None:
    with pytest.raises(EventFileError, match="a reason and an author"):
        event_file.decide_entry(1, EntryAction.WITHDRAW, reason=" ", author="clerk")
    with pytest.raises(EventFileError, match="has no entry 9"):
        event_file.decide_entry(9, EntryAction.WITHDRAW, reason="x", author="clerk")
    assert event_file.decision_log() == []
