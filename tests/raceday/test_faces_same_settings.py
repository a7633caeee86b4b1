"""Race control (TUI) and ``slotrace run`` start every planned heat with the same settings.

Issue 9 "Done means": the sample event is built with the real command line (`slotrace new`,
`entries import` of the shipped sample, `scrutineer --record`, `startlist --save`, `heats
--save`), copied, and then every planned heat is opened once by each face on its own copy:
race control through `slotrace.tui.launch.prepare_race_control` (what ``slotrace open`` and
the demo call), ``slotrace run`` through `slotrace.cli.heat_runner.run_heat` with a driver
that reports nothing (the heat is opened, "run" and finished, as after a real heat). The
settings each face starts with must be equal to each other and to the event core's
`heat_settings` for that heat, and carry the track's sensor groups (sectors).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from slotrace.drivers_api import Capabilities, Capability, ClockMark
from slotrace.engine import FinishRule, SessionConfig
from slotrace.raceday import day_plan, heat_settings
from slotrace.rules.legs import sensor_groups
from slotrace.store import EventFile, PlannedHeatStatus


def slotrace(*args: str | Path, expect: int = 0) -> str:
    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done.stdout


class SilentDriver:
    """A connected control unit that reports nothing (the heat ends when its events end)."""

    capabilities = Capabilities(max_cars=6, sensor_groups=3,
                                flags=Capability.START_LIGHTS | Capability.CLOCK_CONTINUITY)

    def continue_clock(self, mark: ClockMark) -> None:
        pass

    def send(self, command: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def events(self) -> AsyncIterator[Any]:
        return
        yield


@pytest.fixture(scope="module")
def sample_event(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The whole shipped sample event, planned with the CLI; two identical copies."""
    folder = tmp_path_factory.mktemp("faces")
    event = folder / "tui.slotrace"
    sample = resources.files("slotrace.rules") / "data" / "sample-entries.csv"
    entries_csv = folder / "entries.csv"
    entries_csv.write_text(sample.read_text("utf-8"), "utf-8")
    slotrace("new", event)
    slotrace("entries", "import", event, entries_csv)
    slotrace("scrutineer", event, "--record", expect=3)  # ten cars rejected on purpose
    slotrace("startlist", event, "--save")
    slotrace("heats", event, "--save")
    run_copy = folder / "run.slotrace"
    shutil.copyfile(event, run_copy)
    return event, run_copy


def _race_control_configs(path: Path) -> dict[int, SessionConfig]:
    from slotrace.tui.launch import prepare_race_control

    configs: dict[int, SessionConfig] = {}
    with EventFile.open(path, writer="test race control") as event_file:
        while event_file.next_planned_heat() is not None:
            number = event_file.next_planned_heat().number
            app = prepare_race_control(event_file, SilentDriver())  # type: ignore[arg-type]
            configs[number] = app.session.config
            assert app.heat_id is not None
            event_file.finish_heat(app.heat_id)
    return configs


def _run_configs(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[int, SessionConfig]:
    from slotrace.cli import heat_runner

    async def connect(*args: Any, before_start: Any, **kwargs: Any) -> tuple[Any, None]:
        driver = SilentDriver()
        before_start(driver)
        return driver, None

    monkeypatch.setattr(heat_runner, "_connect", connect)
    configs: dict[int, SessionConfig] = {}
    options = heat_runner.RunOptions(device="sim")
    with EventFile.open(path, writer="test run") as event_file:
        while (planned := event_file.next_planned_heat()) is not None:
            live = asyncio.run(heat_runner.run_heat(event_file, planned, options,
                                                    lambda line: None, {}))
            configs[planned.number] = live.config
            assert event_file.planned_heat(planned.number).status is PlannedHeatStatus.FINISHED
    return configs


def test_race_control_and_run_start_every_planned_heat_with_the_same_settings(
    sample_event: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tui_file, run_file = sample_event
    with EventFile.open(tui_file, read_only=True) as event_file:
        plan = day_plan(event_file)
        planned = event_file.planned_heats()
    assert plan is not None and plan.track is not None
    assert len(planned) == len(plan.heats) >= 40  # 72 starters, 4 legs, 6 cars per heat
    expected = {h.number: heat_settings(h, plan.event, plan.track) for h in plan.heats}

    by_race_control = _race_control_configs(tui_file)
    by_run = _run_configs(run_file, monkeypatch)

    assert sorted(by_race_control) == sorted(by_run) == sorted(expected)
    for number, config in expected.items():
        assert by_race_control[number] == by_run[number] == config, f"planned heat {number}"
        assert config.sensor_groups == sensor_groups(plan.track) == 3, f"planned heat {number}"
        assert config.finish_rule is FinishRule.ALL_COMPLETE_LAPS
        heat = next(h for h in plan.heats if h.number == number)
        assert config.cars == tuple(sorted(slot.address for slot in heat.slots))
    for path in (tui_file, run_file):  # what each face stored for the heat is what it ran
        with EventFile.open(path, read_only=True) as event_file:
            for heat in event_file.planned_heats():
                stored = SessionConfig.model_validate(event_file.heat(heat.heat_id).config)
                assert stored == expected[heat.number], f"{path.name} planned heat {heat.number}"


def test_the_demo_event_plans_its_heats_with_the_tracks_sectors(tmp_path: Path) -> None:
    from slotrace.tui.demo_event import create_demo_event

    with create_demo_event(tmp_path / "demo.slotrace") as event_file:
        plan = day_plan(event_file)
        assert plan is not None and plan.track is not None
        planned = event_file.planned_heats()
        assert len(planned) == len(plan.heats) > 0
        for heat, saved in zip(plan.heats, planned, strict=True):
            config = SessionConfig.model_validate(saved.config)
            assert config == heat_settings(heat, plan.event, plan.track)
            assert config.sensor_groups == sensor_groups(plan.track) > 1  # sectors shown
