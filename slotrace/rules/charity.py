"""Provides the charity module (§6.10): entry fees, pledges per lap, auctions, donations, buckets.

``total = fees + Σ_cars (min(cap, rate × laps) + fixed) + auctions + donations + buckets +
other donations``. Fees count for every entry (a car withdrawn or rejected still paid), unless
the event's template says rejected entries' fees do not (``count_rejected_fees = false``);
pledges count only for cars that started, on the laps the classification counts (steward
corrections included); money raised on the day (`DayMoney`) counts unless it was revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from slotrace.rules.model import Entry, Event


class MoneyKind(StrEnum):
    """What kind of money was raised on the day."""

    AUCTION = "auction"  # a winning bid, e.g. race number #1
    DONATION = "donation"
    BUCKET = "bucket"  # a collection bucket, counted


@dataclass(frozen=True, slots=True)
class DayMoney:
    """Money raised on the day as recorded: who gave it, when, and whether it was revoked.

    A revoked record stays listed (with the reason) and is never counted.
    """

    id: int
    kind: MoneyKind
    amount: float
    who: str
    note: str
    author: str
    recorded_at: str
    revoked_reason: str = ""
    revoked_by: str = ""
    revoked_at: str = ""

    @property
    def counted(self) -> bool:
        return not self.revoked_at


@dataclass(frozen=True, slots=True)
class CharityLine:
    """One entry's money: its fee (and whether it counts) and its sponsors' pledges."""

    entry_no: int
    label: str
    laps: int
    entry_fee: float
    pledged: float
    fee_counted: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class CharityTotals:
    """The charity sums of an event (§6.10) and the lines they come from."""

    lines: tuple[CharityLine, ...]
    fees: float
    pledges: float
    auctions: float
    other_donations: float
    donations: float = 0.0
    buckets: float = 0.0
    day: tuple[DayMoney, ...] = ()
    fees_not_counted: float = 0.0

    @property
    def total(self) -> float:
        return round(self.fees + self.pledges + self.auctions + self.donations + self.buckets
                     + self.other_donations, 2)


def pledge_earned(entry: Entry, laps: int) -> float:
    """Σ min(cap, rate × laps) + fixed pledges for one car (§6.10)."""
    total = 0.0
    for pledge in entry.pledges:
        per_lap = pledge.per_lap * laps
        total += (min(pledge.cap, per_lap) if pledge.cap is not None else per_lap) + pledge.fixed
    return round(total, 2)


def _day_sum(day: Sequence[DayMoney], kind: MoneyKind) -> float:
    return round(sum(m.amount for m in day if m.kind is kind and m.counted), 2)


def charity_totals(entries: Iterable[Entry], event: Event, laps: Mapping[int, int],
                   starters: Iterable[int] | None = None, rejected: Iterable[int] = (),
                   day: Iterable[DayMoney] = ()) -> CharityTotals:
    """Fees, pledges per car, auctions, the day's money and other donations (§6.10).

    Args:
        entries: every entry whose fee may count (pass all of them).
        laps: entry_no -> the laps the classification counts (steward corrections included).
        starters: the cars that started (default: every entry); only they earn pledges.
        rejected: entry_nos rejected at scrutineering; their fees count unless the event
            says ``count_rejected_fees = false``.
        day: money recorded on the day; revoked records are listed, not counted.
    """
    started = None if starters is None else set(starters)
    refused = set(rejected)
    lines = []
    for e in sorted(entries, key=lambda e: e.entry_no):
        n = laps.get(e.entry_no, 0)
        fee_counted = e.entry_no not in refused or event.count_rejected_fees
        note = ""
        if e.entry_no in refused:
            note = ("rejected at scrutineering: fee counted" if fee_counted else
                    "rejected at scrutineering: fee not counted (count_rejected_fees = false)")
        earned = pledge_earned(e, n) if started is None or e.entry_no in started else 0.0
        lines.append(CharityLine(e.entry_no, e.label, n, e.entry_fee, earned, fee_counted, note))
    day = tuple(day)
    return CharityTotals(
        lines=tuple(lines),
        fees=round(sum(line.entry_fee for line in lines if line.fee_counted), 2),
        pledges=round(sum(line.pledged for line in lines), 2),
        auctions=round(sum(a.amount for a in event.auctions)
                       + _day_sum(day, MoneyKind.AUCTION), 2),
        other_donations=event.other_donations,
        donations=_day_sum(day, MoneyKind.DONATION),
        buckets=_day_sum(day, MoneyKind.BUCKET),
        day=day,
        fees_not_counted=round(sum(line.entry_fee for line in lines if not line.fee_counted), 2),
    )
