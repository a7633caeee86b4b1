"""Provides `DeviceClock`: the pure judge that files each Carrera crossing under an epoch.

It decides, from device timestamps and explicit host times (seconds on any monotonic
clock), whether a timer frame continues the current epoch, starts a new one (the control
unit's clock restarted), is a repeat, or is implausible and must be quarantined. The
rules and what they assume about real control units are written down in docs/carrera.md.

Bounds it keeps (all in device milliseconds):

* ``hi``: the highest device time accepted in this epoch. A step back of up to
  ``reorder_ms`` is a crossing delivered out of order, not a restart.
* the *ceiling*: the device clock at host time ``at`` was at most ``value``. A crossing
  polled right after a status reply (the CU sends a status only when no timer event is
  pending) happened after that status, so it bounds the clock. A timestamp above the
  ceiling advanced by the host time since, is implausible.
* the *restart window*: after a link loss the CU may have been power-cycled; its clock
  then counts from 0 and can be at most the host time since the last reply before the loss.
* the *backlog floor*: the lowest device time judged fitting since the last status. Every
  crossing polled since that status happened after it (a late report at most
  ``reorder_ms`` before it), so the clock at the status was at most floor + ``reorder_ms``;
  this bounds the clock while crossings are held or before any was accepted.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from slotrace.drivers_api import CarPassed, ClockMark, DriverEvent, EpochStarted

logger = logging.getLogger(__name__)

Key = tuple[int, int, int]
"""``(car, sensor, device_ms)`` of one crossing."""


@dataclass(frozen=True, slots=True)
class ClockRules:
    """How much the device clock may disagree with the host's before a frame is doubted.

    Attributes:
        rate: device milliseconds per host second (1000 for a real CU; a simulator sped up
            25 times runs at 25000).
        drift: relative rate error allowed between the two clocks (0.01 = 1 %).
        latency_s: host-side delay allowed between the CU sending a reply and the host
            seeing it (USB latency timer, BLE connection interval, a busy event loop).
        slack_ms: device-side allowance on top (reply transit, clock granularity).
        reorder_ms: how far back a crossing may step and still be an out-of-order delivery.
        remember: how many recent crossings are remembered to drop non-consecutive repeats.
        hold_s: longest a crossing is held while it is unclear whether the CU restarted;
            after that the conservative answer (restarted: a lap may be lost) is taken.
        hold_polls: most polls (answered by a crossing or a status, or timed out) a hold
            may last, counting the one that brought the first held crossing; then the
            conservative answer is taken too (1,250 polls is 15 s at the serial line's 83.5
            polls/s). A held crossing lives only in memory, so this bounds what a kill can
            lose during a hold.
    """

    rate: float = 1000.0
    drift: float = 0.01
    latency_s: float = 0.5
    slack_ms: int = 250
    reorder_ms: int = 2000
    remember: int = 64
    hold_s: float = 15.0
    hold_polls: int = 1250

    def __post_init__(self) -> None:
        if self.rate <= 0 or not 0 <= self.drift < 1 or self.latency_s < 0:
            raise ValueError("clock rules need rate > 0, 0 <= drift < 1 and latency_s >= 0")
        if self.hold_s < 0 or self.hold_polls < 1:
            raise ValueError("clock rules need hold_s >= 0 and hold_polls >= 1")

    def most(self, host_s: float) -> float:
        """The most the device clock can advance in ``host_s`` host seconds."""
        return (max(0.0, host_s) + self.latency_s) * self.rate * (1 + self.drift) + self.slack_ms

    def least(self, host_s: float) -> float:
        """The least the device clock advances in ``host_s`` host seconds."""
        return max(0.0, host_s - self.latency_s) * self.rate * (1 - self.drift) - self.slack_ms


class DeviceClock:
    """Files timer frames under epochs; see the module docstring for the bounds it keeps."""

    def __init__(self, rules: ClockRules | None = None, first_epoch: int = 0) -> None:
        self.rules = rules or ClockRules()
        self.epoch = first_epoch
        self.duplicates = 0
        self.quarantined = 0
        self._hi: int | None = None
        self._ceiling: tuple[float, float] | None = None
        self._window: float | None = None
        """Host time since which the CU may have restarted (None: it cannot have)."""
        self._status_since_gap: float | None = None
        self._last_status: float | None = None
        self._status_at: float | None = None
        """Host time of the latest status (never consumed, unlike ``_last_status``)."""
        self._floor: int | None = None
        """Lowest fitting device time since that status (the backlog floor)."""
        self._last_reply: float | None = None
        self._held: list[Key] = []
        self._held_since = 0.0
        self._held_polls = 0
        """Polls since the hold began, the one that brought its first crossing included."""
        self._suspect: tuple[Key, float] | None = None
        self._recent: deque[Key] = deque()
        self._recent_set: set[Key] = set()
        self._reset: tuple[float, str] | None = None
        """``(host time, reason)`` of a ``=`` whose epoch has not started yet."""

    # ------------------------------------------------------------------ host facts

    def replied(self, now: float) -> None:
        """Any reply arrived at ``now``."""
        self._last_reply = now

    def status(self, now: float) -> list[DriverEvent]:
        """A status reply arrived: the CU's timer queue was empty at ``now``."""
        self._last_reply = now
        self._status_at = now
        self._floor = None
        if self._reset is not None:
            started = self._start_reset_epoch(now)
            self._last_status = now
            return started
        self._last_status = now
        if self._window is not None and self._status_since_gap is None:
            self._status_since_gap = now
        return self._hold_polled(now)

    def no_reply(self, now: float) -> list[DriverEvent]:
        """A poll timed out at ``now`` (it still counts towards the hold's bound)."""
        return self._hold_polled(now)

    def _hold_polled(self, now: float) -> list[DriverEvent]:
        """One more poll during a hold: judge it once it reached its bound."""
        if not self._held:
            return []
        self._held_polls += 1
        return self._judge_hold_if_due(now)

    def _judge_hold_if_due(self, now: float) -> list[DriverEvent]:
        rules = self.rules
        if now - self._held_since > rules.hold_s or self._held_polls >= rules.hold_polls:
            return self._restart(
                "no crossing after the reconnect showed whether the control unit restarted; "
                "counting as a restart (a lap may be lost, none invented)",
                now,
            )
        return []

    def link_lost(self, now: float) -> list[DriverEvent]:
        """The link dropped: the CU may be power-cycled before it answers again.

        A ``=`` still waiting for its epoch starts it now: after an outage no crossing can
        be told apart as stamped before the reset. Crossings held since an earlier loss are
        judged now (the conservative answer), so a hold never spans two outages.
        """
        events: list[DriverEvent] = []
        if self._held:
            events.extend(
                self._restart(
                    "the link dropped again before a crossing showed whether the control "
                    "unit restarted; counting as a restart (a lap may be lost, none invented)",
                    now,
                )
            )
        if self._reset is not None:
            events.extend(self._start_reset_epoch(now))
        if self._window is None:
            self._window = self._last_reply if self._last_reply is not None else now
            self._status_since_gap = None
        return events

    def continue_from(self, mark: ClockMark, now: float, wall_now: float) -> None:
        """Resume where a journal left off (another process, ``wall_now - mark.wall_s`` ago)."""
        self.epoch = mark.epoch
        self._hi = mark.device_ms
        self._ceiling = None
        self._window = now - max(0.0, wall_now - mark.wall_s)
        self._status_since_gap = None

    def reset_sent(self, now: float, reason: str) -> None:
        """``=`` went out at ``now`` (after the queue was drained): the clock restarts at 0.

        The new epoch starts at the next status (the queue is empty, so every crossing
        stamped with the old clock has been read) or at the first crossing that only the
        new clock explains. A crossing the CU queued between the drain and the ``=`` still
        carries the old clock and is filed under the old epoch, so its lap is not lost.
        """
        self._reset = (now, reason)

    def _start_reset_epoch(self, now: float) -> list[DriverEvent]:
        """The reset's epoch starts; crossings still held are judged first (conservatively:
        they were stamped before the ``=`` by the old clock, which no crossing will now show
        to have run on or restarted during the link loss)."""
        assert self._reset is not None
        at, reason = self._reset
        self._reset = None
        events: list[DriverEvent] = []
        if self._held:
            events.extend(self._restart(
                "a timer reset was sent before a crossing showed whether the control unit "
                "restarted during the link loss; counting as a restart (a lap may be lost, "
                "none invented)",
                now,
            ))
        self._new_epoch()
        self._ceiling = (0.0, at)
        logger.info("epoch %d: %s", self.epoch, reason)
        events.append(EpochStarted(epoch=self.epoch, reason=reason))
        return events

    # ------------------------------------------------------------------ crossings

    def crossing(self, car: int, sensor: int, device_ms: int, now: float) -> list[DriverEvent]:
        """A timer frame arrived at ``now``; return the events it leads to (maybe none)."""
        events = self._crossing(car, sensor, device_ms, now)
        if self._held:  # still holding: one more poll towards the hold's bound
            self._held_polls += 1
            events.extend(self._judge_hold_if_due(now))
        return events

    def _crossing(self, car: int, sensor: int, device_ms: int, now: float) -> list[DriverEvent]:
        self._last_reply = now
        key = (car, sensor, device_ms)
        if key in self._recent_set or key in self._held:
            self.duplicates += 1
            logger.info("dropped a repeated timer frame %r", key)
            return []
        rules = self.rules
        hi = self._hi
        ceiling = self._ceiling
        below_ceiling = ceiling is None or device_ms <= ceiling[0] + rules.most(now - ceiling[1])
        floor, status_at = self._floor, self._status_at
        if below_ceiling and floor is not None and status_at is not None:
            below_ceiling = device_ms <= floor + rules.reorder_ms + rules.most(now - status_at)
        if self._reset is not None and device_ms <= rules.most(now - self._reset[0]):
            # the new clock explains it (preferred when the old one could too)
            events: list[DriverEvent] = self._start_reset_epoch(now)
            events.extend(self._crossing(car, sensor, device_ms, now))
            return events
        # (with a reset pending: stamped before it, judged against the clock before it)
        if hi is None:
            fits = below_ceiling
        else:
            fits = hi - rules.reorder_ms <= device_ms and below_ceiling
            if fits and self._status_since_gap is not None and self._window is not None:
                fits = device_ms >= hi + rules.least(self._status_since_gap - self._window)
        window = self._window
        restarted = window is not None and device_ms <= rules.most(now - window)
        if fits and not restarted:
            self._window = None
            events = self._release(now)
            events.extend(self._accept(key, now))
            return events
        if fits and restarted:  # either explains it
            if self._status_since_gap is None:
                if not self._held:
                    self._held_since = now
                    self._held_polls = 0
                self._held.append(key)
                self._lower_floor(device_ms)
                return []
            return self._restart(
                f"cannot tell whether the control unit restarted during the link loss "
                f"(clock at {device_ms} ms); counting as a restart (a lap may be lost, "
                "none invented)",
                now,
                key,
            )
        if restarted:
            return self._restart(
                f"the control unit clock restarted during the link loss (was at {hi} ms, "
                f"now {device_ms} ms)",
                now,
                key,
            )
        return self._doubt(key, now)

    def _lower_floor(self, device_ms: int) -> None:
        if self._status_at is not None and (self._floor is None or device_ms < self._floor):
            self._floor = device_ms

    def _accept(self, key: Key, now: float) -> list[DriverEvent]:
        car, sensor, device_ms = key
        self._lower_floor(device_ms)
        if self._hi is None or device_ms > self._hi:
            self._hi = device_ms
        if self._last_status is not None:  # happened after that status: bounds the clock
            candidate = (float(device_ms), self._last_status)
            current = self._ceiling
            if current is None or candidate[0] + self.rules.most(now - candidate[1]) < current[
                0
            ] + self.rules.most(now - current[1]):
                self._ceiling = candidate
            self._last_status = None
        self._suspect = None
        recent = self._recent
        recent.append(key)
        self._recent_set.add(key)
        if len(recent) > self.rules.remember:
            self._recent_set.discard(recent.popleft())
        return [CarPassed(car=car, sensor=sensor, device_ms=device_ms, epoch=self.epoch)]

    def _release(self, now: float) -> list[DriverEvent]:
        held, self._held = self._held, []
        events: list[DriverEvent] = []
        for key in held:
            events.extend(self._accept(key, now))
        return events

    def _new_epoch(self) -> None:
        self.epoch += 1
        self._hi = None
        self._ceiling = None
        self._window = None
        self._status_since_gap = None
        self._last_status = None
        self._status_at = None
        self._floor = None
        self._suspect = None
        # the recent crossings stay: a repeat can arrive after the epoch changed (the
        # same car, sensor and millisecond again is far likelier a repeat than a new
        # crossing on the restarted clock)

    def _restart(self, reason: str, now: float, key: Key | None = None) -> list[DriverEvent]:
        window = self._window if self._window is not None else now
        self._new_epoch()
        self._ceiling = (self.rules.most(now - window), now)
        logger.info("epoch %d: %s", self.epoch, reason)
        events: list[DriverEvent] = [EpochStarted(epoch=self.epoch, reason=reason)]
        events.extend(self._release(now))
        if key is not None:
            events.extend(self._accept(key, now))
        return events

    def _doubt(self, key: Key, now: float) -> list[DriverEvent]:
        """An implausible timestamp: quarantine it, unless it confirms an earlier one."""
        suspect = self._suspect
        if suspect is not None:
            (_, _, earlier), at = suspect
            if earlier - self.rules.reorder_ms <= key[2] <= earlier + self.rules.most(now - at):
                self.quarantined -= 1
                was = self._hi
                self._new_epoch()
                events: list[DriverEvent] = [
                    EpochStarted(
                        epoch=self.epoch,
                        reason=f"control unit clock jumped from {was} ms to {earlier} ms and "
                        f"the next crossing ({key[2]} ms) agrees",
                    )
                ]
                events.extend(self._accept(suspect[0], now))
                events.extend(self._accept(key, now))
                return events
        self.quarantined += 1
        self._suspect = (key, now)
        logger.warning(
            "quarantined an implausible timer frame: car %d sensor %d at %d ms (last %s ms); "
            "not counted as a lap",
            *key,
            self._hi,
        )
        return []
