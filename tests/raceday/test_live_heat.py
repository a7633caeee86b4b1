"""LiveHeat journals before it applies, and a resumed heat continues from the replayed state."""

from __future__ import annotations

from pathlib import Path

from slotrace.drivers_api import CarPassed
from slotrace.engine import SessionConfig, SessionKind, fold, standings
from slotrace.store import EventFile
from slotrace.store.replay import LiveHeat, replay_heat

from .race_stream import race_stream

CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=30)


def test_live_state_always_equals_replaying_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "e.slotrace"
    stream = race_stream(11, laps=10)
    with EventFile.create(path) as ef:
        live = LiveHeat.start(ef, "Heat 1", CONFIG)
        for item in stream:
            live.record(item)
        assert live.state == replay_heat(ef, live.recorder.heat)
        assert standings(live.state) == standings(fold(CONFIG, stream))


def test_resumed_heat_keeps_laps_from_before_the_crash(tmp_path: Path) -> None:
    path = tmp_path / "e.slotrace"
    stream = race_stream(11, laps=10)
    with EventFile.create(path) as ef:
        live = LiveHeat.start(ef, "Heat 1", CONFIG)
        for item in stream:
            live.record(item)
        before = standings(live.state)
    with EventFile.open(path) as ef:  # the app restarted
        heat = ef.heat_in_progress()
        assert heat is not None
        resumed = LiveHeat.resume(ef, heat.id)
        assert standings(resumed.state) == before
        resumed.record(CarPassed(1, 1, 500))  # new connection: the device clock restarted
        car = resumed.state.cars[1]
        assert car.crossings[-1].epoch == resumed.recorder.epoch_offset >= 1
        assert car.laps == {s.car: s for s in before}[1].laps  # no bogus lap across epochs
        assert resumed.state == replay_heat(ef, heat.id)
