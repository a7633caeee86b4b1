"""Tests of ``slotrace record`` and ``slotrace devices`` against a simulator process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from slotrace.cli import main
from slotrace.drivers_api import CarPassed, FirmwareVersion, LinkUp, event_from_record


@pytest.fixture
def simulator_device():
    """A fast simulator (2 cars, 20x speed) in its own process; yields its device string."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "slotrace",
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--cars",
            "1:3.0,2:3.2",
            "--speedup",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        device = process.stdout.readline().strip()
        assert device.startswith("carrera:socket://"), device
        yield device
    finally:
        process.terminate()
        process.wait(5)


def test_record_writes_every_event_as_json_lines_and_summarises_the_link(
    simulator_device, tmp_path, capsys
):
    out = tmp_path / "race.jsonl"
    code = main(["record", simulator_device, "--seconds", "1.5", "--start", "-o", str(out)])
    assert code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    events = [event_from_record(record) for record in records]
    assert all("received" in record for record in records)
    assert isinstance(events[0], LinkUp) and events[1] == FirmwareVersion("5337")
    laps = [e for e in events if isinstance(e, CarPassed)]
    assert {e.car for e in laps} == {1, 2}  # START x2 ran the lights, the race began
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"recorded {len(lines)} events" in summary
    for word in ("polls/s", "bad frames", "timeouts", "reconnects"):
        assert word in summary


def test_record_with_a_bad_device_fails_in_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "race.jsonl"
    code = main(["record", "carrera:ttyUSB0", "--seconds", "1", "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("slotrace record: error: 'carrera:ttyUSB0' is not a serial port")
    assert not out.exists()


def test_record_when_nothing_answers_writes_nothing(tmp_path, capsys):
    out = tmp_path / "race.jsonl"
    code = main(["record", f"carrera:{tmp_path}/ttyUSB7", "--seconds", "1", "-o", str(out)])
    assert code == 1
    assert "does not exist — is the PC-Unit cable plugged in?" in capsys.readouterr().err
    assert not out.exists()


def test_devices_lists_the_carrera_driver_with_its_device_syntax(capsys):
    assert main(["devices", "--no-scan"]) == 0
    out = capsys.readouterr().out
    assert "carrera" in out and "socket://HOST:PORT" in out and "COM3" in out


def test_devices_scan_reports_ports_and_a_note_when_bluetooth_is_unusable(capsys, monkeypatch):
    from slotrace.drivers_api import TransportError
    from slotrace_carrera import driver as carrera_driver

    async def no_bluetooth(timeout: float):
        raise TransportError("no Bluetooth adapter on this machine")

    monkeypatch.setattr(carrera_driver, "ble_control_units", no_bluetooth)
    assert main(["devices", "--timeout", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "Devices found by carrera:" in out
    assert "note: Bluetooth LE not searched: no Bluetooth adapter on this machine" in out
