"""Provides the typed read model of a results report and its JSON data form.

`ResultsReport` is what `slotrace.store.results.build_results` returns and what every face
and exporter reads: heats, the rules' classification (provisional standings, side tables,
trophies, per-trial stage sheets) and the stewards' log with race numbers and names.
`report_data` turns it into the JSON shape of ``slotrace results --format json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any

from slotrace.rules.classify import Classification
from slotrace.rules.standings import StandingRow


@dataclass(frozen=True, slots=True)
class HeatStanding:
    """One car of a heat's engine standings (laps and times)."""

    position: int
    car: int
    entry_no: int | None
    label: str
    laps: int
    total_ms: int | None
    best_lap_ms: int | None
    gap: str
    penalty_ms: int
    status: str
    race_number: int | None = None
    number: str = ""  # the race number as painted ('#001', '#722'); '' without one
    name: str = ""  # the crew and car without the race number


@dataclass(frozen=True, slots=True)
class HeatReport:
    """A heat as replayed from the journal."""

    heat: int
    name: str
    stage: int | None
    leg: int | None
    status: str
    in_progress: bool
    standings: tuple[HeatStanding, ...]
    lap_times: dict[str, list[int]]
    car_labels: dict[str, str] = dataclasses.field(default_factory=dict)  # controller -> entry
    excluded: str = ""  # why the heat does not count (void, aborted); '' when it counts


@dataclass(frozen=True, slots=True)
class StewardsEntry:
    """One decision of the stewards' log: race control's and the engine's automatic ones in
    a heat ("heat 3 #2", what a classification row's sanctions point at), decisions on heats
    ("heat decision #1": void, reopen) and on entries ("entry decision #4": withdraw,
    reinstate, dns, car swap).
    """

    ref: str
    heat: int | None
    number: int
    decision: str
    detail: str
    car: int | None
    race_number: int | None
    name: str
    reason: str
    author: str
    automatic: bool
    revoked: bool
    at: str = ""  # when, for decisions on entries and heats (ISO time)


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What every output names besides the event: the charity, the venue and the date."""

    charity: str = ""
    venue: str = ""
    date: str = ""  # ISO date, empty when the template gives none


@dataclass(frozen=True)
class ResultsReport:
    """The whole results report of an event file at one journal position."""

    event: str
    info: EventInfo
    stage: int | None
    generated_at: str
    journal_seq: int
    heats: tuple[HeatReport, ...]
    classification: Classification | None
    stewards_log: tuple[StewardsEntry, ...]
    unplanned: tuple[str, ...] = ()
    excluded_heats: tuple[str, ...] = ()  # heats left out of the classification, and why

    @property
    def provisional(self) -> bool:
        """True while some heat is on track or a leg is not driven by every car yet."""
        return self.classification is not None and self.classification.standings.overall.provisional


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_plain(v) for v in value]
    return value


def row_data(row: StandingRow) -> dict[str, Any]:
    """A classification row as JSON data (stage sheet under ``trials``)."""
    return _plain(row)


def _rows(rows: Any) -> list[dict[str, Any]]:
    return [row_data(r) for r in rows]


def side_tables(c: Classification) -> dict[str, tuple[StandingRow, ...]]:
    """The side classifications by display name, in the order the exports show them."""
    side: dict[str, tuple[StandingRow, ...]] = {f"class {k}": v for k, v in c.by_class.items()}
    side |= {f"category {k}": v for k, v in c.by_category.items()}
    side |= {f"period {k}": v for k, v in c.by_period.items()}
    side["Coppa delle Dame"] = c.ladies
    side["Coppa delle Nazioni"] = c.nations
    return side


def info_line(data: dict[str, Any]) -> str:
    """'In aid of <charity> · <venue> · <date>' of report data (the parts the event sets)."""
    text = " · ".join(x for x in (
        f"in aid of {data['charity_name']}" if data.get("charity_name") else "",
        data.get("venue") or "", data.get("date") or "") if x)
    return text[:1].upper() + text[1:]


def report_data(report: ResultsReport) -> dict[str, Any]:
    """The report as JSON data (the ``--format json`` shape)."""
    c = report.classification
    data: dict[str, Any] = {
        "event": report.event,
        "charity_name": report.info.charity,
        "venue": report.info.venue,
        "date": report.info.date,
        "stage": report.stage,
        "generated_at": report.generated_at,
        "journal_seq": report.journal_seq,
        "provisional": report.provisional,
        "heats": _plain(report.heats),
        "overall": _rows(c.overall) if c else [],
        "legs": [
            {"leg": s.leg, "name": s.title, "provisional": s.provisional, "rows": _rows(s.rows)}
            for s in c.standings.legs
        ] if c else [],
        "side": {k: _rows(v) for k, v in side_tables(c).items()} if c else {},
        "teams": _plain(c.teams) if c else [],
        "speed": _plain(c.speed) if c else {},
        "trophies": [
            {"name": t.name, "trials": list(t.trials), "rows": _rows(t.rows)} for t in c.trophies
        ] if c else [],
        "charity": None,
        "stewards_log": _plain(report.stewards_log),
        "unplanned": list(report.unplanned),
        "excluded_heats": list(report.excluded_heats),
    }
    if c is not None:
        charity = c.charity
        data["charity"] = {
            "name": report.info.charity,
            "lines": _plain(charity.lines),
            "day": [_plain(m) | {"counted": m.counted} for m in charity.day],
            "fees": charity.fees,
            "fees_not_counted": charity.fees_not_counted,
            "pledges": charity.pledges,
            "auctions": charity.auctions,
            "donations": charity.donations,
            "buckets": charity.buckets,
            "other_donations": charity.other_donations,
            "total": charity.total,
        }
    return data
