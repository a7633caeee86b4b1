"""Provides standings as projections of the journal: replay a heat through the engine.

`replay_heat` folds a heat's committed journal with `slotrace.engine.fold`; `LiveHeat`
is what a face drives during a heat: it journals each item first (durable on return) and
only then applies it to the engine, so nothing shown on screen can be missing after a crash.
"""

from __future__ import annotations

from typing import Any

from slotrace import engine
from slotrace.store.eventfile import EventFile, HeatInfo
from slotrace.store.journal import HeatRecorder


def session_config(heat: HeatInfo) -> Any:
    """The heat's ``SessionConfig`` (validated from its stored JSON)."""
    return engine.SessionConfig.model_validate(heat.config)


def heat_inputs(event_file: EventFile, heat_id: int, upto_seq: int | None = None) -> list[Any]:
    """The heat's journaled engine inputs in order (driver events and race control)."""
    return [entry.item() for entry in event_file.journal(heat_id, upto_seq=upto_seq)]


def replay_heat(event_file: EventFile, heat_id: int, upto_seq: int | None = None) -> Any:
    """The ``RaceState`` after folding the heat's journal (up to ``upto_seq``, if given)."""
    heat = event_file.heat(heat_id)
    return engine.fold(session_config(heat), heat_inputs(event_file, heat_id, upto_seq))


def replay_standings(event_file: EventFile, heat_id: int) -> tuple[Any, ...]:
    """The heat's standings rebuilt from its journal."""
    return engine.standings(replay_heat(event_file, heat_id))


class LiveHeat:
    """A running heat: journal first, then apply.

    Attributes:
        state: the engine's current ``RaceState`` (always equal to replaying the journal).
        recorder: the heat's `HeatRecorder` (``current_epoch`` for stamping commands).
    """

    def __init__(self, recorder: HeatRecorder, config: Any, state: Any = None) -> None:
        self.recorder = recorder
        self.config = config
        self.state = state if state is not None else engine.initial_state(config)

    @classmethod
    def start(cls, event_file: EventFile, name: str, config: Any, **heat: Any) -> LiveHeat:
        """Start a new heat (see `EventFile.start_heat` for ``heat`` keywords)."""
        return cls(event_file.start_heat(name, config, **heat), config)

    @classmethod
    def resume(cls, event_file: EventFile, heat_id: int) -> LiveHeat:
        """Continue a heat after a restart: state rebuilt by replay, epoch carried over."""
        state = replay_heat(event_file, heat_id)
        config = session_config(event_file.heat(heat_id))
        return cls(event_file.resume_heat(heat_id), config, state)

    def record(self, item: Any) -> tuple[Any, ...]:
        """Journal ``item`` (committed on return), apply it, return the race events to show."""
        _, stored = self.recorder.append(item)
        self.state, race_events = engine.apply(self.state, stored)
        return race_events
