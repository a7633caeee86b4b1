"""The engine's fast path and its general rules are one rule set: each lap is reported once.

These go through the public `apply`, as race control and the board do; the stateful machine
in test_invariants.py compares the two paths on arbitrary inputs.
"""

from __future__ import annotations

import pytest

from engine.helpers import START
from slotrace.drivers_api import CarPassed
from slotrace.engine import LapCompleted, SessionConfig, SessionKind, apply, initial_state


def _lap_reports(kind: SessionKind) -> list[LapCompleted]:
    """Car 1 drives a best lap, then two slower ordinary laps (the fast path's case)."""
    config = SessionConfig(kind=kind, duration_ms=600_000, cars=(1,))
    state = initial_state(config)
    reported = []
    crossings = [CarPassed(1, 1, t) for t in (1_000, 5_000, 9_200, 13_500)]
    for event in [*START, *crossings]:
        state, race_events = apply(state, event)
        reported += [e for e in race_events if isinstance(e, LapCompleted)]
    assert state.cars[1].laps == 3
    return reported


@pytest.mark.parametrize("kind", [SessionKind.PRACTICE, SessionKind.QUALIFYING])
def test_an_ordinary_practice_or_qualifying_lap_is_reported_once(kind):
    assert _lap_reports(kind) == [
        LapCompleted(1, 1, 4000),
        LapCompleted(1, 2, 4200),
        LapCompleted(1, 3, 4300),
    ]


def test_an_ordinary_race_lap_is_reported_once():
    assert _lap_reports(SessionKind.RACE_TIME) == [
        LapCompleted(1, 1, 4000),
        LapCompleted(1, 2, 4200),
        LapCompleted(1, 3, 4300),
    ]
