"""Simulator figures: 19200-baud pacing accuracy, raw serving rate, pure model rate.

Run:  .venv/bin/python bench/simulator.py [--seconds 2]

Prints, for TCP and pty:
  * paced: polls/s answered with status replies (20 bytes per round trip on the wire) by a
    minimal asyncio client, as a share of the 19200-baud 8N1 line limit (96/s);
  * unpaced: polls/s the server answers when nothing slows it down (the ceiling a driver
    benchmark can reach against it), next to carreralib's ControlUnit.poll() loop;
  * the pure model's polls/s (decode-free, in memory) for a 6-car, 3-sensor race.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from carreralib import ControlUnit

from slotrace_carrera.protocol import PollRequest
from slotrace_carrera.sim_config import ModelConfig, default_cars
from slotrace_carrera.simulator import ControlUnitModel
from slotrace_carrera.simulator_server import SimulatorServer

STATUS_CYCLE_BYTES = 3 + 17  # '"?$' + 16-byte status + '$'
LINE_LIMIT = 19200 / 10 / STATUS_CYCLE_BYTES


async def _asyncio_client(server: SimulatorServer, seconds: float) -> float:
    if server.target.startswith("socket://"):
        host, port = server.target.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
    else:
        import serial_asyncio_fast

        reader, writer = await serial_asyncio_fast.open_serial_connection(
            url=server.target, baudrate=19200
        )
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        writer.write(b'"?$')
        await reader.readuntil(b"$")
        count += 1
    elapsed = time.perf_counter() - started
    writer.close()
    return count / elapsed


def _carreralib_client(target: str, seconds: float) -> float:
    unit = ControlUnit(target, timeout=2)
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        unit.poll()
        count += 1
    elapsed = time.perf_counter() - started
    unit.close()
    return count / elapsed


async def _serve_and_measure(over: str, pace: bool, seconds: float) -> tuple[float, float]:
    config = ModelConfig(cars=())  # no cars: every reply is a status frame
    async with SimulatorServer(config, over=over, pace=pace) as server:
        ours = await _asyncio_client(server, seconds)
        theirs = await asyncio.to_thread(_carreralib_client, server.target, seconds)
    return ours, theirs


def _model_rate(seconds: float) -> float:
    model = ControlUnitModel(ModelConfig(cars=default_cars(6), sensor_groups=3))
    poll = PollRequest()
    count = 0
    now = 0.0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(1000):
            now += 10.0  # 10 ms of race time per poll, like a 100/s host
            model.advance_to(now)
            model.handle(poll)
        count += 1000
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    args = parser.parse_args()
    print(f"line limit for status polls at 19200 8N1: {LINE_LIMIT:.1f} polls/s")
    for over in ("tcp", "pty"):
        for pace in (True, False):
            ours, theirs = asyncio.run(_serve_and_measure(over, pace, args.seconds))
            label = "paced  " if pace else "unpaced"
            share = f" = {ours / LINE_LIMIT:6.1%} of line limit" if pace else ""
            print(
                f"{over:3} {label}: asyncio client {ours:8.0f} polls/s{share}; "
                f"carreralib ControlUnit.poll() {theirs:8.0f} polls/s"
            )
    print(f"pure model (6 cars, 3 sensors): {_model_rate(args.seconds):,.0f} polls/s")


if __name__ == "__main__":
    main()
