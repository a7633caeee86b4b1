"""Issue 9 "Done means": ``slotrace run`` killed with kill -9 at random moments, each resumed.

The control unit is the Carrera simulator served from the test process, one per heat, its
clock started ten minutes before (switched on before the heat); it keeps running while
``slotrace run`` is dead, as a real control unit does, and its ground truth (every crossing
and its fate) stays readable. ``slotrace run EVENT --next --device carrera:socket://...
--sim-speedup N`` (4 planned heats of the reduced sample, 5 laps) is started, killed with
SIGKILL once the heat's journal holds a row count drawn from a seeded RNG (the test polls the
event file read-only, with a timeout; no sleeping and hoping), started again, ...: 5 kills
per heat, 20 in all, then a last run resumes the heat to its finish. Afterwards, for every heat:

* every journal read after a kill is a prefix of the final journal (nothing committed lost);
* the control unit's clock never went back, so the journal never starts a new epoch;
* every crossing the simulator delivered intact is journaled exactly once and in delivery
  order, except a few (`MAX_IN_FLIGHT`) sent to a run that was killed before it committed
  them (the control unit hands each crossing out once): those can only sit right before a
  restart, never inside a run;
* the resumed run's standings (laps, total, best lap) are the simulator's truth for every car
  that lost no crossing that way, and every car completes the heat's laps.

With ``--device sim`` (each run brings up its own simulator, whose clock starts again at 0)
four kills show the other side: a new epoch at every restart and nowhere else. A last test
kills ``slotrace run --device sim`` right after `StartSequence` is journaled: the resume
journals `AbortStart`, finishes the heat, and nobody gets a false-start penalty.
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.drivers_api import CarPassed, load_driver
from slotrace.engine import SessionConfig, fold, standings
from slotrace.store import EventFile, HeatStatus
from slotrace.store.replay import replay_heat

SEED = 9
SPEEDUP = 20.0
LAPS = 5
HEATS = 4
KILLS_PER_HEAT = 5  # 4 heats x 5 = 20 kill -9 runs, each followed by a resume
ROW_STEP = (1, 25)
"""A kill comes this many journal rows (drawn at random) after the run has started."""
WAIT_S = 30.0
"""Bound on every wait (a journal row count, a process exit); a heat takes ~2 s here."""
MAX_IN_FLIGHT = 6
"""Crossings the control unit sent that a killed run never committed, at most, per kill: the
one being journaled, one waiting in the driver's queue, and polls answered into the dead
socket (the simulator counts a reply as delivered when it sends it; a host that timed out
and polled again leaves requests behind that are answered after the kill). The control unit
hands each crossing out once, so these cannot be recovered; on this machine 0-3 per kill.
"""
CU_ON_MS = 10 * 60 * 1000
"""The control unit was switched on ten minutes before the heat (its clock counts from then)."""
CAR_LAP_S = (5.2, 5.45, 5.7, 5.95, 6.2, 6.45)
STANDING = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s", re.MULTILINE)


def _python(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "slotrace", *map(str, args)]


def _wait_for(what: str, condition: Callable[[], bool],
              describe: Callable[[], str] = lambda: "") -> None:
    """Poll ``condition`` until it holds; fail after `WAIT_S` (a bounded wait, not a sleep)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {WAIT_S:g} s waiting for {what}{describe()}")
        time.sleep(0.005)


class Journal:
    """The event file as a reader sees it while ``slotrace run`` writes (read-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self, heat_id: int) -> list[dict[str, Any]]:
        with EventFile.open(self.path, read_only=True) as event_file:
            return [row.record for row in event_file.journal(heat_id)]

    def running_heat(self) -> int | None:
        with EventFile.open(self.path, read_only=True) as event_file:
            heat = event_file.heat_in_progress()
            return None if heat is None else heat.id

    def rows(self, heat_id: int) -> int:
        with EventFile.open(self.path, read_only=True) as event_file:
            return sum(1 for _ in event_file.journal(heat_id))


class SimulatedControlUnit:
    """The Carrera simulator served from this test process (a thread with its own event loop),
    so it outlives every ``slotrace run`` killed against it and its truth stays readable."""

    def __init__(self, cars: tuple[int, ...], seed: int) -> None:
        spec = ",".join(f"{car}:{CAR_LAP_S[(car - 1) % len(CAR_LAP_S)]}" for car in cars)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start() -> tuple[Any, str]:
            simulator = load_driver("carrera").simulator(
                cars=spec, sensor_groups=3, speedup=SPEEDUP, seed=seed, clock_start_ms=CU_ON_MS)
            return simulator, await simulator.start()

        self.simulator, target = self._call(start())
        self.device = f"carrera:{target}"

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=WAIT_S)

    def stop(self) -> None:
        if self.thread.is_alive():
            self._call(self.simulator.stop())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=WAIT_S)
            self.loop.close()

    def truth(self) -> list[CarPassed]:
        """Stop it; the crossings it delivered intact, in delivery order."""
        self.stop()
        return [CarPassed(car, sensor, device_ms, 0)
                for car, sensor, device_ms in self.simulator.truth.delivered_intact()]


@pytest.fixture(scope="module")
def planned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kill9")
    event, entries_csv = folder / "club.slotrace", folder / "entries.csv"
    reduced_sample(entries_csv)
    slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    slotrace("scrutineer", event, "--record", expect=3)
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    return event


@pytest.fixture
def planned_event(planned_template: Path, tmp_path: Path) -> Path:
    """A copy of the planned event (scrutineered, numbered, 8 heats saved; none run)."""
    event = tmp_path / planned_template.name
    shutil.copyfile(planned_template, event)
    return event


def _crossings(records: list[dict[str, Any]]) -> list[CarPassed]:
    return [CarPassed(r["car"], r["sensor"], r["device_ms"], r["epoch"])
            for r in records if r["type"] == "CarPassed"]


def _not_crossings(journal: list[dict[str, Any]]) -> list[str]:
    return [f"{r['type']}{'=' + str(r['start_light']) if 'start_light' in r else ''}"
            for r in journal if r["type"] != "CarPassed"]


def _first_crossings_after_restart(journal: list[dict[str, Any]]) -> set[int]:
    """Indexes (among the journal's crossings) of each restarted run's first crossing."""
    firsts: set[int] = set()
    restarted = False
    index = 0
    for record in journal:
        if record["type"] == "LinkUp" and record["reconnects"] == 0:
            restarted = index > 0
        elif record["type"] == "CarPassed":
            if restarted:
                firsts.add(index)
                restarted = False
            index += 1
    return firsts


def _lost_in_flight(journal: list[dict[str, Any]], truth: list[CarPassed]) -> list[CarPassed]:
    """Truth crossings missing from the journal. Fails unless the journal's crossings are the
    truth's, in order, each once, with at most one missing, right before a restart."""
    journaled = _crossings(journal)
    assert len(set(journaled)) == len(journaled), "a crossing was journaled twice"
    position = {crossing: n for n, crossing in enumerate(truth)}
    unknown = [c for c in journaled if c not in position]
    assert not unknown, f"journaled crossings the control unit never sent: {unknown[:3]}"
    order = [position[c] for c in journaled]
    assert order == sorted(order), "the journal's crossings are not in the order they were sent"
    restarts = _first_crossings_after_restart(journal)
    lost: list[CarPassed] = []
    expected = 0
    for index, at in enumerate(order):
        if at != expected:
            assert index in restarts, (
                f"crossings {truth[expected:at]} sent by the control unit are missing from the "
                "journal in the middle of a run (not at a restart)")
            assert at - expected <= MAX_IN_FLIGHT, (
                f"a restart lost {at - expected} crossings: {truth[expected:at]}; journal "
                f"{_around_crossing(journal, index)}")
            lost.extend(truth[expected:at])
        expected = at + 1
    return lost


def _truth_standings(config: SessionConfig, items: list[Any], truth: list[CarPassed],
                     lost: list[CarPassed]) -> dict[int, tuple[int, Any, Any]]:
    """car -> (laps, total_ms, best_lap_ms) of the journal with the lost crossings put back
    where the control unit sent them: what the simulator's truth says was driven."""
    position = {crossing: n for n, crossing in enumerate(truth)}
    missing = sorted(lost, key=position.__getitem__)
    stream: list[Any] = []
    for item in items:
        if isinstance(item, CarPassed):
            while missing and position[missing[0]] < position[item]:
                stream.append(missing.pop(0))
        stream.append(item)
    return _standings(fold(config, stream + missing))


def _standings(state: Any) -> dict[int, tuple[int, Any, Any]]:
    return {row.car: (row.laps, row.total_ms, row.best_lap_ms) for row in standings(state)}


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
        unit = SimulatedControlUnit(tuple(sorted(heat.cars)), seed=heat.number)
        run = _python("run", planned_event, "--next", "--device", unit.device,
                      "--sim-speedup", SPEEDUP, "--laps", LAPS, "--timeout", WAIT_S)
        try:
            heat_id, snapshots = _run_killed_at_random_rows(run, journal, rng, KILLS_PER_HEAT)
            kills += len(snapshots)
            done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
            assert done.returncode == 0, done.stderr
            truth = unit.truth()
        finally:
            unit.stop()
        final = journal.records(heat_id)
        for snapshot in snapshots:
            assert final[: len(snapshot)] == snapshot, f"heat {heat.number}: committed rows lost"
        epochs = [r["epoch"] for r in final if r["type"] in ("CarPassed", "EpochStarted")]
        assert set(epochs) == {0}, (
            f"heat {heat.number}: a new epoch although the control unit's clock ran on: "
            f"{_around_first_epoch_change(final)}")
        assert not [r for r in final if r["type"] == "EpochStarted"]
        lost = _lost_in_flight(final, truth)
        lost_per_heat.append(len(lost))
        with EventFile.open(planned_event, read_only=True) as event_file:
            stored = event_file.heat(heat_id)
            assert stored.status is HeatStatus.FINISHED
            config = SessionConfig.model_validate(stored.config)
            result = _standings(replay_heat(event_file, heat_id))
            items = [row.item() for row in event_file.journal(heat_id)]
        printed = {int(car): int(laps) for _, car, laps in STANDING.findall(done.stdout)}
        assert printed == {car: laps for car, (laps, _, _) in result.items()}, done.stdout
        assert set(printed.values()) == {LAPS}, done.stdout
        driven = _truth_standings(config, items, truth, lost)
        for car in config.cars:  # a car that lost no crossing has exactly the truth's laps
            if car not in {crossing.car for crossing in lost}:
                assert result[car] == driven[car], f"heat {heat.number} car {car}"
    assert kills == HEATS * KILLS_PER_HEAT
    print(f"{kills} kill -9 runs; crossings sent to a killed run, per heat: {lost_per_heat}")


def _around_first_epoch_change(journal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    at = next(n for n, r in enumerate(journal) if r.get("epoch", 0) != 0)
    return journal[max(0, at - 6): at + 2]


def _around_crossing(journal: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    at = [n for n, r in enumerate(journal) if r["type"] == "CarPassed"][index]
    return journal[max(0, at - 8): at + 2]


def _run_killed_at_random_rows(run: list[str], journal: Journal, rng: random.Random,
                               kills: int) -> tuple[int, list[list[dict[str, Any]]]]:
    """Start ``run`` ``kills`` times, each killed -9 a random number of journal rows in."""
    snapshots: list[list[dict[str, Any]]] = []
    heat_id: int | None = None
    for _ in range(kills):
        process = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        target = (journal.rows(heat_id) if heat_id is not None else 0) + rng.randint(*ROW_STEP)

        def reached(target: int = target, process: subprocess.Popen[str] = process) -> bool:
            nonlocal heat_id
            heat_id = heat_id or journal.running_heat()
            return process.poll() is not None or (
                heat_id is not None and journal.rows(heat_id) >= target)

        def describe() -> str:
            if heat_id is None:
                return ": no heat running"
            rows = journal.records(heat_id)
            return f"; the heat's journal without crossings: {_not_crossings(rows)}"

        try:
            _wait_for(f"{target} journal rows of {run[3:]}", reached, describe)
        finally:
            process.kill()  # SIGKILL: no cleanup of any kind
            _, stderr = process.communicate(timeout=WAIT_S)
        assert process.returncode == -signal.SIGKILL, (
            f"the run ended (exit {process.returncode}) before it was killed: {stderr}")
        assert heat_id is not None
        snapshots.append(journal.records(heat_id))
    assert heat_id is not None
    return heat_id, snapshots


def test_kill9_of_a_run_on_its_own_simulator_starts_a_new_epoch_at_each_restart_only(
    planned_event: Path,
) -> None:
    """``--device sim``: each run brings up a new simulator whose clock starts again at 0, so
    the clock really goes back at every restart, and only there."""
    journal = Journal(planned_event)
    run = _python("run", planned_event, "--next", "--device", "sim", "--speedup", 50,
                  "--laps", LAPS, "--timeout", WAIT_S)
    heat_id, snapshots = _run_killed_at_random_rows(run, journal, random.Random(SEED), 4)
    done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
    assert done.returncode == 0, done.stderr
    final = journal.records(heat_id)
    for snapshot in snapshots:
        assert final[: len(snapshot)] == snapshot, "committed rows lost"
    epochs = [r["epoch"] for r in final if r["type"] in ("CarPassed", "EpochStarted")]
    assert epochs == sorted(epochs), "an epoch went back"
    restarts = _first_crossings_after_restart(final)
    crossings = _crossings(final)
    for index in range(1, len(crossings)):
        moved_on = crossings[index].epoch != crossings[index - 1].epoch
        assert moved_on == (index in restarts), (
            f"crossing {index}: epoch {crossings[index - 1].epoch} -> {crossings[index].epoch}"
            f" {'at' if index in restarts else 'not at'} a restart")
    with EventFile.open(planned_event, read_only=True) as event_file:
        assert event_file.heat(heat_id).status is HeatStatus.FINISHED
        result = _standings(replay_heat(event_file, heat_id))
    printed = {int(car): int(laps) for _, car, laps in STANDING.findall(done.stdout)}
    assert printed == {car: laps for car, (laps, _, _) in result.items()}
    assert set(printed.values()) == {LAPS}

def test_a_start_killed_right_after_start_sequence_resumes_without_false_starts(
    planned_event: Path,
) -> None:
    journal = Journal(planned_event)
    run = _python("run", planned_event, "--next", "--device", "sim", "--speedup", 50,
                  "--laps", 2, "--timeout", WAIT_S)
    process = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    heat_id: int | None = None

    def start_journaled() -> bool:
        nonlocal heat_id
        heat_id = heat_id or journal.running_heat()
        return process.poll() is not None or (heat_id is not None and any(
            r["type"] == "StartSequence" for r in journal.records(heat_id)))

    try:
        _wait_for("StartSequence in the journal", start_journaled)
    finally:
        process.kill()
        _, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == -signal.SIGKILL, stderr
    assert heat_id is not None
    killed = journal.records(heat_id)
    done = subprocess.run(run, capture_output=True, text=True, timeout=WAIT_S * 2)
    assert done.returncode == 0, done.stderr
    assert "resuming heat" in done.stdout
    final = journal.records(heat_id)
    assert final[: len(killed)] == killed
    types = [r["type"] for r in final]
    abort = types.index("AbortStart")
    reconnected = types.index("LinkUp", len(killed))
    assert types.index("StartSequence") < abort < reconnected < types.index(
        "StartSequence", reconnected), "aborted before the resumed run connects, then restarted"
    with EventFile.open(planned_event, read_only=True) as event_file:
        assert event_file.heat(heat_id).status is HeatStatus.FINISHED
        state = replay_heat(event_file, heat_id)
    assert not [d for d in state.stewards_log if getattr(d.command, "reason", "") == "false start"]
    assert not [a for a in state.alerts if a.kind.name == "FALSE_START"]
    assert all(car.penalty_ms == 0 and car.laps == 2 for car in state.cars.values())
