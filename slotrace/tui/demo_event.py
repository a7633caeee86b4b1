"""Provides `create_demo_event`: a Mini Mille Miglia event file with the shipped sample entries."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from slotrace.store import EventFile

DEMO_TEMPLATE = "mille-miglia-2020"
SAMPLE_ENTRIES = "sample-entries.csv"


def create_demo_event(path: Path) -> EventFile:
    """Create ``path`` from the Mini Mille Miglia template and the sample entries; return it open.

    Raises the rules' file errors if the shipped data does not load (a packaging bug) and
    `EventFileExistsError` if ``path`` exists.
    """
    from slotrace.rules.files import load_template, parse_entries_csv

    event = load_template(DEMO_TEMPLATE)
    csv_file = resources.files("slotrace.rules") / "data" / SAMPLE_ENTRIES
    entries = parse_entries_csv(csv_file.read_text("utf-8"), f"shipped {SAMPLE_ENTRIES}")
    event_file = EventFile.create(path, event, name=f"{event.name} (demo)")
    try:
        event_file.set_entries(entries)
    except BaseException:
        event_file.close()
        raise
    return event_file
