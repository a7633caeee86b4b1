"""Start order, race numbers as start times, pinned numbers, heats and the re-coding plan."""

from __future__ import annotations

import pytest
from conftest import make_entry

from slotrace.rules.errors import RulesError
from slotrace.rules.heats import plan_heats, split_evenly
from slotrace.rules.model import NumberingConfig, NumberingMode
from slotrace.rules.scrutineer import scrutineer
from slotrace.rules.startorder import make_start_list, number_to_time, time_to_number


@pytest.mark.parametrize(("number", "clock"), [(722, "07:22"), (6, "00:06"), (2100, "21:00"),
                                               (602, "06:02"), (36, "00:36")])
def test_numbers_are_start_times(number, clock):
    h, m = map(int, clock.split(":"))
    assert number_to_time(number) == h * 3600 + m * 60
    assert time_to_number(h * 3600 + m * 60 + 59) == number


def test_785_is_not_a_time():
    with pytest.raises(ValueError, match="#785"):
        number_to_time(785)


def numbered(event, entries, **numbering):
    event = event.model_copy(update={"numbering": NumberingConfig(**numbering)})
    return event, make_start_list(entries, event, scrutineer(entries, event))


def small(n, **kw):
    return make_entry(n, marque="Fiat", model="500 Topolino", replica_year=1950,
                      build_year=1950, displacement_cc=569, supercharged=False, category="T",
                      body_style="closed", **kw)


def big(n, **kw):
    return make_entry(n, marque="Ferrari", model="195 S", replica_year=1950, build_year=1950,
                      displacement_cc=2341, supercharged=False, **kw)


def test_historic_small_classes_first_and_numbers_unique(event):
    entries = [big(1), small(2), big(3), small(4), small(5)]
    _, start = numbered(event, entries, first_start="23:58")
    assert [s.entry_no for s in start.slots][:3] in ([2, 4, 5], [2, 5, 4], [4, 2, 5],
                                                      [4, 5, 2], [5, 2, 4], [5, 4, 2])
    numbers = [s.race_number for s in start.slots]
    # 30 s gaps in the small block collide in the minute and are shifted; clock wraps midnight
    assert numbers == [2358, 2359, 0, 1, 2]
    assert [s.clock for s in start.slots] == ["23:58:00", "23:59:00", "00:00:00", "00:01:00",
                                              "00:02:00"]
    assert start.slots[3].real_offset_s == 3.0  # one virtual minute per real second


def test_lot_is_seeded(event):
    entries = [small(n) for n in range(1, 9)]
    _, a = numbered(event, entries, seed=1)
    _, b = numbered(event, entries, seed=1)
    _, c = numbered(event, entries, seed=2)
    assert a == b
    assert [s.entry_no for s in a.slots] != [s.entry_no for s in c.slots]


def test_pinned_numbers_keep_their_start_time_and_others_move_round(event):
    entries = [small(1), small(2, race_number=2101), big(3, race_number=722), small(4)]
    _, start = numbered(event, entries, pinned={4: 1})
    by_entry = {s.entry_no: s for s in start.slots}
    assert by_entry[3].race_number == 722 and by_entry[3].clock == "07:22:00"
    assert by_entry[4].race_number == 1 and by_entry[4].pinned
    assert by_entry[1].race_number in (2100, 2102)
    assert len({s.race_number for s in start.slots}) == 4


def test_same_number_pinned_twice_is_refused(event):
    with pytest.raises(RulesError, match="#722 is pinned to both entry 1 and entry 2"):
        numbered(event, [big(1, race_number=722), big(2)], pinned={2: 722})


def test_rejected_entries_are_not_started(event):
    _, start = numbered(event, [small(1), small(2, scale=43)])
    assert [s.entry_no for s in start.slots] == [1] and start.excluded == (2,)


def test_modern_mode_oldest_first_om_pinned_front(event):
    entries = [big(1), make_entry(2), make_entry(3, marque="OM", model="665 Superba",
                                                 replica_year=1927, build_year=1927,
                                                 displacement_cc=1999, supercharged=False)]
    _, start = numbered(event, entries, mode=NumberingMode.MODERN)
    assert [(s.entry_no, s.race_number) for s in start.slots] == [(3, 1), (2, 2), (1, 3)]


def test_pre_1949_mode_numbers_in_entry_order_and_1927_biggest_first(event):
    entries = [big(1), small(2), big(3)]
    _, start = numbered(event, entries, mode=NumberingMode.PRE_1949)
    assert next(s.entry_no for s in start.slots) == 2
    assert {s.entry_no: s.race_number for s in start.slots} == {1: 1, 2: 2, 3: 3}
    _, preset = numbered(event, entries, mode=NumberingMode.PRESET_1927)
    assert [s.entry_no for s in preset.slots][-1] == 2


def test_split_evenly():
    assert [len(g) for g in split_evenly(list(range(80)), 6)] == [6] * 10 + [5] * 4
    assert split_evenly([], 6) == []


def test_heat_plan_for_sample_event(sample_entries, event):
    start = make_start_list(sample_entries, event, scrutineer(sample_entries, event))
    plan = plan_heats(start, event)
    assert len(plan.heats) == 12 * len(event.legs)  # 72 passed cars, 6 per heat, 4 legs
    for heat in plan.heats:
        assert len(heat.slots) <= 6
        assert sorted(s.address for s in heat.slots) == list(range(1, len(heat.slots) + 1))
    # every car is coded once before its first heat; none needs re-coding afterwards
    assert (plan.first_codings, plan.recodes) == (72, 0)
    assert all(not s.recode for h in plan.heats if h.leg > 0 for s in h.slots)
    assert plan.total_minutes == 48 * 6.0 + 47 * 3.0
