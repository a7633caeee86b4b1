"""Provides the slotrace pytest plugin (entry point ``pytest11``): the ``--hardware DEVICE``
option, the ``hardware`` marker and the ``hardware_device`` fixture. Tests marked
``hardware`` are skipped unless a device is given."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        metavar="DEVICE",
        default=None,
        help="run hardware tests (the conformance kit's read-only subset) against a real "
        "device, e.g. carrera:/dev/ttyUSB0 or arc:ble:D4:8B:39:00:00:01",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "hardware: needs a real control unit (opt in with --hardware DEVICE)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(
        reason="needs a real control unit: run pytest --hardware DEVICE (e.g. "
        "carrera:/dev/ttyUSB0 or arc:ble:D4:8B:39:00:00:01; docs/writing-a-driver.md)"
    )
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def hardware_device(request: pytest.FixtureRequest) -> str:
    """The device string given with --hardware."""
    return request.config.getoption("--hardware")
