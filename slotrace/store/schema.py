"""Provides the event file's SQL schema as a list of forward migrations.

``PRAGMA user_version`` holds the schema version; ``PRAGMA application_id`` marks the file
as a slotrace event file. Migration *n* turns a version *n - 1* file into a version *n*
file; a file is brought up to `SCHEMA_VERSION` by running the missing steps in order, in
one transaction, so a failed migration leaves the file exactly as it was.

Never edit a shipped step: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

APPLICATION_ID = 0x534C5452
"""``PRAGMA application_id`` of every event file ("SLTR")."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One forward step of the schema.

    Attributes:
        version: the schema version the file has after this step.
        summary: what the step adds, for the changelog and ``slotrace journal --info``.
        statements: SQL run in order inside the migration transaction.
        refuse_if: a query run first in the same transaction: a row it returns is a message
            saying which row of the older file cannot be carried over and why; the migration
            stops there and the file is left unchanged.
    """

    version: int
    summary: str
    statements: tuple[str, ...]
    refuse_if: str = ""


V1 = Migration(
    version=1,
    summary="event definition, entries, verdicts, stages, heats, journal, stewards' log, "
    "result snapshots",
    statements=(
        """CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE event (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            name       TEXT NOT NULL,
            definition TEXT NOT NULL,          -- JSON of the rules' Event model
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE entries (
            entry_no    INTEGER PRIMARY KEY,   -- stable identity (order of entry)
            race_number INTEGER UNIQUE,        -- painted on the car; NULL until assigned
            data        TEXT NOT NULL          -- JSON of the rules' Entry model
        )""",
        """CREATE TABLE verdicts (
            id         INTEGER PRIMARY KEY,
            entry_no   INTEGER NOT NULL REFERENCES entries(entry_no) ON DELETE CASCADE,
            code       TEXT NOT NULL,
            severity   TEXT NOT NULL,
            reason     TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        )""",
        "CREATE INDEX verdicts_by_entry ON verdicts(entry_no)",
        """CREATE TABLE stages (
            number     INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            definition TEXT NOT NULL           -- JSON of the rules' Stage / Trial model
        )""",
        """CREATE TABLE heats (
            id          INTEGER PRIMARY KEY,
            stage       INTEGER REFERENCES stages(number),
            name        TEXT NOT NULL,
            config      TEXT NOT NULL,         -- JSON of the engine's SessionConfig
            cars        TEXT NOT NULL,         -- JSON {"controller address": entry_no}
            status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'aborted')),
            started_at  TEXT NOT NULL,
            finished_at TEXT
        )""",
        """CREATE TABLE journal (
            seq     INTEGER PRIMARY KEY,       -- global, increasing, never reused
            heat    INTEGER NOT NULL REFERENCES heats(id),
            wall_ms INTEGER NOT NULL,          -- wall clock of the writer, ms since 1970
            type    TEXT NOT NULL,             -- record type, e.g. CarPassed, TimePenalty
            payload TEXT NOT NULL              -- the JSON record
        )""",
        "CREATE INDEX journal_by_heat ON journal(heat, seq)",
        # every race-control command (flags, start, penalties), written with its journal row
        """CREATE TABLE stewards_log (
            seq     INTEGER PRIMARY KEY REFERENCES journal(seq),
            heat    INTEGER NOT NULL REFERENCES heats(id),
            wall_ms INTEGER NOT NULL,
            action  TEXT NOT NULL,
            car     INTEGER,
            reason  TEXT NOT NULL,
            author  TEXT NOT NULL
        )""",
        """CREATE TABLE result_snapshots (
            id         INTEGER PRIMARY KEY,
            heat       INTEGER NOT NULL REFERENCES heats(id),
            upto_seq   INTEGER NOT NULL,       -- journal seq the snapshot was folded up to
            created_at TEXT NOT NULL,
            standings  TEXT NOT NULL           -- JSON list of standings rows
        )""",
    ),
)

V2 = Migration(
    version=2,
    summary="heat resumes (device epoch carried over) and the planned heat (rules Heat)",
    statements=(
        """CREATE TABLE heat_resumes (
            id           INTEGER PRIMARY KEY,
            heat         INTEGER NOT NULL REFERENCES heats(id),
            resumed_at   TEXT NOT NULL,
            after_seq    INTEGER NOT NULL,     -- last journal seq before the resume
            epoch_offset INTEGER NOT NULL      -- added to driver epochs from here on
        )""",
        "ALTER TABLE heats ADD COLUMN epoch_offset INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE heats ADD COLUMN plan TEXT",  # JSON of the rules' Heat (slots), if any
    ),
)

V3 = Migration(
    version=3,
    summary="the saved heat plan: planned heats (rules Heat, session config) and the heat "
    "that ran each",
    statements=(
        """CREATE TABLE planned_heats (
            number INTEGER PRIMARY KEY,        -- heat number in the plan (rules Heat.number)
            leg    INTEGER NOT NULL,           -- index into the event's legs
            stage  INTEGER REFERENCES stages(number),
            name   TEXT NOT NULL,
            plan   TEXT NOT NULL,              -- JSON of the rules' Heat (slots, re-codes)
            config TEXT NOT NULL,              -- JSON of the engine's SessionConfig
            heat   INTEGER REFERENCES heats(id) -- the latest heat that ran it; NULL = waiting
        )""",
    ),
)

V4 = Migration(
    version=4,
    summary="stewards' decisions on entries (withdraw, reinstate, non-starter, car swap) and "
    "on heats (void, reopen), each with a reason and an author; result snapshots dropped "
    "(nothing read them: results are always replayed from the journal)",
    statements=(
        """CREATE TABLE entry_decisions (
            id         INTEGER PRIMARY KEY,    -- order of the decisions
            entry_no   INTEGER NOT NULL REFERENCES entries(entry_no),
            action     TEXT NOT NULL,          -- slotrace.store.decisions.EntryAction
            leg        INTEGER,                -- for a non-starter: the leg (None: the event)
            detail     TEXT NOT NULL,          -- JSON: e.g. the old and new car of a swap
            reason     TEXT NOT NULL,
            author     TEXT NOT NULL,
            decided_at TEXT NOT NULL
        )""",
        "CREATE INDEX entry_decisions_by_entry ON entry_decisions(entry_no, id)",
        """CREATE TABLE heat_decisions (
            id         INTEGER PRIMARY KEY,
            heat       INTEGER NOT NULL REFERENCES heats(id),
            action     TEXT NOT NULL,          -- slotrace.store.decisions.HeatAction
            reason     TEXT NOT NULL,
            author     TEXT NOT NULL,
            decided_at TEXT NOT NULL
        )""",
        "DROP TABLE result_snapshots",
    ),
)

V5 = Migration(
    version=5,
    summary="the charity ledger (auctions, donations, buckets on the day and their revocations) "
    "in its own table; the records kept until now as meta rows 'charity/NNNNNN' move into it "
    "with their ids, the amounts as whole cents",
    statements=(
        """CREATE TABLE charity_records (
            id           INTEGER PRIMARY KEY,  -- order of the records, never reused
            action       TEXT NOT NULL CHECK (action IN ('add', 'revoke')),
            kind         TEXT CHECK (kind IN ('auction', 'donation', 'bucket')),
            amount_cents INTEGER CHECK (amount_cents > 0),  -- exact money: 12.50 is 1250
            who          TEXT,                 -- the bidder, donor or bucket
            note         TEXT NOT NULL DEFAULT '',
            revokes      INTEGER REFERENCES charity_records(id),
            reason       TEXT NOT NULL DEFAULT '',
            author       TEXT NOT NULL,        -- who recorded it
            recorded_at  TEXT NOT NULL,        -- ISO 8601 UTC, from the recorder's clock
            CHECK (action = 'add' AND kind IS NOT NULL AND amount_cents IS NOT NULL
                       AND who IS NOT NULL AND revokes IS NULL
                   OR action = 'revoke' AND revokes IS NOT NULL AND kind IS NULL
                       AND amount_cents IS NULL AND reason <> '')
        )""",
        # the V4 ledger: one JSON meta row per record (see slotrace.store.charity)
        """INSERT INTO charity_records (id, action, kind, amount_cents, who, note, revokes,
                                        reason, author, recorded_at)
           SELECT CAST(substr(key, 9) AS INTEGER),
                  json_extract(value, '$.action'),
                  json_extract(value, '$.kind'),
                  CAST(round(json_extract(value, '$.amount') * 100) AS INTEGER),
                  json_extract(value, '$.who'),
                  COALESCE(json_extract(value, '$.note'), ''),
                  json_extract(value, '$.revokes'),
                  COALESCE(json_extract(value, '$.reason'), ''),
                  json_extract(value, '$.author'),
                  json_extract(value, '$.recorded_at')
           FROM meta WHERE key LIKE 'charity/%' ORDER BY key""",
        "DELETE FROM meta WHERE key LIKE 'charity/%'",
    ),
    refuse_if="""SELECT printf('meta row %s of the schema-4 charity ledger cannot move into the '
                         || 'charity_records table: %s (the row: %s). Nothing was changed; '
                         || 'correct or delete that row, then open the file again', key,
                         problem, value)
        FROM (SELECT key, value, CASE
            WHEN NOT json_valid(value) THEN 'it is not JSON'
            WHEN substr(key, 9) NOT GLOB '[0-9]*' OR substr(key, 9) GLOB '*[^0-9]*'
                THEN 'its key must be charity/ and the record number'
            WHEN json_extract(value, '$.action') NOT IN ('add', 'revoke')
                OR json_extract(value, '$.action') IS NULL
                THEN 'action must be add or revoke'
            WHEN json_extract(value, '$.author') IS NULL THEN 'author is missing'
            WHEN json_extract(value, '$.recorded_at') IS NULL THEN 'recorded_at is missing'
            WHEN json_extract(value, '$.action') = 'add'
                 AND (json_extract(value, '$.kind') NOT IN ('auction', 'donation', 'bucket')
                      OR json_extract(value, '$.kind') IS NULL)
                THEN 'kind must be auction, donation or bucket'
            WHEN json_extract(value, '$.action') = 'add'
                 AND (json_type(value, '$.amount') NOT IN ('integer', 'real')
                      OR json_type(value, '$.amount') IS NULL
                      OR round(json_extract(value, '$.amount') * 100) < 1)
                THEN 'amount must be a number of at least 0.01'
            WHEN json_extract(value, '$.action') = 'add' AND json_extract(value, '$.who') IS NULL
                THEN 'who is missing'
            WHEN json_extract(value, '$.action') = 'revoke'
                 AND (json_type(value, '$.revokes') IS NOT 'integer'
                      OR printf('charity/%06d', json_extract(value, '$.revokes'))
                         NOT IN (SELECT earlier.key FROM meta AS earlier
                                 WHERE earlier.key LIKE 'charity/%' AND earlier.key < ledger.key))
                THEN 'revokes must name an earlier record'
            WHEN json_extract(value, '$.action') = 'revoke'
                 AND COALESCE(json_extract(value, '$.reason'), '') = ''
                THEN 'a revocation needs a reason'
            END AS problem
            FROM meta AS ledger WHERE key LIKE 'charity/%' ORDER BY key)
        WHERE problem IS NOT NULL LIMIT 1""",
)

MIGRATIONS: tuple[Migration, ...] = (V1, V2, V3, V4, V5)
SCHEMA_VERSION = MIGRATIONS[-1].version

OLDEST_READABLE = 4
"""The oldest schema a read-only open accepts as it is (a reader never migrates): version 5
only moved the charity ledger, which `slotrace.store.charity` still reads from a version-4
file's meta rows. Older files must be opened for writing once."""


def migrate(conn: sqlite3.Connection, from_version: int, to_version: int = SCHEMA_VERSION) -> None:
    """Run the steps after ``from_version`` up to ``to_version`` in one transaction.

    The connection must be in autocommit mode (``isolation_level=None``). On any error the
    transaction is rolled back and the error propagates; the file is left unchanged.
    """
    steps: Sequence[Migration] = [m for m in MIGRATIONS if from_version < m.version <= to_version]
    if not steps:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in steps:
            if step.refuse_if:
                refused = conn.execute(step.refuse_if).fetchone()
                if refused is not None:
                    raise sqlite3.IntegrityError(f"cannot upgrade to schema {step.version}: "
                                                 f"{refused[0]}")
            for statement in step.statements:
                conn.execute(statement)
        if from_version == 0:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {steps[-1].version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
