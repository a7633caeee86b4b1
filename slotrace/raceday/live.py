"""Provides `LiveHeat`: one running heat, journal first, then the pure engine (TUI and run).

Every driver event and race-control command goes through `LiveHeat.feed`, which appends it
to the journal *before* the engine folds it, so nothing shown can be missing after a crash.
A journal write failure (disk full, medium gone) keeps what was committed, marks the link
down with the store's message and keeps the driver's events that could not be written waiting
in memory, in order (up to `MAX_WAITING`): they are journaled and applied, in that order, by
the next write that succeeds (the next input, or `retry_journal`, which race control calls
every second), so a heat recovers by itself, losing nothing, once the cause is fixed.
Race-control commands are refused while anything waits. Clocks are parameters; tests pass
fakes.

A heat given a driver with `LiveHeat.drive_device` also drives that driver's position tower
from slotrace's standings after every input, once the control unit reports a tower
(`slotrace.raceday.tower` decides what to send), and, on a device without start lights of its
own that can cut the track power (`Capability.TRACK_POWER`), holds the cars while race
control's lights are on and while the race is suspended (`track_power_wanted`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    DriverCommand,
    DriverError,
    EpochStarted,
    LightPhase,
    LinkDown,
    LinkUp,
    ModeFlags,
    SetTrackPower,
    StatusReport,
)
from slotrace.engine import (
    RaceState,
    SessionConfig,
    SessionPhase,
    apply,
    initial_state,
    standings,
)
from slotrace.raceday.tower import (
    UNKNOWN,
    TowerView,
    after_crossing,
    counts_agree,
    update_tower,
)
from slotrace.store import EventFileError

MAX_WAITING = 100_000
"""Driver events kept in memory while the journal cannot be written (hours of a heat)."""

Clock = Callable[[], float]
"""Seconds from a monotonic clock (only to *estimate* the control unit's clock)."""


class Journal(Protocol):
    """Where inputs are appended before they are applied (the event file's heat recorder)."""

    def append(self, item: Any) -> tuple[int, Any]:
        """Store one input durably; returns ``(sequence number, item as stored)``."""
        ...


class DeviceDriver(Protocol):
    """What driving a device's tower and track power needs of a driver (any `Driver` has it)."""

    @property
    def capabilities(self) -> Capabilities: ...

    def send(self, command: DriverCommand) -> None: ...


def track_power_wanted(phase: SessionPhase) -> bool:
    """Whether the cars get track power in ``phase``: not while race control's start lights
    are on (a car cannot jump them) and not while the race is suspended; on the grid, in the
    race and after the finish they drive (to the grid, the race, the pits)."""
    return phase not in (SessionPhase.STARTING, SessionPhase.SUSPENDED)


class MemoryJournal:
    """A journal kept in a list: for tests and a demo without an event file."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def append(self, item: Any) -> tuple[int, Any]:
        self.items.append(item)
        return len(self.items), item


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What race control shows about the link to the control unit."""

    up: bool = False
    description: str = "not connected"
    reconnects: int = 0
    last_problem: str = ""


class LiveHeat:
    """One heat's running state: journal first, then the engine.

    Args:
        config: the session's rules.
        journal: where every input is appended before it is folded.
        clock: monotonic seconds, to estimate the control unit's clock for commands.
        replay: inputs already journaled (a resumed heat): folded, not re-journaled.
        heat_id: the heat's id in the event file (None without a file).
    """

    def __init__(
        self,
        config: SessionConfig,
        journal: Journal,
        *,
        clock: Clock = time.monotonic,
        replay: Iterable[Any] = (),
        heat_id: int | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.heat_id = heat_id
        self._clock = clock
        self.state: RaceState = initial_state(config)
        self._link = LinkStatus()
        self.inputs_applied = 0
        self.journal_problem = ""
        """The store's message while journaling fails ('' when writes succeed)."""
        self.driver_epoch_offset = 0
        """Added to the epochs of a driver that cannot continue the clock (set on resume)."""
        self.lost_inputs = 0
        """Inputs dropped: refused commands, and driver events beyond `MAX_WAITING`."""
        self._waiting: deque[Any] = deque()
        self._last_error: EventFileError | None = None
        self._device_ms: int | None = None
        self._epoch = 0
        self._seen_at = 0.0
        self._tower_driver: DeviceDriver | None = None
        self._power_driver: DeviceDriver | None = None
        self._power: bool | None = None
        """The track power last sent (None: not sent on this connection yet)."""
        self.power_problem = ""
        """Why the last track-power command could not be sent ('' when it could)."""
        self._tower: TowerView | None = UNKNOWN
        self.tower_seats = 0
        """Rows of the position tower the control unit reports (0: no tower reported)."""
        self.tower_problem = ""
        """Why the last tower command could not be sent ('' when it could)."""
        self.last_status: StatusReport | None = None
        """The latest status the control unit reported in this heat."""
        self._tower_crossings: dict[int, int] = {}
        """Finish-line crossings per car since the tower was last cleared (the CU's count)."""
        self._idle_abort: Any = None
        """`abort_start_if_idle`'s command, until the device's first word after the resume."""
        for item in replay:
            self._fold(item)

    @property
    def epoch(self) -> int:
        """The device-clock epoch of the latest timed input."""
        return self._epoch

    @property
    def last_device_ms(self) -> int | None:
        """Device time of the latest crossing (None before any)."""
        return self._device_ms

    @property
    def waiting_inputs(self) -> int:
        """Driver events not yet journaled (journaled and applied by the next good write)."""
        return len(self._waiting)

    def feed(self, item: Any) -> tuple[Any, ...]:
        """Journal ``item``, then fold it; returns the race events the engine emitted.

        Driver events still waiting are journaled first, in order. Raises `EventFileError`
        if the journal refused ``item`` or a waiting event (then ``item`` is not applied); the
        failure is also kept in `journal_problem` and shows as the link being down.
        """
        race_events = self.retry_journal()
        if self._waiting and self._last_error is not None:  # still failing: refuse ``item``
            self.lost_inputs += 1
            raise self._last_error
        try:
            _, stored = self.journal.append(item)
        except EventFileError as exc:
            self.lost_inputs += 1
            self._failed(exc)
            raise
        self.journal_problem = ""
        return race_events + self._fold(stored)

    def offer(self, item: Any) -> tuple[Any, ...]:
        """`feed` for the driver's events: if the journal fails, the event waits (in order)
        for the next good write instead of being lost; nothing is raised."""
        if self.driver_epoch_offset and isinstance(item, CarPassed | EpochStarted):
            item = replace(item, epoch=item.epoch + self.driver_epoch_offset)
        if len(self._waiting) >= MAX_WAITING:
            self.lost_inputs += 1
            return self.retry_journal()
        abort = self._abort_before(item)
        if abort is not None:
            self._waiting.append(abort)
        self._waiting.append(item)
        return self.retry_journal()

    def abort_start_if_idle(self, abort: Any) -> None:
        """A resumed start whose control unit never reported its lights for it: journal
        ``abort`` (an `AbortStart`) before the device's first word unless that word shows the
        lights on (START reached it after all: the engine follows them). No lights, or a car
        crossing, is then an idle grid: a control unit reports the same when START never
        reached it, and its cars may drive freely, so neither proves a lights-out."""
        self._idle_abort = abort

    def _abort_before(self, item: Any) -> Any:
        """The stamped abort to journal before ``item``, if ``item`` settles it that way."""
        abort = self._idle_abort
        if abort is None or not isinstance(item, StatusReport | CarPassed):
            return None
        self._idle_abort = None
        if self.state.phase is not SessionPhase.STARTING:
            return None
        if isinstance(item, StatusReport) and item.start_light.phase is not LightPhase.OFF:
            return None
        return self.stamp(abort)

    def retry_journal(self) -> tuple[Any, ...]:
        """Journal and apply the waiting driver events, oldest first, until one fails.

        Returns the race events of those applied. Race control calls it every second, so a
        quiet grid (no crossing, no status change) recovers once space is freed too.
        """
        race_events: list[Any] = []
        while self._waiting:
            try:
                _, stored = self.journal.append(self._waiting[0])
            except EventFileError as exc:
                self._failed(exc)
                break
            self._waiting.popleft()
            self.journal_problem = ""
            race_events.extend(self._fold(stored))
        return tuple(race_events)

    def _failed(self, exc: EventFileError) -> None:
        self.journal_problem = str(exc)
        self._last_error = exc

    @property
    def link(self) -> LinkStatus:
        """The link as shown: down while the journal cannot be written (with its message)."""
        if self.journal_problem:
            return replace(self._link, up=False, last_problem=self.journal_problem)
        return self._link

    @link.setter
    def link(self, status: LinkStatus) -> None:
        self._link = status

    def device_now(self) -> tuple[int | None, int]:
        """Best estimate of the control unit's clock now: ``(device_ms, epoch)``."""
        if self._device_ms is None:
            return None, self._epoch
        elapsed_ms = int((self._clock() - self._seen_at) * 1000)
        return self._device_ms + max(elapsed_ms, 0), self._epoch

    def live_elapsed_ms(self) -> int:
        """The session clock now, between events: the engine's clock run on by the estimate."""
        state = self.state
        clock = state.clock
        if not clock.running or clock.anchor_ms is None:
            return state.elapsed_ms
        device_ms, epoch = self.device_now()
        if device_ms is None or epoch != clock.anchor_epoch:
            return state.elapsed_ms
        return max(state.elapsed_ms, clock.anchor_elapsed + device_ms - clock.anchor_ms)

    def stamp(self, command: Any) -> Any:
        """``command`` with ``device_ms`` and ``epoch`` set to the estimated CU clock."""
        device_ms, epoch = self.device_now()
        return replace(command, device_ms=device_ms, epoch=epoch)

    def command(self, command: Any) -> tuple[Any, ...]:
        """Stamp, journal and apply a race-control command."""
        return self.feed(self.stamp(command))

    @property
    def finished(self) -> bool:
        return self.state.phase is SessionPhase.FINISHED

    def drive_device(self, driver: DeviceDriver, follows: LiveHeat | None = None) -> None:
        """Drive ``driver``'s position tower and track power from this heat from now on.

        Track power: a driver that `Capabilities.holds_cars` is sent `SetTrackPower` whenever
        `track_power_wanted` changes with the phase, and again after every `LinkUp`.

        Tower: only a driver with `Capability.POSITION_TOWER` is driven, and only while its control
        unit reports a tower (`ModeFlags.LAP_COUNTER` in its status; the status's ``display``
        is the tower's number of rows). The tower is cleared at the first update and then
        gets only what changed. ``follows``: the heat before on the same connection (race
        control's next heat), whose last status says whether a tower is connected.
        """
        if driver.capabilities.holds_cars:
            self._power_driver = driver
            self._power = None
            self._update_power()
        if Capability.POSITION_TOWER not in driver.capabilities.flags:
            return
        self._tower_driver = driver
        self._tower = UNKNOWN
        status = self.last_status or (follows.last_status if follows is not None else None)
        if status is not None:
            self._see_tower(status)
        self._update_tower()

    @property
    def tower(self) -> TowerView | None:
        """What the position tower shows as far as slotrace knows (None: not known)."""
        return self._tower

    def _fold(self, item: Any) -> tuple[Any, ...]:
        self._track(item)
        self.state, race_events = apply(self.state, item)
        self.inputs_applied += 1
        if self._tower_driver is not None:
            self._follow_tower(item)
        if self._power_driver is not None:
            if isinstance(item, LinkUp):
                self._power = None  # say it again to a device that may have restarted
            self._update_power()
        return tuple(race_events)

    def _update_power(self) -> None:
        driver = self._power_driver
        wanted = track_power_wanted(self.state.phase)
        if driver is None or wanted == self._power:
            return
        try:
            driver.send(SetTrackPower(on=wanted))
        except DriverError as exc:
            self.power_problem = f"track power not {'restored' if wanted else 'cut'}: {exc}"
            self._power = None  # try again at the next input
            return
        self.power_problem = ""
        self._power = wanted

    def _see_tower(self, status: StatusReport) -> None:
        seats = status.display if ModeFlags.LAP_COUNTER in status.mode else 0
        armed = status.start_light.phase is LightPhase.ARMED
        was_armed = (self.last_status is not None
                     and self.last_status.start_light.phase is LightPhase.ARMED)
        if armed and not was_armed:  # START pressed: the CU clears its tower and its count
            self._tower = UNKNOWN
            self._tower_crossings = {}
        elif seats != self.tower_seats:  # a tower plugged in or out
            self._tower = UNKNOWN
        self.tower_seats = seats
        self.last_status = status

    def _follow_tower(self, item: Any) -> None:
        if isinstance(item, StatusReport):
            self._see_tower(item)
        elif isinstance(item, LinkUp):
            self._tower = UNKNOWN  # the control unit may have been restarted
        elif isinstance(item, CarPassed) and item.sensor == 1:
            crossings = self._tower_crossings
            crossings[item.car] = crossings.get(item.car, 0) + 1
            agree = counts_agree(crossings, standings(self.state))
            self._tower = after_crossing(self._tower, item.car, agree)
        self._update_tower()

    def _update_tower(self) -> None:
        driver = self._tower_driver
        if driver is None or not self.tower_seats:
            return
        wanted, commands = update_tower(self._tower, self.state, self.tower_seats)
        try:
            for command in commands:
                driver.send(command)
        except DriverError as exc:
            self.tower_problem = f"position tower not updated: {exc}"
            self._tower = UNKNOWN  # start again from a clear tower next time
            return
        self.tower_problem = ""
        self._tower = wanted

    def _track(self, item: Any) -> None:
        if isinstance(item, CarPassed):
            self._device_ms = item.device_ms
            self._epoch = item.epoch
            self._seen_at = self._clock()
        elif isinstance(item, EpochStarted):
            self._device_ms = 0
            self._epoch = item.epoch
            self._seen_at = self._clock()
        elif isinstance(item, LinkUp):
            self._link = LinkStatus(True, item.description, item.reconnects)
        elif isinstance(item, LinkDown):
            self._link = replace(self._link, up=False, last_problem=item.reason)
        elif isinstance(item, StatusReport) and self._tower_driver is None:
            self.last_status = item
