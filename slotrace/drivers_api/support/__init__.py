"""Provides link helpers every driver may use: a serial link (pyserial) and a BLE link
(bleak), both mapping library and OS errors to `TransportError` in words an organiser can act
on. Importing this package imports neither pyserial nor bleak; each is loaded when a link of
its kind is opened."""

from slotrace.drivers_api.support.ble import BleLink, BleNotification, explain_ble_error, scan_ble
from slotrace.drivers_api.support.serial import SerialLink, explain_serial_error, no_answer

__all__ = [
    "BleLink",
    "BleNotification",
    "SerialLink",
    "explain_ble_error",
    "explain_serial_error",
    "no_answer",
    "scan_ble",
]
