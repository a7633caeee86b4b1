"""Simulated crews for every face's dry run come from the event core: regularity pace per leg,
each crew's own consistency, and the track's real sensor places (the demo shows sectors)."""

from __future__ import annotations

import itertools
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
        assert [pace for _, pace, _, _ in crews] == ["25.00"] * len(crews)
        assert len({scatter for _, _, scatter, _ in crews}) == len(crews)  # each its own
        # every crew plans the leg's ideal run: its 5 laps, each from sensor to sensor; PC 1
        # (start line to castle gate in 7.50 s) opens it, PM 1 (48 km/h) slows lap 4
        [plan] = {plan for _, _, _, plan in crews}
        laps = [[float(part) for part in lap.split("+")] for lap in plan.split("/")]
        assert len(laps) == 5 and all(len(lap) == 3 for lap in laps)
        assert laps[0][0] == 7.5 and laps[3][:2] == [21.6, 19.2]
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
    assert simulated_cars(config, 24.0, ((24.0,), (7.2, 6.4, 10.4))) == (
        "1:24.00:0.05:24/7.2+6.4+10.4,2:24.00:0.10:24/7.2+6.4+10.4")


def test_both_simulators_take_the_crews_schedule() -> None:
    """The crews' ``cars`` go to whichever driver's simulator runs the heat: Carrera drives the
    sector times, ARC (finish line only) the laps they add up to."""
    from slotrace_arc.protocol import COMMAND_UUID, Command, RaceState
    from slotrace_arc.sim_model import PowerbaseModel, SimCar
    from slotrace_arc.sim_model import parse_cars as arc_cars
    from slotrace_carrera.sim_config import CarSpec, ModelConfig
    from slotrace_carrera.sim_config import parse_cars as carrera_cars

    config = SessionConfig(kind="race_laps", laps=2, cars=(1,), sensor_groups=3)
    cars = simulated_cars(config, 5.0, ((6.5,), (2.0, 3.0, 1.5)))
    assert carrera_cars(cars) == (CarSpec(1, 5000, 50, ((6500,), (2000, 3000, 1500))),)
    ModelConfig(cars=carrera_cars(cars), sensor_groups=3)  # one part per sensor group
    assert arc_cars(cars) == [SimCar(1, 5.0, 0.05, (6.5, 6.5))]
    model = PowerbaseModel([SimCar(1, 5.0, 0.0, (6.5, 7.0))], lane_change=0)
    model.write(COMMAND_UUID, Command(state=RaceState.POWER_ON_RACING, power=(63,) * 6).encode())
    model.advance_to(40_000)
    stamps = [c.device_ms for c in model.truth]
    # the first crossing after the clock starts begins the run; then 6.5 s, 7 s, 5 s laps
    assert [b - a for a, b in itertools.pairwise(stamps)][:3] == [6500, 7000, 5000]
