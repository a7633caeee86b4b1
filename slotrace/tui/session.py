"""Provides `RaceSession`: the journal-first pipeline between a driver, race control and the engine.

Every driver event and every race-control command goes through `RaceSession.feed`, which
appends it to the journal *before* the engine folds it, so the screen can never show
something the journal does not hold. Textual-free, so the benchmark and tests use it as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from slotrace.drivers_api import CarPassed, EpochStarted, LinkDown, LinkUp
from slotrace.engine import RaceState, SessionConfig, apply, initial_state


class Journal(Protocol):
    """Where inputs are appended before they are applied (the event file's journal)."""

    def append(self, item: Any) -> tuple[int, Any]:
        """Store one driver event or race-control command durably.

        Returns ``(sequence number, item as stored)``; the stored item is what gets folded
        (the event file moves device-clock epochs on after a resumed heat).
        """


class MemoryJournal:
    """A journal kept in a list: for tests and for a demo without an event file."""

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


class RaceSession:
    """One heat's running state: journal first, then the pure engine.

    Args:
        config: the session's rules (laps or time, finish rule, cars).
        journal: where every input is appended before it is folded.
        clock: seconds from a monotonic clock; only used to *estimate* the control unit's
            clock for commands (the engine never reads a clock).
        replay: inputs already journaled (resuming a heat): folded, not re-journaled.
        epoch: the device-clock epoch commands are stamped with until the control unit
            reports a crossing (a resumed heat continues in a later epoch).
    """

    def __init__(
        self,
        config: SessionConfig,
        journal: Journal,
        *,
        clock: Callable[[], float] = time.monotonic,
        replay: Iterable[Any] = (),
        epoch: int = 0,
    ) -> None:
        self.config = config
        self.journal = journal
        self._clock = clock
        self.state: RaceState = initial_state(config)
        self.link = LinkStatus()
        self.inputs_applied = 0
        self._device_ms: int | None = None
        self._epoch = epoch
        self._seen_at = 0.0
        for item in replay:
            self._fold(item)
        self._epoch = max(self._epoch, epoch)

    def feed(self, item: Any) -> tuple[Any, ...]:
        """Journal ``item`` (a driver event or race-control command), then fold it.

        Returns:
            The race events the engine emitted for it (laps, best laps, alerts, ...).
        """
        _, stored = self.journal.append(item)
        return self._fold(stored)

    def device_now(self) -> tuple[int | None, int]:
        """Best estimate of the control unit's clock now: ``(device_ms, epoch)``."""
        if self._device_ms is None:
            return None, self._epoch
        elapsed_ms = int((self._clock() - self._seen_at) * 1000)
        return self._device_ms + max(elapsed_ms, 0), self._epoch

    def live_elapsed_ms(self) -> int:
        """The session clock now, between events: the engine's clock run on by the estimate.

        The engine only knows the clock at its last timed event; while the clock runs, the
        face adds the monotonic time since the last crossing (same device-clock epoch only).
        """
        state = self.state
        clock = state.clock
        if not clock.running or clock.anchor_ms is None:
            return state.elapsed_ms
        device_ms, epoch = self.device_now()
        if device_ms is None or epoch != clock.anchor_epoch:
            return state.elapsed_ms
        return max(state.elapsed_ms, clock.anchor_elapsed + device_ms - clock.anchor_ms)

    def stamp(self, command: Any) -> Any:
        """Return ``command`` with ``device_ms`` and ``epoch`` set to the estimated CU clock."""
        device_ms, epoch = self.device_now()
        return replace(command, device_ms=device_ms, epoch=epoch)

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
            self.link = LinkStatus(True, item.description, item.reconnects)
        elif isinstance(item, LinkDown):
            self.link = replace(self.link, up=False, last_problem=item.reason)
