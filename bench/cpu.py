"""Benchmark: process CPU time per 1,000 Carrera polls at line rate (19200 baud).

Starts ``slotrace simulate --pace`` in a separate process, so only the client's own CPU
is measured (``time.process_time``, user + system), then polls for ``--seconds`` with our
driver and with carreralib 2.0.0's ``ControlUnit.poll()`` loop. The time is split into
``--rounds`` alternating rounds (ours, theirs, ours, ...), so load from other programs on
a shared machine falls on both alike. At line rate the link, not the CPU, sets the pace,
so the figure says how much of a small laptop the link costs.

Run:  .venv/bin/python bench/cpu.py [--seconds 10] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from polling import start_simulator, stop_simulator

from slotrace.drivers_api import open_device


async def ours(target: str, seconds: float) -> tuple[int, float]:
    driver = open_device(f"carrera:{target}")
    await driver.start()

    async def drain() -> None:
        async for _event in driver.events():
            pass

    drainer = asyncio.create_task(drain())
    try:
        await asyncio.sleep(0.5)
        first, cpu = driver.stats.polls, time.process_time()
        await asyncio.sleep(seconds)
        polls, used = driver.stats.polls - first, time.process_time() - cpu
    finally:
        await driver.close()
        await drainer
    return polls, used


def theirs(target: str, seconds: float) -> tuple[int, float]:
    from carreralib import ControlUnit

    cu = ControlUnit(target, timeout=1.0)
    try:
        cu.version()
        polls, cpu = 0, time.process_time()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            cu.poll()
            polls += 1
        return polls, time.process_time() - cpu
    finally:
        cu.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per client")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per client")
    args = parser.parse_args()
    each = args.seconds / args.rounds
    results = {"slotrace": (0, 0.0), "carreralib": (0, 0.0)}
    process, target = start_simulator(pace=True)
    try:
        for _ in range(args.rounds):
            for name, run in (
                ("slotrace", lambda: asyncio.run(ours(target, each))),
                ("carreralib", lambda: theirs(target, each)),
            ):
                polls, used = run()
                total_polls, total_used = results[name]
                results[name] = (total_polls + polls, total_used + used)
    finally:
        stop_simulator(process)
    print(
        f"CPU per 1,000 polls at 19200 baud ({args.seconds:g} s each in {args.rounds} "
        "alternating rounds, simulator in its own process)"
    )
    for name, (polls, used) in results.items():
        rate = polls / args.seconds
        print(
            f"  {name:<10} {used / polls * 1000 * 1000:7.1f} ms CPU per 1,000 polls "
            f"({polls} polls, {rate:.1f}/s, {used / args.seconds:.1%} of one core)"
        )
    ratio = (results["slotrace"][1] / results["slotrace"][0]) / (
        results["carreralib"][1] / results["carreralib"][0]
    )
    print(f"  ratio slotrace/carreralib: {ratio:.2f}x")


if __name__ == "__main__":
    main()
