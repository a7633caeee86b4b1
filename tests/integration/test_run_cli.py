"""``slotrace heats --save`` refusals and ``slotrace run`` leaving an interrupted heat resumable."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.drivers_api import CarPassed, EpochStarted
from slotrace.store import EventFile, HeatStatus, PlannedHeatStatus


@pytest.fixture
def event(tmp_path: Path) -> Path:
    event, entries_csv = tmp_path / "club.slotrace", tmp_path / "entries.csv"
    reduced_sample(entries_csv)
    slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    return event


def _error(*args: str | Path) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    return done.stderr


def test_heats_are_saved_only_from_recorded_scrutineering_and_saved_numbers(event: Path) -> None:
    assert "no scrutineering recorded yet" in _error("heats", event, "--save")
    slotrace("scrutineer", event, "--record", expect=3)
    assert "startlist" in _error("heats", event, "--save")  # no race numbers yet
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    with EventFile.open(event, read_only=True) as ef:
        assert len(ef.planned_heats()) == 8
        assert 11 not in {e for p in ef.planned_heats() for e in p.cars.values()}


def test_an_interrupted_heat_is_resumed_and_replanning_then_needs_force(event: Path) -> None:
    slotrace("scrutineer", event, "--record", expect=3)
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    # real time: 2 laps of ~5 s plus the start lights cannot finish within 1 s
    stopped = _error("run", event, "--heat", "2", "--device", "sim", "--laps", "2",
                     "--timeout", "1")
    assert "did not finish within 1 s" in stopped and "--heat 2" in stopped
    with EventFile.open(event, read_only=True) as ef:
        planned = ef.planned_heat(2)
        assert planned.status is PlannedHeatStatus.RUNNING
        before = [e.item() for e in ef.journal(planned.heat_id)]
    assert "still running" in _error("heats", event, "--save", "--force")
    out = slotrace("run", event, "--next", "--device", "sim", "--speedup", "100",
                   "--timeout", "120")
    assert "[1/8] Heat 2" in out and "resuming heat" in out
    with EventFile.open(event, read_only=True) as ef:
        heat = ef.heat(planned.heat_id)
        assert heat.status is HeatStatus.FINISHED and heat.config["laps"] == 2
        after = [e.item() for e in ef.journal(heat.id)]
        assert after[: len(before)] == before  # nothing journaled before the stop is lost
        # a new simulator process restarted the clock: the driver judged it and the epochs
        # journaled only ever move on, so no lap spans the restart
        epochs = [x.epoch for x in after if isinstance(x, CarPassed | EpochStarted)]
        assert epochs and epochs == sorted(epochs)
        assert ef.next_planned_heat().number == 1
    assert "already ran" in _error("heats", event, "--save")
    assert "saved 8 planned heats" in slotrace("heats", event, "--save", "--force")
    with EventFile.open(event, read_only=True) as ef:
        assert ef.heat(planned.heat_id).status is HeatStatus.FINISHED  # kept with its journal
        assert ef.next_planned_heat().number == 1


def test_run_without_a_plan_says_what_to_do(event: Path) -> None:
    assert "heats" in _error("run", event, "--next", "--device", "sim")


def test_a_simulated_dry_run_drives_at_the_legs_pace_past_the_tracks_sensors(event: Path) -> None:
    """Simulated crews aim at the leg's regularity pace and cross the track's real sensor
    places, so precision trials score like a real heat instead of all hitting the cap."""
    from slotrace.rules import files, scoring
    from slotrace.rules.model import Event, Heat
    from slotrace.store.replay import replay_heat

    slotrace("scrutineer", event, "--record", expect=3)
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    slotrace("run", event, "--next", "--device", "sim", "--speedup", "100", "--timeout", "120")
    with EventFile.open(event, read_only=True) as ef:
        definition = Event.model_validate(ef.event_definition())
        track = files.load_track(definition.track)
        planned = ef.planned_heat(1)
        runs = scoring.runs_from_race_state(
            replay_heat(ef, planned.heat_id), Heat.model_validate(planned.plan)
        )
    leg = definition.legs[planned.leg]
    for entry_no, run in runs.items():
        scores = {s.trial: s for s in scoring.score_run(run, track, leg, definition.scale)}
        whole_lap = scores["PC 2 Sirmione"]  # one lap, target 25.00 s
        to_gate = scores["PC 1 Desenzano del Garda"]  # start line -> castle gate, 7.50 s
        assert whole_lap.penalty < 100, (entry_no, whole_lap)
        assert to_gate.penalty < 100, (entry_no, to_gate)
