"""Issue 9 item 8: the event file holds its track and template, so a copied event runs anywhere."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from slotrace.rules.errors import TrackFileError
from slotrace.rules.files import load_track, shipped_tracks
from slotrace.store import EventFile, HeatStatus, PlannedHeatStatus, schema

TRACK = "mini-mille-miglia"


def slotrace(*args: str | Path, cwd: Path, expect: int = 0) -> str:
    """Run the real command line in ``cwd``; returns its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "slotrace", *map(str, args)],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done.stdout


def _few_entries(path: Path, rows: int = 4) -> None:
    """The first ``rows`` entries of the shipped sample (all pass scrutineering)."""
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    path.write_text("\n".join(lines[: rows + 1]) + "\n", "utf-8")


def test_an_event_made_with_a_relative_track_path_runs_after_moving_it(tmp_path: Path) -> None:
    made, elsewhere = tmp_path / "club-laptop", tmp_path / "usb-stick"
    made.mkdir()
    elsewhere.mkdir()
    shutil.copy(Path(str(shipped_tracks() / f"{TRACK}.toml")), made / "our-track.toml")
    _few_entries(made / "entries.csv")
    slotrace("new", "ev.slotrace", "--track", "our-track.toml", cwd=made)
    slotrace("entries", "import", "ev.slotrace", "entries.csv", cwd=made)
    slotrace("scrutineer", "ev.slotrace", "--record", cwd=made)
    slotrace("startlist", "ev.slotrace", "--save", cwd=made)
    slotrace("heats", "ev.slotrace", "--save", cwd=made)
    shutil.move(made / "ev.slotrace", elsewhere / "ev.slotrace")
    shutil.rmtree(made)  # the track file, the old folder: gone

    out = slotrace("run", "ev.slotrace", "--next", "--device", "sim", "--speedup", "100",
                   "--laps", "2", "--timeout", "120", cwd=elsewhere)
    assert "[1/" in out
    results = json.loads(slotrace("results", "ev.slotrace", "--format", "json", cwd=elsewhere))
    assert len(results["heats"]) == 1 and results["heats"][0]["standings"]
    assert "PASSED" in slotrace("scrutineer", "ev.slotrace", cwd=elsewhere)
    with EventFile.open(elsewhere / "ev.slotrace", read_only=True) as ef:
        assert ef.event_definition()["track"] == "our-track.toml"  # as typed, no longer needed
        assert ef.track() == load_track(TRACK)
        assert ef.template()["source"] == "mille-miglia-2020"
        assert len(ef.template()["event"]["legs"]) == 4
        [heat] = ef.heats()
        assert heat.status is HeatStatus.FINISHED
        assert ef.planned_heat(1).status is PlannedHeatStatus.FINISHED


def test_the_stored_track_wins_over_a_changed_track_file(tmp_path: Path) -> None:
    shutil.copy(Path(str(shipped_tracks() / f"{TRACK}.toml")), tmp_path / "t.toml")
    slotrace("new", "ev.slotrace", "--track", "t.toml", cwd=tmp_path)
    edited = (tmp_path / "t.toml").read_text("utf-8").replace("lap_length_m = ", "lap_length_m = 1")
    (tmp_path / "t.toml").write_text(edited, "utf-8")
    with EventFile.open(tmp_path / "ev.slotrace", read_only=True) as ef:
        assert ef.track().lap_length_m == load_track(TRACK).lap_length_m


def _file_without_a_stored_track(path: Path, track: str) -> None:
    """An event file as slotrace wrote it before tracks were stored (schema 4, no meta)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, 0, to_version=4)
    definition = {"name": "Old event", "track": track}
    conn.execute("INSERT INTO event VALUES (1, 'Old event', ?, '2025-05-01')",
                 (json.dumps(definition),))
    conn.close()


@pytest.mark.parametrize("where", ["shipped name", "path beside the event file"])
def test_an_older_file_falls_back_to_the_track_name_and_stores_it_on_writable_open(
    tmp_path: Path, where: str
) -> None:
    event = tmp_path / "old.slotrace"
    if where == "shipped name":
        name = TRACK
    else:
        name = "mine.toml"
        shutil.copy(Path(str(shipped_tracks() / f"{TRACK}.toml")), tmp_path / name)
    _file_without_a_stored_track(event, name)
    with EventFile.open(event, read_only=True) as ro:  # the old way still works for readers
        assert not ro.has_stored_track() and ro.template() is None
        assert ro.track().name == TRACK
    with EventFile.open(event) as ef:  # a writer makes the file self-contained
        assert ef.has_stored_track()
    if where != "shipped name":
        (tmp_path / name).unlink()
    with EventFile.open(event, read_only=True) as ro:
        assert ro.track() == load_track(TRACK)


def test_an_older_file_whose_track_is_gone_still_opens_and_names_the_track(
    tmp_path: Path,
) -> None:
    event = tmp_path / "old.slotrace"
    _file_without_a_stored_track(event, "lost-track.toml")
    with EventFile.open(event) as ef:  # opening is not refused; only the track is missing
        assert ef.name == "Old event" and not ef.has_stored_track()
        with pytest.raises(TrackFileError, match=r"lost-track\.toml"):
            ef.track()
