"""Provides the shipped register: Mille Miglia models with years, class tables and racing colours.

The data lives in CSV files next to this module (`data/`); each is validated when loaded and a
broken file fails loudly with the file, line and column.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from dataclasses import dataclass
from importlib import resources

from slotrace.rules.errors import DataFileError
from slotrace.rules.model import Category

FIRST_EDITION = 1927
LAST_EDITION = 1957
EDITIONS = frozenset(set(range(1927, 1939)) | {1940} | set(range(1947, 1958)))


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A model that ran (or was entered in) the Mille Miglia, with the editions it ran."""

    marque: str
    model: str
    country: str
    years: frozenset[int]
    overall_wins: frozenset[int]
    class_wins: frozenset[int]
    special_list: bool
    verified: bool

    @property
    def first_mm_year(self) -> int | None:
        return min(self.years) if self.years else None

    @property
    def winner(self) -> bool:
        """Won overall or a class in 1927-1957 (the MM-2016 'F' factor)."""
        return bool(self.overall_wins or self.class_wins)


@dataclass(frozen=True, slots=True)
class ClassBin:
    """One row of a class table: the class for cars of an era, category and displacement."""

    from_year: int
    to_year: int
    category: Category | None  # None = any category
    supercharged: bool | None  # None = either
    max_cc: int | None  # None = no upper limit
    code: str
    label: str

    def matches(self, year: int, category: Category, supercharged: bool, cc: int) -> bool:
        return (
            self.from_year <= year <= self.to_year
            and (self.category is None or self.category == category)
            and (self.supercharged is None or self.supercharged == supercharged)
            and (self.max_cc is None or cc <= self.max_cc)
        )


# body-column values that mean "this nation had no body colour then" (see data/colours.csv)
NO_BODY_COLOUR = {
    "(none assigned)": "none had been assigned",
    "(none found)": "no scheme is on record",
    "(not stated)": "the period scheme names no body colour",
}
OPEN_START, OPEN_END = 0, 9999


@dataclass(frozen=True, slots=True)
class RacingColour:
    """The national racing colour(s) of a nationality in a period.

    ``body`` is empty when the nation had no body colour then; ``no_body_colour`` says why
    (e.g. "none had been assigned"). ``source`` names where the row's facts come from.
    """

    nationality: str
    nation: str
    from_year: int
    to_year: int
    body: frozenset[str]
    status_verified: bool
    secondary: str = ""
    source: str = ""
    no_body_colour: str = ""


def normalise(text: str) -> str:
    """Case- and space-insensitive key for marque/model/colour names."""
    return " ".join(text.replace("-", " ").split()).casefold()


@dataclass(frozen=True)
class Register:
    """Everything scrutineering looks up: models, class bins and colours."""

    models: tuple[RegisteredModel, ...]
    class_bins: tuple[ClassBin, ...]
    colours: tuple[RacingColour, ...]
    colour_aliases: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def _by_name(self) -> dict[tuple[str, str], RegisteredModel]:
        return {(normalise(m.marque), normalise(m.model)): m for m in self.models}

    @functools.cached_property
    def marques(self) -> frozenset[str]:
        return frozenset(normalise(m.marque) for m in self.models if not m.special_list)

    def find(self, marque: str, model: str) -> RegisteredModel | None:
        """The registered model, matching names case- and hyphen-insensitively."""
        return self._by_name.get((normalise(marque), normalise(model)))

    def models_of(self, marque: str) -> list[RegisteredModel]:
        key = normalise(marque)
        return [m for m in self.models if normalise(m.marque) == key]

    @functools.cached_property
    def marque_names(self) -> tuple[str, ...]:
        """Every marque as the register spells it, in register order, each once."""
        return tuple(dict.fromkeys(m.marque for m in self.models))

    def suggest_marque(self, marque: str) -> str | None:
        """The register's marque nearest to a misspelt one ('Ferarri' -> 'Ferrari'), if close."""
        return _nearest(marque, self.marque_names)

    def suggest_model(self, marque: str, model: str) -> str | None:
        """The nearest registered model of ``marque`` (or of the nearest marque), if close.

        Returned as 'Marque Model', e.g. ('Ferrari', '166MM') -> 'Ferrari 166 MM'.
        """
        known = self.models_of(marque) or self.models_of(self.suggest_marque(marque) or "")
        by_name = {m.model: m for m in known}
        found = _nearest(model, tuple(by_name))
        return f"{by_name[found].marque} {found}" if found else None

    def class_for(
        self, year: int, category: Category, supercharged: bool, cc: int
    ) -> ClassBin | None:
        """The first class bin matching, or None when that era has no class for the car."""
        for bin_ in self.class_bins:
            if bin_.matches(year, category, supercharged, cc):
                return bin_
        return None

    def colour_code(self, nationality: str) -> str:
        """The code whose colours ``nationality`` takes (a successor state takes its
        predecessor's, 'UK' takes 'GB'; data/colour-aliases.csv), upper case."""
        code = nationality.strip().upper()
        return dict(self.colour_aliases).get(code, code)

    def colours_for(self, nationality: str, year: int) -> RacingColour | None:
        """The entrant nation's racing colour in ``year`` (rows of that year merged: any of
        their body colours is accepted), or None when the table has no row for it."""
        code = self.colour_code(nationality)
        rows = [c for c in self.colours
                if c.nationality == code and c.from_year <= year <= c.to_year]
        if not rows:
            return None
        if len(rows) == 1:
            return rows[0]
        first = rows[0]
        body = frozenset().union(*(r.body for r in rows))
        return RacingColour(
            nationality=code, nation=first.nation,
            from_year=max(r.from_year for r in rows), to_year=min(r.to_year for r in rows),
            body=body, status_verified=all(r.status_verified for r in rows),
            secondary="; ".join(r.secondary for r in rows if r.secondary),
            source="; ".join(r.source for r in rows if r.source),
            no_body_colour="" if body else first.no_body_colour,
        )


def _nearest(name: str, choices: tuple[str, ...]) -> str | None:
    """The choice closest to ``name`` in spelling (case, space and hyphen blind), if close."""
    keys = {normalise(c).replace(" ", ""): c for c in choices}
    found = difflib.get_close_matches(normalise(name).replace(" ", ""), list(keys), n=1,
                                      cutoff=0.75)
    return keys[found[0]] if found else None


def _rows(filename: str, text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    lines = text.splitlines()
    body = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("#")]
    if not body:
        raise DataFileError(f"data file {filename} is empty")
    header_no, header = body[0]
    got = tuple(next(csv.reader([header])))
    if got != columns:
        raise DataFileError(
            f"data file {filename} line {header_no}: header is {', '.join(got)}; "
            f"expected {', '.join(columns)}"
        )
    rows = []
    for line_no, line in body[1:]:
        values = next(csv.reader(io.StringIO(line)))
        if len(values) != len(columns):
            raise DataFileError(
                f"data file {filename} line {line_no}: {len(values)} fields, "
                f"expected {len(columns)} ({', '.join(columns)})"
            )
        rows.append((line_no, dict(zip(columns, values, strict=True))))
    return rows


class _Row:
    """Field access that names file, line and column when a value is wrong."""

    def __init__(self, filename: str, line_no: int, values: dict[str, str]) -> None:
        self.filename, self.line_no, self.values = filename, line_no, values

    def fail(self, column: str, expected: str) -> DataFileError:
        return DataFileError(
            f"data file {self.filename} line {self.line_no} column {column}: "
            f"{self.values[column]!r} is not {expected}"
        )

    def text(self, column: str) -> str:
        value = self.values[column].strip()
        if not value:
            raise self.fail(column, "a non-empty text")
        return value

    def int_or_none(self, column: str) -> int | None:
        value = self.values[column].strip()
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise self.fail(column, "a whole number") from None

    def flag(self, column: str, true: str = "yes", false: str = "no") -> bool:
        value = self.values[column].strip()
        if value not in (true, false):
            raise self.fail(column, f"{true!r} or {false!r}")
        return value == true

    def years(self, column: str) -> frozenset[int]:
        years: set[int] = set()
        for part in filter(None, (p.strip() for p in self.values[column].split(";"))):
            try:
                first, _, last = part.partition("-")
                lo, hi = int(first), int(last or first)
            except ValueError:
                raise self.fail(column, "years like 1927;1930-1933") from None
            if not (FIRST_EDITION <= lo <= hi <= LAST_EDITION):
                raise self.fail(column, f"within {FIRST_EDITION}-{LAST_EDITION}")
            years.update(y for y in range(lo, hi + 1) if y in EDITIONS)
        return frozenset(years)


def parse_register(
    register_csv: str, classes_csv: str, colours_csv: str, where: str = "slotrace/rules/data",
    colour_aliases_csv: str = "",
) -> Register:
    """Build a `Register` from the CSV texts; `DataFileError` on any bad line."""
    models = []
    names = set()
    for line_no, values in _rows(
        f"{where}/register.csv",
        register_csv,
        ("marque", "model", "country", "years", "overall_wins", "class_wins", "special_list",
         "verified"),
    ):
        row = _Row(f"{where}/register.csv", line_no, values)
        model = RegisteredModel(
            marque=row.text("marque"),
            model=row.text("model"),
            country=row.text("country"),
            years=row.years("years"),
            overall_wins=row.years("overall_wins"),
            class_wins=row.years("class_wins"),
            special_list=row.flag("special_list"),
            verified=row.flag("verified", "V", "U"),
        )
        key = (normalise(model.marque), normalise(model.model))
        if key in names:
            raise row.fail("model", "unique (this marque and model appear twice)")
        if not model.years and not model.special_list:
            raise row.fail("years", "given (only special-list models may have no years)")
        names.add(key)
        models.append(model)

    bins = []
    for line_no, values in _rows(
        f"{where}/classes.csv", classes_csv,
        ("from_year", "to_year", "category", "supercharged", "max_cc", "code", "label"),
    ):
        row = _Row(f"{where}/classes.csv", line_no, values)
        category = row.text("category")
        if category != "*" and category not in {c.value for c in Category}:
            raise row.fail("category", "S, GT, T or *")
        charged = row.text("supercharged")
        if charged not in ("yes", "no", "any"):
            raise row.fail("supercharged", "yes, no or any")
        from_year, to_year = row.int_or_none("from_year"), row.int_or_none("to_year")
        if from_year is None or to_year is None or from_year > to_year:
            raise row.fail("to_year", "a year range with from_year <= to_year")
        bins.append(ClassBin(
            from_year=from_year, to_year=to_year,
            category=None if category == "*" else Category(category),
            supercharged=None if charged == "any" else charged == "yes",
            max_cc=row.int_or_none("max_cc"), code=row.text("code"), label=row.text("label"),
        ))

    colours = []
    for line_no, values in _rows(
        f"{where}/colours.csv", colours_csv,
        ("nationality", "nation", "from_year", "to_year", "body", "secondary", "numbers",
         "status", "source"),
    ):
        row = _Row(f"{where}/colours.csv", line_no, values)
        from_year, to_year = row.int_or_none("from_year"), row.int_or_none("to_year")
        from_year = OPEN_START if from_year is None else from_year
        to_year = OPEN_END if to_year is None else to_year
        if from_year > to_year:
            raise row.fail("to_year", f"a year from {from_year} on")
        body_text = row.text("body")
        no_body = NO_BODY_COLOUR.get(body_text.casefold(), "")
        if body_text.startswith("(") and not no_body:
            raise row.fail("body", "colours or one of " + ", ".join(NO_BODY_COLOUR))
        colours.append(RacingColour(
            nationality=row.text("nationality").upper(), nation=row.text("nation"),
            from_year=from_year, to_year=to_year,
            body=frozenset() if no_body else frozenset(
                normalise(c) for c in body_text.split(";") if c.strip()),
            status_verified=row.flag("status", "V", "U"),
            secondary=values["secondary"].strip(),
            source=row.text("source"),
            no_body_colour=no_body,
        ))
    aliases = []
    if colour_aliases_csv:
        known = {c.nationality for c in colours}
        for line_no, values in _rows(f"{where}/colour-aliases.csv", colour_aliases_csv,
                                     ("nationality", "uses", "reason")):
            row = _Row(f"{where}/colour-aliases.csv", line_no, values)
            uses = row.text("uses").upper()
            if uses not in known:
                raise row.fail("uses", "a nationality of colours.csv")
            row.text("reason")
            aliases.append((row.text("nationality").upper(), uses))
    return Register(tuple(models), tuple(bins), tuple(colours), tuple(aliases))


@functools.cache
def load_register() -> Register:
    """The register shipped with slotrace (cached)."""
    data = resources.files("slotrace.rules") / "data"
    return parse_register(
        (data / "register.csv").read_text("utf-8"),
        (data / "classes.csv").read_text("utf-8"),
        (data / "colours.csv").read_text("utf-8"),
        colour_aliases_csv=(data / "colour-aliases.csv").read_text("utf-8"),
    )
