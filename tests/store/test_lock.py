"""One writer at a time: a second writing process is refused at once, readers never are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.store import EventFile, EventFileLockedError, current_holder

SAMPLE_ENTRIES = Path(__file__).parents[2] / "slotrace/rules/data/sample-entries.csv"
HOLDER = """
import sys
from slotrace.store import EventFile
ef = EventFile.open(sys.argv[1], writer="slotrace run")
print("ready", flush=True)
sys.stdin.readline()
ef.close()
"""


def _start_holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"  # blocks until the lock is held
    return proc


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    path = tmp_path / "ev.slotrace"
    assert main(["new", str(path), "--name", "Lock test"]) == 0
    return path


def test_a_second_writer_is_refused_naming_the_holder_and_readers_still_read(
    event_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _start_holder(event_path)
    try:
        with pytest.raises(EventFileLockedError) as caught:
            EventFile.open(event_path, writer="slotrace open")
        assert caught.value.holder is not None
        assert caught.value.holder.pid == holder.pid
        assert caught.value.holder.program == "slotrace run"
        assert f"slotrace run on {os.uname().nodename} (process {holder.pid}) since" in str(
            caught.value
        )
        assert current_holder(event_path) == caught.value.holder
        with EventFile.open(event_path, read_only=True) as reader:  # never blocked
            assert reader.name == "Lock test"
        assert main(["results", str(event_path), "--format", "json"]) == 0
        capsys.readouterr()
        assert main(["entries", "import", str(event_path), str(SAMPLE_ENTRIES)]) == 1
        assert f"slotrace run on {os.uname().nodename} (process {holder.pid})" in (
            capsys.readouterr().err
        )
    finally:
        holder.communicate("\n", timeout=30)
    with EventFile.open(event_path, writer="slotrace open") as ef:  # free again
        assert ef.name == "Lock test"


def test_a_holder_killed_with_sigkill_never_leaves_the_file_locked(event_path: Path) -> None:
    holder = _start_holder(event_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert current_holder(event_path) is None
    with EventFile.open(event_path, writer="slotrace open") as ef:
        assert ef.name == "Lock test"


def test_one_process_may_open_its_own_file_twice_for_writing(event_path: Path) -> None:
    first = EventFile.open(event_path, writer="slotrace open")
    second = EventFile.open(event_path, writer="slotrace open")
    second.close()
    assert current_holder(event_path) is not None or first.path == event_path
    first.close()
    assert current_holder(event_path) is None
