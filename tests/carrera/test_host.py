"""The Carrera host state machine, driven with bytes and explicit host times (no event loop).

Each scenario is a script of steps: a reply (as the CU would send it) at a host time, a
timeout, a link loss, a reconnect or a command. The events that come out are compared
with what a user of the driver must see: no lap lost to a small out-of-order step or a
repeat, none invented across a restart, implausible timestamps quarantined, ``#`` refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from slotrace.drivers_api import (
    Button,
    CarPassed,
    ClockMark,
    DeviceRefused,
    DriverCommand,
    DriverEvent,
    EpochStarted,
    FirmwareVersion,
    PressButton,
    ResetTimer,
    SetLapCounter,
    StatusReport,
)
from slotrace_carrera.clock import ClockRules
from slotrace_carrera.host import HostLink
from slotrace_carrera.protocol import (
    POLL,
    StatusReply,
    TimerReply,
    VersionReply,
    encode_commands,
    encode_reply,
)
from slotrace_carrera.transport import Framing

IDLE = encode_reply(StatusReply(fuel=(15,) * 8, start=0, mode=0, pit=0, display=6)) + b"$"


def timer(car: int, device_ms: int, sensor: int = 1) -> bytes:
    return encode_reply(TimerReply(car, device_ms, sensor)) + b"$"


def version(text: str = "5337") -> bytes:
    return encode_reply(VersionReply(text)) + b"$"


@dataclass(frozen=True)
class Reply:
    at: float
    wire: bytes


@dataclass(frozen=True)
class Timeout:
    at: float


@dataclass(frozen=True)
class LinkLost:
    at: float


@dataclass(frozen=True)
class Reconnect:
    at: float


@dataclass(frozen=True)
class Send:
    command: DriverCommand


Step = Reply | Timeout | LinkLost | Reconnect | Send


def run(steps: list[Step], link: HostLink | None = None) -> tuple[HostLink, list[DriverEvent]]:
    """Connect at t=0 (version 5337, then idle status), then play ``steps``."""
    link = link or HostLink(Framing.SERIAL)
    link.connected(0.0)
    return run_on(link, [Reply(0.0, version()), Reply(0.01, IDLE), *steps])


def run_on(link: HostLink, steps: list[Step]) -> tuple[HostLink, list[DriverEvent]]:
    """Play ``steps`` on a link as it is."""
    events: list[DriverEvent] = []
    for step in steps:
        if isinstance(step, Reply):
            assert link.next_request(step.at) is not None
            events.extend(link.receive_data(step.wire, step.at))
        elif isinstance(step, Timeout):
            if link.awaiting is None:
                assert link.next_request(step.at) is not None
            events.extend(link.timed_out(step.at))
        elif isinstance(step, LinkLost):
            events.extend(link.link_lost(step.at))
        elif isinstance(step, Reconnect):
            link.connected(step.at)
        else:
            link.submit(step.command)
    return link, events


def timed(events: list[DriverEvent]) -> list[DriverEvent]:
    return [e for e in events if isinstance(e, CarPassed | EpochStarted)]


SCENARIOS = {
    "out-of-order step of 10 ms loses no lap": (
        [
            Reply(10.0, timer(1, 10_000)),
            Reply(10.01, timer(2, 9_990)),
            Reply(15.0, timer(1, 15_000)),
        ],
        [CarPassed(1, 1, 10_000), CarPassed(2, 1, 9_990), CarPassed(1, 1, 15_000)],
    ),
    "A, B, A: the non-consecutive repeat is dropped, nothing else": (
        [
            Reply(10.0, timer(1, 10_000)),
            Reply(10.01, timer(2, 10_005)),
            Reply(10.02, timer(1, 10_000)),
        ],
        [CarPassed(1, 1, 10_000), CarPassed(2, 1, 10_005)],
    ),
    "restart with the clock ahead of the last timestamp: new epoch, no invented lap": (
        [
            Reply(9.0, timer(1, 9_000)),
            Reply(18.0, timer(1, 18_000)),
            LinkLost(18.5),
            Reconnect(60.0),  # the CU was power-cycled at ~30 s: its clock is at ~30 000
            Reply(60.0, version()),
            Reply(60.1, IDLE),
            Reply(61.0, timer(1, 31_000)),
            Reply(70.0, timer(1, 40_000)),
        ],
        [
            CarPassed(1, 1, 9_000),
            CarPassed(1, 1, 18_000),
            EpochStarted(
                1,
                "the control unit clock restarted during the link loss "
                "(was at 18000 ms, now 31000 ms)",
            ),
            CarPassed(1, 1, 31_000, 1),
            CarPassed(1, 1, 40_000, 1),
        ],
    ),
    "a reconnect to a CU that kept running keeps the epoch and every lap": (
        [
            Reply(9.0, timer(1, 9_000)),
            LinkLost(9.5),
            Reconnect(40.0),
            Reply(40.0, version()),
            Reply(40.1, timer(1, 18_000)),  # queued during the outage
            Reply(40.2, IDLE),
            Reply(41.0, timer(1, 41_000)),
        ],
        [CarPassed(1, 1, 9_000), CarPassed(1, 1, 18_000), CarPassed(1, 1, 41_000)],
    ),
    "garbled checksum-valid timestamp is quarantined, the next frames count as usual": (
        [
            Reply(10.0, timer(1, 10_000)),
            Reply(10.5, IDLE),
            Reply(11.0, b"?31000;41015$"),  # 16 796 417 ms: 4.6 hours ahead
            Reply(15.0, timer(1, 15_000)),
            Reply(15.1, timer(2, 15_050)),
        ],
        [CarPassed(1, 1, 10_000), CarPassed(1, 1, 15_000), CarPassed(2, 1, 15_050)],
    ),
    "a large step back without a link loss is doubted until the next crossing agrees": (
        [
            Reply(100.0, timer(1, 100_000)),
            Reply(100.5, timer(2, 1_000)),
            Reply(105.0, timer(2, 6_000)),
        ],
        [
            CarPassed(1, 1, 100_000),
            EpochStarted(
                1,
                "control unit clock jumped from 100000 ms to 1000 ms and the next crossing "
                "(6000 ms) agrees",
            ),
            CarPassed(2, 1, 1_000, 1),
            CarPassed(2, 1, 6_000, 1),
        ],
    ),
    "a lost '$' costs neither reply": (
        [Reply(10.0, timer(1, 10_000)[:-1] + timer(2, 10_100))],
        [CarPassed(1, 1, 10_000), CarPassed(2, 1, 10_100)],
    ),
    "a noise byte before a reply costs nothing": (
        [Reply(10.0, b"\xff" + timer(1, 10_000)), Reply(11.0, timer(2, 11_000))],
        [CarPassed(1, 1, 10_000), CarPassed(2, 1, 11_000)],
    ),
    "a reply that lost its '$' is recovered when the wait for it times out": (
        [Reply(10.0, timer(1, 10_000)[:-1]), Timeout(11.0), Reply(11.1, timer(2, 11_000))],
        [CarPassed(1, 1, 10_000), CarPassed(2, 1, 11_000)],
    ),
    "a reply that lost its '$' right before a link loss still counts": (
        [Reply(10.0, timer(1, 10_000)[:-1]), LinkLost(10.5)],
        [CarPassed(1, 1, 10_000)],
    ),
    "a crossing queued between the drain and '=' keeps the old clock's epoch": (
        [
            Reply(19.9, timer(2, 19_900)),
            Reply(19.95, IDLE),  # drained: '=' goes out next
            Send(ResetTimer()),
            Reply(20.0, b"=$"),
            Reply(20.02, timer(1, 19_990)),  # crossed just before the CU took the '='
            Reply(20.04, IDLE),  # queue empty: from here on, only the new clock
            Reply(21.0, timer(1, 950)),
        ],
        [
            CarPassed(2, 1, 19_900),
            CarPassed(1, 1, 19_990),
            EpochStarted(1, "timer reset by race control"),
            CarPassed(1, 1, 950, 1),
        ],
    ),
    "after '=' the first crossing on the new clock starts the epoch": (
        [
            Reply(19.95, IDLE),
            Send(ResetTimer()),
            Reply(20.0, b"=$"),
            Reply(20.5, timer(3, 480)),
        ],
        [EpochStarted(1, "timer reset by race control"), CarPassed(3, 1, 480, 1)],
    ),
    "partial bytes are dropped on a timeout, the next reply is whole": (
        [Reply(10.0, timer(1, 10_000)[:5]), Timeout(11.0), Reply(11.1, timer(2, 11_000))],
        [CarPassed(2, 1, 11_000)],
    ),
}


@pytest.mark.parametrize(("steps", "expected"), SCENARIOS.values(), ids=SCENARIOS.keys())
def test_epochs_repeats_and_framing_match_the_hardware(steps, expected):
    _, events = run(steps)
    assert timed(events) == expected


def test_duplicates_and_quarantine_are_counted_in_the_link_stats():
    link, _ = run(SCENARIOS["A, B, A: the non-consecutive repeat is dropped, nothing else"][0])
    assert link.stats.duplicates_dropped == 1
    link, _ = run(
        SCENARIOS[
            "garbled checksum-valid timestamp is quarantined, the next frames count as usual"
        ][0]
    )
    assert link.stats.quarantined == 1


def test_a_quarantined_timestamp_is_shown_where_race_control_and_record_look():
    from slotrace.cli.record import link_summary
    from slotrace.tui.widgets.link_status import LinkStatusBar

    link, events = run(
        SCENARIOS[
            "garbled checksum-valid timestamp is quarantined, the next frames count as usual"
        ][0]
    )
    assert 16_796_417 not in [e.device_ms for e in events if isinstance(e, CarPassed)]
    assert "1 implausible timestamps quarantined (not counted as laps)" in link_summary(
        link.stats, 5.0, len(events)
    )
    bar = LinkStatusBar()
    bar.stats = link.stats
    assert "quarantined 1" in bar.render().plain


def test_reset_timer_waits_until_the_queue_is_drained():
    link, events = run([Reply(19.9, timer(2, 19_900)), Send(ResetTimer())])
    # the CU still has a crossing queued with the old clock: poll first, not '='
    assert link.next_request(20.0).body == POLL
    events += link.receive_data(timer(1, 20_000), 20.0)
    assert link.next_request(20.01).body == POLL  # not known to be empty yet
    events += link.receive_data(IDLE, 20.01)
    assert link.next_request(20.02).body == encode_commands(ResetTimer())[0]
    events += link.receive_data(b"=$", 20.03)
    assert link.next_request(21.0).body == POLL
    events += link.receive_data(timer(1, 950), 21.0)
    assert timed(events) == [
        CarPassed(2, 1, 19_900, 0),
        CarPassed(1, 1, 20_000, 0),
        EpochStarted(1, "timer reset by race control"),
        CarPassed(1, 1, 950, 1),
    ]


def test_resume_across_processes_keeps_the_journaled_epoch_when_the_clock_ran_on():
    link = HostLink(Framing.SERIAL)
    link.continue_clock(ClockMark(epoch=3, device_ms=50_000, wall_s=1_000.0), 0.0, 1_010.0)
    _, events = run([Reply(0.5, timer(1, 60_500))], link)
    assert timed(events) == [CarPassed(1, 1, 60_500, 3)]


def test_resume_across_processes_starts_an_epoch_when_the_clock_restarted():
    link = HostLink(Framing.SERIAL)
    link.continue_clock(ClockMark(epoch=3, device_ms=50_000, wall_s=1_000.0), 0.0, 1_010.0)
    _, events = run([Reply(0.5, timer(1, 5_000))], link)
    assert [type(e) for e in timed(events)] == [EpochStarted, CarPassed]
    assert timed(events)[1] == CarPassed(1, 1, 5_000, 4)


def test_a_cu_without_firmware_is_refused_once_and_no_longer_polled():
    link = HostLink(Framing.SERIAL)
    link.connected(0.0)
    events = []
    for at in (0.0, 0.1, 0.2):
        assert link.next_request(at) is not None
        events += link.receive_data(b"#", at)
    assert events == [
        DeviceRefused(
            "firmware",
            "the control unit has no firmware (every request answered with '#'); "
            "update it with the Carrera app",
            True,
        )
    ]
    assert link.fatal and link.next_request(0.3) is None


def test_start_refused_by_old_firmware_becomes_an_event():
    link = HostLink(Framing.SERIAL)
    link.connected(0.0)
    link.next_request(0.0)
    events = link.receive_data(version("5330"), 0.0)
    link.submit(PressButton(Button.START))
    assert link.next_request(0.1).body == b"T22"
    events += link.receive_data(b"#", 0.1)
    assert events == [
        FirmwareVersion("5330"),
        DeviceRefused("START", "START is not supported by firmware 5330", False),
    ]
    assert link.refused == {"START"}
    assert not link.fatal and link.next_request(0.2).body == POLL


def test_unchanged_status_is_reported_once_and_costs_no_decode():
    link, events = run([Reply(1.0 + i / 100, IDLE) for i in range(50)])
    assert sum(isinstance(e, StatusReport) for e in events) == 1
    assert link.stats.polls == 52


def test_lap_counter_wraps_at_250_like_the_position_tower():
    assert encode_commands(SetLapCounter(251)) == encode_commands(SetLapCounter(1))
    assert encode_commands(SetLapCounter(250)) == encode_commands(SetLapCounter(0))


def test_a_garbled_timestamp_while_crossings_are_held_after_a_reconnect_is_quarantined():
    # no crossing before the loss, so nothing but the held crossing bounds the clock
    steps = [
        LinkLost(0.5),
        Reconnect(5.0),
        Reply(5.0, version()),
        Reply(5.1, timer(1, 800)),  # held: a restarted CU or one that kept running?
        Reply(5.2, b"?31000;41015$"),  # 16 796 417 ms: the held crossing says impossible
        Reply(5.3, IDLE),
        Reply(6.0, timer(1, 5_900)),
    ]
    link, events = run(steps)
    assert [e.device_ms for e in events if isinstance(e, CarPassed)] == [800, 5_900]
    assert link.stats.quarantined == 1


# A crossing both stories explain is held after a reconnect; the hold is bounded in polls
# (ClockRules.hold_polls, here 3) and in host seconds, and a second link loss ends it.
BEFORE_THE_LOSS = [
    Reply(9.0, timer(1, 9_000)),
    LinkLost(9.5),
    Reconnect(40.0),
    Reply(40.0, version()),
]
"""Crossings queued during the outage fit a CU that kept running and one that restarted."""
CONSERVATIVE = (
    "no crossing after the reconnect showed whether the control unit restarted; counting as "
    "a restart (a lap may be lost, none invented)"
)
HOLD_OF_3 = ClockRules(hold_polls=3)


def test_crossings_held_while_the_queue_never_drains_are_judged_after_the_polls_bound():
    link = HostLink(Framing.SERIAL, rules=HOLD_OF_3)
    polls = [Reply(40.1 + i / 100, timer(1, 18_000 + 100 * i)) for i in range(4)]
    _, events = run([*BEFORE_THE_LOSS, *polls[:2]], link)
    assert timed(events) == [CarPassed(1, 1, 9_000)]  # two held, nothing decided yet
    _, events = run_on(link, polls[2:])
    assert timed(events) == [
        EpochStarted(1, CONSERVATIVE),
        CarPassed(1, 1, 18_000, 1),
        CarPassed(1, 1, 18_100, 1),
        CarPassed(1, 1, 18_200, 1),
        CarPassed(1, 1, 18_300, 1),  # judged on the new epoch's clock as usual
    ]


def test_timed_out_polls_count_towards_the_hold():
    link = HostLink(Framing.SERIAL, rules=HOLD_OF_3)
    _, events = run([*BEFORE_THE_LOSS, Reply(40.1, timer(1, 18_000)), Timeout(40.3)], link)
    assert timed(events)[-1] == CarPassed(1, 1, 9_000)
    _, events = run_on(link, [Timeout(40.5)])
    assert timed(events) == [EpochStarted(1, CONSERVATIVE), CarPassed(1, 1, 18_000, 1)]


def test_a_hold_is_judged_after_hold_s_at_the_next_poll_whatever_it_brings():
    link = HostLink(Framing.SERIAL)  # 15 s, 1,250 polls
    _, events = run([*BEFORE_THE_LOSS, Reply(40.1, timer(1, 18_000)), Timeout(55.2)], link)
    assert timed(events)[1:] == [EpochStarted(1, CONSERVATIVE), CarPassed(1, 1, 18_000, 1)]


def test_a_second_link_loss_during_the_hold_judges_it_at_once():
    link = HostLink(Framing.SERIAL)
    _, events = run([*BEFORE_THE_LOSS, Reply(40.1, timer(1, 18_000)), LinkLost(40.2)], link)
    assert timed(events)[1:] == [
        EpochStarted(
            1,
            "the link dropped again before a crossing showed whether the control unit "
            "restarted; counting as a restart (a lap may be lost, none invented)",
        ),
        CarPassed(1, 1, 18_000, 1),
    ]


def test_a_crossing_that_decides_the_hold_within_its_bound_keeps_every_lap():
    link = HostLink(Framing.SERIAL, rules=HOLD_OF_3)
    _, events = run(
        [
            *BEFORE_THE_LOSS,
            Reply(40.1, timer(1, 18_000)),
            Reply(40.2, IDLE),
            Reply(41.0, timer(1, 41_000)),
        ],
        link,
    )
    assert timed(events) == [
        CarPassed(1, 1, 9_000),
        CarPassed(1, 1, 18_000),
        CarPassed(1, 1, 41_000),
    ]


def test_a_timer_reset_during_a_hold_judges_the_held_crossings_before_its_own_epoch():
    """Seen in the fake-BLE end-to-end race: a crossing held after a reconnect (the clock came
    back ahead of the 9 s seen last, but by less than the 31 s outage: restarted or not?), then
    race control's '=' once the queue is drained. The held crossing was stamped before the
    '=' by the old clock, so the hold is judged first (the conservative answer) and the reset
    gets the next epoch; it used to be filed under the reset's epoch with the first crossing
    on the reset clock, and the restart during the outage went unnoticed."""
    link, events = run([
        *BEFORE_THE_LOSS,
        Reply(40.1, timer(1, 18_000)),  # held
        Reply(40.2, IDLE),  # queue drained: the '=' goes out next
        Send(ResetTimer()),
    ])
    assert link.next_request(40.3).body == encode_commands(ResetTimer())[0]
    events += link.receive_data(b"=$", 40.3)
    for at, wire in ((40.4, IDLE), (41.0, timer(2, 600))):
        assert link.next_request(at).body == POLL
        events += link.receive_data(wire, at)
    assert timed(events) == [
        CarPassed(1, 1, 9_000, 0),
        EpochStarted(1, "a timer reset was sent before a crossing showed whether the control "
                        "unit restarted during the link loss; counting as a restart (a lap may "
                        "be lost, none invented)"),
        CarPassed(1, 1, 18_000, 1),
        EpochStarted(2, "timer reset by race control"),
        CarPassed(2, 1, 600, 2),
    ]
