"""Race control over the event core (`slotrace.tui.launch`): a heat the stewards reopened
stays open until the organiser ends the correction, and a simulator is re-paced for every
heat at its leg's regularity pace (what ``slotrace run --device sim`` drives)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import status
from scripted_driver import ScriptedDriver

from slotrace.drivers_api import CarPassed, LinkDown, LinkUp, StartLight
from slotrace.engine import SessionPhase, StartSequence, TimePenalty
from slotrace.raceday import event_simulation, open_heat
from slotrace.store import EventFile, HeatStatus
from slotrace.tui.demo_event import create_demo_event, sample_entries
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.simulated_device import SimulatedDevice


def _finish_first_heat(event_file: EventFile) -> int:
    """Run the next heat to its finish in the event core (one lap per car); its id."""
    opened = open_heat(event_file, laps=1, clock=lambda: 0.0)
    assert opened is not None
    live = opened.live
    live.feed(StartSequence(reason="start", author="steward"))
    for light in (StartLight.GO, StartLight.OFF):
        live.feed(status(light))
    for car in live.config.cars:
        live.feed(CarPassed(car, 1, 1000 + car))
        live.feed(CarPassed(car, 1, 26000 + 10 * car))
    assert live.state.phase is SessionPhase.FINISHED
    event_file.finish_heat(opened.heat.id)
    return opened.heat.id


def _reopened_first_heat(path: Path, reason: str) -> int:
    """A 4-entry event whose first heat ran and was reopened by the stewards; its id."""
    with create_demo_event(path, sample_entries()[:4]) as event_file:
        heat_id = _finish_first_heat(event_file)
        event_file.reopen_heat(heat_id, reason=reason, author="chief steward")
    return heat_id


async def test_a_reopened_heat_is_finished_when_the_organiser_moves_on(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    heat_id = _reopened_first_heat(path, "car 2 missed a lap")
    event_file = EventFile.open(path)
    try:
        app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
        assert app.heat_id == heat_id and "reopened to correct" in app.heat_title
        published: list[int] = []
        app._publish = lambda: (published.append(heat_id), "results site rewritten")[1]
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()  # LinkUp: race control shows the journal's finish
            assert app.session.state.phase is SessionPhase.FINISHED
            assert event_file.heat(heat_id).status is HeatStatus.RUNNING  # still open
            app.control(TimePenalty(car=2, ms=5000, reason="cut the hairpin",
                                    author="steward"))
            await pilot.pause()
            assert event_file.heat(heat_id).status is HeatStatus.RUNNING
            await pilot.press("n")  # the correction is over: on to the next heat
            await pilot.pause()
            assert event_file.heat(heat_id).status is HeatStatus.FINISHED
            for worker in [w for w in app.workers if w.group == "publish"]:
                await worker.wait()
            await pilot.pause()
            assert published == [heat_id]  # --publish shows the corrected result at once
            assert any("correction over, heat finished and saved" in n.message
                       for n in app._notifications)
            assert app.heat_id != heat_id
            assert event_file.heat(app.heat_id).status is HeatStatus.RUNNING
        penalties = [row.item() for row in event_file.journal(heat_id)
                     if isinstance(row.item(), TimePenalty)]
        assert [p.reason for p in penalties] == ["cut the hairpin"]  # kept with the heat
    finally:
        event_file.close()


async def test_quitting_during_the_correction_leaves_the_heat_reopened(tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    heat_id = _reopened_first_heat(path, "check the laps")
    event_file = EventFile.open(path)
    try:
        app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            await pilot.press("q")
        assert event_file.heat(heat_id).status is HeatStatus.RUNNING
    finally:
        event_file.close()


def _paces(cars: str) -> set[str]:
    return {crew.split(":")[1] for crew in cars.split(",")}


async def test_race_control_on_the_simulator_drives_each_heat_at_its_legs_pace(
        tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    with create_demo_event(path, sample_entries()[:4]) as event_file:  # one heat a leg
        device = SimulatedDevice.for_driver("carrera", speedup=3.0, seed=5)
        app = prepare_race_control(event_file, device)
        assert _paces(device.options["cars"]) == {"25.00"}  # leg 1: PC 2 asks 25.00 s a lap
        async with app.run_test(size=(160, 40)) as pilot:
            for _ in range(200):
                if app.session.link.up:
                    break
                await pilot.pause(0.05)
            first_target = device.target
            await pilot.press("e")  # on the grid: the heat ends at once
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            opened = event_file.heat(app.heat_id)
            assert opened.plan is not None and opened.plan["leg"] == 1
            expected = event_simulation(event_file).crews(app.session.config, 1)
            assert _paces(expected["cars"]) == {"24.00"}  # leg 2: PC 3 asks 24.00 s a lap
            assert {k: device.options.get(k) for k in expected} == expected
            # the face's own options stay: speed-up and seed are not the heat's to decide
            assert (device.options["speedup"], device.options["seed"]) == (3.0, 5)
            for _ in range(200):  # the new simulator comes up behind the same connection
                if device.target != first_target and app.session.link.up:
                    break
                await pilot.pause(0.05)
            assert device.target != first_target and app.session.link.up
            assert app.connected


async def test_a_running_simulator_is_re_paced_behind_the_same_event_stream() -> None:
    device = SimulatedDevice.for_driver("carrera", cars="1:5.00:0.05,2:5.00:0.05")
    seen: list[object] = []
    link_ups = [asyncio.Event(), asyncio.Event()]  # the first connection's, the second's

    async def read() -> None:
        async for event in device.events():
            seen.append(event)
            if isinstance(event, LinkUp):
                link_ups[min(1, sum(isinstance(e, LinkUp) for e in seen) - 1)].set()

    await device.start()
    reader = asyncio.create_task(read())
    try:
        await asyncio.wait_for(link_ups[0].wait(), 10)
        assert device.resimulate({"cars": "1:8.00:0.10,2:8.00:0.15", "sensor_groups": 1})
        await asyncio.wait_for(link_ups[1].wait(), 10)
        assert not any(isinstance(e, LinkDown) for e in seen)  # the swap is not a lost link
        assert device.options["cars"] == "1:8.00:0.10,2:8.00:0.15"
        assert not reader.done()  # the stream goes on with the new connection
        # the same crews again: nothing to re-pace, the connection stays
        assert not device.resimulate({"cars": "1:8.00:0.10,2:8.00:0.15", "sensor_groups": 1})
    finally:
        await device.close()
        await asyncio.wait_for(reader, 10)


def test_an_event_without_a_plan_opens_a_heat_of_the_connected_drivers_cars(
    tmp_path: Path,
) -> None:
    """A hand-made event file (entries, no legs): race control's fallback heat takes as many
    cars as the connected driver races in a heat, not always six."""
    from slotrace.drivers_api import Capabilities, Capability
    from slotrace.tui.launch import prepare_race_control

    class FourCarGate(ScriptedDriver):
        capabilities = Capabilities(max_cars=4, sensor_groups=1, flags=Capability.NONE)

    car = {"marque": "Alfa Romeo", "model": "8C 2300", "replica_year": 1932,
           "build_year": 1932, "displacement_cc": 2336, "supercharged": True, "category": "S",
           "body_colour": "red", "number_positions": ["left", "right", "nose"]}
    for driver, cars in ((FourCarGate(), (1, 2, 3, 4)), (ScriptedDriver(), (1, 2, 3, 4, 5, 6))):
        path = tmp_path / f"{len(cars)}.slotrace"
        with EventFile.create(path) as ef:
            ef.set_entries([{"entry_no": n, "race_number": 100 + n, "entrant": f"Racer {n}",
                             "nationality": "IT", "car": car} for n in range(1, 9)])
        with EventFile.open(path) as ef:
            app = prepare_race_control(ef, driver)
            assert app.session.config.cars == cars
