"""Hardware tests: the conformance kit's non-destructive subset against a real device.

``pytest tests/conformance/test_hardware.py --hardware carrera:/dev/ttyUSB0`` (or any device
string `slotrace devices` lists) runs `HardwareConformance` on it; without ``--hardware`` the
class is collected and skipped with the reason. docs/writing-a-driver.md, "Hardware tests".
The tests below it prove both halves, with each shipped driver's simulator standing in for a
device given on the command line.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from slotrace.drivers_api.conformance import HardwareConformance, HardwareHarness

HERE = Path(__file__)
HARDWARE_TESTS = 5  # ReadOnlyConformance's four plus the live-device check


@pytest.mark.hardware
class TestHardwareConformance(HardwareConformance):
    @pytest.fixture
    def harness(self, hardware_device: str) -> HardwareHarness:
        return HardwareHarness(hardware_device)


def _pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", f"{HERE}::TestHardwareConformance", "-q", "-rs",
            "-p", "no:cacheprovider", *args]


def test_without_hardware_the_subset_is_collected_and_skipped_with_the_reason() -> None:
    done = subprocess.run(_pytest(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{HARDWARE_TESTS} skipped" in done.stdout
    assert "needs a real control unit: run pytest --hardware DEVICE" in done.stdout


@pytest.mark.parametrize(
    ("driver", "options"), [("arc", {"cars": 3}), ("carrera", {"over": "tcp", "cars": 3})]
)
async def test_hardware_device_runs_the_subset_against_that_device(
    driver: str, options: dict
) -> None:
    from slotrace.drivers_api import load_driver

    simulator = load_driver(driver).simulator(**options)  # real time, as a device runs
    target = await simulator.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            *_pytest("--hardware", f"{driver}:{target}"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        async with asyncio.timeout(120):
            out, _ = await proc.communicate()
    finally:
        await simulator.stop()
    text = out.decode()
    assert proc.returncode == 0, text
    assert f"{HARDWARE_TESTS} passed" in text
