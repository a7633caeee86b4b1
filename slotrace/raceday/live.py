"""Provides `LiveHeat`: one running heat, journal first, then the pure engine (TUI and run).

Every driver event and race-control command goes through `LiveHeat.feed`, which appends it
to the journal *before* the engine folds it, so nothing shown can be missing after a crash.
A journal write failure (disk full, medium gone) keeps what was committed, marks the link
down with the store's message and is retried with the next input: the heat recovers by
itself once the cause is fixed. Clocks are parameters; tests pass fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from slotrace.drivers_api import CarPassed, EpochStarted, LinkDown, LinkUp
from slotrace.engine import RaceState, SessionConfig, SessionPhase, apply, initial_state
from slotrace.store import EventFileError

Clock = Callable[[], float]
"""Seconds from a monotonic clock (only to *estimate* the control unit's clock)."""


class Journal(Protocol):
    """Where inputs are appended before they are applied (the event file's heat recorder)."""

    def append(self, item: Any) -> tuple[int, Any]:
        """Store one input durably; returns ``(sequence number, item as stored)``."""
        ...


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
        """Inputs not journaled (and so not applied) while the journal failed."""
        self._device_ms: int | None = None
        self._epoch = 0
        self._seen_at = 0.0
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

    def feed(self, item: Any) -> tuple[Any, ...]:
        """Journal ``item``, then fold it; returns the race events the engine emitted.

        Raises `EventFileError` if the journal refused it (nothing applied); the failure is
        also kept in `journal_problem` and shows as the link being down.
        """
        try:
            _, stored = self.journal.append(item)
        except EventFileError as exc:
            self.lost_inputs += 1
            self.journal_problem = str(exc)
            raise
        self.journal_problem = ""
        return self._fold(stored)

    def offer(self, item: Any) -> tuple[Any, ...]:
        """`feed` for the driver's events: a journal failure is recorded, not raised."""
        if self.driver_epoch_offset and isinstance(item, CarPassed | EpochStarted):
            item = replace(item, epoch=item.epoch + self.driver_epoch_offset)
        try:
            return self.feed(item)
        except EventFileError:
            return ()

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

    def _fold(self, item: Any) -> tuple[Any, ...]:
        self._track(item)
        self.state, race_events = apply(self.state, item)
        self.inputs_applied += 1
        return tuple(race_events)

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
