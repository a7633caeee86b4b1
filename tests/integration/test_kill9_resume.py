"""Issue 9 "Done means": ``slotrace run`` killed with kill -9 at random moments, each resumed.

The control unit is the Carrera simulator served from the test process, one per heat, its
clock started ten minutes before (switched on before the heat); it keeps running while
``slotrace run`` is dead, as a real control unit does, and its ground truth (every crossing
and its fate) stays readable. ``slotrace run EVENT --next --device carrera:socket://...
--sim-speedup N`` (4 planned heats of the reduced sample, 10 laps) is started, killed with
SIGKILL at a moment drawn from a seeded RNG (a number of requests and crossings the control
unit answered since the launch, or earlier once the slowest car has two laps left to drive:
the test blocks on the simulator's own record of what it handed out and queued,
`kill9.ControlUnitWatch`, never on a clock), started again, ...: 5 kills per heat, 20 in
all, then a last run resumes the heat to its finish. Afterwards, for every heat:

* every journal read after a kill is a prefix of the final journal (nothing committed lost);
* the control unit's clock never went back, so the journal never starts a new epoch;
* every crossing the simulator delivered intact is journaled exactly once and in delivery
  order, except a few (`kill9.MAX_IN_FLIGHT`) sent to a run that was killed before it
  committed them (the control unit hands each crossing out once and has no acknowledgement):
  those can only sit in a kill window, right before a restart, never inside a run;
* the resumed run's standings (laps, total, best lap) are the simulator's truth for every car
  that lost no crossing that way, and every car completes the heat's laps.

With ``--device sim`` (each run brings up its own simulator, whose clock starts again at 0)
four kills, each a random number of printed lines in (the test blocks on the run's stdout),
show the other side: a new epoch at every restart and nowhere else. A last test kills
``slotrace run --device sim`` once it printed that it pressed START (after `StartSequence`
is journaled): the resume leaves the start to the new simulator's first word (an idle grid
when START was never confirmed: back on the grid, START pressed again), finishes the heat,
and nobody gets a false-start penalty.
"""

from __future__ import annotations

import queue
import random
import re
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from kill9 import (
    WAIT_S,
    Journal,
    SimulatedControlUnit,
    check_heat,
    copy_event,
    crossings,
    first_crossings_after_restart,
    make_planned_event,
    mid_heat_moment,
    not_crossings,
    python,
    standings_of,
)

from slotrace.drivers_api import LightPhase
from slotrace.engine import SessionConfig, fold
from slotrace.store import EventFile, HeatStatus
from slotrace.store.replay import replay_heat

SEED = 9
SPEEDUP = 20.0
LAPS = 10
NEAR_THE_END = 2
"""Laps the slowest car must still have to drive when a kill comes. The control unit keeps
racing while the run is dead and starting again (about a lap per restart here, more on a
loaded machine), so a drawn moment may come after the heat could finish; the kill comes
earlier then, never after the run ended on its own."""
HEATS = 4
KILLS_PER_HEAT = 5  # 4 heats x 5 = 20 kill -9 runs, each followed by a resume
STANDING = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s", re.MULTILINE)


@pytest.fixture(scope="module")
def planned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_planned_event(tmp_path_factory.mktemp("kill9"))


@pytest.fixture
def planned_event(planned_template: Path, tmp_path: Path) -> Path:
    """A copy of the planned event (scrutineered, numbered, 8 heats saved; none run)."""
    return copy_event(planned_template, tmp_path)


def test_kill9_at_random_moments_loses_nothing_committed_and_counts_every_lap(
    planned_event: Path,
) -> None:
    rng = random.Random(SEED)
    journal = Journal(planned_event)
    with EventFile.open(planned_event, read_only=True) as event_file:
        planned = event_file.planned_heats()[:HEATS]
    kills = 0
    lost_per_heat = []
    for heat in planned:
        unit = SimulatedControlUnit(tuple(sorted(heat.cars)), seed=heat.number, speedup=SPEEDUP)
        run = python("run", planned_event, "--next", "--device", unit.device,
                     "--sim-speedup", SPEEDUP, "--laps", LAPS, "--timeout", WAIT_S)
        try:
            heat_id, snapshots = _run_killed_at_random_moments(run, journal, unit, rng,
                                                                KILLS_PER_HEAT)
            kills += len(snapshots)
            done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
            assert done.returncode == 0, done.stderr
            truth = unit.truth()
        finally:
            unit.stop()
        with EventFile.open(planned_event, read_only=True) as event_file:
            stored = event_file.heat(heat_id)
            assert stored.status is HeatStatus.FINISHED
            config = SessionConfig.model_validate(stored.config)
            state = replay_heat(event_file, heat_id)
            result = standings_of(state)
            items = [row.item() for row in event_file.journal(heat_id)]
        lost = check_heat(f"heat {heat.number}", journal.records(heat_id), snapshots, truth,
                          config, items, state)
        lost_per_heat.append(len(lost))
        printed = {int(car): int(laps) for _, car, laps in STANDING.findall(done.stdout)}
        assert printed == {car: laps for car, (laps, _, _) in result.items()}, done.stdout
        assert set(printed.values()) == {LAPS}, done.stdout
    assert kills == HEATS * KILLS_PER_HEAT
    print(f"{kills} kill -9 runs; crossings sent to a killed run, per heat: {lost_per_heat}")


def _kill(process: subprocess.Popen[str]) -> str:
    """SIGKILL (no cleanup of any kind); fails if it had ended before. Returns its stderr."""
    process.kill()
    _, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == -signal.SIGKILL, (
        f"the run ended (exit {process.returncode}) before it was killed: {stderr}")
    return stderr


def _run_killed_at_random_moments(
    run: list[str], journal: Journal, unit: SimulatedControlUnit, rng: random.Random,
    kills: int,
) -> tuple[int, list[list[dict[str, Any]]]]:
    """Start ``run`` ``kills`` times, each killed -9 at a random moment of the control unit."""
    snapshots: list[list[dict[str, Any]]] = []
    watch = unit.watch
    for _ in range(kills):
        moment = mid_heat_moment(rng)
        at_launch = (watch.requests, watch.delivered)
        process = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        threading.Thread(target=_wake_at_exit, args=(process, watch), daemon=True).start()
        try:
            watch.wait(f"{moment} of {run[3:]}",
                       lambda w, moment=moment, at_launch=at_launch: (
                           moment.reached(w, at_launch)
                           or w.laps_to_drive(unit.cars, LAPS) <= NEAR_THE_END),
                       ended=lambda process=process: process.poll() is not None,
                       describe=lambda: _journal_without_crossings(journal))
        finally:
            _kill(process)
        heat_id = journal.running_heat()
        assert heat_id is not None, "the killed run left no heat running"
        snapshots.append(journal.records(heat_id))
    return heat_id, snapshots


def _wake_at_exit(process: subprocess.Popen[str], watch: Any) -> None:
    process.wait()
    watch.wake()


def _journal_without_crossings(journal: Journal) -> str:
    heat_id = journal.running_heat()
    if heat_id is None:
        return ": no heat running"
    return f"; the heat's journal without crossings: {not_crossings(journal.records(heat_id))}"


class PrintedLines:
    """The lines a run prints, read by a thread; the test blocks on them (guarded)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                self.lines.put(line)
            self.lines.put(None)

        threading.Thread(target=read, daemon=True).start()

    def until(self, what: str, matches: Any) -> None:
        """Block until a printed line ``matches`` (a callable); fail at EOF or the guard."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT_S)
            except queue.Empty:
                pytest.fail(f"the run printed no {what} within {WAIT_S:g} s: {self.seen}")
            if line is None:
                pytest.fail(f"the run ended before it printed {what}: {self.seen}")
            self.seen.append(line)
            if matches(line):
                return


def _launch(run: list[str]) -> tuple[subprocess.Popen[str], PrintedLines]:
    process = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, PrintedLines(process)


def test_kill9_of_a_run_on_its_own_simulator_starts_a_new_epoch_at_each_restart_only(
    planned_event: Path,
) -> None:
    """``--device sim``: each run brings up a new simulator whose clock starts again at 0, so
    the clock really goes back at every restart, and only there. Each run is killed a
    random number of printed laps after it started racing."""
    journal = Journal(planned_event)
    run = python("run", planned_event, "--next", "--device", "sim", "--speedup", 50,
                 "--laps", LAPS, "--timeout", WAIT_S)
    rng = random.Random(SEED)
    snapshots = []
    for _ in range(4):
        process, printed = _launch(run)
        try:
            for _ in range(rng.randint(1, 8)):
                printed.until("lap", lambda line: " lap " in line)
        finally:
            _kill(process)
        heat_id = journal.running_heat()
        assert heat_id is not None
        snapshots.append(journal.records(heat_id))
    done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
    assert done.returncode == 0, done.stderr
    final = journal.records(heat_id)
    for snapshot in snapshots:
        assert final[: len(snapshot)] == snapshot, "committed rows lost"
    epochs = [r["epoch"] for r in final if r["type"] in ("CarPassed", "EpochStarted")]
    assert epochs == sorted(epochs), "an epoch went back"
    restarts = first_crossings_after_restart(final)
    journaled = crossings(final)
    for index in range(1, len(journaled)):
        moved_on = journaled[index].epoch != journaled[index - 1].epoch
        assert moved_on == (index in restarts), (
            f"crossing {index}: epoch {journaled[index - 1].epoch} -> {journaled[index].epoch}"
            f" {'at' if index in restarts else 'not at'} a restart")
    with EventFile.open(planned_event, read_only=True) as event_file:
        assert event_file.heat(heat_id).status is HeatStatus.FINISHED
        result = standings_of(replay_heat(event_file, heat_id))
    printed_laps = {int(car): int(laps) for _, car, laps in STANDING.findall(done.stdout)}
    assert printed_laps == {car: laps for car, (laps, _, _) in result.items()}
    assert set(printed_laps.values()) == {LAPS}


def test_a_start_killed_right_after_start_sequence_resumes_without_false_starts(
    planned_event: Path,
) -> None:
    journal = Journal(planned_event)
    run = python("run", planned_event, "--next", "--device", "sim", "--speedup", 50,
                 "--laps", 2, "--timeout", WAIT_S)
    process, printed = _launch(run)
    try:  # printed once START was pressed, i.e. after StartSequence was journaled
        printed.until("START", lambda line: line.startswith("  START pressed"))
    finally:
        _kill(process)
    heat_id = journal.running_heat()
    assert heat_id is not None
    killed = journal.records(heat_id)
    assert "StartSequence" in [r["type"] for r in killed]
    done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
    assert done.returncode == 0, done.stderr
    assert "resuming heat" in done.stdout
    final = journal.records(heat_id)
    assert final[: len(killed)] == killed
    types = [r["type"] for r in final]
    reconnected = types.index("LinkUp", len(killed))
    # the resume journals the break in the lights, never an abort before the device spoke
    assert types[len(killed):reconnected] == ["LinkDown"], types[len(killed):reconnected]
    with EventFile.open(planned_event, read_only=True) as event_file:
        rows = list(event_file.journal(heat_id))
        config = SessionConfig.model_validate(event_file.heat(heat_id).config)
    lights_before_kill = fold(config, [row.item() for row in rows[: len(killed)]]).start_light
    if lights_before_kill.phase in (LightPhase.ARMED, LightPhase.COUNTDOWN):
        # START had reached the old simulator; the new one reports no lights: the engine
        # takes the start from it (it cannot tell a restarted unit from one that went green
        # until a timed crossing arrives)
        assert "AbortStart" not in types
    else:  # START was never confirmed: the new simulator's idle grid sends the heat back
        abort = types.index("AbortStart", reconnected)
        assert abort < types.index("StartSequence", abort), "back on the grid, then restarted"
    with EventFile.open(planned_event, read_only=True) as event_file:
        assert event_file.heat(heat_id).status is HeatStatus.FINISHED
        state = replay_heat(event_file, heat_id)
    assert not [d for d in state.stewards_log if getattr(d.command, "reason", "") == "false start"]
    assert not [a for a in state.alerts if a.kind.name == "FALSE_START"]
    assert all(car.penalty_ms == 0 and car.laps == 2 for car in state.cars.values())
