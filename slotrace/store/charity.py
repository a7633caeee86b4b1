"""Provides the charity ledger of an event file: auctions, donations and bucket money on the day.

Every record says how much, from whom, what for, who recorded it and when; records are never
changed or deleted: a mistake is revoked by a later record that names it and gives a reason,
and both stay listed. `day_money` turns the ledger into the rules' `DayMoney` values that the
classification's charity totals count (`slotrace.rules.charity`); every reader (results,
exports, the board) goes through it.

Storage: the ``charity_records`` table (schema 5), amounts in whole cents so that no sum is
ever off by a rounding. Version-4 files kept the ledger as JSON rows ``charity/NNNNNN`` in the
``meta`` table; a writable open moves them into the table (`slotrace.store.schema.V5`), and a
read-only open of a version-4 file (a reader never migrates) reads those rows as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from slotrace.rules.charity import DayMoney, MoneyKind
from slotrace.store.connection import sqlite_errors
from slotrace.store.errors import EventFileError

if TYPE_CHECKING:
    from slotrace.store.eventfile import EventFile

TABLE_SINCE = 5
"""The schema version that holds the ledger in ``charity_records`` (before: meta rows)."""
V4_KEY_PREFIX = "charity/"
"""The meta keys of a version-4 file's ledger, ``charity/NNNNNN`` (the record id)."""
MAX_AMOUNT = 1_000_000_000
"""The largest amount one record takes (far above any day's money; stops a typing slip)."""
Clock = Callable[[], datetime]

_COLUMNS = "id, action, kind, amount_cents, who, note, revokes, reason, author, recorded_at"


class CharityRecordError(EventFileError):
    """A charity record was refused (bad amount, no name, unknown or already revoked id)."""


@dataclass(frozen=True, slots=True)
class Revocation:
    """A record that takes back an earlier one (which stays listed, not counted)."""

    id: int
    revokes: int
    reason: str
    author: str
    recorded_at: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(clock: Clock) -> str:
    return clock().astimezone(UTC).isoformat(timespec="seconds")


def _append(event_file: EventFile, doing: str, record: dict[str, Any]) -> int:
    """Store ``record`` (columns of ``charity_records``) in one transaction; returns its id."""
    columns = ", ".join(record)
    marks = ", ".join("?" for _ in record)
    return event_file._write(doing, [(
        f"INSERT INTO charity_records ({columns}) VALUES ({marks})", tuple(record.values()),
    )])


def _v4_row(event_file: EventFile, key: str, value: str) -> dict[str, Any]:
    """A version-4 meta row's JSON as a ``charity_records`` row."""
    try:
        data = json.loads(value)
        amount = data.get("amount")
        return {
            "id": int(key.removeprefix(V4_KEY_PREFIX)), "action": data["action"],
            "kind": data.get("kind"),
            "amount_cents": None if amount is None else round(float(amount) * 100),
            "who": data.get("who"), "note": data.get("note", ""), "revokes": data.get("revokes"),
            "reason": data.get("reason", ""), "author": data["author"],
            "recorded_at": data["recorded_at"],
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EventFileError(event_file.path, f"meta row {key} of the charity ledger is not a "
                             f"valid record ({type(exc).__name__}: {exc}): {value}") from exc


def _rows(event_file: EventFile) -> list[dict[str, Any]]:
    """Every record in id order, from the table, or from the meta rows of a version-4 file.

    The version and the rows are read in one read transaction, so a reader whose file is
    migrated by a writer meanwhile sees either the old rows or the new table, never neither.
    """
    conn = event_file._conn
    with sqlite_errors(event_file.path, "reading the charity ledger"):
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= TABLE_SINCE:
                names = _COLUMNS.split(", ")
                found = conn.execute(f"SELECT {_COLUMNS} FROM charity_records ORDER BY id")
                return [dict(zip(names, row, strict=True)) for row in found.fetchall()]
            found = conn.execute(
                "SELECT key, value FROM meta WHERE key LIKE 'charity/%' ORDER BY key")
            return [_v4_row(event_file, key, value) for key, value in found.fetchall()]
        finally:
            if own:
                conn.execute("COMMIT")


def amount_cents(text: str | float) -> tuple[int, str]:
    """An amount of money as typed ('150', '12.50', '12,50') in cents, and what is wrong ('')."""
    typed = text.strip().replace(",", ".") if isinstance(text, str) else repr(float(text))
    try:
        value = Decimal(typed)
    except InvalidOperation:
        return 0, f"amount {text!r} is not a number like 150 or 12.50"
    if not value.is_finite() or value <= 0:
        return 0, f"amount {text!r} must be more than 0"
    if value > MAX_AMOUNT:
        return 0, f"amount {text!r} is more than {MAX_AMOUNT:,} (a typing slip?)"
    cents = value * 100
    if cents != cents.to_integral_value():
        return 0, f"amount {text!r} has more than 2 decimals"
    return int(cents), ""


def amount_problem(text: str | float) -> tuple[float, str]:
    """An amount of money as typed ('150', '12.50', '12,50') and what is wrong with it ('')."""
    cents, problem = amount_cents(text)
    return cents / 100, problem


def add_money(event_file: EventFile, kind: MoneyKind | str, amount: str | float, *, who: str,
              author: str, note: str = "", clock: Clock = _utc_now) -> DayMoney:
    """Record money raised on the day (an auction's winning bid, a donation, a bucket).

    Args:
        who: the bidder or donor (for a bucket: who counted it, or where it stood).
        author: who records it (shown in the ledger).
        clock: when (default: the wall clock; tests pass a fixed one).
    """
    path = event_file.path
    try:
        kind = MoneyKind(kind)
    except ValueError:
        raise CharityRecordError(path, f"kind {kind!r} is not one of "
                                 + ", ".join(k.value for k in MoneyKind)) from None
    cents, problem = amount_cents(amount)
    if problem:
        raise CharityRecordError(path, f"{problem} (nothing recorded)")
    if not who.strip():
        raise CharityRecordError(path, f"a {kind} needs --who (the bidder, donor or bucket)")
    if not author.strip():
        raise CharityRecordError(path, "a charity record needs an author")
    record = {"action": "add", "kind": str(kind), "amount_cents": cents, "who": who.strip(),
              "note": note.strip(), "author": author.strip(), "recorded_at": _stamp(clock)}
    new_id = _append(event_file, f"recording a {kind} of {cents / 100:.2f}", record)
    return next(m for m in day_money(event_file) if m.id == new_id)


def revoke_money(event_file: EventFile, record_id: int, *, reason: str, author: str,
                 clock: Clock = _utc_now) -> Revocation:
    """Take back record ``record_id`` (it stays listed with the reason, no longer counted)."""
    path = event_file.path
    if not reason.strip():
        raise CharityRecordError(path, f"revoking record {record_id} needs a reason")
    if not author.strip():
        raise CharityRecordError(path, "a charity record needs an author")
    records = {m.id: m for m in day_money(event_file)}
    if record_id not in records:
        known = ", ".join(str(i) for i in records) or "none yet"
        raise CharityRecordError(
            path, f"there is no charity record {record_id} to revoke (records: {known})")
    target = records[record_id]
    if not target.counted:
        raise CharityRecordError(path, f"record {record_id} was already revoked "
                                 f"({target.revoked_reason}, by {target.revoked_by})")
    record = {"action": "revoke", "revokes": record_id, "reason": reason.strip(),
              "author": author.strip(), "recorded_at": _stamp(clock)}
    new_id = _append(event_file, f"revoking charity record {record_id}", record)
    return next(r for r in revocations(event_file) if r.id == new_id)


def revocations(event_file: EventFile) -> list[Revocation]:
    """Every revocation in the order recorded."""
    return [Revocation(r["id"], r["revokes"], r["reason"], r["author"], r["recorded_at"])
            for r in _rows(event_file) if r["action"] == "revoke"]


def day_money(event_file: EventFile) -> list[DayMoney]:
    """Every record of money raised on the day, in order, revoked ones marked (not counted)."""
    rows = _rows(event_file)
    revoked = {r["revokes"]: r for r in rows if r["action"] == "revoke"}
    out = []
    for r in rows:
        if r["action"] != "add":
            continue
        undo = revoked.get(r["id"], {})
        out.append(DayMoney(
            id=r["id"], kind=MoneyKind(r["kind"]), amount=r["amount_cents"] / 100, who=r["who"],
            note=r["note"], author=r["author"], recorded_at=r["recorded_at"],
            revoked_reason=undo.get("reason", ""), revoked_by=undo.get("author", ""),
            revoked_at=undo.get("recorded_at", ""),
        ))
    return out


@dataclass(frozen=True, slots=True)
class DayRaised:
    """The money raised on the day that counts (revoked records left out), summed exactly."""

    auctions: float
    donations: float
    buckets: float
    records: int
    """How many records count."""

    @property
    def total(self) -> float:
        return round(self.auctions + self.donations + self.buckets, 2)


def raised_on_the_day(event_file: EventFile) -> DayRaised:
    """The day's auctions, donations and buckets that count (the classification adds fees,
    pledges and the template's auctions to them: `slotrace.rules.charity.charity_totals`)."""
    counted = [m for m in day_money(event_file) if m.counted]

    def cents(kind: MoneyKind) -> int:
        return sum(round(m.amount * 100) for m in counted if m.kind is kind)

    return DayRaised(auctions=cents(MoneyKind.AUCTION) / 100,
                     donations=cents(MoneyKind.DONATION) / 100,
                     buckets=cents(MoneyKind.BUCKET) / 100, records=len(counted))


def raised_line(raised: DayRaised) -> str:
    """'Raised on the day: 270.90 (auctions 150.00 · donations 37.50 · buckets 83.40)'."""
    return (f"Raised on the day: {raised.total:,.2f} (auctions {raised.auctions:,.2f} · "
            f"donations {raised.donations:,.2f} · buckets {raised.buckets:,.2f})")
