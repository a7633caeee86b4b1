"""Provides the entries CSV importer: spreadsheet-proof reading, every problem by row and column.

`read_entries_csv` is pure (text in, entries and warnings out); `load_entries_csv` adds reading
the file's bytes in whatever encoding the spreadsheet used. Errors name the file, the row (file
line), the column as the file heads it and the expected form, all at once; on any error nothing
is returned. Warnings (defaults assumed for missing optional columns, ignored columns, a
non-UTF-8 encoding) never reject a car.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from slotrace.rules.errors import EntriesFileError, Problem
from slotrace.rules.model import Entry, ModelCar
from slotrace.rules.register import Register, load_register
from slotrace.rules.spreadsheet import (
    Delimiter,
    decode,
    header_key,
    parse_flag,
    parse_number,
    sniff,
)

REQUIRED_COLUMNS = (
    "entrant", "nationality", "marque", "model", "replica_year", "build_year",
    "displacement_cc", "category", "body_colour",
)
OPTIONAL_COLUMNS = (
    "entry_no", "race_number", "co_driver", "ladies_crew", "team", "supercharged", "body_style",
    "secondary_colours", "number_positions", "has_driver", "has_glazing", "has_interior",
    "visible_mechanicals", "modern_decals", "scale", "documented_livery_ref",
    "replicated_entry_ref", "entry_fee", "pledge_sponsor", "pledge_per_lap", "pledge_cap",
    "pledge_fixed",
)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "entrant": ("driver", "driver_name", "name", "entrant_name", "pilot", "racer", "first_driver"),
    "co_driver": ("codriver", "co_pilot", "navigator", "second_driver", "passenger"),
    "nationality": ("nation", "country", "nat"),
    "marque": ("make", "marque_make", "make_marque", "manufacturer", "brand"),
    "model": ("car_model", "type"),
    "replica_year": ("year", "mm_year", "edition", "race_year", "replica"),
    "build_year": ("year_built", "built", "construction_year"),
    "displacement_cc": ("cc", "displacement", "capacity", "capacity_cc", "engine_cc",
                        "cubic_capacity", "ccm"),
    "category": ("cat",),
    "body_colour": ("body_color", "colour", "color", "body_colour_s"),
    "entry_no": ("entry", "entry_number", "entry_nr"),
    "race_number": ("number", "race_no", "race_nr", "start_number", "car_number", "race", "no",
                    "nr", "num"),
    "ladies_crew": ("ladies", "ladies_cup"),
    "team": ("club",),
    "supercharged": ("supercharger", "compressor", "blower"),
    "body_style": ("body_type", "open_closed"),
    "secondary_colours": ("secondary_colors", "secondary_colour", "secondary_color", "stripes"),
    "number_positions": ("number_position", "number_placement", "numbers"),
    "has_driver": ("driver_figure",),
    "has_glazing": ("glazing", "windscreen"),
    "has_interior": ("interior",),
    "entry_fee": ("fee",),
    "pledge_sponsor": ("sponsor",),
    "pledge_per_lap": ("per_lap",),
    "pledge_cap": ("cap",),
    "pledge_fixed": ("fixed_pledge", "donation"),
}
ALIASES = {
    **{header_key(c): c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)},
    **{alias: column for column, aliases in SYNONYMS.items() for alias in aliases},
}
DEFAULTS = {
    "entry_no": "numbered in row order", "race_number": "assigned by the start list",
    "supercharged": "no", "body_style": "open",
    "number_positions": "left;right (the minimum check E7 needs; the sheet does not say)",
    "has_driver": "yes", "has_glazing": "yes", "has_interior": "yes",
    "visible_mechanicals": "no", "modern_decals": "no", "scale": "1:32", "ladies_crew": "no",
}
"""What a missing optional column means, stated as a warning (columns not listed: empty)."""
MISSING_POSITIONS = frozenset({"left", "right"})
_CATEGORIES = {"s": "S", "sport": "S", "sports": "S", "gt": "GT", "gran turismo": "GT",
               "grand touring": "GT", "t": "T", "turismo": "T", "touring": "T"}


@dataclass(frozen=True, slots=True)
class EntriesImport:
    """A successful read: the entries, the warnings to show, how the file was read."""

    entries: tuple[Entry, ...]
    warnings: tuple[Problem, ...]
    delimiter: Delimiter
    encoding: str = "UTF-8"


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    heading: str
    name: str | None  # None: not used by slotrace


def load_entries_csv(path: Path, register: Register | None = None) -> EntriesImport:
    """Read an entries CSV file in UTF-8, UTF-16 or Windows-1252 (what Excel saves)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EntriesFileError(str(path), [Problem("file", f"cannot be read ({exc.strerror})")]
                               ) from None
    decoded = decode(data)
    result = read_entries_csv(decoded.text, str(path), register)
    if decoded.encoding in ("UTF-8", "UTF-16"):
        return EntriesImport(result.entries, result.warnings, result.delimiter, decoded.encoding)
    note = Problem(path.name, f"not UTF-8; read as {decoded.encoding} (Excel's plain 'CSV'); "
                              "check accented names, or save as 'CSV UTF-8'")
    return EntriesImport(result.entries, (note, *result.warnings), result.delimiter,
                         decoded.encoding)


def parse_entries_csv(
    text: str, source_name: str, register: Register | None = None
) -> list[Entry]:
    """The entries of an entries CSV text (warnings dropped); see `read_entries_csv`."""
    return list(read_entries_csv(text, source_name, register).entries)


def _columns(header: list[str], line: int, problems: list[Problem], warnings: list[Problem]
             ) -> list[_Column]:
    columns: list[_Column] = []
    seen: dict[str, str] = {}
    for index, heading in enumerate(h.strip().lstrip("\ufeff") for h in header):
        key = header_key(heading.replace("#", " number "))  # '#', 'Race #' -> race number
        name = ALIASES.get(key)
        where = f"row {line} column {heading!r}"
        if not key:
            columns.append(_Column(index, heading, None))
            continue
        if name is None:
            close = difflib.get_close_matches(key, list(ALIASES), n=1, cutoff=0.8)
            if close:
                problems.append(Problem(where, f"unknown column (did you mean "
                                               f"{ALIASES[close[0]]}?)"))
            else:
                warnings.append(Problem(where, "not a slotrace column; ignored"))
        elif name in seen:
            problems.append(Problem(where, f"means {name}, like column {seen[name]!r}; "
                                           "keep one of them"))
            name = None
        else:
            seen[name] = heading
        columns.append(_Column(index, heading, name))
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            known = ", ".join((name, *SYNONYMS.get(name, ())[:3]))
            problems.append(Problem(f"row {line} column {name!r}",
                                    f"required column missing (headed e.g. {known})"))
    for name in OPTIONAL_COLUMNS:
        if name not in seen and name in DEFAULTS:
            warnings.append(Problem(f"row {line} column {name!r}",
                                    f"not in the file; every car: {DEFAULTS[name]}"))
    return columns


def _one_column_hint(header_text: str) -> str:
    marks = sorted({c for c in header_text if c in "|:!/^~" or c == " "} - {" "})
    seen = f" (it seems separated by {marks[0]!r})" if marks else ""
    return ("the file reads as one column" + seen + "; slotrace reads fields separated by "
            "commas, semicolons or tabs: in the spreadsheet use Save as > CSV")


def read_entries_csv(
    text: str, source_name: str, register: Register | None = None
) -> EntriesImport:
    """Parse an entries CSV text; `EntriesFileError` lists every problem by row and column.

    Comma, semicolon or tab separated (sniffed, or an Excel ``sep=`` line); headings in any
    case and spacing, with synonyms ("Driver name", "Marque/Make", "cc"); decimal commas; leading
    '#' comment lines. Checked here (import errors): missing or misspelt columns, numbers and
    flags that do not parse, values the model rejects, duplicate entry and race numbers, marques
    not in the register (with the nearest one). Eligibility (E1-E11) is scrutineering's job.
    """
    register = register or load_register()
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    layout = sniff([line.rstrip("\r\n") for line in lines])
    skipped = layout.header_line - 1
    reader = csv.reader(io.StringIO("".join(lines[skipped:])), delimiter=layout.delimiter.value)
    header = next(reader, [])
    problems: list[Problem] = []
    warnings: list[Problem] = []
    line = layout.header_line
    if len([h for h in header if h.strip()]) <= 1:
        raise EntriesFileError(source_name, [Problem(f"row {line}", _one_column_hint(
            "".join(header)) if header else "no header row (expected entrant, nationality, ...)"
        )])
    columns = _columns(header, line, problems, warnings)
    if any("required column missing" in p.message for p in problems):
        raise EntriesFileError(source_name, problems)

    decimal_comma = layout.delimiter is not Delimiter.COMMA
    header_keys = [header_key(h) for h in header if h.strip()]
    entries: list[Entry] = []
    seen: dict[str, dict[int, int]] = {"entry_no": {}, "race_number": {}}
    previous_end = reader.line_num
    for cells in reader:
        row_no = skipped + previous_end + 1
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if [header_key(c) for c in cells if c.strip()] == header_keys:
            problems.append(Problem(f"row {row_no}", f"repeats the header row (row {line}): "
                                    "delete it (two exports pasted together?)"))
            continue
        values: dict[str, str] = {}
        headings: dict[str, str] = {}
        for index, cell in enumerate(cells):
            value = cell.strip()
            column = columns[index] if index < len(columns) else None
            if column is None or column.name is None:
                if value and (column is None or not column.heading):
                    problems.append(Problem(f"row {row_no}", f"value {value!r} in column "
                                            f"{index + 1}, which has no heading"))
                continue
            values[column.name], headings[column.name] = value, column.heading
        row_problems, entry = _parse_entry_row(
            _Row(values, headings, row_no, decimal_comma), len(entries) + 1, register)
        problems.extend(row_problems)
        for name, what in (("entry_no", "entry"), ("race_number", "race number")):
            number = _quiet_int(values.get(name, ""), decimal_comma)
            if number is None:
                continue
            if number in seen[name]:
                problems.append(Problem(f"row {row_no} column {headings[name]!r}", f"{what} "
                                        f"{number} already used on row {seen[name][number]}"))
            seen[name].setdefault(number, row_no)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise EntriesFileError(source_name, problems)
    if not entries:
        raise EntriesFileError(source_name, [Problem("file", "no entries (only a header)")])
    return EntriesImport(tuple(entries), tuple(warnings), layout.delimiter)


def _quiet_int(value: str, decimal_comma: bool) -> int | None:
    try:
        number = parse_number(value, whole=True, decimal_comma=decimal_comma)
    except ValueError:
        return None
    return int(number)


@dataclass
class _Row:
    """One data row by canonical column, with the file's headings for messages."""

    values: dict[str, str]
    headings: dict[str, str]
    line: int
    decimal_comma: bool

    def where(self, column: str) -> str:
        return f"row {self.line} column {self.headings.get(column, column)!r}"


def _parse_entry_row(
    row: _Row, default_no: int, register: Register
) -> tuple[list[Problem], Entry | None]:
    problems: list[Problem] = []
    get = row.values.get

    def number(column: str, whole: bool = True) -> Any:
        value = get(column, "")
        if value == "":
            return None
        try:
            return parse_number(value, whole=whole, decimal_comma=row.decimal_comma)
        except ValueError:
            expected = "a whole number" if whole else "a number"
            if row.decimal_comma and "," in value:
                expected += " (in this file ',' is the decimal comma)"
            problems.append(Problem(row.where(column), f"{value!r} is not {expected}"))
            return None

    def flag(column: str, default: bool) -> bool:
        if column not in row.values or row.values[column] == "":
            return default
        parsed = parse_flag(row.values[column])
        if parsed is None:
            problems.append(Problem(row.where(column), f"{row.values[column]!r} is not yes or no"))
            return default
        return parsed

    def listed(column: str, split: str) -> tuple[str, ...]:
        return tuple(p.strip().casefold() for p in re.split(split, get(column, "")) if p.strip())

    positions = (frozenset(listed("number_positions", r"[;,/+&\s]+")) - {"and"}
                 if "number_positions" in row.values else MISSING_POSITIONS)
    category = _CATEGORIES.get(get("category", "").casefold(), get("category", ""))
    car: dict[str, Any] = {
        "marque": get("marque", ""), "model": get("model", ""),
        "replica_year": number("replica_year"), "build_year": number("build_year"),
        "displacement_cc": number("displacement_cc"),
        "supercharged": flag("supercharged", False), "category": category,
        "body_colour": get("body_colour", "").casefold(),
        "secondary_colours": listed("secondary_colours", r"[;,/]"),
        "number_positions": positions,
        "has_driver": flag("has_driver", True), "has_glazing": flag("has_glazing", True),
        "has_interior": flag("has_interior", True),
        "visible_mechanicals": flag("visible_mechanicals", False),
        "modern_decals": flag("modern_decals", False),
    }
    if get("body_style"):
        car["body_style"] = get("body_style", "").casefold()
    if get("scale"):
        car["scale"] = number("scale")
    for optional in ("documented_livery_ref", "replicated_entry_ref"):
        if get(optional):
            car[optional] = get(optional)
    entry: dict[str, Any] = {
        "entry_no": number("entry_no") or default_no,
        "race_number": number("race_number"),
        "entrant": get("entrant", ""), "nationality": get("nationality", "").upper(),
        "co_driver": get("co_driver") or None, "ladies_crew": flag("ladies_crew", False),
        "team": get("team") or None, "entry_fee": number("entry_fee", whole=False) or 0.0,
    }
    if get("pledge_sponsor"):
        entry["pledges"] = ({
            "sponsor": get("pledge_sponsor"),
            "per_lap": number("pledge_per_lap", whole=False) or 0.0,
            "cap": number("pledge_cap", whole=False),
            "fixed": number("pledge_fixed", whole=False) or 0.0,
        },)
    elif any(get(c) for c in ("pledge_per_lap", "pledge_cap", "pledge_fixed")):
        problems.append(Problem(row.where("pledge_sponsor"), "a pledge needs the sponsor's name"))
    marque = get("marque", "")
    if marque and not register.models_of(marque):
        near = register.suggest_marque(marque)
        hint = f"did you mean {near!r}?" if near else "no registered marque is close; check it"
        problems.append(Problem(row.where("marque"), f"{marque!r} is not a marque in the "
                                f"Mille Miglia register ({hint})"))
    if any(p.where != row.where("marque") for p in problems):
        return problems, None  # unparsed cells: the model's checks would only repeat them
    registered = register.find(car["marque"], car["model"])
    if registered is not None:  # the register's spelling, so reports and lists agree
        car["marque"], car["model"] = registered.marque, registered.model
    elif register.models_of(marque):
        car["marque"] = register.models_of(marque)[0].marque
    try:
        car_model = ModelCar.model_validate(car)
        made = Entry.model_validate({**entry, "car": car_model})
        return problems, None if problems else made
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "?"
            if column == "car" and len(error["loc"]) > 1:
                column = str(error["loc"][1])
            if column == "pledges":
                column = "pledge_" + str(error["loc"][-1])
            problems.append(Problem(row.where(column), f"{error['msg']} (got {get(column)!r})"))
        return problems, None
