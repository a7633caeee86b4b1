"""Serial link edges: a port is opened exclusively, and stable by-id names are listed."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from slotrace.drivers_api import TransportError
from slotrace_carrera import driver as carrera_driver
from slotrace_carrera.serial import SerialTransport

posix_only = pytest.mark.skipif(os.name != "posix", reason="ptys need Linux or macOS")


@posix_only
async def test_two_opens_of_one_port_give_a_clear_error():
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    first = SerialTransport(path)
    await first.open()
    try:
        with pytest.raises(TransportError, match=rf"{path} is in use by another program"):
            await SerialTransport(path).open()
    finally:
        await first.close()
        os.close(master)
        os.close(slave)


def test_devices_lists_the_stable_by_id_name_of_a_usb_adapter(tmp_path, monkeypatch):
    tty = tmp_path / "ttyUSB0"
    tty.touch()
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    (by_id / "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0").symlink_to(tty)
    port = SimpleNamespace(
        device=str(tty), vid=0x0403, pid=0x6001, manufacturer="FTDI", description="FT232R"
    )
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [port])
    (found,) = carrera_driver.serial_ports(by_id_dir=by_id)
    assert found.device == f"carrera:{by_id}/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
    assert found.description.endswith(f"= {tty}")


def test_devices_without_by_id_names_lists_the_plain_path(tmp_path, monkeypatch):
    port = SimpleNamespace(device="/dev/ttyS0", vid=None, pid=None, manufacturer=None)
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [port])
    (found,) = carrera_driver.serial_ports(by_id_dir=Path(tmp_path / "missing"))
    assert found.device == "carrera:/dev/ttyS0"
