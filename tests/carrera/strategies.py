"""Hypothesis strategies for every Carrera reply, request and driver command."""

from __future__ import annotations

from hypothesis import strategies as st

from slotrace.drivers_api import (
    Button,
    ClearPositions,
    PressButton,
    RequestVersion,
    ResetTimer,
    SetBrake,
    SetFuel,
    SetIgnoreMask,
    SetLapCounter,
    SetPosition,
    SetRaceFinished,
    SetSpeed,
)
from slotrace_carrera.protocol import (
    Acknowledgement,
    ButtonRequest,
    MaskRequest,
    PollRequest,
    ResetRequest,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    UnknownRequest,
    VersionReply,
    VersionRequest,
    WordRequest,
)

nibbles = st.integers(0, 15)
cars = st.integers(1, 8)

version_replies = st.builds(
    VersionReply, st.text(alphabet="0123456789:;<=>?", min_size=4, max_size=4)
)
timer_replies = st.builds(TimerReply, cars, st.integers(0, 2**32 - 1), st.integers(1, 3))
status_replies = st.builds(
    StatusReply,
    st.tuples(*[nibbles] * 8),
    nibbles,
    nibbles,
    st.integers(0, 255),
    nibbles,
    st.one_of(st.just(b""), st.binary(min_size=2, max_size=2).filter(lambda b: b"$" not in b)),
)
acknowledgements = st.builds(
    Acknowledgement,
    st.sampled_from("=:TJGEF"),
    st.binary(max_size=40).filter(lambda b: b"$" not in b),
)
replies = st.one_of(
    version_replies, timer_replies, status_replies, acknowledgements, st.just(UnknownCommandReply())
)
checksummed_replies = st.one_of(version_replies, timer_replies, status_replies)

requests = st.one_of(
    st.just(PollRequest()),
    st.just(VersionRequest()),
    st.just(ResetRequest()),
    st.builds(MaskRequest, st.integers(0, 255)),
    st.builds(ButtonRequest, nibbles),
    st.builds(WordRequest, st.integers(0, 31), st.integers(0, 7), nibbles, nibbles),
    st.builds(
        UnknownRequest,
        st.binary(min_size=1, max_size=30).filter(
            lambda b: b[0] not in b"=:TJ0?" and b'"' not in b and b"$" not in b
        ),
    ),
)

commands = st.one_of(
    st.builds(PressButton, st.sampled_from(Button)),
    st.builds(SetIgnoreMask, st.frozensets(cars)),
    st.builds(SetSpeed, cars, nibbles.map(lambda n: n / 15)),
    st.builds(SetBrake, cars, nibbles.map(lambda n: n / 15)),
    st.builds(SetFuel, st.integers(1, 4), nibbles.map(lambda n: n / 15)),
    st.builds(SetPosition, cars, cars),
    st.just(ClearPositions()),
    st.builds(SetLapCounter, st.integers(0, 255)),
    st.just(ResetTimer()),
    st.builds(SetRaceFinished, cars),
    st.just(RequestVersion()),
)
