"""Issue 9 "Done means": race control (``slotrace open``) killed -9 at random moments, resumed.

Race control runs in a real terminal (a pane of a private tmux server, `tmux_terminal`) on
the Carrera simulator served from the test process (`kill9.SimulatedControlUnit`, its clock
started ten minutes before the heat, running on while race control is dead). The test acts
as the organiser: it waits until race control shows the link up, presses ``s`` (START) as
often as the heat on race control's grid needs, and kills the process with SIGKILL at a
moment drawn from a seeded RNG, of one of these kinds:

* before START (the link is up, nothing pressed),
* START pressed (killed a few requests later: START may or may not have reached the control
  unit),
* lights on (the control unit got the first START and holds the cars),
* during the countdown (a light 2..6 is on),
* after lights out (the control unit released the cars),
* mid-heat (some requests and crossings after the launch, while the control unit hands out
  what it queued while nobody polled).

Every moment is read off the control unit (`kill9.ControlUnitWatch`) or race control's
screen; the test blocks on them and never sleeps. Race control is started again after every
kill, 10 kills in each of 2 planned heats (20 in all); after the last one it runs the heat to
its finish and is quit with ``q``. Then each heat must keep the invariants of
`kill9.check_heat` (journal prefixes, no new epoch, every journaled crossing sent once and
in order, every one missing in a kill window, standings equal to the truth's).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from kill9 import (
    WAIT_S,
    Journal,
    Moment,
    SimulatedControlUnit,
    check_heat,
    copy_event,
    make_planned_event,
    mid_heat_moment,
    python,
)
from tmux_terminal import Pane, TmuxServer, tmux_available

from slotrace.engine import SessionConfig, SessionPhase
from slotrace.store import EventFile, HeatStatus
from slotrace.store.replay import replay_heat

pytestmark = pytest.mark.skipif(not tmux_available(), reason="needs tmux")

SEED = 1927
SPEEDUP = 4.0
LAPS = 12
"""Long enough (about 19 s for the slowest car here) for 10 relaunches within one heat."""
HEATS = 2
KILLS_PER_HEAT = 10  # 2 heats x 10 = 20 kill -9 runs, each followed by a resume
BEFORE_LIGHTS_OUT = ("before START", "START pressed", "lights on", "countdown")
NEAR_THE_END = 2
"""Laps the slowest car must still have to drive when a mid-heat kill comes (a later kill
could come after race control finished the heat, and the relaunch would open the next)."""


@pytest.fixture(scope="module")
def planned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_planned_event(tmp_path_factory.mktemp("kill9-race-control"))


class Organiser:
    """Runs race control on one heat's control unit the way an organiser would."""

    def __init__(self, event: Path, unit: SimulatedControlUnit, terminal: TmuxServer,
                 laps: int) -> None:
        self.event = event
        self.unit = unit
        self.watch = unit.watch
        self.terminal = terminal
        self.laps = laps
        self.journal = Journal(event)
        self.command = python("open", event, "--device", unit.device, "--sim-speedup",
                              SPEEDUP, "--laps", laps)
        self.heat_id: int | None = None
        self.pane: Pane | None = None

    def launch(self) -> Pane:
        self.at_launch = (self.watch.requests, self.watch.delivered)
        self.greens_at_launch = self.watch.greens
        self.pane = pane = self.terminal.launch(self.command, cwd=self.event.parent)
        pane.wait_for("LINK UP")  # START is refused until the link is up
        if self.heat_id is None:
            self.heat_id = self.journal.running_heat()
            assert self.heat_id is not None, "race control opened no heat"
        return pane

    def wait(self, what: str, condition: Any) -> None:
        pane = self.pane
        assert pane is not None
        self.watch.wait(what, condition, ended=lambda: pane.closed,
                        describe=lambda: f"; race control's screen:\n{pane.screen()}")

    def phase(self) -> SessionPhase:
        """Race control's phase by its journal (what it resumes into)."""
        assert self.heat_id is not None
        with EventFile.open(self.event, read_only=True) as event_file:
            return replay_heat(event_file, self.heat_id).phase

    def press_start(self) -> None:
        """One ``s``, and wait until the control unit got START."""
        assert self.pane is not None
        presses = self.watch.start_presses
        self.pane.keys("s")
        self.wait("START at the control unit", lambda w: w.start_presses > presses)

    def to_countdown(self) -> None:
        """Press START as often as race control's heat on the grid needs."""
        if self.watch.light == 0:
            self.press_start()  # lights on
        if self.watch.light == 1:
            self.press_start()  # the countdown

    def resumed_phase(self) -> SessionPhase:
        """Race control's phase once it has journaled the control unit's first word since
        this launch: a heat resumed during the start is decided on that word (racing already
        if the lights went out while race control was dead, back on the grid if START never
        reached the control unit, still starting if its lights are on)."""
        assert self.heat_id is not None
        heat_id = self.heat_id

        def heard_the_control_unit(_: Any) -> bool:
            records = self.journal.records(heat_id)
            launches = [i for i, r in enumerate(records)
                        if r["type"] == "LinkUp" and r["reconnects"] == 0]
            return bool(launches) and any(
                r["type"] in ("StatusReport", "CarPassed") for r in records[launches[-1]:])

        self.wait("race control journaling the control unit's first word",
                  heard_the_control_unit)
        return self.phase()

    def racing(self, on_grid: bool) -> None:
        """Until the lights went out (pressing START if race control is on the grid)."""
        if on_grid:  # by the journal at the kill; the resume decides on the device's word
            on_grid = self.resumed_phase() in (SessionPhase.GRID, SessionPhase.STARTING)
        if on_grid and not 2 <= self.watch.light <= 7:
            self.to_countdown()
        if on_grid:
            self.wait("lights out", lambda w: w.greens > self.greens_at_launch)

    def not_near_the_end(self, watch: Any) -> bool:
        return watch.laps_to_drive(self.unit.cars, self.laps) > NEAR_THE_END

    def run_to(self, moment: str, rng: random.Random, on_grid: bool) -> None:
        """Drive race control to ``moment`` (one of `BEFORE_LIGHTS_OUT`, "lights out",
        "mid-heat")."""
        assert self.pane is not None
        if moment == "before START":
            extra = rng.randint(1, 100)
            requests = self.watch.requests
            self.wait(moment, lambda w: w.requests >= requests + extra)
        elif moment == "START pressed":
            extra = rng.randint(0, 5)
            requests = self.watch.requests
            self.pane.keys("s")
            self.wait(moment, lambda w: w.requests >= requests + extra)
        elif moment == "lights on":
            if self.watch.light == 0:
                self.press_start()
        elif moment == "countdown":
            self.to_countdown()
            light = rng.randint(2, 6)
            self.wait(f"light {light}", lambda w: w.light >= light or w.greens > 0)
        elif moment == "lights out":
            self.racing(on_grid)
            extra = rng.randint(0, 30)
            requests = self.watch.requests
            self.wait(moment, lambda w: w.requests >= requests + extra)
        else:
            self.racing(on_grid)
            chosen: Moment = mid_heat_moment(rng)
            at_launch = self.at_launch
            self.wait(f"{chosen}", lambda w: chosen.reached(w, at_launch)
                      or not self.not_near_the_end(w))

    def kill(self) -> list[dict[str, Any]]:
        assert self.pane is not None and self.heat_id is not None
        assert not self.pane.closed, (
            f"race control ended before it was killed:\n{self.pane.text[-2000:]}")
        self.pane.kill()
        return self.journal.records(self.heat_id)

    def finish(self, on_grid: bool) -> None:
        """The last launch: run the heat to its finish, then quit race control with q."""
        pane = self.launch()
        self.racing(on_grid)
        pane.wait_for("heat finished and saved")
        pane.keys("q")
        pane.wait_closed()


def _moments(rng: random.Random) -> list[str]:
    """One heat's kills: three kinds of moment before lights out (random order), one just
    after, the rest mid-heat."""
    return [*rng.sample(BEFORE_LIGHTS_OUT, 3), "lights out",
            *["mid-heat"] * (KILLS_PER_HEAT - 4)]


def test_race_control_killed_at_random_moments_resumes_and_counts_every_lap(
    planned_template: Path, tmp_path: Path,
) -> None:
    event = copy_event(planned_template, tmp_path)
    rng = random.Random(SEED)
    terminal = TmuxServer(tmp_path, timeout_s=WAIT_S)
    with EventFile.open(event, read_only=True) as event_file:
        planned = event_file.planned_heats()[:HEATS]
    kills: list[str] = []
    lost_per_heat = []
    try:
        for heat in planned:
            unit = SimulatedControlUnit(tuple(sorted(heat.cars)), seed=heat.number,
                                        speedup=SPEEDUP)
            organiser = Organiser(event, unit, terminal, LAPS)
            snapshots = []
            try:
                on_grid = True
                for moment in _moments(rng):
                    organiser.launch()
                    organiser.run_to(moment, rng, on_grid)
                    snapshots.append(organiser.kill())
                    kills.append(moment)
                    on_grid = organiser.phase() not in (SessionPhase.RUNNING,
                                                        SessionPhase.FINISHING)
                organiser.finish(on_grid)
                truth = unit.truth()
            finally:
                unit.stop()
            heat_id = organiser.heat_id
            assert heat_id is not None
            with EventFile.open(event, read_only=True) as event_file:
                stored = event_file.heat(heat_id)
                assert stored.status is HeatStatus.FINISHED
                config = SessionConfig.model_validate(stored.config)
                state = replay_heat(event_file, heat_id)
                items = [row.item() for row in event_file.journal(heat_id)]
            final = Journal(event).records(heat_id)
            lost = check_heat(f"heat {heat.number}", final, snapshots, truth, config, items,
                              state)
            lost_per_heat.append(len(lost))
            assert all(car.laps == LAPS for car in state.cars.values()), (
                {car: c.laps for car, c in state.cars.items()})
            resumes = [r for r in final if r["type"] == "LinkUp" and r["reconnects"] == 0]
            assert len(resumes) == KILLS_PER_HEAT + 1, "one connection per launch"
    finally:
        terminal.close()
    assert len(kills) == HEATS * KILLS_PER_HEAT
    assert set(kills) == {*BEFORE_LIGHTS_OUT, "lights out", "mid-heat"}
    print(f"{len(kills)} kill -9 of race control ({', '.join(kills)}); crossings sent to a "
          f"killed race control, per heat: {lost_per_heat}")
