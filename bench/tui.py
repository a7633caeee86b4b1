"""Benchmark of the race-control TUI: lap latency (transport -> leaderboard) and app CPU.

Runs the Carrera simulator in a separate process at line rate (19200 baud pacing, 6 cars),
connects the real Carrera driver through a timestamping transport, and runs the real
`SlotraceApp` headless with a real event file (journal with synchronous=FULL). Reports:

* latency from the read() that delivered a lap's timer frame to the moment the leaderboard
  row showing that lap has been rendered (median, p99, max over every lap of the heat);
* CPU of the app process (driver + journal + engine + UI; the simulator is elsewhere) as a
  percentage of one core while idle (connected, polling, no race) and during the heat.

Usage:  .venv/bin/python bench/tui.py [--laps 8] [--speedup 2] [--idle-seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from slotrace.drivers_api import CarPassed
from slotrace.engine import SessionPhase
from slotrace.tui.app import SlotraceApp
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.messages import RaceAdvanced
from slotrace_carrera.driver import CarreraDriver, transport_for
from slotrace_carrera.simulator_server import SimulatorServer


def _serve(speedup: float, ready: Any, stop: Any) -> None:
    async def main() -> None:
        server = SimulatorServer(cars=6, speedup=speedup, pace=True)
        ready.put(await server.start())
        while not stop.is_set():
            await asyncio.sleep(0.2)
        await server.stop()

    asyncio.run(main())


class TimestampingTransport:
    """Wraps a transport; remembers when the last read() returned data."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.last_read_at = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def read(self) -> bytes:
        data = await self._inner.read()
        self.last_read_at = time.perf_counter()
        return data


class TimedDriver(CarreraDriver):
    """The Carrera driver, tagging each finish-line crossing with its frame's arrival time."""

    arrivals: dict[tuple[int, int], float]

    def events(self):  # type: ignore[override]
        inner = super().events()
        transport = self.transport

        async def tagged():
            async for event in inner:
                if isinstance(event, CarPassed) and event.sensor == 1:
                    self.arrivals[(event.car, event.device_ms)] = transport.last_read_at
                yield event

        return tagged()


async def run(laps: int, idle_seconds: float, target: str) -> None:
    transport = TimestampingTransport(transport_for(target))
    driver = TimedDriver(transport)  # type: ignore[arg-type]
    driver.arrivals = {}
    path = Path(tempfile.mkdtemp(prefix="slotrace-bench-")) / "bench.slotrace"
    event_file = create_demo_event(path)
    app = prepare_race_control(event_file, driver, laps=laps)
    latencies: list[float] = []
    original = SlotraceApp.on_race_advanced

    def on_race_advanced(self: SlotraceApp, message: RaceAdvanced) -> None:
        original(self, message)
        cause = message.cause
        if isinstance(cause, CarPassed) and any(
            type(e).__name__ == "LapCompleted" for e in message.race_events
        ):
            arrived = driver.arrivals.pop((cause.car, cause.device_ms), None)
            if arrived is not None:
                app.race_screen.query_one("#leaderboard").call_after_refresh(
                    lambda: latencies.append(time.perf_counter() - arrived)
                )

    SlotraceApp.on_race_advanced = on_race_advanced  # type: ignore[method-assign]
    async with app.run_test(size=(160, 40)) as pilot:
        deadline = time.monotonic() + 15
        while not app.session.link.up and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(idle_seconds)
        idle = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        await pilot.press("s")
        await asyncio.sleep(0.3)
        await pilot.press("s")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        deadline = time.monotonic() + 300
        while app.session.state.phase is not SessionPhase.FINISHED and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        active = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        active_s = time.perf_counter() - wall0
        await pilot.pause()
        stats = driver.stats
    event_file.close()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else float("nan")
    print(f"heat: {laps} laps, 6 cars, {active_s:.1f} s, {len(ms)} laps timed, "
          f"{stats.polls} polls, {stats.bad_frames} bad frames")
    if ms:
        print(f"lap latency transport->leaderboard: median {statistics.median(ms):.1f} ms, "
              f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms")
    print(f"app CPU: idle {idle * 100:.1f}% of one core, during the heat {active * 100:.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=8)
    parser.add_argument("--speedup", type=float, default=2.0)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    ready: Any = multiprocessing.Queue()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(args.speedup, ready, stop))
    server.start()
    try:
        target = ready.get(timeout=15)
        asyncio.run(run(args.laps, args.idle_seconds, target))
    finally:
        stop.set()
        server.join(timeout=10)


if __name__ == "__main__":
    main()
