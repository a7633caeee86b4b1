"""Provides the JSON record form of driver events and commands.

One object per event, ``{"type": "CarPassed", "car": 2, "sensor": 1, "device_ms": 226287,
"epoch": 0}``; enums are written as their integer value, sets as sorted lists. This is the
format of ``slotrace record`` files (one record per line, plus a ``"received"`` wall time
added by the recorder) and of the journal's payloads.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from functools import cache
from types import NoneType, UnionType
from typing import Any

from slotrace.drivers_api.commands import DRIVER_COMMAND_TYPES, DriverCommand
from slotrace.drivers_api.errors import RemoteProtocolError
from slotrace.drivers_api.events import DRIVER_EVENT_TYPES, DriverEvent
from slotrace.errors import SlotraceError


class RecordError(SlotraceError):
    """A record does not describe a known event or command."""


EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in DRIVER_EVENT_TYPES}
COMMAND_TYPES: dict[str, type] = {cls.__name__: cls for cls in DRIVER_COMMAND_TYPES}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _dump(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return int(value.value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def to_record(obj: Any) -> dict[str, Any]:
    """The JSON-ready dict of an event, command or any other frozen dataclass value object
    built from ints, strings, bools, enums, tuples and frozensets, with its ``type``."""
    record: dict[str, Any] = {"type": type(obj).__name__}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        record[f.name] = _dump(getattr(obj, f.name))
    return record


def _load(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if isinstance(hint, UnionType) or origin is typing.Union:
        options = typing.get_args(hint)
        if value is None and NoneType in options:
            return None
        return _load(next(o for o in options if o is not NoneType), value, where)
    if hint is bool:
        if not isinstance(value, bool):
            raise RecordError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(f"{where}: expected an integer, got {value!r}")
        try:
            return hint(value)
        except ValueError as exc:
            raise RecordError(f"{where}: {value!r} is not a valid {hint.__name__}") from exc
    if origin in (tuple, frozenset):
        if not isinstance(value, list):
            raise RecordError(f"{where}: expected a list, got {value!r}")
        inner = typing.get_args(hint)[0]
        items = [_load(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else frozenset(items)
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise RecordError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def from_record(record: Any, types: dict[str, type], kind: str) -> Any:
    """Rebuild a value object from its record, choosing the class by ``type`` among ``types``.

    Extra keys are ignored; ``kind`` names what is expected in error messages.

    Raises:
        RecordError: naming the type and field and what was expected.
    """
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object for a {kind}, got {type(record).__name__}")
    name = record.get("type")
    if name not in types:
        known = ", ".join(sorted(types))
        raise RecordError(f"unknown {kind} type {name!r} (expected one of: {known})")
    cls = types[name]
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in record:
            has_default = (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            if has_default:
                continue
            raise RecordError(f"{name}: missing field {f.name!r}")
        kwargs[f.name] = _load(hints[f.name], record[f.name], f"{name}.{f.name}")
    try:
        return cls(**kwargs)
    except (ValueError, TypeError, RemoteProtocolError) as exc:
        raise RecordError(f"{name}: {exc}") from exc


def event_from_record(record: Any) -> DriverEvent:
    """Rebuild a driver event from its record; extra keys (such as ``received``) are ignored.

    Raises:
        RecordError: naming the field and what was expected.
    """
    return from_record(record, EVENT_TYPES, "event")


def command_from_record(record: Any) -> DriverCommand:
    """Rebuild a driver command from its record."""
    return from_record(record, COMMAND_TYPES, "command")
