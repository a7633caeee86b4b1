"""A heat of the sample event on the Scalextric ARC Pro simulator, through the real command line:
``slotrace run FILE --next --device sim:arc`` (docs/arc.md, "Running a heat on the simulator")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_sample_event import reduced_sample, slotrace

from slotrace.drivers_api import CarPassed, LinkUp
from slotrace.engine import LightsOut, StartSequence
from slotrace.store import EventFile, HeatStatus, PlannedHeatStatus
from slotrace.store.replay import replay_heat


@pytest.fixture
def planned_event(tmp_path: Path) -> Path:
    event, entries_csv = tmp_path / "club.slotrace", tmp_path / "entries.csv"
    reduced_sample(entries_csv)
    slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    slotrace("scrutineer", event, "--record", expect=3)  # entry 11 is rejected on purpose
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    return event


def test_sim_arc_runs_the_arc_simulator_and_leaves_an_unfinished_heat_resumable(
    planned_event: Path,
) -> None:
    # real time: a lap of the sample track takes ~25 s, so nothing can finish within 1 s
    done = subprocess.run(
        [sys.executable, "-m", "slotrace", "run", str(planned_event), "--next",
         "--device", "sim:arc", "--timeout", "1"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "did not finish within 1 s" in done.stderr and "--heat 1" in done.stderr
    with EventFile.open(planned_event, read_only=True) as ef:
        planned = ef.planned_heat(1)
        assert planned.status is PlannedHeatStatus.RUNNING
        first = next(row.item() for row in ef.journal(planned.heat_id))
    # the ARC driver talked to the ARC simulator (GATT over TCP), not to a Carrera one
    assert isinstance(first, LinkUp) and first.description.startswith("arc on BLE socket://")


def test_a_heat_of_the_sample_event_runs_to_the_finish_on_the_arc_simulator(
    planned_event: Path,
) -> None:
    out = slotrace("run", planned_event, "--next", "--device", "sim:arc", "--speedup", "100",
                   "--timeout", "15")
    assert "finished Heat 1" in out and "refused" not in out
    # ARC sees the finish line only: the organiser is told which trials every car will miss
    warning = next(line for line in out.splitlines() if "WARNING" in line)
    assert "PC 1 Desenzano del Garda" in warning and "castle gate (sensor group 2)" in warning
    assert "the control unit has 1 sensor group" in warning
    with EventFile.open(planned_event, read_only=True) as ef:
        planned = ef.planned_heat(1)
        heat = ef.heat(planned.heat_id)
        assert planned.status is PlannedHeatStatus.FINISHED
        assert heat.status is HeatStatus.FINISHED
        journal = [row.item() for row in ef.journal(heat.id)]
        state = replay_heat(ef, heat.id)
    # the race was started by race control's own countdown (no start lights on an ARC base)
    kinds = [type(item) for item in journal]
    assert StartSequence in kinds and LightsOut in kinds
    assert kinds.index(StartSequence) < kinds.index(LightsOut)
    assert "started: the control unit has no start lights" in out
    # the base can cut the power, so the start is journaled as holding the cars
    assert next(item for item in journal if isinstance(item, StartSequence)).cars_held
    crossings = [item for item in journal if isinstance(item, CarPassed)]
    assert {c.car for c in crossings} == set(planned.cars)
    assert all(c.sensor == 1 and c.device_ms % 10 == 0 for c in crossings)  # 10 ms ticks
    laps = heat.config["laps"]
    for number in planned.cars:
        assert state.cars[number].laps == laps, (number, state.cars[number])


def test_a_heat_planned_for_more_cars_than_the_arc_base_runs_is_refused_before_it_opens(
    planned_event: Path,
) -> None:
    """All 11 cars planned in one heat, run on a 6-car ARC base: cars 7-11 would never lap and
    the heat would never finish. `slotrace run` says so and writes nothing."""
    slotrace("heats", planned_event, "--save", "--force", "--capacity", "11")
    done = subprocess.run(
        [sys.executable, "-m", "slotrace", "run", str(planned_event), "--next",
         "--device", "sim:arc", "--timeout", "5"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1, done.stdout
    assert ("this heat has cars on controllers 7, 8, 9, 10, 11, but the arc driver runs cars "
            "1..6") in done.stderr
    assert "slotrace heats FILE --save --force --driver arc" in done.stderr
    with EventFile.open(planned_event, read_only=True) as ef:
        assert ef.planned_heat(1).status is PlannedHeatStatus.WAITING
        assert ef.heats() == []
    # the advice works: heats of at most the ARC base's 6 cars, on its car IDs 1..6
    slotrace("heats", planned_event, "--save", "--force", "--driver", "arc")
    with EventFile.open(planned_event, read_only=True) as ef:
        planned = ef.planned_heats()
    assert planned and all(1 <= len(h.cars) <= 6 and set(h.cars) <= set(range(1, 7))
                           for h in planned)
    assert max(len(h.cars) for h in planned) == 6


def test_heats_for_a_driver_take_its_cars_per_heat_and_refuse_more(planned_event: Path) -> None:
    def heats(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "slotrace", "heats", str(planned_event),
                               "--json", *options], capture_output=True, text=True, timeout=60)

    # a Carrera CU knows cars 1..8, but 7 and 8 are its ghost and pace cars: heats of 6
    assert json.loads(heats("--driver", "carrera").stdout)["capacity"] == 6
    assert json.loads(heats("--driver", "arc", "--capacity", "4").stdout)["capacity"] == 4
    too_many = heats("--driver", "arc", "--capacity", "8")
    assert too_many.returncode == 1
    assert "--capacity 8: the arc driver runs at most 6 cars in a heat" in too_many.stderr
    unknown = heats("--driver", "oxigen")
    assert unknown.returncode == 1
    assert "no driver named 'oxigen' is installed (installed: arc, carrera" in unknown.stderr
