"""`slotrace charity` on a file race control holds: it says to use race control's key, or to
wait until race control is closed, and records nothing; with the lock free it records."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.cli.charity import RACE_CONTROL_MONEY_KEY
from slotrace.store import EventFile
from slotrace.store.charity import day_money
from slotrace.tui.app import SlotraceApp

V4_FILE = Path(__file__).parent / "data" / "v4-charity-day.slotrace"
HOLDER = """
import sys
from slotrace.store import EventFile
ef = EventFile.open(sys.argv[1], writer=sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
ef.close()
"""


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    path = tmp_path / "charity.slotrace"
    shutil.copy(V4_FILE, path)
    EventFile.open(path).close()  # schema 5 before the holder takes it
    return path


def _hold(path: Path, writer: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), writer],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"  # the lock is held from here on
    return holder


def _records(path: Path) -> int:
    with EventFile.open(path, read_only=True) as ro:
        return len(day_money(ro))


def test_the_key_named_is_race_controls_money_key():
    [binding] = [b for b in SlotraceApp.BINDINGS if getattr(b, "action", "") == "record_money"]
    assert (binding.key, binding.description) == (RACE_CONTROL_MONEY_KEY, "Money")


def test_add_while_race_control_holds_the_file_names_the_key_and_records_nothing(
    event_path: Path, capsys: pytest.CaptureFixture[str]
):
    holder = _hold(event_path, "slotrace open (race control)")
    try:
        assert main(["charity", str(event_path), "add", "--bucket", "40", "--who", "pit"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"slotrace charity: error: {event_path}: race control has this "
                              f"event file open (slotrace open (race control) on ")
        assert f"(process {holder.pid})" in err and "nothing was recorded here" in err
        assert ("record the money in race control: press m (Money) on any of its screens, or "
                "wait until race control is closed and run this again") in err
        assert main(["charity", str(event_path), "revoke", "1", "--reason", "typo"]) == 1
        err = capsys.readouterr().err
        assert "nothing was revoked here" in err
        assert ("take it back in race control: press m (Money), then Take back, or wait until "
                "race control is closed and run this again") in err
        assert _records(event_path) == 4  # readers still read meanwhile
    finally:
        holder.communicate("\n", timeout=30)
    assert main(["charity", str(event_path), "add", "--bucket", "40", "--who", "pit"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("recorded #6: bucket 40.00 from pit")
    assert out[1] == ("Raised on the day: 285.90 (auctions 150.00 · donations 12.50 · "
                      "buckets 123.40)")  # 150 + 12.50 + 83.40 + 40
    assert _records(event_path) == 5


def test_another_writer_gets_the_generic_lock_message(
    event_path: Path, capsys: pytest.CaptureFixture[str]
):
    holder = _hold(event_path, "slotrace run")
    try:
        assert main(["charity", str(event_path), "add", "--bucket", "40", "--who", "pit"]) == 1
    finally:
        holder.communicate("\n", timeout=30)
    err = capsys.readouterr().err
    assert "is being written by slotrace run on " in err and "close it there first" in err
    assert "race control" not in err
    assert _records(event_path) == 4


def test_the_demo_is_race_control_too(tmp_path: Path):
    """`slotrace demo` holds its event file as race control: money recorded from a second
    terminal is pointed at the demo's m key, not given the generic lock message."""
    from slotrace.tui.demo_event import DEMO_TEMPLATE, create_demo_event

    path = tmp_path / "demo.slotrace"
    with create_demo_event(path, template=DEMO_TEMPLATE):  # the lock is this process's
        done = subprocess.run(
            [sys.executable, "-m", "slotrace", "charity", str(path), "add", "--donation", "5",
             "--who", "bar"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "race control has this event file open (slotrace demo (race control)" in done.stderr
    assert "press m (Money)" in done.stderr
