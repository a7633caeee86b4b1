"""Fixtures for the web board tests: a demo event with a heat being written by race control."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "tui"))

from scripted_driver import ScriptedDriver

from slotrace.drivers_api import ModeFlags, StartLight, StatusReport
from slotrace.engine import StartSequence
from slotrace.store import EventFile
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control


class RunningHeat:
    """Race control's writer side: heat 1 of the demo event, lights out, journal-first."""

    def __init__(self, path: Path) -> None:
        self.event_file = EventFile.open(path)
        self.app = prepare_race_control(self.event_file, ScriptedDriver(), author="steward")
        session = self.app.session
        session.feed(StartSequence(reason="start", author="steward"))
        for light in (StartLight.GO, StartLight.OFF):
            session.feed(StatusReport(fuel=(15,) * 8, start_light=light, mode=ModeFlags.FUEL))

    def feed(self, item: object) -> None:
        self.app.session.feed(item)


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    return path


@pytest.fixture
def heat(event_path: Path):
    running = RunningHeat(event_path)
    yield running
    running.event_file.close()
