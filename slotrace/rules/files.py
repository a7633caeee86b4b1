"""Provides loaders for track and template TOML files and the entries CSV, with full error lists.

`parse_*` functions are pure (text in, models out); `load_track` and `load_template` only add
finding and reading the file. Every error names the file, the field (or row and column) and the
expected form, and lists every problem at once; nothing is returned half-loaded.
"""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from slotrace.rules.errors import (
    EntriesFileError,
    Problem,
    TemplateFileError,
    TrackFileError,
)
from slotrace.rules.model import Entry, Event, ModelCar, PassageControl, Track
from slotrace.rules.register import Register, load_register

SOURCE_TRACKS_DIR = Path(__file__).resolve().parents[2] / "tracks"
"""The repository's tracks/ folder, used when the package ``slotrace.tracks`` is not installed
(an editable install made before tracks/ was packaged)."""


def shipped_tracks() -> Traversable:
    """The shipped track files: the installed package ``slotrace.tracks`` (tracks/ in the repo)."""
    try:
        return resources.files("slotrace.tracks")
    except ModuleNotFoundError:
        return SOURCE_TRACKS_DIR


def _field_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    errors = exc.errors()
    deeper = {tuple(e["loc"][:i]) for e in errors for i in range(1, len(e["loc"]))}
    for error in errors:
        if error["type"] == "too_short" and tuple(error["loc"]) in deeper:
            continue  # a list emptied by its own bad items: the items are already reported
        loc = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function"))
        where = f"{prefix}{loc}" if loc else (prefix.rstrip(".") or "file")
        given = error.get("input")
        shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
        problems.append(Problem(f"field {where}", f"{error['msg']}{shown}"))
    return problems


def _parse_toml(text: str, source: str, error: type[TrackFileError | TemplateFileError]) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(source, [Problem("TOML syntax", str(exc))]) from None


def parse_track(text: str, source: str) -> Track:
    """Parse a track TOML text; `TrackFileError` lists every bad field."""
    data = _parse_toml(text, source, TrackFileError)
    try:
        return Track.model_validate(data)
    except ValidationError as exc:
        raise TrackFileError(source, _field_problems(exc)) from None


def load_track(name_or_path: str | Path) -> Track:
    """Load a track by file path or by name from the shipped tracks (the `tracks/` folder)."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if path.is_file():
            return parse_track(path.read_text("utf-8"), str(path))
    else:
        shipped = shipped_tracks() / f"{name_or_path}.toml"
        if shipped.is_file():
            return parse_track(shipped.read_text("utf-8"), f"track {name_or_path}")
    folder = shipped_tracks()
    known = sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                   if p.name.endswith(".toml")) if folder.is_dir() else []
    raise TrackFileError(str(name_or_path), [Problem(
        "track", f"no such track file or name (known tracks: {', '.join(known) or 'none'})"
    )])


def check_event_on_track(event: Event, track: Track) -> list[Problem]:
    """Every place a leg or trial names must exist on the track, with a sensor where timed."""
    problems: list[Problem] = []
    names = {p.name: p for p in track.places}

    def need(where: str, name: str) -> None:
        if name not in names:
            problems.append(Problem(where, f"{name!r} is not a place on track {track.name!r} "
                                           f"(places: {', '.join(names)})"))
        elif names[name].sensor is None:
            sensed = ", ".join(p.name for p in track.places if p.sensor)
            problems.append(Problem(where, f"place {name!r} has no sensor group, so it cannot "
                                           f"be timed (sensed places: {sensed})"))

    for li, leg in enumerate(event.legs):
        need(f"field legs.{li}.start_place", leg.start_place)
        for ti, trial in enumerate(leg.trials):
            base = f"field legs.{li}.trials.{ti}"
            if isinstance(trial, PassageControl):
                for pi, place in enumerate(trial.places):
                    need(f"{base}.places.{pi}", place)
                continue
            for attr in ("start", "end", "place"):
                if hasattr(trial, attr):
                    need(f"{base}.{attr}", getattr(trial, attr))
            for ci, checkpoint in enumerate(getattr(trial, "checkpoints", ())):
                need(f"{base}.checkpoints.{ci}.place", checkpoint.place)
    return problems


def parse_template(text: str, source: str, track: Track | None = None) -> Event:
    """Parse an event template; with ``track``, also check every named place exists there."""
    data = _parse_toml(text, source, TemplateFileError)
    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        raise TemplateFileError(source, _field_problems(exc)) from None
    if not event.legs:
        raise TemplateFileError(source, [Problem("field legs", "at least one [[legs]] table")])
    if track is not None:
        problems = check_event_on_track(event, track)
        if problems:
            raise TemplateFileError(source, problems)
    return event


def load_template(name_or_path: str | Path, track: Track | None = None) -> Event:
    """Load a shipped template by name (e.g. 'mille-miglia-2020') or a template file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise TemplateFileError(str(path), [Problem("template", "file not found")])
        return parse_template(path.read_text("utf-8"), str(path), track)
    shipped = resources.files("slotrace.rules") / "templates" / f"{name_or_path}.toml"
    if not shipped.is_file():
        known = sorted(
            p.name.removesuffix(".toml")
            for p in (resources.files("slotrace.rules") / "templates").iterdir()
            if p.name.endswith(".toml")
        )
        raise TemplateFileError(str(name_or_path), [Problem(
            "template", f"no such template (shipped: {', '.join(known)})")])
    return parse_template(shipped.read_text("utf-8"), f"template {name_or_path}", track)


# --------------------------------------------------------------------------- entries CSV

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
CAR_COLUMNS = frozenset({
    "marque", "model", "replica_year", "build_year", "displacement_cc", "supercharged",
    "category", "body_style", "body_colour", "secondary_colours", "number_positions",
    "has_driver", "has_glazing", "has_interior", "visible_mechanicals", "modern_decals", "scale",
    "documented_livery_ref", "replicated_entry_ref",
})
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


def parse_entries_csv(
    text: str, source_name: str, register: Register | None = None
) -> list[Entry]:
    """Parse an entries CSV; `EntriesFileError` lists every problem by row and column.

    Checked here (import errors): unknown or missing columns, numbers and flags that do not
    parse, values the model rejects, duplicate entry and race numbers, marques that are not in
    the register. Eligibility (E1-E11) is scrutineering's job, not the importer's.
    """
    register = register or load_register()
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1  # leading comment lines (sources, licence); row numbers stay file lines
    reader = csv.DictReader(io.StringIO("".join(lines[skipped:])))
    header_row = skipped + 1
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[Problem] = []
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for column in header:
        if column not in known:
            problems.append(Problem(f"row {header_row} column {column!r}", "unknown column (known: "
                                    f"{', '.join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))})"))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for column in missing:
        problems.append(Problem(f"row {header_row} column {column!r}", "required column missing"))
    if missing:
        raise EntriesFileError(source_name, problems)

    entries: list[Entry] = []
    seen_entry: dict[int, int] = {}
    seen_number: dict[int, int] = {}
    for index, raw in enumerate(reader):
        row_no = reader.line_num if reader.line_num else index + 2
        row_no += skipped
        if None in raw:
            problems.append(Problem(f"row {row_no}", f"more fields than the {len(header)} "
                                                     "columns in the header"))
            continue
        row = {k.strip(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        row = {k: v for k, v in row.items() if k in known}
        row_problems, entry = _parse_entry_row(row, row_no, index + 1, register)
        problems.extend(row_problems)
        for column, seen, what in (("entry_no", seen_entry, "entry"),
                                   ("race_number", seen_number, "race number")):
            value = row.get(column, "")
            if not value.isdigit():
                continue
            if int(value) in seen:
                problems.append(Problem(f"row {row_no} column {column!r}", f"{what} "
                                        f"{value} already used on row {seen[int(value)]}"))
            seen.setdefault(int(value), row_no)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise EntriesFileError(source_name, problems)
    if not entries:
        raise EntriesFileError(source_name, [Problem("file", "no entries (only a header)")])
    return entries


def _parse_entry_row(
    row: dict[str, str], row_no: int, default_no: int, register: Register
) -> tuple[list[Problem], Entry | None]:
    problems: list[Problem] = []

    def where(column: str) -> str:
        return f"row {row_no} column {column!r}"

    def number(column: str, kind: type = int) -> Any:
        value = row.get(column, "")
        if value == "":
            return None
        try:
            return kind(value.replace(",", "")) if kind is int else kind(value)
        except ValueError:
            expected = "a whole number" if kind is int else "a number"
            problems.append(Problem(where(column), f"{value!r} is not {expected}"))
            return None

    def flag(column: str, default: bool) -> bool:
        value = row.get(column, "").casefold()
        if column not in row or (value == "" and column != "ladies_crew"):
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        problems.append(Problem(where(column), f"{row[column]!r} is not yes or no"))
        return default

    def listed(column: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in row.get(column, "").split(";") if p.strip())

    car: dict[str, Any] = {
        "marque": row["marque"], "model": row["model"],
        "replica_year": number("replica_year"), "build_year": number("build_year"),
        "displacement_cc": number("displacement_cc"),
        "supercharged": flag("supercharged", False), "category": row["category"],
        "body_colour": row["body_colour"].casefold(),
        "secondary_colours": tuple(c.casefold() for c in listed("secondary_colours")),
        "number_positions": frozenset(p.casefold() for p in listed("number_positions")),
        "has_driver": flag("has_driver", True), "has_glazing": flag("has_glazing", True),
        "has_interior": flag("has_interior", True),
        "visible_mechanicals": flag("visible_mechanicals", False),
        "modern_decals": flag("modern_decals", False),
    }
    if row.get("body_style"):
        car["body_style"] = row["body_style"].casefold()
    if row.get("scale"):
        car["scale"] = number("scale")
    for optional in ("documented_livery_ref", "replicated_entry_ref"):
        if row.get(optional):
            car[optional] = row[optional]
    entry: dict[str, Any] = {
        "entry_no": number("entry_no") or default_no,
        "race_number": number("race_number"),
        "entrant": row["entrant"], "nationality": row["nationality"].upper(),
        "co_driver": row.get("co_driver") or None, "ladies_crew": flag("ladies_crew", False),
        "team": row.get("team") or None, "entry_fee": number("entry_fee", float) or 0.0,
    }
    if row.get("pledge_sponsor"):
        entry["pledges"] = ({
            "sponsor": row["pledge_sponsor"],
            "per_lap": number("pledge_per_lap", float) or 0.0,
            "cap": number("pledge_cap", float),
            "fixed": number("pledge_fixed", float) or 0.0,
        },)
    elif any(row.get(c) for c in ("pledge_per_lap", "pledge_cap", "pledge_fixed")):
        problems.append(Problem(where("pledge_sponsor"), "a pledge needs the sponsor's name"))
    if row["marque"] and not register.models_of(row["marque"]):
        problems.append(Problem(where("marque"), f"{row['marque']!r} is not a marque in the "
                                "Mille Miglia register (check spelling, e.g. 'Alfa Romeo')"))
    if any("column 'marque'" not in p.where for p in problems):
        return problems, None
    try:
        car_model = ModelCar.model_validate(car)
    except ValidationError as exc:
        car_model = None
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(Problem(where(column), f"{error['msg']} (got {row.get(column)!r})"))
    if car_model is None:
        return problems, None
    try:
        entry_model = Entry.model_validate({**entry, "car": car_model})
        return problems, None if problems else entry_model
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "?"
            if column == "pledges":
                column = "pledge_" + str(error["loc"][-1])
            problems.append(Problem(where(column), f"{error['msg']} (got {row.get(column)!r})"))
        return problems, None
