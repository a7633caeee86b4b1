"""The charity ledger's own table (schema 5) and the move of a version-4 file's ledger into it.

``data/v4-charity-day.slotrace`` was written by slotrace at schema 4 (the ledger as meta rows
``charity/NNNNNN``): the three-entry charity day of tests/integration/test_charity_day.py with
its records. Worked out by hand from that file's story:
  #1 auction 150.00 (M. Rossi), #2 bucket 83.40, #3 donation 50.00 revoked by #4 ("counted
  twice", treasurer), #5 donation 12.50.
  fees 75.00 + pledges 18.00 + auctions 150.00 + buckets 83.40 + donations 12.50 = 338.90
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slotrace.store import EventFile, schema
from slotrace.store.charity import CharityRecordError, add_money, day_money, revoke_money
from slotrace.store.errors import EventFileError
from slotrace.store.results import build_report

V4_FILE = Path(__file__).parent / "data" / "v4-charity-day.slotrace"
THE_DAY = [  # (id, kind, amount, who, author, recorded_at, counted)
    (1, "auction", 150.0, "M. Rossi", "Anna", "2026-05-16T10:05:00+00:00", True),
    (2, "bucket", 83.4, "paddock bucket", "Anna", "2026-05-16T12:00:00+00:00", True),
    (3, "donation", 50.0, "Bar Sport", "Anna", "2026-05-16T12:30:00+00:00", False),
    (5, "donation", 12.5, "a spectator", "Anna", "2026-05-16T14:00:00+00:00", True),
]
TOTALS = {"fees": 75.0, "pledges": 18.0, "auctions": 150.0, "buckets": 83.4,
          "donations": 12.5, "total": 338.9}


def at(hour: int, minute: int):
    return lambda: datetime(2026, 5, 16, hour, minute, tzinfo=UTC)


@pytest.fixture
def v4_file(tmp_path: Path) -> Path:
    path = tmp_path / "charity.slotrace"
    shutil.copy(V4_FILE, path)
    return path


def _raw(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _version(path: Path) -> int:
    return _raw(path, "PRAGMA user_version")[0][0]


def _listed(ef: EventFile) -> list[tuple]:
    return [(m.id, m.kind.value, m.amount, m.who, m.author, m.recorded_at, m.counted)
            for m in day_money(ef)]


def _totals(ef: EventFile) -> dict[str, float]:
    charity = build_report(ef)["charity"]
    return {key: charity[key] for key in TOTALS}


def test_the_fixture_is_a_version_4_file_with_its_ledger_in_meta_rows():
    assert _version(V4_FILE) == 4
    keys = [k for (k,) in _raw(V4_FILE, "SELECT key FROM meta WHERE key LIKE 'charity/%'")]
    assert keys == [f"charity/00000{i}" for i in range(1, 6)]


def test_a_reader_takes_a_version_4_file_as_it_is(v4_file: Path):
    before = v4_file.read_bytes()
    with EventFile.open(v4_file, read_only=True) as ro:
        assert _listed(ro) == THE_DAY
        assert day_money(ro)[2].revoked_reason == "counted twice"
        assert _totals(ro) == TOTALS
    assert _version(v4_file) == 4 and v4_file.read_bytes() == before  # never migrated


def test_opening_for_writing_moves_every_record_into_the_table_with_equal_totals(v4_file: Path):
    with EventFile.open(v4_file, read_only=True) as ro:
        listed_before, totals_before = _listed(ro), _totals(ro)
    with EventFile.open(v4_file) as ef:
        assert ef.schema_version == 5
        assert _listed(ef) == listed_before == THE_DAY
        assert _totals(ef) == totals_before == TOTALS
    assert _raw(v4_file, "SELECT key FROM meta WHERE key LIKE 'charity/%'") == []
    assert _raw(v4_file, "SELECT id, action, kind, amount_cents, revokes, reason, author "
                         "FROM charity_records ORDER BY id") == [
        (1, "add", "auction", 15000, None, "", "Anna"),
        (2, "add", "bucket", 8340, None, "", "Anna"),
        (3, "add", "donation", 5000, None, "", "Anna"),
        (4, "revoke", None, None, 3, "counted twice", "treasurer"),
        (5, "add", "donation", 1250, None, "", "Anna"),
    ]
    with EventFile.open(v4_file, read_only=True) as ro:  # and readers now read the table
        assert _listed(ro) == THE_DAY and _totals(ro) == TOTALS


def test_an_interrupted_migration_loses_nothing_and_the_next_open_completes_it(
    v4_file: Path, monkeypatch: pytest.MonkeyPatch
):
    # the move fails after the rows were copied and the meta rows deleted: all or nothing
    broken = schema.Migration(5, "interrupted", (*schema.V5.statements, "NOT SQL AT ALL"))
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:4], broken))
    with pytest.raises(EventFileError):
        EventFile.open(v4_file)
    assert _version(v4_file) == 4
    assert len(_raw(v4_file, "SELECT key FROM meta WHERE key LIKE 'charity/%'")) == 5
    assert _raw(v4_file, "SELECT name FROM sqlite_schema WHERE name = 'charity_records'") == []
    with EventFile.open(v4_file, read_only=True) as ro:
        assert _listed(ro) == THE_DAY and _totals(ro) == TOTALS
    monkeypatch.undo()
    with EventFile.open(v4_file) as ef:
        assert ef.schema_version == 5 and _listed(ef) == THE_DAY and _totals(ef) == TOTALS


def test_a_reader_open_across_the_migration_sees_the_same_ledger(v4_file: Path):
    with EventFile.open(v4_file, read_only=True) as board:  # e.g. the spectator board
        assert _listed(board) == THE_DAY
        with EventFile.open(v4_file) as race_control:  # not blocked by the reader
            assert race_control.schema_version == 5
        assert board.schema_version == 5
        assert _listed(board) == THE_DAY and _totals(board) == TOTALS


def test_records_after_the_migration_carry_on_the_ids_and_count_exactly(v4_file: Path):
    with EventFile.open(v4_file) as ef:
        dime = add_money(ef, "donation", "0,10", who="a child", author="Anna", clock=at(15, 0))
        add_money(ef, "donation", "0.20", who="a child", author="Anna", clock=at(15, 1))
        assert (dime.id, dime.amount, dime.recorded_at) == (6, 0.1,
                                                           "2026-05-16T15:00:00+00:00")
        revoke_money(ef, 2, reason="bucket recounted", author="treasurer", clock=at(15, 2))
        totals = _totals(ef)
    assert totals["donations"] == 12.8  # 12.50 + 0.10 + 0.20, no float drift
    assert totals["buckets"] == 0.0
    assert totals["total"] == 255.8  # 338.90 - the bucket 83.40 + 0.30


@pytest.mark.parametrize(("typed", "problem"), [
    ("", "is not a number like 150 or 12.50"),
    ("25.-", "is not a number like 150 or 12.50"),
    ("0", "must be more than 0"),
    ("nan", "must be more than 0"),
    ("1e12", "is more than 1,000,000,000"),
    ("25.005", "has more than 2 decimals"),
])
def test_a_refused_amount_names_what_is_wrong_and_records_nothing(
    v4_file: Path, typed: str, problem: str
):
    with EventFile.open(v4_file) as ef:
        with pytest.raises(CharityRecordError, match=problem) as refused:
            add_money(ef, "bucket", typed, who="paddock", author="Anna", clock=at(15, 0))
        assert "nothing recorded" in str(refused.value) and str(v4_file) in str(refused.value)
        assert _listed(ef) == THE_DAY


@pytest.mark.parametrize(("key", "change", "problem"), [
    ("charity/000002", "json_set(value, '$.amount', -5)",
     "amount must be a number of at least 0.01"),
    ("charity/000002", "json_set(value, '$.kind', 'raffle')",
     "kind must be auction, donation or bucket"),
    ("charity/000004", "json_set(value, '$.revokes', 5)", "revokes must name an earlier record"),
    ("charity/000004", "json_remove(value, '$.reason')", "a revocation needs a reason"),
    ("charity/000005", "'{\"action\": \"add\",'", "it is not JSON"),
])
def test_a_v4_row_that_cannot_move_is_named_and_the_file_is_left_as_it_was(
    v4_file: Path, key: str, change: str, problem: str
):
    conn = sqlite3.connect(v4_file)
    conn.execute(f"UPDATE meta SET value = {change} WHERE key = ?", (key,))
    conn.commit()
    conn.close()
    rows = _raw(v4_file, "SELECT key, value FROM meta ORDER BY key")
    with pytest.raises(EventFileError) as refused:
        EventFile.open(v4_file)
    message = str(refused.value)
    assert message.startswith(f"{v4_file}: ") and "cannot upgrade to schema 5" in message
    assert f"meta row {key} of the schema-4 charity ledger" in message
    assert problem in message and "Nothing was changed" in message
    assert _version(v4_file) == 4
    assert _raw(v4_file, "SELECT key, value FROM meta ORDER BY key") == rows
    if problem == "it is not JSON":  # a reader says which row, never a traceback
        with EventFile.open(v4_file, read_only=True) as ro, pytest.raises(
                EventFileError, match=f"meta row {key} of the charity ledger is not a valid"):
            day_money(ro)
