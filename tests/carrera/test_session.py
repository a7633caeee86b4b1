"""Tests of the Carrera poll session against a scripted in-memory control unit."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

import pytest

from slotrace.drivers_api import (
    Button,
    CarPassed,
    DriverEvent,
    FirmwareVersion,
    LinkDown,
    LinkUp,
    LocalProtocolError,
    PressButton,
    SetFuel,
    SetIgnoreMask,
    SetLapCounter,
    SetSpeed,
    StartLight,
    StatusReport,
    TransportError,
)
from slotrace_carrera.protocol import (
    ButtonRequest,
    DeviceConnection,
    MaskRequest,
    PollRequest,
    Request,
    StatusReply,
    TimerReply,
    VersionReply,
    VersionRequest,
    encode_commands,
    encode_reply,
    encode_request,
)
from slotrace_carrera.session import PollSession, SessionSettings
from slotrace_carrera.transport import Framing, Transport

from .waiting import until

IDLE = StatusReply(fuel=(15,) * 8, start=0, mode=0, pit=0, display=6)
LIGHTS = StatusReply(fuel=(15,) * 8, start=1, mode=0, pit=0, display=6)


class ScriptedControlUnit(Transport):
    """A fake CU behind a fake transport: answers each request from a script.

    ``timers`` is the CU's queue of crossings (answered to polls before any status);
    ``faults`` is a queue of per-reply faults: "drop", "corrupt", "duplicate" or None.
    It records every request and fails the test if a second request arrives while the
    reply to the first has not been read yet.
    """

    framing = Framing.SERIAL

    def __init__(self) -> None:
        self.device = DeviceConnection(Framing.SERIAL)
        self.requests: list[Request] = []
        self.connections: list[list[Request]] = []
        self.timers: deque[TimerReply] = deque()
        self.status = IDLE
        self.faults: deque[str | None] = deque()
        self.silent = False
        self.open_failures = 0
        self.heal_on_reopen = False
        self.opened = False
        self.overlaps = 0
        self._outbox: asyncio.Queue[bytes | Exception] = asyncio.Queue()
        self._unread = 0
        self.on_request: Callable[[Request], None] | None = None

    @property
    def description(self) -> str:
        return "scripted-cu"

    async def open(self) -> None:
        if self.open_failures:
            self.open_failures -= 1
            raise TransportError("scripted-cu does not exist (scripted failure)")
        self.opened = True
        self.silent = self.silent and not self.heal_on_reopen
        self.connections.append([])
        self._outbox = asyncio.Queue()
        self._unread = 0

    async def close(self) -> None:
        self.opened = False

    def hang_up(self) -> None:
        self._outbox.put_nowait(TransportError("scripted-cu hung up"))

    async def write(self, data: bytes) -> None:
        if not self.opened:
            raise TransportError("scripted-cu is not open")
        for request in self.device.receive_data(data):
            assert isinstance(request, Request.__args__)  # type: ignore[attr-defined]
            if self._unread:
                self.overlaps += 1
            self.requests.append(request)
            self.connections[-1].append(request)
            if self.on_request:
                self.on_request(request)
            if self.silent:
                continue
            reply = self._answer(request)
            fault = self.faults.popleft() if self.faults else None
            if fault == "drop":
                continue
            if fault == "corrupt":  # flip the checksum character
                reply = reply[:-1] + bytes([0x30 + ((reply[-1] - 0x30 + 1) & 0x0F)])
            framed = self.device.frame_reply(reply)
            self._unread += 1
            self._outbox.put_nowait(framed)

    def _answer(self, request: Request) -> bytes:
        if isinstance(request, VersionRequest):
            return encode_reply(VersionReply("5337"))
        if isinstance(request, PollRequest):
            if self.timers:
                timer = self.timers[0]
                if self.faults and self.faults[0] == "duplicate":
                    self.faults[0] = None  # deliver now and again on the next poll
                else:
                    self.timers.popleft()
                return encode_reply(timer)
            return encode_reply(self.status)
        letter = {"MaskRequest": b":", "ButtonRequest": b"T", "ResetRequest": b"="}.get(
            type(request).__name__, b"J"
        )
        return letter

    async def read(self) -> bytes:
        await asyncio.sleep(0)  # like real I/O, a reply never arrives within the same step
        item = await self._outbox.get()
        if isinstance(item, Exception):
            raise item
        self._unread -= 1
        return item


class SleepRecorder:
    """Injected ``sleep``: records the backoff delays without waiting for them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


FAST = SessionSettings(
    request_timeout=0.02,
    connect_timeout=0.05,
    max_consecutive_timeouts=2,
    min_reconnect_delay=0.5,
    max_reconnect_delay=2.0,
)


class Watcher:
    """Collects every event of a session in the background; `until` awaits a condition."""

    def __init__(self, session: PollSession) -> None:
        self.session = session
        self.events: list[DriverEvent] = []
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while (event := await self.session.next_event()) is not None:
            self.events.append(event)

    async def until(self, condition: Callable[[], bool], timeout: float = 3.0) -> None:
        """Wait (bounded) until ``condition()`` holds; the session runs meanwhile."""
        await until(condition, timeout)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    async def close(self) -> None:
        await self.session.close()
        async with asyncio.timeout(3.0):
            await self._task


def laps(events: list[DriverEvent]) -> list[CarPassed]:
    return [e for e in events if isinstance(e, CarPassed)]


@pytest.fixture
def cu() -> ScriptedControlUnit:
    return ScriptedControlUnit()


async def started(cu: ScriptedControlUnit, **kwargs) -> Watcher:
    session = PollSession(cu, settings=kwargs.pop("settings", FAST), **kwargs)
    await session.start()
    return Watcher(session)


async def test_connect_asks_for_version_then_reports_link_up_and_firmware(cu):
    watch = await started(cu)
    await watch.until(lambda: len(watch.events) >= 3)
    await watch.close()
    assert cu.requests[0] == VersionRequest()
    assert watch.events[0] == LinkUp(description="carrera on scripted-cu", reconnects=0)
    assert watch.events[1] == FirmwareVersion("5337")
    assert isinstance(watch.events[2], StatusReport)
    assert watch.events[-1] == LinkDown(reason="closed by slotrace")


async def test_start_fails_with_a_clear_error_when_no_control_unit_answers(cu):
    cu.silent = True
    session = PollSession(cu, settings=FAST)
    with pytest.raises(TransportError, match=r"no control unit answered on scripted-cu within"):
        await session.start()
    assert not cu.opened


async def test_commands_go_out_in_order_one_per_round_trip_between_polls(cu):
    watch = await started(cu)
    commands = [PressButton(Button.START), SetLapCounter(37), SetSpeed(2, 9 / 15)]
    for command in commands:
        watch.session.submit(command)
    expected = [body for command in commands for body in encode_commands(command)]
    await watch.until(lambda: watch.session.stats.commands_sent == 4 and len(cu.requests) > 12)
    await watch.close()
    wire = [r for r in cu.requests if not isinstance(r, VersionRequest)]
    sent = [encode_request(r) for r in wire if not isinstance(r, PollRequest)]
    assert sent == expected
    # never two commands back to back: a poll sits between any two of them
    kinds = ["poll" if isinstance(r, PollRequest) else "cmd" for r in wire]
    first = kinds.index("cmd")
    assert kinds[first : first + 8] == ["cmd", "poll"] * 4
    assert cu.overlaps == 0


async def test_never_more_than_one_request_outstanding_under_load(cu):
    cu.timers.extend(
        TimerReply(address=1 + i % 4, timestamp_ms=1000 + i * 10, sector=1) for i in range(200)
    )
    watch = await started(cu)
    for value in range(10):
        watch.session.submit(SetSpeed(1, value / 15))
    await watch.until(lambda: len(watch.of(CarPassed)) == 200)
    await watch.close()
    assert cu.overlaps == 0
    assert [e.device_ms for e in watch.of(CarPassed)] == [1000 + i * 10 for i in range(200)]


async def test_timeouts_lead_to_reconnect_with_growing_backoff(cu):
    sleep = SleepRecorder()
    watch = await started(cu, sleep=sleep)
    await watch.until(lambda: watch.of(StatusReport))
    cu.silent = True
    cu.heal_on_reopen = True
    cu.open_failures = 4
    await watch.until(lambda: watch.of(LinkDown))
    assert "stopped answering" in watch.of(LinkDown)[0].reason
    await watch.until(lambda: len(watch.of(LinkUp)) == 2)
    await watch.close()
    assert watch.of(LinkUp)[1] == LinkUp(description="carrera on scripted-cu", reconnects=1)
    assert sleep.delays == [0.5, 0.75, 1.125, 1.6875, 2.0]  # x1.5 per attempt, capped at max
    assert watch.session.stats.timeouts == 2
    assert watch.session.stats.reconnects == 1
    assert cu.connections[-1][0] == VersionRequest()  # version asked again on reconnect


async def test_a_single_lost_reply_is_counted_but_keeps_the_link(cu):
    cu.faults.extend([None, "drop"])
    watch = await started(cu)
    await watch.until(lambda: watch.session.stats.polls >= 5)
    await watch.close()
    assert watch.session.stats.timeouts == 1
    assert watch.session.stats.reconnects == 0
    assert len(watch.of(LinkDown)) == 1  # only the one from close()


async def test_ignore_mask_is_resent_after_reconnect_and_when_start_lights_come_on(cu):
    watch = await started(cu)

    def masks() -> int:
        return sum(isinstance(r, MaskRequest) for r in cu.requests)

    watch.session.submit(SetIgnoreMask(frozenset({7, 8})))
    await watch.until(lambda: masks() == 1)
    await watch.until(lambda: watch.session.stats.polls >= 10)
    assert masks() == 1  # not repeated while nothing happens
    cu.status = LIGHTS
    await watch.until(lambda: masks() == 2)
    assert watch.of(StatusReport)[-1].start_light is StartLight.READY
    cu.hang_up()
    await watch.until(lambda: len(watch.of(LinkUp)) == 2 and len(cu.connections[-1]) >= 3)
    await watch.close()
    assert cu.connections[-1][:2] == [VersionRequest(), MaskRequest(mask=0xC0)]


async def test_consecutive_duplicate_timer_frames_are_dropped_and_counted(cu):
    a = TimerReply(address=2, timestamp_ms=5000, sector=1)
    b = TimerReply(address=3, timestamp_ms=5100, sector=1)
    cu.timers.extend([a, b])
    cu.faults.extend([None, "duplicate"])  # version reply, then a is delivered twice
    watch = await started(cu)
    await watch.until(lambda: watch.of(StatusReport))
    await watch.close()
    assert watch.of(CarPassed) == [CarPassed(2, 1, 5000, 0), CarPassed(3, 1, 5100, 0)]
    assert watch.session.stats.duplicates_dropped == 1


# Epoch decisions (clock steps, restarts, ResetTimer after the queue is drained) are the
# state machine's: tests/carrera/test_host.py drives them with explicit times.


async def test_status_is_reported_only_when_it_changes(cu):
    watch = await started(cu)
    await watch.until(lambda: watch.session.stats.polls >= 10)
    cu.status = LIGHTS
    mark = watch.session.stats.polls
    await watch.until(lambda: watch.session.stats.polls >= mark + 10)
    await watch.close()
    lights = [e.start_light for e in watch.of(StatusReport)]
    assert lights == [StartLight.OFF, StartLight.READY]


async def test_bad_frames_are_counted_and_never_stop_the_session(cu):
    cu.timers.append(TimerReply(address=4, timestamp_ms=7_777, sector=2))
    cu.faults.extend([None, "corrupt", "corrupt", "corrupt"])  # the timer frame is lost
    watch = await started(cu)
    await watch.until(lambda: watch.session.stats.polls >= 8)
    await watch.close()
    assert watch.session.stats.bad_frames == 3
    assert watch.session.stats.timeouts == 0
    assert watch.session.stats.reconnects == 0
    assert watch.of(CarPassed) == []  # a corrupted crossing is never invented
    assert len(watch.of(StatusReport)) == 1


async def test_unsupported_command_is_refused_before_anything_is_queued(cu):
    watch = await started(cu)
    with pytest.raises(LocalProtocolError, match="car 6"):
        watch.session.submit(SetFuel(6, 0.2))
    await watch.until(lambda: watch.session.stats.polls >= 5)
    await watch.close()
    assert watch.session.stats.commands_sent == 0


async def test_hang_up_keeps_unsent_commands_for_after_the_reconnect(cu):
    watch = await started(cu, sleep=SleepRecorder())
    await watch.until(lambda: watch.of(StatusReport))

    def hang_up_on_first_command(request: Request) -> None:
        if not isinstance(request, PollRequest | VersionRequest):
            cu.on_request = None
            cu.hang_up()

    cu.on_request = hang_up_on_first_command
    watch.session.submit(PressButton(Button.PACE_CAR))
    watch.session.submit(PressButton(Button.START))
    await watch.until(lambda: watch.session.stats.commands_sent == 2)
    await watch.close()
    buttons = [r.button for r in cu.requests if isinstance(r, ButtonRequest)]
    assert buttons == [1, 2]  # the one in flight is not repeated, the queued one survives
    assert watch.session.stats.reconnects == 1
    assert "hung up" in watch.of(LinkDown)[0].reason


async def test_an_unexpected_error_becomes_a_link_down_and_the_session_recovers(cu):
    watch = await started(cu, sleep=SleepRecorder())
    await watch.until(lambda: watch.of(StatusReport))

    def explode_once(request: Request) -> None:
        cu.on_request = None
        raise KeyError("surprise")

    cu.on_request = explode_once
    await watch.until(lambda: len(watch.of(LinkUp)) == 2)
    await watch.close()
    assert "internal error in the Carrera driver (KeyError('surprise'))" in (
        watch.of(LinkDown)[0].reason
    )
