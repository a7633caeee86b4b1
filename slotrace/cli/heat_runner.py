"""Provides the headless heat runner behind ``slotrace run``: driver -> journal -> engine -> text.

`run_heat` opens (or resumes) one planned heat, connects the driver (or the driver's own
simulator), journals race control's start and every driver event through the store's
`LiveHeat` *before* the engine applies it, prints each lap as it happens and marks the heat
finished when the engine says the session finished. If it stops early (Ctrl-C, a timeout, a
lost device) the heat stays running in the event file and can be resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slotrace import engine
from slotrace.drivers_api import (
    Button,
    Driver,
    LinkDown,
    LinkUp,
    PressButton,
    Simulator,
    load_driver,
    open_device,
)
from slotrace.engine import LapCompleted, SessionPhase, StartSequence
from slotrace.errors import SlotraceError
from slotrace.store import EventFile, PlannedHeat, PlannedHeatStatus
from slotrace.store.replay import LiveHeat

SIM_BASE_LAP_S = 5.2
SIM_LAP_STEP_S = 0.25
"""Without a regularity pace, simulated cars lap in 5.2 s (address 1), 5.45 s (address 2), ...
at full speed."""
SIM_JITTER_S = (0.05, 0.10, 0.15, 0.25, 0.35, 0.50)
"""Simulated regularity crews aim at the leg's pace; their lap-to-lap scatter (by controller
address) makes some crews better than others, as at a real event."""


class HeatTimeoutError(SlotraceError):
    """The heat did not finish within the time allowed; it is left running (resumable)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How ``slotrace run`` runs heats.

    Attributes:
        device: ``DRIVER:TARGET``, or ``sim`` / ``sim:DRIVER`` for the driver's simulator.
        speedup: simulator only: model seconds per real second.
        laps: overrides the planned distance of heats started now (not of resumed heats).
        author: who gave race control's commands, for the stewards' log.
        timeout_s: give up (heat left resumable) if a heat runs longer than this.
        sensor_fractions: simulator only: lap fractions of sensor groups 2 and 3.
        pace_s_by_leg: simulator only: the regularity lap time each leg's trials ask for
            (`slotrace.rules.legs.regularity_lap_s`), None where a leg has none.
    """

    device: str
    speedup: float = 1.0
    laps: int | None = None
    author: str = "slotrace run"
    timeout_s: float | None = None
    sensor_fractions: tuple[float, ...] | None = None
    pace_s_by_leg: tuple[float | None, ...] = ()


def _is_sim(device: str) -> bool:
    return device == "sim" or device.startswith("sim:")


def simulated_cars(config: engine.SessionConfig, pace_s: float | None) -> str:
    """The simulator's ``cars`` option for a heat: regularity crews aiming at ``pace_s`` with
    different consistency, or cars at full speed when the leg sets no pace."""
    if pace_s is None:
        return ",".join(
            f"{car}:{SIM_BASE_LAP_S + SIM_LAP_STEP_S * (car - 1):.2f}" for car in config.cars
        )
    return ",".join(
        f"{car}:{pace_s:.2f}:{SIM_JITTER_S[(car - 1) % len(SIM_JITTER_S)]:.2f}"
        for car in config.cars
    )


def _simulator(
    options: RunOptions, config: engine.SessionConfig, seed: int, leg: int
) -> Simulator:
    driver_name = options.device.partition(":")[2] or "carrera"
    driver_class = load_driver(driver_name)
    pace = options.pace_s_by_leg[leg] if 0 <= leg < len(options.pace_s_by_leg) else None
    cars = simulated_cars(config, pace)
    sim_options: dict[str, Any] = {
        "cars": cars,
        "sensor_groups": config.sensor_groups,
        "speedup": options.speedup,
        "seed": seed,
    }
    if options.sensor_fractions is not None and config.sensor_groups > 1:
        sim_options["sensor_fractions"] = options.sensor_fractions[: config.sensor_groups - 1]
    simulator = driver_class.simulator(**sim_options)
    if simulator is None:
        raise SlotraceError(f"the {driver_name} driver has no simulator; give a real --device")
    return simulator


async def _connect(options: RunOptions, config: engine.SessionConfig, seed: int, leg: int = 0
                   ) -> tuple[Driver, Simulator | None]:
    """The connected driver (and the simulator it talks to, if any)."""
    if not _is_sim(options.device):
        driver = open_device(options.device)
        await driver.start()
        return driver, None
    simulator = _simulator(options, config, seed, leg)
    target = await simulator.start()
    try:
        driver = load_driver(options.device.partition(":")[2] or "carrera").open(target)
        await driver.start()
    except BaseException:
        await simulator.stop()
        raise
    return driver, simulator


def open_live_heat(event_file: EventFile, planned: PlannedHeat, laps: int | None) -> LiveHeat:
    """Start planned heat ``planned`` (with ``laps`` if given) or resume it if it is running."""
    if planned.status is PlannedHeatStatus.RUNNING and planned.heat_id is not None:
        return LiveHeat.resume(event_file, planned.heat_id)
    config = engine.SessionConfig.model_validate(planned.config)
    if laps is not None:
        config = config.model_copy(update={"laps": laps})
        config = engine.SessionConfig.model_validate(config.model_dump())
    return LiveHeat(event_file.start_planned_heat(planned.number, config), config)


def _command(live: LiveHeat, command: Any) -> None:
    """Journal and apply a race-control command stamped with the heat's current epoch."""
    from dataclasses import replace

    live.record(replace(command, epoch=live.recorder.current_epoch))


async def run_heat(
    event_file: EventFile,
    planned: PlannedHeat,
    options: RunOptions,
    say: Callable[[str], None],
    labels: dict[int, str],
) -> LiveHeat:
    """Run one planned heat until the engine finishes the session; returns the live heat.

    Raises `HeatTimeoutError` (heat left running) when ``options.timeout_s`` runs out.
    """
    live = open_live_heat(event_file, planned, options.laps)
    heat_id = live.recorder.heat
    driver, simulator = await _connect(options, live.config, seed=planned.number, leg=planned.leg)
    try:
        phase = live.state.phase
        if phase is not SessionPhase.GRID:
            say(f"  resuming heat {heat_id} ({phase.name.lower()})")
        if phase is SessionPhase.GRID:
            _command(live, StartSequence(reason="start sequence", author=options.author))
        if phase is SessionPhase.GRID or (phase is SessionPhase.STARTING and simulator):
            # a fresh simulator knows nothing of a countdown interrupted before lights-out
            driver.send(PressButton(Button.START_ENTER))
            driver.send(PressButton(Button.START_ENTER))
        elif phase is SessionPhase.STARTING:
            say("  the start was interrupted during the lights: press START on the control "
                "unit if the countdown does not continue")
        try:
            async with asyncio.timeout(options.timeout_s):
                async for event in driver.events():
                    for race_event in live.record(event):
                        if isinstance(race_event, LapCompleted):
                            say(_lap_line(race_event, planned, labels))
                    if isinstance(event, LinkDown):
                        say(f"  link down: {event.reason} (reconnecting)")
                    elif isinstance(event, LinkUp) and event.reconnects:
                        say("  link up again")
                    if live.state.phase is SessionPhase.FINISHED:
                        break
        except TimeoutError:
            raise HeatTimeoutError(
                f"heat {heat_id} ({planned.name}) did not finish within {options.timeout_s:g} s;"
                f" it is left running: continue with slotrace run {event_file.path} "
                f"--heat {planned.number}"
            ) from None
    finally:
        with contextlib.suppress(Exception):
            await driver.close()
        if simulator is not None:
            with contextlib.suppress(Exception):
                await simulator.stop()
    event_file.finish_heat(heat_id)
    return live


def _lap_line(lap: LapCompleted, planned: PlannedHeat, labels: dict[int, str]) -> str:
    entry_no = planned.cars.get(lap.car)
    who = labels.get(entry_no, f"entry {entry_no}") if entry_no else "not in this heat"
    return f"  car {lap.car}  {who}  lap {lap.lap}  {lap.lap_ms / 1000:.3f} s"


def standings_lines(live: LiveHeat, planned: PlannedHeat, labels: dict[int, str]) -> list[str]:
    """The heat's final standings as text lines."""
    lines = [f"  {'pos':>3}  {'car':>3}  {'laps':>4}  {'time':>9}  {'best':>7}  entry"]
    for row in engine.standings(live.state):
        entry_no = planned.cars.get(row.car)
        who = labels.get(entry_no, f"entry {entry_no}") if entry_no else "-"
        total = f"{row.total_ms / 1000:.3f}" if row.total_ms is not None else "-"
        best = f"{row.best_lap_ms / 1000:.3f}" if row.best_lap_ms is not None else "-"
        lines.append(f"  {row.position:>3}  {row.car:>3}  {row.laps:>4}  {total:>9}  "
                     f"{best:>7}  {who}  {row.status.value}")
    return lines
