"""Provides the event file's contents other than heats: event, entries, verdicts, stages.

`EventContents` is the base of `slotrace.store.eventfile.EventFile`; it holds the
connection helpers (one transaction per write, errors naming the file) and the accessors
for what organisers prepare before racing and what is kept after it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from slotrace.rules.model import Entry, Event
from slotrace.store.connection import sqlite_errors
from slotrace.store.errors import EventFileError, ReadOnlyEventFileError

VERDICT_KEYS = ("entry_no", "code", "severity", "reason", "decided_by", "decided_at")


def _json_data(value: Any) -> Any:
    """JSON-ready data of a pydantic model (``model_dump(mode="json")``) or plain data."""
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    return value


def _first_problem(exc: ValidationError) -> str:
    """'car.displacement_cc: Input should be greater than 0' (and how many more)."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "the record"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EventContents:
    """Accessors shared by every open event file (see `EventFile`)."""

    _conn: sqlite3.Connection
    path: Path
    read_only: bool

    if TYPE_CHECKING:

        def refuse_replacing_entries(self) -> None: ...  # slotrace.store.decisions

    def _writable(self, doing: str) -> None:
        if self.read_only:
            raise ReadOnlyEventFileError(self.path, f"opened read-only; cannot write ({doing})")

    def _query(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with sqlite_errors(self.path, doing):
            return self._conn.execute(sql, params).fetchall()

    def _write(self, doing: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> int:
        """Run statements in one transaction (all or nothing); returns the last row id."""
        self._writable(doing)
        last = 0
        with sqlite_errors(self.path, doing):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    last = int(self._conn.execute(sql, params).lastrowid or 0)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return last

    # -- event -------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return self._query("reading the schema version", "PRAGMA user_version")[0][0]

    @property
    def name(self) -> str:
        return self._query("reading the event", "SELECT name FROM event WHERE id = 1")[0][0]

    def event_definition(self) -> dict[str, Any]:
        """The event definition as JSON data (``slotrace.rules.model.Event`` validates it)."""
        rows = self._query("reading the event", "SELECT definition FROM event WHERE id = 1")
        return json.loads(rows[0][0])

    def event_model(self) -> Event | None:
        """The event definition as the rules' validated `Event` (None for a file made without
        a template). `EventFileError` naming the field if the stored copy is not valid."""
        definition = self.event_definition()
        if not definition:
            return None
        try:
            return Event.model_validate(definition)
        except ValidationError as exc:
            raise EventFileError(self.path, "the stored event definition is not valid: "
                                 f"{_first_problem(exc)}") from None

    # -- entries and verdicts ----------------------------------------------------------

    def entry_models(self) -> list[Entry]:
        """Entries as the rules' validated `Entry` models, by entry_no. `EventFileError`
        naming the entry and field if a stored entry is not valid (a file edited by hand)."""
        models = []
        for data in self.entries():
            try:
                models.append(Entry.model_validate(data))
            except ValidationError as exc:
                raise EventFileError(
                    self.path, f"stored entry {data.get('entry_no', '?')} is not valid: "
                    f"{_first_problem(exc)}") from None
        return models

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Replace the entry list (rules Entry models or their data); all or nothing.

        Refused (`EntriesLockedError`) once anything is recorded (heats, verdicts, a heat
        plan, decisions): use `add_entries`, `update_entries` and `decide_entry` then.

        Each entry needs a unique integer ``entry_no``; ``race_number`` may be missing (None)
        until the start list assigns it, but two entries never share one.
        """
        self.refuse_replacing_entries()
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM entries", ())]
        seen_entry: set[int] = set()
        seen_number: set[int] = set()
        for row, entry in enumerate(entries, start=1):
            data = _json_data(entry)
            entry_no = data.get("entry_no") if isinstance(data, dict) else None
            if not isinstance(entry_no, int) or isinstance(entry_no, bool):
                raise EventFileError(self.path, f"entry {row}: no integer entry_no ({entry!r})")
            if entry_no in seen_entry:
                raise EventFileError(self.path, f"entry {row}: entry_no {entry_no} given twice")
            number = data.get("race_number")
            if number is not None and number in seen_number:
                raise EventFileError(self.path, f"entry {row}: race number {number} given twice")
            seen_entry.add(entry_no)
            if number is not None:
                seen_number.add(number)
            statements.append(
                (
                    "INSERT INTO entries (entry_no, race_number, data) VALUES (?, ?, ?)",
                    (entry_no, number, json.dumps(data)),
                )
            )
        self._write("saving entries", statements)

    def set_race_numbers(self, numbers: Mapping[int, int | None]) -> None:
        """Give entries their race numbers (entry_no -> number); all or nothing.

        Unlike `set_entries` this keeps everything else, including recorded verdicts.
        Raises `EventFileError` for an unknown entry or a number two entries would share.
        """
        current = {e["entry_no"]: e.get("race_number") for e in self.entries()}
        unknown = sorted(set(numbers) - set(current))
        if unknown:
            raise EventFileError(self.path, f"no entries {unknown} to number")
        final = {**current, **numbers}
        holders: dict[int, int] = {}
        for entry_no, number in sorted(final.items()):
            if number is None:
                continue
            if number in holders:
                raise EventFileError(
                    self.path,
                    f"race number {number} would be given to both entry {holders[number]} "
                    f"and entry {entry_no}",
                )
            holders[number] = entry_no
        statements: list[tuple[str, Sequence[Any]]] = [
            ("UPDATE entries SET race_number = NULL WHERE entry_no = ?", (n,)) for n in numbers
        ]
        statements += [
            (
                "UPDATE entries SET race_number = ?,"
                " data = json_set(data, '$.race_number', ?) WHERE entry_no = ?",
                (number, number, entry_no),
            )
            for entry_no, number in numbers.items()
        ]
        self._write("saving race numbers", statements)

    def entries(self) -> list[dict[str, Any]]:
        """Entries as JSON data, by entry_no (``slotrace.rules.model.Entry`` validates them)."""
        rows = self._query("reading entries", "SELECT data FROM entries ORDER BY entry_no")
        return [json.loads(r[0]) for r in rows]

    def add_verdict(
        self, entry_no: int, code: str, severity: str, reason: str, decided_by: str
    ) -> None:
        """Record a scrutineering verdict for an entry."""
        self._write(
            "saving a verdict",
            [
                (
                    f"INSERT INTO verdicts ({', '.join(VERDICT_KEYS)}) VALUES (?, ?, ?, ?, ?, ?)",
                    (entry_no, code, severity, reason, decided_by, _now()),
                )
            ],
        )

    def verdicts(self, entry_no: int | None = None) -> list[dict[str, Any]]:
        """Verdicts in the order given (of one entry, if given)."""
        sql = f"SELECT {', '.join(VERDICT_KEYS)} FROM verdicts"
        params: tuple[Any, ...] = ()
        if entry_no is not None:
            sql, params = sql + " WHERE entry_no = ?", (entry_no,)
        rows = self._query("reading verdicts", sql + " ORDER BY id", params)
        return [dict(zip(VERDICT_KEYS, r, strict=True)) for r in rows]

    # -- stages ------------------------------------------------------------------------

    def set_stage(self, number: int, name: str, definition: Any = None) -> None:
        """Add or replace stage ``number`` (definition: the rules' Leg model or data)."""
        self._write(
            "saving a stage",
            [
                (
                    "INSERT INTO stages (number, name, definition) VALUES (?, ?, ?)"
                    " ON CONFLICT(number)"
                    " DO UPDATE SET name = excluded.name, definition = excluded.definition",
                    (number, name, json.dumps(_json_data(definition) or {})),
                )
            ],
        )

    def stages(self) -> list[dict[str, Any]]:
        rows = self._query(
            "reading stages", "SELECT number, name, definition FROM stages ORDER BY number"
        )
        return [{"number": n, "name": name, "definition": json.loads(d)} for n, name, d in rows]

    def quick_check(self) -> None:
        """Run SQLite's ``quick_check``; raises `CorruptEventFileError` if the file is damaged."""
        from slotrace.store.errors import CorruptEventFileError

        result = self._query("checking the file", "PRAGMA quick_check")
        if result != [("ok",)]:
            problems = "; ".join(str(r[0]) for r in result[:3])
            raise CorruptEventFileError(self.path, f"is damaged: {problems}")
