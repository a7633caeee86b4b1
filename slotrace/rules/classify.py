"""Provides the classification (§6.8-6.10): coefficients, overall and side tables, charity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from slotrace.rules.model import (
    ClassificationMode,
    CoefficientTable,
    Entry,
    Event,
    TrialKind,
)
from slotrace.rules.register import Register, load_register
from slotrace.rules.scoring import TrialScore

REGULARITY = (TrialKind.PC, TrialKind.PM)
CONTROLS = (TrialKind.CO, TrialKind.CT)


def age_coefficient(build_year: int) -> float:
    """Italian age coefficient: 1 + (year mod 100)/100, so 1927 -> 1.27, 1957 -> 1.57."""
    return (100 + build_year % 100) / 100


def period_label(year: int, table: CoefficientTable) -> str:
    for first, last, _ in table.periods:
        if first <= year <= last:
            return f"{first}-{last}" if first != last else str(first)
    return "other"


def merit_coefficient(entry: Entry, table: CoefficientTable, register: Register) -> float:
    """MM-2016 merit coefficient: 1 + period + class + category + winner + chassis bonus."""
    registered = register.find(entry.car.marque, entry.car.model)
    first_year = (registered.first_mm_year if registered and registered.first_mm_year
                  else entry.car.replica_year)
    period = next((v for lo, hi, v in table.periods if lo <= first_year <= hi), 0.0)
    klass = next(v for limit, v in table.classes
                 if limit is None or entry.car.displacement_cc <= limit)
    category = table.categories.get(entry.car.category, 0.0)
    winner = table.winner_bonus if registered and registered.winner else 0.0
    chassis = table.chassis_bonus if entry.car.replicated_entry_ref else 0.0
    return round(1 + period + klass + category + winner + chassis, 4)


@dataclass(frozen=True, slots=True)
class Result:
    """One car's overall result. ``score`` is what ranks (lower wins in penalty mode,
    higher in points mode); ``raw`` is the same without the coefficient (side tables)."""

    position: int
    entry_no: int
    label: str
    score: float
    raw: float
    coefficient: float
    regularity_penalty: int
    control_penalty: int
    points: int
    zero_trials: int
    within_5: int
    trial_penalties: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SpeedResult:
    position: int | None
    entry_no: int
    label: str
    elapsed_s: float | None
    avg_scale_kmh: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class CharityLine:
    entry_no: int
    label: str
    laps: int
    entry_fee: float
    pledged: float


@dataclass(frozen=True, slots=True)
class CharityTotals:
    lines: tuple[CharityLine, ...]
    fees: float
    pledges: float
    auctions: float
    other_donations: float

    @property
    def total(self) -> float:
        return self.fees + self.pledges + self.auctions + self.other_donations


@dataclass(frozen=True)
class Classification:
    mode: ClassificationMode
    overall: tuple[Result, ...]
    by_class: dict[str, tuple[Result, ...]]
    by_category: dict[str, tuple[Result, ...]]
    by_period: dict[str, tuple[Result, ...]]
    ladies: tuple[Result, ...]
    nations: tuple[Result, ...]
    nations_cup: dict[str, tuple[Result, ...]]
    teams: tuple[tuple[str, float, tuple[int, ...]], ...]
    speed: dict[str, tuple[SpeedResult, ...]]
    charity: CharityTotals
    illustrative_coefficients: bool = field(default=True)


def _position_points(penalties: Mapping[int, int], first: int, step: int) -> dict[int, int]:
    """Rank by penalty ascending (equal penalty = equal rank) and award decreasing points."""
    ordered = sorted(penalties.values())
    rank_of: dict[int, int] = {}
    for i, pen in enumerate(ordered, 1):
        rank_of.setdefault(pen, i)
    return {n: max(0, first - step * (rank_of[p] - 1)) for n, p in penalties.items()}


def classify(
    entries: Iterable[Entry],
    event: Event,
    scores: Mapping[int, Sequence[TrialScore]],
    start_order: Sequence[int] = (),
    laps: Mapping[int, int] | None = None,
    register: Register | None = None,
) -> Classification:
    """Classify every entry in ``scores`` (entry_no -> all its trial scores, event order).

    ``start_order`` (entry numbers in start order) breaks the last ties; ``laps`` (entry_no ->
    laps driven over the event) drives the per-lap pledges.
    """
    register = register or load_register()
    config = event.classification
    by_no = {e.entry_no: e for e in entries}
    starters = [n for n in scores if n in by_no]
    start_pos = {n: i for i, n in enumerate(start_order)}
    points_mode = config.mode is ClassificationMode.POINTS

    regular_idx = [i for i, s in enumerate(scores[starters[0]]) if s.kind in REGULARITY] \
        if starters else []
    points: dict[int, int] = dict.fromkeys(starters, 0)
    if points_mode:
        for i in regular_idx:
            for n, pts in _position_points({n: scores[n][i].penalty for n in starters},
                                           config.points_first, config.points_step).items():
                points[n] += pts

    rows = []
    for n in starters:
        entry, trial_scores = by_no[n], scores[n]
        regular = [s.penalty for s in trial_scores if s.kind in REGULARITY]
        controls = sum(s.penalty for s in trial_scores if s.kind in CONTROLS)
        if points_mode:
            coefficient = merit_coefficient(entry, config.coefficients, register)
            raw = float(points[n] - controls)
            score = round(coefficient * points[n] - controls, 2)
        else:
            coefficient = age_coefficient(entry.car.build_year)
            raw = float(sum(regular) + controls)
            score = round(coefficient * sum(regular) + controls, 2)
        within = sum(1 for s in trial_scores if s.kind is TrialKind.PC
                     and s.deviation_s is not None and s.deviation_s <= 0.05)
        rows.append((n, entry, score, raw, coefficient, sum(regular), controls, points[n],
                     regular.count(0), within, tuple(regular)))

    def chain(row, use_raw: bool) -> tuple:
        n, entry, score, raw, *_rest = row
        value = raw if use_raw else score
        keys: list = [-value if points_mode else value]
        for name in config.tie_breaks:
            if name == "zero_trials":
                keys.append(-row[8])
            elif name == "within_5_hundredths":
                keys.append(-row[9])
            elif name == "older_build_year":
                keys.append(entry.car.build_year)
            elif name == "first_trial":
                keys.append(row[10][0] if row[10] else 0)
            elif name == "race_number":
                keys.append(start_pos.get(n, len(start_pos) + n))
        keys.append(n)
        return tuple(keys)

    def table(subset: list, use_raw: bool) -> tuple[Result, ...]:
        ordered = sorted(subset, key=lambda r: chain(r, use_raw))
        out, last_key, position = [], None, 0
        for i, row in enumerate(ordered, 1):
            key = chain(row, use_raw)[:-1]
            if key != last_key:
                position, last_key = i, key
            n, entry, score, raw, coefficient, regular, controls, pts, zero, within, pens = row
            out.append(Result(position, n, entry.label, raw if use_raw else score, raw,
                              coefficient, regular, controls, pts, zero, within, pens))
        return tuple(out)

    def grouped(key) -> dict[str, tuple[Result, ...]]:
        groups: dict[str, list] = {}
        for row in rows:
            groups.setdefault(key(row[1]), []).append(row)
        return {k: table(v, use_raw=not points_mode) for k, v in sorted(groups.items())}

    def class_of(entry: Entry) -> str:
        bin_ = register.class_for(entry.car.replica_year, entry.car.category,
                                  entry.car.supercharged, entry.car.displacement_cc)
        return bin_.code if bin_ else "unclassed"

    overall = table(rows, use_raw=False)
    side_raw = not points_mode
    foreign = [r for r in rows if r[1].nationality != config.host_nation.upper()]
    nations_cup = {k: v for k, v in grouped(lambda e: e.nationality).items()}
    teams: dict[str, list[Result]] = {}
    for result in overall:
        team = by_no[result.entry_no].team
        if team:
            teams.setdefault(team, []).append(result)
    team_table = sorted(
        ((t, round(sum(r.score for r in rs[:3]), 2), tuple(r.entry_no for r in rs[:3]))
         for t, rs in teams.items() if len(rs) >= 3),
        key=lambda t: -t[1] if points_mode else t[1],
    )
    return Classification(
        mode=config.mode,
        overall=overall,
        by_class=grouped(class_of),
        by_category=grouped(lambda e: e.car.category.value),
        by_period=grouped(lambda e: period_label(e.car.replica_year, config.coefficients)),
        ladies=table([r for r in rows if r[1].ladies_crew], use_raw=side_raw),
        nations=table(foreign, use_raw=False),
        nations_cup=nations_cup,
        teams=tuple(team_table),
        speed=_speed_tables(starters, by_no, scores),
        charity=charity_totals([by_no[n] for n in starters], event, laps or {}),
        illustrative_coefficients=config.coefficients.illustrative,
    )


def _speed_tables(starters, by_no, scores) -> dict[str, tuple[SpeedResult, ...]]:
    tables: dict[str, list[tuple]] = {}
    for n in starters:
        for s in scores[n]:
            if s.kind is TrialKind.SPEED:
                tables.setdefault(s.trial, []).append((n, s))
    out = {}
    for name, items in tables.items():
        items.sort(key=lambda x: (not x[1].classified, -x[1].laps,
                                  x[1].measured_s if x[1].measured_s is not None else 1e18))
        out[name] = tuple(
            SpeedResult(i if s.classified else None, n, by_no[n].label, s.measured_s,
                        s.avg_scale_kmh, s.detail)
            for i, (n, s) in enumerate(items, 1)
        )
    return out


def pledge_earned(entry: Entry, laps: int) -> float:
    """Σ min(cap, rate × laps) + fixed pledges for one car (§6.10)."""
    total = 0.0
    for pledge in entry.pledges:
        per_lap = pledge.per_lap * laps
        total += (min(pledge.cap, per_lap) if pledge.cap is not None else per_lap) + pledge.fixed
    return round(total, 2)


def charity_totals(entries: Iterable[Entry], event: Event, laps: Mapping[int, int]
                   ) -> CharityTotals:
    """Fees, pledges per car, auctions and other donations (§6.10)."""
    lines = tuple(
        CharityLine(e.entry_no, e.label, laps.get(e.entry_no, 0), e.entry_fee,
                    pledge_earned(e, laps.get(e.entry_no, 0)))
        for e in sorted(entries, key=lambda e: e.entry_no)
    )
    return CharityTotals(
        lines=lines,
        fees=round(sum(line.entry_fee for line in lines), 2),
        pledges=round(sum(line.pledged for line in lines), 2),
        auctions=round(sum(a.amount for a in event.auctions), 2),
        other_donations=event.other_donations,
    )
