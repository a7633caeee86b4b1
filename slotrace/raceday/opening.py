"""Provides opening a heat (start the next planned one, or resume the running one) and starting it.

One place for what race control and ``slotrace run`` both do: `open_heat` resumes a heat
still marked running (its journal replayed, the device clock continued) or starts the next
planned heat; `connect_resumed` hands the driver the journal's `ClockMark` (or journals a new
epoch for a driver that cannot continue the clock); `press_start` is the start decision
(refused while the link is down); an interrupted start is journaled as `AbortStart`.
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
from slotrace.raceday.plan import NextHeat, choose_next_heat
from slotrace.store import EventFile, HeatAction, HeatDecision, HeatInfo

RESTART_REASON = "the start was interrupted (program stopped during the lights); run again"


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
) -> OpenedHeat | None:
    """Resume the running heat, or start planned heat ``number`` / the next one.

    ``laps`` overrides the distance of a heat started now (never of a resumed heat). None
    when every heat of the saved plan has finished. A heat the stewards reopened to correct
    it, whose journal already finishes it, is resumed only by a face that takes stewards'
    corrections (``can_correct``, race control); for any other (``slotrace run``) it raises
    `HeatNeedsCorrectionError` before anything is written, so the heat is never finished
    again unchanged.
    """
    running = event_file.heat_in_progress()
    if running is not None:
        return _resume(event_file, running, clock, can_correct)
    chosen = choose_next_heat(event_file, laps=laps, number=number)
    return None if chosen is None else _start(event_file, chosen, clock)


def continue_clock(opened: OpenedHeat, driver: Driver, author: str) -> None:
    """Before ``driver.start()`` on a resumed heat: keep the journal's device-clock epoch.

    A driver with `Capability.CLOCK_CONTINUITY` gets the mark and itself decides whether the
    clock really restarted. For any other driver the core journals a new epoch (a lap in
    progress may be lost, never invented). A start interrupted during the lights is journaled
    as `AbortStart` (back to the grid, nobody penalised): run the start again.
    """
    live = opened.live
    if not opened.resumed:
        return
    if live.state.phase is SessionPhase.STARTING:
        live.command(AbortStart(reason=RESTART_REASON, author=author))
    mark = opened.mark or ClockMark(live.epoch, 0, 0.0)
    if Capability.CLOCK_CONTINUITY in driver.capabilities.flags:
        driver.continue_clock(mark)
    else:
        epoch = mark.epoch + 1
        live.feed(EpochStarted(epoch, "resumed on a driver that cannot continue the control "
                               "unit's clock"))
        live.driver_epoch_offset = epoch  # its epochs restart at 0 with the new connection


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


def press_start(live: LiveHeat, driver: Driver, author: str) -> None:
    """Race control presses START: the first press journals the start sequence (lights on),
    the next one runs the countdown. Raises `StartRefusedError` with the reason.

    A control unit with start lights (`Capability.START_LIGHTS`) gets START pressed each time
    and its own lights-out starts the race. A driver without them is never sent START: the
    second press is race control's own lights-out (`LightsOut` journaled), after the
    countdown race control gave (a flag, a voice, a light of its own).
    """
    refusal = start_refusal(live)
    if refusal is not None:
        raise StartRefusedError(f"START refused: {refusal}")
    has_lights = Capability.START_LIGHTS in driver.capabilities.flags
    if live.state.phase is SessionPhase.GRID:
        live.command(StartSequence(reason="start sequence", author=author))
        if not has_lights:
            return
    elif not has_lights:
        live.command(LightsOut(reason="race control's lights-out", author=author))
        return
    driver.send(PressButton(Button.START_ENTER))
