"""Provides the headless heat runner behind ``slotrace run``: driver -> journal -> engine -> text.

`run_heat` has the event core (`slotrace.raceday`) open (or resume) one planned heat,
connects the driver (or the driver's own simulator), presses START once the core allows it
and feeds every driver event through the core's `LiveHeat` (journal first, then engine);
it prints each lap as it happens and marks the heat finished when the engine says so. If
it stops early (Ctrl-C, a timeout, a lost device) the heat stays running and resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from slotrace import engine
from slotrace.drivers_api import (
    Capability,
    DeviceRefused,
    Driver,
    DriverError,
    LightPhase,
    LinkDown,
    LinkUp,
    Simulator,
    StatusReport,
    load_driver,
    open_device,
    parse_device,
)
from slotrace.engine import LapCompleted, SessionPhase
from slotrace.errors import SlotraceError
from slotrace.raceday import (
    EventSimulation,
    LiveHeat,
    cars_beyond,
    continue_clock,
    open_heat,
    press_start,
    start_refusal,
)
from slotrace.rules.live import heat_regularity
from slotrace.store import EventFile, PlannedHeat


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
        simulation: simulator only: how simulated crews drive the event
            (`slotrace.raceday.event_simulation`).
        sim_speedup: the device is a simulator in another process running this many times
            faster than wall time (the driver is told its clock rate).
    """

    device: str
    speedup: float = 1.0
    laps: int | None = None
    author: str = "slotrace run"
    timeout_s: float | None = None
    simulation: EventSimulation = field(default_factory=EventSimulation)
    sim_speedup: float | None = None


def _is_sim(device: str) -> bool:
    return device == "sim" or device.startswith("sim:")


def _driver_class(device: str) -> type[Driver] | None:
    """The driver class ``device`` names, or None when it names none (connecting says why)."""
    try:
        name = (device.partition(":")[2] or "carrera") if _is_sim(device) else (
            parse_device(device)[0])
        return load_driver(name)
    except DriverError:
        return None


def _simulator(
    options: RunOptions, config: engine.SessionConfig, seed: int, leg: int
) -> Simulator:
    driver_name = options.device.partition(":")[2] or "carrera"
    driver_class = load_driver(driver_name)
    simulator = driver_class.simulator(
        **options.simulation.options(config, leg, seed=seed, speedup=options.speedup))
    if simulator is None:
        raise SlotraceError(f"the {driver_name} driver has no simulator; give a real --device")
    return simulator


async def _connect(options: RunOptions, config: engine.SessionConfig, seed: int, leg: int,
                   before_start: Callable[[Driver], None]) -> tuple[Driver, Simulator | None]:
    """The connected driver (and the simulator it talks to, if any)."""
    if not _is_sim(options.device):
        rate = {"clock_rate": 1000.0 * options.sim_speedup} if options.sim_speedup else {}
        driver = open_device(options.device, **rate)
        before_start(driver)
        await driver.start()
        return driver, None
    simulator = _simulator(options, config, seed, leg)
    target = await simulator.start()
    try:
        driver = load_driver(options.device.partition(":")[2] or "carrera").open(
            target, **simulator.driver_options()
        )
        before_start(driver)
        await driver.start()
    except BaseException:
        await simulator.stop()
        raise
    return driver, simulator


async def run_heat(
    event_file: EventFile,
    planned: PlannedHeat,
    options: RunOptions,
    say: Callable[[str], None],
    labels: dict[int, str],
) -> LiveHeat:
    """Run one planned heat until the engine finishes the session; returns the live heat.

    Opening, resuming and starting are the event core's (`slotrace.raceday`); this only
    connects the driver, feeds it and prints. Raises `HeatTimeoutError` (heat left running)
    when ``options.timeout_s`` runs out.
    """
    # a heat planned for more cars than the device runs would never finish: refused before
    # anything is written
    device_driver = _driver_class(options.device)
    beyond = device_driver is not None and cars_beyond(
        engine.SessionConfig.model_validate(planned.config), device_driver)
    if beyond:
        raise SlotraceError(f"heat {planned.number} ({planned.name}): {beyond}")
    # a heat reopened to be corrected is refused (it needs race control's stewards' keys)
    opened = open_heat(event_file, laps=options.laps, number=planned.number, can_correct=False)
    if opened is None:
        raise SlotraceError(f"planned heat {planned.number} has already run")
    live = opened.live
    heat_id = opened.heat.id
    config = live.config
    driver, simulator = await _connect(options, config, seed=planned.number, leg=planned.leg,
                                       before_start=lambda d: continue_clock(
                                           opened, d, options.author))
    live.drive_device(driver)  # tower from the standings; track power held at the lights
    regularity = heat_regularity(event_file.event_definition(), opened.heat.plan,
                                 event_file.track)
    unseen = regularity.out_of_reach(driver.capabilities.sensor_groups) if regularity else ""
    if unseen:
        say(f"  WARNING: {unseen}")
    try:
        if opened.resumed:
            say(f"  resuming heat {heat_id} ({live.state.phase.name.lower()})")
        # a heat resumed in STARTING waits for the control unit's first word (the event core's
        # decision): racing already, lights still on (press for the countdown), or the grid
        starting = live.state.phase in (SessionPhase.GRID, SessionPhase.STARTING)
        alerts_seen = len(live.state.alerts)
        said_problems: set[str] = set()  # a refused power or tower command, said once
        # a control unit with start lights is started once its status shows them; a driver
        # without them (race control's own lights-out) as soon as its link is up
        lightless = Capability.START_LIGHTS not in driver.capabilities.flags
        start_on = (StatusReport, LinkUp) if lightless else (StatusReport,)
        try:
            async with asyncio.timeout(options.timeout_s):
                async for event in driver.events():
                    phase = live.state.phase
                    for race_event in live.offer(event):
                        if isinstance(race_event, LapCompleted):
                            say(_lap_line(race_event, planned, labels))
                    alerts_seen = _say_start_decision(live, phase, alerts_seen, say)
                    if live.journal_problem:
                        say(f"  JOURNAL WRITE FAILED (link marked down): {live.journal_problem}")
                    problems = {p for p in (live.power_problem, live.tower_problem) if p}
                    for problem in sorted(problems - said_problems):
                        say(f"  WARNING: {problem}")
                    said_problems = problems  # one that clears and comes back is said again
                    if isinstance(event, LinkDown):
                        say(f"  link down: {event.reason} (reconnecting)")
                    elif isinstance(event, LinkUp) and event.reconnects:
                        say("  link up again")
                    elif isinstance(event, DeviceRefused):
                        say(f"  control unit refused {event.what}: {event.reason}")
                    if starting and isinstance(event, start_on):
                        starting = not _try_start(live, driver, options.author, say)
                    if live.finished:
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


def _try_start(live: LiveHeat, driver: Driver, author: str, say: Callable[[str], None]) -> bool:
    """Start lights and countdown once the core allows START; True once nothing is left to do.

    The control unit's lights decide how many presses are still needed: none while it counts
    down, one when it is armed (START reached it once before a run was killed), two when off.
    A heat resumed in STARTING whose control unit has not yet said what became of the start
    (no lights known) is left to the event core's decision on the device's first word.
    """
    phase = live.state.phase
    if phase not in (SessionPhase.GRID, SessionPhase.STARTING):
        return True  # the device's lights-out was taken while the run was stopped
    if start_refusal(live) is not None:
        return False
    lights = live.state.start_light.phase
    if lights is LightPhase.ARMED:
        press_start(live, driver, author)  # the countdown
        say("  START pressed (the lights were on already): countdown")
        return True
    if lights is not LightPhase.OFF:
        say("  the control unit is running its start lights already")
        return True
    if phase is SessionPhase.STARTING:
        return False
    press_start(live, driver, author)
    press_start(live, driver, author)
    if Capability.START_LIGHTS in driver.capabilities.flags:
        say("  START pressed: lights on, countdown")
    else:
        say("  started: the control unit has no start lights, so race control's lights-out "
            "is given at once")
    return True


_START_ALERTS = (engine.AlertKind.START_NOT_SEEN, engine.AlertKind.START_INTERRUPTED)


def _say_start_decision(live: LiveHeat, before: SessionPhase, alerts_seen: int,
                        say: Callable[[str], None]) -> int:
    """Print what became of a start (taken from the device, or back to the grid and why);
    returns how many alerts have been looked at."""
    state = live.state
    new = [a for a in state.alerts[alerts_seen:] if a.kind in _START_ALERTS]
    for alert in new:
        say(f"  {alert.message}")
    if not new and before is SessionPhase.STARTING and state.phase is SessionPhase.GRID:
        aborts = [d.command for d in state.stewards_log if isinstance(d.command, engine.AbortStart)]
        if aborts:
            say(f"  back on the grid: {aborts[-1].reason}")
    return len(state.alerts)


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
