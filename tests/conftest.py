"""Shared pytest configuration: Hypothesis profiles and the opt-in hardware flag."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# "dev" keeps local runs quick; CI=true selects "ci" (a few more examples, no deadline
# flakiness on a loaded 2-core machine). Select explicitly with HYPOTHESIS_PROFILE.
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        metavar="DEVICE",
        default=None,
        help="run hardware tests against a real control unit, e.g. carrera:/dev/ttyUSB0",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a control unit: run with --hardware DEVICE")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def hardware_device(request: pytest.FixtureRequest) -> str:
    """The device string given with --hardware."""
    return request.config.getoption("--hardware")
