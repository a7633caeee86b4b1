"""A whole sample event: entries -> scrutineering -> start list -> heats run through the engine
-> stage scores -> classification with side tables and the charity total."""

from __future__ import annotations

import random

from driving import drive

from slotrace.drivers_api.events import CarPassed
from slotrace.engine import SessionConfig, SessionKind, fold
from slotrace.rules.classify import classify, pledge_earned
from slotrace.rules.heats import plan_heats
from slotrace.rules.model import TrialKind
from slotrace.rules.scoring import laps_driven, runs_from_race_state, score_event
from slotrace.rules.scrutineer import scrutineer
from slotrace.rules.startorder import make_start_list, with_numbers

SHORT_CUTTER = 2  # entry number of the Marzotto replica: skips the valley loop every lap
NO_SHOW = 3  # the Taruffi replica never turns up


def run_heat(track, leg, heat, rng):
    """Record one heat as the control unit would report it and fold it with the engine."""
    events = []
    for slot in heat.slots:
        if slot.entry_no == NO_SHOW:
            continue
        laps = [rng.uniform(23.0, 28.0) for _ in range(leg.laps)]
        skip = frozenset(range(leg.laps)) if slot.entry_no == SHORT_CUTTER else frozenset()
        run = drive(track, laps, start_ms=2_000 + 700 * slot.address, skip_loop_on=skip,
                    jitter_ms=3, seed=slot.entry_no)
        events += [CarPassed(slot.address, c.sensor, c.time_ms) for c in run.crossings]
    events.sort(key=lambda e: e.device_ms)
    config = SessionConfig(kind=SessionKind.PRACTICE, sensor_groups=3,
                           cars=tuple(s.address for s in heat.slots))
    return runs_from_race_state(fold(config, events), heat)


def test_sample_event_scored_end_to_end(sample_entries, event, track):
    verdicts = scrutineer(sample_entries, event)
    start = make_start_list(sample_entries, event, verdicts)
    entries = with_numbers(sample_entries, start)
    plan = plan_heats(start, event)
    rng = random.Random(7)
    leg_runs = []
    for index, leg in enumerate(event.legs):
        runs = {}
        for heat in plan.heats_of_leg(index):
            runs.update(run_heat(track, leg, heat, rng))
        leg_runs.append(runs)
    starters = [s.entry_no for s in start.slots]
    scores = score_event(event.legs, track, leg_runs, starters, event.scale)
    laps = {n: sum(laps_driven(r[n], track, leg) for r, leg in zip(leg_runs, event.legs,
                                                                    strict=True) if n in r)
            for n in starters}
    result = classify(entries, event, scores, starters, laps)

    assert len(result.overall) == 72 == len(starters)
    assert [r.position for r in result.overall] == sorted(r.position for r in result.overall)
    assert all(a.score <= b.score for a, b in zip(result.overall, result.overall[1:], strict=False))
    labels = [r.label for r in result.overall]
    assert any(label.startswith("#722 Stirling Moss") for label in labels)

    # the short-cutter misses every valley CT stamp: 2 + 2 + 1 + 1 stamps x 300
    short = next(r for r in result.overall if r.entry_no == SHORT_CUTTER)
    ct = [s for s in scores[SHORT_CUTTER] if s.kind is TrialKind.CT]
    assert [s.penalty for s in ct] == [600, 300, 300, 300]
    # the no-show misses everything: PCs and PMs at the cap, COs at the over-late penalty
    no_show = next(r for r in result.overall if r.entry_no == NO_SHOW)
    assert no_show.position == 72 and short.position < no_show.position
    assert all(s.missed for s in scores[NO_SHOW])

    assert set(result.by_category) == {"S", "GT", "T"}
    assert sum(len(t) for t in result.by_class.values()) == 72
    assert result.ladies and all(
        next(e for e in entries if e.entry_no == r.entry_no).ladies_crew for r in result.ladies)
    assert all(next(e for e in entries if e.entry_no == r.entry_no).nationality != "IT"
               for r in result.nations)
    speed = result.speed["Radicofani speed trial"]
    assert speed[0].avg_scale_kmh > speed[-2].avg_scale_kmh
    assert speed[-1].entry_no == NO_SHOW and speed[-1].position is None

    by_no = {e.entry_no: e for e in entries}
    assert laps[1] == 5 + 5 + 6 + 4 and laps[NO_SHOW] == 0
    expected = sum(by_no[n].entry_fee + pledge_earned(by_no[n], laps[n]) for n in starters)
    assert result.charity.total == round(expected, 2)
    assert result.charity.fees == sum(by_no[n].entry_fee for n in starters)
