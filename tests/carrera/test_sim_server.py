"""The simulator server puts real bytes on TCP sockets and ptys, survives hang-ups, paces."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
import serial

from slotrace_carrera.protocol import StatusReply, TimerReply, decode_reply
from slotrace_carrera.sim_config import CarSpec, Faults, ModelConfig
from slotrace_carrera.simulator_server import ServeOver, SimulatorServer, WireClock

from .waiting import until

needs_pty = pytest.mark.skipif(sys.platform == "win32", reason="ptys exist on POSIX only")
TIMEOUT = 5.0


class FakeClock:
    """Real time under the test's control."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readuntil(b"$"), TIMEOUT)


async def test_tcp_serves_version_status_and_unknown_commands() -> None:
    async with SimulatorServer(ModelConfig(version="5336")) as server:
        assert server.target.startswith("socket://127.0.0.1:")
        assert server.device == f"carrera:{server.target}"
        host, port = server.target.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b'"0$')
        assert await read_frame(reader) == b"053361$"
        writer.write(b'"?$"?$')  # two requests in one segment: two replies
        first, second = await read_frame(reader), await read_frame(reader)
        assert isinstance(decode_reply(first[:-1]), StatusReply)
        assert first == second
        writer.write(b'"GB2$')
        assert await asyncio.wait_for(reader.readexactly(1), TIMEOUT) == b"#"
        writer.write(b'"T3$')  # bad checksum: the CU cannot make sense of it
        assert await asyncio.wait_for(reader.readexactly(1), TIMEOUT) == b"#"
        writer.write(b'"T22$')
        assert await read_frame(reader) == b"T$"
        assert server.model.start_light == 1
        writer.close()


async def test_time_runs_at_speedup_times_real_time() -> None:
    clock = FakeClock()
    config = ModelConfig(cars=(CarSpec(1, lap_ms=2000, jitter_ms=0),))
    async with SimulatorServer(config, speedup=10, clock=clock) as server:
        host, port = server.target.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        clock.now += 1.0  # one real second = ten model seconds = five laps
        stamps = []
        while True:
            writer.write(b'"?$')
            reply = decode_reply((await read_frame(reader))[:-1])
            if isinstance(reply, StatusReply):
                break
            stamps.append(reply.timestamp_ms)
        assert stamps == [2000, 4000, 6000, 8000, 10_000]
        writer.close()


async def test_tcp_hangup_closes_the_link_and_keeps_the_queue() -> None:
    clock = FakeClock()
    config = ModelConfig(cars=(CarSpec(1, lap_ms=1000, jitter_ms=0),))
    async with SimulatorServer(config, clock=clock) as server:
        host, port = server.target.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        clock.now += 5.0
        writer.write(b'"?$')
        first = decode_reply((await read_frame(reader))[:-1])
        await server.hang_up()
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b"", "client sees EOF"
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        rest = []
        for _ in range(4):
            writer.write(b'"?$')
            rest.append(decode_reply((await read_frame(reader))[:-1]))
        assert all(isinstance(item, TimerReply) for item in [first, *rest])
        assert [t.timestamp_ms for t in [first, *rest]] == [1000, 2000, 3000, 4000, 5000]
        assert server.truth.hangups == 1 and server.truth.still_queued() == []
        writer.close()


async def test_periodic_hangups_follow_model_time() -> None:
    faults = Faults(hangup_every_s=1.0)
    async with SimulatorServer(faults=faults, speedup=20) as server:
        host, port = server.target.removeprefix("socket://").split(":")
        for _ in range(2):
            reader, writer = await asyncio.open_connection(host, int(port))
            assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
            writer.close()
        assert server.truth.hangups >= 2


async def test_paced_replies_are_complete_and_correct() -> None:
    config = ModelConfig(cars=(CarSpec(1, lap_ms=1000, jitter_ms=0),))
    clock = FakeClock()
    async with SimulatorServer(config, pace=True, clock=clock) as server:
        host, port = server.target.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        clock.now += 3.0
        replies = []
        for _ in range(4):
            writer.write(b'"?$')
            replies.append(decode_reply((await read_frame(reader))[:-1]))
        assert [type(item) for item in replies] == [TimerReply] * 3 + [StatusReply]
        writer.close()


def test_wire_clock_charges_10_bits_per_character_and_forgives_our_lateness() -> None:
    wire = WireClock(19200)
    wire.request(3, now=1.0)
    deadline = wire.reply_deadline(17, now=1.0)
    assert deadline == pytest.approx(1.0 + 20 * 10 / 19200)
    wire.written(deadline + 0.0008)  # the event loop woke up 0.8 ms late
    wire.request(3, now=deadline + 0.0009)  # host answered 0.1 ms after it got the reply
    next_deadline = wire.reply_deadline(17, now=deadline + 0.0009)
    assert next_deadline == pytest.approx(deadline + 0.0001 + 20 * 10 / 19200)


def _pty_exchange(path: str, requests: list[bytes]) -> list[bytes]:
    with serial.Serial(path, 19200, timeout=TIMEOUT) as port:
        replies = []
        for request in requests:
            port.write(request)
            replies.append(port.read_until(b"$"))
        return replies


@needs_pty
async def test_pty_serves_bytes_behind_a_stable_path() -> None:
    async with SimulatorServer(over=ServeOver.PTY) as server:
        path = server.target
        assert os.path.islink(path) and os.readlink(path).startswith("/dev/")
        replies = await asyncio.to_thread(_pty_exchange, path, [b'"0$', b'"?$'])
        assert replies[0] == b"053372$"
        assert isinstance(decode_reply(replies[1][:-1]), StatusReply)
    assert not os.path.exists(path), "stop() removes the pty symlink"


def _read_until_gone(path: str) -> str:
    with serial.Serial(path, 19200, timeout=TIMEOUT) as port:
        port.write(b'"?$')
        port.read_until(b"$")
        try:
            while port.read(1):
                pass
        except serial.SerialException as exc:
            return str(exc)
        return "no error"


@needs_pty
async def test_pty_hangup_unplugs_and_the_path_points_at_a_new_pty() -> None:
    config = ModelConfig(cars=(CarSpec(1, lap_ms=1000, jitter_ms=0),))
    async with SimulatorServer(config, over="pty", speedup=5) as server:
        path = server.target
        before = os.readlink(path)
        reader = asyncio.create_task(asyncio.to_thread(_read_until_gone, path))
        await until(lambda: server.requests_answered > 0, TIMEOUT, "a request answered")
        # a client that has not noticed yet still holds the old pty open, so the kernel
        # cannot hand its number out again: the link must point at another pty
        held = os.open(before, os.O_RDWR | os.O_NOCTTY)
        try:
            await server.hang_up()
            assert "disconnected" in await asyncio.wait_for(reader, TIMEOUT)
            assert os.readlink(path) != before, "re-pointed while the old pty is still held open"
        finally:
            os.close(held)
        replies = await asyncio.to_thread(_pty_exchange, path, [b'"?$'] * 3)
        assert all(isinstance(decode_reply(r[:-1]), TimerReply | StatusReply) for r in replies)
        assert server.truth.hangups == 1
