"""Heats that ran stay as they ran: re-planning with ``heats --save --force`` keeps them, and a
heat reopened by the stewards is not silently finished again by ``slotrace run``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kill9 import copy_event, make_planned_event, python
from test_sample_event import slotrace

from slotrace.store import EventFile, HeatStatus, PlannedHeatStatus

RUN = ("--device", "sim", "--speedup", "100", "--laps", "2", "--timeout", "60")


@pytest.fixture(scope="module")
def planned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_planned_event(tmp_path_factory.mktemp("replan"))


@pytest.fixture
def event_with_heat_1_run(planned_template: Path, tmp_path: Path) -> Path:
    event = copy_event(planned_template, tmp_path)
    slotrace("run", event, "--next", *RUN)
    return event


def _planned(event: Path) -> list:
    with EventFile.open(event, read_only=True) as event_file:
        return event_file.planned_heats()


def test_replanning_with_force_keeps_the_heats_that_ran_and_plans_only_the_rest(
    event_with_heat_1_run: Path,
) -> None:
    event = event_with_heat_1_run
    before = _planned(event)
    ran = before[0]
    assert ran.status is PlannedHeatStatus.FINISHED
    out = slotrace("heats", event, "--save", "--force")
    assert "kept planned heat 1" in out, out
    after = _planned(event)
    assert after[0] == ran  # same number, cars, settings and the heat that ran it
    numbers = [p.number for p in after]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    waiting = after[1:]
    assert all(p.status is PlannedHeatStatus.WAITING for p in waiting)
    ran_cars = set(ran.cars.values())
    first_leg = [p for p in waiting if p.leg == ran.leg]
    assert not ran_cars & {e for p in first_leg for e in p.cars.values()}, (
        "a car that ran its leg was planned for it again")
    assert {e for p in before if p.leg == ran.leg for e in p.cars.values()} == (
        ran_cars | {e for p in first_leg for e in p.cars.values()}), "a car lost its leg"
    for leg in {p.leg for p in before} - {ran.leg}:  # the other legs keep every car
        assert sorted(e for p in before if p.leg == leg for e in p.cars.values()) == sorted(
            e for p in after if p.leg == leg for e in p.cars.values())
    run = slotrace("run", event, "--next", *RUN)
    assert f"{after[1].name}" in run.splitlines()[0], run
    with EventFile.open(event, read_only=True) as event_file:
        assert event_file.planned_heats()[1].status is PlannedHeatStatus.FINISHED
        assert len([h for h in event_file.heats() if h.status is HeatStatus.FINISHED]) == 2


def test_a_reopened_heat_is_not_finished_again_by_run_but_sent_to_race_control(
    event_with_heat_1_run: Path,
) -> None:
    event = event_with_heat_1_run
    with EventFile.open(event, read_only=True) as event_file:
        heat = event_file.heats()[0]
        rows = list(event_file.journal(heat.id))
    out = slotrace("stewards", "reopen-heat", event, str(heat.id), "--reason", "missed lap")
    assert "slotrace open" in out
    done = subprocess.run(python("run", event, "--next", *RUN), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0, done.stdout
    assert f"heat {heat.id}" in done.stderr and "reopened" in done.stderr, done.stderr
    assert "slotrace open" in done.stderr and "missed lap" in done.stderr, done.stderr
    with EventFile.open(event, read_only=True) as event_file:
        assert event_file.heat(heat.id).status is HeatStatus.RUNNING  # still to be corrected
        assert list(event_file.journal(heat.id)) == rows  # nothing added, nothing replaced
        assert len(event_file.heats()) == 1  # and no other heat started meanwhile
