"""Provides `first_heat_rows`: run an event file's next heat on the simulator through the real
``slotrace run`` and read back the heat and its cars' rows of the leg's classification."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from slotrace.store import EventFile
from slotrace.store.results import build_report


def first_heat_rows(path: Path, timeout_s: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``slotrace run PATH --next --device sim --speedup 50``; the finished heat's report and
    the first leg's classification rows of the cars that ran in it."""
    done = subprocess.run(
        [sys.executable, "-m", "slotrace", "run", str(path), "--next", "--device", "sim",
         "--speedup", "50", "--timeout", str(timeout_s)],
        capture_output=True, text=True, timeout=2 * timeout_s)
    assert done.returncode == 0, done.stderr
    with EventFile.open(path, read_only=True) as event_file:
        report = build_report(event_file)
    (heat,) = report["heats"]
    assert heat["status"] == "finished"
    ran = {row["entry_no"] for row in heat["standings"]}
    rows = [row for row in report["legs"][0]["rows"] if row["entry_no"] in ran]
    assert len(rows) == len(ran)
    return heat, rows
