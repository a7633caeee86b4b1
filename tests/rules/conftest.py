"""Shared fixtures for rules tests: the shipped track, template, register and sample entries."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import pytest

from slotrace.rules.files import load_template, load_track, parse_entries_csv
from slotrace.rules.model import Entry, ModelCar
from slotrace.rules.register import load_register

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def register():
    return load_register()


@pytest.fixture(scope="session")
def track():
    return load_track("mini-mille-miglia")


@pytest.fixture(scope="session")
def event(track):
    return load_template("mille-miglia-2020", track)


@pytest.fixture(scope="session")
def sample_entries():
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    return parse_entries_csv(text, "sample-entries.csv")


def make_entry(entry_no: int = 1, race_number: int | None = None, nationality: str = "IT",
               **car) -> Entry:
    """A clean, eligible entry (Alfa Romeo 8C 2300, 1932, red, Italian) with overrides."""
    fields = dict(marque="Alfa Romeo", model="8C 2300", replica_year=1932, build_year=1932,
                  displacement_cc=2336, supercharged=True, category="S", body_colour="red",
                  number_positions={"left", "right", "nose"})
    fields.update(car)
    return Entry(entry_no=entry_no, race_number=race_number, entrant=f"Crew {entry_no}",
                 nationality=nationality, car=ModelCar(**fields))
