"""Provides standings as projections of the journal: replay a heat through the engine.

`replay_heat` folds a heat's committed journal with `slotrace.engine.fold` (the live,
journal-first heat is `slotrace.raceday.LiveHeat`).
"""

from __future__ import annotations

from typing import Any

from slotrace import engine
from slotrace.store.eventfile import EventFile, HeatInfo


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
