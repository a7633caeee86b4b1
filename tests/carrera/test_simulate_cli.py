"""``slotrace simulate`` as an organiser runs it: a device string out, the truth file at the end."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace_carrera.protocol import decode_reply

TIMEOUT = 10.0


async def _poll_timers(target: str, count: int) -> list[tuple[int, int, int]]:
    host, port = target.removeprefix("carrera:socket://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    seen: list[tuple[int, int, int]] = []
    try:
        while len(seen) < count:
            writer.write(b'"?$')
            frame = await reader.readuntil(b"$")
            if frame[1:2] != b":":  # a timer frame, not a status
                timer = decode_reply(frame[:-1])
                seen.append((timer.address, timer.sector, timer.timestamp_ms))
    finally:
        writer.close()
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
async def test_simulate_prints_the_device_and_writes_the_truth_on_ctrl_c(tmp_path: Path) -> None:
    truth_file = tmp_path / "truth.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "slotrace",
        "simulate",
        "--listen",
        "127.0.0.1:0",
        "--cars",
        "1:2.0:0.1,2:2.2",
        "--sensors",
        "2",
        "--speedup",
        "50",
        "--seed",
        "3",
        "--truth",
        str(truth_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
        device = line.decode().strip()
        assert device.startswith("carrera:socket://127.0.0.1:")
        seen = await asyncio.wait_for(_poll_timers(device, 10), TIMEOUT)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 0, stderr.decode()
    assert b"ground truth written" in stderr
    records = [json.loads(line) for line in truth_file.read_text().splitlines()]
    assert records[0]["type"] == "run" and records[0]["seed"] == 3
    assert records[-1]["type"] == "summary"
    crossings = [r for r in records if r["type"] == "crossing"]
    intact = [(r["car"], r["sensor"], r["device_ms"]) for r in crossings if r["fate"] == "intact"]
    assert intact == seen
    assert records[-1]["queued"] == len(crossings) >= len(seen)


def test_bad_options_give_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--listen", "localhost:http"]) == 1
    assert "expected HOST:PORT" in capsys.readouterr().err
    assert main(["simulate", "--cars", "1:5,1:6"]) == 1
    assert "each car may appear once" in capsys.readouterr().err
    assert main(["simulate", "--faults", "drop=0.5,corrupt=0.6"]) == 1
    assert "more than 1" in capsys.readouterr().err
    assert main(["simulate", "--truth", "/no/such/folder/t.jsonl"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_help_explains_serving_cars_and_faults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = capsys.readouterr().out
    for expected in ("--listen HOST:PORT", "--pty", "CAR:LAP_SECONDS", "corrupt=", "examples:"):
        assert expected in text
