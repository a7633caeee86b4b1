"""Provides the stewards' decisions on entries and heats, and entry changes once racing began.

`EventDecisions` is a base of `slotrace.store.eventfile.EventFile`. Once anything is
recorded (a heat, a verdict, a saved heat plan, a decision) the entry list is no longer
replaced: `add_entries` takes late entries (numbered after the highest entry_no),
`update_entries` changes entries in place (number and verdicts kept), and withdrawals,
reinstatements, non-starters (DNS) and car swaps are journaled decisions with a reason and an
author (`decide_entry`). Heats are voided (to be re-run) or reopened (to be corrected) with
`void_heat` / `reopen_heat`; nothing is deleted, every decision stays listed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slotrace.store.contents import _json_data, _now
from slotrace.store.errors import EventFileError, UnknownHeatError


def _decided_at(previous: str | None) -> str:
    """When a decision is made: UTC, ISO 8601 to the millisecond, and always after
    ``previous`` (the latest decision's time), so `EventDecisions.decision_log` keeps
    decisions on entries and heats in the order made even within one millisecond or when
    the computer's clock was set back."""
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored
    try:
        last = datetime.fromisoformat(previous) if previous else None
    except ValueError:
        last = None
    if last is not None and now <= last:
        now = last + timedelta(milliseconds=1)
    return now.isoformat(timespec="milliseconds")


class EntryAction(StrEnum):
    """What the stewards decided about an entry."""

    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"
    DNS = "dns"  # did not start: the whole event, or one leg
    CAR_SWAP = "car_swap"


class HeatAction(StrEnum):
    """What the stewards decided about a heat."""

    VOID = "void"  # the heat does not count; its planned heat runs again
    REOPEN = "reopen"  # a finished heat runs again (resume it) to be corrected


class EntriesLockedError(EventFileError):
    """The entry list cannot be replaced: racing has begun (use add, update or decisions)."""


@dataclass(frozen=True, slots=True)
class EntryDecision:
    """One decision on an entry, as recorded."""

    id: int
    entry_no: int
    action: EntryAction
    leg: int | None
    detail: dict[str, Any]
    reason: str
    author: str
    decided_at: str


@dataclass(frozen=True, slots=True)
class HeatDecision:
    """One decision on a heat, as recorded."""

    id: int
    heat: int
    action: HeatAction
    reason: str
    author: str
    decided_at: str


@dataclass(frozen=True, slots=True)
class LoggedDecision:
    """One line of the stewards' log of the whole event (`EventDecisions.decision_log`).

    Attributes:
        id: the decision's number among the decisions of its kind.
        kind: "entry" or "heat".
        subject: the entry_no or the heat id the decision is about.
        leg: a non-starter's leg (0-based), None otherwise.
        detail: e.g. the old and new car of a swap.
    """

    id: int
    kind: str
    subject: int
    action: str
    reason: str
    author: str
    decided_at: str
    leg: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntryStanding:
    """Where an entry stands after all decisions (what the heat plan respects).

    Attributes:
        withdrawn: withdrawn (or a non-starter for the whole event) and not reinstated.
        dns_legs: leg indexes (0-based, as the rules' Heat.leg) it does not start.
    """

    entry_no: int
    withdrawn: bool = False
    dns_legs: frozenset[int] = field(default_factory=frozenset)

    def starts_in(self, leg: int) -> bool:
        return not self.withdrawn and leg not in self.dns_legs


class EventDecisions:
    """Entry changes after racing began and the stewards' decisions (a base of `EventFile`)."""

    _conn: sqlite3.Connection
    path: Path

    if TYPE_CHECKING:  # provided by EventContents / EventFile

        def _query(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def _write(self, doing: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> int: ...
        def entries(self) -> list[dict[str, Any]]: ...
        def heat(self, heat_id: int) -> Any: ...

    # -- what is recorded ----------------------------------------------------------------

    def recorded(self) -> list[str]:
        """What the file already records beyond the entry list (empty: nothing yet)."""
        found = []
        for table, what in (("heats", "heats"), ("verdicts", "scrutineering verdicts"),
                            ("planned_heats", "a saved heat plan"),
                            ("entry_decisions", "stewards' decisions")):
            count = self._query("reading the file", f"SELECT count(*) FROM {table}")[0][0]
            if count:
                found.append(f"{count} {what}" if what != "a saved heat plan" else what)
        return found

    def refuse_replacing_entries(self) -> None:
        """Raise `EntriesLockedError` if replacing the entry list would lose recorded work."""
        recorded = self.recorded()
        if recorded:
            raise EntriesLockedError(
                self.path,
                f"already records {', '.join(recorded)}; replacing the entry list now would "
                "detach them from their entries. Add late entries with `slotrace entries "
                "import FILE late.csv --add`, change entries with `--update`, and withdraw "
                "or swap cars with `slotrace entries withdraw|dns|swap-car` (nothing changed)",
            )

    # -- entries after racing began --------------------------------------------------------

    def add_entries(self, entries: Sequence[Any]) -> list[int]:
        """Add late entries, numbered after the highest entry_no; returns their entry_nos.

        An entry_no given in the data is ignored (the file numbers them); a race number
        another entry already has is refused. All or nothing.
        """
        current = self.entries()
        taken = {e["race_number"]: e["entry_no"] for e in current
                 if e.get("race_number") is not None}
        next_no = max((e["entry_no"] for e in current), default=0) + 1
        statements: list[tuple[str, Sequence[Any]]] = []
        numbers = []
        for row, entry in enumerate(entries, start=1):
            data = dict(_json_data(entry))
            data["entry_no"] = next_no
            number = data.get("race_number")
            if number is not None and number in taken:
                raise EventFileError(
                    self.path, f"late entry {row}: race number {number} is already entry "
                    f"{taken[number]}'s (nothing added)"
                )
            if number is not None:
                taken[number] = next_no
            statements.append((
                "INSERT INTO entries (entry_no, race_number, data) VALUES (?, ?, ?)",
                (next_no, number, json.dumps(data)),
            ))
            numbers.append(next_no)
            next_no += 1
        if statements:
            self._write("adding late entries", statements)
        return numbers

    def update_entries(self, entries: Sequence[Any]) -> list[int]:
        """Change existing entries in place (matched by entry_no); race numbers and verdicts
        stay as recorded. Unknown entry_nos are refused; all or nothing."""
        current = {e["entry_no"]: e for e in self.entries()}
        statements: list[tuple[str, Sequence[Any]]] = []
        for row, entry in enumerate(entries, start=1):
            data = dict(_json_data(entry))
            entry_no = data.get("entry_no")
            if entry_no not in current:
                raise UnknownHeatError(
                    self.path, f"entry {row}: no entry_no {entry_no!r} in this file to update "
                    "(late entries go in with --add; nothing changed)"
                )
            data["race_number"] = current[entry_no].get("race_number")
            statements.append(("UPDATE entries SET data = ? WHERE entry_no = ?",
                               (json.dumps(data), entry_no)))
        if statements:
            self._write("updating entries", statements)
        return [s[1][1] for s in statements]

    # -- decisions on entries ---------------------------------------------------------------

    def decide_entry(
        self,
        entry_no: int,
        action: EntryAction,
        *,
        reason: str,
        author: str,
        leg: int | None = None,
        car: Mapping[str, Any] | None = None,
    ) -> EntryDecision:
        """Record a decision on an entry. A car swap replaces the entry's ``car`` fields with
        ``car`` (merged over the old car, kept in the decision's detail)."""
        action = EntryAction(action)
        if not reason.strip() or not author.strip():
            raise EventFileError(self.path, "a decision needs a reason and an author")
        entries = {e["entry_no"]: e for e in self.entries()}
        if entry_no not in entries:
            raise UnknownHeatError(self.path, f"has no entry {entry_no}")
        statements: list[tuple[str, Sequence[Any]]] = []
        detail: dict[str, Any] = {}
        if action is EntryAction.CAR_SWAP:
            if not car:
                raise EventFileError(self.path, "a car swap needs the new car's fields")
            old = entries[entry_no].get("car") or {}
            new = {**old, **car}
            detail = {"old_car": old, "new_car": new}
            statements.append(("UPDATE entries SET data = json_set(data, '$.car', json(?))"
                               " WHERE entry_no = ?", (json.dumps(new), entry_no)))
        statements.append((
            "INSERT INTO entry_decisions (entry_no, action, leg, detail, reason, author,"
            " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry_no, str(action), leg, json.dumps(detail), reason, author,
             self._decision_time()),
        ))
        decision_id = self._write(f"recording a decision on entry {entry_no}", statements)
        return next(d for d in self.entry_decisions(entry_no) if d.id == decision_id)

    def entry_decisions(self, entry_no: int | None = None) -> list[EntryDecision]:
        """Decisions on entries in the order made (of one entry, if given)."""
        sql = ("SELECT id, entry_no, action, leg, detail, reason, author, decided_at"
               " FROM entry_decisions")
        params: tuple[Any, ...] = ()
        if entry_no is not None:
            sql, params = sql + " WHERE entry_no = ?", (entry_no,)
        rows = self._query("reading entry decisions", sql + " ORDER BY id", params)
        return [EntryDecision(r[0], r[1], EntryAction(r[2]), r[3], json.loads(r[4]), *r[5:])
                for r in rows]

    def entry_standings(self) -> dict[int, EntryStanding]:
        """Every entry's standing after the decisions, by entry_no (heat plan input)."""
        withdrawn: dict[int, bool] = {e["entry_no"]: False for e in self.entries()}
        dns: dict[int, set[int]] = {n: set() for n in withdrawn}
        for d in self.entry_decisions():
            if d.action is EntryAction.WITHDRAW or (d.action is EntryAction.DNS and d.leg is None):
                withdrawn[d.entry_no] = True
            elif d.action is EntryAction.REINSTATE:
                withdrawn[d.entry_no] = False
                dns[d.entry_no].clear()
            elif d.action is EntryAction.DNS and d.leg is not None:
                dns[d.entry_no].add(d.leg)
        return {n: EntryStanding(n, withdrawn[n], frozenset(dns[n])) for n in withdrawn}

    def left_out(self) -> list[Any]:
        """The withdrawals and non-starters in force, as the heat plan takes them (rules
        ``LeftOut``, for ``plan_heats(..., left_out=)``), each with the decision's reason and
        author; the same reading of the decisions as `entry_standings`."""
        from slotrace.rules.heats import LeftOut

        whole: dict[int, str] = {}
        by_leg: dict[int, dict[int, str]] = {}
        for d in self.entry_decisions():
            why = f"{d.reason} (by {d.author})"
            if d.action is EntryAction.WITHDRAW:
                whole[d.entry_no] = f"withdrawn: {why}"
            elif d.action is EntryAction.DNS and d.leg is None:
                whole[d.entry_no] = f"non-starter: {why}"
            elif d.action is EntryAction.DNS:
                by_leg.setdefault(d.entry_no, {})[d.leg] = f"non-starter in leg {d.leg + 1}: {why}"
            elif d.action is EntryAction.REINSTATE:
                whole.pop(d.entry_no, None)
                by_leg.pop(d.entry_no, None)
        out = [LeftOut(n, reason) for n, reason in whole.items()]
        out += [LeftOut(n, "; ".join(legs[k] for k in sorted(legs)), frozenset(legs))
                for n, legs in by_leg.items() if n not in whole]
        return sorted(out, key=lambda x: x.entry_no)

    def entries_not_starting(self, leg: int | None = None) -> frozenset[int]:
        """entry_nos the heat plan must leave out (of leg ``leg``, 0-based, if given)."""
        return frozenset(
            n for n, s in self.entry_standings().items()
            if s.withdrawn or (leg is not None and leg in s.dns_legs)
        )

    # -- decisions on heats -----------------------------------------------------------------

    def void_heat(self, heat_id: int, *, reason: str, author: str) -> HeatDecision:
        """Void a heat: it no longer counts (status aborted) and its planned heat may run
        again; its journal is kept."""
        heat = self.heat(heat_id)
        if str(heat.status) == "aborted" and self._voided(heat_id):
            raise EventFileError(self.path, f"heat {heat_id} is already void")
        return self._decide_heat(heat_id, HeatAction.VOID, reason, author, "aborted")

    def reopen_heat(self, heat_id: int, *, reason: str, author: str) -> HeatDecision:
        """Reopen a finished heat (status running) so race control resumes it to correct it."""
        heat = self.heat(heat_id)
        if str(heat.status) != "finished":
            raise EventFileError(self.path, f"heat {heat_id} is {heat.status}; only a finished "
                                 "heat can be reopened")
        busy = self._query("looking for a running heat",
                           "SELECT id FROM heats WHERE status = 'running' LIMIT 1")
        if busy:
            raise EventFileError(self.path, f"heat {busy[0][0]} is running; finish it before "
                                 f"reopening heat {heat_id}")
        return self._decide_heat(heat_id, HeatAction.REOPEN, reason, author, "running")

    def heat_decisions(self, heat_id: int | None = None) -> list[HeatDecision]:
        sql = "SELECT id, heat, action, reason, author, decided_at FROM heat_decisions"
        params: tuple[Any, ...] = ()
        if heat_id is not None:
            sql, params = sql + " WHERE heat = ?", (heat_id,)
        rows = self._query("reading heat decisions", sql + " ORDER BY id", params)
        return [HeatDecision(r[0], r[1], HeatAction(r[2]), *r[3:]) for r in rows]

    def _decision_time(self) -> str:
        """The time for a decision made now (see `_decided_at`; the writer lock keeps other
        writers out between reading the latest time and writing the decision)."""
        rows = self._query("reading decisions", "SELECT max(t) FROM (SELECT max(decided_at)"
                           " AS t FROM entry_decisions UNION ALL SELECT max(decided_at)"
                           " FROM heat_decisions)")
        return _decided_at(rows[0][0])

    def decision_log(self) -> list[LoggedDecision]:
        """Every decision on entries and heats in the order made (by their times, which
        always increase). Nothing is ever removed from it: a reinstatement or a reopening is
        a new line."""
        rows = [LoggedDecision(d.id, "entry", d.entry_no, str(d.action), d.reason, d.author,
                               d.decided_at, d.leg, d.detail) for d in self.entry_decisions()]
        rows += [LoggedDecision(d.id, "heat", d.heat, str(d.action), d.reason, d.author,
                                d.decided_at) for d in self.heat_decisions()]
        return sorted(rows, key=lambda r: r.decided_at)  # stable: the order made per kind

    def _voided(self, heat_id: int) -> bool:
        return any(d.action is HeatAction.VOID for d in self.heat_decisions(heat_id))

    def _decide_heat(
        self, heat_id: int, action: HeatAction, reason: str, author: str, status: str
    ) -> HeatDecision:
        if not reason.strip() or not author.strip():
            raise EventFileError(self.path, "a decision needs a reason and an author")
        finished = "NULL" if status == "running" else "?"
        params: tuple[Any, ...] = (status, _now(), heat_id) if finished == "?" else (
            status, heat_id)
        decision_id = self._write(f"recording a decision on heat {heat_id}", [
            (f"UPDATE heats SET status = ?, finished_at = {finished} WHERE id = ?", params),
            ("INSERT INTO heat_decisions (heat, action, reason, author, decided_at)"
             " VALUES (?, ?, ?, ?, ?)",
             (heat_id, str(action), reason, author, self._decision_time())),
        ])
        return next(d for d in self.heat_decisions(heat_id) if d.id == decision_id)
