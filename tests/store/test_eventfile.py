"""Event file: creating, opening, refusing bad files, migrations, faults that must not lose data."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from slotrace.drivers_api import CarPassed, EpochStarted
from slotrace.store import (
    SCHEMA_VERSION,
    CorruptEventFileError,
    EventFile,
    EventFileError,
    EventFileExistsError,
    HeatStatus,
    NewerSchemaError,
    NotAnEventFileError,
    ReadOnlyEventFileError,
    StorageFullError,
    schema,
)

ENTRIES = [
    {"entry_no": 1, "race_number": 722, "entrant": "Moss"},
    {"entry_no": 2, "race_number": None, "entrant": "Fangio"},
]


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    return tmp_path / "mille.slotrace"


def test_create_then_open_keeps_event_entries_verdicts_and_stages(event_path: Path) -> None:
    with EventFile.create(event_path, {"name": "Mini Mille", "track": "mm"}) as ef:
        ef.set_entries(ENTRIES)
        ef.add_verdict(1, "E5", "warning", "green without documentation", "scrutineer Ann")
        ef.set_stage(1, "Brescia -> Roma", {"laps": 3})
    with EventFile.open(event_path) as ef:
        assert ef.name == "Mini Mille"
        assert ef.schema_version == SCHEMA_VERSION
        assert ef.event_definition()["track"] == "mm"
        assert ef.entries() == ENTRIES
        assert [v["code"] for v in ef.verdicts(1)] == ["E5"]
        assert ef.stages()[0]["definition"] == {"laps": 3}


def test_create_refuses_to_overwrite_and_leaves_no_temporary_files(event_path: Path) -> None:
    EventFile.create(event_path, name="first").close()
    with pytest.raises(EventFileExistsError, match="already exists"):
        EventFile.create(event_path, name="second")
    with EventFile.open(event_path) as ef:
        assert ef.name == "first"
    assert not [p for p in event_path.parent.iterdir() if "creating" in p.name]


def test_duplicate_race_numbers_are_refused_without_touching_the_old_list(
    event_path: Path,
) -> None:
    with EventFile.create(event_path) as ef:
        ef.set_entries(ENTRIES)
        bad = [{"entry_no": 1, "race_number": 5}, {"entry_no": 2, "race_number": 5}]
        with pytest.raises(EventFileError, match="race number 5 given twice"):
            ef.set_entries(bad)
        assert ef.entries() == ENTRIES


def test_a_text_file_is_not_an_event_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.slotrace"
    path.write_text("entry list\n" * 200)
    with pytest.raises(NotAnEventFileError, match=r"notes\.slotrace.*not a slotrace event file"):
        EventFile.open(path)
    assert path.read_text().startswith("entry list")


def test_another_programs_database_is_not_an_event_file_and_is_not_modified(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAnEventFileError, match="another program"):
        EventFile.open(path)
    assert path.read_bytes() == before


def test_a_damaged_file_gives_a_clear_error_naming_it(event_path: Path) -> None:
    with EventFile.create(event_path) as ef:
        ef.set_entries(ENTRIES)
    data = bytearray(event_path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # overwrite every page after the first
    event_path.write_bytes(bytes(data))
    with pytest.raises(CorruptEventFileError, match=r"mille\.slotrace.*damaged"):
        ef = EventFile.open(event_path)
        ef.entries()
        ef.quick_check()


def test_missing_file_and_missing_folder_are_named(tmp_path: Path) -> None:
    with pytest.raises(EventFileError, match="does not exist"):
        EventFile.open(tmp_path / "nope.slotrace")
    with pytest.raises(EventFileError, match=r"folder .* does not exist"):
        EventFile.create(tmp_path / "no-such-dir" / "x.slotrace")


def test_a_newer_schema_is_refused_and_left_unchanged(event_path: Path) -> None:
    EventFile.create(event_path).close()
    conn = sqlite3.connect(event_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = event_path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer slotrace"):
        EventFile.open(event_path)
    with pytest.raises(NewerSchemaError):
        EventFile.open(event_path, read_only=True)
    assert event_path.read_bytes() == before


def _file_at_version(path: Path, version: int) -> None:
    """An event file as an older slotrace wrote it, with a heat and journal rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, 0, to_version=version)
    conn.execute("INSERT INTO event VALUES (1, 'Old event', '{}', '2024-05-01')")
    conn.execute("INSERT INTO entries VALUES (1, 722, ?)", (json.dumps(ENTRIES[0]),))
    conn.execute(
        "INSERT INTO heats (id, stage, name, config, cars, status, started_at)"
        " VALUES (1, NULL, 'Heat 1', '{}', '{\"1\": 1}', 'running', '2024-05-01')"
    )
    record = {"type": "CarPassed", "car": 1, "sensor": 1, "device_ms": 1000, "epoch": 0}
    conn.execute("INSERT INTO journal VALUES (1, 1, 0, 'CarPassed', ?)", (json.dumps(record),))
    conn.close()


@pytest.mark.parametrize("old_version", range(1, SCHEMA_VERSION))
def test_migrating_from_every_older_version_keeps_everything(
    event_path: Path, old_version: int
) -> None:
    _file_at_version(event_path, old_version)
    if old_version < schema.OLDEST_READABLE:
        with pytest.raises(ReadOnlyEventFileError, match="older event file schema"):
            EventFile.open(event_path, read_only=True)
    else:  # a reader takes the file as it is and never migrates it
        with EventFile.open(event_path, read_only=True) as ro:
            assert ro.schema_version == old_version and ro.entries() == [ENTRIES[0]]
    with EventFile.open(event_path) as ef:
        assert ef.schema_version == SCHEMA_VERSION
        assert ef.name == "Old event"
        assert ef.entries() == [ENTRIES[0]]
        heat = ef.heat_in_progress()
        assert heat is not None and heat.cars == {1: 1}
        assert [e.item() for e in ef.journal(1)] == [CarPassed(1, 1, 1000, 0)]
        recorder = ef.resume_heat(1)  # uses what version 2 added (heat_resumes)
        assert recorder.current_epoch == 0 and recorder.last_seq == 1
    with EventFile.open(event_path, read_only=True) as ro:
        # the resume keeps the journal's epochs: only the driver says when the clock restarted
        assert [e.item() for e in ro.journal(1)] == [CarPassed(1, 1, 1000, 0)]
        assert ro.heat(1).status is HeatStatus.RUNNING


def test_a_failing_migration_leaves_the_file_at_its_old_version(
    event_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _file_at_version(event_path, 1)
    broken = schema.Migration(2, "broken", ("CREATE TABLE heat_resumes (x)", "SYNTAX ERROR"))
    monkeypatch.setattr(schema, "MIGRATIONS", (schema.V1, broken))
    with pytest.raises(EventFileError):
        EventFile.open(event_path)
    conn = sqlite3.connect(event_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
    assert "heat_resumes" not in tables
    conn.close()


def test_read_only_open_cannot_write_even_through_raw_sql(event_path: Path) -> None:
    EventFile.create(event_path).close()
    with EventFile.open(event_path, read_only=True) as ro:
        with pytest.raises(ReadOnlyEventFileError, match="read-only"):
            ro.start_heat("h", {})
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro._conn.execute("INSERT INTO meta VALUES ('x', 'y')")
    with EventFile.open(event_path) as ef:
        assert ef.heats() == []


def test_full_disk_keeps_every_committed_event(event_path: Path) -> None:
    ef = EventFile.create(event_path)
    recorder = ef.start_heat("Heat 1", {})
    pages = ef._conn.execute("PRAGMA page_count").fetchone()[0]
    ef._conn.execute(f"PRAGMA max_page_count = {pages + 3}")  # a disk with 12 KiB left
    committed = []
    with pytest.raises(StorageFullError, match=r"mille\.slotrace: disk full.*rolled back"):
        for n in range(100_000):
            seq, _ = recorder.append(CarPassed(1, 1, n))
            committed.append((seq, n))
    ef.close()
    with EventFile.open(event_path) as again:
        journal = [(e.seq, e.record["device_ms"]) for e in again.journal(1)]
    assert journal == committed and len(committed) > 10


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_gives_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(EventFileError, match="usb"):
            EventFile.create(folder / "x.slotrace")
    finally:
        folder.chmod(0o755)


def test_resume_carries_the_device_epoch_over(event_path: Path) -> None:
    ef = EventFile.create(event_path)
    recorder = ef.start_heat("Heat 1", {})
    recorder.append(CarPassed(1, 1, 5_000))
    recorder.append(EpochStarted(1, "timer reset"))
    recorder.append(CarPassed(1, 1, 700))
    ef.close()
    ef = EventFile.open(event_path)
    heat = ef.heat_in_progress()
    assert heat is not None and heat.id == 1
    resumed = ef.resume_heat(heat.id)
    assert resumed.current_epoch == 1  # the epoch the journal reached
    # stored as the driver reports it: only the driver (or the event core) starts an epoch
    _, stored = resumed.append(CarPassed(1, 1, 900, epoch=1))
    assert stored == CarPassed(1, 1, 900, epoch=1)
    ef.finish_heat(heat.id)
    assert ef.heat_in_progress() is None
    assert ef.heat(1).status is HeatStatus.FINISHED
    ef.close()
