"""Provides loaders for track and template TOML files and the entries CSV, with full error lists.

`parse_*` functions are pure (text in, models out); `load_track` and `load_template` only add
finding and reading the file. Every error names the file, the field (or row and column) and the
expected form, and lists every problem at once; nothing is returned half-loaded.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import ValidationError

from slotrace.rules.entries_csv import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    EntriesImport,
    load_entries_csv,
    parse_entries_csv,
    read_entries_csv,
)
from slotrace.rules.errors import (
    Problem,
    TemplateFileError,
    TrackFileError,
)
from slotrace.rules.model import Event, PassageControl, Track

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


__all__ = [
    "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "EntriesImport", "check_event_on_track",
    "load_entries_csv", "load_template", "load_track", "parse_entries_csv", "parse_template",
    "parse_track", "read_entries_csv", "shipped_tracks",
]
