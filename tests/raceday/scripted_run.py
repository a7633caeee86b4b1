"""Provides `run_heat_on`: ``slotrace run``'s heat runner on heat 1 of an event file, with a
scripted control unit connected in place of a real driver (no simulator, no wall clock)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from slotrace.cli import heat_runner
from slotrace.engine import SessionConfig
from slotrace.raceday import LiveHeat
from slotrace.store import EventFile, PlannedHeat, PlannedHeatStatus


def run_heat_on(path: Path, unit: Any, config: SessionConfig,
                monkeypatch: pytest.MonkeyPatch) -> tuple[LiveHeat, list[str]]:
    """Run the started heat 1 of ``path`` on ``unit`` to its end; the live heat and the
    lines ``slotrace run`` printed."""

    async def connect(*args: Any, before_start: Any, **kwargs: Any) -> tuple[Any, None]:
        before_start(unit)
        return unit, None

    monkeypatch.setattr(heat_runner, "_connect", connect)
    planned = PlannedHeat(number=1, leg=0, stage=None, name="Heat 1", plan={"slots": []},
                          config=config.model_dump(mode="json"), heat_id=1,
                          status=PlannedHeatStatus.RUNNING)
    lines: list[str] = []
    with EventFile.open(path) as ef:
        live = asyncio.run(heat_runner.run_heat(ef, planned, heat_runner.RunOptions(
            device="scripted"), lines.append, {}))
    return live, lines
