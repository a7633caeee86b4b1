"""Provides driver lookup through the ``slotrace.drivers`` entry-point group.

Listing drivers imports none of them; only `load_driver` imports the one asked for.
Built-in drivers register exactly as a third-party package would::

    [project.entry-points."slotrace.drivers"]
    mydriver = "my_package.driver:MyDriver"
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from slotrace.drivers_api.driver import Driver
from slotrace.drivers_api.errors import DeviceStringError, DriverError, UnknownDriverError

ENTRY_POINT_GROUP = "slotrace.drivers"


@dataclass(frozen=True, slots=True)
class InstalledDriver:
    """A driver registered in the entry-point group (not imported).

    Attributes:
        name: the name used in device strings.
        target: ``module:Class`` it points at.
        distribution: the installed package that registered it.
    """

    name: str
    target: str
    distribution: str


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def installed_drivers() -> list[InstalledDriver]:
    """Drivers registered on this machine, sorted by name. Imports no driver."""
    found = []
    for name, ep in sorted(_entry_points().items()):
        dist = ep.dist.name if ep.dist is not None else "?"
        found.append(InstalledDriver(name=name, target=ep.value, distribution=dist))
    return found


def load_driver(name: str) -> type[Driver]:
    """Import and return the driver class registered as ``name``.

    Raises:
        UnknownDriverError: no driver of that name; the message lists the installed ones.
        DriverError: the entry point does not load or is not a `Driver`.
    """
    eps = _entry_points()
    if name not in eps:
        names = ", ".join(sorted(eps)) or "none"
        raise UnknownDriverError(f"no driver named {name!r} is installed (installed: {names})")
    try:
        cls = eps[name].load()
    except Exception as exc:  # a broken plugin must not take the app down with a traceback
        raise DriverError(f"driver {name!r} ({eps[name].value}) failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Driver)):
        raise DriverError(f"driver {name!r} ({eps[name].value}) is not a slotrace Driver class")
    return cls


def parse_device(device: str) -> tuple[str, str]:
    """Split a device string ``driver:target`` into its driver name and target.

    Examples: ``carrera:/dev/ttyUSB0``, ``carrera:socket://127.0.0.1:7878``,
    ``carrera:ble:D4:8B:39:00:00:01``, ``carrera:COM3``.
    """
    name, sep, target = device.partition(":")
    if not sep or not name or not target:
        raise DeviceStringError(
            f"device {device!r} is not of the form DRIVER:TARGET "
            "(for example carrera:/dev/ttyUSB0 or carrera:socket://127.0.0.1:7878)"
        )
    return name, target


def open_device(device: str, **options: Any) -> Driver:
    """Create (not connect) the driver a device string names."""
    name, target = parse_device(device)
    return load_driver(name).open(target, **options)
