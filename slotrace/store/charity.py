"""Provides the charity ledger of an event file: auctions, donations and bucket money on the day.

Every record says how much, from whom, what for, who recorded it and when; records are never
changed or deleted: a mistake is revoked by a later record that names it and gives a reason,
and both stay listed. `day_money` turns the ledger into the rules' `DayMoney` values that the
classification's charity totals count (`slotrace.rules.charity`).

Storage: the schema has no charity table yet, so the ledger is kept append-only in the event
file's ``meta`` table, one JSON row per record under the key ``charity/NNNNNN`` (the record
id, increasing, never reused). A dedicated ``charity_records`` table would be a new schema
migration (see the module docstring of `slotrace.store.schema`); the JSON rows carry exactly
its columns, so such a migration can copy them over.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slotrace.rules.charity import DayMoney, MoneyKind
from slotrace.store.errors import EventFileError

if TYPE_CHECKING:
    from slotrace.store.eventfile import EventFile

KEY_PREFIX = "charity/"
Clock = Callable[[], datetime]


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


def _append(event_file: EventFile, doing: str, record: dict) -> int:
    """Store ``record`` under the next id in one transaction; returns the id."""
    rowid = event_file._write(doing, [(
        "INSERT INTO meta (key, value) "
        "SELECT printf('charity/%06d', n), json_set(?, '$.id', n) FROM ("
        " SELECT COALESCE(MAX(CAST(substr(key, ?) AS INTEGER)), 0) + 1 AS n"
        " FROM meta WHERE key LIKE 'charity/%')",
        (json.dumps(record), len(KEY_PREFIX) + 1),
    )])
    rows = event_file._query(doing, "SELECT value FROM meta WHERE rowid = ?", (rowid,))
    return int(json.loads(rows[0][0])["id"])


def _rows(event_file: EventFile) -> list[dict]:
    rows = event_file._query("reading the charity ledger",
                             "SELECT value FROM meta WHERE key LIKE 'charity/%' ORDER BY key")
    return [json.loads(r[0]) for r in rows]


def amount_problem(text: str | float) -> tuple[float, str]:
    """An amount of money as typed ('150', '12.50', '12,50') and what is wrong with it ('')."""
    try:
        value = float(text.strip().replace(",", ".")) if isinstance(text, str) else float(text)
    except ValueError:
        return 0.0, f"amount {text!r} is not a number like 150 or 12.50"
    if not math.isfinite(value) or value <= 0:
        return 0.0, f"amount {text!r} must be more than 0"
    if round(value, 2) != value:
        return 0.0, f"amount {text!r} has more than 2 decimals"
    return value, ""


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
    value, problem = amount_problem(amount)
    if problem:
        raise CharityRecordError(path, f"{problem} (nothing recorded)")
    if not who.strip():
        raise CharityRecordError(path, f"a {kind} needs --who (the bidder, donor or bucket)")
    if not author.strip():
        raise CharityRecordError(path, "a charity record needs an author")
    record = {"action": "add", "kind": str(kind), "amount": value, "who": who.strip(),
              "note": note.strip(), "author": author.strip(), "recorded_at": _stamp(clock)}
    new_id = _append(event_file, f"recording a {kind} of {value:.2f}", record)
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
            for r in _rows(event_file) if r.get("action") == "revoke"]


def day_money(event_file: EventFile) -> list[DayMoney]:
    """Every record of money raised on the day, in order, revoked ones marked (not counted)."""
    rows = _rows(event_file)
    revoked = {r["revokes"]: r for r in rows if r.get("action") == "revoke"}
    out = []
    for r in rows:
        if r.get("action") != "add":
            continue
        undo = revoked.get(r["id"], {})
        out.append(DayMoney(
            id=r["id"], kind=MoneyKind(r["kind"]), amount=float(r["amount"]), who=r["who"],
            note=r.get("note", ""), author=r["author"], recorded_at=r["recorded_at"],
            revoked_reason=undo.get("reason", ""), revoked_by=undo.get("author", ""),
            revoked_at=undo.get("recorded_at", ""),
        ))
    return out
