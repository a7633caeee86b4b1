"""Outputs never damage the event: ``-o`` onto the event file or its companions is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.store import EventFile
from slotrace.store.outputs import OutputError, atomic_output, write_output

from .race_stream import race_stream


@pytest.fixture
def live_event(tmp_path: Path):
    """An event whose heat is running, written by this process (as race control would)."""
    path = tmp_path / "ev.slotrace"
    assert main(["new", str(path)]) == 0
    ef = EventFile.open(path, writer="slotrace open")
    recorder = ef.start_heat("Heat 1", {"kind": "race_laps", "laps": 5})
    for item in list(race_stream(7, laps=3))[:40]:
        recorder.append(item)
    yield path, ef
    ef.close()


def _intact(path: Path, rows: int) -> None:
    with EventFile.open(path, read_only=True) as reader:
        reader.quick_check()
        assert sum(1 for _ in reader.journal()) == rows


@pytest.mark.parametrize("target", ["ev.slotrace", "ev.slotrace-wal", "ev.slotrace-shm",
                                    "ev.slotrace.lock", "./sub/../ev.slotrace", "link"])
@pytest.mark.parametrize("command", [["results", "--format", "html"], ["journal", "--heat", "1"]])
def test_output_onto_the_event_file_or_its_companions_is_refused_during_a_live_heat(
    live_event, target: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ef = live_event
    (path.parent / "sub").mkdir()
    (path.parent / "link").symlink_to(path)
    rows = ef.last_seq()
    out = path.parent / target
    assert main([command[0], str(path), *command[1:], "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "refusing to write" in err and "Traceback" not in err
    _intact(path, rows)
    assert ef.last_seq() == rows


def test_record_onto_an_event_file_is_refused_before_connecting(
    live_event, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ef = live_event
    argv = ["record", "carrera:socket://127.0.0.1:9", "--seconds", "1", "-o", str(path)]
    assert main(argv) == 1
    assert "refusing to write" in capsys.readouterr().err
    _intact(path, ef.last_seq())


def test_results_go_to_a_new_file_atomically(live_event, tmp_path: Path) -> None:
    path, _ = live_event
    out = tmp_path / "results.json"
    out.write_text("old", encoding="utf-8")
    assert main(["results", str(path), "--format", "json", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("{")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing/out.csv", "folder missing does not exist"), (".", "it is a folder")],
)
def test_bad_targets_are_clear_errors(
    live_event, tmp_path: Path, target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = live_event
    os.chdir(tmp_path)
    assert main(["results", str(path), "--format", "csv", "-o", target]) == 1
    assert message in capsys.readouterr().err


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    write_output(out, "first")
    with pytest.raises(RuntimeError), atomic_output(out) as stream:
        stream.write("half")
        raise RuntimeError("killed halfway")
    assert out.read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    with pytest.raises(OutputError, match="is the event file"):
        write_output(tmp_path / "x", "", protected=[tmp_path / "x"])


def test_an_export_is_readable_like_any_file_the_organiser_writes(tmp_path: Path) -> None:
    """A results page copied to a web host must be readable by the web server: a new export
    gets the umask's mode (not the temporary file's private 0600), a replaced one keeps its."""
    previous = os.umask(0o022)
    try:
        fresh = write_output(tmp_path / "results.html", "<html></html>")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "private.csv"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o640)
        write_output(kept, "new")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(previous)
