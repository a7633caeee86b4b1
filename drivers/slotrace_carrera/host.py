"""Provides `HostLink`: the pure host state machine of the Carrera link (the h11 shape).

No I/O, no clock, no event loop: the caller asks `HostLink.next_request` what to write,
feeds what it read to `HostLink.receive_data`, and calls `HostLink.timed_out` when no
reply came in time, always passing the host time ``now`` (seconds, any monotonic clock).
Every decision lives here: one request outstanding; session requests (version, mask
re-send) first, then commands interleaved with polls (command, poll, command, ...);
``=`` only after a poll found the timer queue empty (the CU sends a status only then);
status reported only when it changed; ``#`` replies turned into `DeviceRefused`; epochs,
repeats and implausible timestamps judged by `slotrace_carrera.clock.DeviceClock`.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from slotrace.drivers_api import (
    Button,
    ClockMark,
    DeviceRefused,
    DriverCommand,
    DriverEvent,
    FirmwareVersion,
    LinkStats,
    ModeFlags,
    PressButton,
    ResetTimer,
    SetIgnoreMask,
    StartLight,
    StatusReport,
)
from slotrace_carrera._framing import BadFrame, HostConnection
from slotrace_carrera._replies import (
    Acknowledgement,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
)
from slotrace_carrera._requests import POLL, VERSION_REQUEST, encode_commands
from slotrace_carrera.clock import ClockRules, DeviceClock
from slotrace_carrera.transport import Framing

logger = logging.getLogger(__name__)

NO_FIRMWARE_AFTER = 3
"""Polls / version requests in a row answered ``#`` before the CU counts as firmware-less."""

NO_FIRMWARE = (
    "the control unit has no firmware (every request answered with '#'); "
    "update it with the Carrera app"
)

_BUTTON_NAMES = {
    Button.START: "START",
    Button.PACE_CAR: "PACE CAR/ESC",
    Button.SPEED: "SPEED",
    Button.BRAKE: "BRAKE",
    Button.FUEL: "FUEL",
    Button.CODE: "CODE",
}


def command_name(command: DriverCommand) -> str:
    """How a refusal names a command: ``"START"`` for the START key, else its type."""
    if isinstance(command, PressButton):
        return _BUTTON_NAMES.get(command.button, f"key {int(command.button)}")
    return type(command).__name__


def status_report(reply: StatusReply) -> StatusReport:
    """Turn a decoded status reply into the driver API's `StatusReport`.

    Raises:
        ValueError: the start-light nibble is outside 0..9.
    """
    return StatusReport(
        fuel=tuple(reply.fuel[:8]),
        start_light=StartLight(reply.start),
        mode=ModeFlags(reply.mode & 0x0F),
        pit=frozenset(car for car in range(1, 9) if reply.pit >> (car - 1) & 1),
        display=reply.display,
    )


@dataclass(frozen=True, slots=True)
class Request:
    """One request body, and the command it belongs to (None: the link's own)."""

    body: bytes
    command: DriverCommand | None = None


_POLL = Request(POLL)
_VERSION = Request(VERSION_REQUEST)


class HostLink:
    """The host side of one Carrera link; see the module docstring."""

    def __init__(
        self,
        framing: Framing,
        *,
        rules: ClockRules | None = None,
        first_epoch: int = 0,
    ) -> None:
        self.framing = framing
        self.clock = DeviceClock(rules, first_epoch)
        self._framer = HostConnection(framing)
        self._session: deque[Request] = deque()
        self._commands: deque[Request] = deque()
        self._last_was_command = False
        self._outstanding: Request | None = None
        self._mask: SetIgnoreMask | None = None
        self._last_status: StatusReport | None = None
        self._status_wire: bytes | None = None
        self._queue_empty = False
        self._refusals = 0
        self._pending: list[DriverEvent] = []
        self._poll_wire: bytes | None = None
        self.version: str | None = None
        self.fatal = False
        self.answered = False
        """True once the CU gave a real (non-``#``) answer since the last connect."""
        self.refused: set[str] = set()
        """Commands the firmware answered ``#`` to (by `command_name`)."""
        self.polls = 0
        self.bad_frames = 0
        self.timeouts = 0
        self.reconnects = 0
        self.commands_sent = 0

    # ------------------------------------------------------------------ lifecycle

    def connected(self, now: float) -> None:
        """A (re)connect: fresh framer, ask for the version, re-send the mask."""
        self._framer = HostConnection(self.framing)
        self._outstanding = None
        self._last_was_command = False
        self._status_wire = None
        self._queue_empty = False
        self._refusals = 0
        self.answered = False
        self.fatal = False
        self._session.clear()
        self._session.append(_VERSION)
        if self._mask is not None:
            self._queue_mask("reconnect")

    def link_lost(self, now: float) -> list[DriverEvent]:
        """The transport failed; the request in flight (if a command) is not repeated.

        A reply that arrived whole but for its ``$`` before the loss still counts.
        """
        events = self._flush(now)
        self._outstanding = None
        events.extend(self.clock.link_lost(now))
        pending, self._pending = self._pending, []
        return pending + events

    def continue_clock(self, mark: ClockMark, now: float, wall_now: float) -> None:
        """Resume a journaled heat: epochs continue from ``mark`` unless the CU restarted."""
        self.clock.continue_from(mark, now, wall_now)

    def submit(self, command: DriverCommand) -> None:
        """Queue a command (FIFO, one body per round trip).

        Raises:
            LocalProtocolError: the Control Unit cannot take this command.
        """
        bodies = encode_commands(command)
        if isinstance(command, SetIgnoreMask):
            self._mask = command
        self._commands.extend(Request(body, command) for body in bodies)

    def requeue(self, request: Request) -> None:
        """A request that never reached the wire keeps its place at the front."""
        if request.command is not None:
            self.commands_sent -= 1
            self._commands.appendleft(request)

    # ------------------------------------------------------------------ the h11 trio

    @property
    def fatal_reason(self) -> str:
        """Why the CU cannot be used (when `fatal`)."""
        return NO_FIRMWARE

    @property
    def awaiting(self) -> Request | None:
        """The request whose reply is outstanding, if any."""
        return self._outstanding

    def next_request(self, now: float) -> Request | None:
        """The next request to write, or None (one is outstanding, or the CU is unusable)."""
        if self._outstanding is not None or self.fatal:
            return None
        if self._session:
            request = self._session.popleft()
            self._last_was_command = False
        elif self._commands and not self._last_was_command:
            head = self._commands[0]
            if isinstance(head.command, ResetTimer) and not self._queue_empty:
                request = _POLL  # drain the CU's timer queue first
                self._last_was_command = False
            else:
                request = self._commands.popleft()
                self._last_was_command = True
                self.commands_sent += 1
                if isinstance(request.command, ResetTimer):
                    self.clock.reset_sent(now, "timer reset by race control")
        else:
            request = _POLL
            self._last_was_command = False
        self._outstanding = request
        return request

    def wire(self, request: Request) -> bytes:
        """The bytes that carry ``request`` on this link (the poll's are built once)."""
        if request is _POLL:
            wire = self._poll_wire
            if wire is None:
                wire = self._poll_wire = self._framer.frame_request(POLL)
            return wire
        return self._framer.frame_request(request.body)

    def receive_data(self, data: bytes, now: float) -> list[DriverEvent]:
        """Feed bytes read from the link; return the events they complete."""
        if data == self._status_wire and self._outstanding is _POLL and not self._framer.pending:
            # the same status as last time (the idle case): nothing changed but the time
            self._outstanding = None
            self.polls += 1
            self._queue_empty = True
            events = self.clock.status(now)
            if self._pending:
                events[:0] = self._pending
                self._pending = []
            return events
        whole = not self._framer.pending
        items = self._framer.receive_data(data)
        events, self._pending = self._pending, []
        if items:
            self._handle(items, data if whole else None, now, events)
        return events

    def _flush(self, now: float) -> list[DriverEvent]:
        """End of input (timeout, link loss): a reply complete but for its ``$`` is kept,
        a partial one dropped."""
        events: list[DriverEvent] = []
        if self._framer.pending:
            items = self._framer.flush()
            if items:
                self._handle(items, None, now, events)
            else:
                logger.info("dropped a partial reply at the end of input")
        return events

    def _handle(
        self, items: list, data: bytes | None, now: float, events: list[DriverEvent]
    ) -> None:
        request, self._outstanding = self._outstanding, None
        whole = data is not None
        self.polls += 1
        for item in items:
            if isinstance(item, TimerReply):
                self._refusals = 0
                self.answered = True
                self._queue_empty = False
                events.extend(
                    self.clock.crossing(item.address, item.sector, item.timestamp_ms, now)
                )
            elif isinstance(item, StatusReply):
                self._refusals = 0
                self.answered = True
                single = whole and len(items) == 1 and not self._framer.pending
                self._on_status(item, data if single else None, now, events)
            elif isinstance(item, BadFrame):
                self.bad_frames += 1
                logger.warning("ignored a malformed reply %r: %s", item.data, item.error)
            elif isinstance(item, VersionReply):
                self._refusals = 0
                self.answered = True
                self.clock.replied(now)
                self.version = item.version
                events.append(FirmwareVersion(version=item.version))
            elif isinstance(item, UnknownCommandReply):
                self.clock.replied(now)
                self._on_refusal(request, events)
            elif isinstance(item, Acknowledgement):
                self.answered = True
                self.clock.replied(now)

    def timed_out(self, now: float) -> list[DriverEvent]:
        """No reply came for the outstanding request: drop partial bytes, count it."""
        request = self._outstanding
        polls_before = self.polls
        recovered = self._flush(now)
        self._outstanding = None
        self._status_wire = None
        self.timeouts += 1
        if request is not None and request.command is not None:
            logger.warning(
                "no acknowledgement for %r; not repeating it (it may have been carried out)",
                request.command,
            )
        events, self._pending = self._pending, []
        events.extend(recovered)
        if self.polls == polls_before:  # no reply complete but for its '$' came after all
            events.extend(self.clock.no_reply(now))
        return events

    @property
    def stats(self) -> LinkStats:
        return LinkStats(
            polls=self.polls,
            bad_frames=self.bad_frames,
            timeouts=self.timeouts,
            reconnects=self.reconnects,
            duplicates_dropped=self.clock.duplicates,
            commands_sent=self.commands_sent,
            quarantined=self.clock.quarantined,
        )

    # ------------------------------------------------------------------ replies

    def _on_status(
        self, reply: StatusReply, wire: bytes | None, now: float, events: list[DriverEvent]
    ) -> None:
        try:
            report = status_report(reply)
        except ValueError as exc:
            self.bad_frames += 1
            logger.warning("ignored a status frame out of range: %s", exc)
            return
        self._queue_empty = True
        events.extend(self.clock.status(now))
        self._status_wire = bytes(wire) if wire is not None else None
        previous = self._last_status
        if report == previous:
            return
        self._last_status = report
        events.append(report)
        was_lit = previous is not None and previous.start_light is not StartLight.OFF
        if report.start_light is not StartLight.OFF and not was_lit and self._mask is not None:
            self._queue_mask("start sequence")

    def _on_refusal(self, request: Request | None, events: list[DriverEvent]) -> None:
        if request is not None and request.command is not None:
            what = command_name(request.command)
            firmware = f"firmware {self.version}" if self.version else "this firmware"
            reason = f"{what} is not supported by {firmware}"
            logger.warning("the control unit refused %s ('#'): %s", what, reason)
            self.refused.add(what)
            events.append(DeviceRefused(what=what, reason=reason, fatal=False))
            return
        self._refusals += 1
        if self._refusals >= NO_FIRMWARE_AFTER and not self.fatal and not self.answered:
            self.fatal = True
            logger.error("%s", NO_FIRMWARE)
            events.append(DeviceRefused(what="firmware", reason=NO_FIRMWARE, fatal=True))

    def _queue_mask(self, why: str) -> None:
        assert self._mask is not None
        logger.info("re-sending the ignore mask after %s", why)
        self._session.extend(Request(body) for body in encode_commands(self._mask))
