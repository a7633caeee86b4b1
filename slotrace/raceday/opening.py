"""Provides opening a heat (start the next planned one, or resume the running one) and starting it.

One place for what race control and ``slotrace run`` both do: `open_heat` resumes a heat
still marked running (its journal replayed, the device clock continued) or starts the next
planned heat; `continue_clock` hands the driver the journal's `ClockMark` (or journals a new
epoch for a driver that cannot continue the clock); `press_start` is the start decision
(refused while the link is down). A start interrupted by the program stopping is decided by
the control unit's first word after the resume (`continue_clock`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from slotrace.drivers_api import (
    Button,
    Capability,
    CarPassed,
    ClockMark,
    Driver,
    EpochStarted,
    LightPhase,
    LinkDown,
    PressButton,
)
from slotrace.engine import (
    AbortStart,
    LightsOut,
    SessionConfig,
    SessionPhase,
    StartSequence,
    fold,
)
from slotrace.errors import SlotraceError
from slotrace.raceday.live import Clock, LiveHeat
from slotrace.raceday.plan import CAR_CAPACITY, NextHeat, choose_next_heat
from slotrace.store import EventFile, HeatAction, HeatDecision, HeatInfo

RESTART_REASON = "the start was interrupted (program stopped during the lights); run again"
"""Why a resumed start goes back to the grid on a driver without start lights."""

START_NOT_REACHED_REASON = (
    "the start was interrupted (program stopped right after START was pressed) and the "
    "control unit never reported start lights for it and shows none: START did not reach "
    "it; back on the grid, press START again")
"""Why a resumed start goes back to the grid when the control unit shows it never began."""

STOPPED_DURING_START = (
    "slotrace was stopped during the start: what the control unit's lights did "
    "meanwhile is unknown until it reports again")
"""The `LinkDown` a resumed start journals: the engine then takes the start from the device."""


class StartRefusedError(SlotraceError):
    """START was refused by the event core; the message says why (shown by every face)."""


class HeatNeedsCorrectionError(SlotraceError):
    """The running heat was reopened to be corrected and the face cannot take corrections."""


@dataclass(frozen=True, slots=True)
class OpenedHeat:
    """A heat opened for running.

    Attributes:
        live: the journal-first live heat.
        name: the heat's name.
        cars: controller address -> entry_no.
        resumed: True if it was running before (journal replayed).
        mark: the journal's last device time (resumed heats), for `Driver.continue_clock`.
        heat: the event file's heat row.
        reopened: the stewards' decision that reopened this finished heat to be corrected
            (``slotrace stewards reopen-heat``), if that is why it runs again: its journal
            already finishes it, so only the stewards' corrections can change it.
    """

    live: LiveHeat
    name: str
    cars: dict[int, int]
    resumed: bool
    mark: ClockMark | None
    heat: HeatInfo
    reopened: HeatDecision | None = None


def _reopened(event_file: EventFile, running: HeatInfo, items: list[Any]) -> HeatDecision | None:
    """The stewards' reopening of ``running``, if its journal already finishes it."""
    decisions = event_file.heat_decisions(running.id)
    if not decisions or decisions[-1].action is not HeatAction.REOPEN:
        return None
    config = SessionConfig.model_validate(running.config)
    return decisions[-1] if fold(config, items).phase is SessionPhase.FINISHED else None


def _resume(event_file: EventFile, running: HeatInfo, clock: Clock,
            can_correct: bool) -> OpenedHeat:
    rows = list(event_file.journal(running.id))
    items = [row.item() for row in rows]
    reopened = _reopened(event_file, running, items)
    if reopened is not None and not can_correct:
        raise HeatNeedsCorrectionError(
            f"heat {running.id} ({running.name}) was reopened by {reopened.author} to be "
            f"corrected ({reopened.reason!r}) and its journal already finishes it; only "
            "race control can correct it: slotrace open "
            f"{event_file.path} --device ... (l lap fix, x penalty, v revoke). Nothing was "
            "changed")
    mark: ClockMark | None = None
    epoch = 0
    for row in rows:
        item = row.item()
        if isinstance(item, CarPassed):
            mark = ClockMark(item.epoch, item.device_ms, row.wall_ms / 1000)
            epoch = max(epoch, item.epoch)
        elif isinstance(item, EpochStarted):
            epoch = max(epoch, item.epoch)
            mark = ClockMark(item.epoch, 0, row.wall_ms / 1000)
    if mark is None or mark.epoch < epoch:
        mark = ClockMark(epoch, mark.device_ms if mark else 0, mark.wall_s if mark else 0.0)
    recorder = event_file.resume_heat(running.id)
    live = LiveHeat(SessionConfig.model_validate(running.config), recorder, clock=clock,
                    replay=items, heat_id=running.id)
    return OpenedHeat(live, running.name, running.cars, True, mark, event_file.heat(running.id),
                      reopened)


def _start(event_file: EventFile, chosen: NextHeat, clock: Clock) -> OpenedHeat:
    if chosen.saved_number is not None:
        recorder = event_file.start_planned_heat(chosen.saved_number, chosen.config)
    else:
        recorder = event_file.start_heat(chosen.name, chosen.config, stage=chosen.stage,
                                         cars=chosen.cars, plan=chosen.plan)
    live = LiveHeat(chosen.config, recorder, clock=clock, heat_id=recorder.heat)
    return OpenedHeat(live, chosen.name, chosen.cars, False, None, event_file.heat(recorder.heat))


def open_heat(
    event_file: EventFile,
    *,
    laps: int | None = None,
    number: int | None = None,
    clock: Clock = time.monotonic,
    can_correct: bool = True,
    cars_per_heat: int = CAR_CAPACITY,
) -> OpenedHeat | None:
    """Resume the running heat, or start planned heat ``number`` / the next one.

    ``laps`` overrides the distance of a heat started now (never of a resumed heat). None
    when every heat of the saved plan has finished. A heat the stewards reopened to correct
    it, whose journal already finishes it, is resumed only by a face that takes stewards'
    corrections (``can_correct``, race control); for any other (``slotrace run``) it raises
    `HeatNeedsCorrectionError` before anything is written, so the heat is never finished
    again unchanged. ``cars_per_heat``: the connected driver's, for an event without a plan.
    """
    running = event_file.heat_in_progress()
    if running is not None:
        return _resume(event_file, running, clock, can_correct)
    chosen = choose_next_heat(event_file, laps=laps, number=number, cars_per_heat=cars_per_heat)
    return None if chosen is None else _start(event_file, chosen, clock)


def continue_clock(opened: OpenedHeat, driver: Driver, author: str) -> None:
    """Before ``driver.start()`` on a resumed heat: keep the journal's device-clock epoch.

    A driver with `Capability.CLOCK_CONTINUITY` gets the mark and itself decides whether the
    clock really restarted. For any other driver the core journals a new epoch (a lap in
    progress may be lost, never invented). A start interrupted during the lights is resumed
    by `_resume_start`.
    """
    live = opened.live
    if not opened.resumed:
        return
    if live.state.phase is SessionPhase.STARTING:
        _resume_start(live, driver, author)
    mark = opened.mark or ClockMark(live.epoch, 0, 0.0)
    if Capability.CLOCK_CONTINUITY in driver.capabilities.flags:
        driver.continue_clock(mark)
    else:
        epoch = mark.epoch + 1
        live.feed(EpochStarted(epoch, "resumed on a driver that cannot continue the control "
                               "unit's clock"))
        live.driver_epoch_offset = epoch  # its epochs restart at 0 with the new connection


def _resume_start(live: LiveHeat, driver: Driver, author: str) -> None:
    """A heat resumed in STARTING: the control unit's first word decides, nobody penalised.

    A driver without start lights had race control's own countdown, which died with it: the
    heat goes back to the grid (`AbortStart`) and the start is run again. A control unit with
    start lights ran on by itself, so the heat stays STARTING and the break is journaled as a
    `LinkDown`: the engine takes an unseen lights-out from the device (no lights now, or a car
    crossing: the race runs, with a START_NOT_SEEN alert), keeps waiting while the lights are
    still on (START continues the countdown) and sends the heat back to the grid if the
    control unit's clock restarted. If the control unit never reported its lights for this
    start, START may never have reached it (the program stopped right after journaling the
    start sequence): then a first word with no lights, or a car crossing, means an idle grid
    (cars may drive freely on an idle control unit), not lights-out, and the core journals
    `AbortStart` before that word (back on the grid, press START again); lights on are
    followed as above.
    """
    if Capability.START_LIGHTS not in driver.capabilities.flags:
        live.command(AbortStart(reason=RESTART_REASON, author=author))
        return
    live.feed(LinkDown(STOPPED_DURING_START))
    if live.state.start_light.phase not in (LightPhase.ARMED, LightPhase.COUNTDOWN):
        live.abort_start_if_idle(AbortStart(reason=START_NOT_REACHED_REASON, author=author))


def start_refusal(live: LiveHeat) -> str | None:
    """Why START may not be pressed now, or None if it may."""
    if live.journal_problem:
        return f"the event file cannot be written: {live.journal_problem}"
    if not live.link.up:
        problem = f": {live.link.last_problem}" if live.link.last_problem else ""
        return f"the control unit link is down{problem}"
    if live.state.phase not in (SessionPhase.GRID, SessionPhase.STARTING):
        return f"the heat is {live.state.phase.name.lower()}, not on the grid"
    return None


def cars_beyond(config: SessionConfig, driver: Driver | type[Driver]) -> str:
    """Why the heat's controllers do not fit the connected driver, or "" if they do: a heat
    planned for more cars than the device runs (``slotrace heats --capacity``) never finishes;
    ``slotrace heats --driver NAME`` plans for the device."""
    capabilities = driver.capabilities
    beyond = [car for car in config.cars if not capabilities.has_car(car)]
    if not beyond:
        return ""
    listed = ", ".join(str(car) for car in beyond)
    return (f"this heat has cars on controller{'s' if len(beyond) > 1 else ''} {listed}, but "
            f"the {driver.name} driver runs cars 1..{capabilities.max_cars}; re-plan the heats "
            f"not yet run: slotrace heats FILE --save --force --driver {driver.name}")


def press_start(live: LiveHeat, driver: Driver, author: str) -> None:
    """Race control presses START: the first press journals the start sequence (lights on),
    the next one runs the countdown. Raises `StartRefusedError` with the reason.

    A control unit with start lights (`Capability.START_LIGHTS`) gets START pressed each time
    and its own lights-out starts the race. A driver without them is never sent START: the
    second press is race control's own lights-out (`LightsOut` journaled), after the
    countdown race control gave (a flag, a voice, a light of its own); if it can cut the
    track power (`Capability.TRACK_POWER`) the cars are held meanwhile, so the start sequence
    is journaled with ``cars_held`` and nobody is given a false start.
    """
    refusal = start_refusal(live) or cars_beyond(live.config, driver) or None
    if refusal is not None:
        raise StartRefusedError(f"START refused: {refusal}")
    capabilities = driver.capabilities
    has_lights = Capability.START_LIGHTS in capabilities.flags
    if live.state.phase is SessionPhase.GRID:
        # a device that holds the cars has its power cut now (LiveHeat.drive_device)
        live.command(StartSequence(reason="start sequence", author=author,
                                   cars_held=capabilities.holds_cars))
        if not has_lights:
            return
    elif not has_lights:
        live.command(LightsOut(reason="race control's lights-out", author=author))
        return
    driver.send(PressButton(Button.START))
