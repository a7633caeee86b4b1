"""Provides `board_snapshot`: the web board's data (order, regularity, classes, charity) as JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from slotrace.tui.board_feed import BoardFeed


def board_snapshot(feed: BoardFeed, entry_class: str | None, charity_total: float | None
                   ) -> dict[str, Any]:
    """Everything one page shows, from the same `BoardFeed` the terminal board uses."""
    heat = feed.current_heat()
    state = feed.state_of(heat.id) if heat is not None else None
    return {
        "event": feed.title,
        "class": entry_class,
        "classes": feed.classes(),
        "heat": heat.name if heat is not None else "",
        "phase": state.phase.name.lower() if state is not None else "",
        "live": [asdict(row) for row in feed.live_rows(entry_class)],
        "overall_caption": feed.overall_caption,
        "overall": [asdict(row) for row in feed.overall_rows(entry_class)],
        "charity_total": charity_total,
        "journal_rows": feed.rows_seen,
    }
