"""Provides the app-wide messages the driver worker posts to the race-control screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from slotrace.drivers_api import CarPassed, StatusReport


class RaceAdvanced(Message):
    """The journal and the engine took one input; the screens should show the new state.

    Telemetry-only updates (status reports without any race event) may replace a pending
    telemetry update, so a flood of fuel readings cannot queue up. Anything carrying a lap,
    a crossing or a race event (best lap, missed lap, finish, ...) is never coalesced.

    Attributes:
        state: the engine's `RaceState` after the input.
        race_events: what the engine emitted for it.
        cause: the driver event or race-control command that was applied.
    """

    def __init__(self, state: Any, race_events: tuple[Any, ...], cause: Any) -> None:
        super().__init__()
        self.state = state
        self.race_events = race_events
        self.cause = cause

    @property
    def is_telemetry(self) -> bool:
        return not self.race_events and isinstance(self.cause, StatusReport)

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, RaceAdvanced)
            and self.is_telemetry
            and message.is_telemetry
            and not isinstance(message.cause, CarPassed)
        )


class DriverStopped(Message):
    """The driver worker has a problem: it could not connect, stopped, or was refused.

    ``toast`` False updates only the banner (a repeated connection failure).
    """

    def __init__(self, reason: str, toast: bool = True) -> None:
        super().__init__()
        self.reason = reason
        self.toast = toast
