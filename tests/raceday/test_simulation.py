"""Simulated crews for every face's dry run come from the event core: regularity pace per leg,
each crew's own consistency, and the track's real sensor places (the demo shows sectors)."""

from __future__ import annotations

from pathlib import Path

from slotrace.engine import SessionConfig
from slotrace.raceday import (
    event_simulation,
    open_heat,
    opening_simulator_options,
    simulated_cars,
)
from slotrace.tui.demo_event import create_demo_event


def test_the_demo_heat_is_simulated_at_regularity_pace_past_three_sensor_groups(
        tmp_path: Path) -> None:
    with create_demo_event(tmp_path / "demo.slotrace") as event_file:
        options = opening_simulator_options(event_file)
        # leg 1 of the shipped template: PC 2 asks for a 25.0 s lap; the track (30 m) has
        # sensor groups 2 and 3 at the castle gate (9 m) and the valley aqueduct (17 m)
        assert options["sensor_groups"] == 3
        assert options["sensor_fractions"] == (9.0 / 30.0, 17.0 / 30.0)
        crews = [c.split(":") for c in options["cars"].split(",")]
        assert [pace for _, pace, _ in crews] == ["25.00"] * len(crews)
        assert len({scatter for _, _, scatter in crews}) == len(crews)  # each its own
        # the heat race control then opens is exactly the heat these options are for
        opened = open_heat(event_file)
        assert opened is not None
        assert [int(c[0]) for c in crews] == list(opened.live.config.cars)
        # and a resumed heat gets the same simulation as `slotrace run` would build for it
        resumed = opening_simulator_options(event_file)
        leg = opened.heat.plan["leg"] if opened.heat.plan else None
        assert resumed == event_simulation(event_file).options(opened.live.config, leg)


def test_a_leg_without_a_pace_is_driven_flat_out() -> None:
    config = SessionConfig(kind="race_laps", laps=3, cars=(1, 2))
    assert simulated_cars(config, None) == "1:5.20,2:5.45"
    assert simulated_cars(config, 24.0) == "1:24.00:0.05,2:24.00:0.10"
