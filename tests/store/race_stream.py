"""A deterministic synthetic heat: what a control unit and race control would feed the journal."""

from __future__ import annotations

import random
from typing import Any

from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport

CARS = (1, 2, 3, 4, 5, 6)


def race_stream(seed: int, laps: int = 40) -> list[Any]:
    """Status reports, start lights and finish-line crossings of six cars, in device time order.

    Includes a few race-control commands when the engine exports them.
    """
    rng = random.Random(seed)
    fuel = (15,) * 8
    items: list[Any] = [
        StatusReport(fuel, StartLight.READY, ModeFlags.NONE),
        StatusReport(fuel, StartLight.GO, ModeFlags.NONE),
        StatusReport(fuel, StartLight.OFF, ModeFlags.NONE),
    ]
    crossings = []
    for car in CARS:
        t = 1000 + rng.randrange(0, 400)
        pace = rng.randrange(4200, 5200)
        for _ in range(laps):
            crossings.append(CarPassed(car, 1, t))
            t += pace + rng.randrange(-300, 600)
    crossings.sort(key=lambda c: (c.device_ms, c.car))
    items.extend(crossings)
    controls = _controls()
    at = (len(items) // 2, len(items) // 3, len(items) // 4)  # inserted back to front
    for index, control in zip(at, controls, strict=False):
        items.insert(index, control)
    return items


def _controls() -> list[Any]:
    try:
        from slotrace.engine import TimePenalty, YellowFlag
    except ImportError:
        return []
    return [
        TimePenalty(car=3, ms=5000, reason="corner cutting", author="chief steward"),
        YellowFlag(on=False, reason="track clear", author="marshal 2"),
        YellowFlag(on=True, reason="car off at the hairpin", author="marshal 2"),
    ]
