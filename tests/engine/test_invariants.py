"""Hypothesis stateful tests: invariants of the fold over arbitrary event sequences.

Total time is defined as: ``CarState.total_ms`` == sum of ``lap_ms`` over counted laps
(penalties are kept apart in ``penalty_ms`` and added only in the standings' total).

The engine's fast path (`slotrace.engine.hotpath`) is one rule set with the general rules:
for every session kind and every input the machine applies each event both ways and
requires the same state and the same race events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from engine.helpers import START, light, pit_status
from engine.synthetic import SyntheticRace, synthetic_events
from slotrace.drivers_api import CarPassed, EpochStarted, LinkDown, LinkUp
from slotrace.engine import (
    AbortStart,
    AddLap,
    Disqualify,
    EndSession,
    FinishRule,
    LapCompleted,
    LightsOut,
    MissedLapPolicy,
    PaceCar,
    Resume,
    Revoke,
    SessionConfig,
    SessionKind,
    StartSequence,
    Suspend,
    TimePenalty,
    YellowFlag,
    apply,
    fold,
    hotpath,
    initial_state,
    standings,
)

CARS = (1, 2, 3)
WHO = {"reason": "test", "author": "hypothesis"}


@contextmanager
def general_rules_only() -> Iterator[None]:
    """Fold with the fast path switched off: every crossing goes through the general rules."""
    with mock.patch.object(hotpath, "fast_crossing", lambda state, event, out: None):
        yield


def took_fast_path(state, event) -> bool:
    return isinstance(event, CarPassed) and hotpath.fast_crossing(state, event, None) is not None


class EngineMachine(RuleBasedStateMachine):
    @initialize(
        kind=st.sampled_from(list(SessionKind)),
        groups=st.integers(1, 3),
        policy=st.sampled_from(list(MissedLapPolicy)),
        rule_=st.sampled_from(list(FinishRule)),
        lights_out=st.booleans(),
        rounds=st.integers(0, 4),
        lap_times=st.lists(st.integers(2000, 6000), min_size=4 * len(CARS), max_size=4 * len(CARS)),
    )
    def configure(self, kind, groups, policy, rule_, lights_out, rounds, lap_times):
        """A session, maybe started, maybe with a few opening rounds of laps (so that later laps
        can be ordinary ones: counted, not a best lap - the fast path's case)."""
        self.config = SessionConfig(
            kind=kind,
            laps=8 if kind is SessionKind.RACE_LAPS else None,
            duration_ms=60_000 if kind is not SessionKind.RACE_LAPS else None,
            sensor_groups=groups,
            missed_lap_policy=policy,
            finish_rule=rule_,
            max_lap_ms=9000,
            cars=CARS,
        )
        self.state = initial_state(self.config)
        self.events = []
        self.now = 0
        self.epoch = 0
        if lights_out:
            self.lights_out()
        check_lanes = tuple(range(2, groups + 1))
        for i, lap_ms in enumerate(lap_times[: rounds * len(CARS)]):  # the cars in turn
            self.drive(CARS[i % len(CARS)], [(lap_ms, check_lanes)])

    def _apply(self, event):
        before = self.state
        self.state, race_events = apply(self.state, event)
        with general_rules_only():
            general = apply(before, event)
        assert (self.state, race_events) == general, "fast path and general rules differ"
        if took_fast_path(before, event):
            note_event(f"fast path: {self.config.kind.value}")
        self.events.append(event)
        gained = sum(car.laps - before.cars[n].laps for n, car in self.state.cars.items())
        assert sum(isinstance(e, LapCompleted) for e in race_events) == gained, (
            "one LapCompleted per counted lap"
        )
        for number, car in self.state.cars.items():
            old = before.cars[number]
            assert car.laps >= old.laps, "laps never decrease"
            assert car.laps - old.laps <= (1 if isinstance(event, CarPassed) else 0)
            if car.laps > old.laps:
                assert event.car == number
            assert len(car.crossings) >= len(old.crossings)

    @rule(car=st.sampled_from((*CARS, 5)), sensor=st.integers(1, 3), step=st.integers(0, 4000))
    def crossing(self, car, sensor, step):
        self.now += step
        self._apply(CarPassed(car, sensor, self.now, self.epoch))

    @rule(
        car=st.sampled_from(CARS),
        laps=st.lists(
            st.tuples(st.integers(2000, 6000), st.sampled_from(((), (2,), (3,), (2, 3)))),
            min_size=1,
            max_size=4,
        ),
    )
    def drive(self, car, laps):
        """Plausible laps: check lanes at a third and two thirds, then the finish line."""
        for lap_ms, check_lanes in laps:
            for sensor in check_lanes:
                at = self.now + lap_ms * (sensor - 1) // 3
                self._apply(CarPassed(car, sensor, at, self.epoch))
            self.now += lap_ms
            self._apply(CarPassed(car, 1, self.now, self.epoch))

    @rule()
    def lights_out(self):
        for event in START:
            self._apply(event)

    @rule(value=st.sampled_from((0, 1, 2, 6, 7, 8)))
    def start_light(self, value):
        self._apply(light(value))

    @rule(pit=st.frozensets(st.sampled_from(CARS)))
    def pit(self, pit):
        self._apply(pit_status(pit=pit))

    @rule(on=st.booleans())
    def yellow(self, on):
        self._apply(YellowFlag(on=on))

    @rule(on=st.booleans())
    def pace_car(self, on):
        self._apply(PaceCar(on=on))

    @rule(
        command=st.sampled_from(
            (StartSequence(**WHO), AbortStart(**WHO), LightsOut(**WHO), EndSession(**WHO))
        )
    )
    def start_or_end(self, command):
        self._apply(command)

    @rule(decision=st.integers(1, 6))
    def revoke(self, decision):
        self._apply(Revoke(decision=decision, **WHO))

    @rule(suspended=st.booleans())
    def suspend_or_resume(self, suspended):
        self._apply(Suspend(**WHO) if suspended else Resume(**WHO))

    @rule(car=st.sampled_from(CARS), decision=st.sampled_from(("add", "penalty", "dsq")))
    def steward(self, car, decision):
        if decision == "add":
            self._apply(AddLap(car=car, **WHO))
        elif decision == "penalty":
            self._apply(TimePenalty(car=car, ms=1000, **WHO))
        else:
            self._apply(Disqualify(car=car, **WHO))

    @rule(up=st.booleans())
    def link(self, up):
        """The link drops or comes back (race control restarted, a cable glitch)."""
        self._apply(LinkUp("test", reconnects=1) if up else LinkDown("test"))

    @rule()
    def timer_reset(self):
        self.epoch += 1
        self.now = 0
        self._apply(EpochStarted(self.epoch, "timer reset"))

    @invariant()
    def total_time_is_the_sum_of_counted_laps(self):
        for car in self.state.cars.values():
            assert car.total_ms == sum(lap.lap_ms for lap in car.lap_list if lap.counted)
            assert car.laps == sum(1 for lap in car.lap_list if lap.counted)

    @invariant()
    def positions_are_a_permutation_of_the_cars(self):
        rows = standings(self.state)
        assert sorted(r.car for r in rows) == list(CARS)
        assert [r.position for r in rows] == list(range(1, len(CARS) + 1))

    @invariant()
    def replaying_a_prefix_then_the_rest_equals_the_whole(self):
        if not self.events:
            return
        cut = len(self.events) // 2
        prefix = fold(self.config, self.events[:cut])
        for event in self.events[cut:]:
            prefix, _ = apply(prefix, event)
        assert prefix == self.state == fold(self.config, self.events)


TestEngineInvariants = EngineMachine.TestCase


def applied_both_ways(config: SessionConfig, events: list) -> tuple:
    """(state, race events) after ``events`` with the fast path, and with the general rules."""
    results = []
    for fast in (True, False):
        state, emitted = initial_state(config), []
        for event in events:
            if fast:
                state, race_events = apply(state, event)
            else:
                with general_rules_only():
                    state, race_events = apply(state, event)
            emitted += race_events
        results.append((state, emitted))
    return tuple(results)


def test_no_leader_yet_is_decided_by_the_general_rules():
    """Race: car 3 leads on steward-added laps before it has started, so nobody leads; car 1's
    ordinary second lap must not make it the leader on the fast path alone."""
    config = SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=600_000, cars=CARS)
    added = [AddLap(car=3, **WHO)] * 3
    crossings = [CarPassed(1, 1, t) for t in (1_000, 5_000, 9_200)]
    fast, general = applied_both_ways(config, [*START, *added, *crossings])
    assert fast == general
    assert fast[0].leader is None


def test_a_car_starting_after_the_leader_was_disqualified_is_found_by_the_general_rules():
    """Practice: the only car with a best lap is disqualified while car 2 has not started, so
    nobody leads; car 2 then starts, and car 1's next ordinary lap makes the general rules name
    car 2 the leader. The fast path must do the same."""
    config = SessionConfig(kind=SessionKind.PRACTICE, duration_ms=600_000, cars=CARS)
    events = [
        CarPassed(3, 1, 500),
        *(CarPassed(1, 1, t) for t in (1_000, 5_000)),
        Disqualify(car=1, **WHO),
        CarPassed(2, 1, 6_000),
        CarPassed(1, 1, 9_200),
    ]
    fast, general = applied_both_ways(config, events)
    assert fast == general
    assert fast[0].leader == 2


@pytest.mark.parametrize("kind", list(SessionKind))
def test_a_long_synthetic_session_folds_the_same_both_ways(kind):
    """A realistic journal: the fast path takes most crossings and changes nothing."""
    events = list(synthetic_events(SyntheticRace(duration_ms=120_000, miss_probability=0.02)))
    config = SessionConfig(
        kind=kind,
        laps=25 if kind is SessionKind.RACE_LAPS else None,
        duration_ms=None if kind is SessionKind.RACE_LAPS else 100_000,
        sensor_groups=3,
    )
    fast = general = initial_state(config)
    fast_events, general_events, fast_crossings, crossings = [], [], 0, 0
    for event in events:
        crossings += isinstance(event, CarPassed)
        fast_crossings += took_fast_path(fast, event)
        fast, emitted = apply(fast, event)
        fast_events += emitted
        with general_rules_only():
            general, emitted = apply(general, event)
        general_events += emitted
    assert fast == general
    assert fast_events == general_events
    assert fast_crossings > crossings // 2, "the journal should exercise the fast path"
