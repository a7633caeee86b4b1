"""The ARC codec and powerbase model stay sans-I/O at run time (import-linter checks the static
graph): importing them loads no Bluetooth, serial, UI or storage module, and building the CLI
imports no driver."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("textual", "serial", "serial_asyncio_fast", "bleak", "sqlite3", "_sqlite3", "asyncio")


def _loaded_after(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", ["slotrace_arc.protocol", "slotrace_arc.sim_model"])
def test_codec_and_model_import_no_io(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    offenders = [n for n in loaded if any(n == bad or n.startswith(bad + ".") for bad in FORBIDDEN)]
    assert offenders == [], f"{module} pulls in {offenders}"


def test_the_cli_finds_the_arc_driver_without_importing_it() -> None:
    loaded = _loaded_after("import slotrace.cli\nslotrace.cli.build_parser()")
    assert not [n for n in loaded if n.startswith("slotrace_arc")]
