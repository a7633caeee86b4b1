"""Shared by the kill -9 tests of ``slotrace run`` and of race control (``slotrace open``).

* `SimulatedControlUnit`: the Carrera simulator served from the test process (a thread with
  its own event loop), so it outlives every process killed against it, its clock keeps
  running as a real control unit's does, and its ground truth stays readable.
* `ControlUnitWatch`: what that control unit has seen (requests, START presses, lights,
  crossings handed out), updated from the simulator's thread after every request it
  answers. Tests *block* on it (a condition variable) to kill at a chosen moment; the only
  timeout is a failure guard.
* `check_heat`: the invariants every killed-and-resumed heat must keep, against the truth.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.drivers_api import CarPassed, load_driver
from slotrace.engine import SessionConfig, apply, fold, initial_state, standings
from slotrace.store import EventFile

WAIT_S = 60.0
"""Failure guard on every blocking wait (a moment, a marker, an exit); never a pacing delay."""
CU_ON_MS = 10 * 60 * 1000
"""The control unit was switched on ten minutes before the heat (its clock counts from then)."""
CAR_LAP_S = (5.2, 5.45, 5.7, 5.95, 6.2, 6.45)
START_BUTTON = 2
"""The control unit's START button as the simulator records presses."""
FINISH_LINE = 1
"""Sensor group 1 is the finish line (2 and 3 are Check Lanes)."""
MAX_IN_FLIGHT = 6
"""Crossings the control unit handed to a killed process that it never committed, at most,
per kill: the one being journaled, a few waiting in the driver's queue and in the socket, and
polls answered into the dead socket (the simulator counts a reply as delivered when it sends
it). A poll hands each crossing out once and the protocol has no acknowledgement, so these
cannot be asked for again (docs/durability.md)."""


def python(*args: str | Path | float) -> list[str]:
    """The command line of ``slotrace ARGS`` with this interpreter."""
    return [sys.executable, "-m", "slotrace", *map(str, args)]


def make_planned_event(folder: Path) -> Path:
    """The reduced sample (11 cars, 8 heats of 4 legs) scrutineered, numbered and planned."""
    event, entries_csv = folder / "club.slotrace", folder / "entries.csv"
    reduced_sample(entries_csv)
    slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    slotrace("scrutineer", event, "--record", expect=3)
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    return event


def copy_event(template: Path, folder: Path) -> Path:
    event = folder / template.name
    shutil.copyfile(template, event)
    return event


class Journal:
    """The event file as a reader sees it while another process writes it (read-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self, heat_id: int) -> list[dict[str, Any]]:
        with EventFile.open(self.path, read_only=True) as event_file:
            return [row.record for row in event_file.journal(heat_id)]

    def running_heat(self) -> int | None:
        with EventFile.open(self.path, read_only=True) as event_file:
            heat = event_file.heat_in_progress()
            return None if heat is None else heat.id


class ControlUnitWatch:
    """What the simulated control unit has seen; set from the simulator's thread.

    Attributes:
        requests: requests answered.
        start_presses: START presses received.
        light: the start-light nibble now (0 off, 1 all on, 2..6 counting, 7 go).
        greens: how often the lights went out (the race started on the track).
        delivered: crossings handed out by polls (the simulator injects no faults here).
        finish_driven: car -> finish-line crossings the control unit queued since the lights
            first came on, handed out or not (cars are held while they are on, so these are
            race laps driven on the track).
    """

    def __init__(self, model: Any) -> None:
        self._model = model
        self._changed = threading.Condition()
        self.requests = 0
        self.start_presses = 0
        self.light = 0
        self.delivered = 0
        self.finish_driven: Counter[int] = Counter()
        self._queued = 0
        self.greens = 0
        self._lights_on_from: int | None = None
        self._lights_on = False
        answer = model.handle

        def handle(request: Any) -> Any:
            reply = answer(request)
            self._after_request()
            return reply

        model.handle = handle

    def _after_request(self) -> None:
        model = self._model
        truth = model.truth
        with self._changed:
            self.requests += 1
            self.start_presses = model.buttons_pressed.count(START_BUTTON)
            light = self.light = model.start_light
            if light and self._lights_on_from is None:
                self._lights_on_from = len(truth.crossings)
            if light in (0, 7) and self._lights_on:
                self.greens += 1  # lights out (7, or already back to 0 at this request)
            self._lights_on = 1 <= light <= 6
            self.delivered = len(truth.crossings) - model.pending_events
            start = self._lights_on_from
            for crossing in truth.crossings[self._queued:]:
                if start is not None and crossing.seq >= start and crossing.sensor == FINISH_LINE:
                    self.finish_driven[crossing.car] += 1
            self._queued = len(truth.crossings)
            self._changed.notify_all()

    def wake(self) -> None:
        """Re-check what a `wait` waits for (something outside changed: a process ended)."""
        with self._changed:
            self._changed.notify_all()

    def laps_to_drive(self, cars: tuple[int, ...], laps: int) -> int:
        """Laps the slowest car still has to drive on the track (by what the control unit
        queued: a run cannot finish the heat before these are driven, backlog or not)."""
        return laps - min(self.finish_driven[car] for car in cars)

    def wait(self, what: str, condition: Callable[[ControlUnitWatch], bool],
             ended: Callable[[], bool] = lambda: False,
             describe: Callable[[], str] = lambda: "") -> bool:
        """Block until ``condition(self)`` holds (True) or ``ended()`` does (False: the process
        it waits on is gone; whoever ends it calls `wake`); fails after the `WAIT_S` guard."""
        with self._changed:
            reached = self._changed.wait_for(lambda: condition(self) or ended(), WAIT_S)
            if not reached:
                pytest.fail(f"no {what} within {WAIT_S:g} s (control unit: {self.requests} "
                            f"requests, light {self.light}, {self.delivered} crossings)"
                            f"{describe()}")
            return condition(self)


class SimulatedControlUnit:
    """The Carrera simulator served from this test process, with its `ControlUnitWatch`."""

    def __init__(self, cars: tuple[int, ...], seed: int, speedup: float) -> None:
        spec = ",".join(f"{car}:{CAR_LAP_S[(car - 1) % len(CAR_LAP_S)]}" for car in cars)
        self.cars = cars
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start() -> tuple[Any, str]:
            simulator = load_driver("carrera").simulator(
                cars=spec, sensor_groups=3, speedup=speedup, seed=seed, clock_start_ms=CU_ON_MS)
            return simulator, await simulator.start()

        self.simulator, target = self._call(start())
        self.watch = ControlUnitWatch(self.simulator.model)
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


@dataclass(frozen=True)
class Moment:
    """When to kill, as the control unit sees it, counted from the process's launch."""

    name: str
    requests: int = 1
    crossings: int = 0

    def reached(self, watch: ControlUnitWatch, at_launch: tuple[int, int]) -> bool:
        return (watch.requests - at_launch[0] >= self.requests
                and watch.delivered - at_launch[1] >= self.crossings)


def mid_heat_moment(rng: random.Random) -> Moment:
    """Some requests and crossings after the launch (a resumed run drains the backlog the
    control unit queued while nobody polled, so this lands anywhere between receive and
    commit)."""
    return Moment("mid-heat", requests=rng.randint(1, 200), crossings=rng.randint(0, 12))


# --- checking a heat against the truth ------------------------------------------------------

def crossings(records: list[dict[str, Any]]) -> list[CarPassed]:
    return [CarPassed(r["car"], r["sensor"], r["device_ms"], r["epoch"])
            for r in records if r["type"] == "CarPassed"]


def not_crossings(journal: list[dict[str, Any]]) -> list[str]:
    return [f"{r['type']}{'=' + str(r['start_light']) if 'start_light' in r else ''}"
            for r in journal if r["type"] != "CarPassed"]


def first_crossings_after_restart(journal: list[dict[str, Any]]) -> set[int]:
    """Indexes (among the journal's crossings) of each restarted process's first crossing."""
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


def lost_in_flight(journal: list[dict[str, Any]], truth: list[CarPassed]) -> list[CarPassed]:
    """Truth crossings missing from the journal. Fails unless the journal's crossings are the
    truth's, in order, each exactly once, and every missing one lies in a kill window: after
    the last crossing a killed process journaled and before the first its successor did."""
    journaled = crossings(journal)
    assert len(set(journaled)) == len(journaled), "a crossing was journaled twice"
    position = {crossing: n for n, crossing in enumerate(truth)}
    unknown = [c for c in journaled if c not in position]
    assert not unknown, f"journaled crossings the control unit never sent: {unknown[:3]}"
    order = [position[c] for c in journaled]
    assert order == sorted(order), "the journal's crossings are not in the order they were sent"
    restarts = first_crossings_after_restart(journal)
    lost: list[CarPassed] = []
    expected = 0
    for index, at in enumerate(order):
        if at != expected:
            assert index in restarts, (
                f"crossings {truth[expected:at]} sent by the control unit are missing from the "
                "journal in the middle of a run (not in a kill window)")
            assert at - expected <= MAX_IN_FLIGHT, (
                f"a restart lost {at - expected} crossings: {truth[expected:at]}; journal "
                f"{around_crossing(journal, index)}")
            lost.extend(truth[expected:at])
        expected = at + 1
    return lost  # crossings after the last journaled one were sent once the heat had finished


def race_anchor(config: SessionConfig, stream: list[Any]) -> int | None:
    """The device time the race clock last started from (its first timed event after the
    last lights out)."""
    state, anchor = initial_state(config), None
    for item in stream:
        before = state.clock.anchor_ms
        state, _ = apply(state, item)
        if before is None and state.clock.running and state.clock.anchor_ms is not None:
            anchor = state.clock.anchor_ms
    return anchor


def truth_stream(items: list[Any], truth: list[CarPassed], lost: list[CarPassed]) -> list[Any]:
    """The journal's items with the lost crossings put back where the control unit sent
    them: what the simulator's truth says happened."""
    position = {crossing: n for n, crossing in enumerate(truth)}
    missing = sorted(lost, key=position.__getitem__)
    stream: list[Any] = []
    for item in items:
        if isinstance(item, CarPassed):
            while missing and position[missing[0]] < position[item]:
                stream.append(missing.pop(0))
        stream.append(item)
    return stream + missing


def standings_of(state: Any) -> dict[int, tuple[int, Any, Any]]:
    return {row.car: (row.laps, row.total_ms, row.best_lap_ms) for row in standings(state)}


def around_first_epoch_change(journal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    at = next(n for n, r in enumerate(journal) if r.get("epoch", 0) != 0)
    return journal[max(0, at - 6): at + 2]


def around_crossing(journal: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    at = [n for n, r in enumerate(journal) if r["type"] == "CarPassed"][index]
    return journal[max(0, at - 8): at + 2]


def check_heat(label: str, final: list[dict[str, Any]], snapshots: list[list[dict[str, Any]]],
               truth: list[CarPassed], config: SessionConfig, items: list[Any],
               replayed: Any) -> list[CarPassed]:
    """The invariants of a heat killed and resumed on a control unit whose clock ran on:

    * every journal read after a kill is a prefix of the final journal;
    * no new epoch (the clock never went back);
    * every crossing journaled is one the control unit sent, once, in order, and every one
      it sent that is missing lies in a kill window (`lost_in_flight`);
    * the stored standings are the truth's (laps, best lap; totals up to the one offset a lost
      first crossing after lights out gives every car's race clock) for every car that lost
      no crossing that way.

    Returns the crossings lost in kill windows.
    """
    for snapshot in snapshots:
        assert final[: len(snapshot)] == snapshot, f"{label}: committed rows lost"
    epochs = [r["epoch"] for r in final if r["type"] in ("CarPassed", "EpochStarted")]
    assert set(epochs) == {0}, (
        f"{label}: a new epoch although the control unit's clock ran on: "
        f"{around_first_epoch_change(final)}")
    assert not [r for r in final if r["type"] == "EpochStarted"]
    lost = lost_in_flight(final, truth)
    driven_items = truth_stream(items, truth, lost)
    driven, result = standings_of(fold(config, driven_items)), standings_of(replayed)
    unharmed = [car for car in config.cars if car not in {crossing.car for crossing in lost}]
    for car in unharmed:  # a car that lost no crossing has exactly the truth's laps
        assert result[car][::2] == driven[car][::2], (
            f"{label} car {car}: (laps, best) {result[car][::2]} but the truth's are "
            f"{driven[car][::2]}")
    # The race clock starts at the first timed event after lights out: if that was a crossing
    # lost in a kill window, every car's total moves by the same amount, and only then.
    shifts = {result[car][1] - driven[car][1] for car in unharmed
              if result[car][1] is not None and driven[car][1] is not None}
    started, truth_started = race_anchor(config, items), race_anchor(config, driven_items)
    anchored_later = ({truth_started - started}
                      if started is not None and truth_started is not None else set())
    assert shifts <= {0} | anchored_later, (
        f"{label}: totals differ from the truth's by {shifts}, but the race clock's anchor "
        f"only by {anchored_later}")
    return lost
