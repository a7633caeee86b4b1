"""Provides the journal's payload codec: engine inputs to JSON records and back.

Driver events use `slotrace.drivers_api.to_record` / `event_from_record`; race-control
commands use the engine's helpers of the same shape (`slotrace.engine.to_record` /
`control_from_record`). A record is a JSON object with a ``"type"`` key, exactly the
format of ``slotrace record`` files, so a journal exported line by line is a recording.
"""

from __future__ import annotations

import json
from typing import Any

from slotrace.drivers_api import DRIVER_EVENT_TYPES, RecordError, event_from_record, to_record
from slotrace.drivers_api.records import EVENT_TYPES


def is_driver_event(item: object) -> bool:
    """Whether ``item`` is one of the driver API's events."""
    return isinstance(item, DRIVER_EVENT_TYPES)


def encode(item: Any) -> dict[str, Any]:
    """The JSON record of a driver event, a race-control command, or an existing record."""
    if isinstance(item, dict):
        if not isinstance(item.get("type"), str):
            raise RecordError(f"a journal record needs a string 'type', got {item!r}")
        return dict(item)
    if is_driver_event(item):
        return to_record(item)
    from slotrace import engine  # only race-control commands need the engine

    return engine.to_record(item)


def dumps(record: dict[str, Any]) -> str:
    """Compact, key-ordered JSON text of a record (what the journal stores)."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def decode(record: dict[str, Any]) -> Any:
    """The engine input (driver event or race-control command) a record describes.

    Raises:
        RecordError: the record names no known event or command, or a field is wrong.
    """
    if record.get("type") in EVENT_TYPES:
        return event_from_record(record)
    from slotrace import engine

    return engine.control_from_record(record)
