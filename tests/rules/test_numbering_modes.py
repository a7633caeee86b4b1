"""Numbering follows the event's mode end to end: numbers given pass E6, every car is planned."""

from __future__ import annotations

import pytest
from conftest import make_entry

from slotrace.rules.heats import plan_heats
from slotrace.rules.model import NumberingConfig, NumberingMode
from slotrace.rules.scrutineer import Check, check_entry, scrutineer
from slotrace.rules.startorder import make_start_list, with_numbers

# the sample's ten deliberate failures (see the header of sample-entries.csv)
FAILING = {11, 21, 31, 41, 51, 61, 71, 76, 80, 81}


def _in_mode(event, mode, **numbering):
    return event.model_copy(update={"numbering": NumberingConfig(mode=mode, **numbering)})


@pytest.mark.parametrize("mode", [NumberingMode.MODERN, NumberingMode.PRE_1949,
                                  NumberingMode.HISTORIC])
def test_the_82_entry_sample_plans_every_car_that_passed(sample_entries, event, mode):
    event = _in_mode(event, mode)
    assert len(sample_entries) == 82
    passed = {v.entry_no for v in scrutineer(sample_entries, event) if v.passed}
    # the day's workflow: number the start list, save it, scrutineer again, plan the heats
    numbered = with_numbers(sample_entries, make_start_list(
        sample_entries, event, scrutineer(sample_entries, event)))
    verdicts = scrutineer(numbered, event)
    assert {v.entry_no for v in verdicts if v.passed} == passed  # our own numbers pass E6
    plan = plan_heats(make_start_list(numbered, event, verdicts), event)
    planned = {s.entry_no for h in plan.heats for s in h.slots}
    assert planned == passed
    # nobody is dropped silently: the rest are listed with their reason
    assert {m.entry_no for m in plan.unplanned} == {e.entry_no for e in sample_entries} - passed
    assert all(m.reason.startswith("did not pass scrutineering (") for m in plan.unplanned)


def test_modern_numbers_are_not_start_times(event, register):
    modern = _in_mode(event, NumberingMode.MODERN)
    entry = make_entry(race_number=72, marque="Ferrari", model="500 Mondial", replica_year=1954,
                       build_year=1954, displacement_cc=1985, supercharged=False)
    assert Check.E6 not in {f.check for f in check_entry(entry, modern, register).findings}
    historic = _in_mode(event, NumberingMode.HISTORIC)
    assert Check.E6 in {f.check for f in check_entry(entry, historic, register).findings}


def test_historic_period_number_is_kept_pinned_and_placed_by_class(event):
    # Nuvolari's 1933 #98 (00:98 is no time): placed in the class order, number kept
    historic = _in_mode(event, NumberingMode.HISTORIC)
    nuvolari = make_entry(1, race_number=98)  # 1932 8C 2300, 2336 cc
    small = [make_entry(n, marque="Fiat", model="508 Balilla", replica_year=1934,
                        build_year=1934, displacement_cc=995, supercharged=False)
             for n in (2, 3)]
    entries = [nuvolari, *small]
    start = make_start_list(entries, historic, scrutineer(entries, historic))
    by_entry = {s.entry_no: s for s in start.slots}
    assert by_entry[1].race_number == 98 and by_entry[1].pinned
    assert [s.entry_no for s in start.slots][-1] == 1  # the big class starts after the 1100s
    assert {by_entry[2].race_number, by_entry[3].race_number} == {2100, 2101}


def test_a_pinned_time_before_the_first_start_is_the_evening_before(event):
    historic = _in_mode(event, NumberingMode.HISTORIC, first_start="21:00")
    early = make_entry(1, race_number=2045, marque="Ferrari", model="500 Mondial",
                       replica_year=1954, build_year=1954, displacement_cc=1985,
                       supercharged=False)
    morning = make_entry(2, race_number=722, marque="Ferrari", model="500 Mondial",
                         replica_year=1954, build_year=1954, displacement_cc=1985,
                         supercharged=False)
    entries = [early, morning, make_entry(3)]
    start = make_start_list(entries, historic, scrutineer(entries, historic))
    assert [(s.entry_no, s.clock) for s in start.slots] == [
        (1, "20:45:00"), (3, "21:00:00"), (2, "07:22:00")]
    assert start.slots[0].start_s == 0 and start.slots[1].start_s == 15 * 60
