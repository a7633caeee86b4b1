"""The CSV results export opens cleanly in Excel: a UTF-8 byte-order mark, accents intact."""

from __future__ import annotations

from pathlib import Path

from slotrace.cli import main
from slotrace.store import EventFile
from slotrace.store.export_formats import parse_csv

ENTRY = {
    "entry_no": 1, "race_number": 722, "entrant": "Jörg Müller", "nationality": "DE",
    "car": {"marque": "Mercedes-Benz", "model": "300 SLR", "replica_year": 1955,
            "build_year": 1955, "displacement_cc": 2982, "category": "S",
            "body_colour": "silver"},
}


def test_csv_export_starts_with_a_bom_and_reads_back(tmp_path: Path) -> None:
    event, out = tmp_path / "e.slotrace", tmp_path / "results.csv"
    assert main(["new", str(event)]) == 0
    with EventFile.open(event) as event_file:
        event_file.set_entries([ENTRY])
    assert main(["results", str(event), "--format", "csv", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "Jörg Müller".encode() in data
    rows = parse_csv(data.decode("utf-8"))
    assert "section" in rows[0] and not rows[0]["section"].startswith("\ufeff")
