"""Hypothesis stateful tests: invariants of the fold over arbitrary event sequences.

Total time is defined as: ``CarState.total_ms`` == sum of ``lap_ms`` over counted laps
(penalties are kept apart in ``penalty_ms`` and added only in the standings' total).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from engine.helpers import light, pit_status
from slotrace.drivers_api import CarPassed, EpochStarted
from slotrace.engine import (
    AddLap,
    FinishRule,
    MissedLapPolicy,
    SessionConfig,
    SessionKind,
    TimePenalty,
    YellowFlag,
    apply,
    fold,
    initial_state,
    standings,
)
from slotrace.engine.hotpath import fast_crossing
from slotrace.engine.timing import on_crossing

CARS = (1, 2, 3)
WHO = {"reason": "test", "author": "hypothesis"}


class EngineMachine(RuleBasedStateMachine):
    @rule(
        kind=st.sampled_from(list(SessionKind)),
        groups=st.integers(1, 3),
        policy=st.sampled_from(list(MissedLapPolicy)),
        rule_=st.sampled_from(list(FinishRule)),
    )
    @precondition(lambda self: not hasattr(self, "state"))
    def configure(self, kind, groups, policy, rule_):
        self.config = SessionConfig(
            kind=kind,
            laps=8 if kind is SessionKind.RACE_LAPS else None,
            duration_ms=40_000 if kind is not SessionKind.RACE_LAPS else None,
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

    def _apply(self, event):
        before = self.state
        self.state, _ = apply(self.state, event)
        self.events.append(event)
        for number, car in self.state.cars.items():
            old = before.cars[number]
            assert car.laps >= old.laps, "laps never decrease"
            assert car.laps - old.laps <= (1 if isinstance(event, CarPassed) else 0)
            if car.laps > old.laps:
                assert event.car == number
            assert len(car.crossings) >= len(old.crossings)

    @precondition(lambda self: hasattr(self, "state"))
    @rule(car=st.sampled_from((*CARS, 5)), sensor=st.integers(1, 3), step=st.integers(0, 4000))
    def crossing(self, car, sensor, step):
        self.now += step
        self._apply(CarPassed(car, sensor, self.now, self.epoch))

    @precondition(lambda self: hasattr(self, "state"))
    @rule(value=st.sampled_from((0, 1, 2, 6, 7, 8)))
    def start_light(self, value):
        self._apply(light(value))

    @precondition(lambda self: hasattr(self, "state"))
    @rule(pit=st.frozensets(st.sampled_from(CARS)))
    def pit(self, pit):
        self._apply(pit_status(pit=pit))

    @precondition(lambda self: hasattr(self, "state"))
    @rule(on=st.booleans())
    def yellow(self, on):
        self._apply(YellowFlag(on=on))

    @precondition(lambda self: hasattr(self, "state"))
    @rule(car=st.sampled_from(CARS), add=st.booleans())
    def steward(self, car, add):
        self._apply(AddLap(car=car, **WHO) if add else TimePenalty(car=car, ms=1000, **WHO))

    @precondition(lambda self: hasattr(self, "state"))
    @rule()
    def timer_reset(self):
        self.epoch += 1
        self.now = 0
        self._apply(EpochStarted(self.epoch, "timer reset"))

    @invariant()
    def total_time_is_the_sum_of_counted_laps(self):
        if not hasattr(self, "state"):
            return
        for car in self.state.cars.values():
            assert car.total_ms == sum(lap.lap_ms for lap in car.lap_list if lap.counted)
            assert car.laps == sum(1 for lap in car.lap_list if lap.counted)

    @invariant()
    def positions_are_a_permutation_of_the_cars(self):
        if not hasattr(self, "state"):
            return
        rows = standings(self.state)
        assert sorted(r.car for r in rows) == list(CARS)
        assert [r.position for r in rows] == list(range(1, len(CARS) + 1))

    @invariant()
    def replaying_a_prefix_then_the_rest_equals_the_whole(self):
        if not hasattr(self, "state") or not self.events:
            return
        cut = len(self.events) // 2
        prefix = fold(self.config, self.events[:cut])
        for event in self.events[cut:]:
            prefix, _ = apply(prefix, event)
        assert prefix == self.state == fold(self.config, self.events)


TestEngineInvariants = EngineMachine.TestCase


def test_fast_path_gives_exactly_the_state_of_the_general_rules(monkeypatch):
    """The hot path is an optimisation only: disabling it must not change any state."""
    from slotrace.engine.synthetic import SyntheticRace, synthetic_events

    events = list(synthetic_events(SyntheticRace(duration_ms=120_000, miss_probability=0.02)))
    config = SessionConfig(kind=SessionKind.RACE_TIME, duration_ms=100_000, sensor_groups=3)
    fast = fold(config, events)
    monkeypatch.setattr("slotrace.engine.hotpath.fast_crossing", lambda *a: None)
    slow = fold(config, events)
    assert fast == slow
    assert fast_crossing is not None and on_crossing is not None
