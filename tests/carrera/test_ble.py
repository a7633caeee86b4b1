"""BLE transport tests against a fake bleak backend that runs the simulator's CU model,
plus every way Bluetooth can be missing turning into a clear TransportError."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDeviceNotFoundError,
)

from slotrace.drivers_api import (
    CarPassed,
    FirmwareVersion,
    LinkDown,
    LinkUp,
    StartLight,
    StatusReport,
    TransportError,
)
from slotrace_carrera.ble import WRITE_UUID, BleTransport, scan_control_units
from slotrace_carrera.session import PollSession, SessionSettings
from slotrace_carrera.sim_config import CarSpec, ModelConfig
from slotrace_carrera.simulator import ControlUnitModel

from .fake_ble import fake_cu_backend

ADDRESS = "D4:8B:39:00:00:01"
DEADLINE_S = 10.0


def model(**options) -> ControlUnitModel:
    cars = (CarSpec(1, lap_ms=2000, jitter_ms=0), CarSpec(3, lap_ms=2500, jitter_ms=0))
    return ControlUnitModel(ModelConfig(cars=cars, sensor_groups=3, version="5337", **options))


async def test_transport_writes_without_response_and_reads_one_notification_per_reply():
    backend = fake_cu_backend(model())
    transport = BleTransport(ADDRESS, backend=backend)
    await transport.open()
    await transport.write(b"0")
    assert await asyncio.wait_for(transport.read(), DEADLINE_S) == b"53372$"
    await transport.write(b"?")
    status = await asyncio.wait_for(transport.read(), DEADLINE_S)
    await transport.close()
    assert status.startswith(b":") and status.endswith(b"$") and len(status) == 16
    assert backend.instances[0].writes == [(WRITE_UUID, b"0", False), (WRITE_UUID, b"?", False)]
    assert transport.description == f"BLE {ADDRESS}"


async def test_poll_session_over_ble_reads_version_status_and_every_timer_event():
    cu = model()
    session = PollSession(
        BleTransport(ADDRESS, backend=fake_cu_backend(cu)),
        settings=SessionSettings(request_timeout=2.0, connect_timeout=2.0),
        clock=lambda: cu.now_ms / 1000,  # host time = model time: the fake CU's clock
    )
    await session.start()
    events = []

    async def collect_until_enough_laps() -> None:
        while sum(isinstance(e, CarPassed) for e in events) < 12:
            event = await session.next_event()
            assert event is not None, "the session ended early"
            events.append(event)

    await asyncio.wait_for(collect_until_enough_laps(), DEADLINE_S)
    await session.close()

    assert isinstance(events[0], LinkUp)
    assert FirmwareVersion("5337") in events
    statuses = [e for e in events if isinstance(e, StatusReport)]
    assert statuses and statuses[0].start_light is StartLight.OFF
    passed = [(e.car, e.sensor, e.device_ms) for e in events if isinstance(e, CarPassed)]
    truth = [(c.car, c.sensor, c.device_ms) for c in cu.truth.crossings[: len(passed)]]
    assert passed == truth
    assert {sensor for _, sensor, _ in passed} == {1, 2, 3}
    assert session.stats.bad_frames == 0


async def test_a_dropped_ble_link_fails_reads_with_a_clear_error():
    backend = fake_cu_backend(model())
    transport = BleTransport(ADDRESS, backend=backend)
    await transport.open()
    backend.instances[0].hang_up()
    with pytest.raises(TransportError, match=r"Bluetooth link to BLE .* was lost"):
        await asyncio.wait_for(transport.read(), DEADLINE_S)
    with pytest.raises(TransportError, match="not connected"):
        await transport.write(b"?")
    await transport.close()


def failing_backend(error: BaseException) -> type:
    backend = fake_cu_backend(model())

    async def connect(self, pair: bool = False, **kwargs) -> None:
        raise error

    backend.connect = connect
    return backend


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (FileNotFoundError(2, "No such file or directory"), "no Bluetooth on this machine.*BlueZ"),
        (
            BleakBluetoothNotAvailableError(
                "Bluetooth is off", BleakBluetoothNotAvailableReason.POWERED_OFF
            ),
            r"no Bluetooth on this machine \(powered off\)",
        ),
        (BleakDeviceNotFoundError(ADDRESS), f"no Bluetooth device {ADDRESS} found.*AppConnect"),
        (TimeoutError(), "timed out while connecting to BLE"),
    ],
)
async def test_missing_bluetooth_is_a_transport_error_not_a_traceback(error, message):
    transport = BleTransport(ADDRESS, backend=failing_backend(error))
    with pytest.raises(TransportError, match=message):
        await transport.open()
    with pytest.raises(TransportError):
        await transport.read()
    await transport.close()  # safe after a failed open


async def test_scan_without_bluetooth_is_a_transport_error():
    async def no_dbus(timeout: float):
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(TransportError, match="no Bluetooth on this machine"):
        await scan_control_units(0.1, scanner_factory=no_dbus)


async def test_scan_lists_only_control_units_strongest_first():
    def seen(address: str, name: str, rssi: int, uuids=()):
        return (
            SimpleNamespace(address=address, name=name),
            SimpleNamespace(local_name=name, rssi=rssi, service_uuids=list(uuids)),
        )

    async def radio(timeout: float):
        return [
            seen("AA:00:00:00:00:01", "Control_Unit", -80),
            seen("AA:00:00:00:00:02", "Headphones", -30),
            seen("AA:00:00:00:00:03", "Control Unit", -50),
        ]

    found = await scan_control_units(0.1, scanner_factory=radio)
    assert [d.device for d in found] == [
        "carrera:ble:AA:00:00:00:00:03",
        "carrera:ble:AA:00:00:00:00:01",
    ]
    assert "RSSI -50" in found[0].description


def test_write_characteristic_is_the_appconnect_one():
    assert WRITE_UUID == "39df8888-b1b4-b90b-57f1-7144ae4e4a6a"


async def test_poll_session_over_ble_survives_a_dongle_hang_up_without_losing_a_lap():
    cu = model()
    backend = fake_cu_backend(cu)
    session = PollSession(
        BleTransport(ADDRESS, backend=backend),
        settings=SessionSettings(request_timeout=2.0, connect_timeout=2.0, min_reconnect_delay=0.0),
        clock=lambda: cu.now_ms / 1000,
    )
    await session.start()
    events = []

    async def collect(laps: int) -> None:
        while sum(isinstance(e, CarPassed) for e in events) < laps:
            event = await session.next_event()
            assert event is not None, "the session ended early"
            events.append(event)

    await asyncio.wait_for(collect(5), DEADLINE_S)
    backend.instances[-1].hang_up()
    await asyncio.wait_for(collect(15), DEADLINE_S)
    await session.close()

    assert len(backend.instances) == 2, "the session should have reconnected once"
    assert any(isinstance(e, LinkDown) for e in events)
    passed = [(e.car, e.sensor, e.device_ms) for e in events if isinstance(e, CarPassed)]
    truth = [(c.car, c.sensor, c.device_ms) for c in cu.truth.crossings[: len(passed)]]
    assert passed == truth
