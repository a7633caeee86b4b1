"""Benchmark: Carrera polls per second, ours vs carreralib, against the same simulator.

Starts ``slotrace simulate`` in a separate process (so the simulator has its own core and
both clients face the same server), then measures for ``--seconds`` each:

* paced (19200 baud 8N1, as on the PC-Unit cable): our driver and carreralib's
  ``ControlUnit.poll()`` loop, as a fraction of the line limit for status replies. The
  limit counts both directions on the wire: the request ``"?$`` (3 characters) and the
  reply the simulator sends for a 16-byte status (20 characters, ``$`` included) = 23
  characters of 0.521 ms = 11.98 ms, i.e. 83.5 polls/s at 19200 baud 8N1;
* unpaced (the simulator answers at once): the same two clients, showing the per-poll
  overhead of each stack.

No cars are started, so every reply is a 16-byte status: the worst case for the line.

Run:  .venv/bin/python bench/polling.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from slotrace.drivers_api import open_device

BAUD = 19200
REQUEST_CHARS = len(b'"?$')
STATUS_REPLY_CHARS = 20
"""A 16-byte status as the simulator sends it, '$' included (reference §8.x)."""
STATUS_CYCLE_CHARS = REQUEST_CHARS + STATUS_REPLY_CHARS
LINE_LIMIT = BAUD / 10 / STATUS_CYCLE_CHARS
"""83.5 polls/s: the line carries 1920 characters/s, a status cycle is 23 of them."""


def start_simulator(pace: bool) -> tuple[subprocess.Popen[str], str]:
    """Start ``slotrace simulate`` on a free port; return it and its socket:// target."""
    command = [sys.executable, "-m", "slotrace", "simulate", "--listen", "127.0.0.1:0"]
    if pace:
        command.append("--pace")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    device = process.stdout.readline().strip()
    if not device.startswith("carrera:"):
        process.kill()
        raise SystemExit(f"simulator did not start: {device!r}")
    return process, device.removeprefix("carrera:")


def stop_simulator(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


async def ours(target: str, seconds: float) -> float:
    """Polls/s of our driver (the whole asyncio stack: transport, framer, session)."""
    driver = open_device(f"carrera:{target}")
    await driver.start()
    drain = asyncio.create_task(_drain(driver))
    try:
        await asyncio.sleep(0.5)  # warm up
        first, began = driver.stats.polls, time.perf_counter()
        await asyncio.sleep(seconds)
        polls, elapsed = driver.stats.polls - first, time.perf_counter() - began
    finally:
        await driver.close()
        await drain
    return polls / elapsed


async def _drain(driver) -> None:
    async for _event in driver.events():
        pass


def carreralib_rate(target: str, seconds: float) -> float:
    """Polls/s of carreralib 2.0.0's ``ControlUnit.poll()`` in a tight loop."""
    from carreralib import ControlUnit

    cu = ControlUnit(target, timeout=1.0)
    try:
        cu.version()
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline:
            cu.poll()
        polls, began = 0, time.perf_counter()
        deadline = began + seconds
        while time.perf_counter() < deadline:
            cu.poll()
            polls += 1
        return polls / (time.perf_counter() - began)
    finally:
        cu.close()


def measure(pace: bool, seconds: float) -> tuple[float, float]:
    process, target = start_simulator(pace)
    try:
        our_rate = asyncio.run(ours(target, seconds))
        their_rate = carreralib_rate(target, seconds)
    finally:
        stop_simulator(process)
    return our_rate, their_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per client")
    args = parser.parse_args()
    print(f"slotrace polling bench ({Path(__file__).name}), {args.seconds:g} s per client")
    paced_ours, paced_theirs = measure(True, args.seconds)
    print(f"paced 19200 baud, line limit {LINE_LIMIT:.1f} polls/s (status replies):")
    print(f"  slotrace  {paced_ours:8.1f} polls/s  = {paced_ours / LINE_LIMIT:6.1%} of the line")
    print(
        f"  carreralib{paced_theirs:8.1f} polls/s  = {paced_theirs / LINE_LIMIT:6.1%} of the line"
    )
    fast_ours, fast_theirs = measure(False, args.seconds)
    print("unpaced (simulator answers at once, socket://):")
    print(f"  slotrace  {fast_ours:8.0f} polls/s")
    print(f"  carreralib{fast_theirs:8.0f} polls/s")
    print(f"  ratio slotrace/carreralib: {fast_ours / fast_theirs:.2f}x")


if __name__ == "__main__":
    main()
