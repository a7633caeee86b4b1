"""Provides checkpointed folds for bench/replay.py: every N-th snapshot, so a correction re-folds
only the tail.

Snapshots share their histories (see `History`), so keeping one every few thousand
events costs little memory. A correction inserted into the journal at position i is
folded from the last checkpoint before i instead of from the start of the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slotrace.engine.config import SessionConfig
from slotrace.engine.control import EngineInput
from slotrace.engine.reducer import fold_from, initial_state
from slotrace.engine.state import RaceState


@dataclass(frozen=True, slots=True)
class Checkpoints:
    """Snapshots ``states[k]`` = state before event ``k * every`` of a journal."""

    every: int
    states: tuple[RaceState, ...]

    def refold(self, events: Sequence[EngineInput], changed_from: int) -> RaceState:
        """The final state of ``events``, where only events at ``changed_from`` or later differ
        from the journal these checkpoints were built from."""
        k = min(changed_from // self.every, len(self.states) - 1)
        return fold_from(self.states[k], events[k * self.every :])


def fold_with_checkpoints(
    config: SessionConfig, events: Sequence[EngineInput], every: int = 20_000
) -> tuple[RaceState, Checkpoints]:
    """Fold ``events`` and keep a snapshot every ``every`` events."""
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    state = initial_state(config)
    states = []
    for start in range(0, len(events), every):
        states.append(state)
        state = fold_from(state, events[start : start + every])
    if not states:
        states.append(state)
    return state, Checkpoints(every, tuple(states))
