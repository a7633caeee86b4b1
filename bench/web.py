"""Benchmark of the web board: CPU of the ONE board process with 1 viewer and with 10 viewers.

Creates the demo event, starts `slotrace board FILE --web 127.0.0.1:PORT` as its own process,
and for each viewer count: opens that many server-sent-event streams (in this process), writes
one lap to the journal every 0.1 s for the measured time (race control's journal-first path),
and reads the board process's CPU time from /proc (Linux). Prints both figures, the ratio, and
how many pushes every viewer received. The issue's bar: ten viewers at most 1.5x one.

Usage:  .venv/bin/python bench/web.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "web"))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "tui"))

from conftest import RunningHeat

from slotrace.drivers_api import CarPassed
from slotrace.tui.demo_event import create_demo_event


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def viewer(url: str, counts: list[int], index: int, stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(response.content.readline(), 0.5)
            except TimeoutError:
                continue
            if line.startswith(b"data: "):
                counts[index] += 1


async def measure(url: str, pid: int, heat: RunningHeat, viewers: int, seconds: float,
                  clock_ms: list[int]) -> tuple[float, list[int]]:
    stop = asyncio.Event()
    counts = [0] * viewers
    tasks = [asyncio.create_task(viewer(url, counts, i, stop)) for i in range(viewers)]
    await asyncio.sleep(1.0)  # every stream connected
    before, started = cpu_seconds(pid), time.monotonic()
    car = 0
    while time.monotonic() - started < seconds:
        clock_ms[0] += 700
        heat.feed(CarPassed(car % 6 + 1, 1, clock_ms[0]))
        car += 1
        await asyncio.sleep(0.1)
    used = cpu_seconds(pid) - before
    elapsed = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks)
    return used / elapsed * 100, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.slotrace"
        create_demo_event(path).close()
        heat = RunningHeat(path)
        port = free_port()
        board = subprocess.Popen(
            [str(Path(sys.executable).with_name("slotrace")), "board", str(path), "--web",
             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/events"
        try:
            for _ in range(600):
                if board.poll() is not None:
                    raise SystemExit("the board process stopped; see its error above")
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            clock = [1000]
            results = {}
            for viewers in (1, 10):
                results[viewers] = asyncio.run(
                    measure(url, board.pid, heat, viewers, args.seconds, clock))
        finally:
            board.terminate()
            board.wait(10)
            heat.event_file.close()
    one, ten = results[1][0], results[10][0]
    print(f"web board CPU, one lap every 0.1 s for {args.seconds:g} s "
          f"(% of one core, the board process only):")
    print(f"   1 viewer : {one:5.1f} %   pushes received: {results[1][1]}")
    print(f"  10 viewers: {ten:5.1f} %   pushes received: min {min(results[10][1])} "
          f"max {max(results[10][1])}")
    print(f"  ratio 10/1: {ten / one:4.2f}x   (bar: at most 1.5x)")


if __name__ == "__main__":
    main()
