"""Provides the classification (§6.9-6.10): overall and side tables, trophies, charity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from slotrace.rules.charity import (
    CharityLine,
    CharityTotals,
    DayMoney,
    MoneyKind,
    charity_totals,
    pledge_earned,
)
from slotrace.rules.coefficients import age_coefficient, merit_coefficient, period_label
from slotrace.rules.model import ClassificationMode, Entry, Event, SpeedTrial, TrialKind
from slotrace.rules.register import Register, load_register
from slotrace.rules.scoring import TrialScore
from slotrace.rules.standings import (
    DrivenLeg,
    ProvisionalClassification,
    Sanction,
    SanctionKind,
    StandingRow,
    provisional_classification,
    rank,
)

# re-exported: the coefficients live in `slotrace.rules.coefficients`, the charity sums in
# `slotrace.rules.charity`
__all__ = [
    "CharityLine",
    "CharityTotals",
    "Classification",
    "DayMoney",
    "MoneyKind",
    "SpeedResult",
    "Team",
    "age_coefficient",
    "charity_totals",
    "classify",
    "classify_standings",
    "merit_coefficient",
    "period_label",
    "pledge_earned",
    "split_by_leg",
]


@dataclass(frozen=True, slots=True)
class SpeedResult:
    position: int | None
    entry_no: int
    label: str
    elapsed_s: float | None
    avg_scale_kmh: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class Team:
    """Team prize (§6.9 [P]): the sum of the best three scores of a team."""

    position: int
    team: str
    score: float
    entry_nos: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Trophy:
    """A trophy over a named subset of PCs (§6.9): ranked on those trials' penalties only."""

    name: str
    trials: tuple[str, ...]
    rows: tuple[StandingRow, ...]


@dataclass(frozen=True)
class Classification:
    """The overall classification (the provisional standings) and every side table."""

    mode: ClassificationMode
    standings: ProvisionalClassification
    overall: tuple[StandingRow, ...]
    by_class: dict[str, tuple[StandingRow, ...]]
    by_category: dict[str, tuple[StandingRow, ...]]
    by_period: dict[str, tuple[StandingRow, ...]]
    ladies: tuple[StandingRow, ...]
    nations: tuple[StandingRow, ...]
    nations_cup: dict[str, tuple[StandingRow, ...]]
    teams: tuple[Team, ...]
    trophies: tuple[Trophy, ...]
    speed: dict[str, tuple[SpeedResult, ...]]
    charity: CharityTotals
    illustrative_coefficients: bool = field(default=True)


def split_by_leg(event: Event, scores: Sequence[TrialScore]) -> tuple[DrivenLeg, ...]:
    """A whole event's scores (legs in order) as finished `DrivenLeg`s; scores that do not
    match the event's legs are kept as one leg."""
    sizes = [len(leg.trials) for leg in event.legs]
    if sum(sizes) != len(scores):
        return (DrivenLeg(0, tuple(scores)),)
    out, at = [], 0
    for i, size in enumerate(sizes):
        out.append(DrivenLeg(i, tuple(scores[at:at + size])))
        at += size
    return tuple(out)


def classify(
    entries: Iterable[Entry],
    event: Event,
    scores: Mapping[int, Sequence[TrialScore]],
    start_order: Sequence[int] = (),
    laps: Mapping[int, int] | None = None,
    register: Register | None = None,
) -> Classification:
    """Classify every entry in ``scores`` (entry_no -> all its trial scores, event order),
    every leg counted as driven. See `classify_standings` for a classification mid-event."""
    by_no = {e.entry_no: e for e in entries}
    driven = {n: split_by_leg(event, s) for n, s in scores.items() if n in by_no}
    return classify_standings([by_no[n] for n in driven], event, driven,
                              start_order=start_order, laps=laps, register=register)


def classify_standings(
    entries: Iterable[Entry],
    event: Event,
    driven: Mapping[int, Sequence[DrivenLeg]],
    sanctions: Iterable[Sanction] = (),
    start_order: Sequence[int] = (),
    laps: Mapping[int, int] | None = None,
    register: Register | None = None,
    fee_payers: Iterable[Entry] | None = None,
    rejected: Iterable[int] = (),
    day_money: Iterable[DayMoney] = (),
) -> Classification:
    """The provisional classification of ``entries`` and its side tables (§6.9).

    Side tables rank the same rows (raw sums in penalty mode, as the Italian rules do).
    ``fee_payers`` are the entries whose fees the charity total counts (default: ``entries``);
    pass every entry so a car rejected at scrutineering or withdrawn still counts its fee.
    ``rejected`` (entry_nos rejected at scrutineering) lose their fee only when the event says
    ``count_rejected_fees = false``; ``laps`` are the laps the classification counts (pledges
    per lap); ``day_money`` is the money recorded on the day (`slotrace.rules.charity`).
    """
    register = register or load_register()
    entries = list(entries)
    by_no = {e.entry_no: e for e in entries}
    config = event.classification
    points_mode = config.mode is ClassificationMode.POINTS
    standings = provisional_classification(event, entries, driven, sanctions, start_order,
                                           register)
    rows = list(standings.overall.rows)

    def table(subset: Iterable[StandingRow], use_raw: bool) -> tuple[StandingRow, ...]:
        return rank(subset, event, by_no, use_raw=use_raw, start_order=start_order)

    def grouped(key) -> dict[str, tuple[StandingRow, ...]]:
        groups: dict[str, list[StandingRow]] = {}
        for row in rows:
            groups.setdefault(key(by_no[row.entry_no]), []).append(row)
        return {k: table(v, use_raw=not points_mode) for k, v in sorted(groups.items())}

    def class_of(entry: Entry) -> str:
        bin_ = register.class_for(entry.car.replica_year, entry.car.category,
                                  entry.car.supercharged, entry.car.displacement_cc)
        return bin_.code if bin_ else "unclassed"

    overall = standings.overall.rows
    foreign = [r for r in rows if by_no[r.entry_no].nationality != config.host_nation.upper()]
    return Classification(
        mode=config.mode,
        standings=standings,
        overall=overall,
        by_class=grouped(class_of),
        by_category=grouped(lambda e: e.car.category.value),
        by_period=grouped(lambda e: period_label(e.car.replica_year, config.coefficients)),
        ladies=table([r for r in rows if by_no[r.entry_no].ladies_crew],
                     use_raw=not points_mode),
        nations=table(foreign, use_raw=False),
        nations_cup=grouped(lambda e: e.nationality),
        teams=team_table(overall, by_no, points_mode),
        trophies=trophy_tables(event, entries, driven, sanctions, start_order, register),
        speed=_speed_tables([r.entry_no for r in rows], by_no, driven, event, class_of),
        charity=charity_totals(entries if fee_payers is None else fee_payers, event,
                               laps or {}, starters=by_no, rejected=rejected, day=day_money),
        illustrative_coefficients=config.coefficients.illustrative,
    )


def team_table(overall: Sequence[StandingRow], by_no: Mapping[int, Entry], points_mode: bool
               ) -> tuple[Team, ...]:
    """Teams of at least three ranked cars, by the sum of their best three scores."""
    teams: dict[str, list[StandingRow]] = {}
    for row in overall:
        team = by_no[row.entry_no].team
        if team and row.position is not None:
            teams.setdefault(team, []).append(row)
    scored = sorted(
        ((t, round(sum(r.score for r in rs[:3]), 2), tuple(r.entry_no for r in rs[:3]))
         for t, rs in teams.items() if len(rs) >= 3),
        key=lambda t: (-t[1] if points_mode else t[1], t[0]),
    )
    return tuple(Team(i, t, score, nos) for i, (t, score, nos) in enumerate(scored, 1))


def trophy_tables(event: Event, entries: Sequence[Entry], driven: Mapping[int, Sequence[DrivenLeg]],
                  sanctions: Iterable[Sanction], start_order: Sequence[int],
                  register: Register) -> tuple[Trophy, ...]:
    """Each configured trophy ranks the cars on its subset of PCs only (no other penalties)."""
    out = []
    sanctions = [s for s in sanctions if s.kind is SanctionKind.DISQUALIFICATION]
    for trophy in event.classification.trophies:
        names = set(trophy.trials)
        subset = {
            n: tuple(DrivenLeg(d.leg, tuple(s for s in d.scores if s.trial in names),
                               d.in_progress, d.heat) for d in legs)
            for n, legs in driven.items()
        }
        subset = {n: tuple(d for d in legs if d.scores) for n, legs in subset.items()}
        table = provisional_classification(event, entries, subset, sanctions, start_order,
                                           register)
        out.append(Trophy(trophy.name, trophy.trials, table.overall.rows))
    return tuple(out)


def _speed_tables(starters, by_no, driven, event: Event, class_of
                  ) -> dict[str, tuple[SpeedResult, ...]]:
    """Speed stages (§6.3): a car slower than its class's minimum average (the time bar
    ``laps x lap / v_min(class)``) is not classified."""
    bars = {t.name: t.class_min_average_kmh for leg in event.legs for t in leg.trials
            if isinstance(t, SpeedTrial)}
    tables: dict[str, list[tuple]] = {}
    for n in starters:
        for s in (s for leg in driven.get(n, ()) for s in leg.scores):
            if s.kind is not TrialKind.SPEED:
                continue
            klass = class_of(by_no[n])
            bar = bars.get(s.trial, {}).get(klass)
            if s.classified and bar is not None and (s.avg_scale_kmh or 0) < bar:
                s = replace(s, classified=False,
                            detail=f"{s.detail} (below the class {klass} bar of {bar:g} km/h)")
            tables.setdefault(s.trial, []).append((n, s))
    out = {}
    for name, items in tables.items():
        items.sort(key=lambda x: (not x[1].classified, -x[1].laps,
                                  x[1].measured_s if x[1].measured_s is not None else 1e18))
        ranked = [x for x in items if x[1].classified]
        out[name] = tuple(
            SpeedResult(ranked.index((n, s)) + 1 if s.classified else None, n, by_no[n].label,
                        s.measured_s, s.avg_scale_kmh, s.detail)
            for n, s in items
        )
    return out
