"""Provides the driver conformance kit: `Harness` (how the kit drives one driver and its
simulator), `DriverConformance` (the full suite: subclass it in your tests),
`ReadOnlyConformance` (the non-destructive subset) and `HardwareConformance` (that subset plus
a live-device check, run against a real device with ``pytest --hardware DEVICE``). The pytest
plugin is `slotrace.drivers_api.conformance.plugin`, registered through the ``pytest11`` entry
point. See docs/writing-a-driver.md."""

from slotrace.drivers_api.conformance.harness import (
    Crossing,
    HardwareHarness,
    Harness,
    collect_events,
    wait_for,
)
from slotrace.drivers_api.conformance.suite import (
    DriverConformance,
    HardwareConformance,
    ReadOnlyConformance,
)

__all__ = [
    "Crossing",
    "DriverConformance",
    "HardwareConformance",
    "HardwareHarness",
    "Harness",
    "ReadOnlyConformance",
    "collect_events",
    "wait_for",
]
