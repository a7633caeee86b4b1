"""``slotrace new`` and ``slotrace journal``: what an organiser types, and what comes out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.engine import input_from_record
from slotrace.store import EventFile

from .race_stream import race_stream


def test_new_creates_an_event_file_from_the_shipped_template(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mille.slotrace"
    assert main(["new", str(path), "--name", "Charity Mille"]) == 0
    with EventFile.open(path, read_only=True) as ef:
        assert ef.name == "Charity Mille"
        assert ef.event_definition()["track"] == "mini-mille-miglia"
        assert len(ef.event_definition()["legs"]) == 4
    assert main(["new", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_journal_export_is_a_recording_that_replays_to_the_same_inputs(
    tmp_path: Path, capsys
) -> None:
    path = tmp_path / "mille.slotrace"
    stream = race_stream(7, laps=5)
    with EventFile.create(path) as ef:
        recorder = ef.start_heat("Heat 1", {})
        for item in stream:
            recorder.append(item)
    out = tmp_path / "heat1.jsonl"
    assert main(["journal", str(path), "--heat", "1", "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [input_from_record(line) for line in lines] == stream
    assert all("received" in line and "seq" in line for line in lines)
    assert main(["journal", str(path)]) == 0
    assert f"heat 1: 'Heat 1' running ({len(stream)} journal entries)" in capsys.readouterr().out


@pytest.mark.parametrize("heat", ["9"])
def test_journal_names_an_unknown_heat(tmp_path: Path, capsys, heat: str) -> None:
    path = tmp_path / "e.slotrace"
    EventFile.create(path).close()
    assert main(["journal", str(path), "--heat", heat]) == 1
    assert "has no heat 9 (heats: none yet)" in capsys.readouterr().err
