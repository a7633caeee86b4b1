"""Provides scrutineering: checks E1-E11 (reference §6.1), one verdict per entry, overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from slotrace.rules.errors import NotEligibleError
from slotrace.rules.model import (
    BodyStyle,
    Entry,
    Event,
    NumberingMode,
    NumberPosition,
    RulesMode,
    format_race_number,
)
from slotrace.rules.register import LAST_EDITION, Register, load_register, normalise


class Check(StrEnum):
    """The eligibility checks, by code."""

    E1 = "E1 SCALE"
    E2 = "E2 REGISTER"
    E3 = "E3 BUILD_YEAR"
    E4 = "E4 REPLICA_YEAR"
    E5 = "E5 LIVERY"
    E6 = "E6 NUMBER_FORMAT"
    E7 = "E7 NUMBER_PLACEMENT"
    E8 = "E8 DETAIL"
    E9 = "E9 UNIQUE_NUMBER"
    E10 = "E10 CLASS"
    E11 = "E11 PERIOD_DECALS"

    @property
    def code(self) -> str:
        return self.value.split()[0]


class Severity(StrEnum):
    REJECT = "reject"
    WARNING = "warning"


ALWAYS_REJECT = frozenset({Check.E1, Check.E2, Check.E3, Check.E6, Check.E9})


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check: code, severity under the event's rules mode and a reason for people."""

    check: Check
    severity: Severity
    reason: str

    def __str__(self) -> str:
        return f"{self.check.code} {self.severity.value}: {self.reason}"


OVERRIDE_CODE = "OVERRIDE"
"""The verdict code under which a chief scrutineer's override is recorded."""
OVERRIDE_CLEARED = "clear"
"""The severity of an `OVERRIDE_CODE` row that removes the car's override (with who and why):
the automatic checks decide for the car again."""


@dataclass(frozen=True, slots=True)
class Override:
    """The chief scrutineer's decision on one car, which wins over the automatic checks."""

    entry_no: int
    passed: bool
    reason: str
    author: str
    decided_at: str = ""

    def __post_init__(self) -> None:
        if not self.reason.strip() or not self.author.strip():
            raise ValueError(f"an override of entry {self.entry_no} needs a reason and an author")

    def __str__(self) -> str:
        return (f"{'passed' if self.passed else 'rejected'} by {self.author}: {self.reason}"
                + (f" ({self.decided_at})" if self.decided_at else ""))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Scrutineering result for one entry; ``class_code`` is its class when one exists.

    ``findings`` are the automatic checks'; an ``override`` decides instead of them.
    """

    entry_no: int
    label: str
    findings: tuple[Finding, ...]
    class_code: str | None
    override: Override | None = None

    @property
    def automatic_pass(self) -> bool:
        return all(f.severity is not Severity.REJECT for f in self.findings)

    @property
    def passed(self) -> bool:
        return self.override.passed if self.override is not None else self.automatic_pass

    @property
    def status(self) -> str:
        if self.override is not None:
            return "PASSED (OVERRIDDEN)" if self.passed else "REJECTED (OVERRIDDEN)"
        if not self.passed:
            return "REJECTED"
        return "PASSED WITH WARNINGS" if self.findings else "PASSED"

    @property
    def rejection(self) -> str:
        """Why the car may not start (empty when it passed)."""
        if self.passed:
            return ""
        if self.override is not None:
            return f"rejected by {self.override.author}: {self.override.reason}"
        return "; ".join(f.reason for f in self.findings if f.severity is Severity.REJECT)


def _severity(check: Check, mode: RulesMode) -> Severity:
    if check in ALWAYS_REJECT or mode is RulesMode.STRICT:
        return Severity.REJECT
    return Severity.WARNING


def check_entry(
    entry: Entry, event: Event, register: Register, taken_by: dict[int, int] | None = None
) -> Verdict:
    """Run E1-E11 on one entry. ``taken_by`` maps race numbers to the first entry holding them."""
    car = entry.car
    found: list[tuple[Check, str]] = []
    number = entry.race_number
    shown = f"#{format_race_number(number)}" if number is not None else f"entry {entry.entry_no}"

    if car.scale not in event.allowed_scales:
        accepted = " or ".join(f"1:{s}" for s in sorted(event.allowed_scales))
        found.append((Check.E1, f"1:{car.scale} model; this event accepts {accepted}"))

    registered = register.find(car.marque, car.model)
    name = f"{car.marque} {car.model}"
    if registered is None:
        near = register.suggest_model(car.marque, car.model)
        others = ", ".join(m.model for m in register.models_of(car.marque)[:6])
        hint = (f" (did you mean {near}?)" if near
                else f" (registered {car.marque} models: {others})" if others else "")
        found.append((Check.E2, f"{name} is not in the Mille Miglia register{hint}"))
    elif registered.special_list:
        found.append((Check.E2, f"{name} never ran the Mille Miglia (special-list only)"))

    if car.build_year > LAST_EDITION:
        found.append((Check.E3, f"{car.build_year} car: built after the last speed race (1957)"))
    elif (
        car.build_year < 1927
        and registered
        and registered.first_mm_year
        and (registered.first_mm_year > 1930)
    ):
        found.append(
            (
                Check.E3,
                f"{car.build_year} car, but the {name} first ran in "
                f"{registered.first_mm_year} (pre-1927 cars only for models "
                "that ran by 1930)",
            )
        )

    if registered and registered.years and car.replica_year not in registered.years:
        years = _year_ranges(sorted(registered.years))
        found.append((Check.E4, f"{name} did not run in {car.replica_year} (ran {years})"))

    colour = register.colours_for(entry.nationality, car.replica_year)
    warned: set[int] = set()  # indexes into ``found`` that stay warnings in every mode
    if not car.documented_livery_ref:
        if colour is None or not colour.body:
            # the rule for a nation without a colour (data/colours.csv): body colour not checked
            nation = colour.nation if colour else entry.nationality.upper()
            why = colour.no_body_colour if colour else "the colours table has no row for it"
            seen = f"; scheme: {colour.secondary}" if colour and colour.secondary else ""
            warned.add(len(found))
            found.append((Check.E5, f"no national racing colour for {nation} in "
                                    f"{car.replica_year} ({why}{seen}): body colour "
                                    f"{car.body_colour} not checked"))
        elif normalise(car.body_colour) not in colour.body:
            allowed = " or ".join(sorted(colour.body))
            found.append((Check.E5, f"entrant from {colour.nation} in {car.body_colour} without "
                                    f"documentation ({car.replica_year} colour: {allowed})"))

    if number is not None:
        found.extend((Check.E6, reason) for reason in _number_problems(
            number, shown, car.replica_year, event.numbering.mode))

    positions = car.number_positions
    sides = [s for s in (NumberPosition.LEFT, NumberPosition.RIGHT) if s not in positions]
    counted = positions & {
        NumberPosition.LEFT,
        NumberPosition.RIGHT,
        NumberPosition.NOSE,
        NumberPosition.TAIL,
    }
    if sides:
        found.append((Check.E7, f"number missing on {' and '.join(f'{s} flank' for s in sides)}"))
    elif len(counted) < 2:
        found.append((Check.E7, "number must be shown in at least two places"))

    details = []
    if not car.has_driver:
        details.append("no driver figure")
    if not car.has_glazing:
        details.append(
            "closed car without glazing"
            if car.body_style is BodyStyle.CLOSED
            else "open car without windscreen"
        )
    if not car.has_interior:
        details.append("no interior or tonneau")
    if car.visible_mechanicals:
        details.append("mechanicals visible")
    if details:
        found.append((Check.E8, "; ".join(details)))

    if number is not None and taken_by and taken_by.get(number, entry.entry_no) != entry.entry_no:
        found.append((Check.E9, f"{shown} already taken by entry {taken_by[number]}"))

    bin_ = register.class_for(car.replica_year, car.category, car.supercharged, car.displacement_cc)
    if bin_ is None:
        charged = " supercharged" if car.supercharged else ""
        found.append(
            (
                Check.E10,
                f"no {car.replica_year} class for a {car.displacement_cc:,} cc"
                f"{charged} {car.category.name.replace('_', ' ').title()} car",
            )
        )

    if car.modern_decals:
        found.append((Check.E11, "post-1957 graphics (modern sponsor decal) on the body"))

    findings = tuple(
        Finding(c, Severity.WARNING if i in warned else _severity(c, event.rules_mode), r)
        for i, (c, r) in enumerate(found))
    return Verdict(entry.entry_no, entry.label, findings, bin_.code if bin_ else None)


def needs_start_time_number(replica_year: int, mode: NumberingMode) -> bool:
    """E6/§6.2: only historic numbering makes a 1949+ replica carry its start time (HHMM)."""
    return mode is NumberingMode.HISTORIC and replica_year >= 1949


def _number_problems(number: int, shown: str, replica_year: int, mode: NumberingMode
                     ) -> list[str]:
    """E6 by the event's numbering mode: a start time (historic, 1949+), else 1-9999."""
    if needs_start_time_number(replica_year, mode):
        hour, minute = divmod(number, 100)
        if hour > 23 or minute > 59:
            part = f"minute {minute}" if minute > 59 else f"hour {hour}"
            return [f"{shown} is not a valid start time: {part}"]
        return []
    if not 1 <= number <= 9999:
        return [f"{shown} is not a race number 1-9999"]
    return []


def _year_ranges(years: Sequence[int]) -> str:
    parts: list[str] = []
    start = prev = years[0]
    for year in [*years[1:], None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if year is not None:
            start = prev = year
    return ", ".join(parts)


def scrutineer(
    entries: Iterable[Entry], event: Event, register: Register | None = None
) -> tuple[Verdict, ...]:
    """One verdict per entry, in entry order."""
    register = register or load_register()
    ordered = sorted(entries, key=lambda e: e.entry_no)
    taken_by: dict[int, int] = {}
    for entry in ordered:
        if entry.race_number is not None:
            taken_by.setdefault(entry.race_number, entry.entry_no)
    return tuple(check_entry(e, event, register, taken_by) for e in ordered)


def recorded_overrides(records: Iterable[Mapping[str, Any]]) -> dict[int, Override]:
    """The overrides in force, by entry_no, from recorded verdict rows (the latest one wins).

    Rows are the event file's verdicts (``entry_no, code, severity, reason, decided_by,
    decided_at``); rows of the automatic checks are ignored, and a row clearing a car's
    override (severity `OVERRIDE_CLEARED`) removes the one before it.
    """
    found: dict[int, Override] = {}
    for row in records:
        if row.get("code") == OVERRIDE_CODE and row.get("severity") == OVERRIDE_CLEARED:
            found.pop(row["entry_no"], None)
        elif row.get("code") == OVERRIDE_CODE:
            found[row["entry_no"]] = Override(row["entry_no"], row["severity"] == "pass",
                                              row["reason"], row["decided_by"],
                                              row.get("decided_at", ""))
    return found


def apply_overrides(verdicts: Iterable[Verdict], overrides: Mapping[int, Override]
                    ) -> tuple[Verdict, ...]:
    """The verdicts with each overridden car's override attached (it decides pass/reject)."""
    return tuple(replace(v, override=overrides[v.entry_no]) if v.entry_no in overrides else v
                 for v in verdicts)


def recorded_passes(records: Iterable[Mapping[str, Any]]) -> dict[int, bool]:
    """entry_no -> passed, from recorded verdict rows: an override wins, else no reject row."""
    records = list(records)
    passed: dict[int, bool] = {}
    for row in records:
        if row.get("code") != OVERRIDE_CODE:
            ok = row["severity"] != Severity.REJECT.value
            passed[row["entry_no"]] = passed.get(row["entry_no"], True) and ok
    passed.update({n: o.passed for n, o in recorded_overrides(records).items()})
    return passed


@dataclass(frozen=True, slots=True)
class Summary:
    entries: int
    passed: int
    warned: int
    rejected: int
    by_check: tuple[tuple[str, int], ...]
    overridden: int = 0


def summarise(verdicts: Sequence[Verdict]) -> Summary:
    counts: dict[str, int] = {}
    for verdict in verdicts:
        for finding in verdict.findings:
            counts[finding.check.code] = counts.get(finding.check.code, 0) + 1
    order = {c.code: i for i, c in enumerate(Check)}
    return Summary(
        entries=len(verdicts),
        passed=sum(1 for v in verdicts if v.passed and not v.findings),
        warned=sum(1 for v in verdicts if v.passed and v.findings),
        rejected=sum(1 for v in verdicts if not v.passed),
        by_check=tuple(sorted(counts.items(), key=lambda kv: order[kv[0]])),
        overridden=sum(1 for v in verdicts if v.override is not None),
    )


def require_passed(verdicts: Iterable[Verdict], entry_nos: Iterable[int]) -> None:
    """Refuse to grid cars that did not pass: `NotEligibleError` naming each and why."""
    by_entry = {v.entry_no: v for v in verdicts}
    problems = []
    for entry_no in entry_nos:
        verdict = by_entry.get(entry_no)
        if verdict is None:
            problems.append(f"entry {entry_no} has not been scrutineered")
        elif not verdict.passed:
            problems.append(f"{verdict.label} did not pass scrutineering ({verdict.rejection})")
    if problems:
        raise NotEligibleError("cannot put these cars on the grid: " + " | ".join(problems))
