"""Tests of the driver API seen from outside: registry, device strings, records, the
Carrera driver's target parsing and its transport error messages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slotrace.drivers_api import (
    CAR_LIMIT,
    Button,
    Capabilities,
    Capability,
    CarPassed,
    ClearPositions,
    DeviceRefused,
    DeviceStringError,
    EpochStarted,
    FirmwareVersion,
    LightPhase,
    LinkDown,
    LinkUp,
    LocalProtocolError,
    ModeFlags,
    PressButton,
    RecordError,
    RequestVersion,
    ResetTimer,
    SetBrake,
    SetFuel,
    SetIgnoreMask,
    SetLapCounter,
    SetPosition,
    SetRaceFinished,
    SetSpeed,
    SetTrackPower,
    StartLight,
    StatusReport,
    TransportError,
    UnknownDriverError,
    command_from_record,
    event_from_record,
    installed_drivers,
    load_driver,
    open_device,
    parse_device,
    to_record,
)
from slotrace.drivers_api.commands import DRIVER_COMMAND_TYPES
from slotrace.drivers_api.events import DRIVER_EVENT_TYPES

# --------------------------------------------------------------------------- registry


def test_listing_drivers_imports_no_driver_module():
    code = (
        "import json, sys\n"
        "from slotrace.drivers_api import installed_drivers\n"
        "names = [d.name for d in installed_drivers()]\n"
        "print(json.dumps([names, sorted(m for m in sys.modules if m.startswith("
        "('slotrace_carrera', 'serial', 'bleak')))]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    names, loaded = json.loads(out)
    assert "carrera" in names
    assert loaded == []


def test_the_carrera_driver_is_found_through_its_entry_point():
    (carrera,) = [d for d in installed_drivers() if d.name == "carrera"]
    assert carrera.target == "slotrace_carrera.driver:CarreraDriver"
    cls = load_driver("carrera")
    assert cls.name == "carrera"
    assert "socket://" in cls.target_help


def test_unknown_driver_names_the_installed_ones():
    with pytest.raises(UnknownDriverError, match=r"'scalextric'.*installed: .*carrera"):
        load_driver("scalextric")


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("carrera:/dev/ttyUSB0", ("carrera", "/dev/ttyUSB0")),
        ("carrera:COM3", ("carrera", "COM3")),
        ("carrera:socket://127.0.0.1:7878", ("carrera", "socket://127.0.0.1:7878")),
        ("carrera:ble:D4:8B:39:00:00:01", ("carrera", "ble:D4:8B:39:00:00:01")),
    ],
)
def test_device_strings_split_into_driver_and_target(device, expected):
    assert parse_device(device) == expected


@pytest.mark.parametrize("device", ["carrera", "carrera:", ":/dev/ttyUSB0", ""])
def test_malformed_device_strings_explain_the_form(device):
    with pytest.raises(DeviceStringError, match="DRIVER:TARGET"):
        parse_device(device)


# --------------------------------------------------------------------------- carrera targets


@pytest.mark.parametrize(
    ("device", "transport", "description"),
    [
        ("carrera:/dev/ttyUSB0", "SerialTransport", "/dev/ttyUSB0"),
        ("carrera:COM3", "SerialTransport", "COM3"),
        ("carrera:com12", "SerialTransport", "com12"),
        ("carrera:socket://127.0.0.1:7878", "SerialTransport", "socket://127.0.0.1:7878"),
        ("carrera:rfc2217://lab-pi:4000", "SerialTransport", "rfc2217://lab-pi:4000"),
    ],
)
def test_carrera_targets_pick_the_transport(device, transport, description):
    driver = open_device(device)
    assert type(driver.transport).__name__ == transport
    assert driver.transport.description == description


def test_carrera_ble_target_picks_the_ble_transport():
    pytest.importorskip("slotrace_carrera.ble")
    for address in ("D4:8B:39:00:00:01", "1A2B3C4D-0000-1111-2222-333344445555"):
        driver = open_device(f"carrera:ble:{address}")
        assert type(driver.transport).__name__ == "BleTransport"


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("carrera:ttyUSB0", "not a serial port, pyserial URL or Bluetooth address"),
        ("carrera:http://example.org", "unknown URL scheme 'http'"),
        ("carrera:socket://localhost", "needs a host and a port"),
        ("carrera:ble:D4:8B:39", "neither a MAC"),
    ],
)
def test_bad_carrera_targets_say_what_is_accepted(device, message):
    with pytest.raises(DeviceStringError, match=message):
        open_device(device)


def test_unknown_driver_option_is_refused():
    from slotrace.drivers_api import DriverError

    with pytest.raises(DriverError, match=r"unknown option.*request_timeout"):
        open_device("carrera:/dev/ttyUSB0", request_timout=1.0)


async def test_missing_serial_port_error_tells_the_organiser_what_to_check(tmp_path):
    driver = open_device(f"carrera:{tmp_path}/ttyUSB9", connect_timeout=0.2)
    with pytest.raises(TransportError, match=r"ttyUSB9 does not exist — is the PC-Unit cable"):
        await driver.start()


async def test_nothing_listening_error_suggests_the_simulator():
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    driver = open_device(f"carrera:socket://127.0.0.1:{port}")
    with pytest.raises(TransportError, match=r"nothing is listening.*slotrace simulate"):
        await driver.start()


async def test_silent_device_error_names_the_device_and_the_wait():
    import asyncio

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)  # accept and never answer

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        driver = open_device(f"carrera:socket://127.0.0.1:{port}", connect_timeout=0.2)
        with pytest.raises(
            TransportError, match=rf"no control unit answered on socket://127.0.0.1:{port} within"
        ):
            await driver.start()
    finally:
        server.close()


async def test_socket_link_hands_over_every_byte_of_bursts_larger_than_its_read_buffer():
    """The link reads a socket into one buffer it reuses; a chunk handed over must be a copy,
    so a later burst cannot overwrite one the poll loop has not parsed yet."""
    import asyncio

    from slotrace.drivers_api.support import SerialLink

    bursts = [bytes(range(256)) * 40, b"?1234567890$", b"x" * 5000 + b"$"]  # 10,240 B first

    async def talker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for burst in bursts:
            await reader.readexactly(1)  # one burst per request, as a control unit answers
            writer.write(burst)
            await writer.drain()
        await reader.read()

    server = await asyncio.start_server(talker, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = SerialLink(f"socket://127.0.0.1:{port}")
    try:
        await link.open()
        got: list[bytes] = []
        await link.write(b"?")
        first = b""
        while len(first) < len(bursts[0]):
            first += await link.read(timeout=5)
        got.append(first)
        pushed: list[bytes] = []
        arrived = asyncio.Event()
        link.push(lambda chunk: (pushed.append(chunk), arrived.set()))
        for burst in bursts[1:]:
            await link.write(b"?")
            while sum(map(len, pushed)) < len(burst):
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 5)
            got.append(b"".join(pushed))
            pushed.clear()
    finally:
        await link.close()
        server.close()
    assert got == bursts
    assert all(type(chunk) is bytes for chunk in got)


def test_permission_and_busy_errors_are_explained():
    import errno

    import serial

    from slotrace_carrera.serial import explain_open_error

    denied = serial.SerialException(errno.EACCES, "could not open port /dev/ttyUSB0: denied")
    assert "add your user to the dialout group" in explain_open_error("/dev/ttyUSB0", denied)
    busy = serial.SerialException(errno.EBUSY, "could not open port /dev/ttyUSB0: busy")
    assert "in use by another program" in explain_open_error("/dev/ttyUSB0", busy)
    windows = serial.SerialException(
        "could not open port 'COM7': FileNotFoundError(2, 'The system cannot find the file "
        "specified.', None, 2)"
    )
    assert "COM7 does not exist" in explain_open_error("COM7", windows)


# --------------------------------------------------------------------------- records

cars = st.integers(1, CAR_LIMIT)
nibbles = st.integers(0, 15)
LEVELS = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def status_reports(draw):
    scale = draw(st.sampled_from([15, 100, 255]))
    return StatusReport(
        draw(st.lists(st.integers(0, scale), max_size=20).map(tuple)),
        draw(st.sampled_from(StartLight)),
        draw(st.builds(ModeFlags, nibbles)),
        draw(st.frozensets(cars)),
        draw(st.sampled_from([6, 8])),
        scale,
    )


EVENT_STRATEGIES = {
    CarPassed: st.builds(
        CarPassed, cars, st.integers(1, 3), st.integers(0, 2**32 - 1), st.integers(0, 99)
    ),
    StatusReport: status_reports(),
    FirmwareVersion: st.builds(FirmwareVersion, st.text(min_size=1, max_size=8)),
    EpochStarted: st.builds(EpochStarted, st.integers(0, 1000), st.text(max_size=40)),
    LinkUp: st.builds(LinkUp, st.text(max_size=40), st.integers(0, 1000)),
    LinkDown: st.builds(LinkDown, st.text(max_size=40)),
    DeviceRefused: st.builds(
        DeviceRefused, st.text(max_size=20), st.text(max_size=40), st.booleans()
    ),
}
COMMAND_STRATEGIES = {
    PressButton: st.builds(PressButton, st.sampled_from(Button)),
    SetIgnoreMask: st.builds(SetIgnoreMask, st.frozensets(cars)),
    SetSpeed: st.builds(SetSpeed, cars, LEVELS),
    SetBrake: st.builds(SetBrake, cars, LEVELS),
    SetFuel: st.builds(SetFuel, cars, LEVELS),
    SetPosition: st.builds(SetPosition, cars, cars),
    ClearPositions: st.just(ClearPositions()),
    SetLapCounter: st.builds(SetLapCounter, st.integers(0, 255)),
    ResetTimer: st.just(ResetTimer()),
    SetRaceFinished: st.builds(SetRaceFinished, cars),
    SetTrackPower: st.builds(SetTrackPower, st.booleans()),
    RequestVersion: st.just(RequestVersion()),
}
EVENTS = st.one_of(*EVENT_STRATEGIES.values())
COMMANDS = st.one_of(*COMMAND_STRATEGIES.values())


def test_round_trips_cover_every_event_and_command_type():
    assert set(EVENT_STRATEGIES) == set(DRIVER_EVENT_TYPES)
    assert set(COMMAND_STRATEGIES) == set(DRIVER_COMMAND_TYPES)


@given(EVENTS)
def test_every_event_survives_a_json_round_trip(event):
    line = json.dumps({**to_record(event), "received": "2026-05-01T10:00:00.000+00:00"})
    assert event_from_record(json.loads(line)) == event


@given(COMMANDS)
def test_every_command_survives_a_json_round_trip(command):
    assert command_from_record(json.loads(json.dumps(to_record(command)))) == command


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "CarPassed", "car": 0, "sensor": 1, "device_ms": 5}, "car must be 1..255"),
        ({"type": "StatusReport", "fuel": [16], "start_light": 0, "mode": 0}, "levels 0..15"),
        ({"type": "CarPassed", "car": 1, "sensor": 1}, "missing field 'device_ms'"),
        ({"type": "Lap", "car": 1}, "unknown event type 'Lap'"),
        ({"type": "StatusReport", "fuel": [0] * 8, "start_light": 12, "mode": 0}, "StartLight"),
    ],
)
def test_bad_records_name_the_field(record, message):
    with pytest.raises(RecordError, match=message):
        event_from_record(record)


# --------------------------------------------------------------------------- neutral values


def test_a_journal_written_before_fuel_scale_existed_still_loads_as_carrera_levels():
    old = {"type": "StatusReport", "fuel": [15, 8, 0, 0, 0, 0, 0, 0], "start_light": 0,
           "mode": 5, "pit": [], "display": 6}
    report = event_from_record(old)
    assert report.fuel_scale == 15 and report.fuel_of(2) == 8
    assert report.fuel_fraction(1) == 1.0 and report.fuel_fraction(3) == 0.0


def test_fuel_reads_as_a_fraction_of_whatever_scale_the_device_has():
    report = StatusReport((100, 25), StartLight.OFF, ModeFlags.FUEL, fuel_scale=100)
    assert [report.fuel_fraction(car) for car in (1, 2, 3)] == [1.0, 0.25, None]
    no_fuel = StatusReport((), StartLight.OFF, ModeFlags.NONE)
    assert no_fuel.fuel_fraction(1) is None and no_fuel.fuel_of(1) == 0


def test_cars_beyond_eight_are_neutral_values():
    # oXigen runs 20 cars: nothing in the value objects caps them at Carrera's 8
    assert CarPassed(20, 1, 5).car == 20
    assert SetSpeed(20, 0.2).car == 20
    assert StatusReport((0,) * 20, StartLight.OFF, ModeFlags.NONE, frozenset({20})).pit


def test_car_settings_are_a_fraction_of_whatever_range_the_device_has():
    """SetSpeed, SetBrake and SetFuel carry a level 0.0..1.0, not Carrera's 16 steps: each
    driver maps it onto its own scale, the ends always onto the ends."""
    from slotrace.drivers_api import level_steps

    assert [level_steps(level, 15) for level in (0.0, 0.6, 1.0)] == [0, 9, 15]  # Carrera
    assert [level_steps(level, 63) for level in (0.0, 0.6, 1.0)] == [0, 38, 63]  # ARC power
    for command in (SetSpeed, SetBrake, SetFuel):
        with pytest.raises(ValueError, match=r"must be a fraction 0\.0\.\.1\.0"):
            command(1, 15)
        with pytest.raises(ValueError, match="fraction"):
            command(1, float("nan"))


def test_a_driver_refuses_cars_it_does_not_declare_in_one_line():
    caps = Capabilities(max_cars=6, sensor_groups=1, flags=Capability.NONE)
    assert caps.has_car(6) and not caps.has_car(7) and not caps.has_car(0)
    caps.check_car(6)
    with pytest.raises(LocalProtocolError, match=r"car 7: the ARC powerbase runs cars 1\.\.6"):
        caps.check_car(7, "the ARC powerbase")


@pytest.mark.parametrize(("max_cars", "groups"), [(0, 1), (CAR_LIMIT + 1, 1), (6, 0), (6, 4)])
def test_capabilities_refuse_an_impossible_declaration(max_cars, groups):
    with pytest.raises(ValueError, match=r"max_cars|sensor_groups"):
        Capabilities(max_cars=max_cars, sensor_groups=groups, flags=Capability.NONE)


@pytest.mark.parametrize(
    ("light", "phase", "lit"),
    [
        (StartLight.OFF, LightPhase.OFF, 0),
        (StartLight.READY, LightPhase.ARMED, 5),
        (StartLight.COUNT_1, LightPhase.COUNTDOWN, 1),
        (StartLight.COUNT_5, LightPhase.COUNTDOWN, 5),
        (StartLight.GO, LightPhase.GO, 0),
        (StartLight.FALSE_START, LightPhase.FALSE_START, 0),
        (StartLight.FALSE_START_HELD, LightPhase.FALSE_START, 0),
    ],
)
def test_start_lights_read_as_a_count_and_a_phase(light, phase, lit):
    assert (light.phase, light.lit) == (phase, lit)
    if light is not StartLight.FALSE_START_HELD:
        assert StartLight.of(phase, lit) is light


def test_start_lights_of_another_gantry_scale_to_five_without_losing_a_lit_light():
    assert [StartLight.of(LightPhase.COUNTDOWN, n, total=3).lit for n in (1, 2, 3)] == [2, 4, 5]
    assert StartLight.of(LightPhase.COUNTDOWN, 1, total=10).lit == 1
    with pytest.raises(ValueError, match="at least one light"):
        StartLight.of(LightPhase.COUNTDOWN, 0)
    with pytest.raises(ValueError, match=r"0\.\.3 of 3"):
        StartLight.of(LightPhase.COUNTDOWN, 4, total=3)


@given(st.sampled_from(LightPhase), st.integers(1, 12).flatmap(
    lambda total: st.tuples(st.integers(0, total), st.just(total))))
def test_any_gantry_reading_keeps_its_phase(phase, lit_total):
    lit, total = lit_total
    if phase is LightPhase.COUNTDOWN and lit == 0:
        with pytest.raises(ValueError):
            StartLight.of(phase, lit, total=total)
        return
    light = StartLight.of(phase, lit, total=total)
    assert light.phase is phase
    if phase is LightPhase.COUNTDOWN:
        assert 1 <= light.lit <= 5 and (light.lit == 5) == (lit == total)
